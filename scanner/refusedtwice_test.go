package scanner_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// everySave is a MemoryStore that keeps every document saved.
type everySave struct {
	scanner.MemoryStore
	mu   sync.Mutex
	docs [][]byte
}

func (s *everySave) Save(ctx context.Context, data []byte) error {
	s.mu.Lock()
	s.docs = append(s.docs, append([]byte(nil), data...))
	s.mu.Unlock()
	return s.MemoryStore.Save(ctx, data)
}

// firstSave returns the first document saved whose only subrange's
// cursor satisfies ok.
func (s *everySave) firstSave(t *testing.T, ok func(after, last *worker.Position, state bool) bool) []byte {
	t.Helper()
	doc, _ := s.firstSaveOf(t, ok)
	return doc
}

// firstSaveOf is firstSave, with the id of the subrange found.
func (s *everySave) firstSaveOf(t *testing.T, ok func(after, last *worker.Position, state bool) bool) ([]byte, int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, doc := range s.docs {
		store := &scanner.MemoryStore{}
		require.NoError(t, store.Save(t.Context(), doc))
		cp, err := scanner.LoadCheckpoint(t.Context(), store)
		require.NoError(t, err)
		for _, p := range cp.Progress() {
			if after, last, state := scanner.CursorPositions(p.Cursor); !p.Done && ok(after, last, state) {
				return doc, p.ID
			}
		}
	}
	return nil, -1
}

// countOfTen adds ten partitions of one row (pk 2 to 11) to ks.table,
// beside its partition 1, and returns a scanner of the table in pages of
// pageSize, saving a checkpoint after every page, its plan, the plan's
// count and every token's rows.
func countOfTen(t *testing.T, s *gocql.Session, table string, pageSize int) (*scanner.Scanner, *scanner.Plan, *scanner.Plan, map[ring.Token]int) {
	t.Helper()
	for pk := 2; pk < 12; pk++ {
		require.NoError(t, s.Query("INSERT INTO ks."+table+" (pk, ck, v) VALUES (?, 0, 0)", pk).ExecContext(t.Context()))
	}
	sc, err := scanner.New(s, scanner.Config{Keyspace: "ks", Table: table, PageSize: pageSize, Concurrency: 1, Splits: 1,
		CheckpointEvery: time.Nanosecond, RequestTimeout: 10 * time.Second})
	require.NoError(t, err)
	plan, err := sc.Plan(t.Context())
	require.NoError(t, err)
	return sc, plan, plan.CountOnly(), tokenCounts(t, sc, plan)
}

// resumeFrom runs plan into out resumed from the checkpoint doc, and
// returns the run's saves.
func resumeFrom(t *testing.T, sc *scanner.Scanner, plan *scanner.Plan, out sink.Committer, doc []byte) *everySave {
	t.Helper()
	saves := &everySave{}
	require.NoError(t, saves.MemoryStore.Save(t.Context(), doc))
	_, err := sc.RunPlan(t.Context(), plan, out, scanner.WithCheckpoint(saves))
	require.NoError(t, err, "resumed")
	return saves
}

func pos(p *worker.Position) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("(%v #%d, %d key values)", p.Token, p.Ordinal, len(p.Key))
}

// TestCountRefusedTwice: a count (rows by ordinal within their token)
// resumed from a checkpoint whose paging state the server refuses
// restarts after its last row by token (After that row, Last its token
// with no ordinal). The restarted statement's first page can end before
// it is past After: empty, when the partition starts with a run of
// tombstones (cqlsim, like ScyllaDB, cuts a page after TombstoneBudget
// deleted rows), or holding only rows it skips, when a run of tombstones
// follows the partition's first rows; a checkpoint saved right after it
// holds that cursor. Resumed from it with its paging state refused again,
// restartAfterLast (worker/task.go) restarts after Last - after nothing,
// or after a skipped row - and the rows counted before the first refusal
// are counted twice. Each resume is what a crash right after the save, on
// a cluster that refuses the paging states (an upgrade), leads to.
func TestCountRefusedTwice(t *testing.T) {
	t.Parallel()
	const budget = 3
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 1, TombstoneBudget: budget})
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE ks WITH replication = "+simple(1)))
	s := testutil.Session(t, c)
	tests := []struct {
		name string
		// deleted are the clustering values deleted of partition 1's 0..12.
		deleted  []int
		pageSize int
		// at is the ordinal in partition 1 of the first save resumed from;
		// then the restarted statement's first page ends at ordinal again.
		at, again int64
	}{
		// 3 tombstones, 2 rows, 3 tombstones, 5 rows: a page ends after
		// row 2; the restart's first page is empty.
		{name: "after an empty page", deleted: []int{0, 1, 2, 5, 6, 7}, pageSize: 4, at: 2, again: 0},
		// 2 rows, 3 tombstones, 2 rows, 3 tombstones, 3 rows: a page ends
		// after row 4; the restart's first page holds rows 1-2, skipped.
		{name: "while skipping", deleted: []int{2, 3, 4, 7, 8, 9}, pageSize: 8, at: 4, again: 2},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			table := fmt.Sprintf("t%d", i)
			require.NoError(t, c.ExecDDL("CREATE TABLE ks."+table+" (pk int, ck int, v int, PRIMARY KEY (pk, ck))"))
			for ck := range 13 {
				require.NoError(t, s.Query("INSERT INTO ks."+table+" (pk, ck, v) VALUES (1, ?, 0)", ck).ExecContext(ctx))
			}
			for _, ck := range tt.deleted {
				require.NoError(t, s.Query("DELETE FROM ks."+table+" WHERE pk = 1 AND ck = ?", ck).ExecContext(ctx))
			}
			sc, _, count, want := countOfTen(t, s, table, tt.pageSize)
			require.EqualValues(t, 13-len(tt.deleted)+10, sumCounts(want))

			out := &tokenLog{plan: count}
			first := &everySave{}
			_, err := sc.RunPlan(ctx, count, out, scanner.WithCheckpoint(first))
			require.NoError(t, err)
			require.Equal(t, want, out.counts(), "the count itself")
			// A save inside partition 1 by ordinal, with a paging state.
			doc := first.firstSave(t, func(_, last *worker.Position, state bool) bool {
				return state && last != nil && last.Key == nil && last.Ordinal == tt.at
			})
			require.NotNil(t, doc, "a save after row %d of partition 1", tt.at)
			doc, err = scanner.CorruptPageStates(doc)
			require.NoError(t, err)

			second := resumeFrom(t, sc, count, out, doc)
			require.Equal(t, want, out.counts(), "resumed once with its paging state refused")
			// The save right after the restarted statement's first page.
			doc = second.firstSave(t, func(after, last *worker.Position, state bool) bool {
				return state && after != nil && after.Ordinal == tt.at && last != nil && last.Ordinal == tt.again
			})
			require.NotNil(t, doc, "a save after the restarted statement's first page")
			doc, err = scanner.CorruptPageStates(doc)
			require.NoError(t, err)

			resumeFrom(t, sc, count, out, doc)
			got := out.counts()
			diff := map[string]string{}
			for tk, n := range want {
				if got[tk] != n {
					diff[tk.String()] = fmt.Sprintf("%d counted, %d rows", got[tk], n)
				}
			}
			for tk, n := range got {
				if _, ok := want[tk]; !ok {
					diff[tk.String()] = fmt.Sprintf("%d counted, no row", n)
				}
			}
			require.Empty(t, diff, "resumed again with its paging state refused: every row counted once (%d counted, %d rows)",
				sumCounts(got), sumCounts(want))
		})
	}
}

