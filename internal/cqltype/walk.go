package cqltype

import (
	"encoding/binary"
	"math"
)

// This file is the one reader of serialized collections, tuples, UDTs and
// durations (protocol v4 section 6). Validate, Compare and Decode use it,
// and so do the sinks' encoders: no other code walks these layouts. Its
// errors are *ValueError with Cassandra's MarshalException texts; callers
// that report malformed values in their own words check only that there is
// one.

// Elements reads the elements of a serialized list or set, or the keys and
// values of a map, in turn: an [int] count, then a [bytes] per element
// (per key and per value for a map), a negative length being null. The
// zero value is an empty collection.
type Elements struct {
	kind Kind
	n    int    // elements, or map entries
	left int    // values not read yet
	rest []byte // their bytes
}

// ReadCollection starts reading v, a serialized value of the list, set or
// map type t. It checks the count against the input, every element taking
// at least 4 bytes (8 per map entry), so that a count never makes a caller
// allocate more than the input could hold.
func ReadCollection(t *Type, v []byte) (Elements, error) {
	if len(v) < 4 {
		return Elements{}, invalidf("Not enough bytes to read a %s", t.Kind)
	}
	n := int32(binary.BigEndian.Uint32(v))
	v = v[4:]
	if n < 0 {
		return Elements{}, invalidf("Negative %s size %d", t.Kind, n)
	}
	per := 1
	if t.Kind == Map {
		per = 2
	}
	if int64(n) > int64(len(v)/(4*per)) {
		return Elements{}, invalidf("Not enough bytes to read a %s", t.Kind)
	}
	return Elements{kind: t.Kind, n: int(n), left: int(n) * per, rest: v}, nil
}

// Len returns the number of elements, or of entries of a map.
func (e *Elements) Len() int { return e.n }

// Next returns the next element, or the next key or value of a map: nil
// for null. Past the last one, or when the bytes are cut short, it returns
// an error.
func (e *Elements) Next() ([]byte, error) {
	if e.left == 0 {
		return nil, invalidf("No more elements in the %s value", e.kind)
	}
	v, rest, err := readValue(e.rest)
	if err != nil {
		return nil, invalidf("Not enough bytes to read a %s", e.kind)
	}
	e.left--
	e.rest = rest
	return v, nil
}

// End reports an error unless every element was read and no bytes follow
// the last one.
func (e *Elements) End() error {
	if e.left != 0 {
		return invalidf("%d values of the %s value not read", e.left, e.kind)
	}
	if len(e.rest) != 0 {
		return invalidf("Unexpected extraneous bytes after %s value", e.kind)
	}
	return nil
}

// Fields reads the fields of a serialized tuple or UDT value: a [bytes]
// per field, in the order of the type's fields, a negative length being
// null. A value may end before its last fields, which then read as null,
// as Cassandra allows after a type gained fields.
type Fields struct {
	udt  bool
	n, i int // fields of the type, fields read
	rest []byte
}

// ReadFields starts reading v, a serialized value of the tuple or UDT type
// t.
func ReadFields(t *Type, v []byte) Fields {
	return Fields{udt: t.Kind == UDT, n: len(t.Elems), rest: v}
}

// Len returns the number of fields of the type.
func (f *Fields) Len() int { return f.n }

// Next returns the next field: nil for null or for a field missing at the
// end of the value. Past the last field, or when the bytes are cut short,
// it returns an error.
func (f *Fields) Next() ([]byte, error) {
	what := "component"
	if f.udt {
		what = "field"
	}
	if f.i >= f.n {
		return nil, invalidf("No %dth %s in the type", f.i, what)
	}
	i := f.i
	f.i++
	if len(f.rest) == 0 {
		return nil, nil
	}
	if len(f.rest) < 4 {
		return nil, invalidf("Not enough bytes to read size of %dth %s", i, what)
	}
	v, rest, err := readValue(f.rest)
	if err != nil {
		return nil, invalidf("Not enough bytes to read %dth %s", i, what)
	}
	f.rest = rest
	return v, nil
}

// Exhausted reports whether every byte of the value has been read: the
// fields not read yet are missing from the value, and Next returns them as
// null.
func (f *Fields) Exhausted() bool { return len(f.rest) == 0 }

// End reports an error if bytes follow the fields read.
func (f *Fields) End() error {
	if len(f.rest) != 0 {
		if f.udt {
			return invalidf("Invalid remaining data after end of UDT value")
		}
		return invalidf("Invalid remaining data after end of tuple value")
	}
	return nil
}

// ReadDuration decodes a serialized duration: three zigzag vints (months,
// days, nanoseconds) of one sign, months and days fitting 32 bits, and
// nothing after them.
func ReadDuration(v []byte) (Duration, error) {
	if len(v) < 3 {
		return Duration{}, invalidf("Expected at least 3 bytes for a duration (%d)", len(v))
	}
	var vals [3]int64
	for i := range vals {
		x, n, ok := readVint(v)
		if !ok {
			return Duration{}, invalidf("Not enough bytes to read a duration")
		}
		vals[i] = x
		v = v[n:]
	}
	months, days, nanos := vals[0], vals[1], vals[2]
	if months < math.MinInt32 || months > math.MaxInt32 {
		return Duration{}, invalidf("The duration months must be a 32 bits integer but was: %d", months)
	}
	if days < math.MinInt32 || days > math.MaxInt32 {
		return Duration{}, invalidf("The duration days must be a 32 bits integer but was: %d", days)
	}
	if !(months >= 0 && days >= 0 && nanos >= 0 || months <= 0 && days <= 0 && nanos <= 0) {
		return Duration{}, invalidf("The duration months, days and nanoseconds must be all of the same sign (%d, %d, %d)", months, days, nanos)
	}
	if len(v) != 0 {
		return Duration{}, invalidf("Unexpected extraneous bytes after duration value")
	}
	return Duration{Months: int32(months), Days: int32(days), Nanos: nanos}, nil
}
