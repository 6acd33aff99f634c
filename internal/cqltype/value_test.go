package cqltype

import (
	"math"
	"math/big"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type (
	myInt int16
	myStr string
)

// The expected bytes of these cases were checked against the marshal
// functions of gocql v2 (marshal.go): encBigInt2C for varint and decimal,
// marshalDate's days+2^31, encVint's zigzag vints for duration, and the v4
// collection layout of marshalList and marshalMap.
var roundTrips = []struct {
	name string
	typ  string
	in   any
	hex  string
	out  any // decoded value; nil means in
}{
	{"ascii", "ascii", "abc", "616263", nil},
	{"ascii empty", "ascii", "", "", nil},
	{"text", "text", "héllo", "68c3a96c6c6f", nil},
	{"text from bytes", "text", []byte("hi"), "6869", "hi"},
	{"text from named string", "text", myStr("custom"), "637573746f6d", "custom"},
	{"blob", "blob", []byte{0xCA, 0xFE}, "cafe", nil},
	{"blob from string", "blob", "AB", "4142", []byte("AB")},
	{"custom", "'a.B'", []byte{1}, "01", nil},
	{"boolean true", "boolean", true, "01", nil},
	{"boolean false", "boolean", false, "00", nil},
	{"tinyint", "tinyint", int8(-2), "fe", nil},
	{"tinyint from int", "tinyint", 127, "7f", int8(127)},
	{"smallint", "smallint", int16(-32768), "8000", nil},
	{"smallint named", "smallint", myInt(300), "012c", int16(300)},
	{"int", "int", int32(-1), "ffffffff", nil},
	{"int from uint8", "int", uint8(200), "000000c8", int32(200)},
	{"bigint", "bigint", int64(math.MinInt64), "8000000000000000", nil},
	{"bigint from uint64", "bigint", uint64(math.MaxInt64), "7fffffffffffffff", int64(math.MaxInt64)},
	{"counter", "counter", int64(42), "000000000000002a", nil},
	{"varint 0", "varint", big.NewInt(0), "00", nil},
	{"varint 1", "varint", big.NewInt(1), "01", nil},
	{"varint 127", "varint", big.NewInt(127), "7f", nil},
	{"varint 128", "varint", big.NewInt(128), "0080", nil},
	{"varint 129", "varint", big.NewInt(129), "0081", nil},
	{"varint -1", "varint", big.NewInt(-1), "ff", nil},
	{"varint -128", "varint", big.NewInt(-128), "80", nil},
	{"varint -129", "varint", big.NewInt(-129), "ff7f", nil},
	{"varint -256", "varint", big.NewInt(-256), "ff00", nil},
	{"varint -32769", "varint", big.NewInt(-32769), "ff7fff", nil},
	{"varint from uint64", "varint", uint64(math.MaxUint64), "00ffffffffffffffff", bigInt("18446744073709551615")},
	{"varint big", "varint", bigInt("-123456789012345678901234567890"), "fe7116f0093c8c1f11b1c0f52e", nil},
	{"decimal 1.25", "decimal", Decimal{Unscaled: big.NewInt(125), Scale: 2}, "00000002 7d", nil},
	{"decimal -0.5", "decimal", Decimal{Unscaled: big.NewInt(-5), Scale: 1}, "00000001 fb", nil},
	{"decimal negative scale", "decimal", Decimal{Unscaled: big.NewInt(12), Scale: -3}, "fffffffd 0c", nil},
	{"decimal from int", "decimal", 200, "00000000 00c8", Decimal{Unscaled: big.NewInt(200)}},
	{"decimal from string", "decimal", "3.1400", "00000004 7aa8", Decimal{Unscaled: big.NewInt(31400), Scale: 4}},
	{"double", "double", 1.5, "3ff8000000000000", nil},
	{"double from float32", "double", float32(0.5), "3fe0000000000000", 0.5},
	{"double -inf", "double", math.Inf(-1), "fff0000000000000", nil},
	{"float", "float", float32(-2), "c0000000", nil},
	{"float from exact float64", "float", 0.25, "3e800000", float32(0.25)},
	{"timestamp", "timestamp", time.Date(2023, 1, 2, 3, 4, 5, 123456789, time.UTC), "00000185706fad03",
		time.Date(2023, 1, 2, 3, 4, 5, 123000000, time.UTC)},
	{"timestamp before epoch", "timestamp", time.UnixMilli(-1), "ffffffffffffffff", nil},
	{"timestamp from int", "timestamp", int64(1000), "00000000000003e8", time.UnixMilli(1000).UTC()},
	{"timestamp other zone", "timestamp", time.Date(1970, 1, 1, 1, 0, 0, 0, time.FixedZone("x", 3600)), "0000000000000000",
		time.Unix(0, 0).UTC()},
	{"date epoch", "date", Date(0), "80000000", nil},
	{"date before epoch", "date", Date(-1), "7fffffff", nil},
	{"date 2023-01-02", "date", Date(19359), "80004b9f", nil},
	{"date from time", "date", time.Date(2023, 1, 2, 23, 59, 0, 0, time.UTC), "80004b9f", Date(19359)},
	{"date min", "date", Date(math.MinInt32), "00000000", nil},
	{"date max", "date", Date(math.MaxInt32), "ffffffff", nil},
	{"time", "time", int64(45296123456789), "0000293253592d15", nil},
	{"time from duration", "time", time.Hour, "0000034630b8a000", int64(time.Hour)},
	{"uuid", "uuid", UUID{0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00},
		"550e8400e29b41d4a716446655440000", nil},
	{"uuid from string", "uuid", "550e8400-e29b-41d4-a716-446655440000", "550e8400e29b41d4a716446655440000",
		UUID{0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00}},
	{"timeuuid", "timeuuid", [16]byte{0, 0, 0, 1, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"00000001000010000000000000000000", UUID{0, 0, 0, 1, 0, 0, 0x10, 0}},
	{"inet v4", "inet", net.ParseIP("10.0.0.1"), "0a000001", net.IP{10, 0, 0, 1}},
	{"inet v6", "inet", net.ParseIP("::1"), "00000000000000000000000000000001", nil},
	{"inet netip", "inet", netip.MustParseAddr("192.168.1.2"), "c0a80102", net.IP{192, 168, 1, 2}},
	{"duration", "duration", Duration{Months: 1, Days: 2, Nanos: 3}, "020406", nil},
	{"duration negative", "duration", Duration{Months: -1, Days: 0, Nanos: -1}, "010001", nil},
	{"duration hour", "duration", time.Hour, "0000fc068c61714000", Duration{Nanos: int64(time.Hour)}},
	{"duration max", "duration", Duration{Months: math.MaxInt32, Days: math.MaxInt32, Nanos: math.MaxInt64},
		"f0fffffffe f0fffffffe fffffffffffffffffe", nil},
	{"list", "list<int>", []any{int32(3), int32(1), int32(3)}, "00000003 00000004 00000003 00000004 00000001 00000004 00000003", nil},
	{"list typed", "list<text>", []string{"a", "b"}, "00000002 00000001 61 00000001 62", []any{"a", "b"}},
	{"list empty", "list<int>", []int{}, "00000000", []any{}},
	{"set sorted and deduplicated", "set<int>", []int{3, -1, 3, 2}, "00000003 00000004 ffffffff 00000004 00000002 00000004 00000003",
		[]any{int32(-1), int32(2), int32(3)}},
	{"set of text", "set<text>", []any{"b", "a"}, "00000002 00000001 61 00000001 62", []any{"a", "b"}},
	{"map", "map<text, int>", map[string]int{"b": 2, "a": 1}, "00000002 00000001 61 00000004 00000001 00000001 62 00000004 00000002",
		[]KV{{Key: "a", Value: int32(1)}, {Key: "b", Value: int32(2)}}},
	{"map from KVs, last wins", "map<int, boolean>", []KV{{Key: int32(2), Value: true}, {Key: int32(1), Value: false}, {Key: int32(2), Value: false}},
		"00000002 00000004 00000001 00000001 00 00000004 00000002 00000001 00",
		[]KV{{Key: int32(1), Value: false}, {Key: int32(2), Value: false}}},
	{"tuple", "tuple<int, text, boolean>", []any{int32(1), nil, true}, "00000004 00000001 ffffffff 00000001 01", nil},
	{"nested", "map<int, frozen<list<text>>>", []KV{{Key: int32(1), Value: []any{"x"}}},
		"00000001 00000004 00000001 00000009 00000001 00000001 78", nil},
	{"pointer", "int", func() *int { v := 7; return &v }(), "00000007", int32(7)},
}

func TestRoundTrip(t *testing.T) {
	for _, tt := range roundTrips {
		t.Run(tt.name, func(t *testing.T) {
			typ := mustParse(t, tt.typ)
			want := mustHex(t, tt.hex)
			got := mustEncode(t, typ, tt.in)
			require.NotNil(t, got)
			require.Equal(t, want, got)
			require.NoError(t, Validate(typ, got))
			dec, err := Decode(typ, got)
			require.NoError(t, err)
			wantDec := tt.out
			if wantDec == nil {
				wantDec = tt.in
			}
			require.True(t, sameValue(dec, wantDec), "Decode = %#v, want %#v", dec, wantDec)
			assert.Equal(t, want, mustEncode(t, typ, dec), "Encode(Decode)")
		})
	}
}

func TestNullAndEmpty(t *testing.T) {
	for _, name := range []string{"int", "text", "list<int>", "tuple<int>", "varint", "uuid"} {
		typ := mustParse(t, name)
		b, err := Encode(typ, nil)
		assert.NoError(t, err)
		assert.Nil(t, b, "Encode(%s, nil)", name)
		v, err := Decode(typ, nil)
		assert.NoError(t, err)
		assert.Nil(t, v, "Decode(%s, nil)", name)
		assert.NoError(t, Validate(typ, nil))
	}
	var np *int
	b, err := Encode(Native(Int), np)
	assert.NoError(t, err)
	assert.Nil(t, b, "Encode(nil pointer)")

	// Empty values: strings and blobs decode to their empty value, other
	// types to nil as in Cassandra.
	emptyTests := []struct {
		typ  string
		want any
	}{
		{"text", ""}, {"ascii", ""}, {"blob", []byte{}}, {"int", nil}, {"bigint", nil},
		{"boolean", nil}, {"double", nil}, {"varint", nil}, {"decimal", nil}, {"uuid", nil},
		{"timeuuid", nil}, {"inet", nil}, {"timestamp", nil}, {"tuple<int>", nil},
	}
	for _, tt := range emptyTests {
		v, err := Decode(mustParse(t, tt.typ), []byte{})
		assert.NoError(t, err)
		assert.True(t, sameValue(v, tt.want), "Decode(%s, empty) = %#v, want %#v", tt.typ, v, tt.want)
	}
}

func TestDecodeTuplePadding(t *testing.T) {
	typ := mustParse(t, "tuple<int, text, int>")
	v, err := Decode(typ, mustHex(t, "00000004 00000009"))
	require.NoError(t, err)
	assert.Equal(t, []any{int32(9), nil, nil}, v)
}

func TestDecodeDoesNotAlias(t *testing.T) {
	in := []byte{1, 2, 3, 4}
	v, err := Decode(Native(Blob), in)
	require.NoError(t, err)
	in[0] = 9
	assert.Equal(t, []byte{1, 2, 3, 4}, v)
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		typ  string
		in   any
		want string
	}{
		{"int", int64(1) << 40, "out of range for int"},
		{"tinyint", 128, "out of range for tinyint"},
		{"smallint", -32769, "out of range for smallint"},
		{"bigint", uint64(math.MaxUint64), "out of range for bigint"},
		{"int", 1.5, "unsupported Go type float64"},
		{"int", "x", "Unable to make int from 'x'"},
		{"ascii", "é", "Invalid byte for ascii: 195"},
		{"text", []byte{0xff}, "Invalid UTF-8 bytes 0xff"},
		{"float", 0.1, "does not fit a float exactly"},
		{"time", -time.Second, "out of range"},
		{"time", 24 * time.Hour, "out of range"},
		{"timeuuid", UUID{6: 0x40}, "timeuuid needs version 1"},
		{"uuid", []byte{1, 2}, "UUID needs 16 bytes"},
		{"duration", Duration{Months: 1, Nanos: -1}, "same sign"},
		{"list<int>", []any{1, nil}, "null is not supported inside collections"},
		{"map<int, int>", map[int]any{1: nil}, "null is not supported inside collections"},
		{"list<int>", 5, "unsupported Go type int"},
		{"tuple<int, int>", []any{1}, "needs 2 elements, got 1"},
		{"date", time.Date(9999999, 1, 1, 0, 0, 0, 0, time.UTC), "out of range"},
		{"inet", net.IP{1, 2, 3}, "invalid net.IP"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.want, func(t *testing.T) {
			_, err := Encode(mustParse(t, tt.typ), tt.in)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err := Encode(Native(Int), struct{}{})
	assert.ErrorIs(t, err, ErrUnsupportedGoType)
}

func TestEncodeUDT(t *testing.T) {
	udt := Type{Kind: UDT, Name: "addr", Fields: []string{"street", "zip"}, Elems: []Type{{Kind: Varchar}, {Kind: Int}}}
	want := mustHex(t, "00000001 61 00000004 00000005")
	for _, in := range []any{[]any{"a", 5}, map[string]any{"street": "a", "zip": 5}} {
		assert.Equal(t, want, mustEncode(t, udt, in), "Encode(%v)", in)
	}
	_, err := Encode(udt, map[string]any{"nope": 1})
	assert.Error(t, err, "unknown field")
	v, err := Decode(udt, want)
	require.NoError(t, err)
	assert.Equal(t, []any{"a", int32(5)}, v)
}

func TestAppendValue(t *testing.T) {
	assert.Equal(t, []byte{9, 0xff, 0xff, 0xff, 0xff}, AppendValue([]byte{9}, nil))
	assert.Equal(t, []byte{0, 0, 0, 0}, AppendValue(nil, []byte{}))
	assert.Equal(t, []byte{0, 0, 0, 2, 7, 8}, AppendValue(nil, []byte{7, 8}))
}

func TestVint(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, -64, 64, 8191, 8192, 1 << 20, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64} {
		b := appendVint(nil, v)
		got, n, ok := readVint(b)
		assert.True(t, ok, "vint %d", v)
		assert.Equal(t, len(b), n, "vint %d: bytes read", v)
		assert.Equal(t, v, got, "vint %d encoded as %x", v, b)
	}
	_, _, ok := readUvint([]byte{0xC0, 0x01})
	assert.False(t, ok, "truncated vint")
}
