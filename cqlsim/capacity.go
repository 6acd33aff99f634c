package cqlsim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

// Capacity is what a node can read at once and what a read costs it: a
// real node has a bounded number of read threads (Cassandra's read stage
// has concurrent_reads, 32 by default), so that past them reads queue,
// then time out or are refused, and a node under pressure serves each read
// more slowly. The zero Capacity is a node without limits, as cqlsim's
// nodes were before: every read is served at once and costs Latency only.
//
// Capacity bounds the reads (SELECT) of user tables. Writes, DDL, PREPARE
// and the handshake are not queued (Cassandra runs writes on another
// stage), nor are reads of the system keyspaces, which drivers make to
// connect and to follow the schema: as injected faults spare them, so
// does the capacity, so that a driver's metadata stays readable whatever
// a test does to a node. (Cassandra's read stage runs those reads too: a
// client that reads system tables while a node is overloaded is not
// tested by cqlsim.)
type Capacity struct {
	// Concurrent is the number of reads the node serves at once; more wait
	// their turn in a queue, first come first served, without holding a
	// CPU. Default 0: no limit, every read is served at once.
	Concurrent int
	// QueueLimit is the number of reads that may wait; a read that finds
	// that many waiting is answered Overloaded (0x1001) at once, as
	// Cassandra answers a request past its native transport limits.
	// NoQueue makes every read that finds no free slot Overloaded. Only
	// with Concurrent. Default 0: no limit.
	QueueLimit int
	// QueueTimeout is how long a read may wait: one that waited that long
	// is answered ReadTimeout, as Cassandra drops a read that waited past
	// read_request_timeout. Only with Concurrent. Default 0: a read waits
	// as long as it takes.
	QueueTimeout time.Duration
	// PerRow and PerKiB are added to a read's service time for each row of
	// its result (of a count(*), each row it counted) and each KiB of the
	// result's body, on top of Latency, so that a full page costs more
	// than a short one. Default 0.
	PerRow, PerKiB time.Duration
	// Knee and KneeCost model the collapse of a node pushed too hard
	// (ScyllaDB issue 3856: past some concurrency, range-scan throughput
	// falls to about a third of its peak), as its caches, memory and
	// compaction suffer from everything it holds: a read whose turn comes
	// while n > Knee reads are in the node (served or waiting, itself
	// included) has its service time multiplied by 1 + KneeCost*(n-Knee).
	// Default 0: no knee.
	Knee     int
	KneeCost float64
}

// NoQueue as Capacity.QueueLimit lets no read wait: past Concurrent, reads
// are answered Overloaded.
const NoQueue = -1

func (c Capacity) validate(who string) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s"+format, append([]any{ErrInvalidConfig, who}, args...)...))
	}
	if c.Concurrent < 0 {
		bad("Concurrent is %d; it must be positive (0 for no limit)", c.Concurrent)
	}
	if c.QueueLimit < NoQueue {
		bad("QueueLimit is %d; it must be positive, 0 for no limit or NoQueue (-1) for none", c.QueueLimit)
	}
	if c.QueueTimeout < 0 || c.PerRow < 0 || c.PerKiB < 0 {
		bad("QueueTimeout, PerRow and PerKiB must not be negative")
	}
	if c.Concurrent == 0 && (c.QueueLimit != 0 || c.QueueTimeout != 0) {
		bad("QueueLimit and QueueTimeout need Concurrent: without a limit no read waits")
	}
	if c.Knee < 0 {
		bad("Knee is %d; it must be positive (0 for none)", c.Knee)
	}
	if c.KneeCost < 0 || math.IsNaN(c.KneeCost) || math.IsInf(c.KneeCost, 0) {
		bad("KneeCost is %v; it must be a positive factor", c.KneeCost)
	}
	if (c.Knee > 0) != (c.KneeCost > 0) {
		bad("Knee and KneeCost go together: a knee needs the cost past it, and the reverse")
	}
	return errs
}

// merged returns c with its zero fields taken from d.
func (c Capacity) merged(d Capacity) Capacity {
	if c.Concurrent == 0 {
		c.Concurrent = d.Concurrent
	}
	if c.QueueLimit == 0 {
		c.QueueLimit = d.QueueLimit
	}
	if c.QueueTimeout == 0 {
		c.QueueTimeout = d.QueueTimeout
	}
	if c.PerRow == 0 {
		c.PerRow = d.PerRow
	}
	if c.PerKiB == 0 {
		c.PerKiB = d.PerKiB
	}
	if c.Knee == 0 && c.KneeCost == 0 {
		c.Knee, c.KneeCost = d.Knee, d.KneeCost
	}
	return c
}

// capacityOf is node i's capacity: Config.NodeCapacity[i] over
// Config.Capacity.
func (c Config) capacityOf(i int) Capacity {
	if i < len(c.NodeCapacity) {
		return c.NodeCapacity[i].merged(c.Capacity)
	}
	return c.Capacity
}

