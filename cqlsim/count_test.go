package cqlsim_test

import (
	"math"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// countRange is the statement a scanner counts a subrange with.
const countRange = `SELECT count(*) FROM cnt.t WHERE token(k) > ? AND token(k) <= ?`

// countAllRange and countAllOpen count [start, end] and [start, end).
const (
	countAllRange = `SELECT count(*) FROM cnt.t WHERE token(k) >= ? AND token(k) <= ?`
	countAllOpen  = `SELECT count(*) FROM cnt.t WHERE token(k) >= ? AND token(k) < ?`
)

// TestCountResult checks what a driver sees of count(*) over token
// ranges, as SelectStatement and AggregationQueryPager answer it: one row,
// one bigint column named count, no paging state whatever the page size
// (the pager is exhausted once the internal pages are read), every kind of
// row SELECT * returns counted, and the subranges of a split, wrap-around
// included, adding up to the whole table.
func TestCountResult(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4, Clock: clk.Now})
	s := connect(t, c, func(cl *gocql.ClusterConfig) { cl.Consistency = gocql.LocalOne })
	createKeyspace(t, s, "cnt", 1)
	mustExec(t, s, `CREATE TABLE cnt.t (k int, c int, s int STATIC, v int, PRIMARY KEY (k, c))`)
	for k := range 40 {
		for c := range 5 {
			require.NoError(t, s.Query(`INSERT INTO cnt.t (k, c, v) VALUES (?, ?, ?)`, k, c, c).Exec())
		}
	}
	// 200 rows; then: a deleted row, a deleted partition, a partition
	// with static values only (one row), a row whose TTL expires, a
	// range deletion of two rows.
	mustExec(t, s, `DELETE FROM cnt.t WHERE k = 0 AND c = 0`,
		`DELETE FROM cnt.t WHERE k = 1`,
		`INSERT INTO cnt.t (k, s) VALUES (100, 7)`,
		`INSERT INTO cnt.t (k, c, v) VALUES (2, 9, 9) USING TTL 1`,
		`DELETE FROM cnt.t WHERE k = 3 AND c >= 3`)
	clk.Add(2 * time.Second)
	const total = 200 - 1 - 5 + 1 - 2

	t.Run("shape", func(t *testing.T) {
		for _, pageSize := range []int{1, 7, 5000, 0} {
			it := s.Query(countRange, int64(math.MinInt64), int64(math.MaxInt64)).PageSize(pageSize).Iter()
			cols := it.Columns()
			require.Len(t, cols, 1)
			assert.Equal(t, "count", cols[0].Name)
			assert.Equal(t, gocql.TypeBigInt, cols[0].TypeInfo.Type())
			assert.Equal(t, "cnt", cols[0].Keyspace)
			assert.Equal(t, "t", cols[0].Table)
			var n int64
			rows := 0
			for it.Scan(&n) {
				rows++
			}
			assert.Empty(t, it.PageState(), "page size %d: no paging state", pageSize)
			require.NoError(t, it.Close())
			assert.Equal(t, 1, rows, "page size %d", pageSize)
			assert.EqualValues(t, total, n, "page size %d", pageSize)
		}
	})

	t.Run("ranges", func(t *testing.T) {
		minTok, maxTok := int64(math.MinInt64), int64(math.MaxInt64)
		tests := []struct {
			name       string
			query      string
			start, end int64
			want       int64
		}{
			{"empty: start == end", countRange, 5, 5, 0},
			{"empty: start > end, neither the minimum", countRange, 10, -10, 0},
			{"empty: start is the maximum", countRange, maxTok, maxTok, 0},
			{"(min, min] is the whole ring", countRange, minTok, minTok, total},
			// StatementRestrictions.getPartitionKeyBoundsForTokenRestrictions:
			// a minimum bound skips the empty-range rule, and the minimum's
			// max key bound is its min key bound, so [min, min] is
			// Range(min, min): the whole ring too.
			{"[min, min] is the whole ring", countAllRange, minTok, minTok, total},
			{"[min, min) is the whole ring", countAllOpen, minTok, minTok, total},
			{"LIMIT counts the one result row", countRange + ` LIMIT 1`, minTok, maxTok, total},
			// A clustering restriction reads rows, not whole
			// partitions: the static-only partition is no row.
			{"clustering filter", countRange + ` AND c >= 3 ALLOW FILTERING`, minTok, maxTok, 40*2 - 2 - 2},
		}
		for _, tt := range tests {
			var n int64
			require.NoError(t, s.Query(tt.query, tt.start, tt.end).PageSize(3).Scan(&n), tt.name)
			assert.Equal(t, tt.want, n, tt.name)
		}
	})

	t.Run("split", func(t *testing.T) {
		// Subranges (start, end] covering the ring once, the last one
		// wrapping around: (x, min] reads from x to the end of the ring.
		bounds := []int64{math.MinInt64, -1 << 62, 0, 1 << 62, math.MaxInt64 - 1}
		var sum int64
		for i, start := range bounds {
			end := int64(math.MinInt64)
			if i+1 < len(bounds) {
				end = bounds[i+1]
			}
			var n int64
			require.NoError(t, s.Query(countRange, start, end).PageSize(5).Scan(&n))
			sum += n
		}
		// token > min excludes the minimum token, which no key has.
		assert.EqualValues(t, total, sum)
	})
}

