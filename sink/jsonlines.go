package sink

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// flushAt is the size of rendered text from which Write passes it on to its
// writer before it renders more rows. It bounds a sink's buffer to about
// flushAt plus one row, whatever the size of a page.
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
// Write renders the rows of the batch in order. If a value is malformed it
// returns an error wrapping ErrInvalidValue that names the row and column,
// having written the rows before it. An error of the writer is returned
// by the Write that met it and by every later Write. Write does not
// consult its context: it renders a page it was given, and an io.Writer
// cannot be interrupted anyway.
type JSONLines struct {
	textOut
	enc    encoder
	keys   []byte // `"name":` of each column, the later ones after ','
	keyEnd []int  // keys[keyEnd[i-1]:keyEnd[i]] belongs to column i
	closed bool
}

var _ Sink = (*JSONLines)(nil)

// NewJSONLines returns a sink that writes JSON Lines to w, with the
// default JSONConfig.
func NewJSONLines(w io.Writer) *JSONLines {
	return &JSONLines{textOut: textOut{w: w, what: "json lines"}}
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
	s := NewJSONLines(w)
	s.enc.opts = opts
	return s, nil
}

// Write writes one line per row of b.
func (s *JSONLines) Write(_ context.Context, b *Batch) error {
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	s.prepareKeys(b.Columns)
	s.buf = s.buf[:0]
	return s.writeRows(b.Len(), func(buf []byte, row int) ([]byte, error) {
		buf = append(buf, '{')
		prev := 0
		for col := range b.Columns {
			buf = append(buf, s.keys[prev:s.keyEnd[col]]...)
			prev = s.keyEnd[col]
			var err error
			buf, err = s.enc.appendJSON(buf, &b.Columns[col].typ, b.Value(row, col))
			if err != nil {
				return buf, fmt.Errorf("json lines: row %d column %s: %w", row, b.Columns[col].Name, err)
			}
		}
		return append(buf, '}', '\n'), nil
	})
}

// prepareKeys renders the object keys of cols.
func (s *JSONLines) prepareKeys(cols []Column) {
	s.keys, s.keyEnd = s.keys[:0], s.keyEnd[:0]
	for i, c := range cols {
		if i > 0 {
			s.keys = append(s.keys, ',')
		}
		s.keys = appendJSONStringOf(s.keys, c.Name)
		s.keys = append(s.keys, ':')
		s.keyEnd = append(s.keyEnd, len(s.keys))
	}
}

// Close marks the sink closed; every Write has already passed its text to
// the writer. Close is idempotent and does not close the writer.
func (s *JSONLines) Close(context.Context) error {
	s.closed = true
	return nil
}
