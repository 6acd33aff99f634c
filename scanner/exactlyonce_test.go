package scanner_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/partitioner"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// col is a column of a dataset's table: its name as stored and its CQL
// type.
type col struct{ name, typ string }

// dataset is a table, the rows written to it and how it is scanned.
type dataset struct {
	name string
	// table is the table name as stored (it is always quoted in CQL).
	table string
	// cols are the table's columns: the first pk are the partition key,
	// the next ck the clustering columns.
	cols   []col
	pk, ck int
	// options follow the column list in CREATE TABLE.
	options string
	// rows are the live rows, one Go value per column (see cqltype.Encode),
	// nil for null.
	rows func(p ring.Partitioner) [][]any
	// literal writes the rows as CQL literals rather than bind values.
	literal bool
	// deleted rows are written, then deleted by primary key.
	deleted func() [][]any
	// cfg is the scan's configuration; Keyspace, Table and LocalDC are set
	// by the suite.
	cfg scanner.Config
	// wantEmptyPages asks for Stats.EmptyPages > 0 on cqlsim, whose
	// tombstone budget is small.
	wantEmptyPages bool
	// check, if set, makes extra assertions.
	check func(t *testing.T, c *testCluster, plan *scanner.Plan, rows [][]any)
}

// datasets are the tables of the exactly-once suite.
var datasets = []dataset{
	{
		name:  "composite partition key, partitions larger than a page",
		table: "composite",
		cols: []col{{"tenant", "text"}, {"bucket", "int"}, {"ts", "timestamp"}, {"seq", "int"},
			{"body", "text"}, {"score", "double"}, {"tags", "set<text>"}, {"attrs", "map<text, int>"}},
		pk: 2, ck: 2,
		options: `WITH CLUSTERING ORDER BY ("ts" DESC, "seq" ASC)`,
		rows: func(ring.Partitioner) [][]any {
			var rows [][]any
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for p := range 40 {
				for i := range (p*37)%120 + 1 {
					var body, score, tags, attrs any
					switch i % 4 {
					case 0:
						body, tags = "", []string{}
					case 1:
						body, score, tags = fmt.Sprintf("row %d of %d", i, p), float64(i)/3, []string{"a", "b" + fmt.Sprint(i%3)}
					case 2:
						attrs = map[string]int{"x": i, "y": -p}
					}
					rows = append(rows, []any{fmt.Sprintf("tenant-%d", p%7), p, base.Add(time.Duration(i/3) * time.Minute), i, body, score, tags, attrs})
				}
			}
			return rows
		},
		cfg: scanner.Config{PageSize: 25},
	},
	{
		name:  "page size 1",
		table: "page_size_one",
		cols:  []col{{"k", "int"}, {"c", "int"}, {"v", "text"}},
		pk:    1, ck: 1,
		rows: func(ring.Partitioner) [][]any {
			var rows [][]any
			for k := range 12 {
				for c := range k%5 + 1 {
					rows = append(rows, []any{k, c, fmt.Sprint(k * c)})
				}
			}
			return rows
		},
		cfg: scanner.Config{PageSize: 1},
	},
	{
		name:  "empty table",
		table: "empty",
		cols:  []col{{"k", "int"}, {"v", "text"}},
		pk:    1,
		rows:  func(ring.Partitioner) [][]any { return nil },
	},
	{
		name:  "single row",
		table: "single",
		cols:  []col{{"k", "text"}, {"v", "blob"}, {"n", "bigint"}},
		pk:    1,
		rows:  func(ring.Partitioner) [][]any { return [][]any{{"only", []byte{0, 1, 2}, nil}} },
	},
	{
		name:  "tombstone-heavy ranges",
		table: "tombstones",
		cols:  []col{{"k", "int"}, {"c", "int"}, {"v", "text"}},
		pk:    1, ck: 1,
		rows: func(ring.Partitioner) [][]any {
			var rows [][]any
			for k := range 4 {
				for c := range 400 {
					if c < 40 || c >= 360 {
						rows = append(rows, []any{k, c, "live"})
					}
				}
			}
			for k := 100; k < 150; k++ {
				rows = append(rows, []any{k, 0, "small"}, []any{k, 1, nil})
			}
			return rows
		},
		deleted: func() [][]any {
			var rows [][]any
			for k := range 4 {
				for c := 40; c < 360; c++ {
					rows = append(rows, []any{k, c, "dead"})
				}
			}
			return rows
		},
		cfg:            scanner.Config{PageSize: 50},
		wantEmptyPages: true,
	},
	{
		name:  "rows at both ends of the ring",
		table: "ring_ends",
		cols:  []col{{"k", "bigint"}, {"v", "text"}},
		pk:    1,
		rows: func(p ring.Partitioner) [][]any {
			low, high := ringEndKeys(p, 3)
			var rows [][]any
			for _, k := range slices.Concat(low, high) {
				rows = append(rows, []any{k, "end"})
			}
			for i := range int64(300) {
				rows = append(rows, []any{i*7919 + 1<<40, "middle"})
			}
			return rows
		},
		check: checkRingEnds,
	},
	{
		name:  "columns subset without the clustering columns",
		table: "subset_no_ck",
		cols:  []col{{"k", "int"}, {"c", "int"}, {"a", "text"}, {"b", "int"}},
		pk:    1, ck: 1,
		rows: subsetRows,
		cfg:  scanner.Config{PageSize: 13, Columns: []string{"b", "k"}},
	},
	{
		name:  "columns subset without any key column",
		table: "subset_no_key",
		cols:  []col{{"k", "int"}, {"c", "int"}, {"a", "text"}, {"b", "int"}},
		pk:    1, ck: 1,
		rows: subsetRows,
		cfg:  scanner.Config{PageSize: 17, Columns: []string{"a", "b"}},
	},
	{
		// gocql cannot bind a tuple in a prepared statement (it counts
		// the tuple's elements as bind values), so the rows are written
		// as CQL literals.
		name:    "tuple columns",
		table:   "tuples",
		cols:    []col{{"k", "int"}, {"t", "tuple<int, text>"}, {"v", "text"}, {"l", "list<frozen<tuple<int, text>>>"}},
		pk:      1,
		literal: true,
		rows: func(ring.Partitioner) [][]any {
			var rows [][]any
			for k := range 60 {
				var tup, list any
				switch k % 3 {
				case 0:
					tup, list = []any{k, fmt.Sprint(k)}, [][]any{{k, "a"}, {nil, "b"}}
				case 1:
					tup = []any{nil, "only text"}
				}
				rows = append(rows, []any{k, tup, "v", list})
			}
			return rows
		},
		cfg: scanner.Config{PageSize: 7},
	},
	{
		name:  "quoted case-sensitive identifiers",
		table: "MyTable",
		cols:  []col{{"Key", "int"}, {"select", "int"}, {"Col", "text"}, {"col", "text"}},
		pk:    1, ck: 1,
		rows: quotedRows,
		cfg:  scanner.Config{PageSize: 20},
	},
	{
		name:  "quoted identifiers, columns subset",
		table: `My"Other Table`,
		cols:  []col{{"Key", "int"}, {"select", "int"}, {"Col", "text"}, {"col", "text"}},
		pk:    1, ck: 1,
		rows: quotedRows,
		cfg:  scanner.Config{PageSize: 20, Columns: []string{"Col", "Key"}},
	},
}

