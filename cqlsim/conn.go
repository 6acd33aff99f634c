package cqlsim

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

// maxInFlight bounds the requests one connection runs at once; the read loop
// stops reading while it is reached, which pushes back on the client.
const maxInFlight = 1024

// connection states.
const (
	stateStartup = iota // waiting for STARTUP
	stateAuth           // AUTHENTICATE sent, waiting for AUTH_RESPONSE
	stateReady
)

// conn is one client connection to a node.
type conn struct {
	node *Node
	nc   net.Conn
	ctx  context.Context
	stop context.CancelFunc

	wmu sync.Mutex
	w   *bufio.Writer

	mu       sync.Mutex
	state    int
	keyspace string
	events   map[string]bool
	user     string
	// comp compresses the bodies of frames after STARTUP when the client
	// chose an algorithm there; nil for none.
	comp cqlproto.Compressor

	inflight chan struct{}
	reqs     sync.WaitGroup
}

func newConn(n *Node, nc net.Conn) *conn {
	ctx, stop := context.WithCancel(context.Background())
	return &conn{node: n, nc: nc, ctx: ctx, stop: stop, w: bufio.NewWriterSize(nc, 64<<10),
		events: map[string]bool{}, inflight: make(chan struct{}, maxInFlight)}
}

func (c *conn) close() {
	c.stop()
	_ = c.nc.Close()
}

func (c *conn) compressor() cqlproto.Compressor {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.comp
}

func (c *conn) registered(kind string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events[kind]
}

// send writes one response frame; errors close the connection.
func (c *conn) send(stream int16, op cqlproto.Opcode, body []byte) {
	c.sendFlags(stream, 0, op, body)
}

// sendFlags writes one response frame with header flags; the body (with
// the warnings a flag announces) is compressed when the connection
// negotiated compression.
func (c *conn) sendFlags(stream int16, flags byte, op cqlproto.Opcode, body []byte) {
	if comp := c.compressor(); comp != nil && len(body) > 0 {
		body, flags = comp.Compress(nil, body), flags|cqlproto.FlagCompression
	}
	// The header and the body are written apart, so that a body of a
	// large page is not copied into a frame first (a page of rows is
	// written from its own buffer, past the writer's).
	var head [cqlproto.HeaderSize]byte
	cqlproto.AppendResponseHeader(head[:0], flags, stream, op, len(body))
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.w.Write(head[:])
	if err == nil {
		_, err = c.w.Write(body)
	}
	if err == nil {
		err = c.w.Flush()
	}
	if err != nil {
		c.close()
	}
}

// sendOversized answers stream with a RESULT frame of OversizedLength
// bytes of zeros (an OversizedFrame fault), written in chunks: the frame
// is never held whole.
func (c *conn) sendOversized(stream int16) {
	header := cqlproto.AppendResponseHeader(nil, 0, stream, cqlproto.OpResult, OversizedLength)
	chunk := make([]byte, 1<<20)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.w.Write(header)
	for left := OversizedLength; err == nil && left > 0; left -= len(chunk) {
		_, err = c.w.Write(chunk[:min(left, len(chunk))])
	}
	if err == nil {
		err = c.w.Flush()
	}
	if err != nil {
		c.close()
	}
}

func (c *conn) sendError(stream int16, e *reqError) {
	c.send(stream, cqlproto.OpError, e.appendBody(nil))
}

