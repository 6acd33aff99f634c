package cqlsim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// Cluster is a running simulated cluster. Its methods are safe for
// concurrent use.
type Cluster struct {
	cfg    Config
	nodes  []*Node
	schema *schema
	log    *zap.Logger
	port   int
	ring   []ringEntry // every node's tokens, sorted
	random bool        // RandomPartitioner
	rel    release     // the Cassandra release whose behaviour is followed

	replicas replicaCache
	rowBufs  bufPool // the buffers of pages of rows (runSelect)
	panics   atomic.Int64
	lastTS   atomic.Int64 // the last write timestamp handed out (clock.go)

	closeOnce sync.Once
	done      chan struct{} // closed by Close
	bg        sync.WaitGroup
}

// ringEntry is one token of one node.
type ringEntry struct {
	tok  tok
	node *Node
}

// Start validates cfg, builds the cluster and starts every node listening.
// ctx bounds the start-up only; the cluster runs until Close.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	c, err := build(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.listenAll(ctx); err != nil {
		return nil, err
	}
	c.done = make(chan struct{})
	if r := c.cfg.SizeEstimates.Refresh; r != 0 {
		c.RefreshSizeEstimates()
		if r > 0 {
			c.bg.Go(func() { c.refreshEstimates(r, c.done) })
		}
	}
	return c, nil
}

// build validates cfg and lays out the cluster: nodes, tokens and schema,
// not listening yet.
func build(cfg Config) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.EnsureDefaults()
	rel, err := parseRelease(cfg.ReleaseVersion)
	if err != nil { // Validate checked it
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	c := &Cluster{cfg: cfg, log: cfg.Logger, random: cfg.Partitioner == "RandomPartitioner", rel: rel}
	c.schema = newSchema(c)
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed))
	base := net.ParseIP(cfg.Address).To4()
	used := map[tok]bool{}
	for _, dc := range cfg.DCs {
		for i := range dc.Nodes {
			idx := len(c.nodes)
			ip := net.IPv4(base[0], base[1], base[2], base[3]+byte(idx)).To4()
			n := &Node{
				cluster: c, index: idx, ip: ip, dc: dc.Name,
				rack:     "rack" + strconv.Itoa(i%dc.Racks+1),
				conns:    map[*conn]struct{}{},
				prepared: map[string]*prepared{},
			}
			for k := range n.hostID {
				n.hostID[k] = byte(rng.Uint32())
			}
			n.hostID[6] = n.hostID[6]&0x0f | 0x40
			n.hostID[8] = n.hostID[8]&0x3f | 0x80
			for len(n.tokens) < cfg.VNodes {
				var t tok
				if c.random {
					t = tok{hi: rng.Uint64() >> 1, lo: rng.Uint64() | 1} // tokens 0..2^127-1, shifted by one
				} else {
					v := int64(rng.Uint64())
					if v == math.MinInt64 {
						continue
					}
					t = murmurTok(v)
				}
				if used[t] {
					continue
				}
				used[t] = true
				n.tokens = append(n.tokens, t)
			}
			slices.SortFunc(n.tokens, tok.cmp)
			n.faults.init(uint64(cfg.Seed)*1000+uint64(idx), cfg.Latency, slices.Clone(cfg.Faults))
			n.capacity.cfg = cfg.capacityOf(idx)
			c.nodes = append(c.nodes, n)
			for _, t := range n.tokens {
				c.ring = append(c.ring, ringEntry{tok: t, node: n})
			}
		}
	}
	slices.SortFunc(c.ring, func(a, b ringEntry) int { return a.tok.cmp(b.tok) })
	return c, nil
}

// listenAll binds every node on the same port.
func (c *Cluster) listenAll(ctx context.Context) error {
	attempts := 1
	if c.cfg.Port == AutoPort {
		attempts = 20
	}
	var lastErr error
	for range attempts {
		if err := ctx.Err(); err != nil {
			return err
		}
		port := c.cfg.Port
		var lns []net.Listener
		var err error
		for i, n := range c.nodes {
			addr := net.JoinHostPort(n.ip.String(), strconv.Itoa(max(port, 0)))
			var ln net.Listener
			ln, err = c.listen(ctx, addr)
			if err != nil {
				err = listenError(addr, err)
				break
			}
			if i == 0 && port == AutoPort {
				port = ln.Addr().(*net.TCPAddr).Port
			}
			lns = append(lns, ln)
		}
		if err == nil {
			c.port = port
			for i, n := range c.nodes {
				n.serve(lns[i])
			}
			return nil
		}
		for _, ln := range lns {
			_ = ln.Close()
		}
		lastErr = err
	}
	return lastErr
}

// listenError turns a bind failure into one clear line.
func listenError(addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("cqlsim: address %s is already in use: stop what listens there or choose another --port or --address", addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fmt.Errorf("cqlsim: address %s is not available on this machine: use a 127.x.y.z loopback address", addr)
	}
	return fmt.Errorf("cqlsim: listen on %s: %w", addr, err)
}

// Close stops every node and drops every connection. It is idempotent.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.bg.Wait()
		for _, n := range c.nodes {
			n.stop(false)
		}
	})
	return nil
}

// readTimeout is the deadline of a read of a user table:
// Config.RangeTimeout for a read of token ranges (keyRange),
// Config.ReadTimeout for one of partitions named by key; 0 for none
// (NoTimeout).
func (c *Cluster) readTimeout(keyRange bool) time.Duration {
	d := c.cfg.ReadTimeout
	if keyRange {
		d = c.cfg.RangeTimeout
	}
	return max(d, 0)
}

// Panics counts requests that panicked inside cqlsim (a bug: each was
// answered with a ServerError instead of crashing the process).
func (c *Cluster) Panics() int64 { return c.panics.Load() }

// Nodes returns the nodes in address order.
func (c *Cluster) Nodes() []*Node { return slices.Clone(c.nodes) }

// Port is the port every node listens on.
func (c *Cluster) Port() int { return c.port }

// Hosts returns the node addresses ("127.0.0.1", ...), the contact points a
// driver needs, all on Port.
func (c *Cluster) Hosts() []string {
	hosts := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		hosts[i] = n.ip.String()
	}
	return hosts
}

// ContactPoints returns host:port for every node.
func (c *Cluster) ContactPoints() []string {
	cps := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		cps[i] = n.Addr()
	}
	return cps
}

// Partitioner is the partitioner's full class name.
func (c *Cluster) Partitioner() string { return "org.apache.cassandra.dht." + c.cfg.Partitioner }

// tokenString formats a token as system tables and drivers show it.
func (c *Cluster) tokenString(t tok) string {
	if c.random {
		return t.big().String()
	}
	return strconv.FormatInt(t.murmur(), 10)
}

// broadcast sends an event to every registered connection of every up node
// other than except.
func (c *Cluster) broadcast(except *Node, kind string, body []byte) {
	for _, n := range c.nodes {
		if n == except {
			continue
		}
		n.event(kind, body)
	}
}

// listen opens a node's listener, with TLS when configured.
func (c *Cluster) listen(ctx context.Context, addr string) (net.Listener, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp4", addr)
	if err != nil || c.cfg.TLS == nil {
		return ln, err
	}
	return tls.NewListener(ln, c.cfg.TLS), nil
}
