package worker

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
)

// simHost is a node of the simulation: capacity reads served at once (0:
// no limit), at most queueLimit waiting (0: no limit, NoQueue-like -1:
// none), each read costing service(rows).
type simHost struct {
	capacity, queueLimit int
	service              func(rows int) time.Duration
}

// limitPoint is a host's limit from a moment of the simulation on.
type limitPoint struct {
	at     time.Duration
	host   int
	limit  int
	reason LimitReason
}

type simResult struct {
	points     []limitPoint
	requests   int
	overloaded int
	waits      []time.Duration // every read's wait in its host's queue
	elapsed    time.Duration
	maxLimit   []int
}

// event is something that happens at a moment of the simulation.
type event struct {
	at  time.Duration
	seq int
	do  func()
}

type events []*event

func (e events) Len() int { return len(e) }
func (e events) Less(i, j int) bool {
	if e[i].at != e[j].at {
		return e[i].at < e[j].at
	}
	return e[i].seq < e[j].seq
}
func (e events) Swap(i, j int) { e[i], e[j] = e[j], e[i] }
func (e *events) Push(x any)   { *e = append(*e, x.(*event)) }
func (e *events) Pop() any {
	old := *e
	x := old[len(old)-1]
	*e = old[:len(old)-1]
	return x
}

// simulate reads pages pages with clients goroutines over hosts, in virtual
// time, every host a replica of every page (as with RF = nodes): each
// client picks the host the pool would (fewest requests in flight and
// waiting for its limit), waits for a slot first come first served, and
// after an Overloaded answer tries again 50 ms later. The limits are the
// real controller's, fed with the simulated latencies: the same inputs
// always give the same limits. With warm, the hosts were warmed up
// (Warmer): the first requests are samples; without, they are cold.
func simulate(warm bool, hosts []simHost, clients, pages int, rows func(page int) int, lo, hi int) simResult {
	var (
		q   events
		seq int
		now time.Duration
		res = simResult{maxLimit: make([]int, len(hosts))}
	)
	at := func(t time.Duration, do func()) {
		seq++
		heap.Push(&q, &event{at: t, seq: seq, do: do})
	}
	type clientWait struct{ c, page int }
	type hostState struct {
		ctl      *vegas
		inflight int
		waiting  []clientWait // clients waiting for a slot
		busy     int
		queue    []func() // reads waiting at the server
	}
	hs := make([]*hostState, len(hosts))
	for i := range hs {
		hs[i] = &hostState{ctl: newVegas(lo, hi)}
		hs[i].ctl.warmed = warm
		res.points = append(res.points, limitPoint{host: i, limit: hs[i].ctl.limit, reason: LimitInitial})
		res.maxLimit[i] = hs[i].ctl.limit
	}
	next := 0 // the next page to read
	var ready func(c, page int)
	var issue func(h, c, page int)
	serve := func(h, c, page int, issued time.Duration, tag int64) {
		host, st := hosts[h], hs[h]
		finish := func(o outcome) {
			st.inflight--
			n, reason, changed := st.ctl.complete(tag, o, now-issued, rows(page))
			if changed {
				res.points = append(res.points, limitPoint{at: now, host: h, limit: n, reason: reason})
				res.maxLimit[h] = max(res.maxLimit[h], n)
			}
			for len(st.waiting) > 0 && st.inflight < st.ctl.limit {
				w := st.waiting[0]
				st.waiting = st.waiting[1:]
				issue(h, w.c, w.page)
			}
			if o == overloaded {
				res.overloaded++
				at(now+50*time.Millisecond, func() { ready(c, page) })
				return
			}
			ready(c, -1)
		}
		start := func(arrived time.Duration) {
			res.waits = append(res.waits, now-arrived)
			at(now+host.service(rows(page)), func() {
				st.busy--
				if len(st.queue) > 0 {
					f := st.queue[0]
					st.queue = st.queue[1:]
					f()
				}
				finish(succeeded)
			})
		}
		switch {
		case host.capacity == 0 || st.busy < host.capacity:
			st.busy++
			start(now)
		case host.queueLimit < 0 || (host.queueLimit > 0 && len(st.queue) >= host.queueLimit):
			at(now+time.Microsecond, func() { finish(overloaded) })
		default:
			arrived := now
			st.queue = append(st.queue, func() { st.busy++; start(arrived) })
		}
	}
	issue = func(h, c, page int) {
		st := hs[h]
		st.inflight++
		res.requests++
		tag := st.ctl.issue(st.inflight, true)
		serve(h, c, page, now, tag)
	}
	ready = func(c, page int) {
		if page < 0 {
			if next >= pages {
				return
			}
			page = next
			next++
		}
		best, bestLoad := -1, 0
		for k := range hosts {
			h := (c + k) % len(hosts)
			st := hs[h]
			load := (st.inflight + len(st.waiting)) * 1024 / st.ctl.limit
			if best < 0 || load < bestLoad {
				best, bestLoad = h, load
			}
		}
		st := hs[best]
		if st.inflight < st.ctl.limit && len(st.waiting) == 0 {
			issue(best, c, page)
			return
		}
		st.waiting = append(st.waiting, clientWait{c, page})
	}
	for c := range clients {
		at(0, func() { ready(c, -1) })
	}
	for q.Len() > 0 {
		e := heap.Pop(&q).(*event)
		now = e.at
		e.do()
	}
	res.elapsed = now
	return res
}

