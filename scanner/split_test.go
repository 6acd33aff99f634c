package scanner_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// TestSplitsUnderPagingSemantics scans with few subranges and many
// goroutines, so that idle goroutines split running subranges all the
// time, on a cluster whose paging states follow Cassandra's semantics
// (cqlsim: a state resumes after its key up to the end bound of the
// statement it is sent with, wrapping around the ring when the key is past
// that end). The split owner goes on with its old statement
// (worker.Cursor.End, the end its paging state was issued with) and drops
// the rows past its new end; the scan must stay exact. Small pages over the
// demo's tombstone runs end past their last live row, where a split point
// may fall.
func TestSplitsUnderPagingSemantics(t *testing.T) {
	tests := []struct {
		name string
		cfg  cqlsim.Config
	}{
		{name: "1 node 1 vnode", cfg: cqlsim.Config{Nodes: 1, VNodes: 1}},
		{name: "3 nodes 2 vnodes", cfg: cqlsim.Config{Nodes: 3, VNodes: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.TombstoneBudget = 5
			_, s, info := demoCluster(t, cfg, simple(1), 20000)
			var mu sync.Mutex
			splits := 0
			sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 40, Concurrency: 16}),
				scanner.WithHooks(scanner.Hooks{RangeSplit: func(int, ring.Subrange) {
					mu.Lock()
					defer mu.Unlock()
					splits++
				}}))
			require.NoError(t, err)
			got := newCollector(false)
			st, err := sc.Run(context.Background(), got)
			require.NoError(t, err)
			assert.Equal(t, demoSum(info), got.sum, "every row once")
			mu.Lock()
			defer mu.Unlock()
			assert.Greater(t, splits, 10, "running subranges were split")
			assert.Equal(t, st.Ranges, st.Done)
		})
	}
}

// TestSplitOwnerKeepsItsStatement makes the case where the split owner's
// statement matters: in every subrange of the plan the live rows sit at its
// start, all in its first page, and 30 deleted partitions at its very end,
// so that the following pages stop on the tombstones (cqlsim's budget of
// 5), empty, with paging states past the middle of what is left. Idle
// goroutines split the subrange at that middle while such a page is in
// flight (2 ms of latency). The owner must go on with its old statement
// (worker.Cursor.End): sent with the new, lower end bound, its paging state's
// key would be past the end, and the read would wrap around the ring and
// return the rows of every other subrange again. Mutation: with
// the pool issuing every request with the subrange's current end
// (worker/pool.go), 1800 rows wanted, 25200 got.
func TestSplitOwnerKeepsItsStatement(t *testing.T) {
	t.Parallel()
	cfg := cqlsim.Config{Nodes: 1, VNodes: 1, TombstoneBudget: 5, Latency: cqlsim.Latency{Fixed: 2 * time.Millisecond}}
	sim := testutil.StartSim(t, cfg)
	c := newTestCluster(t, sim, testutil.Session(t, sim), "ringscan_test", simple(1), "")
	ds := dataset{
		name:  "live rows first, tombstones last",
		table: "split_owner",
		cols:  []col{{"k", "blob"}, {"c", "int"}, {"v", "text"}},
		pk:    1, ck: 1,
		cfg: scanner.Config{PageSize: 100, Concurrency: 64, Splits: 30},
	}
	require.NoError(t, c.session.Query(ds.createTable(c.keyspace)).Exec())
	waitForTables(t, c.session, c.keyspace, ds.table)
	scfg := ds.cfg
	scfg.Keyspace, scfg.Table = c.keyspace, ds.table
	sc, err := scanner.New(c.session, scfg)
	require.NoError(t, err)
	plan, err := sc.Plan(context.Background())
	require.NoError(t, err)
	require.Len(t, plan.Subranges, 30)
	var live, dead [][]any
	for _, sr := range plan.Subranges {
		start, err := strconv.ParseInt(sr.Range.Start.String(), 10, 64)
		require.NoError(t, err)
		end, err := strconv.ParseInt(sr.Range.End.String(), 10, 64)
		require.NoError(t, err)
		for i := range int64(20) {
			for cc := range 3 {
				live = append(live, []any{keyForToken(start+1+i, 0), cc, "live"})
			}
		}
		for i := range int64(30) {
			dead = append(dead, []any{keyForToken(end-i, 0), 0, "dead"})
		}
	}
	ds.rows = func(ring.Partitioner) [][]any { return live }
	ds.deleted = func() [][]any { return dead }
	checkExactlyOnce(t, c, ds)
}
