package scanner_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// tokenLog is a committing sink that keeps the token of every row it is
// given (a count's pages carry no values, only tokens or keys), and counts
// the pages read by key.
type tokenLog struct {
	committedLog[ring.Token]
	plan  *scanner.Plan
	keyed int
}

var _ sink.Committer = (*tokenLog)(nil)

func (s *tokenLog) Write(_ context.Context, b *sink.Batch) error {
	if b.Width() == 0 { // counted on the server: rows without tokens
		s.mu.Lock()
		defer s.mu.Unlock()
		for range b.Len() {
			s.log = append(s.log, ring.Token{})
		}
		return nil
	}
	toks, keyed, err := scanner.PageTokens(s.plan, b)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, toks...)
	if keyed {
		s.keyed++
	}
	return nil
}

// counts is the number of rows of each token.
func (s *tokenLog) counts() map[ring.Token]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[ring.Token]int{}
	for _, tk := range s.log {
		out[tk]++
	}
	return out
}

// tokenCounts reads the rows' tokens with keys (their partition key), the
// reference a count's rows per token are compared with.
func tokenCounts(t *testing.T, sc *scanner.Scanner, plan *scanner.Plan) map[ring.Token]int {
	t.Helper()
	keyed, err := plan.Project(plan.PartitionKey)
	require.NoError(t, err)
	ref := &tokenLog{plan: keyed}
	_, err = sc.RunPlan(t.Context(), keyed, ref)
	require.NoError(t, err)
	return ref.counts()
}

// countRun counts a table with CountOnly and returns the rows per token
// and the statistics.
func countRun(t *testing.T, s *gocql.Session, cfg scanner.Config) (got *tokenLog, want map[ring.Token]int, st scanner.Stats) {
	t.Helper()
	sc, err := scanner.New(s, cfg)
	require.NoError(t, err)
	plan, err := sc.Plan(t.Context())
	require.NoError(t, err)
	count := plan.CountOnly()
	require.Empty(t, count.Columns)
	got = &tokenLog{plan: count}
	st, err = sc.RunPlan(t.Context(), count, got)
	require.NoError(t, err)
	return got, tokenCounts(t, sc, plan), st
}

// startHotDemo starts the cluster the count tests read: 3 nodes of 2
// vnodes, a little latency, Cassandra's tombstone thresholds scaled down,
// the demo table (3000 rows: a large partition, runs of tombstones) and
// the hot tables (one partition holding a quarter of the rows). rows is
// each table's rows.
func startHotDemo(t *testing.T) (c *cqlsim.Cluster, rows map[string]int64) {
	t.Helper()
	return startHotDemoWith(t, cqlsim.Config{})
}

// startHotDemoWith is startHotDemo on a cluster of cfg, its topology,
// latency and tombstone budget startHotDemo's.
func startHotDemoWith(t *testing.T, cfg cqlsim.Config) (c *cqlsim.Cluster, rows map[string]int64) {
	t.Helper()
	cfg.Nodes, cfg.VNodes, cfg.Latency, cfg.TombstoneBudget = 3, 2, splitLatency, simTombstoneBudget
	c = testutil.StartSim(t, cfg)
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE "+cqlsim.DemoKeyspace+" WITH replication = "+simple(2)))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 3000, HotRows: 2000})
	require.NoError(t, err)
	rows = map[string]int64{info.Table: info.Rows}
	for _, o := range info.Others {
		rows[o.Table] = o.Rows
	}
	return c, rows
}

func sumCounts(m map[ring.Token]int) int64 {
	n := int64(0)
	for _, v := range m {
		n += int64(v)
	}
	return n
}

