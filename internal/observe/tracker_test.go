package observe

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// quarters splits the Murmur3 ring into four subranges of a quarter each,
// ids 0..3 in token order.
func quarters() []ring.Subrange {
	p := ring.Murmur3Partitioner
	bounds := []ring.Token{p.Min(), ring.Murmur3Token(-1 << 62), ring.Murmur3Token(0), ring.Murmur3Token(1 << 62), p.Max()}
	out := make([]ring.Subrange, 4)
	for i := range out {
		r := ring.Range{Start: bounds[i], End: bounds[i+1]}
		out[i] = ring.Subrange{ID: i, Range: r, Share: r.Share(),
			Replicas: []ring.Host{{ID: "h1", Address: "10.0.0.1:9042"}}}
	}
	return out
}

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)} }

// event is one thing that happens to a tracked scan.
type event struct {
	after time.Duration // clock advance before the event
	kind  string        // read, written, done, failed, retry
	id    int
	rows  int
	last  int64 // token of the last written row, for "written"
}

func apply(t *testing.T, h scanner.Hooks, c *fakeClock, evs []event) {
	t.Helper()
	for _, e := range evs {
		c.advance(e.after)
		switch e.kind {
		case "read":
			h.PageRead(e.id, "10.0.0.1:9042", e.rows, 100*e.rows, time.Millisecond)
		case "written":
			h.PageWritten(e.id, lastCursor(e.last), e.rows)
		case "done":
			h.PageWritten(e.id, doneCursor, e.rows)
			h.RangeDone(scanner.RangeStats{ID: e.id})
		case "failed":
			h.RangeDone(scanner.RangeStats{ID: e.id, Err: &scanner.RangeError{ID: e.id, Err: errors.New("boom")}})
		case "retry":
			h.Retry(e.id, "10.0.0.1:9042", "read_timeout", errors.New("timeout"))
		default:
			t.Fatalf("unknown event %q", e.kind)
		}
	}
}

func TestTrackerProgress(t *testing.T) {
	const half0 = -1<<62 - 1<<61 // the middle of range 0
	tests := []struct {
		name         string
		prior        Prior
		events       []event
		progress     float64
		eta          time.Duration // -1: unknown
		done, failed int
		rows         int64
	}{
		{name: "nothing yet", progress: 0, eta: -1},
		{name: "no progress after a while", events: []event{{after: 5 * time.Second, kind: "read", id: 0, rows: 10}},
			progress: 0, eta: -1, rows: 10},
		{name: "one range done", events: []event{{after: 10 * time.Second, kind: "done", id: 2}},
			progress: .25, eta: 30 * time.Second, done: 1},
		{name: "half a range", events: []event{{after: 5 * time.Second, kind: "written", id: 0, last: half0}},
			progress: .125, eta: 35 * time.Second},
		{name: "partial taken back when done", events: []event{
			{after: 5 * time.Second, kind: "written", id: 0, last: half0},
			{after: 5 * time.Second, kind: "done", id: 0},
		}, progress: .25, eta: 30 * time.Second, done: 1},
		{name: "late page after done ignored", events: []event{
			{after: 10 * time.Second, kind: "done", id: 0},
			{kind: "written", id: 0, last: half0},
		}, progress: .25, eta: 30 * time.Second, done: 1},
		{name: "failed range not done", events: []event{
			{after: 5 * time.Second, kind: "written", id: 1, last: -1 << 61},
			{after: 5 * time.Second, kind: "done", id: 0},
			{kind: "failed", id: 1},
			{kind: "written", id: 1, last: -1 << 60},
		}, progress: .25, eta: 30 * time.Second, done: 1, failed: 1},
		{name: "unknown range failed still counts", events: []event{{after: time.Second, kind: "failed", id: 99}},
			progress: 0, eta: -1, failed: 1},
		{name: "all done", events: []event{
			{after: time.Second, kind: "done", id: 0}, {kind: "done", id: 1},
			{kind: "done", id: 2}, {kind: "done", id: 3},
		}, progress: 1, eta: 0, done: 4},
		{name: "resumed", prior: Prior{Rows: 1000, Cursors: map[int]scanner.Cursor{
			0: doneCursor,
			1: lastCursor(-1 << 61),
			7: doneCursor, // not in the plan
		}}, events: []event{
			{after: 10 * time.Second, kind: "read", id: 2, rows: 50},
			{kind: "done", id: 2},
		}, progress: .625, eta: 15 * time.Second, done: 2, rows: 1050},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeClock()
			tr := NewTracker(quarters(), tt.prior, WithClock(c.now))
			apply(t, tr.Hooks(), c, tt.events)
			s := tr.Snapshot()
			assert.InDelta(t, tt.progress, s.Progress, 1e-9)
			if tt.eta < 0 {
				assert.Negative(t, s.ETA)
			} else {
				assert.InDelta(t, tt.eta, s.ETA, float64(time.Millisecond))
			}
			assert.Equal(t, tt.done, s.RangesDone)
			assert.Equal(t, tt.failed, s.RangesFailed)
			assert.Equal(t, tt.rows, s.Rows)
			assert.Equal(t, 4, s.Ranges)
			assert.True(t, s.WholeRing)
		})
	}
}

