package cqltype

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/big"
	"unicode/utf8"
)

// Interpolable reports whether values of t have midpoints (Midpoint): the
// integers, timestamp, date, time, timeuuid (by time), varint, decimal,
// text, ascii, blob and inet. uuid, boolean, float, double, duration,
// counters, tuples, UDTs and collections have none.
func Interpolable(t Type) bool {
	switch t.Kind {
	case Tinyint, Smallint, Int, Bigint, Timestamp, KindDate, Time, Timeuuid, Varint, KindDecimal,
		Ascii, Varchar, Blob, Inet:
		return true
	}
	return false
}

// Midpoint returns a value m of type t about halfway from from to to (two
// valid, different values), strictly past from and not past to in the
// direction from from to to: from < m <= to when from < to in t's order
// (Compare), to <= m < from otherwise. It is a place to cut a range of
// clustering values in two. ok is false when t is not Interpolable or the
// values do not fit it. The result may be to itself, when nothing lies
// strictly between (adjacent integers).
func Midpoint(t Type, from, to []byte) (m []byte, ok bool) {
	if !Interpolable(t) || validate(t, from, 0) != nil || validate(t, to, 0) != nil {
		return nil, false
	}
	dir := Compare(t, from, to)
	if dir == 0 {
		return nil, false
	}
	m = midpoint(t, from, to)
	// Every midpoint is checked against the order it must keep; one that
	// rounding or an encoding detail put out of place falls back to to.
	if m == nil || validate(t, m, 0) != nil || Compare(t, from, m) != dir || Compare(t, m, to) == -dir {
		return bytes.Clone(to), true
	}
	return m, true
}

func midpoint(t Type, from, to []byte) []byte {
	switch t.Kind {
	case Tinyint, Smallint, Int, Bigint, Timestamp:
		return fixedInt(halfway(signedInt(from), signedInt(to)), len(from))
	case KindDate:
		return fixedInt(halfway(unsignedInt(from), unsignedInt(to)), 4)
	case Time:
		return fixedInt(halfway(signedInt(from), signedInt(to)), 8)
	case Varint:
		return appendVarint(nil, halfway(varintToBig(from), varintToBig(to)))
	case KindDecimal:
		return decimalMidpoint(from, to)
	case Timeuuid:
		return timeuuidMidpoint(from, to)
	case Inet:
		if len(from) != len(to) {
			return nil
		}
		return fixedUnsigned(halfway(unsignedInt(from), unsignedInt(to)), len(from))
	case Blob:
		return digitsMidpoint(bytesDigits(from), bytesDigits(to), 256, bytesFromDigits)
	case Ascii:
		return digitsMidpoint(runeDigits(from), runeDigits(to), 128, runesFromDigits)
	case Varchar:
		return digitsMidpoint(runeDigits(from), runeDigits(to), utf8.MaxRune+1, runesFromDigits)
	}
	return nil
}

// halfway is from + (to-from)/2, rounded away from from: never from
// itself when to differs.
func halfway(from, to *big.Int) *big.Int {
	d := new(big.Int).Sub(to, from)
	neg := d.Sign() < 0
	d.Abs(d)
	d.Add(d, big.NewInt(1))
	d.Rsh(d, 1)
	if neg {
		d.Neg(d)
	}
	return d.Add(d, from)
}

func signedInt(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}

func unsignedInt(b []byte) *big.Int { return new(big.Int).SetBytes(b) }

// fixedInt encodes n as a two's complement integer of width bytes.
func fixedInt(n *big.Int, width int) []byte {
	if n.Sign() < 0 {
		n = new(big.Int).Add(n, new(big.Int).Lsh(big.NewInt(1), uint(8*width)))
	}
	return fixedUnsigned(n, width)
}

func fixedUnsigned(n *big.Int, width int) []byte {
	if n.Sign() < 0 || n.BitLen() > 8*width {
		return nil
	}
	return n.FillBytes(make([]byte, width))
}

// decimalMidpoint is the exact mean of two decimals: scale s+1 for s the
// larger scale, so that (a+b)/2 is an integer times 10^-(s+1).
func decimalMidpoint(from, to []byte) []byte {
	sa, sb := int32(binary.BigEndian.Uint32(from)), int32(binary.BigEndian.Uint32(to))
	s := max(sa, sb)
	if s == math.MaxInt32 {
		return nil
	}
	ua, ub := varintToBig(from[4:]), varintToBig(to[4:])
	scaled := func(u *big.Int, us int32) *big.Int {
		if d := int64(s) - int64(us); d > 0 {
			if d > 4096 {
				return nil
			}
			return new(big.Int).Mul(u, pow10(d))
		}
		return u
	}
	a, b := scaled(ua, sa), scaled(ub, sb)
	if a == nil || b == nil {
		return nil
	}
	sum := new(big.Int).Add(a, b)
	sum.Mul(sum, big.NewInt(5))
	out := binary.BigEndian.AppendUint32(nil, uint32(s+1))
	return appendVarint(out, sum)
}

