package cqlsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

// Node is one simulated node. Its methods are safe for concurrent use.
type Node struct {
	cluster *Cluster
	index   int
	ip      net.IP
	dc      string
	rack    string
	hostID  [16]byte
	tokens  []tok

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*conn]struct{}
	up       bool
	wg       sync.WaitGroup
	prepared map[string]*prepared

	faults   faultState
	capacity capacityState
	served   servedCounts
	// estimates is the snapshot of size estimates, with
	// Config.SizeEstimates.Refresh.
	estimates atomic.Pointer[[]map[string]any]
	// computed are the size estimates last computed from the data, for
	// as long as it is unchanged (without Config.SizeEstimates.Refresh).
	computed atomic.Pointer[estimatesAt]
}

// Addr is the node's host:port.
func (n *Node) Addr() string { return net.JoinHostPort(n.ip.String(), strconv.Itoa(n.cluster.port)) }

// IP is the node's address.
func (n *Node) IP() string { return n.ip.String() }

// HostID is the node's host id as a UUID string.
func (n *Node) HostID() string { return uuidString(n.hostID) }

// DC is the node's data center.
func (n *Node) DC() string { return n.dc }

// Rack is the node's rack.
func (n *Node) Rack() string { return n.rack }

// Tokens returns the node's tokens as strings, in ring order.
func (n *Node) Tokens() []string {
	out := make([]string, len(n.tokens))
	for i, t := range n.tokens {
		out[i] = n.cluster.tokenString(t)
	}
	return out
}

// IsUp reports whether the node is serving.
func (n *Node) IsUp() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.up
}

// SetLatency changes the node's added latency from the next request on.
func (n *Node) SetLatency(l Latency) { n.faults.latency.Store(&l) }

// SetFaults replaces the node's injected faults and restarts its request
// count (for Fault.Nth). No faults clears them.
func (n *Node) SetFaults(faults ...Fault) error {
	for _, f := range faults {
		if err := f.validate(); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
		}
	}
	n.faults.mu.Lock()
	defer n.faults.mu.Unlock()
	n.faults.set(faults)
	return nil
}

// Injected returns how many errors of each kind the node has injected.
func (n *Node) Injected() map[ErrorKind]int64 {
	n.faults.mu.Lock()
	defer n.faults.mu.Unlock()
	out := make(map[ErrorKind]int64, len(n.faults.injected))
	for k, v := range n.faults.injected {
		out[k] = v
	}
	return out
}

// ForgetPrepared empties the node's prepared statement cache, as a restart
// would; the next EXECUTE of an old id gets UNPREPARED.
func (n *Node) ForgetPrepared() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.prepared = map[string]*prepared{}
}

// Down stops the node: its listener is closed, its connections dropped, and
// the other nodes send STATUS_CHANGE DOWN to their registered clients.
func (n *Node) Down() {
	if n.stop(true) {
		n.cluster.broadcast(n, "STATUS_CHANGE", n.statusEvent("DOWN"))
	}
}

// Up restarts a node taken down, on the same address and port, and the other
// nodes send STATUS_CHANGE UP. Its prepared statements are forgotten.
func (n *Node) Up(ctx context.Context) error {
	n.mu.Lock()
	if n.up {
		n.mu.Unlock()
		return nil
	}
	n.mu.Unlock()
	ln, err := n.cluster.listen(ctx, n.Addr())
	if err != nil {
		return listenError(n.Addr(), err)
	}
	n.ForgetPrepared()
	n.serve(ln)
	n.cluster.broadcast(n, "STATUS_CHANGE", n.statusEvent("UP"))
	return nil
}

func (n *Node) statusEvent(status string) []byte {
	b := cqlproto.AppendString(nil, "STATUS_CHANGE")
	b = cqlproto.AppendString(b, status)
	return cqlproto.AppendInet(b, n.ip, n.cluster.port)
}

// serve starts accepting on ln.
func (n *Node) serve(ln net.Listener) {
	n.mu.Lock()
	n.ln = ln
	n.up = true
	n.wg.Add(1)
	n.mu.Unlock()
	go func() {
		defer n.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					n.cluster.log.Warn("accept failed", zap.String("node", n.Addr()), zap.Error(err))
				}
				return
			}
			c := newConn(n, nc)
			n.mu.Lock()
			if !n.up {
				n.mu.Unlock()
				_ = nc.Close()
				continue
			}
			n.conns[c] = struct{}{}
			n.wg.Add(1)
			n.mu.Unlock()
			go func() {
				defer n.wg.Done()
				c.serveConn()
				n.mu.Lock()
				delete(n.conns, c)
				n.mu.Unlock()
			}()
		}
	}()
}

// stop closes the listener and every connection and waits for their
// goroutines. It reports whether the node was up.
func (n *Node) stop(_ bool) bool {
	n.mu.Lock()
	wasUp := n.up
	n.up = false
	if n.ln != nil {
		_ = n.ln.Close()
		n.ln = nil
	}
	conns := make([]*conn, 0, len(n.conns))
	for c := range n.conns {
		conns = append(conns, c)
	}
	n.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
	n.wg.Wait()
	return wasUp
}

// event sends an event to the node's connections registered for kind.
func (n *Node) event(kind string, body []byte) {
	n.mu.Lock()
	if !n.up {
		n.mu.Unlock()
		return
	}
	var targets []*conn
	for c := range n.conns {
		if c.registered(kind) {
			targets = append(targets, c)
		}
	}
	n.mu.Unlock()
	for _, c := range targets {
		c.send(-1, cqlproto.OpEvent, body)
	}
}

func (n *Node) lookupPrepared(id []byte) *prepared {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.prepared[string(id)]
}

func (n *Node) storePrepared(p *prepared) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.prepared[string(p.id)] = p
}

func uuidString(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
