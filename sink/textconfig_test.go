package sink_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
)

// textCase is one value rendered with options: its JSON text and its CSV
// field.
type textCase struct {
	name string
	text sink.TextConfig
	nums bool // JSONConfig.NumbersAsStrings
	typ  string
	in   any
	json string
	csv  string
}

var (
	noon      = time.Date(2026, 1, 1, 12, 0, 0, 123e6, time.UTC)
	summer    = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	paris     = sink.TextConfig{TimeZone: "Europe/Paris"}
	layout    = sink.TextConfig{TimestampFormat: "2006-01-02 15:04:05.000 MST", TimeZone: "Europe/Paris"}
	quotes    = sink.TextConfig{TimestampFormat: `2006 "01" \ 02`}
	base64Cfg = sink.TextConfig{BlobFormat: sink.BlobBase64}
)

var textCases = []textCase{
	{"default is UTC RFC 3339", sink.TextConfig{}, false, "timestamp", noon, `"2026-01-01T12:00:00.123Z"`, `2026-01-01T12:00:00.123Z`},
	{"UTC by name", sink.TextConfig{TimeZone: "UTC"}, false, "timestamp", noon, `"2026-01-01T12:00:00.123Z"`, `2026-01-01T12:00:00.123Z`},
	{"zone, winter", paris, false, "timestamp", noon, `"2026-01-01T13:00:00.123+01:00"`, `2026-01-01T13:00:00.123+01:00`},
	{"zone, summer", paris, false, "timestamp", summer, `"2026-07-01T14:00:00.000+02:00"`, `2026-07-01T14:00:00.000+02:00`},
	{"zone west, half hour", sink.TextConfig{TimeZone: "America/St_Johns"}, false, "timestamp", noon, `"2026-01-01T08:30:00.123-03:30"`, `2026-01-01T08:30:00.123-03:30`},
	{"zone at offset zero", sink.TextConfig{TimeZone: "Europe/London"}, false, "timestamp", noon, `"2026-01-01T12:00:00.123Z"`, `2026-01-01T12:00:00.123Z`},
	{"zone before 1900, offset with seconds", paris, false, "timestamp", time.Date(1890, 1, 1, 0, 0, 0, 0, time.UTC), `"1890-01-01T00:09:21.000+00:09:21"`, `1890-01-01T00:09:21.000+00:09:21`},
	{"zone, year past 9999", paris, false, "timestamp", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), `"+10000-01-01T01:00:00.000+01:00"`, `+10000-01-01T01:00:00.000+01:00`},
	{"zone, the last millisecond", paris, false, "timestamp", int64(math.MaxInt64), `"+292278994-08-17T09:12:55.807+02:00"`, `+292278994-08-17T09:12:55.807+02:00`},
	{"zone, the first millisecond", paris, false, "timestamp", int64(math.MinInt64), `"-292275055-05-16T16:56:25.192+00:09:21"`, `-292275055-05-16T16:56:25.192+00:09:21`},
	{"layout in a zone", layout, false, "timestamp", noon, `"2026-01-01 13:00:00.123 CET"`, `2026-01-01 13:00:00.123 CET`},
	{"layout in UTC", sink.TextConfig{TimestampFormat: "02/01/2006 15:04"}, false, "timestamp", noon, `"01/01/2026 12:00"`, `01/01/2026 12:00`},
	{"layout escaped", quotes, false, "timestamp", noon, `"2026 \"01\" \\ 01"`, `"2026 ""01"" \ 01"`},
	{"layout inside a list", quotes, false, "list<timestamp>", []time.Time{noon}, `["2026 \"01\" \\ 01"]`, `"[""2026 \""01\"" \\ 01""]"`},
	{"layout as a map key", quotes, false, "map<timestamp, int>", map[time.Time]int{noon: 1}, `{"2026 \"01\" \\ 01":1}`, `"{""2026 \""01\"" \\ 01"":1}"`},
	{"zone does not move dates", paris, false, "date", cqltype.Date(20454), `"2026-01-01"`, `2026-01-01`},
	{"zone does not move times", paris, false, "time", time.Hour, `"01:00:00.000000000"`, `01:00:00.000000000`},
	{"blob hex by default", sink.TextConfig{}, false, "blob", []byte{0xca, 0xfe}, `"0xcafe"`, `0xcafe`},
	{"blob hex by name", sink.TextConfig{BlobFormat: sink.BlobHex}, false, "blob", []byte{0xca, 0xfe}, `"0xcafe"`, `0xcafe`},
	{"blob base64", base64Cfg, false, "blob", []byte{0xca, 0xfe}, `"yv4="`, `yv4=`},
	{"blob base64 with + and /", base64Cfg, false, "blob", []byte{0xfb, 0xff, 0xbf}, `"+/+/"`, `+/+/`},
	{"empty blob base64", base64Cfg, false, "blob", raw{}, `""`, `""`},
	{"blob base64 in a set", base64Cfg, false, "set<blob>", [][]byte{{1}, {2, 3}}, `["AQ==","AgM="]`, `"[""AQ=="",""AgM=""]"`},
	{"bigint as string", sink.TextConfig{}, true, "bigint", int64(math.MinInt64), `"-9223372036854775808"`, `-9223372036854775808`},
	{"counter as string", sink.TextConfig{}, true, "counter", 42, `"42"`, `42`},
	{"varint as string", sink.TextConfig{}, true, "varint", bigInt("123456789012345678901234567890"), `"123456789012345678901234567890"`, `123456789012345678901234567890`},
	{"decimal as string", sink.TextConfig{}, true, "decimal", dec("1250", 3), `"1.250"`, `1.250`},
	{"numbers as strings in collections", sink.TextConfig{}, true, "map<bigint, frozen<list<decimal>>>", map[int64][]cqltype.Decimal{7: {dec("-5", 1)}},
		`{"7":["-0.5"]}`, `"{""7"":[-0.5]}"`},
	{"int stays a number", sink.TextConfig{}, true, "int", 7, `7`, `7`},
	{"double stays a number", sink.TextConfig{}, true, "double", 0.5, `0.5`, `0.5`},
	{"bigint is a number by default", sink.TextConfig{}, false, "bigint", int64(math.MaxInt64), `9223372036854775807`, `9223372036854775807`},
}

