package cqlsim_test

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// ckValues is a clustering column type and values of it in ascending
// order as Cassandra compares them, made so by construction (numbers,
// times and timeuuid timestamps that grow) or sorted here in the type's
// order (text and blob bytewise, version 4 uuids bytewise). Tests know a
// value by its rank and compute what a query returns from ranks, never
// from cqlsim.
type ckValues struct {
	typ  string
	vals []any
	// written are the ranks stored: the odd ones, so that even ranks
	// fall between rows, before the first and after the last; both
	// values of boolean.
	written []int
}

// clusteringValues makes ckValues for every clustering type the slice
// tests cover.
func clusteringValues() []ckValues {
	const n = 25
	rng := rand.New(rand.NewPCG(7, 11))
	gen := func(f func(i int) any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	// distinct draws n distinct values and sorts them.
	distinct := func(draw func() []byte) [][]byte {
		seen := map[string]bool{}
		var out [][]byte
		for len(out) < n {
			b := draw()
			if !seen[string(b)] {
				seen[string(b)] = true
				out = append(out, b)
			}
		}
		slices.SortFunc(out, bytes.Compare)
		return out
	}
	alphabet := []string{"a", "b", "z", "A", "é", "日", "0", " "}
	texts := distinct(func() []byte {
		var sb strings.Builder
		for range rng.IntN(4) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return []byte(sb.String())
	})
	blobs := distinct(func() []byte {
		b := make([]byte, rng.IntN(5))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	})
	uuids := distinct(func() []byte {
		var u gocql.UUID
		for i := range u {
			u[i] = byte(rng.IntN(256))
		}
		u[6] = u[6]&0x0F | 0x40 // version 4: Cassandra compares them bytewise
		u[8] = u[8]&0x3F | 0x80
		return u[:]
	})
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	out := []ckValues{
		{typ: "int", vals: gen(func(i int) any { return int32((i - n/2) * 1000003) })},
		{typ: "bigint", vals: gen(func(i int) any { return int64(i-n/2) * 1_000_000_000_007 })},
		{typ: "timestamp", vals: gen(func(i int) any { return time.UnixMilli(int64(i-n/2) * 25_920_036_900).UTC() })},
		{typ: "date", vals: gen(func(i int) any { return epoch.AddDate(0, 0, (i-n/2)*1000) })},
		{typ: "time", vals: gen(func(i int) any { return time.Duration(i)*53*time.Minute + time.Duration(i)*7 })},
		// Growing timestamps whose bytes do not grow (time_low comes
		// first), and clock sequences that shrink: only the timestamp
		// orders them.
		{typ: "timeuuid", vals: gen(func(i int) any {
			return gocql.TimeUUIDWith(0x01e0_0000_0000_0000+int64(i)*0x1_2345_6789, uint32(n-i), []byte{1, 2, 3, 4, 5, 6})
		})},
		{typ: "text", vals: gen(func(i int) any { return string(texts[i]) })},
		{typ: "blob", vals: gen(func(i int) any { return blobs[i] })},
		{typ: "uuid", vals: gen(func(i int) any { return gocql.UUID(uuids[i]) })},
		{typ: "boolean", vals: []any{false, true}, written: []int{0, 1}},
	}
	for i := range out {
		if out[i].written == nil {
			for r := 1; r < n; r += 2 {
				out[i].written = append(out[i].written, r)
			}
		}
	}
	return out
}

// sliceCase is one query on a partition: the relations after the
// partition key's, their bind values, and which rows (by the ranks of
// their clustering values) they select.
type sliceCase struct {
	where string
	args  []any
	keep  func(r []int) bool
	// eqFirst is set when the first clustering column is restricted by
	// an equality, so that ORDER BY may start at the second.
	eqFirst bool
}

// opHolds evaluates a CQL comparison on ranks (or rank tuples, compared
// element by element).
func opHolds(op string, a, b []int) bool {
	c := slices.Compare(a, b)
	switch op {
	case "=":
		return c == 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	panic("unknown operator " + op)
}

// singleColumnCases are every combination of a start bound (none, >, >=)
// and an end bound (none, <, <=) on one column, with bounds on rows,
// between rows and outside the partition, then =, IN and the tuple form
// of a bound.
func singleColumnCases(cv ckValues) []sliceCase {
	last := len(cv.vals) - 1
	bounds := []int{0, 1, 2, last / 2, last - 1, last}
	if len(cv.vals) == 2 {
		bounds = []int{0, 1}
	}
	val := func(r int) any { return cv.vals[r] }
	var out []sliceCase
	out = append(out, sliceCase{keep: func([]int) bool { return true }})
	for _, lo := range []string{"", ">", ">="} {
		for _, hi := range []string{"", "<", "<="} {
			for _, a := range bounds {
				for _, b := range bounds {
					switch {
					case lo == "" && hi == "":
						continue
					case lo == "" && a != bounds[0], hi == "" && b != bounds[0]:
						continue // one bound: once per value
					}
					var rels []string
					var args []any
					if lo != "" {
						rels, args = append(rels, "c "+lo+" ?"), append(args, val(a))
					}
					if hi != "" {
						rels, args = append(rels, "c "+hi+" ?"), append(args, val(b))
					}
					out = append(out, sliceCase{
						where: strings.Join(rels, " AND "), args: args,
						keep: func(r []int) bool {
							return (lo == "" || opHolds(lo, r, []int{a})) && (hi == "" || opHolds(hi, r, []int{b}))
						},
					})
				}
			}
		}
	}
	for _, a := range bounds {
		out = append(out,
			sliceCase{where: "c = ?", args: []any{val(a)}, keep: func(r []int) bool { return r[0] == a }},
			sliceCase{where: "(c) >= (?)", args: []any{val(a)}, keep: func(r []int) bool { return r[0] >= a }},
			sliceCase{where: "(c) < (?)", args: []any{val(a)}, keep: func(r []int) bool { return r[0] < a }})
	}
	in := []int{bounds[1], bounds[len(bounds)-1], bounds[1], bounds[0]}
	out = append(out, sliceCase{
		where: "c IN (?, ?, ?, ?)", args: []any{val(in[0]), val(in[1]), val(in[2]), val(in[3])},
		keep: func(r []int) bool { return slices.Contains(in, r[0]) },
	})
	return out
}

// twoColumnCases draws n queries on (c1, c2): tuple slices with one or two
// bounds (of one or two columns), single-column slices on c1, c2 sliced
// under an equality or an IN on c1, and equalities.
func twoColumnCases(n, ranks int, rng *rand.Rand) []sliceCase {
	ops := []string{">", ">=", "<", "<="}
	los, his := []string{">", ">="}, []string{"<", "<="}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	rank := func() int { return rng.IntN(ranks) }
	out := make([]sliceCase, 0, n)
	for len(out) < n {
		a, b, x, y := rank(), rank(), rank(), rank()
		var c sliceCase
		switch rng.IntN(10) {
		case 0:
			op := pick(ops)
			c = sliceCase{where: "(c1, c2) " + op + " (?, ?)", args: []any{a, b},
				keep: func(r []int) bool { return opHolds(op, r, []int{a, b}) }}
		case 1:
			lo, hi := pick(los), pick(his)
			c = sliceCase{where: "(c1, c2) " + lo + " (?, ?) AND (c1, c2) " + hi + " (?, ?)", args: []any{a, b, x, y},
				keep: func(r []int) bool { return opHolds(lo, r, []int{a, b}) && opHolds(hi, r, []int{x, y}) }}
		case 2:
			lo, hi := pick(los), pick(his)
			c = sliceCase{where: "(c1) " + lo + " (?) AND (c1, c2) " + hi + " (?, ?)", args: []any{a, x, y},
				keep: func(r []int) bool { return opHolds(lo, r[:1], []int{a}) && opHolds(hi, r, []int{x, y}) }}
		case 3:
			op := pick(ops)
			c = sliceCase{where: "c1 " + op + " ?", args: []any{a},
				keep: func(r []int) bool { return opHolds(op, r[:1], []int{a}) }}
		case 4:
			lo, hi := pick(los), pick(his)
			c = sliceCase{where: "c1 " + lo + " ? AND c1 " + hi + " ?", args: []any{a, x},
				keep: func(r []int) bool { return opHolds(lo, r[:1], []int{a}) && opHolds(hi, r[:1], []int{x}) }}
		case 5:
			op := pick(ops)
			c = sliceCase{where: "c1 = ? AND c2 " + op + " ?", args: []any{a, b}, eqFirst: true,
				keep: func(r []int) bool { return r[0] == a && opHolds(op, r[1:], []int{b}) }}
		case 6:
			lo, hi := pick(los), pick(his)
			c = sliceCase{where: "c1 = ? AND c2 " + lo + " ? AND c2 " + hi + " ?", args: []any{a, b, y}, eqFirst: true,
				keep: func(r []int) bool { return r[0] == a && opHolds(lo, r[1:], []int{b}) && opHolds(hi, r[1:], []int{y}) }}
		case 7:
			op := pick(ops)
			c = sliceCase{where: "c1 IN (?, ?) AND c2 " + op + " ?", args: []any{a, x, b},
				keep: func(r []int) bool { return (r[0] == a || r[0] == x) && opHolds(op, r[1:], []int{b}) }}
		case 8:
			c = sliceCase{where: "(c1, c2) = (?, ?)", args: []any{a, b}, eqFirst: true,
				keep: func(r []int) bool { return r[0] == a && r[1] == b }}
		default:
			c = sliceCase{where: "(c1, c2) IN ((?, ?), (?, ?))", args: []any{a, b, x, y},
				keep: func(r []int) bool { return slices.Equal(r, []int{a, b}) || slices.Equal(r, []int{x, y}) }}
		}
		out = append(out, c)
	}
	return out
}

// readInts reads the first column, an int, of every page of q.
func readInts(t *testing.T, s *gocql.Session, pageSize int, q string, args ...any) []int {
	t.Helper()
	return scanInts(t, s.Query(q, args...).PageSize(pageSize).Iter())
}

// direction is the ORDER BY keyword that reads a column of the given
// clustering order (desc) forward or reversed.
func direction(desc, reversed bool) string {
	if desc != reversed {
		return "DESC"
	}
	return "ASC"
}

// TestSlicesAndReversedReads reads partitions of every clustering type,
// and of two clustering columns in each combination of orders, through
// gocql: each slice (every operator combination, bounds on, between and
// outside the rows, tuple and single-column) returns exactly the rows a
// brute-force filter over the written rows selects, in clustering order,
// and exactly those reversed with ORDER BY against it, at page sizes 1, 3
// and 1000 and under LIMIT. The neighbour partition holds the same
// clustering values: a read that leaves its partition shows.
func TestSlicesAndReversedReads(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "sl", 1)

	// check runs one case in both directions; pageSizes lists the page
	// sizes to read it with, limit is 0 for none.
	check := func(t *testing.T, table string, order func(reversed bool) string, all [][]int, value func([]int) int, c sliceCase, limit int, pageSizes []int) {
		t.Helper()
		var want []int
		for _, r := range all {
			if c.keep(r) {
				want = append(want, value(r))
			}
		}
		for _, reversed := range []bool{false, true} {
			exp := slices.Clone(want)
			if reversed {
				slices.Reverse(exp)
			}
			q := "SELECT v FROM sl." + table + " WHERE k = ?"
			if c.where != "" {
				q += " AND " + c.where
			}
			q += order(reversed)
			if limit > 0 {
				q += fmt.Sprintf(" LIMIT %d", limit)
				exp = exp[:min(limit, len(exp))]
			}
			for _, ps := range pageSizes {
				got := readInts(t, s, ps, q, append([]any{1}, c.args...)...)
				if !assert.Equal(t, exp, got, "%s %v page size %d", q, c.args, ps) {
					return
				}
			}
		}
	}

	for _, cv := range clusteringValues() {
		for _, desc := range []bool{false, true} {
			name := cv.typ + "_" + direction(desc, false)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				mustExec(t, s, fmt.Sprintf(`CREATE TABLE sl.%s (k int, c %s, v int, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c %s)`,
					name, cv.typ, direction(desc, false)))
				b := s.Batch(gocql.UnloggedBatch)
				for _, r := range cv.written {
					b.Query(`INSERT INTO sl.`+name+` (k, c, v) VALUES (?, ?, ?)`, 1, cv.vals[r], r)
					b.Query(`INSERT INTO sl.`+name+` (k, c, v) VALUES (?, ?, ?)`, 2, cv.vals[r], 1000+r)
				}
				require.NoError(t, s.ExecuteBatch(b))
				all := make([][]int, 0, len(cv.written))
				for _, r := range cv.written {
					all = append(all, []int{r})
				}
				if desc {
					slices.Reverse(all)
				}
				for i, sc := range singleColumnCases(cv) {
					pageSizes := []int{1000}
					if i%10 == 0 {
						pageSizes = []int{1, 3, 1000}
					}
					limit := []int{0, 0, 0, 1, 0, 0, 5}[i%7]
					// Forward reads name the clustering order or
					// nothing; reversed ones its reverse.
					order := func(reversed bool) string {
						if !reversed && i%2 == 0 {
							return ""
						}
						return " ORDER BY c " + direction(desc, reversed)
					}
					check(t, name, order, all, func(r []int) int { return r[0] }, sc, limit, pageSizes)
				}
			})
		}
	}

	for _, orders := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		name := "two_" + direction(orders[0], false) + "_" + direction(orders[1], false)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mustExec(t, s, fmt.Sprintf(`CREATE TABLE sl.%s (k int, c1 int, c2 text, v int, PRIMARY KEY (k, c1, c2)) WITH CLUSTERING ORDER BY (c1 %s, c2 %s)`,
				name, direction(orders[0], false), direction(orders[1], false)))
			// c1 holds ranks, c2 a letter per rank (bytewise in rank
			// order); the odd ranks of each are written.
			const ranks = 9
			letter := func(r int) string { return string(rune('a' + r)) }
			var all [][]int
			b := s.Batch(gocql.UnloggedBatch)
			for r1 := 1; r1 < ranks; r1 += 2 {
				for r2 := 1; r2 < ranks; r2 += 2 {
					b.Query(`INSERT INTO sl.`+name+` (k, c1, c2, v) VALUES (?, ?, ?, ?)`, 1, r1, letter(r2), r1*100+r2)
					b.Query(`INSERT INTO sl.`+name+` (k, c1, c2, v) VALUES (?, ?, ?, ?)`, 2, r1, letter(r2), 10000+r1*100+r2)
					all = append(all, []int{r1, r2})
				}
			}
			require.NoError(t, s.ExecuteBatch(b))
			slices.SortFunc(all, func(a, b []int) int {
				for i, desc := range orders {
					if c := cmp.Compare(a[i], b[i]); c != 0 {
						if desc {
							return -c
						}
						return c
					}
				}
				return 0
			})
			rng := rand.New(rand.NewPCG(3, uint64(len(name))))
			for i, sc := range twoColumnCases(300, ranks, rng) {
				// The ranks of c2 are bound as its letters.
				args := slices.Clone(sc.args)
				require.NoError(t, bindLetters(sc.where, args, letter))
				sc.args = args
				pageSizes := []int{1000}
				if i%10 == 0 {
					pageSizes = []int{1, 3, 1000}
				}
				limit := []int{0, 0, 1, 0, 0, 3}[i%6]
				order := func(reversed bool) string {
					switch {
					case !reversed && i%2 == 0:
						return ""
					case sc.eqFirst && i%3 == 0:
						// c1 = ?: ORDER BY may skip it.
						return " ORDER BY c2 " + direction(orders[1], reversed)
					case i%3 == 1:
						return " ORDER BY c1 " + direction(orders[0], reversed)
					}
					return " ORDER BY c1 " + direction(orders[0], reversed) + ", c2 " + direction(orders[1], reversed)
				}
				check(t, name, order, all, func(r []int) int { return r[0]*100 + r[1] }, sc, limit, pageSizes)
			}
		})
	}
}