// serveConn reads frames until the connection ends.
func (c *conn) serveConn() {
	defer func() {
		c.close()
		c.reqs.Wait()
	}()
	r := bufio.NewReaderSize(c.nc, 64<<10)
	log := c.node.cluster.log
	for {
		f, err := cqlproto.ReadFrame(r)
		if err != nil {
			var verr *cqlproto.VersionError
			var perr *cqlproto.ProtocolError
			switch {
			case errors.As(err, &verr):
				// Cassandra checks the version byte before it decodes the
				// stream id, so it answers on stream 0, in a header of its own
				// version, and closes; drivers then retry a lower version on
				// a new connection.
				c.sendError(0, protocolf("%s", verr.Error()))
			case errors.As(err, &perr):
				c.sendError(perr.Stream, protocolf("%s", perr.Msg))
			case errors.Is(err, cqlproto.ErrFrameTooLarge):
				c.sendError(f.Header.Stream, protocolf("%v", err))
			case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
			default:
				log.Debug("connection read failed", zap.String("node", c.node.Addr()), zap.Error(err))
			}
			return
		}
		if f.Header.Flags&cqlproto.FlagCompression != 0 {
			comp := c.compressor()
			if comp == nil {
				c.sendError(f.Header.Stream, protocolf("compression flag set but no compression was negotiated"))
				return
			}
			body, err := comp.Decompress(f.Body)
			if err != nil {
				c.sendError(f.Header.Stream, protocolf("%v", err))
				return
			}
			f.Body = body
		}
		switch f.Header.Opcode {
		case cqlproto.OpQuery, cqlproto.OpPrepare, cqlproto.OpExecute, cqlproto.OpBatch:
			if !c.ready(f.Header.Stream) {
				continue
			}
			select {
			case c.inflight <- struct{}{}:
			case <-c.ctx.Done():
				return
			}
			c.reqs.Add(1)
			go func() {
				defer func() { <-c.inflight; c.reqs.Done() }()
				c.handleRequest(f)
			}()
		default:
			if !c.handleControl(f) {
				return
			}
		}
	}
}

// ready checks that the handshake is complete, answering an error if not.
func (c *conn) ready(stream int16) bool {
	c.mu.Lock()
	state := c.state
	c.mu.Unlock()
	switch state {
	case stateReady:
		return true
	case stateAuth:
		c.sendError(stream, &reqError{code: cqlproto.ErrUnauthorized, msg: "You have not logged in"})
	default:
		c.sendError(stream, protocolf("Unexpected message, expecting STARTUP or OPTIONS"))
	}
	return false
}

// handleControl answers handshake and housekeeping messages in order. It
// returns false when the connection must close.
func (c *conn) handleControl(f cqlproto.Frame) bool {
	stream := f.Header.Stream
	r := cqlproto.NewReader(f.Body)
	switch f.Header.Opcode {
	case cqlproto.OpOptions:
		keys := []string{"COMPRESSION", "CQL_VERSION", "PROTOCOL_VERSIONS"}
		body := cqlproto.AppendStringMultimap(nil, keys, map[string][]string{
			"COMPRESSION":       cqlproto.Compressions,
			"CQL_VERSION":       {c.node.cluster.rel.cqlVersion()},
			"PROTOCOL_VERSIONS": {"4/v4"},
		})
		c.send(stream, cqlproto.OpSupported, body)
	case cqlproto.OpStartup:
		opts := r.StringMap()
		if err := r.Err(); err != nil {
			c.sendError(stream, protocolf("Invalid STARTUP message: %v", err))
			return false
		}
		c.mu.Lock()
		state := c.state
		c.mu.Unlock()
		if state != stateStartup {
			c.sendError(stream, protocolf("Unexpected message STARTUP, the connection is already started"))
			return true
		}
		if _, ok := opts["CQL_VERSION"]; !ok {
			c.sendError(stream, protocolf("Missing value CQL_VERSION in STARTUP message"))
			return true
		}
		if name := opts["COMPRESSION"]; name != "" {
			// As Cassandra, from the response to STARTUP on, every frame
			// the server sends is compressed.
			comp := cqlproto.CompressorFor(strings.ToLower(name))
			if comp == nil {
				c.sendError(stream, protocolf("Unknown compression algorithm: %s", name))
				return true
			}
			c.mu.Lock()
			c.comp = comp
			c.mu.Unlock()
		}
		if c.node.cluster.cfg.Username != "" {
			c.setState(stateAuth)
			c.send(stream, cqlproto.OpAuthenticate, cqlproto.AppendString(nil, "org.apache.cassandra.auth.PasswordAuthenticator"))
			return true
		}
		c.setState(stateReady)
		c.send(stream, cqlproto.OpReady, nil)
	case cqlproto.OpAuthResponse:
		token := r.Bytes()
		c.mu.Lock()
		state := c.state
		c.mu.Unlock()
		if state != stateAuth {
			c.sendError(stream, protocolf("Unexpected message AUTH_RESPONSE, no authentication is in progress"))
			return true
		}
		user, pass, ok := parsePlain(token)
		cfg := c.node.cluster.cfg
		if !ok {
			c.sendError(stream, &reqError{code: cqlproto.ErrBadCredentials, msg: "Authentication failed: the SASL PLAIN token is malformed"})
			return true
		}
		if subtle.ConstantTimeCompare([]byte(user), []byte(cfg.Username)) != 1 ||
			subtle.ConstantTimeCompare([]byte(pass), []byte(cfg.Password)) != 1 {
			c.sendError(stream, &reqError{code: cqlproto.ErrBadCredentials, msg: "Provided username " + user + " and/or password are incorrect"})
			return true
		}
		c.mu.Lock()
		c.user = user
		c.state = stateReady
		c.mu.Unlock()
		c.send(stream, cqlproto.OpAuthSuccess, cqlproto.AppendBytes(nil, nil))
	case cqlproto.OpRegister:
		if !c.ready(stream) {
			return true
		}
		kinds := r.StringList()
		if err := r.Err(); err != nil {
			c.sendError(stream, protocolf("Invalid REGISTER message: %v", err))
			return false
		}
		c.mu.Lock()
		for _, k := range kinds {
			switch k {
			case "TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE":
				c.events[k] = true
			default:
				c.mu.Unlock()
				c.sendError(stream, protocolf("Invalid value '%s' for Type; allowed are TOPOLOGY_CHANGE, STATUS_CHANGE, SCHEMA_CHANGE", k))
				return true
			}
		}
		c.mu.Unlock()
		c.send(stream, cqlproto.OpReady, nil)
	default:
		c.sendError(stream, protocolf("Unknown or unexpected opcode %s for a request", f.Header.Opcode))
		return false
	}
	return true
}

