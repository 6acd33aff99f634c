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
// all others. Values that are not valid for t are compared bytewise after
// the valid ones, so that Compare is a total order on any input.
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
	if depth > MaxDepth {
		return bytes.Compare(a, b)
	}
	switch t.Kind {
	case Tinyint, Smallint, Int, Bigint, Counter, Timestamp, Time:
		if len(a) == len(b) && len(a) <= 8 {
			// Same-width two's complement: flip the sign bit, then the
			// bytes order as unsigned.
			if c := cmp.Compare(a[0]^0x80, b[0]^0x80); c != 0 {
				return c
			}
			return bytes.Compare(a[1:], b[1:])
		}
	case Boolean:
		if len(a) == 1 && len(b) == 1 {
			return cmp.Compare(min(a[0], 1), min(b[0], 1))
		}
	case Double:
		if len(a) == 8 && len(b) == 8 {
			return compareFloatBits(binary.BigEndian.Uint64(a), binary.BigEndian.Uint64(b), 64)
		}
	case Float:
		if len(a) == 4 && len(b) == 4 {
			return compareFloatBits(uint64(binary.BigEndian.Uint32(a)), uint64(binary.BigEndian.Uint32(b)), 32)
		}
	case Varint:
		return compareVarint(a, b)
	case KindDecimal:
		if len(a) >= 4 && len(b) >= 4 {
			return compareDecimal(a, b)
		}
	case KindUUID:
		if len(a) == 16 && len(b) == 16 {
			return compareUUID(a, b)
		}
	case Timeuuid:
		if len(a) == 16 && len(b) == 16 {
			return compareTimeUUID(a, b)
		}
	case List, Set, Map:
		if c, ok := compareCollection(t, a, b, depth); ok {
			return c
		}
	case Tuple, UDT:
		if c, ok := compareTuple(t, a, b, depth); ok {
			return c
		}
	default:
		// ascii, text, blob, inet, date, custom, duration
		return bytes.Compare(a, b)
	}
	return compareInvalid(t, a, b)
}

// compareInvalid orders values when at least one is not valid for t: valid
// values first (among themselves in bytes order), then invalid ones.
func compareInvalid(t Type, a, b []byte) int {
	va, vb := Validate(t, a) == nil, Validate(t, b) == nil
	if va != vb {
		if va {
			return -1
		}
		return 1
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

// compareDecimals compares ua×10^-sa with ub×10^-sb without building powers
// of ten larger than the operands' own digits.
func compareDecimals(ua *big.Int, sa int32, ub *big.Int, sb int32) int {
	if c := cmp.Compare(ua.Sign(), ub.Sign()); c != 0 || ua.Sign() == 0 {
		return c
	}
	sign := ua.Sign()
	// Magnitude order: the number of digits before the decimal point.
	ea := int64(decimalDigits(ua)) - int64(sa)
	eb := int64(decimalDigits(ub)) - int64(sb)
	if ea != eb {
		return sign * cmp.Compare(ea, eb)
	}
	// Same magnitude: the scales differ by at most the digit counts, so the
	// rescaling below stays as small as the inputs.
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

// decimalDigits returns the number of decimal digits of |n| (n != 0).
func decimalDigits(n *big.Int) int {
	abs := new(big.Int).Abs(n)
	// Estimate from the bit length, then correct by at most a step or two.
	d := int(float64(abs.BitLen()-1)*math.Log10(2)) + 1
	for d > 1 && abs.Cmp(pow10(int64(d-1))) < 0 {
		d--
	}
	for abs.Cmp(pow10(int64(d))) >= 0 {
		d++
	}
	return d
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

// compareCollection compares frozen lists and sets element by element and
// maps entry by entry (key, then value); ok is false if either value is
// malformed.
func compareCollection(t Type, a, b []byte, depth int) (int, bool) {
	if Validate(t, a) != nil || Validate(t, b) != nil {
		return 0, false
	}
	elems := elemTypes(t)
	na, a, _ := readCollectionSize(t, a)
	nb, b, _ := readCollectionSize(t, b)
	for range min(na, nb) {
		for _, et := range elems {
			var ea, eb []byte
			ea, a, _ = readValue(a)
			eb, b, _ = readValue(b)
			if c := compare(et, ea, eb, depth+1); c != 0 {
				return c, true
			}
		}
	}
	return cmp.Compare(na, nb), true
}

// compareTuple compares tuples and UDTs field by field; null sorts before
// any value and missing trailing fields equal nulls.
func compareTuple(t Type, a, b []byte, depth int) (int, bool) {
	if Validate(t, a) != nil || Validate(t, b) != nil {
		return 0, false
	}
	for _, et := range t.Elems {
		if len(a) == 0 || len(b) == 0 {
			break
		}
		var ea, eb []byte
		ea, a, _ = readValue(a)
		eb, b, _ = readValue(b)
		switch {
		case ea == nil && eb == nil:
			continue
		case ea == nil:
			return -1, true
		case eb == nil:
			return 1, true
		}
		if c := compare(et, ea, eb, depth+1); c != 0 {
			return c, true
		}
	}
	// Whatever remains on one side is more fields: only non-null ones count.
	for len(a) > 0 {
		var e []byte
		e, a, _ = readValue(a)
		if e != nil {
			return 1, true
		}
	}
	for len(b) > 0 {
		var e []byte
		e, b, _ = readValue(b)
		if e != nil {
			return -1, true
		}
	}
	return 0, true
}
