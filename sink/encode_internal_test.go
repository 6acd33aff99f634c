package sink

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// TestAppendJSONStringMatchesEncodingJSON checks the string escaper, and
// its eight-bytes-at-a-time scan, against encoding/json (HTML escaping
// off) on random strings mixing plain ASCII with every byte that needs a
// look: control characters, quote, backslash, multi-byte UTF-8, invalid
// UTF-8, U+2028 and U+2029, at every offset within a word. A scan that
// skipped a word holding one of them fails it. The strings are appended
// to text with and without room after it, so that the short strings'
// path (appendPlainShort) is taken as well: one that missed a byte in the
// middle or at the end of a short string, or copied too few, fails too.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	special := [][]byte{{0}, {0x1f}, {'\n'}, {'"'}, {'\\'}, {0x7f}, []byte("é"), []byte("\u2028"), []byte("\u2029"), {0xff}, {0xc3}, []byte("€")}
	for range 20000 {
		var s []byte
		for n := r.IntN([]int{40, 18}[r.IntN(2)]); len(s) < n; {
			if r.IntN(6) == 0 {
				s = append(s, special[r.IntN(len(special))]...)
				continue
			}
			s = append(s, byte(0x20+r.IntN(0x5f)))
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(string(s)))
		dst := append(make([]byte, 0, 3+r.IntN(40)), "ab,"...)
		got := appendJSONString(dst, s)
		require.Equal(t, "ab,"+string(bytes.TrimSuffix(want.Bytes(), []byte("\n"))), string(got), "%q", s)
	}
}

