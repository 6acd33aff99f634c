package scanner_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// Environment of TestEveryCheckpointResumes: the number of runs (default
// 40; docs/checkpoint.md runs thousands), the cluster's partitioner
// (default Murmur3Partitioner; RandomPartitioner is the other), and, when
// RINGSCAN_SAVED_ADAPTIVE is set, adaptive per-host limits.
const (
	savedRunsEnv        = "RINGSCAN_SAVED_RUNS"
	savedPartitionerEnv = "RINGSCAN_SAVED_PARTITIONER"
	savedAdaptiveEnv    = "RINGSCAN_SAVED_ADAPTIVE"
)

// checkingStore is a MemoryStore that checks, at every save, that a run
// would resume from what it saved (the first document refused is kept),
// and keeps a copy of its keep-th save.
type checkingStore struct {
	scanner.MemoryStore
	plan *scanner.Plan
	keep int

	mu      sync.Mutex
	refused error
	doc     []byte
	saves   int
	kept    []byte
}

func (s *checkingStore) Save(ctx context.Context, data []byte) error {
	err := scanner.CheckResume(ctx, s.plan, data)
	s.mu.Lock()
	s.saves++
	if err != nil && s.refused == nil {
		s.refused, s.doc = err, append([]byte(nil), data...)
	}
	if s.saves == s.keep {
		s.kept = append([]byte(nil), data...)
	}
	s.mu.Unlock()
	return s.MemoryStore.Save(ctx, data)
}

// savedCase is one kind of run of TestEveryCheckpointResumes: a count or
// a scan of one table, with what it must read.
type savedCase struct {
	name string
	sc   *scanner.Scanner
	plan *scanner.Plan
	// resumePlan resumes the checkpoints of plan's runs; nil for plan.
	resumePlan *scanner.Plan
	// sink returns a committing sink for a run, and check compares what
	// it holds with the table.
	sink  func() sink.Committer
	check func(t *testing.T, s sink.Committer, msg string)
}