func subsetRows(ring.Partitioner) [][]any {
	var rows [][]any
	for k := range 30 {
		for c := range 20 {
			rows = append(rows, []any{k, c, fmt.Sprint((k + c) % 3), c % 5})
		}
	}
	return rows
}

func quotedRows(ring.Partitioner) [][]any {
	var rows [][]any
	for k := range 20 {
		for c := range 15 {
			rows = append(rows, []any{k, c, "Upper", fmt.Sprint("lower", k%4)})
		}
	}
	return rows
}

// TestExactlyOnce scans every dataset on every simulated topology and
// checks that the rows read are the rows written, as a multiset.
func TestExactlyOnce(t *testing.T) {
	runExactlyOnce(t, simProviders())
}

// TestExactlyOnceRealCluster runs the same suite against the cluster named
// by RINGSCAN_TEST_HOSTS.
func TestExactlyOnceRealCluster(t *testing.T) {
	runExactlyOnce(t, realProviders(t))
}

func runExactlyOnce(t *testing.T, providers []provider) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			c := p.open(t)
			// Every table first: the driver's metadata follows DDL after a
			// debounce, so one wait covers them all.
			names := make([]string, len(datasets))
			for i, ds := range datasets {
				require.NoError(t, c.session.Query(ds.createTable(c.keyspace)).Exec())
				names[i] = ds.table
			}
			testutil.WaitForTables(t, c.session, c.keyspace, names...)
			for _, ds := range datasets {
				t.Run(ds.name, func(t *testing.T) { checkExactlyOnce(t, c, ds) })
			}
		})
	}
}

