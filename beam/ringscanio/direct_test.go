package ringscanio

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
)

// splitFunc decides, after each row a restriction emitted (n of them so
// far), whether to split it: it returns the residual, or nil.
type splitFunc func(t *testing.T, rt *sdf.LockRTracker, n int) any

// runDirect reads the restrictions as Beam workers would, without Beam:
// the DoFn's own loop (process) on a tracker each, with split called
// after every row; every residual (a checkpoint's too) is encoded and
// decoded by the restriction coder, queued and read the same way, as a
// runner hands it to another worker or resumes it later. Tests that use it set the package's
// test hook, so they do not run in parallel.
func runDirect(t *testing.T, cfg Config, queue []Restriction, split splitFunc) (rows []Row, residuals int) {
	t.Helper()
	ctx := context.Background()
	var n int
	defer func() { testHookAfterRow = nil }()
	testHookAfterRow = func(_ context.Context, rt *sdf.LockRTracker) error {
		n++
		if split == nil {
			return nil
		}
		if res := split(t, rt, n); res != nil {
			// The residual crosses the runner as its coder's bytes, as a
			// checkpoint is stored and resumed elsewhere.
			b, err := encodeRestriction(res.(Restriction))
			require.NoError(t, err)
			back, err := decodeRestriction(b)
			require.NoError(t, err)
			queue = append(queue, back)
			residuals++
		}
		return nil
	}
	for runs := 0; len(queue) > 0; runs++ {
		require.Less(t, runs, 5000, "the splits never end: residuals are not shrinking")
		r := queue[0]
		queue = queue[1:]
		n = 0
		tr := newTracker(r)
		rt := sdf.NewLockRTracker(tr)
		err := process(ctx, cfg, rt, &rowOutput{emit: func(r Row) { rows = append(rows, r) }})
		require.NoError(t, err, "restriction %v", r)
		require.NoError(t, rt.GetError())
		require.True(t, rt.IsDone(), "tracker %v is not done", tr)
		done, left := rt.GetProgress()
		assert.Zero(t, left, "work left after the restriction was read")
		assert.GreaterOrEqual(t, done, 0.0)
	}
	return rows, residuals
}

// splitAfter splits once, after the row number after, with fraction.
func splitAfter(after int, fraction float64) splitFunc {
	return func(t *testing.T, rt *sdf.LockRTracker, n int) any {
		if n != after {
			return nil
		}
		done0, left0 := rt.GetProgress()
		_, res, err := rt.TrySplit(fraction)
		require.NoError(t, err)
		done1, left1 := rt.GetProgress()
		assert.InDelta(t, done0, done1, 1e-9*max(1, done0), "a split does not change the work done")
		assert.LessOrEqual(t, left1, left0+1e-12, "a split does not add work")
		if fraction == 0 && res != nil {
			assert.Zero(t, left1, "a checkpoint leaves the primary nothing")
			assert.True(t, rt.IsDone(), "a checkpoint leaves the tracker done")
		}
		return res
	}
}

// TestTrySplitBothHalves splits restrictions while they are read, at
// several fractions and after several rows (inside a page, at a page's
// end, inside the demo's large partition), and reads every residual:
// together they return the table exactly once, compared as a multiset
// with an independent read of the table.
func TestTrySplitBothHalves(t *testing.T) {
	c, s := demoCluster(t, cqlsim.Config{Nodes: 3, VNodes: 2}, simple(2), 3000)
	uniformTable(t, c, s, cqlsim.DemoKeyspace, 2000)
	for _, name := range []string{cqlsim.DemoTable, "uniform"} {
		tb := readTable(t, s, cqlsim.DemoKeyspace, name)
		cfg := tb.config(c)
		cfg.PageSize = 50
		initial, err := initialRestriction(context.Background(), cfg)
		require.NoError(t, err)
		per := splitRestriction(initial)
		cases := []struct {
			name    string
			queue   []Restriction
			split   splitFunc
			splitOK bool // some split must hand work away
		}{
			{name: "no split", queue: per},
			{name: "the whole plan as one restriction, no split", queue: []Restriction{initial}},
			{name: "the whole plan, half of it split off after 10 rows", queue: []Restriction{initial}, split: splitAfter(10, 0.5), splitOK: true},
			{name: "the whole plan, checkpoint after 77 rows", queue: []Restriction{initial}, split: splitAfter(77, 0), splitOK: true},
		}
		// 1e-18 of what is left of a subrange is less than a token: the
		// cut is at the last row claimed, whose token's later rows stay
		// the primary's.
		for _, f := range []float64{0, 1e-18, 0.01, 0.3, 0.5, 0.99} {
			for _, after := range []int{1, 37, 49, 50, 51, 120} {
				cases = append(cases, struct {
					name    string
					queue   []Restriction
					split   splitFunc
					splitOK bool
				}{name: fmt.Sprintf("fraction %v after %d rows", f, after), queue: per, split: splitAfter(after, f), splitOK: true})
			}
		}
		cases = append(cases, struct {
			name    string
			queue   []Restriction
			split   splitFunc
			splitOK bool
		}{name: "every restriction split again after 7 rows, residuals too", queue: per, splitOK: true,
			split: func(t *testing.T, rt *sdf.LockRTracker, n int) any {
				if n%7 != 0 || n > 70 {
					return nil
				}
				_, res, err := rt.TrySplit([]float64{0, 0.3, 0.5, 0.8}[n/7%4])
				require.NoError(t, err)
				return res
			}})
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				rows, residuals := runDirect(t, cfg, tc.queue, tc.split)
				if d := tb.rows.Diff(tb.multiset(t, rows)); d != "" {
					t.Fatalf("rows differ from the table: %s", d)
				}
				if tc.splitOK {
					assert.Positive(t, residuals, "some split handed work away")
				}
			})
		}
	}
}

