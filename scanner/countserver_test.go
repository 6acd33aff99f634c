package scanner_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// TestCountOnServer counts tables with CountOnServer: the hot tables (one
// partition holds a quarter of the rows) and the demo table (a large
// partition, deleted rows, runs of tombstones), without faults and with
// requests failing (whose subranges are then read page by page). Every
// subrange holds exactly the rows its tokens have (the reference reads
// every row's partition key), and without faults each subrange takes one
// request.
func TestCountOnServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		faults []cqlsim.Fault
	}{
		{name: "no faults"},
		{name: "30% overloaded", faults: []cqlsim.Fault{{Kind: cqlsim.Overloaded, Rate: 0.3}}},
		{name: "the 3rd request of every node times out", faults: []cqlsim.Fault{{Kind: cqlsim.ReadTimeout, Nth: 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, rows := startHotDemo(t)
			s := testutil.Session(t, c)
			for _, table := range []string{cqlsim.DemoTable, cqlsim.HotTable("int"), cqlsim.HotTable("uuid")} {
				t.Run(table, func(t *testing.T) {
					// Retries: 30: at 30% overloaded a page fails all of the
					// default 9 attempts once in 50,000, and a subrange read
					// page by page after its count failed takes dozens of
					// pages of 20 (hot_uuid's failed so in a full test run
					// of the nineteenth session); 31 attempts fail once in
					// 10^16.
					cfg := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: table, PageSize: 20, Concurrency: 8, Splits: 4,
						Retries: 30, BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond}
					sc, err := scanner.New(s, cfg)
					require.NoError(t, err)
					plan, err := sc.Plan(t.Context())
					require.NoError(t, err)
					want := tokenCounts(t, sc, plan) // before the faults: the reference reads every row
					require.Equal(t, rows[table], sumCounts(want), "the reference holds the table")
					for _, n := range c.Nodes() {
						require.NoError(t, n.SetFaults(tc.faults...))
					}
					t.Cleanup(func() {
						for _, n := range c.Nodes() {
							_ = n.SetFaults()
						}
					})
					server, err := plan.CountOnServer()
					require.NoError(t, err)
					var count sink.Count
					st, err := sc.RunPlan(t.Context(), server, &count)
					require.NoError(t, err)
					assert.Equal(t, rows[table], count.Rows(), "the count")
					assert.Equal(t, rows[table], st.Rows)
					require.Len(t, st.PerRange, len(plan.Subranges), "no subrange split")
					for _, r := range st.PerRange {
						assert.True(t, r.Done, "range %d done", r.ID)
						assert.Equal(t, rowsIn(want, r.Range), r.Rows, "range %d %v: its tokens' rows", r.ID, r.Range)
					}
					if len(tc.faults) == 0 {
						assert.EqualValues(t, len(plan.Subranges), st.Pages, "one request a subrange")
					}
				})
			}
			if len(tc.faults) > 0 {
				var injected int64
				for _, n := range c.Nodes() {
					for _, v := range n.Injected() {
						injected += v
					}
				}
				assert.Positive(t, injected, "faults were met")
			}
		})
	}
}

// rowsIn sums the rows of the tokens in r.
func rowsIn(m map[ring.Token]int, r ring.Range) int64 {
	n := int64(0)
	for tk, v := range m {
		if r.Contains(tk) {
			n += int64(v)
		}
	}
	return n
}

// planOnServer plans cfg's scan and returns its scanner, its plan and the
// plan's count on the server.
func planOnServer(t *testing.T, s *gocql.Session, cfg scanner.Config) (*scanner.Scanner, *scanner.Plan, *scanner.Plan) {
	t.Helper()
	sc, err := scanner.New(s, cfg)
	require.NoError(t, err)
	plan, err := sc.Plan(t.Context())
	require.NoError(t, err)
	server, err := plan.CountOnServer()
	require.NoError(t, err)
	return sc, plan, server
}