// limitsAfter returns host's limits from t on: the one in force at t and
// every later one.
func (r simResult) limitsAfter(host int, t time.Duration) []int {
	var out []int
	for _, p := range r.points {
		switch {
		case p.host != host:
		case p.at <= t:
			out = []int{p.limit}
		default:
			out = append(out, p.limit)
		}
	}
	return out
}

// meanLimit is host's time-weighted mean limit from t to the end.
func (r simResult) meanLimit(host int, t time.Duration) float64 {
	var sum float64
	cur, from := 0, t
	for _, p := range r.points {
		if p.host != host {
			continue
		}
		if p.at > t {
			sum += float64(cur) * float64(p.at-from)
			from = p.at
		}
		cur = p.limit
	}
	sum += float64(cur) * float64(r.elapsed-from)
	return sum / float64(r.elapsed-t)
}

func p99(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)*99/100]
}

// pageCost is the capacity scenario's service time: 10 ms, plus 100 µs a
// row.
func pageCost(rows int) time.Duration {
	return 10*time.Millisecond + time.Duration(rows)*100*time.Microsecond
}

func fullPages(int) int { return 1000 }

// TestAdaptiveCapacity runs the capacity scenario in virtual time: 3
// nodes serving 4 reads at once with 8 waiting, 128 goroutines. After the
// first tenth of the pages, every limit stays between the capacity (the
// nodes are kept busy) and capacity + queue (no Overloaded), moving by a
// few requests at most; the scan is within 10% of the ideal (every slot
// busy all the time), fewer than 1% of the requests are refused, and the
// p99 wait in a node's queue is under twice the service time.
func TestAdaptiveCapacity(t *testing.T) {
	for _, warm := range []bool{false, true} {
		t.Run(fmt.Sprint("warm=", warm), func(t *testing.T) {
			hosts := []simHost{{4, 8, pageCost}, {4, 8, pageCost}, {4, 8, pageCost}}
			const pages = 2000
			r := simulate(warm, hosts, 128, pages, fullPages, 1, 128)
			ideal := time.Duration(pages/12) * pageCost(1000)
			settled := r.elapsed / 10
			for h := range hosts {
				after := r.limitsAfter(h, settled)
				assert.GreaterOrEqual(t, slices.Min(after), 4, "host %d keeps its 4 slots busy: %v", h, after)
				assert.LessOrEqual(t, slices.Max(after), 12, "host %d never queues past its queue limit: %v", h, after)
				assert.LessOrEqual(t, slices.Max(after)-slices.Min(after), 3, "host %d does not oscillate: %v", h, after)
			}
			assert.Less(t, float64(r.elapsed), 1.1*float64(ideal), "within 10%% of the ideal %v", ideal)
			assert.Less(t, float64(r.overloaded), 0.01*float64(r.requests), "%d Overloaded of %d requests", r.overloaded, r.requests)
			assert.Less(t, p99(r.waits), 2*pageCost(1000), "p99 queue wait")
		})
	}
}

