package parquet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"runtime"
	"strings"
	"testing"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/sink/cqlvalue"
	"github.com/ringscan/ringscan/sink/internal/sinktest"
	"github.com/ringscan/ringscan/sink/parquet"
)

// kv is a map entry as read back from a Parquet MAP.
type kv struct{ K, V any }

// pqFile is a Parquet file read back.
type pqFile struct {
	f    *parquetgo.File
	rows [][]any // per row, per column: the value assembled from its leaves
}

// readParquet opens data and assembles every row from the leaf values and
// their levels (the Dremel record assembly), independently of the writer:
// nulls are nil, lists and sets []any, maps []kv, groups map[string]any,
// integers int32 or int64, floats float32 or float64, byte arrays string,
// UUIDs sink.UUID.
func readParquet(t *testing.T, data []byte) pqFile {
	t.Helper()
	f, err := parquetgo.OpenFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	out := pqFile{f: f}
	r := parquetgo.NewReader(f)
	defer r.Close()
	fields := f.Schema().Fields()
	buf := make([]parquetgo.Row, 16)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			a := assembler{cols: make([][]parquetgo.Value, len(f.Schema().Columns()))}
			for _, v := range row {
				a.cols[v.Column()] = append(a.cols[v.Column()], v)
			}
			a.pos = make([]int, len(a.cols))
			vals := make([]any, len(fields))
			leaf := 0
			for i, fld := range fields {
				vals[i] = a.value(fld, leaf, 0, 0)
				leaf += numLeaves(fld)
			}
			for c := range a.cols {
				require.Equal(t, len(a.cols[c]), a.pos[c], "leaf %d: values left over", c)
			}
			out.rows = append(out.rows, vals)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
	}
	require.EqualValues(t, len(out.rows), f.NumRows())
	return out
}

type assembler struct {
	cols [][]parquetgo.Value
	pos  []int
}

func numLeaves(n parquetgo.Node) int {
	if n.Leaf() {
		return 1
	}
	s := 0
	for _, f := range n.Fields() {
		s += numLeaves(f)
	}
	return s
}

func (a *assembler) peek(leaf int) (parquetgo.Value, bool) {
	if a.pos[leaf] >= len(a.cols[leaf]) {
		return parquetgo.Value{}, false
	}
	return a.cols[leaf][a.pos[leaf]], true
}

// skip consumes the one value of each leaf of n that a null or empty n has.
func (a *assembler) skip(n parquetgo.Node, leaf int) {
	for i := range numLeaves(n) {
		a.pos[leaf+i]++
	}
}

// value reads one instance of n, whose first leaf is leaf; d is the
// definition level and r the repetition level of its parent.
func (a *assembler) value(n parquetgo.Node, leaf, d, r int) any {
	if n.Optional() {
		d++
		if v, _ := a.peek(leaf); v.DefinitionLevel() < d {
			a.skip(n, leaf)
			return nil
		}
	}
	if n.Leaf() {
		v := a.cols[leaf][a.pos[leaf]]
		a.pos[leaf]++
		if l := n.Type().LogicalType(); l != nil {
			if dt, ok := l.Value.(*format.DecimalType); ok {
				return decimalValue(v, dt)
			}
		}
		switch v.Kind() {
		case parquetgo.Boolean:
			return v.Boolean()
		case parquetgo.Int32:
			return v.Int32()
		case parquetgo.Int64:
			return v.Int64()
		case parquetgo.Float:
			return v.Float()
		case parquetgo.Double:
			return v.Double()
		case parquetgo.ByteArray:
			return string(v.ByteArray())
		case parquetgo.FixedLenByteArray:
			return sink.UUID(v.ByteArray())
		}
		panic(fmt.Sprintf("unexpected %v", v))
	}
	var lt format.LogicalTypeValue
	if l := n.Type().LogicalType(); l != nil {
		lt = l.Value
	}
	switch lt.(type) {
	case *format.ListType:
		elem := n.Fields()[0].Fields()[0]
		return a.repeated(n, leaf, d, r, func() any { return a.value(elem, leaf, d+1, r+1) })
	case *format.MapType:
		key, val := n.Fields()[0].Fields()[0], n.Fields()[0].Fields()[1]
		return a.repeated(n, leaf, d, r, func() any {
			k := a.value(key, leaf, d+1, r+1)
			return kv{k, a.value(val, leaf+numLeaves(key), d+1, r+1)}
		})
	}
	m := map[string]any{}
	for _, f := range n.Fields() {
		m[f.Name()] = a.value(f, leaf, d, r)
		leaf += numLeaves(f)
	}
	return m
}

