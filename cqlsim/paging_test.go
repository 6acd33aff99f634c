package cqlsim_test

import (
	"slices"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// page runs one page of q from state and returns the first column's ints
// and the state after it (nil at the end).
func page(t *testing.T, q *gocql.Query, state []byte) ([]int, []byte) {
	t.Helper()
	it := q.PageState(state).Iter()
	var out []int
	var k int
	for it.Scan(&k) {
		out = append(out, k)
	}
	next := it.PageState()
	require.NoError(t, it.Close())
	return out, next
}

// all pages q from state to its end.
func all(t *testing.T, q func() *gocql.Query, state []byte) []int {
	t.Helper()
	var out []int
	for {
		rows, next := page(t, q(), state)
		out = append(out, rows...)
		if len(next) == 0 {
			return out
		}
		state = next
	}
}

// TestPagingStateSemantics pins what a paging state does when it is sent
// with another statement than the one it came from, as Cassandra 4.1's
// pagers do: a range read resumes after the state's key up to the end
// bound of the statement it is sent with, whatever that statement's start
// (PartitionRangeQueryPager), wrapping around the ring when the key is past
// that end; a single-partition read resumes after the state's clustering
// in its own partition (SinglePartitionPager); a read of several
// partitions resumes at the partition the state names, and reads nothing
// when it has no such partition (MultiPartitionPager).
func TestPagingStateSemantics(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY, v int)`, `CREATE TABLE ks.t2 (k int PRIMARY KEY)`,
		`CREATE TABLE ks.u (k int, c int, PRIMARY KEY (k, c))`, `CREATE TABLE ks.w (k int, a int, b int, PRIMARY KEY (k, a, b))`)
	for k := range 200 {
		require.NoError(t, s.Query(`INSERT INTO ks.t (k, v) VALUES (?, ?)`, k, k).Exec())
		require.NoError(t, s.Query(`INSERT INTO ks.t2 (k) VALUES (?)`, k).Exec())
	}
	for k := range 6 {
		for cc := range 5 {
			require.NoError(t, s.Query(`INSERT INTO ks.u (k, c) VALUES (?, ?)`, k, cc).Exec())
		}
	}
	// The keys in ring order and their tokens.
	var keys []int
	var toks []int64
	it := s.Query(`SELECT k, token(k) FROM ks.t`).PageSize(0).Iter()
	for k, tk := 0, int64(0); it.Scan(&k, &tk); {
		keys, toks = append(keys, k), append(toks, tk)
	}
	require.NoError(t, it.Close())
	require.Len(t, keys, 200)

	const rangeQ = `SELECT k FROM ks.t WHERE token(k) > ? AND token(k) <= ?`
	q := func(lo, hi int) func() *gocql.Query {
		return func() *gocql.Query { return s.Query(rangeQ, toks[lo], toks[hi]).PageSize(10) }
	}
	first, state := page(t, q(9, 99)(), nil)
	require.Equal(t, keys[10:20], first)
	require.NotEmpty(t, state)

	t.Run("same statement and values", func(t *testing.T) {
		assert.Equal(t, keys[20:100], all(t, q(9, 99), state))
	})
	t.Run("same statement, another page size", func(t *testing.T) {
		// The page size is a parameter of each request, not part of the
		// statement: Cassandra's pagers take it at every page
		// (QueryPager.fetchPage).
		rows, next := page(t, q(9, 99)().PageSize(3), state)
		assert.Equal(t, keys[20:23], rows)
		require.NotEmpty(t, next)
		rows, next = page(t, q(9, 99)().PageSize(50), next)
		assert.Equal(t, keys[23:73], rows)
		assert.Equal(t, keys[73:100], all(t, q(9, 99), next))
	})
	t.Run("a lower end bound", func(t *testing.T) {
		// As the worker's split owner would, if it moved to the new end.
		assert.Equal(t, keys[20:50], all(t, q(9, 49), state))
	})
	t.Run("another start bound is not looked at", func(t *testing.T) {
		assert.Equal(t, keys[20:200], all(t, q(150, 199), state))
		assert.Equal(t, keys[20:50], all(t, q(45, 49), state))
	})
	t.Run("an end bound before the state's key wraps around the ring", func(t *testing.T) {
		// What a split owner would read had its new end fallen before
		// the position of its paging state: the rest of the ring and its
		// start, instead of nothing. The worker keeps the old end
		// (Cursor.End) and drops the rows past the new one.
		got := all(t, q(9, 15), state)
		assert.Equal(t, slices.Concat(keys[20:200], keys[0:16]), got)
	})
	t.Run("another statement on the table", func(t *testing.T) {
		other := func() *gocql.Query {
			return s.Query(`SELECT v FROM ks.t WHERE token(k) > ? AND token(k) <= ? AND v >= 0 ALLOW FILTERING`, toks[9], toks[99]).PageSize(10)
		}
		assert.Equal(t, keys[20:100], all(t, other, state), "v equals k")
	})
	t.Run("another table of the same key", func(t *testing.T) {
		other := func() *gocql.Query {
			return s.Query(`SELECT k FROM ks.t2 WHERE token(k) > ? AND token(k) <= ?`, toks[9], toks[99]).PageSize(10)
		}
		assert.Equal(t, keys[20:100], all(t, other, state))
	})
	t.Run("an empty clustering resumes after the state's partition", func(t *testing.T) {
		// ks.t has no clustering: its state's row mark is empty, as is the
		// one of a page that ended on a static-only row. Cassandra's range
		// pager (no last row) resumes after the state's key; so on ks.u.
		uq := func() *gocql.Query {
			return s.Query(`SELECT k FROM ks.u WHERE token(k) > ? AND token(k) <= ?`, toks[9], toks[99]).PageSize(4)
		}
		want := all(t, func() *gocql.Query {
			return s.Query(`SELECT k FROM ks.u WHERE token(k) > ? AND token(k) <= ?`, toks[19], toks[99]).PageSize(4)
		}, nil)
		require.NotEmpty(t, want)
		require.Less(t, len(want), len(all(t, uq, nil)), "some partitions lie before the state's key")
		assert.Equal(t, want, all(t, uq, state))
	})
	t.Run("another table whose clustering does not decode", func(t *testing.T) {
		// A state of ks.u (one clustering column) for ks.w (two).
		_, ust := page(t, s.Query(`SELECT k FROM ks.u`).PageSize(2), nil)
		require.NotEmpty(t, ust)
		err := s.Query(`SELECT a FROM ks.w WHERE token(k) > ? AND token(k) <= ?`, toks[9], toks[99]).PageSize(10).PageState(ust).Exec()
		require.Error(t, err)
		assert.Equal(t, gocql.ErrCodeProtocol, requestCode(t, err))
		assert.Equal(t, "Invalid value for the paging state", err.Error())
	})
	t.Run("single partition", func(t *testing.T) {
		one := func(k int) func() *gocql.Query {
			return func() *gocql.Query { return s.Query(`SELECT c FROM ks.u WHERE k = ?`, k).PageSize(2) }
		}
		rows, st := page(t, one(1)(), nil)
		require.Equal(t, []int{0, 1}, rows)
		assert.Equal(t, []int{2, 3, 4}, all(t, one(1), st))
		assert.Equal(t, []int{2, 3, 4}, all(t, one(2), st), "the state's key is not looked at")
	})
	t.Run("several partitions", func(t *testing.T) {
		in := func(ks ...int) func() *gocql.Query {
			return func() *gocql.Query { return s.Query(`SELECT k FROM ks.u WHERE k IN ?`, ks).PageSize(2) }
		}
		rows, st := page(t, in(0, 1, 2)(), nil)
		require.Len(t, rows, 2)
		require.Equal(t, rows[0], rows[1], "both rows of the first partition")
		firstKey := rows[0]
		rest := all(t, in(0, 1, 2), st)
		assert.Len(t, rest, 13)
		var others []int
		for _, k := range []int{3, 4, 5} {
			if k != firstKey {
				others = append(others, k)
			}
		}
		assert.Empty(t, all(t, in(others...), st), "no partition is the state's")
		// With the state's partition among others: it resumes there, and
		// the partitions before it in token order are not read.
		with := append([]int{firstKey}, 4, 5)
		whole := all(t, in(with...), nil)
		at := slices.Index(whole, firstKey)
		require.GreaterOrEqual(t, at, 0)
		assert.Equal(t, whole[at+2:], all(t, in(with...), st))
	})
}
