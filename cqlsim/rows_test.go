package cqlsim_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// rowsTable is the table the row tests write and read: a composite
// partition key, clustering columns in both orders, several types, a
// collection and nulls.
const rowsTable = `CREATE TABLE %s (
	a int, b text, c int, d bigint,
	bl blob, dbl double, flag boolean, li list<int>, mp map<text, int>, ts timestamp, txt text, u uuid,
	PRIMARY KEY ((a, b), c, d)
) WITH CLUSTERING ORDER BY (c ASC, d DESC)`

// rowCols are the columns a test row is written and read with.
const rowCols = "a, b, c, d, bl, dbl, flag, li, mp, ts, txt, u"

// testRow is one row of rowsTable.
type testRow struct {
	a    int
	b    string
	c    int
	d    int64
	bl   []byte
	dbl  float64
	flag bool
	li   []int
	mp   map[string]int
	ts   time.Time
	txt  *string
	u    gocql.UUID
}

// genRow builds row i of a table with the given number of partitions: row
// i goes to partition i%partitions, at clustering position i/partitions.
func genRow(i, partitions int) testRow {
	p, r := i%partitions, i/partitions
	row := testRow{
		a:    p / 2,
		b:    "b" + strconv.Itoa(p%2),
		c:    r / 5,
		d:    int64(r%5)*1_000_000_007 - 2_000_000_000,
		dbl:  float64(i) / 8,
		flag: i%2 == 0,
		ts:   time.UnixMilli(1_700_000_000_000 + int64(i)).UTC(),
	}
	binary.BigEndian.PutUint64(row.u[:8], uint64(i)*0x9e3779b97f4a7c15)
	binary.BigEndian.PutUint64(row.u[8:], uint64(i))
	if i%7 != 0 {
		txt := "row " + strconv.Itoa(i)
		row.txt = &txt
	}
	if i%11 != 0 {
		row.bl = []byte{byte(i >> 16), byte(i >> 8), byte(i)}
	}
	if i%3 != 0 {
		row.li = []int{i, -i, i % 10}
	}
	if i%5 == 1 {
		row.mp = map[string]int{"i": i, "p": p}
	}
	return row
}

func (r *testRow) values() []any {
	return []any{r.a, r.b, r.c, r.d, r.bl, r.dbl, r.flag, r.li, r.mp, r.ts, r.txt, r.u}
}

func (r *testRow) dest() []any {
	return []any{&r.a, &r.b, &r.c, &r.d, &r.bl, &r.dbl, &r.flag, &r.li, &r.mp, &r.ts, &r.txt, &r.u}
}

// key renders every value of the row; equal rows have equal keys.
func (r *testRow) key() string {
	b := make([]byte, 0, 160)
	b = strconv.AppendInt(b, int64(r.a), 10)
	b = append(b, '|')
	b = append(b, r.b...)
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(r.c), 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, r.d, 10)
	b = append(b, '|')
	if r.bl == nil {
		b = append(b, "null"...)
	} else {
		b = hex.AppendEncode(b, r.bl)
	}
	b = append(b, '|')
	b = strconv.AppendFloat(b, r.dbl, 'g', -1, 64)
	b = append(b, '|')
	b = strconv.AppendBool(b, r.flag)
	b = append(b, '|')
	for _, v := range r.li {
		b = strconv.AppendInt(b, int64(v), 10)
		b = append(b, ',')
	}
	b = append(b, '|')
	for _, k := range slices.Sorted(maps.Keys(r.mp)) {
		b = append(b, k...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(r.mp[k]), 10)
		b = append(b, ',')
	}
	b = append(b, '|')
	b = strconv.AppendInt(b, r.ts.UnixMilli(), 10)
	b = append(b, '|')
	if r.txt == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendQuote(b, *r.txt)
	}
	b = append(b, '|')
	b = append(b, r.u.String()...)
	return string(b)
}

// pkKey renders the primary key of the row.
func (r *testRow) pkKey() string {
	return fmt.Sprintf("%d|%s|%d|%d", r.a, r.b, r.c, r.d)
}

// rowSet is a table created and filled with genRow rows.
type rowSet struct {
	table  string
	want   testutil.Multiset // every row
	wantPK testutil.Multiset // every row's primary key
	parts  int
}

