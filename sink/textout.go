package sink

import (
	"fmt"
	"io"
	"runtime"
	"sync"
)

// textOut is the buffered output of the text sinks: rows are rendered
// into buf and handed to w in chunks. The first write error sticks.
//
// A page of many rows is rendered by several goroutines at once (up to
// workers), each a share of about flushAt of text into a buffer of its
// own, and the buffers are written in row order: the text is the same as
// one goroutine's.
type textOut struct {
	w    io.Writer
	what string // names the sink in errors
	enc  encoder
	buf  []byte
	err  error
	// workers is how many goroutines may render one page; par holds the
	// state of those beyond the calling one.
	workers int
	par     []textWorker
	shares  []share
	// text and wire are the bytes of text rendered so far and the size of
	// the rows they came from (rowWire): their ratio estimates a row's
	// text from its values, to cut shares.
	text, wire int64
}

// share is rows [from, to) of a page, rendered by one goroutine.
type share struct{ from, to int }

// textWorker renders a share of a page's rows.
type textWorker struct {
	enc encoder
	buf []byte
	err error
}

// rowRenderer renders rows of a batch. renderRows appends rows [from, to)
// of b to buf with the encoder e and returns buf, extended, stopping at the
// first row that fails: buf then ends with the row before it. Rendering
// rows of one batch with different encoders at once must be safe:
// renderRows reads the batch and the renderer and writes only buf and e.
// (An interface, not a func: a closure handed to other goroutines would be
// allocated on every Write.)
type rowRenderer interface {
	renderRows(e *encoder, buf []byte, b *Batch, from, to int) ([]byte, error)
}

// minRowsPerWorker keeps small pages on the calling goroutine, where
// another would cost more than it saves: a page is shared out from
// 2*minRowsPerWorker rows on. A sink's first minRowsPerWorker rows are
// rendered on the calling goroutine too, to learn the size of their text.
const minRowsPerWorker = 128

// newTextOut returns the output of a text sink writing to w, its rows
// rendered with opts by up to workers goroutines (0: GOMAXPROCS).
func newTextOut(w io.Writer, what string, opts textOptions, workers int) textOut {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return textOut{w: w, what: what, enc: encoder{opts: opts}, workers: workers}
}

// write passes p to the writer.
func (o *textOut) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if _, err := o.w.Write(p); err != nil {
		o.err = fmt.Errorf("%s: %w", o.what, err)
		return o.err
	}
	return nil
}

// flush writes buf to the writer and empties it.
func (o *textOut) flush() error {
	err := o.write(o.buf)
	o.buf = o.buf[:0]
	return err
}

// rowWire is the size of row i of b for estimating its text: its values'
// bytes plus 8 a value (its key or delimiter, quotes, null).
func rowWire(b *Batch, i int) int64 {
	n := int64(8 * len(b.Columns))
	for _, c := range b.rowCells(i) {
		n += int64(max(c.n, 0))
	}
	return n
}

// noteText adds text bytes rendered from rows [from, to) of b to the
// estimate of text per row size.
func (o *textOut) noteText(b *Batch, from, to, text int) {
	for i := from; i < to; i++ {
		o.wire += rowWire(b, i)
	}
	o.text += int64(text)
	if o.text > 1<<40 {
		o.text, o.wire = o.text/2, o.wire/2 // the recent rows weigh more; no overflow
	}
}

// shareEnd returns the end of a share of rows from from: the rows whose
// size (rowWire) fits in budget, and at least one.
func shareEnd(b *Batch, from int, budget int64) int {
	n := b.Len()
	end, size := from+1, rowWire(b, from)
	for end < n {
		next := rowWire(b, end)
		if size+next > budget {
			break
		}
		end, size = end+1, size+next
	}
	return end
}

