package sink

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// Value types returned by Batch.Decode for the CQL types that have no
// natural Go type. They are the types of package cqlvalue, which documents
// their methods and text forms; these names save an import.
type (
	// UUID is a uuid or timeuuid value: cqlvalue.UUID.
	UUID = cqlvalue.UUID
	// Decimal is an exact decimal, Unscaled × 10^-Scale: cqlvalue.Decimal.
	Decimal = cqlvalue.Decimal
	// Date is a date, days since 1970-01-01: cqlvalue.Date.
	Date = cqlvalue.Date
	// Duration is a CQL duration: cqlvalue.Duration.
	Duration = cqlvalue.Duration
	// KV is one entry of a map, in the map's key order: cqlvalue.KV.
	KV = cqlvalue.KV
)

// Column describes one column of the rows of a Batch.
//
// Build one with NewColumn from CQL type text, or with NewWireColumn from
// the type as the native protocol describes it, which is the only way to
// describe a user-defined type in full. A Column literal with a Type but
// no other information is read as the text of Type by WireType and the
// Parquet sink only.
type Column struct {
	// Name is the column name as in the table.
	Name string
	// Type is the CQL type as Cassandra writes it, e.g. "map<text, int>".
	Type string
	typ  cqltype.Type
}

// NewColumn returns a column of the given CQL type. User-defined types are
// not resolved from text: describe them with NewWireColumn.
func NewColumn(name, cqlType string) (Column, error) {
	t, err := cqltype.Parse(cqlType)
	if err != nil {
		return Column{}, fmt.Errorf("column %s: %w", name, err)
	}
	return Column{Name: name, Type: t.String(), typ: t}, nil
}

// NewWireColumn returns a column whose type is wireType: a protocol v4
// [option] (native protocol section 4.2.5.2), as a server describes a
// column in result metadata and WireType returns it. The protocol does
// not say which collections and UDTs are frozen, so Type writes only
// tuples, which always are, as frozen<...>.
func NewWireColumn(name string, wireType []byte) (Column, error) {
	t, n, err := cqltype.ReadOption(wireType)
	if err != nil {
		return Column{}, fmt.Errorf("column %s: %w", name, err)
	}
	if n != len(wireType) {
		return Column{}, fmt.Errorf("column %s: %d bytes after the type", name, len(wireType)-n)
	}
	freezeTuples(&t)
	return Column{Name: name, Type: t.String(), typ: t}, nil
}

// freezeTuples marks every tuple in t frozen, as Cassandra's tuples are.
// t was read by ReadOption, which bounds its depth.
func freezeTuples(t *cqltype.Type) {
	if t.Kind == cqltype.Tuple {
		t.Frozen = true
	}
	for i := range t.Elems {
		freezeTuples(&t.Elems[i])
	}
}

// WireType returns the column's type as a protocol v4 [option] (native
// protocol section 4.2.5.2): unlike the text of Type, it spells out the
// fields of user-defined types. For a Column literal, Type is parsed; the
// error is Parse's.
func (c Column) WireType() ([]byte, error) {
	t := c.typ
	if t.Kind == cqltype.Custom && t.Custom == "" && c.Type != "" {
		var err error
		if t, err = cqltype.Parse(c.Type); err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
	}
	return t.AppendOption(nil), nil
}

// cell locates one value in a Batch: at off in buf, or at ^off (off < 0)
// in shared; n is -1 for null.
type cell struct{ off, n int32 }

// Batch is one page of rows read from one token subrange. Values are kept
// as the serialized CQL values the server sent (protocol v4 format), in one
// buffer, so that a page costs a few allocations however many rows it has.
//
// A Batch belongs to the scanner: a Sink may read it during Write but must
// not keep it, or any slice returned by Value, after Write returns.
type Batch struct {
	// Columns are the columns of every row, in SELECT order. Shared and
	// read-only.
	Columns []Column
	// RangeID is the id of the subrange the rows come from; Host is the
	// address of the replica that served them.
	RangeID int
	Host    string

	width int // values stored per row: len(Columns) plus hidden ones
	cells []cell
	buf   []byte
	// shared is memory the batch borrows (AppendShared): the producer's
	// response frame, from its first shared value on.
	shared []byte
	size   int // bytes of the values, wherever they are
	// counted is the number of rows of a batch of width 0 (AppendCounted).
	counted int
	// prep is the text a Preparer rendered for the batch.
	prep prepared
}

// prepared is the text a Preparer rendered of a whole batch ahead of its
// Write: valid for that sink while the batch still holds the cells it had
// (a row added changes their number; TruncateRows and Reset drop it).
type prepared struct {
	by    Sink
	home  *textPrep // where the text's memory goes after Write
	cells int
	text  []byte // the lines of the rows before the first that failed
	err   error  // that row's error
}