func TestTextOptions(t *testing.T) {
	for _, tc := range textCases {
		t.Run(tc.name, func(t *testing.T) {
			b := page(t, []col{{"v", tc.typ}, {"n", "int"}}, []any{tc.in, 1})
			var out bytes.Buffer
			j, err := sink.NewJSONLinesConfig(&out, sink.JSONConfig{TextConfig: tc.text, NumbersAsStrings: tc.nums})
			require.NoError(t, err)
			require.NoError(t, j.Write(context.Background(), b))
			assert.Equal(t, `{"v":`+tc.json+`,"n":1}`+"\n", out.String())
			assert.True(t, json.Valid(out.Bytes()), out.String())

			out.Reset()
			c, err := sink.NewCSV(&out, sink.CSVConfig{TextConfig: tc.text, NoHeader: true})
			require.NoError(t, err)
			require.NoError(t, c.Write(context.Background(), b))
			assert.Equal(t, tc.csv+",1\n", out.String())
			recs, err := csv.NewReader(&out).ReadAll()
			require.NoError(t, err, "readable CSV")
			assert.Len(t, recs, 1)
		})
	}
}

// TestZonedTimestampsLikeTimePackage compares the default format in a zone
// with time.Format's RFC 3339 with milliseconds, over random instants of
// years 1912 to 9999 (before 1912 Paris had an offset with seconds, which
// time.Format drops).
func TestZonedTimestampsLikeTimePackage(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	lo := time.Date(1912, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	hi := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, zone := range []string{"Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		var values [][]byte
		var want []string
		for range 500 {
			ms := lo + r.Int64N(hi-lo)
			values = append(values, wire(t, cqltype.Native(cqltype.Timestamp), ms))
			want = append(want, `"`+time.UnixMilli(ms).In(loc).Format("2006-01-02T15:04:05.000Z07:00")+`"`)
		}
		c, err := sink.NewColumn("v", "timestamp")
		require.NoError(t, err)
		b := sink.NewBatch([]sink.Column{c}, 0)
		for _, v := range values {
			b.AppendValue(v)
		}
		var out bytes.Buffer
		s, err := sink.NewJSONLinesConfig(&out, sink.JSONConfig{TextConfig: sink.TextConfig{TimeZone: zone}})
		require.NoError(t, err)
		require.NoError(t, s.Write(context.Background(), b))
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimSuffix(strings.TrimPrefix(l, `{"v":`), "}")
		}
		assert.Equal(t, want, lines, zone)
	}
}

func TestTextConfigValidate(t *testing.T) {
	bad := sink.TextConfig{TimestampFormat: "yyyy-MM-dd HH:mm:ss", TimeZone: "Mars/Olympus", BlobFormat: "base32", Workers: -1}
	want := []string{
		`TimestampFormat "yyyy-MM-dd HH:mm:ss": not a Go time layout`,
		`TimeZone "Mars/Olympus"`, "want an IANA zone name",
		`BlobFormat "base32": allowed are hex, base64`,
		"Workers -1: must be 0 (GOMAXPROCS) or more",
	}
	jerr := sink.JSONConfig{TextConfig: bad}.Validate()
	_, nerr := sink.NewJSONLinesConfig(&bytes.Buffer{}, sink.JSONConfig{TextConfig: bad})
	cerr := sink.CSVConfig{TextConfig: bad}.Validate()
	_, ncerr := sink.NewCSV(&bytes.Buffer{}, sink.CSVConfig{TextConfig: bad})
	for _, err := range []error{jerr, nerr, cerr, ncerr} {
		require.ErrorIs(t, err, sink.ErrInvalidConfig)
		for _, w := range want {
			assert.ErrorContains(t, err, w)
		}
	}
	assert.ErrorContains(t, jerr, "JSONConfig.TimeZone")
	assert.ErrorContains(t, cerr, "CSVConfig.TimeZone")
	assert.NoError(t, sink.JSONConfig{}.Validate())
	assert.NoError(t, sink.JSONConfig{TextConfig: layout, NumbersAsStrings: true}.Validate())
	assert.NoError(t, sink.CSVConfig{TextConfig: base64Cfg}.Validate())
}
