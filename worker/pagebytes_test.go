package worker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/worker"
)

// TestPageBytes: once pages came back, a request asks for no more rows
// than PageBytes holds at the mean row size read so far (at least one);
// the requests sent before any page came back ask for PageSize rows, or
// fewer by RowBytes; NoPageBytes asks PageSize always; and every row is
// read once whatever the page size asked.
func TestPageBytes(t *testing.T) {
	const rowSize = 1000 // each value is exactly this long (rowID of a padded key)
	tests := []struct {
		name      string
		pageBytes int
		rowBytes  float64
		first     int // rows the first requests ask for
		later     int // rows the requests after the first page ask for
	}{
		{name: "bound", pageBytes: 10 * rowSize, first: 100, later: 10},
		{name: "bound with a prior", pageBytes: 10 * rowSize, rowBytes: 4 * rowSize, first: 2, later: 10},
		{name: "less than a row", pageBytes: rowSize / 2, first: 100, later: 1},
		{name: "loose", pageBytes: 1 << 30, first: 100, later: 100},
		{name: "default, 8 MiB", first: 100, later: 100},
		{name: "off", pageBytes: worker.NoPageBytes, rowBytes: 4 * rowSize, first: 100, later: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks, rows := table(1, 300, 1, 3)
			padRows(rows, rowSize)
			f := newFake(rows, 1000)
			s := newCollectSink()
			cfg := worker.Config{Concurrency: 1, PageSize: 100, PageBytes: tt.pageBytes, RowBytes: tt.rowBytes, NoSplit: true}
			_, err := worker.Run(context.Background(), cfg, tasks, f, s, worker.Hooks{})
			require.NoError(t, err)
			assertRows(t, wantRows(rows), s.got())
			reqs := f.allRequests()
			require.NotEmpty(t, reqs)
			assert.Equal(t, tt.first, reqs[0].req.PageSize, "the first request")
			for _, r := range reqs[1:] {
				assert.Equal(t, tt.later, r.req.PageSize, "request %d", r.n)
			}
		})
	}
}

// TestPageBytesShared: Runs sharing Limits share the mean row size, as
// the reads of a Beam worker process do (scanner.RangeReader): a Run
// started after another read pages bounds its first request too.
func TestPageBytesShared(t *testing.T) {
	tasks, rows := table(2, 50, 1, 3)
	padRows(rows, 1000)
	f := newFake(rows, 1000)
	cfg := worker.Config{Concurrency: 1, PageSize: 100, PageBytes: 10 * 1000, NoSplit: true}
	lim, err := worker.NewLimits(cfg, hostIDs(), nil)
	require.NoError(t, err)
	cfg.Limits = lim
	s := newCollectSink()
	for i := range tasks {
		_, err := worker.Run(context.Background(), cfg, tasks[i:i+1], f, s, worker.Hooks{})
		require.NoError(t, err)
	}
	assertRows(t, wantRows(rows), s.got())
	first := f.requestsOf(tasks[1].Subrange.ID)
	require.NotEmpty(t, first)
	assert.Equal(t, 10, first[0].req.PageSize, "the second Run's first request, bounded by the rows the first Run read")
}

// padRows pads the keys of rows so that each row's value (rowID: its
// token, a slash and its key) is size bytes.
func padRows(rows map[int][]fakeRow, size int) {
	for id := range rows {
		for i := range rows[id] {
			rows[id][i].key += strings.Repeat("x", size-len(rowID(rows[id][i])))
		}
	}
}

// TestPageBytesValidate: PageBytes and RowBytes out of their ranges are
// refused by name.
func TestPageBytesValidate(t *testing.T) {
	for _, tt := range []struct {
		cfg  worker.Config
		want string
	}{
		{worker.Config{PageBytes: -2}, "PageBytes is -2"},
		{worker.Config{RowBytes: -1}, "RowBytes is -1"},
	} {
		err := tt.cfg.Validate()
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
	}
	assert.Equal(t, worker.DefaultPageBytes, worker.Config{}.EnsureDefaults().PageBytes)
}
