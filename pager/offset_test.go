package pager_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/pager"
)

func TestOffsetPage(t *testing.T) {
	ctx := context.Background()
	// Small server pages and tombstones, so that skipping meets short and
	// empty pages.
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, PageBytes: 4096, TombstoneBudget: 10})
	_, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 1500})
	require.NoError(t, err)
	s := connect(t, c)
	const stmt = `SELECT * FROM ringscan_demo.events`
	full := readAll(t, s, stmt)
	require.Len(t, full, 1500)
	p, err := pager.New(s, pager.Config{Key: testKey, MaxOffsetPage: 40, MaxPageSize: 500})
	require.NoError(t, err)

	for _, tc := range []struct {
		name       string
		page, size int
	}{
		{name: "first page", page: 0, size: 10},
		{name: "second page", page: 1, size: 10},
		{name: "deep page", page: 40, size: 30},
		{name: "default size", page: 3, size: 0},
		{name: "pages larger than a request", page: 2, size: 500},
		{name: "last, partial page", page: 3, size: 400}, // rows 1200..1499
		{name: "past the end", page: 20, size: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size == 0 {
				size = pager.DefaultPageSize
			}
			pg, err := p.OffsetPage(ctx, stmt, nil, tc.page, tc.size)
			require.NoError(t, err)
			lo, hi := min(tc.page*size, len(full)), min((tc.page+1)*size, len(full))
			got := make([][][]byte, 0, len(pg.Rows))
			for _, r := range pg.Rows {
				got = append(got, rawRow(r))
			}
			assert.Equal(t, full[lo:hi], got, "page %d of %d rows is rows %d..%d", tc.page, size, lo, hi-1)
			if hi == len(full) {
				return
			}
			// Next continues with forward paging right after the page.
			require.NotEmpty(t, pg.Next)
			next, err := p.Fetch(ctx, stmt, nil, pg.Next, 5)
			require.NoError(t, err)
			require.NotEmpty(t, next.Rows)
			assert.Equal(t, full[hi], rawRow(next.Rows[0]))
		})
	}

	for _, tc := range []struct {
		name    string
		page    int
		size    int
		wantErr error
		wantMsg string
	}{
		{name: "beyond the limit", page: 41, size: 10, wantErr: pager.ErrPageLimit, wantMsg: "page 41 is beyond the limit of 40: an offset page reads every row before it (here 410 rows)"},
		{name: "negative page", page: -1, size: 10, wantErr: pager.ErrPageLimit, wantMsg: "numbered from 0"},
		{name: "negative size", page: 1, size: -1, wantErr: pager.ErrInvalidPageSize},
		{name: "size above the maximum", page: 1, size: 501, wantErr: pager.ErrInvalidPageSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.OffsetPage(ctx, stmt, nil, tc.page, tc.size)
			require.ErrorIs(t, err, tc.wantErr)
			assert.Contains(t, err.Error(), tc.wantMsg)
		})
	}
}

func TestOffsetPageDefaultLimit(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	loadTables(t, c)
	p, err := pager.New(connect(t, c), pager.Config{})
	require.NoError(t, err)
	ctx := context.Background()
	pg, err := p.OffsetPage(ctx, selectAll("kv"), nil, pager.DefaultMaxOffsetPage, 1)
	require.NoError(t, err)
	assert.Len(t, pg.Rows, 1)
	_, err = p.OffsetPage(ctx, selectAll("kv"), nil, pager.DefaultMaxOffsetPage+1, 1)
	require.ErrorIs(t, err, pager.ErrPageLimit)
}
