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
	lim, err := worker.NewLimits(hostIDs(), perHost, 0)
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
	lim, err := worker.NewLimits(hostIDs(), 8, rate)
	require.NoError(t, err)
	got := runEach(t, worker.Config{Concurrency: 1, PageSize: 2000, Limits: lim}, tasks, m)
	assertRows(t, wantRows(rows), got)
	assert.LessOrEqual(t, m.worst, 0.0, "rows read or in flight beyond the shared rate")
	for _, r := range m.allRequests() {
		assert.LessOrEqual(t, r.req.PageSize, rate, "a page asks for at most one burst")
	}
}

// TestSharedLimitsUnknownReplica: a replica the Limits do not know could
// never take a slot; Run refuses to start instead of waiting for ever.
func TestSharedLimitsUnknownReplica(t *testing.T) {
	tasks, rows := table(2, 5, 1, 3)
	lim, err := worker.NewLimits([]string{"h1", "h2"}, 4, 0)
	require.NoError(t, err)
	_, err = worker.Run(context.Background(), worker.Config{Limits: lim}, tasks, newFake(rows, 5), newCollectSink(), worker.Hooks{})
	require.ErrorIs(t, err, worker.ErrInvalidConfig)
	assert.ErrorContains(t, err, "replica h3 (10.0.0.3) of range 0 is not one of the hosts of Config.Limits")
}

func TestNewLimitsValidates(t *testing.T) {
	for _, tt := range []struct {
		perHost int
		rate    float64
		err     string
	}{
		{0, 0, "perHost is 0; it must be at least 1"},
		{1, -1, "rowsPerSecond is -1; it must be 0 (no cap) or a positive number"},
	} {
		_, err := worker.NewLimits(hostIDs(), tt.perHost, tt.rate)
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