// TestColumnLoopsMatchWriters renders columns of every kind that
// renderColumn formats itself, with every option that shapes their text
// (numbers as strings, base64 blobs, a time zone, a timestamp layout,
// which hands timestamps to the writer), formatted in the loop and through
// their writers alone (loopAny), and requires the same text and the
// same error: valid values, nulls, empty values, other values the loop
// hands over (NaN and the infinities, IPv6, timestamps of any year),
// mixed so that it hands values over at any row, and one value of a wrong
// width, late in the page, whose rows before it are written. A loop that
// wrote a value the writer writes otherwise (a null, a NaN, an empty value
// as a number, a bigint unquoted under numbers as strings), or lost its
// place in the ends after a value it handed over, fails it.
func TestColumnLoopsMatchWriters(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	word := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	// A collection of n entries of per text elements each (2 for a map),
	// some null, some with characters JSON escapes.
	coll := func(per int) []byte {
		n := r.IntN(4)
		v := binary.BigEndian.AppendUint32(nil, uint32(n))
		for range n * per {
			if r.IntN(8) == 0 {
				v = binary.BigEndian.AppendUint32(v, 0xffffffff)
				continue
			}
			e := fmt.Sprintf("e\"%d\t", r.IntN(100))
			e = e[:r.IntN(len(e)+1)]
			v = append(binary.BigEndian.AppendUint32(v, uint32(len(e))), e...)
		}
		return v
	}
	one := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 1), 1) // one element, cut short
	nan := binary.BigEndian.AppendUint64(nil, math.Float64bits(math.NaN()))
	inf := binary.BigEndian.AppendUint64(nil, math.Float64bits(math.Inf(-1)))
	kinds := []struct {
		typ   string
		valid func() []byte
		odd   [][]byte // valid values the loop hands to the writer, but nil and empty
		bad   [][]byte // malformed values
	}{
		{"text", func() []byte { s := fmt.Sprintf("t\"%d\n", r.IntN(1000)); return []byte(s[:r.IntN(len(s)+1)]) }, nil, nil},
		{"ascii", func() []byte { return []byte("plain") }, nil, nil},
		{"int", func() []byte { return word(4) }, nil, [][]byte{word(3), word(5)}},
		{"bigint", func() []byte { return word(8) }, nil, [][]byte{word(4)}},
		{"counter", func() []byte { return word(8) }, nil, [][]byte{word(7)}},
		{"boolean", func() []byte { return []byte{byte(r.IntN(3))} }, nil, [][]byte{word(2)}},
		{"double", func() []byte {
			return binary.BigEndian.AppendUint64(nil, math.Float64bits(float64(r.IntN(1e6))/1000))
		}, [][]byte{nan, inf}, [][]byte{word(4)}},
		{"double", func() []byte { return word(8) }, [][]byte{nan}, nil},
		{"uuid", func() []byte { return word(16) }, nil, [][]byte{word(15)}},
		{"timeuuid", func() []byte { return word(16) }, nil, [][]byte{word(17)}},
		{"timestamp", func() []byte {
			return binary.BigEndian.AppendUint64(nil, uint64(r.Int64N(4e12)-1e12))
		}, [][]byte{word(8)}, [][]byte{word(3)}},
		{"blob", func() []byte { return word(r.IntN(40)) }, nil, nil},
		{"inet", func() []byte { return word(4) }, [][]byte{word(16)}, [][]byte{word(5)}},
		{"set<text>", func() []byte { return coll(1) }, nil, [][]byte{one, append(coll(1), 0), word(3), {0xff, 0xff, 0xff, 0xff}}},
		{"list<ascii>", func() []byte { return coll(1) }, nil, [][]byte{one, {0, 0, 0, 9, 0, 0, 0, 1}}},
		{"map<text, varchar>", func() []byte { return coll(2) }, nil, [][]byte{one, append(coll(2), 1, 2)}},
		{"frozen<list<text>>", func() []byte { return coll(1) }, nil, [][]byte{one}},
	}
	configs := []JSONConfig{
		{},
		{NumbersAsStrings: true},
		{TextConfig: TextConfig{BlobFormat: "base64", TimeZone: "Europe/Paris"}},
		{TextConfig: TextConfig{TimestampFormat: "2006-01-02 15:04:05.000"}},
	}
	for _, k := range kinds {
		c, err := NewColumn("v", k.typ)
		require.NoError(t, err)
		for _, cfg := range configs {
			// Three columns of the kind, so that a loop's place in the
			// ends is every third.
			b := NewBatch([]Column{c, c, c}, 0)
			for row := range 300 {
				for col := range 3 {
					switch p := r.IntN(10); {
					case row == 290 && col == 1 && len(k.bad) > 0:
						// One malformed value, late: the rows before it
						// are written, then its error.
						b.AppendValue(k.bad[r.IntN(len(k.bad))])
					case p == 0:
						b.AppendValue(nil)
					case p == 1:
						b.AppendValue([]byte{})
					case p == 2 && len(k.odd) > 0:
						b.AppendValue(k.odd[r.IntN(len(k.odd))])
					default:
						b.AppendValue(k.valid())
					}
				}
			}
			render := func(direct bool) (string, string) {
				var out bytes.Buffer
				s, err := NewJSONLinesConfig(&out, cfg)
				require.NoError(t, err)
				l := s.layoutFor(b.Columns)
				for i := range l.jcols {
					if !direct {
						l.jcols[i].loop = loopAny
					}
				}
				msg := ""
				if err := s.Write(context.Background(), b); err != nil {
					msg = err.Error()
				}
				return out.String(), msg
			}
			text, msg := render(true)
			wantText, wantMsg := render(false)
			lines := 300
			if len(k.bad) > 0 {
				lines = 290
				require.Contains(t, msg, "row 290 column v", "%s %+v", k.typ, cfg)
			}
			require.Equal(t, lines, strings.Count(text, "\n"), "%s %+v: the rows before the malformed one", k.typ, cfg)
			require.Equal(t, wantMsg, msg, "%s %+v", k.typ, cfg)
			require.Equal(t, wantText, text, "%s %+v", k.typ, cfg)
		}
	}
}

