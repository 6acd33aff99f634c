package cqlvalue

import (
	"encoding/binary"
	"math/big"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"unicode/utf8"
)

// This file writes the text forms of values, straight from their
// serialized bytes where it can: the forms cqlsh and dsbulk print, and
// that the module's literal parser (internal/cqltype.FromString) reads
// back. The appenders allocate nothing once their destination has grown;
// the sinks build their JSON, CSV and Parquet text on them.

// MaxPlainZeros bounds the zeros that plain notation adds to the digits of
// a decimal. A decimal that would need more is written with an exponent,
// so that a value of a few bytes with scale -2^31 cannot become gigabytes
// of text.
const MaxPlainZeros = 100

// Digits writes varints and decimals in decimal. Its scratch space is
// reused from value to value. The zero value is ready to use; a Digits is
// not safe for concurrent use.
type Digits struct {
	n   big.Int // varints of more than 8 bytes
	tmp []byte  // the magnitude of a negative big varint
}

// AppendVarint appends the serialized varint v (two's-complement
// big-endian; empty is zero) in decimal.
func (d *Digits) AppendVarint(dst, v []byte) []byte { return d.appendVarint(dst, v, false) }

// appendVarint appends the varint v in decimal; abs drops the sign.
func (d *Digits) appendVarint(dst, v []byte, abs bool) []byte {
	if len(v) <= 8 {
		var x int64
		if len(v) > 0 {
			x = int64(int8(v[0]))
			for _, c := range v[1:] {
				x = x<<8 | int64(c)
			}
		}
		if abs && x < 0 {
			return strconv.AppendUint(dst, uint64(-x), 10) // also right for MinInt64
		}
		return AppendInt(dst, x)
	}
	if v[0]&0x80 == 0 {
		d.n.SetBytes(v)
		return d.n.Append(dst, 10)
	}
	// Negative: the magnitude is ^v + 1, which cannot carry out of the top
	// byte because ^v has its top bit clear.
	d.tmp = append(d.tmp[:0], v...)
	for i := range d.tmp {
		d.tmp[i] = ^d.tmp[i]
	}
	for i := len(d.tmp) - 1; i >= 0; i-- {
		d.tmp[i]++
		if d.tmp[i] != 0 {
			break
		}
	}
	d.n.SetBytes(d.tmp)
	if !abs {
		dst = append(dst, '-')
	}
	return d.n.Append(dst, 10)
}

// AppendDecimal appends the serialized decimal v (an [int] scale, then the
// unscaled varint) as Java's BigDecimal.toPlainString writes it: 1.250,
// 1200 (12 with scale -2), -0.005; or as <unscaled>E<exponent> when plain
// notation would add more than MaxPlainZeros zeros. It reports false for
// fewer than 4 bytes.
func (d *Digits) AppendDecimal(dst, v []byte) ([]byte, bool) {
	if len(v) < 4 {
		return dst, false
	}
	scale := int32(uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]))
	unscaled := v[4:]
	if len(unscaled) > 0 && unscaled[0]&0x80 != 0 {
		dst = append(dst, '-')
	}
	start := len(dst)
	dst = d.appendVarint(dst, unscaled, true)
	return placePoint(dst, start, scale), true
}

// placePoint turns the decimal digits dst[start:] of an unscaled value's
// magnitude into the plain notation of that value with scale scale.
func placePoint(dst []byte, start int, scale int32) []byte {
	nd := len(dst) - start
	zero := nd == 1 && dst[start] == '0'
	switch {
	case scale == 0:
		return dst
	case scale < 0:
		if zero {
			return dst
		}
		z := -int64(scale)
		if z > MaxPlainZeros {
			return appendExponent(dst, z)
		}
		for range z {
			dst = append(dst, '0')
		}
		return dst
	case int64(scale) < int64(nd):
		// Insert the point inside the digits.
		at := start + nd - int(scale)
		dst = append(dst, 0)
		copy(dst[at+1:], dst[at:])
		dst[at] = '.'
		return dst
	}
	// 0.000ddd: "0." and scale-nd zeros go before the digits.
	z := int64(scale) - int64(nd)
	if z > MaxPlainZeros {
		return appendExponent(dst, -int64(scale))
	}
	shift := 2 + int(z)
	for range shift {
		dst = append(dst, 0)
	}
	copy(dst[start+shift:], dst[start:start+nd])
	dst[start], dst[start+1] = '0', '.'
	for i := start + 2; i < start+shift; i++ {
		dst[i] = '0'
	}
	return dst
}