func (c *conn) setState(s int) {
	c.mu.Lock()
	c.state = s
	c.mu.Unlock()
}

// parsePlain splits a SASL PLAIN token: [authzid] NUL user NUL password.
func parsePlain(tok []byte) (user, pass string, ok bool) {
	parts := bytes.Split(tok, []byte{0})
	if len(parts) != 3 {
		return "", "", false
	}
	return string(parts[1]), string(parts[2]), true
}

// handleRequest runs QUERY, PREPARE, EXECUTE and BATCH, with added latency
// and injected faults. A read waits for its turn under the node's
// capacity, holds it while it runs and while its service time passes, and
// gives it to the next read before its answer is sent.
func (c *conn) handleRequest(f cqlproto.Frame) {
	stream := f.Header.Stream
	var t turn
	defer t.done()
	res, err := c.execFrameSafe(f, &t)
	if errors.Is(err, errConnClosed) {
		return
	}
	if !res.immediate {
		base := c.node.faults.delay(res.nonReplica)
		d := t.serviceTime(base, res.body, res.counted)
		// The work the deadline bounds: the wait and the service time
		// without Latency (the knee multiplies both; only the work's share
		// counts).
		if limit := res.deadline; err == nil && limit > 0 && t.waited+t.serviceTime(0, res.body, res.counted) > limit {
			// The read works past its deadline: the coordinator gives up
			// at the deadline and answers ReadTimeout.
			d = base + max(0, limit-t.waited)
			res, err = result{}, injected(ReadTimeout, res.cl, false)
			c.node.capacity.timedOut()
		}
		if d > 0 {
			tm := time.NewTimer(d)
			select {
			case <-tm.C:
			case <-c.ctx.Done():
				tm.Stop()
				return
			}
		}
	}
	t.done()
	if errors.Is(err, errOversized) {
		c.sendOversized(stream)
		return
	}
	if err != nil {
		var re *reqError
		if !errors.As(err, &re) {
			re = serverf("%v", err)
		}
		c.sendError(stream, re)
		return
	}
	if len(res.warnings) > 0 {
		// The warning flag's [string list] comes before the body.
		body := cqlproto.AppendStringList(nil, res.warnings)
		c.sendFlags(stream, cqlproto.FlagWarning, cqlproto.OpResult, append(body, res.body...))
		return
	}
	c.send(stream, cqlproto.OpResult, res.body)
}

