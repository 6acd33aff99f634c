package scanner

import (
	"context"
	"encoding/binary"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// boundedFetcher passes requests to a Fetcher and cancels the run after
// max of them: a reader that makes no progress ends instead of looping.
type boundedFetcher struct {
	worker.Fetcher
	max    int64
	n      atomic.Int64
	cancel context.CancelCauseFunc
}

var errTooManyRequests = errors.New("too many page requests: the reader makes no progress")

func (f *boundedFetcher) Fetch(ctx context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	if f.n.Add(1) > f.max {
		f.cancel(errTooManyRequests)
		return worker.Page{}, errTooManyRequests
	}
	return f.Fetcher.Fetch(ctx, req, b)
}

// Trim passes on to the Fetcher's, so that the pool trims as it does
// for the count.
func (f *boundedFetcher) Trim(b *sink.Batch, lim worker.Limit, prev *worker.Position) (*worker.Position, bool) {
	return f.Fetcher.(worker.Trimmer).Trim(b, lim, prev)
}

// rowCounter is a worker.Output that counts the rows written.
type rowCounter struct{ rows int }

func (c *rowCounter) WritePage(_ context.Context, _ int, b *sink.Batch, _ worker.Cursor) error {
	c.rows += b.Len()
	return nil
}

func (c *rowCounter) Split(worker.Split) {}

// TestCountStopFromItsStartOverTombstones: a count's subrange that ends
// inside a split partition (Stop), resumed with no row handed on (its
// checkpoint record holds the split but no cursor: the split was saved
// before any of its pages was written), reads by key from its start
// (countFetcher.Fetch, keyedFrom). When its first keyed page is empty (the
// partition starts with tombstones, at which cqlsim, like ScyllaDB, cuts
// pages), the cursor has a paging state and still no Last; the next
// request takes it for one by token (keyed looks at Last), keyedFrom finds
// no position and the statement starts again from the subrange's start,
// its paging state dropped: the same empty page, forever. The fetcher here
// ends the run after 200 requests (the subrange needs about 12).
func TestCountStopFromItsStartOverTombstones(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 1, TombstoneBudget: 3})
	ctx := context.Background()
	s := testutil.Session(t, c)
	require.NoError(t, s.Query(`CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`).Exec())
	require.NoError(t, s.Query(`CREATE TABLE ks.big (k int, c int, PRIMARY KEY (k, c))`).Exec())
	for i := range 300 {
		require.NoError(t, s.Query(`INSERT INTO ks.big (k, c) VALUES (0, ?)`, i).Exec())
	}
	for i := range 5 {
		require.NoError(t, s.Query(`DELETE FROM ks.big WHERE k = 0 AND c = ?`, i).Exec())
	}
	sc, err := New(s, Config{Keyspace: "ks", Table: "big"})
	require.NoError(t, err)
	p, err := sc.Plan(ctx)
	require.NoError(t, err)
	cf := p.CountOnly().count
	require.NotNil(t, cf)
	pr := p.Ring.Partitioner()
	tk, err := cf.keyToken([]byte{0, 0, 0, 0})
	require.NoError(t, err)
	var task worker.Task
	for _, sr := range p.Subranges {
		if sr.Range.Contains(tk) || sr.Range.End == pr.Max() && tk == pr.Max() {
			task.Subrange = sr
		}
	}
	require.NotEmpty(t, task.Subrange.Replicas, "the subrange of partition 0")
	// The subrange ends inside partition 0, before c = 200.
	task.Subrange.Range.End = tk
	task.Stop = &worker.Stop{PK: [][]byte{{0, 0, 0, 0}}, At: worker.Cut{CK: [][]byte{binary.BigEndian.AppendUint32(nil, 200)}}}

	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	f := &boundedFetcher{Fetcher: cf, max: 200, cancel: cancel}
	out := &rowCounter{}
	_, err = worker.Run(rctx, worker.Config{PageSize: 20, Concurrency: 1}, []worker.Task{task}, f, out, worker.Hooks{})
	require.NoError(t, err, "%d requests, %d rows counted", f.n.Load(), out.rows)
	require.Equal(t, 195, out.rows, "the rows of partition 0 before c = 200, tombstones aside")
}
