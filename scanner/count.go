package scanner

import (
	"bytes"
	"context"
	"fmt"

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
//     (its last row's ordinal reaches the page size) is inside a large
//     partition. The reader then reads the primary keys of that token's
//     first rows, as many as it has handed on (m, under two pages), with
//     the keyed statement from the token on (token(pk) >= t, the statement
//     a keyed reader resumes after a row with), page by page until the
//     m-th row: its key names the position, and the statement's paging
//     state goes on right after it. These rows are not handed on again.
//   - From then on the subrange is read with keys (worker.Page.After): the
//     pool's splitter may split the partition like any other.
//   - A keyed page whose last token's rows start inside it (a row of an
//     earlier token precedes them) has left the large partition: the
//     reader goes back to tokens only from that row, named by its ordinal
//     within its token (the rows of that token in the page), with a new
//     statement that skips them.
//
// Pieces of split partitions are read by key, as by any keyed reader. The
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

// keyed reports whether req continues, or starts, a statement reading
// keys: one that reads from a keyed position on, or continues with a
// paging state after one (as scans of an earlier version read counts).
func keyed(req worker.Request) bool {
	pos := req.After
	if pos == nil && req.PageState != nil {
		pos = req.Last
	}
	return pos != nil && pos.Key != nil
}

// Fetch reads one page, by token or by key; see the type's comment.
func (c *countFetcher) Fetch(ctx context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	if req.Piece != nil || keyed(req) {
		if err := shape(b, c.width); err != nil {
			return worker.Page{}, err
		}
		page, err := c.fetcher.Fetch(ctx, req, b)
		if err != nil || req.Piece != nil || page.PageState == nil {
			return page, err
		}
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
	if err := shape(b, c.tok.width); err != nil {
		return worker.Page{}, err
	}
	first := b.Len()
	page, err := c.tok.Fetch(ctx, req, b)
	if err != nil || page.PageState == nil || page.Last == nil || page.Last.Ordinal < int64(req.PageSize) {
		return page, err
	}
	sw, err := c.enter(ctx, req, page.Last)
	if err != nil {
		b.TruncateRows(first)
		return worker.Page{}, err
	}
	if sw == nil {
		return page, nil
	}
	return *sw, nil
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

// enter switches a tokens-only reader at last (token t, its m-th row) to
// keys: it reads the keys of t's first m rows with the keyed statement of
// req's end, on req's host, and returns the page that goes on after the
// m-th with that statement. It returns nil when t no longer has m rows (the
// reader then stays by token).
func (c *countFetcher) enter(ctx context.Context, req worker.Request, last *worker.Position) (*worker.Page, error) {
	k := c.fetcher
	m := int(last.Ordinal)
	tb := sink.NewBatch(nil, k.width)
	dest := k.dest(tb)
	lo, hi := last.Token.BindValue(), req.End.BindValue()
	var state []byte
	for tb.Len() < m {
		iter := k.session.Query(k.after, lo, hi).Consistency(k.cfg.Consistency).
			PageSize(m - tb.Len()).PageState(state).SetHostID(req.Host.ID).
			Idempotent(true).RetryPolicy(noRetry).IterContext(ctx)
		for tb.Len() < m {
			row := tb.Len()
			if !iter.Scan(dest...) {
				tb.TruncateRows(row)
				break
			}
		}
		state = bytes.Clone(iter.PageState())
		if err := iter.Close(); err != nil {
			return nil, fmt.Errorf("read the keys of a large partition's first %d rows: %w", m, err)
		}
		if len(state) == 0 {
			break
		}
	}
	if tb.Len() < m {
		return nil, nil
	}
	tk, err := k.tokenAt(tb, m-1)
	if err != nil || tk != last.Token {
		return nil, err
	}
	pos, err := k.position(tb, m-1)
	if err != nil {
		return nil, err
	}
	// The rows of the m-th row's partition so far: a run the splitter
	// counts on.
	i := m - 1
	for i > 0 && k.samePK(tb, i-1, m-1) {
		i--
	}
	page := &worker.Page{PageState: state, Last: pos, After: pos, TailRows: m - i, TailFirst: pos}
	if i < m-1 {
		if page.TailFirst, err = k.position(tb, i); err != nil {
			return nil, err
		}
	}
	if len(state) == 0 {
		page.PageState = nil
	}
	return page, nil
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