func appendExponent(dst []byte, exp int64) []byte {
	dst = append(dst, 'E')
	if exp >= 0 {
		dst = append(dst, '+')
	}
	return AppendInt(dst, exp)
}

// AppendText appends d as Decimal.String writes it. It implements
// encoding.TextAppender and never fails.
func (d Decimal) AppendText(dst []byte) ([]byte, error) {
	u := d.Unscaled
	if u == nil {
		u = new(big.Int)
	}
	if u.Sign() < 0 {
		dst = append(dst, '-')
	}
	start := len(dst)
	dst = new(big.Int).Abs(u).Append(dst, 10)
	return placePoint(dst, start, d.Scale), nil
}

// AppendText appends u in the canonical 8-4-4-4-12 lower-case hex form. It
// implements encoding.TextAppender and never fails.
func (u UUID) AppendText(dst []byte) ([]byte, error) { return appendUUID(dst, u[:]), nil }

func appendUUID(dst, u []byte) []byte {
	u = u[:16]
	n := len(dst)
	dst = slices.Grow(dst, 36)[:n+36]
	out := dst[n : n+36]
	// 8-4-4-4-12 digits: bytes 0-3, 4-5, 6-7, 8-9 and 10-15.
	binary.LittleEndian.PutUint64(out, hex4(u[0:4]))
	binary.LittleEndian.PutUint32(out[9:], hex2(u[4:6]))
	binary.LittleEndian.PutUint32(out[14:], hex2(u[6:8]))
	binary.LittleEndian.PutUint32(out[19:], hex2(u[8:10]))
	binary.LittleEndian.PutUint32(out[24:], hex2(u[10:12]))
	binary.LittleEndian.PutUint64(out[28:], hex4(u[12:16]))
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	return dst
}

// hex4 returns the eight lower-case hex digits of the four bytes of b,
// the first in the lowest byte (to be stored little-endian): four looks
// into hexDigits. (Spreading the nibbles in a register, in 64-bit
// arithmetic, took twice the instructions: each mask a constant loaded.)
func hex4(b []byte) uint64 {
	b = b[:4]
	return uint64(hexDigits[b[0]]) | uint64(hexDigits[b[1]])<<16 |
		uint64(hexDigits[b[2]])<<32 | uint64(hexDigits[b[3]])<<48
}

// hex2 returns the four lower-case hex digits of the two bytes of b, the
// first in the lowest byte.
func hex2(b []byte) uint32 {
	b = b[:2]
	return uint32(hexDigits[b[0]]) | uint32(hexDigits[b[1]])<<16
}

// hexDigits holds the two lower-case hex digits of every byte, the first
// in the low byte (little-endian, as they are stored).
var hexDigits = func() (t [256]uint16) {
	for x := range t {
		t[x] = uint16(hexPairs[2*x]) | uint16(hexPairs[2*x+1])<<8
	}
	return t
}()

// hexPairs holds the two lower-case hex digits of every byte, in order.
const hexPairs = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

// decimalPairs holds the two decimal digits of 0 to 99, in order.
const decimalPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// AppendHex appends the lower-case hex digits of v, two per byte, as
// encoding/hex does: four bytes at a time (hex4), then the bytes left one
// by one.
func AppendHex(dst, v []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*len(v))[:n+2*len(v)]
	out := dst[n:]
	for len(v) >= 4 && len(out) >= 8 {
		binary.LittleEndian.PutUint64(out, hex4(v))
		v, out = v[4:], out[8:]
	}
	for i, x := range v {
		binary.LittleEndian.PutUint16(out[2*i:], hexDigits[x])
	}
	return dst
}

