package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"unicode/utf8"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// CSVConfig configures a CSV sink. The zero value is valid: comma
// delimiter, a header row, null as an empty field, "\n" line ends.
type CSVConfig struct {
	// Delimiter separates fields: any valid rune other than '"', '\r',
	// '\n' and U+FFFD. Default ','.
	Delimiter rune
	// NoHeader turns the header row off. Default false: a row of column
	// names is written before the first row.
	NoHeader bool
	// Null is the field written for a null value. It is written as is, so
	// it must be a field that needs no quotes: no delimiter, '"', '\r' or
	// '\n', no leading space, not `\.`. An empty text value is written
	// as a quoted empty field, "", so that it differs from a null with the
	// default. Default "": an empty field.
	Null string
	// CRLF ends rows with "\r\n", as RFC 4180 does. Line breaks inside
	// quoted fields are written as they are. Default false: "\n", as
	// encoding/csv does.
	CRLF bool
	// TextConfig sets how timestamps and blobs are written, in plain
	// fields and inside collections.
	TextConfig
}

// Validate reports every invalid field, in an error wrapping
// ErrInvalidConfig.
func (c CSVConfig) Validate() error {
	var errs []error
	d := c.Delimiter
	if d == 0 {
		d = ','
	}
	if d == '"' || d == '\r' || d == '\n' || !utf8.ValidRune(d) || d == utf8.RuneError {
		errs = append(errs, fmt.Errorf("%w: CSVConfig.Delimiter %q: must be a valid rune other than '\"', '\\r', '\\n' and U+FFFD", ErrInvalidConfig, d))
	}
	if csvNeedsQuotes([]byte(c.Null), utf8.AppendRune(nil, d)) {
		errs = append(errs, fmt.Errorf("%w: CSVConfig.Null %q: must be a field that needs no quotes (no delimiter, '\"', '\\r' or '\\n', no leading space, not `\\.`)", ErrInvalidConfig, c.Null))
	}
	errs = append(errs, c.TextConfig.validate("CSVConfig")...)
	return errors.Join(errs...)
}

// CSV writes rows as CSV (RFC 4180): a header row of column names, then one
// row per row, fields quoted only when they need it (when they contain the
// delimiter, a quote, CR or LF, begin with a space, or are `\.`, the rules
// of encoding/csv), quotes doubled inside quoted fields. Values are
// rendered as in JSONLines, without JSON's quotes around a scalar: text as
// is, numbers, "NaN", UUIDs, timestamps, "0x"-prefixed hex (or base64) for
// blobs; lists, sets, maps and tuples as their JSON text. A null is
// CSVConfig.Null and an empty text value (or an empty blob in base64) is
// "".
//
// The header is written by the first Write, even of a batch without rows,
// or by WriteHeader: the sink learns the columns from the batches, so a
// scan that delivers no batch (an empty table) has a header only if
// WriteHeader was called. Buffering, errors, the ownership of the writer
// and Prepare (see Preparer: a scan renders pages on the goroutines that
// read them, by at most TextConfig.Workers at once) are as for JSONLines.
// A prepared page's text holds its rows only: the header is written by
// Write, as without Prepare.
type CSV struct {
	textOut
	prep  textPrep
	cfg   CSVConfig
	delim []byte
	quote csvQuoting // which fields need quotes, for delim
	// layout is how to write the columns of the last batch.
	layout atomic.Pointer[csvLayout]
	eol    []byte
	header bool // written or not wanted
	closed bool
}

var _ Preparer = (*CSV)(nil)

// NewCSV returns a sink that writes CSV to w, or an error wrapping
// ErrInvalidConfig.
func NewCSV(w io.Writer, cfg CSVConfig) (*CSV, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts, _ := cfg.TextConfig.options("CSVConfig") // valid: checked above
	if cfg.Delimiter == 0 {
		cfg.Delimiter = ','
	}
	s := &CSV{textOut: newTextOut(w, "csv", opts, cfg.Workers), cfg: cfg, delim: utf8.AppendRune(nil, cfg.Delimiter), eol: []byte("\n"), header: cfg.NoHeader}
	if cfg.CRLF {
		s.eol = []byte("\r\n")
	}
	s.quote = newCSVQuoting(s.delim)
	s.prep.init(opts, s.workers)
	return s, nil
}

// Write writes the header if it is due, then one row per row of b.
func (s *CSV) Write(_ context.Context, b *Batch) error {
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	s.buf = s.appendHeader(s.buf[:0], b.Columns)
	if p, ok := b.preparedFor(s.rendersAs); ok {
		if err := s.flush(); err != nil { // the header
			return err
		}
		return s.writePrepared(p) // rendered by Prepare
	}
	return s.writeRows(b, s.layoutFor(b.Columns))
}

// Prepare renders the rows of b for its Write (see Preparer). It may be
// called from any goroutine, concurrently with other calls of Prepare and
// with Write.
func (s *CSV) Prepare(b *Batch) { s.prep.prepare(s, b) }

// renderer returns the layout for cols (textSink).
func (s *CSV) renderer(cols []Column) rowRenderer { return s.layoutFor(cols) }