// bindLetters replaces, in args, the ranks bound to c2 by their letters:
// the markers of where are matched to columns in order, a tuple's
// second element being c2.
func bindLetters(where string, args []any, letter func(int) string) error {
	var cols []string
	for _, rel := range strings.Split(where, " AND ") {
		sep := " "
		if strings.HasPrefix(rel, "(") {
			sep = ") "
		}
		lhs, rhs, ok := strings.Cut(rel, sep)
		if !ok {
			return fmt.Errorf("relation %q", rel)
		}
		names := strings.Split(strings.TrimPrefix(lhs, "("), ", ")
		for i := range strings.Count(rhs, "?") {
			cols = append(cols, names[i%len(names)])
		}
	}
	if len(cols) != len(args) {
		return fmt.Errorf("%q: %d markers for %d values", where, len(cols), len(args))
	}
	for i, col := range cols {
		if col == "c2" {
			args[i] = letter(args[i].(int))
		}
	}
	return nil
}

// TestReversedStatics reads partitions with static columns in reverse, as
// Cassandra returns them: each row carries the statics, and a partition
// with static values and no live row is its one static row, whatever the
// page size; a clustering restriction leaves such a partition out.
func TestReversedStatics(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, TombstoneBudget: 2})
	s := connect(t, c)
	createKeyspace(t, s, "rs", 1)
	mustExec(t, s, `CREATE TABLE rs.t (k int, c int, s int static, v int, PRIMARY KEY (k, c))`)
	for cc := range 10 {
		require.NoError(t, s.Query(`INSERT INTO rs.t (k, c, v) VALUES (1, ?, ?)`, cc, cc).Exec())
		require.NoError(t, s.Query(`INSERT INTO rs.t (k, c, v) VALUES (3, ?, ?)`, cc, cc).Exec())
	}
	mustExec(t, s, `UPDATE rs.t SET s = 7 WHERE k = 1`, `UPDATE rs.t SET s = 9 WHERE k = 2`, `UPDATE rs.t SET s = 5 WHERE k = 3`)
	for cc := range 10 {
		// Partition 3 keeps its static value and dead rows only.
		require.NoError(t, s.Query(`DELETE FROM rs.t WHERE k = 3 AND c = ?`, cc).Exec())
	}
	type row struct {
		c, s, v *int
	}
	read := func(t *testing.T, pageSize int, q string) []row {
		t.Helper()
		it := s.Query(q).PageSize(pageSize).Iter()
		var out []row
		for {
			var r row
			if !it.Scan(&r.c, &r.s, &r.v) {
				break
			}
			out = append(out, r)
		}
		require.NoError(t, it.Close())
		return out
	}
	p := func(v int) *int { return &v }
	var rows1 []row
	for cc := 9; cc >= 0; cc-- {
		rows1 = append(rows1, row{c: p(cc), s: p(7), v: p(cc)})
	}
	tests := []struct {
		query string
		want  []row
	}{
		{`SELECT c, s, v FROM rs.t WHERE k = 1 ORDER BY c DESC`, rows1},
		{`SELECT c, s, v FROM rs.t WHERE k = 1 AND c <= 3 ORDER BY c DESC`, rows1[6:]},
		{`SELECT c, s, v FROM rs.t WHERE k = 2 ORDER BY c DESC`, []row{{s: p(9)}}},
		{`SELECT c, s, v FROM rs.t WHERE k = 2 AND c > 0 ORDER BY c DESC`, nil},
		{`SELECT c, s, v FROM rs.t WHERE k = 3 ORDER BY c DESC`, []row{{s: p(5)}}},
		{`SELECT c, s, v FROM rs.t WHERE k = 3`, []row{{s: p(5)}}},
		{`SELECT c, s, v FROM rs.t WHERE k = 3 AND c >= 0 ORDER BY c DESC`, nil},
	}
	for _, tt := range tests {
		for _, ps := range []int{1, 3, 1000} {
			assert.Equal(t, tt.want, read(t, ps, tt.query), "%s page size %d", tt.query, ps)
		}
	}
}

