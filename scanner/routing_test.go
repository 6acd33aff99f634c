package scanner_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/scanner"
)

// TestRoutingServerSide scans the demo table and checks, from what the
// simulated nodes recorded (cqlsim's served counters, not the scanner's own
// hooks), that every page request was coordinated by a replica of the data
// it read, and with LocalDC by a node of that data center. Replication
// factors are 1 per data center, so that a request sent to any other node
// shows.
func TestRoutingServerSide(t *testing.T) {
	tests := []struct {
		name        string
		cfg         cqlsim.Config
		replication string
		localDC     string
		splits      int
	}{
		{name: "3 nodes RF 1", cfg: cqlsim.Config{Nodes: 3}, replication: simple(1)},
		{name: "3 nodes RF 1 256 vnodes, many subranges", cfg: cqlsim.Config{Nodes: 3, VNodes: 256}, replication: simple(1), splits: 2000},
		{name: "2 DCs LocalDC dc2", cfg: cqlsim.Config{DCs: twoDCs}, localDC: "dc2",
			replication: `{'class': 'NetworkTopologyStrategy', 'dc1': 1, 'dc2': 1}`},
		{name: "2 DCs LocalDC dc1", cfg: cqlsim.Config{DCs: twoDCs, VNodes: 4}, localDC: "dc1",
			replication: `{'class': 'NetworkTopologyStrategy', 'dc1': 1, 'dc2': 1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.TombstoneBudget = simTombstoneBudget
			c, s, info := demoCluster(t, cfg, tt.replication, 8000)
			for _, n := range c.Nodes() {
				n.ResetServed()
			}
			sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 200, Concurrency: 8, Splits: tt.splits, LocalDC: tt.localDC}))
			require.NoError(t, err)
			got := newCollector(false)
			st, err := sc.Run(context.Background(), got)
			require.NoError(t, err)
			require.Equal(t, demoSum(info), got.sum)

			table := fmt.Sprintf("%s.%s", cqlsim.DemoKeyspace, cqlsim.DemoTable)
			var reads int64
			for _, n := range c.Nodes() {
				sv := n.Served()[table]
				reads += sv.Reads
				assert.Zero(t, sv.NonReplica, "node %s (%s) coordinated %d of its %d reads for data it does not replicate",
					n.IP(), n.DC(), sv.NonReplica, sv.Reads)
				if tt.localDC != "" && n.DC() != tt.localDC {
					assert.Zero(t, sv.Reads, "node %s of %s served reads; LocalDC is %s", n.IP(), n.DC(), tt.localDC)
				}
			}
			assert.Equal(t, st.Pages+st.SplitQueries, reads, "the nodes served exactly the page requests (and partition split queries) the scan made")
		})
	}
}
