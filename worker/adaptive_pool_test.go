package worker_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// limitLog records the HostLimit hook's calls.
type limitLog struct {
	mu      sync.Mutex
	changes map[string][]worker.LimitReason
	max     map[string]int
}

func (l *limitLog) hook(host string, limit int, reason worker.LimitReason) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changes == nil {
		l.changes, l.max = map[string][]worker.LimitReason{}, map[string]int{}
	}
	l.changes[host] = append(l.changes[host], reason)
	l.max[host] = max(l.max[host], limit)
}

// TestAdaptiveCeiling scans with adaptive per-host limits on hosts that
// are never slow: the limits grow, but never past PerHost, nor past
// Concurrency when PerHost is unset, as the fake and the hooks count the
// requests in flight; every row is read once.
func TestAdaptiveCeiling(t *testing.T) {
	tests := []struct {
		name                 string
		perHost, concurrency int
		ceiling              int
	}{
		{name: "per-host ceiling", perHost: 3, concurrency: 16, ceiling: 3},
		{name: "concurrency ceiling", concurrency: 2, ceiling: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tasks, rows := table(40, 30, 1, 3)
			f := newFake(rows, 3)
			var log limitLog
			s := newCollectSink()
			cfg := worker.Config{Concurrency: tt.concurrency, PerHost: tt.perHost, PerHostMode: worker.PerHostAdaptive, NoSplit: true}
			st, err := worker.Run(context.Background(), cfg, tasks, f, s, worker.Hooks{HostLimit: log.hook})
			require.NoError(t, err)
			assertRows(t, wantRows(rows), s.got())
			for _, h := range hosts {
				assert.LessOrEqual(t, f.maxHost[h.ID], tt.ceiling, "requests in flight to %s", h.ID)
				assert.LessOrEqual(t, log.max[h.Address], tt.ceiling, "limit of %s", h.Address)
				require.NotEmpty(t, log.changes[h.Address])
				assert.Equal(t, worker.LimitInitial, log.changes[h.Address][0], "a host's limit is told when first used")
			}
			for _, r := range st.PerRange {
				assert.True(t, r.Limit >= 1 && r.Limit <= tt.ceiling, "range %d: limit %d", r.ID, r.Limit)
			}
		})
	}
}

// TestAdaptiveOverloaded answers one host's first requests with
// Overloaded: its limit is cut (the hook tells why), the pages are read
// from the other replicas, and every row comes back once.
func TestAdaptiveOverloaded(t *testing.T) {
	tasks, rows := table(30, 20, 1, 3)
	f := newFake(rows, 5)
	var mu sync.Mutex
	refused := 0
	f.fail = func(r request) error {
		mu.Lock()
		defer mu.Unlock()
		if r.host == hosts[0].ID && refused < 10 {
			refused++
			return requestErr{gocql.ErrCodeOverloaded}
		}
		return nil
	}
	var log limitLog
	s := newCollectSink()
	cfg := worker.Config{Concurrency: 8, PerHostMode: worker.PerHostAdaptive, BackoffBase: time.Millisecond, BackoffMax: time.Millisecond}
	st, err := worker.Run(context.Background(), cfg, tasks, f, s, worker.Hooks{HostLimit: log.hook})
	require.NoError(t, err)
	assertRows(t, wantRows(rows), s.got())
	// Each refusal is retried; host 0 gets its first 10 requests refused
	// unless the scan moved its subranges to the other replicas first
	// (about one run in a thousand, host 0 got only 4 requests).
	mu.Lock()
	defer mu.Unlock()
	require.Positive(t, refused)
	assert.Equal(t, int64(refused), st.RetriesByKind["overloaded"], "every refusal retried")
	assert.Contains(t, log.changes[hosts[0].Address], worker.LimitOverloaded, "Overloaded cut the host's limit")
	for _, h := range hosts[1:] {
		assert.NotContains(t, log.changes[h.Address], worker.LimitOverloaded, "the other hosts were not cut")
	}
}

// TestFixedLimitReported checks that a fixed per-host cap is told once per
// host, and kept in the range statistics.
func TestFixedLimitReported(t *testing.T) {
	tasks, rows := table(10, 10, 1, 3)
	var log limitLog
	st, err := worker.Run(context.Background(), worker.Config{Concurrency: 4, PerHost: 5}, tasks, newFake(rows, 4), newCollectSink(),
		worker.Hooks{HostLimit: log.hook})
	require.NoError(t, err)
	for _, h := range hosts {
		assert.Equal(t, []worker.LimitReason{worker.LimitFixed}, log.changes[h.Address])
		assert.Equal(t, 5, log.max[h.Address])
	}
	for _, r := range st.PerRange {
		assert.Equal(t, 5, r.Limit)
	}
}

