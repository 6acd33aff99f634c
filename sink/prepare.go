package sink

import (
	"slices"
	"sync"
	"sync/atomic"
)

// prepareRun is the number of rows Prepare renders at a time (JSON Lines
// renders them column by column: its scratch, the run's values' text,
// stays small).
const prepareRun = 256

// maxPrepared is the size of the largest batch Prepare renders, in bytes
// of values: the text of a larger one would be held while it waits its
// turn, beside the batch; Write renders it in shares of about 256 KiB
// instead.
const maxPrepared = 4 << 20

// textSink is a text sink that renders whole pages in Prepare (textPrep):
// JSONLines and CSV.
type textSink interface {
	Sink
	// renderer returns what renders rows of cols, safe for concurrent use.
	renderer(cols []Column) rowRenderer
}

// textPrep is the state of a text sink's Prepare: it renders a page's rows
// into the batch (prepared), and the sink's Write passes that text on
// (textOut.writePrepared).
type textPrep struct {
	opts textOptions
	// encs holds encoders for Prepare.
	encs sync.Pool
	// perByte is the last prepared batch's text per byte of its
	// batchWire, in 1024ths (see prepare), for the room the next one's
	// text needs.
	perByte atomic.Int64
	// texts holds the memory of texts Write passed on, for the next
	// Prepares: a text then lives from Prepare to Write, not as long as
	// its batch (*textBuf, so that a Put allocates nothing).
	texts sync.Pool
	// rendering holds a token for each Prepare rendering, at most
	// workers at once: a scan's goroutines rendering more pages than
	// there are cores would only hold more texts half made at once.
	rendering chan struct{}
}

// textBuf is the memory of a text Write passed on.
type textBuf struct{ b []byte }

// init readies p for rows rendered with opts, by at most workers
// Prepares at once.
func (p *textPrep) init(opts textOptions, workers int) {
	p.opts, p.rendering = opts, make(chan struct{}, workers)
}

// prepare renders the rows of b with by's renderer into b's prepared text,
// for by's Write (see Preparer). A batch without rows or columns, or of
// more than maxPrepared bytes of values, is left to Write.
func (p *textPrep) prepare(by textSink, b *Batch) {
	n := b.Len()
	if b.width == 0 || n == 0 || b.Bytes() > maxPrepared {
		return
	}
	// Waits only for other Prepares to finish rendering (it never blocks
	// on anything else), so it needs no context.
	p.rendering <- struct{}{}
	defer func() { <-p.rendering }()
	r := by.renderer(b.Columns)
	e, _ := p.encs.Get().(*encoder)
	if e == nil {
		e = &encoder{opts: p.opts}
	}
	// Room for the text at once, as estimated from the last prepared
	// batch's (growing it by appends cost a tenth more CPU, in copies and
	// in faults of fresh memory).
	wire := batchWire(b)
	text := b.prep.text[:0]
	if cap(text) == 0 {
		if t, ok := p.texts.Get().(*textBuf); ok {
			text = t.b
		}
	}
	if pb := p.perByte.Load(); pb > 0 {
		text = slices.Grow(text, int(pb*wire/1024)+shortText)
	}
	var err error
	for from := 0; from < n && err == nil; from += prepareRun {
		text, err = r.renderRows(e, text, b, from, min(from+prepareRun, n))
	}
	p.encs.Put(e)
	if err == nil {
		// Text per byte of batchWire, in 1024ths, an eighth over.
		p.perByte.Store(int64(len(text)) * 1024 * 9 / 8 / wire)
	}
	b.prep = prepared{by: by, home: p, cells: len(b.cells), text: text, err: err}
}

// writePrepared passes the prepared text p on to the writer, in chunks of
// at most flushAt, and returns its error (the row after the text) if the
// writes succeed. The text's memory then goes back to the textPrep that
// rendered it, for its next Prepare, and p is emptied.
func (o *textOut) writePrepared(p *prepared) error {
	var err error
	for text := p.text; len(text) > 0 && err == nil; {
		n := min(len(text), flushAt)
		err = o.write(text[:n])
		text = text[n:]
	}
	if err == nil {
		err = p.err
	}
	if cap(p.text) > 0 && p.home != nil {
		p.home.texts.Put(&textBuf{b: p.text[:0]})
	}
	*p = prepared{}
	return err
}
