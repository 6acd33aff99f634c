package sink

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// This file renders serialized CQL values (protocol v4, as kept in a Batch)
// as JSON and as plain text, straight from the bytes: no Go values, no
// interfaces, no allocation once the scratch buffers have grown. The mapping
// is described in doc.go and docs/json-mapping.md.

// maxPlainZeros bounds the zeros that plain notation adds to the digits of
// a decimal. A decimal that would need more is written with an exponent,
// so that a value of a few bytes with scale -2^31 cannot become gigabytes
// of text.
const maxPlainZeros = 100

// encoder renders values. Its scratch buffers are reused from value to
// value; an encoder is not safe for concurrent use.
type encoder struct {
	n   big.Int // varints of more than 8 bytes
	tmp []byte  // the magnitude of a negative big varint
	key []byte  // a map key rendered as JSON before it is quoted
}

// isNull reports whether v reads as null: nil, or the empty value of a type
// other than ascii, text, blob and custom, which Cassandra reads as null.
func isNull(k cqltype.Kind, v []byte) bool {
	if v == nil {
		return true
	}
	if len(v) > 0 {
		return false
	}
	switch k {
	case cqltype.Ascii, cqltype.Varchar, cqltype.Blob, cqltype.Custom:
		return false
	}
	return true
}

// malformed returns the error for bytes that are not a value of t.
func malformed(t *cqltype.Type, v []byte) error {
	return fmt.Errorf("%w: malformed %s value of %d bytes", ErrInvalidValue, t, len(v))
}

// appendJSON appends the JSON text of the value v of type t.
func (e *encoder) appendJSON(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	if isNull(t.Kind, v) {
		return append(dst, "null"...), nil
	}
	switch t.Kind {
	case cqltype.Ascii, cqltype.Varchar:
		return appendJSONString(dst, v), nil
	case cqltype.List, cqltype.Set:
		return e.appendList(dst, t, v)
	case cqltype.Map:
		return e.appendMap(dst, t, v)
	case cqltype.Tuple:
		return e.appendTuple(dst, t, v)
	case cqltype.UDT:
		return e.appendUDT(dst, t, v)
	}
	if !jsonQuoted(t.Kind, v) {
		return e.appendScalar(dst, t, v)
	}
	dst = append(dst, '"')
	dst, err := e.appendScalar(dst, t, v)
	return append(dst, '"'), err
}

// appendText appends the plain text of the value v of type t, which is not
// null: text as is (invalid UTF-8 replaced by U+FFFD), collections, tuples
// and UDTs as their JSON text, other types as their JSON text without
// quotes.
func (e *encoder) appendText(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	switch t.Kind {
	case cqltype.Ascii, cqltype.Varchar:
		return appendUTF8(dst, v), nil
	case cqltype.List, cqltype.Set, cqltype.Map, cqltype.Tuple, cqltype.UDT:
		return e.appendJSON(dst, t, v)
	}
	return e.appendScalar(dst, t, v)
}

// jsonQuoted reports whether the JSON text of a non-null scalar of kind k is
// a string: its plain text then needs no escaping.
func jsonQuoted(k cqltype.Kind, v []byte) bool {
	switch k {
	case cqltype.KindUUID, cqltype.Timeuuid, cqltype.Timestamp, cqltype.KindDate,
		cqltype.Time, cqltype.KindDuration, cqltype.Blob, cqltype.Custom, cqltype.Inet:
		return true
	case cqltype.Double:
		if len(v) == 8 {
			f := math.Float64frombits(binary.BigEndian.Uint64(v))
			return math.IsNaN(f) || math.IsInf(f, 0)
		}
	case cqltype.Float:
		if len(v) == 4 {
			f := float64(math.Float32frombits(binary.BigEndian.Uint32(v)))
			return math.IsNaN(f) || math.IsInf(f, 0)
		}
	}
	return false
}