// TestCountOnServerRefuses checks that what a count on the server cannot
// do is refused: a Where condition, which only the paged count reads, and
// adaptive per-host limits.
func TestCountOnServerRefuses(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE "+cqlsim.DemoKeyspace+" WITH replication = "+simple(1)))
	_, err := c.LoadDemo(t.Context(), cqlsim.DemoConfig{Rows: 10})
	require.NoError(t, err)
	s := testutil.Session(t, c)
	for _, tc := range []struct {
		name string
		cfg  scanner.Config
		want string
	}{
		{name: "where", cfg: scanner.Config{Where: "ok = true", AllowFiltering: true}, want: "ok = true"},
		{name: "adaptive", cfg: scanner.Config{PerHostMode: scanner.PerHostAdaptive}, want: "adaptive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Keyspace, cfg.Table = cqlsim.DemoKeyspace, cqlsim.DemoTable
			sc, err := scanner.New(s, cfg)
			require.NoError(t, err)
			plan, err := sc.Plan(t.Context())
			require.NoError(t, err)
			_, err = plan.CountOnServer()
			require.ErrorIs(t, err, scanner.ErrCountOnServer)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestCountOnServerTokenBounds counts on clusters of either partitioner,
// with vnodes: the whole ring, where every subrange (the first from the
// ring's minimum token, the last to its maximum, which a count over a
// wrapping range or a RandomPartitioner bound bound as the wrong type
// would get wrong) must hold its tokens' rows; and between two tokens
// that partitions have, where the first one's rows are outside
// (BeginToken, EndToken] and the last one's inside, as a statement with
// the wrong bound would miss.
func TestCountOnServerTokenBounds(t *testing.T) {
	t.Parallel()
	for _, partitioner := range []string{"Murmur3Partitioner", "RandomPartitioner"} {
		t.Run(partitioner, func(t *testing.T) {
			t.Parallel()
			c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 2, Partitioner: partitioner})
			require.NoError(t, c.ExecDDL("CREATE KEYSPACE "+cqlsim.DemoKeyspace+" WITH replication = "+simple(2)))
			_, err := c.LoadDemo(t.Context(), cqlsim.DemoConfig{Rows: 2000})
			require.NoError(t, err)
			s := testutil.Session(t, c)
			cfg := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, PageSize: 50, Concurrency: 4}
			countOnServer := func(cfg scanner.Config) (map[ring.Token]int, *scanner.Plan, scanner.Stats, int64) {
				sc, plan, server := planOnServer(t, s, cfg)
				all := tokenCounts(t, sc, plan)
				var count sink.Count
				st, err := sc.RunPlan(t.Context(), server, &count)
				require.NoError(t, err)
				return all, plan, st, count.Rows()
			}
			all, plan, st, rows := countOnServer(cfg)
			assert.Equal(t, sumCounts(all), rows, "the whole ring")
			first, last := plan.Full.Subranges[0].Range, plan.Full.Subranges[len(plan.Full.Subranges)-1].Range
			assert.Equal(t, plan.Ring.Partitioner().Min(), first.Start, "the plan starts at the ring's minimum")
			assert.Equal(t, plan.Ring.Partitioner().Max(), last.End, "the plan ends at the ring's maximum")
			require.Len(t, st.PerRange, len(plan.Subranges))
			for _, r := range st.PerRange {
				assert.Equal(t, rowsIn(all, r.Range), r.Rows, "range %d %v: its tokens' rows", r.ID, r.Range)
			}
			toks := slices.SortedFunc(maps.Keys(all), ring.Token.Compare)
			require.Greater(t, len(toks), 20)
			begin, end := toks[5], toks[len(toks)/2]
			cfg.BeginToken, cfg.EndToken = begin.String(), end.String()
			_, _, _, rows = countOnServer(cfg)
			assert.Equal(t, rowsIn(all, ring.Range{Start: begin, End: end}), rows, "(%v, %v]", begin, end)
		})
	}
}