func TestTrackerCounters(t *testing.T) {
	c := newFakeClock()
	tr := NewTracker(quarters(), Prior{}, WithClock(c.now))
	h := tr.Hooks()
	h.RequestStart("a")
	h.RequestStart("b")
	h.RequestEnd("a")
	apply(t, h, c, []event{
		{after: time.Second, kind: "read", id: 0, rows: 10},
		{kind: "read", id: 0, rows: 0},
		{kind: "retry", id: 0},
		{kind: "retry", id: 1},
	})
	h.PageWritten(0, scanner.Cursor{}, 0) // empty, more follows
	h.PageWritten(0, doneCursor, 0)       // empty last page: not "empty"
	h.Retry(1, "b", "overloaded", errors.New("x"))

	s := tr.Snapshot()
	// Both pages took 1ms: the p99 is in 1ms's bucket, at most 15% above.
	assert.InEpsilon(t, float64(time.Millisecond), float64(s.P99Latency), .15)
	assert.GreaterOrEqual(t, s.P99Latency, time.Millisecond)
	s.P99Latency = 0
	assert.Equal(t, Snapshot{
		Elapsed: time.Second, Rows: 10, Pages: 2, EmptyPages: 1, Bytes: 1000, Retries: 3,
		RetriesByKind: map[string]int64{"read_timeout": 2, "overloaded": 1},
		RowsPerSecond: 10, MeanRowsPerSecond: 10, BytesPerSecond: 1000, Progress: .25, WholeRing: true, ETA: 3 * time.Second,
		Ranges: 4, RangesDone: 1, InFlight: 1,
	}, s)
}

// TestTrackerLatencyWindow checks the p99 page latency and the byte rate
// over the last Window: they follow the recent pages and forget older ones.
func TestTrackerLatencyWindow(t *testing.T) {
	c := newFakeClock()
	tr := NewTracker(quarters(), Prior{}, WithClock(c.now))
	h := tr.Hooks()
	s := tr.Snapshot()
	assert.Zero(t, s.P99Latency, "no page yet")
	// 98 pages of 10ms and 2 of 1s: the 99th percentile is a slow one.
	c.advance(time.Second)
	for i := range 100 {
		lat := 10 * time.Millisecond
		if i%50 == 0 {
			lat = time.Second
		}
		h.PageRead(0, "h", 1, 1000, lat)
	}
	s = tr.Snapshot()
	assert.InEpsilon(t, float64(time.Second), float64(s.P99Latency), .15)
	assert.InDelta(t, 100000, s.BytesPerSecond, 1e-6)
	// Then 1000 pages of 10ms: the slow ones are 0.2% of the window.
	c.advance(time.Second)
	for range 1000 {
		h.PageRead(0, "h", 1, 1000, 10*time.Millisecond)
	}
	s = tr.Snapshot()
	assert.InEpsilon(t, float64(10*time.Millisecond), float64(s.P99Latency), .15)
	// A whole window later with no page: no latency to tell.
	c.advance(Window)
	tr.Snapshot()
	c.advance(time.Second)
	s = tr.Snapshot()
	assert.Zero(t, s.P99Latency)
	assert.Zero(t, s.BytesPerSecond)
}

func TestQuantile(t *testing.T) {
	bounds := []float64{1, 2, 4}
	tests := []struct {
		name     string
		q        float64
		from, to []uint64
		want     time.Duration
	}{
		{"none", .99, []uint64{0, 0, 0, 0}, []uint64{0, 0, 0, 0}, 0},
		{"all in the first bucket", .5, []uint64{0, 0, 0, 0}, []uint64{10, 10, 10, 10}, 500 * time.Millisecond},
		{"interpolated in the second", .75, []uint64{0, 0, 0, 0}, []uint64{5, 15, 15, 15}, 1625 * time.Millisecond}, // rank 11.25: 6.25 of the 10 in (1, 2]
		{"a window's difference", .5, []uint64{10, 10, 10, 10}, []uint64{10, 10, 20, 20}, 3 * time.Second},
		{"beyond the last bound", .99, []uint64{0, 0, 0, 0}, []uint64{0, 0, 0, 5}, 4 * time.Second},
		{"mismatched readings", .5, []uint64{0}, []uint64{1, 1, 1, 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, quantile(tt.q, bounds, tt.from, tt.to))
		})
	}
}

