package cqltype

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// FromString serializes the textual form s of a scalar CQL value of type t,
// as Cassandra's AbstractType.fromString does. Its errors are *ValueError.
//
// Accepted text by type:
//   - integers: decimal digits with an optional sign, range-checked
//   - varint: decimal digits of any length; decimal: "1.25", "-3e-2" (exact)
//   - float, double: Go float syntax, plus "NaN" and "Infinity"
//   - boolean: "true" or "false", any case
//   - uuid, timeuuid: 8-4-4-4-12 hex
//   - timestamp: integer milliseconds, or "yyyy-mm-dd" optionally followed
//     by " hh:mm", " hh:mm:ss" or " hh:mm:ss.fff" (or 'T' instead of the
//     blank) and a zone "Z", "+hh", "+hhmm", "+hh:mm" or " UTC"; no zone is
//     UTC. Fractions of any length are truncated to milliseconds.
//   - date: "yyyy-mm-dd", or an integer: the raw unsigned value with the
//     epoch at 2^31
//   - time: "hh:mm:ss" with an optional fraction of up to 9 digits, or an
//     integer of nanoseconds
//   - inet: IPv4 or IPv6 address text; no host names
//   - blob, custom: hex digits, with or without 0x
//   - duration: "1y2mo3w4d5h6m7s8ms9us10ns" units, or ISO 8601 "P1Y2M3DT4H5M6S" and "P2W"
//   - ascii, text: the text itself, validated
//
// The empty string gives the empty value for the types that have one.
// Collections, tuples and UDTs are not supported.
func FromString(t Type, s string) ([]byte, error) {
	switch t.Kind {
	case Ascii, Varchar:
		b := []byte(s)
		if err := validate(t, b, 0); err != nil {
			return nil, err
		}
		return b, nil
	case Blob, Custom:
		return hexBytes(s)
	case List, Set, Map, Tuple, UDT:
		return nil, fmt.Errorf("FromString does not support %s values", t.Kind)
	}
	if s == "" {
		switch t.Kind {
		case Smallint, Tinyint, KindDate, Time, KindDuration:
		default:
			return []byte{}, nil
		}
	}
	switch t.Kind {
	case Tinyint, Smallint, Int, Bigint, Counter:
		return parseFixedInt(t.Kind, s)
	case Varint:
		n, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, invalidf("Unable to make varint from '%s'", s)
		}
		return appendVarint(nil, n), nil
	case KindDecimal:
		d, err := parseDecimal(s)
		if err != nil {
			return nil, err
		}
		return appendVarint(binary.BigEndian.AppendUint32(nil, uint32(d.Scale)), d.Unscaled), nil
	case Double:
		f, err := parseFloat(s, 64)
		if err != nil {
			return nil, invalidf("Unable to make double from '%s'", s)
		}
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)), nil
	case Float:
		f, err := parseFloat(s, 32)
		if err != nil {
			return nil, invalidf("Unable to make float from '%s'", s)
		}
		return binary.BigEndian.AppendUint32(nil, math.Float32bits(float32(f))), nil
	case Boolean:
		switch {
		case strings.EqualFold(s, "true"):
			return []byte{1}, nil
		case strings.EqualFold(s, "false"):
			return []byte{0}, nil
		}
		return nil, invalidf("Unable to make boolean from '%s'", s)
	case KindUUID, Timeuuid:
		u, err := cqlvalue.ParseUUID(s)
		if err != nil {
			return nil, invalidf("Unable to make UUID from '%s'", s)
		}
		if t.Kind == Timeuuid && u.Version() != 1 {
			return nil, invalidf("TimeUUID supports only version 1 UUIDs")
		}
		return u[:], nil
	case Timestamp:
		ms, err := parseTimestamp(s)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, uint64(ms)), nil
	case KindDate:
		raw, err := parseDate(s)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint32(nil, raw), nil
	case Time:
		ns, err := parseTime(s)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, uint64(ns)), nil
	case Inet:
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, invalidf("Unable to make inet address from '%s'", s)
		}
		return a.Unmap().AsSlice(), nil
	case KindDuration:
		d, err := ParseDuration(s)
		if err != nil {
			return nil, err
		}
		b := appendVint(nil, int64(d.Months))
		b = appendVint(b, int64(d.Days))
		return appendVint(b, d.Nanos), nil
	}
	return nil, fmt.Errorf("FromString does not support type %s", t.Kind)
}

