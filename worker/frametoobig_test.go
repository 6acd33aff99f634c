package worker_test

import (
	"cmp"
	"context"
	"sync"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/worker"
)

// TestPageTooBigForTheDriver serves pages of more than limit rows as gocql
// answers a response frame past its 256 MiB limit (ErrFrameTooBig, having
// discarded the frame): the page is asked again at once, for half the rows
// until the driver reads it, as no failed attempt (with retries off, too);
// with the byte bound on, the pool's mean row size learns that the rows
// weigh at least 256 MiB over the rows asked, so that the other
// subranges ask few rows from their first page on. Every row is read
// once. Failing the page (the error fatal before), retrying it at the
// same size, or counting the halvings as attempts fails it. gocql answers
// the same error for a request it will not send: refused at every page
// size (limit 0), a page fails its subrange once one row is refused too,
// its error naming the request as well as the row, and a page of one row
// from the start fails at once, with no retry.
func TestPageTooBigForTheDriver(t *testing.T) {
	tests := []struct {
		name      string
		limit     int // pages of more rows are too big; 0: every page
		pageSize  int // 0: 100
		pageBytes int
		// wantTooBig is how many requests were too big (-1: not checked);
		// wantAsked the page sizes range 0's first requests asked (all of
		// them when the scan fails).
		wantTooBig int
		wantAsked  []int
		wantErr    string
		// learn: every subrange but the first asks fewer than PageSize
		// rows from its first page on. (The fake's rows are a few bytes,
		// not the 20 MiB a page of 12 would mean: the mean then falls as
		// they are read, and a later page may be too big again.)
		learn bool
	}{
		// Each of the 6 ranges halves its own pages, the byte bound off: 3
		// pages too big each.
		{name: "halved until the driver reads it", limit: 12, pageBytes: worker.NoPageBytes, wantTooBig: 18, wantAsked: []int{100, 50, 25, 12}},
		{name: "the other subranges learn from the first", limit: 12, wantTooBig: -1, learn: true},
		{name: "refused down to one row", limit: 0, pageBytes: worker.NoPageBytes, wantTooBig: -1, wantAsked: []int{100, 50, 25, 12, 6, 3, 1},
			wantErr: "the driver refuses a frame past 256 MiB even for a page of one row: the request is too big to send " +
				"(its statement, a Where condition included, or its bound values), or that one row too big to read"},
		{name: "refused at a page size of one", limit: 0, pageSize: 1, pageBytes: worker.NoPageBytes, wantTooBig: -1, wantAsked: []int{1},
			wantErr: "the request is too big to send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks, rows := table(6, 120, 1, 3)
			f := newFake(rows, 1000)
			f.fail = func(r request) error {
				if r.req.PageSize > tt.limit {
					return gocql.ErrFrameTooBig
				}
				return nil
			}
			var mu sync.Mutex
			tooBig := 0
			hooks := worker.Hooks{Retry: func(_ int, _, kind string, _ error) {
				mu.Lock()
				defer mu.Unlock()
				if kind == "frame_too_big" {
					tooBig++
				}
			}}
			s := newCollectSink()
			cfg := worker.Config{Concurrency: 1, PageSize: cmp.Or(tt.pageSize, 100), PageBytes: tt.pageBytes, Retries: worker.NoRetries, NoSplit: true}
			st, err := worker.Run(context.Background(), cfg, tasks, f, s, hooks)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, gocql.ErrFrameTooBig)
				assert.Contains(t, err.Error(), tt.wantErr)
				var asked []int
				for _, r := range f.requestsOf(f.requests[0].rangeID) {
					asked = append(asked, r.req.PageSize)
				}
				assert.Equal(t, tt.wantAsked, asked, "the failed range's requests: halved down to one row, then failed")
				return
			}
			require.NoError(t, err)
			assertRows(t, wantRows(rows), s.got())
			if tt.wantTooBig >= 0 {
				assert.Equal(t, tt.wantTooBig, tooBig, "requests too big for the driver")
			}
			assert.Equal(t, int64(tooBig), st.Retries, "each too big a page is a retry, of the same page")
			first := f.requestsOf(f.requests[0].rangeID)
			var asked []int
			for _, r := range first[:min(len(first), len(tt.wantAsked))] {
				asked = append(asked, r.req.PageSize)
			}
			if tt.wantAsked != nil {
				assert.Equal(t, tt.wantAsked, asked)
			}
			if tt.learn {
				for i, task := range tasks {
					if reqs := f.requestsOf(task.Subrange.ID); task.Subrange.ID != f.requests[0].rangeID {
						assert.Less(t, reqs[0].req.PageSize, 100, "range %d (%d): its first page, after the first range's too big", task.Subrange.ID, i)
					}
				}
				return
			}
			// Once a range's page was read, its pages stay small enough.
			for _, task := range tasks {
				read := false
				for _, r := range f.requestsOf(task.Subrange.ID) {
					if read {
						assert.LessOrEqual(t, r.req.PageSize, tt.limit, "range %d: a page asked after the driver read one", task.Subrange.ID)
					}
					read = read || r.req.PageSize <= tt.limit
				}
			}
		})
	}
}
