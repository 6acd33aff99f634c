package worker

import (
	"context"
	"math"
	"sync"
	"time"
)

// hostLimits caps the page requests in flight to each host.
type hostLimits struct {
	sems map[string]chan struct{}
}

func newHostLimits(ids map[string]bool, perHost int) *hostLimits {
	h := &hostLimits{sems: make(map[string]chan struct{}, len(ids))}
	for id := range ids {
		h.sems[id] = make(chan struct{}, perHost)
	}
	return h
}

// acquire waits for a request slot on host id.
func (h *hostLimits) acquire(ctx context.Context, id string) error {
	select {
	case h.sems[id] <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (h *hostLimits) release(id string) { <-h.sems[id] }

// load is the number of requests in flight to host id.
func (h *hostLimits) load(id string) int { return len(h.sems[id]) }

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

// refund gives back n reserved rows that were not read.
func (t *throttle) refund(n int) {
	if t == nil || n <= 0 {
		return
	}
	t.mu.Lock()
	t.tokens = math.Min(t.burst, t.tokens+float64(n))
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
}
