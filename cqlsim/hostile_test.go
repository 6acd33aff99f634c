package cqlsim_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
	"github.com/ringscan/ringscan/internal/testutil"
)

// Frames and connections that speak the native protocol by hand, so that
// tests can send what no driver would.

// rawFrame builds a frame with any header, length included, then body.
func rawFrame(version, flags byte, stream int16, op cqlproto.Opcode, length uint32, body []byte) []byte {
	b := cqlproto.AppendHeader(nil, cqlproto.Header{Version: version, Flags: flags, Stream: stream, Opcode: op, Length: length})
	return append(b, body...)
}

// rawRequest builds a well-formed v4 request frame.
func rawRequest(stream int16, op cqlproto.Opcode, body []byte) []byte {
	return rawFrame(cqlproto.Version, 0, stream, op, uint32(len(body)), body)
}

// rawStartup is a STARTUP body with the given options, in order.
func rawStartup(kv ...string) []byte {
	var keys []string
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		keys = append(keys, kv[i])
		m[kv[i]] = kv[i+1]
	}
	return cqlproto.AppendStringMap(nil, keys, m)
}

// rawQuery is a QUERY body at consistency ONE; params are the flags byte
// and the fields it announces, encoded by the caller.
func rawQuery(q string, params ...[]byte) []byte {
	b := cqlproto.AppendLongString(nil, q)
	b = cqlproto.AppendShort(b, cqlproto.One)
	if len(params) == 0 {
		return append(b, 0)
	}
	for _, p := range params {
		b = append(b, p...)
	}
	return b
}

// rawJoin concatenates byte slices.
func rawJoin(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// rawConn is a client connection that sends bytes and reads response frames
// with a deadline.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

// rawTimeout bounds every read: a reply that does not come fails the test.
const rawTimeout = 10 * time.Second

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	return dialRawFrom(t, addr, nil)
}

// dialRawFrom connects from the local address from, or any when nil.
func dialRawFrom(t testing.TB, addr string, from net.Addr) *rawConn {
	t.Helper()
	d := net.Dialer{Timeout: rawTimeout, LocalAddr: from}
	nc, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

func (c *rawConn) write(parts ...[]byte) {
	c.t.Helper()
	require.NoError(c.t, c.nc.SetWriteDeadline(time.Now().Add(rawTimeout)))
	_, err := c.nc.Write(rawJoin(parts...))
	require.NoError(c.t, err)
}

// closeWrite half-closes the connection: the server reads EOF.
func (c *rawConn) closeWrite() {
	c.t.Helper()
	require.NoError(c.t, c.nc.(*net.TCPConn).CloseWrite())
}

// read reads one response frame; it must come in a v4 response header.
func (c *rawConn) read() (cqlproto.Header, []byte, error) {
	if err := c.nc.SetReadDeadline(time.Now().Add(rawTimeout)); err != nil {
		return cqlproto.Header{}, nil, err
	}
	h, err := cqlproto.ReadHeader(c.r)
	if err != nil {
		return h, nil, err
	}
	if h.Version != 0x80|cqlproto.Version {
		return h, nil, fmt.Errorf("response version byte 0x%02X, want 0x84", h.Version)
	}
	if h.Length > 16<<20 {
		return h, nil, fmt.Errorf("response of %d bytes", h.Length)
	}
	body := make([]byte, h.Length)
	_, err = io.ReadFull(c.r, body)
	return h, body, err
}

// expect reads one response and checks its stream and opcode.
func (c *rawConn) expect(stream int16, op cqlproto.Opcode) []byte {
	c.t.Helper()
	h, body, err := c.read()
	require.NoError(c.t, err)
	require.Equal(c.t, op, h.Opcode, "opcode on stream %d, body %q", h.Stream, body)
	require.Equal(c.t, stream, h.Stream)
	return body
}

// expectClosed checks that the server closes the connection without
// sending anything more.
func (c *rawConn) expectClosed() {
	c.t.Helper()
	h, body, err := c.read()
	if err == nil {
		require.Failf(c.t, "connection still open", "got %s on stream %d: %q", h.Opcode, h.Stream, body)
	}
	require.Truef(c.t, errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET), "want EOF, got %v", err)
}

// startup completes the handshake.
func (c *rawConn) startup() {
	c.t.Helper()
	c.write(rawRequest(1, cqlproto.OpStartup, rawStartup("CQL_VERSION", "3.0.0")))
	c.expect(1, cqlproto.OpReady)
}

