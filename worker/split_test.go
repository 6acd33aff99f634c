package worker

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
)

// tokenTrimmer is a Trimmer over batches whose one value is the row's
// Murmur3 token.
type tokenTrimmer struct{}

func (tokenTrimmer) Trim(b *sink.Batch, lim Limit, _ *Position) (*Position, bool) {
	n, keep := b.Len(), b.Len()
	var last *Position
	for i := range n {
		tk := ring.Murmur3Token(int64(binary.BigEndian.Uint64(b.Value(i, 0))))
		if tk.Compare(lim.Token) > 0 {
			keep = i
			break
		}
		last = &Position{Token: tk}
	}
	b.TruncateRows(keep)
	return last, keep < n
}

func tokens(toks ...int64) *sink.Batch {
	col, err := sink.NewColumn("t", "bigint")
	if err != nil {
		panic(err)
	}
	b := sink.NewBatch([]sink.Column{col}, 1)
	for _, t := range toks {
		b.AppendValue(binary.BigEndian.AppendUint64(nil, uint64(t)))
	}
	return b
}

// after is the cursor after a page whose last row has token last.
func after(last int64, end ring.Token, state string) Cursor {
	return Cursor{End: end, PageState: []byte(state), Last: &Position{Token: ring.Murmur3Token(last)}}
}

func sub(id int, start, end int64) ring.Subrange {
	return ring.Subrange{ID: id, Range: ring.Range{Start: ring.Murmur3Token(start), End: ring.Murmur3Token(end)}}
}

// TestSplitterTakesTheLongestRemainder tracks two running subranges and
// splits: the one with the most rows left (by rows read over the width
// covered) gives the second half of what is left after its last row, the
// split is recorded before its owner can see it, and the owner then drops
// the rows past its new end and ends at the first such row.
func TestSplitterTakesTheLongestRemainder(t *testing.T) {
	s := newSplitter(tokenTrimmer{}, 10, 20, 4, 5)
	short, long := Task{Subrange: sub(1, 0, 1000)}, Task{Subrange: sub(2, 0, 100_000)}
	lvShort, lvLong := s.track(short, nil), s.track(long, nil)
	// Both read 30 rows: the short one is nearly done, the long one has a
	// long way to go.
	s.afterPage(lvShort, &short, nil, after(900, short.Subrange.Range.End, "p"), tokens(100, 500, 900), Page{})
	for range 9 {
		s.afterPage(lvLong, &long, nil, after(30, long.Subrange.Range.End, "p"), tokens(10, 20, 30), Page{})
	}
	var recorded []ring.Subrange
	var parent int
	s.record = func(sp Split) {
		parent = sp.Parent.Subrange.ID
		for _, c := range sp.Children {
			recorded = append(recorded, c.Subrange)
		}
		// Called under the parent's lock (take holds it): the owner cannot
		// have seen the split yet.
		assert.False(t, lvLong.split)
		assert.Equal(t, long.Subrange.Range.End, lvLong.task.Subrange.Range.End)
	}
	task, ok := s.take(t.Context())
	require.True(t, ok)
	assert.Equal(t, 2, parent)
	require.Len(t, recorded, 1)
	assert.Equal(t, task.Subrange, recorded[0])
	assert.Equal(t, 6, task.Subrange.ID, "above every task id")
	mid := ring.Range{Start: ring.Murmur3Token(30), End: long.Subrange.Range.End}.Mid()
	assert.Equal(t, ring.Range{Start: mid, End: long.Subrange.Range.End}, task.Subrange.Range, "the second half of what is left")

	// The owner's next page reads past the new end: the rows after it are
	// dropped and the subrange is done.
	midV := mid.BindValue().(int64)
	page := tokens(40, midV, midV+1, midV+2)
	next := s.afterPage(lvLong, &long, &Position{Token: ring.Murmur3Token(30)}, after(midV+2, ring.Murmur3Token(100_000), "p"), page, Page{})
	assert.Equal(t, mid, long.Subrange.Range.End, "the owner took the split")
	assert.Equal(t, 2, page.Len(), "rows past the split are dropped")
	assert.True(t, next.Done)
	assert.Equal(t, mid, next.Last.Token)

	// Nothing is left worth splitting: the short one has under two pages
	// left, the long one is done.
	s.record = func(Split) { t.Error("split again") }
	_, ok = s.take(t.Context())
	assert.False(t, ok)
}

