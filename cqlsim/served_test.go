package cqlsim_test

import (
	"cmp"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// ringRange is one vnode range (start, end] and the node owning it.
type ringRange struct {
	start, end int64
	owner      *cqlsim.Node
}

// ringRanges lists the ranges of a Murmur3 cluster in ring order; the
// first wraps around (start > end).
func ringRanges(t *testing.T, c *cqlsim.Cluster) []ringRange {
	t.Helper()
	type entry struct {
		tok  int64
		node *cqlsim.Node
	}
	var ring []entry
	for _, n := range c.Nodes() {
		for _, s := range n.Tokens() {
			v, err := strconv.ParseInt(s, 10, 64)
			require.NoError(t, err)
			ring = append(ring, entry{v, n})
		}
	}
	slices.SortFunc(ring, func(a, b entry) int { return cmp.Compare(a.tok, b.tok) })
	var out []ringRange
	for i, e := range ring {
		out = append(out, ringRange{start: ring[(i+len(ring)-1)%len(ring)].tok, end: e.tok, owner: e.node})
	}
	return out
}

// TestServed checks the per-node counts of what each node coordinated, and
// whether it replicated the data read, with SimpleStrategy RF 1 (each range
// has one replica, its owner).
func TestServed(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY, v int)`)
	for k := range 300 {
		require.NoError(t, s.Query(`INSERT INTO ks.t (k, v) VALUES (?, ?)`, k, k).Exec())
	}
	var writes int64
	for _, n := range c.Nodes() {
		writes += n.Served()["ks.t"].Requests
	}
	assert.Equal(t, int64(300), writes, "every insert was coordinated by one node")
	assert.Equal(t, int64(300), c.Served()["ks.t"].Requests)
	for _, n := range c.Nodes() {
		n.ResetServed()
		assert.Empty(t, n.Served())
	}

	nodes := c.Nodes()
	other := func(n *cqlsim.Node) *cqlsim.Node {
		return nodes[(slices.Index(nodes, n)+1)%len(nodes)]
	}
	read := func(t *testing.T, on *cqlsim.Node, pageSize int, q string, args ...any) {
		t.Helper()
		it := s.Query(q, args...).SetHostID(on.HostID()).PageSize(pageSize).Iter()
		for it.Scan(new(int)) {
		}
		require.NoError(t, it.Close())
	}
	want := func(t *testing.T, n *cqlsim.Node, reads, nonReplica int64) {
		t.Helper()
		got := n.Served()["ks.t"]
		got.RowsExamined = 0 // TestRowsExamined pins it
		assert.Equal(t, cqlsim.Served{Requests: reads, Reads: reads, NonReplica: nonReplica}, got, "node %s", n.IP())
		n.ResetServed()
	}
	const rangeQ = `SELECT k FROM ks.t WHERE token(k) > ? AND token(k) <= ?`
	for _, r := range ringRanges(t, c)[1:] { // not the wrapping one
		read(t, r.owner, 0, rangeQ, r.start, r.end)
		want(t, r.owner, 1, 0)
		read(t, other(r.owner), 0, rangeQ, r.start, r.end)
		want(t, other(r.owner), 1, 1)
	}

	// A range over two owners: non-replica for either, unless a page
	// stops before it leaves the coordinator's range.
	rs := ringRanges(t, c)
	i := slices.IndexFunc(rs[1:len(rs)-1], func(r ringRange) bool { return r.owner != rs[slices.Index(rs, r)+1].owner }) + 1
	require.Positive(t, i)
	a, b := rs[i], rs[i+1]
	read(t, a.owner, 0, rangeQ, a.start, b.end)
	want(t, a.owner, 1, 1)
	var inA []int
	it := s.Query(`SELECT k FROM ks.t WHERE token(k) > ? AND token(k) <= ?`, a.start, a.end).Iter()
	for k := 0; it.Scan(&k); {
		inA = append(inA, k)
	}
	require.NoError(t, it.Close())
	for _, n := range nodes {
		n.ResetServed()
	}
	require.GreaterOrEqual(t, len(inA), 2, "range %v holds rows", a)
	// Page size 1: the first page stops at the first row of a's range;
	// later pages reach into b's.
	q := s.Query(rangeQ, a.start, b.end).SetHostID(a.owner.HostID()).PageSize(1)
	it = q.Iter()
	require.NoError(t, it.Close())
	want(t, a.owner, 1, 0)

	// Reads by partition key.
	for k := range 20 {
		var v int
		require.NoError(t, s.Query(`SELECT v FROM ks.t WHERE k = ?`, k).SetHostID(nodes[0].HostID()).Scan(&v))
	}
	got := nodes[0].Served()["ks.t"]
	assert.Equal(t, int64(20), got.Reads)
	assert.Positive(t, got.NonReplica, "node 1 replicates a third of the keys")
	assert.Less(t, got.NonReplica, int64(20))

	// System tables and DESCRIBE count too.
	require.NoError(t, s.Query(`SELECT release_version FROM system.local`).SetHostID(nodes[1].HostID()).Exec())
	require.NoError(t, s.Query(`DESCRIBE KEYSPACES`).SetHostID(nodes[1].HostID()).Exec())
	assert.Equal(t, cqlsim.Served{Requests: 1, Reads: 1}, nodes[1].Served()["system.local"])
	assert.Equal(t, cqlsim.Served{Requests: 1, Reads: 1}, nodes[1].Served()["system.describe"])
}