// decimal is a DECIMAL value read back: its unscaled value and the
// column's scale, as text ("1.250000").
type decimal string

// decimalValue reads a DECIMAL value of any physical type.
func decimalValue(v parquetgo.Value, dt *format.DecimalType) decimal {
	var u *big.Int
	switch v.Kind() {
	case parquetgo.Int32:
		u = big.NewInt(int64(v.Int32()))
	case parquetgo.Int64:
		u = big.NewInt(v.Int64())
	default: // two's complement, big-endian
		b := v.ByteArray()
		u = new(big.Int).SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 {
			u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
	}
	return decimal(cqltype.Decimal{Unscaled: u, Scale: dt.Scale}.String())
}

// repeated reads the elements of a list or map n, present at definition
// level d.
func (a *assembler) repeated(n parquetgo.Node, leaf, d, r int, elem func() any) []any {
	out := []any{}
	if v, _ := a.peek(leaf); v.DefinitionLevel() <= d {
		a.skip(n, leaf)
		return out
	}
	for {
		out = append(out, elem())
		if v, ok := a.peek(leaf); !ok || v.RepetitionLevel() <= r {
			return out
		}
	}
}

// legacy is the mapping of uuid, decimal and varint before the defaults
// became Spark-friendly: the tests written for it pin these options.
var legacy = parquet.Config{UUID: parquet.UUIDLogical, Decimal: "string", Varint: "string"}

// withLegacy returns c with the legacy mapping.
func withLegacy(c parquet.Config) parquet.Config {
	c.UUID, c.Decimal, c.Varint = legacy.UUID, legacy.Decimal, legacy.Varint
	return c
}

func writeParquet(t *testing.T, cfg parquet.Config, batches ...*sink.Batch) []byte {
	t.Helper()
	var buf bytes.Buffer
	s, err := parquet.New(&buf, batches[0].Columns, cfg)
	require.NoError(t, err)
	for _, b := range batches {
		require.NoError(t, s.Write(context.Background(), b))
	}
	require.NoError(t, s.Close(context.Background()))
	return buf.Bytes()
}

func mustUUID(s string) sink.UUID {
	u, err := cqlvalue.ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return u
}

func udtType() cqltype.Type {
	return cqltype.Type{
		Kind: cqltype.UDT, Keyspace: "ks", Name: "address",
		Fields: []string{"street", "zip", "tags"},
		Elems:  []cqltype.Type{cqltype.Native(cqltype.Varchar), cqltype.Native(cqltype.Int), cqltype.SetOf(cqltype.Native(cqltype.Varchar))},
	}
}

// inOut is a value for cqltype.Encode (or raw bytes, or nil) and what it
// reads back as.
type inOut struct{ in, want any }

// parquetCases hold, per CQL type, values and what they read back as.
var parquetCases = []struct {
	typ  string
	vals []inOut
}{
	{"text", []inOut{{"héllo ✓ 😀", "héllo ✓ 😀"}, {"", ""}, {nil, nil}, {"q\"\n\x00", "q\"\n\x00"},
		{raw{'a', 0xff, 'b', 0xe2, 0x82}, "a\uFFFDb\uFFFD\uFFFD"}}},
	{"ascii", []inOut{{"abc", "abc"}, {"", ""}}},
	{"tinyint", []inOut{{int8(math.MinInt8), int32(math.MinInt8)}, {int8(math.MaxInt8), int32(math.MaxInt8)}, {raw{}, nil}}},
	{"smallint", []inOut{{int16(math.MinInt16), int32(math.MinInt16)}, {int16(math.MaxInt16), int32(math.MaxInt16)}}},
	{"int", []inOut{{int32(math.MinInt32), int32(math.MinInt32)}, {int32(math.MaxInt32), int32(math.MaxInt32)}, {0, int32(0)}, {raw{}, nil}, {nil, nil}}},
	{"bigint", []inOut{{int64(math.MinInt64), int64(math.MinInt64)}, {int64(math.MaxInt64), int64(math.MaxInt64)}}},
	{"counter", []inOut{{42, int64(42)}}},
	{"varint", []inOut{{0, "0"}, {-129, "-129"}, {bigInt("12345678901234567890123"), "12345678901234567890123"},
		{bigInt("-18446744073709551616"), "-18446744073709551616"}, {raw{}, nil}}},
	{"decimal", []inOut{{dec("1250", 3), "1.250"}, {dec("-125", 2), "-1.25"}, {dec("12", -2), "1200"},
		{dec("0", 2), "0.00"}, {dec("-5", 3), "-0.005"}, {dec("1", -101), "1E+101"}}},
	{"float", []inOut{{float32(1.5), float32(1.5)}, {float32(math.MaxFloat32), float32(math.MaxFloat32)},
		{float32(math.Inf(-1)), float32(math.Inf(-1))}, {float32(math.SmallestNonzeroFloat32), float32(math.SmallestNonzeroFloat32)}}},
	{"double", []inOut{{0.1, 0.1}, {math.Inf(1), math.Inf(1)}, {-math.MaxFloat64, -math.MaxFloat64}}},
	{"boolean", []inOut{{true, true}, {false, false}, {raw{}, nil}}},
	{"uuid", []inOut{{"123e4567-e89b-42d3-a456-426614174000", mustUUID("123e4567-e89b-42d3-a456-426614174000")}, {raw{}, nil}}},
	{"timeuuid", []inOut{{"5bd8c6e0-e73a-11ee-8000-000000000001", mustUUID("5bd8c6e0-e73a-11ee-8000-000000000001")}}},
	{"timestamp", []inOut{{time.Date(2026, 1, 1, 12, 0, 0, 123e6, time.UTC), time.Date(2026, 1, 1, 12, 0, 0, 123e6, time.UTC).UnixMilli()},
		{time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC), int64(-1)}, {int64(math.MinInt64), int64(math.MinInt64)}, {int64(math.MaxInt64), int64(math.MaxInt64)}}},
	{"date", []inOut{{cqltype.Date(0), int32(0)}, {cqltype.Date(-1), int32(-1)}, {cqltype.Date(20454), int32(20454)},
		{raw{0, 0, 0, 0}, int32(math.MinInt32)}, {raw{0xff, 0xff, 0xff, 0xff}, int32(math.MaxInt32)}}},
	{"time", []inOut{{time.Duration(0), int64(0)}, {12*time.Hour + 34*time.Minute + 56*time.Second + 123456789, int64(12*time.Hour + 34*time.Minute + 56*time.Second + 123456789)},
		{24*time.Hour - 1, int64(24*time.Hour - 1)}}},
	{"blob", []inOut{{[]byte{0xca, 0xfe, 0}, "\xca\xfe\x00"}, {raw{}, ""}, {nil, nil}}},
	{"inet", []inOut{{"10.0.0.1", "10.0.0.1"}, {"2001:db8::1", "2001:db8::1"},
		{raw{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4}, "::ffff:1.2.3.4"}}},
	{"duration", []inOut{
		{"1y2mo3d4h5m6s7ms8us9ns", map[string]any{"months": int32(14), "days": int32(3), "nanoseconds": int64(4*time.Hour + 5*time.Minute + 6*time.Second + 7*time.Millisecond + 8*time.Microsecond + 9)}},
		{"-5ns", map[string]any{"months": int32(0), "days": int32(0), "nanoseconds": int64(-5)}},
		{cqltype.Duration{Months: math.MinInt32, Days: math.MinInt32, Nanos: math.MinInt64}, map[string]any{"months": int32(math.MinInt32), "days": int32(math.MinInt32), "nanoseconds": int64(math.MinInt64)}},
		{nil, nil}}},
	{"list<int>", []inOut{{[]int{1, 2, 3}, []any{int32(1), int32(2), int32(3)}}, {raw{0, 0, 0, 0}, []any{}}, {nil, nil},
		{raw{0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}, []any{int32(1), nil}}}},
	{"set<text>", []inOut{{[]string{"b", "a", ""}, []any{"", "a", "b"}}, {[]string{}, []any{}}}},
	{"map<text, int>", []inOut{{map[string]int{"b": 2, "a": 1}, []any{kv{"a", int32(1)}, kv{"b", int32(2)}}}, {map[string]int{}, []any{}},
		{raw{0, 0, 0, 1, 0, 0, 0, 1, 'k', 0xff, 0xff, 0xff, 0xff}, []any{kv{"k", nil}}}, {nil, nil}}},
	{"map<int, text>", []inOut{{map[int]string{2: "x", 1: ""}, []any{kv{int32(1), ""}, kv{int32(2), "x"}}}}},
	{"map<text, frozen<list<int>>>", []inOut{
		{map[string][]int{"x": {1, 2}, "y": {}, "z": {3}}, []any{kv{"x", []any{int32(1), int32(2)}}, kv{"y", []any{}}, kv{"z", []any{int32(3)}}}},
		{map[string][]int{}, []any{}}}},
	{"map<frozen<list<int>>, text>", []inOut{{[]cqltype.KV{{Key: []int{1, 2}, Value: "a"}, {Key: []int{}, Value: "b"}}, []any{kv{[]any{}, "b"}, kv{[]any{int32(1), int32(2)}, "a"}}}}},
	{"list<frozen<map<text, int>>>", []inOut{{[]any{map[string]int{"a": 1}, map[string]int{}, map[string]int{"b": 2, "c": 3}},
		[]any{[]any{kv{"a", int32(1)}}, []any{}, []any{kv{"b", int32(2)}, kv{"c", int32(3)}}}}}},
	{"frozen<list<frozen<list<int>>>>", []inOut{{[][]int{{1}, {}, {2, 3}}, []any{[]any{int32(1)}, []any{}, []any{int32(2), int32(3)}}}}},
	{"list<frozen<tuple<int, text>>>", []inOut{{[][]any{{1, "a"}, {nil, "b"}}, []any{map[string]any{"_1": int32(1), "_2": "a"}, map[string]any{"_1": nil, "_2": "b"}}}}},
	{"tuple<int, text, boolean>", []inOut{{[]any{1, "a", true}, map[string]any{"_1": int32(1), "_2": "a", "_3": true}},
		{[]any{nil, nil, nil}, map[string]any{"_1": nil, "_2": nil, "_3": nil}},
		{raw{0, 0, 0, 4, 0, 0, 0, 7}, map[string]any{"_1": int32(7), "_2": nil, "_3": nil}}, {nil, nil}}},
}

