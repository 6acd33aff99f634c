package scanner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// TestCompareClusteringNull checks the order of a partition's static row
// (a static-only partition reads as a row with null clustering values)
// against its rows: first, in ASC and in DESC clustering order alike, as
// Cassandra orders its static clustering. Resuming after a cursor on a
// static row must keep the partition's rows, and one on a row must skip
// the static row.
func TestCompareClusteringNull(t *testing.T) {
	for _, desc := range []bool{false, true} {
		f := &fetcher{t: &tableInfo{ck: []column{{name: "c", typ: cqltype.Native(cqltype.Int), desc: desc}}}, ckIdx: []int{1}}
		row := []byte{0, 0, 0, 5}
		at := func(v []byte) func(int) []byte { return func(int) []byte { return v } }
		assert.Equal(t, -1, f.compareClustering(at(nil), [][]byte{row}), "desc=%v: the static row first", desc)
		assert.Equal(t, 1, f.compareClustering(at(row), [][]byte{nil}), "desc=%v: rows after the static row", desc)
		assert.Equal(t, 0, f.compareClustering(at(nil), [][]byte{nil}), "desc=%v", desc)
		assert.Equal(t, -1, f.compareClustering(at(nil), [][]byte{{}}), "desc=%v: null before an empty value", desc)
	}
}