func TestTrackerWindowRate(t *testing.T) {
	c := newFakeClock()
	tr := NewTracker(quarters(), Prior{}, WithClock(c.now))
	h := tr.Hooks()
	for range 20 { // 1000 rows/s for 20 s, looked at every second
		c.advance(time.Second)
		h.PageRead(0, "h", 1000, 0, 0)
		tr.Snapshot()
	}
	s := tr.Snapshot()
	assert.InDelta(t, 1000, s.RowsPerSecond, 1e-9)
	assert.InDelta(t, 1000, s.MeanRowsPerSecond, 1e-9)

	for range 10 { // then stalled for a whole window
		c.advance(time.Second)
		tr.Snapshot()
	}
	s = tr.Snapshot()
	assert.InDelta(t, 0, s.RowsPerSecond, 1e-9)
	assert.InDelta(t, 20000.0/30, s.MeanRowsPerSecond, 1e-9)

	c.advance(5 * time.Second) // 10000 rows 5 s later
	h.PageRead(0, "h", 10000, 0, 0)
	s = tr.Snapshot()
	assert.InDelta(t, 1000, s.RowsPerSecond, 1e-9, "the window starts at the newest look 10 s or more ago")
	assert.LessOrEqual(t, len(tr.samples), int(Window/minSampleGap)+2)
}

func TestTrackerShard(t *testing.T) {
	c := newFakeClock()
	tr := NewTracker(quarters()[1:2], Prior{}, WithClock(c.now))
	c.advance(time.Second)
	tr.Hooks().PageWritten(1, lastCursor(-1<<61), 1)
	s := tr.Snapshot()
	assert.False(t, s.WholeRing)
	assert.InDelta(t, .5, s.Progress, 1e-9, "progress is a fraction of the shard's work")
	assert.Equal(t, time.Second, s.ETA)
}

func TestTrackerEmptyPlan(t *testing.T) {
	s := NewTracker(nil, Prior{}).Snapshot()
	assert.Equal(t, 1.0, s.Progress)
	assert.Equal(t, time.Duration(0), s.ETA)
}

// Concurrent hooks, as the worker calls them, end with exact totals and
// exactly the whole ring done.
func TestTrackerConcurrentHooks(t *testing.T) {
	p := ring.Murmur3Partitioner
	const n = 64
	subs := make([]ring.Subrange, n)
	step := uint64(math.MaxUint64 / n)
	prev := p.Min()
	minTok := int64(math.MinInt64)
	for i := range subs {
		end := p.Max()
		if i < n-1 {
			end = ring.Murmur3Token(int64(uint64(minTok) + uint64(i+1)*step))
		}
		r := ring.Range{Start: prev, End: end}
		subs[i] = ring.Subrange{ID: i, Range: r, Share: r.Share()}
		prev = end
	}
	tr := NewTracker(subs, Prior{})
	h := tr.Hooks()
	var wg sync.WaitGroup
	for _, sr := range subs {
		wg.Go(func() {
			start := int64(uint64(minTok) + uint64(sr.ID)*step)
			for k := range 10 {
				h.RequestStart("h")
				h.PageRead(sr.ID, "h", 3, 30, time.Millisecond)
				h.RequestEnd("h")
				h.PageWritten(sr.ID, lastCursor(start+int64(k+1)*int64(step/11)), 3)
				tr.Snapshot()
			}
			h.PageWritten(sr.ID, doneCursor, 0)
			h.RangeDone(scanner.RangeStats{ID: sr.ID})
		})
	}
	wg.Wait()
	s := tr.Snapshot()
	assert.Equal(t, 1.0, s.Progress)
	assert.Equal(t, n, s.RangesDone)
	assert.Equal(t, int64(n*10*3), s.Rows)
	assert.Equal(t, int64(0), s.InFlight)
	require.Equal(t, int64(0), tr.partialUnits.Load())
}

// TestTrackerBackingOff checks which hosts the snapshot says are being
// backed off: those whose limit was lowered for congestion within the
// last Window, with their current limit and the reason; growth and probes
// are no back-off, and an old back-off is forgotten.
func TestTrackerBackingOff(t *testing.T) {
	c := newFakeClock()
	tr := NewTracker(quarters(), Prior{}, WithClock(c.now))
	h := tr.Hooks()
	h.HostLimit("10.0.0.1", 2, "initial")
	h.HostLimit("10.0.0.2", 2, "initial")
	h.HostLimit("10.0.0.3", 2, "initial")
	assert.Empty(t, tr.Snapshot().BackingOff)
	h.HostLimit("10.0.0.2", 4, "grow")
	h.HostLimit("10.0.0.3", 6, "overloaded")
	h.HostLimit("10.0.0.1", 1, "probe")
	c.advance(Window / 2)
	h.HostLimit("10.0.0.2", 3, "latency")
	h.HostLimit("10.0.0.3", 5, "grow")
	assert.Equal(t, []BackOff{{"10.0.0.2", 3, "latency"}, {"10.0.0.3", 5, "overloaded"}}, tr.Snapshot().BackingOff)
	c.advance(Window/2 + time.Millisecond)
	assert.Equal(t, []BackOff{{"10.0.0.2", 3, "latency"}}, tr.Snapshot().BackingOff, "10.0.0.3's back-off is older than the window")
	c.advance(Window)
	assert.Empty(t, tr.Snapshot().BackingOff)
}
