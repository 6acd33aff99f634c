package worker

import (
	"context"
	"errors"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
)

// Position identifies one row of a scan: its token and its primary key
// values (partition key then clustering columns, serialized; nil for a
// null clustering value). Rows are ordered by token, then partition key
// bytes, then clustering order. A position without key values (a scan that
// reads tokens only) identifies its row by Ordinal, its 1-based rank among
// the rows of its token in the order the server returns them.
type Position struct {
	Token   ring.Token
	Key     [][]byte
	Ordinal int64
}

// Cursor is where a subrange's scan stands: the statement being paged and
// the last row handed on. The zero Cursor reads a subrange from its start.
// A Cursor is a value: the pool replaces it after every page.
type Cursor struct {
	// After, when set, makes the statement read from this row on,
	// exclusive: token(pk) >= After.Token, skipping the rows up to After.
	// It is set when a paging state was refused, or when a resume has no
	// paging state. Nil reads from the subrange's start.
	After *Position
	// PageState continues the statement; nil starts a new one.
	PageState []byte
	// End is the end bound the statement of PageState was issued with; it
	// is only meaningful with PageState. It may lie beyond the subrange's
	// end when the subrange was split after the statement started: a
	// paging state is only valid with its own statement and values, so the
	// statement goes on and the rows past the subrange's end are dropped,
	// unless the pool restarts it bounded by the new end (Stats.Restarts).
	End ring.Token
	// Last is the position of the last row handed on, nil if none.
	Last *Position
	// Done reports that the subrange has been read to its end.
	Done bool
}

// restartAfterLast returns the cursor that re-reads the subrange from just
// after the last row handed on, without a paging state: the fallback when a
// server refuses a paging state. Nothing is lost (the subrange is read
// again from that row) and nothing is emitted twice (rows up to Last are
// skipped).
func (c Cursor) restartAfterLast() Cursor {
	if c.skippingByOrdinal() {
		// The statement refused was still skipping the rows up to After
		// (its pages were empty or held skipped rows only): they were
		// handed on before, so the new statement skips them again.
		return Cursor{After: c.After, Last: &Position{Token: c.After.Token}}
	}
	if c.Last == nil {
		return Cursor{After: c.After}
	}
	if c.Last.Key == nil && c.Last.Ordinal > 0 {
		// By ordinal: the new statement starts at the token's first row,
		// and the rows up to Last are counted again as they are skipped.
		return Cursor{After: c.Last, Last: &Position{Token: c.Last.Token}}
	}
	return Cursor{After: c.Last, Last: c.Last}
}

// skippingByOrdinal reports whether c's statement reads a token by ordinal
// from After and has not handed on a row past After yet: its Last, if any,
// is a row of After's token up to After, counted as it was skipped.
func (c Cursor) skippingByOrdinal() bool {
	a := c.After
	if a == nil || a.Key != nil || a.Ordinal <= 0 {
		return false
	}
	l := c.Last
	return l == nil || (l.Key == nil && l.Token == a.Token && l.Ordinal <= a.Ordinal)
}

// Task is one subrange to read, from Cursor on. Subrange.Range.End is the
// subrange's current end: lower than planned for a subrange a running scan
// split.
//
// A task with a Piece reads that part of one partition instead; its
// Subrange names its id and replicas (those of the partition's token), and
// its Range is empty at the partition's token. A task with a Stop ends
// inside the partition of its last token.
type Task struct {
	Subrange ring.Subrange
	Cursor   Cursor
	Piece    *Piece
	Stop     *Stop
	// Partner, with Paired, is the id of the task a reverse piece meets:
	// the one reading the same rows up, whose progress is the piece's
	// lower bound. Unpaired, a reverse piece ends at Piece.From.
	Partner int
	Paired  bool

	// Set by the splitter for the tasks it makes.
	hint *splitHint
	pair *pair
}

// limit is where t's rows end now, in its reading direction.
func (t *Task) limit() Limit {
	switch {
	case t.Piece != nil && t.Piece.Reverse:
		return Limit{Token: t.Piece.Token, PK: t.Piece.PK, Cut: t.Piece.From, Reverse: true}
	case t.Piece != nil:
		return Limit{Token: t.Piece.Token, PK: t.Piece.PK, Cut: t.Piece.To}
	case t.Stop != nil:
		return Limit{Token: t.Subrange.Range.End, PK: t.Stop.PK, Cut: t.Stop.At}
	}
	return Limit{Token: t.Subrange.Range.End}
}

// Request is one page request: the statement reads the rows of
// (Start, End], or with After those from After on; PageState continues it.
type Request struct {
	// Subrange is the subrange being read (its ID and replicas).
	Subrange ring.Subrange
	// Host is the replica to send the request to.
	Host ring.Host
	// Start and End are the statement's token bounds.
	Start, End ring.Token
	// After, when set, replaces Start: the statement reads
	// token(pk) >= After.Token and the Fetcher drops the rows up to and
	// including After.
	After *Position
	// Last is the last row handed on, nil if none: once it is past After,
	// no row up to After can come any more.
	Last *Position
	// PageState continues the statement; nil starts it.
	PageState []byte
	// PageSize is the number of rows to ask for.
	PageSize int
	// Piece, when set, is the part of a partition to read instead of the
	// token range: from Piece.From up (Piece.To down when Reverse), or
	// from After on, exclusive, in the reading direction. The statement
	// has no bound at its far end (the pool drops the rows past the
	// piece's end), so that splits and the reader coming the other way can
	// move that end while it is paged.
	Piece *Piece
	// Stop, when set, is where the task ends inside a split partition (see
	// Task.Stop): the Fetcher must read that partition's rows with their
	// keys, for Trim to place them against the cut.
	Stop *Stop
}

