package cqlvalue_test

import (
	"encoding/hex"
	"math"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// The serialized values these tests render are made by cqltype.Encode, the
// module's one encoder of Go values.

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err, "bad hex %q", s)
	return b
}

func mustEncode(t testing.TB, typ cqltype.Type, v any) []byte {
	t.Helper()
	b, err := cqltype.Encode(typ, v)
	require.NoError(t, err, "Encode(%s, %#v)", typ, v)
	return b
}

func bigInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad big.Int " + s)
	}
	return n
}

func TestValueStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{cqlvalue.Decimal{Unscaled: big.NewInt(125), Scale: 2}.String(), "1.25"},
		{cqlvalue.Decimal{Unscaled: big.NewInt(-5), Scale: 3}.String(), "-0.005"},
		{cqlvalue.Decimal{Unscaled: big.NewInt(12), Scale: -2}.String(), "1200"},
		{cqlvalue.Decimal{Unscaled: big.NewInt(0), Scale: -2}.String(), "0"},
		{cqlvalue.Decimal{Unscaled: big.NewInt(0), Scale: 2}.String(), "0.00"},
		{cqlvalue.Decimal{}.String(), "0"},
		{cqlvalue.Decimal{Unscaled: big.NewInt(-7)}.String(), "-7"},
		{cqlvalue.UUID{0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00}.String(),
			"550e8400-e29b-41d4-a716-446655440000"},
		{cqlvalue.Date(0).String(), "1970-01-01"},
		{cqlvalue.Date(-1).String(), "1969-12-31"},
		{cqlvalue.Date(19359).String(), "2023-01-02"},
		{cqlvalue.Date(19359).Time().Format(time.RFC3339), "2023-01-02T00:00:00Z"},
		{cqlvalue.Duration{Months: 14, Days: 3, Nanos: int64(time.Hour + 2*time.Millisecond + 5)}.String(), "1y2mo3d1h2ms5ns"},
		{cqlvalue.Duration{Nanos: -90 * int64(time.Second)}.String(), "-1m30s"},
		{cqlvalue.Duration{}.String(), "0s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got)
	}
	_, err := cqlvalue.ParseUUID("550e8400-e29b-41d4-a716-44665544000g")
	assert.Error(t, err, "bad digit")
	assert.Equal(t, cqlvalue.Date(19359), cqlvalue.DateOf(time.Date(2023, 1, 2, 23, 0, 0, 0, time.FixedZone("x", -5*3600))),
		"cqlvalue.DateOf uses the time's own zone")
}

func TestTextForms(t *testing.T) {
	var d cqlvalue.Digits
	text := func(b []byte, ok bool) string {
		require.True(t, ok)
		return string(b)
	}
	dec := func(unscaled string, scale int32) []byte {
		return mustEncode(t, cqltype.Native(cqltype.KindDecimal), cqlvalue.Decimal{Unscaled: bigInt(unscaled), Scale: scale})
	}
	for _, tc := range []struct{ got, want string }{
		{string(d.AppendVarint(nil, mustEncode(t, cqltype.Native(cqltype.Varint), bigInt("-18446744073709551617")))), "-18446744073709551617"},
		{string(d.AppendVarint([]byte("x"), nil)), "x0"},
		{text(d.AppendDecimal(nil, dec("1250", 3))), "1.250"},
		{text(d.AppendDecimal(nil, dec("-5", 3))), "-0.005"},
		{text(d.AppendDecimal(nil, dec("12", -2))), "1200"},
		{text(d.AppendDecimal(nil, dec("1", -101))), "1E+101"},
		{text(d.AppendDecimal(nil, dec("-123456789012345678901234567890", 101+30))), "-123456789012345678901234567890E-131"},
		{text(cqlvalue.AppendUUID(nil, mustHex(t, "550e8400e29b41d4a716446655440000"))), "550e8400-e29b-41d4-a716-446655440000"},
		{text(cqlvalue.AppendInet(nil, []byte{10, 0, 0, 1})), "10.0.0.1"},
		{string(cqlvalue.AppendTimestamp(nil, -1)), "1969-12-31T23:59:59.999Z"},
		{string(cqlvalue.AppendTimestamp(nil, -62167219200001)), "-0001-12-31T23:59:59.999Z"},
		{string(cqlvalue.AppendTimestamp(nil, 253402300800000)), "+10000-01-01T00:00:00.000Z"},
		{string(cqlvalue.AppendTime(nil, uint64(12*time.Hour+5))), "12:00:00.000000005"},
		{string(cqlvalue.AppendUTF8(nil, []byte{'a', 0xff, 'b'})), "a\uFFFDb"},
		{cqlvalue.Date(-719529).String(), "-0001-12-31"},
		{cqlvalue.Date(2932897).String(), "+10000-01-01"},
		// One formatter: String is AppendText.
		{cqlvalue.Decimal{Unscaled: big.NewInt(1), Scale: -2147483648}.String(), "1E+2147483648"},
		{cqlvalue.Duration{Months: -14, Days: -3, Nanos: -5}.String(), "-1y2mo3d5ns"},
	} {
		assert.Equal(t, tc.want, tc.got)
	}
	_, ok := d.AppendDecimal(nil, []byte{0, 0, 1})
	assert.False(t, ok, "a decimal of 3 bytes")
	_, ok = cqlvalue.AppendUUID(nil, make([]byte, 15))
	assert.False(t, ok)
	_, ok = cqlvalue.AppendInet(nil, make([]byte, 5))
	assert.False(t, ok)
}

