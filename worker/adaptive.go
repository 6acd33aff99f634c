package worker

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"time"
)

// The adaptive limit is TCP Vegas's congestion avoidance (L. Brakmo and L.
// Peterson, "TCP Vegas: End to End Congestion Avoidance on a Global
// Internet", IEEE JSAC 13(8), 1995) applied to the requests in flight to
// one host, as Netflix's concurrency-limits library applies it to a
// server's (VegasLimit): a host's limit plays the congestion window, a page
// request's latency the round-trip time. Vegas estimates the requests
// queued at the host from how much slower requests are than when the host
// is unloaded:
//
//	queue = limit × (1 − unloaded latency / latency)
//
// and keeps it between vegasAlpha and vegasBeta: one more request in
// flight while the queue is shorter, one fewer while it is longer. Vegas's
// unloaded latency, BaseRTT, is the lowest RTT seen, which a network's
// latencies, spread little above their floor, allow; a node's page
// latencies spread much more, so here both sides of the ratio are medians,
// and a difference within the medians' noise is not a queue (see ratio).
// The requests issued before a host's first answer, the statements' first
// runs, are no samples, but after a warm-up (Warmer). It starts with slow
// start (the limit doubles every other window while no queue is seen, and
// falls to the estimated capacity + 1 once one is), and, as every TCP
// since Jacobson's, cuts the limit by dropFactor on a loss: a page
// answered Overloaded or timing out, at most once per window.
//
// Parameters, in one place (docs/design.md explains them).
const (
	// DefaultMinPerHost is the adaptive limit's floor when
	// Config.MinPerHost is 0.
	DefaultMinPerHost = 1
	// initialLimit is where a host's adaptive limit starts (at most the
	// ceiling): low, so that the first window's latencies are unloaded
	// ones on any node that can serve two reads at once.
	initialLimit = 2
	// vegasAlpha and vegasBeta bound the queue Vegas aims at, in requests
	// (Linux's tcp_vegas defaults); vegasGamma ends slow start. Above a
	// limit of 10 all three grow with log10 of the limit (see thresholds).
	vegasAlpha, vegasBeta, vegasGamma = 2.0, 4.0, 1.0
	// dropFactor multiplies the limit on an Overloaded answer or a timeout.
	dropFactor = 0.75
	// minWindow is the fewest samples a window closes with.
	minWindow = 2
	// probeEvery is the number of windows between two probes of the
	// unloaded latency: for one window the limit is halved, and that
	// window's latencies replace the baselines, so that a host that became
	// slower for good is measured anew (as Envoy's adaptive concurrency
	// filter pins its concurrency to measure its minimum RTT, and BBR
	// enters ProbeRTT).
	probeEvery = 200
)

// LimitReason says why a host's limit changed (Hooks.HostLimit).
type LimitReason string

// Reasons of limit changes.
const (
	// LimitFixed announces a fixed limit (Config.PerHostMode fixed), once
	// per host.
	LimitFixed LimitReason = "fixed"
	// LimitInitial announces an adaptive limit's start, once per host.
	LimitInitial LimitReason = "initial"
	// LimitGrow: the host answered at its unloaded speed with every slot
	// in use (slow start doubles, congestion avoidance adds one).
	LimitGrow LimitReason = "grow"
	// LimitLatency: the host's latency rose (a queue built up).
	LimitLatency LimitReason = "latency"
	// LimitOverloaded and LimitTimeout: a page request was answered
	// Overloaded, or timed out.
	LimitOverloaded LimitReason = "overloaded"
	LimitTimeout    LimitReason = "timeout"
	// LimitProbe halves the limit for one window, to measure the host's
	// unloaded latency anew; LimitProbed restores it.
	LimitProbe  LimitReason = "probe"
	LimitProbed LimitReason = "probed"
)

// BacksOff reports whether r lowered a limit because the host was
// congested: latency, Overloaded or timeouts (not a probe).
func (r LimitReason) BacksOff() bool {
	return r == LimitLatency || r == LimitOverloaded || r == LimitTimeout
}

// outcome is what a page request tells the controller.
type outcome int

const (
	// ignored: no signal (a refused paging state, a bad statement, a
	// cancelled scan, a node down).
	ignored outcome = iota
	succeeded
	overloaded
	timedOut
)

