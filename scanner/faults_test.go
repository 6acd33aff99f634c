package scanner_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// demoCluster starts cqlsim with cfg, loads rows of demo data into a
// keyspace of the given replication and connects.
func demoCluster(t testing.TB, cfg cqlsim.Config, replication string, rows int) (*cqlsim.Cluster, *gocql.Session, cqlsim.DemoInfo) {
	t.Helper()
	c := testutil.StartSim(t, cfg)
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE "+cqlsim.DemoKeyspace+" WITH replication = "+replication))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: rows})
	require.NoError(t, err)
	// The session reads the schema as it connects: no DDL follows, so
	// there is no metadata refresh to wait for.
	return c, testutil.Session(t, c), info
}

// fastRetries are backoffs short enough for tests.
func fastRetries(cfg scanner.Config) scanner.Config {
	cfg.BackoffBase, cfg.BackoffMax = time.Millisecond, 20*time.Millisecond
	return cfg
}

func demoConfig(cfg scanner.Config) scanner.Config {
	cfg.Keyspace, cfg.Table = cqlsim.DemoKeyspace, cqlsim.DemoTable
	return cfg
}

// TestExactlyOnceDemo scans the demo table, with its large partition and
// its runs of tombstones, on every topology, and checks its checksum.
func TestExactlyOnceDemo(t *testing.T) {
	for _, topo := range simTopologies {
		t.Run(topo.name, func(t *testing.T) {
			t.Parallel()
			cfg := topo.cfg
			cfg.TombstoneBudget = simTombstoneBudget
			c, s, info := demoCluster(t, cfg, topo.replication, 20000)
			sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 300, Concurrency: 16, LocalDC: topo.localDC}))
			require.NoError(t, err)
			got := newCollector(false)
			st, err := sc.Run(context.Background(), got)
			require.NoError(t, err)
			assert.Equal(t, demoSum(info), got.sum, "rows and checksum of what was read")
			assert.Equal(t, info.Rows, st.Rows)
			assert.Positive(t, st.EmptyPages, "the demo's tombstone run makes empty pages")
			assert.Zero(t, c.Panics())
		})
	}
}

// TestFaults scans under injected errors, and pages past the driver's
// frame limit, with fixed and with adaptive per-host limits: every row
// comes back once, and every injected error is a retry of its kind.
func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults []cqlsim.Fault
	}{
		{name: "10% overloaded on every node", faults: []cqlsim.Fault{{Kind: cqlsim.Overloaded, Rate: 0.1}}},
		{name: "5% read timeouts", faults: []cqlsim.Fault{{Kind: cqlsim.ReadTimeout, Rate: 0.05}}},
		{name: "the 5th request of every node times out", faults: []cqlsim.Fault{{Kind: cqlsim.ReadTimeout, Nth: 5}}},
		{name: "unavailable, read failures and server errors", faults: []cqlsim.Fault{
			{Kind: cqlsim.Unavailable, Rate: 0.03}, {Kind: cqlsim.ReadFailure, Rate: 0.03}, {Kind: cqlsim.ServerError, Rate: 0.03}}},
		// A page past the 256 MiB gocql reads, which it discards: asked
		// again for fewer rows (a retry of kind frame_too_big).
		{name: "the 3rd request of every node answers a frame past 256 MiB", faults: []cqlsim.Fault{{Kind: cqlsim.OversizedFrame, Nth: 3}}},
	}
	for _, tt := range tests {
		for _, mode := range []scanner.PerHostMode{scanner.PerHostFixed, scanner.PerHostAdaptive} {
			t.Run(tt.name+"/"+string(mode), func(t *testing.T) {
				t.Parallel()
				c, s, info := demoCluster(t, cqlsim.Config{Nodes: 3, Faults: tt.faults}, simple(3), 10000)
				var mu sync.Mutex
				hooked := map[string]int64{}
				sc, err := scanner.New(s, fastRetries(demoConfig(scanner.Config{PageSize: 100, Concurrency: 8, PerHostMode: mode})),
					scanner.WithHooks(scanner.Hooks{Retry: func(_ int, _, kind string, _ error) {
						mu.Lock()
						defer mu.Unlock()
						hooked[kind]++
					}}))
				require.NoError(t, err)
				got := newCollector(false)
				st, err := sc.Run(context.Background(), got)
				require.NoError(t, err)
				assert.Equal(t, demoSum(info), got.sum)

				injected := map[string]int64{}
				for _, n := range c.Nodes() {
					for k, v := range n.Injected() {
						name := k.String()
						if k == cqlsim.OversizedFrame {
							name = "frame_too_big" // what the driver makes of it
						}
						injected[name] += v
					}
				}
				require.NotEmpty(t, injected, "faults were injected")
				// A partition split's query that fails is not retried: the
				// split is not made.
				pages := maps.Clone(injected)
				for k, v := range st.SplitFailures {
					pages[k] -= v
					if pages[k] == 0 {
						delete(pages, k)
					}
				}
				assert.Equal(t, pages, st.RetriesByKind, "each injected error is one retry of its kind, or a failed split query")
				var total int64
				for _, v := range pages {
					total += v
				}
				assert.Equal(t, total, st.Retries)
				mu.Lock()
				assert.Equal(t, pages, hooked, "the Retry hook saw every retry")
				mu.Unlock()
			})
		}
	}
}