// quoteIdent double-quotes a CQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (ds dataset) qualified(ks string) string { return ks + "." + quoteIdent(ds.table) }

func (ds dataset) createTable(ks string) string {
	defs := make([]string, len(ds.cols))
	for i, c := range ds.cols {
		defs[i] = quoteIdent(c.name) + " " + c.typ
	}
	names := func(cs []col) string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = quoteIdent(c.name)
		}
		return strings.Join(out, ", ")
	}
	key := "(" + names(ds.cols[:ds.pk]) + ")"
	if ds.ck > 0 {
		key += ", " + names(ds.cols[ds.pk:ds.pk+ds.ck])
	}
	return fmt.Sprintf("CREATE TABLE %s (%s, PRIMARY KEY (%s)) %s", ds.qualified(ks), strings.Join(defs, ", "), key, ds.options)
}

func (ds dataset) insert(ks string) string {
	names := make([]string, len(ds.cols))
	for i, c := range ds.cols {
		names[i] = quoteIdent(c.name)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", ds.qualified(ks), strings.Join(names, ", "),
		strings.TrimSuffix(strings.Repeat("?, ", len(ds.cols)), ", "))
}

// insertLiteral is an INSERT of row with its values as CQL literals, for
// ints, strings, null, tuples ([]any) and lists of tuples ([][]any).
func (ds dataset) insertLiteral(ks string, row []any) string {
	var lit func(v any) string
	lit = func(v any) string {
		switch v := v.(type) {
		case nil:
			return "null"
		case int:
			return fmt.Sprint(v)
		case string:
			return "'" + strings.ReplaceAll(v, "'", "''") + "'"
		case []any:
			out := make([]string, len(v))
			for i, e := range v {
				out[i] = lit(e)
			}
			return "(" + strings.Join(out, ", ") + ")"
		case [][]any:
			out := make([]string, len(v))
			for i, e := range v {
				out[i] = lit(e)
			}
			return "[" + strings.Join(out, ", ") + "]"
		}
		panic(fmt.Sprintf("no literal for %T", v))
	}
	names := make([]string, len(ds.cols))
	vals := make([]string, len(ds.cols))
	for i, c := range ds.cols {
		names[i] = quoteIdent(c.name)
		vals[i] = lit(row[i])
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", ds.qualified(ks), strings.Join(names, ", "), strings.Join(vals, ", "))
}

func (ds dataset) delete(ks string) string {
	conds := make([]string, ds.pk+ds.ck)
	for i := range conds {
		conds[i] = quoteIdent(ds.cols[i].name) + " = ?"
	}
	return fmt.Sprintf("DELETE FROM %s WHERE %s", ds.qualified(ks), strings.Join(conds, " AND "))
}

// encode serializes rows of Go values.
func (ds dataset) encode(t *testing.T, rows [][]any) [][][]byte {
	types := make([]cqltype.Type, len(ds.cols))
	for i, c := range ds.cols {
		var err error
		types[i], err = cqltype.Parse(c.typ)
		require.NoError(t, err)
	}
	out := make([][][]byte, len(rows))
	for i, row := range rows {
		require.Len(t, row, len(ds.cols))
		out[i] = make([][]byte, len(row))
		for j, v := range row {
			b, err := cqltype.Encode(types[j], v)
			require.NoError(t, err, "row %d column %s", i, ds.cols[j].name)
			out[i][j] = b
		}
	}
	return out
}

func checkExactlyOnce(t *testing.T, c *testCluster, ds dataset) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rows := ds.rows(c.partitioner)
	live := ds.encode(t, rows)
	if ds.literal {
		for _, row := range rows {
			require.NoError(t, c.session.Query(ds.insertLiteral(c.keyspace, row)).WithContext(ctx).Consistency(gocql.All).Exec())
		}
	} else {
		require.NoError(t, writeAll(ctx, c.session, ds.insert(c.keyspace), live))
	}
	if ds.deleted != nil {
		dead := ds.encode(t, ds.deleted())
		require.NoError(t, writeAll(ctx, c.session, ds.insert(c.keyspace), dead))
		keys := make([][][]byte, len(dead))
		for i, row := range dead {
			keys[i] = row[:ds.pk+ds.ck]
		}
		require.NoError(t, writeAll(ctx, c.session, ds.delete(c.keyspace), keys))
	}

	// The same scan with each per-host mode: fixed caps, and adaptive
	// limits that move while the scan runs.
	for _, mode := range []scanner.PerHostMode{scanner.PerHostFixed, scanner.PerHostAdaptive} {
		t.Run(string(mode), func(t *testing.T) {
			cfg := ds.cfg
			cfg.Keyspace, cfg.Table, cfg.LocalDC = c.keyspace, ds.table, c.localDC
			cfg.PerHostMode = mode
			var mu sync.Mutex
			pageHosts := map[int]map[string]bool{} // range id -> hosts that served its pages
			children := map[int]ring.Subrange{}    // subranges split off running ones
			sc, err := scanner.New(c.session, cfg, scanner.WithHooks(scanner.Hooks{
				PageRead: func(rangeID int, host string, _, _ int, _ time.Duration) {
					mu.Lock()
					defer mu.Unlock()
					if pageHosts[rangeID] == nil {
						pageHosts[rangeID] = map[string]bool{}
					}
					pageHosts[rangeID][host] = true
				},
				RangeSplit: func(_ int, child ring.Subrange) {
					mu.Lock()
					defer mu.Unlock()
					children[child.ID] = child
				},
			}))
			require.NoError(t, err)
			plan, err := sc.Plan(ctx)
			require.NoError(t, err)
			got := newCollector(true)
			st, err := sc.RunPlan(ctx, plan, got)
			require.NoError(t, err)

			// The rows wanted: the written ones, projected on the scanned columns.
			idx := make([]int, len(plan.Columns))
			for i, pc := range plan.Columns {
				idx[i] = slices.IndexFunc(ds.cols, func(c col) bool { return c.name == pc.Name })
				require.GreaterOrEqual(t, idx[i], 0, "column %q", pc.Name)
			}
			if len(cfg.Columns) > 0 {
				require.Len(t, plan.Columns, len(cfg.Columns))
			} else {
				require.Len(t, plan.Columns, len(ds.cols))
			}
			want := testutil.Multiset{}
			vals := make([][]byte, len(idx))
			for _, row := range live {
				for i, j := range idx {
					vals[i] = row[j]
					if emptyMultiCell(ds.cols[j].typ, vals[i]) {
						vals[i] = nil // Cassandra stores no element: it reads as null
					}
				}
				want.AddRow(vals)
			}
			assert.Empty(t, want.Diff(got.rows), "rows read differ from rows written")
			assert.Equal(t, int64(len(rows)), st.Rows)
			assert.Equal(t, len(plan.Subranges)+len(children), st.Ranges, "the plan's subranges and those split off")
			assert.Equal(t, st.Ranges, st.Done)
			assert.Zero(t, st.Failed)
			if ds.wantEmptyPages && c.sim != nil {
				assert.Positive(t, st.EmptyPages, "tombstones beyond the page's budget make empty pages")
			}

			// Counted, the same rows: by pages (CountOnly), and, with fixed
			// limits and no Where condition (it refuses both), on the
			// server (CountOnServer, one count(*) a subrange), sized by the
			// estimates to at most 1 KiB a count(*) where they are usable:
			// on cqlsim always, on a real cluster once it wrote them.
			countCfg := cfg
			countCfg.UseSizeEstimates, countCfg.CountSplitBytes = true, 1<<10
			cs, err := scanner.New(c.session, countCfg)
			require.NoError(t, err)
			countPlan, err := cs.Plan(ctx)
			require.NoError(t, err)
			counts := map[string]*scanner.Plan{"paged": countPlan.CountOnly()}
			if mode == scanner.PerHostFixed && strings.TrimSpace(cfg.Where) == "" {
				counts["on the server"], err = countPlan.CountOnServer()
				require.NoError(t, err)
			}
			for name, p := range counts {
				var n sink.Count
				_, err := cs.RunPlan(ctx, p, &n)
				require.NoError(t, err, "count %s", name)
				assert.Equal(t, int64(len(rows)), n.Rows(), "count %s", name)
			}

			// Every page came from a replica of its subrange, and from LocalDC
			// when it is set.
			mu.Lock()
			defer mu.Unlock()
			byID := maps.Clone(children)
			for _, sr := range plan.Subranges {
				byID[sr.ID] = sr
			}
			assert.Len(t, pageHosts, st.Ranges, "every range read at least one page")
			for id, hosts := range pageHosts {
				sr, ok := byID[id]
				require.True(t, ok, "page of unknown range %d", id)
				for h := range hosts {
					assert.True(t, slices.ContainsFunc(sr.Replicas, func(r ring.Host) bool { return r.Address == h }),
						"range %d read from %s, not one of its replicas %v", id, h, sr.Replicas)
					if c.localDC != "" {
						assert.Equal(t, c.localDC, c.dcOf[h], "range %d read from %s", id, h)
					}
				}
			}
			if ds.check != nil {
				ds.check(t, c, plan, rows)
			}
		})
	}
}

