package sinktest

import (
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// Raw is a serialized value, passed to a batch as is; an empty Raw is the
// empty value.
type Raw []byte

// Col is a column of a test batch: name and CQL type text.
type Col [2]string

// Column returns a column of type t, which may be a user-defined type.
func Column(tb testing.TB, name string, t cqltype.Type) sink.Column {
	tb.Helper()
	c, err := sink.NewWireColumn(name, t.AppendOption(nil))
	require.NoError(tb, err)
	return c
}

// TypeOf returns the type of c.
func TypeOf(tb testing.TB, c sink.Column) cqltype.Type {
	tb.Helper()
	wt, err := c.WireType()
	require.NoError(tb, err)
	t, _, err := cqltype.ReadOption(wt)
	require.NoError(tb, err)
	return t
}

// Page returns a batch of rows of cols. Values are Go values for
// cqltype.Encode, Raw wire bytes, or nil for null.
func Page(tb testing.TB, cols []Col, rows ...[]any) *sink.Batch {
	tb.Helper()
	columns := make([]sink.Column, len(cols))
	types := make([]cqltype.Type, len(cols))
	for i, c := range cols {
		var err error
		columns[i], err = sink.NewColumn(c[0], c[1])
		require.NoError(tb, err)
		types[i], err = cqltype.Parse(c[1])
		require.NoError(tb, err)
	}
	b := sink.NewBatch(columns, 0)
	for _, row := range rows {
		require.Len(tb, row, len(cols))
		for i, v := range row {
			b.AppendValue(Wire(tb, types[i], v))
		}
	}
	return b
}

// Wire serializes v as a value of t.
func Wire(tb testing.TB, t cqltype.Type, v any) []byte {
	tb.Helper()
	if r, ok := v.(Raw); ok {
		if r == nil {
			return []byte{}
		}
		return r
	}
	b, err := cqltype.Encode(t, v)
	require.NoError(tb, err)
	return b
}

// BigInt parses a decimal integer.
func BigInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad big.Int " + s)
	}
	return n
}

// Dec returns unscaled × 10^-scale.
func Dec(unscaled string, scale int32) cqlvalue.Decimal {
	return cqlvalue.Decimal{Unscaled: BigInt(unscaled), Scale: scale}
}

// RealisticPage returns a page of rows rows of a typical table: text, int,
// bigint, uuid, timestamp, blob, double, boolean, set<text>,
// map<text, text>, and two columns that are null.
func RealisticPage(tb testing.TB, rows int) *sink.Batch {
	cols := []Col{
		{"name", "text"}, {"n", "int"}, {"big", "bigint"}, {"id", "uuid"},
		{"ts", "timestamp"}, {"payload", "blob"}, {"score", "double"}, {"ok", "boolean"},
		{"tags", "set<text>"}, {"attrs", "map<text, text>"}, {"note", "text"}, {"m", "int"},
	}
	values := make([][]any, rows)
	for i := range values {
		values[i] = []any{
			fmt.Sprintf("user-%06d \"quoted\" name", i), i, int64(i) * 1_000_003,
			fmt.Sprintf("123e4567-e89b-42d3-a456-%012d", i),
			time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
			[]byte("0123456789abcdef"), float64(i) / 7, i%2 == 0,
			[]string{"alpha", "beta", fmt.Sprint("t", i%10)},
			map[string]string{"region": "eu-west", "tier": "gold"},
			nil, nil,
		}
	}
	return Page(tb, cols, values...)
}

// CountingWriter counts what it is given.
type CountingWriter struct{ N int }

func (w *CountingWriter) Write(p []byte) (int, error) {
	w.N += len(p)
	return len(p), nil
}
