package worker

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringscan/ringscan/ring"
)

// hostLimits caps the page requests in flight to each host: at a fixed
// limit (PerHostFixed), or at one that adapts to the host's latency
// (PerHostAdaptive, see vegas). Goroutines waiting for a slot on a host
// get it first come, first served.
type hostLimits struct {
	mu    sync.Mutex
	hosts map[string]*hostLimit // by host id
	new   func(addr string) *hostLimit
	hook  func(host string, limit int, reason LimitReason)
}

// hostLimit is one host's limit and the requests in flight to it.
type hostLimit struct {
	mu        sync.Mutex
	addr      string
	limit     int
	inflight  int
	waiting   []chan struct{} // closed when the waiter has its slot
	ctl       *vegas          // nil: a fixed limit
	announced bool
	// warmUp is closed when the host's warm-up (Warmer) has ended, and
	// warmEnded then set, so that later requests pass without a lock; nil
	// before one started. warming counts the goroutines running it or
	// waiting for it, which load counts as waiting.
	warmUp    chan struct{}
	warmEnded atomic.Bool
	warming   int
}

// slot is a page request's place under its host's limit.
type slot struct {
	h     *hostLimit
	epoch int64
}

// newHostLimits makes the limits of cfg (after defaults, PerHost worked
// out) for the hosts ids; hook, if not nil, is told every host's limit
// when it is first used and whenever it changes.
func newHostLimits(ids map[string]bool, cfg Config, hook func(host string, limit int, reason LimitReason)) *hostLimits {
	h := &hostLimits{hosts: make(map[string]*hostLimit, len(ids)), hook: hook}
	h.new = func(addr string) *hostLimit {
		l := &hostLimit{addr: addr, limit: cfg.PerHost}
		if cfg.PerHostMode == PerHostAdaptive {
			ceiling := min(cfg.PerHost, cfg.Concurrency)
			l.ctl = newVegas(min(cfg.MinPerHost, ceiling), ceiling)
			l.limit = l.ctl.limit
		}
		return l
	}
	for id := range ids {
		h.hosts[id] = h.new("")
	}
	return h
}

func (h *hostLimits) get(host ring.Host) *hostLimit {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.hosts[host.ID]
	if l == nil {
		l = h.new(host.Address)
		h.hosts[host.ID] = l
	}
	return l
}

// acquire waits for a request slot on host, for a request a warm-up
// prepares for (warmable) or not.
func (h *hostLimits) acquire(ctx context.Context, host ring.Host, warmable bool) (slot, error) {
	l := h.get(host)
	l.mu.Lock()
	if !l.announced {
		l.announced, l.addr = true, host.Address
		reason := LimitFixed
		if l.ctl != nil {
			reason = LimitInitial
		}
		h.report(l, l.limit, reason)
	}
	if l.inflight < l.limit && len(l.waiting) == 0 {
		return l.take(warmable), nil // unlocks
	}
	ready := make(chan struct{})
	l.waiting = append(l.waiting, ready)
	l.mu.Unlock()
	select {
	case <-ready:
		l.mu.Lock()
		l.inflight-- // counted by dispatch; take counts it again
		return l.take(warmable), nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		select {
		case <-ready: // the slot came as the context ended: hand it on
			l.inflight--
			l.dispatch()
		default:
			l.waiting = slices.DeleteFunc(l.waiting, func(c chan struct{}) bool { return c == ready })
		}
		return slot{}, context.Cause(ctx)
	}
}

// warmUp warms host up with w before its first page request, once per
// host whoever shares these limits, and only under an adaptive limit (see
// Warmer): the first caller runs Warm under timeout, later ones wait for
// it to end. It returns Warm's error to the caller that ran it, and ctx's
// cause to a waiter whose ctx ended; either way the request may go on.
func (h *hostLimits) warmUp(ctx context.Context, host ring.Host, w Warmer, timeout time.Duration) error {
	l := h.get(host)
	if l.ctl == nil || l.warmEnded.Load() {
		return nil // a fixed limit, or warmed up already
	}
	l.mu.Lock()
	done := l.warmUp
	first := done == nil
	if first {
		done = make(chan struct{})
		l.warmUp = done
	}
	l.warming++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.warming--
		l.mu.Unlock()
	}()
	if !first {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	defer func() {
		l.warmEnded.Store(true)
		close(done)
	}()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := w.Warm(wctx, host); err != nil {
		return err
	}
	l.mu.Lock()
	l.ctl.warmed = true
	l.mu.Unlock()
	return nil
}