// TestCountOnServerSizedByEstimates checks that a count on the server
// with size estimates splits its subranges so that none is estimated to
// hold more than CountSplitBytes, each counted with one count(*), the
// count exact; without estimates, or with a bound every subrange already
// meets, the plan is the one planned.
func TestCountOnServerSizedByEstimates(t *testing.T) {
	t.Parallel()
	c, rows := startHotDemo(t)
	s := testutil.Session(t, c)
	base := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, PageSize: 100, Concurrency: 4, UseSizeEstimates: true}
	sc, err := scanner.New(s, base)
	require.NoError(t, err)
	plan, err := sc.Plan(t.Context())
	require.NoError(t, err)
	require.True(t, plan.Full.EstimatesUsed, "estimates ignored: %s", plan.Full.EstimatesIgnored)
	var most, total int64
	for _, sr := range plan.Subranges {
		most, total = max(most, sr.Estimate.Bytes), total+sr.Estimate.Bytes
	}
	require.Positive(t, most)
	want := tokenCounts(t, sc, plan)
	for _, tc := range []struct {
		name      string
		estimates bool
		bound     int64
		more      bool // more subranges than planned
	}{
		{name: "a tenth of the largest subrange", estimates: true, bound: most / 10, more: true},
		{name: "a bound every subrange meets", estimates: true, bound: most},
		{name: "the default bound", estimates: true},
		{name: "no estimates", bound: most / 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.UseSizeEstimates, cfg.CountSplitBytes = tc.estimates, tc.bound
			sc, plan, server := planOnServer(t, s, cfg)
			if tc.more {
				// Each subrange of a vnode range gets a whole share of it:
				// a tenth of the largest subrange splits each into 10 at
				// least, and all of them into about 10 times the total
				// over the largest.
				assert.GreaterOrEqual(t, len(server.Subranges), int(total/most)*10, "subranges sized by the estimates")
				for _, sr := range server.Subranges {
					assert.LessOrEqual(t, sr.Estimate.Bytes, tc.bound, "subrange %d %v", sr.ID, sr.Range)
				}
			} else {
				assert.Equal(t, plan.Full.Fingerprint(), server.Full.Fingerprint(), "the plan as planned")
			}
			var count sink.Count
			st, err := sc.RunPlan(t.Context(), server, &count)
			require.NoError(t, err)
			assert.Equal(t, rows[cqlsim.DemoTable], count.Rows())
			assert.EqualValues(t, len(server.Subranges), st.Pages, "one count(*) a subrange")
			for _, r := range st.PerRange {
				assert.Equal(t, rowsIn(want, r.Range), r.Rows, "range %d %v: its tokens' rows", r.ID, r.Range)
			}
		})
	}
}