// AppendUUID appends the 16 bytes of a serialized uuid or timeuuid in the
// canonical 8-4-4-4-12 form. It reports false for another length.
func AppendUUID(dst, v []byte) ([]byte, bool) {
	if len(v) != 16 {
		return dst, false
	}
	return appendUUID(dst, v), true
}

// civil returns the proleptic Gregorian date of days since 1970-01-01,
// with astronomical year numbering (year 0 is 1 BC). It is Howard
// Hinnant's days_from_civil inverse.
func civil(days int64) (year, month, day int64) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// appendYMD appends yyyy-mm-dd; years outside 0 to 9999 take a sign and
// as many digits as they need, as ISO 8601 and Java's LocalDate do.
func appendYMD(dst []byte, y, m, d int64) []byte {
	switch {
	case y < 0:
		dst = append(dst, '-')
		dst = appendPadded(dst, uint64(-y), 4)
	case y > 9999:
		dst = append(dst, '+')
		dst = AppendInt(dst, y)
	default:
		dst = appendPadded(dst, uint64(y), 4)
	}
	dst = append(dst, '-')
	dst = appendPadded(dst, uint64(m), 2)
	dst = append(dst, '-')
	return appendPadded(dst, uint64(d), 2)
}

// AppendText appends d as yyyy-mm-dd, years outside 0 to 9999 with a sign
// and as many digits as they need (-0001-12-31, +10000-01-01), as ISO 8601
// and Java's LocalDate write them. It implements encoding.TextAppender and
// never fails.
func (d Date) AppendText(dst []byte) ([]byte, error) {
	y, m, day := civil(int64(d))
	return appendYMD(dst, y, m, day), nil
}

// appendClock appends hh:mm:ss.fff with digits digits of frac, which is
// below 10^digits.
func appendClock(dst []byte, secs, frac uint64, digits int) []byte {
	dst = appendPadded(dst, secs/3600, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, secs/60%60, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, secs%60, 2)
	dst = append(dst, '.')
	return appendPadded(dst, frac, digits)
}

// AppendTime appends a time of day, nanoseconds since midnight, as
// hh:mm:ss.nnnnnnnnn, always with 9 digits of fraction, as cqlsh does.
func AppendTime(dst []byte, ns uint64) []byte {
	return appendClock(dst, ns/1e9, ns%1e9, 9)
}

// AppendDateTime appends the civil date and time of ms milliseconds since
// the epoch, moved by offset seconds (a zone's offset from UTC; any offset
// is taken), as yyyy-mm-ddThh:mm:ss.fff without a zone; years as in
// Date.AppendText. No ms overflows.
func AppendDateTime(dst []byte, ms int64, offset int) []byte {
	// The offset is added after the split: ms + offset can overflow.
	days, rem := splitDay(ms)
	d, rem := splitDay(rem + int64(offset)*1000)
	days += d
	y, m, d := civil(days)
	if y < 0 || y > 9999 {
		dst = appendYMD(dst, y, m, d)
		dst = append(dst, 'T')
		return appendClock(dst, uint64(rem/1000), uint64(rem%1000), 3)
	}
	// The common case, of fixed width: yyyy-mm-ddThh:mm:ss.fff.
	var b [23]byte
	putDate(b[:11], y, m, d)
	putTimeOfDay(b[11:], rem)
	return append(dst, b[:]...)
}

// splitDay splits ms milliseconds since the epoch into days since it and
// milliseconds into the day, both rounded down.
func splitDay(ms int64) (days, rem int64) {
	days, rem = ms/86400000, ms%86400000
	if rem < 0 {
		days, rem = days-1, rem+86400000
	}
	return days, rem
}

