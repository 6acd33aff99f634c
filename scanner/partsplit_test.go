package scanner_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"math/big"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// hotTable is a table with one large partition (k = 0) among small ones
// and one with static values only, for the tests of partition splitting.
type hotTable struct {
	name string
	// cks are the clustering columns' types, desc their orders.
	cks  []string
	desc []bool
	// value returns clustering column j's value of row i, as CQL text
	// (cqltype.FromString); rows are numbered in no particular order.
	value func(i, j int) string
	// hot is the number of rows of the large partition.
	hot int
	// twoEnded is set when the values have no midpoint where the rows
	// differ: the partition is read from both ends.
	twoEnded bool
}

func (h hotTable) ddl(ks string) string {
	var cols, keys, order []string
	for j, typ := range h.cks {
		name := "c" + strconv.Itoa(j+1)
		cols = append(cols, name+" "+typ)
		keys = append(keys, name)
		dir := "ASC"
		if h.desc[j] {
			dir = "DESC"
		}
		order = append(order, name+" "+dir)
	}
	return fmt.Sprintf("CREATE TABLE %s.%s (k int, %s, v int, s text static, PRIMARY KEY (k, %s)) WITH CLUSTERING ORDER BY (%s)",
		ks, h.name, strings.Join(cols, ", "), strings.Join(keys, ", "), strings.Join(order, ", "))
}

// hotTables are the tables of every clustering type, ascending and
// descending, of two-column keys (one order, mixed orders, every row with
// the same first value) and of types with no midpoint.
func hotTables() []hotTable {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	one := map[string]func(i int) string{
		"tinyint":  func(i int) string { return strconv.Itoa(i - 120) },
		"smallint": func(i int) string { return strconv.Itoa(i*37 - 15000) },
		"int":      func(i int) string { return strconv.Itoa(i*7919 - 5_000_000) },
		"bigint":   func(i int) string { return strconv.FormatInt(int64(i)*1_000_000_007-700_000_000_000, 10) },
		"timestamp": func(i int) string {
			return base.Add(time.Duration(i) * 1500 * time.Millisecond).Format(time.RFC3339Nano)
		},
		"date": func(i int) string { return base.AddDate(0, 0, i*3-900).Format("2006-01-02") },
		"time": func(i int) string {
			return fmt.Sprintf("%02d:%02d:%02d.%09d", i/240%24, i/4%60, i%60, i*1234567%1_000_000_000)
		},
		"timeuuid": timeuuidText,
		"varint": func(i int) string {
			return new(big.Int).Sub(new(big.Int).Mul(big.NewInt(int64(i)), new(big.Int).Lsh(big.NewInt(1), 70)), big.NewInt(1e15)).String()
		},
		"decimal": func(i int) string { return fmt.Sprintf("%d.%03d", i/7-40, i*13%1000) },
		"text":    func(i int) string { return fmt.Sprintf("%c%04d-é", 'a'+i%26, i) },
		"ascii":   func(i int) string { return fmt.Sprintf("%c%05d", 'A'+i%26, i*3) },
		"blob":    func(i int) string { return fmt.Sprintf("0x%04x%02x", i*97%65536, i%256) },
		"inet":    func(i int) string { return fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256) },
	}
	var out []hotTable
	for _, typ := range []string{"tinyint", "smallint", "int", "bigint", "timestamp", "date", "time", "timeuuid", "varint",
		"decimal", "text", "ascii", "blob", "inet"} {
		for _, desc := range []bool{false, true} {
			name := "t_" + typ
			if desc {
				name += "_desc"
			}
			f := one[typ]
			hot := 300
			if typ == "tinyint" {
				hot = 240
			}
			out = append(out, hotTable{name: name, cks: []string{typ}, desc: []bool{desc}, hot: hot,
				value: func(i, _ int) string { return f(i) }})
		}
	}
	uuid := func(i int) string {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i*2654435761%(1<<32), i%65536, i%4096, i*7%4096, i*31)
	}
	out = append(out,
		hotTable{name: "t_uuid", cks: []string{"uuid"}, desc: []bool{false}, hot: 300, twoEnded: true,
			value: func(i, _ int) string { return uuid(i) }},
		hotTable{name: "t_uuid_desc", cks: []string{"uuid"}, desc: []bool{true}, hot: 300, twoEnded: true,
			value: func(i, _ int) string { return uuid(i) }},
		hotTable{name: "t_bool_int", cks: []string{"boolean", "int"}, desc: []bool{false, false}, hot: 300, twoEnded: true,
			value: func(i, j int) string { return []string{strconv.FormatBool(i%2 == 0), strconv.Itoa(i)}[j] }},
		hotTable{name: "t_int_text", cks: []string{"int", "text"}, desc: []bool{false, false}, hot: 300,
			value: func(i, j int) string { return []string{strconv.Itoa(i / 10), "x" + strconv.Itoa(i)}[j] }},
		hotTable{name: "t_int_text_desc", cks: []string{"int", "text"}, desc: []bool{true, true}, hot: 300,
			value: func(i, j int) string { return []string{strconv.Itoa(i / 10), "x" + strconv.Itoa(i)}[j] }},
		hotTable{name: "t_mixed", cks: []string{"timestamp", "int"}, desc: []bool{true, false}, hot: 300,
			value: func(i, j int) string { return []string{one["timestamp"](i / 5), strconv.Itoa(i)}[j] }},
		// Every row with the same first clustering value: the cuts are on
		// the second column, a tuple bound.
		hotTable{name: "t_same_first", cks: []string{"int", "bigint"}, desc: []bool{false, false}, hot: 300,
			value: func(i, j int) string { return []string{"7", strconv.Itoa(i * 1000)}[j] }},
		hotTable{name: "t_same_first_desc", cks: []string{"text", "int"}, desc: []bool{true, true}, hot: 300,
			value: func(i, j int) string { return []string{"same", strconv.Itoa(i*3 - 900)}[j] }},
		// With mixed orders a tuple is not the clustering order: the
		// second column is not cut, and the partition is read from both
		// ends.
		hotTable{name: "t_same_first_mixed", cks: []string{"int", "int"}, desc: []bool{true, false}, hot: 300, twoEnded: true,
			value: func(i, j int) string { return []string{"7", strconv.Itoa(i)}[j] }},
	)
	return out
}