// TestReversedTombstones reads partitions with tombstoned rows in reverse
// in both tombstone modes: the live rows come reversed, ScyllaDB mode ends
// pages early (some empty) in either direction, and Cassandra mode counts
// the same tombstones either way, counts only those inside a clustering
// slice, as a real node seeks past the others, and fails past its
// threshold in reverse too.
func TestReversedTombstones(t *testing.T) {
	t.Parallel()
	// write makes partition 0 with rows 0..59, every odd one deleted,
	// and partition 1 with 200 tombstones past 10 live rows.
	write := func(t *testing.T, s *gocql.Session) (live []int) {
		createKeyspace(t, s, "rt", 1)
		mustExec(t, s, `CREATE TABLE rt.t (k int, c int, v int, PRIMARY KEY (k, c))`)
		for cc := range 60 {
			require.NoError(t, s.Query(`INSERT INTO rt.t (k, c, v) VALUES (0, ?, ?)`, cc, cc).Exec())
		}
		for cc := 1; cc < 60; cc += 2 {
			require.NoError(t, s.Query(`DELETE FROM rt.t WHERE k = 0 AND c = ?`, cc).Exec())
		}
		for cc := 0; cc < 60; cc += 2 {
			live = append(live, cc)
		}
		for cc := range 210 {
			require.NoError(t, s.Query(`INSERT INTO rt.t (k, c, v) VALUES (1, ?, ?)`, cc, cc).Exec())
			if cc >= 10 {
				require.NoError(t, s.Query(`DELETE FROM rt.t WHERE k = 1 AND c = ?`, cc).Exec())
			}
		}
		return live
	}
	reversed := func(v []int) []int {
		out := slices.Clone(v)
		slices.Reverse(out)
		return out
	}
	t.Run("scylla", func(t *testing.T) {
		t.Parallel()
		c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, TombstoneBudget: 2})
		s := connect(t, c)
		live := write(t, s)
		for _, ps := range []int{1, 3, 1000} {
			assert.Equal(t, live, readInts(t, s, ps, `SELECT v FROM rt.t WHERE k = 0`), "page size %d", ps)
			assert.Equal(t, reversed(live), readInts(t, s, ps, `SELECT v FROM rt.t WHERE k = 0 ORDER BY c DESC`), "page size %d", ps)
			assert.Equal(t, []int{28, 26, 24, 22, 20}, readInts(t, s, ps, `SELECT v FROM rt.t WHERE k = 0 AND c >= 19 AND c < 29 ORDER BY c DESC`), "page size %d", ps)
		}
		pages, _, err := pageThrough(t, s, `SELECT v FROM rt.t WHERE k = 1 ORDER BY c DESC`, 1000)
		require.NoError(t, err)
		assert.Equal(t, 10, sumInts(pages))
		assert.Contains(t, pages, 0, "a run of tombstones makes empty pages in reverse")
	})
	t.Run("cassandra", func(t *testing.T) {
		t.Parallel()
		c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, TombstoneMode: cqlsim.TombstonesCassandra,
			TombstoneWarnThreshold: 10, TombstoneFailureThreshold: 100})
		s := connect(t, c)
		live := write(t, s)
		for _, ps := range []int{1, 3, 1000} {
			assert.Equal(t, live, readInts(t, s, ps, `SELECT v FROM rt.t WHERE k = 0`), "page size %d", ps)
			assert.Equal(t, reversed(live), readInts(t, s, ps, `SELECT v FROM rt.t WHERE k = 0 ORDER BY c DESC`), "page size %d", ps)
		}
		// One page over the partition: 30 live rows, 30 tombstones, in
		// either direction.
		for _, q := range []string{`SELECT v FROM rt.t WHERE k = 0`, `SELECT v FROM rt.t WHERE k = 0 ORDER BY c DESC`} {
			pages, warnings, err := pageThrough(t, s, q, 1000)
			require.NoError(t, err, q)
			assert.Equal(t, []int{30}, pages, q)
			require.Len(t, warnings[0], 1, q)
			assert.Contains(t, warnings[0][0], "Read 30 live rows and 30 tombstone cells", q)
		}
		// A slice counts its own tombstones only: rows 20..29 hold 5.
		for _, q := range []string{`SELECT v FROM rt.t WHERE k = 0 AND c >= 20 AND c < 30`, `SELECT v FROM rt.t WHERE k = 0 AND c >= 20 AND c < 30 ORDER BY c DESC`} {
			pages, warnings, err := pageThrough(t, s, q, 1000)
			require.NoError(t, err, q)
			assert.Equal(t, []int{5}, pages, q)
			assert.Empty(t, warnings[0], q)
		}
		// Partition 1: 200 tombstones past its live rows fail a read of
		// it, in either direction, but not a slice of its live rows.
		var rf *gocql.RequestErrReadFailure
		for _, q := range []string{`SELECT v FROM rt.t WHERE k = 1`, `SELECT v FROM rt.t WHERE k = 1 ORDER BY c DESC`} {
			_, _, err := pageThrough(t, s, q, 1000)
			require.ErrorAs(t, err, &rf, q)
			assert.Contains(t, rf.Message(), "READ_TOO_MANY_TOMBSTONES", q)
		}
		assert.Equal(t, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, readInts(t, s, 1000, `SELECT v FROM rt.t WHERE k = 1 AND c < 10 ORDER BY c DESC`))
		assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, readInts(t, s, 1000, `SELECT v FROM rt.t WHERE k = 1 AND c < 10`))
	})
}