// TestAdaptiveCapacityShortPages runs the capacity scenario with the
// pages of a real scan: every other page a subrange's last, of any size
// below a full one, so that windows often hold only sizes never measured.
// Such a window gives no latency ratio; halving the limit to measure them
// (a probe) left a node's slots half idle for a window, four times in the
// bench's capacity scan. The limits never back off or probe here, and the
// scan is within 10% of the ideal.
func TestAdaptiveCapacityShortPages(t *testing.T) {
	rows := func(page int) int {
		if page%2 == 0 {
			return 1000
		}
		return 1 + (page*7919)%999
	}
	for _, warm := range []bool{false, true} {
		t.Run(fmt.Sprint("warm=", warm), func(t *testing.T) {
			hosts := []simHost{{4, 8, pageCost}, {4, 8, pageCost}, {4, 8, pageCost}}
			const pages = 2000
			r := simulate(warm, hosts, 128, pages, rows, 1, 128)
			var work time.Duration
			for p := range pages {
				work += pageCost(rows(p))
			}
			ideal := work / 12
			for _, p := range r.points {
				assert.NotEqual(t, LimitProbe, p.reason, "host %d probed at %v", p.host, p.at)
			}
			assert.Less(t, float64(r.elapsed), 1.1*float64(ideal), "within 10%% of the ideal %v", ideal)
			assert.Less(t, float64(r.overloaded), 0.01*float64(r.requests), "%d Overloaded of %d requests", r.overloaded, r.requests)
			assert.Less(t, p99(r.waits), 2*pageCost(1000), "p99 queue wait")
		})
	}
}

// TestAdaptiveHalfCapacity checks that a node with half the capacity of
// the others settles at a lower limit, and that its pages go to the
// others: the scan is still within 15% of its ideal.
func TestAdaptiveHalfCapacity(t *testing.T) {
	for _, warm := range []bool{false, true} {
		t.Run(fmt.Sprint("warm=", warm), func(t *testing.T) {
			hosts := []simHost{{2, 8, pageCost}, {4, 8, pageCost}, {4, 8, pageCost}}
			const pages = 2000
			r := simulate(warm, hosts, 128, pages, fullPages, 1, 128)
			settled := r.elapsed / 10
			slow := r.meanLimit(0, settled)
			for h := 1; h < len(hosts); h++ {
				assert.Less(t, slow, r.meanLimit(h, settled), "the half-capacity node's mean limit is below node %d's", h)
			}
			assert.LessOrEqual(t, slices.Max(r.limitsAfter(0, settled)), 2+8, "the slow node never queues past its limit")
			ideal := time.Duration(pages/10) * pageCost(1000)
			assert.Less(t, float64(r.elapsed), 1.15*float64(ideal), "within 15%% of the ideal %v", ideal)
		})
	}
}

// TestAdaptiveBounds checks the ceiling and the floor: on nodes without a
// limit the adaptive limit grows to the ceiling and never past it; on a
// node that refuses every read past one it never goes below the floor.
func TestAdaptiveBounds(t *testing.T) {
	free := []simHost{{0, 0, pageCost}, {0, 0, pageCost}}
	r := simulate(false, free, 64, 3000, fullPages, 1, 16)
	for h := range free {
		assert.Equal(t, 16, r.maxLimit[h], "host %d reaches its ceiling and stays at it", h)
		assert.Equal(t, 16, r.limitsAfter(h, r.elapsed)[0])
	}
	hostile := []simHost{{1, -1, pageCost}}
	r = simulate(false, hostile, 16, 200, fullPages, 3, 16)
	for _, p := range r.points {
		assert.GreaterOrEqual(t, p.limit, 3, "never below the floor")
	}
	assert.Positive(t, r.overloaded)
}

// TestAdaptiveMixedPages checks the normalisation by page size: on nodes
// without a limit, pages that get longer (short pages first, as at the
// ends of subranges, full pages after) never make the limit fall, as each
// page is compared with pages of its own size.
func TestAdaptiveMixedPages(t *testing.T) {
	hosts := []simHost{{0, 0, pageCost}, {0, 0, pageCost}, {0, 0, pageCost}}
	rows := func(page int) int {
		if page%10 != 0 && page < 1500 {
			return 10 + page%7
		}
		return 1000
	}
	r := simulate(false, hosts, 96, 3000, rows, 1, 32)
	for _, p := range r.points {
		assert.False(t, p.reason.BacksOff(), "host %d backed off at %v to %d for %s", p.host, p.at, p.limit, p.reason)
	}
	for h := range hosts {
		assert.Equal(t, 32, r.maxLimit[h])
	}
}