// warmFetcher is a fakeFetcher that is a Warmer: it records, per host, its
// Warm calls and whether a page request reached the host before its Warm
// had ended; err fails every Warm.
type warmFetcher struct {
	*fakeFetcher
	err error

	mu     sync.Mutex
	warms  map[string]int
	warmed map[string]bool
	early  map[string]bool // a page request came before the host's Warm ended
}

// newWarmFetcher returns a warmFetcher over rows, pages of 4 rows.
func newWarmFetcher(rows map[int][]fakeRow, err error) *warmFetcher {
	return &warmFetcher{fakeFetcher: newFake(rows, 4), err: err, warms: map[string]int{}, warmed: map[string]bool{}, early: map[string]bool{}}
}

func (w *warmFetcher) Warm(ctx context.Context, host ring.Host) error {
	w.mu.Lock()
	w.warms[host.ID]++
	w.mu.Unlock()
	// In synctest's bubble, the timer fires once every other goroutine is
	// blocked: the host's other first requests are then all waiting.
	select {
	case <-time.After(time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	w.mu.Lock()
	w.warmed[host.ID] = true
	w.mu.Unlock()
	return w.err
}

func (w *warmFetcher) Fetch(ctx context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	w.mu.Lock()
	if !w.warmed[req.Host.ID] {
		w.early[req.Host.ID] = true
	}
	w.mu.Unlock()
	return w.fakeFetcher.Fetch(ctx, req, b)
}

// TestWarmUp checks when the pool warms hosts up (Warmer): with adaptive
// limits, once per host, before any page request reaches it, even when
// Warm fails; with fixed limits, never. Every row is read once either way.
// It runs in a synctest bubble, so that each Warm ends only once every
// other goroutine is blocked: a request that did not wait for it would
// have reached the host.
func TestWarmUp(t *testing.T) {
	tests := []struct {
		name  string
		mode  worker.PerHostMode
		err   error
		warms int
	}{
		{name: "adaptive", mode: worker.PerHostAdaptive, warms: 1},
		{name: "adaptive, warm-up fails", mode: worker.PerHostAdaptive, err: errors.New("no PREPARE"), warms: 1},
		{name: "fixed", mode: worker.PerHostFixed, warms: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tasks, rows := table(30, 20, 1, 3)
				f := newWarmFetcher(rows, tt.err)
				s := newCollectSink()
				cfg := worker.Config{Concurrency: 8, PerHostMode: tt.mode, NoSplit: true}
				_, err := worker.Run(context.Background(), cfg, tasks, f, s, worker.Hooks{})
				require.NoError(t, err)
				assertRows(t, wantRows(rows), s.got())
				for _, h := range hosts {
					assert.Equal(t, tt.warms, f.warms[h.ID], "Warm calls on %s", h.ID)
					if tt.warms > 0 {
						assert.False(t, f.early[h.ID], "a page request reached %s before its Warm ended", h.ID)
					}
				}
			})
		})
	}
}

// TestWarmUpSharedLimits checks that Runs sharing Limits (as a
// RangeReader's reads do) warm each host up once between them, under the
// shared limits' mode: adaptive Limits warm hosts up for a Run that asks
// for fixed limits, fixed Limits warm none up for a Run that asks for
// adaptive ones. Every row is read once by each Run.
func TestWarmUpSharedLimits(t *testing.T) {
	for _, tt := range []struct {
		name          string
		shared, asked worker.PerHostMode
		warms         int
	}{
		{name: "adaptive limits", shared: worker.PerHostAdaptive, asked: worker.PerHostFixed, warms: 1},
		{name: "fixed limits", shared: worker.PerHostFixed, asked: worker.PerHostAdaptive, warms: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tasks, rows := table(30, 20, 1, 3)
				f := newWarmFetcher(rows, nil)
				ids := make([]string, len(hosts))
				for i, h := range hosts {
					ids[i] = h.ID
				}
				limits, err := worker.NewLimits(worker.Config{Concurrency: 8, PerHostMode: tt.shared}, ids, nil)
				require.NoError(t, err)
				for range 2 {
					s := newCollectSink()
					cfg := worker.Config{Concurrency: 8, PerHostMode: tt.asked, NoSplit: true, Limits: limits}
					_, err := worker.Run(context.Background(), cfg, tasks, f, s, worker.Hooks{})
					require.NoError(t, err)
					assertRows(t, wantRows(rows), s.got())
				}
				for _, h := range hosts {
					assert.Equal(t, tt.warms, f.warms[h.ID], "Warm calls on %s", h.ID)
				}
			})
		})
	}
}
