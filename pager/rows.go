package pager

import (
	"context"
	"errors"
	"iter"
	"sync/atomic"
)

// Rows iterates over a query's rows page after page, fetching the next
// pages in a background goroutine while the caller consumes the current
// one, so that the caller does not wait for a round trip at every page
// boundary. It follows database/sql's contract:
//
//	rows := p.Rows(ctx, stmt, values, "", 0)
//	defer rows.Close()
//	for rows.Next() {
//		var id string
//		if err := rows.Scan(&id, ...); err != nil { ... }
//	}
//	if err := rows.Err(); err != nil { ... }
//
// At most Config.Prefetch pages are fetched ahead of the one being
// consumed, so a Rows holds about (Prefetch+1) × page size × row size
// bytes. An empty page with more pages after it is skipped, not taken for
// the end. Cancelling the context stops the background fetch; Next then
// returns false and Err reports the context's cause. Next returning false
// releases everything, and Close (idempotent) does so early.
//
// A Rows is used from one goroutine (the background goroutine is its own
// business); Stats may be called from any.
type Rows struct {
	ctx     context.Context // the caller's, for Err after cancellation
	cancel  context.CancelCauseFunc
	out     chan fetched
	credits chan struct{}
	done    chan struct{} // closed when the producer has returned

	// Counters shared with the producer.
	asked      atomic.Int64 // pages asked for; page 0 is asked for by New
	completed  atomic.Int64 // pages whose request has returned
	prefetched atomic.Int64
	maxAhead   atomic.Int64
	pages      atomic.Int64
	waited     atomic.Int64

	// Consumer state.
	cur      fetched
	idx      int
	row      Row
	received int64
	err      error
	finished bool // the end, an error or Close: nothing more to read
}

// RowsStats counts a Rows' pages. Pages counts every page handed to the
// consumer, empty ones included. Prefetched counts pages whose request
// started before the consumer asked for them: they were fetched while it
// was busy with an earlier page. Waited counts pages the consumer asked for
// before their request had returned. MaxAhead is the largest number of
// pages fetched, or being fetched, beyond the last one asked for; it never
// exceeds Config.Prefetch.
type RowsStats struct {
	Pages, Prefetched, Waited, MaxAhead int64
}

// fetched is one page, or the error that ended the iteration.
type fetched struct {
	page   Page
	cursor Cursor // the cursor the page was fetched with
	err    error
}

// fetchFunc reads the page at a cursor.
type fetchFunc func(ctx context.Context, c Cursor) (Page, error)

// Rows iterates over the rows of stmt from cursor on, pageSize rows per
// request (0 for the default), fetching ahead as Config.Prefetch says.
// Errors, including a refused cursor or page size, are reported by Err
// after Next returns false.
func (p *Pager) Rows(ctx context.Context, stmt string, values []any, cursor Cursor, pageSize int) *Rows {
	return p.newRows(ctx, func(ctx context.Context, c Cursor) (Page, error) {
		return p.Fetch(ctx, stmt, values, c, pageSize)
	}, cursor, pageSize)
}

// All is Rows as an iterator: it yields every row with a nil error, or
// one final error. Breaking out of the loop stops the background fetch.
func (p *Pager) All(ctx context.Context, stmt string, values []any, cursor Cursor, pageSize int) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		p.Rows(ctx, stmt, values, cursor, pageSize).All()(yield)
	}
}

func (p *Pager) newRows(ctx context.Context, fetch fetchFunc, cursor Cursor, pageSize int) *Rows {
	r := &Rows{ctx: ctx}
	if _, err := p.pageSize(pageSize); err != nil {
		r.err, r.finished = err, true
		return r
	}
	ahead := max(p.cfg.Prefetch, 0)
	inner, cancel := context.WithCancelCause(ctx)
	r.cancel = cancel
	// The credits bound the pages ahead; the buffer holds the fetched
	// ones, so that the producer can go on to the next while the consumer
	// is busy (with 1 page ahead the buffer is 1, and 0 without prefetch).
	r.out = make(chan fetched, ahead)
	// Credits: one per page the producer may start. Page 0 and the pages
	// ahead are granted now, one more each time the consumer asks for a
	// page. Since the consumer asks for page i only after receiving page
	// i-1, at most ahead+1 credits are ever outstanding.
	r.credits = make(chan struct{}, ahead+1)
	for range ahead + 1 {
		r.credits <- struct{}{}
	}
	r.asked.Store(1)
	r.done = make(chan struct{})
	go r.produce(inner, fetch, cursor)
	return r
}

