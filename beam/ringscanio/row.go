package ringscanio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"slices"
	"time"

	"github.com/ringscan/ringscan/sink"
)

// Row is one row of a table: column name to Go value, as
// sink.Batch.Decode gives it (docs/beam.md has the table):
//
//	ascii, text, varchar            string
//	tinyint, smallint, int, bigint  int8, int16, int32, int64
//	counter, time                   int64 (time: nanoseconds since midnight)
//	varint                          *big.Int
//	decimal                         sink.Decimal
//	float, double                   float32, float64
//	boolean                         bool
//	uuid, timeuuid                  sink.UUID
//	timestamp                       time.Time (UTC)
//	date                            sink.Date
//	blob                            []byte
//	inet                            net.IP
//	duration                        sink.Duration
//	list, set, tuple, UDT           []any (a UDT's fields in order)
//	map                             []sink.KV, in key order
//	null                            nil
//
// Its Beam coder (registered by this package) writes exactly these types,
// nested as they come, with keys in sorted order, so that equal rows
// encode alike; a value of any other type fails the encoding with an
// error naming it.
type Row map[string]any

// Tags of the Row coder's values.
const (
	tagNull byte = iota
	tagString
	tagBytes
	tagInt64
	tagInt32
	tagInt16
	tagInt8
	tagBool
	tagFloat64
	tagFloat32
	tagTime
	tagDate
	tagUUID
	tagIP
	tagVarint
	tagDecimal
	tagDuration
	tagList
	tagMap
)

// maxRowDepth bounds the nesting the coder follows, as CQL bounds types'.
const maxRowDepth = 64

