package cqlsim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestPreparedStatementsTable checks system.prepared_statements, as
// Cassandra keeps it: every statement prepared on the node, once, with its
// text, and nothing of the statements sent unprepared.
func TestPreparedStatementsTable(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	// gocql's default round robin: a token-aware policy prepares every
	// statement it routes, to learn its partition key.
	s := testutil.Session(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY)`)
	const q = `SELECT k FROM ks.t WHERE k = ?`
	for range 3 {
		require.NoError(t, s.Query(q, 1).Exec()) // gocql prepares a SELECT with a value
	}
	require.NoError(t, s.Query(`/* not prepared */ SELECT k FROM ks.t WHERE k = 2`).Exec())
	seen := map[string]int{}
	it := s.Query(`SELECT prepared_id, query_string FROM system.prepared_statements`).Iter()
	var id []byte
	var text string
	for it.Scan(&id, &text) {
		assert.NotEmpty(t, id)
		seen[text]++
	}
	require.NoError(t, it.Close())
	assert.Equal(t, 1, seen[q], "prepared once, listed once")
	for text := range seen {
		assert.NotContains(t, text, "not prepared")
	}
}

// TestPreparedStatementsDropped checks that the statements of a dropped
// table leave system.prepared_statements, as Cassandra evicts them when
// the table is dropped, and that those of the other tables stay. Listing
// every statement ever prepared fails it.
func TestPreparedStatementsDropped(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	s := testutil.Session(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.gone (k int PRIMARY KEY)`, `CREATE TABLE ks.kept (k int PRIMARY KEY)`)
	const gone, kept = `SELECT k FROM ks.gone WHERE k = ?`, `SELECT k FROM ks.kept WHERE k = ?`
	require.NoError(t, s.Query(gone, 1).Exec())
	require.NoError(t, s.Query(kept, 1).Exec())
	listed := func() map[string]bool {
		seen := map[string]bool{}
		it := s.Query(`SELECT query_string FROM system.prepared_statements`).Iter()
		var text string
		for it.Scan(&text) {
			seen[text] = true
		}
		require.NoError(t, it.Close())
		return seen
	}
	require.True(t, listed()[gone])
	mustExec(t, s, `DROP TABLE ks.gone`)
	after := listed()
	assert.False(t, after[gone], "a dropped table's statement is still listed")
	assert.True(t, after[kept], "another table's statement went too")
}