// TestOrderByRules checks what ORDER BY and clustering restrictions
// Cassandra 4.1 refuses, with its messages, and that what it accepts
// reads the rows it selects.
func TestOrderByRules(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "ob", 1)
	mustExec(t, s, `CREATE TABLE ob.r (k int, c1 int, c2 int, v int, PRIMARY KEY (k, c1, c2))`,
		`CREATE TABLE ob.m (k int, c1 int, c2 int, v int, PRIMARY KEY (k, c1, c2)) WITH CLUSTERING ORDER BY (c1 ASC, c2 DESC)`,
		`CREATE TABLE ob.p (k1 int, k2 int, c int, v int, PRIMARY KEY ((k1, k2), c))`,
		`CREATE TABLE ob.w (k int, c1 int, c2 int, c3 int, v int, PRIMARY KEY (k, c1, c2, c3))`)
	for k := 1; k <= 2; k++ {
		for c1 := range 3 {
			for c2 := range 3 {
				for _, tbl := range []string{"r", "m"} {
					require.NoError(t, s.Query(`INSERT INTO ob.`+tbl+` (k, c1, c2, v) VALUES (?, ?, ?, ?)`, k, c1, c2, k*100+c1*10+c2).Exec())
				}
			}
		}
	}
	const (
		partitionKey = "ORDER BY is only supported when the partition key is restricted by an EQ or an IN."
		declared     = "Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY"
		paging       = "Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query"
	)
	refused := []struct {
		query string
		msg   string
	}{
		{`SELECT v FROM ob.r ORDER BY c1 DESC`, partitionKey},
		{`SELECT v FROM ob.r WHERE c1 = 1 ORDER BY c1 DESC ALLOW FILTERING`, partitionKey},
		{`SELECT v FROM ob.r WHERE token(k) > 0 ORDER BY c1 DESC`, partitionKey},
		{`SELECT v FROM ob.r WHERE v = 1 ORDER BY c1 DESC`, partitionKey},
		{`SELECT v FROM ob.p WHERE k1 = 1 ORDER BY c DESC ALLOW FILTERING`, partitionKey},
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY v DESC`, "Order by is currently only supported on the clustered columns of the PRIMARY KEY, got v"},
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY k DESC`, "Order by is currently only supported on the clustered columns of the PRIMARY KEY, got k"},
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY nosuch DESC`, "Undefined column name nosuch in table ob.r"},
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY c2 DESC`, declared},
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY c2 DESC, c1 DESC`, declared},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 > 0 ORDER BY c2 DESC`, declared},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 IN (0, 1) ORDER BY c2 DESC`, declared},
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY c1 ASC, c2 DESC`, "Unsupported order by relation"},
		{`SELECT v FROM ob.m WHERE k = 1 ORDER BY c1 ASC, c2 ASC`, "Unsupported order by relation"},
		{`SELECT v FROM ob.m WHERE k = 1 ORDER BY c1 DESC, c2 DESC`, "Unsupported order by relation"},
		{`SELECT v FROM ob.r WHERE k = 1 AND c2 = 1`, `PRIMARY KEY column "c2" cannot be restricted as preceding column "c1" is not restricted`},
		{`SELECT v FROM ob.r WHERE k = 1 AND (c2) > (1)`, `PRIMARY KEY column "c2" cannot be restricted as preceding column "c1" is not restricted`},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 > 1 AND c2 = 1`, `Clustering column "c2" cannot be restricted (preceding column "c1" is restricted by a non-EQ relation)`},
		{`SELECT v FROM ob.r WHERE k = 1 AND c2 = 1 AND c1 > 1`, `PRIMARY KEY column "c2" cannot be restricted (preceding column "c1" is restricted by a non-EQ relation)`},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 > 1 AND c1 >= 2`, "More than one restriction was found for the start bound on c1"},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 < 1 AND c1 <= 2`, "More than one restriction was found for the end bound on c1"},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 = 1 AND c1 = 2`, "c1 cannot be restricted by more than one relation if it includes an Equal"},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 = 1 AND c1 > 0`, "c1 cannot be restricted by more than one relation if it includes an Equal"},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 IN (1, 2) AND c1 = 2`, "c1 cannot be restricted by more than one relation if it includes a IN"},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 > 1 AND c1 = 2`, `Column "c1" cannot be restricted by both an equality and an inequality relation`},
		{`SELECT v FROM ob.r WHERE k = 1 AND (c1, c2) > (1, 1) AND (c2) < (3)`, `Column "c2" cannot be restricted by two inequalities not starting with the same column`},
		{`SELECT v FROM ob.r WHERE k = 1 AND (c1, c2) > (1, 1) AND (c1, c2) > (0, 0)`, "More than one restriction was found for the start bound on c1, c2"},
		{`SELECT v FROM ob.r WHERE k = 1 AND k = 2`, "k cannot be restricted by more than one relation if it includes an Equal"},
		// Token relations merge as Cassandra's TokenRestriction merges them.
		{`SELECT v FROM ob.r WHERE token(k) > 1 AND token(k) = 2`, `Columns "k" cannot be restricted by both an equality and an inequality relation`},
		{`SELECT v FROM ob.r WHERE token(k) = 1 AND token(k) = 2`, "k cannot be restricted by more than one relation if it includes an Equal"},
		{`SELECT v FROM ob.r WHERE token(k) = 1 AND token(k) > 0`, "k cannot be restricted by more than one relation if it includes an Equal"},
		{`SELECT v FROM ob.r WHERE token(k) > 1 AND token(k) >= 2`, "More than one restriction was found for the start bound on k"},
		{`SELECT v FROM ob.r WHERE k = 1 AND (c2) > (1) ALLOW FILTERING`, "Multi-column slice restrictions cannot be used for filtering."},
		{`SELECT v FROM ob.w WHERE k = 1 AND (c2, c3) IN ((1, 1)) ALLOW FILTERING`, "Multicolumn IN filters are not supported"},
		{`SELECT v FROM ob.r WHERE k IN (1, 2) ORDER BY c1 DESC`, paging},
		{`SELECT v FROM ob.r WHERE k IN (1) ORDER BY c1 ASC LIMIT 1`, paging},
		{`SELECT count(*) FROM ob.r WHERE k IN (1, 2) ORDER BY c1 DESC`, paging},
	}
	for _, tt := range refused {
		err := s.Query(tt.query).PageSize(100).Exec()
		if assert.Error(t, err, tt.query) {
			assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err), tt.query)
			assert.Equal(t, tt.msg, err.Error(), tt.query)
		}
	}

	// Accepted, with the rows brute force selects from k*100+c1*10+c2.
	type rc struct{ k, c1, c2 int }
	var rowsR []rc // ob.r in clustering order, both partitions
	for k := 1; k <= 2; k++ {
		for c1 := range 3 {
			for c2 := range 3 {
				rowsR = append(rowsR, rc{k, c1, c2})
			}
		}
	}
	sel := func(keep func(rc) bool, desc bool) []int {
		var out []int
		for _, r := range rowsR {
			if keep(r) {
				out = append(out, r.k*100+r.c1*10+r.c2)
			}
		}
		if desc {
			slices.Reverse(out)
		}
		return out
	}
	accepted := []struct {
		query string
		want  []int
	}{
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY c1 DESC`, sel(func(r rc) bool { return r.k == 1 }, true)},
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY c1 DESC, c2 DESC`, sel(func(r rc) bool { return r.k == 1 }, true)},
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY c1 ASC, c2 ASC`, sel(func(r rc) bool { return r.k == 1 }, false)},
		{`SELECT v FROM ob.r WHERE k = 1 ORDER BY c1 DESC, c1 ASC`, sel(func(r rc) bool { return r.k == 1 }, false)},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 = 1 ORDER BY c2 DESC`, sel(func(r rc) bool { return r.k == 1 && r.c1 == 1 }, true)},
		{`SELECT v FROM ob.r WHERE k = 1 AND (c1, c2) = (1, 2) ORDER BY c2 DESC`, []int{112}},
		{`SELECT v FROM ob.r WHERE k = 1 AND c2 = 1 ALLOW FILTERING`, sel(func(r rc) bool { return r.k == 1 && r.c2 == 1 }, false)},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 > 0 AND c2 = 1 ALLOW FILTERING`, sel(func(r rc) bool { return r.k == 1 && r.c1 > 0 && r.c2 == 1 }, false)},
		{`SELECT v FROM ob.r WHERE k = 1 AND c2 = 1 ORDER BY c1 DESC ALLOW FILTERING`, sel(func(r rc) bool { return r.k == 1 && r.c2 == 1 }, true)},
		{`SELECT v FROM ob.r WHERE k = 1 AND c1 > 0 AND c1 < 2 AND c2 >= 1 ORDER BY c1 DESC ALLOW FILTERING`, sel(func(r rc) bool { return r.k == 1 && r.c1 == 1 && r.c2 >= 1 }, true)},
		{`SELECT v FROM ob.m WHERE k = 2 ORDER BY c1 DESC, c2 ASC`, []int{220, 221, 222, 210, 211, 212, 200, 201, 202}},
		{`SELECT v FROM ob.m WHERE k = 2 ORDER BY c1 ASC, c2 DESC`, []int{202, 201, 200, 212, 211, 210, 222, 221, 220}},
		{`SELECT v FROM ob.r WHERE k = 1 AND (c2) IN ((1), (2)) ALLOW FILTERING`, sel(func(r rc) bool { return r.k == 1 && r.c2 >= 1 }, false)},
		{`SELECT v FROM ob.m WHERE k = 2 AND c1 = 0 ORDER BY c2 ASC`, []int{200, 201, 202}},
	}
	for _, tt := range accepted {
		for _, ps := range []int{1, 4, 1000} {
			assert.Equal(t, tt.want, readInts(t, s, ps, tt.query), "%s page size %d", tt.query, ps)
		}
	}
}

