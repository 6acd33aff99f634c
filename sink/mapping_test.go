package sink_test

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
)

// mappingCases are the text forms of every CQL type: in is the Go value
// for cqltype.Encode (or raw bytes, or nil for null), json its JSON text,
// csv its CSV field.
var mappingCases = []struct {
	name, typ string
	in        any
	json, csv string
}{
	{"null", "int", nil, `null`, ``},
	{"empty int", "int", raw{}, `null`, ``},
	{"empty bigint", "bigint", raw{}, `null`, ``},
	{"empty uuid", "uuid", raw{}, `null`, ``},
	{"empty list", "list<int>", raw{}, `null`, ``},

	{"ascii", "ascii", "abc", `"abc"`, `abc`},
	{"text", "text", "héllo ✓ 😀", `"héllo ✓ 😀"`, `héllo ✓ 😀`},
	{"text empty", "text", "", `""`, `""`},
	{"text null", "text", nil, `null`, ``},
	{"text escapes", "text", "q\"b\\s/<&>", `"q\"b\\s/<&>"`, `"q""b\s/<&>"`},
	{"text controls", "text", "\n\r\t\b\f\x01\x1f\x7f", `"\n\r\t\b\f\u0001\u001f` + "\x7f\"", "\"\n\r\t\b\f\x01\x1f\x7f\""},
	{"text line separators", "text", "a\u2028b\u2029", `"a\u2028b\u2029"`, "a\u2028b\u2029"},
	{"text invalid utf8", "text", raw{'a', 0xff, 'b', 0xe2, 0x82}, `"a\ufffdb\ufffd\ufffd"`, "a\uFFFDb\uFFFD\uFFFD"},
	{"text comma", "text", "a,b", `"a,b"`, `"a,b"`},
	{"text leading space", "text", " a", `" a"`, `" a"`},
	{"text trailing space", "text", "a ", `"a "`, `a `},
	{"text backslash dot", "text", `\.`, `"\\."`, `"\."`},
	{"varchar", "varchar", "v", `"v"`, `v`},

	{"tinyint min", "tinyint", int8(math.MinInt8), `-128`, `-128`},
	{"smallint min", "smallint", int16(math.MinInt16), `-32768`, `-32768`},
	{"int min", "int", int32(math.MinInt32), `-2147483648`, `-2147483648`},
	{"int max", "int", int32(math.MaxInt32), `2147483647`, `2147483647`},
	{"bigint min", "bigint", int64(math.MinInt64), `-9223372036854775808`, `-9223372036854775808`},
	{"bigint max", "bigint", int64(math.MaxInt64), `9223372036854775807`, `9223372036854775807`},
	{"counter", "counter", 42, `42`, `42`},

	{"varint zero", "varint", 0, `0`, `0`},
	{"varint -1", "varint", -1, `-1`, `-1`},
	{"varint 128", "varint", 128, `128`, `128`},
	{"varint -129", "varint", -129, `-129`, `-129`},
	{"varint min int64", "varint", int64(math.MinInt64), `-9223372036854775808`, `-9223372036854775808`},
	{"varint 2^63", "varint", bigInt("9223372036854775808"), `9223372036854775808`, `9223372036854775808`},
	{"varint -2^63-1", "varint", bigInt("-9223372036854775809"), `-9223372036854775809`, `-9223372036854775809`},
	{"varint -2^64", "varint", bigInt("-18446744073709551616"), `-18446744073709551616`, `-18446744073709551616`},
	{"varint big", "varint", bigInt("12345678901234567890123"), `12345678901234567890123`, `12345678901234567890123`},
	{"varint big negative", "varint", bigInt("-12345678901234567890123"), `-12345678901234567890123`, `-12345678901234567890123`},

	{"decimal keeps scale", "decimal", dec("1250", 3), `1.250`, `1.250`},
	{"decimal negative", "decimal", dec("-125", 2), `-1.25`, `-1.25`},
	{"decimal below one", "decimal", dec("125", 3), `0.125`, `0.125`},
	{"decimal leading zeros", "decimal", dec("-125", 5), `-0.00125`, `-0.00125`},
	{"decimal zero scale 2", "decimal", dec("0", 2), `0.00`, `0.00`},
	{"decimal zero negative scale", "decimal", dec("0", -3), `0`, `0`},
	{"decimal negative scale", "decimal", dec("12", -2), `1200`, `1200`},
	{"decimal integer", "decimal", dec("-7", 0), `-7`, `-7`},
	{"decimal big", "decimal", dec("12345678901234567890123", 10), `1234567890123.4567890123`, `1234567890123.4567890123`},
	{"decimal big negative", "decimal", dec("-12345678901234567890123", 25), `-0.0012345678901234567890123`, `-0.0012345678901234567890123`},
	{"decimal min int64", "decimal", dec("-9223372036854775808", 1), `-922337203685477580.8`, `-922337203685477580.8`},
	{"decimal 100 zeros", "decimal", dec("1", -100), "1" + strings.Repeat("0", 100), "1" + strings.Repeat("0", 100)},
	{"decimal without unscaled bytes", "decimal", raw{0, 0, 0, 2}, `0.00`, `0.00`},
	{"decimal exponent", "decimal", dec("1", -101), `1E+101`, `1E+101`},
	{"decimal 100 leading zeros", "decimal", dec("-1", 101), "-0." + strings.Repeat("0", 100) + "1", "-0." + strings.Repeat("0", 100) + "1"},
	{"decimal negative exponent", "decimal", dec("-125", 2147483647), `-125E-2147483647`, `-125E-2147483647`},

	{"double", "double", 1.5, `1.5`, `1.5`},
	{"double tenth", "double", 0.1, `0.1`, `0.1`},
	{"double million", "double", 1e6, `1000000`, `1000000`},
	{"double 1e20", "double", 1e20, `100000000000000000000`, `100000000000000000000`},
	{"double 1e21", "double", 1e21, `1e+21`, `1e+21`},
	{"double 1e-7", "double", 1e-7, `1e-7`, `1e-7`},
	{"double negative zero", "double", math.Copysign(0, -1), `-0`, `-0`},
	{"double max", "double", math.MaxFloat64, `1.7976931348623157e+308`, `1.7976931348623157e+308`},
	{"double smallest", "double", math.SmallestNonzeroFloat64, `5e-324`, `5e-324`},
	{"double NaN", "double", math.NaN(), `"NaN"`, `NaN`},
	{"double +Inf", "double", math.Inf(1), `"Infinity"`, `Infinity`},
	{"double -Inf", "double", math.Inf(-1), `"-Infinity"`, `-Infinity`},
	{"float", "float", float32(0.1), `0.1`, `0.1`},
	{"float 2^24", "float", float32(16777216), `16777216`, `16777216`},
	{"float NaN", "float", float32(math.NaN()), `"NaN"`, `NaN`},
	{"float -Inf", "float", float32(math.Inf(-1)), `"-Infinity"`, `-Infinity`},

	{"true", "boolean", true, `true`, `true`},
	{"false", "boolean", false, `false`, `false`},

	{"uuid", "uuid", "123E4567-E89B-42D3-A456-426614174000", `"123e4567-e89b-42d3-a456-426614174000"`, `123e4567-e89b-42d3-a456-426614174000`},
	{"timeuuid", "timeuuid", "5bd8c6e0-e73a-11ee-8000-000000000001", `"5bd8c6e0-e73a-11ee-8000-000000000001"`, `5bd8c6e0-e73a-11ee-8000-000000000001`},

	{"timestamp", "timestamp", time.Date(2026, 1, 1, 12, 0, 0, 123e6, time.UTC), `"2026-01-01T12:00:00.123Z"`, `2026-01-01T12:00:00.123Z`},
	{"timestamp zone", "timestamp", time.Date(2026, 1, 1, 12, 0, 0, 0, time.FixedZone("", 3600)), `"2026-01-01T11:00:00.000Z"`, `2026-01-01T11:00:00.000Z`},
	{"timestamp epoch", "timestamp", 0, `"1970-01-01T00:00:00.000Z"`, `1970-01-01T00:00:00.000Z`},
	{"timestamp -1ms", "timestamp", -1, `"1969-12-31T23:59:59.999Z"`, `1969-12-31T23:59:59.999Z`},
	{"timestamp year 0", "timestamp", int64(-62167219200000), `"0000-01-01T00:00:00.000Z"`, `0000-01-01T00:00:00.000Z`},
	{"timestamp year -1", "timestamp", int64(-62167219200001), `"-0001-12-31T23:59:59.999Z"`, `-0001-12-31T23:59:59.999Z`},
	{"timestamp year 10000", "timestamp", int64(253402300800000), `"+10000-01-01T00:00:00.000Z"`, `+10000-01-01T00:00:00.000Z`},
	{"timestamp max", "timestamp", int64(math.MaxInt64), `"+292278994-08-17T07:12:55.807Z"`, `+292278994-08-17T07:12:55.807Z`},
	{"timestamp min", "timestamp", int64(math.MinInt64), `"-292275055-05-16T16:47:04.192Z"`, `-292275055-05-16T16:47:04.192Z`},

	{"date", "date", "2026-01-01", `"2026-01-01"`, `2026-01-01`},
	{"date epoch", "date", cqltype.Date(0), `"1970-01-01"`, `1970-01-01`},
	{"date leap day", "date", "2024-02-29", `"2024-02-29"`, `2024-02-29`},
	{"date before epoch", "date", cqltype.Date(-1), `"1969-12-31"`, `1969-12-31`},
	{"date min", "date", cqltype.Date(math.MinInt32), `"-5877641-06-23"`, `-5877641-06-23`},
	{"date max", "date", cqltype.Date(math.MaxInt32), `"+5881580-07-11"`, `+5881580-07-11`},

	{"time", "time", "12:34:56.123456789", `"12:34:56.123456789"`, `12:34:56.123456789`},
	{"time midnight", "time", 0, `"00:00:00.000000000"`, `00:00:00.000000000`},
	{"time last", "time", int64(86400e9 - 1), `"23:59:59.999999999"`, `23:59:59.999999999`},

	{"duration", "duration", "1h30m", `"1h30m"`, `1h30m`},
	{"duration zero", "duration", cqltype.Duration{}, `"0s"`, `0s`},
	{"duration negative", "duration", "-5ns", `"-5ns"`, `-5ns`},
	{"duration all units", "duration", "1y2mo3d4h5m6s7ms8us9ns", `"1y2mo3d4h5m6s7ms8us9ns"`, `1y2mo3d4h5m6s7ms8us9ns`},
	{"duration iso", "duration", "P1Y14M3DT4H", `"2y2mo3d4h"`, `2y2mo3d4h`},
	{"duration extremes", "duration", cqltype.Duration{Months: math.MinInt32, Days: math.MinInt32, Nanos: math.MinInt64},
		`"-178956970y8mo2147483648d2562047h47m16s854ms775us808ns"`, `-178956970y8mo2147483648d2562047h47m16s854ms775us808ns`},

	{"blob", "blob", []byte{0xde, 0xad, 0xbe, 0xef}, `"0xdeadbeef"`, `0xdeadbeef`},
	{"blob empty", "blob", []byte{}, `"0x"`, `0x`},

	{"inet4", "inet", "10.0.0.1", `"10.0.0.1"`, `10.0.0.1`},
	{"inet6", "inet", "::1", `"::1"`, `::1`},
	{"inet6 long", "inet", "2001:DB8:0:0:1:0:0:1", `"2001:db8::1:0:0:1"`, `2001:db8::1:0:0:1`},
	{"inet4 mapped", "inet", raw{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4}, `"::ffff:1.2.3.4"`, `::ffff:1.2.3.4`},

	{"list", "list<int>", []int{3, 1, 2}, `[3,1,2]`, `"[3,1,2]"`},
	{"list empty", "frozen<list<int>>", []int{}, `[]`, `[]`},
	{"list doubles", "list<double>", []float64{math.NaN(), 1.5, math.Inf(-1)}, `["NaN",1.5,"-Infinity"]`, `"[""NaN"",1.5,""-Infinity""]"`},
	{"list blobs", "list<blob>", [][]byte{{1}, {}}, `["0x01","0x"]`, `"[""0x01"",""0x""]"`},
	{"list timestamps", "list<timestamp>", []int64{0}, `["1970-01-01T00:00:00.000Z"]`, `"[""1970-01-01T00:00:00.000Z""]"`},
	{"set", "set<text>", []string{"b", "a", "b"}, `["a","b"]`, `"[""a"",""b""]"`},
	{"set escapes", "set<text>", []string{"q\"", ""}, `["","q\""]`, `"["""",""q\""""]"`},
	{"set text empty", "frozen<set<text>>", []string{}, `[]`, `[]`},
	{"list text", "list<text>", []string{"a,b", "c"}, `["a,b","c"]`, `"[""a,b"",""c""]"`},
	{"map text empty", "frozen<map<text, text>>", map[string]string{}, `{}`, `{}`},
	{"map", "map<text, int>", map[string]int{"b": 2, "a": 1}, `{"a":1,"b":2}`, `"{""a"":1,""b"":2}"`},
	{"map empty", "frozen<map<text, int>>", map[string]int{}, `{}`, `{}`},
	{"map int keys", "map<int, text>", map[int]string{1: "x", -2: "y"}, `{"-2":"y","1":"x"}`, `"{""-2"":""y"",""1"":""x""}"`},
	{"map uuid keys", "map<uuid, boolean>", map[string]bool{"123e4567-e89b-42d3-a456-426614174000": true}, `{"123e4567-e89b-42d3-a456-426614174000":true}`, `"{""123e4567-e89b-42d3-a456-426614174000"":true}"`},
	{"map timestamp keys", "map<timestamp, int>", map[int64]int{1: 1}, `{"1970-01-01T00:00:00.001Z":1}`, `"{""1970-01-01T00:00:00.001Z"":1}"`},
	{"map blob keys", "map<blob, int>", []cqltype.KV{{Key: []byte{1, 2}, Value: 3}}, `{"0x0102":3}`, `"{""0x0102"":3}"`},
	{"map double keys", "map<double, int>", []cqltype.KV{{Key: math.NaN(), Value: 1}, {Key: 2.5, Value: 2}}, `{"2.5":2,"NaN":1}`, `"{""2.5"":2,""NaN"":1}"`},
	{"map decimal keys", "map<decimal, int>", []cqltype.KV{{Key: dec("150", 2), Value: 1}}, `{"1.50":1}`, `"{""1.50"":1}"`},
	{"map empty key", "map<text, text>", map[string]string{"": "ü\n"}, `{"":"ü\n"}`, "\"{\"\"\"\":\"\"ü\\n\"\"}\""},
	{"map list keys", "map<frozen<list<int>>, text>", []cqltype.KV{{Key: []int{1, 2}, Value: "x"}}, `{"[1,2]":"x"}`, `"{""[1,2]"":""x""}"`},
	{"map set keys", "map<frozen<set<text>>, int>", []cqltype.KV{{Key: []string{"a"}, Value: 1}}, `{"[\"a\"]":1}`, `"{""[\""a\""]"":1}"`},
	{"map map keys", "map<frozen<map<frozen<list<int>>, int>>, int>",
		[]cqltype.KV{{Key: []cqltype.KV{{Key: []int{1}, Value: 2}}, Value: 3}}, `{"{\"[1]\":2}":3}`, `"{""{\""[1]\"":2}"":3}"`},
	{"map tuple keys", "map<frozen<tuple<int, text>>, int>", []cqltype.KV{{Key: []any{1, nil}, Value: 2}}, `{"[1,null]":2}`, `"{""[1,null]"":2}"`},
	{"nested", "list<frozen<map<text, frozen<list<int>>>>>",
		[]any{map[string][]int{"a": {1}, "b": {}}, map[string][]int{}}, `[{"a":[1],"b":[]},{}]`, `"[{""a"":[1],""b"":[]},{}]"`},
	{"tuple", "tuple<int, text, boolean>", []any{1, nil, true}, `[1,null,true]`, `"[1,null,true]"`},
	{"tuple short", "tuple<int, text, boolean>", raw{0, 0, 0, 4, 0, 0, 0, 7}, `[7,null,null]`, `"[7,null,null]"`},
	{"tuple nested", "tuple<int, frozen<list<text>>>", []any{nil, []string{"x"}}, `[null,["x"]]`, `"[null,[""x""]]"`},
}