// TestNodeDownMidScan takes a node down during a scan and brings it back,
// with fixed and with adaptive per-host limits: with RF=3 every row is
// still read once, from the other replicas.
func TestNodeDownMidScan(t *testing.T) {
	for _, mode := range []scanner.PerHostMode{scanner.PerHostFixed, scanner.PerHostAdaptive} {
		t.Run(string(mode), func(t *testing.T) { nodeDownMidScan(t, mode) })
	}
}

func nodeDownMidScan(t *testing.T, mode scanner.PerHostMode) {
	t.Parallel()
	c, s, info := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(3), 20000)
	node := c.Nodes()[1]
	got := newCollector(false)
	var upErr error
	got.onPage = func(pages int) {
		switch pages {
		case 20:
			node.Down()
		case 120:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			upErr = node.Up(ctx)
		}
	}
	var mu sync.Mutex
	var retriedOn []string
	sc, err := scanner.New(s, fastRetries(demoConfig(scanner.Config{PageSize: 50, Concurrency: 8, PerHostMode: mode})),
		scanner.WithHooks(scanner.Hooks{Retry: func(_ int, host, _ string, _ error) {
			mu.Lock()
			defer mu.Unlock()
			retriedOn = append(retriedOn, host)
		}}))
	require.NoError(t, err)
	st, err := sc.Run(context.Background(), got)
	require.NoError(t, err)
	require.NoError(t, upErr)
	assert.Equal(t, demoSum(info), got.sum)
	assert.GreaterOrEqual(t, got.pages, 120, "the node came back during the scan")
	assert.Positive(t, st.Retries, "requests to the node that went down were retried")
	for kind := range st.RetriesByKind {
		assert.Contains(t, []string{"connection", "timeout"}, kind)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, h := range slices.Compact(slices.Sorted(slices.Values(retriedOn))) {
		assert.Equal(t, node.IP(), h, "only requests to the downed node fail")
	}
}

// TestResumeFromCursors resumes every subrange of a finished scan after its
// first page, from the cursor a checkpoint would hold: with its paging
// state, and with a paging state the server refuses, which makes the
// worker fall back to a token bound (Cursor.After). Either way the second
// scan returns exactly the rows after the first pages.
func TestResumeFromCursors(t *testing.T) {
	// Small pages end inside partitions, between rows of one token.
	c, s, info := demoCluster(t, cqlsim.Config{Nodes: 3, TombstoneBudget: simTombstoneBudget}, simple(3), 6000)
	_ = c
	// With a Where condition too: the statement that reads on after a
	// refused paging state must filter the same way.
	for _, where := range []string{"", "kind IN ('click', 'view')"} {
		t.Run("where "+where, func(t *testing.T) {
			testResumeFromCursors(t, s, info, where)
		})
	}
}

