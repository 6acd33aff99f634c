package parquet_test

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"

	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink/parquet"
)

// leafOf returns the schema element of the column named name.
func leafOf(t *testing.T, f *parquetgo.File, name string) format.SchemaElement {
	t.Helper()
	for _, e := range f.Metadata().Schema[1:] {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no column %s", name)
	return format.SchemaElement{}
}

// TestParquetDefaults checks the Spark-friendly defaults: uuids as strings,
// decimals as DECIMAL(38, 18), varints as DECIMAL(38, 0).
func TestParquetDefaults(t *testing.T) {
	b := page(t, []col{{"u", "uuid"}, {"tu", "timeuuid"}, {"d", "decimal"}, {"v", "varint"}, {"l", "list<decimal>"}},
		[]any{"123e4567-e89b-42d3-a456-426614174000", "5bd8c6e0-e73a-11ee-8000-000000000001", dec("1250", 3), 42,
			[]cqltype.Decimal{dec("-5", 3), dec("12", -2)}},
		[]any{nil, nil, dec("-99999999999999999999", 0), bigInt("-99999999999999999999999999999999999999"), nil},
		[]any{nil, nil, dec("1", 18), bigInt("99999999999999999999999999999999999999"), nil})
	got := readParquet(t, writeParquet(t, parquet.Config{}, b))
	assert.Equal(t, [][]any{
		{"123e4567-e89b-42d3-a456-426614174000", "5bd8c6e0-e73a-11ee-8000-000000000001", decimal("1.250000000000000000"), decimal("42"),
			[]any{decimal("-0.005000000000000000"), decimal("1200.000000000000000000")}},
		{nil, nil, decimal("-99999999999999999999.000000000000000000"), decimal("-99999999999999999999999999999999999999"), nil},
		{nil, nil, decimal("0.000000000000000001"), decimal("99999999999999999999999999999999999999"), nil},
	}, got.rows)
	isString := func(e format.SchemaElement) bool { _, ok := e.LogicalType.Value.(*format.StringType); return ok }
	for _, name := range []string{"u", "tu"} {
		e := leafOf(t, got.f, name)
		assert.Equal(t, format.ByteArray, e.Type.V, name)
		assert.True(t, isString(e), name)
	}
	for name, scale := range map[string]int32{"d": 18, "v": 0, "element": 18} {
		e := leafOf(t, got.f, name)
		assert.Equal(t, format.FixedLenByteArray, e.Type.V, name)
		assert.EqualValues(t, 16, e.TypeLength.V, name)
		assert.Equal(t, &format.DecimalType{Precision: 38, Scale: scale}, e.LogicalType.Value, name)
	}
	assert.Equal(t, parquet.Config{Compression: "snappy", RowGroupRows: parquet.DefaultRowGroupRows, RowGroupBytes: parquet.DefaultRowGroupBytes,
		UUID: "string", Decimal: "decimal(38, 18)", Varint: "decimal(38)"}, parquet.Config{}.EnsureDefaults())
}

func TestParquetUUIDLogical(t *testing.T) {
	b := page(t, []col{{"u", "uuid"}}, []any{"123e4567-e89b-42d3-a456-426614174000"})
	got := readParquet(t, writeParquet(t, parquet.Config{UUID: parquet.UUIDLogical}, b))
	assert.Equal(t, [][]any{{mustUUID("123e4567-e89b-42d3-a456-426614174000")}}, got.rows)
	e := leafOf(t, got.f, "u")
	assert.Equal(t, format.FixedLenByteArray, e.Type.V)
	assert.IsType(t, &format.UUIDType{}, e.LogicalType.Value)
}

// TestParquetDecimalTypes writes decimals and varints with several
// precisions and scales: the physical type follows the precision, and each
// value is rescaled exactly.
func TestParquetDecimalTypes(t *testing.T) {
	for _, tc := range []struct {
		cfg      parquet.Config
		typ      string
		in       []any
		want     []decimal
		physical format.Type
		length   int32 // of a FIXED_LEN_BYTE_ARRAY
	}{
		{parquet.Config{Decimal: "decimal(9, 2)"}, "decimal",
			[]any{dec("1250", 3), dec("-9999999", 2), dec("5", 0), dec("0", 7), dec("12", -2), dec("-1000", 5)},
			[]decimal{"1.25", "-99999.99", "5.00", "0.00", "1200.00", "-0.01"}, format.Int32, 0},
		{parquet.Config{Decimal: "DECIMAL( 18 , 4 )"}, "decimal",
			[]any{dec("-12345678901234", 0), dec("1", 4)},
			[]decimal{"-12345678901234.0000", "0.0001"}, format.Int64, 0},
		{parquet.Config{Decimal: "decimal(20, 0)"}, "decimal",
			[]any{dec("-99999999999999999999", 0), dec("10", 1)},
			[]decimal{"-99999999999999999999", "1"}, format.FixedLenByteArray, 9},
		{parquet.Config{Decimal: "decimal(38, 38)"}, "decimal",
			[]any{dec("-1", 38), dec("99999999999999999999999999999999999999", 38)},
			[]decimal{"-0.00000000000000000000000000000000000001", "0.99999999999999999999999999999999999999"}, format.FixedLenByteArray, 16},
		{parquet.Config{Varint: "decimal(5)"}, "varint",
			[]any{99999, -99999, 0, -1},
			[]decimal{"99999", "-99999", "0", "-1"}, format.Int32, 0},
		{parquet.Config{Varint: "decimal(12, 0)"}, "varint",
			[]any{int64(-999999999999)},
			[]decimal{"-999999999999"}, format.Int64, 0},
	} {
		name := tc.cfg.Decimal + tc.cfg.Varint
		t.Run(name, func(t *testing.T) {
			rows := make([][]any, len(tc.in))
			var want [][]any
			for i, v := range tc.in {
				rows[i] = []any{v}
				want = append(want, []any{tc.want[i]})
			}
			got := readParquet(t, writeParquet(t, tc.cfg, page(t, []col{{"v", tc.typ}}, rows...)))
			assert.Equal(t, want, got.rows)
			e := leafOf(t, got.f, "v")
			assert.Equal(t, tc.physical, e.Type.V)
			if tc.length > 0 {
				assert.Equal(t, tc.length, e.TypeLength.V)
			}
		})
	}
}

// TestParquetOutOfRange checks that a value the DECIMAL cannot hold exactly
// fails its Write with an error naming the row, column and value, and that
// the sink goes on.
func TestParquetOutOfRange(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		cfg  parquet.Config
		typ  string
		bad  any
		want string
	}{
		{parquet.Config{Decimal: "decimal(9, 2)"}, "decimal", dec("1255", 3), "decimal 1.255 does not fit DECIMAL(9, 2): more digits after the point than its 2"},
		{parquet.Config{Decimal: "decimal(9, 2)"}, "decimal", dec("100000000", 1), "decimal 10000000.0 does not fit DECIMAL(9, 2): more digits before the point than its 7"},
		{parquet.Config{}, "decimal", dec("1", 19), "decimal 0.0000000000000000001 does not fit DECIMAL(38, 18): more digits after the point than its 18"},
		{parquet.Config{}, "decimal", dec("1", -20), "decimal 100000000000000000000 does not fit DECIMAL(38, 18): more digits before the point than its 20"},
		{parquet.Config{}, "decimal", dec("1", -2147483648), "does not fit DECIMAL(38, 18): more digits before the point"},
		{parquet.Config{}, "decimal", dec("7", 2147483647), "does not fit DECIMAL(38, 18): more digits after the point"},
		{parquet.Config{}, "decimal", dec(strings.Repeat("9", 200), 100), "more digits before the point than its 20"},
		{parquet.Config{}, "decimal", dec(strings.Repeat("9", 200), 190), "more digits after the point than its 18"},
		{parquet.Config{}, "varint", bigInt("100000000000000000000000000000000000000"), "varint 100000000000000000000000000000000000000 does not fit DECIMAL(38, 0): more digits before the point than its 38"},
		{parquet.Config{Varint: "decimal(5)"}, "varint", -100000, "varint -100000 does not fit DECIMAL(5, 0)"},
		{parquet.Config{}, "map<text, decimal>", map[string]cqltype.Decimal{"k": dec("1", 30)}, "decimal 0.000000000000000000000000000001 does not fit"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			b := page(t, []col{{"n", "int"}, {"v", tc.typ}}, []any{1, nil}, []any{2, tc.bad}, []any{3, nil})
			var buf bytes.Buffer
			s, err := parquet.New(&buf, b.Columns, tc.cfg)
			require.NoError(t, err)
			err = s.Write(ctx, b)
			require.ErrorIs(t, err, parquet.ErrOutOfRange)
			assert.ErrorContains(t, err, "row 1 column v")
			assert.ErrorContains(t, err, tc.want)
			assert.ErrorContains(t, err, `or "string"`)
			require.NoError(t, s.Write(ctx, b.Rows(2, 3)), "the sink goes on")
			require.NoError(t, s.Close(ctx))
			assert.Equal(t, [][]any{{int32(1), nil}, {int32(3), nil}}, readParquet(t, buf.Bytes()).rows)
		})
	}
}