// take counts a request in flight and unlocks l.
func (l *hostLimit) take(warmable bool) slot {
	l.inflight++
	s := slot{h: l}
	if l.ctl != nil {
		s.epoch = l.ctl.issue(l.inflight, warmable)
	}
	l.mu.Unlock()
	return s
}

// dispatch hands free slots to the goroutines waiting longest; l.mu is
// held.
func (l *hostLimit) dispatch() {
	for len(l.waiting) > 0 && l.inflight < l.limit {
		close(l.waiting[0])
		l.waiting = l.waiting[1:]
		l.inflight++
	}
}

// release ends the request of s: its latency, rows and error feed the
// host's adaptive limit.
func (h *hostLimits) release(s slot, latency time.Duration, rows int, err error) {
	l := s.h
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	if l.ctl != nil {
		if n, reason, changed := l.ctl.complete(s.epoch, outcomeOf(err), latency, rows); changed {
			l.limit = n
			h.report(l, n, reason)
		}
	}
	l.dispatch()
}

// report tells the hook of a limit; l.mu is held, so that the changes of
// one host are told in order.
func (h *hostLimits) report(l *hostLimit, limit int, reason LimitReason) {
	if h.hook != nil {
		h.hook(l.addr, limit, reason)
	}
}

// load is how busy host is, for choosing among replicas: the requests in
// flight and waiting (for a slot, or for the host's warm-up), in 1/1024ths
// of its limit, so that a host with a lower limit counts as busier.
func (h *hostLimits) load(host ring.Host) int {
	l := h.get(host)
	l.mu.Lock()
	defer l.mu.Unlock()
	return (l.inflight + len(l.waiting) + l.warming) * 1024 / max(l.limit, 1)
}

// limit is host's current limit.
func (h *hostLimits) limit(host ring.Host) int {
	l := h.get(host)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// throttle caps the rows read per second: a token bucket of one second of
// rows. A request first takes its page size from the bucket, so that rows
// are read only once they are granted; what a short page did not use goes
// back into the bucket at once, for the requests waiting. (x/time/rate
// cannot take tokens back once reserved, so short pages - the end of a
// subrange, a run of tombstones - would hold the scan far below its rate.)
type throttle struct {
	rate, burst float64

	mu      sync.Mutex
	tokens  float64
	last    time.Time
	changed chan struct{} // closed and replaced when tokens are given back
}

// newThrottle returns nil for no cap.
func newThrottle(rowsPerSecond float64) *throttle {
	if rowsPerSecond <= 0 {
		return nil
	}
	burst := math.Max(1, math.Ceil(rowsPerSecond))
	return &throttle{rate: rowsPerSecond, burst: burst, tokens: burst, last: time.Now(), changed: make(chan struct{})}
}

// pageSize is the most rows one request may ask for: one burst.
func (t *throttle) pageSize(want int) int {
	if t == nil {
		return want
	}
	return int(math.Min(float64(want), t.burst))
}

// reserve waits until n rows (at most one burst) may be read.
func (t *throttle) reserve(ctx context.Context, n int) error {
	if t == nil {
		return nil
	}
	need := float64(n)
	for {
		t.mu.Lock()
		now := time.Now()
		t.tokens = math.Min(t.burst, t.tokens+now.Sub(t.last).Seconds()*t.rate)
		t.last = now
		if t.tokens >= need {
			t.tokens -= need
			t.mu.Unlock()
			return nil
		}
		wait := time.Duration((need - t.tokens) / t.rate * float64(time.Second))
		changed := t.changed
		t.mu.Unlock()
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-changed:
			timer.Stop()
		case <-ctx.Done():
			timer.Stop()
			return context.Cause(ctx)
		}
	}
}

// refund gives back n reserved rows that were not read. A negative n
// takes the rows read beyond those reserved (a count on the server answers
// for a whole subrange): a debt the next reservations wait out, so that
// the rows read per second stay under the rate on average.
func (t *throttle) refund(n int) {
	if t == nil || n == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tokens = math.Min(t.burst, t.tokens+float64(n))
	if n > 0 {
		close(t.changed)
		t.changed = make(chan struct{})
	}
}
