package pager

import (
	"bytes"
	"encoding/binary"
	"fmt"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Column describes one column of a result.
type Column struct {
	Name string
	Type gocql.TypeInfo
}

// Row is one result row. It holds each value as the bytes the server sent,
// and decodes them when asked, with gocql's rules. A Row is an independent
// value: it stays valid after the page or iterator it came from is gone,
// and may be used from any goroutine.
type Row struct {
	cols []Column
	vals [][]byte // nil for null
}

// Columns describes the row's columns; do not modify the slice.
func (r Row) Columns() []Column { return r.cols }

// Len is the number of columns.
func (r Row) Len() int { return len(r.vals) }

// Raw returns column i's value as the server serialized it, nil for null.
// Do not modify it.
func (r Row) Raw(i int) []byte { return r.vals[i] }

// Scan decodes the row into dest, one destination per column in order,
// as gocql's Iter.Scan does (a tuple column takes one destination here, a
// *[]any or a pointer to a struct). A nil destination skips its column.
// Use a pointer to a pointer to tell null from the zero value.
func (r Row) Scan(dest ...any) error {
	if len(dest) != len(r.vals) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(r.vals))
	}
	for i, d := range dest {
		if d == nil {
			continue
		}
		if err := gocql.Unmarshal(r.cols[i].Type, r.vals[i], d); err != nil {
			return fmt.Errorf("scan column %s: %w", r.cols[i].Name, err)
		}
	}
	return nil
}

// Map decodes the row into a map from column name to value, with the Go
// types of gocql's MapScan (string, int64, time.Time, gocql.UUID, []any for
// a tuple, ...), and nil for null.
func (r Row) Map() (map[string]any, error) {
	m := make(map[string]any, len(r.vals))
	for i, c := range r.cols {
		if r.vals[i] == nil {
			m[c.Name] = nil
			continue
		}
		var v any
		if err := gocql.Unmarshal(c.Type, r.vals[i], &v); err != nil {
			return nil, fmt.Errorf("decode column %s: %w", c.Name, err)
		}
		m[c.Name] = v
	}
	return m, nil
}

// rawCapture receives one value from gocql as its wire bytes.
type rawCapture struct{ dst *[]byte }

func (c rawCapture) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	*c.dst = bytes.Clone(data) // gocql reuses its frame buffer
	return nil
}

// rowReader scans the rows of one gocql page into Rows, keeping every value
// as bytes. gocql hands a tuple column to its destinations element by
// element, so a tuple's elements are captured apart and put back together;
// a null tuple therefore reads as a tuple of nulls.
type rowReader struct {
	cols  []Column
	dest  []any
	parts [][]byte
	tuple []int // per column: the number of captured parts, 0 for a plain column
}

func newRowReader(info []gocql.ColumnInfo) *rowReader {
	r := &rowReader{cols: make([]Column, len(info)), tuple: make([]int, len(info))}
	n := 0
	for i, ci := range info {
		r.cols[i] = Column{Name: ci.Name, Type: ci.TypeInfo}
		if tt, ok := ci.TypeInfo.(gocql.TupleTypeInfo); ok {
			r.tuple[i] = len(tt.Elems)
			n += len(tt.Elems)
		} else {
			n++
		}
	}
	r.parts = make([][]byte, n)
	r.dest = make([]any, n)
	for i := range r.dest {
		r.dest[i] = rawCapture{dst: &r.parts[i]}
	}
	return r
}

// next reads one row; false at the end of the page or on error (which
// gocql's Iter.Close reports).
func (r *rowReader) next(iter *gocql.Iter) (Row, bool) {
	if !iter.Scan(r.dest...) {
		return Row{}, false
	}
	vals := make([][]byte, len(r.cols))
	k := 0
	for i, n := range r.tuple {
		if n == 0 {
			vals[i] = r.parts[k]
			k++
			continue
		}
		var t []byte
		for _, e := range r.parts[k : k+n] {
			if e == nil {
				t = binary.BigEndian.AppendUint32(t, 0xFFFFFFFF) // -1: null element
				continue
			}
			t = binary.BigEndian.AppendUint32(t, uint32(len(e)))
			t = append(t, e...)
		}
		vals[i] = t
		k += n
	}
	return Row{cols: r.cols, vals: vals}, true
}
