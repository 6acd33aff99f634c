package cqltype

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"math/big"
)

// Compare orders two serialized values of t as Cassandra's comparator for
// the type does, and returns -1, 0 or +1. Empty values (and nil) sort before
// all others. For the types not ordered bytewise, values that are not valid
// for t sort after the valid ones, bytewise, so that Compare is a total
// order on any input.
//
// Orders by type:
//   - ascii, text, blob, inet, custom: unsigned bytewise
//   - tinyint, smallint, int, bigint, counter, timestamp, time: signed
//   - varint, decimal: numeric, regardless of the encoding's length or scale
//   - float, double: numeric as Java's Double.compare (-0 < +0, NaN last)
//   - boolean: false < true
//   - date: unsigned 32-bit, as serialized
//   - uuid: version first; version 1 by timestamp; then unsigned bytes
//   - timeuuid: timestamp, then signed bytes of the clock and node
//   - list, set, map, tuple, UDT: elementwise, shorter first on a tie
func Compare(t Type, a, b []byte) int {
	return compare(t, a, b, 0)
}

func compare(t Type, a, b []byte, depth int) int {
	if len(a) == 0 || len(b) == 0 {
		return cmp.Compare(len(a), len(b))
	}
	switch t.Kind {
	case Ascii, Varchar, Blob, Custom, Inet, KindDate, Time, KindDuration:
		// Bytewise, valid or not. Valid times are non-negative, so
		// bytewise is numeric order.
		return bytes.Compare(a, b)
	}
	if depth > MaxDepth {
		return bytes.Compare(a, b)
	}
	// Type orders apply to valid values only; the others go after them,
	// bytewise, which keeps Compare a total order on any input.
	va, vb := validate(t, a, depth) == nil, validate(t, b, depth) == nil
	if !va || !vb {
		if va != vb {
			if va {
				return -1
			}
			return 1
		}
		return bytes.Compare(a, b)
	}
	switch t.Kind {
	case Tinyint, Smallint, Int, Bigint, Counter, Timestamp:
		// Same-width two's complement: flip the sign bit, then the bytes
		// order as unsigned.
		if c := cmp.Compare(a[0]^0x80, b[0]^0x80); c != 0 {
			return c
		}
		return bytes.Compare(a[1:], b[1:])
	case Boolean:
		return cmp.Compare(min(a[0], 1), min(b[0], 1))
	case Double:
		return compareFloatBits(binary.BigEndian.Uint64(a), binary.BigEndian.Uint64(b), 64)
	case Float:
		return compareFloatBits(uint64(binary.BigEndian.Uint32(a)), uint64(binary.BigEndian.Uint32(b)), 32)
	case Varint:
		return compareVarint(a, b)
	case KindDecimal:
		return compareDecimal(a, b)
	case KindUUID:
		return compareUUID(a, b)
	case Timeuuid:
		return compareTimeUUID(a, b)
	case List, Set, Map:
		return compareCollection(t, a, b, depth)
	case Tuple, UDT:
		return compareTuple(t, a, b, depth)
	}
	return bytes.Compare(a, b)
}

// compareFloatBits compares IEEE 754 bit patterns of the given width as
// Java's Double.compare and Float.compare do.
func compareFloatBits(a, b uint64, width int) int {
	return cmp.Compare(floatKey(a, width), floatKey(b, width))
}

func floatKey(bits uint64, width int) int64 {
	if width == 32 {
		f := math.Float32frombits(uint32(bits))
		if f != f {
			bits = 0x7FC00000 // Java's canonical NaN
		}
		x := int64(int32(uint32(bits)))
		if x < 0 {
			x ^= 0x7FFFFFFF
		}
		return x
	}
	if math.IsNaN(math.Float64frombits(bits)) {
		bits = 0x7FF8000000000000
	}
	x := int64(bits)
	if x < 0 {
		x ^= 0x7FFFFFFFFFFFFFFF
	}
	return x
}

// trimVarint drops redundant sign-extension bytes from a two's-complement
// big-endian integer.
func trimVarint(b []byte) []byte {
	for len(b) > 1 && (b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xFF && b[1]&0x80 != 0) {
		b = b[1:]
	}
	return b
}

