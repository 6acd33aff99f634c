package observe

import (
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// Window is the span over which Snapshot.RowsPerSecond and the ETA are
// measured.
const Window = 10 * time.Second

// shareScale turns a ring share in [0, 1] into fixed-point units, so that
// progress is added and taken back exactly, with integer atomics.
const shareScale = 1 << 52

// finished marks a subrange whose partial progress no longer counts: done
// or failed.
const finished = -1

// Prior is what earlier runs of a resumed scan had already done.
type Prior struct {
	// Cursors are the checkpointed cursors by subrange id, as given to
	// scanner.Plan.RunPlan: Done ones count as done ranges, others count
	// the share up to their last row.
	Cursors map[int]scanner.Cursor
	// Rows is the number of rows already written.
	Rows int64
}

// TrackerOption sets a collaborator of a Tracker.
type TrackerOption interface{ apply(*trackerOptions) }

type trackerOptions struct {
	now func() time.Time
}

type trackerOptionFunc func(*trackerOptions)

func (f trackerOptionFunc) apply(o *trackerOptions) { f(o) }

// WithClock sets the tracker's clock. Default: time.Now.
func WithClock(now func() time.Time) TrackerOption {
	return trackerOptionFunc(func(o *trackerOptions) { o.now = now })
}

// Tracker follows a scan through its hooks and tells where it is. Its
// hooks only update atomics (and a mutex-guarded map on retries), so they
// are cheap enough for the worker's goroutines; Snapshot may be called
// from any goroutine.
type Tracker struct {
	now   func() time.Time
	start time.Time

	// Read-only after NewTracker.
	index  map[int]int // subrange id -> position
	ranges []ring.Range
	units  []int64 // each subrange's share in fixed point
	total  int64   // sum of units
	whole  bool    // the subranges cover the whole ring

	priorRows  int64
	startUnits int64 // progress units at start (resumed scans)

	rows, pages, empty, bytes, retries, inflight atomic.Int64
	doneRanges, failedRanges                     atomic.Int64
	doneUnits, partialUnits                      atomic.Int64
	// partial holds each subrange's counted partial progress in units, or
	// finished.
	partial []atomic.Int64

	mu     sync.Mutex
	byKind map[string]int64
	// Splits of running subranges (guarded by mu): the planned subrange
	// each piece came from, the pieces each planned subrange still waits
	// for, and whether its own part is done. A planned subrange counts as
	// done when its part and all its pieces are.
	root    map[int]int
	pieces  []int
	ownDone []bool
	samples []sample // guarded by mu; samples[0] is the window's base

	// limits holds each host's limit and its last back-off (guarded by
	// mu).
	limits map[string]hostLimit

	// latency holds the page latencies, for the p99 over the window: a
	// Prometheus histogram used as a lock-free bucket counter, never
	// registered.
	latency prometheus.Histogram
}

// hostLimit is a host's cap on requests in flight, and when and why it was
// last lowered for congestion.
type hostLimit struct {
	limit    int
	backedAt time.Time
	reason   string
}

// BackOff is a host being backed off: its limit was lowered for congestion
// within the last Window.
type BackOff struct {
	Host   string
	Limit  int
	Reason string // "latency", "overloaded" or "timeout"
}

type sample struct {
	at    time.Time
	rows  int64
	bytes int64
	units int64
	// latency are the latency histogram's cumulative bucket counts, the
	// last one for +Inf.
	latency []uint64
}

// latencyBounds are the upper bounds of the tracker's latency buckets, in
// seconds: 100µs to 60s, each 15% above the one before, so that a
// quantile interpolated in its bucket is within a few percent.
func latencyBounds() []float64 { return prometheus.ExponentialBucketsRange(1e-4, 60, 96) }

// NewTracker returns a tracker for a scan of subranges: the whole plan,
// including the subranges a resumed scan skips, which prior describes.
func NewTracker(subranges []ring.Subrange, prior Prior, opts ...TrackerOption) *Tracker {
	o := trackerOptions{now: time.Now}
	for _, opt := range opts {
		opt.apply(&o)
	}
	t := &Tracker{
		now:       o.now,
		index:     make(map[int]int, len(subranges)),
		ranges:    make([]ring.Range, len(subranges)),
		units:     make([]int64, len(subranges)),
		partial:   make([]atomic.Int64, len(subranges)),
		priorRows: prior.Rows,
		byKind:    map[string]int64{},
		limits:    map[string]hostLimit{},
		root:      map[int]int{},
		pieces:    make([]int, len(subranges)),
		ownDone:   make([]bool, len(subranges)),
		latency:   prometheus.NewHistogram(prometheus.HistogramOpts{Name: "page_latency", Buckets: latencyBounds()}),
	}
	var share float64
	for i, sr := range subranges {
		t.index[sr.ID] = i
		t.ranges[i] = sr.Range
		t.units[i] = int64(sr.Share * shareScale)
		t.total += t.units[i]
		share += sr.Share
	}
	t.whole = share > 1-1e-9
	for id, cur := range prior.Cursors {
		i, ok := t.index[id]
		if !ok {
			continue
		}
		if cur.Done() {
			t.partial[i].Store(finished)
			t.doneRanges.Add(1)
			t.doneUnits.Add(t.units[i])
		} else if last, ok := cur.LastToken(); ok {
			u := t.upTo(i, last)
			t.partial[i].Store(u)
			t.partialUnits.Add(u)
		}
	}
	t.startUnits = t.progressUnits()
	t.start = t.now()
	t.samples = []sample{{at: t.start, units: t.startUnits, latency: t.latencyCounts()}}
	return t
}

// upTo returns the units of subrange i from its start up to token tok.
func (t *Tracker) upTo(i int, tok ring.Token) int64 {
	u := int64(ring.Range{Start: t.ranges[i].Start, End: tok}.Share() * shareScale)
	return min(max(u, 0), t.units[i])
}

func (t *Tracker) progressUnits() int64 {
	return min(t.doneUnits.Load()+max(t.partialUnits.Load(), 0), t.total)
}

// setPartial moves subrange i's partial progress to u, unless it is
// finished.
func (t *Tracker) setPartial(i int, u int64) {
	for {
		old := t.partial[i].Load()
		if old == finished {
			return
		}
		if t.partial[i].CompareAndSwap(old, u) {
			t.partialUnits.Add(u - old)
			return
		}
	}
}

// finish marks subrange i finished, taking back its partial progress; it
// reports whether it was not finished before.
func (t *Tracker) finish(i int) bool {
	old := t.partial[i].Swap(finished)
	if old == finished {
		return false
	}
	t.partialUnits.Add(-old)
	return true
}

// complete counts planned subrange i as done.
func (t *Tracker) complete(i int) {
	if t.finish(i) {
		t.doneRanges.Add(1)
		t.doneUnits.Add(t.units[i])
	}
}

// pieceDone records that a piece split off a planned subrange is done.
func (t *Tracker) pieceDone(id int) {
	t.mu.Lock()
	r, ok := t.root[id]
	ready := false
	if ok {
		delete(t.root, id)
		t.pieces[r]--
		ready = t.pieces[r] == 0 && t.ownDone[r]
	}
	t.mu.Unlock()
	if ready {
		t.complete(r)
	}
}

// Hooks returns the hooks that feed the tracker. A subrange counts as done
// once its last page was written (scanner.Cursor.Done), and as failed when
// RangeDone reports an error; a subrange stopped by cancellation is
// neither. A planned subrange that was split counts as done when it and
// every piece split off it are done.
func (t *Tracker) Hooks() scanner.Hooks {
	return scanner.Hooks{
		PageRead: func(_ int, _ string, rows, bytes int, latency time.Duration) {
			t.pages.Add(1)
			t.rows.Add(int64(rows))
			t.bytes.Add(int64(bytes))
			t.latency.Observe(latency.Seconds())
		},
		RequestStart: func(string) { t.inflight.Add(1) },
		RequestEnd:   func(string) { t.inflight.Add(-1) },
		Retry: func(_ int, _, kind string, _ error) {
			t.retries.Add(1)
			t.mu.Lock()
			t.byKind[kind]++
			t.mu.Unlock()
		},
		PageWritten: func(id int, cur scanner.Cursor, rows int) {
			if rows == 0 && !cur.Done() {
				t.empty.Add(1)
			}
			i, planned := t.index[id]
			if !planned {
				if cur.Done() {
					t.pieceDone(id)
				}
				return
			}
			switch {
			case cur.Done():
				t.mu.Lock()
				t.ownDone[i] = true
				ready := t.pieces[i] == 0
				t.mu.Unlock()
				if ready {
					t.complete(i)
				}
			default:
				if last, ok := cur.LastToken(); ok {
					t.setPartial(i, t.upTo(i, last))
				}
			}
		},
		RangeSplit: func(parent int, child ring.Subrange) {
			t.mu.Lock()
			defer t.mu.Unlock()
			r, ok := t.index[parent]
			if !ok {
				r, ok = t.root[parent]
			}
			if ok {
				t.root[child.ID] = r
				t.pieces[r]++
			}
		},
		HostLimit: func(host string, limit int, reason string) {
			t.mu.Lock()
			defer t.mu.Unlock()
			l := t.limits[host]
			l.limit = limit
			if scanner.LimitBacksOff(reason) {
				l.backedAt, l.reason = t.now(), reason
			}
			t.limits[host] = l
		},
		RangeDone: func(st scanner.RangeStats) {
			if st.Err == nil {
				return
			}
			if i, ok := t.index[st.ID]; !ok || t.finish(i) {
				t.failedRanges.Add(1)
			}
		},
	}
}

// TotalRows returns the rows read, including Prior.Rows: Snapshot's Rows,
// cheaply.
func (t *Tracker) TotalRows() int64 { return t.priorRows + t.rows.Load() }

// Progress returns the fraction of the planned work done: Snapshot's
// Progress, cheaply.
func (t *Tracker) Progress() float64 {
	if t.total == 0 {
		return 1
	}
	return float64(t.progressUnits()) / float64(t.total)
}

// Snapshot is where a scan stands.
type Snapshot struct {
	// Elapsed is the time since the tracker was made.
	Elapsed time.Duration
	// Rows counts rows read, including Prior.Rows; Pages, EmptyPages,
	// Bytes and Retries count this run's.
	Rows, Pages, EmptyPages, Bytes, Retries int64
	// RetriesByKind counts retries by error kind.
	RetriesByKind map[string]int64
	// RowsPerSecond is the rate over the last Window; MeanRowsPerSecond
	// over the whole run.
	RowsPerSecond, MeanRowsPerSecond float64
	// BytesPerSecond is the rate of row data read over the last Window.
	BytesPerSecond float64
	// P99Latency is the 99th percentile of the page requests' latency over
	// the last Window (interpolated in buckets 15% wide); 0 when no page
	// was read in it.
	P99Latency time.Duration
	// Progress is the fraction of the planned work done, in [0, 1]: the
	// shares of the done subranges plus, for running ones, the share up to
	// their last written row, over the plan's share.
	Progress float64
	// WholeRing says whether the plan covers the whole ring (it is not a
	// shard), so that Progress is also the share of the ring done.
	WholeRing bool
	// ETA is the time left at the progress rate of the last Window;
	// negative when it cannot be told yet.
	ETA time.Duration
	// Ranges counts the plan's subranges; RangesDone and RangesFailed the
	// finished ones, including those done before a resume.
	Ranges, RangesDone, RangesFailed int
	// InFlight is the number of page requests under way.
	InFlight int64
	// BackingOff lists the hosts whose limit was lowered for congestion
	// (rising latency, Overloaded, timeouts) within the last Window, by
	// host.
	BackingOff []BackOff
}

// minSampleGap keeps the window's samples apart, bounding them to about
// Window / minSampleGap.
const minSampleGap = 100 * time.Millisecond

// maxETA is the longest ETA told; a longer one is unknown.
const maxETA = 10000 * time.Hour

// Snapshot returns where the scan stands.
func (t *Tracker) Snapshot() Snapshot {
	now := t.now()
	rows := t.rows.Load()
	units := t.progressUnits()
	s := Snapshot{
		Elapsed:      now.Sub(t.start),
		Rows:         t.priorRows + rows,
		Pages:        t.pages.Load(),
		EmptyPages:   t.empty.Load(),
		Bytes:        t.bytes.Load(),
		Retries:      t.retries.Load(),
		WholeRing:    t.whole,
		Ranges:       len(t.units),
		RangesDone:   int(t.doneRanges.Load()),
		RangesFailed: int(t.failedRanges.Load()),
		InFlight:     max(t.inflight.Load(), 0),
		Progress:     1,
		ETA:          -1,
	}
	if t.total > 0 {
		s.Progress = float64(units) / float64(t.total)
	}
	if sec := s.Elapsed.Seconds(); sec > 0 {
		s.MeanRowsPerSecond = float64(rows) / sec
	}

	lat := t.latencyCounts()
	t.mu.Lock()
	s.RetriesByKind = maps.Clone(t.byKind)
	for host, l := range t.limits {
		if !l.backedAt.IsZero() && now.Sub(l.backedAt) < Window {
			s.BackingOff = append(s.BackingOff, BackOff{Host: host, Limit: l.limit, Reason: l.reason})
		}
	}
	slices.SortFunc(s.BackingOff, func(a, b BackOff) int { return strings.Compare(a.Host, b.Host) })
	if last := t.samples[len(t.samples)-1]; now.Sub(last.at) >= minSampleGap {
		t.samples = append(t.samples, sample{at: now, rows: rows, bytes: s.Bytes, units: units, latency: lat})
	}
	for len(t.samples) > 2 && !t.samples[1].at.After(now.Add(-Window)) {
		t.samples = t.samples[1:]
	}
	base := t.samples[0]
	t.mu.Unlock()

	s.P99Latency = quantile(0.99, latencyBounds(), base.latency, lat)
	if dt := now.Sub(base.at).Seconds(); dt > 0 {
		s.RowsPerSecond = float64(rows-base.rows) / dt
		s.BytesPerSecond = float64(s.Bytes-base.bytes) / dt
		rate := float64(units-base.units) / dt // units per second
		switch {
		case units >= t.total:
			s.ETA = 0
		case rate > 0:
			if left := float64(t.total-units) / rate; left < maxETA.Seconds() {
				s.ETA = time.Duration(left * float64(time.Second))
			}
		}
	} else if units >= t.total {
		s.ETA = 0
	}
	return s
}

// latencyCounts returns the latency histogram's cumulative bucket counts,
// +Inf last.
func (t *Tracker) latencyCounts() []uint64 {
	var m dto.Metric
	if err := t.latency.Write(&m); err != nil {
		return nil
	}
	h := m.GetHistogram()
	out := make([]uint64, 0, len(h.GetBucket())+1)
	for _, b := range h.GetBucket() {
		out = append(out, b.GetCumulativeCount())
	}
	return append(out, h.GetSampleCount())
}

// quantile returns the q-quantile of the observations counted between two
// readings of cumulative bucket counts (bounds' buckets, then +Inf),
// interpolated linearly inside its bucket as Prometheus'
// histogram_quantile does; 0 when there are none. A quantile in the +Inf
// bucket is the last bound.
func quantile(q float64, bounds []float64, from, to []uint64) time.Duration {
	if len(to) != len(bounds)+1 || len(from) != len(to) {
		return 0
	}
	n := to[len(to)-1] - from[len(from)-1]
	if n == 0 {
		return 0
	}
	rank := q * float64(n)
	var below uint64
	for i := range bounds {
		c := to[i] - from[i]
		if float64(c) >= rank {
			lo := 0.0
			if i > 0 {
				lo = bounds[i-1]
			}
			in := c - below
			frac := 1.0
			if in > 0 {
				frac = (rank - float64(below)) / float64(in)
			}
			sec := lo + (bounds[i]-lo)*math.Max(frac, 0)
			return time.Duration(sec * float64(time.Second))
		}
		below = c
	}
	return time.Duration(bounds[len(bounds)-1] * float64(time.Second))
}
