package sink

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
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
// Write returns when its page is written.
//
// Write renders the rows of the batch in order. If a value is malformed it
// returns an error wrapping ErrInvalidValue that names the row and column,
// having written the rows before it. An error of the writer is returned
// by the Write that met it and by every later Write. Write does not
// consult its context: it renders a page it was given, and an io.Writer
// cannot be interrupted anyway.
type JSONLines struct {
	textOut
	cols   []jsonColumn // how to write each column of last
	last   []Column     // the columns cols was made for
	closed bool
}

// jsonColumn is how JSONLines writes one column: its key, with the comma
// before it from the second column on, and the writer of its type.
type jsonColumn struct {
	key   []byte // `"name":`, after ',' from the second column on
	write valueWriter
}

var _ Sink = (*JSONLines)(nil)

// NewJSONLines returns a sink that writes JSON Lines to w, with the
// default JSONConfig.
func NewJSONLines(w io.Writer) *JSONLines {
	return &JSONLines{textOut: newTextOut(w, "json lines", textOptions{}, 0)}
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
	return &JSONLines{textOut: newTextOut(w, "json lines", opts, cfg.Workers)}, nil
}

// Write writes one line per row of b.
func (s *JSONLines) Write(_ context.Context, b *Batch) error {
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	s.prepareColumns(b.Columns)
	s.buf = s.buf[:0]
	return s.writeRows(b, s)
}

// renderRows appends rows [from, to) of b as lines, column by column:
// each column's key and values for all the rows first, in a loop of their
// own with the column's writer, then every row from its columns' texts.
// (Row by row, each value paid about 19 ns beyond its formatting, in
// calls and the register spills around them.) A malformed value stops the
// lines right before the first row that has one, and the error names the
// first column with one in that row, as rendering row by row does.
func (s *JSONLines) renderRows(e *encoder, buf []byte, b *Batch, from, to int) ([]byte, error) {
	cols := s.cols
	ct := &e.columns
	ct.prepare(len(cols))
	failRow, failCol := to, 0
	var failErr error
	size := 0
	for j := range cols {
		c, t := &cols[j], &b.Columns[j].typ
		text, ends := ct.text[j][:0], ct.ends[j][:0]
		for r := from; r < failRow; r++ {
			start := len(text)
			text = appendShort(text, c.key)
			var err error
			if text, err = c.write(e, text, t, b.Value(r, j)); err != nil {
				text = text[:start]
				failRow, failCol, failErr = r, j, err
				break
			}
			ends = append(ends, int32(len(text)))
		}
		// Room past the last value for appendShort's reads.
		text = slices.Grow(text, shortText)
		ct.text[j], ct.ends[j] = text, ends
		size += len(text)
	}
	rows := failRow - from
	buf = slices.Grow(buf, size+3*rows+shortText)
	starts := ct.starts
	for r := range rows {
		buf = append(buf, '{')
		for j := range cols {
			end := ct.ends[j][r]
			buf = appendShort(buf, ct.text[j][starts[j]:end])
			starts[j] = end
		}
		buf = append(buf, '}', '\n')
	}
	if failErr != nil {
		return buf, fmt.Errorf("json lines: row %d column %s: %w", failRow, b.Columns[failCol].Name, failErr)
	}
	return buf, nil
}

// shortText is the longest text appendShort copies by two 8-byte moves.
const shortText = 16

// appendShort appends src to dst as append does, but a src of at most
// shortText bytes, with room for as many in its array and in dst's, by
// two 8-byte loads and stores instead of a call to memmove: JSON Lines
// copies a key and a value of a few bytes each, a dozen times a row. The
// bytes past src's and dst's ends are read and overwritten (dst's end is
// then where src's text ends).
func appendShort(dst, src []byte) []byte {
	n := len(dst)
	if len(src) > shortText || cap(src) < shortText || cap(dst)-n < shortText {
		return append(dst, src...)
	}
	from, to := src[:shortText], dst[n:n+shortText]
	binary.LittleEndian.PutUint64(to, binary.LittleEndian.Uint64(from))
	binary.LittleEndian.PutUint64(to[8:], binary.LittleEndian.Uint64(from[8:]))
	return dst[:n+len(src)]
}

// columnText is the scratch of renderRows: per column, the text of its
// values and where each ends, and where the next row's starts.
type columnText struct {
	text   [][]byte
	ends   [][]int32
	starts []int32
}

// prepare makes room for n columns and zeroes starts.
func (ct *columnText) prepare(n int) {
	for len(ct.text) < n {
		ct.text, ct.ends = append(ct.text, nil), append(ct.ends, nil)
	}
	ct.starts = append(ct.starts[:0], make([]int32, n)...)
}

// prepareColumns makes s.cols for cols, again only when their names or
// types differ from the last batch's.
func (s *JSONLines) prepareColumns(cols []Column) {
	if s.last != nil && slices.EqualFunc(s.last, cols, sameColumn) {
		return
	}
	s.last = slices.Clone(cols)
	s.cols = s.cols[:0]
	for i := range cols {
		var key []byte
		if i > 0 {
			key = append(key, ',')
		}
		key = appendJSONStringOf(key, cols[i].Name)
		key = append(key, ':')
		key = slices.Grow(key, shortText) // for appendShort
		s.cols = append(s.cols, jsonColumn{key: key, write: s.enc.jsonWriter(&cols[i].typ)})
	}
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