func testResumeFromCursors(t *testing.T, s *gocql.Session, info cqlsim.DemoInfo, where string) {
	tests := []struct {
		name        string
		corrupt     bool
		wantRefused bool
	}{
		{name: "paging state"},
		{name: "refused paging state", corrupt: true, wantRefused: true},
	}
	sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 15, Concurrency: 8, Where: where, AllowFiltering: where != ""}))
	require.NoError(t, err)
	ctx := context.Background()
	plan, err := sc.Plan(ctx)
	require.NoError(t, err)

	// The first scan records each range's rows (with those of the ranges
	// split off it), its first page and the cursor after it.
	rec := newRangeRecorder()
	_, err = sc.RunPlan(ctx, plan, rec, scanner.WithHooks(rec.hooks()))
	require.NoError(t, err)
	if where == "" {
		require.Equal(t, uint64(info.Rows), rec.total.Rows)
		require.Equal(t, info.Checksum, rec.total.Hash)
	} else {
		require.Less(t, rec.total.Rows, uint64(info.Rows)/2, "the condition leaves out most rows")
		require.Positive(t, rec.total.Rows)
	}

	from := map[int]scanner.Cursor{}
	want := testutil.Multiset{}
	resumed := 0
	for _, sr := range plan.Subranges {
		first, ok := rec.first[sr.ID]
		// A range done in one page has no cursor to resume from. The cursor
		// of a range split while its first page was read goes on with the
		// first page's statement, to the range's planned end: it reads the
		// pieces split off too (rec.rows counts them for their root).
		if !ok || first.Done() || !hasPageState(t, first) {
			from[sr.ID] = doneCursor(t)
			continue
		}
		from[sr.ID] = first
		resumed++
		for k, n := range rec.rows[sr.ID] {
			if n -= rec.firstRows[sr.ID][k]; n > 0 {
				want[k] = n
			}
		}
	}
	require.Greater(t, resumed, len(plan.Subranges)/2, "most ranges take several pages")

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cursors := maps.Clone(from)
			if tt.corrupt {
				for id, cur := range cursors {
					if !cur.Done() {
						cursors[id] = corruptPageState(t, cur)
					}
				}
			}
			// Resume from a checkpoint holding those cursors, as a new
			// process would after a crash.
			store := &scanner.MemoryStore{}
			data, err := scanner.CheckpointFromCursors(plan, cursors).MarshalJSON()
			require.NoError(t, err)
			require.NoError(t, store.Save(ctx, data))
			got := newCollector(true)
			st, err := sc.RunPlan(ctx, plan, got, scanner.WithCheckpoint(store))
			require.NoError(t, err)
			assert.Empty(t, want.Diff(got.rows), "the rows after the first pages, each once")
			refused := st.RetriesByKind["paging_state_refused"]
			if tt.wantRefused {
				assert.Equal(t, int64(resumed), refused, "each resumed range's paging state is refused once")
			} else {
				assert.Zero(t, refused)
			}
		})
	}
}

// cursorDoc is a Cursor's JSON form, as far as these tests read it.
type cursorDoc map[string]any

func cursorJSON(t *testing.T, c scanner.Cursor) cursorDoc {
	t.Helper()
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var d cursorDoc
	require.NoError(t, json.Unmarshal(b, &d))
	return d
}

func cursorFrom(t *testing.T, d cursorDoc) scanner.Cursor {
	t.Helper()
	b, err := json.Marshal(d)
	require.NoError(t, err)
	var c scanner.Cursor
	require.NoError(t, json.Unmarshal(b, &c))
	return c
}

func hasPageState(t *testing.T, c scanner.Cursor) bool {
	_, ok := cursorJSON(t, c)["page_state"]
	return ok
}

func doneCursor(t *testing.T) scanner.Cursor { return cursorFrom(t, cursorDoc{"done": true}) }

// corruptPageState breaks the checksum of c's paging state.
func corruptPageState(t *testing.T, c scanner.Cursor) scanner.Cursor {
	t.Helper()
	d := cursorJSON(t, c)
	ps, err := base64.StdEncoding.DecodeString(d["page_state"].(string))
	require.NoError(t, err)
	ps[len(ps)-1] ^= 0xff
	d["page_state"] = base64.StdEncoding.EncodeToString(ps)
	return cursorFrom(t, d)
}

// rangeRecorder is a sink and hooks that record, per subrange of the
// plan, its rows (counting those of subranges split off it), its first
// page's rows and the cursor after its first page.
type rangeRecorder struct {
	mu        sync.Mutex
	parent    map[int]int // split-off subrange -> the one it came from
	rows      map[int]testutil.Multiset
	firstRows map[int]testutil.Multiset
	first     map[int]scanner.Cursor
	pending   map[int]testutil.Multiset // rows of a page written, before its PageWritten
	total     rowsum.Sum
}

func newRangeRecorder() *rangeRecorder {
	return &rangeRecorder{parent: map[int]int{}, rows: map[int]testutil.Multiset{}, firstRows: map[int]testutil.Multiset{},
		first: map[int]scanner.Cursor{}, pending: map[int]testutil.Multiset{}}
}

// root is the plan subrange id of id.
func (r *rangeRecorder) root(id int) int {
	for {
		p, ok := r.parent[id]
		if !ok {
			return id
		}
		id = p
	}
}