// typeOf parses a test type; "address" is udtType.
func typeOf(t *testing.T, s string) cqltype.Type {
	if s == "address" {
		return udtType()
	}
	typ, err := cqltype.Parse(s)
	require.NoError(t, err)
	return typ
}

func TestParquetRoundTrip(t *testing.T) {
	cases := append(parquetCases, struct {
		typ  string
		vals []inOut
	}{"address", []inOut{
		{map[string]any{"street": "Main \"1\"", "tags": []string{"x"}}, map[string]any{"street": "Main \"1\"", "zip": nil, "tags": []any{"x"}}},
		{raw{0, 0, 0, 1, 'S'}, map[string]any{"street": "S", "zip": nil, "tags": nil}},
	}})
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			typ := typeOf(t, tc.typ)
			cols := []sink.Column{columnOf(t, "v", typ), columnOf(t, "n", cqltype.Native(cqltype.Int))}
			b := sink.NewBatch(cols, 0)
			var want [][]any
			for i, v := range tc.vals {
				b.AppendValue(wire(t, typ, v.in))
				b.AppendValue(wire(t, columnType(t, cols[1]), i))
				want = append(want, []any{v.want, int32(i)})
			}
			got := readParquet(t, writeParquet(t, legacy, b))
			assert.Equal(t, want, got.rows)
		})
	}
}