// preparedFor returns b's prepared text if it is still valid and its
// preparer renders as the caller does (same reports that).
func (b *Batch) preparedFor(same func(by Sink) bool) (*prepared, bool) {
	return &b.prep, b.prep.by != nil && b.prep.cells == len(b.cells) && same(b.prep.by)
}

// NewBatch returns an empty batch for rows of cols. width is the number of
// values a producer appends per row; it may exceed len(cols), the extra
// values being hidden from Value and the sinks. width <= 0 means len(cols).
func NewBatch(cols []Column, width int) *Batch {
	if width < len(cols) {
		width = len(cols)
	}
	return &Batch{Columns: cols, width: width}
}

// Len is the number of rows.
func (b *Batch) Len() int {
	if b.width == 0 {
		return b.counted
	}
	return len(b.cells) / b.width
}

// AppendCounted adds n rows without values to a batch of width 0 (no
// columns, no hidden values): rows the server counted and did not send,
// as a count on the server reads them (scanner.Plan.CountOnServer). It
// reports false, adding nothing, for a batch of another width or n < 0.
func (b *Batch) AppendCounted(n int) bool {
	if b.width != 0 || n < 0 {
		return false
	}
	b.counted += n
	return true
}

// Width is the number of values stored per row.
func (b *Batch) Width() int { return b.width }

// Value returns the serialized value of column col of row row, nil for
// null. The slice aliases the batch's buffer. col may address a hidden
// value (len(Columns) <= col < Width()).
func (b *Batch) Value(row, col int) []byte { return b.cellValue(row*b.width + col) }

// cellValue is Value's for the cell at index i (row*Width()+col), for
// loops that walk a column by adding Width().
func (b *Batch) cellValue(i int) []byte {
	c := b.cells[i]
	if c.n < 0 {
		return nil
	}
	if c.n == 0 {
		// Not b.buf[off:off], which is nil while b.buf is: empty is not null.
		return []byte{}
	}
	if c.off < 0 {
		off := ^c.off
		return b.shared[off : off+c.n : off+c.n]
	}
	return b.buf[c.off : c.off+c.n : c.off+c.n]
}

// rowCells returns the cells of row row's visible columns.
func (b *Batch) rowCells(row int) []cell {
	return b.cells[row*b.width : row*b.width+len(b.Columns)]
}

// Decode returns column col of row row as a Go value: nil for null; string
// for ascii, text and varchar; int8, int16, int32, int64 for tinyint,
// smallint, int, bigint and counter; int64 nanoseconds since midnight for
// time; *big.Int for varint; Decimal; bool; float32; float64; UUID for uuid
// and timeuuid; time.Time (UTC) for timestamp; Date; []byte for blob;
// net.IP for inet; Duration; []any for list, set and tuple; []KV for map.
func (b *Batch) Decode(row, col int) (any, error) {
	return cqltype.Decode(b.Columns[col].typ, b.Value(row, col))
}

// Bytes is the size of the rows' values.
func (b *Batch) Bytes() int { return b.size }

// Grow makes room for the values of rows more rows, so that appending them
// does not grow the batch row by row: for producers that know a page's
// row count before its rows.
func (b *Batch) Grow(rows int) {
	if rows > 0 && b.width > 0 {
		b.cells = slices.Grow(b.cells, rows*b.width)
	}
}

// AppendValue appends the next value, row after row, copying it; nil is
// null. For producers.
func (b *Batch) AppendValue(v []byte) {
	if v == nil {
		b.cells = append(b.cells, cell{off: int32(len(b.buf)), n: -1})
		return
	}
	b.cells = append(b.cells, cell{off: int32(len(b.buf)), n: int32(len(v))})
	b.buf = append(b.buf, v...)
	b.size += len(v)
}

// AppendShared appends the next value as AppendValue does, but without
// copying it when it lies in the memory the batch already borrows: the
// first shared value of a page starts the borrowed memory (from it to the
// end of its array), and later ones that lie inside it are kept where they
// are. A producer reading a page from one response frame thus lands every
// value in the batch once, where it already is. The caller guarantees
// that the memory of every value passed is not written to until Reset.
func (b *Batch) AppendShared(v []byte) {
	if len(v) == 0 {
		b.AppendValue(v)
		return
	}
	if b.shared == nil {
		b.shared = v[:cap(v)]
	}
	off, ok := b.sharedOffset(v)
	if !ok {
		b.AppendValue(v) // elsewhere: copied
		return
	}
	b.appendBorrowed(off, len(v))
}

// appendBorrowed appends a cell for the n bytes at off in the borrowed
// memory.
func (b *Batch) appendBorrowed(off int32, n int) {
	b.cells = append(b.cells, cell{off: ^off, n: int32(n)})
	b.size += n
}