// TestVegasSignals feeds the controller directly: latencies at the
// unloaded level grow the limit (slow start doubles, then one at a time),
// rising latency shrinks it, an Overloaded answer or a timeout cuts it by
// a quarter once per window, and requests issued before a change do not
// count in the next window.
func TestVegasSignals(t *testing.T) {
	v := newVegas(1, 100)
	require.Equal(t, initialLimit, v.limit)
	window := func(latency time.Duration) (int, LimitReason, bool) {
		tags := make([]int64, v.limit)
		for i := range tags {
			tags[i] = v.issue(i+1, true)
		}
		var n int
		var reason LimitReason
		var changed bool
		for _, tag := range tags {
			if n2, r2, c2 := v.complete(tag, succeeded, latency, 100); c2 {
				n, reason, changed = n2, r2, c2
			}
		}
		return n, reason, changed
	}
	const s = 10 * time.Millisecond
	_, _, changed := window(5 * s)
	assert.False(t, changed, "requests issued before the host's first answer (the statements' first runs) are no samples")
	require.Equal(t, initialLimit, v.limit)
	n, reason, changed := window(s)
	assert.Equal(t, []any{4, LimitGrow, true}, []any{n, reason, changed}, "slow start doubles")
	n, _, changed = window(s)
	assert.Equal(t, []any{0, false}, []any{n, changed}, "the window after a doubling holds the limit: Vegas doubles every other round trip")
	assert.Equal(t, 4, v.limit)
	n, _, _ = window(s)
	assert.Equal(t, 8, n)
	// Twice as slow at 8: a capacity of 4, so slow start ends at 4 + 1.
	n, reason, _ = window(2 * s)
	assert.Equal(t, []any{5, LimitLatency}, []any{n, reason}, "slow start ends at the capacity seen, plus one")
	n, reason, _ = window(s)
	assert.Equal(t, []any{6, LimitGrow}, []any{n, reason}, "no queue: one more")
	_, _, changed = window(6 * s / 4)
	assert.False(t, changed, "a queue of 2 (6 in flight, 4 served) is where Vegas stays")
	n, reason, _ = window(4 * s)
	assert.Equal(t, []any{5, LimitLatency}, []any{n, reason}, "a queue of 4 and more: one fewer")

	old := v.issue(1, true)
	v.issue(2, true)
	n, reason, changed = v.complete(v.issue(3, true), overloaded, time.Millisecond, 0)
	assert.Equal(t, []any{3, LimitOverloaded, true}, []any{n, reason, changed}, "Overloaded cuts 5 to 3 (a quarter, rounded down)")
	_, _, changed = v.complete(old, overloaded, time.Millisecond, 0)
	assert.False(t, changed, "a loss of a request issued before the cut was already answered for")
	_, _, changed = v.complete(old, succeeded, 50*time.Millisecond, 100)
	assert.False(t, changed)
	assert.Empty(t, v.samples, "a request issued before the change does not count in the new window")
	n, reason, _ = v.complete(v.issue(1, true), timedOut, time.Second, 0)
	assert.Equal(t, []any{2, LimitTimeout}, []any{n, reason}, "a timeout cuts too")
	n, _, _ = v.complete(v.issue(1, true), timedOut, time.Second, 0)
	assert.Equal(t, 1, n)
	_, _, changed = v.complete(v.issue(1, true), timedOut, time.Second, 0)
	assert.False(t, changed, "never below the floor")
	v2 := newVegas(1, 100)
	_, _, changed = v2.complete(v2.issue(1, true), ignored, time.Hour, 0)
	assert.False(t, changed, "an error that says nothing of the host's load")

	// Cold requests are those issued before the host's first answer,
	// not those of a first window: a request issued after it counts at
	// once, in the same window.
	v3 := newVegas(1, 100)
	a, b := v3.issue(1, true), v3.issue(2, true)
	_, _, changed = v3.complete(a, succeeded, 5*s, 100)
	assert.False(t, changed)
	c := v3.issue(2, true)
	_, _, changed = v3.complete(b, succeeded, 5*s, 100)
	assert.False(t, changed)
	d := v3.issue(2, true)
	v3.complete(c, succeeded, s, 100)
	n, reason, _ = v3.complete(d, succeeded, s, 100)
	assert.Equal(t, []any{4, LimitGrow}, []any{n, reason}, "two warm samples close the first window")
	v4 := newVegas(1, 100)
	v4.limit = 8
	c1, c2 := v4.issue(1, true), v4.issue(2, true)
	n, reason, _ = v4.complete(c1, overloaded, s, 0)
	assert.Equal(t, []any{6, LimitOverloaded}, []any{n, reason}, "a cold request's loss counts")
	_, _, changed = v4.complete(c2, overloaded, s, 0)
	assert.False(t, changed, "once: a second cold loss was issued before the cut")
	v5 := newVegas(1, 100)
	v5.complete(v5.issue(1, true), ignored, 0, 0)
	assert.Equal(t, coldTag, int(v5.issue(1, true)), "an error the host never saw (a refused connection) is no answer: the next request is still cold")
}

