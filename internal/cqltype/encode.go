package cqltype

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"time"
)

// ErrUnsupportedGoType is wrapped by the errors of Encode for a Go value it
// cannot convert to the CQL type.
var ErrUnsupportedGoType = errors.New("unsupported Go type")

// Encode serializes the Go value v as a value of type t. A nil v, or a nil
// pointer, gives nil (null); a non-nil pointer is dereferenced.
//
// Accepted Go values by CQL type:
//   - tinyint, smallint, int, bigint, counter: any Go integer, range-checked
//   - varint: any Go integer, *big.Int, big.Int
//   - decimal: Decimal, *big.Int and Go integers (scale 0)
//   - float: float32, float64 that converts exactly; double: float64, float32
//   - boolean: bool
//   - ascii, text: string, []byte (validated); blob, custom: []byte, string
//   - timestamp: time.Time, Go integers (milliseconds since the epoch)
//   - date: Date, time.Time (its date in UTC)
//   - time: time.Duration, Go integers (nanoseconds since midnight)
//   - uuid, timeuuid: UUID, [16]byte, 16-byte []byte
//   - inet: net.IP, netip.Addr (IPv4 and IPv4-mapped addresses take 4 bytes)
//   - duration: Duration, time.Duration
//   - list, set: slices and arrays; sets are sorted by Compare and
//     deduplicated as Cassandra stores them
//   - map: Go maps and []KV, sorted by key with Compare; of equal keys the
//     last one wins
//   - tuple, UDT: slices and arrays with one element per field (nil for a
//     null field); UDT also map[string]any by field name
//
// For any scalar type other than ascii, text, blob and custom, a string is
// parsed as a CQL literal by FromString.
func Encode(t Type, v any) ([]byte, error) {
	b, err := encode(t, v, 0)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", t, err)
	}
	return b, nil
}

