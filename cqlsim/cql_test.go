package cqlsim_test

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"math"
	"math/big"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// requestCode returns the protocol error code of a server error.
func requestCode(t *testing.T, err error) int {
	t.Helper()
	var re gocql.RequestError
	require.ErrorAs(t, err, &re)
	return re.Code()
}

// scanInts reads a single int column.
func scanInts(t *testing.T, it *gocql.Iter) []int {
	t.Helper()
	var out []int
	var v int
	for it.Scan(&v) {
		out = append(out, v)
	}
	require.NoError(t, it.Close())
	return out
}

// TestStatements runs the statements a scanner and its tests use through
// the driver, on one cluster; each subtest has a keyspace of its own.
func TestStatements(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 8})
	s := connect(t, c)

	// newKeyspace creates a keyspace named after the subtest.
	newKeyspace := func(t *testing.T) string {
		name := strings.ToLower(t.Name()[strings.LastIndex(t.Name(), "/")+1:])
		ks := strings.Map(func(r rune) rune {
			if r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, name)
		ks = "ks_" + ks // not a keyword, not system_
		createKeyspace(t, s, ks, 2)
		return ks
	}

	t.Run("select token golden", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int PRIMARY KEY)`)
		require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k) VALUES (?)`, 1).Exec())
		var tk int64
		require.NoError(t, s.Query(`SELECT token(k) FROM `+ks+`.t WHERE k = ?`, 1).Scan(&tk))
		assert.Equal(t, int64(-4069959284402364209), tk)
	})

	t.Run("named bind markers", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int, c int, v text, PRIMARY KEY (k, c))`)
		// gocql marshals values by position, with the types of the
		// markers, and sends the names along: k and c, both int, are
		// swapped, and the server places them by name.
		require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, c, v) VALUES (:k, :c, :v)`,
			gocql.NamedValue("c", 2), gocql.NamedValue("k", 1), gocql.NamedValue("v", "x")).Exec())
		var v string
		require.NoError(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = :key AND c = :cc`,
			gocql.NamedValue("cc", 2), gocql.NamedValue("key", 1)).Scan(&v))
		assert.Equal(t, "x", v)
		require.NoError(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = ? AND c = ?`, 1, 2).Scan(&v))
		assert.Equal(t, "x", v)
		err := s.Query(`SELECT v FROM `+ks+`.t WHERE k = :key AND c = :cc`,
			gocql.NamedValue("nope", 2), gocql.NamedValue("key", 1)).Scan(&v)
		assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err))
	})

	t.Run("batch", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int, c int, v int, PRIMARY KEY (k, c))`)
		for _, typ := range []gocql.BatchType{gocql.LoggedBatch, gocql.UnloggedBatch} {
			b := s.Batch(typ)
			for c := range 10 {
				b.Query(`INSERT INTO `+ks+`.t (k, c, v) VALUES (?, ?, ?)`, int(typ), c, c*10)
			}
			b.Query(`UPDATE `+ks+`.t SET v = ? WHERE k = ? AND c = ?`, -1, int(typ), 0)
			b.Query(`DELETE FROM `+ks+`.t WHERE k = ? AND c = ?`, int(typ), 9)
			require.NoError(t, b.Exec())
			got := scanInts(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = ?`, int(typ)).Iter())
			assert.Equal(t, []int{-1, 10, 20, 30, 40, 50, 60, 70, 80}, got)
		}
		// A batch as one CQL text, with literals.
		mustExec(t, s, `BEGIN UNLOGGED BATCH
			INSERT INTO `+ks+`.t (k, c, v) VALUES (7, 1, 1);
			INSERT INTO `+ks+`.t (k, c, v) VALUES (7, 2, 2);
			APPLY BATCH`)
		assert.Equal(t, []int{1, 2}, scanInts(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = 7`).Iter()))
		// Reads are refused in a batch.
		err := s.Batch(gocql.LoggedBatch).Query(`SELECT v FROM ` + ks + `.t`).Exec()
		assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err))
	})

	t.Run("insert if not exists", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int, c int, v text, PRIMARY KEY (k, c))`)
		insert := `INSERT INTO ` + ks + `.t (k, c, v) VALUES (?, ?, ?) IF NOT EXISTS`
		applied, err := s.Query(insert, 1, 2, "first").ScanCAS()
		require.NoError(t, err)
		assert.True(t, applied)
		// Not applied: the existing row comes back, as from SELECT *.
		var k, c int
		var v string
		applied, err = s.Query(insert, 1, 2, "second").ScanCAS(&k, &c, &v)
		require.NoError(t, err)
		assert.False(t, applied)
		assert.Equal(t, []any{1, 2, "first"}, []any{k, c, v})
		m := map[string]any{}
		applied, err = s.Query(insert, 1, 2, "third").MapScanCAS(m)
		require.NoError(t, err)
		assert.False(t, applied)
		assert.Equal(t, map[string]any{"k": 1, "c": 2, "v": "first"}, m)

		require.NoError(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = 1 AND c = 2`).Scan(&v))
		assert.Equal(t, "first", v)
		// A deleted row can be inserted again.
		mustExec(t, s, `DELETE FROM `+ks+`.t WHERE k = 1 AND c = 2`)
		applied, err = s.Query(insert, 1, 2, "fourth").ScanCAS()
		require.NoError(t, err)
		assert.True(t, applied)
	})

	t.Run("delete row and partition", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int, c int, v int, PRIMARY KEY (k, c))`)
		for k := range 3 {
			for c := range 5 {
				require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, c, v) VALUES (?, ?, ?)`, k, c, 10*k+c).Exec())
			}
		}
		require.NoError(t, s.Query(`DELETE FROM `+ks+`.t WHERE k = ? AND c = ?`, 0, 3).Exec())
		require.NoError(t, s.Query(`DELETE FROM `+ks+`.t WHERE k = ?`, 1).Exec())
		require.NoError(t, s.Query(`DELETE v FROM `+ks+`.t WHERE k = ? AND c = ?`, 2, 0).Exec())
		assert.Equal(t, []int{0, 1, 2, 4}, scanInts(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = 0`).Iter()))
		assert.Empty(t, scanInts(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = 1`).Iter()))
		var v *int
		require.NoError(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = 2 AND c = 0`).Scan(&v))
		assert.Nil(t, v, "a deleted cell reads as null")
		var n int64
		require.NoError(t, s.Query(`SELECT COUNT(*) FROM `+ks+`.t`).Scan(&n))
		assert.Equal(t, int64(9), n)
	})

	t.Run("truncate", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int PRIMARY KEY, v int)`)
		for k := range 20 {
			require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, v) VALUES (?, ?)`, k, k).Exec())
		}
		mustExec(t, s, `TRUNCATE `+ks+`.t`)
		var n int64
		require.NoError(t, s.Query(`SELECT count(*) FROM `+ks+`.t`).Scan(&n))
		assert.Zero(t, n)
		mustExec(t, s, `INSERT INTO `+ks+`.t (k, v) VALUES (1, 1)`, `TRUNCATE TABLE `+ks+`.t`)
		require.NoError(t, s.Query(`SELECT count(*) FROM `+ks+`.t`).Scan(&n))
		assert.Zero(t, n)
	})

	t.Run("drop", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int PRIMARY KEY, v int)`, `INSERT INTO `+ks+`.t (k, v) VALUES (1, 1)`)
		require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, v) VALUES (?, ?)`, 2, 2).Exec())
		// A statement prepared before the drop fails after it.
		var v int
		require.NoError(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = ?`, 1).Scan(&v))
		mustExec(t, s, `DROP TABLE `+ks+`.t`)
		err := s.Query(`SELECT v FROM `+ks+`.t WHERE k = ?`, 1).Scan(&v)
		assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err))
		mustExec(t, s, `DROP TABLE IF EXISTS `+ks+`.t`)
		err = s.Query(`DROP TABLE ` + ks + `.t`).Exec()
		assert.Equal(t, gocql.ErrCodeConfig, requestCode(t, err))
		// The table can be created again, empty. The statements prepared
		// on the old table are prepared again (Cassandra drops them with
		// the table), so they read and write the new one.
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int PRIMARY KEY, v int)`)
		assert.Empty(t, scanInts(t, s.Query(`SELECT v FROM `+ks+`.t`).Iter()))
		assert.Empty(t, scanInts(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = ?`, 1).Iter()))
		require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, v) VALUES (?, ?)`, 2, 2).Exec())
		assert.Equal(t, []int{2}, scanInts(t, s.Query(`SELECT v FROM `+ks+`.t`).Iter()))
		mustExec(t, s, `DROP KEYSPACE `+ks, `DROP KEYSPACE IF EXISTS `+ks)
		err = s.Query(`SELECT v FROM ` + ks + `.t`).Exec()
		assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err))
		err = s.Query(`DROP KEYSPACE ` + ks).Exec()
		assert.Equal(t, gocql.ErrCodeConfig, requestCode(t, err))
	})

	t.Run("allow filtering", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k1 int, k2 int, c int, v int, PRIMARY KEY ((k1, k2), c))`)
		for k1 := range 3 {
			for k2 := range 3 {
				for c := range 4 {
					require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k1, k2, c, v) VALUES (?, ?, ?, ?)`, k1, k2, c, k1*100+k2*10+c).Exec())
				}
			}
		}
		tests := []struct {
			query string
			args  []any
			want  []int // sorted: partitions come in token order
		}{
			{`SELECT v FROM ` + ks + `.t WHERE v = ? ALLOW FILTERING`, []any{121}, []int{121}},
			{`SELECT v FROM ` + ks + `.t WHERE v >= ? AND v < ? ALLOW FILTERING`, []any{210, 222}, []int{210, 211, 212, 213, 220, 221}},
			{`SELECT v FROM ` + ks + `.t WHERE k1 = ? ALLOW FILTERING`, []any{1}, []int{100, 101, 102, 103, 110, 111, 112, 113, 120, 121, 122, 123}},
			{`SELECT v FROM ` + ks + `.t WHERE k2 = ? AND c >= ? ALLOW FILTERING`, []any{2, 2}, []int{22, 23, 122, 123, 222, 223}},
			{`SELECT v FROM ` + ks + `.t WHERE k1 = ? AND v > ? ALLOW FILTERING`, []any{0, 12}, []int{13, 20, 21, 22, 23}},
			{`SELECT v FROM ` + ks + `.t WHERE v = ? ALLOW FILTERING`, []any{999}, nil},
			// A clustering slice with a regular column's filter: the
			// slice selects the rows, the filter is checked on each.
			{`SELECT v FROM ` + ks + `.t WHERE c >= ? AND v < ? ALLOW FILTERING`, []any{2, 100}, []int{2, 3, 12, 13, 22, 23}},
			{`SELECT v FROM ` + ks + `.t WHERE k1 = ? AND k2 = ? AND c >= ? AND v > ? ALLOW FILTERING`, []any{1, 2, 1, 121}, []int{122, 123}},
		}
		for _, tt := range tests {
			for _, pageSize := range []int{2, 5000} {
				got := scanInts(t, s.Query(tt.query, tt.args...).PageSize(pageSize).Iter())
				slices.Sort(got)
				assert.Equal(t, tt.want, got, "%s %v page size %d", tt.query, tt.args, pageSize)
			}
		}
	})

	t.Run("limit and count", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int, c int, v int, PRIMARY KEY (k, c))`)
		for k := range 10 {
			for c := range 10 {
				require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, c, v) VALUES (?, ?, ?)`, k, c, c).Exec())
			}
		}
		// Every partition holds v = 0..9 in clustering order, so the first
		// n rows read are 0..9 repeated, whatever the partition order.
		cycle := func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i % 10
			}
			return out
		}
		tests := []struct {
			query    string
			args     []any
			pageSize int
			want     int
			rows     []int
		}{
			{`SELECT v FROM ` + ks + `.t LIMIT 25`, nil, 5000, 25, cycle(25)},
			{`SELECT v FROM ` + ks + `.t LIMIT 25`, nil, 7, 25, cycle(25)},
			{`SELECT v FROM ` + ks + `.t LIMIT ?`, []any{33}, 10, 33, cycle(33)},
			{`SELECT v FROM ` + ks + `.t LIMIT 1000`, nil, 3, 100, cycle(100)},
			{`SELECT v FROM ` + ks + `.t WHERE k = 3 LIMIT 4`, nil, 3, 4, []int{0, 1, 2, 3}},
		}
		for _, tt := range tests {
			got := scanInts(t, s.Query(tt.query, tt.args...).PageSize(tt.pageSize).Iter())
			assert.Len(t, got, tt.want, "%s page size %d", tt.query, tt.pageSize)
			assert.Equal(t, tt.rows, got, "%s page size %d", tt.query, tt.pageSize)
		}
		counts := []struct {
			query string
			args  []any
			want  int64
		}{
			{`SELECT COUNT(*) FROM ` + ks + `.t`, nil, 100},
			{`SELECT count(*) FROM ` + ks + `.t WHERE k = ?`, []any{4}, 10},
			{`SELECT count(*) FROM ` + ks + `.t WHERE k = ? AND c >= ?`, []any{4, 7}, 3},
			// LIMIT applies to the one result row, not to the rows
			// counted (getDataLimits: no row limit for an aggregate).
			{`SELECT count(*) FROM ` + ks + `.t LIMIT 5`, nil, 100},
			{`SELECT count(*) FROM ` + ks + `.t WHERE k = ? LIMIT 1`, []any{4}, 10},
			{`SELECT count(*) FROM ` + ks + `.t WHERE token(k) > ? AND token(k) <= ?`, []any{int64(math.MinInt64), int64(math.MaxInt64)}, 100},
			{`SELECT count(*) FROM ` + ks + `.t WHERE token(k) > ? AND token(k) <= ?`, []any{int64(0), int64(0)}, 0},
		}
		for _, tt := range counts {
			// count(*) answers one row, whatever the page size.
			var n int64
			require.NoError(t, s.Query(tt.query, tt.args...).PageSize(7).Scan(&n), tt.query)
			assert.Equal(t, tt.want, n, tt.query)
		}
	})

	t.Run("clustering restrictions", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.up (k int, c int, v int, PRIMARY KEY (k, c))`,
			`CREATE TABLE `+ks+`.down (k int, c int, v int, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c DESC)`,
			`CREATE TABLE `+ks+`.two (k int, c1 int, c2 text, v int, PRIMARY KEY (k, c1, c2)) WITH CLUSTERING ORDER BY (c1 ASC, c2 DESC)`)
		for c := range 10 {
			for _, tbl := range []string{"up", "down"} {
				require.NoError(t, s.Query(`INSERT INTO `+ks+`.`+tbl+` (k, c, v) VALUES (?, ?, ?)`, 1, c, c).Exec())
				require.NoError(t, s.Query(`INSERT INTO `+ks+`.`+tbl+` (k, c, v) VALUES (?, ?, ?)`, 2, c, 100+c).Exec())
			}
			for _, c2 := range []string{"a", "b"} {
				require.NoError(t, s.Query(`INSERT INTO `+ks+`.two (k, c1, c2, v) VALUES (?, ?, ?, ?)`, 1, c, c2, 10*c+int(c2[0]-'a')).Exec())
			}
		}
		tests := []struct {
			query string
			args  []any
			want  []int
		}{
			{`SELECT v FROM ` + ks + `.up WHERE k = ? AND c > ?`, []any{1, 6}, []int{7, 8, 9}},
			{`SELECT v FROM ` + ks + `.up WHERE k = ? AND c >= ? AND c < ?`, []any{1, 2, 5}, []int{2, 3, 4}},
			{`SELECT v FROM ` + ks + `.up WHERE k = ? AND c <= ?`, []any{2, 1}, []int{100, 101}},
			{`SELECT v FROM ` + ks + `.up WHERE k = ? AND c = ?`, []any{2, 5}, []int{105}},
			{`SELECT v FROM ` + ks + `.up WHERE k = ? AND c IN (3, 1)`, []any{1}, []int{1, 3}},
			{`SELECT v FROM ` + ks + `.down WHERE k = ? AND c > ?`, []any{1, 6}, []int{9, 8, 7}},
			{`SELECT v FROM ` + ks + `.down WHERE k = ?`, []any{1}, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
			{`SELECT v FROM ` + ks + `.two WHERE k = ? AND c1 = ? AND c2 < ?`, []any{1, 3, "b"}, []int{30}},
			{`SELECT v FROM ` + ks + `.two WHERE k = ? AND c1 >= ? AND c1 < ?`, []any{1, 8, 9}, []int{81, 80}},
			// A multi-column slice compares values, not clustering order
			// (c2 is DESC): (8, 'a') is not after (8, 'b').
			{`SELECT v FROM ` + ks + `.two WHERE k = ? AND (c1, c2) > (?, ?) AND (c1, c2) < (?, ?)`, []any{1, 8, "b", 10, "a"}, []int{91, 90}},
			{`SELECT v FROM ` + ks + `.two WHERE k = ? AND (c1, c2) >= (?, ?) AND (c1, c2) < (?, ?)`, []any{1, 8, "a", 9, "a"}, []int{81, 80}},
		}
		for _, tt := range tests {
			for _, pageSize := range []int{1, 5000} {
				got := scanInts(t, s.Query(tt.query, tt.args...).PageSize(pageSize).Iter())
				assert.Equal(t, tt.want, got, "%s %v page size %d", tt.query, tt.args, pageSize)
			}
		}
	})

	t.Run("unprepared", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		// A session of its own, to count the ERROR frames it receives.
		errorFrames := &frameCounter{op: "ERROR"}
		s := connect(t, c, func(cl *gocql.ClusterConfig) { cl.FrameHeaderObserver = errorFrames })
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int PRIMARY KEY, v int)`)
		for k := range 30 {
			require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, v) VALUES (?, ?)`, k, k).Exec())
		}
		for _, n := range c.Nodes() {
			n.ForgetPrepared()
		}
		// gocql re-prepares on UNPREPARED and runs the statement again.
		for k := range 30 {
			var v int
			require.NoError(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = ?`, k).Scan(&v))
			assert.Equal(t, k, v)
			require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, v) VALUES (?, ?)`, k, -k).Exec())
		}
		for _, n := range c.Nodes() {
			n.ForgetPrepared()
		}
		b := s.Batch(gocql.UnloggedBatch)
		b.Query(`INSERT INTO `+ks+`.t (k, v) VALUES (?, ?)`, 100, 100)
		require.NoError(t, b.Exec())
		var v int
		require.NoError(t, s.Query(`SELECT v FROM `+ks+`.t WHERE k = ?`, 29).Scan(&v))
		assert.Equal(t, -29, v)
		// Each of the three nodes answered each statement UNPREPARED once.
		assert.GreaterOrEqual(t, errorFrames.n.Load(), int64(3))
	})

	t.Run("use", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int PRIMARY KEY, v int)`)
		// gocql sends USE on every connection of a session with a keyspace.
		su := connect(t, c, func(cl *gocql.ClusterConfig) { cl.Keyspace = ks })
		require.NoError(t, su.Query(`INSERT INTO t (k, v) VALUES (?, ?)`, 1, 2).Exec())
		mustExec(t, su, `INSERT INTO t (k, v) VALUES (3, 4)`)
		assert.ElementsMatch(t, []int{2, 4}, scanInts(t, su.Query(`SELECT v FROM t`).Iter()))
		assert.ElementsMatch(t, []int{2, 4}, scanInts(t, s.Query(`SELECT v FROM `+ks+`.t`).Iter()))
		// Unqualified names need a keyspace.
		err := s.Query(`SELECT v FROM t`).Exec()
		assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err))
		// USE of an unknown keyspace fails every connection, so the
		// session.
		cl := clusterConfig(c)
		cl.Keyspace = "nosuchkeyspace"
		_, err = cl.CreateSession()
		require.Error(t, err)
	})

	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k int PRIMARY KEY, v int)`, `CREATE TABLE `+ks+`.txt (k text PRIMARY KEY, v int)`,
			`CREATE TABLE `+ks+`.cc (k int, a int, b int, PRIMARY KEY (k, a, b))`)
		tests := []struct {
			query string
			code  int
			names string // what the message must name
		}{
			{`INSERT INTO ` + ks + `.txt (k, v) VALUES ('', 1)`, gocql.ErrCodeInvalid, "Key may not be empty"},
			{`SELECT v FROM ` + ks + `.txt WHERE k = ''`, gocql.ErrCodeInvalid, "Key may not be empty"},
			{`UPDATE ` + ks + `.txt SET v = 1 WHERE k = ''`, gocql.ErrCodeInvalid, "Key may not be empty"},
			{`SELECT v FROM nosuchks.t`, gocql.ErrCodeInvalid, "nosuchks"},
			{`INSERT INTO nosuchks.t (k) VALUES (1)`, gocql.ErrCodeInvalid, "nosuchks"},
			{`SELECT v FROM ` + ks + `.nosuchtable`, gocql.ErrCodeInvalid, "nosuchtable"},
			{`INSERT INTO ` + ks + `.nosuchtable (k) VALUES (1)`, gocql.ErrCodeInvalid, "nosuchtable"},
			{`SELECT nosuchcol FROM ` + ks + `.t`, gocql.ErrCodeInvalid, "nosuchcol"},
			{`SELECT v FROM ` + ks + `.t WHERE nosuchcol = 1`, gocql.ErrCodeInvalid, "nosuchcol"},
			{`INSERT INTO ` + ks + `.t (k, nosuchcol) VALUES (1, 2)`, gocql.ErrCodeInvalid, "nosuchcol"},
			{`UPDATE ` + ks + `.t SET nosuchcol = 1 WHERE k = 1`, gocql.ErrCodeInvalid, "nosuchcol"},
			{`SELECT v FROM ` + ks + `.t WHERE v = 1`, gocql.ErrCodeInvalid, "ALLOW FILTERING"},
			{`SELECT k FROM ` + ks + `.cc WHERE k = 1 AND (a, b) > (1, 2) AND a < 5`, gocql.ErrCodeInvalid, "Mixing single column relations and multi column relations"},
			// Unsupported, refused rather than answered wrongly.
			{`SELECT k FROM ` + ks + `.t PER PARTITION LIMIT 1`, gocql.ErrCodeInvalid, "PER PARTITION LIMIT"},
			{`SELECT DISTINCT v FROM ` + ks + `.t`, gocql.ErrCodeInvalid, "SELECT DISTINCT queries must only request partition key columns and/or static columns (not v)"},
			{`SELECT JSON k FROM ` + ks + `.t`, gocql.ErrCodeInvalid, "JSON"},
			{`SELECT count(v) FROM ` + ks + `.t`, gocql.ErrCodeInvalid, "count(v)"},
			{`INSERT INTO ` + ks + `.t (k, v) VALUES ('x', 1)`, gocql.ErrCodeInvalid, "k"},
			{`SELEC v FROM ` + ks + `.t`, gocql.ErrCodeSyntax, "SELEC"},
			{`SELECT v FROM ` + ks + `.t WHERE`, gocql.ErrCodeSyntax, ""},
			{`SELECT v FROM ` + ks + `.t LIMIT`, gocql.ErrCodeSyntax, ""},
			{`CREATE TABLE ` + ks + `.t (k int PRIMARY KEY)`, gocql.ErrCodeAlreadyExists, "t"},
			{`CREATE KEYSPACE ` + ks + ` WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, gocql.ErrCodeAlreadyExists, ks},
			{`CREATE KEYSPACE other WITH replication = {'class': 'NoSuchStrategy'}`, gocql.ErrCodeConfig, "NoSuchStrategy"},
			{`INSERT INTO system.local (key) VALUES ('x')`, gocql.ErrCodeUnauthorized, "system"},
		}
		for _, tt := range tests {
			// Both as a plain query and, where it parses, prepared with
			// a value: gocql prepares statements that have values.
			err := s.Query(tt.query).Exec()
			require.Error(t, err, tt.query)
			assert.Equal(t, tt.code, requestCode(t, err), "%s: %v", tt.query, err)
			assert.Contains(t, err.Error(), tt.names, tt.query)
		}
		var syntax *gocql.RequestErrSyntax
		assert.ErrorAs(t, s.Query(`SELEC 1`).Exec(), &syntax)
		var invalid *gocql.RequestErrInvalid
		assert.ErrorAs(t, s.Query(`SELECT v FROM nosuchks.t WHERE k = ?`, 1).Exec(), &invalid)
		var exists *gocql.RequestErrAlreadyExists
		require.ErrorAs(t, s.Query(`CREATE TABLE `+ks+`.t (k int PRIMARY KEY)`).Exec(), &exists)
		assert.Equal(t, ks, exists.Keyspace)
		assert.Equal(t, "t", exists.Table)
	})

	t.Run("system tables", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (k text PRIMARY KEY)`, `INSERT INTO `+ks+`.t (k) VALUES ('local')`)
		var local, user int64
		require.NoError(t, s.Query(`SELECT token(key) FROM system.local`).Scan(&local))
		require.NoError(t, s.Query(`SELECT token(k) FROM `+ks+`.t`).Scan(&user))
		assert.Equal(t, user, local)
		var peers int64
		require.NoError(t, s.Query(`SELECT count(*) FROM system.peers`).Scan(&peers))
		assert.Equal(t, int64(len(c.Nodes())-1), peers)
	})

	t.Run("metadata", func(t *testing.T) {
		t.Parallel()
		ks := newKeyspace(t)
		mustExec(t, s, `CREATE TABLE `+ks+`.t (a int, b text, c int, d bigint, v list<int>, PRIMARY KEY ((a, b), c, d)) WITH CLUSTERING ORDER BY (c ASC, d DESC)`)
		// gocql refreshes its schema metadata a second after the
		// SCHEMA_CHANGE event.
		var km *gocql.KeyspaceMetadata
		require.Eventually(t, func() bool {
			var err error
			km, err = s.KeyspaceMetadata(ks)
			return err == nil && km.Tables["t"] != nil
		}, 10*time.Second, 10*time.Millisecond)
		assert.Equal(t, "org.apache.cassandra.locator.SimpleStrategy", km.StrategyClass)
		tm := km.Tables["t"]
		var pk, ck []string
		for _, col := range tm.PartitionKey {
			pk = append(pk, col.Name)
		}
		for _, col := range tm.ClusteringColumns {
			ck = append(ck, col.Name+" "+string(col.ClusteringOrder))
		}
		assert.Equal(t, []string{"a", "b"}, pk)
		assert.Equal(t, []string{"c asc", "d desc"}, ck)
		assert.Len(t, tm.Columns, 5)
	})
}

// frameCounter counts the frames of one opcode a session receives.
type frameCounter struct {
	op string
	n  atomic.Int64
}

func (f *frameCounter) ObserveFrameHeader(_ context.Context, h gocql.ObservedFrameHeader) {
	if h.Opcode.String() == f.op {
		f.n.Add(1)
	}
}

// TestAuth checks PasswordAuthenticator.
func TestAuth(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 2, VNodes: 4, Username: "scanner", Password: "s3cret"})
	tests := []struct {
		name     string
		auth     gocql.Authenticator
		wantErr  string
		wantCode int
	}{
		{name: "right credentials", auth: gocql.PasswordAuthenticator{Username: "scanner", Password: "s3cret"}},
		{name: "wrong password", auth: gocql.PasswordAuthenticator{Username: "scanner", Password: "nope"},
			wantErr: "Provided username scanner and/or password are incorrect"},
		{name: "wrong user", auth: gocql.PasswordAuthenticator{Username: "other", Password: "s3cret"},
			wantErr: "Provided username other and/or password are incorrect"},
		{name: "no credentials", wantErr: "authentication required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cl := clusterConfig(c)
			cl.Authenticator = tt.auth
			s, err := cl.CreateSession()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			defer s.Close()
			var name string
			require.NoError(t, s.Query(`SELECT cluster_name FROM system.local`).Scan(&name))
			assert.Equal(t, "cqlsim", name)
		})
	}
}

// TestInjectedErrors checks that every injected error reaches the driver
// as its typed error, with the request's consistency level.
func TestInjectedErrors(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 3)
	mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY, v int)`, `INSERT INTO ks.t (k, v) VALUES (1, 1)`)

	tests := []struct {
		kind cqlsim.ErrorKind
		code int
		want error // the error's type
	}{
		{cqlsim.ReadTimeout, gocql.ErrCodeReadTimeout, &gocql.RequestErrReadTimeout{}},
		{cqlsim.Unavailable, gocql.ErrCodeUnavailable, &gocql.RequestErrUnavailable{}},
		{cqlsim.Overloaded, gocql.ErrCodeOverloaded, &gocql.RequestErrOverloaded{}},
		{cqlsim.ReadFailure, gocql.ErrCodeReadFailure, &gocql.RequestErrReadFailure{}},
		{cqlsim.ServerError, gocql.ErrCodeServer, nil},
	}
	// Not parallel: the faults are set on the shared nodes.
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			for _, n := range c.Nodes() {
				require.NoError(t, n.SetFaults(cqlsim.Fault{Kind: tt.kind, Nth: 1}))
			}
			var v int
			err := s.Query(`SELECT v FROM ks.t WHERE k = ?`, 1).Consistency(gocql.Quorum).Scan(&v)
			require.Error(t, err)
			assert.Equal(t, tt.code, requestCode(t, err), "%v", err)
			if tt.want != nil {
				assert.IsType(t, tt.want, err)
			}
			injected := int64(0)
			for _, n := range c.Nodes() {
				injected += n.Injected()[tt.kind]
			}
			assert.Equal(t, int64(1), injected)
			// Nth fails one request only.
			require.NoError(t, s.Query(`SELECT v FROM ks.t WHERE k = ?`, 1).Scan(&v))
			for _, n := range c.Nodes() {
				require.NoError(t, n.SetFaults())
			}
		})
	}

	t.Run("rate", func(t *testing.T) {
		injected := int64(0) // Injected counts since the start
		for _, n := range c.Nodes() {
			injected -= n.Injected()[cqlsim.Overloaded]
			require.NoError(t, n.SetFaults(cqlsim.Fault{Kind: cqlsim.Overloaded, Rate: 0.1}))
		}
		failed := int64(0)
		for range 1000 {
			var v int
			err := s.Query(`SELECT v FROM ks.t WHERE k = ?`, 1).Scan(&v)
			if err != nil {
				require.IsType(t, &gocql.RequestErrOverloaded{}, err)
				failed++
			}
		}
		for _, n := range c.Nodes() {
			injected += n.Injected()[cqlsim.Overloaded]
			require.NoError(t, n.SetFaults())
		}
		assert.Equal(t, injected, failed)
		assert.InDelta(t, 100, failed, 50, "10%% of 1000 requests")
	})

	t.Run("latency", func(t *testing.T) {
		// A node slower than the driver's timeout times out; the driver
		// keeps the connection and the node answers again once fast.
		sl := connect(t, c, func(cl *gocql.ClusterConfig) { cl.Timeout = 100 * time.Millisecond })
		for _, n := range c.Nodes() {
			n.SetLatency(cqlsim.Latency{Fixed: time.Hour})
		}
		err := sl.Query(`SELECT v FROM ks.t WHERE k = ?`, 1).Exec()
		assert.ErrorIs(t, err, gocql.ErrTimeoutNoResponse)
		for _, n := range c.Nodes() {
			n.SetLatency(cqlsim.Latency{})
		}
		var v int
		require.NoError(t, sl.Query(`SELECT v FROM ks.t WHERE k = ?`, 1).Scan(&v))
	})

	t.Run("match", func(t *testing.T) {
		// Only the statements holding Match are eligible, and counted
		// for Nth: the count(*) fails, once, whatever ran before it.
		for _, n := range c.Nodes() {
			require.NoError(t, n.SetFaults(cqlsim.Fault{Kind: cqlsim.ReadTimeout, Nth: 1, Match: "count(*)"}))
		}
		var v int
		var n int64
		for range 3 {
			require.NoError(t, s.Query(`SELECT v FROM ks.t WHERE k = ?`, 1).Scan(&v), "not eligible")
		}
		host, _, err := net.SplitHostPort(c.Nodes()[0].Addr())
		require.NoError(t, err)
		var rt *gocql.RequestErrReadTimeout
		require.ErrorAs(t, s.Query(`SELECT count(*) FROM ks.t`).SetHostID(hostID(t, s, host)).Scan(&n), &rt, "the first count(*)")
		require.NoError(t, s.Query(`SELECT count(*) FROM ks.t`).SetHostID(hostID(t, s, host)).Scan(&n), "the second")
		assert.EqualValues(t, 1, n)
		for _, n := range c.Nodes() {
			require.NoError(t, n.SetFaults())
		}
	})

	t.Run("oversized frame", func(t *testing.T) {
		// A RESULT frame past the 256 MiB gocql reads: it discards it,
		// fails the request with ErrFrameTooBig and keeps the connection,
		// which answers the next request.
		host, _, err := net.SplitHostPort(c.Nodes()[0].Addr())
		require.NoError(t, err)
		id := hostID(t, s, host)
		require.NoError(t, c.Nodes()[0].SetFaults(cqlsim.Fault{Kind: cqlsim.OversizedFrame, Nth: 1}))
		// A write is no page: not eligible, not counted for Nth.
		require.NoError(t, s.Query(`INSERT INTO ks.t (k, v) VALUES (?, ?)`, 1, 1).SetHostID(id).Exec())
		var v int
		require.ErrorIs(t, s.Query(`SELECT v FROM ks.t WHERE k = ?`, 1).SetHostID(id).Scan(&v), gocql.ErrFrameTooBig)
		require.NoError(t, s.Query(`SELECT v FROM ks.t WHERE k = ?`, 1).SetHostID(id).Scan(&v), "the connection answers again")
		assert.EqualValues(t, 1, c.Nodes()[0].Injected()[cqlsim.OversizedFrame])
		require.NoError(t, c.Nodes()[0].SetFaults())
	})

	t.Run("details", func(t *testing.T) {
		for _, n := range c.Nodes() {
			require.NoError(t, n.SetFaults(cqlsim.Fault{Kind: cqlsim.ReadTimeout, Rate: 1}))
		}
		var rt *gocql.RequestErrReadTimeout
		require.ErrorAs(t, s.Query(`SELECT v FROM ks.t`).Consistency(gocql.LocalQuorum).Exec(), &rt)
		assert.Equal(t, gocql.LocalQuorum, rt.Consistency)
		assert.Equal(t, 2, rt.BlockFor)
		// Writes fail too; system tables never do.
		assert.Error(t, s.Query(`INSERT INTO ks.t (k, v) VALUES (2, 2)`).Exec())
		var name string
		require.NoError(t, s.Query(`SELECT cluster_name FROM system.local`).Scan(&name))
		for _, n := range c.Nodes() {
			require.NoError(t, n.SetFaults(cqlsim.Fault{Kind: cqlsim.Unavailable, Rate: 1}))
		}
		var un *gocql.RequestErrUnavailable
		require.ErrorAs(t, s.Query(`SELECT v FROM ks.t`).Consistency(gocql.One).Exec(), &un)
		assert.Equal(t, gocql.One, un.Consistency)
		assert.Equal(t, 1, un.Required)
		for _, n := range c.Nodes() {
			require.NoError(t, n.SetFaults())
		}
		require.NoError(t, s.Query(`SELECT v FROM ks.t`).Exec())
	})
}