// TestCountTombstonePages checks that count(*) meets the tombstone
// thresholds per internal page, as Cassandra does: AggregationQueryPager
// reads sub-pages of the query's page size, each its own ReadCommand
// whose tombstones are counted alone (ReadCommand.withMetricsRecording),
// and without paging it reads everything in one command
// (GroupByPartitionIterator.handlePagingOff).
func TestCountTombstonePages(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, TombstoneMode: cqlsim.TombstonesCassandra,
		TombstoneWarnThreshold: 10, TombstoneFailureThreshold: 50})
	s := connect(t, c, func(cl *gocql.ClusterConfig) { cl.DefaultTimestamp = false })
	createKeyspace(t, s, "cnt", 1)
	mustExec(t, s, `CREATE TABLE cnt.t (k int, c int, v text, PRIMARY KEY (k, c))`)
	// Rows 0..119 of one partition, the odd ones deleted: 60 live rows
	// and 60 tombstones, one after each live row.
	for c := range 120 {
		require.NoError(t, s.Query(`INSERT INTO cnt.t (k, c, v) VALUES (0, ?, 'x')`, c).Exec())
	}
	for c := 1; c < 120; c += 2 {
		require.NoError(t, s.Query(`DELETE FROM cnt.t WHERE k = 0 AND c = ?`, c).Exec())
	}
	tests := []struct {
		name     string
		pageSize int
		warnings []string // regular expressions, in order
		fails    bool
	}{
		{name: "pages of 10 live rows meet 9 or 10 tombstones each", pageSize: 10},
		{name: "pages of 30 live rows warn", pageSize: 30, warnings: []string{
			`^Read 30 live rows and 29 tombstone cells for query .* LIMIT 30; token -?\d+ \(see tombstone_warn_threshold\)$`,
			`^Read 30 live rows and 30 tombstone cells for query .* LIMIT 30; token -?\d+ \(see tombstone_warn_threshold\)$`,
		}},
		{name: "one page of the driver's default size fails", pageSize: 5000, fails: true},
		{name: "unpaged reads everything at once and fails", pageSize: 0, fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := s.Query(countRange, int64(math.MinInt64), int64(math.MaxInt64)).PageSize(tt.pageSize).Iter()
			var n int64
			it.Scan(&n)
			warnings := it.Warnings()
			err := it.Close()
			if tt.fails {
				var rf *gocql.RequestErrReadFailure
				require.ErrorAs(t, err, &rf)
				assert.Contains(t, rf.Message(), "READ_TOO_MANY_TOMBSTONES")
				return
			}
			require.NoError(t, err)
			assert.EqualValues(t, 60, n)
			require.Len(t, warnings, len(tt.warnings), "%q", warnings)
			for i, re := range tt.warnings {
				assert.Regexp(t, re, warnings[i])
			}
		})
	}
}

// TestCountWarnings checks the client warning Cassandra's
// SelectStatement.execute adds to an aggregation: without any partition
// key restriction (a token range is one), and on several partition keys
// (IN).
func TestCountWarnings(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	s := connect(t, c)
	createKeyspace(t, s, "cnt", 1)
	mustExec(t, s, `CREATE TABLE cnt.t (k int, c int, v int, PRIMARY KEY (k, c))`,
		`CREATE TABLE cnt.two (a int, b int, c int, PRIMARY KEY ((a, b), c))`,
		`INSERT INTO cnt.t (k, c, v) VALUES (1, 1, 1)`)
	const noKey = "Aggregation query used without partition key"
	const in = "Aggregation query used on multiple partition keys (IN restriction)"
	tests := []struct {
		query string
		args  []any
		want  []string
	}{
		{`SELECT count(*) FROM cnt.t`, nil, []string{noKey}},
		{`SELECT count(*) FROM cnt.t WHERE c = 1 ALLOW FILTERING`, nil, []string{noKey}},
		{`SELECT count(*) FROM cnt.t WHERE v = 1 ALLOW FILTERING`, nil, []string{noKey}},
		{countRange, []any{int64(math.MinInt64), int64(math.MaxInt64)}, nil},
		{`SELECT count(*) FROM cnt.t WHERE k = 1`, nil, nil},
		{`SELECT count(*) FROM cnt.t WHERE k IN (1, 2)`, nil, []string{in}},
		{`SELECT count(*) FROM cnt.t WHERE k IN ?`, []any{[]int{1}}, []string{in}},
		{`SELECT count(*) FROM cnt.two WHERE a = 1 ALLOW FILTERING`, nil, nil},
		{`SELECT * FROM cnt.t`, nil, nil},
	}
	for _, tt := range tests {
		for _, pageSize := range []int{100, 0} {
			it := s.Query(tt.query, tt.args...).PageSize(pageSize).Iter()
			warnings := it.Warnings()
			require.NoError(t, it.Close(), tt.query)
			assert.Equal(t, tt.want, warnings, "%s, page size %d", tt.query, pageSize)
		}
	}
}
