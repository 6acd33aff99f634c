package cqltype

import (
	"encoding/binary"
	"errors"
	"math/big"

	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// The Go types of values, which Decode returns and Encode accepts, are
// package cqlvalue's, public because sink.Batch.Decode and scanner.Row
// hand them to users. They are named here too, so that this package's
// code reads as before.
type (
	// Decimal is cqlvalue.Decimal.
	Decimal = cqlvalue.Decimal
	// KV is cqlvalue.KV.
	KV = cqlvalue.KV
	// UUID is cqlvalue.UUID.
	UUID = cqlvalue.UUID
	// Date is cqlvalue.Date.
	Date = cqlvalue.Date
	// Duration is cqlvalue.Duration.
	Duration = cqlvalue.Duration
)

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
