package scanner_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/partitioner"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// The data model tables: static columns (a text and a nested UDT),
// clustering in DESC order, a UDT, a frozen map of frozen lists, and a
// counter table.
var dataModelDDL = []string{
	`CREATE TYPE dm.addr (street text, zip int, tags frozen<set<text>>)`,
	`CREATE TYPE dm.person (name text, home frozen<addr>, past list<frozen<addr>>)`,
	`CREATE TABLE dm.t (k int, c text, s text static, who frozen<person> static, a frozen<addr>,
		m frozen<map<text, frozen<list<int>>>>, v int, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c DESC)`,
	`CREATE TABLE dm.counts (k int, c int, hits counter, misses counter, PRIMARY KEY (k, c))`,
}

// dmTypes are the types of dm.t's columns, resolved as the test defines
// them (not as the scanner does).
func dmTypes(t *testing.T) map[string]cqltype.Type {
	t.Helper()
	addr := cqltype.Type{Kind: cqltype.UDT, Keyspace: "dm", Name: "addr", Fields: []string{"street", "zip", "tags"},
		Elems: []cqltype.Type{cqltype.Native(cqltype.Varchar), cqltype.Native(cqltype.Int), cqltype.FrozenOf(cqltype.SetOf(cqltype.Native(cqltype.Varchar)))}}
	person := cqltype.Type{Kind: cqltype.UDT, Keyspace: "dm", Name: "person", Fields: []string{"name", "home", "past"},
		Elems: []cqltype.Type{cqltype.Native(cqltype.Varchar), cqltype.FrozenOf(addr), cqltype.ListOf(cqltype.FrozenOf(addr))}}
	resolve := func(_, name string) (cqltype.Type, error) {
		return map[string]cqltype.Type{"addr": addr, "person": person}[name], nil
	}
	out := map[string]cqltype.Type{}
	for name, text := range map[string]string{"k": "int", "c": "text", "s": "text", "who": "frozen<person>", "a": "frozen<addr>",
		"m": "frozen<map<text, frozen<list<int>>>>", "v": "int"} {
		typ, err := cqltype.ParseWith(text, resolve)
		require.NoError(t, err)
		out[name] = typ
	}
	return out
}

// unfrozen drops the frozen<> wrappers of a type's text.
func unfrozen(typ string) string {
	for {
		i := strings.Index(typ, "frozen<")
		if i < 0 {
			return typ
		}
		depth, j := 0, i+len("frozen<")
		for ; j < len(typ); j++ {
			if typ[j] == '<' {
				depth++
			} else if typ[j] == '>' {
				if depth == 0 {
					break
				}
				depth--
			}
		}
		typ = typ[:i] + typ[i+len("frozen<"):j] + typ[j+1:]
	}
}

// dmCols is dm.t's SELECT * order, as Cassandra gives it: key,
// clustering, statics, regulars.
var dmCols = []string{"k", "c", "s", "who", "a", "m", "v"}

// dataModel is what the test wrote into dm.t and dm.counts, as the rows a
// full scan must return (SELECT * order, serialized).
type dataModel struct {
	rows     []map[string][]byte
	counters [][][]byte // k, c, hits, misses
	// staticOnly counts the partitions that read as a static-only row.
	staticOnly int
}

