package worker_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

func hostIDs() []string {
	var ids []string
	for _, h := range hosts {
		ids = append(ids, h.ID)
	}
	return ids
}

// runEach reads every task with a Run of its own, all at once, as a Beam
// worker process reads restrictions, and returns the rows written.
func runEach(t *testing.T, cfg worker.Config, tasks []worker.Task, f worker.Fetcher) map[string]int {
	t.Helper()
	s := newCollectSink()
	var g errgroup.Group
	for i := range tasks {
		g.Go(func() error {
			_, err := worker.Run(context.Background(), cfg, tasks[i:i+1], f, s, worker.Hooks{})
			return err
		})
	}
	require.NoError(t, g.Wait())
	return s.got()
}

// TestSharedPerHostCap: twelve Runs of one subrange each share Limits of
// two requests per host, so that no host ever has more than two requests
// in flight from all of them. Each Run alone would allow 8.
func TestSharedPerHostCap(t *testing.T) {
	const perHost = 2
	tasks, rows := table(12, 30, 1, 3)
	f := newFake(rows, 5)
	f.latency = time.Millisecond
	// Requests are held until a host is full, so that the Runs pile up.
	f.gate = make(chan struct{})
	var once sync.Once
	f.onInFlight = func(_ string, n int) {
		if n == perHost {
			once.Do(func() { close(f.gate) })
		}
	}
	lim, err := worker.NewLimits(worker.Config{PerHost: perHost}, hostIDs(), nil)
	require.NoError(t, err)
	got := runEach(t, worker.Config{Concurrency: 1, Limits: lim}, tasks, f)
	assertRows(t, wantRows(rows), got)
	full := 0
	for _, h := range hosts {
		assert.LessOrEqual(t, f.maxHost[h.ID], perHost, "requests in flight to %s from all the Runs", h.ID)
		if f.maxHost[h.ID] == perHost {
			full++
		}
	}
	assert.Positive(t, full, "some host was full")
}

// TestSharedRate: four Runs share a rate of 500 rows/s; what they read
// together stays within it.
func TestSharedRate(t *testing.T) {
	tasks, rows := table(4, 150, 1, 3)
	const rate = 500
	m := &meteredFetcher{fakeFetcher: newFake(rows, 1000), rate: rate, start: time.Now()}
	lim, err := worker.NewLimits(worker.Config{PerHost: 8, RowsPerSecond: rate}, hostIDs(), nil)
	require.NoError(t, err)
	got := runEach(t, worker.Config{Concurrency: 1, PageSize: 2000, Limits: lim}, tasks, m)
	assertRows(t, wantRows(rows), got)
	assert.LessOrEqual(t, m.worst, 0.0, "rows read or in flight beyond the shared rate")
	for _, r := range m.allRequests() {
		assert.LessOrEqual(t, r.req.PageSize, rate, "a page asks for at most one burst")
	}
}

// TestSharedAdaptive: Runs sharing adaptive Limits share each host's
// controller: every host's limit is announced once for all of them (a
// limit per Run would be announced by each), and no host ever has more
// requests in flight than the ceiling.
func TestSharedAdaptive(t *testing.T) {
	const ceiling = 3
	tasks, rows := table(12, 30, 1, 3)
	f := newFake(rows, 5)
	f.latency = time.Millisecond
	var mu sync.Mutex
	initial := map[string]int{}
	lim, err := worker.NewLimits(worker.Config{PerHostMode: worker.PerHostAdaptive, PerHost: ceiling}, hostIDs(),
		func(host string, _ int, reason worker.LimitReason) {
			if reason == worker.LimitInitial {
				mu.Lock()
				initial[host]++
				mu.Unlock()
			}
		})
	require.NoError(t, err)
	got := runEach(t, worker.Config{Concurrency: 1, Limits: lim}, tasks, f)
	assertRows(t, wantRows(rows), got)
	for _, h := range hosts {
		assert.LessOrEqual(t, f.maxHost[h.ID], ceiling, "requests in flight to %s from all the Runs", h.ID)
		assert.Equal(t, 1, initial[h.Address], "host %s's limit announced once for all the Runs", h.ID)
	}
}

// TestSharedLimitsOtherHost: a replica the Limits were not made for gets
// a limit of its own when first used, shared from then on.
func TestSharedLimitsOtherHost(t *testing.T) {
	tasks, rows := table(6, 20, 1, 3)
	f := newFake(rows, 5)
	f.latency = 5 * time.Millisecond // requests overlap: six Runs of their own caps would pile up
	lim, err := worker.NewLimits(worker.Config{PerHost: 1}, []string{"h1"}, nil)
	require.NoError(t, err)
	got := runEach(t, worker.Config{Concurrency: 1, Limits: lim}, tasks, f)
	assertRows(t, wantRows(rows), got)
	for _, h := range hosts {
		assert.LessOrEqual(t, f.maxHost[h.ID], 1, "requests in flight to %s", h.ID)
	}
}

func TestNewLimitsValidates(t *testing.T) {
	for _, tt := range []struct {
		cfg worker.Config
		err string
	}{
		{worker.Config{PerHost: -1}, "PerHost is -1"},
		{worker.Config{RowsPerSecond: -1}, "RowsPerSecond is -1; it must be 0 (no cap) or a positive number"},
		{worker.Config{PerHostMode: "auto"}, `PerHostMode "auto" is unknown`},
	} {
		_, err := worker.NewLimits(tt.cfg, hostIDs(), nil)
		require.ErrorIs(t, err, worker.ErrInvalidConfig)
		assert.ErrorContains(t, err, tt.err)
	}
}

// TestCursorAfter: a cursor made after any row of a subrange, inside a
// partition too, reads exactly the rows after it; after no row, all.
func TestCursorAfter(t *testing.T) {
	tasks, rows := table(1, 40, 4, 3) // four rows per token: partitions
	for _, from := range []int{-1, 0, 1, 2, 3, 17, 38, 39} {
		var last *worker.Position
		if from >= 0 {
			last = rows[0][from].pos()
		}
		task := worker.Task{Subrange: tasks[0].Subrange, Cursor: worker.CursorAfter(last)}
		want := map[string]int{}
		for _, r := range rows[0][from+1:] {
			want[string(rowID(r))]++
		}
		s := newCollectSink()
		_, err := worker.Run(context.Background(), worker.Config{NoSplit: true}, []worker.Task{task}, newFake(rows, 3), s, worker.Hooks{})
		require.NoError(t, err)
		assertRows(t, want, s.got())
	}
	assert.Equal(t, worker.Cursor{}, worker.CursorAfter(nil))
	ord := &worker.Position{Token: ring.Murmur3Token(7), Ordinal: 3}
	assert.Equal(t, worker.Cursor{After: ord, Last: &worker.Position{Token: ord.Token}}, worker.CursorAfter(ord),
		"by ordinal, the rows of the token are counted again as they are skipped")
}
