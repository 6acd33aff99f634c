package cqltype

import (
	"encoding/binary"
	"errors"
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

// AppendValue appends v as a protocol [bytes]: an int32 length, -1 for nil,
// then the bytes.
func AppendValue(dst []byte, v []byte) []byte {
	if v == nil {
		return append(dst, 0xFF, 0xFF, 0xFF, 0xFF)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
	return append(dst, v...)
}

// errTruncated reports a [bytes] element that claims more bytes than remain.
var errTruncated = errors.New("truncated value")

// ReadValue reads a protocol [bytes] from b: the value (nil for a negative
// length, that is null) and the rest; ok is false when b is truncated.
func ReadValue(b []byte) (v, rest []byte, ok bool) {
	v, rest, err := readValue(b)
	return v, rest, err == nil
}

// readValue reads a protocol [bytes] from b: the value (nil for a negative
// length, that is null) and the remaining input.
func readValue(b []byte) (v, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, errTruncated
	}
	n := int32(binary.BigEndian.Uint32(b))
	b = b[4:]
	if n < 0 {
		return nil, b, nil
	}
	if int64(n) > int64(len(b)) {
		return nil, nil, errTruncated
	}
	return b[:n:n], b[n:], nil
}

// appendVarint appends the minimal two's-complement big-endian bytes of n.
func appendVarint(dst []byte, n *big.Int) []byte {
	switch n.Sign() {
	case 0:
		return append(dst, 0)
	case 1:
		b := n.Bytes()
		if b[0]&0x80 != 0 {
			dst = append(dst, 0)
		}
		return append(dst, b...)
	}
	// Negative: two's complement of |n| over enough bytes that the top
	// bit is set: ^(|n|-1).
	m := new(big.Int).Neg(n)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		dst = append(dst, 0xFF)
	}
	for _, c := range b {
		dst = append(dst, ^c)
	}
	return dst
}

// varintToBig decodes two's-complement big-endian bytes; empty is zero.
func varintToBig(b []byte) *big.Int {
	n := new(big.Int)
	if len(b) == 0 {
		return n
	}
	if b[0]&0x80 == 0 {
		return n.SetBytes(b)
	}
	inv := make([]byte, len(b))
	for i, c := range b {
		inv[i] = ^c
	}
	n.SetBytes(inv)
	n.Add(n, big.NewInt(1))
	return n.Neg(n)
}

// appendUvint appends v in Cassandra's unsigned vint encoding: the number of
// leading one bits of the first byte is the number of bytes that follow.
func appendUvint(dst []byte, v uint64) []byte {
	size := 1
	for size < 9 && v>>(7*size) != 0 {
		size++
	}
	if size == 1 {
		return append(dst, byte(v))
	}
	var buf [9]byte
	extra := size - 1
	for i := extra; i >= 0; i-- {
		buf[i] = byte(v)
		v >>= 8
	}
	buf[0] |= ^byte(0xFF >> extra)
	return append(dst, buf[:size]...)
}

// readUvint reads an unsigned vint and returns it with the bytes it took.
func readUvint(b []byte) (uint64, int, bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	first := b[0]
	extra := 0
	for extra < 8 && first&(0x80>>extra) != 0 {
		extra++
	}
	if len(b) < 1+extra {
		return 0, 0, false
	}
	v := uint64(first & (0xFF >> extra))
	if extra == 8 {
		v = 0
	}
	for i := 1; i <= extra; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, 1 + extra, true
}

func appendVint(dst []byte, v int64) []byte {
	return appendUvint(dst, uint64(v<<1)^uint64(v>>63))
}

// ReadVint reads a zigzag-encoded Cassandra vint (the parts of a
// duration) and returns it with the number of bytes it took; ok is false
// when b is too short.
func ReadVint(b []byte) (v int64, n int, ok bool) { return readVint(b) }

func readVint(b []byte) (int64, int, bool) {
	u, n, ok := readUvint(b)
	return int64(u>>1) ^ -int64(u&1), n, ok
}
