package cqltype

import (
	"encoding/binary"
	"math"
	"net"
	"time"
)

// Decode returns the Go value of the serialized value b of type t. It
// validates b first (see Validate) and returns its error.
//
// Go types by CQL type: nil for null; string for ascii and text; int8, int16,
// int32 and int64 for tinyint, smallint, int and bigint; int64 for counter
// and time (nanoseconds since midnight); *big.Int for varint; Decimal;
// bool; float32 and float64 for float and double; UUID for uuid and
// timeuuid; time.Time in UTC for timestamp; Date; Duration; []byte for blob
// and custom types; net.IP for inet; []any for list, set, tuple and UDT (a
// tuple or UDT value with fewer fields than its type is padded with nils);
// []KV for map, in stored order.
//
// An empty (0-length) value of a type other than ascii, text, blob and
// custom decodes to nil, as Cassandra's deserializers make it null. The
// result never aliases b.
func Decode(t Type, b []byte) (any, error) {
	if b == nil {
		return nil, nil
	}
	if err := validate(t, b, 0); err != nil {
		return nil, err
	}
	return decodeValid(t, b), nil
}

// IsNull reports whether v reads as null for a value of kind k: nil, or
// the empty value of a type other than ascii, text, blob and custom, which
// Cassandra's deserializers make null.
func IsNull(k Kind, v []byte) bool {
	if v == nil {
		return true
	}
	if len(v) > 0 {
		return false
	}
	switch k {
	case Ascii, Varchar, Blob, Custom:
		return false
	}
	return true
}

// decodeValid decodes a value that passed validate.
func decodeValid(t Type, b []byte) any {
	switch t.Kind {
	case Ascii, Varchar:
		return string(b)
	case Blob, Custom:
		return append([]byte{}, b...)
	}
	if len(b) == 0 {
		return nil
	}
	switch t.Kind {
	case Bigint, Counter, Time:
		return int64(binary.BigEndian.Uint64(b))
	case Int:
		return int32(binary.BigEndian.Uint32(b))
	case Smallint:
		return int16(binary.BigEndian.Uint16(b))
	case Tinyint:
		return int8(b[0])
	case Boolean:
		return b[0] != 0
	case Double:
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	case Float:
		return math.Float32frombits(binary.BigEndian.Uint32(b))
	case Timestamp:
		return time.UnixMilli(int64(binary.BigEndian.Uint64(b))).UTC()
	case KindDate:
		return Date(int32(binary.BigEndian.Uint32(b) - 1<<31))
	case KindUUID, Timeuuid:
		return UUID(b)
	case Inet:
		return net.IP(append([]byte{}, b...))
	case Varint:
		return varintToBig(b)
	case KindDecimal:
		return Decimal{Scale: int32(binary.BigEndian.Uint32(b)), Unscaled: varintToBig(b[4:])}
	case KindDuration:
		d, _ := ReadDuration(b)
		return d
	case List, Set:
		it, _ := ReadCollection(&t, b)
		out := make([]any, it.Len())
		et := elemTypes(t)[0]
		for i := range out {
			e, _ := it.Next()
			out[i] = decodeValid(et, e)
		}
		return out
	case Map:
		it, _ := ReadCollection(&t, b)
		out := make([]KV, it.Len())
		et := elemTypes(t)
		for i := range out {
			k, _ := it.Next()
			v, _ := it.Next()
			out[i] = KV{Key: decodeValid(et[0], k), Value: decodeValid(et[1], v)}
		}
		return out
	case Tuple, UDT:
		out := make([]any, len(t.Elems))
		it := ReadFields(&t, b)
		for i, et := range t.Elems {
			if e, _ := it.Next(); e != nil {
				out[i] = decodeValid(et, e)
			}
		}
		return out
	}
	return nil
}
