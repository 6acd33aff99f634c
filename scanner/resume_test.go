package scanner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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

// committedLog is the durable part of the tests' committing sinks: an
// in-memory log of T, of which what a Commit counted is "durable", and
// Restore cuts the log back to a commit, as a crash truncates a file to
// its last fsync.
type committedLog[T any] struct {
	mu       sync.Mutex
	log      []T
	restored []int // the lengths Restore cut the log to
	commits  int
}

func (s *committedLog[T]) Commit(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
	return json.Marshal(map[string]int{"rows": len(s.log)})
}

func (s *committedLog[T]) Restore(_ context.Context, state []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	if state != nil {
		var st map[string]int
		if err := json.Unmarshal(state, &st); err != nil {
			return err
		}
		n = st["rows"]
	}
	if n > len(s.log) {
		return fmt.Errorf("state says %d rows, the log has %d", n, len(s.log))
	}
	s.log = s.log[:n]
	s.restored = append(s.restored, n)
	return nil
}

func (s *committedLog[T]) Close(context.Context) error { return nil }

// logSink is a committing sink that logs one canonical row per row.
type logSink struct {
	committedLog[string]
}

var _ sink.Committer = (*logSink)(nil)

func (s *logSink) Write(_ context.Context, b *sink.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	vals := make([][]byte, len(b.Columns))
	for i := range b.Len() {
		for j := range vals {
			vals[j] = b.Value(i, j)
		}
		s.log = append(s.log, testutil.RowKey(vals))
	}
	return nil
}

func (s *logSink) rows() testutil.Multiset {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := testutil.Multiset{}
	for _, k := range s.log {
		m[k]++
	}
	return m
}

// crashStore is a store that stops persisting after a number of saves: a
// run that goes on after that is a process that crashed right after the
// last save persisted (what it does next is lost, but for the sink's
// bytes past its last commit, which Restore must discard).
type crashStore struct {
	scanner.MemoryStore
	saves     atomic.Int64
	crashAt   int64 // saves that persist; 0: all
	crashed   chan struct{}
	crashOnce sync.Once
}

func (c *crashStore) Save(ctx context.Context, data []byte) error {
	n := c.saves.Add(1)
	if c.crashAt > 0 && n > c.crashAt {
		c.crashOnce.Do(func() { close(c.crashed) })
		return nil
	}
	return c.MemoryStore.Save(ctx, data)
}

// TestResumeAfterCrash runs scans that "crash" right after their Nth
// checkpoint save (the first is the one saved before any row is read) and
// are then cancelled a little later, leaving output past the last commit;
// then resumes them, several times in a row for some, until one finishes.
// The rows the sink holds at the end are the table, each once. The plan's
// few large subranges and small pages make running subranges split, so
// that crashes hit checkpoints with pieces split off (checked).
func TestResumeAfterCrash(t *testing.T) {
	tests := []struct {
		name    string
		crashes []int64 // the save after which each run crashes
	}{
		{name: "before the first periodic save", crashes: []int64{1}},
		{name: "early", crashes: []int64{3}},
		{name: "after splits", crashes: []int64{40}},
		{name: "twice, then again at the first save", crashes: []int64{25, 10, 1}},
		{name: "three times late", crashes: []int64{60, 60, 60}},
	}
	// Two vnodes per node: fewer subranges than goroutines, so that free
	// goroutines split running ones from the start.
	c, s, info := demoCluster(t, cqlsim.Config{Nodes: 3, VNodes: 2, TombstoneBudget: simTombstoneBudget}, simple(2), 8000)
	_ = c
	want := testutil.Multiset{}
	{
		all := newCollector(true)
		sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 500}))
		require.NoError(t, err)
		_, err = sc.Run(context.Background(), all)
		require.NoError(t, err)
		want = all.rows
		require.Len(t, want, int(info.Rows))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &logSink{}
			var durable scanner.MemoryStore // what survives the crashes
			splitSeen := false
			for run, crashAt := range tt.crashes {
				store := &crashStore{crashAt: crashAt, crashed: make(chan struct{})}
				if data := durable.Bytes(); data != nil {
					require.NoError(t, store.MemoryStore.Save(context.Background(), data))
				}
				var splits atomic.Int64
				sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 17, Concurrency: 8, Splits: 1,
					CheckpointEvery: time.Nanosecond}), scanner.WithHooks(scanner.Hooks{
					RangeSplit: func(int, ring.Subrange) { splits.Add(1) },
				}))
				require.NoError(t, err)
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() {
					_, err := sc.Run(ctx, out, scanner.WithCheckpoint(store))
					done <- err
				}()
				select {
				case <-store.crashed:
					// The process goes on for a few more pages, which the
					// resume must throw away, then dies.
					pages := store.saves.Load() + 5
					for store.saves.Load() < pages {
						select {
						case err := <-done:
							require.NoError(t, err, "run %d", run)
							pages = 0
						case <-time.After(time.Millisecond):
						}
					}
					cancel()
				case err := <-done:
					cancel()
					require.NoError(t, err, "run %d ended before its crash", run)
				}
				select {
				case <-done:
				case <-time.After(deadline):
					t.Fatal("the crashed run did not stop")
				}
				if splits.Load() > 0 {
					splitSeen = true
				}
				require.NoError(t, durable.Save(context.Background(), store.MemoryStore.Bytes()))
			}
			// The last run finishes.
			sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 17, Concurrency: 8, Splits: 1}))
			require.NoError(t, err)
			_, err = sc.Run(context.Background(), out, scanner.WithCheckpoint(&durable))
			require.NoError(t, err)
			assert.Empty(t, want.Diff(out.rows()), "every row once after %d crashes", len(tt.crashes))
			assert.Len(t, out.restored, len(tt.crashes), "every resume restored the sink")
			if tt.crashes[0] > 20 {
				assert.True(t, splitSeen, "running subranges were split before a crash")
			}
		})
	}
}