func encode(t Type, v any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("value nested more than %d levels", MaxDepth)
	}
	if v == nil {
		return nil, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, nil
		}
		if _, ok := v.(*big.Int); !ok {
			return encode(t, rv.Elem().Interface(), depth)
		}
	}
	if s, ok := v.(string); ok && !t.IsCollection() && t.Kind != Tuple && t.Kind != UDT &&
		t.Kind != Ascii && t.Kind != Varchar && t.Kind != Blob && t.Kind != Custom {
		return FromString(t, s)
	}
	switch t.Kind {
	case Ascii, Varchar:
		var b []byte
		switch x := v.(type) {
		case string:
			b = []byte(x)
		case []byte:
			b = append([]byte{}, x...)
		default:
			rv := reflect.ValueOf(v)
			if rv.Kind() != reflect.String {
				return nil, unsupported(v)
			}
			b = []byte(rv.String())
		}
		if err := validate(t, b, depth); err != nil {
			return nil, err
		}
		return b, nil
	case Blob, Custom:
		switch x := v.(type) {
		case string:
			return []byte(x), nil
		case []byte:
			return append([]byte{}, x...), nil
		}
		return nil, unsupported(v)
	case Tinyint, Smallint, Int, Bigint, Counter:
		n, err := intOf(v)
		if err != nil {
			return nil, err
		}
		return appendFixedInt(nil, t.Kind, n)
	case Varint:
		n, err := bigOf(v)
		if err != nil {
			return nil, err
		}
		return appendVarint(nil, n), nil
	case KindDecimal:
		var d Decimal
		switch x := v.(type) {
		case Decimal:
			d = x
		default:
			n, err := bigOf(v)
			if err != nil {
				return nil, err
			}
			d.Unscaled = n
		}
		u := d.Unscaled
		if u == nil {
			u = new(big.Int)
		}
		b := binary.BigEndian.AppendUint32(nil, uint32(d.Scale))
		return appendVarint(b, u), nil
	case Double:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		default:
			return nil, unsupported(v)
		}
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)), nil
	case Float:
		var f float32
		switch x := v.(type) {
		case float32:
			f = x
		case float64:
			f = float32(x)
			if float64(f) != x && !math.IsNaN(x) {
				return nil, fmt.Errorf("float64 %v does not fit a float exactly", x)
			}
		default:
			return nil, unsupported(v)
		}
		return binary.BigEndian.AppendUint32(nil, math.Float32bits(f)), nil
	case Boolean:
		x, ok := v.(bool)
		if !ok {
			return nil, unsupported(v)
		}
		if x {
			return []byte{1}, nil
		}
		return []byte{0}, nil
	case Timestamp:
		var ms int64
		if x, ok := v.(time.Time); ok {
			ms = x.UnixMilli()
		} else {
			n, err := intOf(v)
			if err != nil {
				return nil, err
			}
			if !n.IsInt64() {
				return nil, fmt.Errorf("%v out of range", n)
			}
			ms = n.Int64()
		}
		return binary.BigEndian.AppendUint64(nil, uint64(ms)), nil
	case KindDate:
		var d Date
		switch x := v.(type) {
		case Date:
			d = x
		case time.Time:
			u := x.UTC()
			days := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
			if days < math.MinInt32 || days > math.MaxInt32 {
				return nil, fmt.Errorf("date %v out of range", x)
			}
			d = Date(days)
		default:
			return nil, unsupported(v)
		}
		return binary.BigEndian.AppendUint32(nil, uint32(int64(d)+1<<31)), nil
	case Time:
		var ns int64
		if x, ok := v.(time.Duration); ok {
			ns = int64(x)
		} else {
			n, err := intOf(v)
			if err != nil {
				return nil, err
			}
			if !n.IsInt64() {
				return nil, fmt.Errorf("%v out of range", n)
			}
			ns = n.Int64()
		}
		if ns < 0 || ns >= maxTimeNanos {
			return nil, fmt.Errorf("time %d out of range (0 to %d nanoseconds)", ns, maxTimeNanos-1)
		}
		return binary.BigEndian.AppendUint64(nil, uint64(ns)), nil
	case KindUUID, Timeuuid:
		var u UUID
		switch x := v.(type) {
		case UUID:
			u = x
		case [16]byte:
			u = x
		case []byte:
			if len(x) != 16 {
				return nil, fmt.Errorf("UUID needs 16 bytes, got %d", len(x))
			}
			u = UUID(x)
		default:
			return nil, unsupported(v)
		}
		if t.Kind == Timeuuid && u.Version() != 1 {
			return nil, fmt.Errorf("%s is a version %d UUID, timeuuid needs version 1", u, u.Version())
		}
		return u[:], nil
	case Inet:
		switch x := v.(type) {
		case net.IP:
			if ip4 := x.To4(); ip4 != nil {
				return append([]byte{}, ip4...), nil
			}
			if len(x) == net.IPv6len {
				return append([]byte{}, x...), nil
			}
			return nil, fmt.Errorf("invalid net.IP of %d bytes", len(x))
		case netip.Addr:
			if !x.IsValid() {
				return nil, fmt.Errorf("invalid netip.Addr")
			}
			return x.Unmap().AsSlice(), nil
		}
		return nil, unsupported(v)
	case KindDuration:
		var d Duration
		switch x := v.(type) {
		case Duration:
			d = x
		case time.Duration:
			d.Nanos = int64(x)
		default:
			return nil, unsupported(v)
		}
		if !(d.Months >= 0 && d.Days >= 0 && d.Nanos >= 0 || d.Months <= 0 && d.Days <= 0 && d.Nanos <= 0) {
			return nil, fmt.Errorf("duration months, days and nanoseconds must have the same sign (%d, %d, %d)", d.Months, d.Days, d.Nanos)
		}
		b := appendVint(nil, int64(d.Months))
		b = appendVint(b, int64(d.Days))
		return appendVint(b, d.Nanos), nil
	case List, Set:
		return encodeListOrSet(t, v, depth)
	case Map:
		return encodeMap(t, v, depth)
	case Tuple, UDT:
		return encodeTuple(t, v, depth)
	}
	return nil, fmt.Errorf("cannot encode values of unknown type %s", t.Kind)
}

func unsupported(v any) error {
	return fmt.Errorf("%w %T", ErrUnsupportedGoType, v)
}

// intOf converts any Go integer, including named integer types, to a big.Int.
func intOf(v any) (*big.Int, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return big.NewInt(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return new(big.Int).SetUint64(rv.Uint()), nil
	}
	return nil, unsupported(v)
}

// bigOf converts Go integers, *big.Int and big.Int to a big.Int.
func bigOf(v any) (*big.Int, error) {
	switch x := v.(type) {
	case *big.Int:
		return x, nil
	case big.Int:
		return &x, nil
	}
	return intOf(v)
}

// appendFixedInt appends n as the fixed-width integer of kind k.
func appendFixedInt(dst []byte, k Kind, n *big.Int) ([]byte, error) {
	var lo, hi int64
	switch k {
	case Tinyint:
		lo, hi = math.MinInt8, math.MaxInt8
	case Smallint:
		lo, hi = math.MinInt16, math.MaxInt16
	case Int:
		lo, hi = math.MinInt32, math.MaxInt32
	default:
		lo, hi = math.MinInt64, math.MaxInt64
	}
	if !n.IsInt64() || n.Int64() < lo || n.Int64() > hi {
		return nil, fmt.Errorf("%v out of range for %s", n, k)
	}
	x := n.Int64()
	switch k {
	case Tinyint:
		return append(dst, byte(x)), nil
	case Smallint:
		return binary.BigEndian.AppendUint16(dst, uint16(x)), nil
	case Int:
		return binary.BigEndian.AppendUint32(dst, uint32(x)), nil
	}
	return binary.BigEndian.AppendUint64(dst, uint64(x)), nil
}