// TestEmptyPages checks that a page with no rows but a paging state, which
// a run of tombstones causes, is handled by manual and automatic paging.
func TestEmptyPages(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, TombstoneBudget: 10})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.t (k int, c int, v int, PRIMARY KEY (k, c))`)
	for k := range 3 {
		for c := range 200 {
			require.NoError(t, s.Query(`INSERT INTO ks.t (k, c, v) VALUES (?, ?, ?)`, k, c, c).Exec())
		}
	}
	// 150 tombstones in a row in each partition.
	live := map[[2]int]bool{}
	for k := range 3 {
		for c := range 200 {
			if c >= 20 && c < 170 {
				require.NoError(t, s.Query(`DELETE FROM ks.t WHERE k = ? AND c = ?`, k, c).Exec())
				continue
			}
			live[[2]int{k, c}] = true
		}
	}

	// Manual paging sees empty pages that go on.
	got := map[[2]int]bool{}
	emptyPages := 0
	var state []byte
	for {
		it := s.Query(`SELECT k, c FROM ks.t`).PageSize(5).PageState(state).Iter()
		var k, c int
		n := 0
		for it.Scan(&k, &c) {
			require.False(t, got[[2]int{k, c}], "row %d/%d read twice", k, c)
			got[[2]int{k, c}] = true
			n++
		}
		require.NoError(t, it.Close())
		state = it.PageState()
		if len(state) == 0 {
			break
		}
		if n == 0 {
			emptyPages++
		}
	}
	assert.Equal(t, live, got)
	assert.Positive(t, emptyPages, "no empty page with a paging state")

	// Automatic paging skips them.
	for _, pageSize := range []int{1, 5, 5000} {
		it := s.Query(`SELECT k, c FROM ks.t`).PageSize(pageSize).Iter()
		got := map[[2]int]bool{}
		var k, c int
		for it.Scan(&k, &c) {
			got[[2]int{k, c}] = true
		}
		require.NoError(t, it.Close())
		assert.Equal(t, live, got, "page size %d", pageSize)
	}
	var n int64
	require.NoError(t, s.Query(`SELECT count(*) FROM ks.t`).Scan(&n))
	assert.Equal(t, int64(len(live)), n)
}

// TestClusteringSliceBudget checks that rows a WHERE clause rejects do not
// use up the tombstone budget, which counts deleted rows only: a clustering
// slice far into a big partition returns full pages, none empty.
func TestClusteringSliceBudget(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, TombstoneBudget: 10})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.t (k int, c int, v int, PRIMARY KEY (k, c))`)
	const rows = 3000
	for start := 0; start < rows; start += 100 {
		b := s.Batch(gocql.UnloggedBatch)
		for c := start; c < start+100; c++ {
			b.Query(`INSERT INTO ks.t (k, c, v) VALUES (?, ?, ?)`, 1, c, c)
		}
		require.NoError(t, s.ExecuteBatch(b))
	}
	var want []int
	for c := 2500 + 1; c < rows; c++ {
		want = append(want, c)
	}

	var got []int
	var state []byte
	pages := 0
	for {
		it := s.Query(`SELECT c FROM ks.t WHERE k = ? AND c > ?`, 1, 2500).PageSize(100).PageState(state).Iter()
		page := scanInts(t, it)
		state = it.PageState()
		pages++
		if len(state) == 0 {
			got = append(got, page...)
			break
		}
		require.NotEmpty(t, page, "empty page %d with a paging state", pages)
		got = append(got, page...)
		require.Less(t, pages, rows, "paging does not end")
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 5, pages)
}

