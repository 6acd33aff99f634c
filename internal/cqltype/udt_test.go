package cqltype

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testTypes is a schema of user-defined types for ParseWith.
func testTypes() Resolver {
	addr := Type{Kind: UDT, Keyspace: "shop", Name: "address",
		Fields: []string{"street", "tags"}, Elems: []Type{Native(Varchar), SetOf(Native(Varchar))}}
	upper := Type{Kind: UDT, Keyspace: "shop", Name: "Geo", Fields: []string{"lat"}, Elems: []Type{Native(Double)}}
	return func(ks, name string) (Type, error) {
		if ks != "" && ks != "shop" {
			return Type{}, fmt.Errorf("Unknown type %s.%s", ks, name)
		}
		switch name {
		case "address":
			return addr, nil
		case "Geo":
			return upper, nil
		}
		return Type{}, fmt.Errorf("Unknown type shop.%s", name)
	}
}

func TestParseWith(t *testing.T) {
	tests := []struct {
		in     string
		want   string // String(); "" means in itself
		frozen bool   // the UDT found inside is frozen
	}{
		{in: "address"},
		{in: "frozen<address>", frozen: true},
		{in: "FROZEN<Address>", want: "frozen<address>", frozen: true},
		{in: "frozen<shop.address>", want: "frozen<address>", frozen: true},
		{in: `frozen<"Geo">`, frozen: true},
		{in: `frozen<shop."Geo">`, want: `frozen<"Geo">`, frozen: true},
		{in: "list<frozen<address>>", frozen: true},
		{in: "map<text, frozen<address>>", frozen: true},
		{in: "tuple<int, address>", want: "frozen<tuple<int, frozen<address>>>", frozen: true},
		{in: "frozen<list<address>>", want: "frozen<list<frozen<address>>>", frozen: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			typ, err := ParseWith(tt.in, testTypes())
			require.NoError(t, err)
			want := tt.want
			if want == "" {
				want = tt.in
			}
			assert.Equal(t, want, typ.String())
			udt := findUDT(typ)
			require.NotNil(t, udt, "no UDT inside %s", typ)
			assert.Equal(t, tt.frozen, udt.Frozen, "UDT frozen")
			assert.Equal(t, "shop", udt.Keyspace)
			if udt.Frozen && udt.Name == "address" {
				assert.True(t, udt.Elems[1].Frozen, "a frozen UDT freezes its fields")
			}
			again, err := ParseWith(typ.String(), testTypes())
			require.NoError(t, err)
			assert.True(t, again.Equal(typ), "ParseWith(String()) = %#v, want %#v", again, typ)
		})
	}
}

func TestParseWithErrors(t *testing.T) {
	tests := []struct {
		in, msg string
	}{
		{"list<address>", "Non-frozen UDTs are not allowed inside collections"},
		{"nope", "Unknown type shop.nope"},
		{"other.address", "Unknown type other.address"},
		{`frozen<"address>`, "unterminated quoted type name"},
		{`frozen<"">`, "empty quoted type name"},
		{"frozen<shop.>", "unexpected '>' at offset 12"},
		{"shop.", "missing type name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseWith(tt.in, testTypes())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
	// Without a resolver, a UDT name is an unknown type, as for Parse.
	_, err := ParseWith("address", nil)
	assert.True(t, errors.Is(err, ErrUnknownType), "%v", err)
}

func TestContainsAndMultiCell(t *testing.T) {
	typ, err := ParseWith("map<text, frozen<list<frozen<address>>>>", testTypes())
	require.NoError(t, err)
	assert.True(t, typ.Contains("shop", "address"))
	assert.False(t, typ.Contains("shop", "Geo"))
	assert.False(t, typ.Contains("other", "address"))
	assert.True(t, typ.IsMultiCell(), "a non-frozen map")
	assert.False(t, typ.Elems[1].IsMultiCell(), "a frozen list")
	udt, err := ParseWith("address", testTypes())
	require.NoError(t, err)
	assert.True(t, udt.IsMultiCell(), "a non-frozen UDT")
	assert.False(t, Native(Int).IsMultiCell())
}

// findUDT returns the first UDT in t, depth first.
func findUDT(t Type) *Type {
	if t.Kind == UDT {
		return &t
	}
	for _, e := range t.Elems {
		if u := findUDT(e); u != nil {
			return u
		}
	}
	return nil
}

// FuzzParseWith checks that ParseWith never panics and that String gives
// text that resolves back to the same type.
func FuzzParseWith(f *testing.F) {
	for _, s := range []string{"address", "frozen<address>", `frozen<shop."Geo">`, "list<frozen<shop.address>>",
		"map<text, frozen<address>>", "tuple<int, address>", `"Geo"`, "frozen<list<address>>", "shop.nope"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, err := ParseWith(s, testTypes())
		if err != nil {
			return
		}
		again, err := ParseWith(typ.String(), testTypes())
		if err != nil || !again.Equal(typ) {
			t.Fatalf("ParseWith(%q) = %s, which parses back as %#v, %v", s, typ, again, err)
		}
	})
}
