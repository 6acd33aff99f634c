package scanner_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// demoWithoutSchemaCache starts 3 nodes holding the demo's rows and opens
// a session as the command line connects (scanner.NewClusterConfig): no
// driver schema cache, whose own queries would be prepared.
func demoWithoutSchemaCache(t *testing.T, rows int) (*cqlsim.Cluster, *gocql.Session) {
	t.Helper()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3})
	_, err := c.LoadDemo(context.Background(), cqlsim.DemoConfig{Rows: rows})
	require.NoError(t, err)
	return c, testutil.Session(t, c, func(cl *gocql.ClusterConfig) { cl.Metadata.CacheMode = gocql.Disabled })
}

// preparedOn returns the statements prepared on the host of id, as its
// system.prepared_statements lists them.
func preparedOn(t *testing.T, s *gocql.Session, id string) []string {
	t.Helper()
	it := s.Query(`SELECT query_string FROM system.prepared_statements`).SetHostID(id).Iter()
	var all []string
	var q string
	for it.Scan(&q) {
		all = append(all, q)
	}
	require.NoError(t, it.Close())
	return all
}

// TestPlanPreparesNoMetadataQuery checks that planning a scan prepares
// none of its one-off metadata queries (system_schema, size estimates):
// each would cost a PREPARE round trip per host before it runs. Every
// node's system.prepared_statements (as Cassandra keeps it) is read after
// the plan and after a scan, whose page statements must be there: the
// check is not vacuous. A metadata query sent without schema.Unprepared's
// mark fails it.
func TestPlanPreparesNoMetadataQuery(t *testing.T) {
	c, s := demoWithoutSchemaCache(t, 2000)
	ctx := context.Background()
	prepared := func() []string {
		var all []string
		for _, n := range c.Nodes() {
			all = append(all, preparedOn(t, s, n.HostID())...)
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

// TestWarmPreparesFirstPages checks that warming a host up (as the worker
// does with adaptive limits, worker.Warmer) prepares there the statements
// that read a subrange's first page and a resumed one's (token > and
// token >=), for a scan and for a count, reading nothing, and touches no
// other host: its first page requests are then page reads alone.
func TestWarmPreparesFirstPages(t *testing.T) {
	c, s := demoWithoutSchemaCache(t, 500)
	ctx := context.Background()
	sc, err := scanner.New(s, scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable})
	require.NoError(t, err)
	plan, err := sc.Plan(ctx)
	require.NoError(t, err)
	tests := []struct {
		name string
		plan *scanner.Plan
	}{
		{name: "scan", plan: plan},
		{name: "count", plan: plan.CountOnly()},
	}
	// Each case warms a host of its own up, so that none sees the other's
	// statements.
	hosts := map[string]ring.Host{}
	for _, sr := range plan.Subranges {
		for _, h := range sr.Replicas {
			hosts[h.ID] = h
		}
	}
	require.Len(t, hosts, 3)
	var order []ring.Host
	for _, n := range c.Nodes() {
		order = append(order, hosts[n.HostID()])
	}
	pageStatements := func(host ring.Host) []string {
		var page []string
		for _, q := range preparedOn(t, s, host.ID) {
			if strings.Contains(q, cqlsim.DemoTable) && strings.Contains(q, "token(") {
				page = append(page, q)
			}
		}
		return page
	}
	for i, tt := range tests {
		host := order[i]
		require.Empty(t, pageStatements(host), "%s: nothing prepared before", tt.name)
		require.NoError(t, scanner.Warm(ctx, tt.plan, host), tt.name)
		got := pageStatements(host)
		require.Len(t, got, 2, "%s: %q", tt.name, got)
		slices.Sort(got)
		assert.Regexp(t, `token\([^)]*\) > \?`, got[0], tt.name)
		assert.Regexp(t, `token\([^)]*\) >= \?`, got[1], tt.name)
		assert.Empty(t, pageStatements(order[2]), "%s: another host was warmed up", tt.name)
	}
}

// TestNowhereReadsNothing checks that the statements run over no token
// read no row: the check of a Where condition when the scan is planned,
// and a warm-up (worker.Warmer). The check ran over (Min, Min], which
// Cassandra and cqlsim read as the whole ring: with a filter that matched
// no row, planning examined every row of the table. The warm-ups ran over
// (Max, Min], the ring's last range, which nodes that do not replicate it
// read as a non-replica (on 4 nodes at a replication factor of 3, some
// node does).
func TestNowhereReadsNothing(t *testing.T) {
	// Four nodes for the demo's replication factor of 3: some node
	// replicates no range at the end of the ring, which (Max, Min] reads.
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 4})
	ctx := context.Background()
	_, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 2000})
	require.NoError(t, err)
	s := testutil.Session(t, c)
	table := cqlsim.DemoKeyspace + "." + cqlsim.DemoTable
	sc, err := scanner.New(s, scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable,
		Where: "kind = 'no such kind'", AllowFiltering: true})
	require.NoError(t, err)
	before := c.Served()[table]
	plan, err := sc.Plan(ctx)
	require.NoError(t, err)
	checked := c.Served()[table]
	assert.Positive(t, checked.Reads-before.Reads, "the Where condition was checked")
	assert.Zero(t, checked.RowsExamined-before.RowsExamined, "the check examined rows")
	hosts := plan.Ring.Hosts()
	require.Len(t, hosts, 4)
	for _, h := range hosts {
		require.NoError(t, scanner.Warm(ctx, plan, h))
	}
	warmed := c.Served()[table]
	assert.Equal(t, int64(2*len(hosts)), warmed.Reads-checked.Reads, "two statements warmed per host")
	assert.Zero(t, warmed.RowsExamined-checked.RowsExamined, "the warm-ups examined rows")
	assert.Zero(t, warmed.NonReplica-checked.NonReplica, "the warm-ups read ranges their hosts do not replicate")
}

// TestCountOnServerPreparesOnlyItsCount checks that a count on the server
// prepares its count(*) on the nodes and none of the paged count's
// statements (the switch to keys from a token on, the tokens-only read
// from a position), which it runs only where a count(*) failed: prepared
// on every node at the start, they would cost each node requests that a
// count that does not fail never needs.
func TestCountOnServerPreparesOnlyItsCount(t *testing.T) {
	c, s := demoWithoutSchemaCache(t, 2000)
	sc, err := scanner.New(s, scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, Concurrency: 4})
	require.NoError(t, err)
	plan, err := sc.Plan(t.Context())
	require.NoError(t, err)
	server, err := plan.CountOnServer()
	require.NoError(t, err)
	var count sink.Count
	_, err = sc.RunPlan(t.Context(), server, &count)
	require.NoError(t, err)
	require.EqualValues(t, 2000, count.Rows())
	counts := 0
	for _, n := range c.Nodes() {
		for _, q := range preparedOn(t, s, n.HostID()) {
			if !strings.Contains(q, cqlsim.DemoTable) {
				continue
			}
			assert.Contains(t, q, "count(*)", "host %s prepared a statement of the paged count", n.HostID())
			counts++
		}
	}
	assert.Positive(t, counts, "the count(*) is prepared, and listed")
}
