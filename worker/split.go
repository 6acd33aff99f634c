package worker

import (
	"sync"
	"sync/atomic"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
)

// splitter hands the unread part of running subranges to idle goroutines,
// so that a few long subranges do not make the scan's tail. The pool asks
// it for work (take) once no subrange is left to start; each running
// subrange reports its progress through its tracked entry.
//
// The protocol between a subrange's owner and a splitter: the splitter
// lowers a running subrange's end under the entry's lock and marks it; the
// owner picks the new end up before each request (pickUp) and again after
// each page (afterPage), dropping the rows a page read past the new end.
// A paging state belongs to its statement, so a statement started before a
// split goes on with its old end bound (Cursor.End); the rows past the
// subrange's new end are trimmed, and the first such row ends the
// subrange. The piece split off starts where the owner's rows can no
// longer reach: at the midpoint of what was left after the last row
// handed on.
type splitter struct {
	trim     Trimmer
	pageSize int
	// nextID is the last subrange id given out: splits get new ids above
	// every id of the tasks.
	nextID atomic.Int64

	mu      sync.Mutex
	running map[*running]struct{}

	// notify wakes idle goroutines when a page was handed on: something
	// may have become worth splitting.
	notify chan struct{}
}

// running is a subrange being read, whose end an idle goroutine may take.
type running struct {
	mu       sync.Mutex
	sub      ring.Subrange // Range.End is lowered by splits
	start    ring.Token    // where the rows counted in rows began
	progress ring.Token    // token of the last row handed on, or start
	rows     int64         // rows handed on since start
	split    bool          // End was lowered since the owner last looked
}

func newSplitter(t Trimmer, pageSize int, maxID int) *splitter {
	s := &splitter{trim: t, pageSize: pageSize, running: map[*running]struct{}{}, notify: make(chan struct{}, 1)}
	s.nextID.Store(int64(maxID))
	return s
}

// track registers a running subrange; nil when splitting is off.
func (s *splitter) track(sr ring.Subrange, cur Cursor) *running {
	if s == nil {
		return nil
	}
	lv := &running{sub: sr, start: sr.Range.Start, progress: sr.Range.Start}
	if cur.Last != nil {
		lv.start, lv.progress = cur.Last.Token, cur.Last.Token
	}
	s.mu.Lock()
	s.running[lv] = struct{}{}
	s.mu.Unlock()
	return lv
}

func (s *splitter) untrack(lv *running) {
	if lv == nil {
		return
	}
	s.mu.Lock()
	delete(s.running, lv)
	s.mu.Unlock()
}

// handedOn wakes an idle goroutine, if one waits.
func (s *splitter) handedOn() {
	if s == nil {
		return
	}
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// pickUp applies a split made while no request was in flight: the
// subrange's end is lowered.
func (lv *running) pickUp(sr *ring.Subrange) {
	if lv == nil {
		return
	}
	lv.mu.Lock()
	lv.takeSplit(sr)
	lv.mu.Unlock()
}

// takeSplit lowers sr's end to where splits left it. lv.mu is held.
func (lv *running) takeSplit(sr *ring.Subrange) {
	if lv.split {
		lv.split = false
		sr.Range.End = lv.sub.Range.End
	}
}

// afterPage applies splits to the page b, read by a statement ending at
// next.End: when the subrange now ends before that (it was split, before
// or during the request), the rows past its end are dropped (the piece
// split off reads them), and the first such row, or the statement's end,
// ends the subrange. It records the subrange's progress for the next split
// decision.
func (s *splitter) afterPage(lv *running, sr *ring.Subrange, last *Position, next Cursor, b *sink.Batch) Cursor {
	if lv == nil {
		return next
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	lv.takeSplit(sr)
	if sr.Range.End.Compare(next.End) < 0 {
		kept, dropped := s.trim.Trim(b, sr.Range.End, last)
		if kept == nil {
			kept = last
		}
		next.Last = kept
		if dropped || next.Done {
			next = Cursor{Done: true, Last: kept}
		}
	}
	if next.Last != nil {
		lv.progress = next.Last.Token
	}
	if next.Done {
		// Read to its end: nothing is left to split off, although the
		// subrange stays registered until its goroutine untracks it.
		lv.progress = lv.sub.Range.End
	}
	lv.rows += int64(b.Len())
	return next
}

// take splits the running subrange with the most rows left, estimated from
// the rows it read so far over its token width, if it has at least two
// pages left (so that each half gets a page), and returns the task of its
// second half. record is called with the split before the parent's owner
// can see it: no page of the parent that depends on the split (its last,
// trimmed one) can be written before the split is recorded.
func (s *splitter) take(record func(parent int, child ring.Subrange)) (task *Task, ok bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *running
	bestRows := 0.0
	for lv := range s.running {
		lv.mu.Lock()
		left := ring.Range{Start: lv.progress, End: lv.sub.Range.End}
		read := ring.Range{Start: lv.start, End: lv.progress}
		if !left.Empty() && !read.Empty() && lv.rows > 0 && !lv.split {
			if est := float64(lv.rows) / read.Share() * left.Share(); est > bestRows {
				best, bestRows = lv, est
			}
		}
		lv.mu.Unlock()
	}
	if best == nil || bestRows < float64(2*s.pageSize) {
		return nil, false
	}
	best.mu.Lock()
	defer best.mu.Unlock()
	left := ring.Range{Start: best.progress, End: best.sub.Range.End}
	mid := left.At(0.5) // the split point computation the Beam source shares
	child := ring.Subrange{ID: int(s.nextID.Add(1)), Range: ring.Range{Start: mid, End: left.End},
		Vnode: best.sub.Vnode, Replicas: best.sub.Replicas}
	child.Share = child.Range.Share()
	record(best.sub.ID, child)
	best.sub.Range.End = mid
	best.split = true
	return &Task{Subrange: child}, true
}