func TestJSONLinesMapping(t *testing.T) {
	for _, tc := range mappingCases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			s := sink.NewJSONLines(&out)
			require.NoError(t, s.Write(context.Background(), page(t, []col{{"v", tc.typ}}, []any{tc.in})))
			require.NoError(t, s.Close(context.Background()))
			assert.Equal(t, `{"v":`+tc.json+"}\n", out.String())
		})
	}
}

func TestCSVMapping(t *testing.T) {
	for _, tc := range mappingCases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			s, err := sink.NewCSV(&out, sink.CSVConfig{})
			require.NoError(t, err)
			// A second column keeps an empty field from being an empty line.
			b := page(t, []col{{"v", tc.typ}, {"n", "int"}}, []any{tc.in, 1})
			require.NoError(t, s.Write(context.Background(), b))
			require.NoError(t, s.Close(context.Background()))
			assert.Equal(t, "v,n\n"+tc.csv+",1\n", out.String())
		})
	}
}

func TestUDT(t *testing.T) {
	typ := cqltype.Type{
		Kind: cqltype.UDT, Keyspace: "ks", Name: "address",
		Fields: []string{"street", "zip", "tags"},
		Elems:  []cqltype.Type{cqltype.Native(cqltype.Varchar), cqltype.Native(cqltype.Int), cqltype.SetOf(cqltype.Native(cqltype.Varchar))},
	}
	b := sink.NewBatch([]sink.Column{columnOf(t, "a", typ)}, 0)
	b.AppendValue(wire(t, typ, map[string]any{"street": "Main \"1\"", "tags": []string{"x"}}))
	b.AppendValue(wire(t, typ, raw{0, 0, 0, 1, 'S'})) // fields missing at the end
	var out bytes.Buffer
	require.NoError(t, sink.NewJSONLines(&out).Write(context.Background(), b))
	assert.Equal(t, `{"a":{"street":"Main \"1\"","zip":null,"tags":["x"]}}`+"\n"+
		`{"a":{"street":"S","zip":null,"tags":null}}`+"\n", out.String())
}