func TestTextFormsDoNotAllocate(t *testing.T) {
	var d cqlvalue.Digits
	buf := make([]byte, 0, 256)
	// Unscaled values of more than 8 bytes go through math/big, whose
	// Append allocates.
	big := mustEncode(t, cqltype.Native(cqltype.KindDecimal), cqlvalue.Decimal{Unscaled: bigInt("-1234567890123456789"), Scale: 7})
	dur := mustEncode(t, cqltype.Native(cqltype.KindDuration), cqlvalue.Duration{Months: 14, Days: 3, Nanos: 5})
	uuid := mustHex(t, "550e8400e29b41d4a716446655440000")
	_, _ = d.AppendDecimal(buf, big) // grow the scratch space
	allocs := testing.AllocsPerRun(50, func() {
		b, _ := d.AppendDecimal(buf[:0], big)
		b = d.AppendVarint(b, big[4:])
		b, _ = cqlvalue.AppendUUID(b, uuid)
		b = cqlvalue.AppendTimestamp(b, 1767268800123)
		dv, _ := cqltype.ReadDuration(dur)
		b, _ = dv.AppendText(b)
		_, _ = cqlvalue.Date(20454).AppendText(b)
	})
	assert.Zero(t, allocs)
}

// TestDateTimeOffsets writes instants with offsets of any size, a day
// and more either way included, as the time package does: a day's
// correction applied once, or a digit pair looked up past its table,
// fails it (the package never panics).
func TestDateTimeOffsets(t *testing.T) {
	for _, ms := range []int64{0, -1, 86399999, time.Date(2026, 3, 1, 0, 30, 0, 0, time.UTC).UnixMilli()} {
		for _, off := range []int{0, 3600, -3600, 86399, -86399, 86400, 3 * 86400, -10 * 86400, 40 * 86400} {
			want := time.UnixMilli(ms).UTC().Add(time.Duration(off) * time.Second).Format("2006-01-02T15:04:05.000")
			require.Equal(t, want, string(cqlvalue.AppendDateTime(nil, ms, off)), "ms %d offset %d", ms, off)
		}
	}
}

// TestFastFormsMatchTheStandardLibrary checks the hand-written fast paths
// (fixed-width timestamps, digit and hex pairs, dotted IPv4) against the
// standard library's formatting over random and edge values: a digit pair
// table off by one, a month or a millisecond written in the wrong place,
// an IPv4 byte of 0, 9, 10, 99 or 100 written with the wrong digits, an
// integer's digit count off at a power of ten, or a Timestamps keeping a
// date past its day fails it.
func TestFastFormsMatchTheStandardLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Years 0 to 9999, the fixed-width path, and a little past either end.
	lo, hi := time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), time.Date(10005, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	edges := []int64{0, -1, 1, 999, 1000, 86399999, 86400000, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(),
		time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC).UnixMilli()}
	// Timestamps keeps the last date: runs of one day, steps to the next
	// and the day before, and jumps to signed years and back.
	var stamps cqlvalue.Timestamps
	var ms int64
	for i := range 20000 {
		switch {
		case i < len(edges):
			ms = edges[i]
		case i%3 == 0:
			ms = lo + r.Int64N(hi-lo)
		default:
			ms += r.Int64N(2*86400000) - 86400000
		}
		tm := time.UnixMilli(ms).UTC()
		got := string(stamps.Append([]byte("x"), ms))[1:]
		assert.Equal(t, string(cqlvalue.AppendTimestamp(nil, ms)), got, "Timestamps, ms %d", ms)
		if tm.Year() < 0 || tm.Year() > 9999 {
			continue // signed years: the general path, checked in TestTextForms
		}
		want := tm.Format("2006-01-02T15:04:05.000Z")
		require.Equal(t, want, string(cqlvalue.AppendTimestamp([]byte("x"), ms))[1:], "ms %d", ms)
		require.Equal(t, want, got, "Timestamps, ms %d", ms)
	}
	for range 2000 {
		v := make([]byte, r.IntN(70))
		for i := range v {
			v[i] = byte(r.Uint32())
		}
		require.Equal(t, hex.EncodeToString(v), string(cqlvalue.AppendHex(nil, v)))
		if len(v) >= 16 {
			u, ok := cqlvalue.AppendUUID(nil, v[:16])
			require.True(t, ok)
			h := hex.EncodeToString(v[:16])
			require.Equal(t, h[:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:], string(u))
		}
	}
	for _, v := range [][4]byte{{0, 9, 10, 99}, {100, 199, 200, 255}, {1, 2, 3, 4}} {
		got, ok := cqlvalue.AppendInet(nil, v[:])
		require.True(t, ok)
		require.Equal(t, netip.AddrFrom4(v).String(), string(got))
	}
	for range 2000 {
		v := [4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}
		got, _ := cqlvalue.AppendInet(nil, v[:])
		require.Equal(t, netip.AddrFrom4(v).String(), string(got))
	}
	// Integers: every power of ten and its neighbours (where the digit
	// count changes), both extremes, and random values of every length.
	ints := []int64{math.MinInt64, math.MaxInt64, math.MinInt64 + 1}
	for p := int64(1); p > 0 && p <= math.MaxInt64/10; p *= 10 {
		ints = append(ints, p-1, p, p+1, -p+1, -p, -p-1, 10*p-1)
	}
	for range 20000 {
		ints = append(ints, r.Int64()>>r.UintN(64))
	}
	for _, x := range ints {
		require.Equal(t, strconv.FormatInt(x, 10), string(cqlvalue.AppendInt([]byte("x"), x))[1:])
	}
}