// TestSplitKeepsTheStatement applies a split to a subrange whose page was
// in flight: the page's statement (and its end bound) goes on, the rows it
// brings stay within the new end, and the subrange is not done while the
// statement has rows left before the new end.
func TestSplitKeepsTheStatement(t *testing.T) {
	s := newSplitter(tokenTrimmer{}, 1, 2, 4, 0)
	s.record = func(Split) {}
	r := Task{Subrange: sub(1, 0, 1000)}
	lv := s.track(r, nil)
	s.afterPage(lv, &r, nil, after(5, r.Subrange.Range.End, "p1"), tokens(1, 2, 3, 4, 5), Page{})
	_, ok := s.take(t.Context())
	require.True(t, ok)
	next := s.afterPage(lv, &r, nil, after(7, ring.Murmur3Token(1000), "p2"), tokens(6, 7), Page{})
	assert.False(t, next.Done, "more rows may come before the new end")
	assert.Equal(t, []byte("p2"), next.PageState, "the statement goes on")
	assert.Equal(t, ring.Murmur3Token(1000), next.End, "with its own end bound")
	assert.Less(t, r.Subrange.Range.End.Compare(ring.Murmur3Token(1000)), 0, "the subrange ends before it")
}

// TestNoSplitWithoutTrimmer: a splitter is only made for a Trimmer; nil
// splitter methods are no-ops.
func TestNoSplitWithoutTrimmer(t *testing.T) {
	var s *splitter
	r := Task{Subrange: sub(1, 0, 10)}
	lv := s.track(r, nil)
	assert.Nil(t, lv)
	cur := Cursor{PageState: []byte("x")}
	assert.Equal(t, cur, s.afterPage(lv, &r, nil, cur, tokens(1), Page{}))
	_, ok := s.take(t.Context())
	assert.False(t, ok)
	lv.pickUp(&r)
	s.handedOn()
}

// TestTokenSplitOfAFinishedTask: the owner of the task a splitter chose
// reads to its end before the splitter cuts (take holds no lock of the
// task between the choice and the cut). Nothing is split off: a cut of
// what is left would be a child of no tokens, (End, End], which a
// checkpoint cannot record as a subrange.
func TestTokenSplitOfAFinishedTask(t *testing.T) {
	s := newSplitter(tokenTrimmer{}, 1, 2, 4, 0)
	s.record = func(Split) { t.Error("a split recorded") }
	r := Task{Subrange: sub(1, 0, 1000)}
	lv := s.track(r, nil)
	s.afterPage(lv, &r, nil, after(5, r.Subrange.Range.End, "p1"), tokens(1, 2, 3, 4, 5), Page{})
	// Chosen now; then the owner's last page ends the task.
	next := s.afterPage(lv, &r, nil, Cursor{Done: true, End: r.Subrange.Range.End}, tokens(6, 1000), Page{})
	require.True(t, next.Done)
	task, ok := s.cutTokens(lv)
	assert.False(t, ok)
	assert.Nil(t, task)

	// A task that read on since it was chosen is cut after its new last
	// row.
	s.record = func(Split) {}
	r2 := Task{Subrange: sub(2, 0, 1000)}
	lv2 := s.track(r2, nil)
	s.afterPage(lv2, &r2, nil, after(5, r2.Subrange.Range.End, "p1"), tokens(1, 2, 3, 4, 5), Page{})
	s.afterPage(lv2, &r2, nil, after(600, r2.Subrange.Range.End, "p2"), tokens(600), Page{})
	task, ok = s.cutTokens(lv2)
	require.True(t, ok)
	mid := ring.Range{Start: ring.Murmur3Token(600), End: r2.Subrange.Range.End}.Mid()
	assert.Equal(t, ring.Range{Start: mid, End: r2.Subrange.Range.End}, task.Subrange.Range)
}