// timeuuidMidpoint is a version 1 UUID whose time is halfway between the
// two's: the smallest of that time (clock sequence and node 0x80 bytes,
// the least in Cassandra's signed comparison) going up, the largest going
// down.
func timeuuidMidpoint(from, to []byte) []byte {
	tf := reorderTimestamp(binary.BigEndian.Uint64(from)) & (1<<60 - 1)
	tt := reorderTimestamp(binary.BigEndian.Uint64(to)) & (1<<60 - 1)
	if tf == tt {
		return nil
	}
	mt := halfway(new(big.Int).SetUint64(tf), new(big.Int).SetUint64(tt)).Uint64()
	u := make([]byte, 16)
	binary.BigEndian.PutUint32(u[0:], uint32(mt))                  // time_low
	binary.BigEndian.PutUint16(u[4:], uint16(mt>>32))              // time_mid
	binary.BigEndian.PutUint16(u[6:], uint16(mt>>48)&0x0FFF|1<<12) // version 1
	fill := byte(0x80)
	if tt < tf {
		fill = 0x7F
	}
	for i := 8; i < 16; i++ {
		u[i] = fill
	}
	u[8] = u[8]&0x3F | 0x80 // the IETF variant
	return u
}

// The strings are numbers in base b, one digit per byte or code point,
// compared digit by digit (bytewise order is code point order in UTF-8).
func bytesDigits(b []byte) []int64 {
	d := make([]int64, len(b))
	for i, c := range b {
		d[i] = int64(c)
	}
	return d
}

func runeDigits(b []byte) []int64 {
	var d []int64
	for _, r := range string(b) {
		d = append(d, int64(r))
	}
	return d
}

func bytesFromDigits(d []int64) []byte {
	out := make([]byte, len(d))
	for i, c := range d {
		out[i] = byte(c)
	}
	return out
}

func runesFromDigits(d []int64) []byte {
	var out []byte
	for _, c := range d {
		r := rune(c)
		if r >= 0xD800 && r <= 0xDFFF {
			r = 0xE000 // past the surrogates, which UTF-8 cannot hold
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// digitsMidpoint reads both strings as fractions in base b, padded to one
// digit more than the longer, takes their mean and writes it back with
// trailing zero digits dropped (a shorter string sorts first, so Midpoint's
// check catches a drop that crosses from).
func digitsMidpoint(from, to []int64, base int64, back func([]int64) []byte) []byte {
	n := max(len(from), len(to)) + 1
	if n > 4096 {
		return nil
	}
	num := func(d []int64) *big.Int {
		v := new(big.Int)
		bb := big.NewInt(base)
		for i := range n {
			v.Mul(v, bb)
			if i < len(d) {
				v.Add(v, big.NewInt(d[i]))
			}
		}
		return v
	}
	m := halfway(num(from), num(to))
	digits := make([]int64, n)
	bb := big.NewInt(base)
	r := new(big.Int)
	for i := n - 1; i >= 0; i-- {
		m.QuoRem(m, bb, r)
		digits[i] = r.Int64()
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	return back(digits)
}

// Fraction estimates where v lies from first to last, in [0, 1], in the
// value space Midpoint cuts: 0 at first, 1 at last (first and last
// differ). It is for estimating the rows left in a range of clustering
// values; ok is false where Midpoint has no midpoint.
func Fraction(t Type, first, last, v []byte) (float64, bool) {
	if !Interpolable(t) {
		return 0, false
	}
	f, l, x, ok := asFloats(t, first, last, v)
	if !ok || f == l {
		return 0, false
	}
	r := (x - f) / (l - f)
	if math.IsNaN(r) {
		return 0, false
	}
	return math.Min(1, math.Max(0, r)), true
}

// asFloats maps three values to numbers preserving t's order, near
// enough for estimates.
func asFloats(t Type, a, b, c []byte) (fa, fb, fc float64, ok bool) {
	for _, v := range [][]byte{a, b, c} {
		if validate(t, v, 0) != nil {
			return 0, 0, 0, false
		}
	}
	num := func(n *big.Int) float64 { f, _ := new(big.Float).SetInt(n).Float64(); return f }
	switch t.Kind {
	case Tinyint, Smallint, Int, Bigint, Timestamp, Time:
		return num(signedInt(a)), num(signedInt(b)), num(signedInt(c)), true
	case KindDate, Inet:
		return num(unsignedInt(a)), num(unsignedInt(b)), num(unsignedInt(c)), true
	case Varint:
		return num(varintToBig(a)), num(varintToBig(b)), num(varintToBig(c)), true
	case KindDecimal:
		dec := func(v []byte) float64 {
			u := new(big.Float).SetInt(varintToBig(v[4:]))
			s := int32(binary.BigEndian.Uint32(v))
			f, _ := u.Float64()
			return f * math.Pow(10, -float64(s))
		}
		return dec(a), dec(b), dec(c), true
	case Timeuuid:
		ts := func(v []byte) float64 {
			return float64(reorderTimestamp(binary.BigEndian.Uint64(v)) & (1<<60 - 1))
		}
		return ts(a), ts(b), ts(c), true
	case Blob, Ascii, Varchar:
		var da, db, dc []int64
		base := 256.0
		if t.Kind == Blob {
			da, db, dc = bytesDigits(a), bytesDigits(b), bytesDigits(c)
		} else {
			da, db, dc = runeDigits(a), runeDigits(b), runeDigits(c)
			base = float64(utf8.MaxRune + 1)
		}
		// The digits after the prefix all three share, as a fraction.
		p := 0
		for p < len(da) && p < len(db) && p < len(dc) && da[p] == db[p] && db[p] == dc[p] {
			p++
		}
		frac := func(d []int64) float64 {
			f, scale := 0.0, 1.0
			for i := p; i < len(d) && i < p+4; i++ {
				scale /= base
				f += float64(d[i]) * scale
			}
			return f
		}
		return frac(da), frac(db), frac(dc), true
	}
	return 0, 0, 0, false
}