func timeuuidText(i int) string {
	// Version 1, times a second apart from 2026, node and clock from i.
	ts := uint64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Sub(time.Date(1582, 10, 15, 0, 0, 0, 0, time.UTC))/100) + uint64(i)*10_000_000
	return fmt.Sprintf("%08x-%04x-1%03x-%04x-%012x", uint32(ts), uint16(ts>>32), uint16(ts>>48)&0xFFF, 0x8000|uint16(i)&0x3FFF, i*977)
}

// writeHot writes h's rows into ks: the large partition, 30 partitions of
// 4 rows, and partition 999 with a static value only. It returns the rows
// a scan of (k, c..., v, s) must give.
func writeHot(t *testing.T, s *gocql.Session, ks string, h hotTable) testutil.Multiset {
	t.Helper()
	types := make([]cqltype.Type, len(h.cks))
	for j, typ := range h.cks {
		var err error
		types[j], err = cqltype.Parse(typ)
		require.NoError(t, err)
	}
	names := []string{"k"}
	marks := []string{"?"}
	for j := range h.cks {
		names = append(names, "c"+strconv.Itoa(j+1))
		marks = append(marks, "?")
	}
	stmt := fmt.Sprintf("INSERT INTO %s.%s (%s, v) VALUES (%s, ?)", ks, h.name, strings.Join(names, ", "), strings.Join(marks, ", "))
	want := testutil.Multiset{}
	static := map[int]string{0: "hot static"}
	type row struct {
		k    int
		vals [][]byte
	}
	var rows []row
	add := func(k, i int) {
		r := row{k: k}
		for j, typ := range types {
			v, err := cqltype.FromString(typ, h.value(i, j))
			require.NoError(t, err, "%s %s", h.name, h.value(i, j))
			r.vals = append(r.vals, v)
		}
		rows = append(rows, r)
	}
	for i := range h.hot {
		add(0, i)
	}
	for k := 1; k <= 30; k++ {
		static[k] = "s" + strconv.Itoa(k)
		for i := range 4 {
			add(k, k*4+i)
		}
	}
	ctx := t.Context()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	for i, r := range rows {
		args := []any{r.k}
		for _, v := range r.vals {
			args = append(args, rawValue(v))
		}
		args = append(args, i)
		g.Go(func() error { return s.Query(stmt, args...).WithContext(gctx).Exec() })
	}
	for k, sv := range static {
		g.Go(func() error {
			return s.Query(fmt.Sprintf("UPDATE %s.%s SET s = ? WHERE k = ?", ks, h.name), sv, k).WithContext(gctx).Exec()
		})
	}
	g.Go(func() error {
		return s.Query(fmt.Sprintf("UPDATE %s.%s SET s = ? WHERE k = ?", ks, h.name), "static only", 999).WithContext(gctx).Exec()
	})
	require.NoError(t, g.Wait())
	enc := func(v int) []byte { b, _ := cqltype.Encode(cqltype.Native(cqltype.Int), int32(v)); return b }
	for i, r := range rows {
		vals := append([][]byte{enc(r.k)}, r.vals...)
		vals = append(vals, enc(i), []byte(static[r.k]))
		want.AddRow(vals)
	}
	staticOnly := [][]byte{enc(999)}
	for range h.cks {
		staticOnly = append(staticOnly, nil)
	}
	want.AddRow(append(staticOnly, nil, []byte("static only")))
	return want
}