// Page is what a Fetcher read: where the statement goes on, and the
// position of the page's last row.
type Page struct {
	// PageState continues the statement; nil means the statement is done.
	PageState []byte
	// Last is the position of the last row appended, nil if none was.
	Last *Position
	// TailRows is the number of rows at the end of the page that are in
	// Last's partition, and TailFirst the position of the first of them:
	// they tell the pool when a subrange's reading stays inside one
	// partition, and how many rows a new statement from after Last reads
	// again (0: not known). A Fetcher that knows of rows of
	// that partition before the page (one that changed how it reads, with
	// After) may count them in: TailFirst is then before the page.
	TailRows  int
	TailFirst *Position
	// After, when set, changes how the subrange is read from this page
	// on: it becomes the cursor's After (Cursor.After), the start of the
	// statement PageState continues or, with no PageState, the position a
	// new statement reads on after; the subrange is not done. Last names
	// the page's last row as the statement after the page reads rows. A
	// count that reads tokens only switches so to reading keys inside a
	// large partition, which can then be split, and back to tokens after
	// it. A page that ends its task (rows dropped past a split's end)
	// changes nothing. Pieces are read by key only: a Fetcher does not set
	// After for them.
	After *Position
}

// ErrPageStateRefused is returned by a Fetcher when the server refuses a
// paging state; the pool then resumes the subrange from its last row by
// token bound.
var ErrPageStateRefused = errors.New("paging state refused by the server")

// Fetcher reads pages. The scanner implements it with the driver; it is
// called by many goroutines at once.
type Fetcher interface {
	// NewBatch returns an empty page buffer for the scan's columns.
	NewBatch() *sink.Batch
	// Fetch reads one page of req's statement from req.Host, appending its
	// rows to b. On error it leaves b as it was. A refused paging state is
	// reported as ErrPageStateRefused.
	Fetch(ctx context.Context, req Request, b *sink.Batch) (Page, error)
}

// Warmer is implemented by Fetchers that can make a host ready for their
// page requests. Under adaptive limits (PerHostAdaptive), Run calls Warm
// once per host, under the request timeout, before the host's first page
// request, and the host's requests wait for it; with Limits shared by
// several Runs, once per host for them all (they read one table). After a
// Warm that succeeded, the latencies of the host's requests without a
// Piece (whose statements Warm is to prepare) are page reads the host's
// limit learns from, from the first. Without it, the requests issued
// before the host's first answer are not measured, since they also paid
// for whatever the first runs of the Fetcher's statements do there (with
// gocql, a PREPARE round trip). A Warm that fails makes no difference but
// that. Warm must return soon after ctx is done.
type Warmer interface {
	Warm(ctx context.Context, host ring.Host) error
}

// Trimmer is implemented by Fetchers that know each row's token. The pool
// then splits running subranges for idle goroutines (see Config.NoSplit).
type Trimmer interface {
	// Trim drops the rows of b past lim (rows are in reading order: the
	// rows of a reverse piece come down). It reports whether it dropped
	// any and returns the position of the last row kept (nil if none);
	// prev is the position of the row before b's first, if any.
	Trim(b *sink.Batch, lim Limit, prev *Position) (last *Position, dropped bool)
}

// Output takes the pages a scan read, from the pool's single writer
// goroutine: never concurrently, pages of one subrange in order.
type Output interface {
	// WritePage takes one page of the subrange rangeID; cur is the
	// subrange's cursor after the page. b may hold no row (an empty page,
	// or the last page of a subrange); it must not be kept. An error ends
	// the scan.
	WritePage(ctx context.Context, rangeID int, b *sink.Batch, cur Cursor) error
	// Split records a split of a running task. It is called from the
	// goroutine that split, under the parent's lock, before any page of a
	// child is written and before the parent's owner sees its new end, and
	// must be quick. Pages of the parent written afterwards hold no row
	// past its new end.
	Split(s Split)
}

// PagePreparer is an Output that can do part of WritePage's work ahead:
// the pool calls PreparePage with each page that holds rows, on the
// goroutine that read it, after the page is final (trimmed to its task's
// end) and before it waits for its turn, so that pages are prepared at
// once on many goroutines (see sink.Preparer). It is called
// concurrently, each call with a page of its own, and must not keep b.
type PagePreparer interface {
	PreparePage(b *sink.Batch)
}

// Split is what a split changed: the running task Parent now ends earlier,
// and Children read what it no longer does.
type Split struct {
	// Parent is the task split, as it now ends: Subrange.Range.End (a
	// token split), Stop (a token subrange ending inside a split
	// partition) or Piece.To. Its Cursor is not set. For a task read from
	// both ends, a Split with no children follows every page of the
	// reader coming down: the parent's end is where that page ended.
	Parent Task
	// Children are the tasks split off, with no Cursor: the second half of
	// a token range; or, when a partition is split, the piece after the
	// cut (or the reverse reader), the rest of the parent's token range
	// and the partitions of the same token after the split one.
	Children []Task
	// Partition is set on the first split of a partition.
	Partition bool
}
