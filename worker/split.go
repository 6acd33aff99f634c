package worker

import (
	"context"
	"errors"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
)

// splitter hands the unread part of running tasks to idle goroutines, so
// that a few long subranges, or one large partition, do not make the
// scan's tail. The pool asks it for work (take) once no task is left to
// start; each running task reports its progress through its tracked
// entry.
//
// The protocol between a task's owner and a splitter: the splitter lowers
// a running task's end under the entry's lock and marks it; the owner
// picks the new end up before each request (pickUp) and again after each
// page (afterPage), dropping the rows a page read past the new end. A
// paging state belongs to its statement, so a page in flight at a split
// comes with its statement's old bounds; the rows past the task's new end
// are dropped, and the first such row ends the task. Before its next
// request the owner starts a new statement from after its last row,
// bounded by the new end, where that re-reads few rows (restart); else its
// statement goes on with its old bounds, dropping rows as above. What is
// split off starts where the owner's rows can no longer reach: after the
// last row handed on.
//
// A token subrange is split at the token midpoint of what is left after
// its last row. A task whose reading stays inside one partition (a page
// or more of it, with rows left) has its partition split instead, by
// clustering range (see Partitions): at a cut interpolated between its
// last row and the partition's last row, which a query finds; or, where
// the clustering values have no midpoint, by a second task reading the
// partition down from its end, the two stopping where they meet (a pair).
// When a token subrange's partition is split, the subrange ends inside it
// (Stop), and the rest of its token range, and the partitions of the same
// token after the split one, become tasks of their own.
type splitter struct {
	trim     Trimmer
	parts    Partitions // nil: partitions are not split
	pageSize int
	// partRows is the least number of rows a partition must have left,
	// by estimate, to be split; maxPieces the most pieces one split makes
	// (the pool's concurrency).
	partRows, maxPieces int
	// nextID is the last id given out: splits get new ids above every
	// task's.
	nextID atomic.Int64
	// record hands a split to the output; query runs a split's queries on
	// a replica of a subrange.
	record func(Split)
	query  func(ctx context.Context, sr ring.Subrange, f func(ctx context.Context, h ring.Host) error) error

	mu      sync.Mutex
	running map[*running]struct{}
	// queue holds the tasks split off that no goroutine took yet.
	queue []Task
	// queries counts the requests made to split partitions; dropped the
	// rows pages read past a split's end and dropped (Stats.RowsDropped).
	queries, dropped atomic.Int64
	// restarts counts the statements cut short at a split's end
	// (Stats.Restarts).
	restarts atomic.Int64

	// notify wakes idle goroutines when a page was handed on or a task
	// queued: something may have become worth splitting, or waits.
	notify chan struct{}
}

// running is a task being read, whose end an idle goroutine may take.
type running struct {
	mu sync.Mutex
	// task is the task with its current end (Subrange.Range.End, Stop or
	// Piece.To, lowered by splits).
	task Task
	// split is set when the end was lowered since the owner last looked.
	split bool
	done  bool

	// Token progress, for token splits: rows handed on since start, the
	// token of the last.
	start, progress ring.Token
	rows            int64

	// Partition progress: the last row handed on, and the run of rows
	// handed on in its partition.
	last *Position
	run  partRun
	// lastRow is the last row of what the task has left of its
	// partition, when known (from a query, or from the split that made
	// the task); est the rows the split that made it expected it to hold.
	lastRow *Position
	est     float64
	// busy is set while a goroutine splits the task's partition; failed
	// when a split's queries failed, so that the partition is not tried
	// again.
	busy, failed bool
	// pair is the pair the task reads in, if any.
	pair *pair
}

// partRun is a run of rows of one partition handed on by one task.
type partRun struct {
	first *Position // the first row of the run
	rows  int64
}