// TestEveryCheckpointResumes runs counts and scans of the crash suite's
// table with its settings (few subranges for eight readers, so that
// ranges split from the start and the large partitions into pieces), and
// of three more: hot tables whose large partition is cut at uuid (read
// from both ends: no midpoint) and int clustering values, and the
// profiles table (static columns, partitions of static values only); in
// pages of 50 rows and of 17. Every checkpoint saved on the way must be
// one a run resumes from, and each run is resumed once more from one of
// its saves, drawn at random, as after a crash right after that save:
// the sink restored to what the save committed, the rows read after it
// read again; every other round with paging states the server refuses.
// Half the resumed runs are resumed once more from one of their own
// saves, half the time with refused paging states (two refusals in a
// row). Every run's rows are the table's, as multisets (counts: every
// token's rows).
//
// It caught a token split racing its task's last page (worker's
// cutTokens), which recorded a subrange of no tokens that every resume
// then refused (about one run in 300), and a resumed count reading a
// split partition by token (see countFetcher), which panicked. Resumed
// twice, it caught a count restarting short of its After after a second
// refusal (worker's restartAfterLast), which counted rows twice, though
// rarely (once at run 546 of 600 with that fix taken out; another 600
// runs passed): TestRefusedAgainByOrdinal and TestCountRefusedTwice
// catch it every time.
func TestEveryCheckpointResumes(t *testing.T) {
	t.Parallel()
	runs := 40
	if v := os.Getenv(savedRunsEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, savedRunsEnv)
		runs = n
	}
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 2, Partitioner: os.Getenv(savedPartitionerEnv),
		Latency: cqlsim.Latency{Fixed: 200 * time.Microsecond}})
	_, err := c.LoadDemo(t.Context(), cqlsim.DemoConfig{Rows: 12000, HotRows: 2000})
	require.NoError(t, err)
	s := testutil.Session(t, c)
	var cases []savedCase
	for _, table := range []string{cqlsim.DemoTable, cqlsim.HotTable("uuid"), cqlsim.HotTable("int"), cqlsim.DemoProfilesTable} {
		var wantTokens map[ring.Token]int
		var wantRows testutil.Multiset
		// Pages of 50 rows, and of 17 (the large partitions' switches to
		// keys and splits at other rows).
		for _, page := range []int{50, 17} {
			cfg := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: table, PageSize: page, Concurrency: 8,
				Splits: 1, CheckpointEvery: 5 * time.Millisecond}
			if os.Getenv(savedAdaptiveEnv) != "" {
				cfg.PerHostMode = scanner.PerHostAdaptive
			}
			sc, err := scanner.New(s, cfg)
			require.NoError(t, err)
			plan, err := sc.Plan(t.Context())
			require.NoError(t, err)
			count := plan.CountOnly()
			if wantTokens == nil {
				wantTokens = tokenCounts(t, sc, plan)
				ref := &logSink{}
				_, err = sc.RunPlan(t.Context(), plan, ref)
				require.NoError(t, err)
				wantRows = ref.rows()
			}
			wantTokens, wantRows := wantTokens, wantRows
			name := fmt.Sprintf("%s, pages of %d", table, page)
			cases = append(cases,
				savedCase{name: "count " + name, sc: sc, plan: count,
					sink: func() sink.Committer { return &tokenLog{plan: count} },
					check: func(t *testing.T, s sink.Committer, msg string) {
						assert.Equal(t, wantTokens, s.(*tokenLog).counts(), "%s: every token's rows once", msg)
					}},
				savedCase{name: "scan " + name, sc: sc, plan: plan,
					sink: func() sink.Committer { return &logSink{} },
					check: func(t *testing.T, s sink.Committer, msg string) {
						assert.Empty(t, wantRows.Diff(s.(*logSink).rows()), "%s: every row once", msg)
					}})
			if cfg.PerHostMode != scanner.PerHostAdaptive { // which a count on the server refuses
				server, err := plan.CountOnServer()
				require.NoError(t, err)
				total := func(t *testing.T, s sink.Committer, msg string) {
					assertCountedOnce(t, wantTokens, s.(*tokenLog), msg)
				}
				cases = append(cases,
					savedCase{name: "count on the server " + name, sc: sc, plan: server,
						sink: func() sink.Committer { return &tokenLog{plan: count} }, check: total},
					savedCase{name: "count paged, resumed on the server " + name, sc: sc, plan: count, resumePlan: server,
						sink: func() sink.Committer { return &tokenLog{plan: count} }, check: total})
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var ranges, pieces, saves, resumed, twice int
	for i := range runs {
		tc := cases[i%len(cases)]
		sc := tc.sc
		store := &checkingStore{plan: tc.plan, keep: 1 + rng.IntN(8)}
		out := tc.sink()
		st, err := sc.RunPlan(t.Context(), tc.plan, out, scanner.WithCheckpoint(store))
		require.NoError(t, err, "run %d, %s", i, tc.name)
		if store.refused != nil {
			t.Fatalf("run %d, %s: a resume would refuse a checkpoint it saved: %v\n%s", i, tc.name, store.refused, store.doc)
		}
		tc.check(t, out, fmt.Sprintf("run %d, %s", i, tc.name))
		ranges, pieces, saves = ranges+st.Ranges, pieces+st.Pieces, saves+store.saves
		if store.kept == nil {
			continue
		}
		// resume runs tc again from the checkpoint doc, its paging states
		// made ones the server refuses when corrupt, keeping its keep-th
		// save (none for 0); what names the run in failures.
		resume := func(doc []byte, corrupt bool, keep int, what string) *checkingStore {
			t.Helper()
			if corrupt {
				doc, err = scanner.CorruptPageStates(doc)
				require.NoError(t, err)
			}
			plan := tc.plan
			if tc.resumePlan != nil {
				plan = tc.resumePlan
			}
			again := &checkingStore{plan: plan, keep: keep}
			require.NoError(t, again.MemoryStore.Save(t.Context(), doc))
			_, err = sc.RunPlan(t.Context(), plan, out, scanner.WithCheckpoint(again))
			require.NoError(t, err, "run %d, %s, %s", i, tc.name, what)
			if again.refused != nil {
				t.Fatalf("run %d, %s, %s: a resume would refuse a checkpoint it saved: %v\n%s", i, tc.name, what, again.refused, again.doc)
			}
			tc.check(t, out, fmt.Sprintf("run %d, %s, %s", i, tc.name, what))
			return again
		}
		// A crash right after the kept save: resumed from it, with the
		// sink as that save committed it; every other time with paging
		// states the server refuses (each subrange then restarts after
		// its last row, by key or by ordinal).
		again := resume(store.kept, i/len(cases)%2 == 1, 1+rng.IntN(8),
			fmt.Sprintf("resumed from save %d of %d", store.keep, store.saves))
		resumed++
		if again.kept == nil || rng.IntN(2) == 0 {
			continue
		}
		// Half the time, a second crash right after one of the resumed
		// run's saves, and a second resume from it, with refused paging
		// states half the time: two refusals in a row, or a refusal after
		// a resume that restarted by ordinal.
		resume(again.kept, rng.IntN(2) == 0, 0, fmt.Sprintf("resumed from save %d, then from its save %d", store.keep, again.keep))
		twice++
	}
	t.Logf("%d runs, %d resumed, %d of them twice: %d ranges, %d pieces of partitions, %d checkpoints saved", runs, resumed, twice,
		ranges, pieces, saves)
	assert.Greater(t, ranges, runs*8, "ranges were split")
	assert.Positive(t, pieces, "partitions were split")
	assert.Positive(t, resumed)
}