// rawReply is an expected response: an ERROR with code and a message
// containing msg, or another opcode when code is 0 and msg empty.
type rawReply struct {
	stream int16
	op     cqlproto.Opcode
	code   int32
	msg    string
}

func errReply(stream int16, code int32, msg string) rawReply {
	return rawReply{stream: stream, op: cqlproto.OpError, code: code, msg: msg}
}

// expectReplies reads len(want) responses, in any order (requests run
// concurrently), and matches them by stream.
func (c *rawConn) expectReplies(want []rawReply) {
	c.t.Helper()
	pending := map[int16]rawReply{}
	for _, w := range want {
		pending[w.stream] = w
	}
	for range want {
		h, body, err := c.read()
		require.NoError(c.t, err)
		w, ok := pending[h.Stream]
		require.Truef(c.t, ok, "unexpected %s on stream %d: %q", h.Opcode, h.Stream, body)
		delete(pending, h.Stream)
		require.Equalf(c.t, w.op, h.Opcode, "opcode on stream %d: body %q", h.Stream, body)
		if w.op != cqlproto.OpError {
			continue
		}
		r := cqlproto.NewReader(body)
		code, msg := r.Int(), r.String()
		require.NoError(c.t, r.Err())
		assert.Equalf(c.t, w.code, code, "error code on stream %d (%s)", h.Stream, msg)
		assert.Contains(c.t, msg, w.msg)
	}
}

