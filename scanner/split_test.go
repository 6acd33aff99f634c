package scanner_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/worker"
)

// TestSplitsUnderPagingSemantics scans with few subranges and many
// goroutines, so that idle goroutines split running subranges all the
// time, on a cluster whose paging states follow Cassandra's semantics
// (cqlsim: a state resumes after its key up to the end bound of the
// statement it is sent with, wrapping around the ring when the key is past
// that end). The split owner goes on with its old statement
// (Cursor.QueryEnd) and drops the rows past its new end; the scan must stay
// exact. Small pages over the demo's tombstone runs end past their last
// live row, where a split point may fall.
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
				scanner.WithHooks(worker.Hooks{RangeSplit: func(int, ring.Subrange) {
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