func hexBytes(s string) ([]byte, error) {
	h := s
	if len(h) >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') {
		h = h[2:]
	}
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, invalidf("cannot parse '%s' as hex bytes", s)
	}
	return b, nil
}

func parseFixedInt(k Kind, s string) ([]byte, error) {
	bits, name := 64, "long"
	switch k {
	case Tinyint:
		bits, name = 8, "byte"
	case Smallint:
		bits, name = 16, "short"
	case Int:
		bits, name = 32, "int"
	}
	n, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return nil, invalidf("Unable to make %s from '%s'", name, s)
	}
	return appendFixedInt(nil, k, big.NewInt(n))
}

// parseFloat parses Go float syntax and Java's "Infinity" forms. Values out
// of range become infinities, as in Java.
func parseFloat(s string, bits int) (float64, error) {
	switch s {
	case "Infinity", "+Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	if strings.ContainsRune(s, '_') {
		return 0, strconv.ErrSyntax
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, err
	}
	return f, nil
}

// parseDecimal parses Java BigDecimal text: an optional sign, digits with
// an optional point, and an optional exponent.
func parseDecimal(s string) (Decimal, error) {
	bad := func() (Decimal, error) {
		return Decimal{}, invalidf("Value '%s' is not a valid representation of a decimal value", s)
	}
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
		if exp == "" {
			return bad()
		}
	}
	sign := ""
	if mant != "" && (mant[0] == '+' || mant[0] == '-') {
		sign, mant = mant[:1], mant[1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	if digits == "" {
		return bad()
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return bad()
		}
	}
	scale := int64(len(frac))
	if exp != "" {
		e, err := strconv.ParseInt(exp, 10, 32)
		if err != nil || exp[0] == '_' || strings.ContainsRune(exp, '_') {
			return bad()
		}
		scale -= e
	}
	if scale < math.MinInt32 || scale > math.MaxInt32 {
		return bad()
	}
	u, ok := new(big.Int).SetString(sign+digits, 10)
	if !ok {
		return bad()
	}
	return Decimal{Unscaled: u, Scale: int32(scale)}, nil
}

// scanner reads fixed-format date and time text.
type scanner struct {
	s   string
	pos int
}