// assertServing checks that a fresh, well-behaved client is served.
func assertServing(t testing.TB, addr string) {
	t.Helper()
	c := dialRaw(t, addr)
	c.write(rawRequest(0, cqlproto.OpOptions, nil))
	body := c.expect(0, cqlproto.OpSupported)
	assert.Contains(t, string(body), "CQL_VERSION")
	c.startup()
	c.write(rawRequest(2, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local")))
	body = c.expect(2, cqlproto.OpResult)
	r := cqlproto.NewReader(body)
	require.Equal(t, int32(2), r.Int(), "RESULT kind Rows")
	// One row, one column: [int 1] [bytes "local"] end the body.
	assert.True(t, bytes.HasSuffix(body, cqlproto.AppendBytes(cqlproto.AppendInt(nil, 1), []byte("local"))), "body %q", body)
	require.NoError(t, c.nc.Close())
}

// hostileCluster starts a one-node cluster and returns its address. At the
// end of the test, no request may have panicked: cqlsim answers a panic
// with a ServerError instead of crashing, and counts it.
func hostileCluster(t testing.TB) string {
	t.Helper()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	t.Cleanup(func() {
		if n := c.Panics(); n != 0 {
			t.Errorf("%d requests panicked inside cqlsim", n)
		}
	})
	addr := c.Nodes()[0].Addr()
	assertServing(t, addr)
	return addr
}

func TestHostileFrames(t *testing.T) {
	addr := hostileCluster(t)
	randomState := make([]byte, 48)
	_, _ = rand.Read(randomState)
	const proto, unprepared = cqlproto.ErrProtocol, cqlproto.ErrUnprepared
	badVersion := "Invalid or unsupported protocol version"
	tests := []struct {
		name    string
		started bool // STARTUP done before send
		send    []byte
		// closeWrite half-closes after send, as a client that gives up.
		closeWrite bool
		want       []rawReply
		closed     bool // the server closes after want
	}{
		// The first byte is not version 4: refused on stream 0, then closed.
		{name: "garbage", send: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), want: []rawReply{errReply(0, proto, badVersion+" (71)")}, closed: true},
		{name: "v5 options", send: rawFrame(5, 0, 5, cqlproto.OpOptions, 0, nil), want: []rawReply{errReply(0, proto, badVersion+" (5)")}, closed: true},
		{name: "v5 beta options", send: rawFrame(5, cqlproto.FlagBeta, 5, cqlproto.OpOptions, 0, nil), want: []rawReply{errReply(0, proto, badVersion+" (5)")}, closed: true},
		{name: "v3 options", send: rawFrame(3, 0, 3, cqlproto.OpOptions, 0, nil), want: []rawReply{errReply(0, proto, badVersion+" (3)")}, closed: true},
		{name: "DSE v2 options", send: rawFrame(0x42, 0, 1, cqlproto.OpOptions, 0, nil), want: []rawReply{errReply(0, proto, badVersion+" (66)")}, closed: true},
		{name: "v1 options, 8-byte header", send: []byte{1, 0, 1, 5, 0, 0, 0, 0}, want: []rawReply{errReply(0, proto, badVersion+" (1)")}, closed: true},
		{name: "v5 with a 300 MB length", send: rawFrame(5, 0, 1, cqlproto.OpQuery, 300<<20, nil), want: []rawReply{errReply(0, proto, badVersion+" (5)")}, closed: true},
		{name: "v5 frame after startup", started: true, send: rawFrame(5, 0, 9, cqlproto.OpOptions, 0, nil), want: []rawReply{errReply(0, proto, badVersion)}, closed: true},

		// Header problems: answered on the frame's stream, then closed.
		{name: "unknown opcode 0x04", send: rawRequest(2, 0x04, nil), want: []rawReply{errReply(2, proto, "Unknown or unexpected opcode 0x04")}, closed: true},
		{name: "unknown opcode 0xFF", started: true, send: rawRequest(2, 0xFF, []byte("junk")), want: []rawReply{errReply(2, proto, "opcode 0xFF")}, closed: true},
		{name: "server-side opcode RESULT", send: rawRequest(3, cqlproto.OpResult, cqlproto.AppendInt(nil, 1)), want: []rawReply{errReply(3, proto, "opcode RESULT")}, closed: true},
		{name: "response direction", send: rawFrame(0x84, 0, 7, cqlproto.OpOptions, 0, nil), want: []rawReply{errReply(7, proto, "Invalid message direction")}, closed: true},
		{name: "body over 256 MB", send: rawFrame(4, 0, 4, cqlproto.OpQuery, 300<<20, []byte("SELECT")), want: []rawReply{errReply(4, proto, "frame body too large")}, closed: true},
		{name: "length 0xFFFFFFFF", started: true, send: rawFrame(4, 0, 4, cqlproto.OpOptions, 0xFFFFFFFF, nil), want: []rawReply{errReply(4, proto, "frame body too large")}, closed: true},
		{name: "compression flag", started: true, send: rawFrame(4, cqlproto.FlagCompression, 6, cqlproto.OpQuery, 4, []byte{0, 0, 0, 0}), want: []rawReply{errReply(6, proto, "compression")}, closed: true},

		// The client gives up mid-frame: nothing to answer.
		{name: "truncated header then close", send: []byte{4, 0, 0, 1}, closeWrite: true, closed: true},
		{name: "truncated body then close", send: rawFrame(4, 0, 1, cqlproto.OpQuery, 100, []byte("0123456789")), closeWrite: true, closed: true},
		{name: "200 MB claimed, 10 bytes, then close", started: true, send: rawFrame(4, 0, 1, cqlproto.OpQuery, 200<<20, []byte("0123456789")), closeWrite: true, closed: true},

		// Handshake order and options.
		{name: "query before startup", send: rawRequest(2, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local")), want: []rawReply{errReply(2, proto, "expecting STARTUP")}},
		{name: "prepare, execute, batch, register before startup", send: rawJoin(
			rawRequest(2, cqlproto.OpPrepare, cqlproto.AppendLongString(nil, "SELECT key FROM system.local")),
			rawRequest(3, cqlproto.OpExecute, []byte{0, 1, 'x', 0, 1, 0}),
			rawRequest(4, cqlproto.OpBatch, []byte{0, 0, 0, 0, 1, 0}),
			rawRequest(5, cqlproto.OpRegister, cqlproto.AppendStringList(nil, []string{"SCHEMA_CHANGE"})),
		), want: []rawReply{errReply(2, proto, "expecting STARTUP"), errReply(3, proto, "expecting STARTUP"), errReply(4, proto, "expecting STARTUP"), errReply(5, proto, "expecting STARTUP")}},
		{name: "startup without CQL_VERSION", send: rawRequest(1, cqlproto.OpStartup, rawStartup("DRIVER_NAME", "x")), want: []rawReply{errReply(1, proto, "Missing value CQL_VERSION")}},
		{name: "startup with zstd", send: rawRequest(1, cqlproto.OpStartup, rawStartup("CQL_VERSION", "3.0.0", "COMPRESSION", "zstd")), want: []rawReply{errReply(1, proto, "Unknown compression algorithm: zstd")}},
		{name: "startup with lz4", send: rawRequest(1, cqlproto.OpStartup, rawStartup("COMPRESSION", "lz4", "CQL_VERSION", "3.0.0")), want: []rawReply{{stream: 1, op: cqlproto.OpReady}}},
		{name: "startup twice", started: true, send: rawRequest(3, cqlproto.OpStartup, rawStartup("CQL_VERSION", "3.0.0")), want: []rawReply{errReply(3, proto, "already started")}},
		{name: "startup map count beyond body", send: rawRequest(1, cqlproto.OpStartup, []byte{0xFF, 0xFF, 0, 1, 'k'}), want: []rawReply{errReply(1, proto, "Invalid STARTUP message")}, closed: true},
		{name: "startup empty body", send: rawRequest(1, cqlproto.OpStartup, nil), want: []rawReply{errReply(1, proto, "Invalid STARTUP message")}, closed: true},
		{name: "auth response without authentication", started: true, send: rawRequest(3, cqlproto.OpAuthResponse, cqlproto.AppendBytes(nil, []byte("\x00u\x00p"))), want: []rawReply{errReply(3, proto, "no authentication is in progress")}},
		{name: "register list beyond body", started: true, send: rawRequest(3, cqlproto.OpRegister, []byte{0x7F, 0xFF}), want: []rawReply{errReply(3, proto, "Invalid REGISTER message")}, closed: true},
		{name: "register unknown event", started: true, send: rawRequest(3, cqlproto.OpRegister, cqlproto.AppendStringList(nil, []string{"NOPE"})), want: []rawReply{errReply(3, proto, "Invalid value 'NOPE'")}},

		// Malformed requests: an error on their stream, the connection stays.
		{name: "query, empty body", started: true, send: rawRequest(2, cqlproto.OpQuery, nil), want: []rawReply{errReply(2, proto, "Invalid QUERY message")}},
		{name: "query, string longer than body", started: true, send: rawRequest(2, cqlproto.OpQuery, rawJoin(cqlproto.AppendInt(nil, 1<<30), []byte("SELECT"))), want: []rawReply{errReply(2, proto, "Invalid QUERY message")}},
		{name: "query, negative string length", started: true, send: rawRequest(2, cqlproto.OpQuery, cqlproto.AppendInt(nil, -5)), want: []rawReply{errReply(2, proto, "Invalid QUERY message")}},
		{name: "query, value count beyond body", started: true, send: rawRequest(2, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local WHERE key = ?", []byte{cqlproto.QFlagValues, 0xFF, 0xFF}, cqlproto.AppendBytes(nil, []byte("local")))), want: []rawReply{errReply(2, proto, "65535 values claimed")}},
		{name: "query, value longer than body", started: true, send: rawRequest(2, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local WHERE key = ?", []byte{cqlproto.QFlagValues, 0, 1}, cqlproto.AppendInt(nil, 1<<20), []byte("local"))), want: []rawReply{errReply(2, proto, "Invalid QUERY message")}},
		{name: "query, value length -3", started: true, send: rawRequest(2, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local WHERE key = ?", []byte{cqlproto.QFlagValues, 0, 1}, cqlproto.AppendInt(nil, -3))), want: []rawReply{errReply(2, proto, "invalid [value] length -3")}},
		{name: "query, unknown consistency", started: true, send: rawRequest(2, cqlproto.OpQuery, rawJoin(cqlproto.AppendLongString(nil, "SELECT key FROM system.local"), []byte{0x12, 0x34, 0})), want: []rawReply{errReply(2, proto, "unknown consistency level 0x1234")}},
		{name: "query, flags announce missing fields", started: true, send: rawRequest(2, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local", []byte{0x7F})), want: []rawReply{errReply(2, proto, "Invalid QUERY message")}},
		{name: "query, random paging state", started: true, send: rawRequest(2, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local", []byte{cqlproto.QFlagPageSize | cqlproto.QFlagPagingState}, cqlproto.AppendInt(nil, 1), cqlproto.AppendBytes(nil, randomState))), want: []rawReply{errReply(2, proto, "paging state")}},
		{name: "query, empty paging state", started: true, send: rawRequest(2, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local", []byte{cqlproto.QFlagPagingState}, cqlproto.AppendBytes(nil, []byte{}))), want: []rawReply{errReply(2, proto, "paging state")}},
		{name: "query, paging state magic only", started: true, send: rawRequest(2, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local", []byte{cqlproto.QFlagPagingState}, cqlproto.AppendBytes(nil, []byte{'C', 1}))), want: []rawReply{errReply(2, proto, "paging state")}},
		{name: "prepare, truncated", started: true, send: rawRequest(2, cqlproto.OpPrepare, []byte{0, 0, 1}), want: []rawReply{errReply(2, proto, "Invalid PREPARE message")}},
		{name: "execute, truncated id", started: true, send: rawRequest(2, cqlproto.OpExecute, []byte{0, 16, 1, 2}), want: []rawReply{errReply(2, proto, "Invalid EXECUTE message")}},
		{name: "execute, unknown id", started: true, send: rawRequest(2, cqlproto.OpExecute, rawJoin(cqlproto.AppendShortBytes(nil, []byte("0123456789abcdef")), []byte{0, 1, 0})), want: []rawReply{errReply(2, unprepared, "not found")}},
		{name: "execute, empty id", started: true, send: rawRequest(2, cqlproto.OpExecute, []byte{0, 0, 0, 1, 0}), want: []rawReply{errReply(2, unprepared, "not found")}},
		{name: "batch, statement count beyond body", started: true, send: rawRequest(2, cqlproto.OpBatch, []byte{0, 0xFF, 0xFF, 0, 1, 0}), want: []rawReply{errReply(2, proto, "Invalid BATCH message")}},
		{name: "batch, unknown type", started: true, send: rawRequest(2, cqlproto.OpBatch, []byte{9, 0, 0, 0, 1, 0}), want: []rawReply{errReply(2, proto, "unknown batch type 9")}},
		{name: "batch, unknown statement kind", started: true, send: rawRequest(2, cqlproto.OpBatch, []byte{0, 0, 1, 7, 0, 0, 0, 0, 0, 1, 0}), want: []rawReply{errReply(2, proto, "invalid batch statement kind 7")}},
		{name: "several malformed requests pipelined", started: true, send: rawJoin(
			rawRequest(10, cqlproto.OpQuery, nil),
			rawRequest(11, cqlproto.OpExecute, nil),
			rawRequest(12, cqlproto.OpBatch, nil),
			rawRequest(13, cqlproto.OpPrepare, nil),
			rawRequest(-14, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local")),
		), want: []rawReply{
			errReply(10, proto, "Invalid QUERY message"), errReply(11, proto, "Invalid EXECUTE message"),
			errReply(12, proto, "Invalid BATCH message"), errReply(13, proto, "Invalid PREPARE message"),
			{stream: -14, op: cqlproto.OpResult},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, addr)
			if tt.started {
				c.startup()
			}
			c.write(tt.send)
			if tt.closeWrite {
				c.closeWrite()
			}
			c.expectReplies(tt.want)
			if tt.closed {
				c.expectClosed()
			} else {
				c.write(rawRequest(100, cqlproto.OpOptions, nil))
				c.expect(100, cqlproto.OpSupported)
			}
			assertServing(t, addr)
		})
	}
}

// heapGrowth reports the bytes the process allocated while f ran; the
// server runs in this process.
func heapGrowth(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHostileLengthsDoNotAllocate(t *testing.T) {
	addr := hostileCluster(t)
	mb := bytes.Repeat([]byte{'x'}, 1<<20)
	tests := []struct {
		name       string
		send       []byte
		closeWrite bool
		want       []rawReply
	}{
		{name: "300 MB claimed", send: rawFrame(4, 0, 4, cqlproto.OpQuery, 300<<20, mb[:64]), want: []rawReply{errReply(4, cqlproto.ErrProtocol, "frame body too large")}},
		{name: "4 GB claimed", send: rawFrame(4, 0, 4, cqlproto.OpQuery, 0xFFFFFFFF, mb[:16<<10]), want: []rawReply{errReply(4, cqlproto.ErrProtocol, "frame body too large")}},
		{name: "256 MB claimed, 1 MB sent", send: rawFrame(4, 0, 4, cqlproto.OpQuery, cqlproto.MaxBodyLength, mb), closeWrite: true},
		{name: "200 MB claimed, 10 bytes sent", send: rawFrame(4, 0, 4, cqlproto.OpQuery, 200<<20, mb[:10]), closeWrite: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, addr)
			c.startup()
			grown := heapGrowth(func() {
				c.write(tt.send)
				if tt.closeWrite {
					c.closeWrite()
				}
				c.expectReplies(tt.want)
				c.expectClosed()
			})
			assert.Less(t, grown, uint64(32<<20), "bytes allocated by the process")
			assertServing(t, addr)
		})
	}
}

func TestHostileManyStreams(t *testing.T) {
	addr := hostileCluster(t)
	tests := []struct {
		name    string
		streams func(i int) int16
		n       int
	}{
		{"distinct streams", func(i int) int16 { return int16(i % 32768) }, 20000},
		{"one stream reused", func(int) int16 { return 5 }, 3000},
		{"negative streams", func(i int) int16 { return int16(-1 - i) }, 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, addr)
			c.startup()
			var out []byte
			want := map[int16]int{}
			for i := range tt.n {
				s := tt.streams(i)
				want[s]++
				out = append(out, rawRequest(s, cqlproto.OpQuery, rawQuery("SELECT key FROM system.local"))...)
			}
			// Write while reading: the server stops reading when too many
			// requests wait for their answers to be read.
			written := make(chan error, 1)
			go func() {
				_, err := c.nc.Write(out)
				written <- err
			}()
			got := map[int16]int{}
			for range tt.n {
				h, _, err := c.read()
				require.NoError(t, err)
				require.Equal(t, cqlproto.OpResult, h.Opcode)
				got[h.Stream]++
			}
			require.NoError(t, <-written)
			assert.Equal(t, want, got)
			assertServing(t, addr)
		})
	}
}

// FuzzServer writes each input to a fresh connection after STARTUP and
// checks that the server survives it: the connection ends once the input is
// consumed, and a new connection is answered. The client half-closes after
// the input, so the server may drop answers to requests still running; they
// run all the same.
func FuzzServer(f *testing.F) {
	addr := hostileCluster(f)
	// A table with rows and prepared statements, so that inputs reach the
	// data paths (the seed corpus uses them).
	setup := dialRaw(f, addr)
	setup.startup()
	for i, stmt := range []string{
		"CREATE KEYSPACE fz WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
		"CREATE TABLE fz.t (k int, c int, v text, PRIMARY KEY (k, c))",
		"INSERT INTO fz.t (k, c, v) VALUES (1, 1, 'a')",
		"INSERT INTO fz.t (k, c, v) VALUES (1, 2, 'b')",
		"INSERT INTO fz.t (k, c, v) VALUES (2, 1, 'c')",
	} {
		setup.write(rawRequest(int16(i), cqlproto.OpQuery, rawQuery(stmt)))
		setup.expect(int16(i), cqlproto.OpResult)
	}
	for i, stmt := range []string{"SELECT k, c, v FROM fz.t WHERE k = ?", "INSERT INTO fz.t (k, c, v) VALUES (?, ?, ?)"} {
		setup.write(rawRequest(int16(i), cqlproto.OpPrepare, cqlproto.AppendLongString(nil, stmt)))
		setup.expect(int16(i), cqlproto.OpResult)
	}
	require.NoError(f, setup.nc.Close())

	// The client closes first, so each input leaves a socket in TIME-WAIT
	// for a minute; thousands of inputs a second would exhaust the
	// ephemeral ports of one source address. Spread them over 127.1.0.0/20
	// and 127.2.0.0/20.
	var inputs atomic.Uint32
	f.Fuzz(func(t *testing.T, data []byte) {
		i := inputs.Add(1) % 4096
		c := dialRawFrom(t, addr, &net.TCPAddr{IP: net.IPv4(127, 1, byte(i>>8), byte(i))})
		c.startup()
		c.write(data)
		c.closeWrite()
		for {
			_, _, err := c.read()
			if err == nil {
				continue
			}
			require.Falsef(t, errors.Is(err, os.ErrDeadlineExceeded), "the server neither answered nor closed: %v", err)
			break
		}
		o := dialRawFrom(t, addr, &net.TCPAddr{IP: net.IPv4(127, 2, byte(i>>8), byte(i))})
		o.write(rawRequest(0, cqlproto.OpOptions, nil))
		o.expect(0, cqlproto.OpSupported)
		_ = o.nc.Close()
		_ = c.nc.Close()
	})
}