// rendersAs reports whether a batch prepared by by has the rows' text s
// would write: by is s, or a CSV sink of the same options (the sinks of
// the files of one output, one of them preparing every page).
func (s *CSV) rendersAs(by Sink) bool {
	o, ok := by.(*CSV)
	return ok && (o == s || o.enc.opts.equal(s.enc.opts) && o.cfg.Null == s.cfg.Null &&
		bytes.Equal(o.delim, s.delim) && bytes.Equal(o.eol, s.eol))
}

// csvLayout is how a CSV sink writes rows of some columns.
type csvLayout struct {
	s    *CSV
	cols []Column // the columns it was made for
	ccol []csvColumn
}

// csvColumn is how a CSV sink writes the values of one column.
type csvColumn struct {
	// look is set where the column's text may need quotes: unset for the
	// kinds whose text cannot hold a character the sink quotes
	// (csvAlphabet), whose fields are not looked at.
	look bool
	// coll is set for a list or set of text (1) or a map of text to text
	// (2), written by appendTextCollection as JSON Lines does.
	coll uint8
}

// layoutFor returns the layout for cols: the last batch's, made again only
// when their names or types differ. Safe for concurrent use: a layout is
// never changed once made.
func (s *CSV) layoutFor(cols []Column) *csvLayout {
	if l := s.layout.Load(); l != nil && slices.EqualFunc(l.cols, cols, sameColumn) {
		return l
	}
	l := &csvLayout{s: s, cols: slices.Clone(cols)}
	for i := range cols {
		t := &cols[i].typ
		a := s.enc.csvAlphabet(t.Kind)
		c := csvColumn{look: a == "" || slices.ContainsFunc([]byte(a), func(c byte) bool { return s.quote.special[c] })}
		if textCollection(t) {
			c.coll = 1
			if t.Kind == cqltype.Map {
				c.coll = 2
			}
		}
		l.ccol = append(l.ccol, c)
	}
	s.layout.Store(l)
	return l
}

// renderRows appends rows [from, to) of b as CSV rows, stopping at the
// first that fails.
func (l *csvLayout) renderRows(e *encoder, buf []byte, b *Batch, from, to int) ([]byte, error) {
	for i := from; i < to; i++ {
		start := len(buf)
		var err error
		if buf, err = l.renderRow(e, buf, b, i); err != nil {
			return buf[:start], err
		}
	}
	return buf, nil
}

// renderRow appends row row of b as a CSV row.
func (l *csvLayout) renderRow(e *encoder, buf []byte, b *Batch, row int) ([]byte, error) {
	s, ccol := l.s, l.ccol[:len(b.Columns)]
	for col, c := range ccol {
		if col > 0 {
			buf = append(buf, s.delim...)
		}
		t := &b.Columns[col].typ
		v := b.Value(row, col)
		if cqltype.IsNull(t.Kind, v) {
			buf = append(buf, s.cfg.Null...)
			continue
		}
		fieldStart := len(buf)
		var err error
		if out, ok := appendCSVCollection(buf, v, c.coll); ok {
			buf = out
		} else if buf, err = e.appendText(buf, t, v); err != nil {
			return buf, fmt.Errorf("csv: row %d column %s: %w", row, b.Columns[col].Name, err)
		}
		if len(buf) == fieldStart {
			// Only text and blobs have empty values (blobs render as 0x
			// in hex, as nothing in base64): an empty value, not a null.
			buf = append(buf, '"', '"')
		} else if c.look && s.quote.needs(buf[fieldStart:]) {
			buf = csvQuote(buf, fieldStart)
		}
	}
	return append(buf, s.eol...), nil
}

// appendCSVCollection appends a text collection of kind coll (csvColumn)
// by appendTextCollection; false for other columns, and where that
// reports false.
func appendCSVCollection(dst, v []byte, coll uint8) ([]byte, bool) {
	if coll == 0 {
		return dst, false
	}
	return appendTextCollection(dst, v, coll == 2)
}

// WriteHeader writes the header row of cols now if it is due (not
// written yet, and not turned off). Write does so itself, with the first
// batch; call WriteHeader with the scan's columns for a scan that may
// deliver no batch, such as the scan of an empty table, to get a header
// even then.
func (s *CSV) WriteHeader(_ context.Context, cols []Column) error {
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	s.buf = s.appendHeader(s.buf[:0], cols)
	return s.flush()
}

// appendHeader appends the header row of cols if it is due.
func (s *CSV) appendHeader(dst []byte, cols []Column) []byte {
	if s.header {
		return dst
	}
	s.header = true
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, s.delim...)
		}
		start := len(dst)
		dst = append(dst, c.Name...)
		if s.quote.needs(dst[start:]) {
			dst = csvQuote(dst, start)
		}
	}
	return append(dst, s.eol...)
}

// Close marks the sink closed; every Write has already passed its text to
// the writer. Close is idempotent and does not close the writer.
func (s *CSV) Close(context.Context) error {
	s.closed = true
	return nil
}
