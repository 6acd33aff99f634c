package sink_test

import (
	"encoding/binary"
	"math"
	"slices"
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

// TestAppendShared keeps values that lie in one buffer where they are,
// copies the others, and reads both back alike, with truncation and
// sub-batches.
func TestAppendShared(t *testing.T) {
	frame := []byte("..alpha..beta..gamma")
	other := []byte("copied")
	cols := []sink.Column{{Name: "v", Type: "blob"}}
	b := sink.NewBatch(cols, 1)
	b.AppendShared(frame[2:7])   // alpha: starts the shared memory
	b.AppendShared(frame[9:13])  // beta: inside it
	b.AppendShared(other)        // elsewhere: copied
	b.AppendShared(nil)          // null
	b.AppendShared(frame[15:15]) // empty, not null
	b.AppendShared(frame[15:20]) // gamma
	b.AppendShared(frame[0:2])   // before the shared memory's start: copied
	require.Equal(t, 7, b.Len())
	want := [][]byte{[]byte("alpha"), []byte("beta"), []byte("copied"), nil, {}, []byte("gamma"), []byte("..")}
	for i, w := range want {
		assert.Equal(t, w, b.Value(i, 0), "row %d", i)
	}
	assert.Nil(t, b.Value(3, 0))
	assert.NotNil(t, b.Value(4, 0))
	assert.Equal(t, 5+4+6+5+2, b.Bytes())
	assert.Same(t, &frame[9], &b.Value(1, 0)[0], "a value inside the shared memory is not copied")
	other[0] = 'X'
	assert.Equal(t, []byte("copied"), b.Value(2, 0), "a value elsewhere is copied")

	sub := b.Rows(1, 3)
	assert.Equal(t, []byte("beta"), sub.Value(0, 0))
	assert.Equal(t, []byte("copied"), sub.Value(1, 0))
	assert.Equal(t, 10, sub.Bytes())

	b.TruncateRows(2)
	assert.Equal(t, 2, b.Len())
	assert.Equal(t, 9, b.Bytes())
	b.AppendValue([]byte("new"))
	assert.Equal(t, []byte("new"), b.Value(2, 0), "the copied bytes after the cut are reused")
	b.Reset()
	assert.Zero(t, b.Len())
	assert.Zero(t, b.Bytes())
	b.AppendShared(other[1:3])
	assert.Equal(t, []byte("op"), b.Value(0, 0), "a reset batch borrows anew")
}

// TestAppendSharedRow lands a row of values walked from a frame in the
// batch where they lie: a value, a null, an empty value, then the frame
// after them. A row from another buffer (the next response of a page read
// in several requests) is copied, as AppendShared copies such values; a
// frame too short for the row appends nothing. A length misread, a null
// taken for an empty value, a row from elsewhere refused or kept where it
// lies, or a failed row left half appended fails it.
func TestAppendSharedRow(t *testing.T) {
	value := func(v []byte) []byte {
		if v == nil {
			return binary.BigEndian.AppendUint32(nil, math.MaxUint32) // -1
		}
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(v))), v...)
	}
	frame := slices.Concat([]byte("first"), value([]byte("abc")), value(nil), value([]byte{}), value([]byte("tail")), []byte("after"))
	cols := []sink.Column{{Name: "a", Type: "blob"}, {Name: "b", Type: "blob"}, {Name: "c", Type: "blob"}, {Name: "d", Type: "blob"}}
	b := sink.NewBatch(cols, 0)

	b.AppendShared(frame[:5]) // borrows the frame from here on
	b.AppendValue(nil)
	b.AppendValue(nil)
	b.AppendValue(nil)
	rest, ok := b.AppendSharedRow(frame[5:], 4)
	require.True(t, ok)
	assert.Equal(t, []byte("after"), rest)
	require.Equal(t, 2, b.Len())
	assert.Equal(t, []byte("abc"), b.Value(1, 0))
	assert.Same(t, &frame[9], &b.Value(1, 0)[0], "not copied")
	assert.Nil(t, b.Value(1, 1))
	assert.Equal(t, []byte{}, b.Value(1, 2))
	assert.Equal(t, []byte("tail"), b.Value(1, 3))
	assert.Equal(t, 5+3+4, b.Bytes())

	_, ok = b.AppendSharedRow(frame[5:len(frame)-9], 4) // "tail" cut short
	assert.False(t, ok)
	assert.Equal(t, 2, b.Len(), "a failed row appends nothing")
	assert.Equal(t, 5+3+4, b.Bytes())

	other := slices.Concat(value([]byte("x")), value(nil), value([]byte("yz")), value([]byte{}), []byte("next"))
	rest, ok = b.AppendSharedRow(other, 4)
	require.True(t, ok, "another buffer")
	assert.Equal(t, []byte("next"), rest)
	require.Equal(t, 3, b.Len())
	assert.Equal(t, [][]byte{[]byte("x"), nil, []byte("yz"), {}}, [][]byte{b.Value(2, 0), b.Value(2, 1), b.Value(2, 2), b.Value(2, 3)})
	other[4] = 'X'
	assert.Equal(t, []byte("x"), b.Value(2, 0), "a row from another buffer is copied")
	assert.Equal(t, []byte("abc"), b.Value(1, 0), "the borrowed memory stays the first frame")

	fresh := sink.NewBatch(cols, 0)
	rest, ok = fresh.AppendSharedRow(frame[5:], 4)
	require.True(t, ok, "nothing borrowed yet: the row starts the borrowed memory")
	assert.Equal(t, []byte("after"), rest)
	assert.Same(t, &frame[9], &fresh.Value(0, 0)[0])
	_, ok = fresh.AppendSharedRow(frame[5:len(frame)-9], 4)
	assert.False(t, ok)
	assert.Equal(t, 1, fresh.Len())

	// A failed first row undoes what it did: the memory it started to
	// borrow, so that the next row, from a frame of its own, starts the
	// borrowed memory where it lies; and, for a row from outside the
	// borrowed memory, the values it copied.
	undo := sink.NewBatch(cols, 0)
	_, ok = undo.AppendSharedRow(other[:len(other)-4-4-4], 4) // "yz" and the empty value cut
	require.False(t, ok)
	assert.Zero(t, undo.Len())
	assert.Zero(t, undo.Bytes())
	rest, ok = undo.AppendSharedRow(frame[5:], 4)
	require.True(t, ok)
	assert.Equal(t, []byte("after"), rest)
	assert.Same(t, &frame[9], &undo.Value(0, 0)[0], "the failed row borrowed nothing that stays")
	copied := sink.NewBatch(cols, 0)
	copied.AppendShared(frame[:5]) // borrows frame: other lies elsewhere
	copied.AppendValue(nil)
	copied.AppendValue(nil)
	copied.AppendValue(nil)
	_, ok = copied.AppendSharedRow(other[:len(other)-4-4-4], 4)
	require.False(t, ok)
	assert.Equal(t, 1, copied.Len())
	assert.Equal(t, 5, copied.Bytes(), "the copied x is not counted")
	rest, ok = copied.AppendSharedRow(frame[5:], 4)
	require.True(t, ok)
	assert.Equal(t, []byte("after"), rest)
	assert.Equal(t, [][]byte{[]byte("abc"), nil, {}, []byte("tail")}, [][]byte{copied.Value(1, 0), copied.Value(1, 1), copied.Value(1, 2), copied.Value(1, 3)})
	assert.Same(t, &frame[9], &copied.Value(1, 0)[0])
}