// TestCountOnly counts the hot tables (one partition holding a quarter of
// the rows; int and timestamp clustering cut by value, uuid read from
// both ends) and the demo table (a large partition, runs of tombstones)
// with CountOnly: every token has exactly its rows, the large partitions
// were read by key and split, and with NoPartitionSplit everything is read
// by token only.
func TestCountOnly(t *testing.T) {
	t.Parallel()
	c, rows := startHotDemo(t)
	s := testutil.Session(t, c)
	for _, tc := range []struct {
		name, table string
		cfg         func(*scanner.Config)
		split       bool // the large partition is read by key and split
	}{
		{name: "hot_int", table: cqlsim.HotTable("int"), split: true},
		{name: "hot_timestamp", table: cqlsim.HotTable("timestamp"), split: true},
		{name: "hot_uuid", table: cqlsim.HotTable("uuid"), split: true},
		{name: "demo", table: cqlsim.DemoTable, split: true},
		{name: "hot_int NoPartitionSplit", table: cqlsim.HotTable("int"), cfg: func(c *scanner.Config) { c.NoPartitionSplit = true }},
		{name: "hot_int Where on a regular column", table: cqlsim.HotTable("int"), split: true,
			cfg: func(c *scanner.Config) { c.Where, c.AllowFiltering = "n > 0", true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: tc.table, PageSize: 20, Concurrency: 8, Splits: 1}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			got, want, st := countRun(t, s, cfg)
			assert.Equal(t, want, got.counts(), "every token's rows once")
			if cfg.Where == "" {
				assert.Equal(t, rows[tc.table], sumCounts(want), "the reference holds the table")
			} else {
				assert.Less(t, sumCounts(want), rows[tc.table], "the Where condition drops rows")
			}
			assert.Equal(t, sumCounts(want), st.Rows)
			if tc.split {
				assert.Positive(t, got.keyed, "pages read by key")
				assert.Positive(t, st.PartitionsSplit, "the large partition was split")
			} else {
				assert.Zero(t, got.keyed, "no page read by key")
				assert.Zero(t, st.PartitionsSplit)
				assert.Zero(t, st.SplitQueries)
			}
		})
	}
}

// partitionsTable creates table ks.name (k int, c int) with partitions of
// the given sizes, k = 0, 1, ...
func partitionsTable(t *testing.T, c *cqlsim.Cluster, s *gocql.Session, ks, name string, sizes []int) {
	t.Helper()
	require.NoError(t, c.ExecDDL(fmt.Sprintf("CREATE TABLE %s.%s (k int, c int, v int, PRIMARY KEY (k, c))", ks, name)))
	g, gctx := errgroup.WithContext(t.Context())
	g.SetLimit(32)
	stmt := fmt.Sprintf("INSERT INTO %s.%s (k, c, v) VALUES (?, ?, ?)", ks, name)
	for k, n := range sizes {
		for i := range n {
			g.Go(func() error { return s.Query(stmt, k, i, k*i).WithContext(gctx).Exec() })
		}
	}
	require.NoError(t, g.Wait())
}

// TestCountOnlyPageBoundaries counts tables whose partitions are exactly a
// page (each tokens-only page then ends at a partition's end, and the
// reader switches to keys with nothing of the partition left), or around
// a page and its multiples, with one goroutine (no split: the pages fall
// where the sizes say) and with several: every token has its rows once.
func TestCountOnlyPageBoundaries(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 1})
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE cb WITH replication = "+simple(1)))
	s := testutil.Session(t, c)
	const page = 10
	exact := make([]int, 30)
	for i := range exact {
		exact[i] = page
	}
	var mixed []int
	for i := range 40 {
		mixed = append(mixed, []int{page, 2 * page, page - 1, page + 1, 1, 3 * page, 2*page - 1, 2*page + 1}[i%8])
	}
	partitionsTable(t, c, s, "cb", "exact", exact)
	partitionsTable(t, c, s, "cb", "mixed", mixed)
	for _, table := range []string{"exact", "mixed"} {
		for _, conc := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/concurrency %d", table, conc), func(t *testing.T) {
				got, want, st := countRun(t, s, scanner.Config{Keyspace: "cb", Table: table, PageSize: page, Concurrency: conc, Splits: 1})
				assert.Equal(t, want, got.counts(), "every token's rows once")
				assert.Equal(t, sumCounts(want), st.Rows)
				assert.Positive(t, got.keyed, "pages read by key")
			})
		}
	}
}

