package scanner_test

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/partitioner"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/scanner"
)

// shapedRow is one row the shaping tests write into qs.t.
type shapedRow struct {
	k, c, v  int32
	kind     string
	ts       int64 // write timestamp, microseconds
	ttl      int32 // seconds; 0 for none
	tokenVal int64
}

func i32(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
func i64(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

// shapedTable starts a cluster whose clock stands still (so that ttl()
// reads back exactly the TTL written) and fills qs.t (k int, c int, kind
// text, v int) with partitions of five rows, written with their own
// timestamps, some with a TTL.
func shapedTable(t *testing.T, partitions int) (*gocql.Session, []shapedRow) {
	t.Helper()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 8, Clock: func() time.Time { return now }})
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE qs WITH replication = `+simple(2)))
	require.NoError(t, c.ExecDDL(`CREATE TABLE qs.t (k int, c int, kind text, v int, PRIMARY KEY (k, c))`))
	s := testutil.Session(t, c)
	kinds := []string{"click", "view", "buy"}
	var rows []shapedRow
	for k := range int32(partitions) {
		for cc := range int32(5) {
			r := shapedRow{k: k, c: cc, v: k*10 + cc, kind: kinds[int(k+cc)%len(kinds)], ts: 1_700_000_000_000_000 + int64(k)*1000 + int64(cc)}
			if (k+cc)%4 == 0 {
				r.ttl = 3600 + k
			}
			r.tokenVal = partitioner.Murmur3Token(i32(k))
			stmt := `INSERT INTO qs.t (k, c, kind, v) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`
			args := []any{r.k, r.c, r.kind, r.v, r.ts}
			if r.ttl > 0 {
				stmt += ` AND TTL ?`
				args = append(args, r.ttl)
			}
			require.NoError(t, s.Query(stmt, args...).Exec())
			rows = append(rows, r)
		}
	}
	return s, rows
}

// TestQueryShaping scans qs.t with a Where condition (pushed down, with
// and without ALLOW FILTERING), token bounds (inside the ring, wrapping
// around it, open at either end, combined with shards) and writetime()
// and ttl() columns, and compares each scan with the rows written that it
// must return, as a multiset. A Where the table cannot take without
// ALLOW FILTERING, or cannot take at all, is refused when the scan is
// planned, before a row is read.
func TestQueryShaping(t *testing.T) {
	t.Parallel()
	s, rows := shapedTable(t, 150)
	kvc := func(r shapedRow) [][]byte { return [][]byte{i32(r.k), i32(r.c), i32(r.v)} }
	want := func(keep func(shapedRow) bool, vals func(shapedRow) [][]byte) testutil.Multiset {
		m := testutil.Multiset{}
		for _, r := range rows {
			if keep(r) {
				m.AddRow(vals(r))
			}
		}
		return m
	}
	all := func(shapedRow) bool { return true }
	// Tokens to bound the scan with: a quarter and three quarters of the
	// way around the ring, as the partitioner writes them.
	lo, hi := int64(-1)<<62, int64(1)<<62
	lo10, hi10 := strconv.FormatInt(lo, 10), strconv.FormatInt(hi, 10)
	in := func(begin, end int64) func(shapedRow) bool {
		return func(r shapedRow) bool {
			if begin < end {
				return r.tokenVal > begin && r.tokenVal <= end
			}
			return r.tokenVal > begin || r.tokenVal <= end
		}
	}
	cases := []struct {
		name   string
		cfg    scanner.Config
		shards int // scan as this many shards and add them up
		keep   func(shapedRow) bool
		vals   func(shapedRow) [][]byte
	}{
		{name: "where on a regular column", cfg: scanner.Config{Where: "kind = 'buy'", AllowFiltering: true},
			keep: func(r shapedRow) bool { return r.kind == "buy" }, vals: kvc},
		{name: "where on two columns", cfg: scanner.Config{Where: " kind IN ('click', 'view') AND v >= 500 ", AllowFiltering: true},
			keep: func(r shapedRow) bool { return r.kind != "buy" && r.v >= 500 }, vals: kvc},
		{name: "where on the clustering column", cfg: scanner.Config{Where: "c > 2", AllowFiltering: true},
			keep: func(r shapedRow) bool { return r.c > 2 }, vals: kvc},
		// Every subrange's statement names the partitions and the token
		// range, which Cassandra 3.0+ reads as the partitions named whose
		// token is in the range (TokenFilter): each row once.
		{name: "where on the partition key", cfg: scanner.Config{Where: "k = 3"},
			keep: func(r shapedRow) bool { return r.k == 3 }, vals: kvc},
		{name: "where on the partition key, IN", cfg: scanner.Config{Where: "k IN (3, 5, 8)"},
			keep: func(r shapedRow) bool { return r.k == 3 || r.k == 5 || r.k == 8 }, vals: kvc},
		{name: "tokens inside the ring", cfg: scanner.Config{BeginToken: lo10, EndToken: hi10}, keep: in(lo, hi), vals: kvc},
		{name: "tokens around the ring's end", cfg: scanner.Config{BeginToken: hi10, EndToken: lo10}, keep: in(hi, lo), vals: kvc},
		{name: "tokens from the start", cfg: scanner.Config{EndToken: lo10}, keep: in(-1<<63, lo), vals: kvc},
		{name: "tokens to the end", cfg: scanner.Config{BeginToken: hi10}, keep: in(hi, 1<<63-1), vals: kvc},
		{name: "tokens in shards", cfg: scanner.Config{BeginToken: hi10, EndToken: lo10, Splits: 30}, shards: 3, keep: in(hi, lo), vals: kvc},
		{name: "tokens and where", cfg: scanner.Config{BeginToken: lo10, EndToken: hi10, Where: "kind = 'view'", AllowFiltering: true},
			keep: func(r shapedRow) bool { return in(lo, hi)(r) && r.kind == "view" }, vals: kvc},
		{name: "writetime and ttl", cfg: scanner.Config{Columns: []string{"k", "c", "writetime(v)", "ttl(kind)"}}, keep: all,
			vals: func(r shapedRow) [][]byte {
				var ttl []byte
				if r.ttl > 0 {
					ttl = i32(r.ttl)
				}
				return [][]byte{i32(r.k), i32(r.c), i64(r.ts), ttl}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Keyspace, cfg.Table, cfg.PageSize, cfg.Concurrency = "qs", "t", 7, 4
			if cfg.Columns == nil {
				cfg.Columns = []string{"k", "c", "v"}
			}
			got := newCollector(true)
			shards := max(tc.shards, 1)
			for i := range shards {
				if shards > 1 {
					cfg.Shard, cfg.Shards = i, shards
				}
				sc, err := scanner.New(s, cfg)
				require.NoError(t, err)
				plan, err := sc.Plan(t.Context())
				require.NoError(t, err)
				if tc.name == "writetime and ttl" {
					var names []string
					for _, c := range plan.Columns {
						names = append(names, c.Name+" "+c.Type)
					}
					assert.Equal(t, []string{"k int", "c int", "writetime(v) bigint", "ttl(kind) int"}, names)
				}
				_, err = sc.RunPlan(t.Context(), plan, got)
				require.NoError(t, err)
			}
			w := want(tc.keep, tc.vals)
			require.Positive(t, w.Size())
			require.Less(t, w.Size(), len(rows)+1)
			assert.Empty(t, w.Diff(got.rows))
		})
	}

	refused := []struct {
		name string
		cfg  scanner.Config
		want string
	}{
		{"filtering not allowed", scanner.Config{Where: "kind = 'buy'"}, "needs ALLOW FILTERING"},
		{"unknown column", scanner.Config{Where: "nope = 1", AllowFiltering: true}, "does not fit table qs.t"},
		{"wrong value type", scanner.Config{Where: "v = 'x'", AllowFiltering: true}, "does not fit table qs.t"},
		{"writetime of a key column", scanner.Config{Columns: []string{"k", "writetime(c)"}}, "c is a primary key column, which has no writetime"},
		{"ttl of an unknown column", scanner.Config{Columns: []string{"k", "ttl(nope)"}}, `column "nope" of ttl(nope) does not exist in table qs.t; columns are: k, c, kind, v`},
		{"bad token", scanner.Config{BeginToken: "x1"}, "BeginToken"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Keyspace, cfg.Table = "qs", "t"
			sc, err := scanner.New(s, cfg)
			require.NoError(t, err)
			_, err = sc.Plan(t.Context())
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.want)
			if cfg.Columns == nil {
				assert.ErrorIs(t, err, scanner.ErrInvalidConfig)
			}
		})
	}
}

// TestWhereValidate refuses, before anything is sent, a Where condition
// that would change what a subrange's statement means.
func TestWhereValidate(t *testing.T) {
	cases := []struct {
		where string
		want  string // "" for accepted
	}{
		{"kind = 'buy'", ""},
		{"kind = 'it''s; LIMIT 3'", ""}, // inside a string: not a clause
		{`"limit" = 3`, ""},             // a quoted name
		{"kind = $$ ORDER BY $$", ""},
		{"v > 3 LIMIT 10", "LIMIT is not allowed"},
		{"v > 3 order  by c", "ORDER BY is not allowed"},
		{"v > 3 PER PARTITION LIMIT 1", "PER PARTITION is not allowed"},
		{"v > 3 GROUP BY k", "GROUP BY is not allowed"},
		{"v > 3 ALLOW FILTERING", "ALLOW FILTERING is not allowed"},
		{"token(k) > 0", "token() is not allowed"},
		{"v = 1; DROP TABLE qs.t", "';' is not allowed"},
		{"v = ?", "bind markers are not allowed"},
		{"v = 1 -- x", "comments are not allowed"},
		{"kind = 'open", "unterminated ' quote"},
	}
	for _, tc := range cases {
		t.Run(tc.where, func(t *testing.T) {
			err := scanner.Config{Keyspace: "qs", Table: "t", Where: tc.where, AllowFiltering: true}.Validate()
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, scanner.ErrInvalidConfig)
			assert.ErrorContains(t, err, tc.want)
			assert.ErrorContains(t, err, fmt.Sprintf("Where %q", tc.where))
		})
	}
	assert.ErrorContains(t, scanner.Config{Keyspace: "qs", Table: "t", AllowFiltering: true}.Validate(), "without a Where")
	assert.ErrorContains(t, scanner.Config{Keyspace: "qs", Table: "t", BeginToken: "5", EndToken: "5"}.Validate(), "holds no token")
}

// TestWhereOnTheKeyOfALargePartition scans a table with one partition of
// 300 rows among 20 small ones, in pages of 5, with a Where on the
// partition key (= and IN) and on part of a composite one: each returns
// the rows of the partitions named, once. Such a Where turns partition
// splitting off: a piece's statement restricts the key by = and would
// carry the Where's relation on it too, which Cassandra refuses ("k
// cannot be restricted by more than one relation if it includes an
// Equal"), and the scan failed.
func TestWhereOnTheKeyOfALargePartition(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4})
	s := testutil.Session(t, c)
	require.NoError(t, s.Query(`CREATE KEYSPACE wk WITH replication = `+simple(2)).Exec())
	require.NoError(t, s.Query(`CREATE TABLE wk.t (k int, c int, v int, PRIMARY KEY (k, c))`).Exec())
	require.NoError(t, s.Query(`CREATE TABLE wk.p (a int, b int, c int, v int, PRIMARY KEY ((a, b), c))`).Exec())
	testutil.WaitForTables(t, s, "wk", "t", "p")
	rowsOf := map[int]int{3: 300}
	for k := 10; k < 30; k++ {
		rowsOf[k] = 3
	}
	for k, n := range rowsOf {
		for c := range n {
			require.NoError(t, s.Query(`INSERT INTO wk.t (k, c, v) VALUES (?, ?, ?)`, k, c, k*1000+c).Exec())
			require.NoError(t, s.Query(`INSERT INTO wk.p (a, b, c, v) VALUES (?, ?, ?, ?)`, k%2, k, c, k*1000+c).Exec())
		}
	}
	want := func(table string, keep func(k int) bool) testutil.Multiset {
		m := testutil.Multiset{}
		for k, n := range rowsOf {
			if !keep(k) {
				continue
			}
			for c := range n {
				if table == "t" {
					m.AddRow([][]byte{i32(int32(k)), i32(int32(c)), i32(int32(k*1000 + c))})
				} else {
					m.AddRow([][]byte{i32(int32(k % 2)), i32(int32(k)), i32(int32(c)), i32(int32(k*1000 + c))})
				}
			}
		}
		return m
	}
	tests := []struct {
		name, table, where string
		allow              bool
		keep               func(k int) bool
	}{
		{"=", "t", "k = 3", false, func(k int) bool { return k == 3 }},
		{"IN", "t", "k IN (3, 11)", false, func(k int) bool { return k == 3 || k == 11 }},
		{"part of a composite key", "p", "a = 1", true, func(k int) bool { return k%2 == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols := []string{"k", "c", "v"}
			if tt.table == "p" {
				cols = []string{"a", "b", "c", "v"}
			}
			sc, err := scanner.New(s, scanner.Config{Keyspace: "wk", Table: tt.table, Columns: cols, Where: tt.where, AllowFiltering: tt.allow,
				PageSize: 5, PartitionSplitRows: 10, Concurrency: 4})
			require.NoError(t, err)
			got := newCollector(true)
			_, err = sc.Run(t.Context(), got)
			require.NoError(t, err)
			assert.Empty(t, want(tt.table, tt.keep).Diff(got.rows))
		})
	}
}
