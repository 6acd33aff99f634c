package cqltype

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseString(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical text; "" means in itself
	}{
		{in: "ascii"}, {in: "bigint"}, {in: "blob"}, {in: "boolean"}, {in: "counter"},
		{in: "date"}, {in: "decimal"}, {in: "double"}, {in: "duration"}, {in: "float"},
		{in: "inet"}, {in: "int"}, {in: "smallint"}, {in: "text"}, {in: "time"},
		{in: "timestamp"}, {in: "timeuuid"}, {in: "tinyint"}, {in: "uuid"}, {in: "varint"},
		{in: "varchar", want: "text"},
		{in: "VARCHAR", want: "text"},
		{in: " Int ", want: "int"},
		{in: "list<int>"},
		{in: "set<text>"},
		{in: "map<text,int>", want: "map<text, int>"},
		{in: "MAP < TEXT , BIGINT >", want: "map<text, bigint>"},
		{in: "frozen<list<int>>"},
		{in: "frozen < set<uuid> >", want: "frozen<set<uuid>>"},
		{in: "tuple<int,text>", want: "frozen<tuple<int, text>>"},
		{in: "frozen<tuple<int, text>>"},
		{in: "list<frozen<list<int>>>"},
		{in: "frozen<list<list<int>>>", want: "frozen<list<frozen<list<int>>>>"},
		{in: "map<frozen<map<int, text>>, frozen<set<text>>>"},
		{in: "list<tuple<int, list<text>>>", want: "list<frozen<tuple<int, frozen<list<text>>>>>"},
		{in: "'org.apache.cassandra.db.marshal.BytesType'"},
		{in: "set<'a.B'>"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			typ, err := Parse(tt.in)
			require.NoError(t, err)
			want := tt.want
			if want == "" {
				want = tt.in
			}
			assert.Equal(t, want, typ.String())
			again, err := Parse(typ.String())
			require.NoError(t, err)
			assert.True(t, again.Equal(typ), "Parse(String()) = %#v, want %#v", again, typ)
		})
	}
}

