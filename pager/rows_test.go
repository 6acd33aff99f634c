package pager_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/pager"
)

// signalTimeout bounds every wait on a signal.
const signalTimeout = 10 * time.Second

// TestRowsOverlapFetchAndConsume shows, with counters, that the next page
// is fetched while the current one is consumed. The nodes add latency to
// every request. The consumer, on the first row of each page, waits (on a
// signal, with a deadline) until the requests for the following Prefetch
// pages have returned, as a consumer slower than the network would; the
// counters then show that every page after the first was prefetched, and
// that the fetcher went Prefetch pages ahead and no further. Without prefetching, the same consumer finds
// every page unfetched when it asks.
func TestRowsOverlapFetchAndConsume(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, Latency: cqlsim.Latency{Fixed: 5 * time.Millisecond}})
	loadTables(t, c)
	s := connect(t, c)
	const pageSize = 25 // kv has 240 rows: 10 pages
	for _, tc := range []struct {
		name           string
		prefetch       int
		wantPrefetched int64 // of 10 pages
		wantWaited     int64 // -1: not checked (a race between the hook and the hand-over)
		wantMaxAhead   int64
	}{
		{name: "one page ahead", prefetch: 1, wantPrefetched: 9, wantWaited: -1, wantMaxAhead: 1},
		{name: "three pages ahead", prefetch: 3, wantPrefetched: 9, wantWaited: -1, wantMaxAhead: 3},
		{name: "no prefetch", prefetch: -1, wantPrefetched: 0, wantWaited: 10, wantMaxAhead: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan pager.RequestEvent, 100)
			p, err := pager.New(s, pager.Config{Prefetch: tc.prefetch}, pager.WithHooks(pager.Hooks{
				RequestDone: func(e pager.RequestEvent) { done <- e },
			}))
			require.NoError(t, err)
			ctx := context.Background()
			rows := p.Rows(ctx, selectAll("kv"), nil, "", pageSize)
			defer rows.Close()
			var (
				n        int
				page     int64
				requests int
				last     = pager.RequestEvent{More: true}
			)
			for rows.Next() {
				n++
				if st := rows.Stats(); st.Pages != page {
					page = st.Pages
					// On a new page (number page-1, from 0): wait for the
					// requests of the next Prefetch pages, as far as there
					// are more.
					for tc.prefetch > 0 && last.More && requests < int(page)+tc.prefetch {
						select {
						case last = <-done:
							require.NoError(t, last.Err)
							requests++
						case <-time.After(signalTimeout):
							require.FailNow(t, "the next page was not fetched while this one was consumed", "page %d", page)
						}
					}
				}
			}
			require.NoError(t, rows.Err())
			assert.Equal(t, 240, n)
			st := rows.Stats()
			assert.Equal(t, int64(10), st.Pages)
			assert.Equal(t, tc.wantPrefetched, st.Prefetched, "pages fetched before the consumer asked")
			if tc.wantWaited >= 0 {
				assert.Equal(t, tc.wantWaited, st.Waited, "pages the consumer waited for")
			}
			assert.Equal(t, tc.wantMaxAhead, st.MaxAhead)
			assert.LessOrEqual(t, st.MaxAhead, int64(max(tc.prefetch, 0)))
		})
	}
}

func TestRowsEmptyPagesAreNotTheEnd(t *testing.T) {
	ctx := context.Background()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, TombstoneBudget: 10})
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 2000})
	require.NoError(t, err)
	p, err := pager.New(connect(t, c), pager.Config{})
	require.NoError(t, err)
	var sum rowsum.Sum
	empty := 0
	for row, err := range p.All(ctx, `SELECT * FROM ringscan_demo.events`, nil, "", 100) {
		require.NoError(t, err)
		sum.Add(rawRow(row))
	}
	// Count the empty pages the iteration went through.
	for pg, cur := (pager.Page{Next: "start"}), pager.Cursor(""); pg.Next != ""; cur = pg.Next {
		pg, err = p.Fetch(ctx, `SELECT * FROM ringscan_demo.events`, nil, cur, 100)
		require.NoError(t, err)
		if len(pg.Rows) == 0 && pg.Next != "" {
			empty++
		}
	}
	assert.Positive(t, empty)
	assert.Equal(t, uint64(info.Rows), sum.Rows)
	assert.Equal(t, info.Checksum, sum.Hash)
}

