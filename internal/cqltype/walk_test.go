package cqltype

import (
	"math/big"
	"testing"
	"time"

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
			[][]byte{i(2), i(20), i(1), i(10), i(2), i(21)}, []KV{{int32(1), int32(10)}, {int32(2), int32(21)}}},
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

func TestTextForms(t *testing.T) {
	var d Digits
	text := func(b []byte, ok bool) string {
		require.True(t, ok)
		return string(b)
	}
	dec := func(unscaled string, scale int32) []byte {
		return mustEncode(t, Native(KindDecimal), Decimal{Unscaled: bigInt(unscaled), Scale: scale})
	}
	for _, tc := range []struct{ got, want string }{
		{string(d.AppendVarint(nil, mustEncode(t, Native(Varint), bigInt("-18446744073709551617")))), "-18446744073709551617"},
		{string(d.AppendVarint([]byte("x"), nil)), "x0"},
		{text(d.AppendDecimal(nil, dec("1250", 3))), "1.250"},
		{text(d.AppendDecimal(nil, dec("-5", 3))), "-0.005"},
		{text(d.AppendDecimal(nil, dec("12", -2))), "1200"},
		{text(d.AppendDecimal(nil, dec("1", -101))), "1E+101"},
		{text(d.AppendDecimal(nil, dec("-123456789012345678901234567890", 101+30))), "-123456789012345678901234567890E-131"},
		{text(AppendUUID(nil, mustHex(t, "550e8400e29b41d4a716446655440000"))), "550e8400-e29b-41d4-a716-446655440000"},
		{text(AppendInet(nil, []byte{10, 0, 0, 1})), "10.0.0.1"},
		{string(AppendTimestamp(nil, -1)), "1969-12-31T23:59:59.999Z"},
		{string(AppendTimestamp(nil, -62167219200001)), "-0001-12-31T23:59:59.999Z"},
		{string(AppendTimestamp(nil, 253402300800000)), "+10000-01-01T00:00:00.000Z"},
		{string(AppendTime(nil, uint64(12*time.Hour+5))), "12:00:00.000000005"},
		{string(AppendUTF8(nil, []byte{'a', 0xff, 'b'})), "a\uFFFDb"},
		{Date(-719529).String(), "-0001-12-31"},
		{Date(2932897).String(), "+10000-01-01"},
		// One formatter: String is AppendText.
		{Decimal{Unscaled: big.NewInt(1), Scale: -2147483648}.String(), "1E+2147483648"},
		{Duration{Months: -14, Days: -3, Nanos: -5}.String(), "-1y2mo3d5ns"},
	} {
		assert.Equal(t, tc.want, tc.got)
	}
	_, ok := d.AppendDecimal(nil, []byte{0, 0, 1})
	assert.False(t, ok, "a decimal of 3 bytes")
	_, ok = AppendUUID(nil, make([]byte, 15))
	assert.False(t, ok)
	_, ok = AppendInet(nil, make([]byte, 5))
	assert.False(t, ok)
}

func TestTextFormsDoNotAllocate(t *testing.T) {
	var d Digits
	buf := make([]byte, 0, 256)
	// Unscaled values of more than 8 bytes go through math/big, whose
	// Append allocates.
	big := mustEncode(t, Native(KindDecimal), Decimal{Unscaled: bigInt("-1234567890123456789"), Scale: 7})
	dur := mustEncode(t, Native(KindDuration), Duration{Months: 14, Days: 3, Nanos: 5})
	uuid := mustHex(t, "550e8400e29b41d4a716446655440000")
	_, _ = d.AppendDecimal(buf, big) // grow the scratch space
	allocs := testing.AllocsPerRun(50, func() {
		b, _ := d.AppendDecimal(buf[:0], big)
		b = d.AppendVarint(b, big[4:])
		b, _ = AppendUUID(b, uuid)
		b = AppendTimestamp(b, 1767268800123)
		dv, _ := ReadDuration(dur)
		b, _ = dv.AppendText(b)
		_, _ = Date(20454).AppendText(b)
	})
	assert.Zero(t, allocs)
}
