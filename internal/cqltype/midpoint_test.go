package cqltype

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMidpoint cuts between two values of every interpolable type, going
// up and going down: the cut lies strictly past from and not past to, in
// Compare's order, and about halfway where the values leave room (a cut at
// to itself would give the piece after it nothing but to's rows).
func TestMidpoint(t *testing.T) {
	cases := []struct {
		kind     Kind
		from, to string
		// halfway is set when the cut should lie near the middle.
		halfway bool
	}{
		{Tinyint, "-100", "100", true},
		{Smallint, "-30000", "-2", true},
		{Int, "7", "8", false}, // adjacent: the cut is 8
		{Int, "-2147483648", "2147483647", true},
		{Bigint, "-9223372036854775808", "9223372036854775807", true},
		{Timestamp, "2020-01-01T00:00:00Z", "2026-01-01T00:00:00Z", true},
		{KindDate, "1970-01-01", "2030-06-30", true},
		{KindDate, "-5877641-06-23", "5881580-07-11", true},
		{Time, "00:00:00", "23:59:59.999999999", true},
		{Varint, "-123456789012345678901234567890", "98765432109876543210", true},
		{KindDecimal, "1.5", "2.25", true},
		{KindDecimal, "-1E+3", "0.001", true},
		{KindDecimal, "1.0", "1.01", true},
		{Timeuuid, "00000000-0000-1000-8000-000000000000", "fffffff0-ffff-1fff-bfff-ffffffffffff", true},
		{Timeuuid, "a0eebc99-9c0b-11e4-8000-000000000001", "a0eebc99-9c0b-11e4-8000-000000000002", false}, // same time
		{Varchar, "alpha", "omega", true},
		{Varchar, "a", "ab", false},
		{Varchar, "ab", "abc\U0010FFFF", false},
		{Varchar, "\uD7FF", "\uE001", false}, // around the surrogates
		{Varchar, "", "zzz", true},
		{Ascii, "A", "z", true},
		{Blob, "0x00", "0xff", true},
		{Blob, "0x", "0x0000", false},
		{Blob, "0x7fff", "0x80", false},
		{Inet, "10.0.0.0", "10.0.255.255", true},
		{Inet, "::1", "ffff::1", true},
		{Inet, "::1", "10.0.0.1", false}, // lengths differ: the cut is to
	}
	for _, tc := range cases {
		typ := Native(tc.kind)
		a, err := FromString(typ, tc.from)
		require.NoError(t, err, tc.from)
		b, err := FromString(typ, tc.to)
		require.NoError(t, err, tc.to)
		require.Negative(t, Compare(typ, a, b), "%s < %s", tc.from, tc.to)
		for _, dir := range []struct {
			name     string
			from, to []byte
		}{{"up", a, b}, {"down", b, a}} {
			t.Run(tc.kind.String()+"/"+tc.from+"/"+dir.name, func(t *testing.T) {
				m, ok := Midpoint(typ, dir.from, dir.to)
				require.True(t, ok)
				require.NoError(t, validate(typ, m, 0), "a valid value")
				want := Compare(typ, dir.from, dir.to)
				assert.Equal(t, want, Compare(typ, dir.from, m), "strictly past from")
				assert.NotEqual(t, -want, Compare(typ, m, dir.to), "not past to")
				if tc.halfway {
					f, ok := Fraction(typ, dir.from, dir.to, m)
					require.True(t, ok)
					assert.InDelta(t, 0.5, f, 0.01, "about halfway")
				}
			})
		}
	}
}

// TestMidpointRandom checks the order Midpoint must keep on random pairs of
// each interpolable type's values.
func TestMidpointRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := map[Kind]func() []byte{
		Tinyint:   func() []byte { return []byte{byte(rng.Uint32())} },
		Int:       func() []byte { v, _ := Encode(Native(Int), int32(rng.Uint32())); return v },
		Bigint:    func() []byte { v, _ := Encode(Native(Bigint), int64(rng.Uint64())); return v },
		Timestamp: func() []byte { v, _ := Encode(Native(Bigint), int64(rng.Uint64())); return v },
		KindDate:  func() []byte { v, _ := Encode(Native(Int), int32(rng.Uint32())); return v },
		Time:      func() []byte { v, _ := Encode(Native(Bigint), rng.Int64N(86400e9)); return v },
		Varint: func() []byte {
			b := make([]byte, 1+rng.IntN(12))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return trimVarint(b)
		},
		KindDecimal: func() []byte {
			b := []byte{0, 0, 0, byte(rng.IntN(6))}
			for range 1 + rng.IntN(8) {
				b = append(b, byte(rng.Uint32()))
			}
			return append(b[:4], trimVarint(b[4:])...)
		},
		Timeuuid: func() []byte {
			u := make([]byte, 16)
			for i := range u {
				u[i] = byte(rng.Uint32())
			}
			u[6] = u[6]&0x0F | 0x10
			u[8] = u[8]&0x3F | 0x80
			return u
		},
		Blob: func() []byte {
			b := make([]byte, rng.IntN(5))
			for i := range b {
				b[i] = byte(rng.IntN(4)) * 85
			}
			return b
		},
		Varchar: func() []byte {
			var s []rune
			for range rng.IntN(5) {
				s = append(s, []rune{'a', 'b', 0, 0x7FF, 0xFFFF, 0x10FFFF}[rng.IntN(6)])
			}
			return []byte(string(s))
		},
	}
	for kind, g := range gen {
		typ := Native(kind)
		for range 2000 {
			a, b := g(), g()
			dir := Compare(typ, a, b)
			m, ok := Midpoint(typ, a, b)
			if dir == 0 {
				assert.False(t, ok)
				continue
			}
			require.True(t, ok, "%s %x %x", kind, a, b)
			require.NoError(t, validate(typ, m, 0))
			require.Equal(t, dir, Compare(typ, a, m), "%s: %x past %x towards %x", kind, m, a, b)
			require.NotEqual(t, -dir, Compare(typ, m, b), "%s: %x not past %x from %x", kind, m, b, a)
		}
	}
}

// TestNoMidpoint: types with no useful midpoint say so.
func TestNoMidpoint(t *testing.T) {
	for _, typ := range []Type{Native(KindUUID), Native(Boolean), Native(Double), Native(Float), Native(KindDuration),
		TupleOf(Native(Int), Native(Int)), FrozenOf(ListOf(Native(Int)))} {
		assert.False(t, Interpolable(typ), typ.String())
		_, ok := Midpoint(typ, []byte{0}, []byte{1})
		assert.False(t, ok, typ.String())
		_, ok = Fraction(typ, []byte{0}, []byte{1}, []byte{0})
		assert.False(t, ok, typ.String())
	}
	_, ok := Midpoint(Native(Int), []byte{0, 0, 0, 1}, []byte{0, 0, 0, 1})
	assert.False(t, ok, "equal values")
	_, ok = Midpoint(Native(Int), []byte{0, 1}, []byte{0, 0, 0, 1})
	assert.False(t, ok, "an invalid value")
}