// TestVegasSlowStartOnAHalfNode replays the windows the bench's
// capacity-half run gave the node serving 2 reads at once (page latencies
// in ms, from a debug trace): the first window, at the initial limit 2,
// is slower than the node's unloaded speed (the statements' first runs: a
// PREPARE round trip each), and the window at 4 has two unqueued pages and
// two that waited a whole page. Taken as unloaded, the first window made
// the window at 4 look like a queue of 0.95 requests, under slow start's
// threshold of 1, and slow start doubled the limit to 8, a queue of 6 on
// that node. The first window's requests, issued before the node's first
// answer, are now no samples; the second window, at 2 (the
// trace's fastest pages), is the baseline; the window at 4, right after a
// doubling, holds the limit; and the next one, every page of which waited
// a page, ends slow start at the capacity seen, plus one.
func TestVegasSlowStartOnAHalfNode(t *testing.T) {
	v := newVegas(1, 64)
	require.Equal(t, 2, replayWindow(t, v, false, 127, 128), "the first requests, issued before any answer, are no samples")
	require.Equal(t, 4, replayWindow(t, v, false, 111, 113), "no queue at 2: slow start doubles")
	require.Equal(t, 4, replayWindow(t, v, false, 111, 113, 220, 222), "the window after a doubling holds the limit")
	n := replayWindow(t, v, false, 220, 221, 223, 224)
	assert.Equal(t, 4, n, "a queue at 4 ends slow start at the capacity seen (4 / 1.98, rounded up to 3), plus one, not at the floor")
	assert.False(t, v.slow)
}

// replayWindow feeds v one window of page latencies in ms, of pages of
// 1000 rows, after one of 600 rows (a subrange's last page, of a size
// never measured) at 177 ms when short is set; it returns the limit after
// the window.
func replayWindow(t *testing.T, v *vegas, short bool, ms ...int) int {
	t.Helper()
	n := len(ms)
	if short {
		n++
	}
	require.Equal(t, v.limit, n, "a window is as many pages as the limit")
	tags := make([]int64, v.limit)
	for i := range tags {
		tags[i] = v.issue(i+1, true)
	}
	if short {
		v.complete(tags[0], succeeded, 177*time.Millisecond, 600)
		tags = tags[1:]
	}
	for i, tag := range tags {
		v.complete(tag, succeeded, time.Duration(ms[i])*time.Millisecond, 1000)
	}
	return v.limit
}

// TestVegasSlowStartSettles replays the windows the capacity sweep at
// c=64 gave a node serving 4 reads at once (page latencies in ms, from a
// debug trace): after slow start doubled 4 to 8, the next window held 4
// pages that found a slot as old requests ended and 4 queued behind them.
// Its median looked unloaded (a queue of 0.9), slow start doubled again to
// 16, and the node answered Overloaded at once. Vegas doubles every other
// round trip: the window after a doubling holds the limit, the next one,
// all queued, ends slow start.
func TestVegasSlowStartSettles(t *testing.T) {
	v := newVegas(1, 64)
	window := func(short bool, ms ...int) int { return replayWindow(t, v, short, ms...) }
	require.Equal(t, 2, window(false, 125, 127), "the first requests, issued before any answer, are no samples")
	require.Equal(t, 4, window(false, 112, 114))
	require.Equal(t, 4, window(false, 113, 116, 120, 126), "the window after a doubling")
	require.Equal(t, 8, window(false, 112, 115, 118, 121), "no queue at 4 of 4: double")
	assert.Equal(t, 8, window(true, 124, 126, 126, 127, 223, 226, 230), "the window after a doubling holds, whatever its median")
	assert.Equal(t, 6, window(false, 220, 221, 222, 223, 224, 225, 226, 230), "a queue at 8 ends slow start at the capacity seen (8 / 1.99, rounded up), plus one")
	assert.False(t, v.slow)
}