func TestRowsStopAndResume(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	loadTables(t, c)
	s := connect(t, c)
	want := readAll(t, s, selectAll("mixed"))
	p, err := pager.New(s, pager.Config{Key: testKey, Prefetch: 2})
	require.NoError(t, err)
	ctx := context.Background()

	t.Run("break out of All, resume from the cursor", func(t *testing.T) {
		rows := p.Rows(ctx, selectAll("mixed"), nil, "", 20)
		var got [][][]byte
		for row, err := range rows.All() {
			require.NoError(t, err)
			got = append(got, rawRow(row))
			if len(got) == 55 {
				break // stops the background fetch (goleak checks)
			}
		}
		// Page 2 (rows 40..59) holds row 54: resuming at its cursor repeats
		// rows 40..54, and misses none.
		resume := rows.Cursor()
		require.NotEmpty(t, resume)
		assert.False(t, rows.Next(), "All closed the Rows")
		var rest [][][]byte
		for row, err := range p.All(ctx, selectAll("mixed"), nil, resume, 20) {
			require.NoError(t, err)
			rest = append(rest, rawRow(row))
		}
		assert.Equal(t, want, append(got[:40], rest...))
	})

	t.Run("cancel the context", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(ctx)
		stop := errors.New("the client went away")
		rows := p.Rows(ctx, selectAll("mixed"), nil, "", 20)
		defer rows.Close()
		require.True(t, rows.Next())
		cancel(stop)
		n := 1
		for rows.Next() {
			n++ // at most the rows already fetched
		}
		assert.Less(t, n, len(want))
		require.Error(t, rows.Err())
		assert.True(t, errors.Is(rows.Err(), stop) || errors.Is(rows.Err(), context.Canceled), "%v", rows.Err())
		assert.NoError(t, rows.Close())
		assert.NoError(t, rows.Close(), "Close is idempotent")
	})

	t.Run("close early", func(t *testing.T) {
		rows := p.Rows(ctx, selectAll("mixed"), nil, "", 20)
		require.True(t, rows.Next())
		require.NoError(t, rows.Close())
		assert.False(t, rows.Next())
		assert.NoError(t, rows.Err())
	})

	for _, tc := range []struct {
		name    string
		cursor  pager.Cursor
		size    int
		wantErr error
	}{
		{name: "bad cursor", cursor: "garbage!", size: 20, wantErr: pager.ErrInvalidCursor},
		{name: "bad page size", size: -5, wantErr: pager.ErrInvalidPageSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := p.Rows(ctx, selectAll("mixed"), nil, tc.cursor, tc.size)
			defer rows.Close()
			assert.False(t, rows.Next())
			assert.ErrorIs(t, rows.Err(), tc.wantErr)
			var errs int
			for _, err := range p.All(ctx, selectAll("mixed"), nil, tc.cursor, tc.size) {
				assert.ErrorIs(t, err, tc.wantErr)
				errs++
			}
			assert.Equal(t, 1, errs)
		})
	}
}

func TestRowsScanAndColumns(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	loadTables(t, c)
	p, err := pager.New(connect(t, c), pager.Config{})
	require.NoError(t, err)
	rows := p.Rows(context.Background(), `SELECT k, v FROM pagertest.kv WHERE k = ?`, []any{42}, "", 0)
	defer rows.Close()
	require.True(t, rows.Next())
	var k int
	var v string
	require.NoError(t, rows.Scan(&k, &v))
	assert.Equal(t, 42, k)
	assert.Equal(t, "v42", v)
	assert.Equal(t, []string{"k", "v"}, []string{rows.Columns()[0].Name, rows.Columns()[1].Name})
	assert.Error(t, rows.Scan(&k), "one destination per column")
	m, err := rows.Row().Map()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"k": 42, "v": "v42"}, m)
	assert.False(t, rows.Next())
	require.NoError(t, rows.Err())
}
