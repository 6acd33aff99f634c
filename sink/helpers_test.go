package sink_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
)

// raw is a serialized value, passed to the batch as is.
type raw []byte

// col is a column of a test batch: name and CQL type.
type col struct{ name, typ string }

// page returns a batch of rows of cols. Values are Go values for
// cqltype.Encode, raw wire bytes, or nil for null.
func page(tb testing.TB, cols []col, rows ...[]any) *sink.Batch {
	tb.Helper()
	columns := make([]sink.Column, len(cols))
	for i, c := range cols {
		var err error
		columns[i], err = sink.NewColumn(c.name, c.typ)
		require.NoError(tb, err)
	}
	b := sink.NewBatch(columns, 0)
	for _, row := range rows {
		require.Len(tb, row, len(cols))
		for i, v := range row {
			b.AppendValue(wire(tb, columns[i].CQLType(), v))
		}
	}
	return b
}

// wire serializes v as a value of t.
func wire(tb testing.TB, t cqltype.Type, v any) []byte {
	tb.Helper()
	if r, ok := v.(raw); ok {
		if r == nil {
			return []byte{}
		}
		return r
	}
	b, err := cqltype.Encode(t, v)
	require.NoError(tb, err)
	return b
}