// digits reads between lo and hi decimal digits.
func (sc *scanner) digits(lo, hi int) (int64, string, bool) {
	start := sc.pos
	for sc.pos < len(sc.s) && sc.pos-start < hi && sc.s[sc.pos] >= '0' && sc.s[sc.pos] <= '9' {
		sc.pos++
	}
	text := sc.s[start:sc.pos]
	if len(text) < lo {
		return 0, "", false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	return n, text, err == nil
}

func (sc *scanner) accept(c byte) bool {
	if sc.pos < len(sc.s) && sc.s[sc.pos] == c {
		sc.pos++
		return true
	}
	return false
}

func (sc *scanner) done() bool { return sc.pos == len(sc.s) }

// date reads [-]y-m-d and checks the day exists.
func (sc *scanner) date() (year, month, day int64, ok bool) {
	neg := sc.accept('-')
	if year, _, ok = sc.digits(1, 9); !ok {
		return
	}
	if neg {
		year = -year
	}
	if !sc.accept('-') {
		return 0, 0, 0, false
	}
	if month, _, ok = sc.digits(1, 2); !ok || !sc.accept('-') {
		return 0, 0, 0, false
	}
	if day, _, ok = sc.digits(1, 2); !ok {
		return
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return 0, 0, 0, false
	}
	// time.Date normalises 02-30 into March: refuse that.
	if time.Date(int(year), time.Month(month), int(day), 0, 0, 0, 0, time.UTC).Day() != int(day) {
		return 0, 0, 0, false
	}
	return year, month, day, true
}

// clock reads h:m[:s[.fraction]] and returns nanoseconds since midnight.
func (sc *scanner) clock(needSeconds bool) (int64, bool) {
	h, _, ok := sc.digits(1, 2)
	if !ok || h > 23 || !sc.accept(':') {
		return 0, false
	}
	m, _, ok := sc.digits(1, 2)
	if !ok || m > 59 {
		return 0, false
	}
	var sec, frac int64
	if sc.accept(':') {
		if sec, _, ok = sc.digits(1, 2); !ok || sec > 59 {
			return 0, false
		}
		if sc.accept('.') {
			var text string
			if _, text, ok = sc.digits(1, 9); !ok {
				return 0, false
			}
			frac, _ = strconv.ParseInt((text + "00000000")[:9], 10, 64)
		}
	} else if needSeconds {
		return 0, false
	}
	return ((h*60+m)*60+sec)*int64(time.Second) + frac, true
}

// zone reads an optional zone and returns its offset in seconds.
func (sc *scanner) zone() (int, bool) {
	if sc.done() {
		return 0, true
	}
	sc.accept(' ')
	rest := sc.s[sc.pos:]
	switch rest {
	case "Z", "z", "UTC", "GMT":
		sc.pos = len(sc.s)
		return 0, true
	}
	sign := 1
	switch {
	case sc.accept('+'):
	case sc.accept('-'):
		sign = -1
	default:
		return 0, false
	}
	h, _, ok := sc.digits(2, 2)
	if !ok || h > 18 {
		return 0, false
	}
	var m int64
	if !sc.done() {
		sc.accept(':')
		if m, _, ok = sc.digits(2, 2); !ok || m > 59 {
			return 0, false
		}
	}
	return sign * int(h*3600+m*60), sc.done()
}

// isInteger reports whether s is an optionally signed run of digits.
func isInteger(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseTimestamp(s string) (int64, error) {
	bad := invalidf("Unable to parse a date/time from '%s'", s)
	if isInteger(s) {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, bad
		}
		return ms, nil
	}
	sc := scanner{s: s}
	y, mo, d, ok := sc.date()
	if !ok {
		return 0, bad
	}
	var ns int64
	if sc.accept(' ') || sc.accept('T') {
		if ns, ok = sc.clock(false); !ok {
			return 0, bad
		}
	}
	off, ok := sc.zone()
	if !ok || !sc.done() {
		return 0, bad
	}
	// Years of up to 9 digits stay far inside time.Time's range, but not
	// inside int64 milliseconds: check before converting.
	secs := time.Date(int(y), time.Month(mo), int(d), 0, 0, 0, 0, time.UTC).Unix() + ns/int64(time.Second) - int64(off)
	if secs > math.MaxInt64/1000-1 || secs < math.MinInt64/1000+1 {
		return 0, bad
	}
	return secs*1000 + ns%int64(time.Second)/int64(time.Millisecond), nil
}

func parseDate(s string) (uint32, error) {
	bad := invalidf("Unable to coerce '%s' to a formatted date (long)", s)
	if isInteger(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > math.MaxUint32 {
			return 0, bad
		}
		return uint32(n), nil
	}
	sc := scanner{s: s}
	y, mo, d, ok := sc.date()
	if !ok || !sc.done() {
		return 0, bad
	}
	days := time.Date(int(y), time.Month(mo), int(d), 0, 0, 0, 0, time.UTC).Unix() / 86400
	if days < math.MinInt32 || days > math.MaxInt32 {
		return 0, bad
	}
	return uint32(days + 1<<31), nil
}

func parseTime(s string) (int64, error) {
	if isInteger(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n >= maxTimeNanos {
			return 0, invalidf("Unable to coerce '%s' to a formatted time (long)", s)
		}
		return n, nil
	}
	sc := scanner{s: s}
	ns, ok := sc.clock(true)
	if !ok || !sc.done() {
		return 0, invalidf("Unable to coerce '%s' to a formatted time (long)", s)
	}
	return ns, nil
}

// ParseDuration parses a CQL duration literal: units such as
// "1y2mo3w4d5h6m7s8ms9us10ns" (any case, "µs" too, an optional leading '-'),
// or ISO 8601 "P1Y2M3DT4H5M6S" and "P2W".
func ParseDuration(s string) (Duration, error) {
	bad := invalidf("Unable to convert '%s' to a duration", s)
	in := s
	neg := strings.HasPrefix(in, "-")
	if neg {
		in = in[1:]
	}
	var acc durationAcc
	var ok bool
	if strings.HasPrefix(in, "P") || strings.HasPrefix(in, "p") {
		ok = acc.iso(in[1:])
	} else {
		ok = acc.units(in)
	}
	if !ok {
		return Duration{}, bad
	}
	d := Duration{Months: int32(acc.months), Days: int32(acc.days), Nanos: acc.nanos}
	if neg {
		d = Duration{Months: -d.Months, Days: -d.Days, Nanos: -d.Nanos}
	}
	return d, nil
}

// durationAcc accumulates non-negative duration parts with overflow checks.
type durationAcc struct {
	months, days, nanos int64
	bad                 bool
}

// add adds n units; per is the unit's size within its part.
func (a *durationAcc) add(part *int64, n, per, limit int64) {
	if n > 0 && per > (limit-*part)/n {
		a.bad = true
		return
	}
	*part += n * per
}

func (a *durationAcc) unit(n int64, unit string) bool {
	const int32Max, int64Max = math.MaxInt32, math.MaxInt64
	switch strings.ToLower(unit) {
	case "y":
		a.add(&a.months, n, 12, int32Max)
	case "mo":
		a.add(&a.months, n, 1, int32Max)
	case "w":
		a.add(&a.days, n, 7, int32Max)
	case "d":
		a.add(&a.days, n, 1, int32Max)
	case "h":
		a.add(&a.nanos, n, int64(time.Hour), int64Max)
	case "m":
		a.add(&a.nanos, n, int64(time.Minute), int64Max)
	case "s":
		a.add(&a.nanos, n, int64(time.Second), int64Max)
	case "ms":
		a.add(&a.nanos, n, int64(time.Millisecond), int64Max)
	case "us", "µs":
		a.add(&a.nanos, n, int64(time.Microsecond), int64Max)
	case "ns":
		a.add(&a.nanos, n, 1, int64Max)
	default:
		return false
	}
	return !a.bad
}

// units parses "<n><unit>..." with units y mo w d h m s ms us µs ns.
func (a *durationAcc) units(s string) bool {
	if s == "" {
		return false
	}
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return false
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return false
		}
		s = s[i:]
		j := 0
		for j < len(s) && (s[j] < '0' || s[j] > '9') {
			_, size := utf8.DecodeRuneInString(s[j:])
			j += size
		}
		if !a.unit(n, s[:j]) {
			return false
		}
		s = s[j:]
	}
	return true
}

// iso parses the part of an ISO 8601 duration after the 'P'.
func (a *durationAcc) iso(s string) bool {
	if s == "" {
		return false
	}
	datePart, timePart, hasTime := strings.Cut(strings.ToUpper(s), "T")
	if hasTime && timePart == "" {
		return false
	}
	read := func(part string, units map[byte]string) bool {
		for part != "" {
			i := 0
			for i < len(part) && part[i] >= '0' && part[i] <= '9' {
				i++
			}
			if i == 0 || i == len(part) {
				return false
			}
			n, err := strconv.ParseInt(part[:i], 10, 64)
			if err != nil {
				return false
			}
			u, ok := units[part[i]]
			if !ok || !a.unit(n, u) {
				return false
			}
			part = part[i+1:]
		}
		return true
	}
	return read(datePart, map[byte]string{'Y': "y", 'M': "mo", 'W': "w", 'D': "d"}) &&
		read(timePart, map[byte]string{'H': "h", 'M': "m", 'S': "s"})
}