// TestCSVQuotingMatchesEncodingCSV checks csvQuoting, and its
// eight-bytes-at-a-time scan, against encoding/csv's own choice (a field
// it writes quoted) on random fields mixing plain ASCII with quotes, CR,
// LF, the delimiter, leading spaces (ASCII and Unicode), multi-byte and
// invalid UTF-8 and `\.`, at every offset within a word, for delimiters of
// one byte and of several. A scan that skipped a word's byte, or looked
// for the delimiter only in the tail, fails it.
func TestCSVQuotingMatchesEncodingCSV(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, d := range []rune{',', ';', '\t', '|', 'a', 'é', '€'} {
		delim := []byte(string(d))
		q := newCSVQuoting(delim)
		special := [][]byte{{'"'}, {'\r'}, {'\n'}, delim, {' '}, {'\t'}, []byte("\u00a0"), []byte("\u3000"), {0xff}, []byte("é"), {'\\'}, {'.'}}
		for range 5000 {
			var f []byte
			if r.IntN(50) == 0 {
				f = []byte(`\.`)
			}
			for n := r.IntN(40); len(f) < n; {
				if r.IntN(8) == 0 {
					f = append(f, special[r.IntN(len(special))]...)
					continue
				}
				f = append(f, byte('b'+r.IntN(20)))
			}
			if len(f) == 0 {
				require.False(t, q.needs(f), "an empty field")
				continue
			}
			var out bytes.Buffer
			w := csv.NewWriter(&out)
			w.Comma = d
			require.NoError(t, w.Write([]string{string(f)}))
			w.Flush()
			require.Equal(t, out.Bytes()[0] == '"', q.needs(f), "delimiter %q, field %q", d, f)
		}
	}
}

// TestCSVAlphabet checks that the text of every kind csvAlphabet names is
// made of its alphabet's bytes, on random values (blobs in hex and in
// base64), and that a CSV sink whose delimiter is one of them quotes the
// fields that hold it. Fails if a kind's text gained a character its
// alphabet lacks (a field the sink would then leave unquoted), or if the
// sink skipped the look for a delimiter its kinds' text may hold.
func TestCSVAlphabet(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	sizes := map[cqltype.Kind][]int{
		cqltype.Tinyint: {1}, cqltype.Smallint: {2}, cqltype.Int: {4}, cqltype.Bigint: {8},
		cqltype.Counter: {8}, cqltype.Varint: {1, 2, 5, 9, 17}, cqltype.KindUUID: {16},
		cqltype.Timeuuid: {16}, cqltype.Boolean: {1}, cqltype.Blob: {0, 1, 7, 40}, cqltype.Inet: {4, 16},
	}
	for _, base64 := range []bool{false, true} {
		e := &encoder{opts: textOptions{base64: base64}}
		for k := range cqltype.Kind(0x40) {
			alpha := e.csvAlphabet(k)
			if alpha == "" {
				require.NotContains(t, sizes, k, "kind %d has no alphabet", k)
				continue
			}
			require.Contains(t, sizes, k, "kind %d has an alphabet but no test values", k)
			typ := cqltype.Type{Kind: k}
			for range 2000 {
				sz := sizes[k]
				v := make([]byte, sz[r.IntN(len(sz))])
				for i := range v {
					v[i] = byte(r.Uint32())
				}
				if k == cqltype.Timeuuid {
					v[6] = v[6]&0x0f | 0x10 // version 1
				}
				if k == cqltype.Inet && r.IntN(2) == 0 && len(v) == 16 {
					copy(v, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}) // IPv4-mapped
				}
				text, err := e.appendText(nil, &typ, v)
				require.NoError(t, err, "kind %d value %x", k, v)
				for _, c := range text {
					require.Contains(t, alpha, string(c), "kind %d text %q", k, text)
				}
			}
		}
	}

	col, err := NewColumn("n", "int")
	require.NoError(t, err)
	b := NewBatch([]Column{col}, 1)
	b.AppendValue(binary.BigEndian.AppendUint32(nil, 150))
	var out bytes.Buffer
	s, err := NewCSV(&out, CSVConfig{Delimiter: '5', NoHeader: true})
	require.NoError(t, err)
	require.NoError(t, s.Write(context.Background(), b))
	require.Equal(t, "\"150\"\n", out.String(), "a field holding the delimiter")
}