// putDate writes yyyy-mm-ddT, a year of 0 to 9999, to b[:11].
func putDate(b []byte, y, m, d int64) {
	b = b[:11]
	b[0], b[1] = decimalPairs[2*(y/100)], decimalPairs[2*(y/100)+1]
	b[2], b[3] = decimalPairs[2*(y%100)], decimalPairs[2*(y%100)+1]
	b[4] = '-'
	b[5], b[6] = decimalPairs[2*m], decimalPairs[2*m+1]
	b[7] = '-'
	b[8], b[9] = decimalPairs[2*d], decimalPairs[2*d+1]
	b[10] = 'T'
}

// putTimeOfDay writes hh:mm:ss.fff, rem milliseconds into a day, to
// b[:12].
func putTimeOfDay(b []byte, rem int64) {
	b = b[:12]
	secs, frac := rem/1000, rem%1000
	h, m, s := secs/3600, secs/60%60, secs%60
	b[0], b[1] = decimalPairs[2*h], decimalPairs[2*h+1]
	b[2] = ':'
	b[3], b[4] = decimalPairs[2*m], decimalPairs[2*m+1]
	b[5] = ':'
	b[6], b[7] = decimalPairs[2*s], decimalPairs[2*s+1]
	b[8] = '.'
	b[9] = byte('0' + frac/100)
	b[10], b[11] = decimalPairs[2*(frac%100)], decimalPairs[2*(frac%100)+1]
}

// AppendTimestamp appends a timestamp, milliseconds since the epoch, in
// UTC as RFC 3339 with milliseconds: 2026-01-01T12:00:00.123Z.
func AppendTimestamp(dst []byte, ms int64) []byte {
	return append(AppendDateTime(dst, ms, 0), 'Z')
}

// Timestamps appends timestamps as AppendTimestamp does, keeping the date
// of the last one it wrote: the timestamps of one day, as a page's often
// are, then cost only their time of day. The zero value is ready to use;
// a Timestamps is not safe for concurrent use.
type Timestamps struct {
	day  int64
	date [11]byte // yyyy-mm-ddT of day
	ok   bool     // date holds day's date
}

// Append appends ms, milliseconds since the epoch, as AppendTimestamp.
func (w *Timestamps) Append(dst []byte, ms int64) []byte {
	days, rem := splitDay(ms)
	if !w.ok || days != w.day {
		y, m, d := civil(days)
		if y < 0 || y > 9999 {
			return AppendTimestamp(dst, ms)
		}
		putDate(w.date[:], y, m, d)
		w.day, w.ok = days, true
	}
	var b [24]byte
	copy(b[:11], w.date[:])
	putTimeOfDay(b[11:], rem)
	b[23] = 'Z'
	return append(dst, b[:]...)
}

// AppendInet appends a serialized inet address in its text form:
// 10.0.0.1, ::1. It reports false for bytes that are neither an IPv4 nor
// an IPv6 address.
func AppendInet(dst, v []byte) ([]byte, bool) {
	switch len(v) {
	case 4:
		// Each byte's digits and a dot, four bytes at once, the next
		// byte's written over what this one did not use: 16 bytes
		// written, 15 at most kept.
		n := len(dst)
		dst = slices.Grow(dst, 16)
		out := dst[n : n+16]
		j := 0
		for _, x := range v {
			binary.LittleEndian.PutUint32(out[j&15:], octetText[x])
			j += 2
			if x >= 10 {
				j++
			}
			if x >= 100 {
				j++
			}
		}
		return dst[:n+j-1], true // without the last dot
	case 16:
		return netip.AddrFrom16([16]byte(v)).AppendTo(dst), true
	}
	return dst, false
}