func compareVarint(a, b []byte) int {
	a, b = trimVarint(a), trimVarint(b)
	negA, negB := a[0]&0x80 != 0, b[0]&0x80 != 0
	if negA != negB {
		if negA {
			return -1
		}
		return 1
	}
	if len(a) != len(b) {
		// Same sign, minimal encodings: the longer has the larger magnitude.
		c := cmp.Compare(len(a), len(b))
		if negA {
			return -c
		}
		return c
	}
	return bytes.Compare(a, b)
}

func compareDecimal(a, b []byte) int {
	sa, sb := int32(binary.BigEndian.Uint32(a)), int32(binary.BigEndian.Uint32(b))
	ua, ub := varintToBig(a[4:]), varintToBig(b[4:])
	return compareDecimals(ua, sa, ub, sb)
}

// compareDecimals compares ua×10^-sa with ub×10^-sb. It decides from the
// bit lengths when the magnitudes are far apart, and otherwise rescales: then
// the scales differ by at most the operands' digit counts, so no power of
// ten is larger than the inputs.
func compareDecimals(ua *big.Int, sa int32, ub *big.Int, sb int32) int {
	if c := cmp.Compare(ua.Sign(), ub.Sign()); c != 0 || ua.Sign() == 0 {
		return c
	}
	sign := ua.Sign()
	// log10|u| lies in [(bits-1)·log10(2), bits·log10(2)).
	la := float64(ua.BitLen())*math.Log10(2) - float64(sa)
	lb := float64(ub.BitLen())*math.Log10(2) - float64(sb)
	if la-lb > 1 {
		return sign
	}
	if lb-la > 1 {
		return -sign
	}
	x, y := new(big.Int).Abs(ua), new(big.Int).Abs(ub)
	if d := int64(sa) - int64(sb); d > 0 {
		y.Mul(y, pow10(d))
	} else if d < 0 {
		x.Mul(x, pow10(-d))
	}
	return sign * x.Cmp(y)
}

func pow10(n int64) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil)
}

func compareUUID(a, b []byte) int {
	msbA, msbB := binary.BigEndian.Uint64(a), binary.BigEndian.Uint64(b)
	va, vb := (msbA>>12)&0xF, (msbB>>12)&0xF
	if va != vb {
		return cmp.Compare(va, vb)
	}
	if va == 1 {
		if c := cmp.Compare(reorderTimestamp(msbA), reorderTimestamp(msbB)); c != 0 {
			return c
		}
	} else if c := cmp.Compare(msbA, msbB); c != 0 {
		return c
	}
	return cmp.Compare(binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:]))
}

func compareTimeUUID(a, b []byte) int {
	ta := reorderTimestamp(binary.BigEndian.Uint64(a))
	tb := reorderTimestamp(binary.BigEndian.Uint64(b))
	if c := cmp.Compare(int64(ta), int64(tb)); c != 0 {
		return c
	}
	// Cassandra compares the clock sequence and node as signed bytes.
	for i := 8; i < 16; i++ {
		if c := cmp.Compare(int8(a[i]), int8(b[i])); c != 0 {
			return c
		}
	}
	return 0
}

// reorderTimestamp moves the fields of a version 1 UUID's high 64 bits into
// time order: time_hi_and_version, time_mid, time_low.
func reorderTimestamp(msb uint64) uint64 {
	return msb<<48 | (msb<<16)&0xFFFF00000000 | msb>>32
}

// compareCollection compares valid lists and sets element by element and
// maps entry by entry (key, then value).
func compareCollection(t Type, a, b []byte, depth int) int {
	elems := elemTypes(t)
	ia, _ := ReadCollection(&t, a)
	ib, _ := ReadCollection(&t, b)
	for range min(ia.Len(), ib.Len()) {
		for _, et := range elems {
			ea, _ := ia.Next()
			eb, _ := ib.Next()
			if c := compare(et, ea, eb, depth+1); c != 0 {
				return c
			}
		}
	}
	return cmp.Compare(ia.Len(), ib.Len())
}

// compareTuple compares valid tuples and UDTs field by field; null sorts
// before any value and missing trailing fields equal nulls.
func compareTuple(t Type, a, b []byte, depth int) int {
	ia, ib := ReadFields(&t, a), ReadFields(&t, b)
	for _, et := range t.Elems {
		ea, _ := ia.Next()
		eb, _ := ib.Next()
		switch {
		case ea == nil && eb == nil:
			continue
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		}
		if c := compare(et, ea, eb, depth+1); c != 0 {
			return c
		}
	}
	return 0
}
