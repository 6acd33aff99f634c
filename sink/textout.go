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
// workers), each into a buffer of its own, and the buffers are written in
// row order: the text is the same as one goroutine's, the rows as ordered.
type textOut struct {
	w    io.Writer
	what string // names the sink in errors
	enc  encoder
	buf  []byte
	err  error
	// workers is how many goroutines may render one page; par holds the
	// state of those beyond the calling one, and rowBytes the mean size
	// of a row rendered so far, which sizes their shares.
	workers  int
	par      []textWorker
	rowBytes int
}

// textWorker renders a share of a page's rows.
type textWorker struct {
	enc encoder
	buf []byte
	err error
}

// rowRenderer appends row i of b to buf with the encoder e and returns buf,
// extended, even with an error. Rendering rows of one batch with different
// encoders at once must be safe: renderRow reads the batch and the
// renderer and writes only buf and e. (An interface, not a func: a
// closure handed to other goroutines would be allocated on every Write.)
type rowRenderer interface {
	renderRow(e *encoder, buf []byte, b *Batch, i int) ([]byte, error)
}

// minRowsPerWorker keeps small pages on the calling goroutine, where
// another would cost more than it saves, and sets the smallest share.
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

// writeRows renders the rows of b with r and writes them, after whatever
// buf already holds, in flushAt-sized chunks. When a row fails, the rows
// before it are written and its error is returned, unless a write fails
// first; the failed row and those after it are not written.
func (o *textOut) writeRows(b *Batch, r rowRenderer) error {
	n := b.Len()
	k := min(o.workers, n/minRowsPerWorker)
	if k <= 1 {
		return o.writeSerial(b, r)
	}
	if err := o.flush(); err != nil {
		return err
	}
	for len(o.par) < k-1 {
		o.par = append(o.par, textWorker{enc: encoder{opts: o.enc.opts}})
	}
	for lo := 0; lo < n; {
		// A share is about flushAt of text (the smallest share until the
		// size of a row is known); fewer rows than k full shares are
		// shared out evenly.
		per := minRowsPerWorker
		if o.rowBytes > 0 {
			per = max(per, flushAt/o.rowBytes)
		}
		if left := n - lo; left < k*per {
			per = (left + k - 1) / k
		}
		var wg sync.WaitGroup
		used := 0
		for j := range k - 1 {
			a := lo + (j+1)*per
			if a >= n {
				break
			}
			w := &o.par[j]
			used++
			wg.Go(func() { w.buf, w.err = renderRows(&w.enc, w.buf[:0], b, a, min(n, a+per), r) })
		}
		// The first share on this goroutine, written once every share
		// is rendered, in row order.
		var err error
		o.buf, err = renderRows(&o.enc, o.buf[:0], b, lo, min(n, lo+per), r)
		wg.Wait()
		size := len(o.buf)
		if werr := o.flush(); werr != nil {
			return werr
		}
		if err != nil {
			return err
		}
		for j := range used {
			w := &o.par[j]
			size += len(w.buf)
			if werr := o.write(w.buf); werr != nil {
				return werr
			}
			if w.err != nil {
				return w.err
			}
		}
		rows := min(n, lo+(used+1)*per) - lo
		o.rowBytes = size / rows
		lo += rows
	}
	return nil
}

// renderRows appends rows [from, to) to buf with e, stopping at the first
// that fails: buf then ends with the row before it.
func renderRows(e *encoder, buf []byte, b *Batch, from, to int, r rowRenderer) ([]byte, error) {
	for i := from; i < to; i++ {
		start := len(buf)
		var err error
		if buf, err = r.renderRow(e, buf, b, i); err != nil {
			return buf[:start], err
		}
	}
	return buf, nil
}

// writeSerial renders the rows of b on this goroutine, writing them
// whenever buf reaches flushAt.
func (o *textOut) writeSerial(b *Batch, r rowRenderer) error {
	buf := o.buf
	for i := range b.Len() {
		start := len(buf)
		var err error
		if buf, err = r.renderRow(&o.enc, buf, b, i); err != nil {
			o.buf = buf[:start]
			if werr := o.flush(); werr != nil {
				return werr
			}
			return err
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