// outcomeOf sorts a page request's error for the controller.
func outcomeOf(err error) outcome {
	if err == nil {
		return succeeded
	}
	switch _, kind := classify(err); kind {
	case "overloaded":
		return overloaded
	case "read_timeout", "timeout":
		return timedOut
	}
	return ignored
}

// sample is one page request's latency and size.
type sample struct {
	latency time.Duration
	class   int
}

// sizeClass groups pages of about the same number of rows: the latency of
// a page is compared only with the unloaded latency of pages of its class.
// Up to 16 rows each count is a class; above, classes are an eighth of an
// octave wide (rows within 9% of each other).
func sizeClass(rows int) int {
	if rows < 16 {
		return rows
	}
	n := bits.Len(uint(rows)) // rows in [2^(n-1), 2^n)
	frac := (rows >> (n - 4)) & 7
	return 16 + (n-5)*8 + frac
}

// vegas is one host's adaptive limit. It is not safe for concurrent use:
// hostLimit calls it under its lock. It knows no clock: a window is a
// number of samples, so that the same samples always give the same limits.
type vegas struct {
	min, max int
	limit    int
	slow     bool // slow start
	// epoch numbers the windows; a request is tagged with the epoch it was
	// issued in, and only requests issued in the current window count in
	// it: those issued before a change saw the old limit.
	epoch int64
	// cutEpoch is the epoch of the last cut for a loss: losses of requests
	// issued before it were already answered for.
	cutEpoch  int64
	samples   []sample
	saturated bool // a request of the window was issued with every slot in use
	// baseline is each size class's unloaded latency: its median, learnt in
	// the first window and in probes, or provisionally (one sample) in a
	// window none of whose pages could be compared (closeWindow, adopt),
	// lowered by larger windows (see ratio).
	baseline map[int]unloaded
	windows  int  // windows since the last probe
	probing  bool // this window is a probe
	restore  int  // the limit to restore after the probe
	// answered is set once a request to the host has been answered. The
	// requests issued before are cold (tagged coldTag), and their
	// latencies are no samples: they ran the statements' first
	// executions on the host (with gocql, a PREPARE round trip first, and
	// concurrent first runs wait for the same one), neither a loaded nor
	// an unloaded page read. But for warmed, set once the host was warmed
	// up (Warmer): the requests it prepared for are samples from the first.
	answered, warmed bool
	// settling is set in slow start for the window after a doubling: its
	// requests were issued while the new ones queued behind the old, so
	// it may end slow start but not double again (see closeWindow).
	settling bool
	// lastRatio is the latency ratio of the last window that had pages to
	// compare: the load the provisional baselines of a window without
	// them are measured under (see closeWindow).
	lastRatio float64
}

func newVegas(lo, hi int) *vegas {
	return &vegas{min: lo, max: hi, limit: max(lo, min(initialLimit, hi)), slow: true, baseline: map[int]unloaded{}, lastRatio: 1}
}

// issue tags a request issued with inflight requests in flight, itself
// included; warmable says whether a warm-up prepares for it (Warmer).
func (v *vegas) issue(inflight int, warmable bool) int64 {
	if inflight >= v.limit {
		v.saturated = true
	}
	if !v.answered && !(v.warmed && warmable) {
		return coldTag
	}
	return v.epoch
}

// coldTag tags the requests issued before the host's first answer.
const coldTag = -1

// complete takes the outcome of a request issued in epoch tag, and returns
// the new limit and why it changed, if it did.
func (v *vegas) complete(tag int64, o outcome, latency time.Duration, rows int) (int, LimitReason, bool) {
	if o != ignored {
		// The host answered (ignored outcomes include a connection
		// refused or a cancelled request, which it never saw).
		v.answered = true
	}
	cold := tag == coldTag
	if cold {
		tag = 0 // the first window's, for a loss
	}
	switch o {
	case overloaded, timedOut:
		if tag < v.cutEpoch || v.probing {
			return v.limit, "", false
		}
		reason := LimitOverloaded
		if o == timedOut {
			reason = LimitTimeout
		}
		v.slow = false
		return v.set(int(float64(v.limit)*dropFactor), reason, true)
	case succeeded:
		if cold || tag != v.epoch {
			return v.limit, "", false
		}
		v.samples = append(v.samples, sample{latency: latency, class: sizeClass(rows)})
		if len(v.samples) >= max(v.limit, minWindow) {
			return v.closeWindow()
		}
	}
	return v.limit, "", false
}