// hotConfig makes a scan split the large partition: small pages, few
// subranges, goroutines to spare.
func hotConfig(ks string, h hotTable) scanner.Config {
	cols := []string{"k"}
	for j := range h.cks {
		cols = append(cols, "c"+strconv.Itoa(j+1))
	}
	return scanner.Config{Keyspace: ks, Table: h.name, Columns: append(cols, "v", "s"), PageSize: 5, Concurrency: 8, Splits: 1}
}

// TestPartitionSplit scans tables whose large partition must be split,
// one per clustering type (ascending and descending), two-column key
// (one order, mixed orders, every row with the same first value) and
// type with no midpoint (read from both ends), each with static values
// and a partition of static values only: every row comes back exactly
// once, as a multiset, and the large partition was split.
func TestPartitionSplit(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 2, Latency: splitLatency})
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE ps WITH replication = `+simple(2)))
	tables := hotTables()
	for _, h := range tables {
		require.NoError(t, c.ExecDDL(h.ddl("ps")), h.name)
	}
	s := testutil.Session(t, c)
	for _, h := range tables {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			want := writeHot(t, s, "ps", h)
			sc, err := scanner.New(s, hotConfig("ps", h))
			require.NoError(t, err)
			got := newCollector(true)
			st, err := sc.Run(t.Context(), got)
			require.NoError(t, err)
			assert.Empty(t, want.Diff(got.rows), "every row once")
			require.Positive(t, st.PartitionsSplit, "the large partition was split (split queries %d, failed %v, ranges %d, pages %d)", st.SplitQueries, st.SplitFailures, st.Ranges, st.Pages)
			pieces, reverse := 0, 0
			for _, r := range st.PerRange {
				if p := r.Piece; p != nil {
					pieces++
					if p.Reverse {
						reverse++
					}
					assert.Equal(t, "k=0", p.Partition)
				}
			}
			assert.Equal(t, st.Pieces, pieces)
			if h.twoEnded {
				assert.Positive(t, reverse, "read from both ends")
			} else {
				assert.Zero(t, reverse, "cut by value")
				assert.Greater(t, pieces, 1, "cut more than once")
			}
		})
	}
}

// TestPartitionSplitOff: with NoPartitionSplit, or with a Where on a
// clustering column, the large partition is read by one goroutine.
func TestPartitionSplitOff(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 2, Latency: splitLatency})
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE ps WITH replication = `+simple(2)))
	var h hotTable
	for _, x := range hotTables() {
		if x.name == "t_timestamp" {
			h = x
		}
	}
	require.NoError(t, c.ExecDDL(h.ddl("ps")))
	s := testutil.Session(t, c)
	want := writeHot(t, s, "ps", h)
	// A clustering restriction leaves out partitions of static values
	// only, as in Cassandra.
	filtered := maps.Clone(want)
	for row := range filtered {
		if strings.Contains(row, hexOf("static only")) {
			delete(filtered, row)
		}
	}
	require.Len(t, filtered, len(want)-1)
	for _, tc := range []struct {
		name string
		cfg  func(*scanner.Config)
	}{
		{"NoPartitionSplit", func(c *scanner.Config) { c.NoPartitionSplit = true }},
		{"Where on a clustering column", func(c *scanner.Config) { c.Where, c.AllowFiltering = `"c1" >= '2000-01-01'`, true }},
		{"Where on a clustering column, unquoted", func(c *scanner.Config) { c.Where, c.AllowFiltering = `C1 >= '2000-01-01'`, true }},
		{"PartitionSplitRows above the partition", func(c *scanner.Config) { c.PartitionSplitRows = 10_000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := hotConfig("ps", h)
			tc.cfg(&cfg)
			sc, err := scanner.New(s, cfg)
			require.NoError(t, err)
			got := newCollector(true)
			st, err := sc.Run(t.Context(), got)
			require.NoError(t, err)
			if cfg.Where != "" {
				assert.Empty(t, filtered.Diff(got.rows))
			} else {
				assert.Empty(t, want.Diff(got.rows))
			}
			assert.Zero(t, st.PartitionsSplit)
			assert.Zero(t, st.Pieces)
			assert.Zero(t, st.SplitQueries)
		})
	}
}