// goldenVector is a key with the token Cassandra gives it.
type goldenVector struct {
	partitioner string // murmur3 or random
	token       string
	types       []string // CQL types of the key components
	values      []any
}

// readGolden parses internal/partitioner/testdata/tokens.txt.
func readGolden(t *testing.T) []goldenVector {
	t.Helper()
	f, err := os.Open("../internal/partitioner/testdata/tokens.txt")
	require.NoError(t, err)
	defer f.Close()
	var out []goldenVector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.SplitN(line, " ", 3)
		require.Len(t, fields, 3, line)
		v := goldenVector{partitioner: fields[0], token: fields[1]}
		rest := fields[2]
		for rest != "" {
			typ, val, ok := strings.Cut(rest, " ")
			require.True(t, ok, line)
			var value string
			if strings.HasPrefix(val, `"`) {
				q, err := strconv.QuotedPrefix(val)
				require.NoError(t, err, line)
				value, _ = strconv.Unquote(q)
				rest = val[len(q):]
			} else {
				value, rest, _ = strings.Cut(val, ",")
			}
			rest = strings.TrimPrefix(strings.TrimPrefix(rest, ","), " ")
			switch typ {
			case "int":
				n, err := strconv.ParseInt(value, 10, 32)
				require.NoError(t, err, line)
				v.types, v.values = append(v.types, "int"), append(v.values, int32(n))
			case "bigint":
				n, err := strconv.ParseInt(value, 10, 64)
				require.NoError(t, err, line)
				v.types, v.values = append(v.types, "bigint"), append(v.values, n)
			case "text":
				v.types, v.values = append(v.types, "text"), append(v.values, value)
			case "hex":
				b := make([]byte, len(value)/2)
				_, err := fmt.Sscanf(value, "%x", &b)
				if value == "" {
					b, err = []byte{}, nil
				}
				require.NoError(t, err, line)
				v.types, v.values = append(v.types, "blob"), append(v.values, b)
			default:
				require.Failf(t, "unknown key type", "%q in %q", typ, line)
			}
		}
		out = append(out, v)
	}
	require.NoError(t, sc.Err())
	return out
}