// writeDataModel fills dm.t: partitions with static values only, with
// rows and no static values, with static values whose rows are all
// deleted (they then read as static-only), and with both, some rows
// deleted; and dm.counts with increments.
func writeDataModel(t *testing.T, s *gocql.Session, partitions int) dataModel {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	types := dmTypes(t)
	enc := func(col string, v any) []byte {
		if v == nil {
			return nil
		}
		b, err := cqltype.Encode(types[col], v)
		require.NoError(t, err, col)
		return b
	}
	addr := func(i int) map[string]any {
		a := map[string]any{"street": "street " + strconv.Itoa(i)}
		if i%3 != 0 {
			a["zip"] = int32(10000 + i)
		}
		if i%4 == 1 {
			a["tags"] = []string{"t" + strconv.Itoa(i%7), "u"}
		}
		return a
	}
	var dm dataModel
	var statics, rows, deletes [][][]byte
	for k := range partitions {
		kind := k % 6
		st := map[string][]byte{}
		if kind != 1 {
			st["s"] = enc("s", "static "+strconv.Itoa(k))
			if k%5 != 0 {
				st["who"] = enc("who", map[string]any{"name": "p" + strconv.Itoa(k), "home": addr(k),
					"past": []any{addr(k + 1), addr(k + 2)}})
			}
			statics = append(statics, [][]byte{enc("k", int32(k)), st["s"], st["who"]})
		}
		if kind == 0 {
			dm.rows = append(dm.rows, map[string][]byte{"k": enc("k", int32(k)), "s": st["s"], "who": st["who"]})
			dm.staticOnly++
			continue
		}
		live := 0
		for j := range 1 + k%5 {
			row := map[string][]byte{"k": enc("k", int32(k)), "c": enc("c", fmt.Sprintf("c%02d", j)), "s": st["s"], "who": st["who"]}
			if j%2 == 0 {
				row["a"] = enc("a", addr(k*10+j))
			}
			if j%3 != 2 {
				row["m"] = enc("m", map[string][]int32{"x": {int32(j)}, "y": {}})
			}
			row["v"] = enc("v", int32(k*100+j))
			rows = append(rows, [][]byte{row["k"], row["c"], row["a"], row["m"], row["v"]})
			if kind == 2 || (kind > 2 && j%4 == 3) {
				deletes = append(deletes, [][]byte{row["k"], row["c"]})
				continue
			}
			dm.rows = append(dm.rows, row)
			live++
		}
		if live == 0 {
			dm.rows = append(dm.rows, map[string][]byte{"k": enc("k", int32(k)), "s": st["s"], "who": st["who"]})
			dm.staticOnly++
		}
	}
	require.NoError(t, writeAll(ctx, s, `INSERT INTO dm.t (k, c, a, m, v) VALUES (?, ?, ?, ?, ?)`, rows))
	require.NoError(t, writeAll(ctx, s, `INSERT INTO dm.t (k, s, who) VALUES (?, ?, ?)`, statics))
	require.NoError(t, writeAll(ctx, s, `DELETE FROM dm.t WHERE k = ? AND c = ?`, deletes))

	long := func(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }
	var incs [][][]byte
	for k := range 40 {
		for c := range 3 {
			hits, misses := int64(0), int64(0)
			for i := range k%4 + 1 {
				h, m := int64(i+c), -int64(k)
				incs = append(incs, [][]byte{long(h), long(m), enc("k", int32(k)), enc("k", int32(c))})
				hits, misses = hits+h, misses+m
			}
			dm.counters = append(dm.counters, [][]byte{enc("k", int32(k)), enc("k", int32(c)), long(hits), long(misses)})
		}
	}
	require.NoError(t, writeAll(ctx, s, `UPDATE dm.counts SET hits = hits + ?, misses = misses + ? WHERE k = ? AND c = ?`, incs))
	return dm
}

// project returns the rows as a multiset over cols.
func (dm dataModel) project(cols []string) testutil.Multiset {
	m := testutil.Multiset{}
	vals := make([][]byte, len(cols))
	for _, row := range dm.rows {
		for i, c := range cols {
			vals[i] = row[c]
		}
		m.AddRow(vals)
	}
	return m
}

