package cqltype

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		typ  string
		in   string // hex
		want string // exact error text; "" for valid
	}{
		{"int", "00000001", ""},
		{"int", "", ""},
		{"int", "000001", "Expected 4 or 0 byte int (3)"},
		{"bigint", "0001", "Expected 8 or 0 byte long (2)"},
		{"counter", "01", "Expected 8 or 0 byte long (1)"},
		{"timestamp", "01", "Expected 8 or 0 byte long for date (1)"},
		{"smallint", "", "Expected 2 bytes for a smallint (0)"},
		{"tinyint", "0102", "Expected 1 byte for a tinyint (2)"},
		{"boolean", "0101", "Expected 1 or 0 byte value (2)"},
		{"double", "00", "Expected 8 or 0 byte value for a double (1)"},
		{"float", "00", "Expected 4 or 0 byte value for a float (1)"},
		{"date", "", "Expected 4 byte long for date (0)"},
		{"time", "00", "Expected 8 byte long for time (1)"},
		{"time", "ffffffffffffffff", "Time value out of range: -1 (must be 0 to 86399999999999 nanoseconds)"},
		{"time", "00004e94914f0000", "Time value out of range: 86400000000000 (must be 0 to 86399999999999 nanoseconds)"},
		{"uuid", "00", "UUID should be 16 or 0 bytes (1)"},
		{"timeuuid", "00000000000040000000000000000000", "Invalid version for TimeUUID type."},
		{"timeuuid", "00000000000010000000000000000000", ""},
		{"inet", "010203", "Expected 4 or 16 byte inetaddress; got 3 bytes"},
		{"decimal", "000001", "Valid BigDecimal must be at least 4 bytes"},
		{"decimal", "", ""},
		{"varint", "", ""},
		{"ascii", "61c8", "Invalid byte for ascii: 200"},
		{"text", "61c3", "Invalid UTF-8 bytes 0x61c3"},
		{"text", "eda080", "Invalid UTF-8 bytes 0xeda080"}, // a surrogate
		{"blob", "ff", ""},
		{"duration", "0000", "Expected at least 3 bytes for a duration (2)"},
		{"duration", "020401", "The duration months, days and nanoseconds must be all of the same sign (1, 2, -1)"},
		{"duration", "f0fffffffe0000", ""},
		{"duration", "f100000000000000", "The duration months must be a 32 bits integer but was: 2147483648"},
		{"duration", "00f1000000000000", "The duration days must be a 32 bits integer but was: 2147483648"},
		{"duration", "0000ff00", "Not enough bytes to read a duration"},
		{"duration", "00000000", "Unexpected extraneous bytes after duration value"},
		{"list<int>", "", "Not enough bytes to read a list"},
		{"list<int>", "00000000", ""},
		{"list<int>", "00000001 00000004 00000001", ""},
		{"list<int>", "00000001 00000003 000001", "Expected 4 or 0 byte int (3)"},
		{"list<int>", "00000001 ffffffff", "null is not supported inside collections"},
		{"list<int>", "00000002 00000004 00000001", "Not enough bytes to read a list"},
		{"list<int>", "7fffffff 00000004", "Not enough bytes to read a list"},
		{"list<int>", "80000000", "Negative list size -2147483648"},
		{"list<int>", "00000001 00000004 00000001 00", "Unexpected extraneous bytes after list value"},
		{"list<int>", "00000001 00000005 00000001", "Not enough bytes to read a list"},
		{"set<text>", "00000001 00000001 ff", "Invalid UTF-8 bytes 0xff"},
		{"map<int, text>", "00000001 00000004 00000001", "Not enough bytes to read a map"},
		{"map<int, text>", "00000001 00000004 00000001 ffffffff", "null is not supported inside collections"},
		{"map<int, text>", "00000001 00000004 00000001 00000000", ""},
		{"tuple<int, text>", "", ""},
		{"tuple<int, text>", "00000004 00000001", ""},
		{"tuple<int, text>", "ffffffff ffffffff", ""},
		{"tuple<int, text>", "000000", "Not enough bytes to read size of 0th component"},
		{"tuple<int, text>", "00000004 000001", "Not enough bytes to read 0th component"},
		{"tuple<int, text>", "00000001 00", "Expected 4 or 0 byte int (1)"},
		{"tuple<int, text>", "ffffffff ffffffff 00", "Invalid remaining data after end of tuple value"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.in, func(t *testing.T) {
			typ := mustParse(t, tt.typ)
			err := Validate(typ, mustHex(t, tt.in))
			_, derr := Decode(typ, mustHex(t, tt.in))
			if tt.want == "" {
				assert.NoError(t, err)
				assert.NoError(t, derr, "Decode")
				return
			}
			assert.EqualError(t, err, tt.want)
			assert.ErrorIs(t, err, ErrInvalidValue)
			assert.Equal(t, err, derr, "Decode error")
		})
	}
}

func TestValidateDeepValue(t *testing.T) {
	// A type deeper than MaxDepth, built by hand, is refused, not recursed.
	typ := Native(Int)
	for range MaxDepth + 2 {
		typ = TupleOf(typ)
	}
	v := []byte{}
	for range MaxDepth + 2 {
		v = AppendValue(nil, v)
	}
	assert.ErrorContains(t, Validate(typ, v), "nested more than")
}