// encodeRow is the Row coder's encoder.
func encodeRow(r Row) ([]byte, error) {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := binary.AppendUvarint(nil, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		var err error
		if b, err = appendValue(b, r[k], 0); err != nil {
			return nil, fmt.Errorf("ringscanio: encode column %q: %w", k, err)
		}
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBytes(b, v []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

func appendBig(b []byte, n *big.Int) []byte {
	sign := byte(0)
	if n.Sign() < 0 {
		sign = 1
	}
	return appendBytes(append(b, sign), n.Bytes())
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxRowDepth {
		return nil, fmt.Errorf("values nested more than %d levels", maxRowDepth)
	}
	switch x := v.(type) {
	case nil:
		return append(b, tagNull), nil
	case string:
		return appendString(append(b, tagString), x), nil
	case []byte:
		return appendBytes(append(b, tagBytes), x), nil
	case int64:
		return binary.BigEndian.AppendUint64(append(b, tagInt64), uint64(x)), nil
	case int32:
		return binary.BigEndian.AppendUint32(append(b, tagInt32), uint32(x)), nil
	case int16:
		return binary.BigEndian.AppendUint16(append(b, tagInt16), uint16(x)), nil
	case int8:
		return append(b, tagInt8, byte(x)), nil
	case bool:
		if x {
			return append(b, tagBool, 1), nil
		}
		return append(b, tagBool, 0), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(b, tagFloat64), math.Float64bits(x)), nil
	case float32:
		return binary.BigEndian.AppendUint32(append(b, tagFloat32), math.Float32bits(x)), nil
	case time.Time:
		t, err := x.MarshalBinary()
		if err != nil {
			return nil, err
		}
		return appendBytes(append(b, tagTime), t), nil
	case sink.Date:
		return binary.BigEndian.AppendUint32(append(b, tagDate), uint32(x)), nil
	case sink.UUID:
		return append(append(b, tagUUID), x[:]...), nil
	case net.IP:
		return appendBytes(append(b, tagIP), x), nil
	case *big.Int:
		if x == nil {
			return append(b, tagNull), nil
		}
		return appendBig(append(b, tagVarint), x), nil
	case sink.Decimal:
		b = binary.BigEndian.AppendUint32(append(b, tagDecimal), uint32(x.Scale))
		n := x.Unscaled
		if n == nil {
			n = new(big.Int)
		}
		return appendBig(b, n), nil
	case sink.Duration:
		b = binary.BigEndian.AppendUint32(append(b, tagDuration), uint32(x.Months))
		b = binary.BigEndian.AppendUint32(b, uint32(x.Days))
		return binary.BigEndian.AppendUint64(b, uint64(x.Nanos)), nil
	case []any:
		b = binary.AppendUvarint(append(b, tagList), uint64(len(x)))
		for i, e := range x {
			var err error
			if b, err = appendValue(b, e, depth+1); err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return b, nil
	case []sink.KV:
		b = binary.AppendUvarint(append(b, tagMap), uint64(len(x)))
		for i, kv := range x {
			var err error
			if b, err = appendValue(b, kv.Key, depth+1); err != nil {
				return nil, fmt.Errorf("key %d: %w", i, err)
			}
			if b, err = appendValue(b, kv.Value, depth+1); err != nil {
				return nil, fmt.Errorf("value %d: %w", i, err)
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("a Row value of type %T cannot be encoded: a Row holds the Go types sink.Batch.Decode gives (docs/beam.md)", v)
}

// errShortRow is the decoder's error for a truncated encoding.
var errShortRow = errors.New("truncated")

// rowReader reads the Row coder's encoding.
type rowReader struct {
	b   []byte
	err error
}

func (r *rowReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *rowReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail(errShortRow)
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *rowReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errShortRow)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// length reads a count or length, which cannot exceed what is left.
func (r *rowReader) length() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail(errShortRow)
		return 0
	}
	return int(n)
}

func (r *rowReader) u8() byte {
	if v := r.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *rowReader) u16() uint16 {
	if v := r.take(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (r *rowReader) u32() uint32 {
	if v := r.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *rowReader) u64() uint64 {
	if v := r.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (r *rowReader) bytes() []byte { return r.take(r.length()) }

func (r *rowReader) big() *big.Int {
	sign := r.u8()
	n := new(big.Int).SetBytes(r.bytes())
	if sign == 1 {
		n.Neg(n)
	}
	return n
}

func (r *rowReader) value(depth int) any {
	if depth > maxRowDepth {
		r.fail(fmt.Errorf("values nested more than %d levels", maxRowDepth))
		return nil
	}
	switch tag := r.u8(); tag {
	case tagNull:
		return nil
	case tagString:
		return string(r.bytes())
	case tagBytes:
		return append([]byte{}, r.bytes()...)
	case tagInt64:
		return int64(r.u64())
	case tagInt32:
		return int32(r.u32())
	case tagInt16:
		return int16(r.u16())
	case tagInt8:
		return int8(r.u8())
	case tagBool:
		return r.u8() != 0
	case tagFloat64:
		return math.Float64frombits(r.u64())
	case tagFloat32:
		return math.Float32frombits(r.u32())
	case tagTime:
		var t time.Time
		if b := r.bytes(); r.err == nil {
			if err := t.UnmarshalBinary(b); err != nil {
				r.fail(err)
			}
		}
		return t
	case tagDate:
		return sink.Date(int32(r.u32()))
	case tagUUID:
		var u sink.UUID
		copy(u[:], r.take(16))
		return u
	case tagIP:
		return net.IP(append([]byte{}, r.bytes()...))
	case tagVarint:
		return r.big()
	case tagDecimal:
		scale := int32(r.u32())
		return sink.Decimal{Scale: scale, Unscaled: r.big()}
	case tagDuration:
		return sink.Duration{Months: int32(r.u32()), Days: int32(r.u32()), Nanos: int64(r.u64())}
	case tagList:
		n := r.length()
		out := make([]any, 0, n)
		for range n {
			out = append(out, r.value(depth+1))
		}
		return out
	case tagMap:
		n := r.length()
		out := make([]sink.KV, 0, n)
		for range n {
			k := r.value(depth + 1)
			out = append(out, sink.KV{Key: k, Value: r.value(depth + 1)})
		}
		return out
	default:
		r.fail(fmt.Errorf("unknown value tag %d", tag))
		return nil
	}
}

// decodeRow is the Row coder's decoder.
func decodeRow(b []byte) (Row, error) {
	r := &rowReader{b: b}
	n := r.length()
	row := make(Row, n)
	for range n {
		k := string(r.bytes())
		row[k] = r.value(0)
	}
	if r.err == nil && len(r.b) > 0 {
		r.fail(fmt.Errorf("%d bytes after the row", len(r.b)))
	}
	if r.err != nil {
		return nil, fmt.Errorf("ringscanio: decode row: %w", r.err)
	}
	return row, nil
}

// rowOf decodes row i of b.
func rowOf(b *sink.Batch, i int) (Row, error) {
	r := make(Row, len(b.Columns))
	for j, c := range b.Columns {
		v, err := b.Decode(i, j)
		if err != nil {
			return nil, fmt.Errorf("ringscanio: column %s: %w", c.Name, err)
		}
		r[c.Name] = v
	}
	return r, nil
}