// startDataModel starts a cluster with the data model tables.
func startDataModel(t *testing.T, cfg cqlsim.Config, partitions int) (*cqlsim.Cluster, *gocql.Session, dataModel) {
	t.Helper()
	c := testutil.StartSim(t, cfg)
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE dm WITH replication = `+simple(2)))
	for _, ddl := range dataModelDDL {
		require.NoError(t, c.ExecDDL(ddl), ddl)
	}
	// The session reads the schema as it connects, after the DDL.
	s := testutil.Session(t, c)
	return c, s, writeDataModel(t, s, partitions)
}

// TestScanDataModel scans tables with static columns (with static-only
// partitions, among them partitions whose rows are all deleted), nested
// UDTs, frozen collections and counters, in both tombstone modes, with
// page sizes that end pages on static-only rows and inside partitions, and
// with column subsets with and without the static and key columns. Every
// scan must return exactly the rows written, as a multiset.
func TestScanDataModel(t *testing.T) {
	modes := []struct {
		name string
		cfg  cqlsim.Config
	}{
		{"scylla", cqlsim.Config{Nodes: 3, VNodes: 8, TombstoneBudget: 2}},
		{"cassandra", cqlsim.Config{Nodes: 3, VNodes: 8, TombstoneMode: cqlsim.TombstonesCassandra, TombstoneWarnThreshold: 3}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			_, s, dm := startDataModel(t, mode.cfg, 240)
			require.Positive(t, dm.staticOnly)
			cases := []struct {
				name string
				cfg  scanner.Config
				cols []string // the columns scanned, in output order
			}{
				{name: "page size 1", cfg: scanner.Config{PageSize: 1, Concurrency: 8}, cols: dmCols},
				{name: "small pages", cfg: scanner.Config{PageSize: 5, Concurrency: 3, Splits: 40}, cols: dmCols},
				{name: "large pages", cfg: scanner.Config{PageSize: 5000}, cols: dmCols},
				{name: "no static column", cfg: scanner.Config{PageSize: 3, Columns: []string{"v", "k", "c"}}, cols: []string{"v", "k", "c"}},
				{name: "statics only", cfg: scanner.Config{PageSize: 3, Columns: []string{"who", "s"}}, cols: []string{"who", "s"}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					cfg := tc.cfg
					cfg.Keyspace, cfg.Table = "dm", "t"
					sc, err := scanner.New(s, cfg)
					require.NoError(t, err)
					plan, err := sc.Plan(t.Context())
					require.NoError(t, err)
					var names []string
					for _, c := range plan.Columns {
						names = append(names, c.Name)
					}
					require.Equal(t, tc.cols, names, "the columns, in Cassandra's SELECT * order by default")
					for _, c := range plan.Columns {
						// The UDTs resolved from the driver's metadata, not
						// left as custom types (frozenness aside: the
						// driver does not tell frozen collections).
						assert.Equal(t, unfrozen(dmTypes(t)[c.Name].String()), unfrozen(c.Type), c.Name)
					}
					got := newCollector(true)
					st, err := sc.RunPlan(t.Context(), plan, got)
					require.NoError(t, err)
					want := dm.project(tc.cols)
					assert.Empty(t, want.Diff(got.rows))
					assert.EqualValues(t, want.Size(), st.Rows)
				})
			}

			t.Run("counters", func(t *testing.T) {
				sc, err := scanner.New(s, scanner.Config{Keyspace: "dm", Table: "counts", PageSize: 7, Concurrency: 4})
				require.NoError(t, err)
				got := newCollector(true)
				_, err = sc.Run(t.Context(), got)
				require.NoError(t, err)
				want := testutil.Multiset{}
				for _, r := range dm.counters {
					want.AddRow(r)
				}
				assert.Empty(t, want.Diff(got.rows))
			})
		})
	}
}

// TestResumeOnStaticOnlyPartitions resumes every subrange after its first
// page with pages of one row, so that many cursors sit on a static-only
// row (null clustering values), from a checkpoint holding those cursors (a
// null key value goes through its JSON as "-"): with their paging states,
// and with paging states the server refuses, which makes the scanner
// resume by token and skip the rows up to the cursor by comparing them
// with it, null clustering included. Either way the rows after the first
// pages come back exactly once.
func TestResumeOnStaticOnlyPartitions(t *testing.T) {
	t.Parallel()
	_, s, dm := startDataModel(t, cqlsim.Config{Nodes: 3, VNodes: 4}, 180)
	sc, err := scanner.New(s, scanner.Config{Keyspace: "dm", Table: "t", PageSize: 1, Concurrency: 8, Splits: 60})
	require.NoError(t, err)
	ctx := t.Context()
	plan, err := sc.Plan(ctx)
	require.NoError(t, err)
	rec := newRangeRecorder()
	_, err = sc.RunPlan(ctx, plan, rec, scanner.WithHooks(rec.hooks()))
	require.NoError(t, err)
	require.EqualValues(t, len(dm.rows), rec.total.Rows)

	from := map[int]scanner.Cursor{}
	want := testutil.Multiset{}
	onStatic := 0
	for _, sr := range plan.Subranges {
		first, ok := rec.first[sr.ID]
		if !ok || first.Done() || !hasPageState(t, first) {
			from[sr.ID] = doneCursor(t)
			continue
		}
		from[sr.ID] = first
		if last, ok := cursorJSON(t, first)["last"].(map[string]any); ok {
			if key, _ := last["key"].([]any); len(key) == 2 && key[1] == "-" {
				onStatic++
			}
		}
		for k, n := range rec.rows[sr.ID] {
			if n -= rec.firstRows[sr.ID][k]; n > 0 {
				want[k] = n
			}
		}
	}
	require.Positive(t, onStatic, "some cursors sit on a static-only row")
	for _, corrupt := range []bool{false, true} {
		t.Run(fmt.Sprintf("refused=%v", corrupt), func(t *testing.T) {
			cursors := maps.Clone(from)
			if corrupt {
				for id, cur := range cursors {
					if !cur.Done() {
						cursors[id] = corruptPageState(t, cur)
					}
				}
			}
			store := &scanner.MemoryStore{}
			data, err := scanner.CheckpointFromCursors(plan, cursors).MarshalJSON()
			require.NoError(t, err)
			require.NoError(t, store.Save(ctx, data))
			got := newCollector(true)
			st, err := sc.RunPlan(ctx, plan, got, scanner.WithCheckpoint(store))
			require.NoError(t, err)
			assert.Empty(t, want.Diff(got.rows), "the rows after the first pages, each once")
			if corrupt {
				assert.Positive(t, st.RetriesByKind["paging_state_refused"])
			}
		})
	}
}

// TestTombstoneFailure scans, on cqlsim's cassandra mode, a table where
// one partition holds more tombstones than tombstone_failure_threshold:
// its subrange fails at the first attempt with ErrTooManyTombstones (the
// server's ReadFailure READ_TOO_MANY_TOMBSTONES, in protocol v4's message),
// is not retried on the other replicas, and the other subranges are read.
func TestTombstoneFailure(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4, TombstoneMode: cqlsim.TombstonesCassandra,
		TombstoneWarnThreshold: 5, TombstoneFailureThreshold: 40})
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE tomb WITH replication = `+simple(3)))
	require.NoError(t, c.ExecDDL(`CREATE TABLE tomb.t (k int, c int, v text, PRIMARY KEY (k, c))`))
	s := testutil.Session(t, c)
	ctx := t.Context()
	var live, dead [][][]byte
	i32 := func(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }
	for k := range 30 {
		live = append(live, [][]byte{i32(k), i32(0), []byte("x")})
	}
	for c := 1; c <= 60; c++ { // partition 7: 60 row tombstones
		dead = append(dead, [][]byte{i32(7), i32(c)})
	}
	require.NoError(t, writeAll(ctx, s, `INSERT INTO tomb.t (k, c, v) VALUES (?, ?, ?)`, live))
	require.NoError(t, writeAll(ctx, s, `DELETE FROM tomb.t WHERE k = ? AND c = ?`, dead))

	var retries []string
	sc, err := scanner.New(s, scanner.Config{Keyspace: "tomb", Table: "t", PageSize: 1000, MaxFailedRanges: -1},
		scanner.WithHooks(scanner.Hooks{Retry: func(_ int, _, kind string, _ error) { retries = append(retries, kind) }}))
	require.NoError(t, err)
	got := newCollector(true)
	st, err := sc.Run(ctx, got)
	var pe *scanner.PartialError
	require.ErrorAs(t, err, &pe)
	require.Len(t, pe.Failed, 1)
	re := pe.Failed[0]
	assert.ErrorIs(t, re, scanner.ErrTooManyTombstones)
	var rf *gocql.RequestErrReadFailure
	require.ErrorAs(t, re, &rf, "the server's error is kept")
	assert.Contains(t, rf.Message(), "READ_TOO_MANY_TOMBSTONES")
	assert.Equal(t, 1, re.Attempts, "not retried: every replica fails alike")
	assert.Empty(t, retries)
	assert.Contains(t, re.Error(), "--page-size")
	assert.True(t, re.Range.Contains(ring.Murmur3Token(partitioner.Murmur3Token(i32(7)))), "the failed range holds partition 7")
	assert.EqualValues(t, 1, st.Failed)
	// Every partition outside the failed range was read.
	assert.Less(t, got.rows.Size(), 30)
	assert.Positive(t, got.rows.Size())
	assert.False(t, errors.Is(err, context.Canceled))
}
