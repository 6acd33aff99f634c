package ringscanio

import (
	"bytes"
	"math"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// TestRowCoderRoundTrip: every Go type sink.Batch.Decode gives, nested
// as collections and UDTs nest them, comes back equal, type and all.
func TestRowCoderRoundTrip(t *testing.T) {
	neg, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	ts := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	rows := []Row{
		{},
		{"null": nil},
		{
			"text": "héllo\x00", "empty text": "", "blob": []byte{0, 1, 0xff}, "empty blob": []byte{},
			"bigint": int64(math.MinInt64), "int": int32(-7), "smallint": int16(math.MaxInt16), "tinyint": int8(-128),
			"true": true, "false": false, "double": math.Inf(-1), "float": float32(1.5), "nan": math.NaN(),
			"timestamp": ts, "before 1970": time.UnixMilli(-86_400_001).UTC(), "date": sink.Date(-3),
			"uuid": sink.UUID{1, 2, 3, 15: 0xff}, "inet4": net.IP{10, 0, 0, 1}, "inet6": net.ParseIP("2001:db8::1"),
			"varint": neg, "zero varint": new(big.Int), "decimal": sink.Decimal{Unscaled: big.NewInt(-12345), Scale: 3},
			"decimal zero": sink.Decimal{}, "duration": sink.Duration{Months: -1, Days: 2, Nanos: math.MaxInt64},
			"list": []any{"a", nil, int32(3)}, "empty list": []any{},
			"map": []sink.KV{{Key: "k", Value: []any{int64(1), []sink.KV{{Key: int32(2), Value: nil}}}}},
			"udt": []any{"street", nil, int32(75001), []any{"tag"}},
		},
	}
	for _, r := range rows {
		b, err := encodeRow(r)
		require.NoError(t, err)
		back, err := decodeRow(b)
		require.NoError(t, err)
		require.Len(t, back, len(r))
		for k, v := range r {
			got := back[k]
			if f, ok := v.(float64); ok && math.IsNaN(f) {
				assert.True(t, math.IsNaN(got.(float64)), "column %s", k)
				continue
			}
			if d, ok := v.(sink.Decimal); ok && d.Unscaled == nil {
				assert.Equal(t, sink.Decimal{Unscaled: new(big.Int)}, got, "column %s: a nil unscaled value is zero", k)
				continue
			}
			assert.Equal(t, v, got, "column %s", k)
		}
	}
}

// TestRowCoderDeterministic: equal rows encode alike whatever order
// their map was filled in, so that rows can be keys.
func TestRowCoderDeterministic(t *testing.T) {
	a, b := Row{}, Row{}
	for i := range 50 {
		a[string(rune('a'+i))] = int64(i)
	}
	for i := 49; i >= 0; i-- {
		b[string(rune('a'+i))] = int64(i)
	}
	ea, err := encodeRow(a)
	require.NoError(t, err)
	eb, err := encodeRow(b)
	require.NoError(t, err)
	assert.Equal(t, ea, eb)
}

func TestRowCoderRefusesOtherTypes(t *testing.T) {
	for _, v := range []any{uint64(1), map[string]any{}, struct{}{}, []string{"x"}, &net.IPNet{}} {
		_, err := encodeRow(Row{"c": []any{v}})
		require.Error(t, err)
		assert.ErrorContains(t, err, `encode column "c": element 0: a Row value of type`)
	}
	deep := any("x")
	for range maxRowDepth + 2 {
		deep = []any{deep}
	}
	_, err := encodeRow(Row{"deep": deep})
	assert.ErrorContains(t, err, "nested more than")
}

// FuzzDecodeRow: decoding any bytes returns a row or an error, never
// panics, and a row that decodes encodes back to the same bytes.
func FuzzDecodeRow(f *testing.F) {
	for _, r := range []Row{{}, {"a": int64(1), "b": []any{"x", nil}}, {"m": []sink.KV{{Key: "k", Value: 1.5}}},
		{"t": time.Unix(0, 0).UTC(), "u": sink.UUID{}, "v": big.NewInt(-5), "d": sink.Decimal{Scale: 2, Unscaled: big.NewInt(7)}}} {
		b, err := encodeRow(r)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte{1, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRow(b)
		if err != nil {
			return
		}
		again, err := encodeRow(r)
		require.NoError(t, err)
		back, err := decodeRow(again)
		require.NoError(t, err)
		again2, err := encodeRow(back)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(again, again2), "encode(decode(x)) is stable")
	})
}

func TestDecodeRowErrors(t *testing.T) {
	good, err := encodeRow(Row{"a": "text", "b": []any{int64(1)}})
	require.NoError(t, err)
	for i := range len(good) - 1 {
		_, err := decodeRow(good[:i])
		assert.ErrorContains(t, err, "ringscanio: decode row:", "truncated at %d", i)
	}
	_, err = decodeRow(append(good, 0))
	assert.ErrorContains(t, err, "1 bytes after the row")
	_, err = decodeRow([]byte{1, 1, 'a', 99})
	assert.ErrorContains(t, err, "unknown value tag 99")
}

// TestRestrictionCoder: restrictions cross the runner as JSON, cursors
// and RandomPartitioner tokens included.
func TestRestrictionCoder(t *testing.T) {
	var cur scanner.Cursor
	require.NoError(t, cur.UnmarshalJSON([]byte(`{"page_state":"AAEC","end":"42","last":{"token":"7","key":["AQ==","-"]}}`)))
	r := Restriction{Pieces: []Piece{
		{ID: 3, Start: ring.Murmur3Token(-5), End: ring.Murmur3Token(42), Cursor: cur, Bytes: 1234.5},
		{ID: 9, Start: ring.RandomPartitioner.Min(), End: ring.RandomPartitioner.Max()},
	}}
	b, err := encodeRestriction(r)
	require.NoError(t, err)
	back, err := decodeRestriction(b)
	require.NoError(t, err)
	assert.Equal(t, r, back)
	_, err = decodeRestriction([]byte(`{"pieces":[{"start":"x"}]}`))
	assert.ErrorContains(t, err, "ringscanio: decode restriction:")
}
