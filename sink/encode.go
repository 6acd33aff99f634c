package sink

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// This file renders serialized CQL values (protocol v4, as kept in a Batch)
// as JSON and as plain text, straight from the bytes: no Go values, no
// interfaces, no allocation once the scratch buffers have grown. The mapping
// is described in doc.go and docs/json-mapping.md.

// encoder renders values. Its scratch buffers are reused from value to
// value; an encoder is not safe for concurrent use.
type encoder struct {
	opts   textOptions
	digits cqlvalue.Digits // varints and decimals
	key    []byte          // a map key rendered as JSON before it is quoted
	text   []byte          // a timestamp in a layout, before it is escaped
	stamps cqlvalue.Timestamps
	// columns is JSON Lines' scratch for rendering rows column by column.
	columns columnText
}

// malformed returns the error for bytes that are not a value of t.
func malformed(t *cqltype.Type, v []byte) error {
	return fmt.Errorf("%w: malformed %s value of %d bytes", ErrInvalidValue, t, len(v))
}

// appendJSON appends the JSON text of the value v of type t.
func (e *encoder) appendJSON(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	if cqltype.IsNull(t.Kind, v) {
		return appendNull(dst), nil
	}
	switch t.Kind {
	case cqltype.Ascii, cqltype.Varchar:
		return appendJSONString(dst, v), nil
	case cqltype.List, cqltype.Set:
		return e.appendList(dst, t, v, (*encoder).appendJSON)
	case cqltype.Map:
		return e.appendMap(dst, t, v, (*encoder).appendJSON)
	case cqltype.Tuple:
		return e.appendTuple(dst, t, v)
	case cqltype.UDT:
		return e.appendUDT(dst, t, v)
	}
	if !e.jsonQuoted(t.Kind, v) {
		return e.appendScalar(dst, t, v)
	}
	return e.appendQuotedScalar(dst, t, v)
}

// appendQuotedScalar appends the plain text of a non-null scalar as a JSON
// string, escaped where it needs it (needsEscape).
func (e *encoder) appendQuotedScalar(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	if e.needsEscape(t.Kind) {
		var err error
		e.text, err = e.appendScalar(e.text[:0], t, v)
		return appendJSONString(dst, e.text), err
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
		return cqlvalue.AppendUTF8(dst, v), nil
	case cqltype.List, cqltype.Set, cqltype.Map, cqltype.Tuple, cqltype.UDT:
		return e.appendJSON(dst, t, v)
	}
	return e.appendScalar(dst, t, v)
}