// TestParquetDecimalBounds checks the statistics readers use to skip row
// groups: signed for INT32/INT64 decimals, none for FIXED_LEN_BYTE_ARRAY
// ones, whose bytes parquet-go would order as unsigned (a negative value
// would be taken as the maximum).
func TestParquetDecimalBounds(t *testing.T) {
	b := page(t, []col{{"small", "decimal"}, {"big", "decimal"}},
		[]any{dec("-5", 0), dec("-5", 0)}, []any{dec("3", 0), dec("3", 0)})
	data := writeParquet(t, parquet.Config{Decimal: "decimal(18, 0)"}, b)
	f, err := parquetgo.OpenFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	st := f.Metadata().RowGroups[0].Columns[0].MetaData.Statistics
	assert.Equal(t, []byte{0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, st.MinValue, "-5, little-endian INT64")
	assert.Equal(t, []byte{3, 0, 0, 0, 0, 0, 0, 0}, st.MaxValue)

	data = writeParquet(t, parquet.Config{Decimal: "decimal(38, 0)"}, b)
	f, err = parquetgo.OpenFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	st = f.Metadata().RowGroups[0].Columns[1].MetaData.Statistics
	assert.Nil(t, st.MinValue, "no bounds for a FIXED_LEN_BYTE_ARRAY decimal")
	assert.Nil(t, st.MaxValue)
	assert.Equal(t, [][]any{{decimal("-5"), decimal("-5")}, {decimal("3"), decimal("3")}}, readParquet(t, data).rows)
}

func TestParquetConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  parquet.Config
		want string
	}{
		{parquet.Config{UUID: "bytes"}, `UUID "bytes": allowed are string, uuid`},
		{parquet.Config{Decimal: "decimal(39, 2)"}, `Decimal "decimal(39, 2)": allowed are string, or decimal(P, S) with 1 <= P <= 38 and 0 <= S <= P`},
		{parquet.Config{Decimal: "decimal(10, 11)"}, `Decimal "decimal(10, 11)"`},
		{parquet.Config{Decimal: "decimal(10)"}, `Decimal "decimal(10)"`},
		{parquet.Config{Decimal: "decimal(0, 0)"}, `Decimal "decimal(0, 0)"`},
		{parquet.Config{Decimal: "numeric(10, 2)"}, `Decimal "numeric(10, 2)"`},
		{parquet.Config{Varint: "decimal(10, 2)"}, `Varint "decimal(10, 2)": allowed are string, or decimal(P) with 1 <= P <= 38`},
		{parquet.Config{Varint: "decimal(x)"}, `Varint "decimal(x)"`},
		{parquet.Config{Compression: "brotli"}, `Compression "brotli": allowed are snappy, zstd, gzip, none`},
	} {
		err := tc.cfg.Validate()
		require.ErrorIs(t, err, parquet.ErrInvalidConfig, tc.want)
		assert.ErrorContains(t, err, tc.want)
		assert.True(t, strings.HasPrefix(err.Error(), "parquet: invalid config: "), err.Error())
		_, err = parquet.New(&bytes.Buffer{}, page(t, []col{{"n", "int"}}).Columns, tc.cfg)
		assert.ErrorContains(t, err, tc.want, "New validates")
	}
	all := parquet.Config{UUID: "x", Decimal: "y", Varint: "z", RowGroupRows: -1}.Validate()
	for _, f := range []string{"UUID", "Decimal", "Varint", "RowGroupRows"} {
		assert.ErrorContains(t, all, f+" ", "every field is reported")
	}
	for _, ok := range []parquet.Config{
		{UUID: "string", Decimal: "string", Varint: "string"},
		{UUID: "uuid", Decimal: "decimal(1, 0)", Varint: "decimal(38, 0)"},
		{Decimal: "Decimal(38,38)", Varint: "DECIMAL(1)"},
	} {
		assert.NoError(t, ok.Validate(), fmt.Sprint(ok))
	}
}

// BenchmarkParquetDecimal writes decimals as DECIMAL(38, 18).
//
//	go test ./sink/parquet -run '^$' -bench Decimal -benchmem
func BenchmarkParquetDecimal(b *testing.B) {
	ctx := context.Background()
	rows := make([][]any, 1000)
	for i := range rows {
		rows[i] = []any{cqltype.Decimal{Unscaled: big.NewInt(int64(i)*7919 - 3_000_000), Scale: int32(i % 4)}}
	}
	p := page(b, []col{{"d", "decimal"}}, rows...)
	s, err := parquet.New(&discard{}, p.Columns, parquet.Config{})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Write(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	require.NoError(b, s.Close(ctx))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