// appendScalar appends the plain text of a non-null value of a type that is
// neither text nor a collection, tuple or UDT.
func (e *encoder) appendScalar(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	switch t.Kind {
	case cqltype.Blob, cqltype.Custom:
		dst = append(dst, '0', 'x')
		return hex.AppendEncode(dst, v), nil
	case cqltype.Boolean:
		if len(v) != 1 {
			break
		}
		if v[0] != 0 {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case cqltype.Tinyint:
		if len(v) != 1 {
			break
		}
		return strconv.AppendInt(dst, int64(int8(v[0])), 10), nil
	case cqltype.Smallint:
		if len(v) != 2 {
			break
		}
		return strconv.AppendInt(dst, int64(int16(binary.BigEndian.Uint16(v))), 10), nil
	case cqltype.Int:
		if len(v) != 4 {
			break
		}
		return strconv.AppendInt(dst, int64(int32(binary.BigEndian.Uint32(v))), 10), nil
	case cqltype.Bigint, cqltype.Counter:
		if len(v) != 8 {
			break
		}
		return strconv.AppendInt(dst, int64(binary.BigEndian.Uint64(v)), 10), nil
	case cqltype.Varint:
		return e.appendVarint(dst, v, false), nil
	case cqltype.KindDecimal:
		if len(v) < 4 {
			break
		}
		return e.appendDecimal(dst, int32(binary.BigEndian.Uint32(v)), v[4:]), nil
	case cqltype.Double:
		if len(v) != 8 {
			break
		}
		return appendFloat(dst, math.Float64frombits(binary.BigEndian.Uint64(v)), 64), nil
	case cqltype.Float:
		if len(v) != 4 {
			break
		}
		return appendFloat(dst, float64(math.Float32frombits(binary.BigEndian.Uint32(v))), 32), nil
	case cqltype.KindUUID, cqltype.Timeuuid:
		if len(v) != 16 {
			break
		}
		return appendUUID(dst, v), nil
	case cqltype.Timestamp:
		if len(v) != 8 {
			break
		}
		return appendTimestamp(dst, int64(binary.BigEndian.Uint64(v))), nil
	case cqltype.KindDate:
		if len(v) != 4 {
			break
		}
		days := int64(binary.BigEndian.Uint32(v)) - 1<<31
		y, m, d := civil(days)
		return appendDate(dst, y, m, d), nil
	case cqltype.Time:
		if len(v) != 8 {
			break
		}
		ns := binary.BigEndian.Uint64(v)
		if ns >= 86400e9 {
			break
		}
		return appendClock(dst, ns/1e9, ns%1e9, 9), nil
	case cqltype.Inet:
		if out, ok := appendInet(dst, v); ok {
			return out, nil
		}
	case cqltype.KindDuration:
		if out, ok := appendDuration(dst, v); ok {
			return out, nil
		}
	}
	return dst, malformed(t, v)
}

// readCount reads the element count of a collection value, each element of
// which takes at least per bytes.
func readCount(v []byte, per int) (int, []byte, bool) {
	if len(v) < 4 {
		return 0, nil, false
	}
	n := int32(binary.BigEndian.Uint32(v))
	v = v[4:]
	if n < 0 || int64(n) > int64(len(v)/per) {
		return 0, nil, false
	}
	return int(n), v, true
}

func (e *encoder) appendList(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	n, rest, ok := readCount(v, 4)
	if !ok || len(t.Elems) < 1 {
		return dst, malformed(t, v)
	}
	et := &t.Elems[0]
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		var elem []byte
		if elem, rest, ok = cqltype.ReadValue(rest); !ok {
			return dst, malformed(t, v)
		}
		var err error
		if dst, err = e.appendJSON(dst, et, elem); err != nil {
			return dst, err
		}
	}
	if len(rest) != 0 {
		return dst, malformed(t, v)
	}
	return append(dst, ']'), nil
}

func (e *encoder) appendMap(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	n, rest, ok := readCount(v, 8)
	if !ok || len(t.Elems) < 2 {
		return dst, malformed(t, v)
	}
	kt, vt := &t.Elems[0], &t.Elems[1]
	dst = append(dst, '{')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		var key, val []byte
		if key, rest, ok = cqltype.ReadValue(rest); !ok {
			return dst, malformed(t, v)
		}
		if val, rest, ok = cqltype.ReadValue(rest); !ok {
			return dst, malformed(t, v)
		}
		var err error
		if dst, err = e.appendKey(dst, kt, key); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if dst, err = e.appendJSON(dst, vt, val); err != nil {
			return dst, err
		}
	}
	if len(rest) != 0 {
		return dst, malformed(t, v)
	}
	return append(dst, '}'), nil
}

// appendKey appends a map key as a JSON string: text as is, a null key as
// "null", a scalar as its plain text, a collection, tuple or UDT as its
// JSON text.
func (e *encoder) appendKey(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	switch {
	case isNull(t.Kind, v):
		return append(dst, `"null"`...), nil
	case t.Kind == cqltype.Ascii || t.Kind == cqltype.Varchar:
		return appendJSONString(dst, v), nil
	case t.Kind == cqltype.List || t.Kind == cqltype.Set || t.Kind == cqltype.Map ||
		t.Kind == cqltype.Tuple || t.Kind == cqltype.UDT:
		// Render at the end of dst, move the text to e.key, then quote it
		// back: keys nested in this one use e.key before we do.
		start := len(dst)
		dst, err := e.appendJSON(dst, t, v)
		if err != nil {
			return dst, err
		}
		e.key = append(e.key[:0], dst[start:]...)
		return appendJSONString(dst[:start], e.key), nil
	}
	// Plain scalar text needs no escaping.
	dst = append(dst, '"')
	dst, err := e.appendScalar(dst, t, v)
	return append(dst, '"'), err
}