// appendPadded appends x in decimal with at least width digits.
func appendPadded(dst []byte, x uint64, width int) []byte {
	switch {
	case width == 2 && x < 100:
		return append(dst, decimalPairs[2*x], decimalPairs[2*x+1])
	case width == 3 && x < 1000:
		lo := x % 100
		return append(dst, byte('0'+x/100), decimalPairs[2*lo], decimalPairs[2*lo+1])
	case width == 4 && x < 10000:
		hi, lo := x/100, x%100
		return append(dst, decimalPairs[2*hi], decimalPairs[2*hi+1], decimalPairs[2*lo], decimalPairs[2*lo+1])
	}
	var buf [20]byte
	i := len(buf)
	for x >= 10 || len(buf)-i < width-1 {
		i--
		buf[i] = byte('0' + x%10)
		x /= 10
	}
	i--
	buf[i] = byte('0' + x)
	return append(dst, buf[i:]...)
}

// AppendText appends d in Cassandra's and cqlsh's unit form:
// 1y2mo3d4h5m6s7ms8us9ns, -5ns, 0s. It implements encoding.TextAppender and
// never fails.
func (d Duration) AppendText(dst []byte) ([]byte, error) {
	months, days, nanos := int64(d.Months), int64(d.Days), d.Nanos
	if months == 0 && days == 0 && nanos == 0 {
		return append(dst, "0s"...), nil
	}
	if months < 0 || days < 0 || nanos < 0 {
		dst = append(dst, '-')
	}
	abs := func(x int64) uint64 {
		if x < 0 {
			return uint64(-x) // also right for MinInt64
		}
		return uint64(x)
	}
	unit := func(dst []byte, x uint64, name string) []byte {
		if x == 0 {
			return dst
		}
		return append(strconv.AppendUint(dst, x, 10), name...)
	}
	mo, dd, ns := abs(months), abs(days), abs(nanos)
	const (
		us = 1000
		ms = 1000 * us
		s  = 1000 * ms
		m  = 60 * s
		h  = 60 * m
	)
	dst = unit(dst, mo/12, "y")
	dst = unit(dst, mo%12, "mo")
	dst = unit(dst, dd, "d")
	dst = unit(dst, ns/h, "h")
	dst = unit(dst, ns%h/m, "m")
	dst = unit(dst, ns%m/s, "s")
	dst = unit(dst, ns%s/ms, "ms")
	dst = unit(dst, ns%ms/us, "us")
	dst = unit(dst, ns%us, "ns")
	return dst, nil
}

// AppendUTF8 appends s with each byte that is not part of valid UTF-8
// replaced by U+FFFD.
func AppendUTF8(dst, s []byte) []byte {
	if utf8.Valid(s) {
		return append(dst, s...)
	}
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[:size]...)
		}
		s = s[size:]
	}
	return dst
}

// AppendInt appends x in decimal, as strconv.AppendInt(dst, x, 10) does:
// its digit count first, then the digits two at a time from the end, in
// place.
func AppendInt(dst []byte, x int64) []byte {
	u := uint64(x)
	if x < 0 {
		dst = append(dst, '-')
		u = -u
	}
	if u < 10 {
		return append(dst, byte('0'+u))
	}
	n := (bits.Len64(u) * 1233) >> 12 // log10(2) is about 1233/4096
	if n < len(pow10) && u >= pow10[n] {
		n++
	}
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	out := dst[start:]
	i := n
	for u >= 100 {
		q := u / 100
		r := (u - q*100) * 2
		i -= 2
		out[i], out[i+1] = decimalPairs[r], decimalPairs[r+1]
		u = q
	}
	if u >= 10 {
		out[0], out[1] = decimalPairs[2*u], decimalPairs[2*u+1]
	} else {
		out[0] = byte('0' + u)
	}
	return dst
}

// octetText holds, for every byte, its decimal digits followed by a dot,
// little-endian: the four bytes to write for it.
var octetText = func() (t [256]uint32) {
	for x := range t {
		s := strconv.Itoa(x) + "."
		for i := len(s) - 1; i >= 0; i-- {
			t[x] = t[x]<<8 | uint32(s[i])
		}
	}
	return t
}()

// pow10 holds 10^0 to 10^19.
var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}
