package scanner

import (
	"encoding/binary"
	"errors"
	"unsafe"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
)

// pageReader reads the rows of one page (one response: the statement has
// a paging state set, so the driver reads no further) into a batch.
//
// The driver's Iter.Scan costs a type switch, an interface call and an
// Unmarshal per value, and a loop per row: most of a fast scan's client
// CPU. A page's rows lie one after the other in the response frame, each
// value a protocol [bytes] (an int32 length, then the bytes; -1 for null),
// and the driver reads the whole frame into one buffer it never reuses
// (TestPagesShareTheirFrame). So the reader has the driver hand over the
// page's first two rows (full Scan destinations, which append the values
// to the batch and note where they lie), checks that the second row's
// values are where the frame walk from the end of the first finds them,
// and walks the rest of the page itself, landing each value in the batch
// where it lies; the driver's iterator is left there (Close and PageState
// do not need it to be at the end). If the second row is not where the
// walk finds it, the driver lays out its pages otherwise, and the page is
// scanned row by row by the driver, as are pages with tuple columns
// (which the driver hands over element by element, a null tuple as null
// elements), pages of fewer than three rows, and pages whose first row
// has only nulls (nothing to find the frame by). A walk that runs out of
// frame before the page's row count fails the page (errPageLayout).
type pageReader struct {
	iter *gocql.Iter
	b    *sink.Batch
	full []any    // Scan destinations that append a row's values to b and note them
	seen [][]byte // the values of the row last scanned in full, as the driver gave them
	// after1 is the frame after the first row, where the second must lie
	// for the page to be walked.
	after1 []byte
	// rows is the page's row count and read the rows read so far; rest is
	// the frame from the next row on while walking, nil while scanning.
	rows, read int
	rest       []byte
	walk       bool  // the page may be walked
	err        error // errPageLayout once a walk ran out of frame
}

// errPageLayout reports a page whose frame ran out before its rows did:
// the driver no longer lays out pages as pageReader expects.
var errPageLayout = errors.New("the driver's page does not have the layout of a response frame: its rows run past the frame")

// pageRows returns a reader of the page iter has read, into b.
func (f *fetcher) pageRows(iter *gocql.Iter, b *sink.Batch) *pageReader {
	r := &pageReader{iter: iter, b: b, rows: iter.NumRows(), walk: f.walkable && iter.NumRows() > 2}
	b.Grow(r.rows)
	if !r.walk {
		r.full = f.dest(b)
		return r
	}
	r.seen = make([][]byte, len(f.arity))
	r.full = make([]any, len(f.arity))
	for i := range r.full {
		r.full[i] = notedValue{b: b, v: &r.seen[i]}
	}
	return r
}

// next appends the page's next row to b and reports whether there was
// one. On false, b holds no part of a row, and the page has ended: at its
// end, on the driver's error (left to the iterator's Close), or on a walk
// that ran out of frame (err).
func (r *pageReader) next() bool {
	if r.err != nil {
		return false
	}
	if r.rest != nil {
		if r.read == r.rows {
			return false
		}
		rest, ok := r.b.AppendSharedRow(r.rest, len(r.seen))
		if !ok {
			r.err = errPageLayout // sticks: next reads no more
			return false
		}
		r.rest = rest
		r.read++
		return true
	}
	row := r.b.Len()
	if !r.iter.Scan(r.full...) {
		r.b.TruncateRows(row)
		return false
	}
	r.read++
	if !r.walk {
		return true
	}
	switch r.read {
	case 1:
		if r.after1 = end(r.seen); r.after1 == nil {
			r.walk = false // nothing to find the frame by
		}
	case 2:
		// Walk on if the second row is where the walk from the first
		// finds it.
		if rest, ok := r.walkMatches(r.after1); ok && len(rest) > 0 {
			r.rest = rest
			return true
		}
		r.walk = false
	}
	return true
}

// close ends the page: it closes the iterator and returns the walk's
// error, else the driver's.
func (r *pageReader) close() error {
	err := r.iter.Close()
	if r.err != nil {
		return r.err
	}
	return err
}

// end returns the frame after a row of values vs noted from the driver,
// nil when it cannot be found (every value null, or not followed by the
// null headers of the values after the last non-null one).
func end(vs [][]byte) []byte {
	last := -1
	for i, v := range vs {
		if v != nil {
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	v := vs[last]
	rest := v[len(v):cap(v)]
	for range vs[last+1:] {
		n, more, ok := cqltype.ReadValue(rest)
		if !ok || n != nil {
			return nil
		}
		rest = more
	}
	return rest
}

// walkMatches reports whether the row last scanned in full is the one the
// frame walk from rest reads, each value where the walk finds it, and
// returns the frame after it.
func (r *pageReader) walkMatches(rest []byte) ([]byte, bool) {
	if rest == nil {
		return nil, false
	}
	for _, seen := range r.seen {
		v, more, ok := cqltype.ReadValue(rest)
		if !ok || (v == nil) != (seen == nil) || len(v) != len(seen) ||
			len(v) > 0 && unsafe.SliceData(v) != unsafe.SliceData(seen) {
			return nil, false
		}
		rest = more
	}
	return rest, true
}

// murmurTokens reads the rest of a walked page of rows of one value, a
// Murmur3 token(pk) (8 bytes), in one loop, counting them in ord; a value
// of another size stops it, for next to read. It does nothing on a page
// not walked.
func (r *pageReader) murmurTokens(ord *ordinal) {
	if r.rest == nil || len(r.seen) != 1 {
		return
	}
	for r.read < r.rows {
		v, rest, ok := cqltype.ReadValue(r.rest)
		if !ok || len(v) != 8 {
			return
		}
		r.b.AppendShared(v)
		ord.next(ring.Murmur3Token(int64(binary.BigEndian.Uint64(v))))
		r.rest = rest
		r.read++
	}
}

// notedValue is a full Scan destination: it appends the value to the
// batch, as rawValue does, and notes it for pageReader.
type notedValue struct {
	b *sink.Batch
	v *[]byte
}

func (n notedValue) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	*n.v = data
	n.b.AppendShared(data)
	return nil
}