// TestParquetAllTypesInOneFile writes every case as a column of one file,
// so that columns of nested types sit between others.
func TestParquetAllTypesInOneFile(t *testing.T) {
	var cols []sink.Column
	rows := 0
	for i, tc := range parquetCases {
		cols = append(cols, columnOf(t, fmt.Sprintf("c%d %s", i, tc.typ), typeOf(t, tc.typ)))
		rows = max(rows, len(tc.vals))
	}
	b := sink.NewBatch(cols, 0)
	want := make([][]any, rows)
	for r := range rows {
		for c, tc := range parquetCases {
			var v inOut
			if r < len(tc.vals) {
				v = tc.vals[r]
			}
			b.AppendValue(wire(t, columnType(t, cols[c]), v.in))
			want[r] = append(want[r], v.want)
		}
	}
	// Several batches and tiny row groups: rows cross row group ends.
	got := readParquet(t, writeParquet(t, withLegacy(parquet.Config{RowGroupRows: 2}), b, b.Rows(1, 3), b))
	assert.Equal(t, slices3(want, want[1:3], want), got.rows)
	assert.Len(t, got.f.RowGroups(), (2*rows+2+1)/2)
}

func slices3[T any](a, b, c []T) []T { return append(append(append([]T{}, a...), b...), c...) }

func TestParquetNaN(t *testing.T) {
	b := page(t, []col{{"f", "float"}, {"d", "double"}}, []any{float32(math.NaN()), math.NaN()})
	got := readParquet(t, writeParquet(t, parquet.Config{}, b))
	require.Len(t, got.rows, 1)
	assert.True(t, math.IsNaN(float64(got.rows[0][0].(float32))))
	assert.True(t, math.IsNaN(got.rows[0][1].(float64)))
}

