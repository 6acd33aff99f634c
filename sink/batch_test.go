package sink_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
)

// TestWireColumn checks that a column keeps its whole type through the
// protocol [option] form: UDT fields included, tuples frozen as Cassandra
// has them.
func TestWireColumn(t *testing.T) {
	udt := cqltype.Type{Kind: cqltype.UDT, Keyspace: "ks", Name: "address",
		Fields: []string{"street", "zip"}, Elems: []cqltype.Type{cqltype.Native(cqltype.Varchar), cqltype.Native(cqltype.Int)}}
	for _, tc := range []struct {
		typ  cqltype.Type
		text string
	}{
		{cqltype.Native(cqltype.Int), "int"},
		{cqltype.MapOf(cqltype.Native(cqltype.Varchar), cqltype.ListOf(cqltype.Native(cqltype.Int))), "map<text, list<int>>"},
		{cqltype.TupleOf(cqltype.Native(cqltype.Int), cqltype.TupleOf(cqltype.Native(cqltype.Varchar))), "frozen<tuple<int, frozen<tuple<text>>>>"},
		{cqltype.ListOf(udt), "list<address>"},
		{cqltype.Type{Kind: cqltype.Custom, Custom: "com.example.T"}, "'com.example.T'"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			wire := tc.typ.AppendOption(nil)
			c, err := sink.NewWireColumn("c", wire)
			require.NoError(t, err)
			assert.Equal(t, "c", c.Name)
			assert.Equal(t, tc.text, c.Type)
			back, err := c.WireType()
			require.NoError(t, err)
			assert.Equal(t, wire, back)
		})
	}

	c, err := sink.NewWireColumn("a", udt.AppendOption(nil))
	require.NoError(t, err)
	b := sink.NewBatch([]sink.Column{c}, 0)
	b.AppendValue(wire(t, udt, map[string]any{"street": "Main", "zip": 12345}))
	got, err := b.Decode(0, 0)
	require.NoError(t, err)
	assert.Equal(t, []any{"Main", int32(12345)}, got, "the UDT's fields are known")

	_, err = sink.NewWireColumn("bad", []byte{0x00, 0xff})
	assert.ErrorContains(t, err, "column bad")
	_, err = sink.NewWireColumn("long", []byte{0x00, 0x09, 0x00})
	assert.EqualError(t, err, "column long: 1 bytes after the type")
}

func TestColumnLiteralWireType(t *testing.T) {
	wt, err := sink.Column{Name: "l", Type: "list<int>"}.WireType()
	require.NoError(t, err)
	assert.Equal(t, cqltype.ListOf(cqltype.Native(cqltype.Int)).AppendOption(nil), wt, "a literal's Type is parsed")
	_, err = sink.Column{Name: "x", Type: "list<"}.WireType()
	assert.ErrorContains(t, err, "column x")
	c, err := sink.NewColumn("n", "varchar")
	require.NoError(t, err)
	assert.Equal(t, "text", c.Type, "Type as Cassandra writes it")
	wt, err = c.WireType()
	require.NoError(t, err)
	assert.Equal(t, []byte{0x00, 0x0d}, wt)
}