// TestOrderByWithIN checks an unpaged read of several partitions with
// ORDER BY: Cassandra sorts the rows of all of them on the ordering
// columns after the read, then applies the LIMIT.
func TestOrderByWithIN(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "oi", 1)
	mustExec(t, s, `CREATE TABLE oi.t (k int, c int, v int, PRIMARY KEY (k, c))`)
	// Partition 1 holds the odd clusterings, 2 the even ones, 3 the
	// multiples of 5 (ties, which read the same: v = c).
	var all []int
	for k, step := range map[int]int{1: 2, 2: 2, 3: 5} {
		first := map[int]int{1: 1, 2: 0, 3: 0}[k]
		for cc := first; cc < 20; cc += step {
			require.NoError(t, s.Query(`INSERT INTO oi.t (k, c, v) VALUES (?, ?, ?)`, k, cc, cc).Exec())
			all = append(all, cc)
		}
	}
	slices.Sort(all)
	desc := slices.Clone(all)
	slices.Reverse(desc)
	tests := []struct {
		query string
		want  []int
	}{
		{`SELECT v FROM oi.t WHERE k IN (1, 2, 3) ORDER BY c DESC`, desc},
		{`SELECT v FROM oi.t WHERE k IN (3, 2, 1) ORDER BY c ASC`, all},
		{`SELECT v FROM oi.t WHERE k IN (1, 2, 3) ORDER BY c DESC LIMIT 4`, desc[:4]},
		{`SELECT v FROM oi.t WHERE k IN (1, 3) AND c > 4 AND c < 11 ORDER BY c DESC`, []int{10, 9, 7, 5, 5}},
		{`SELECT v FROM oi.t WHERE k IN (2) ORDER BY c DESC LIMIT 2`, []int{18, 16}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, readInts(t, s, 0, tt.query), tt.query)
	}
	var n int64
	require.NoError(t, s.Query(`SELECT count(*) FROM oi.t WHERE k IN (1, 2, 3) ORDER BY c DESC`).PageSize(0).Scan(&n))
	assert.Equal(t, int64(len(all)), n)
}