// TestCountOnServerSizedResumes crashes a count on the server whose
// subranges the estimates sized, after a few subranges were counted, and
// resumes it on the server with another bound, and by pages: either reads
// the plan the checkpoint recorded (sized by the first run's bound), each
// row counted once. A resume that sized the plan anew would not fit the
// checkpoint's subranges.
func TestCountOnServerSizedResumes(t *testing.T) {
	t.Parallel()
	c, rows := startHotDemo(t)
	s := testutil.Session(t, c)
	base := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, PageSize: 100, Concurrency: 1,
		UseSizeEstimates: true, CheckpointEvery: time.Nanosecond}
	sc, err := scanner.New(s, base)
	require.NoError(t, err)
	plan, err := sc.Plan(t.Context())
	require.NoError(t, err)
	var most int64
	for _, sr := range plan.Subranges {
		most = max(most, sr.Estimate.Bytes)
	}
	want := tokenCounts(t, sc, plan)
	plans := func(bound int64) (*scanner.Scanner, *scanner.Plan, *scanner.Plan) {
		cfg := base
		cfg.CountSplitBytes = bound
		sc, plan, server := planOnServer(t, s, cfg)
		return sc, plan.CountOnly(), server
	}
	for _, paged := range []bool{false, true} {
		t.Run(fmt.Sprintf("resumed by pages %v", paged), func(t *testing.T) {
			t.Parallel()
			sc, _, server := plans(most / 10)
			require.Greater(t, len(server.Subranges), 3*len(plan.Subranges))
			out := &tokenLog{plan: server}
			store := &switchStore{keep: 5, crashed: make(chan struct{})}
			store.armed.Store(true)
			runUntilCrash(t, store, func(ctx context.Context) error {
				_, err := sc.RunPlan(ctx, server, out, scanner.WithCheckpoint(store))
				return err
			})
			durable := string(store.Bytes())
			sc2, count2, server2 := plans(most / 3)
			again := server2
			if paged {
				again = count2
			}
			out.plan = again
			st, err := sc2.RunPlan(t.Context(), again, out, scanner.WithCheckpoint(&store.MemoryStore))
			require.NoError(t, err)
			// The subranges left, of the recorded plan.
			recorded := map[int]ring.Range{}
			for _, sr := range server.Subranges {
				recorded[sr.ID] = sr.Range
			}
			assert.Less(t, len(st.PerRange), len(server.Subranges), "some subranges were counted before the crash")
			for _, r := range st.PerRange {
				assert.Equal(t, recorded[r.ID], r.Range, "range %d: of the recorded plan", r.ID)
			}
			assertCountedOnce(t, want, out, fmt.Sprintf("after the crash (from %s)", durable))
			assert.EqualValues(t, rows[cqlsim.DemoTable], sumCounts(out.counts()))
		})
	}
}

// TestCountOnServerPagesAfterATimeout counts one subrange at a time on
// nodes whose first count(*) times out: after the first timeout every
// subrange left is read by pages (a count on the server that timed out
// once would time out again on subranges that large), and the count is
// exact.
func TestCountOnServerPagesAfterATimeout(t *testing.T) {
	t.Parallel()
	c, rows := startHotDemo(t)
	for _, n := range c.Nodes() {
		require.NoError(t, n.SetFaults(cqlsim.Fault{Kind: cqlsim.ReadTimeout, Nth: 1, Match: "count(*)"}))
	}
	countOneAtATime(t, c, rows[cqlsim.DemoTable])
	var injected int64
	for _, n := range c.Nodes() {
		injected += n.Injected()[cqlsim.ReadTimeout]
	}
	assert.EqualValues(t, 1, injected, "one count(*) timed out: the rest were paged")
}

// TestCountOnServerPagesPastTheDeadline counts, one subrange at a time,
// on nodes that work 200 µs a row and give a read of token ranges 100 ms
// (cqlsim's RangeTimeout, Cassandra's range_request_timeout): a count(*)
// of more than 500 of the demo table's 3000 rows works past it and is
// answered ReadTimeout by the server, while pages of 20 rows are not. The
// subranges are then read by pages, and the count is exact.
func TestCountOnServerPagesPastTheDeadline(t *testing.T) {
	t.Parallel()
	c, rows := startHotDemoWith(t, cqlsim.Config{RangeTimeout: 100 * time.Millisecond})
	for _, n := range c.Nodes() {
		require.NoError(t, n.SetCapacity(cqlsim.Capacity{PerRow: 200 * time.Microsecond}))
	}
	countOneAtATime(t, c, rows[cqlsim.DemoTable])
	var timedOut int64
	for _, n := range c.Nodes() {
		timedOut += n.Load().TimedOut
	}
	assert.EqualValues(t, 1, timedOut, "one count(*) worked past the deadline: the rest were paged")
}

