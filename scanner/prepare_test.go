package scanner_test

import (
	"context"
	"strings"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// TestPlanPreparesNoMetadataQuery checks that planning a scan prepares
// none of its one-off metadata queries (system_schema, size estimates):
// each would cost a PREPARE round trip per host before it runs. Every
// node's system.prepared_statements (as Cassandra keeps it) is read after
// the plan and after a scan, whose page statements must be there: the
// check is not vacuous. A metadata query sent without schema.Unprepared's
// mark fails it.
func TestPlanPreparesNoMetadataQuery(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3})
	ctx := context.Background()
	_, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 2000})
	require.NoError(t, err)
	// As the command line connects (scanner.NewClusterConfig): no driver
	// schema cache, whose own queries would be prepared.
	s := testutil.Session(t, c, func(cl *gocql.ClusterConfig) { cl.Metadata.CacheMode = gocql.Disabled })
	prepared := func() []string {
		var all []string
		for _, n := range c.Nodes() {
			it := s.Query(`SELECT query_string FROM system.prepared_statements`).SetHostID(n.HostID()).Iter()
			var q string
			for it.Scan(&q) {
				all = append(all, q)
			}
			require.NoError(t, it.Close())
		}
		return all
	}
	sc, err := scanner.New(s, scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, UseSizeEstimates: true})
	require.NoError(t, err)
	plan, err := sc.Plan(ctx)
	require.NoError(t, err)
	for _, q := range prepared() {
		assert.NotContains(t, q, "system_schema", "a metadata query was prepared")
		assert.NotContains(t, q, "size_estimates", "a metadata query was prepared")
	}
	st, err := sc.RunPlan(ctx, plan, &sink.Count{})
	require.NoError(t, err)
	require.EqualValues(t, 2000, st.Rows)
	pages := 0
	for _, q := range prepared() {
		if strings.Contains(q, cqlsim.DemoTable) && strings.Contains(q, "token(") {
			pages++
		}
	}
	assert.Positive(t, pages, "the page statements are prepared, and listed")
}