// TestReversedPagingStates pages reversed reads by hand: each page ends
// on a row and the next resumes strictly before it; a paging state of a
// forward read sent with the reversed statement resumes before the state's
// clustering, and one of a reversed read sent with the forward statement
// after it, as Cassandra's SinglePartitionPager does with any state whose
// clustering is valid.
func TestReversedPagingStates(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "ps", 1)
	mustExec(t, s, `CREATE TABLE ps.t (k int, c int, v int, PRIMARY KEY (k, c))`)
	for cc := range 10 {
		require.NoError(t, s.Query(`INSERT INTO ps.t (k, c, v) VALUES (1, ?, ?)`, cc, cc).Exec())
	}
	fwd := func() *gocql.Query { return s.Query(`SELECT v FROM ps.t WHERE k = 1`).PageSize(4) }
	rev := func() *gocql.Query { return s.Query(`SELECT v FROM ps.t WHERE k = 1 ORDER BY c DESC`).PageSize(4) }

	rows, st := page(t, rev(), nil)
	require.Equal(t, []int{9, 8, 7, 6}, rows)
	rows, st2 := page(t, rev(), st)
	require.Equal(t, []int{5, 4, 3, 2}, rows)
	assert.Equal(t, []int{1, 0}, all(t, rev, st2))
	assert.Equal(t, []int{7, 8, 9}, all(t, fwd, st), "a reversed state resumes a forward read after its clustering")

	_, fst := page(t, fwd(), nil)
	assert.Equal(t, []int{2, 1, 0}, all(t, rev, fst), "a forward state resumes a reversed read before its clustering")
	// A slice that lies wholly after the state's clustering reads
	// nothing when reversed.
	slice := func() *gocql.Query {
		return s.Query(`SELECT v FROM ps.t WHERE k = 1 AND c >= 5 ORDER BY c DESC`).PageSize(4)
	}
	assert.Empty(t, all(t, slice, fst))
}

// TestRowsExamined proves with the server's count of rows examined that a
// clustering slice of a 20,000-row partition seeks to its first row and
// stops after its last, forward and reversed, single-column and tuple, on
// ASC and mixed-order clustering: a page examines the rows it returns,
// not the partition's.
func TestRowsExamined(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "rx", 1)
	mustExec(t, s, `CREATE TABLE rx.one (k int, c int, v int, PRIMARY KEY (k, c))`,
		`CREATE TABLE rx.two (k int, c1 int, c2 int, v int, PRIMARY KEY (k, c1, c2)) WITH CLUSTERING ORDER BY (c1 ASC, c2 DESC)`)
	const rows = 20_000
	for start := 0; start < rows; start += 250 {
		b := s.Batch(gocql.UnloggedBatch)
		for i := start; i < start+250; i++ {
			b.Query(`INSERT INTO rx.one (k, c, v) VALUES (1, ?, ?)`, i, i)
			b.Query(`INSERT INTO rx.two (k, c1, c2, v) VALUES (1, ?, ?, ?)`, i/100, i%100, i)
		}
		require.NoError(t, s.ExecuteBatch(b))
	}
	between := func(lo, hi int) []int { // lo..hi-1
		var out []int
		for i := lo; i < hi; i++ {
			out = append(out, i)
		}
		return out
	}
	reversed := func(v []int) []int {
		out := slices.Clone(v)
		slices.Reverse(out)
		return out
	}
	// (100, 51..99) and (101, 0..20): with c2 DESC, two runs of rows.
	tuple := append(between(100*100+51, 100*100+100), between(101*100, 101*100+21)...)
	// Stored order: c1 ascending, c2 descending within.
	slices.SortFunc(tuple, func(a, b int) int {
		if c := cmp.Compare(a/100, b/100); c != 0 {
			return c
		}
		return cmp.Compare(b%100, a%100)
	})
	const pageSize = 30
	tests := []struct {
		name  string
		table string
		query string
		want  []int
		args  []any
	}{
		{"empty in", "one", `SELECT v FROM rx.one WHERE k = 1 AND c IN ?`, nil, []any{[]int{}}},
		{"null bound", "one", `SELECT v FROM rx.one WHERE k = 1 AND c > ? ORDER BY c DESC`, nil, []any{nil}},
		{"empty slice", "one", `SELECT v FROM rx.one WHERE k = 1 AND c > 10 AND c < 5`, nil, nil},
		{"slice", "one", `SELECT v FROM rx.one WHERE k = 1 AND c >= 10000 AND c < 10100`, between(10000, 10100), nil},
		{"slice reversed", "one", `SELECT v FROM rx.one WHERE k = 1 AND c >= 10000 AND c < 10100 ORDER BY c DESC`, reversed(between(10000, 10100)), nil},
		{"open end", "one", `SELECT v FROM rx.one WHERE k = 1 AND c > 19900`, between(19901, rows), nil},
		{"open start reversed", "one", `SELECT v FROM rx.one WHERE k = 1 AND c <= 50 ORDER BY c DESC`, reversed(between(0, 51)), nil},
		{"point", "one", `SELECT v FROM rx.one WHERE k = 1 AND c = 12345`, []int{12345}, nil},
		{"last row", "one", `SELECT v FROM rx.one WHERE k = 1 ORDER BY c DESC LIMIT 1`, []int{rows - 1}, nil},
		{"in", "one", `SELECT v FROM rx.one WHERE k = 1 AND c IN (7, 15000, 3) ORDER BY c DESC`, []int{15000, 7, 3}, nil},
		{"tuple", "two", `SELECT v FROM rx.two WHERE k = 1 AND (c1, c2) > (100, 50) AND (c1, c2) <= (101, 20)`, tuple, nil},
		{"tuple reversed", "two", `SELECT v FROM rx.two WHERE k = 1 AND (c1, c2) > (100, 50) AND (c1, c2) <= (101, 20) ORDER BY c1 DESC, c2 ASC`, reversed(tuple), nil},
		{"eq prefix", "two", `SELECT v FROM rx.two WHERE k = 1 AND c1 = 150 AND c2 < 10 ORDER BY c2 ASC`, between(15000, 15010), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := c.Served()["rx."+tt.table].RowsExamined
			got := readInts(t, s, pageSize, tt.query, tt.args...)
			examined := c.Served()["rx."+tt.table].RowsExamined - before
			require.Equal(t, tt.want, got)
			// Each page examines the rows it returns; the last may
			// look at nothing more than the end of the slice.
			assert.GreaterOrEqual(t, examined, int64(len(tt.want)))
			assert.Less(t, examined, int64(len(tt.want)+pageSize+3), "rows examined for %d rows", len(tt.want))
		})
	}
	t.Run("whole partition", func(t *testing.T) {
		before := c.Served()["rx.one"].RowsExamined
		assert.Len(t, readInts(t, s, 5000, `SELECT v FROM rx.one WHERE k = 1 ORDER BY c DESC`), rows)
		assert.Equal(t, int64(rows), c.Served()["rx.one"].RowsExamined-before, "the counter counts every row read")
	})
}