// TestVegasProbe checks that every probeEvery windows the limit is halved
// for one window whose latencies become the new baselines: a node that
// became slower for good is then not taken for a congested one.
func TestVegasProbe(t *testing.T) {
	v := newVegas(1, 8)
	v.slow, v.answered = false, true
	v.limit = 8
	feed := func(latency time.Duration) []LimitReason {
		var rs []LimitReason
		tags := make([]int64, v.limit)
		for i := range tags {
			tags[i] = v.issue(i+1, true)
		}
		for _, tag := range tags {
			if _, r, c := v.complete(tag, succeeded, latency, 100); c {
				rs = append(rs, r)
			}
		}
		return rs
	}
	for range probeEvery - 1 {
		require.Empty(t, feed(10*time.Millisecond))
	}
	assert.Equal(t, []LimitReason{LimitProbe}, feed(10*time.Millisecond))
	assert.Equal(t, 4, v.limit)
	assert.Equal(t, []LimitReason{LimitProbed}, feed(30*time.Millisecond), "the probe's window measures the node anew")
	assert.Equal(t, 8, v.limit)
	// Three times slower than before the probe, but no slower than the
	// probe measured: no queue, no backing off.
	for range 10 {
		for _, r := range feed(30 * time.Millisecond) {
			assert.False(t, r.BacksOff())
		}
	}
	assert.Equal(t, 8, v.limit)
}

// TestSizeClass checks that size classes grow with the rows and stay
// within 9% of each other.
func TestSizeClass(t *testing.T) {
	prev := -1
	for rows := range 100_000 {
		c := sizeClass(rows)
		require.GreaterOrEqual(t, c, prev, "classes grow with rows")
		prev = c
	}
	for _, rows := range []int{16, 100, 1000, 5000, 65536} {
		lo := rows
		for lo > 0 && sizeClass(lo-1) == sizeClass(rows) {
			lo--
		}
		hi := rows
		for sizeClass(hi+1) == sizeClass(rows) {
			hi++
		}
		assert.LessOrEqual(t, float64(hi)/float64(lo), 1.13, "class of %d rows: %d..%d", rows, lo, hi)
	}
	assert.NotEqual(t, sizeClass(1000), sizeClass(900))
}

// jittered returns a service time of base(rows) times a lognormal factor
// of median 1 and spread sigma, drawn from a seeded source: the same
// simulation always draws the same times.
func jittered(seed uint64, sigma float64, base func(int) time.Duration) func(int) time.Duration {
	r := rand.New(rand.NewPCG(seed, seed))
	return func(rows int) time.Duration {
		return time.Duration(float64(base(rows)) * math.Exp(sigma*r.NormFloat64()))
	}
}

// TestAdaptiveJitter checks that latency spread alone is not taken for a
// queue: on nodes without a capacity limit whose service times spread
// (lognormal, σ 0.1 and 0.2: a p99 1.26 and 1.6 times the median), the
// limit climbs to near its ceiling and stays there. (At σ 0.3 one node's
// slow start ends early on noise, and congestion avoidance, one request a
// window, takes it to 67 only: docs/design.md.) On the capacity
// scenario's nodes with the same spread, it still keeps them busy without
// queueing past their queue limit.
func TestAdaptiveJitter(t *testing.T) {
	for _, sigma := range []float64{0.1, 0.2} {
		t.Run(fmt.Sprint(sigma), func(t *testing.T) {
			free := []simHost{{0, 0, jittered(1, sigma, pageCost)}, {0, 0, jittered(2, sigma, pageCost)}}
			r := simulate(false, free, 256, 20000, fullPages, 1, 128)
			for h := range free {
				assert.GreaterOrEqual(t, r.meanLimit(h, r.elapsed/4), 0.75*128, "host %d: %v", h, r.limitsAfter(h, r.elapsed/4))
			}
			for _, warm := range []bool{false, true} {
				busy := []simHost{{4, 8, jittered(3, sigma, pageCost)}, {4, 8, jittered(4, sigma, pageCost)}, {4, 8, jittered(5, sigma, pageCost)}}
				const pages = 2000
				r = simulate(warm, busy, 128, pages, fullPages, 1, 128)
				ideal := time.Duration(pages/12) * pageCost(1000)
				assert.Less(t, float64(r.elapsed), 1.15*float64(ideal), "warm=%v: within 15%% of the ideal %v", warm, ideal)
				assert.Less(t, float64(r.overloaded), 0.01*float64(r.requests), "warm=%v: %d Overloaded of %d requests", warm, r.overloaded, r.requests)
				assert.Less(t, p99(r.waits), 2*pageCost(1000), "warm=%v: p99 queue wait", warm)
			}
		})
	}
}