// TestGoldenTokens checks the token of every golden key end to end: written
// through the driver, read back with SELECT token(...).
func TestGoldenTokens(t *testing.T) {
	t.Parallel()
	vectors := readGolden(t)
	tests := []struct {
		partitioner string
		config      string
	}{
		{"murmur3", "Murmur3Partitioner"},
		{"random", "RandomPartitioner"},
	}
	for _, tt := range tests {
		t.Run(tt.config, func(t *testing.T) {
			t.Parallel()
			c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, Partitioner: tt.config})
			s := connect(t, c)
			createKeyspace(t, s, "ks", 1)
			tables := map[string]bool{}
			checked := 0
			for _, v := range vectors {
				if v.partitioner != tt.partitioner {
					continue
				}
				if len(v.values) == 1 && (v.values[0] == "" || fmt.Sprint(v.values[0]) == "[]") {
					continue // Cassandra refuses an empty partition key
				}
				table := "k_" + strings.Join(v.types, "_")
				cols := make([]string, len(v.types))
				defs := make([]string, len(v.types))
				marks := make([]string, len(v.types))
				for i, typ := range v.types {
					cols[i] = "k" + strconv.Itoa(i)
					defs[i] = cols[i] + " " + typ
					marks[i] = "?"
				}
				if !tables[table] {
					mustExec(t, s, fmt.Sprintf(`CREATE TABLE ks.%s (%s, PRIMARY KEY ((%s)))`, table, strings.Join(defs, ", "), strings.Join(cols, ", ")))
					tables[table] = true
				}
				require.NoError(t, s.Query(fmt.Sprintf(`INSERT INTO ks.%s (%s) VALUES (%s)`, table, strings.Join(cols, ", "), strings.Join(marks, ", ")), v.values...).Exec())
				where := strings.Join(cols, " = ? AND ") + " = ?"
				q := s.Query(fmt.Sprintf(`SELECT token(%s) FROM ks.%s WHERE %s`, strings.Join(cols, ", "), table, where), v.values...)
				var got string
				if tt.partitioner == "random" {
					var b *big.Int
					require.NoError(t, q.Scan(&b), "%v", v)
					got = b.String()
				} else {
					var n int64
					require.NoError(t, q.Scan(&n), "%v", v)
					got = strconv.FormatInt(n, 10)
				}
				assert.Equal(t, v.token, got, "%v %v", v.types, v.values)
				checked++
			}
			assert.Positive(t, checked)
		})
	}
}