// set moves the limit to n (within the bounds), starts a new window and
// reports the change; cut marks a cut for a loss.
func (v *vegas) set(n int, reason LimitReason, cut bool) (int, LimitReason, bool) {
	n = min(max(n, v.min), v.max)
	changed := n != v.limit
	v.limit = n
	v.epoch++
	if cut {
		v.cutEpoch = v.epoch
	}
	v.samples, v.saturated = v.samples[:0], false
	return n, reason, changed
}

// closeWindow ends a window: it updates the baselines and moves the limit
// as Vegas does.
func (v *vegas) closeWindow() (int, LimitReason, bool) {
	ratio, known := v.ratio()
	saturated := v.saturated
	if v.probing {
		v.probing, v.windows = false, 0
		return v.set(v.restore, LimitProbed, false)
	}
	v.windows++
	if v.windows >= probeEvery {
		// Time to measure the unloaded latency anew.
		v.probing, v.restore = true, v.limit
		clear(v.baseline)
		return v.set((v.limit+1)/2, LimitProbe, false)
	}
	if !known {
		// The window's pages are all of sizes never measured (a scan's
		// subranges end in short pages of any size). Probing for them
		// would halve the limit for a window, leaving slots idle, as often
		// as such windows come; their medians over the last compared
		// window's ratio are their baselines instead, provisional (one
		// sample: the first median of two that is lower replaces them; see
		// ratio). A queue adds the same wait to every page, which is a
		// larger part of a short page's latency: divided by a full page's
		// ratio, a short page's baseline comes out high, never low, and its
		// queue is underestimated, not invented. The window moves nothing.
		v.adopt(v.lastRatio)
		v.samples, v.saturated = v.samples[:0], false
		return v.limit, "", false
	}
	v.lastRatio = ratio
	queue := float64(v.limit) * (1 - 1/ratio)
	alpha, beta, gamma := thresholds(v.limit)
	next, reason := v.limit, LimitReason("")
	switch {
	case v.slow && queue < gamma && v.settling:
		// Vegas doubles only every other round trip, "so that a valid
		// comparison of the expected and actual rates can be made": the
		// window right after a doubling mixes requests that found a free
		// slot with requests queued behind the old ones, and its median
		// can look unloaded on a node already full (a trace of the
		// capacity sweep at c=64 had 4 of 7 pages at the unloaded latency
		// and doubled 8 to 16 on a node serving 4). Hold the limit for a
		// window measured at it.
		v.settling = false
		return v.set(v.limit, "", false)
	case v.slow && queue < gamma:
		if saturated {
			next, reason = 2*v.limit, LimitGrow
			v.settling = true
		}
	case v.slow:
		// The capacity the window showed (limit / ratio), plus one.
		v.slow, v.settling = false, false
		next, reason = min(v.limit, int(math.Ceil(float64(v.limit)/ratio))+1), LimitLatency
	case queue > beta:
		next, reason = v.limit-1, LimitLatency
	case queue < alpha && saturated:
		next, reason = v.limit+1, LimitGrow
	}
	if next == v.limit {
		v.samples, v.saturated = v.samples[:0], false
		return v.limit, "", false // same window length, same epoch
	}
	return v.set(next, reason, false)
}

// adopt makes the medians of the window's size classes, over ratio, their
// provisional baselines (standing on one sample). ratio sorted the
// samples by class.
func (v *vegas) adopt(ratio float64) {
	for i := 0; i < len(v.samples); {
		j := i
		for j < len(v.samples) && v.samples[j].class == v.samples[i].class {
			j++
		}
		median := time.Duration(float64(medianLatency(v.samples[i:j])) / ratio)
		v.baseline[v.samples[i].class] = unloaded{median: max(median, time.Microsecond), samples: 1}
		i = j
	}
}