// appendTuple appends a tuple as an array; fields missing at the end of
// the value are null.
func (e *encoder) appendTuple(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	return e.appendFields(dst, t, v, false)
}

// appendUDT appends a UDT value as an object keyed by field name; fields
// missing at the end of the value are null.
func (e *encoder) appendUDT(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	return e.appendFields(dst, t, v, true)
}

// appendFields appends the fields of a tuple or UDT value, as an array, or
// as an object keyed by t.Fields when named is set.
func (e *encoder) appendFields(dst []byte, t *cqltype.Type, v []byte, named bool) ([]byte, error) {
	open, end := byte('['), byte(']')
	if named {
		open, end = '{', '}'
	}
	dst = append(dst, open)
	err := forFields(t, v, func(i int, elem []byte) error {
		if i > 0 {
			dst = append(dst, ',')
		}
		if named {
			var name string
			if i < len(t.Fields) {
				name = t.Fields[i]
			}
			dst = appendJSONStringOf(dst, name)
			dst = append(dst, ':')
		}
		var err error
		dst, err = e.appendJSON(dst, &t.Elems[i], elem)
		return err
	})
	if err != nil {
		return dst, err
	}
	return append(dst, end), nil
}

// forFields calls f with each field of the tuple or UDT value v, in the
// order of t.Elems; fields missing at the end of v are null (nil). It
// returns the first error of f, or a malformed error when a field is cut
// short or bytes remain after the last field.
func forFields(t *cqltype.Type, v []byte, f func(i int, elem []byte) error) error {
	rest := v
	for i := range t.Elems {
		var elem []byte
		if len(rest) > 0 {
			var ok bool
			if elem, rest, ok = cqltype.ReadValue(rest); !ok {
				return malformed(t, v)
			}
		}
		if err := f(i, elem); err != nil {
			return err
		}
	}
	if len(rest) != 0 {
		return malformed(t, v)
	}
	return nil
}

// appendVarint appends the two's-complement big-endian integer v in
// decimal; abs drops the sign.
func (e *encoder) appendVarint(dst, v []byte, abs bool) []byte {
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
		e.n.SetBytes(v)
		return e.n.Append(dst, 10)
	}
	// Negative: the magnitude is ^v + 1, which cannot carry out of the top
	// byte because ^v has its top bit clear.
	e.tmp = append(e.tmp[:0], v...)
	for i := range e.tmp {
		e.tmp[i] = ^e.tmp[i]
	}
	for i := len(e.tmp) - 1; i >= 0; i-- {
		e.tmp[i]++
		if e.tmp[i] != 0 {
			break
		}
	}
	e.n.SetBytes(e.tmp)
	if !abs {
		dst = append(dst, '-')
	}
	return e.n.Append(dst, 10)
}