// csvAlphabet returns every byte the text of a value of kind k may hold,
// for the kinds whose text is made of a few ASCII characters (numbers,
// UUIDs, booleans, blobs, addresses), or "" for the others. A CSV sink
// does not look for characters to quote in a field of a kind none of whose
// bytes it quotes (TestCSVAlphabet checks the texts against these).
func (e *encoder) csvAlphabet(k cqltype.Kind) string {
	switch k {
	case cqltype.Tinyint, cqltype.Smallint, cqltype.Int, cqltype.Bigint, cqltype.Counter, cqltype.Varint:
		return "-0123456789"
	case cqltype.KindUUID, cqltype.Timeuuid:
		return "-0123456789abcdef"
	case cqltype.Boolean:
		return "aeflrstu"
	case cqltype.Blob:
		if e.opts.base64 {
			return "+/0123456789=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		}
		return "0123456789abcdefx"
	case cqltype.Inet:
		return ".0123456789:abcdef"
	}
	return ""
}

// needsEscape reports whether the plain text of a scalar of kind k may
// hold characters a JSON string escapes. Only a timestamp in a layout can:
// the text of every other scalar is made of characters JSON takes as they
// are.
func (e *encoder) needsEscape(k cqltype.Kind) bool {
	return k == cqltype.Timestamp && e.opts.layout != ""
}

// jsonQuoted reports whether the JSON text of a non-null scalar of kind k is
// a string.
func (e *encoder) jsonQuoted(k cqltype.Kind, v []byte) bool {
	switch k {
	case cqltype.KindUUID, cqltype.Timeuuid, cqltype.Timestamp, cqltype.KindDate,
		cqltype.Time, cqltype.KindDuration, cqltype.Blob, cqltype.Custom, cqltype.Inet:
		return true
	case cqltype.Bigint, cqltype.Counter, cqltype.Varint, cqltype.KindDecimal:
		return e.opts.numStrings
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
	if f := scalarFormatOf(t.Kind); f != nil {
		if out, ok := f(e, dst, v); ok {
			return out, nil
		}
	}
	return dst, malformed(t, v)
}

// scalarFormat appends the plain text of a non-null value of one scalar
// kind, or reports false for bytes that are not a value of that kind.
type scalarFormat func(e *encoder, dst, v []byte) ([]byte, bool)

// scalarFormatOf returns the format of the scalar kind k, nil for text,
// collections, tuples and UDTs. It is the one place where each kind's text
// is made: appendScalar calls it for every value, a JSON Lines column once
// (jsonWriter).
func scalarFormatOf(k cqltype.Kind) scalarFormat {
	switch k {
	case cqltype.Blob, cqltype.Custom:
		return (*encoder).formatBlob
	case cqltype.Boolean:
		return formatBoolean
	case cqltype.Tinyint:
		return formatTinyint
	case cqltype.Smallint:
		return formatSmallint
	case cqltype.Int:
		return formatInt
	case cqltype.Bigint, cqltype.Counter:
		return formatBigint
	case cqltype.Varint:
		return (*encoder).formatVarint
	case cqltype.KindDecimal:
		return (*encoder).formatDecimal
	case cqltype.Double:
		return formatDouble
	case cqltype.Float:
		return formatFloat
	case cqltype.KindUUID, cqltype.Timeuuid:
		return formatUUID
	case cqltype.Timestamp:
		return (*encoder).formatTimestamp
	case cqltype.KindDate:
		return formatDate
	case cqltype.Time:
		return formatTime
	case cqltype.Inet:
		return formatInet
	case cqltype.KindDuration:
		return formatDuration
	}
	return nil
}

func (e *encoder) formatBlob(dst, v []byte) ([]byte, bool) {
	if e.opts.base64 {
		return base64.StdEncoding.AppendEncode(dst, v), true
	}
	dst = append(dst, '0', 'x')
	return cqlvalue.AppendHex(dst, v), true
}

func formatBoolean(_ *encoder, dst, v []byte) ([]byte, bool) {
	if len(v) != 1 {
		return dst, false
	}
	if v[0] != 0 {
		return append(dst, "true"...), true
	}
	return append(dst, "false"...), true
}

func formatTinyint(_ *encoder, dst, v []byte) ([]byte, bool) {
	if len(v) != 1 {
		return dst, false
	}
	return cqlvalue.AppendInt(dst, int64(int8(v[0]))), true
}

func formatSmallint(_ *encoder, dst, v []byte) ([]byte, bool) {
	if len(v) != 2 {
		return dst, false
	}
	return cqlvalue.AppendInt(dst, int64(int16(binary.BigEndian.Uint16(v)))), true
}

func formatInt(_ *encoder, dst, v []byte) ([]byte, bool) {
	if len(v) != 4 {
		return dst, false
	}
	return cqlvalue.AppendInt(dst, int64(int32(binary.BigEndian.Uint32(v)))), true
}

func formatBigint(_ *encoder, dst, v []byte) ([]byte, bool) {
	if len(v) != 8 {
		return dst, false
	}
	return cqlvalue.AppendInt(dst, int64(binary.BigEndian.Uint64(v))), true
}

func (e *encoder) formatVarint(dst, v []byte) ([]byte, bool) {
	return e.digits.AppendVarint(dst, v), true
}

func (e *encoder) formatDecimal(dst, v []byte) ([]byte, bool) {
	return e.digits.AppendDecimal(dst, v)
}

func formatDouble(_ *encoder, dst, v []byte) ([]byte, bool) {
	if len(v) != 8 {
		return dst, false
	}
	return appendFloat(dst, math.Float64frombits(binary.BigEndian.Uint64(v)), 64), true
}

func formatFloat(_ *encoder, dst, v []byte) ([]byte, bool) {
	if len(v) != 4 {
		return dst, false
	}
	return appendFloat(dst, float64(math.Float32frombits(binary.BigEndian.Uint32(v))), 32), true
}

func formatUUID(_ *encoder, dst, v []byte) ([]byte, bool) {
	return cqlvalue.AppendUUID(dst, v)
}

func (e *encoder) formatTimestamp(dst, v []byte) ([]byte, bool) {
	if len(v) != 8 {
		return dst, false
	}
	return e.appendTimestamp(dst, int64(binary.BigEndian.Uint64(v))), true
}

func formatDate(_ *encoder, dst, v []byte) ([]byte, bool) {
	if len(v) != 4 {
		return dst, false
	}
	// 2^31 is the epoch: flipping the top bit gives days since it.
	out, err := cqlvalue.Date(int32(binary.BigEndian.Uint32(v) ^ 1<<31)).AppendText(dst)
	return out, err == nil
}

func formatTime(_ *encoder, dst, v []byte) ([]byte, bool) {
	if len(v) != 8 {
		return dst, false
	}
	ns := binary.BigEndian.Uint64(v)
	if ns >= 86400e9 {
		return dst, false
	}
	return cqlvalue.AppendTime(dst, ns), true
}

func formatInet(_ *encoder, dst, v []byte) ([]byte, bool) {
	return cqlvalue.AppendInet(dst, v)
}

func formatDuration(_ *encoder, dst, v []byte) ([]byte, bool) {
	d, err := cqltype.ReadDuration(v)
	if err != nil {
		return dst, false
	}
	out, err := d.AppendText(dst)
	return out, err == nil
}

// appendList appends a list or set as an array, each element written by
// elem: appendJSON, or the element type's jsonWriter; nil for text
// elements, written by appendJSONText with no call through a function
// value.
func (e *encoder) appendList(dst []byte, t *cqltype.Type, v []byte, elem valueWriter) ([]byte, error) {
	it, err := cqltype.ReadCollection(t, v)
	if err != nil || len(t.Elems) < 1 {
		return dst, malformed(t, v)
	}
	et := &t.Elems[0]
	dst = append(dst, '[')
	for i := range it.Len() {
		if i > 0 {
			dst = append(dst, ',')
		}
		ev, err := it.Next()
		if err != nil {
			return dst, malformed(t, v)
		}
		if elem == nil {
			dst = appendJSONText(dst, ev)
		} else if dst, err = elem(e, dst, et, ev); err != nil {
			return dst, err
		}
	}
	if it.End() != nil {
		return dst, malformed(t, v)
	}
	return append(dst, ']'), nil
}

// appendMap appends a map as an object, its keys written by appendKey and
// its values by val (appendJSON, or the value type's jsonWriter; nil for
// text values, as appendList's elem).
func (e *encoder) appendMap(dst []byte, t *cqltype.Type, v []byte, val valueWriter) ([]byte, error) {
	it, err := cqltype.ReadCollection(t, v)
	if err != nil || len(t.Elems) < 2 {
		return dst, malformed(t, v)
	}
	kt, vt := &t.Elems[0], &t.Elems[1]
	dst = append(dst, '{')
	for i := range it.Len() {
		if i > 0 {
			dst = append(dst, ',')
		}
		k, err := it.Next()
		if err != nil {
			return dst, malformed(t, v)
		}
		ev, err := it.Next()
		if err != nil {
			return dst, malformed(t, v)
		}
		if dst, err = e.appendKey(dst, kt, k); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if val == nil {
			dst = appendJSONText(dst, ev)
		} else if dst, err = val(e, dst, vt, ev); err != nil {
			return dst, err
		}
	}
	if it.End() != nil {
		return dst, malformed(t, v)
	}
	return append(dst, '}'), nil
}

// appendKey appends a map key as a JSON string: text as is, a null key as
// "null", a scalar as its plain text, a collection, tuple or UDT as its
// JSON text.
func (e *encoder) appendKey(dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
	switch {
	case cqltype.IsNull(t.Kind, v):
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
	return e.appendQuotedScalar(dst, t, v)
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
	it := cqltype.ReadFields(t, v)
	for i := range t.Elems {
		elem, err := it.Next()
		if err != nil {
			return dst, malformed(t, v)
		}
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
		if dst, err = e.appendJSON(dst, &t.Elems[i], elem); err != nil {
			return dst, err
		}
	}
	if it.End() != nil {
		return dst, malformed(t, v)
	}
	return append(dst, end), nil
}

// appendTimestamp appends a timestamp, milliseconds since the epoch, as
// the options say: RFC 3339 with milliseconds, in UTC or with the offset of
// the zone, or in a Go layout.
func (e *encoder) appendTimestamp(dst []byte, ms int64) []byte {
	if e.opts.layout == "" && e.opts.loc == nil {
		return e.stamps.Append(dst, ms)
	}
	loc := e.opts.loc
	if loc == nil {
		loc = time.UTC
	}
	t := time.UnixMilli(ms).In(loc)
	if e.opts.layout != "" {
		return t.AppendFormat(dst, e.opts.layout)
	}
	_, off := t.Zone()
	dst = cqlvalue.AppendDateTime(dst, ms, off)
	return appendOffset(dst, off)
}

// appendOffset appends a zone offset as RFC 3339 does: Z for zero, else
// +hh:mm or -hh:mm, and :ss when the offset has seconds (as local mean
// times before 1900 do), as Java's ISO_OFFSET_DATE_TIME writes them.
func appendOffset(dst []byte, off int) []byte {
	if off == 0 {
		return append(dst, 'Z')
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, sign, byte('0'+off/36000), byte('0'+off/3600%10), ':', byte('0'+off/600%6), byte('0'+off/60%10))
	if s := off % 60; s != 0 {
		dst = append(dst, ':', byte('0'+s/10), byte('0'+s%10))
	}
	return dst
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
	if bits == 64 {
		if out, ok := appendShortDecimal(dst, f); ok {
			return out
		}
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

// appendShortDecimal appends f when it is the double nearest to a decimal
// n/10^k with k at most 3 and |n| below 10^15, as prices, scores and
// measurements often are, and reports whether it was: that decimal is
// then the shortest that reads back as f (any two decimals of at most 15
// significant digits are different doubles), so the text is
// strconv.AppendFloat's, made without its search for the shortest digits.
// The smallest such k is taken, so the fraction has no trailing zero.
//
// One multiplication tells: for |f| below 10^12, f*1000 is within far less
// than a half of an integer n' whenever f is nearest to n'/1000, so f is
// such a decimal exactly when round(f*1000)/1000 is f; and a smaller k
// works exactly when n' ends in zeros (n'/1000 is then n/10^k), which are
// dropped.
func appendShortDecimal(dst []byte, f float64) ([]byte, bool) {
	if f == 0 || math.Abs(f) >= 1e12 {
		return dst, false // ±0 (strconv writes -0), and numbers of 13 digits or more before the point
	}
	m := math.Round(f * 1000)
	if m/1000 != f {
		return dst, false
	}
	n, k := int64(m), 3
	if n < 0 {
		dst, n = append(dst, '-'), -n
	}
	for k > 0 && n%10 == 0 {
		n, k = n/10, k-1
	}
	// The integer part, the point, then the k digits of the fraction,
	// leading zeros included (0.005 is 5 with k 3), each division by a
	// constant (a multiplication).
	switch k {
	case 0:
		return cqlvalue.AppendInt(dst, n), true
	case 1:
		return append(cqlvalue.AppendInt(dst, n/10), '.', byte('0'+n%10)), true
	case 2:
		d := n % 100
		return append(cqlvalue.AppendInt(dst, n/100), '.', byte('0'+d/10), byte('0'+d%10)), true
	}
	d := n % 1000
	return append(cqlvalue.AppendInt(dst, n/1000), '.', byte('0'+d/100), byte('0'+d/10%10), byte('0'+d%10)), true
}

const hexDigits = "0123456789abcdef"

// lsbs and msbs have the lowest and the highest bit of every byte of a
// word set, for tests on eight bytes at once.
const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)

// needsLook reports whether a byte of x may need escaping in a JSON
// string: a control character, a quote, a backslash or past ASCII. It
// flags a byte for sure when one matches (and maybe bytes after it), never
// when none does.
func needsLook(x uint64) bool {
	q, b := x^(lsbs*'"'), x^(lsbs*'\\')
	return ((x-lsbs*0x20)|(q-lsbs)&^q|(b-lsbs)&^b|x)&msbs != 0
}

// appendPlainShort appends s quoted when it is 1 to 16 bytes that need no
// escape and dst has room for them, by a few loads and stores (two that
// overlap from 4 bytes on) instead of a scan and a call to memmove: most
// text values are short. It reports false, having appended nothing,
// otherwise.
func appendPlainShort(dst, s []byte) ([]byte, bool) {
	n, m := len(s), len(dst)
	if n == 0 || n > 16 || cap(dst)-m < n+2 {
		return dst, false
	}
	out := dst[:m+n+2]
	switch {
	case n >= 8:
		lo, hi := binary.LittleEndian.Uint64(s), binary.LittleEndian.Uint64(s[n-8:])
		if needsLook(lo) || needsLook(hi) {
			return dst, false
		}
		binary.LittleEndian.PutUint64(out[m+1:], lo)
		binary.LittleEndian.PutUint64(out[m+1+n-8:], hi)
	case n >= 4:
		lo, hi := binary.LittleEndian.Uint32(s), binary.LittleEndian.Uint32(s[n-4:])
		if needsLook(uint64(lo) | uint64(hi)<<32) {
			return dst, false
		}
		binary.LittleEndian.PutUint32(out[m+1:], lo)
		binary.LittleEndian.PutUint32(out[m+1+n-4:], hi)
	default:
		for i, c := range s {
			if !jsonPlain[c] {
				return dst, false
			}
			out[m+1+i] = c
		}
	}
	out[m], out[m+1+n] = '"', '"'
	return out, true
}

// jsonPlain says which bytes a JSON string takes as they are: ASCII but
// for control characters, the quote and the backslash.
var jsonPlain = func() (plain [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
	}
	return plain
}()

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does with HTML escaping off: quote, backslash and control characters,
// U+2028 and U+2029 escaped, invalid UTF-8 replaced by \ufffd.
func appendJSONString(dst, s []byte) []byte {
	if out, ok := appendPlainShort(dst, s); ok {
		return out
	}
	return appendEscaped(dst, s)
}

// appendEscaped is appendJSONString's for any s: a scan for the bytes
// that need a look, eight at a time. The column loops of JSON Lines call
// appendPlainShort, then this, themselves: one call for most text, where
// appendJSONString, too large to be inlined, is two.
func appendEscaped(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs a look.
		for ; i+8 <= len(s) && !needsLook(binary.LittleEndian.Uint64(s[i:])); i += 8 {
		}
		for i < len(s) && jsonPlain[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
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

// csvNeedsQuotes reports whether a CSV field must be quoted, by the rules
// of encoding/csv: it holds the delimiter, a quote, CR or LF, begins with a
// Unicode space, or is `\.`.
func csvNeedsQuotes(field, delim []byte) bool {
	q := newCSVQuoting(delim)
	return q.needs(field)
}

// csvQuoting is csvNeedsQuotes' rule for one delimiter, made once per
// sink: every field of a CSV row is checked (a byte at a time, with
// bytes.IndexByte for the delimiter and a rune decoded for the space,
// it took a quarter of a CSV export's CPU).
type csvQuoting struct {
	// special marks '"', '\r', '\n' and a delimiter of one byte; word
	// is that delimiter in every byte of a word, for needs' loop.
	special [256]bool
	word    uint64
	// delim is a delimiter of several bytes (a rune past ASCII), looked
	// for apart; nil for one of one byte.
	delim []byte
}

// newCSVQuoting returns the rule for fields between delim.
func newCSVQuoting(delim []byte) csvQuoting {
	var q csvQuoting
	q.special['"'], q.special['\r'], q.special['\n'] = true, true, true
	if len(delim) == 1 {
		q.special[delim[0]], q.word = true, lsbs*uint64(delim[0])
	} else {
		q.delim, q.word = delim, lsbs*'"' // no delimiter byte: the quote's again
	}
	return q
}

// needs reports whether field must be quoted (csvNeedsQuotes).
func (q *csvQuoting) needs(field []byte) bool {
	n := len(field)
	if n == 0 {
		return false
	}
	c0 := field[0]
	if c0 == '\\' && n == 2 && field[1] == '.' {
		return true
	}
	// Eight bytes at a time: a byte of x equal to one of the four is a
	// zero byte of x^pattern, which (y-lsbs)&^y&msbs detects (exactly:
	// some byte is flagged if and only if one is zero).
	i := 0
	for ; i+8 <= n; i += 8 {
		x := binary.LittleEndian.Uint64(field[i:])
		if hasZeroByte(x^(lsbs*'"')) || hasZeroByte(x^(lsbs*'\r')) ||
			hasZeroByte(x^(lsbs*'\n')) || hasZeroByte(x^q.word) {
			return true
		}
	}
	for _, c := range field[i:] {
		if q.special[c] {
			return true
		}
	}
	if q.delim != nil && bytes.Contains(field, q.delim) {
		return true
	}
	if c0 < utf8.RuneSelf {
		return c0 == ' ' || '\t' <= c0 && c0 <= '\r' // unicode.IsSpace's ASCII
	}
	r, _ := utf8.DecodeRune(field)
	return unicode.IsSpace(r)
}

// hasZeroByte reports whether a byte of y is zero.
func hasZeroByte(y uint64) bool { return (y-lsbs)&^y&msbs != 0 }

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
