package cqltype

import (
	"bytes"
	"testing"
)

// fuzzTypes is indexed by the first byte of a FuzzDecode input.
var fuzzTypes = []string{
	"ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double",
	"duration", "float", "inet", "int", "smallint", "text", "time", "timestamp",
	"timeuuid", "tinyint", "uuid", "varint",
	"list<int>", "set<text>", "map<text, bigint>", "frozen<list<frozen<set<varint>>>>",
	"tuple<int, text, boolean>", "map<timeuuid, frozen<map<int, decimal>>>",
	"tuple<frozen<list<uuid>>, tuple<double, inet>>", "set<frozen<tuple<int, blob>>>",
	"list<duration>", "set<date>", "map<float, time>", "set<decimal>",
}

// FuzzDecode feeds arbitrary bytes to Validate, Decode, Compare and
// ReadOption. They must not panic, Validate and Decode must agree, Compare
// must be antisymmetric, and a valid value must survive Encode(Decode(x)):
// the result is valid, a fixed point of Encode∘Decode, and for scalars
// compares equal to x.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{11, 0, 0, 0, 1})
	f.Add([]byte{20, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 7})
	f.Add([]byte{24, 0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	types := make([]Type, len(fuzzTypes))
	for i, s := range fuzzTypes {
		types[i] = mustParse(f, s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if opt, n, err := ReadOption(data); err == nil {
			if got := opt.AppendOption(nil); !bytes.Equal(got, data[:n]) {
				t.Fatalf("ReadOption(%x) = %s, which writes back as %x", data[:n], opt, got)
			}
		}
		if len(data) == 0 {
			return
		}
		typ := types[int(data[0])%len(types)]
		x := data[1:]

		verr := Validate(typ, x)
		v, derr := Decode(typ, x)
		if (verr == nil) != (derr == nil) {
			t.Fatalf("%s %x: Validate error %v, Decode error %v", typ, x, verr, derr)
		}
		if c := Compare(typ, x, x); c != 0 {
			t.Fatalf("%s %x: Compare(x, x) = %d", typ, x, c)
		}
		half := x[:len(x)/2]
		if c1, c2 := Compare(typ, x, half), Compare(typ, half, x); c1 != -c2 {
			t.Fatalf("%s: Compare(%x, %x) = %d but reverse = %d", typ, x, half, c1, c2)
		}
		third := x[len(x)/3:]
		if Compare(typ, x, half) <= 0 && Compare(typ, half, third) <= 0 && Compare(typ, x, third) > 0 {
			t.Fatalf("%s: Compare is not transitive on %x, %x, %x", typ, x, half, third)
		}
		if verr != nil {
			return
		}

		y, err := Encode(typ, v)
		if err != nil {
			if hasNullElement(typ, v) {
				return // an empty element decoded to nil, which collections refuse
			}
			t.Fatalf("%s %x: Encode(%#v): %v", typ, x, v, err)
		}
		if err := Validate(typ, y); err != nil {
			t.Fatalf("%s: Encode(Decode(%x)) = %x is invalid: %v", typ, x, y, err)
		}
		v2, err := Decode(typ, y)
		if err != nil {
			t.Fatal(err)
		}
		z, err := Encode(typ, v2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(y, z) {
			t.Fatalf("%s: Encode(Decode(%x)) = %x, not a fixed point (%x)", typ, x, y, z)
		}
		if !typ.IsCollection() && typ.Kind != Tuple && typ.Kind != Inet {
			if !sameValue(v, v2) {
				t.Fatalf("%s %x: decoded %#v, re-decoded %#v", typ, x, v, v2)
			}
			// Durations compare bytewise, and a vint may be longer than it
			// needs to be.
			if c := Compare(typ, x, y); c != 0 && typ.Kind != KindDuration {
				t.Fatalf("%s: Compare(%x, Encode(Decode(x)) = %x) = %d", typ, x, y, c)
			}
		}
	})
}

// FuzzFromString checks that FromString never panics and that what it
// accepts is valid.
func FuzzFromString(f *testing.F) {
	for _, s := range []string{"42", "1.25", "2023-01-02T03:04:05.123Z", "12:34:56.1", "::1", "0xcafe", "1y2mo", "P1DT2H", "true"} {
		f.Add(byte(0), s)
	}
	f.Fuzz(func(t *testing.T, which byte, s string) {
		typ := mustParse(t, fuzzTypes[int(which)%20]) // the scalars
		b, err := FromString(typ, s)
		if err != nil {
			return
		}
		if err := Validate(typ, b); err != nil {
			t.Fatalf("FromString(%s, %q) = %x, invalid: %v", typ, s, b, err)
		}
	})
}

// FuzzParse checks that Parse never panics and that String gives text that
// parses back to the same type.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzTypes {
		f.Add(s)
	}
	f.Add("frozen<map<'a.B', frozen<tuple<int, list<text>>>>>")
	f.Fuzz(func(t *testing.T, s string) {
		typ, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(typ.String())
		if err != nil || !again.Equal(typ) {
			t.Fatalf("Parse(%q) = %s, which parses back as %#v, %v", s, typ, again, err)
		}
	})
}
