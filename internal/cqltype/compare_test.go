package cqltype

import (
	"math"
	"math/big"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// v1UUID builds a version 1 UUID from a 60-bit timestamp and the 8 bytes
// of clock sequence and node.
func v1UUID(ts uint64, rest [8]byte) UUID {
	var u UUID
	u[0], u[1], u[2], u[3] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	u[4], u[5] = byte(ts>>40), byte(ts>>32)
	u[6], u[7] = byte(ts>>56)&0x0F|0x10, byte(ts>>48)
	copy(u[8:], rest[:])
	return u
}

func v4UUID(first byte, last byte) UUID {
	u := UUID{0: first, 15: last}
	u[6] = 0x40
	return u
}

// TestCompareOrder checks, for each type, that values listed in ascending
// order compare so, pairwise and in both directions.
func TestCompareOrder(t *testing.T) {
	tests := []struct {
		typ    string
		values []any // ascending; nil stands for the empty value
	}{
		{"int", []any{nil, math.MinInt32, -1, 0, 1, 255, 256, math.MaxInt32}},
		{"bigint", []any{nil, int64(math.MinInt64), int64(-1 << 40), -1, 0, 1, int64(math.MaxInt64)}},
		{"smallint", []any{-32768, -1, 0, 1, 32767}},
		{"tinyint", []any{-128, -1, 0, 1, 127}},
		{"counter", []any{-5, 5}},
		{"varint", []any{nil, bigInt("-100000000000000000000"), -129, -128, -2, -1, 0, 1, 127, 128, 255, 256,
			bigInt("100000000000000000000")}},
		{"decimal", []any{nil, "-1e10", "-12.5", "-1.25", "-0.000001", "0", "0.0000001", "0.1", "0.125", "1", "1.2",
			"1.25", "9.99", "10", "1e3", "1000.5", "12345678901234567890.1"}},
		{"double", []any{nil, math.Inf(-1), -1e300, -1.0, math.Copysign(0, -1), 0.0, 1e-300, 1.0, math.Inf(1), math.NaN()}},
		{"float", []any{float32(math.Inf(-1)), float32(-1), float32(math.Copysign(0, -1)), float32(0), float32(2.5), float32(math.Inf(1)), float32(math.NaN())}},
		{"boolean", []any{nil, false, true}},
		{"text", []any{"", "A", "B", "a", "ab", "b", "é"}},
		{"ascii", []any{"", "a", "b"}},
		{"blob", []any{nil, []byte{0}, []byte{0, 0}, []byte{0x7f}, []byte{0x80}, []byte{0xff}}},
		{"inet", []any{nil, "::1", "1.2.3.4", "10.0.0.1", "fe80::1"}},
		{"timestamp", []any{nil, int64(-1000), 0, 1000, "2023-01-02"}},
		{"date", []any{Date(math.MinInt32), Date(-1), Date(0), Date(1), Date(math.MaxInt32)}},
		{"time", []any{0, 1, int64(86399999999999)}},
		{"uuid", []any{
			nil,
			// Version 1 first, in timestamp order, whatever the byte order.
			v1UUID(1, [8]byte{0xff}),
			v1UUID(2, [8]byte{0x00}),
			v1UUID(1<<32, [8]byte{}),            // time_mid: byte 5
			v1UUID(1<<48, [8]byte{}),            // time_hi: byte 7
			v1UUID(1<<48, [8]byte{7: 0x01}),     // then clock and node, unsigned
			v1UUID(1<<48, [8]byte{0: 0x80}),     // 0x80 > 0x01 unsigned
			v1UUID(1<<59, [8]byte{}),            // highest time_hi bits
			v4UUID(0x00, 0), v4UUID(0x00, 0xff), // then version 4 bytewise
			v4UUID(0x80, 0),
		}},
		{"timeuuid", []any{
			nil,
			v1UUID(0, [8]byte{0x80}), // clock and node compare as signed bytes
			v1UUID(0, [8]byte{0x00}),
			v1UUID(0, [8]byte{0x7f}),
			v1UUID(1, [8]byte{0x80}),
			v1UUID(0xFFFFFFFF, [8]byte{}),
			v1UUID(1<<32, [8]byte{}),
			v1UUID(1<<48, [8]byte{}),
			v1UUID(1<<59, [8]byte{}),
		}},
		{"frozen<list<int>>", []any{nil, []int{}, []int{-1}, []int{-1, 5}, []int{0}, []int{0, 0}, []int{1}}},
		{"frozen<set<text>>", []any{[]string{}, []string{"a"}, []string{"a", "b"}, []string{"b"}}},
		{"frozen<map<int, text>>", []any{map[int]string{}, map[int]string{1: "a"}, map[int]string{1: "b"},
			map[int]string{1: "b", 2: "a"}, map[int]string{2: "a"}}},
		{"tuple<int, text>", []any{nil, []any{nil, nil}, []any{nil, "a"}, []any{-1, nil}, []any{-1, "a"}, []any{0, ""}, []any{0, "a"}}},
		{"frozen<list<varint>>", []any{[]any{-1}, []any{0}, []any{bigInt("99999999999999999999")}}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			typ := mustParse(t, tt.typ)
			enc := make([][]byte, len(tt.values))
			for i, v := range tt.values {
				if v == nil {
					enc[i] = []byte{}
					continue
				}
				enc[i] = mustEncode(t, typ, v)
			}
			for i := range enc {
				for j := range enc {
					want := 0
					if i < j {
						want = -1
					} else if i > j {
						want = 1
					}
					assert.Equal(t, want, Compare(typ, enc[i], enc[j]),
						"Compare(%v, %v) (%x vs %x)", tt.values[i], tt.values[j], enc[i], enc[j])
				}
			}
		})
	}
}

