package ringscanio

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/scanner"
)

// session is what a worker process holds for one Config: a connected
// driver session, the scanner's plan of the table and a range reader
// whose reads share the per-host cap and the row rate.
type session struct {
	s      *gocql.Session
	plan   *scanner.Plan
	reader *scanner.RangeReader
}

// sessionIdle is how long a session nobody uses stays open.
const sessionIdle = time.Minute

// sessions is the worker process's cache of sessions, by Config. It is
// the package's one piece of mutable state (see the package
// documentation for why it cannot be a value the caller holds).
var sessions = newSessionCache(sessionIdle)

// sessionCache shares one session per Config among the DoFn calls of a
// process. A call takes a reference and gives it back when it returns;
// a session without references is closed after idle, so that a process
// that has finished reading lets the cluster go.
type sessionCache struct {
	idle time.Duration
	// opened counts the sessions opened, for tests; onClose, if set, is
	// called after a session is closed.
	opened  atomic.Int64
	onClose func()

	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	ready chan struct{} // closed once sess or err is set
	sess  *session
	err   error
	refs  int
	timer *time.Timer // closes an unused session
}

func newSessionCache(idle time.Duration) *sessionCache {
	return &sessionCache{idle: idle, entries: map[string]*cacheEntry{}}
}

// cacheKey identifies a Config: its JSON, as Beam serializes it.
func cacheKey(cfg Config) (string, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("ringscanio: config key: %w", err)
	}
	return string(b), nil
}

// acquire returns the session for cfg, opening it if needed (callers
// that come meanwhile wait for it), and the function that gives the
// reference back, to be called once.
func (c *sessionCache) acquire(ctx context.Context, cfg Config) (*session, func(), error) {
	key, err := cacheKey(cfg)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	e := c.entries[key]
	opener := e == nil
	if opener {
		e = &cacheEntry{ready: make(chan struct{})}
		c.entries[key] = e
	}
	e.refs++
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	c.mu.Unlock()
	release := c.releaser(key, e)
	if opener {
		e.sess, e.err = open(ctx, cfg)
		if e.err == nil {
			c.opened.Add(1)
		} else {
			c.mu.Lock()
			delete(c.entries, key) // the next call tries again
			c.mu.Unlock()
		}
		close(e.ready)
	} else {
		select {
		case <-e.ready:
		case <-ctx.Done():
			release()
			return nil, nil, context.Cause(ctx)
		}
	}
	if e.err != nil {
		release()
		return nil, nil, e.err
	}
	return e.sess, release, nil
}

// releaser returns the function that gives back one reference to e.
func (c *sessionCache) releaser(key string, e *cacheEntry) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			e.refs--
			if e.refs > 0 || e.sess == nil {
				return
			}
			e.timer = time.AfterFunc(c.idle, func() { c.closeIf(key, e) })
		})
	}
}

// closeIf closes e's session if nobody took it again meanwhile.
func (c *sessionCache) closeIf(key string, e *cacheEntry) {
	c.mu.Lock()
	if e.refs > 0 || c.entries[key] != e {
		c.mu.Unlock()
		return
	}
	delete(c.entries, key)
	c.mu.Unlock()
	e.sess.s.Close()
	if c.onClose != nil {
		c.onClose()
	}
}

// closeIdle closes every session without references now.
func (c *sessionCache) closeIdle() {
	c.mu.Lock()
	var idle []*cacheEntry
	for k, e := range c.entries {
		if e.refs == 0 && e.sess != nil {
			if e.timer != nil {
				e.timer.Stop()
			}
			delete(c.entries, k)
			idle = append(idle, e)
		}
	}
	c.mu.Unlock()
	for _, e := range idle {
		e.sess.s.Close()
	}
}

// open connects with cfg and plans its table.
func open(ctx context.Context, cfg Config) (*session, error) {
	cl, err := cfg.clusterConfig()
	if err != nil {
		return nil, err
	}
	sc, err := cfg.scannerConfig()
	if err != nil {
		return nil, err
	}
	s, err := cl.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("ringscanio: connect to %v (port %d): %w", cfg.Hosts, cl.Port, err)
	}
	sess, err := plan(ctx, s, sc)
	if err != nil {
		s.Close()
		return nil, err
	}
	return sess, nil
}

func plan(ctx context.Context, s *gocql.Session, cfg scanner.Config) (*session, error) {
	scn, err := scanner.New(s, cfg)
	if err != nil {
		return nil, err
	}
	p, err := scn.Plan(ctx)
	if err != nil {
		return nil, fmt.Errorf("ringscanio: plan %s.%s: %w", cfg.Keyspace, cfg.Table, err)
	}
	rr, err := scn.NewRangeReader(p)
	if err != nil {
		return nil, err
	}
	return &session{s: s, plan: p, reader: rr}, nil
}