// thresholds are Vegas's α, β and γ at limit: Linux's tcp_vegas defaults
// (2, 4 and 1 requests) up to a limit of 10, growing above with log10 of
// the limit as Netflix's VegasLimit's do (3, 6 and 1 times log10 there;
// 2, 4 and 1 times here, to meet Linux's at 10). A fixed queue is a
// smaller part of a larger limit, and a latency ratio's noise, times the
// limit, a larger number of requests: at 128, 2 to 4 queued are 2-3% of
// the latency.
func thresholds(limit int) (alpha, beta, gamma float64) {
	s := max(1, math.Log10(float64(limit)))
	return vegasAlpha * s, vegasBeta * s, vegasGamma * s
}

// ratio is the window's latency over the unloaded latency: for each size
// class, the median latency of the window over the class's baseline, the
// unloaded median, averaged with the classes' sample counts as weights.
// Medians are compared with medians: a node's latencies spread even when
// nothing waits, and the lowest of thousands of them is well below the
// median of any window (with a lognormal spread of σ 0.2, about half of
// it), which Vegas's BaseRTT, the lowest RTT, would take for a queue.
//
// A class's baseline is learnt in windows whose latencies are unloaded
// ones: the first (at the initial limit) and the probes. A later window
// lowers it to its own median when that is lower and stands on at least
// as many samples, and at least 2 (a baseline slowed by a cold start is
// corrected by the next larger window; a median of few samples, far from
// the true one by chance, does not replace one of many; and single pages
// of a rare size do not bring back the lowest latency as the baseline). A
// class without a baseline is left out, as its first latency may well be
// a loaded one (a window of such classes only makes them provisional
// baselines: closeWindow, adopt). known is false when no sample of the
// window could be compared.
//
// The difference of two medians is only a queue where it exceeds their
// noise: each class's ratio is divided by e^(2·se), se being the standard
// error of the difference of the two medians' logarithms (1.2533·σ·√(1/n
// + 1/m), σ estimated from the window's spread by its median absolute
// deviation). Latencies without spread, as in cqlsim, are compared as
// they are.
func (v *vegas) ratio() (ratio float64, known bool) {
	learn := v.probing || len(v.baseline) == 0
	slices.SortFunc(v.samples, func(a, b sample) int {
		if a.class != b.class {
			return a.class - b.class
		}
		return cmp.Compare(a.latency, b.latency)
	})
	var sum float64
	n := 0
	for i := 0; i < len(v.samples); {
		j := i
		for j < len(v.samples) && v.samples[j].class == v.samples[i].class {
			j++
		}
		k, run := v.samples[i].class, v.samples[i:j]
		median := medianLatency(run)
		base, ok := v.baseline[k]
		switch {
		case !ok && learn, ok && len(run) >= max(base.samples, 2) && median < base.median:
			base = unloaded{median: max(median, time.Microsecond), samples: len(run)}
			v.baseline[k] = base
		case !ok:
			i = j
			continue
		}
		se := 1.2533 * logSpread(run, median) * math.Sqrt(1/float64(len(run))+1/float64(base.samples))
		sum += float64(len(run)) * float64(median) / float64(base.median) / math.Exp(2*se)
		n += len(run)
		i = j
	}
	if n == 0 {
		return 1, false
	}
	return max(sum/float64(n), 1), true
}

// unloaded is a size class's baseline: the median latency of a window
// that measured it, and how many samples it stands on.
type unloaded struct {
	median  time.Duration
	samples int
}

// medianLatency is the median of run, sorted by latency.
func medianLatency(run []sample) time.Duration {
	n := len(run)
	return middle(run[(n-1)/2].latency, run[n/2].latency)
}

// middle is halfway from a to b, the median of a sorted run whose middle
// elements they are (the same one for an odd length).
func middle[T ~int64 | ~float64](a, b T) T { return a + (b-a)/2 }

// logSpread estimates the standard deviation of the logarithms of run's
// latencies from their median absolute deviation (times 1.4826, its ratio
// to the standard deviation of a normal distribution), which a few queued
// samples do not inflate as they would the standard deviation.
func logSpread(run []sample, median time.Duration) float64 {
	if len(run) < 2 {
		return 0
	}
	m := math.Log(float64(max(median, 1)))
	devs := make([]float64, len(run))
	for i, s := range run {
		devs[i] = math.Abs(math.Log(float64(max(s.latency, 1))) - m)
	}
	slices.Sort(devs)
	n := len(devs)
	return 1.4826 * middle(devs[(n-1)/2], devs[n/2])
}
