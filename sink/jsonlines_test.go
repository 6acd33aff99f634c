package sink_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
)

func TestJSONLinesRows(t *testing.T) {
	cols := []col{{"id", "int"}, {`we"ird`, "text"}, {"tags", "set<text>"}}
	b := page(t, cols,
		[]any{1, "a", []string{"x", "y"}},
		[]any{2, nil, nil},
		[]any{3, "", []string{}},
	)
	var out bytes.Buffer
	s := sink.NewJSONLines(&out)
	require.NoError(t, s.Write(context.Background(), b))
	require.NoError(t, s.Write(context.Background(), page(t, cols)), "a batch without rows")
	require.NoError(t, s.Write(context.Background(), page(t, cols, []any{4, "d", nil})))
	require.NoError(t, s.Close(context.Background()))
	// An empty non-frozen set is serialized as a count of 0 here; Cassandra
	// itself returns null for it.
	assert.Equal(t, `{"id":1,"we\"ird":"a","tags":["x","y"]}
{"id":2,"we\"ird":null,"tags":null}
{"id":3,"we\"ird":"","tags":[]}
{"id":4,"we\"ird":"d","tags":null}
`, out.String())
}

// TestJSONLinesColumnsChange writes batches of different columns to one
// sink: the same names with other types, other names, the same type text
// as a Column literal (read as custom, written as bytes), nested kinds
// that differ, and the first columns again. Every line is written with its
// own batch's names and types: a writer or key kept from an earlier batch
// fails it.
func TestJSONLinesColumnsChange(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	s := sink.NewJSONLines(&out)
	write := func(b *sink.Batch) { require.NoError(t, s.Write(ctx, b)) }
	write(page(t, []col{{"a", "int"}, {"b", "text"}}, []any{1, "x"}))
	write(page(t, []col{{"a", "text"}, {"b", "int"}}, []any{"y", 2}))
	write(page(t, []col{{"c", "text"}, {"b", "int"}}, []any{"z", 3}))
	lit := sink.NewBatch([]sink.Column{{Name: "a", Type: "int"}}, 0)
	lit.AppendValue([]byte{0, 0, 0, 4})
	write(lit)
	write(page(t, []col{{"a", "list<int>"}}, []any{[]int32{5}}))
	write(page(t, []col{{"a", "list<text>"}}, []any{[]string{"6"}}))
	write(page(t, []col{{"a", "int"}, {"b", "text"}}, []any{7, "w"}))
	assert.Equal(t, `{"a":1,"b":"x"}
{"a":"y","b":2}
{"c":"z","b":3}
{"a":"0x00000004"}
{"a":[5]}
{"a":["6"]}
{"a":7,"b":"w"}
`, out.String())
}

// TestJSONLinesKeysAndValuesOfEveryLength writes columns whose keys
// (`,"name":`) and text values are 0 to 45 bytes long, across the 32 bytes
// JSON Lines copies by two moves (renderRows' move32) and on either side of
// it, in rows and columns enough to be rendered by several workers, and
// decodes every line: a key or value cut at 32 bytes, or one whose copy
// ran into the next, fails it.
func TestJSONLinesKeysAndValuesOfEveryLength(t *testing.T) {
	var cols []col
	for n := 1; n <= 40; n += 3 {
		cols = append(cols, col{strings.Repeat("k", n), "text"})
	}
	var rows [][]any
	for r := range 600 {
		row := make([]any, len(cols))
		for j := range row {
			row[j] = strings.Repeat(string(rune('a'+j)), (r+j)%46)
		}
		rows = append(rows, row)
	}
	var out bytes.Buffer
	s := sink.NewJSONLines(&out)
	require.NoError(t, s.Write(context.Background(), page(t, cols, rows...)))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, len(rows))
	for r, line := range lines {
		var got map[string]string
		require.NoError(t, json.Unmarshal([]byte(line), &got), "row %d: %s", r, line)
		require.Len(t, got, len(cols), "row %d", r)
		for j, c := range cols {
			require.Equal(t, rows[r][j], got[c[0]], "row %d column %s", r, c[0])
		}
	}
}

// TestJSONLinesNullMapKeys writes maps whose serialized keys are null (the
// protocol can say so; Cassandra refuses such maps, a buggy writer need
// not): the key is "null", text key or not, in a column and nested in a
// list, as appendKey writes it.
func TestJSONLinesNullMapKeys(t *testing.T) {
	nullKey := func(v int32) []byte {
		b := binary.BigEndian.AppendUint32(nil, 1)       // one entry
		b = binary.BigEndian.AppendUint32(b, 0xFFFFFFFF) // a null key
		b = binary.BigEndian.AppendUint32(b, 4)          // a 4-byte value
		return binary.BigEndian.AppendUint32(b, uint32(v))
	}
	list := binary.BigEndian.AppendUint32(nil, 1)
	list = binary.BigEndian.AppendUint32(list, uint32(len(nullKey(3))))
	list = append(list, nullKey(3)...)
	b := page(t, []col{{"t", "map<text, int>"}, {"i", "map<int, int>"}, {"l", "list<frozen<map<text, int>>>"}},
		[]any{raw(nullKey(1)), raw(nullKey(2)), raw(list)})
	var out bytes.Buffer
	require.NoError(t, sink.NewJSONLines(&out).Write(context.Background(), b))
	assert.Equal(t, `{"t":{"null":1},"i":{"null":2},"l":[{"null":3}]}`+"\n", out.String())
}

