package scanner

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/worker"
)

// TestCountReadsSplitPartitionsByKey gives a count's fetcher the request
// of a subrange that ends inside a split partition (Request.Stop) from a
// position by token, as a resume starts one from its checkpoint's cursor:
// it must read that partition by key (Trim places its rows against the
// cut by their clustering values, and a pair's other reader stops where
// this one got to, by key), skipping the rows the position names. Read by
// token, the page held no clustering value: the trim kept rows past the
// cut, and a reader of a pair panicked.
func TestCountReadsSplitPartitionsByKey(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	ctx := context.Background()
	s := testutil.Session(t, c)
	require.NoError(t, s.Query(`CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`).Exec())
	require.NoError(t, s.Query(`CREATE TABLE ks.big (k int, c int, PRIMARY KEY (k, c))`).Exec())
	for i := range 300 {
		require.NoError(t, s.Query(`INSERT INTO ks.big (k, c) VALUES (0, ?)`, i).Exec())
	}
	sc, err := New(s, Config{Keyspace: "ks", Table: "big"})
	require.NoError(t, err)
	p, err := sc.Plan(ctx)
	require.NoError(t, err)
	cf := p.CountOnly().count
	require.NotNil(t, cf)
	sr := p.Subranges[0]
	pr := p.Ring.Partitioner()
	base := worker.Request{Subrange: sr, Host: sr.Replicas[0], Start: pr.Min(), End: pr.Max(), PageSize: 20}

	// The partition's token, and the position by token after its 10th row.
	b := cf.NewBatch()
	page, err := cf.Fetch(ctx, base, b)
	require.NoError(t, err)
	require.Equal(t, 20, b.Len())
	tk := page.Last.Token
	at := &worker.Position{Token: tk, Ordinal: 10}

	cut := worker.Cut{CK: [][]byte{binary.BigEndian.AppendUint32(nil, 200)}}
	stop := &worker.Stop{PK: [][]byte{{0, 0, 0, 0}}, At: cut}
	for _, tc := range []struct {
		name  string
		req   worker.Request
		first uint32 // the clustering value of the first row
	}{
		{"a new statement after the position", worker.Request{After: at, Last: at}, 10},
		// A resumed cursor in the middle of a statement by token: the
		// statement is left (its paging state would be refused: it is
		// not even one) for one by key after the last row handed on.
		{"a statement by token going on", worker.Request{Last: &worker.Position{Token: tk, Ordinal: 20}, PageState: []byte("not a paging state")}, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := base
			req.After, req.Last, req.PageState, req.Stop = tc.req.After, tc.req.Last, tc.req.PageState, stop
			b := cf.NewBatch()
			got, err := cf.Fetch(ctx, req, b)
			require.NoError(t, err)
			require.Equal(t, cf.width, b.Width(), "read by key")
			require.Positive(t, b.Len())
			first, err := cf.position(b, 0)
			require.NoError(t, err)
			assert.Equal(t, [][]byte{{0, 0, 0, 0}, binary.BigEndian.AppendUint32(nil, tc.first)}, first.Key, "after the rows handed on")
			require.NotNil(t, got.Last)
			assert.Len(t, got.Last.Key, 2, "a position by key")
			kept, _ := cf.Trim(b, worker.Limit{Token: tk, PK: stop.PK, Cut: cut}, nil)
			assert.Len(t, kept.Key, 2)
		})
	}
	// Without a Stop, the same request reads by token.
	req := base
	req.After, req.Last = at, at
	b = cf.NewBatch()
	_, err = cf.Fetch(ctx, req, b)
	require.NoError(t, err)
	assert.Equal(t, cf.tok.width, b.Width(), "by token")
}