// TestAppendCounted checks the rows of a batch of width 0: counted, not
// stored, kept by Rows and TruncateRows, dropped by Reset, and refused by
// a batch that stores values.
func TestAppendCounted(t *testing.T) {
	b := sink.NewBatch(nil, 0)
	require.True(t, b.AppendCounted(700))
	require.True(t, b.AppendCounted(300))
	assert.Equal(t, 1000, b.Len())
	assert.Zero(t, b.Bytes())
	assert.False(t, b.AppendCounted(-1))
	assert.Equal(t, 250, b.Rows(100, 350).Len())
	b.TruncateRows(600)
	assert.Equal(t, 600, b.Len())
	b.TruncateRows(900)
	assert.Equal(t, 600, b.Len(), "truncating past the end keeps the rows")
	b.Reset()
	assert.Zero(t, b.Len())

	c := sink.NewBatch([]sink.Column{{Name: "v", Type: "int"}}, 1)
	assert.False(t, c.AppendCounted(5))
	assert.Zero(t, c.Len())

	var n sink.Count
	d := sink.NewBatch(nil, 0)
	d.AppendCounted(42)
	require.NoError(t, n.Write(t.Context(), d))
	assert.EqualValues(t, 42, n.Rows(), "a count sink counts them")
}

// TestGrow checks that a batch grown for a page's rows takes them without
// growing again: one allocation for the room, none per row after it.
func TestGrow(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c, err := sink.NewColumn("v", "int")
	require.NoError(t, err)
	cols := []sink.Column{c, c}
	fill := func(grow int) float64 {
		return testing.AllocsPerRun(10, func() {
			b := sink.NewBatch(cols, 3)
			b.Grow(grow)
			for range 1000 * 3 {
				b.AppendValue(nil)
			}
			if b.Len() != 1000 {
				t.Fatalf("%d rows, want 1000", b.Len())
			}
		})
	}
	assert.LessOrEqual(t, fill(1000), 2.0, "the batch and its cells, grown once")
	assert.Greater(t, fill(0), 4.0, "without Grow the cells grow as they are appended")
	b := sink.NewBatch([]sink.Column{c}, 0)
	b.Grow(-1) // nothing to make room for
	assert.Zero(t, b.Len())
}
