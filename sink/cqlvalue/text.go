package cqlvalue

import (
	"encoding/hex"
	"math/big"
	"net/netip"
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
		return strconv.AppendInt(dst, x, 10)
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
	return strconv.AppendInt(dst, exp, 10)
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
	dst = hex.AppendEncode(dst, u[0:4])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, u[4:6])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, u[6:8])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, u[8:10])
	dst = append(dst, '-')
	return hex.AppendEncode(dst, u[10:16])
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
		dst = strconv.AppendInt(dst, y, 10)
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
// the epoch, moved by offset seconds (a zone's offset from UTC, less than a
// day either way), as yyyy-mm-ddThh:mm:ss.fff without a zone; years as in
// Date.AppendText. No ms overflows.
func AppendDateTime(dst []byte, ms int64, offset int) []byte {
	days := ms / 86400000
	rem := ms%86400000 + int64(offset)*1000
	for rem < 0 {
		days--
		rem += 86400000
	}
	for rem >= 86400000 {
		days++
		rem -= 86400000
	}
	y, m, d := civil(days)
	dst = appendYMD(dst, y, m, d)
	dst = append(dst, 'T')
	return appendClock(dst, uint64(rem/1000), uint64(rem%1000), 3)
}

// AppendTimestamp appends a timestamp, milliseconds since the epoch, in
// UTC as RFC 3339 with milliseconds: 2026-01-01T12:00:00.123Z.
func AppendTimestamp(dst []byte, ms int64) []byte {
	return append(AppendDateTime(dst, ms, 0), 'Z')
}

// AppendInet appends a serialized inet address in its text form:
// 10.0.0.1, ::1. It reports false for bytes that are neither an IPv4 nor
// an IPv6 address.
func AppendInet(dst, v []byte) ([]byte, bool) {
	switch len(v) {
	case 4:
		return netip.AddrFrom4([4]byte(v)).AppendTo(dst), true
	case 16:
		return netip.AddrFrom16([16]byte(v)).AppendTo(dst), true
	}
	return dst, false
}

// appendPadded appends x in decimal with at least width digits.
func appendPadded(dst []byte, x uint64, width int) []byte {
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