// TestPartitionSplitResume crashes scans in the middle of a split
// partition, cut by value and read from both ends: the process "dies"
// after its Nth checkpoint save (pages written after it are lost), and the
// scan resumes from the checkpoint, several times, until one finishes.
// Every row is in the sink once at the end. A run's saves count towards
// its crash only once the partition is split (or, resumed, from the
// start when its checkpoint holds pieces), so that the crashes hit
// checkpoints that hold pieces of the partition (checked).
func TestPartitionSplitResume(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 2, Latency: splitLatency})
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE ps WITH replication = `+simple(2)))
	var tables []hotTable
	for _, h := range hotTables() {
		if h.name == "t_timestamp_desc" || h.name == "t_uuid" || h.name == "t_same_first" {
			h.hot = 2000
			tables = append(tables, h)
		}
	}
	require.Len(t, tables, 3)
	s := testutil.Session(t, c)
	for _, h := range tables {
		require.NoError(t, c.ExecDDL(h.ddl("ps")))
	}
	for _, h := range tables {
		want := writeHot(t, s, "ps", h)
		for _, crashes := range [][]int64{{2}, {6, 3}, {20, 10, 2}} {
			t.Run(fmt.Sprintf("%s/%v", h.name, crashes), func(t *testing.T) {
				out := &logSink{}
				var durable scanner.MemoryStore
				piecesSeen := false
				for _, crashAt := range crashes {
					store := &armedStore{crashStore: crashStore{crashAt: crashAt, crashed: make(chan struct{})}}
					if data := durable.Bytes(); data != nil {
						require.NoError(t, store.MemoryStore.Save(t.Context(), data))
						if strings.Contains(string(data), `"piece"`) {
							store.armed.Store(true)
						}
					}
					cfg := hotConfig("ps", h)
					cfg.CheckpointEvery = time.Nanosecond
					sc, err := scanner.New(s, cfg)
					require.NoError(t, err)
					ctx, cancel := context.WithCancel(t.Context())
					var written atomic.Int64
					done := make(chan error, 1)
					go func() {
						_, err := sc.Run(ctx, out, scanner.WithCheckpoint(store), scanner.WithHooks(scanner.Hooks{
							PageWritten: func(int, scanner.Cursor, int) { written.Add(1) },
							RangeSplit: func(_ int, child ring.Subrange) {
								if child.Range.Start == child.Range.End {
									store.armed.Store(true) // a piece of the partition
								}
							},
						}))
						done <- err
					}()
					select {
					case <-store.crashed:
						// A few more pages, lost with the process.
						more := written.Load() + 3
						giveUp := time.After(10 * time.Second)
					wait:
						for written.Load() < more {
							select {
							case err := <-done:
								require.NoError(t, err)
								break wait
							case <-giveUp:
								t.Fatal("no page written after the crash point")
							case <-time.After(time.Millisecond):
							}
						}
						cancel()
					case err := <-done:
						cancel()
						require.NoError(t, err, "ended before its crash")
					}
					select {
					case <-done:
					case <-time.After(deadline):
						t.Fatal("the crashed run did not stop")
					}
					if strings.Contains(string(store.MemoryStore.Bytes()), `"piece"`) {
						piecesSeen = true
					}
					require.NoError(t, durable.Save(t.Context(), store.MemoryStore.Bytes()))
				}
				sc, err := scanner.New(s, hotConfig("ps", h))
				require.NoError(t, err)
				_, err = sc.Run(t.Context(), out, scanner.WithCheckpoint(&durable))
				require.NoError(t, err)
				assert.Empty(t, want.Diff(out.rows()), "every row once after %d crashes", len(crashes))
				assert.True(t, piecesSeen, "a crash hit a checkpoint holding pieces of the partition")
			})
		}
	}
}

// armedStore is a crashStore whose saves count towards the crash once it
// is armed.
type armedStore struct {
	crashStore
	armed atomic.Bool
}

func (a *armedStore) Save(ctx context.Context, data []byte) error {
	if !a.armed.Load() {
		return a.MemoryStore.Save(ctx, data)
	}
	return a.crashStore.Save(ctx, data)
}

// TestPartitionSplitConcurrentWrites writes into the large partition while
// it is split and read: as with paging, every row that exists for the
// whole scan is read exactly once, and a row written during it at most
// once.
func TestPartitionSplitConcurrentWrites(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 2, Latency: splitLatency})
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE ps WITH replication = `+simple(2)))
	s := testutil.Session(t, c)
	for _, name := range []string{"t_int", "t_uuid"} {
		t.Run(name, func(t *testing.T) {
			var h hotTable
			for _, x := range hotTables() {
				if x.name == name {
					h = x
				}
			}
			h.hot = 1500
			require.NoError(t, c.ExecDDL(h.ddl("ps")))
			want := writeHot(t, s, "ps", h)
			typ, err := cqltype.Parse(h.cks[0])
			require.NoError(t, err)
			stop := make(chan struct{})
			written := testutil.Multiset{}
			writer := make(chan error, 1)
			go func() {
				// New rows until the scan ends: after the old ones (int),
				// among them (uuid).
				for i := 0; ; i++ {
					select {
					case <-stop:
						writer <- nil
						return
					default:
					}
					n := h.hot*3 + i // values the table does not hold yet
					v, err := cqltype.FromString(typ, h.value(n, 0))
					if err != nil {
						writer <- err
						return
					}
					if err := s.Query(fmt.Sprintf("INSERT INTO ps.%s (k, c1, v) VALUES (0, ?, ?)", h.name), rawValue(v), -n).Exec(); err != nil {
						writer <- err
						return
					}
					enc := func(x int) []byte { b, _ := cqltype.Encode(cqltype.Native(cqltype.Int), int32(x)); return b }
					written.AddRow([][]byte{enc(0), v, enc(-n), []byte("hot static")})
				}
			}()
			sc, err := scanner.New(s, hotConfig("ps", h))
			require.NoError(t, err)
			got := newCollector(true)
			st, err := sc.Run(t.Context(), got)
			close(stop)
			require.NoError(t, <-writer)
			require.NoError(t, err)
			require.Positive(t, st.PartitionsSplit)
			require.NotEmpty(t, written, "rows were written during the scan")
			for row, n := range want {
				assert.Equal(t, n, got.rows[row], "a row that existed all along is read once")
			}
			for row, n := range got.rows {
				if want[row] == 0 {
					assert.Equal(t, 1, n, "a row written during the scan is read at most once")
					assert.Equal(t, 1, written[row], "and it is one of them")
				}
			}
		})
	}
}

func hexOf(s string) string { return "x" + hex.EncodeToString([]byte(s)) }

// splitLatency slows every request a little, so that the large partition
// is still being read when the other subranges are done, however busy the
// machine: what the tests check does not depend on it.
var splitLatency = cqlsim.Latency{Fixed: time.Millisecond}
