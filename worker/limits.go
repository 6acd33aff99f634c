package worker

import (
	"context"
	"math"
	"sync/atomic"

	"golang.org/x/time/rate"
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

// throttle caps the rows read per second. A request first reserves its
// page size, so that rows are read only once they are granted; what a short
// page did not use is given back, up to one burst.
type throttle struct {
	lim    *rate.Limiter
	credit atomic.Int64 // granted rows not read, at most one burst
}

// newThrottle returns nil for no cap.
func newThrottle(rowsPerSecond float64) *throttle {
	if rowsPerSecond <= 0 {
		return nil
	}
	burst := int(min(math.Ceil(rowsPerSecond), math.MaxInt32))
	return &throttle{lim: rate.NewLimiter(rate.Limit(rowsPerSecond), burst)}
}

// pageSize is the most rows one request may ask for: one burst.
func (t *throttle) pageSize(want int) int {
	if t == nil {
		return want
	}
	return min(want, t.lim.Burst())
}

// reserve waits until n rows may be read.
func (t *throttle) reserve(ctx context.Context, n int) error {
	if t == nil {
		return nil
	}
	var take int64
	for {
		c := t.credit.Load()
		take = min(c, int64(n))
		if take == 0 || t.credit.CompareAndSwap(c, c-take) {
			break
		}
	}
	if rest := n - int(take); rest > 0 {
		if err := t.lim.WaitN(ctx, rest); err != nil {
			t.refund(int(take))
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return err
		}
	}
	return nil
}

// refund gives back n reserved rows that were not read.
func (t *throttle) refund(n int) {
	if t == nil || n <= 0 {
		return
	}
	burst := int64(t.lim.Burst())
	for {
		c := t.credit.Load()
		if c >= burst || t.credit.CompareAndSwap(c, min(burst, c+int64(n))) {
			return
		}
	}
}