// TestTokenArguments refuses a token() relation whose columns are not the
// partition key in its order with Cassandra 4.1's messages, checked in
// TokenRelation.toReceivers' order: a partition key column missing (a
// clustering or regular column instead, too few columns), one twice,
// another column too, then the order. cqlsim answered all of them with
// the last message.
func TestTokenArguments(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "ta", 1)
	mustExec(t, s, `CREATE TABLE ta.s (k int, c int, v int, PRIMARY KEY (k, c))`,
		`CREATE TABLE ta.p (k1 int, k2 int, c int, v int, PRIMARY KEY ((k1, k2), c))`)
	const (
		allOrNone = "The token() function must be applied to all partition key components or none of them"
		duplicate = "The token() function contains duplicate partition key components"
		onlyKey   = "The token() function must contains only partition key components"
		order     = "The token function arguments must be in the partition key order: k1, k2"
	)
	tests := []struct {
		query string
		msg   string
	}{
		{`SELECT v FROM ta.s WHERE token(c) > 0`, allOrNone},
		{`SELECT v FROM ta.s WHERE token(v) > 0`, allOrNone},
		{`SELECT v FROM ta.s WHERE token(k, c) > 0`, onlyKey},
		{`SELECT v FROM ta.s WHERE token(c, k) > 0`, onlyKey},
		{`SELECT v FROM ta.s WHERE token(k, k) > 0`, duplicate},
		{`SELECT v FROM ta.s WHERE token(k, c, c) > 0`, duplicate},
		{`SELECT v FROM ta.s WHERE token(k) > 0 AND token(c) < 0`, allOrNone},
		{`SELECT v FROM ta.s WHERE token(nosuch) > 0`, "Undefined column name nosuch in table ta.s"},
		{`SELECT v FROM ta.p WHERE token(k1) > 0`, allOrNone},
		{`SELECT v FROM ta.p WHERE token(k2) = 0`, allOrNone},
		{`SELECT v FROM ta.p WHERE token(k1, c) > 0`, allOrNone},
		{`SELECT v FROM ta.p WHERE token(k2, k1) > 0`, order},
		{`SELECT v FROM ta.p WHERE token(k1, k2, c) > 0`, onlyKey},
		{`SELECT v FROM ta.p WHERE token(k1, k1, k2) > 0`, duplicate},
		{`SELECT v FROM ta.p WHERE token(k1, k1) > 0`, allOrNone},
		{`SELECT v FROM ta.p WHERE token(k1, k2) > 0 AND token(k2) < 0`, allOrNone},
		{`SELECT v FROM ta.p WHERE token(k1, nosuch) > 0`, "Undefined column name nosuch in table ta.p"},
	}
	for _, tt := range tests {
		err := s.Query(tt.query).Exec()
		if assert.Error(t, err, tt.query) {
			assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err), tt.query)
			assert.Equal(t, tt.msg, err.Error(), tt.query)
		}
	}
	require.NoError(t, s.Query(`SELECT v FROM ta.p WHERE token(k1, k2) > 0`).Exec(), "the partition key in its order")
}