// TestTrackerClaims pins the claim rules: rows in order, pieces in order,
// a row past its piece's end or of a piece split away refused.
func TestTrackerClaims(t *testing.T) {
	c, s := demoCluster(t, cqlsim.Config{Nodes: 1, VNodes: 1}, simple(1), 10)
	tb := readTable(t, s, cqlsim.DemoKeyspace, cqlsim.DemoTable)
	initial, err := initialRestriction(context.Background(), tb.config(c))
	require.NoError(t, err)
	require.Len(t, initial.Pieces, 32, "the default Splits")
	p0, p1 := initial.Pieces[0], initial.Pieces[1]

	tr := newTracker(Restriction{Pieces: []Piece{p0, p1}})
	assert.True(t, tr.TryClaim(rowClaim{piece: 0, token: p0.End}))
	assert.False(t, tr.TryClaim(rowClaim{piece: 1, token: p1.End}))
	assert.ErrorContains(t, tr.GetError(), "a row of piece 1 was claimed while piece 0 is read")

	tr = newTracker(Restriction{Pieces: []Piece{p0, p1}})
	assert.True(t, tr.TryClaim(rowClaim{piece: 0, token: p0.End}))
	assert.False(t, tr.TryClaim(rowClaim{piece: 0, token: p0.Start.Partitioner().Min()}))
	assert.ErrorContains(t, tr.GetError(), "rows must be claimed in token order")
	assert.False(t, tr.IsDone(), "a tracker that failed is not done")

	tr = newTracker(Restriction{Pieces: []Piece{p0, p1}})
	assert.True(t, tr.TryClaim(pieceDone{piece: 0}))
	assert.False(t, tr.TryClaim(rowClaim{piece: 1, token: p1.End.Partitioner().Max()}), "a row past the piece's end")
	assert.NoError(t, tr.GetError())
	assert.True(t, tr.IsDone(), "a refused row ends the primary")

	tr = newTracker(Restriction{Pieces: []Piece{p0, p1}})
	_, res, err := tr.TrySplit(0.75) // into the second piece
	require.NoError(t, err)
	require.NotNil(t, res)
	assert.Len(t, tr.rest.Pieces, 2)
	assert.True(t, tr.TryClaim(pieceDone{piece: 0}))
	assert.False(t, tr.TryClaim(rowClaim{piece: 1, token: p1.End}), "the tokens split away")
	assert.True(t, tr.IsDone())

	tr = newTracker(Restriction{Pieces: []Piece{p0, p1}})
	assert.False(t, tr.TryClaim("row"))
	assert.ErrorContains(t, tr.GetError(), "TryClaim(string): not a position of a ringscanio restriction")

	tr = newTracker(Restriction{Pieces: []Piece{p0}})
	prim, res, err := tr.TrySplit(0)
	require.NoError(t, err)
	assert.Empty(t, prim.(Restriction).Pieces, "a checkpoint before any claim leaves the primary empty")
	assert.Equal(t, Restriction{Pieces: []Piece{p0}}, res)
	assert.True(t, tr.IsDone())
	prim, res, err = tr.TrySplit(0.5)
	require.NoError(t, err)
	assert.Nil(t, res, "nothing is left to split")
	assert.Empty(t, prim.(Restriction).Pieces)
}