// TestParquetSchema checks the physical and logical types of the schema,
// and that the fields keep the columns' order.
func TestParquetSchema(t *testing.T) {
	cols := []col{
		{"z_text", "text"}, {"ascii", "ascii"}, {"tiny", "tinyint"}, {"small", "smallint"}, {"i", "int"},
		{"big", "bigint"}, {"cnt", "counter"}, {"vi", "varint"}, {"dec", "decimal"}, {"f", "float"},
		{"d", "double"}, {"b", "boolean"}, {"u", "uuid"}, {"tu", "timeuuid"}, {"ts", "timestamp"},
		{"date", "date"}, {"time", "time"}, {"blob", "blob"}, {"ip", "inet"}, {"dur", "duration"},
		{"l", "list<int>"}, {"s", "set<text>"}, {"m", "map<text, int>"}, {"tup", "tuple<int, text>"},
	}
	data := writeParquet(t, legacy, page(t, cols))
	f, err := parquetgo.OpenFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	elems := map[string]format.SchemaElement{}
	var order []string
	for _, e := range f.Metadata().Schema[1:] {
		elems[e.Name] = e
		order = append(order, e.Name)
	}
	var top []string
	for _, fld := range f.Schema().Fields() {
		top = append(top, fld.Name())
		assert.True(t, fld.Optional(), fld.Name())
	}
	var names []string
	for _, c := range cols {
		names = append(names, c[0])
	}
	assert.Equal(t, names, top, "fields in column order")

	leaf := func(name string, typ format.Type, check func(*format.LogicalType) bool) {
		t.Helper()
		e, ok := elems[name]
		require.True(t, ok, name)
		assert.Equal(t, typ, e.Type.V, name)
		assert.Equal(t, format.Optional, e.RepetitionType.V, name)
		if check == nil {
			assert.Nil(t, e.LogicalType.Value, name)
		} else {
			assert.True(t, check(&e.LogicalType), "%s: %v", name, e.LogicalType)
		}
	}
	isString := func(l *format.LogicalType) bool { _, ok := l.Value.(*format.StringType); return ok }
	isInt := func(bits int8) func(*format.LogicalType) bool {
		return func(l *format.LogicalType) bool {
			i, ok := l.Value.(*format.IntType)
			return ok && i.BitWidth == bits && i.IsSigned
		}
	}
	leaf("z_text", format.ByteArray, isString)
	leaf("ascii", format.ByteArray, isString)
	leaf("tiny", format.Int32, isInt(8))
	leaf("small", format.Int32, isInt(16))
	leaf("i", format.Int32, isInt(32))
	leaf("big", format.Int64, isInt(64))
	leaf("cnt", format.Int64, isInt(64))
	leaf("vi", format.ByteArray, isString)
	leaf("dec", format.ByteArray, isString)
	leaf("f", format.Float, nil)
	leaf("d", format.Double, nil)
	leaf("b", format.Boolean, nil)
	isUUID := func(l *format.LogicalType) bool { _, ok := l.Value.(*format.UUIDType); return ok }
	leaf("u", format.FixedLenByteArray, isUUID)
	leaf("tu", format.FixedLenByteArray, isUUID)
	assert.EqualValues(t, 16, elems["u"].TypeLength.V)
	leaf("ts", format.Int64, func(l *format.LogicalType) bool {
		ts, ok := l.Value.(*format.TimestampType)
		_, ms := ts.Unit.Value.(*format.MilliSeconds)
		return ok && ts.IsAdjustedToUTC && ms
	})
	leaf("date", format.Int32, func(l *format.LogicalType) bool { _, ok := l.Value.(*format.DateType); return ok })
	leaf("time", format.Int64, func(l *format.LogicalType) bool {
		tm, ok := l.Value.(*format.TimeType)
		_, ns := tm.Unit.Value.(*format.NanoSeconds)
		return ok && !tm.IsAdjustedToUTC && ns
	})
	leaf("blob", format.ByteArray, nil)
	leaf("ip", format.ByteArray, isString)

	group := func(name string, children ...string) format.SchemaElement {
		t.Helper()
		i := indexOf(order, name)
		require.GreaterOrEqual(t, i, 0, name)
		assert.Equal(t, children, order[i+1:i+1+len(children)], name)
		return elems[name]
	}
	group("dur", "months", "days", "nanoseconds")
	for _, n := range []string{"months", "days", "nanoseconds"} {
		assert.Equal(t, format.Required, elems[n].RepetitionType.V)
	}
	for _, n := range []string{"l", "s"} {
		e := group(n, "list", "element")
		_, ok := e.LogicalType.Value.(*format.ListType)
		assert.True(t, ok, n)
	}
	e := group("m", "key_value", "key", "value")
	_, ok := e.LogicalType.Value.(*format.MapType)
	assert.True(t, ok)
	assert.Equal(t, format.Repeated, elems["key_value"].RepetitionType.V)
	assert.Equal(t, format.Required, elems["key"].RepetitionType.V)
	group("tup", "_1", "_2")

	meta, ok := f.Lookup(parquet.ColumnsKey)
	require.True(t, ok)
	assert.Contains(t, meta, `{"name":"m","type":"map<text, int>"}`)
	var got []struct{ Name, Type string }
	require.NoError(t, json.Unmarshal([]byte(meta), &got))
	require.Len(t, got, len(cols))
	assert.Equal(t, struct{ Name, Type string }{"m", "map<text, int>"}, got[22])
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestParquetEmptyFile checks that a sink closed without a row writes a
// valid file with the schema.
func TestParquetEmptyFile(t *testing.T) {
	cols := page(t, []col{{"id", "uuid"}, {"tags", "map<text, int>"}}).Columns
	var buf bytes.Buffer
	s, err := parquet.New(&buf, cols, parquet.Config{})
	require.NoError(t, err)
	require.NoError(t, s.Write(context.Background(), sink.NewBatch(cols, 0)), "a batch without rows")
	require.NoError(t, s.Close(context.Background()))
	got := readParquet(t, buf.Bytes())
	assert.Empty(t, got.rows)
	assert.Zero(t, got.f.NumRows())
	var names []string
	for _, f := range got.f.Schema().Fields() {
		names = append(names, f.Name())
	}
	assert.Equal(t, []string{"id", "tags"}, names)
}

// closeRecorder is a writer that records a Close.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (w *closeRecorder) Close() error { w.closed = true; return nil }

func TestParquetLifecycle(t *testing.T) {
	ctx := context.Background()
	b := page(t, []col{{"n", "int"}}, []any{1}, []any{2})
	var w closeRecorder
	s, err := parquet.New(&w, b.Columns, parquet.Config{})
	require.NoError(t, err)
	require.NoError(t, s.Write(ctx, b))
	assert.EqualValues(t, 2, s.Rows())
	require.NoError(t, s.Close(ctx))
	size := w.Len()
	require.NoError(t, s.Close(ctx), "Close is idempotent")
	assert.Equal(t, size, w.Len(), "a second Close writes nothing")
	assert.False(t, w.closed, "Close does not close the writer")
	assert.ErrorIs(t, s.Write(ctx, b), sink.ErrClosed)
	assert.Len(t, readParquet(t, w.Bytes()).rows, 2)
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestParquetWriterError(t *testing.T) {
	ctx := context.Background()
	t.Run("write", func(t *testing.T) {
		// Rows larger than parquet-go's 32 KiB write buffer.
		big := strings.Repeat("x", 64<<10)
		b := page(t, []col{{"s", "text"}}, []any{big}, []any{big + "y"}, []any{big + "z"})
		s, err := parquet.New(failingWriter{}, b.Columns, parquet.Config{RowGroupRows: 1, Compression: "none"})
		require.NoError(t, err)
		err = s.Write(ctx, b)
		require.ErrorContains(t, err, "disk full", "the row group written when it is full")
		assert.Equal(t, err, s.Write(ctx, b), "every later Write")
		assert.Equal(t, err, s.Close(ctx), "and Close")
	})
	t.Run("close", func(t *testing.T) {
		b := page(t, []col{{"n", "int"}}, []any{1})
		s, err := parquet.New(failingWriter{}, b.Columns, parquet.Config{})
		require.NoError(t, err)
		require.NoError(t, s.Write(ctx, b), "buffered")
		err = s.Close(ctx)
		require.ErrorContains(t, err, "disk full")
		assert.Equal(t, err, s.Close(ctx))
		assert.ErrorIs(t, s.Write(ctx, b), sink.ErrClosed)
	})
}

// TestParquetDoesNotRetainBatch reuses a batch's memory between Writes.
func TestParquetDoesNotRetainBatch(t *testing.T) {
	ctx := context.Background()
	cols := []col{{"s", "text"}, {"l", "list<blob>"}, {"v", "varint"}}
	b := page(t, cols, []any{"first", [][]byte{{1, 2}}, 1})
	var buf bytes.Buffer
	s, err := parquet.New(&buf, b.Columns, legacy)
	require.NoError(t, err)
	require.NoError(t, s.Write(ctx, b))
	b.Reset()
	for i, v := range []any{"other", [][]byte{{3}}, 2} {
		b.AppendValue(wire(t, columnType(t, b.Columns[i]), v))
	}
	require.NoError(t, s.Write(ctx, b))
	require.NoError(t, s.Close(ctx))
	assert.Equal(t, [][]any{{"first", []any{"\x01\x02"}, "1"}, {"other", []any{"\x03"}, "2"}}, readParquet(t, buf.Bytes()).rows)
}

func TestParquetRowGroups(t *testing.T) {
	var batches []*sink.Batch
	for i := 0; i < 1000; i += 77 {
		var rows [][]any
		for j := i; j < min(i+77, 1000); j++ {
			rows = append(rows, []any{j, fmt.Sprintf("row %d", j)})
		}
		batches = append(batches, page(t, []col{{"n", "int"}, {"s", "text"}}, rows...))
	}
	t.Run("rows", func(t *testing.T) {
		got := readParquet(t, writeParquet(t, parquet.Config{RowGroupRows: 100}, batches...))
		require.Len(t, got.rows, 1000)
		for i, r := range got.rows {
			require.Equal(t, []any{int32(i), fmt.Sprintf("row %d", i)}, r)
		}
		require.Len(t, got.f.RowGroups(), 10)
		for _, rg := range got.f.RowGroups() {
			assert.EqualValues(t, 100, rg.NumRows())
		}
	})
	t.Run("bytes", func(t *testing.T) {
		got := readParquet(t, writeParquet(t, parquet.Config{RowGroupBytes: 1}, batches...))
		require.Len(t, got.rows, 1000)
		// Checked after every chunk of up to 256 rows, within a batch.
		assert.Len(t, got.f.RowGroups(), len(batches))
	})
}

func TestParquetCompression(t *testing.T) {
	rows := make([][]any, 100)
	for i := range rows {
		rows[i] = []any{"a fairly repetitive text value", i}
	}
	b := page(t, []col{{"s", "text"}, {"n", "int"}}, rows...)
	for name, codec := range map[string]format.CompressionCodec{
		"": format.Snappy, "snappy": format.Snappy, "zstd": format.Zstd, "gzip": format.Gzip, "none": format.Uncompressed,
	} {
		t.Run(name, func(t *testing.T) {
			got := readParquet(t, writeParquet(t, parquet.Config{Compression: name}, b))
			assert.Len(t, got.rows, 100)
			assert.Equal(t, codec, got.f.Metadata().RowGroups[0].Columns[0].MetaData.Codec)
		})
	}
}

func TestParquetMalformedValue(t *testing.T) {
	ctx := context.Background()
	cols := []col{{"ok", "text"}, {"bad", "map<text, frozen<list<int>>>"}}
	b := page(t, cols, []any{"a", map[string][]int{"k": {1}}})
	b.AppendValue(wire(t, cqltype.Native(cqltype.Varchar), "b"))
	b.AppendValue(raw{0, 0, 0, 1, 0, 0, 0, 1, 'k', 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0}) // truncated list
	b.AppendValue(wire(t, cqltype.Native(cqltype.Varchar), "c"))
	b.AppendValue(raw{0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}) // null key
	var buf bytes.Buffer
	s, err := parquet.New(&buf, b.Columns, parquet.Config{})
	require.NoError(t, err)
	err = s.Write(ctx, b)
	require.ErrorIs(t, err, sink.ErrInvalidValue)
	assert.Contains(t, err.Error(), "row 1 column bad")
	err = s.Write(ctx, b.Rows(2, 3))
	require.ErrorIs(t, err, sink.ErrInvalidValue)
	assert.Contains(t, err.Error(), "row 0 column bad")
	// The sink is still usable.
	require.NoError(t, s.Write(ctx, b.Rows(0, 1)))
	require.NoError(t, s.Close(ctx))
	row := []any{"a", []any{kv{"k", []any{int32(1)}}}}
	assert.Equal(t, [][]any{row, row}, readParquet(t, buf.Bytes()).rows)
}

func TestParquetRefusesOtherColumns(t *testing.T) {
	b := page(t, []col{{"n", "int"}})
	s, err := parquet.New(io.Discard, b.Columns, parquet.Config{})
	require.NoError(t, err)
	assert.ErrorContains(t, s.Write(context.Background(), page(t, []col{{"n", "bigint"}})), "batch column 0 is n bigint")
	assert.ErrorContains(t, s.Write(context.Background(), page(t, []col{{"n", "int"}, {"m", "int"}})), "batch of 2 columns")
}

func TestNewParquetErrors(t *testing.T) {
	intCol := columnOf(t, "n", cqltype.Native(cqltype.Int))
	for _, tc := range []struct {
		name string
		cols []sink.Column
		cfg  parquet.Config
		want []string
	}{
		{"no column", nil, parquet.Config{}, []string{"no column"}},
		{"duplicate names", []sink.Column{intCol, intCol}, parquet.Config{}, []string{`two columns are named "n"`}},
		{"bad config", []sink.Column{intCol}, parquet.Config{Compression: "lz4", RowGroupRows: -1, RowGroupBytes: -1},
			[]string{`Compression "lz4"`, "RowGroupRows -1", "RowGroupBytes -1"}},
		{"udt duplicate fields", []sink.Column{columnOf(t, "u", cqltype.Type{Kind: cqltype.UDT, Keyspace: "ks", Name: "x",
			Fields: []string{"a", "a"}, Elems: []cqltype.Type{cqltype.Native(cqltype.Int), cqltype.Native(cqltype.Int)}})},
			parquet.Config{}, []string{"column u", `two fields are named "a"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parquet.New(io.Discard, tc.cols, tc.cfg)
			require.ErrorIs(t, err, parquet.ErrInvalidConfig)
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

// TestParquetGenericReader reads a file with parquet-go's reflection-based
// reader, as a user would.
func TestParquetGenericReader(t *testing.T) {
	b := page(t, []col{{"id", "int"}, {"name", "text"}, {"tags", "set<text>"}, {"attrs", "map<text, int>"}, {"ts", "timestamp"}},
		[]any{1, "Ada", []string{"a", "b"}, map[string]int{"x": 1}, time.UnixMilli(1767268800123)},
		[]any{nil, nil, nil, nil, nil})
	data := writeParquet(t, parquet.Config{}, b)
	f, err := parquetgo.OpenFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	r := parquetgo.NewGenericReader[any](f)
	defer r.Close()
	rows := make([]any, 3)
	n, err := r.Read(rows)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, 2, n)
	first := rows[0].(map[string]any)
	assert.EqualValues(t, 1, first["id"])
	assert.Equal(t, "Ada", first["name"])
	assert.Equal(t, []any{"a", "b"}, first["tags"])
	// parquet-go reads an optional map value as a pointer, and a
	// timestamp into any as its int64.
	one := int32(1)
	assert.Equal(t, map[string]any{"x": &one}, first["attrs"])
	assert.Equal(t, int64(1767268800123), first["ts"])
	for _, k := range []string{"id", "name", "tags", "attrs", "ts"} {
		assert.Nil(t, rows[1].(map[string]any)[k], k)
	}
}

func TestParquetColumnLiteral(t *testing.T) {
	// A Column built without NewColumn: its Type string is parsed.
	cols := []sink.Column{{Name: "l", Type: "list<int>"}}
	b := sink.NewBatch(cols, 0)
	b.AppendValue(wire(t, cqltype.ListOf(cqltype.Native(cqltype.Int)), []int{5}))
	var buf bytes.Buffer
	s, err := parquet.New(&buf, cols, parquet.Config{})
	require.NoError(t, err)
	require.NoError(t, s.Write(context.Background(), b))
	require.NoError(t, s.Close(context.Background()))
	assert.Equal(t, [][]any{{[]any{int32(5)}}}, readParquet(t, buf.Bytes()).rows)
}

// BenchmarkParquet writes pages of 1000 realistic rows, a row group every
// 64 pages, and reports ns/row, allocs/row and bytes/row of the file.
//
//	go test ./sink -run '^$' -bench Parquet -benchmem
func BenchmarkParquet(b *testing.B) {
	ctx := context.Background()
	p := realisticPage(b, 1000)
	for _, codec := range []string{"snappy", "zstd", "none"} {
		b.Run(codec, func(b *testing.B) {
			var out sinktest.CountingWriter
			s, err := parquet.New(&out, p.Columns, parquet.Config{Compression: codec})
			require.NoError(b, err)
			b.SetBytes(int64(p.Bytes()))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n := 0
			for b.Loop() {
				if err := s.Write(ctx, p); err != nil {
					b.Fatal(err)
				}
				n++
			}
			require.NoError(b, s.Close(ctx))
			runtime.ReadMemStats(&after)
			rows := float64(n * p.Len())
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/rows, "allocs/row")
			b.ReportMetric(float64(out.N)/rows, "out-bytes/row")
		})
	}
}
