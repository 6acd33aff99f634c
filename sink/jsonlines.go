package sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync/atomic"
	"unsafe"
)

// flushAt is about the size of the text a sink passes to its writer at
// once, and of a worker's share of a page: runs and shares are cut by the
// estimated text of their rows, so that a buffer holds about flushAt plus
// one row, whatever the size of a page.
const flushAt = 256 << 10

// JSONLines writes rows as JSON Lines: one JSON object per row, its keys the
// column names in column order, each object followed by "\n". Values are
// rendered as described in the package documentation, straight from their
// serialized bytes, with the options of JSONConfig.
//
// Text is buffered and passed to the writer in chunks of about 256 KiB, the
// last one at the end of each Write, so that nothing stays buffered between
// calls. The caller owns the writer: Close does not close it, and a
// buffered writer such as a *bufio.Writer must be flushed by the caller.
//
// A page of 256 rows or more is rendered by several goroutines at once
// (TextConfig.Workers, default GOMAXPROCS), each share of about 256 KiB
// into a buffer of its own; the shares are written in row order, from the
// goroutine that called Write, so the text is the same as one goroutine's.
// Write returns when its page is written. A scan calls Prepare (see
// Preparer) on the goroutine that read each page, so that pages are
// rendered in parallel before their turn, by at most Workers calls at
// once (the others wait for one to end); the Write of a prepared batch
// passes its text on, in chunks of at most 256 KiB.
//
// Write renders the rows of the batch in order. If a value is malformed it
// returns an error wrapping ErrInvalidValue that names the row and column,
// having written the rows before it. An error of the writer is returned
// by the Write that met it and by every later Write. Write does not
// consult its context: it renders a page it was given, and an io.Writer
// cannot be interrupted anyway.
type JSONLines struct {
	textOut
	// layout is how to write the columns of the last batch.
	layout atomic.Pointer[jsonLayout]
	prep   textPrep
	closed bool
}

// jsonLayout is how JSONLines writes rows of some columns.
type jsonLayout struct {
	cols  []Column     // the columns it was made for
	jcols []jsonColumn // how to write each column
	// keys are the columns' keys, `"name":`, after ',' from the second
	// column on, each with room for shortText in its array (renderRows'
	// moves); keyBytes is their length, together.
	keys     [][]byte
	keyBytes int
}

// jsonColumn is how JSONLines writes the values of one column: the writer
// of its type, and its loop (its key is in jsonLayout.keys).
type jsonColumn struct {
	write valueWriter
	loop  columnLoop // the loop of renderColumn
}

var _ Sink = (*JSONLines)(nil)

// NewJSONLines returns a sink that writes JSON Lines to w, with the
// default JSONConfig.
func NewJSONLines(w io.Writer) *JSONLines {
	return newJSONLines(newTextOut(w, "json lines", textOptions{}, 0))
}

// newJSONLines returns a JSONLines writing to out.
func newJSONLines(out textOut) *JSONLines {
	s := &JSONLines{textOut: out}
	s.prep.init(out.enc.opts, out.workers)
	return s
}

// NewJSONLinesConfig returns a sink that writes JSON Lines to w as cfg
// says, or an error wrapping ErrInvalidConfig that names every invalid
// field.
func NewJSONLinesConfig(w io.Writer, cfg JSONConfig) (*JSONLines, error) {
	opts, errs := cfg.TextConfig.options("JSONConfig")
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	opts.numStrings = cfg.NumbersAsStrings
	return newJSONLines(newTextOut(w, "json lines", opts, cfg.Workers)), nil
}

// Write writes one line per row of b.
func (s *JSONLines) Write(_ context.Context, b *Batch) error {
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	s.buf = s.buf[:0]
	if p, ok := b.preparedFor(s.rendersAs); ok {
		return s.writePrepared(p) // rendered by Prepare
	}
	return s.writeRows(b, s.layoutFor(b.Columns))
}

// Prepare renders the lines of b for its Write (see Preparer). It may be
// called from any goroutine, concurrently with other calls of Prepare and
// with Write.
func (s *JSONLines) Prepare(b *Batch) { s.prep.prepare(s, b) }

// renderer returns the layout for cols (textSink).
func (s *JSONLines) renderer(cols []Column) rowRenderer { return s.layoutFor(cols) }

var _ Preparer = (*JSONLines)(nil)

// rendersAs reports whether a batch prepared by by has the text s would
// write: by is s, or a JSON Lines sink of the same options (the sinks of
// the files of one output, say, one of them preparing every page).
func (s *JSONLines) rendersAs(by Sink) bool {
	o, ok := by.(*JSONLines)
	return ok && (o == s || o.enc.opts.equal(s.enc.opts))
}