func TestParseStructure(t *testing.T) {
	tests := []struct {
		in   string
		want Type
	}{
		{"text", Type{Kind: Varchar}},
		{"varchar", Type{Kind: Varchar}},
		{"list<int>", ListOf(Native(Int))},
		{"map<text, int>", MapOf(Native(Varchar), Native(Int))},
		{"frozen<set<int>>", Type{Kind: Set, Elems: []Type{{Kind: Int}}, Frozen: true}},
		{"tuple<int, text>", Type{Kind: Tuple, Elems: []Type{{Kind: Int}, {Kind: Varchar}}, Frozen: true}},
		{"'a.b.C'", Type{Kind: Custom, Custom: "a.b.C"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			require.NoError(t, err)
			assert.True(t, got.Equal(tt.want), "Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
		})
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("frozen<list<", MaxDepth) + "int" + strings.Repeat(">>", MaxDepth)
	tests := []struct {
		in   string
		want string // substring of the error
	}{
		{"foo", `unknown type "foo": not a CQL type`},
		{"ks.address", `unknown type "ks.address"`},
		{"", "missing type"},
		{"list", "list needs type parameters"},
		{"list<>", "unexpected"},
		{"list<int", "missing '>'"},
		{"list<int,int>", "list takes 1 type parameter(s), got 2"},
		{"map<int>", "map takes 2 type parameter(s), got 1"},
		{"int<text>", "unexpected"},
		{"int text", "unexpected"},
		{"frozen<int>", "frozen<> is only allowed on collections, tuples, and user-defined types (got int)"},
		{"list<list<int>>", "Non-frozen collections are not allowed inside collections: list<list<int>>"},
		{"list<counter>", "Counters are not allowed inside collections"},
		{"tuple<counter>", "Counters are not allowed inside tuples"},
		{"set<duration>", "Durations are not allowed inside sets"},
		{"map<duration, int>", "Durations are not allowed as map keys"},
		{"'unterminated", "unterminated"},
		{deep, "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err := Parse("foo")
	assert.ErrorIs(t, err, ErrUnknownType)
}

func TestOption(t *testing.T) {
	tests := []struct {
		typ  string
		want string // hex
	}{
		{"int", "0009"},
		{"text", "000d"},
		{"varchar", "000d"},
		{"ascii", "0001"},
		{"duration", "0015"},
		{"list<int>", "0020 0009"},
		{"frozen<set<uuid>>", "0022 000c"},
		{"map<text, bigint>", "0021 000d 0002"},
		{"tuple<int, text, boolean>", "0031 0003 0009 000d 0004"},
		{"map<int, frozen<list<timeuuid>>>", "0021 0009 0020 000f"},
		{"'a.B'", "0000 0003 612e42"},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			typ := mustParse(t, tt.typ)
			got := typ.AppendOption([]byte{0xAA})
			want := append([]byte{0xAA}, mustHex(t, tt.want)...)
			require.Equal(t, want, got)
			back, n, err := ReadOption(append(got[1:], 0xBB))
			require.NoError(t, err)
			assert.Equal(t, len(want)-1, n, "bytes taken")
			// The wire does not carry frozenness.
			assert.True(t, back.Equal(unfreeze(typ)), "ReadOption = %#v, want %#v", back, unfreeze(typ))
		})
	}
}

func unfreeze(t Type) Type {
	t.Frozen = false
	if t.Elems != nil {
		elems := make([]Type, len(t.Elems))
		for i, e := range t.Elems {
			elems[i] = unfreeze(e)
		}
		t.Elems = elems
	}
	return t
}

func TestOptionUDT(t *testing.T) {
	udt := Type{Kind: UDT, Keyspace: "ks", Name: "addr", Fields: []string{"street", "zip"},
		Elems: []Type{{Kind: Varchar}, {Kind: Int}}}
	b := udt.AppendOption(nil)
	want := mustHex(t, "0030 0002 6b73 0004 61646472 0002 0006 737472656574 000d 0003 7a6970 0009")
	require.Equal(t, want, b)
	back, n, err := ReadOption(b)
	require.NoError(t, err)
	assert.Equal(t, len(b), n)
	assert.True(t, back.Equal(udt), "ReadOption = %#v", back)
	assert.Equal(t, "frozen<addr>", FrozenOf(udt).String())
	assert.Equal(t, `frozen<"Addr">`, FrozenOf(Type{Kind: UDT, Name: "Addr"}).String())
	// A reserved keyword is quoted, as Cassandra writes it.
	assert.Equal(t, `list<frozen<"select">>`, ListOf(FrozenOf(Type{Kind: UDT, Name: "select"})).String())
}

func TestReadOptionErrors(t *testing.T) {
	deep := bytes.Repeat([]byte{0x00, 0x20}, MaxDepth+2)
	deep = append(deep, 0x00, 0x09)
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", errShortOption},
		{"one byte", "00", errShortOption},
		{"unknown id", "000a", ErrUnknownType},
		{"unknown high id", "ffff", ErrUnknownType},
		{"list without element", "0020", errShortOption},
		{"map with one type", "0021 0009", errShortOption},
		{"custom short string", "0000 0005 6162", errShortOption},
		{"tuple count too big", "0031 ffff 0009", errShortOption},
		{"udt count too big", "0030 0000 0000 7fff", errShortOption},
		{"too deep", hexString(deep), ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadOption(mustHex(t, tt.in))
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&15])
	}
	return sb.String()
}

func TestIsCollection(t *testing.T) {
	for _, tt := range []struct {
		typ  string
		want bool
	}{
		{"list<int>", true}, {"frozen<set<int>>", true}, {"map<int, int>", true},
		{"tuple<int>", false}, {"int", false}, {"blob", false},
	} {
		assert.Equal(t, tt.want, mustParse(t, tt.typ).IsCollection(), tt.typ)
	}
}

func TestKindString(t *testing.T) {
	for k := Kind(0); k < 0x40; k++ {
		s := k.String()
		assert.NotEqual(t, k.valid(), strings.HasPrefix(s, "kind("), "Kind(%#x).String() = %q", uint16(k), s)
	}
}