// result is a RESULT body, what latency it deserves and the warnings it
// carries.
type result struct {
	body       []byte
	nonReplica bool
	warnings   []string
	// examined is the stored rows a read stepped over (Served.RowsExamined).
	examined int64
	// counted is the rows a count(*) counted: the rows it read, which its
	// service time charges (Capacity.PerRow) as a page's rows are charged.
	counted int64
	// immediate answers at once, with no latency: a read refused by the
	// node's capacity (Overloaded, or ReadTimeout after its wait).
	immediate bool
	// deadline bounds the work of a read of a user table, at consistency
	// cl (Cluster.readTimeout); 0 for none.
	deadline time.Duration
	cl       uint16
}

func (c *conn) currentKeyspace() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keyspace
}

func (c *conn) setKeyspace(ks string) {
	c.mu.Lock()
	c.keyspace = ks
	c.mu.Unlock()
}

// execFrame decodes one request and runs it; a read's turn is recorded in
// t.
func (c *conn) execFrame(f cqlproto.Frame, t *turn) (result, error) {
	r := cqlproto.NewReader(f.Body)
	switch f.Header.Opcode {
	case cqlproto.OpQuery:
		q := r.LongString()
		params := cqlproto.ReadQueryParams(r)
		if err := r.Err(); err != nil {
			return result{}, protocolf("Invalid QUERY message: %v", err)
		}
		st, err := c.node.cluster.compile(c.currentKeyspace(), q)
		if err != nil {
			return result{}, err
		}
		return c.run(st, &params, t)
	case cqlproto.OpPrepare:
		q := r.LongString()
		if err := r.Err(); err != nil {
			return result{}, protocolf("Invalid PREPARE message: %v", err)
		}
		return c.prepare(q)
	case cqlproto.OpExecute:
		id := r.ShortBytes()
		params := cqlproto.ReadQueryParams(r)
		if err := r.Err(); err != nil {
			return result{}, protocolf("Invalid EXECUTE message: %v", err)
		}
		p := c.node.lookupPrepared(id)
		if p == nil || p.stmt.stale(c.node.cluster.schema) {
			return result{}, unprepared(id)
		}
		return c.run(p.stmt, &params, t)
	case cqlproto.OpBatch:
		b := cqlproto.ReadBatch(r)
		if err := r.Err(); err != nil {
			return result{}, protocolf("Invalid BATCH message: %v", err)
		}
		return c.batch(&b)
	}
	return result{}, protocolf("unexpected opcode %s", f.Header.Opcode)
}

// execFrameSafe runs execFrame, turning a panic (a cqlsim bug) into a
// ServerError for this request only, as Cassandra does with unexpected
// exceptions. Panics are counted (Cluster.Panics) so that tests and fuzzers
// still catch them.
func (c *conn) execFrameSafe(f cqlproto.Frame, t *turn) (res result, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.node.cluster.panics.Add(1)
			c.node.cluster.log.Error("request panicked", zap.String("node", c.node.Addr()), zap.Any("panic", p),
				zap.String("opcode", f.Header.Opcode.String()))
			res, err = result{}, serverf("internal error in cqlsim: %v", p)
		}
	}()
	return c.execFrame(f, t)
}

// injectFault decides whether a statement on table ks, of CQL text query,
// fails. Writes get
// the write forms of timeouts and failures.
func (c *conn) injectFault(ks, query string, cl uint16, write bool) error {
	if isSystemKeyspace(ks) {
		return nil
	}
	if k, ok := c.node.faults.next(query, write); ok {
		if k == OversizedFrame {
			return errOversized // reads only (next)
		}
		return injected(k, cl, write)
	}
	return nil
}

func isSystemKeyspace(ks string) bool {
	return ks == "system" || strings.HasPrefix(ks, "system_")
}
