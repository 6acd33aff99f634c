package cqltype

import (
	"math"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromString(t *testing.T) {
	ts := func(y int, mo time.Month, d, h, mi, s, ms int, zoneHours int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ms*1e6, time.FixedZone("", zoneHours*3600)).UTC()
	}
	tests := []struct {
		typ  string
		in   string
		want any // decoded value
	}{
		{"int", "42", int32(42)},
		{"int", "-2147483648", int32(math.MinInt32)},
		{"int", "+7", int32(7)},
		{"int", "", nil},
		{"bigint", "-9223372036854775808", int64(math.MinInt64)},
		{"counter", "5", int64(5)},
		{"smallint", "-32768", int16(-32768)},
		{"tinyint", "127", int8(127)},
		{"varint", "-123456789012345678901234567890", bigInt("-123456789012345678901234567890")},
		{"decimal", "1.25", Decimal{Unscaled: big.NewInt(125), Scale: 2}},
		{"decimal", "-0.005", Decimal{Unscaled: big.NewInt(-5), Scale: 3}},
		{"decimal", "1E+3", Decimal{Unscaled: big.NewInt(1), Scale: -3}},
		{"decimal", "12.5e-2", Decimal{Unscaled: big.NewInt(125), Scale: 3}},
		{"decimal", ".5", Decimal{Unscaled: big.NewInt(5), Scale: 1}},
		{"decimal", "5.", Decimal{Unscaled: big.NewInt(5), Scale: 0}},
		{"decimal", "0.10000000000000000000000001", Decimal{Unscaled: bigInt("10000000000000000000000001"), Scale: 26}},
		{"double", "1.5", 1.5},
		{"double", "-1e300", -1e300},
		{"double", "NaN", math.NaN()},
		{"double", "Infinity", math.Inf(1)},
		{"double", "-Infinity", math.Inf(-1)},
		{"double", "1e999", math.Inf(1)},
		{"float", "0.1", float32(0.1)},
		{"boolean", "true", true},
		{"boolean", "FALSE", false},
		{"uuid", "550E8400-e29b-41d4-a716-446655440000",
			UUID{0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00}},
		{"timeuuid", "00000000-0000-1000-8000-000000000000", UUID{6: 0x10, 8: 0x80}},
		{"timestamp", "2023-01-02", ts(2023, 1, 2, 0, 0, 0, 0, 0)},
		{"timestamp", "2023-01-02 03:04", ts(2023, 1, 2, 3, 4, 0, 0, 0)},
		{"timestamp", "2023-01-02 03:04:05", ts(2023, 1, 2, 3, 4, 5, 0, 0)},
		{"timestamp", "2023-01-02T03:04:05.123Z", ts(2023, 1, 2, 3, 4, 5, 123, 0)},
		{"timestamp", "2023-01-02T03:04:05.1Z", ts(2023, 1, 2, 3, 4, 5, 100, 0)},
		{"timestamp", "2023-01-02 03:04:05.123456+0000", ts(2023, 1, 2, 3, 4, 5, 123, 0)},
		{"timestamp", "2023-01-02 03:04:05+0200", ts(2023, 1, 2, 3, 4, 5, 0, 2)},
		{"timestamp", "2023-01-02 03:04:05-05:00", ts(2023, 1, 2, 3, 4, 5, 0, -5)},
		{"timestamp", "2023-01-02 03:04:05+01", ts(2023, 1, 2, 3, 4, 5, 0, 1)},
		{"timestamp", "2023-01-02 03:04:05 UTC", ts(2023, 1, 2, 3, 4, 5, 0, 0)},
		{"timestamp", "2023-01-02+0000", ts(2023, 1, 2, 0, 0, 0, 0, 0)},
		{"timestamp", "1672628645123", ts(2023, 1, 2, 3, 4, 5, 123, 0)},
		{"timestamp", "-1", time.UnixMilli(-1).UTC()},
		{"timestamp", "1900-02-28", ts(1900, 2, 28, 0, 0, 0, 0, 0)},
		{"date", "2023-01-02", Date(19359)},
		{"date", "1969-12-31", Date(-1)},
		{"date", "2147483648", Date(0)},
		{"date", "0", Date(math.MinInt32)},
		{"date", "4294967295", Date(math.MaxInt32)},
		{"date", "-5877641-06-23", Date(math.MinInt32)},
		{"time", "12:34:56.123456789", int64(45296123456789)},
		{"time", "12:34:56.5", int64(45296500000000)},
		{"time", "00:00:00", int64(0)},
		{"time", "23:59:59.999999999", int64(86399999999999)},
		{"time", "1000", int64(1000)},
		{"inet", "10.0.0.1", net.IP{10, 0, 0, 1}},
		{"inet", "::1", net.IP{15: 1}},
		{"inet", "::ffff:1.2.3.4", net.IP{1, 2, 3, 4}},
		{"blob", "0xCAFE", []byte{0xCA, 0xFE}},
		{"blob", "cafe", []byte{0xCA, 0xFE}},
		{"blob", "0x", []byte{}},
		{"blob", "abc", []byte{0x0A, 0xBC}},
		{"text", "héllo", "héllo"},
		{"ascii", "abc", "abc"},
		{"duration", "1y2mo3w4d5h6m7s8ms9us10ns", Duration{Months: 14, Days: 25, Nanos: 5*3600e9 + 6*60e9 + 7e9 + 8e6 + 9e3 + 10}},
		{"duration", "-1d", Duration{Days: -1}},
		{"duration", "2µs", Duration{Nanos: 2000}},
		{"duration", "1H30M", Duration{Nanos: 90 * 60e9}},
		{"duration", "P1Y2M3DT4H5M6S", Duration{Months: 14, Days: 3, Nanos: 4*3600e9 + 5*60e9 + 6e9}},
		{"duration", "P2W", Duration{Days: 14}},
		{"duration", "-PT1S", Duration{Nanos: -1e9}},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.in, func(t *testing.T) {
			typ := mustParse(t, tt.typ)
			b, err := FromString(typ, tt.in)
			require.NoError(t, err)
			got, err := Decode(typ, b)
			require.NoError(t, err, "Decode(%x)", b)
			assert.True(t, sameValue(got, tt.want), "FromString = %x = %#v, want %#v", b, got, tt.want)
		})
	}
}