// Load is what a node's reads went through since it started: the
// figures of its capacity model.
type Load struct {
	// Serving and Waiting are the reads being served and waiting now;
	// PeakServing and PeakWaiting the most there ever were at once.
	Serving, Waiting         int
	PeakServing, PeakWaiting int
	// Reads counts the reads that had their turn and were answered;
	// Overloaded those answered Overloaded because the queue was full;
	// TimedOut those that waited past QueueTimeout or worked past their
	// deadline (Config.ReadTimeout, RangeTimeout); the latter had their
	// turn, and are counted in Reads too.
	Reads, Overloaded, TimedOut int64
	// QueueWait is the time each read that had its turn waited for it (0
	// for those served at once); Service the time from its turn to its
	// answer: execution, Latency, the per-row and per-KiB costs and the
	// knee.
	QueueWait, Service Histogram
}

// Histogram counts durations in buckets.
type Histogram struct {
	// Bounds are the buckets' upper bounds, increasing: 100µs to 60s, each
	// about 15% above the one before.
	Bounds []time.Duration
	// Counts[i] is the number of observations up to Bounds[i]
	// (cumulative); the last element, Counts[len(Bounds)], counts all of
	// them.
	Counts []uint64
	// Sum is the sum of the observations.
	Sum time.Duration
}

// histogramBounds are the buckets of every Load histogram.
var histogramBounds = func() []time.Duration {
	const n, lo, hi = 96, 1e-4, 60.0
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(lo * math.Pow(hi/lo, float64(i)/(n-1)) * float64(time.Second))
	}
	return out
}()

// histogram accumulates a Histogram's counts, per bucket (not cumulative).
type histogram struct {
	counts []uint64 // len(histogramBounds)+1
	sum    time.Duration
}

func (h *histogram) observe(d time.Duration) {
	if h.counts == nil {
		h.counts = make([]uint64, len(histogramBounds)+1)
	}
	i, _ := slices.BinarySearch(histogramBounds, d)
	h.counts[i]++
	h.sum += d
}

func (h *histogram) snapshot() Histogram {
	out := Histogram{Bounds: histogramBounds, Counts: make([]uint64, len(histogramBounds)+1), Sum: h.sum}
	var total uint64
	for i := range out.Counts {
		if h.counts != nil {
			total += h.counts[i]
		}
		out.Counts[i] = total
	}
	return out
}

// capacityState is a node's capacity model: its reads being served, the
// queue of those waiting, and the figures of Load.
type capacityState struct {
	mu      sync.Mutex
	cfg     Capacity
	serving int
	queue   []*waiter // first come, first served
	load    Load
	wait    histogram
	service histogram
}

// waiter is a read waiting for its turn; ready is closed when it has it.
type waiter struct {
	ready   chan struct{}
	granted bool
}

// turn is one read's turn on a node: admitted by capacityState.admit,
// ended by done. The zero turn (a request that is no read) does nothing.
type turn struct {
	s      *capacityState
	start  time.Time
	waited time.Duration
	// load is the number of reads in the node when the turn came, itself
	// included: what the knee looks at.
	load int
}

// errConnClosed ends a read whose connection closed while it waited.
var errConnClosed = errors.New("connection closed")