func TestCompareEqualEncodings(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		a, b string // hex
	}{
		{"varint sign extension", "varint", "0001", "01"},
		{"negative varint sign extension", "varint", "ffff", "ff"},
		{"decimal scales", "decimal", "00000001 0c", "00000002 78"},              // 1.2 = 1.20
		{"decimal negative scale", "decimal", "ffffffff 01", "00000000 0a"},      // 1e1 = 10
		{"decimal zeros", "decimal", "00000005 00", "fffffff0 00"},               // 0 = 0
		{"decimal without unscaled bytes", "decimal", "00000003", "00000000 00"}, // lenient zero
		{"decimal huge scales", "decimal", "7fffffff 00", "80000000 00"},         // zero either way
		{"boolean truthy", "boolean", "01", "05"},
		{"NaNs", "double", "7ff8000000000000", "7ff0000000000001"},
		{"nil and empty", "int", "", ""},
		{"tuple trailing nulls", "tuple<int, int>", "00000004 00000001", "00000004 00000001 ffffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ := mustParse(t, tt.typ)
			a, b := mustHex(t, tt.a), mustHex(t, tt.b)
			assert.Zero(t, Compare(typ, a, b))
			assert.Zero(t, Compare(typ, b, a), "reverse")
		})
	}
	assert.Zero(t, Compare(Native(Int), nil, []byte{}), "nil and empty")
}

// TestCompareDecimalExtremes orders decimals whose scales are far apart
// without building huge powers of ten.
func TestCompareDecimalExtremes(t *testing.T) {
	typ := Native(KindDecimal)
	enc := func(unscaled int64, scale int32) []byte {
		return mustEncode(t, typ, Decimal{Unscaled: big.NewInt(unscaled), Scale: scale})
	}
	ordered := [][]byte{
		enc(-1, math.MinInt32), // -1e2147483648
		enc(-1, 0),
		enc(1, math.MaxInt32), // 1e-2147483647
		enc(1, 0),
		enc(1, math.MinInt32),
	}
	for i := 1; i < len(ordered); i++ {
		assert.Equal(t, -1, Compare(typ, ordered[i-1], ordered[i]), "decimals %d and %d", i-1, i)
		assert.Equal(t, 1, Compare(typ, ordered[i], ordered[i-1]), "decimals %d and %d", i, i-1)
	}
}

// TestCompareInvalid checks that malformed values still give a total order:
// after the valid ones, bytewise.
func TestCompareInvalid(t *testing.T) {
	tests := []struct {
		typ string
		in  []string // hex, ascending
	}{
		{"int", []string{"", "80000000", "00000001", "01", "0102"}},
		{"uuid", []string{"", "00000000000010000000000000000000", "00", "ff"}},
		{"frozen<list<int>>", []string{"00000000", "00000001 00000004 00000001", "00", "ffffffff"}},
		{"tuple<int>", []string{"00000004 00000001", "00000009", "01"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			typ := mustParse(t, tt.typ)
			vals := make([][]byte, len(tt.in))
			for i, h := range tt.in {
				vals[i] = mustHex(t, h)
			}
			shuffled := slices.Clone(vals)
			slices.Reverse(shuffled)
			slices.SortFunc(shuffled, func(a, b []byte) int { return Compare(typ, a, b) })
			assert.Equal(t, vals, shuffled)
		})
	}
}