// TestRandomPartitioner checks discovery and an exact token-range union on a
// RandomPartitioner cluster.
func TestRandomPartitioner(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 8, Partitioner: "RandomPartitioner"})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 2)
	rs := fillTable(t, s, "ks.t", 3_000, 300)

	var bounds []*big.Int
	for _, n := range c.Nodes() {
		h := hostByIP(t, s, n.IP())
		assert.Equal(t, sortedTokens(n.Tokens()), sortedTokens(h.Tokens()))
		for _, tk := range n.Tokens() {
			v, ok := new(big.Int).SetString(tk, 10)
			require.True(t, ok)
			bounds = append(bounds, v)
		}
	}
	minTok := big.NewInt(-1)
	maxTok := new(big.Int).Lsh(big.NewInt(1), 127)
	bounds = append(bounds, minTok, maxTok, big.NewInt(0), new(big.Int).Rsh(maxTok, 1))
	slices.SortFunc(bounds, func(a, b *big.Int) int { return a.Cmp(b) })
	bounds = slices.CompactFunc(bounds, func(a, b *big.Int) bool { return a.Cmp(b) == 0 })

	got := testutil.Multiset{}
	for i := 1; i < len(bounds); i++ {
		it := s.Query(`SELECT `+rowCols+` FROM ks.t WHERE token(a, b) > ? AND token(a, b) <= ?`, bounds[i-1], bounds[i]).Iter()
		readAll(t, it, got)
	}
	require.Empty(t, rs.want.Diff(got))

	t.Run("size estimates", func(t *testing.T) {
		sizeEstimates(t, c, s, "ks", "t", rs.parts)
	})
}