func (r *rangeRecorder) Write(_ context.Context, b *sink.Batch) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	page := testutil.Multiset{}
	vals := make([][]byte, len(b.Columns))
	for i := range b.Len() {
		for j := range vals {
			vals[j] = b.Value(i, j)
		}
		page.AddRow(vals)
		r.total.Add(vals)
	}
	root := r.root(b.RangeID)
	if r.rows[root] == nil {
		r.rows[root] = testutil.Multiset{}
	}
	for k, n := range page {
		r.rows[root][k] += n
	}
	r.pending[b.RangeID] = page
	return nil
}

func (r *rangeRecorder) Close(context.Context) error { return nil }

func (r *rangeRecorder) hooks() scanner.Hooks {
	return scanner.Hooks{
		// Called after Write, on the writer's goroutine, for every page
		// (empty ones are not written).
		PageWritten: func(id int, cur scanner.Cursor, _ int) {
			r.mu.Lock()
			defer r.mu.Unlock()
			page := r.pending[id]
			delete(r.pending, id)
			if _, ok := r.first[id]; ok {
				return
			}
			r.first[id] = cur
			if page == nil {
				page = testutil.Multiset{}
			}
			r.firstRows[id] = page
		},
		RangeSplit: func(parent int, child ring.Subrange) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.parent[child.ID] = parent
		},
	}
}

// TestNodeDownPartialThenResume scans with the only replica of some ranges
// down: with MaxFailedRanges -1 the scan reads everything else and returns
// a *scanner.PartialError naming the failed ranges; its checkpoint keeps
// them unfinished, at their RangeError cursors, so that once the node is
// back a resume reads just the rest, and the two scans together hold every
// row once.
func TestNodeDownPartialThenResume(t *testing.T) {
	t.Parallel()
	c, s, info := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(1), 10000)
	node := c.Nodes()[1]
	sc, err := scanner.New(s, fastRetries(demoConfig(scanner.Config{PageSize: 100, Retries: 1, MaxFailedRanges: -1})))
	require.NoError(t, err)
	ctx := context.Background()
	plan, err := sc.Plan(ctx)
	require.NoError(t, err)

	node.Down()
	store := &scanner.MemoryStore{}
	first := newCollector(false)
	st, err := sc.RunPlan(ctx, plan, first, scanner.WithCheckpoint(store))
	var pe *scanner.PartialError
	require.ErrorAs(t, err, &pe)
	cp, err := scanner.LoadCheckpoint(ctx, store)
	require.NoError(t, err)
	progress := map[int]scanner.RangeProgress{}
	for _, p := range cp.Progress() {
		progress[p.ID] = p
	}
	for _, re := range pe.Failed {
		sr := slices.IndexFunc(plan.Subranges, func(sr ring.Subrange) bool { return sr.ID == re.ID })
		require.GreaterOrEqual(t, sr, 0, "failed range %d is in the plan", re.ID)
		require.Len(t, plan.Subranges[sr].Replicas, 1)
		assert.Equal(t, node.HostID(), plan.Subranges[sr].Replicas[0].ID, "range %d fails: its replica is down", re.ID)
		assert.Equal(t, 2, re.Attempts, "%v", re.Err)
		assert.False(t, progress[re.ID].Done, "failed range %d is not done in the checkpoint", re.ID)
		assert.Equal(t, cursorJSON(t, re.Cursor), cursorJSON(t, progress[re.ID].Cursor), "the checkpoint resumes range %d where it failed", re.ID)
	}
	owned := 0
	for _, sr := range plan.Subranges {
		if sr.Replicas[0].ID == node.HostID() {
			owned++
		} else {
			assert.True(t, progress[sr.ID].Done, "range %d of a live node is done", sr.ID)
		}
	}
	assert.Len(t, pe.Failed, owned, "every range of the downed node fails, and only those")
	assert.Equal(t, owned, st.Failed)
	assert.Less(t, first.sum.Rows, uint64(info.Rows))
	assert.Equal(t, int64(first.sum.Rows), cp.Rows())

	// Resume as a new process would, from the checkpoint: with a new
	// session (gocql reconnects to a node 10s after its UP event when the
	// release version is 4.1) and a new plan, which splits the same ring
	// the same way.
	require.NoError(t, node.Up(ctx))
	sc2, err := scanner.New(testutil.Session(t, c), fastRetries(demoConfig(scanner.Config{PageSize: 100})))
	require.NoError(t, err)
	plan2, err := sc2.Plan(ctx)
	require.NoError(t, err)
	require.Equal(t, plan.Full.Fingerprint(), plan2.Full.Fingerprint(), "the same ring gives the same plan")
	second := newCollector(false)
	st2, err := sc2.RunPlan(ctx, plan2, second, scanner.WithCheckpoint(store))
	require.NoError(t, err)
	failed := map[int]bool{}
	for _, re := range pe.Failed {
		failed[re.ID] = true
	}
	maxID := 0
	for _, sr := range plan.Subranges {
		maxID = max(maxID, sr.ID)
	}
	read := 0
	for _, r := range st2.PerRange {
		if r.ID <= maxID {
			assert.True(t, failed[r.ID], "the resume reads range %d, which was done", r.ID)
			read++
		}
	}
	assert.Equal(t, owned, read, "the resume reads the failed ranges (and pieces split off them) only")
	total := first.sum
	total.Merge(second.sum)
	assert.Equal(t, demoSum(info), total, "the two scans hold every row once")
}