// countOneAtATime counts the demo table of c on the server, one subrange
// at a time in pages of 20 rows where it pages, and checks that the count
// is want and that the subranges were paged: pages of 20 rows over 3000,
// far more than one a subrange.
func countOneAtATime(t *testing.T, c *cqlsim.Cluster, want int64) {
	t.Helper()
	s := testutil.Session(t, c)
	cfg := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, PageSize: 20, Concurrency: 1, Splits: 4,
		BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond}
	sc, err := scanner.New(s, cfg)
	require.NoError(t, err)
	plan, err := sc.Plan(t.Context())
	require.NoError(t, err)
	server, err := plan.CountOnServer()
	require.NoError(t, err)
	var count sink.Count
	st, err := sc.RunPlan(t.Context(), server, &count)
	require.NoError(t, err)
	assert.Equal(t, want, count.Rows())
	assert.Greater(t, st.Pages, int64(3*len(plan.Subranges)), "the subranges were paged")
}

// TestCountOnServerResumesSplits resumes on the server paged counts'
// checkpoints that hold what a split leaves: a subrange whose end moved
// below its statement's (a token split), pieces of a split partition, a
// subrange ending inside it and, for the uuid table, a partition read from
// both ends. Those tasks' statements read past their ends (the pool trims
// their rows), so the resumed count must trim them too: the table's rows
// once, none counted twice.
func TestCountOnServerResumesSplits(t *testing.T) {
	t.Parallel()
	c, rows := startHotDemo(t)
	s := testutil.Session(t, c)
	// A table without clustering columns: its paged count reads tokens
	// only (no partition to split), and only token splits are made.
	require.NoError(t, c.ExecDDL("CREATE TABLE "+cqlsim.DemoKeyspace+".flat (k int PRIMARY KEY, v int)"))
	for k := range 1500 {
		require.NoError(t, s.Query("INSERT INTO "+cqlsim.DemoKeyspace+".flat (k, v) VALUES (?, ?)", k, k).Exec())
	}
	rows["flat"] = 1500
	tokenSplit := func(child ring.Subrange) bool { return child.Range.Start != child.Range.End }
	piece := func(child ring.Subrange) bool { return child.Range.Start == child.Range.End }
	for _, tc := range []struct {
		table, name string
		armed       func(child ring.Subrange) bool
	}{
		{cqlsim.HotTable("int"), "a token split", tokenSplit},
		{cqlsim.HotTable("int"), "a piece", piece},
		{cqlsim.HotTable("uuid"), "a token split", tokenSplit},
		{cqlsim.HotTable("uuid"), "a piece", piece},
		{"flat", "a token split", tokenSplit},
	} {
		t.Run(tc.table+"/"+tc.name, func(t *testing.T) {
			cfg := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: tc.table, PageSize: 40, Concurrency: 8, Splits: 1,
				CheckpointEvery: time.Nanosecond}
			sc, err := scanner.New(s, cfg)
			require.NoError(t, err)
			plan, err := sc.Plan(t.Context())
			require.NoError(t, err)
			want := tokenCounts(t, sc, plan)
			require.Equal(t, rows[tc.table], sumCounts(want), "the reference holds the table")
			count := plan.CountOnly()
			out := &tokenLog{plan: count}
			store := &switchStore{keep: 2, crashed: make(chan struct{})}
			runUntilCrash(t, store, func(ctx context.Context) error {
				_, err := sc.RunPlan(ctx, count, out, scanner.WithCheckpoint(store), scanner.WithHooks(scanner.Hooks{
					RangeSplit: func(_ int, child ring.Subrange) {
						if tc.armed(child) {
							store.armed.Store(true)
						}
					},
				}))
				return err
			})
			durable := string(store.Bytes())
			server, err := plan.CountOnServer()
			require.NoError(t, err)
			_, err = sc.RunPlan(t.Context(), server, out, scanner.WithCheckpoint(&store.MemoryStore))
			require.NoError(t, err)
			assertCountedOnce(t, want, out, fmt.Sprintf("after the crash (from %s)", durable))
		})
	}
}