// TestTokenFilterOnKeys restricts every partition key column by = or IN
// and token() too, which Cassandra 4.1 answers with the partitions named
// whose token the token relations take (TokenFilter): a slice of tokens,
// one that wraps (its start after its end: the tokens up to the end and
// from the start), one token (= x, or >= x AND <= x), none (the same
// token, a bound exclusive), a start or an end alone, bounds on the named
// keys' own tokens (an inclusive end takes its key, an exclusive start
// does not), token(?) bounds, the relations in any order, and the cases
// of Cassandra's testSingleColumnPartitionKeyWithTokenNonTokenRestrictionsMix
// and testMultiColumnPartitionKeyWithTokenNonTokenRestrictionsMix (their
// results checked against TokenFilter.toRangeSet, their keys' order
// replaced by their Murmur3 tokens' order). A partition key restricted
// in part, with token(), reads the token range and filters, with ALLOW
// FILTERING only.
// cqlsim refused them all ("cannot be restricted by both a normal
// relation and a token relation", Cassandra 2.x's message).
func TestTokenFilterOnKeys(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "tf", 1)
	mustExec(t, s, `CREATE TABLE tf.t (k int, c int, v int, PRIMARY KEY (k, c))`,
		`CREATE TABLE tf.p (a int, b int, v int, PRIMARY KEY ((a, b)))`)
	toks := map[int]int64{}
	for k := range 10 {
		require.NoError(t, s.Query(`INSERT INTO tf.t (k, c, v) VALUES (?, 0, ?)`, k, k).Exec())
		var tk int64
		require.NoError(t, s.Query(`SELECT token(k) FROM tf.t WHERE k = ?`, k).Scan(&tk))
		toks[k] = tk
	}
	sorted := slices.SortedFunc(maps.Keys(toks), func(a, b int) int { return cmp.Compare(toks[a], toks[b]) })
	lo, hi := toks[sorted[3]], toks[sorted[6]] // the 4th and 7th smallest tokens
	keys := `k IN (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)`
	want := func(in func(int64) bool) []int {
		var out []int
		for k, tk := range toks {
			if in(tk) {
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name  string
		where string
		args  []any
		want  []int
	}{
		{"a slice", keys + ` AND token(k) > ? AND token(k) <= ?`, []any{lo, hi}, want(func(t int64) bool { return t > lo && t <= hi })},
		{"a slice that wraps", keys + ` AND token(k) >= ? AND token(k) < ?`, []any{hi, lo}, want(func(t int64) bool { return t >= hi || t < lo })},
		{"one token", keys + ` AND token(k) = ?`, []any{lo}, want(func(t int64) bool { return t == lo })},
		{"the same token, one bound exclusive", keys + ` AND token(k) > ? AND token(k) <= ?`, []any{lo, lo}, nil},
		{"a start alone", keys + ` AND token(k) > ?`, []any{hi}, want(func(t int64) bool { return t > hi })},
		{"an end alone", `k = ? AND token(k) <= ?`, []any{sorted[2], lo}, []int{sorted[2]}},
		{"an end alone, the key past it", `k = ? AND token(k) <= ?`, []any{sorted[5], lo}, nil},
		// Checked against TokenFilter.toRangeSet: a start equal to the
		// end with both bounds inclusive is Range.range(x, CLOSED, x,
		// CLOSED), the one token x; with either bound open, no token.
		{"one token, both bounds inclusive", keys + ` AND token(k) >= ? AND token(k) <= ?`, []any{lo, lo}, []int{sorted[3]}},
		{"one token, both bounds inclusive, no key's", keys + ` AND token(k) >= ? AND token(k) <= ?`, []any{lo + 1, lo + 1}, want(func(t int64) bool { return t == lo+1 })},
		{"the same token, the start exclusive", keys + ` AND token(k) > ? AND token(k) <= ?`, []any{hi, hi}, nil},
		{"the same token, the end exclusive", keys + ` AND token(k) >= ? AND token(k) < ?`, []any{lo, lo}, nil},
		{"the same token, both bounds exclusive", keys + ` AND token(k) > ? AND token(k) < ?`, []any{lo, lo}, nil},
		// Cassandra's testSingleColumnPartitionKeyWithTokenNonTokenRestrictionsMix
		// (SelectOrderedPartitionerTest), its keys 1 and 3 here the keys
		// of the 4th and 7th smallest tokens.
		{"an exclusive start on a named key's token, an inclusive end on another's", `k IN (?, ?) AND token(k) > ? AND token(k) <= ?`, []any{sorted[3], sorted[6], lo, hi}, []int{sorted[6]}},
		{"the bounds as token() of the keys", `token(k) > token(?) AND token(k) <= token(?) AND k IN (?, ?)`, []any{sorted[3], sorted[6], sorted[3], sorted[6]}, []int{sorted[6]}},
		{"the end first, the start past it: wraps", `token(k) < ? AND token(k) >= ? AND k IN (?, ?)`, []any{lo, hi, sorted[3], sorted[6]}, []int{sorted[6]}},
		{"a start before the key", `token(k) > ? AND k = ?`, []any{lo, sorted[6]}, []int{sorted[6]}},
		{"the key before the start", `k = ? AND token(k) > ?`, []any{sorted[6], lo}, []int{sorted[6]}},
		{"a start after the key", `token(k) > ? AND k = ?`, []any{hi, sorted[3]}, nil},
		{"a start on the last key's token", `k IN (?, ?) AND token(k) > ?`, []any{sorted[3], sorted[6], hi}, nil},
		{"an inclusive end on the key's token", `token(k) <= ? AND k = ?`, []any{hi, sorted[6]}, []int{sorted[6]}},
		{"one token, another key's", `token(k) = ? AND k = ?`, []any{lo, sorted[6]}, nil},
		{"both bounds inclusive on the key's token", `token(k) >= ? AND token(k) <= ? AND k = ?`, []any{hi, hi, sorted[6]}, []int{sorted[6]}},
		{"the key's token, the end exclusive", `token(k) >= ? AND token(k) < ? AND k = ?`, []any{hi, hi, sorted[6]}, nil},
		{"the key's token, the start exclusive", `token(k) > ? AND token(k) <= ? AND k = ?`, []any{hi, hi, sorted[6]}, nil},
		{"the key's token, both exclusive", `token(k) > ? AND token(k) < ? AND k = ?`, []any{hi, hi, sorted[6]}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readInts(t, s, 2, `SELECT k FROM tf.t WHERE `+tt.where, tt.args...)
			slices.Sort(got)
			assert.Equal(t, tt.want, got)
		})
	}
	// Cassandra's testMultiColumnPartitionKeyWithTokenNonTokenRestrictionsMix:
	// its rows, their tokens from token(a, b); the expected rows are the
	// keys named whose tokens TokenFilter takes.
	mustExec(t, s, `CREATE TABLE tf.m (a int, b int, c int, PRIMARY KEY ((a, b)))`)
	mtoks := map[int]int64{} // c -> token(a, b)
	for i, ab := range [][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}} {
		require.NoError(t, s.Query(`INSERT INTO tf.m (a, b, c) VALUES (?, ?, ?)`, ab[0], ab[1], i).Exec())
		var tk int64
		require.NoError(t, s.Query(`SELECT token(a, b) FROM tf.m WHERE a = ? AND b = ?`, ab[0], ab[1]).Scan(&tk))
		mtoks[i] = tk
	}
	after00 := func(cs ...int) []int { // the rows of cs whose token is after (0, 0)'s
		var out []int
		for _, c := range cs {
			if mtoks[c] > mtoks[0] {
				out = append(out, c)
			}
		}
		return out
	}
	multi := []struct {
		name  string
		where string
		args  []any
		want  []int
	}{
		{"a start, the key after it", `token(a, b) > token(?, ?) AND a = ? AND b IN (?, ?)`, []any{0, 0, 1, 0, 1}, after00(3, 4)},
		{"a start, a first", `a = ? AND token(a, b) > token(?, ?) AND b IN (?, ?)`, []any{1, 0, 0, 0, 1}, after00(3, 4)},
		{"a start, b first", `b IN (?, ?) AND token(a, b) > token(?, ?) AND a = ?`, []any{0, 1, 0, 0, 1}, after00(3, 4)},
		{"the same token, both bounds exclusive", `b IN (?, ?) AND token(a, b) > token(?, ?) AND token(a, b) < token(?, ?) AND a = ?`, []any{0, 1, 0, 0, 0, 0, 1}, nil},
		{"the same token, the start exclusive", `b IN (?, ?) AND token(a, b) > token(?, ?) AND token(a, b) <= token(?, ?) AND a = ?`, []any{0, 1, 0, 0, 0, 0, 1}, nil},
		{"the same token, the end exclusive", `b IN (?, ?) AND token(a, b) >= token(?, ?) AND token(a, b) < token(?, ?) AND a = ?`, []any{0, 1, 0, 0, 0, 0, 1}, nil},
		{"one token, no key named's", `b IN (?, ?) AND token(a, b) = token(?, ?) AND a = ?`, []any{0, 1, 0, 0, 1}, nil},
		{"one token, both bounds inclusive, a key named's", `b IN (?, ?) AND token(a, b) >= token(?, ?) AND token(a, b) <= token(?, ?) AND a = ?`, []any{0, 1, 1, 0, 1, 0, 1}, []int{3}},
	}
	for _, tt := range multi {
		t.Run("composite key, "+tt.name, func(t *testing.T) {
			got := readInts(t, s, 2, `SELECT c FROM tf.m WHERE `+tt.where, tt.args...)
			slices.Sort(got)
			assert.Equal(t, tt.want, got)
		})
	}

	// A composite key: whole, the partition named; in part, a read of the
	// token range filtered on the column restricted, with ALLOW FILTERING
	// only (Cassandra's testMultiColumnPartitionKeyWithTokenNonTokenRestrictionsMix).
	for b := range 3 {
		require.NoError(t, s.Query(`INSERT INTO tf.p (a, b, v) VALUES (?, ?, ?)`, b%2, b, b).Exec())
	}
	var tk int64
	require.NoError(t, s.Query(`SELECT token(a, b) FROM tf.p WHERE a = 1 AND b = 1`).Scan(&tk))
	var v int
	require.NoError(t, s.Query(`SELECT v FROM tf.p WHERE a = 1 AND b = 1 AND token(a, b) = ?`, tk).Scan(&v))
	assert.Equal(t, 1, v)
	err := s.Query(`SELECT v FROM tf.p WHERE a = 0 AND token(a, b) > ?`, int64(math.MinInt64)).Exec()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "use ALLOW FILTERING")
	got := scanInts(t, s.Query(`SELECT b FROM tf.p WHERE a = 0 AND token(a, b) > ? ALLOW FILTERING`, int64(math.MinInt64)).Iter())
	slices.Sort(got)
	assert.Equal(t, []int{0, 2}, got, "the rows of a = 0 in the token range")
}