func TestJSONLinesHiddenValues(t *testing.T) {
	c, err := sink.NewColumn("v", "int")
	require.NoError(t, err)
	b := sink.NewBatch([]sink.Column{c}, 2)
	b.AppendValue([]byte{0, 0, 0, 7})
	b.AppendValue([]byte{1, 2, 3, 4, 5, 6, 7, 8}) // hidden, e.g. a token
	var out bytes.Buffer
	require.NoError(t, sink.NewJSONLines(&out).Write(context.Background(), b))
	assert.Equal(t, `{"v":7}`+"\n", out.String())
}

func TestJSONLinesLifecycle(t *testing.T) {
	ctx := context.Background()
	b := page(t, []col{{"v", "int"}}, []any{1})

	var out bytes.Buffer
	s := sink.NewJSONLines(&out)
	require.NoError(t, s.Close(ctx))
	require.NoError(t, s.Close(ctx), "Close is idempotent")
	assert.ErrorIs(t, s.Write(ctx, b), sink.ErrClosed)
	assert.Empty(t, out.String())

	// A page fetched before a scan was canceled is still written: the
	// scanner decides what to hand over, and a writer cannot be interrupted.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	require.NoError(t, sink.NewJSONLines(&out).Write(canceled, b))
	assert.Equal(t, `{"v":1}`+"\n", out.String())
}

// failWriter fails from its nth call on.
type failWriter struct {
	n   int
	buf bytes.Buffer
}

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n--; w.n < 0 {
		return 0, errDiskFull
	}
	return w.buf.Write(p)
}

func TestWriterErrorIsSticky(t *testing.T) {
	ctx := context.Background()
	b := page(t, []col{{"v", "int"}}, []any{1})
	newCSV := func(w *failWriter) sink.Sink {
		s, err := sink.NewCSV(w, sink.CSVConfig{})
		require.NoError(t, err)
		return s
	}
	sinks := map[string]func(*failWriter) sink.Sink{
		"json": func(w *failWriter) sink.Sink { return sink.NewJSONLines(w) },
		"csv":  newCSV,
	}
	for name, newSink := range sinks {
		t.Run(name, func(t *testing.T) {
			w := &failWriter{n: 1}
			s := newSink(w)
			require.NoError(t, s.Write(ctx, b))
			written := w.buf.String()
			require.ErrorIs(t, s.Write(ctx, b), errDiskFull)
			require.ErrorIs(t, s.Write(ctx, b), errDiskFull, "no write after a failed one")
			assert.Equal(t, -1, w.n, "the writer is not called again after it failed")
			assert.Equal(t, written, w.buf.String())
			assert.NoError(t, s.Close(ctx), "Close does not repeat the error")
		})
	}
}

// chunks records the size of each Write, and of each group of them from
// one mark to the next (the chunks of one sink Write).
type chunks struct {
	bytes.Buffer
	sizes  []int
	writes [][]int
}

func (c *chunks) Write(p []byte) (int, error) {
	c.sizes = append(c.sizes, len(p))
	if len(c.writes) > 0 {
		c.writes[len(c.writes)-1] = append(c.writes[len(c.writes)-1], len(p))
	}
	return c.Buffer.Write(p)
}

// mark starts a new group of writes.
func (c *chunks) mark() { c.writes = append(c.writes, nil) }

func TestJSONLinesLargeBatchIsChunked(t *testing.T) {
	rows := make([][]any, 3000)
	var want strings.Builder
	for i := range rows {
		s := strings.Repeat(string(rune('a'+i%26)), 200)
		rows[i] = []any{i, s}
		want.WriteString(`{"i":` + strconv.Itoa(i) + `,"s":"` + s + `"}` + "\n")
	}
	var out chunks
	require.NoError(t, sink.NewJSONLines(&out).Write(context.Background(), page(t, []col{{"i", "int"}, {"s", "text"}}, rows...)))
	assert.Equal(t, want.String(), out.String())
	require.Greater(t, len(out.sizes), 1)
	for _, n := range out.sizes {
		assert.Less(t, n, 300<<10, "chunks stay near 256 KiB")
	}
}

