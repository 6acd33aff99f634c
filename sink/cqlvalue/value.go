package cqlvalue

import (
	"fmt"
	"math/big"
	"time"
)

// Decimal is an arbitrary-precision decimal number: Unscaled × 10^-Scale.
// A nil Unscaled is zero.
type Decimal struct {
	Unscaled *big.Int
	Scale    int32
}

// String returns the exact value in plain notation, as Java's
// BigDecimal.toPlainString does: "1.25", "-0.005", "1200" for 12 with scale
// -2; or with an exponent when plain notation would add more than
// MaxPlainZeros zeros: "1E+101".
func (d Decimal) String() string {
	b, _ := d.AppendText(nil)
	return string(b)
}

// KV is one entry of a map value.
type KV struct {
	Key, Value any
}

// UUID is a uuid or timeuuid value.
type UUID [16]byte

// String returns u in the canonical 8-4-4-4-12 lower-case hex form.
func (u UUID) String() string {
	var buf [36]byte
	return string(appendUUID(buf[:0], u[:]))
}

// Version returns the UUID version, the high nibble of byte 6.
func (u UUID) Version() int { return int(u[6] >> 4) }

// ParseUUID parses the 8-4-4-4-12 hex form of a UUID.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("invalid UUID %q", s)
	}
	j := 0
	for i := 0; i < 36; {
		if s[i] == '-' {
			i++
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return UUID{}, fmt.Errorf("invalid UUID %q", s)
		}
		u[j] = hi<<4 | lo
		j++
		i += 2
	}
	return u, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Date is a CQL date: days since 1970-01-01, negative before.
type Date int32

// Time returns midnight UTC of d.
func (d Date) Time() time.Time {
	return time.Unix(int64(d)*86400, 0).UTC()
}

// String returns d as yyyy-mm-dd; see Date.AppendText for years outside
// 0 to 9999.
func (d Date) String() string {
	b, _ := d.AppendText(nil)
	return string(b)
}

// DateOf returns the date of t in t's location. Dates outside the range of
// Date wrap around.
func DateOf(t time.Time) Date { return Date(daysOf(t)) }

// daysOf returns the days from 1970-01-01 to the date of t in t's location.
func daysOf(t time.Time) int64 {
	y, m, day := t.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// Duration is a CQL duration. Months, Days and Nanos all have the same sign.
type Duration struct {
	Months int32
	Days   int32
	Nanos  int64
}

// String returns d in Cassandra's unit form, such as "1mo2d3h" or "-5ns".
func (d Duration) String() string {
	b, _ := d.AppendText(nil)
	return string(b)
}
