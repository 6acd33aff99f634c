package ringscanio

import (
	"fmt"
	"math"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// rowClaim claims one row of piece: its token, and the cursor that
// resumes right after it (scanner.RangePages.RowCursor).
type rowClaim struct {
	piece  int
	token  ring.Token
	cursor scanner.Cursor
}

// pieceDone claims the end of piece: it was read to its end.
type pieceDone struct{ piece int }

// tracker is the restriction tracker of a read (sdf.RTracker). The DoFn
// claims every row, in order, before it emits it (rowClaim), and the end
// of every piece it read to its end (pieceDone). A claim fails once a
// split has handed the rest of the work to another worker: the DoFn then
// stops, having emitted exactly the primary's rows.
//
// Runners split it from another goroutine while the DoFn claims:
// CreateTracker wraps it in an *sdf.LockRTracker, which serializes the
// calls.
type tracker struct {
	rest    Restriction // the primary: splits shorten it
	cur     int         // the piece being read
	last    *rowClaim   // the last row claimed in rest.Pieces[cur]
	stopped bool        // a claim failed or a checkpoint was taken: no more claims
	err     error
	// splitDone is closed by the first split that hands work away (tests
	// wait on it).
	splitDone chan struct{}
	splitOnce sync.Once
}

var _ sdf.RTracker = (*tracker)(nil)

func newTracker(r Restriction) *tracker {
	return &tracker{rest: r.clone(), splitDone: make(chan struct{})}
}

// TryClaim claims a rowClaim or a pieceDone. A row past the end of its
// piece, or of a piece no longer in the primary, is refused: it belongs
// to a residual. Claims out of order are errors.
func (t *tracker) TryClaim(pos any) bool {
	if t.err != nil || t.stopped {
		return false
	}
	switch c := pos.(type) {
	case rowClaim:
		if c.piece != t.cur {
			t.err = fmt.Errorf("ringscanio: a row of piece %d was claimed while piece %d is read", c.piece, t.cur)
			return false
		}
		if c.piece >= len(t.rest.Pieces) || c.token.Compare(t.rest.Pieces[c.piece].End) > 0 {
			t.stopped = true
			return false
		}
		if t.last != nil && c.token.Compare(t.last.token) < 0 {
			t.err = fmt.Errorf("ringscanio: a row at token %v was claimed after one at %v: rows must be claimed in token order", c.token, t.last.token)
			return false
		}
		t.last = &c
		return true
	case pieceDone:
		if c.piece != t.cur {
			t.err = fmt.Errorf("ringscanio: piece %d was finished while piece %d is read", c.piece, t.cur)
			return false
		}
		if c.piece >= len(t.rest.Pieces) {
			t.stopped = true
			return false
		}
		t.cur++
		t.last = nil
		return true
	}
	t.err = fmt.Errorf("ringscanio: TryClaim(%T): not a position of a ringscanio restriction", pos)
	return false
}

// GetError returns the error that stopped the claims, if any.
func (t *tracker) GetError() error { return t.err }

// IsDone reports whether the primary's work is all claimed: every piece
// finished, or the rest handed to a residual.
func (t *tracker) IsDone() bool {
	return t.err == nil && (t.stopped || t.cur >= len(t.rest.Pieces))
}

// GetRestriction returns a copy of the primary.
func (t *tracker) GetRestriction() any { return t.rest.clone() }

// left returns the work not claimed yet: the piece being read from the
// cursor after its last claimed row, unless that row ended it, then the
// later pieces.
func (t *tracker) left() []Piece {
	if t.stopped || t.cur >= len(t.rest.Pieces) {
		return nil
	}
	first := t.rest.Pieces[t.cur]
	if t.last != nil {
		first.Cursor = t.last.cursor
	}
	var out []Piece
	if !first.Cursor.Done() {
		out = append(out, first)
	}
	return append(out, t.rest.Pieces[t.cur+1:]...)
}

// GetProgress reports the work claimed and left, in Restriction.Size's
// units.
func (t *tracker) GetProgress() (done, remaining float64) {
	for _, p := range t.left() {
		remaining += p.remaining()
	}
	var total float64
	for _, p := range t.rest.Pieces {
		total += p.weight(p.rangeOf())
	}
	return math.Max(total-remaining, 0), remaining
}

// TrySplit keeps about fraction of the work left in the primary and
// returns the rest as the residual.
//
// A fraction above 0 splits at a token boundary: the point that fraction
// of the way through the work left, computed by ring.Range.At as the
// scanner's own splitter computes it, so that the partition being read
// stays whole in the primary. The primary keeps its cursors up to the
// cut; the residual reads the tokens after it with a new statement. Each
// row is on exactly one side.
//
// A fraction of 0 is a checkpoint: the primary ends after the last row
// claimed and the tracker is done; the residual goes on from that row's
// cursor (a paging state after a page's last row, else a token and key
// bound). The primary's last piece then ends at that row's token: it
// describes the work done, and would read the rest of that token again
// if a runner ran it once more on its own (runners re-run a failed
// bundle's restriction whole, not a checkpoint's primary).
func (t *tracker) TrySplit(fraction float64) (primary, residual any, err error) {
	if t.err != nil {
		return nil, nil, t.err
	}
	left := t.left()
	if len(left) == 0 || !(fraction < 1) {
		return t.rest.clone(), nil, nil
	}
	if fraction <= 0 {
		prim := t.rest.Pieces[:t.cur:t.cur]
		switch {
		case t.last != nil && t.last.cursor.Done():
			// The last row claimed ended the piece: all of it is done.
			prim = append(prim, t.rest.Pieces[t.cur])
		case t.last != nil:
			before, _ := t.rest.Pieces[t.cur].cut(t.last.token)
			prim = append(prim, before)
		}
		t.rest.Pieces, t.stopped = prim, true
		return t.split(Restriction{Pieces: left})
	}
	var total float64
	for _, p := range left {
		total += p.remaining()
	}
	target := fraction * total
	offset := len(t.rest.Pieces) - len(left) // left[k] is t.rest.Pieces[offset+k]
	for k, p := range left {
		w := p.remaining()
		if target >= w && k < len(left)-1 {
			target -= w
			continue
		}
		at := p.progress()
		if w > 0 {
			at = ring.Range{Start: at, End: p.End}.At(target / w)
		}
		idx := offset + k
		if at.Compare(p.End) >= 0 {
			// Nothing after the cut in this piece: cut after it, if
			// anything follows.
			if k == len(left)-1 {
				return t.rest.clone(), nil, nil
			}
			t.rest.Pieces = t.rest.Pieces[: idx+1 : idx+1]
			return t.split(Restriction{Pieces: left[k+1:]})
		}
		before, after := t.rest.Pieces[idx].cut(at)
		prim := t.rest.Pieces[:idx:idx]
		if idx == t.cur || !before.rangeOf().Empty() {
			prim = append(prim, before)
		}
		t.rest.Pieces = prim
		return t.split(Restriction{Pieces: append([]Piece{after}, left[k+1:]...)})
	}
	return t.rest.clone(), nil, nil
}

// split returns the primary and residual of a split that took place.
func (t *tracker) split(residual Restriction) (primary, res any, err error) {
	t.splitOnce.Do(func() { close(t.splitDone) })
	return t.rest.clone(), residual, nil
}

func (t *tracker) String() string {
	return fmt.Sprintf("ringscanio.tracker{%v, piece %d, stopped %v}", t.rest, t.cur, t.stopped)
}
