package scanner

import (
	"bytes"
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// countFetcher reads a count's rows (Plan.CountOnly) by their token only,
// the least a row can be, except inside large partitions, where it reads
// their primary keys so that the partition can be split (worker.Partitions
// needs to know where a reader stands in it, by key).
//
// The switch is local to one subrange's reader and costs nothing where no
// partition holds a page of rows:
//
//   - A tokens-only page that ends with a page's worth of rows of one token
//     (its last row's ordinal m reaches the page size) is inside a large
//     partition. The page is handed on as it is; the reader's next
//     statement reads keys (worker.Page.After, a keysAt position).
//   - That statement is the keyed one from the token on (token(pk) >= t,
//     the statement a keyed reader resumes after a row with), asked for m
//     rows more than a page: its first m rows, which were handed on by
//     token, are skipped (the m-th names the position by key), the rest
//     are the page. Its paging state goes on from there, so the switch
//     costs no request of its own and reads the m rows' keys once.
//   - From then on the subrange is read with keys: the pool's splitter may
//     split the partition like any other.
//   - A keyed page whose last token's rows start inside it (a row of an
//     earlier token precedes them) has left the large partition: the
//     reader goes back to tokens only from that row, named by its ordinal
//     within its token (the rows of that token in the page), with a new
//     statement that skips them.
//
// Pieces of split partitions are read by key, as by any keyed reader, and
// so is a subrange that ends inside a split partition (Request.Stop), even
// when a resume starts it from a position by token: its Trim places that
// partition's rows against the cut by their clustering values. The
// embedded fetcher is the keyed one: it reads the keyed parts and pieces,
// splits partitions and describes pieces.
type countFetcher struct {
	*fetcher
	tok *fetcher // tokens only
}

var (
	_ worker.Fetcher    = (*countFetcher)(nil)
	_ worker.Trimmer    = (*countFetcher)(nil)
	_ worker.Partitions = (*countFetcher)(nil)
)

// NewBatch returns a batch for tokens-only pages; Fetch reshapes it for
// keyed ones.
func (c *countFetcher) NewBatch() *sink.Batch { return c.tok.NewBatch() }

// keysAt is the cursor position of a reader switching to keys after the
// m-th row of token t: the position by ordinal, with a key of no values,
// which no row has, marking the switch. A checkpoint records it as the
// position by ordinal (an empty key is left out), so a resume reads on by
// token, and switches again.
func keysAt(t ring.Token, m int64) *worker.Position {
	return &worker.Position{Token: t, Ordinal: m, Key: [][]byte{}}
}

// switching reports whether pos is a keysAt position.
func switching(pos *worker.Position) bool { return pos != nil && pos.Key != nil && len(pos.Key) == 0 }

// keyed reports whether req continues, or starts, a statement reading
// keys: one that reads from a keyed position on, or continues with a
// paging state after one (as scans of an earlier version read counts).
func keyed(req worker.Request) bool {
	pos := req.After
	if pos == nil && req.PageState != nil {
		pos = req.Last
	}
	return pos != nil && len(pos.Key) > 0
}

// Fetch reads one page, by token or by key; see the type's comment.
func (c *countFetcher) Fetch(ctx context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	// A subrange that ends inside a split partition reads by key (see
	// worker.Partitions) and never goes back to tokens.
	// Such a subrange's cursor without a position (no After, no Last)
	// is its statement by key from its start, a paging state included: a
	// page of it can hold no row (cut short at tombstones).
	stop := req.Piece == nil && req.Stop != nil
	fromStart := stop && req.After == nil && req.Last == nil
	if stop && !fromStart && !keyed(req) && !switching(req.After) {
		// A subrange ending inside a split partition, read by token (a
		// resume starts it from its checkpoint's cursor): it reads on by
		// key from its position, so that Trim can place that partition's
		// rows against the cut.
		if at, ok := c.keyedFrom(req); ok {
			req.After, req.PageState = at, nil
			if at == nil {
				req.Last = nil
			}
		}
	}
	switch {
	case req.Piece == nil && switching(req.After):
		if err := shape(b, c.width); err != nil {
			return worker.Page{}, err
		}
		return c.enter(ctx, req, b)
	case req.Piece != nil || keyed(req) || fromStart || stop && req.After == nil && req.PageState == nil:
		if err := shape(b, c.width); err != nil {
			return worker.Page{}, err
		}
		page, err := c.fetcher.Fetch(ctx, req, b)
		if err != nil || req.Piece != nil || stop || page.PageState == nil {
			return page, err
		}
		return c.leave(req, b, page)
	}
	if err := shape(b, c.tok.width); err != nil {
		return worker.Page{}, err
	}
	page, err := c.tok.Fetch(ctx, req, b)
	if err != nil || page.PageState == nil || page.Last == nil || page.Last.Ordinal < int64(req.PageSize) {
		return page, err
	}
	if a := req.After; a != nil && a.Token == page.Last.Token && a.Ordinal > page.Last.Ordinal {
		return page, nil // still skipping rows handed on before: not the reader's position
	}
	// Inside a large partition: read on by key.
	return worker.Page{Last: page.Last, After: keysAt(page.Last.Token, page.Last.Ordinal)}, nil
}

// keyedFrom returns where a reader by token stands, as a keysAt position
// (enter reads on by key from it), or nil when it has handed on no row
// (it reads by key from its start). Its position is the later of After,
// where its statement started, and the last row it handed on. It returns
// false for a position that names no row (ordinal 0), which the reader's
// own statement must go on from.
func (c *countFetcher) keyedFrom(req worker.Request) (*worker.Position, bool) {
	at := req.After
	if req.PageState != nil && req.Last != nil && (at == nil || c.tok.comparePositions(req.Last, at) > 0) {
		at = req.Last
	}
	switch {
	case at == nil:
		return nil, true
	case at.Ordinal < 1:
		return nil, false
	}
	return keysAt(at.Token, at.Ordinal), true
}

// shape makes b hold rows of width values: an empty batch is reshaped.
func shape(b *sink.Batch, width int) error {
	if b.Width() == width {
		return nil
	}
	if b.Len() > 0 {
		return fmt.Errorf("a page of %d values a row cannot take rows of %d", b.Width(), width)
	}
	b.ResetWidth(width)
	return nil
}

// enter reads the first page by key of a reader switching to keys after
// the m-th row of token t (req.After, a keysAt position): the keyed
// statement from t on, skipping its first m rows. If t no longer has m
// rows, the reader reads on by token after them.
func (c *countFetcher) enter(ctx context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	k := c.fetcher
	t, m := req.After.Token, int(req.After.Ordinal)
	first := b.Len()
	lo, hi := t.BindValue(), req.End.BindValue()
	var state []byte
	var at, runFirst *worker.Position // the m-th row; the first of its partition's run
	var runPK []byte
	var buf [256]byte
	skipped, run := 0, 0
	for {
		iter := k.query(k.after, req.Host.ID, m-skipped+req.PageSize, lo, hi).PageState(state).IterContext(ctx)
		rows := k.pageRows(iter, b)
		for {
			row := b.Len()
			if !rows.next() {
				break
			}
			if skipped == m {
				continue
			}
			skipped++
			pk := k.compositeKey(buf[:0], b, row)
			var err error
			if runPK == nil || !bytes.Equal(pk, runPK) {
				runPK, run = bytes.Clone(pk), 0
				if runFirst, err = k.position(b, row); err != nil {
					_ = rows.close()
					b.TruncateRows(first)
					return worker.Page{}, err
				}
			}
			run++
			if skipped == m {
				if at, err = k.position(b, row); err != nil {
					_ = rows.close()
					b.TruncateRows(first)
					return worker.Page{}, err
				}
			}
			b.TruncateRows(row)
		}
		// The worker's state (none: a switch starts without one), not
		// the local one: a state this loop made and the server refused
		// is not the worker's to restart by position from.
		page, err := closePage(rows, req.PageState, b, first)
		if err != nil {
			return worker.Page{}, err
		}
		state = page.PageState
		if skipped == m || len(state) == 0 {
			break
		}
	}
	if at == nil || at.Token != t {
		// Rows of t were deleted since: by token after its m-th row.
		b.TruncateRows(first)
		byToken := &worker.Position{Token: t, Ordinal: int64(m)}
		return worker.Page{Last: byToken, After: byToken}, nil
	}
	page := worker.Page{PageState: state, After: at}
	if len(state) == 0 {
		// The statement read the subrange to its end.
		page.PageState, page.After = nil, nil
	}
	if err := k.tail(b, first, &page); err != nil {
		b.TruncateRows(first)
		return worker.Page{}, err
	}
	kw := len(k.pkIdx)
	switch n := b.Len() - first; {
	case n == 0:
		page.Last, page.TailFirst, page.TailRows = at, runFirst, run
	case page.TailRows == n && samePartitionKey(page.TailFirst, at, kw):
		// The page is inside the partition: its run goes on from the rows
		// handed on by token.
		page.TailFirst, page.TailRows = runFirst, run+n
	}
	if page.PageState == nil {
		return page, nil
	}
	return c.leave(req, b, page)
}

// samePartitionKey reports whether two keyed positions are of one
// partition.
func samePartitionKey(a, b *worker.Position, kw int) bool {
	if a == nil || b == nil || a.Token != b.Token || len(a.Key) < kw || len(b.Key) < kw {
		return false
	}
	for i := range kw {
		if !bytes.Equal(a.Key[i], b.Key[i]) {
			return false
		}
	}
	return true
}

// leave returns the keyed page read for req, or, when the page has left
// the large partition (see left), the same page marked to go back to
// tokens only.
func (c *countFetcher) leave(req worker.Request, b *sink.Batch, page worker.Page) (worker.Page, error) {
	back, err := c.left(b, req)
	if err != nil {
		b.TruncateRows(0)
		return worker.Page{}, err
	}
	if back == nil {
		return page, nil
	}
	return worker.Page{Last: back, After: back}, nil
}

// left returns where a keyed reader goes back to tokens only after the
// keyed page b, read for req: the page's last row by its ordinal within
// its token, when that token's rows start in the page (after a row of an
// earlier token, the page's or the one before it); nil to read on by key.
func (c *countFetcher) left(b *sink.Batch, req worker.Request) (*worker.Position, error) {
	n := b.Len()
	if n == 0 {
		return nil, nil
	}
	tk, err := c.tokenAt(b, n-1)
	if err != nil {
		return nil, err
	}
	i := n - 1
	for i > 0 {
		t, err := c.tokenAt(b, i-1)
		if err != nil {
			return nil, err
		}
		if t != tk {
			break
		}
		i--
	}
	if i == 0 {
		// The row before the page: the last one handed on, or, starting
		// after a row, that row (the rows skipped are at or before it).
		prev := req.Last
		if req.PageState == nil {
			prev = req.After
		}
		if prev == nil || prev.Token == tk {
			return nil, nil
		}
	}
	return &worker.Position{Token: tk, Ordinal: int64(n - i)}, nil
}

// Trim trims a page of either shape; see worker.Trimmer.
func (c *countFetcher) Trim(b *sink.Batch, lim worker.Limit, prev *worker.Position) (*worker.Position, bool) {
	if b.Width() == c.tok.width {
		return c.tok.Trim(b, lim, prev)
	}
	return c.fetcher.Trim(b, lim, prev)
}

// prepareSwitch has every replica of the tasks prepare the statements a
// count switches to (the keyed one from a token on, and the tokens-only
// one from a position by ordinal) while the scan starts, by running them
// over no token (runNowhere): the driver prepares a statement on each
// host the first time it runs there, and a PREPARE round trip at the
// switch would delay the reader of a large partition, the scan's tail, by
// as much. It is a best effort: errors are left to the statements' real
// runs. The returned function cancels what is left and waits for it.
// It prepares only when src, what reads the tasks (Plan.sourceFor), is
// the paged count: other plans never switch, and a count on the server
// switches only where a count(*) failed, when a PREPARE round trip is
// cheap beside the failure.
func (p *Plan) prepareSwitch(ctx context.Context, tasks []worker.Task, src worker.Fetcher) (wait func()) {
	c := p.count
	if c == nil || src != worker.Fetcher(c) {
		return func() {}
	}
	hosts := map[string]bool{}
	for _, t := range tasks {
		for _, h := range t.Subrange.Replicas {
			hosts[h.ID] = true
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	var g errgroup.Group
	for id := range hosts {
		g.Go(func() error {
			_ = c.runNowhere(ctx, id, c.after, c.tok.after)
			return nil
		})
	}
	return func() {
		cancel()
		_ = g.Wait()
	}
}

// Warm prepares the tokens-only statements on host; see worker.Warmer.
func (c *countFetcher) Warm(ctx context.Context, host ring.Host) error {
	return c.tok.runNowhere(ctx, host.ID, c.tok.stmt, c.tok.after)
}
