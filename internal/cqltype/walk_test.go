package cqltype

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestElements(t *testing.T) {
	m := mustParse(t, "map<text, int>")
	v := mustHex(t, "00000002 00000001 61 00000004 00000001 00000001 62 ffffffff")
	it, err := ReadCollection(&m, v)
	require.NoError(t, err)
	assert.Equal(t, 2, it.Len(), "entries of a map")
	var got [][]byte
	for range 2 * it.Len() {
		e, err := it.Next()
		require.NoError(t, err)
		got = append(got, e)
	}
	assert.Equal(t, [][]byte{[]byte("a"), {0, 0, 0, 1}, []byte("b"), nil}, got, "keys and values in turn, null as nil")
	require.NoError(t, it.End())
	_, err = it.Next()
	assert.ErrorIs(t, err, ErrInvalidValue, "past the end")

	var empty Elements
	assert.Zero(t, empty.Len())
	assert.NoError(t, empty.End(), "the zero value is an empty collection")

	l := mustParse(t, "list<int>")
	for _, tc := range []struct {
		name, hex, err string
	}{
		{"no count", "000000", "Not enough bytes to read a list"},
		{"negative count", "ffffffff", "Negative list size -1"},
		{"count above the input", "00000003 00000000 00000000", "Not enough bytes to read a list"},
		{"truncated element", "00000001 00000004 0102", "Not enough bytes to read a list"},
		{"trailing bytes", "00000000 07", "Unexpected extraneous bytes after list value"},
		{"element left unread", "00000001 00000000", "1 values of the list value not read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it, err := ReadCollection(&l, mustHex(t, tc.hex))
			if err == nil {
				for range it.Len() {
					if tc.name == "element left unread" {
						break
					}
					if _, err = it.Next(); err != nil {
						break
					}
				}
			}
			if err == nil {
				err = it.End()
			}
			require.ErrorIs(t, err, ErrInvalidValue)
			assert.EqualError(t, err, tc.err)
		})
	}
	// A map entry takes at least 8 bytes.
	_, err = ReadCollection(&m, mustHex(t, "00000002 00000000 00000000 00000000"))
	assert.EqualError(t, err, "Not enough bytes to read a map")
	_, err = ReadCollection(&l, mustHex(t, "00000002 00000000 00000000 00000000"))
	assert.NoError(t, err, "enough for two list elements")
}

func TestFields(t *testing.T) {
	tup := TupleOf(Native(Int), Native(Varchar), Native(Boolean))
	it := ReadFields(&tup, mustHex(t, "ffffffff 00000001 78"))
	assert.Equal(t, 3, it.Len())
	assert.False(t, it.Exhausted(), "nothing read yet")
	var got [][]byte
	for range it.Len() {
		e, err := it.Next()
		require.NoError(t, err)
		got = append(got, e)
	}
	assert.Equal(t, [][]byte{nil, []byte("x"), nil}, got, "a null, a value, a missing field")
	assert.True(t, it.Exhausted(), "every byte read")
	require.NoError(t, it.End())
	_, err := it.Next()
	assert.ErrorIs(t, err, ErrInvalidValue, "past the last field")

	udt := Type{Kind: UDT, Name: "u", Fields: []string{"a"}, Elems: []Type{Native(Int)}}
	for _, tc := range []struct {
		name string
		t    Type
		hex  string
		err  string
	}{
		{"size cut short", tup, "0000", "Not enough bytes to read size of 0th component"},
		{"value cut short", tup, "00000004 01", "Not enough bytes to read 0th component"},
		{"tuple trailing", TupleOf(Native(Int)), "00000004 00000001 09", "Invalid remaining data after end of tuple value"},
		{"udt trailing", udt, "00000004 00000001 09", "Invalid remaining data after end of UDT value"},
		{"udt field cut short", udt, "00000004 01", "Not enough bytes to read 0th field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := ReadFields(&tc.t, mustHex(t, tc.hex))
			var err error
			for range it.Len() {
				if _, err = it.Next(); err != nil {
					break
				}
			}
			if err == nil {
				err = it.End()
			}
			assert.EqualError(t, err, tc.err)
		})
	}
}

func TestAppendCollection(t *testing.T) {
	i := func(n int32) []byte { return mustEncode(t, Native(Int), n) }
	for _, tc := range []struct {
		name  string
		t     Type
		elems [][]byte
		want  any
	}{
		{"list as given", ListOf(Native(Int)), [][]byte{i(3), i(1), i(3)}, []any{int32(3), int32(1), int32(3)}},
		{"set sorted, duplicates dropped", SetOf(Native(Int)), [][]byte{i(3), i(-1), i(3), i(2)}, []any{int32(-1), int32(2), int32(3)}},
		{"map sorted by key, the last of a key kept", MapOf(Native(Int), Native(Int)),
			[][]byte{i(2), i(20), i(1), i(10), i(2), i(21)}, []KV{{Key: int32(1), Value: int32(10)}, {Key: int32(2), Value: int32(21)}}},
		{"empty map", MapOf(Native(Int), Native(Int)), nil, []KV{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := AppendCollection([]byte("x"), tc.t, tc.elems)
			require.Equal(t, byte('x'), b[0], "appends")
			require.NoError(t, Validate(tc.t, b[1:]))
			got, err := Decode(tc.t, b[1:])
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	in := [][]byte{i(2), i(1)}
	AppendCollection(nil, SetOf(Native(Int)), in)
	assert.Equal(t, [][]byte{i(2), i(1)}, in, "the caller's slice is left as it was")
}

func TestReadDuration(t *testing.T) {
	d, err := ReadDuration(mustEncode(t, Native(KindDuration), Duration{Months: -1, Days: -2, Nanos: -3}))
	require.NoError(t, err)
	assert.Equal(t, Duration{Months: -1, Days: -2, Nanos: -3}, d)
	for _, tc := range []struct{ hex, err string }{
		{"0202", "Expected at least 3 bytes for a duration (2)"},
		{"02 02 c0", "Not enough bytes to read a duration"},
		{"02 01 02", "The duration months, days and nanoseconds must be all of the same sign (1, -1, 1)"},
		{"02 02 02 00", "Unexpected extraneous bytes after duration value"},
	} {
		_, err := ReadDuration(mustHex(t, tc.hex))
		assert.EqualError(t, err, tc.err, tc.hex)
	}
	wide := appendVint(appendVint(appendVint(nil, -1<<31-1), 0), 0)
	_, err = ReadDuration(wide)
	assert.EqualError(t, err, "The duration months must be a 32 bits integer but was: -2147483649")
}