// TestCountOnlyShortPages counts a table with a wide partition of long
// clustering values on a cluster that cuts pages at 1000 bytes, as
// ScyllaDB does at 1 MiB: pages come back far shorter than the page size,
// so the count's skip into the wide partition reads several responses
// into one batch, whose later rows lie in another frame than the first.
// Every token has its rows once. A frame walk that refuses rows lying
// outside the batch's first frame fails the range.
func TestCountOnlyShortPages(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 1, PageBytes: 1000})
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE cs WITH replication = "+simple(1)))
	require.NoError(t, c.ExecDDL("CREATE TABLE cs.wide (k int, c text, PRIMARY KEY (k, c))"))
	s := testutil.Session(t, c)
	g, gctx := errgroup.WithContext(t.Context())
	g.SetLimit(32)
	for k := range 51 {
		n := 3
		if k == 0 {
			n = 500
		}
		for i := range n {
			g.Go(func() error {
				return s.Query("INSERT INTO cs.wide (k, c) VALUES (?, ?)", k, fmt.Sprintf("%050d", i)).WithContext(gctx).Exec()
			})
		}
	}
	require.NoError(t, g.Wait())
	got, want, st := countRun(t, s, scanner.Config{Keyspace: "cs", Table: "wide", PageSize: 20, Concurrency: 1, Splits: 1})
	assert.Equal(t, want, got.counts(), "every token's rows once")
	assert.Equal(t, int64(500+50*3), st.Rows)
	assert.Positive(t, got.keyed, "pages read by key: the skip into the wide partition ran")
}

// TestCountOnlyTokensOnly: on a table with no partition of a page, a
// count reads tokens only: the rows TokensOnly reads, with as many page
// requests, and two more per node that read no row (the statements a
// switch to keys would run, prepared on every replica as the scan starts).
func TestCountOnlyTokensOnly(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4})
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE cs WITH replication = "+simple(1)))
	s := testutil.Session(t, c)
	const page = 10
	var sizes []int
	for i := range 200 {
		sizes = append(sizes, 1+i%(page-1))
	}
	partitionsTable(t, c, s, "cs", "small", sizes)
	cfg := scanner.Config{Keyspace: "cs", Table: "small", PageSize: page, Concurrency: 1}
	sc, err := scanner.New(s, cfg)
	require.NoError(t, err)
	plan, err := sc.Plan(t.Context())
	require.NoError(t, err)
	served := func(p *scanner.Plan) (cqlsim.Served, *tokenLog) {
		before := c.Served()["cs.small"]
		got := &tokenLog{plan: p}
		_, err := sc.RunPlan(t.Context(), p, got)
		require.NoError(t, err)
		after := c.Served()["cs.small"]
		return cqlsim.Served{Requests: after.Requests - before.Requests, RowsExamined: after.RowsExamined - before.RowsExamined}, got
	}
	tokensOnly, ref := served(plan.TokensOnly())
	count, got := served(plan.CountOnly())
	assert.Equal(t, ref.counts(), got.counts())
	assert.Zero(t, got.keyed, "no page read by key")
	// The page requests of the tokens-only read, and the two statements
	// prepareSwitch prepares on each host, unless the scan ended before
	// one reached its host (it cancels them then).
	assert.GreaterOrEqual(t, count.Requests, tokensOnly.Requests, "the tokens-only read's pages")
	assert.LessOrEqual(t, count.Requests, tokensOnly.Requests+2*int64(len(plan.Ring.Hosts())), "no other request")
	assert.Equal(t, tokensOnly.RowsExamined, count.RowsExamined, "no other row read")
	assert.Positive(t, tokensOnly.Requests)
}

// switchStore keeps every save until armed (a page was read by key), then
// keep more, and drops the rest: the process "dies" there.
type switchStore struct {
	scanner.MemoryStore
	armed   atomic.Bool
	keep    int64
	saves   atomic.Int64
	crashed chan struct{}
	once    sync.Once
}

// runUntilCrash runs a count whose store crashes it (switchStore) and
// returns once the crash happened and the run stopped; it fails the test
// when the run ends first, or when the crash or the stop takes longer
// than deadline.
func runUntilCrash(t *testing.T, store *switchStore, run func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	select {
	case <-store.crashed:
		cancel()
	case err := <-done:
		require.NoError(t, err)
		t.Fatal("the count ended before its crash")
	case <-time.After(deadline):
		t.Fatal("no crash")
	}
	select {
	case <-done:
	case <-time.After(deadline):
		t.Fatal("the crashed run did not stop")
	}
}

// assertCountedOnce checks a count that may have counted rows on the
// server (the log's rows without a token): no token read by pages more
// rows than it has, and the table's rows in all.
func assertCountedOnce(t *testing.T, want map[ring.Token]int, l *tokenLog, msg string) {
	t.Helper()
	got := l.counts()
	total := int64(got[ring.Token{}])
	delete(got, ring.Token{})
	var over []string
	for tk, n := range got {
		total += int64(n)
		if n > want[tk] {
			over = append(over, fmt.Sprintf("%v: %d of %d", tk, n, want[tk]))
		}
	}
	assert.Empty(t, over, "%s: tokens read by pages more often than their rows", msg)
	assert.Equal(t, sumCounts(want), total, "%s: the table's rows once", msg)
}