func TestJSONLinesMappingIsValidJSON(t *testing.T) {
	for _, tc := range mappingCases {
		var out bytes.Buffer
		require.NoError(t, sink.NewJSONLines(&out).Write(context.Background(), page(t, []col{{"v", tc.typ}}, []any{tc.in})))
		assert.True(t, json.Valid(out.Bytes()), "%s: %s", tc.name, out.String())
	}
}

// jsonOf renders v as encoding/json does without HTML escaping.
func jsonOf(t *testing.T, v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return strings.TrimSuffix(buf.String(), "\n")
}

// renderOne returns the JSON text of the value v (wire bytes) of typ.
func renderOne(t *testing.T, typ string, values ...[]byte) []string {
	c, err := sink.NewColumn("v", typ)
	require.NoError(t, err)
	b := sink.NewBatch([]sink.Column{c}, 0)
	for _, v := range values {
		b.AppendValue(v)
	}
	var out bytes.Buffer
	require.NoError(t, sink.NewJSONLines(&out).Write(context.Background(), b))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(strings.TrimPrefix(l, `{"v":`), "}")
	}
	return lines
}

func TestStringsLikeEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "\"", "\\", "\n", "\x00", "\x1f", "\x7f", "<", "é", "✓", "😀", "\u2028", "\u2029", "\xff", "\xe2\x82", "\xed\xa0\x80"}
	var values [][]byte
	var want []string
	for range 2000 {
		var sb strings.Builder
		for range r.IntN(12) {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		values = append(values, []byte(sb.String()))
		want = append(want, jsonOf(t, sb.String()))
	}
	assert.Equal(t, want, renderOne(t, "text", values...))
}

// TestFloatsLikeEncodingJSON compares doubles and floats with
// encoding/json's text: random bits, short decimals of every magnitude,
// and decimals of up to 3 places and 15 digits (appendShortDecimal's
// fast path), with the edges of that path. A point put one place off, a
// zero not padded (0.005) or a fast path taken for a number of 16 digits
// fails it.
func TestFloatsLikeEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var doubles, floats [][]byte
	var wantDoubles, wantFloats []string
	for range 5000 {
		d := math.Float64frombits(r.Uint64())
		if math.IsNaN(d) || math.IsInf(d, 0) {
			continue
		}
		switch r.IntN(4) {
		case 0: // short decimals of every magnitude
			d = float64(r.IntN(1000)) * math.Pow10(r.IntN(50)-25)
		case 1: // up to 3 decimals and 15 digits, appendShortDecimal's
			d = float64(r.Int64N(2e15)-1e15) / math.Pow10(r.IntN(4))
		case 2: // and 16 to 18 digits, past it
			d = float64(r.Int64N(2e18)-1e18) / math.Pow10(r.IntN(7))
		}
		doubles = append(doubles, binary.BigEndian.AppendUint64(nil, math.Float64bits(d)))
		wantDoubles = append(wantDoubles, jsonOf(t, d))
		f := float32(d)
		if math.IsInf(float64(f), 0) {
			continue
		}
		floats = append(floats, binary.BigEndian.AppendUint32(nil, math.Float32bits(f)))
		wantFloats = append(wantFloats, jsonOf(t, f))
	}
	for _, d := range []float64{0.001, -0.001, 0.5, 0.05, 0.005, 1e12 - 0.001, 1e12, 999999999999.999, -999999999999.999, 123456789012.345, 1e11 + 0.1, 9007199254740993} {
		doubles = append(doubles, binary.BigEndian.AppendUint64(nil, math.Float64bits(d)))
		wantDoubles = append(wantDoubles, jsonOf(t, d))
	}
	assert.Equal(t, wantDoubles, renderOne(t, "double", doubles...))
	assert.Equal(t, wantFloats, renderOne(t, "float", floats...))
}

func TestTimestampsLikeTimePackage(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	lo := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	hi := time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC).UnixMilli()
	var timestamps, dates [][]byte
	var wantTimestamps, wantDates []string
	for range 5000 {
		ms := lo + r.Int64N(hi-lo+1)
		tm := time.UnixMilli(ms).UTC()
		timestamps = append(timestamps, binary.BigEndian.AppendUint64(nil, uint64(ms)))
		wantTimestamps = append(wantTimestamps, `"`+tm.Format("2006-01-02T15:04:05.000Z")+`"`)
		d, err := cqltype.Encode(cqltype.Native(cqltype.KindDate), tm)
		require.NoError(t, err)
		dates = append(dates, d)
		wantDates = append(wantDates, `"`+tm.Format("2006-01-02")+`"`)
	}
	assert.Equal(t, wantTimestamps, renderOne(t, "timestamp", timestamps...))
	assert.Equal(t, wantDates, renderOne(t, "date", dates...))
}
