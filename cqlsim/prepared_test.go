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