func TestFromStringErrors(t *testing.T) {
	tests := []struct {
		typ  string
		in   string
		want string
	}{
		{"int", "99999999999", "Unable to make int from '99999999999'"},
		{"int", "1.5", "Unable to make int from '1.5'"},
		{"int", " 1", "Unable to make int from ' 1'"},
		{"bigint", "9223372036854775808", "Unable to make long from '9223372036854775808'"},
		{"smallint", "32768", "Unable to make short from '32768'"},
		{"smallint", "", "Unable to make short from ''"},
		{"tinyint", "-129", "Unable to make byte from '-129'"},
		{"varint", "1e3", "Unable to make varint from '1e3'"},
		{"varint", "0x10", "Unable to make varint from '0x10'"},
		{"decimal", "abc", "Value 'abc' is not a valid representation of a decimal value"},
		{"decimal", "1.2.3", "Value '1.2.3' is not a valid representation of a decimal value"},
		{"decimal", "1e", "Value '1e' is not a valid representation of a decimal value"},
		{"decimal", "1e99999999999", "Value '1e99999999999' is not a valid representation of a decimal value"},
		{"decimal", "NaN", "Value 'NaN' is not a valid representation of a decimal value"},
		{"double", "one", "Unable to make double from 'one'"},
		{"double", "1_0", "Unable to make double from '1_0'"},
		{"float", "x", "Unable to make float from 'x'"},
		{"boolean", "yes", "Unable to make boolean from 'yes'"},
		{"uuid", "550e8400e29b41d4a716446655440000", "Unable to make UUID from '550e8400e29b41d4a716446655440000'"},
		{"timeuuid", "550e8400-e29b-41d4-a716-446655440000", "TimeUUID supports only version 1 UUIDs"},
		{"timestamp", "2023-13-01", "Unable to parse a date/time from '2023-13-01'"},
		{"timestamp", "2023-02-30", "Unable to parse a date/time from '2023-02-30'"},
		{"timestamp", "2023-01-02 24:00", "Unable to parse a date/time from '2023-01-02 24:00'"},
		{"timestamp", "2023-01-02 03:04:05 PST", "Unable to parse a date/time from '2023-01-02 03:04:05 PST'"},
		{"timestamp", "yesterday", "Unable to parse a date/time from 'yesterday'"},
		{"timestamp", "99999999999999999999", "Unable to parse a date/time from '99999999999999999999'"},
		{"timestamp", "999999999-01-01", "Unable to parse a date/time from '999999999-01-01'"},
		{"date", "2023-01-02 00:00", "Unable to coerce '2023-01-02 00:00' to a formatted date (long)"},
		{"date", "4294967296", "Unable to coerce '4294967296' to a formatted date (long)"},
		{"date", "-1", "Unable to coerce '-1' to a formatted date (long)"},
		{"date", "9999999-01-01", "Unable to coerce '9999999-01-01' to a formatted date (long)"},
		{"time", "24:00:00", "Unable to coerce '24:00:00' to a formatted time (long)"},
		{"time", "12:34", "Unable to coerce '12:34' to a formatted time (long)"},
		{"time", "12:34:56.1234567891", "Unable to coerce '12:34:56.1234567891' to a formatted time (long)"},
		{"time", "86400000000000", "Unable to coerce '86400000000000' to a formatted time (long)"},
		{"inet", "example.com", "Unable to make inet address from 'example.com'"},
		{"inet", "fe80::1%eth0", "Unable to make inet address from 'fe80::1%eth0'"},
		{"blob", "0xzz", "cannot parse '0xzz' as hex bytes"},
		{"ascii", "é", "Invalid byte for ascii: 195"},
		{"duration", "1x", "Unable to convert '1x' to a duration"},
		{"duration", "", "Unable to convert '' to a duration"},
		{"duration", "P", "Unable to convert 'P' to a duration"},
		{"duration", "P1DT", "Unable to convert 'P1DT' to a duration"},
		{"duration", "99999999999y", "Unable to convert '99999999999y' to a duration"},
		{"duration", "3000000000d", "Unable to convert '3000000000d' to a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.in, func(t *testing.T) {
			_, err := FromString(mustParse(t, tt.typ), tt.in)
			assert.EqualError(t, err, tt.want)
			assert.ErrorIs(t, err, ErrInvalidValue)
		})
	}
	for _, typ := range []string{"list<int>", "map<int, int>", "tuple<int>"} {
		_, err := FromString(mustParse(t, typ), "[1]")
		assert.ErrorContains(t, err, "FromString does not support", typ)
	}
}

func TestFromStringEmpty(t *testing.T) {
	for _, typ := range []string{"int", "bigint", "varint", "decimal", "double", "boolean", "uuid", "timestamp", "inet", "text", "blob"} {
		b, err := FromString(mustParse(t, typ), "")
		assert.NoError(t, err, typ)
		assert.Equal(t, []byte{}, b, typ)
	}
}

// TestEncodeStringUsesFromString checks that a string given to Encode for a
// non-text scalar is a literal.
func TestEncodeStringUsesFromString(t *testing.T) {
	a := mustEncode(t, Native(Inet), "10.0.0.1")
	b, err := FromString(Native(Inet), "10.0.0.1")
	require.NoError(t, err)
	assert.Equal(t, []byte{10, 0, 0, 1}, a)
	assert.Equal(t, b, a)
}
