package cqltype

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// maxTimeNanos is the first value past the range of a time: 24 hours.
const maxTimeNanos = 86400 * int64(time.Second)

// ErrInvalidValue is wrapped by every error of Validate, and so of Decode, for
// bytes that are not a serialized value of the type. Its messages follow
// Cassandra's MarshalException texts.
var ErrInvalidValue = errors.New("invalid value")

// ValueError is a value that does not serialize its type. Error returns the
// message alone, as Cassandra would send it to a client.
type ValueError struct {
	Msg string
}

func (e *ValueError) Error() string { return e.Msg }

// Unwrap returns ErrInvalidValue.
func (e *ValueError) Unwrap() error { return ErrInvalidValue }

func invalidf(format string, args ...any) error {
	return &ValueError{Msg: fmt.Sprintf(format, args...)}
}

// Validate reports whether v is a valid serialized value of t, following
// Cassandra's validation of values bound by clients. A nil v (null) is
// valid. Inside lists, sets and maps v must use the protocol v4 layout and
// may not hold nulls. Unlike Cassandra, trailing bytes after a duration are
// refused.
func Validate(t Type, v []byte) error {
	if v == nil {
		return nil
	}
	return validate(t, v, 0)
}

func validate(t Type, v []byte, depth int) error {
	if depth > MaxDepth {
		return invalidf("value nested more than %d levels", MaxDepth)
	}
	n := len(v)
	switch t.Kind {
	case Custom, Blob:
		return nil
	case Ascii:
		for _, c := range v {
			if c > 127 {
				return invalidf("Invalid byte for ascii: %d", c)
			}
		}
		return nil
	case Varchar:
		if !utf8.Valid(v) {
			return invalidf("Invalid UTF-8 bytes %s", hexPrefix(v))
		}
		return nil
	case Bigint, Counter:
		if n != 8 && n != 0 {
			return invalidf("Expected 8 or 0 byte long (%d)", n)
		}
	case Timestamp:
		if n != 8 && n != 0 {
			return invalidf("Expected 8 or 0 byte long for date (%d)", n)
		}
	case Int:
		if n != 4 && n != 0 {
			return invalidf("Expected 4 or 0 byte int (%d)", n)
		}
	case Smallint:
		if n != 2 {
			return invalidf("Expected 2 bytes for a smallint (%d)", n)
		}
	case Tinyint:
		if n != 1 {
			return invalidf("Expected 1 byte for a tinyint (%d)", n)
		}
	case Boolean:
		if n != 1 && n != 0 {
			return invalidf("Expected 1 or 0 byte value (%d)", n)
		}
	case Double:
		if n != 8 && n != 0 {
			return invalidf("Expected 8 or 0 byte value for a double (%d)", n)
		}
	case Float:
		if n != 4 && n != 0 {
			return invalidf("Expected 4 or 0 byte value for a float (%d)", n)
		}
	case KindDate:
		if n != 4 {
			return invalidf("Expected 4 byte long for date (%d)", n)
		}
	case Time:
		if n != 8 {
			return invalidf("Expected 8 byte long for time (%d)", n)
		}
		if ns := int64(binary.BigEndian.Uint64(v)); ns < 0 || ns >= maxTimeNanos {
			return invalidf("Time value out of range: %d (must be 0 to %d nanoseconds)", ns, maxTimeNanos-1)
		}
	case KindUUID:
		if n != 16 && n != 0 {
			return invalidf("UUID should be 16 or 0 bytes (%d)", n)
		}
	case Timeuuid:
		if n != 16 && n != 0 {
			return invalidf("UUID should be 16 or 0 bytes (%d)", n)
		}
		if n == 16 && v[6]&0xF0 != 0x10 {
			return invalidf("Invalid version for TimeUUID type.")
		}
	case Inet:
		if n != 4 && n != 16 && n != 0 {
			return invalidf("Expected 4 or 16 byte inetaddress; got %d bytes", n)
		}
	case Varint:
		return nil
	case KindDecimal:
		if n > 0 && n < 4 {
			return invalidf("Valid BigDecimal must be at least 4 bytes")
		}
	case KindDuration:
		_, err := ReadDuration(v)
		return err
	case List, Set:
		return validateCollection(t, v, depth)
	case Map:
		return validateCollection(t, v, depth)
	case Tuple, UDT:
		return validateTuple(t, v, depth)
	default:
		return invalidf("cannot validate a value of unknown type %s", t.Kind)
	}
	return nil
}

// hexPrefix formats at most 32 bytes of v as 0x-prefixed hex.
func hexPrefix(v []byte) string {
	if len(v) > 32 {
		return fmt.Sprintf("0x%x...", v[:32])
	}
	return fmt.Sprintf("0x%x", v)
}

// elemTypes returns the element types of a collection: one for list and
// set, key and value for map. Missing parameters are blob.
func elemTypes(t Type) []Type {
	want := 1
	if t.Kind == Map {
		want = 2
	}
	if len(t.Elems) >= want {
		return t.Elems[:want]
	}
	out := make([]Type, want)
	copy(out, t.Elems)
	for i := len(t.Elems); i < want; i++ {
		out[i] = Type{Kind: Blob}
	}
	return out
}

func validateCollection(t Type, v []byte, depth int) error {
	it, err := ReadCollection(&t, v)
	if err != nil {
		return err
	}
	elems := elemTypes(t)
	for range it.Len() {
		for _, et := range elems {
			e, err := it.Next()
			if err != nil {
				return err
			}
			if e == nil {
				return invalidf("null is not supported inside collections")
			}
			if err := validate(et, e, depth+1); err != nil {
				return err
			}
		}
	}
	return it.End()
}

func validateTuple(t Type, v []byte, depth int) error {
	it := ReadFields(&t, v)
	for _, et := range t.Elems {
		e, err := it.Next()
		if err != nil {
			return err
		}
		if e == nil {
			continue
		}
		if err := validate(et, e, depth+1); err != nil {
			return err
		}
	}
	return it.End()
}