// renderRows appends rows [from, to) of b as lines, column by column:
// each column's values for all the rows first, one column after another
// into one text, in a loop for the column's kind (renderColumn), then
// every row from its columns' keys and texts. (Written in the column
// loops, before each value, the keys took 2% more instructions.) (Row by
// row, each value paid
// about 19 ns beyond its formatting, in calls and the register spills
// around them; a call through the column's writer for every value cost
// 7-10% of the demo's rows.) A malformed value stops the
// lines right before the first row that has one, and the error names the
// first column with one in that row, as rendering row by row does.
func (l *jsonLayout) renderRows(e *encoder, buf []byte, b *Batch, from, to int) ([]byte, error) {
	cols := l.jcols
	n := len(cols)
	ct := &e.columns
	// starts, then the ends of rows [from, to): ct.ends[(1+r-from)*n+j]
	// is where the text of row r's column j ends, ct.ends[j] where
	// column j's text starts.
	ends := slices.Grow(ct.ends[:0], (1+to-from)*n)[:(1+to-from)*n]
	text := ct.text[:0]
	failRow, failCol := to, 0
	var failErr error
	for j := range cols {
		ends[j] = int32(len(text))
		var r int
		var err error
		text, r, err = cols[j].renderColumn(e, text, ends[n:], b, j, from, failRow)
		if err != nil {
			failRow, failCol, failErr = r, j, err
		}
	}
	if len(text) > math.MaxInt32-shortText {
		// The ends are int32: past 2 GiB they wrapped, and the moves
		// below would read outside text. Only a row of values whose text
		// is many times their size (nested collections as map keys,
		// escaped at each level) gets here: its frame is at most 256 MiB.
		return buf, fmt.Errorf("json lines: rows %d to %d: %d bytes of text, past the 2 GiB JSON Lines renders at once", from, to-1, len(text))
	}
	// Room past the last value for the moves' reads.
	text = slices.Grow(text, shortText)
	ct.text, ct.ends = text, ends
	rows := failRow - from
	o := len(buf)
	buf = slices.Grow(buf, len(text)+(3+l.keyBytes)*rows+shortText)
	out := buf[:cap(buf)]
	// Row r's cells: column j's key, then its value, from ends[r*n+j]
	// to ends[(r+1)*n+j]. A key or a value of up to shortText bytes is
	// moved as shortText bytes by move32, its bounds unchecked, which
	// saves a quarter of these loops' instructions:
	//   - each key has room for shortText in its array (layoutFor);
	//   - each value is a part of text, which has room for shortText past
	//     its end (above);
	//   - out has room for the rows' text, keys, braces and newlines and
	//     shortText more: each value is read from text once, so the rows
	//     take at most len(text) + (3+keyBytes)*rows bytes, and a move
	//     starts no further than that.
	// (The race detector's checkptr checks that every move stays inside
	// its array: go test -race ./sink.)
	keys := l.keys
	outp, textp := unsafe.Pointer(unsafe.SliceData(out)), unsafe.Pointer(unsafe.SliceData(text))
	for r := range rows {
		out[o] = '{'
		o++
		starts, stops := ends[r*n:(r+1)*n], ends[(r+1)*n:(r+2)*n]
		starts, keys := starts[:len(stops)], keys[:len(stops)] // no checks below
		for j, end := range stops {
			key := keys[j]
			if len(key) <= shortText {
				move32(unsafe.Add(outp, o), unsafe.Pointer(unsafe.SliceData(key)))
			} else {
				copy(out[o:], key)
			}
			o += len(key)
			a, z := int(starts[j]), int(end)
			if z-a <= shortText {
				move32(unsafe.Add(outp, o), unsafe.Add(textp, a))
			} else {
				copy(out[o:], text[a:z])
			}
			o += z - a
		}
		out[o], out[o+1] = '}', '\n'
		o += 2
	}
	buf = out[:o]
	if failErr != nil {
		return buf, fmt.Errorf("json lines: row %d column %s: %w", failRow, b.Columns[failCol].Name, failErr)
	}
	return buf, nil
}

// shortText is the longest key or value renderRows copies by move32
// rather than by copy, a call to memmove: JSON Lines copies a key and a
// value of a few dozen bytes each, a dozen times a row. Each column's key
// and the columns' text have room for shortText past their ends. Cells'
// lengths vary row by row: a branch on the length (one move or two) was
// often mispredicted, so a short cell is always 32 bytes moved, the bytes
// past its end overwritten by the next cell's.
const shortText = 32

// move32 copies the shortText bytes at src to dst, by two 16-byte moves
// (an assignment of [32]byte is a call to memmove). The caller makes sure
// that both have room for them.
func move32(dst, src unsafe.Pointer) {
	*(*[16]byte)(dst) = *(*[16]byte)(src)
	*(*[16]byte)(unsafe.Add(dst, 16)) = *(*[16]byte)(unsafe.Add(src, 16))
}

// columnText is the scratch of renderRows: the text of every column's
// values, column after column, and where each ends.
type columnText struct {
	text []byte
	ends []int32
}

// layoutFor returns the layout for cols: the last batch's, made again only
// when their names or types differ. Safe for concurrent use: a layout is
// never changed once made.
func (s *JSONLines) layoutFor(cols []Column) *jsonLayout {
	if l := s.layout.Load(); l != nil && slices.EqualFunc(l.cols, cols, sameColumn) {
		return l
	}
	l := &jsonLayout{cols: slices.Clone(cols)}
	for i := range cols {
		var key []byte
		if i > 0 {
			key = append(key, ',')
		}
		key = appendJSONStringOf(key, cols[i].Name)
		key = append(key, ':')
		key = slices.Grow(key, shortText) // for renderRows' moves
		l.keys, l.keyBytes = append(l.keys, key), l.keyBytes+len(key)
		l.jcols = append(l.jcols, jsonColumn{write: s.enc.jsonWriter(&cols[i].typ),
			loop: s.enc.columnLoopOf(&cols[i].typ)})
	}
	s.layout.Store(l)
	return l
}

// sameColumn reports whether a and b have the same key and writer: the
// same name and the same whole type.
func sameColumn(a, b Column) bool { return a.Name == b.Name && a.typ.Equal(b.typ) }

// Close marks the sink closed; every Write has already passed its text to
// the writer. Close is idempotent and does not close the writer.
func (s *JSONLines) Close(context.Context) error {
	s.closed = true
	return nil
}