// produce fetches pages in order, each when it holds a credit, until the
// last page, an error or cancellation.
func (r *Rows) produce(ctx context.Context, fetch fetchFunc, cursor Cursor) {
	defer close(r.done)
	defer close(r.out)
	for i := int64(0); ; i++ {
		select {
		case <-r.credits:
		case <-ctx.Done():
			return
		}
		asked := r.asked.Load()
		if i >= asked {
			r.prefetched.Add(1)
		}
		if ahead := i + 1 - asked; ahead > r.maxAhead.Load() {
			r.maxAhead.Store(ahead) // only this goroutine writes it
		}
		page, err := fetch(ctx, cursor)
		r.completed.Add(1)
		select {
		case r.out <- fetched{page: page, cursor: cursor, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil || page.Next == "" {
			return
		}
		cursor = page.Next
	}
}

// Next advances to the next row, fetching (or waiting for) the next page
// when the current one is used up. It returns false at the end, on error
// and after Close.
func (r *Rows) Next() bool {
	if r.finished {
		return false
	}
	for r.idx >= len(r.cur.page.Rows) {
		if r.received > 0 && r.cur.page.Next == "" {
			r.release()
			return false
		}
		if r.received > 0 {
			r.asked.Add(1)
			select {
			case r.credits <- struct{}{}:
			default: // unreachable: see the credits invariant in newRows
			}
		}
		if r.completed.Load() <= r.received {
			r.waited.Add(1)
		}
		f, ok := <-r.out
		if !ok { // the producer stopped without a page: cancelled
			r.err = context.Cause(r.ctx)
			if r.err == nil {
				r.err = errors.New("pager: iteration stopped")
			}
			r.release()
			return false
		}
		r.received++
		r.pages.Add(1)
		if f.err != nil {
			r.err = f.err
			r.release()
			return false
		}
		r.cur, r.idx = f, 0
	}
	r.row = r.cur.page.Rows[r.idx]
	r.idx++
	return true
}

// Row returns the current row.
func (r *Rows) Row() Row { return r.row }

// Scan decodes the current row into dest; see Row.Scan.
func (r *Rows) Scan(dest ...any) error {
	if r.row.vals == nil {
		return errors.New("pager: Scan called without a successful Next")
	}
	return r.row.Scan(dest...)
}

// Columns describes the columns of the rows, once Next has returned a
// page; nil before.
func (r *Rows) Columns() []Column { return r.cur.page.Columns }

// Cursor returns the cursor of the current row's page: reading from it
// again starts with that page, so a consumer that stops after the current
// row and resumes there sees some rows again, never misses one. It is
// empty on the first page of an iteration started with an empty cursor.
func (r *Rows) Cursor() Cursor { return r.cur.cursor }

// Err returns the error that ended the iteration, nil at a normal end.
func (r *Rows) Err() error { return r.err }

// Close stops the background fetch and waits for it to end. It is
// idempotent and always returns nil; errors are reported by Err.
func (r *Rows) Close() error {
	r.release()
	return nil
}

// Stats returns the page counters.
func (r *Rows) Stats() RowsStats {
	return RowsStats{
		Pages:      r.pages.Load(),
		Prefetched: r.prefetched.Load(),
		Waited:     r.waited.Load(),
		MaxAhead:   r.maxAhead.Load(),
	}
}

// All yields the remaining rows with a nil error, or one final error, and
// closes r when the loop ends, break included.
func (r *Rows) All() iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		defer r.Close()
		for r.Next() {
			if !yield(r.Row(), nil) {
				return
			}
		}
		if err := r.Err(); err != nil {
			yield(Row{}, err)
		}
	}
}

// release stops the producer and waits for it.
func (r *Rows) release() {
	if r.cancel != nil {
		r.cancel(errors.New("pager: rows closed"))
		<-r.done
		r.cancel = nil
	}
	r.finished = true
	r.row = Row{}
}
