package scanner_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// savedRunsEnv sets the number of runs of TestEveryCheckpointResumes
// (default 40; docs/checkpoint.md runs 3000).
const savedRunsEnv = "RINGSCAN_SAVED_RUNS"

// checkingStore is a MemoryStore that checks, at every save, that a run
// would resume from what it saved; the first document refused is kept.
type checkingStore struct {
	scanner.MemoryStore
	plan *scanner.Plan

	mu      sync.Mutex
	refused error
	doc     []byte
	saves   int
}

func (s *checkingStore) Save(ctx context.Context, data []byte) error {
	err := scanner.CheckResume(ctx, s.plan, data)
	s.mu.Lock()
	s.saves++
	if err != nil && s.refused == nil {
		s.refused, s.doc = err, append([]byte(nil), data...)
	}
	s.mu.Unlock()
	return s.MemoryStore.Save(ctx, data)
}

// TestEveryCheckpointResumes runs counts and scans of the crash suite's
// table with its settings (few subranges for eight readers: ranges split
// from the start, and the large partition split into pieces), checking
// that every checkpoint saved on the way, and the last, is one a run
// resumes from. It caught a token split racing its task's last page
// (worker's cutTokens), which recorded a subrange of no tokens that
// every resume then refused: about one run in 300.
func TestEveryCheckpointResumes(t *testing.T) {
	t.Parallel()
	runs := 40
	if v := os.Getenv(savedRunsEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, savedRunsEnv)
		runs = n
	}
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 2, Latency: cqlsim.Latency{Fixed: 200 * time.Microsecond}})
	info, err := c.LoadDemo(t.Context(), cqlsim.DemoConfig{Rows: 12000})
	require.NoError(t, err)
	s := testutil.Session(t, c)
	sc, err := scanner.New(s, scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, PageSize: 50, Concurrency: 8,
		Splits: 1, CheckpointEvery: 5 * time.Millisecond})
	require.NoError(t, err)
	plan, err := sc.Plan(t.Context())
	require.NoError(t, err)
	count := plan.CountOnly()
	var ranges, pieces, saves int
	for i := range runs {
		p := count
		if i%4 == 3 {
			p = plan
		}
		store := &checkingStore{plan: p}
		out := &sink.Count{}
		st, err := sc.RunPlan(t.Context(), p, out, scanner.WithCheckpoint(store))
		require.NoError(t, err)
		if store.refused != nil {
			t.Fatalf("run %d: a resume would refuse a checkpoint it saved: %v\n%s", i, store.refused, store.doc)
		}
		require.Equal(t, info.Rows, out.Rows(), "run %d: the rows", i)
		ranges, pieces, saves = ranges+st.Ranges, pieces+st.Pieces, saves+store.saves
	}
	t.Logf("%d runs: %d ranges, %d pieces of partitions, %d checkpoints saved", runs, ranges, pieces, saves)
	assert.Greater(t, ranges, runs*8, "ranges were split")
	assert.Positive(t, pieces, "partitions were split")
}