// TestCountSplitWhileSkipping: a count resumed after a refused paging
// state restarts after row 2 of partition 1 by ordinal (After (T, #2),
// Last (T, #0)); the restarted statement's first page is empty (cut at
// tombstones) and saved. Resumed from that save - its paging state
// accepted - once a token split has lowered the subrange's end to T (the
// split recorded in the checkpoint, as cutTokens records one while the
// subrange runs), the next page skips rows 1-2 and keeps none (cut at the
// next tombstones). The split makes afterPage trim it (worker/split.go),
// and the position of the rows kept - none - replaces the fetcher's
// (T, #2) with Last, (T, #0): the page after skips rows 3-4 as if they
// were rows 1-2. Two rows lost, with no second refusal.
func TestCountSplitWhileSkipping(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 1, TombstoneBudget: 3})
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE ks WITH replication = "+simple(1)))
	require.NoError(t, c.ExecDDL("CREATE TABLE ks.t (pk int, ck int, v int, PRIMARY KEY (pk, ck))"))
	s := testutil.Session(t, c)
	ctx := t.Context()
	// Partition 1: 3 tombstones, 2 rows, 3 tombstones, 5 rows.
	for ck := range 13 {
		require.NoError(t, s.Query("INSERT INTO ks.t (pk, ck, v) VALUES (1, ?, 0)", ck).ExecContext(ctx))
	}
	for _, ck := range []int{0, 1, 2, 5, 6, 7} {
		require.NoError(t, s.Query("DELETE FROM ks.t WHERE pk = 1 AND ck = ?", ck).ExecContext(ctx))
	}
	sc, plan, count, want := countOfTen(t, s, "t", 8)

	out := &tokenLog{plan: count}
	first := &everySave{}
	_, err := sc.RunPlan(ctx, count, out, scanner.WithCheckpoint(first))
	require.NoError(t, err)
	doc := first.firstSave(t, func(_, last *worker.Position, state bool) bool {
		return state && last != nil && last.Key == nil && last.Ordinal == 2
	})
	require.NotNil(t, doc, "a save after row 2 of partition 1")
	doc, err = scanner.CorruptPageStates(doc)
	require.NoError(t, err)
	second := resumeFrom(t, sc, count, out, doc)
	require.Equal(t, want, out.counts(), "resumed once with its paging state refused")
	var tk ring.Token
	doc, id := second.firstSaveOf(t, func(after, last *worker.Position, state bool) bool {
		if state && after != nil && after.Ordinal == 2 && last != nil && last.Ordinal == 0 {
			tk = after.Token
			return true
		}
		return false
	})
	require.NotNil(t, doc, "a save after the restarted statement's empty first page")
	var end ring.Token
	for _, sr := range plan.Subranges {
		if sr.ID == id {
			end = sr.Range.End
		}
	}
	require.True(t, tk.Compare(end) < 0, "partition 1 is not at its subrange's end")
	doc, err = scanner.SplitRange(doc, id, 1000, tk, end)
	require.NoError(t, err)
	resumeFrom(t, sc, count, out, doc)
	got := out.counts()
	require.Equal(t, want[tk], got[tk], "partition 1's rows, each counted once (%d counted, %d rows in all)", sumCounts(got), sumCounts(want))
	require.Equal(t, want, got)
}