// fillTable creates table and writes rows 0..n-1 over partitions with
// prepared inserts from a few goroutines.
func fillTable(t testing.TB, s *gocql.Session, table string, n, partitions int) rowSet {
	t.Helper()
	mustExec(t, s, fmt.Sprintf(rowsTable, table))
	insert := fmt.Sprintf(`INSERT INTO %s (%s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, table, rowCols)
	const writers = 8
	g, ctx := errgroup.WithContext(context.Background())
	for w := range writers {
		g.Go(func() error {
			for i := w; i < n; i += writers {
				r := genRow(i, partitions)
				if err := s.Query(insert, r.values()...).ExecContext(ctx); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	rs := rowSet{table: table, want: testutil.Multiset{}, wantPK: testutil.Multiset{}, parts: partitions}
	for i := range n {
		r := genRow(i, partitions)
		rs.want.Add(r.key())
		rs.wantPK.Add(r.pkKey())
	}
	return rs
}

// readAll scans every row of an iterator into a multiset.
func readAll(t testing.TB, it *gocql.Iter, got testutil.Multiset) int {
	t.Helper()
	n := 0
	for {
		var r testRow
		if !it.Scan(r.dest()...) {
			break
		}
		got.Add(r.key())
		n++
	}
	require.NoError(t, it.Close())
	return n
}

// TestRows writes rows with a real driver and reads them back in every way a
// scanner does: paged, resumed on other coordinators, and by token range.
func TestRows(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 16})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 2)

	start := time.Now()
	big := fillTable(t, s, "ks.big", 100_000, 2_000)
	t.Logf("wrote 100000 rows in %v", time.Since(start))
	small := fillTable(t, s, "ks.small", 2_000, 100)

	hostIDs := make([]string, 0, len(c.Nodes()))
	for _, n := range c.Nodes() {
		hostIDs = append(hostIDs, n.HostID())
	}

	t.Run("paging", func(t *testing.T) {
		tests := []struct {
			rows     rowSet
			pageSize int
		}{
			{small, 1},
			{small, 7},
			{big, 7},
			{big, 5000},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%d/auto", tt.rows.table, tt.pageSize), func(t *testing.T) {
				t.Parallel()
				got := testutil.Multiset{}
				it := s.Query(`SELECT ` + rowCols + ` FROM ` + tt.rows.table).PageSize(tt.pageSize).Iter()
				readAll(t, it, got)
				require.Empty(t, tt.rows.want.Diff(got))
			})
			t.Run(fmt.Sprintf("%s/%d/manual", tt.rows.table, tt.pageSize), func(t *testing.T) {
				t.Parallel()
				// Every page goes to the next coordinator: a paging
				// state must work on any node.
				got := testutil.Multiset{}
				var state []byte
				coordinators := map[string]int{}
				pages := 0
				for page := 0; ; page++ {
					pages++
					q := s.Query(`SELECT ` + rowCols + ` FROM ` + tt.rows.table).
						PageSize(tt.pageSize).PageState(state).SetHostID(hostIDs[page%len(hostIDs)])
					it := q.Iter()
					coordinators[it.Host().HostID()]++
					n := readAll(t, it, got)
					require.LessOrEqual(t, n, tt.pageSize)
					state = it.PageState()
					if len(state) == 0 {
						break
					}
				}
				require.Empty(t, tt.rows.want.Diff(got))
				assert.Len(t, coordinators, min(len(hostIDs), pages), "coordinators %v", coordinators)
			})
		}
	})

	t.Run("token ranges", func(t *testing.T) {
		t.Parallel()
		var bounds []int64
		for _, n := range c.Nodes() {
			for _, tk := range n.Tokens() {
				v, err := strconv.ParseInt(tk, 10, 64)
				require.NoError(t, err)
				bounds = append(bounds, v)
			}
		}
		// Cut points of every kind: around zero, next to the ends, and
		// between vnode tokens.
		// The last range, from the last vnode token to the maximum, holds
		// rows: the variants that end the ring differently depend on it.
		bounds = append(bounds, -1, 0, 1, math.MinInt64+1, -4069959284402364209, 123456789)
		bounds = append(bounds, math.MinInt64, math.MaxInt64)
		slices.Sort(bounds)
		bounds = slices.Compact(bounds)
		// ranges are consecutive (bounds[i], bounds[i+1]] pairs, from the
		// minimum token to the maximum.
		var ranges [][2]int64
		for i := 1; i < len(bounds); i++ {
			ranges = append(ranges, [2]int64{bounds[i-1], bounds[i]})
		}
		type rangeQuery struct {
			where string
			args  []any
		}
		each := func(where string, ranges [][2]int64) []rangeQuery {
			var out []rangeQuery
			for _, r := range ranges {
				out = append(out, rangeQuery{where, []any{r[0], r[1]}})
			}
			return out
		}
		const (
			openClosed = "token(a, b) > ? AND token(a, b) <= ?"
			closedOpen = "token(a, b) >= ? AND token(a, b) < ?"
		)
		allButLast, last := ranges[:len(ranges)-1], ranges[len(ranges)-1]
		tests := []struct {
			name    string
			queries []rangeQuery
		}{
			{name: "(lo, hi] up to the maximum token", queries: each(openClosed, ranges)},
			{name: "[lo, hi) then [lo, end of ring)", queries: append(each(closedOpen, allButLast),
				rangeQuery{"token(a, b) >= ?", []any{last[0]}})},
			{name: "(lo, hi] then (lo, minimum token] wraps to the end", queries: append(each(openClosed, allButLast),
				rangeQuery{openClosed, []any{last[0], int64(math.MinInt64)}})},
			{name: "[lo, hi) then [lo, minimum token) wraps to the end", queries: append(each(closedOpen, allButLast),
				rangeQuery{closedOpen, []any{last[0], int64(math.MinInt64)}})},
			{name: "minimum token as inclusive lower bound", queries: []rangeQuery{
				{"token(a, b) >= ? AND token(a, b) <= ?", []any{int64(math.MinInt64), int64(math.MaxInt64)}}}},
			{name: "minimum token as exclusive lower bound", queries: []rangeQuery{{"token(a, b) > ?", []any{int64(math.MinInt64)}}}},
			{name: "upper bound only", queries: []rangeQuery{
				{"token(a, b) <= ?", []any{int64(0)}},
				{"token(a, b) > ?", []any{int64(0)}},
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				got := testutil.Multiset{}
				for _, q := range tt.queries {
					it := s.Query(`SELECT a, b, c, d FROM ks.big WHERE `+q.where, q.args...).PageSize(5000).Iter()
					var r testRow
					for it.Scan(&r.a, &r.b, &r.c, &r.d) {
						got.Add(r.pkKey())
					}
					require.NoError(t, it.Close())
				}
				require.Empty(t, big.wantPK.Diff(got))
			})
		}
		t.Run("every column of every row, by range, paged", func(t *testing.T) {
			t.Parallel()
			// Pages of 100 rows: most ranges span several pages, and the
			// paging state resumes within the range.
			got := testutil.Multiset{}
			for _, r := range ranges {
				it := s.Query(`SELECT `+rowCols+` FROM ks.big WHERE `+openClosed, r[0], r[1]).PageSize(100).Iter()
				readAll(t, it, got)
			}
			require.Empty(t, big.want.Diff(got))
		})
	})

	t.Run("token of every row is inside its range", func(t *testing.T) {
		t.Parallel()
		// A range query returns only rows whose token is in the range.
		it := s.Query(`SELECT token(a, b) FROM ks.big WHERE token(a, b) > ? AND token(a, b) <= ?`, int64(-1)<<62, int64(1)<<62).
			PageSize(1000).Iter()
		var tk int64
		n := 0
		for it.Scan(&tk) {
			n++
			require.Greater(t, tk, int64(-1)<<62)
			require.LessOrEqual(t, tk, int64(1)<<62)
		}
		require.NoError(t, it.Close())
		assert.NotZero(t, n)
	})

	t.Run("size estimates", func(t *testing.T) {
		t.Parallel()
		sizeEstimates(t, c, s, "ks", "big", big.parts)
	})
}

// sizeEstimates checks system.size_estimates on every node: its ranges are
// the node's primary ranges, and the partition counts add up to the table's.
func sizeEstimates(t *testing.T, c *cqlsim.Cluster, s *gocql.Session, ks, table string, partitions int) {
	t.Helper()
	random := c.Partitioner() == "org.apache.cassandra.dht.RandomPartitioner"
	minimum := "-9223372036854775808"
	if random {
		minimum = "-1"
	}
	// Every token, sorted on the ring, with its owner.
	type owned struct {
		tok   *big.Int
		owner string
	}
	var ring []owned
	for _, n := range c.Nodes() {
		for _, tk := range n.Tokens() {
			v, ok := new(big.Int).SetString(tk, 10)
			require.True(t, ok, tk)
			ring = append(ring, owned{v, n.HostID()})
		}
	}
	slices.SortFunc(ring, func(a, b owned) int { return a.tok.Cmp(b.tok) })

	total := int64(0)
	for _, n := range c.Nodes() {
		want := map[[2]string]bool{}
		for i, e := range ring {
			if e.owner != n.HostID() {
				continue
			}
			if i == 0 {
				// The range that wraps around is split at the minimum
				// token.
				want[[2]string{ring[len(ring)-1].tok.String(), minimum}] = true
				want[[2]string{minimum, e.tok.String()}] = true
				continue
			}
			want[[2]string{ring[i-1].tok.String(), e.tok.String()}] = true
		}
		it := s.Query(`SELECT range_start, range_end, partitions_count, mean_partition_size FROM system.size_estimates WHERE keyspace_name = ? AND table_name = ?`, ks, table).
			SetHostID(n.HostID()).Iter()
		got := map[[2]string]bool{}
		var start, end string
		var count, mean int64
		for it.Scan(&start, &end, &count, &mean) {
			got[[2]string{start, end}] = true
			total += count
			if count > 0 {
				assert.Positive(t, mean)
			}
		}
		require.NoError(t, it.Close())
		assert.Equal(t, want, got, "ranges of %s", n.IP())
	}
	assert.Equal(t, int64(partitions), total)
}