// emptyMultiCell reports whether v is an empty non-frozen collection of
// type typ, which Cassandra reads back as null.
func emptyMultiCell(typ string, v []byte) bool {
	t, err := cqltype.Parse(typ)
	return err == nil && t.IsCollection() && !t.Frozen && len(v) == 4 && binary.BigEndian.Uint32(v) == 0
}

// tokenOf is the token of a bigint partition key.
func tokenOf(t *testing.T, p ring.Partitioner, k int64) ring.Token {
	key := binary.BigEndian.AppendUint64(nil, uint64(k))
	var (
		tk  ring.Token
		err error
	)
	if p == ring.RandomPartitioner {
		tk, err = p.TokenOf(partitioner.RandomToken(key))
	} else {
		tk, err = p.TokenOf(partitioner.Murmur3Token(key))
	}
	require.NoError(t, err)
	return tk
}

// ringEndKeys returns the n bigint keys with the lowest tokens and the n
// with the highest among 2^18 candidates, lowest first: for Murmur3 about
// 2^46 from MinInt64+1 and MaxInt64, far closer than a vnode token is likely
// to be.
func ringEndKeys(p ring.Partitioner, n int) (low, high []int64) {
	type kt struct {
		k  int64
		tk ring.Token
	}
	var lo, hi []kt // sorted by token
	keep := func(s []kt, e kt, cmp int) []kt {
		i, _ := slices.BinarySearchFunc(s, e, func(a, b kt) int { return a.tk.Compare(b.tk) })
		s = slices.Insert(s, i, e)
		if len(s) > n {
			if cmp < 0 {
				s = s[:n]
			} else {
				s = s[1:]
			}
		}
		return s
	}
	for k := range int64(1 << 18) {
		key := binary.BigEndian.AppendUint64(nil, uint64(k))
		var tk ring.Token
		if p == ring.RandomPartitioner {
			tk, _ = p.TokenOf(partitioner.RandomToken(key))
		} else {
			tk = ring.Murmur3Token(partitioner.Murmur3Token(key))
		}
		e := kt{k, tk}
		if len(lo) < n || tk.Compare(lo[len(lo)-1].tk) < 0 {
			lo = keep(lo, e, -1)
		}
		if len(hi) < n || tk.Compare(hi[0].tk) > 0 {
			hi = keep(hi, e, 1)
		}
	}
	for _, e := range lo {
		low = append(low, e.k)
	}
	for _, e := range hi {
		high = append(high, e.k)
	}
	return low, high
}

// checkRingEnds checks that the keys nearest the ring's ends fall in the
// plan's first and last subranges, (Min, ...] and (..., Max]: the suite then
// proves those subranges are read, their bounds included.
func checkRingEnds(t *testing.T, _ *testCluster, plan *scanner.Plan, _ [][]any) {
	p := plan.Ring.Partitioner()
	low, high := ringEndKeys(p, 3)
	var first, last ring.Subrange
	for _, sr := range plan.Subranges {
		if sr.Range.Start == p.Min() {
			first = sr
		}
		if sr.Range.End == p.Max() {
			last = sr
		}
	}
	require.Equal(t, p.Min(), first.Range.Start, "the plan starts at the ring's minimum")
	require.Equal(t, p.Max(), last.Range.End, "the plan ends at the ring's maximum")
	assert.True(t, first.Range.Contains(tokenOf(t, p, low[0])), "key %d (token %v) is in the first subrange %v", low[0], tokenOf(t, p, low[0]), first.Range)
	assert.True(t, last.Range.Contains(tokenOf(t, p, high[len(high)-1])), "key %d (token %v) is in the last subrange %v", high[len(high)-1], tokenOf(t, p, high[len(high)-1]), last.Range)
}