// admit waits for a read's turn and records it in t. It fails with
// Overloaded when the queue is full, ReadTimeout (at consistency cl) when
// the read waited past QueueTimeout or past deadline, the read's timeout
// (Config.ReadTimeout, RangeTimeout; 0 for none), and errConnClosed when
// ctx ends.
func (s *capacityState) admit(ctx context.Context, t *turn, cl uint16, deadline time.Duration) error {
	arrived := time.Now()
	s.mu.Lock()
	cfg := s.cfg
	if cfg.Concurrent == 0 || (s.serving < cfg.Concurrent && len(s.queue) == 0) {
		s.serving++
		s.start(t, arrived, 0)
		s.mu.Unlock()
		return nil
	}
	if cfg.QueueLimit == NoQueue || (cfg.QueueLimit > 0 && len(s.queue) >= cfg.QueueLimit) {
		s.load.Overloaded++
		s.mu.Unlock()
		return injected(Overloaded, cl, false)
	}
	w := &waiter{ready: make(chan struct{})}
	s.queue = append(s.queue, w)
	s.load.PeakWaiting = max(s.load.PeakWaiting, len(s.queue))
	s.mu.Unlock()

	var timeout <-chan time.Time
	if wait := cfg.QueueTimeout; wait > 0 || deadline > 0 {
		if wait <= 0 || (deadline > 0 && deadline < wait) {
			wait = deadline // a read still waiting at its deadline is dropped
		}
		tm := time.NewTimer(wait)
		defer tm.Stop()
		timeout = tm.C
	}
	var err error
	select {
	case <-w.ready:
		s.mu.Lock()
		s.start(t, arrived, time.Since(arrived))
		s.mu.Unlock()
		return nil
	case <-timeout:
		err = injected(ReadTimeout, cl, false)
	case <-ctx.Done():
		err = errConnClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.granted {
		// The turn came as the wait ended: hand it on.
		s.serving--
		s.dispatch()
	} else {
		s.queue = slices.DeleteFunc(s.queue, func(x *waiter) bool { return x == w })
	}
	if err != errConnClosed {
		s.load.TimedOut++
	}
	return err
}

// timedOut counts a read that worked past its deadline (Config.ReadTimeout)
// among the reads answered ReadTimeout.
func (s *capacityState) timedOut() {
	s.mu.Lock()
	s.load.TimedOut++
	s.mu.Unlock()
}

// start records a read's turn, counted in s.serving; s.mu is held.
func (s *capacityState) start(t *turn, arrived time.Time, waited time.Duration) {
	s.load.PeakServing = max(s.load.PeakServing, s.serving)
	*t = turn{s: s, start: arrived.Add(waited), waited: waited, load: s.serving + len(s.queue)}
}

// dispatch gives free slots to the reads waiting longest; s.mu is held.
func (s *capacityState) dispatch() {
	for len(s.queue) > 0 && (s.cfg.Concurrent == 0 || s.serving < s.cfg.Concurrent) {
		w := s.queue[0]
		s.queue = s.queue[1:]
		w.granted = true
		s.serving++
		close(w.ready)
	}
}

// done ends the read's turn and gives its slot to the next read waiting.
func (t *turn) done() {
	if t.s == nil {
		return
	}
	s := t.s
	t.s = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load.Reads++
	s.wait.observe(t.waited)
	s.service.observe(time.Since(t.start))
	s.serving--
	s.dispatch()
}

// serviceTime is what a read that returned body costs on top of its
// execution: base (the node's Latency), the per-row and per-KiB costs,
// multiplied past the knee. A count(*) pays PerRow for the rows it counted
// (counted), which it read as a page reads its rows.
func (t *turn) serviceTime(base time.Duration, body []byte, counted int64) time.Duration {
	if t.s == nil {
		return base
	}
	t.s.mu.Lock()
	cfg := t.s.cfg
	t.s.mu.Unlock()
	d := base
	if cfg.PerRow > 0 {
		d += time.Duration(max(int64(resultRows(body)), counted)) * cfg.PerRow
	}
	if cfg.PerKiB > 0 {
		d += time.Duration(float64(cfg.PerKiB) * float64(len(body)) / 1024)
	}
	if cfg.Knee > 0 && t.load > cfg.Knee {
		d = time.Duration(float64(d) * (1 + cfg.KneeCost*float64(t.load-cfg.Knee)))
	}
	return d
}

func (s *capacityState) set(c Capacity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = c
	s.dispatch() // a higher limit lets reads waiting go at once
}

// SetCapacity changes the node's capacity from now on. Reads waiting get
// their turn at once if the new limit allows it; reads being served past
// a lower limit finish, and the next waits for a slot under the new one.
func (n *Node) SetCapacity(c Capacity) error {
	if err := errors.Join(c.validate("")...); err != nil {
		return err
	}
	n.capacity.set(c)
	return nil
}

// Capacity returns the node's capacity.
func (n *Node) Capacity() Capacity {
	n.capacity.mu.Lock()
	defer n.capacity.mu.Unlock()
	return n.capacity.cfg
}

// Load returns what the node's reads went through since it started.
func (n *Node) Load() Load {
	s := &n.capacity
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.load
	l.Serving, l.Waiting = s.serving, len(s.queue)
	l.QueueWait, l.Service = s.wait.snapshot(), s.service.snapshot()
	return l
}

// resultRows returns the row count of a Rows RESULT body, 0 for any other
// body: it steps over the result metadata, whose column types may nest.
func resultRows(body []byte) int {
	r := cqlproto.NewReader(body)
	if r.Int() != 2 { // Rows
		return 0
	}
	flags := r.Int()
	cols := int(r.Int())
	if flags&0x0002 != 0 { // Has_more_pages
		r.Bytes()
	}
	if flags&0x0004 == 0 { // metadata present
		global := flags&0x0001 != 0
		if global {
			_ = r.String()
			_ = r.String()
		}
		for i := 0; i < cols && r.Err() == nil; i++ {
			if !global {
				_ = r.String()
				_ = r.String()
			}
			_ = r.String()
			skipOption(r, 0)
		}
	}
	n := r.Int()
	if r.Err() != nil || n < 0 {
		return 0
	}
	return int(n)
}

// skipOption steps over one [option] of a column type.
func skipOption(r *cqlproto.Reader, depth int) {
	if depth > 64 {
		r.Failf("type nested too deep")
		return
	}
	switch r.Short() {
	case 0x0000: // custom
		_ = r.String()
	case 0x0020, 0x0022: // list, set
		skipOption(r, depth+1)
	case 0x0021: // map
		skipOption(r, depth+1)
		skipOption(r, depth+1)
	case 0x0030: // UDT
		_ = r.String()
		_ = r.String()
		for range int(r.Short()) {
			_ = r.String()
			skipOption(r, depth+1)
		}
	case 0x0031: // tuple
		for range int(r.Short()) {
			skipOption(r, depth+1)
		}
	}
}