// appendDecimal appends unscaled × 10^-scale in plain notation, as Java's
// BigDecimal.toPlainString does, or as <unscaled>E<exponent> when plain
// notation would add more than maxPlainZeros zeros.
func (e *encoder) appendDecimal(dst []byte, scale int32, unscaled []byte) []byte {
	if len(unscaled) > 0 && unscaled[0]&0x80 != 0 {
		dst = append(dst, '-')
	}
	start := len(dst)
	dst = e.appendVarint(dst, unscaled, true)
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
		if z > maxPlainZeros {
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
	if z > maxPlainZeros {
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

// appendFloat appends the shortest decimal that reads back as f, formatted
// as encoding/json does (ECMAScript rules: exponent below 1e-6 and from
// 1e21 on), and NaN, Infinity and -Infinity for the non-finite values.
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// e-09 to e-9
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

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

// appendDate appends yyyy-mm-dd; years outside 0 to 9999 take a sign and
// as many digits as they need, as ISO 8601 and Java's LocalDate do.
func appendDate(dst []byte, y, m, d int64) []byte {
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

// appendClock appends hh:mm:ss.fff with digits digits of frac.
func appendClock(dst []byte, secs, frac uint64, digits int) []byte {
	dst = appendPadded(dst, secs/3600, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, secs/60%60, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, secs%60, 2)
	dst = append(dst, '.')
	return appendPadded(dst, frac, digits)
}

// appendTimestamp appends milliseconds since the epoch as
// yyyy-mm-ddThh:mm:ss.fffZ.
func appendTimestamp(dst []byte, ms int64) []byte {
	days := ms / 86400000
	rem := ms % 86400000
	if rem < 0 {
		days--
		rem += 86400000
	}
	y, m, d := civil(days)
	dst = appendDate(dst, y, m, d)
	dst = append(dst, 'T')
	dst = appendClock(dst, uint64(rem/1000), uint64(rem%1000), 3)
	return append(dst, 'Z')
}

// appendInet appends an inet address in its text form. It reports false
// for bytes that are not an IPv4 or IPv6 address.
func appendInet(dst, v []byte) ([]byte, bool) {
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

// appendDuration appends a duration in Cassandra's and cqlsh's unit form
// ("1y2mo3d4h5m6s7ms8us9ns", "-5ns", "0s"). It reports false for bytes
// that are not a duration.
func appendDuration(dst, v []byte) ([]byte, bool) {
	m32, d32, nanos, ok := readDuration(v)
	if !ok {
		return dst, false
	}
	months, days := int64(m32), int64(d32)
	if months == 0 && days == 0 && nanos == 0 {
		return append(dst, "0s"...), true
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
	mo, d, ns := abs(months), abs(days), abs(nanos)
	const (
		us = 1000
		ms = 1000 * us
		s  = 1000 * ms
		m  = 60 * s
		h  = 60 * m
	)
	dst = unit(dst, mo/12, "y")
	dst = unit(dst, mo%12, "mo")
	dst = unit(dst, d, "d")
	dst = unit(dst, ns/h, "h")
	dst = unit(dst, ns%h/m, "m")
	dst = unit(dst, ns%m/s, "s")
	dst = unit(dst, ns%s/ms, "ms")
	dst = unit(dst, ns%ms/us, "us")
	dst = unit(dst, ns%us, "ns")
	return dst, true
}

// readDuration reads a serialized duration: three vints, months and days
// in int32 range, all of one sign, nothing after. It reports false for
// bytes that are not a duration.
func readDuration(v []byte) (months, days int32, nanos int64, ok bool) {
	var vals [3]int64
	for i := range vals {
		x, n, ok := cqltype.ReadVint(v)
		if !ok {
			return 0, 0, 0, false
		}
		vals[i], v = x, v[n:]
	}
	if len(v) != 0 || vals[0] != int64(int32(vals[0])) || vals[1] != int64(int32(vals[1])) ||
		!(vals[0] >= 0 && vals[1] >= 0 && vals[2] >= 0 || vals[0] <= 0 && vals[1] <= 0 && vals[2] <= 0) {
		return 0, 0, 0, false
	}
	return int32(vals[0]), int32(vals[1]), vals[2], true
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does with HTML escaping off: quote, backslash and control characters,
// U+2028 and U+2029 escaped, invalid UTF-8 replaced by \ufffd.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONStringOf is appendJSONString for a string.
func appendJSONStringOf(dst []byte, s string) []byte {
	// The conversion does not allocate: s does not escape.
	return appendJSONString(dst, []byte(s))
}

// appendUTF8 appends s with each byte that is not part of valid UTF-8
// replaced by U+FFFD.
func appendUTF8(dst, s []byte) []byte {
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

// csvNeedsQuotes reports whether a CSV field must be quoted, by the rules
// of encoding/csv: it holds the delimiter, a quote, CR or LF, begins with a
// Unicode space, or is `\.`.
func csvNeedsQuotes(field, delim []byte) bool {
	if len(field) == 0 {
		return false
	}
	if len(field) == 2 && field[0] == '\\' && field[1] == '.' {
		return true
	}
	for _, c := range field {
		if c == '"' || c == '\r' || c == '\n' {
			return true
		}
	}
	if len(delim) == 1 {
		if bytes.IndexByte(field, delim[0]) >= 0 {
			return true
		}
	} else if bytes.Contains(field, delim) {
		return true
	}
	r, _ := utf8.DecodeRune(field)
	return unicode.IsSpace(r)
}

// csvQuote quotes dst[start:] in place, doubling its quotes.
func csvQuote(dst []byte, start int) []byte {
	q := bytes.Count(dst[start:], []byte{'"'})
	end := len(dst)
	for range 2 + q {
		dst = append(dst, 0)
	}
	j := len(dst) - 1
	dst[j] = '"'
	for i := end - 1; i >= start; i-- {
		j--
		dst[j] = dst[i]
		if dst[i] == '"' {
			j--
			dst[j] = '"'
		}
	}
	dst[j-1] = '"'
	return dst
}
