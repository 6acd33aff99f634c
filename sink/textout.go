package sink

import (
	"fmt"
	"io"
	"runtime"
	"slices"
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
	// text from its values, to cut shares and runs. cum holds the rowWire
	// prefix sums of the batch being written (measure).
	text, wire int64
	cum        []int64
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

// batchWire is about the sum of rowWire over b's rows, without a walk of
// them: the bytes of all its values (hidden ones included) plus 8 a value.
func batchWire(b *Batch) int64 {
	return int64(b.Bytes()) + int64(8*b.Len()*len(b.Columns))
}

// measure fills o.cum for b's rows, once per Write: cum[i] is the rowWire
// of rows [0, i).
func (o *textOut) measure(b *Batch) {
	n := b.Len()
	o.cum = append(o.cum[:0], 0)
	for i := range n {
		o.cum = append(o.cum, o.cum[i]+rowWire(b, i))
	}
}

// noteText adds text bytes rendered from rows [from, to) (of the measured
// batch) to the estimate of text per rowWire.
func (o *textOut) noteText(from, to, text int) {
	o.wire += o.cum[to] - o.cum[from]
	o.text += int64(text)
	if o.text > 1<<40 {
		o.text, o.wire = o.text/2, o.wire/2 // the recent rows weigh more; no overflow
	}
}

// budget is the rowWire of about flushAt of text, as estimated; before
// there is an estimate, a quarter of flushAt.
func (o *textOut) budget() int64 {
	if o.text == 0 {
		return flushAt / 4
	}
	return max(1, int64(flushAt)*o.wire/o.text)
}

// runEnd returns the end of a run of rows from from whose rowWire adds up
// to about size: at least one row, at most to.
func (o *textOut) runEnd(from, to int, size int64) int {
	target := o.cum[from] + size
	end, _ := slices.BinarySearch(o.cum[from+1:to+1], target+1) // rows while cum stays <= target
	return max(from+1, from+end)
}

// writeRows renders the rows of b with r and writes them, after whatever
// buf already holds, in chunks of about flushAt. When a row fails, the
// rows before it are written and its error is returned, unless a write
// fails first; the failed row and those after it are not written.
//
// A page is shared out in rounds of up to workers shares of about flushAt
// of text each, the rows cut by their estimated text: the size of their
// values times the ratio of text to that size seen so far (learnt from a
// sink's first rows, rendered on this goroutine), so that a buffer holds
// about flushAt whatever the size of the rows. The rounds a page needs
// are even, so that no round is a small tail.
func (o *textOut) writeRows(b *Batch, r rowRenderer) error {
	n := b.Len()
	if one, ok := r.(singleRowRenderer); ok && o.workers <= 1 {
		return o.writeEach(b, one)
	}
	o.measure(b)
	if o.workers <= 1 || n < 2*minRowsPerWorker {
		return o.writeSerial(b, r)
	}
	lo := 0
	if o.text == 0 {
		// A sink's first rows, here, to learn the size of their text;
		// kept in buf for the first chunk.
		lo = minRowsPerWorker
		start := len(o.buf)
		var err error
		if o.buf, err = r.renderRows(&o.enc, o.buf, b, 0, lo); err != nil {
			return o.fail(err)
		}
		o.noteText(0, lo, len(o.buf)-start)
	}
	full := o.budget() * int64(o.workers) // the rowWire of a round of full shares
	rounds := max(1, (o.cum[n]-o.cum[lo]+full-1)/full)
	for ; lo < n; rounds = max(1, rounds-1) {
		// This round's shares: an even part of what is left.
		per := max(1, (o.cum[n]-o.cum[lo])/rounds/int64(o.workers))
		shares := o.shares[:0]
		for a := lo; a < n && len(shares) < o.workers; a = shares[len(shares)-1].to {
			end := o.runEnd(a, n, per)
			if rounds == 1 && len(shares) == o.workers-1 {
				end = n // the last share of the last round takes what rounding left
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
		// The first share after what buf holds (a CSV header, the rows
		// that measured the text), so that the first chunk is not small.
		start := len(o.buf)
		var err error
		o.buf, err = r.renderRows(&o.enc, o.buf, b, shares[0].from, shares[0].to)
		wg.Wait()
		// Written in row order, up to the first failed row.
		if err != nil {
			return o.fail(err)
		}
		size := len(o.buf) - start
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
		o.noteText(lo, shares[k-1].to, size)
		lo = shares[k-1].to
	}
	return nil
}

// fail writes what buf holds (the rows before a failed one) and returns
// err, or the writer's error if that write failed.
func (o *textOut) fail(err error) error {
	if werr := o.flush(); werr != nil {
		return werr
	}
	return err
}

// singleRowRenderer is a rowRenderer that renders one row at a time as
// cheaply (CSV): on one goroutine, writeEach renders its rows one by one,
// flushing at flushAt.
type singleRowRenderer interface {
	rowRenderer
	renderRow(e *encoder, buf []byte, b *Batch, i int) ([]byte, error)
}

// writeSerial renders the rows of b on this goroutine in runs of about
// flushAt of text (the batch measured), writing each and noting the size
// of its text.
func (o *textOut) writeSerial(b *Batch, r rowRenderer) error {
	for i, n := 0, b.Len(); i < n; {
		end := o.runEnd(i, n, o.budget())
		start := len(o.buf)
		var err error
		if o.buf, err = r.renderRows(&o.enc, o.buf, b, i, end); err != nil {
			return o.fail(err)
		}
		o.noteText(i, end, len(o.buf)-start)
		if err := o.flush(); err != nil {
			return err
		}
		i = end
	}
	return o.flush() // a page without rows: what buf holds (a CSV header)
}

// writeEach renders the rows of b one by one, writing them whenever buf
// reaches flushAt.
func (o *textOut) writeEach(b *Batch, r singleRowRenderer) error {
	buf := o.buf
	for i := range b.Len() {
		start := len(buf)
		var err error
		if buf, err = r.renderRow(&o.enc, buf, b, i); err != nil {
			o.buf = buf[:start]
			return o.fail(err)
		}
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