// TestResumeRefusals resumes checkpoints that do not fit: another table's,
// columns, shard, Where condition or token bounds, a sink that cannot restore a committing sink's state.
// Each is refused before a row is read, with ErrCannotResume and the
// difference named.
func TestResumeRefusals(t *testing.T) {
	_, s, _ := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(2), 500)
	ctx := context.Background()
	store := &scanner.MemoryStore{}
	sc, err := scanner.New(s, demoConfig(scanner.Config{}))
	require.NoError(t, err)
	_, err = sc.Run(ctx, &logSink{}, scanner.WithCheckpoint(store))
	require.NoError(t, err)
	tests := []struct {
		name string
		cfg  scanner.Config
		sink sink.Sink
		want string
	}{
		{"columns", scanner.Config{Columns: []string{"tenant", "bucket"}}, &logSink{}, `columns is "tenant,bucket,ts,seq`},
		{"shard", scanner.Config{Shard: 1, Shards: 2}, &logSink{}, `shard is "0/1" in the checkpoint but "1/2" now`},
		{"sink that does not commit", scanner.Config{}, newCollector(false), "this sink cannot restore it"},
		{"where", scanner.Config{Where: "kind = 'click'", AllowFiltering: true}, &logSink{},
			`the Where condition is "" in the checkpoint but "kind = 'click'" now`},
		{"token bounds", scanner.Config{BeginToken: "-100", EndToken: "100"}, &logSink{},
			`the token range is "" in the checkpoint but "(-100, 100]" now`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := scanner.New(s, demoConfig(tt.cfg))
			require.NoError(t, err)
			var read atomic.Int64
			st, err := sc.Run(ctx, tt.sink, scanner.WithCheckpoint(store), scanner.WithHooks(scanner.Hooks{
				PageRead: func(int, string, int, int, time.Duration) { read.Add(1) },
			}))
			require.ErrorIs(t, err, scanner.ErrCannotResume)
			assert.ErrorContains(t, err, tt.want)
			assert.Zero(t, read.Load(), "nothing was read")
			assert.Zero(t, st.Rows)
		})
	}
	// A store that fails to save its first checkpoint stops the scan
	// before a row is read.
	boom := errors.New("disk full")
	_, err = sc.Run(ctx, &logSink{}, scanner.WithCheckpoint(failingStore{boom}))
	require.ErrorIs(t, err, boom)
}

type failingStore struct{ err error }

func (f failingStore) Load(context.Context) ([]byte, error) { return nil, scanner.ErrNoCheckpoint }
func (f failingStore) Save(context.Context, []byte) error   { return f.err }

// TestTokensOnly counts the demo table (a large partition, runs of
// tombstones) with a plan that reads tokens only: every row is counted
// once; then it resumes every subrange after its first page from a
// checkpoint, with its paging state and with paging states the server
// refuses (the subrange restarts at the token of its last row and skips
// rows by their ordinal within that token, inside the large partition
// too): the rows after the first pages are counted once.
func TestTokensOnly(t *testing.T) {
	_, s, info := demoCluster(t, cqlsim.Config{Nodes: 3, TombstoneBudget: simTombstoneBudget}, simple(3), 6000)
	ctx := context.Background()
	// One goroutine: no subrange is split, so each keeps its own rows.
	sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 15, Concurrency: 1}))
	require.NoError(t, err)
	plan, err := sc.Plan(ctx)
	require.NoError(t, err)
	plan = plan.TokensOnly()
	assert.Empty(t, plan.Columns)

	first := map[int]scanner.Cursor{}
	firstRows := map[int]int{}
	var mu sync.Mutex
	count := &sink.Count{}
	_, err = sc.RunPlan(ctx, plan, count, scanner.WithHooks(scanner.Hooks{PageWritten: func(id int, cur scanner.Cursor, rows int) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := first[id]; !ok {
			first[id], firstRows[id] = cur, rows
		}
	}}))
	require.NoError(t, err)
	require.EqualValues(t, info.Rows, count.Rows(), "every row counted once")

	want := int64(0)
	from := map[int]scanner.Cursor{}
	resumed := 0
	for id, n := range count.Ranges() {
		cur := first[id]
		if cur.Done() || !hasPageState(t, cur) {
			from[id] = doneCursor(t)
			continue
		}
		from[id] = cur
		resumed++
		want += n.Rows - int64(firstRows[id])
	}
	require.Greater(t, resumed, 3)
	for _, corrupt := range []bool{false, true} {
		t.Run(fmt.Sprintf("refused paging states %v", corrupt), func(t *testing.T) {
			cursors := map[int]scanner.Cursor{}
			for id, cur := range from {
				if corrupt && !cur.Done() {
					cur = corruptPageState(t, cur)
				}
				cursors[id] = cur
			}
			store := &scanner.MemoryStore{}
			data, err := scanner.CheckpointFromCursors(plan, cursors).MarshalJSON()
			require.NoError(t, err)
			require.NoError(t, store.Save(ctx, data))
			got := &sink.Count{}
			st, err := sc.RunPlan(ctx, plan, got, scanner.WithCheckpoint(store))
			require.NoError(t, err)
			assert.Equal(t, want, got.Rows()-0, "the rows after the first pages, each once")
			if corrupt {
				assert.Equal(t, int64(resumed), st.RetriesByKind["paging_state_refused"])
			}
		})
	}
}