func (s *switchStore) Save(ctx context.Context, data []byte) error {
	if s.armed.Load() && s.saves.Add(1) > s.keep {
		s.once.Do(func() { close(s.crashed) })
		return nil
	}
	return s.MemoryStore.Save(ctx, data)
}

// TestCountOnlyResume crashes counts right when a reader switches to keys
// in the large partition (its checkpoint reads on by token: the resume
// switches again), right after its first page by key, and in the middle
// of its keyed part (the last
// checkpoint holds the keyed cursor; the pages after it are lost), then
// resumes them from the checkpoint, with its paging states and with
// paging states the server refuses (each subrange then restarts after its
// last row, by key or by ordinal): every token has its rows once.
func TestCountOnlyResume(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 2, Latency: splitLatency})
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE "+cqlsim.DemoKeyspace+" WITH replication = "+simple(2)))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 500, HotRows: 2000})
	require.NoError(t, err)
	s := testutil.Session(t, c)
	for _, table := range []string{cqlsim.HotTable("int"), cqlsim.HotTable("uuid")} {
		for _, tc := range []struct {
			// at arms the crash: on the page that switches (the cursor's
			// next statement reads keys) or on the first read by key.
			at      string
			keep    int64
			refused bool
			// server resumes with CountOnServer: the subranges the
			// checkpoint holds a position in are read on by pages, the
			// others counted on the server.
			server bool
		}{{"switch", 1, false, false}, {"keyed", 1, false, false}, {"keyed", 2, false, false}, {"keyed", 6, false, false},
			{"keyed", 1, true, false}, {"keyed", 6, true, false}, {"switch", 1, false, true}, {"keyed", 2, false, true}, {"keyed", 6, true, true}} {
			keep := tc.keep
			t.Run(fmt.Sprintf("%s/%d saves after the %s page, paging states refused %v, on the server %v", table, keep, tc.at, tc.refused, tc.server), func(t *testing.T) {
				t.Parallel()
				// Pages above the small partitions' 39 rows: only the large
				// one is read by key.
				cfg := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: table, PageSize: 40, Concurrency: 4, Splits: 1,
					CheckpointEvery: time.Nanosecond}
				sc, err := scanner.New(s, cfg)
				require.NoError(t, err)
				plan, err := sc.Plan(t.Context())
				require.NoError(t, err)
				want := tokenCounts(t, sc, plan)
				count := plan.CountOnly()
				out := &tokenLog{plan: count}
				store := &switchStore{keep: keep, crashed: make(chan struct{})}
				runUntilCrash(t, store, func(ctx context.Context) error {
					_, err := sc.RunPlan(ctx, count, out, scanner.WithCheckpoint(store), scanner.WithHooks(scanner.Hooks{
						PageWritten: func(_ int, cur scanner.Cursor, _ int) {
							if tc.at == "switch" && scanner.CursorSwitching(cur) || tc.at == "keyed" && scanner.CursorKeyed(cur) {
								store.armed.Store(true)
							}
						},
					}))
					return err
				})
				if cp := string(store.Bytes()); tc.at == "keyed" {
					require.True(t, strings.Contains(cp, `"key"`), "the checkpoint holds a keyed position: %s", cp)
				}
				durable := string(store.Bytes())
				resume := &store.MemoryStore
				if tc.refused {
					// Every subrange restarts from its last row: by key
					// in the large partition.
					data, err := scanner.CorruptPageStates(store.Bytes())
					require.NoError(t, err)
					resume = &scanner.MemoryStore{}
					require.NoError(t, resume.Save(t.Context(), data))
				}
				again := count
				if tc.server {
					again, err = plan.CountOnServer()
					require.NoError(t, err)
				}
				st, err := sc.RunPlan(t.Context(), again, out, scanner.WithCheckpoint(resume))
				require.NoError(t, err)
				if tc.server {
					// Whether any subrange is left to count on the server
					// depends on where the crash fell: with every
					// subrange started, all are read on by pages.
					assertCountedOnce(t, want, out, fmt.Sprintf("after the crash (from %s)", durable))
					return
				}
				assert.Equal(t, want, out.counts(), "every token's rows once after the crash (from %s)", durable)
				if tc.refused {
					assert.Positive(t, st.RetriesByKind["paging_state_refused"])
				}
			})
		}
	}
}