func TestMalformedValue(t *testing.T) {
	tests := []struct {
		name, typ string
		value     raw
	}{
		{"int of 3 bytes", "int", raw{1, 2, 3}},
		{"bigint of 4 bytes", "bigint", raw{1, 2, 3, 4}},
		{"boolean of 2 bytes", "boolean", raw{1, 1}},
		{"uuid of 15 bytes", "uuid", make(raw, 15)},
		{"inet of 5 bytes", "inet", raw{1, 2, 3, 4, 5}},
		{"decimal of 3 bytes", "decimal", raw{0, 0, 1}},
		{"time past midnight", "time", raw{0, 0, 0x4e, 0x94, 0x91, 0x4f, 0, 0}},
		{"duration truncated", "duration", raw{0xff}},
		{"duration mixed signs", "duration", raw{2, 1, 2}},
		{"duration trailing", "duration", raw{2, 2, 2, 0}},
		{"list count too big", "list<int>", raw{0, 0, 0, 9, 0, 0, 0, 0}},
		{"list truncated element", "list<int>", raw{0, 0, 0, 1, 0, 0, 0, 4, 1}},
		{"list trailing bytes", "list<int>", raw{0, 0, 0, 0, 7}},
		{"list bad element", "list<int>", raw{0, 0, 0, 1, 0, 0, 0, 1, 1}},
		{"map truncated value", "map<int, int>", raw{0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4}},
		{"tuple trailing bytes", "tuple<int>", raw{0, 0, 0, 4, 0, 0, 0, 1, 9}},
		{"tuple truncated", "tuple<int>", raw{0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cols := []col{{"ok", "int"}, {"bad", tc.typ}}
			b := page(t, cols, []any{1, nil})
			b.AppendValue(wire(t, cqltype.Native(cqltype.Int), 2))
			b.AppendValue(tc.value)

			var out bytes.Buffer
			err := sink.NewJSONLines(&out).Write(context.Background(), b)
			require.ErrorIs(t, err, sink.ErrInvalidValue)
			assert.Contains(t, err.Error(), "row 1 column bad")
			assert.Equal(t, `{"ok":1,"bad":null}`+"\n", out.String(), "the rows before the bad one")

			out.Reset()
			c, err := sink.NewCSV(&out, sink.CSVConfig{})
			require.NoError(t, err)
			err = c.Write(context.Background(), b)
			require.ErrorIs(t, err, sink.ErrInvalidValue)
			assert.Contains(t, err.Error(), "row 1 column bad")
			assert.Equal(t, "ok,bad\n1,\n", out.String())
		})
	}
}