// writeRows renders the rows of b with r and writes them, after whatever
// buf already holds, in flushAt-sized chunks. When a row fails, the rows
// before it are written and its error is returned, unless a write fails
// first; the failed row and those after it are not written.
//
// Shares end where the estimated text of their rows reaches flushAt, so
// that a buffer holds about flushAt whatever the size of the rows: the
// estimate is the ratio of text to value bytes seen so far, learnt from a
// sink's first rows, rendered on this goroutine.
func (o *textOut) writeRows(b *Batch, r rowRenderer) error {
	n := b.Len()
	if o.workers <= 1 || n < 2*minRowsPerWorker {
		return o.writeSerial(b, r, 0, n)
	}
	lo := 0
	if o.text == 0 {
		lo = minRowsPerWorker
		if err := o.writeSerial(b, r, 0, lo); err != nil {
			return err
		}
	}
	if err := o.flush(); err != nil {
		return err
	}
	for lo < n {
		// Up to workers shares, the first on this goroutine, each of
		// about flushAt of text, or the rest of the page in even shares.
		budget := int64(flushAt) * o.wire / max(1, o.text) // in rowWire units
		var rest int64
		for i := lo; i < n && rest <= budget*int64(o.workers); i++ {
			rest += rowWire(b, i)
		}
		even := rest <= budget*int64(o.workers)
		if even {
			budget = (rest + int64(o.workers) - 1) / int64(o.workers)
		}
		shares := o.shares[:0]
		for a := lo; a < n && len(shares) < o.workers; a = shares[len(shares)-1].to {
			end := shareEnd(b, a, budget)
			if even && len(shares) == o.workers-1 {
				end = n // the last even share takes what rounding left
			}
			shares = append(shares, share{a, end})
		}
		o.shares = shares
		k := len(shares)
		for len(o.par) < k-1 {
			o.par = append(o.par, textWorker{enc: encoder{opts: o.enc.opts}})
		}
		var wg sync.WaitGroup
		for j := 1; j < k; j++ {
			w, sh := &o.par[j-1], shares[j]
			wg.Go(func() { w.buf, w.err = r.renderRows(&w.enc, w.buf[:0], b, sh.from, sh.to) })
		}
		var err error
		o.buf, err = r.renderRows(&o.enc, o.buf[:0], b, shares[0].from, shares[0].to)
		wg.Wait()
		// Written in row order, up to the first failed row.
		if err != nil {
			if werr := o.flush(); werr != nil {
				return werr
			}
			return err
		}
		size := len(o.buf)
		if err := o.flush(); err != nil {
			return err
		}
		for j := 1; j < k; j++ {
			w := &o.par[j-1]
			size += len(w.buf)
			if err := o.write(w.buf); err != nil {
				return err
			}
			if w.err != nil {
				return w.err
			}
		}
		o.noteText(b, lo, shares[k-1].to, size)
		lo = shares[k-1].to
	}
	return nil
}

// singleRowRenderer is a rowRenderer that renders one row at a time as
// cheaply (CSV): writeSerial renders its rows one by one, flushing at
// flushAt, without estimating their size.
type singleRowRenderer interface {
	rowRenderer
	renderRow(e *encoder, buf []byte, b *Batch, i int) ([]byte, error)
}

// writeSerial renders rows [from, to) of b on this goroutine, writing them
// whenever buf reaches flushAt: row by row for a singleRowRenderer, else in
// runs of about flushAt of text (estimated as for shares; before there is
// an estimate, a quarter of flushAt of values). It notes the size of their
// text when the sink may share pages out.
func (o *textOut) writeSerial(b *Batch, r rowRenderer, from, to int) error {
	if one, ok := r.(singleRowRenderer); ok {
		return o.writeEach(b, one, from, to)
	}
	budget := int64(flushAt / 4)
	if o.text > 0 {
		budget = int64(flushAt) * o.wire / o.text
	}
	for i := from; i < to; {
		end := min(to, shareEnd(b, i, budget))
		start := len(o.buf)
		var err error
		o.buf, err = r.renderRows(&o.enc, o.buf, b, i, end)
		if o.workers > 1 && err == nil {
			o.noteText(b, i, end, len(o.buf)-start)
		}
		if werr := o.flush(); werr != nil {
			return werr
		}
		if err != nil {
			return err
		}
		i = end
	}
	return o.flush()
}

// writeEach renders rows [from, to) of b one by one, writing them whenever
// buf reaches flushAt.
func (o *textOut) writeEach(b *Batch, r singleRowRenderer, from, to int) error {
	buf := o.buf
	text, i := 0, from
	defer func() {
		if o.workers > 1 {
			o.noteText(b, from, i, text)
		}
	}()
	for ; i < to; i++ {
		start := len(buf)
		var err error
		if buf, err = r.renderRow(&o.enc, buf, b, i); err != nil {
			o.buf = buf[:start]
			if werr := o.flush(); werr != nil {
				return werr
			}
			return err
		}
		text += len(buf) - start
		if len(buf) >= flushAt {
			o.buf = buf
			if err := o.flush(); err != nil {
				return err
			}
			buf = o.buf
		}
	}
	o.buf = buf
	return o.flush()
}