// TestShards runs every shard of a plan, as several processes would: the
// shards together read every row once, whatever the split.
func TestShards(t *testing.T) {
	tests := []struct {
		name string
		cfg  scanner.Config
	}{
		{name: "one shard", cfg: scanner.Config{Shards: 1}},
		{name: "three shards", cfg: scanner.Config{Shards: 3}},
		{name: "seven shards of 1000 subranges", cfg: scanner.Config{Shards: 7, Splits: 1000}},
		{name: "three shards weighted by size estimates", cfg: scanner.Config{Shards: 3, UseSizeEstimates: true}},
	}
	_, s, info := demoCluster(t, cqlsim.Config{Nodes: 3, TombstoneBudget: simTombstoneBudget}, simple(2), 10000)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var total rowsum.Sum
			var fingerprint string
			for shard := range tt.cfg.Shards {
				cfg := tt.cfg
				cfg.Shard, cfg.PageSize = shard, 200
				sc, err := scanner.New(s, demoConfig(cfg))
				require.NoError(t, err)
				plan, err := sc.Plan(context.Background())
				require.NoError(t, err)
				if shard == 0 {
					fingerprint = plan.Full.Fingerprint()
				}
				require.Equal(t, fingerprint, plan.Full.Fingerprint(), "every shard splits the same plan")
				got := newCollector(false)
				_, err = sc.RunPlan(context.Background(), plan, got)
				require.NoError(t, err)
				total.Merge(got.sum)
			}
			assert.Equal(t, demoSum(info), total)
		})
	}
}

// TestAdaptiveOnCapacity scans nodes that serve two reads at once and
// refuse any more with Overloaded, with adaptive per-host limits that
// start at two and try to grow: every row comes back once, no limit
// passes its ceiling, and no node ever served more than its capacity.
func TestAdaptiveOnCapacity(t *testing.T) {
	t.Parallel()
	c, s, info := demoCluster(t, cqlsim.Config{Nodes: 3, Capacity: cqlsim.Capacity{Concurrent: 2, QueueLimit: cqlsim.NoQueue,
		PerRow: 20 * time.Microsecond}}, simple(3), 10000)
	var mu sync.Mutex
	limits := map[string][]string{}
	peak := 0
	sc, err := scanner.New(s, fastRetries(demoConfig(scanner.Config{PageSize: 100, Concurrency: 16, PerHost: 6,
		PerHostMode: scanner.PerHostAdaptive, Retries: 50})),
		scanner.WithHooks(scanner.Hooks{HostLimit: func(host string, limit int, reason string) {
			mu.Lock()
			defer mu.Unlock()
			limits[host] = append(limits[host], reason)
			peak = max(peak, limit)
		}}))
	require.NoError(t, err)
	got := newCollector(false)
	st, err := sc.Run(context.Background(), got)
	require.NoError(t, err)
	assert.Equal(t, demoSum(info), got.sum)
	assert.Equal(t, info.Rows, st.Rows)
	mu.Lock()
	defer mu.Unlock()
	assert.LessOrEqual(t, peak, 6, "the ceiling")
	assert.Len(t, limits, 3, "every node's limit was told")
	var refused int64
	for _, n := range c.Nodes() {
		l := n.Load()
		assert.LessOrEqual(t, l.PeakServing, 2, "node %s", n.IP())
		refused += l.Overloaded
	}
	assert.Equal(t, refused, st.RetriesByKind["overloaded"]+st.SplitFailures["overloaded"],
		"each Overloaded answer is one retry, or a partition split's query (not retried)")
	for _, r := range st.PerRange {
		assert.True(t, r.Limit >= 1 && r.Limit <= 6, "range %d: limit %d", r.ID, r.Limit)
	}
}