// AppendSharedRow appends the n values serialized at the start of frame,
// each a protocol [bytes] (section 1 of the native protocol: a 4-byte
// length, negative for null, then the value), as AppendShared appends
// each of them, and returns the frame after them: where frame lies in the
// memory the batch borrows, in one pass without per-value checks; else
// value by value, copying what lies elsewhere. It reports false, having
// appended nothing, when frame holds fewer than n whole values. For
// producers that walk a response frame row by row.
func (b *Batch) AppendSharedRow(frame []byte, n int) ([]byte, bool) {
	start, shared := len(b.cells), b.shared
	rest := frame
	base, inside := b.sharedOffset(frame)
	if inside {
		// The n cells in place, each value's length read and checked
		// against what is left of frame: cqltype.ReadValue's walk, by
		// offsets (the same loop through ReadValue, inlined, took 15-20%
		// longer a row: 112-127 against 93-101 ns for 13 values, taking
		// turns, 2026-12-02).
		grown := slices.Grow(b.cells, n)
		cells := grown[start : start+n]
		at, size := 0, 0
		for k := range cells {
			if len(frame)-at < 4 {
				return frame, false
			}
			l := int32(binary.BigEndian.Uint32(frame[at:]))
			at += 4
			switch {
			case l < 0:
				cells[k] = cell{off: int32(len(b.buf)), n: -1} // AppendValue(nil)'s
			case int(l) > len(frame)-at:
				return frame, false
			default:
				cells[k] = cell{off: ^(base + int32(at)), n: l}
				at += int(l)
				size += int(l)
			}
		}
		b.cells = grown[:start+n]
		b.size += size
		return frame[at:], true
	}
	for range n {
		v, more, ok := cqltype.ReadValue(rest)
		switch {
		case !ok:
			b.truncateCells(start)
			b.shared = shared
			return frame, false
		case !inside:
			b.AppendShared(v)
		case v == nil:
			b.AppendValue(nil)
		default:
			// v lies in frame: its offset follows from frame's.
			b.appendBorrowed(base+int32(len(frame)-len(rest))+4, len(v))
		}
		rest = more
	}
	return rest, true
}

// sharedOffset returns where p starts in the memory the batch borrows, or
// false when p does not lie in it.
func (b *Batch) sharedOffset(p []byte) (int32, bool) {
	d := uintptr(unsafe.Pointer(unsafe.SliceData(p))) - uintptr(unsafe.Pointer(unsafe.SliceData(b.shared)))
	ok := b.shared != nil && len(b.shared) < math.MaxInt32 && d <= uintptr(len(b.shared)) && uintptr(len(p)) <= uintptr(len(b.shared))-d
	return int32(d), ok
}

// TruncateRows drops the rows from n on; for producers that discard a
// partially read row.
func (b *Batch) TruncateRows(n int) {
	b.prep.by = nil
	if b.width == 0 {
		b.counted = max(0, min(b.counted, n))
		return
	}
	b.truncateCells(n * b.width)
}

// truncateCells drops the values from the n-th on.
func (b *Batch) truncateCells(n int) {
	if n >= len(b.cells) {
		return
	}
	cut := -1
	for _, c := range b.cells[n:] {
		if c.n > 0 {
			b.size -= int(c.n)
		}
		if c.off >= 0 && cut < 0 {
			cut = int(c.off)
		}
	}
	b.cells = b.cells[:n]
	if cut >= 0 {
		b.buf = b.buf[:cut]
	}
}

// Reset empties the batch, keeping its memory for the next page and
// dropping the memory it borrowed.
func (b *Batch) Reset() {
	b.cells = b.cells[:0]
	b.buf = b.buf[:0]
	b.shared, b.size, b.counted = nil, 0, 0
	b.RangeID, b.Host = 0, ""
	b.prep = prepared{text: b.prep.text[:0]} // its memory kept for the next page's text
}

// ResetWidth empties the batch, as Reset, and makes it hold width values
// per row from now on (at least len(Columns)): for producers whose pages
// differ in their hidden values, e.g. a count reading tokens only, or the
// primary key inside a large partition.
func (b *Batch) ResetWidth(width int) {
	b.Reset()
	b.width = max(width, len(b.Columns))
}

// Rows returns a batch holding rows [from, to) of b, sharing b's memory; it
// is valid as long as b is. For sinks that split a page, e.g. across files.
func (b *Batch) Rows(from, to int) *Batch {
	r := &Batch{Columns: b.Columns, RangeID: b.RangeID, Host: b.Host, width: b.width,
		cells: b.cells[from*b.width : to*b.width], buf: b.buf, shared: b.shared}
	if b.width == 0 {
		r.counted = to - from
	}
	for _, c := range r.cells {
		r.size += max(int(c.n), 0)
	}
	return r
}