// pair is a partition (or a piece of one) read from both ends: fwd reads
// up, rev down, and each stops where the other got to. Each reader holds
// its entry's lock, then the pair's, while it trims a page and moves the
// other's bound, so that no row passes both.
type pair struct {
	mu sync.Mutex
	// fwdEnd is where the forward reader's rows end (a cut before the
	// reverse reader's last row), only ever lowered; revFrom where the
	// reverse reader's rows end (a cut after the forward reader's last
	// row), only ever raised.
	fwdEnd, revFrom Cut
	// fwd is the forward task as recorded, for the splits that move its
	// end.
	fwd Task
}

// splitHint is what a split knows of a task it made: the last row of its
// rows and how many it should hold.
type splitHint struct {
	lastRow *Position
	est     float64
}

func newSplitter(t Trimmer, pageSize, partRows, maxPieces int, maxID int) *splitter {
	s := &splitter{trim: t, pageSize: pageSize, partRows: partRows, maxPieces: maxPieces, running: map[*running]struct{}{},
		notify: make(chan struct{}, 1)}
	s.nextID.Store(int64(maxID))
	return s
}

// track registers a running task; nil when splitting is off. pr is the
// task's pair, if it has one.
func (s *splitter) track(t Task, pr *pair) *running {
	if s == nil {
		return nil
	}
	lv := &running{task: t, start: t.Subrange.Range.Start, progress: t.Subrange.Range.Start, last: t.Cursor.Last, pair: pr}
	if h := t.hint; h != nil {
		lv.lastRow, lv.est = h.lastRow, h.est
	}
	if t.Cursor.Last != nil {
		lv.start, lv.progress = t.Cursor.Last.Token, t.Cursor.Last.Token
	}
	if t.Piece != nil {
		lv.start, lv.progress = t.Piece.Token, t.Piece.Token
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
	lv.mu.Lock()
	lv.done = true
	lv.mu.Unlock()
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

// restart reports whether r's statement, whose task a split ended before
// the statement's end bound, should give way to a new statement from
// after r's last row, bounded by the task's new end
// (Cursor.restartAfterLast). Going on, the statement's pages read past the
// new end, rows the task split off reads too: about half a page, up to a
// page, that the cluster serves twice and afterPage drops. A new
// statement reads none of them, but reads again the rows before the first
// new one: those of the last row's partition up to it (by key), or of its
// token (by ordinal). It restarts when those are known and at most a
// quarter page; inside a large partition it goes on.
func (s *splitter) restart(r *rangeRun) bool {
	c := r.cur
	if s == nil || c.PageState == nil || c.Done || c.End == (ring.Token{}) || r.t.Piece != nil || r.t.Stop != nil ||
		r.t.Subrange.Range.End.Compare(c.End) >= 0 {
		return false
	}
	reread := int64(-1)
	switch {
	case c.skippingByOrdinal():
		reread = c.After.Ordinal
	case c.Last == nil && c.After == nil:
		reread = 0
	case c.Last == nil:
	case c.Last.Key == nil && c.Last.Ordinal > 0:
		reread = c.Last.Ordinal
	case c.Last.Key != nil:
		reread = r.tail
	}
	page := r.asked // the statement's next page asks as many rows
	if page <= 0 {
		page = s.pageSize
	}
	if reread < 0 || reread*4 > int64(page) {
		return false
	}
	s.restarts.Add(1)
	return true
}

// pickUp applies a split made while no request was in flight: the task's
// end is lowered.
func (lv *running) pickUp(t *Task) {
	if lv == nil {
		return
	}
	lv.mu.Lock()
	lv.takeSplit(t)
	lv.mu.Unlock()
}

// takeSplit copies the task's current end into the owner's t. lv.mu is
// held.
func (lv *running) takeSplit(t *Task) {
	if pr := lv.pair; pr != nil {
		pr.mu.Lock()
		lv.syncPair()
		pr.mu.Unlock()
	}
	lv.takeEnd(t)
}

// takeEnd copies the task's end into t if it moved. lv.mu is held.
func (lv *running) takeEnd(t *Task) {
	if lv.split {
		lv.split = false
		t.Subrange.Range.End = lv.task.Subrange.Range.End
		t.Stop, t.Piece = lv.task.Stop, lv.task.Piece
	}
}

// syncPair moves the pair's bounds into the entry's task. lv.mu and the
// pair's lock are held.
func (lv *running) syncPair() {
	pr := lv.pair
	t := &lv.task
	switch {
	case t.Piece != nil && t.Piece.Reverse:
		if !sameCut(t.Piece.From, pr.revFrom) {
			p := *t.Piece
			p.From = pr.revFrom
			t.Piece, lv.split = &p, true
		}
	case t.Piece != nil:
		if !sameCut(t.Piece.To, pr.fwdEnd) {
			p := *t.Piece
			p.To = pr.fwdEnd
			t.Piece, lv.split = &p, true
		}
	case t.Stop != nil:
		if !sameCut(t.Stop.At, pr.fwdEnd) {
			t.Stop, lv.split = &Stop{PK: t.Stop.PK, At: pr.fwdEnd}, true
		}
	}
}

func sameCut(a, b Cut) bool {
	if a.After != b.After || len(a.CK) != len(b.CK) || (a.CK == nil) != (b.CK == nil) {
		return false
	}
	for i := range a.CK {
		if string(a.CK[i]) != string(b.CK[i]) {
			return false
		}
	}
	return true
}

// afterPage applies splits to the page b, read for the owner's task t by
// a statement ending at next.End: the rows past t's current end are
// dropped (another task reads them), and the first such row, or the
// statement's end, ends the task. It records the task's progress for the
// next split decision and, in a pair, moves the other reader's bound.
// last is the position of the row before b's first.
func (s *splitter) afterPage(lv *running, t *Task, last *Position, next Cursor, b *sink.Batch, page Page) Cursor {
	if lv == nil {
		return next
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	if pr := lv.pair; pr != nil {
		// The other reader's bound must not move between the trim and
		// this reader's move of its bound.
		pr.mu.Lock()
		defer pr.mu.Unlock()
		lv.syncPair()
	}
	lv.takeEnd(t)
	rows := b.Len()
	dropped := false
	if t.Piece != nil || t.Stop != nil || t.Subrange.Range.End.Compare(next.End) < 0 {
		var kept *Position
		kept, dropped = s.trim.Trim(b, t.limit(), last)
		s.dropped.Add(int64(rows - b.Len()))
		if kept == nil {
			kept = last
		}
		next.Last = kept
		if dropped || next.Done {
			next = Cursor{Done: true, Last: kept}
		}
		if dropped {
			rows = -1 // the run's figures no longer hold
		}
	}
	if page.Last != nil && !dropped && !next.Done && (page.After != nil || page.Last.Key == nil) {
		// Nothing was dropped: the last row is the page's, named as the
		// Fetcher reads on after this page, which Trim's may not be: after
		// a switch (After), or by ordinal, where the Fetcher counted the
		// rows it skipped (up to the cursor's After) and Trim, which sees
		// only the page's rows, did not.
		next.Last = page.Last
	}
	if next.Last != nil && b.Len() > 0 {
		lv.last = next.Last
		lv.noteRun(b.Len(), rows, page, s.parts)
		if lv.pair != nil {
			lv.movePartner(s, next.Last)
		}
	}
	if next.Last != nil && t.Piece == nil {
		lv.progress = next.Last.Token
	}
	if next.Done {
		// Read to its end: nothing is left to split off, although the
		// task stays registered until its goroutine untracks it.
		lv.progress = lv.task.Subrange.Range.End
		lv.done = true
	}
	lv.rows += int64(b.Len())
	return next
}

// noteRun extends or restarts the run of rows in the last row's
// partition with a page of kept rows (all of them when whole >= 0).
func (lv *running) noteRun(kept, whole int, page Page, parts Partitions) {
	if parts == nil || parts.KeyWidth() == 0 {
		return
	}
	if whole == kept && page.TailRows == kept && lv.run.rows > 0 && lv.run.first != nil &&
		samePartition(lv.run.first, lv.last, parts.KeyWidth()) {
		lv.run.rows += int64(kept)
		return
	}
	first := page.TailFirst
	if first == nil {
		first = lv.last
	}
	n := int64(page.TailRows)
	if whole < 0 || n <= 0 {
		n = 1
	}
	if lv.run.first != nil && !samePartition(lv.run.first, first, parts.KeyWidth()) ||
		lv.run.first == nil && lv.task.Piece == nil {
		// Another partition: what was known of the last one is moot.
		lv.lastRow, lv.est, lv.failed = nil, 0, false
	}
	lv.run = partRun{first: first, rows: n}
}

// movePartner moves the bound of the other reader of lv's pair after lv
// handed on rows up to at. lv.mu and the pair's lock are held.
func (lv *running) movePartner(s *splitter, at *Position) {
	pr := lv.pair
	kw := s.parts.KeyWidth()
	ck := at.Key[kw:]
	if lv.task.Piece != nil && lv.task.Piece.Reverse {
		// An open end is the partition's end: every row is before it.
		if pr.fwdEnd.Open() || s.parts.(cutComparer).CompareCut(at, pr.fwdEnd) < 0 {
			pr.fwdEnd = Cut{CK: ck}
			fwd := pr.fwd
			switch {
			case fwd.Piece != nil:
				p := *fwd.Piece
				p.To = pr.fwdEnd
				fwd.Piece = &p
			case fwd.Stop != nil:
				fwd.Stop = &Stop{PK: fwd.Stop.PK, At: pr.fwdEnd}
			}
			pr.fwd = fwd
			s.record(Split{Parent: fwd})
		}
		return
	}
	// An open bound is the partition's start: every row is after it.
	if pr.revFrom.Open() || s.parts.(cutComparer).CompareCut(at, pr.revFrom) > 0 {
		pr.revFrom = Cut{CK: ck, After: true}
	}
}

// cutComparer places row positions against cuts; Fetchers that are
// Partitions implement it.
type cutComparer interface {
	// CompareCut reports whether pos (a row of the cut's partition) lies
	// before (-1) or after (+1) c.
	CompareCut(pos *Position, c Cut) int
}

func samePartition(a, b *Position, kw int) bool {
	if a.Token != b.Token || len(a.Key) < kw || len(b.Key) < kw {
		return false
	}
	for i := range kw {
		if string(a.Key[i]) != string(b.Key[i]) {
			return false
		}
	}
	return true
}

// splitFrom returns where a split of the task's partition would start
// from: its last row handed on while it reads inside one partition (at
// least minRows of it: a large partition), or, for a piece that has
// handed on nothing yet, its From (as a position with a clustering
// prefix); nil when its partition cannot be split. lv.mu is held.
func (lv *running) splitFrom(minRows int) *Position {
	p := lv.task.Piece
	switch {
	case p != nil && p.Reverse, lv.failed:
		return nil
	case lv.last != nil && lv.last.Key == nil:
		return nil // read by token only (see Page.After): no position in a partition
	case lv.last != nil && (p != nil || lv.run.rows >= int64(minRows)):
		return lv.last
	case p != nil && lv.last == nil && !p.From.Open() && !p.From.After && lv.lastRow != nil:
		return &Position{Token: p.Token, Key: append(append([][]byte{}, p.PK...), p.From.CK...)}
	}
	return nil
}

// partitionLeft estimates the rows the task has left in its partition:
// from the rows it read over the share of the clustering values they
// covered, else what the split that made it expected; +Inf when unknown
// (no last row known, or values that give no estimate). lv.mu is held.
func (lv *running) partitionLeft(parts Partitions) float64 {
	if lv.lastRow == nil {
		return math.Inf(1)
	}
	if lv.run.rows > 0 && lv.run.first != nil && lv.last != nil {
		if r, ok := parts.Fraction(lv.run.first, lv.lastRow, lv.last); ok && r > 0 {
			return float64(lv.run.rows) * (1 - r) / r
		}
	}
	if lv.est > 0 {
		return max(lv.est-float64(lv.rows), 0)
	}
	return math.Inf(1)
}

// take returns a task for an idle goroutine: one queued by a split, else
// the part split off the running task with the most rows left, if it has
// enough left for each part to get a page (for a partition, partRows):
// the second half of a token subrange's unread tokens, or a piece of the
// partition a task reads inside (one it has read partRows of). It returns
// false when nothing is worth splitting.
func (s *splitter) take(ctx context.Context) (*Task, bool) {
	if s == nil {
		return nil, false
	}
	// A partition that turns out not to be worth splitting (or whose
	// queries fail) is not a candidate any more: choose again.
	for range 4 {
		t, ok, again := s.takeOnce(ctx)
		if !again {
			return t, ok
		}
	}
	return nil, false
}

func (s *splitter) takeOnce(ctx context.Context) (task *Task, ok, again bool) {
	s.mu.Lock()
	if len(s.queue) > 0 {
		t := s.queue[0]
		s.queue = s.queue[1:]
		more := len(s.queue) > 0
		s.mu.Unlock()
		if more {
			s.handedOn()
		}
		return &t, true, false
	}
	kw := 0
	if s.parts != nil {
		kw = s.parts.KeyWidth()
	}
	var best *running
	var bestFrom *Position
	bestRows := 0.0
	for lv := range s.running {
		lv.mu.Lock()
		if lv.done || lv.busy || lv.pair != nil {
			lv.mu.Unlock()
			continue
		}
		if kw > 0 {
			if from := lv.splitFrom(s.partRows); from != nil {
				if est := lv.partitionLeft(s.parts); est >= float64(s.partRows) && est > bestRows {
					best, bestFrom, bestRows = lv, from, est
				}
			}
		}
		if lv.task.Piece == nil && !lv.split {
			left := ring.Range{Start: lv.progress, End: lv.task.Subrange.Range.End}
			read := ring.Range{Start: lv.start, End: lv.progress}
			if !left.Empty() && !read.Empty() && lv.rows > 0 {
				if est := float64(lv.rows) / read.Share() * left.Share(); est > bestRows && est >= float64(2*s.pageSize) {
					best, bestFrom, bestRows = lv, nil, est
				}
			}
		}
		lv.mu.Unlock()
	}
	if best == nil {
		s.mu.Unlock()
		return nil, false, false
	}
	if bestFrom != nil {
		best.mu.Lock()
		best.busy = true
		best.mu.Unlock()
		s.mu.Unlock()
		t, ok := s.splitPartition(ctx, best, bestFrom)
		return t, ok, !ok
	}
	defer s.mu.Unlock()
	t, ok := s.cutTokens(best)
	return t, ok, !ok
}

// cutTokens splits off the second half of the tokens lv's task has left
// after its last row handed on. s.mu is held, not lv.mu: the owner may
// have handed on more rows since lv was chosen, or read to its end; then
// what is left now is cut, or nothing when nothing is (a child of no
// tokens, (End, End], would be no subrange a checkpoint can record).
func (s *splitter) cutTokens(lv *running) (*Task, bool) {
	lv.mu.Lock()
	defer lv.mu.Unlock()
	left := ring.Range{Start: lv.progress, End: lv.task.Subrange.Range.End}
	if lv.done || lv.split || lv.task.Piece != nil || left.Empty() {
		return nil, false
	}
	mid := left.Mid()
	child := Task{Subrange: ring.Subrange{ID: s.newID(), Range: ring.Range{Start: mid, End: left.End},
		Vnode: lv.task.Subrange.Vnode, Replicas: lv.task.Subrange.Replicas}}
	child.Subrange.Share = child.Subrange.Range.Share()
	parent := lv.task
	parent.Subrange.Range.End = mid
	s.record(Split{Parent: parent, Children: []Task{child}})
	lv.task, lv.split = parent, true
	return &child, true
}

func (s *splitter) newID() int { return int(s.nextID.Add(1)) }

// splitPartition splits the partition lv reads inside, from row from on
// (lv.busy is set): it finds the last row of what lv has left of the
// partition (unless known) and, for a token subrange, the partitions of
// the same token after it; then, if lv is still where it was and enough
// is left, it cuts. It returns the first task split off; the others are
// queued.
func (s *splitter) splitPartition(ctx context.Context, lv *running, from *Position) (*Task, bool) {
	lv.mu.Lock()
	t, known := lv.task, lv.lastRow
	lv.mu.Unlock()
	kw := s.parts.KeyWidth()
	cmp := s.parts.(cutComparer)
	span := Piece{Token: from.Token, PK: from.Key[:kw], From: Cut{CK: from.Key[kw:], After: true}, To: endIn(t)}
	if t.Piece != nil && lv.last == nil {
		span.From = t.Piece.From
	}
	// The first split of a token subrange's partition also hands on the
	// rest of the subrange and the partitions of the same token.
	first := t.Piece == nil && t.Stop == nil
	last := known
	var others [][][]byte
	var err error
	if last == nil || first {
		err = s.query(ctx, t.Subrange, func(ctx context.Context, h ring.Host) error {
			// Both queries run to their end, so that each failure is
			// counted (errors.Join of both).
			var wg sync.WaitGroup
			var lastErr, othersErr error
			if last == nil {
				s.queries.Add(1)
				wg.Go(func() { last, lastErr = s.parts.LastRow(ctx, h, span) })
			}
			if first {
				s.queries.Add(1)
				wg.Go(func() { others, othersErr = s.parts.SameToken(ctx, h, span.Token, span.PK) })
			}
			wg.Wait()
			return errors.Join(lastErr, othersErr)
		})
	}

	lv.mu.Lock()
	lv.busy = false
	cur := lv.last
	if cur == nil {
		cur = from // a piece that has still handed nothing on
	}
	if err != nil {
		lv.failed = true
	}
	if err != nil || lv.done || lv.split || lv.pair != nil || !samePartition(cur, from, kw) {
		lv.mu.Unlock()
		return nil, false
	}
	if last == nil || cmp.CompareCut(last, Cut{CK: cur.Key[kw:], After: true}) < 0 {
		// Nothing is left after the rows handed on.
		lv.lastRow, lv.est = nil, 0
		lv.run.rows = 0
		lv.mu.Unlock()
		return nil, false
	}
	lv.lastRow = last
	est := lv.partitionLeft(s.parts)
	if est < float64(s.partRows) {
		lv.mu.Unlock()
		return nil, false
	}
	// As many pieces as the rows left give a page each, up to the pool's
	// concurrency, in halves of halves: cuts between the last row handed
	// on and the last row.
	want := min(int(est/float64(s.pageSize)), s.maxPieces)
	cuts := s.cuts(cur, last, kw, bits.Len(uint(max(want, 2)))-1)
	ok := len(cuts) > 0
	if !ok {
		if _, interpolable := s.parts.Midpoint(cur, last); interpolable || lv.last == nil {
			// Nothing to cut between, or a piece not yet read (its
			// reader goes first rather than reading from both ends).
			lv.failed = true
			lv.mu.Unlock()
			return nil, false
		}
	}
	parent := lv.task
	to := endIn(parent)
	sub := func() ring.Subrange {
		return ring.Subrange{ID: s.newID(), Range: ring.Range{Start: span.Token, End: span.Token},
			Vnode: t.Subrange.Vnode, Replicas: t.Subrange.Replicas}
	}
	var pieces []Task
	if ok {
		each := est / float64(len(cuts)+1)
		for i, c := range cuts {
			piece := Task{Subrange: sub(), Piece: &Piece{Token: span.Token, PK: span.PK, From: c, To: to}}
			end := last
			if i+1 < len(cuts) {
				piece.Piece.To = cuts[i+1]
				end = cutPosition(span, cuts[i+1])
			}
			piece.hint = &splitHint{lastRow: end, est: each}
			pieces = append(pieces, piece)
		}
		parent = withEnd(parent, span.PK, cuts[0])
	} else {
		piece := Task{Subrange: sub(), Piece: &Piece{Token: span.Token, PK: span.PK, From: Cut{CK: cur.Key[kw:], After: true}, To: to, Reverse: true}}
		piece.Paired, piece.Partner = true, parent.Subrange.ID
		parent = withEnd(parent, span.PK, to)
		pieces = append(pieces, piece)
	}
	children := pieces
	if first {
		// The rest of the token range, and the partitions of the same
		// token after this one, are no longer the subrange's.
		oldEnd := parent.Subrange.Range.End
		parent.Subrange.Range.End = span.Token
		if rest := (ring.Range{Start: span.Token, End: oldEnd}); !rest.Empty() {
			children = append(children, Task{Subrange: ring.Subrange{ID: s.newID(), Range: rest, Share: rest.Share(),
				Vnode: t.Subrange.Vnode, Replicas: t.Subrange.Replicas}})
		}
		for _, pk := range others {
			children = append(children, Task{Subrange: sub(), Piece: &Piece{Token: span.Token, PK: pk}})
		}
	}
	var pr *pair
	if !ok {
		pr = &pair{fwdEnd: to, revFrom: children[0].Piece.From, fwd: parent}
		children[0].pair = pr
		lv.pair = pr
	} else {
		// What the task has left ends at the first cut.
		lv.lastRow, lv.est = cutPosition(span, cuts[0]), est/float64(len(cuts)+1)
	}
	s.record(Split{Parent: parent, Children: children, Partition: first})
	lv.task, lv.split = parent, true
	lv.mu.Unlock()
	if len(children) > 1 {
		s.mu.Lock()
		s.queue = append(s.queue, children[1:]...)
		s.mu.Unlock()
		s.handedOn()
	}
	return &children[0], true
}

// cuts returns up to 2^depth-1 cuts between the row from (exclusive) and
// the row or cut position to of one partition, in clustering order: the
// midpoint, then the midpoints of each half, and so on, skipping halves
// with nothing between their ends.
func (s *splitter) cuts(from, to *Position, kw, depth int) []Cut {
	if depth <= 0 {
		return nil
	}
	m, ok := s.parts.Midpoint(from, to)
	if !ok {
		return nil
	}
	if len(to.Key)-kw == len(m.CK) && sameCut(m, Cut{CK: to.Key[kw:]}) && to.Ordinal < 0 {
		return nil // at a cut's own values: nothing between
	}
	mid := cutPosition(Piece{Token: from.Token, PK: from.Key[:kw]}, m)
	out := s.cuts(from, mid, kw, depth-1)
	out = append(out, m)
	return append(out, s.cuts(mid, to, kw, depth-1)...)
}

// cutPosition is a cut as a position for Midpoint and Fraction: the
// partition's key and the cut's clustering prefix (Ordinal -1 marks it as
// a cut, not a row).
func cutPosition(p Piece, c Cut) *Position {
	return &Position{Token: p.Token, Key: append(append([][]byte{}, p.PK...), c.CK...), Ordinal: -1}
}

// endIn returns where t ends inside the partition it reads: a piece's To,
// a token subrange's Stop; open for a subrange whose partition was not
// split.
func endIn(t Task) Cut {
	switch {
	case t.Piece != nil:
		return t.Piece.To
	case t.Stop != nil:
		return t.Stop.At
	}
	return Cut{}
}

// withEnd returns t ending at cut inside partition pk: a piece's To, a
// token subrange's Stop.
func withEnd(t Task, pk [][]byte, cut Cut) Task {
	if t.Piece != nil {
		p := *t.Piece
		p.To = cut
		t.Piece = &p
		return t
	}
	t.Stop = &Stop{PK: pk, At: cut}
	return t
}