// TestVegasBaseline checks how the unloaded median is learnt: the first
// requests (issued before the host's first answer: the statements' first
// runs) teach nothing;
// a baseline slowed by a cold start all the same is corrected by the next
// window measured unloaded, so a later queue is seen at its true length;
// a window of fewer samples does not replace a baseline that stands on
// more.
func TestVegasBaseline(t *testing.T) {
	v := newVegas(1, 64)
	window := func(ms ...int) int { return replayWindow(t, v, false, ms...) }
	require.Equal(t, 2, window(300, 300), "the first window")
	assert.Empty(t, v.baseline, "cold requests teach nothing")
	require.Equal(t, 4, window(150, 150), "a slow second window, taken as unloaded: double")
	require.Equal(t, 4, window(100, 100, 100, 100), "the window after a doubling holds")
	assert.Equal(t, unloaded{median: 100 * time.Millisecond, samples: 4}, v.baseline[sizeClass(1000)], "the next window's lower median replaces the slow one")
	require.Equal(t, 8, window(100, 100, 100, 100))
	// 8 in flight on a node serving 4: every page waits one. Against the
	// slow baseline (150 ms) this is a queue of 2 and slow start would end
	// at 7; against the true one, a queue of 4, and it ends at 5.
	assert.Equal(t, 5, window(200, 200, 200, 200, 200, 200, 200, 200))
	assert.False(t, v.slow)

	v.baseline[sizeClass(1000)] = unloaded{median: 100 * time.Millisecond, samples: 8}
	window(90, 90, 90, 90, 90)
	assert.Equal(t, unloaded{median: 100 * time.Millisecond, samples: 8}, v.baseline[sizeClass(1000)], "a median of 5 samples does not replace one of 8")
}

// TestAdaptiveLargerNodes checks nodes serving 16 reads at once, 8 more
// waiting, without and with spread: past the limit's noise the queue is
// still seen, so that fewer than 1% of the requests are refused (slow
// start's doubling from 16 to 32 draws a few) and the p99 wait stays under
// a service time. A growth by β instead of one when no queue shows (as
// Netflix's VegasLimit grows) drew 203 Overloaded answers of about 6000
// here: a window whose pages are mostly unqueued has an unqueued median.
func TestAdaptiveLargerNodes(t *testing.T) {
	for _, sigma := range []float64{0, 0.1, 0.2} {
		for _, warm := range []bool{false, true} {
			t.Run(fmt.Sprint(sigma, "/warm=", warm), func(t *testing.T) {
				hosts := make([]simHost, 3)
				for h := range hosts {
					hosts[h] = simHost{16, 8, jittered(uint64(10+h), sigma, pageCost)}
				}
				r := simulate(warm, hosts, 128, 6000, fullPages, 1, 128)
				assert.Less(t, float64(r.overloaded), 0.01*float64(r.requests), "%d Overloaded of %d requests", r.overloaded, r.requests)
				assert.Less(t, p99(r.waits), pageCost(1000)+pageCost(1000)/5, "p99 queue wait")
				ideal := time.Duration(6000/48) * pageCost(1000)
				assert.Less(t, float64(r.elapsed), 1.15*float64(ideal), "within 15%% of the ideal %v", ideal)
			})
		}
	}
}

// TestVegasThresholds checks α, β and γ (Linux's up to a limit of 10,
// growing with log10 above) and what a window does to a limit above 10.
func TestVegasThresholds(t *testing.T) {
	for _, tt := range []struct {
		limit              int
		alpha, beta, gamma float64
	}{{1, 2, 4, 1}, {6, 2, 4, 1}, {10, 2, 4, 1}, {100, 4, 8, 2}, {1000, 6, 12, 3}} {
		a, b, g := thresholds(tt.limit)
		assert.InDeltaSlice(t, []float64{tt.alpha, tt.beta, tt.gamma}, []float64{a, b, g}, 1e-9, "limit %d", tt.limit)
	}
	for _, tt := range []struct {
		limit, next int
		latency     time.Duration
	}{
		{limit: 8, next: 9, latency: 100 * time.Millisecond},   // no queue, at most 10: one more
		{limit: 20, next: 21, latency: 100 * time.Millisecond}, // no queue above 10: one more
		{limit: 20, next: 21, latency: 109 * time.Millisecond}, // a queue of 1.7, between γ (1.3) and α (2.6): one more
		{limit: 20, next: 20, latency: 120 * time.Millisecond}, // a queue of 3.3, between α and β (5.2): hold
	} {
		v := newVegas(1, 100)
		v.slow, v.answered, v.limit = false, true, tt.limit
		v.baseline[sizeClass(100)] = unloaded{median: 100 * time.Millisecond, samples: 100}
		tags := make([]int64, v.limit)
		for i := range tags {
			tags[i] = v.issue(i+1, true)
		}
		for _, tag := range tags {
			v.complete(tag, succeeded, tt.latency, 100)
		}
		assert.Equal(t, tt.next, v.limit, "from %d at %v", tt.limit, tt.latency)
	}
}