// sequence returns the elements of a slice or array.
func sequence(v any) ([]any, bool) {
	if x, ok := v.([]any); ok {
		return x, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

var errNullInCollection = errors.New("null is not supported inside collections")

// encodeElem encodes one element of a collection, where null is refused.
func encodeElem(t Type, v any, depth int) ([]byte, error) {
	b, err := encode(t, v, depth+1)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, errNullInCollection
	}
	return b, nil
}

func encodeListOrSet(t Type, v any, depth int) ([]byte, error) {
	items, ok := sequence(v)
	if !ok {
		return nil, unsupported(v)
	}
	et := elemTypes(t)[0]
	elems := make([][]byte, 0, len(items))
	for _, item := range items {
		b, err := encodeElem(et, item, depth)
		if err != nil {
			return nil, err
		}
		elems = append(elems, b)
	}
	return AppendCollection(nil, t, elems), nil
}

func encodeMap(t Type, v any, depth int) ([]byte, error) {
	var entries []KV
	switch x := v.(type) {
	case []KV:
		entries = x
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Map {
			return nil, unsupported(v)
		}
		entries = make([]KV, 0, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			entries = append(entries, KV{Key: it.Key().Interface(), Value: it.Value().Interface()})
		}
	}
	et := elemTypes(t)
	elems := make([][]byte, 0, 2*len(entries))
	for _, e := range entries {
		k, err := encodeElem(et[0], e.Key, depth)
		if err != nil {
			return nil, err
		}
		val, err := encodeElem(et[1], e.Value, depth)
		if err != nil {
			return nil, err
		}
		elems = append(elems, k, val)
	}
	return AppendCollection(nil, t, elems), nil
}

// AppendCollection appends the serialized list, set or map of type t whose
// elements are elems (for a map, its keys and values in turn), none of
// them null, stored as Cassandra stores collections: a set sorted by
// Compare without duplicates, a map sorted by key with one entry per key,
// the last one given; a list as it is.
func AppendCollection(dst []byte, t Type, elems [][]byte) []byte {
	et := elemTypes(t)[0]
	switch t.Kind {
	case Set:
		elems = slices.Clone(elems)
		slices.SortStableFunc(elems, func(a, b []byte) int { return Compare(et, a, b) })
		elems = slices.CompactFunc(elems, func(a, b []byte) bool { return Compare(et, a, b) == 0 })
	case Map:
		type pair struct{ k, v []byte }
		pairs := make([]pair, len(elems)/2)
		for i := range pairs {
			pairs[i] = pair{elems[2*i], elems[2*i+1]}
		}
		slices.SortStableFunc(pairs, func(a, b pair) int { return Compare(et, a.k, b.k) })
		elems = make([][]byte, 0, len(elems))
		for i, p := range pairs {
			// Of equal keys keep the last.
			if i+1 < len(pairs) && Compare(et, p.k, pairs[i+1].k) == 0 {
				continue
			}
			elems = append(elems, p.k, p.v)
		}
	}
	n := len(elems)
	if t.Kind == Map {
		n /= 2
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	for _, e := range elems {
		dst = AppendValue(dst, e)
	}
	return dst
}

func encodeTuple(t Type, v any, depth int) ([]byte, error) {
	var items []any
	if m, ok := v.(map[string]any); ok && t.Kind == UDT {
		items = make([]any, len(t.Elems))
		known := 0
		for i := range t.Elems {
			if i < len(t.Fields) {
				if x, ok := m[t.Fields[i]]; ok {
					items[i] = x
					known++
				}
			}
		}
		if known != len(m) {
			return nil, fmt.Errorf("map has fields that %s does not have", t)
		}
	} else {
		var ok bool
		if items, ok = sequence(v); !ok {
			return nil, unsupported(v)
		}
		if len(items) != len(t.Elems) {
			return nil, fmt.Errorf("%s needs %d elements, got %d", t, len(t.Elems), len(items))
		}
	}
	var out []byte
	for i, et := range t.Elems {
		b, err := encode(et, items[i], depth+1)
		if err != nil {
			return nil, err
		}
		out = AppendValue(out, b)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}