// TestRandomPartitionerOutOfRingBounds binds token bounds outside
// RandomPartitioner's ring (-1, the minimum token, to 2^127): below it
// and above it. Cassandra 4.1 refuses none (the bound is a varint, read by
// TokenFactory.fromByteArray, which validates nothing; only validate, for
// configured tokens, says "Token must be >= 0 and <= 2**127") and compares
// them as BigIntegers, where only -1 is the minimum token, which
// SelectStatement's empty-range rule spares and the storage engine reads
// as the ring's end. So a start below -1 takes every token and an end
// above 2^127 too; an end below -1 takes none (a start and an end, neither
// the minimum, with the end first are an empty range; an end alone, or
// after the minimum, is the range (min, end] that a node's memtable reads
// up to end: no partition); a start above 2^127 takes none. Keys named
// with IN (TokenFilter) compare as Guava ranges, without the minimum's
// exception: a start after the end wraps around, there as in the ring.
// cqlsim clamped such bounds into the ring, -2 to the minimum, so that an
// end of -2 read the whole ring.
func TestRandomPartitionerOutOfRingBounds(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, Partitioner: "RandomPartitioner"})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.r (k int PRIMARY KEY)`)
	toks := map[int]*big.Int{}
	for k := range 10 {
		require.NoError(t, s.Query(`INSERT INTO ks.r (k) VALUES (?)`, k).Exec())
		var tk *big.Int
		require.NoError(t, s.Query(`SELECT token(k) FROM ks.r WHERE k = ?`, k).Scan(&tk))
		toks[k] = tk
	}
	sorted := slices.SortedFunc(maps.Keys(toks), func(a, b int) int { return toks[a].Cmp(toks[b]) })
	x := toks[sorted[3]] // the 4th smallest token
	n := func(v int64) *big.Int { return big.NewInt(v) }
	pow := func(e uint) *big.Int { return new(big.Int).Lsh(big.NewInt(1), e) }
	all := slices.Sorted(maps.Keys(toks))
	keysWhere := func(in func(cmp int) bool) func(*big.Int) []int { // the keys whose token compares to b as in says
		return func(b *big.Int) []int {
			var out []int
			for k, tk := range toks {
				if in(tk.Cmp(b)) {
					out = append(out, k)
				}
			}
			slices.Sort(out)
			return out
		}
	}
	from := keysWhere(func(c int) bool { return c >= 0 }) // the keys whose token is b or after
	upTo := keysWhere(func(c int) bool { return c <= 0 }) // the keys whose token is b or before
	const keys = `k IN (0, 1, 2, 3, 4, 5, 6, 7, 8, 9) AND `
	tests := []struct {
		name  string
		where string
		args  []any
		want  []int
	}{
		// Token ranges.
		{"a start below the ring", `token(k) > ?`, []any{n(-2)}, all},
		{"an inclusive start far below the ring", `token(k) >= ?`, []any{new(big.Int).Neg(pow(200))}, all},
		{"a start below the ring, an end in it", `token(k) > ? AND token(k) <= ?`, []any{n(-2), x}, upTo(x)},
		{"a start below the ring, the minimum the end", `token(k) > ? AND token(k) < ?`, []any{n(-2), n(-1)}, all},
		{"an end below the ring", `token(k) <= ?`, []any{n(-2)}, nil},
		{"an exclusive end below the ring", `token(k) < ?`, []any{n(-2)}, nil},
		{"the minimum the start, an end below the ring", `token(k) >= ? AND token(k) <= ?`, []any{n(-1), n(-2)}, nil},
		{"a start in the ring, an end below it", `token(k) >= ? AND token(k) <= ?`, []any{x, n(-2)}, nil},
		{"both bounds below the ring", `token(k) > ? AND token(k) < ?`, []any{n(-3), n(-2)}, nil},
		{"both bounds below the ring, the end first", `token(k) > ? AND token(k) <= ?`, []any{n(-2), n(-3)}, nil},
		{"one token below the ring", `token(k) = ?`, []any{n(-2)}, nil},
		{"a start on the ring's top", `token(k) > ?`, []any{pow(127)}, nil},
		{"a start above the ring", `token(k) >= ?`, []any{new(big.Int).Add(pow(127), n(1))}, nil},
		{"an end above the ring", `token(k) <= ?`, []any{new(big.Int).Add(pow(127), n(1))}, all},
		{"an end far above the ring", `token(k) < ?`, []any{pow(200)}, all},
		{"a start in the ring, an end above it", `token(k) >= ? AND token(k) <= ?`, []any{x, pow(200)}, from(x)},
		{"a start above the ring, an end in it", `token(k) > ? AND token(k) <= ?`, []any{pow(200), x}, nil},
		{"both bounds above the ring", `token(k) >= ? AND token(k) <= ?`, []any{pow(128), pow(129)}, nil},
		{"one token above the ring", `token(k) = ?`, []any{pow(200)}, nil},
		// Partitions named by key (TokenFilter).
		{"keys, a start below the ring", keys + `token(k) > ?`, []any{n(-2)}, all},
		{"keys, an end below the ring", keys + `token(k) <= ?`, []any{n(-2)}, nil},
		{"keys, a start in the ring, an end below it: wraps", keys + `token(k) >= ? AND token(k) <= ?`, []any{x, n(-2)}, from(x)},
		{"keys, both bounds below the ring", keys + `token(k) >= ? AND token(k) <= ?`, []any{n(-3), n(-2)}, nil},
		{"keys, both bounds below the ring, the end first: wraps", keys + `token(k) >= ? AND token(k) <= ?`, []any{n(-2), n(-3)}, all},
		{"keys, both bounds above the ring, the end first: wraps", keys + `token(k) > ? AND token(k) < ?`, []any{pow(201), pow(200)}, all},
		{"keys, a start above the ring", keys + `token(k) > ?`, []any{pow(200)}, nil},
		{"keys, one token below the ring", keys + `token(k) = ?`, []any{n(-2)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readInts(t, s, 3, `SELECT k FROM ks.r WHERE `+tt.where, tt.args...)
			slices.Sort(got)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestPageBytes checks that PageBytes ends pages early, whatever the page
// size, and that the driver reads on.
func TestPageBytes(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, PageBytes: 1000})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))`)
	want := map[[2]int]bool{}
	for k := range 5 {
		for c := range 100 {
			// 100 bytes of text: ten rows fill a page; the last
			// partition's rows are each larger than a page.
			v := strings.Repeat("x", 100)
			if k == 4 {
				v = strings.Repeat("y", 3000)
			}
			require.NoError(t, s.Query(`INSERT INTO ks.t (k, c, v) VALUES (?, ?, ?)`, k, c, v).Exec())
			want[[2]int{k, c}] = true
		}
	}
	got := map[[2]int]bool{}
	var state []byte
	pages := 0
	for {
		it := s.Query(`SELECT k, c, v FROM ks.t`).PageSize(5000).PageState(state).Iter()
		var k, c int
		var v string
		n := 0
		for it.Scan(&k, &c, &v) {
			got[[2]int{k, c}] = true
			n++
		}
		require.NoError(t, it.Close())
		pages++
		assert.LessOrEqual(t, n, 10, "page %d", pages)
		if state = it.PageState(); len(state) == 0 {
			break
		}
	}
	assert.Equal(t, want, got)
	assert.Greater(t, pages, 100)
	var n int64
	require.NoError(t, s.Query(`SELECT count(*) FROM ks.t`).Scan(&n))
	assert.Equal(t, int64(500), n)
}

// hostID is the host id the session knows the node at addr by.
func hostID(t *testing.T, s *gocql.Session, addr string) string {
	t.Helper()
	for _, h := range s.GetHosts() {
		if h.ConnectAddress().String() == addr {
			return h.HostID()
		}
	}
	t.Fatalf("no host at %s", addr)
	return ""
}