// warmerFunc adapts a function to Warmer.
type warmerFunc func(ctx context.Context, host ring.Host) error

func (f warmerFunc) Warm(ctx context.Context, host ring.Host) error { return f(ctx, host) }

// TestWarmedHostIsMeasured checks what a warm-up (Warmer) makes of a
// host's first requests: after one that succeeded, those it prepared for
// (no Piece) are samples of the host's limit; those it did not, and every
// one after a warm-up that failed or under a fixed limit, are cold, as
// without one.
func TestWarmedHostIsMeasured(t *testing.T) {
	ok := warmerFunc(func(context.Context, ring.Host) error { return nil })
	failed := warmerFunc(func(context.Context, ring.Host) error { return errors.New("no PREPARE") })
	for _, tt := range []struct {
		name     string
		warmer   Warmer
		fails    bool
		warmable bool
		sample   bool
	}{
		{name: "warmed", warmer: ok, warmable: true, sample: true},
		{name: "warmed, a piece", warmer: ok, warmable: false, sample: false},
		{name: "warm-up failed", warmer: failed, fails: true, warmable: true, sample: false},
		{name: "not warmed", warmable: true, sample: false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Concurrency: 8, PerHost: 8, PerHostMode: PerHostAdaptive, MinPerHost: 1}
			h := newHostLimits(map[string]bool{"a": true}, cfg, nil)
			host := ring.Host{ID: "a", Address: "127.0.0.1"}
			if tt.warmer != nil {
				err := h.warmUp(context.Background(), host, tt.warmer, time.Second)
				assert.Equal(t, tt.fails, err != nil, "the warm-up's error comes back")
			}
			s, err := h.acquire(context.Background(), host, tt.warmable)
			require.NoError(t, err)
			defer h.release(s, time.Millisecond, 1, nil)
			assert.Equal(t, tt.sample, s.epoch != coldTag, "the first request is a sample")
		})
	}
}

// TestWarmUpOnce checks hostLimits.warmUp's coordination: one Warm per
// host, even for callers that came while it ran, who wait for it and
// count in the host's load meanwhile; a waiter whose context ends returns
// its cause; a fixed limit warms nothing up.
func TestWarmUpOnce(t *testing.T) {
	cfg := Config{Concurrency: 8, PerHost: 8, PerHostMode: PerHostAdaptive, MinPerHost: 1}
	h := newHostLimits(map[string]bool{"a": true}, cfg, nil)
	host := ring.Host{ID: "a", Address: "127.0.0.1"}
	running, release := make(chan struct{}), make(chan struct{})
	calls := 0
	w := warmerFunc(func(ctx context.Context, _ ring.Host) error {
		calls++
		close(running)
		<-release
		return nil
	})
	first := make(chan error, 1)
	go func() { first <- h.warmUp(context.Background(), host, w, time.Minute) }()
	<-running
	ctx, cancel := context.WithCancelCause(context.Background())
	waiter := make(chan error, 1)
	go func() { waiter <- h.warmUp(ctx, host, w, time.Minute) }()
	require.Eventually(t, func() bool { return h.load(host) == 2*1024/h.limit(host) }, 10*time.Second, time.Millisecond,
		"the warm-up's runner and its waiter count in the host's load")
	stop := errors.New("scan cancelled")
	cancel(stop)
	assert.ErrorIs(t, <-waiter, stop, "a waiter whose context ended")
	close(release)
	require.NoError(t, <-first)
	require.NoError(t, h.warmUp(context.Background(), host, w, time.Minute), "after the warm-up")
	assert.Equal(t, 1, calls, "one Warm per host")
	assert.Zero(t, h.load(host))

	fixed := newHostLimits(map[string]bool{"a": true}, Config{Concurrency: 8, PerHost: 8}, nil)
	require.NoError(t, fixed.warmUp(context.Background(), host, warmerFunc(func(context.Context, ring.Host) error {
		t.Error("a fixed limit was warmed up")
		return nil
	}), time.Minute))
}
