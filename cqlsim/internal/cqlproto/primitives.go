package cqlproto

import (
	"encoding/binary"
	"fmt"
	"net"
)

// Reader decodes protocol notations from a body. The first malformed field
// sets Err; later reads return zero values.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads from b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err is the first decoding error, or nil.
func (r *Reader) Err() error { return r.err }

// Len is the number of unread bytes.
func (r *Reader) Len() int { return len(r.b) }

func (r *Reader) fail(what string, need int) {
	if r.err == nil {
		r.err = fmt.Errorf("not enough bytes to read %s: need %d, have %d", what, need, len(r.b))
	}
	r.b = nil
}

// Failf records a decoding error of the caller's, unless one is recorded.
func (r *Reader) Failf(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
	r.b = nil
}

func (r *Reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail(what, n)
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	b := r.take(1, "a [byte]")
	if b == nil {
		return 0
	}
	return b[0]
}

// Short reads a [short].
func (r *Reader) Short() uint16 {
	b := r.take(2, "a [short]")
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

// Int reads an [int].
func (r *Reader) Int() int32 {
	b := r.take(4, "an [int]")
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Long reads a [long].
func (r *Reader) Long() int64 {
	b := r.take(8, "a [long]")
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// String reads a [string].
func (r *Reader) String() string {
	n := int(r.Short())
	return string(r.take(n, "a [string]"))
}

// LongString reads a [long string].
func (r *Reader) LongString() string {
	n := int(r.Int())
	if n < 0 {
		r.Failf("negative [long string] length %d", n)
		return ""
	}
	return string(r.take(n, "a [long string]"))
}

// Bytes reads [bytes]; a negative length is null (nil).
func (r *Reader) Bytes() []byte {
	n := int(r.Int())
	if n < 0 || r.err != nil {
		return nil
	}
	b := r.take(n, "[bytes]")
	if b == nil {
		return []byte{}
	}
	return b
}

// ShortBytes reads [short bytes].
func (r *Reader) ShortBytes() []byte {
	n := int(r.Short())
	return r.take(n, "[short bytes]")
}

// Unset is the marker Value returns for an unset [value] (length -2).
var Unset = []byte("\x00unset")

// Value reads a [value]: nil for null, Unset for "not set".
func (r *Reader) Value() []byte {
	n := int(r.Int())
	if r.err != nil {
		return nil
	}
	switch {
	case n == -1:
		return nil
	case n == -2:
		return Unset
	case n < -2:
		r.Failf("invalid [value] length %d", n)
		return nil
	}
	b := r.take(n, "a [value]")
	if b == nil {
		return []byte{}
	}
	return b
}

// IsUnset reports whether v is the Unset marker.
func IsUnset(v []byte) bool { return len(v) == len(Unset) && &v[0] == &Unset[0] }

// StringList reads a [string list].
func (r *Reader) StringList() []string {
	n := int(r.Short())
	if r.err != nil {
		return nil
	}
	if n*2 > len(r.b) {
		r.fail("a [string list]", n*2)
		return nil
	}
	l := make([]string, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		l = append(l, r.String())
	}
	return l
}

// StringMap reads a [string map].
func (r *Reader) StringMap() map[string]string {
	n := int(r.Short())
	if r.err != nil {
		return nil
	}
	if n*4 > len(r.b) {
		r.fail("a [string map]", n*4)
		return nil
	}
	m := make(map[string]string, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := r.String()
		m[k] = r.String()
	}
	return m
}

// Consistency reads a [consistency].
func (r *Reader) Consistency() uint16 { return r.Short() }

// AppendShort appends a [short].
func AppendShort(dst []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(dst, v) }

// AppendInt appends an [int].
func AppendInt(dst []byte, v int32) []byte { return binary.BigEndian.AppendUint32(dst, uint32(v)) }

// AppendLong appends a [long].
func AppendLong(dst []byte, v int64) []byte { return binary.BigEndian.AppendUint64(dst, uint64(v)) }

// AppendString appends a [string].
func AppendString(dst []byte, s string) []byte {
	dst = AppendShort(dst, uint16(len(s)))
	return append(dst, s...)
}

// AppendLongString appends a [long string].
func AppendLongString(dst []byte, s string) []byte {
	dst = AppendInt(dst, int32(len(s)))
	return append(dst, s...)
}

// AppendBytes appends [bytes]; nil is written as null (length -1).
func AppendBytes(dst []byte, b []byte) []byte {
	if b == nil {
		return AppendInt(dst, -1)
	}
	dst = AppendInt(dst, int32(len(b)))
	return append(dst, b...)
}

// AppendValue appends a [value]: nil is null (length -1) and the Unset
// marker is "not set" (length -2).
func AppendValue(dst []byte, v []byte) []byte {
	if IsUnset(v) {
		return AppendInt(dst, -2)
	}
	return AppendBytes(dst, v)
}

// AppendShortBytes appends [short bytes].
func AppendShortBytes(dst []byte, b []byte) []byte {
	dst = AppendShort(dst, uint16(len(b)))
	return append(dst, b...)
}

// AppendStringList appends a [string list].
func AppendStringList(dst []byte, l []string) []byte {
	dst = AppendShort(dst, uint16(len(l)))
	for _, s := range l {
		dst = AppendString(dst, s)
	}
	return dst
}

// AppendStringMap appends a [string map] with keys in the given order;
// keys missing from m get an empty value.
func AppendStringMap(dst []byte, keys []string, m map[string]string) []byte {
	dst = AppendShort(dst, uint16(len(keys)))
	for _, k := range keys {
		dst = AppendString(dst, k)
		dst = AppendString(dst, m[k])
	}
	return dst
}

// AppendStringMultimap appends a [string multimap] with keys in the given
// order.
func AppendStringMultimap(dst []byte, keys []string, m map[string][]string) []byte {
	dst = AppendShort(dst, uint16(len(keys)))
	for _, k := range keys {
		dst = AppendString(dst, k)
		dst = AppendStringList(dst, m[k])
	}
	return dst
}

// AppendInet appends an [inet]: address bytes and port.
func AppendInet(dst []byte, ip net.IP, port int) []byte {
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	dst = append(dst, byte(len(ip)))
	dst = append(dst, ip...)
	return AppendInt(dst, int32(port))
}

// AppendFrame appends a whole response frame: header (version 0x84) and body.
func AppendFrame(dst []byte, flags byte, stream int16, op Opcode, body []byte) []byte {
	return append(AppendResponseHeader(dst, flags, stream, op, len(body)), body...)
}

// AppendResponseHeader appends the header (version 0x84) of a response
// frame whose body is n bytes, for a body written apart.
func AppendResponseHeader(dst []byte, flags byte, stream int16, op Opcode, n int) []byte {
	return AppendHeader(dst, Header{Version: 0x80 | Version, Flags: flags, Stream: stream, Opcode: op, Length: uint32(n)})
}
