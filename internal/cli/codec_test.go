package cli_test

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/klauspost/compress/zstd"
	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// csvRecordsComma is csvRecords with another delimiter.
func csvRecordsComma(t *testing.T, data []byte, comma rune) []string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	require.NoError(t, err)
	out := make([]string, len(recs))
	for i, rec := range recs {
		out[i] = strings.Join(rec, "\x1f")
	}
	return out
}

// TestScanCodecOptions exports the demo table with each codec flag and
// compares the rows with an independent export through the library sink
// configured the same way, as multisets; each case also checks that the
// flag changed the bytes the way it says.
func TestScanCodecOptions(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 2000})
	jsonRef := func(cfg sink.JSONConfig) []string {
		return splitLines(s.export(t, scanner.Config{}, func(w io.Writer) (sink.Sink, error) { return sink.NewJSONLinesConfig(w, cfg) }))
	}
	plain := jsonRef(sink.JSONConfig{})
	tokyo := sink.TextConfig{TimestampFormat: "2006-01-02 15:04:05.000 MST", TimeZone: "Asia/Tokyo", BlobFormat: sink.BlobBase64}

	t.Run("jsonl", func(t *testing.T) {
		cases := []struct {
			name  string
			flags []string
			want  []string
			match string // a regexp every line matches
		}{
			{name: "json alias", flags: []string{"--format", "json"}, want: plain, match: `"amount":-?\d`},
			{name: "numbers as strings", flags: []string{"--json-numbers-as-strings"}, want: jsonRef(sink.JSONConfig{NumbersAsStrings: true}), match: `"amount":"-?\d+"`},
			{name: "time and blobs", flags: []string{"--timestamp-format", tokyo.TimestampFormat, "--time-zone", tokyo.TimeZone, "--blob-format", "base64"},
				want: jsonRef(sink.JSONConfig{TextConfig: tokyo}), match: `"ts":"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} JST"`},
			{name: "explicit defaults", flags: []string{"--timestamp-format", "rfc3339", "--time-zone", "UTC", "--blob-format", "hex"}, want: plain,
				match: `"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				r := run(t, s.args("scan", append([]string{"--out", "-", "-q"}, tc.flags...)...)...)
				requireOK(t, r)
				got := splitLines([]byte(r.stdout))
				requireSameRows(t, tc.want, got)
				re := regexp.MustCompile(tc.match)
				for _, l := range got {
					require.Regexp(t, re, l)
				}
			})
		}
		t.Run("json alias into a directory", func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "out")
			requireOK(t, run(t, s.args("scan", "--out", dir, "-q", "--format", "json")...))
			files := readDir(t, dir)
			require.Len(t, files, 1)
			assert.Equal(t, "events-000001.jsonl", files[0].name)
			assert.Equal(t, "jsonl", requireManifest(t, dir, s.info.Rows, files).Format)
			requireSameRows(t, plain, files[0].lines)
		})
	})

	t.Run("csv", func(t *testing.T) {
		csvRef := func(cfg sink.CSVConfig) []string {
			cfg.NoHeader = true
			return csvRecordsComma(t, s.export(t, scanner.Config{}, func(w io.Writer) (sink.Sink, error) { return sink.NewCSV(w, cfg) }), cfg.Delimiter)
		}
		cases := []struct {
			name  string
			flags []string
			cfg   sink.CSVConfig
			crlf  bool
		}{
			{name: "semicolon crlf", flags: []string{"--delimiter", ";", "--crlf"}, cfg: sink.CSVConfig{Delimiter: ';', CRLF: true}, crlf: true},
			{name: "tab", flags: []string{"--delimiter", `\t`, "--csv-null", "NULL"}, cfg: sink.CSVConfig{Delimiter: '\t', Null: "NULL"}},
			{name: "tab by name, text options", flags: []string{"--delimiter", "tab", "--timestamp-format", tokyo.TimestampFormat, "--time-zone", tokyo.TimeZone, "--blob-format", "base64"},
				cfg: sink.CSVConfig{Delimiter: '\t', TextConfig: tokyo}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				r := run(t, s.args("scan", append([]string{"--out", "-", "-q", "--format", "csv", "--csv-no-header"}, tc.flags...)...)...)
				requireOK(t, r)
				want := csvRef(tc.cfg)
				requireSameRows(t, want, csvRecordsComma(t, []byte(r.stdout), tc.cfg.Delimiter))
				lines := strings.SplitAfter(r.stdout, "\n")
				crlf := 0
				for _, l := range lines {
					if strings.HasSuffix(l, "\r\n") {
						crlf++
					}
				}
				if tc.crlf {
					assert.GreaterOrEqual(t, crlf, int(s.info.Rows), "rows end with \\r\\n")
				} else {
					assert.Zero(t, crlf, "rows end with \\n")
				}
			})
		}
	})

	// --out - --compress writes one compressed stream, as a file would be.
	t.Run("compressed stdout", func(t *testing.T) {
		for _, c := range []string{"gzip", "zstd"} {
			t.Run(c, func(t *testing.T) {
				t.Parallel()
				r := run(t, s.args("scan", "--out", "-", "-q", "--compress", c)...)
				requireOK(t, r)
				var zr io.Reader
				if c == "gzip" {
					g, err := gzip.NewReader(strings.NewReader(r.stdout))
					require.NoError(t, err, "stdout is gzip")
					g.Multistream(false) // one member
					zr = g
				} else {
					z, err := zstd.NewReader(strings.NewReader(r.stdout))
					require.NoError(t, err)
					defer z.Close()
					zr = z
				}
				data, err := io.ReadAll(zr)
				require.NoError(t, err, "stdout is %s", c)
				requireSameRows(t, plain, splitLines(data))
			})
		}
	})
}

// TestScanBadCodecOptions checks the codec flags' values and that a flag
// of another format is refused, each with one line naming the flag.
func TestScanBadCodecOptions(t *testing.T) {
	t.Parallel()
	conn := []string{"--hosts", "127.0.0.1", "--port", fmt.Sprint(closedPort(t)), "-k", "ks", "-t", "tbl", "--out", "-"}
	cases := []struct {
		name  string
		args  []string
		parts []string
	}{
		{name: "delimiter of two", args: []string{"--format", "csv", "--delimiter", ";;"}, parts: []string{`invalid --delimiter ";;"`, "one character"}},
		{name: "delimiter quote", args: []string{"--format", "csv", "--delimiter", `"`}, parts: []string{`invalid --delimiter "\""`, "other than"}},
		{name: "delimiter empty", args: []string{"--format", "csv", "--delimiter", ""}, parts: []string{`invalid --delimiter ""`, "one character"}},
		{name: "null holding the delimiter", args: []string{"--format", "csv", "--delimiter", "|", "--csv-null", "a|b"}, parts: []string{`invalid --csv-null "a|b"`, "no delimiter '|'"}},
		{name: "timestamp format", args: []string{"--timestamp-format", "YYYY-MM-DD"}, parts: []string{`invalid --timestamp-format "YYYY-MM-DD"`, "Go time layout"}},
		{name: "time zone", args: []string{"--format", "csv", "--time-zone", "Mars/Olympus"}, parts: []string{`invalid --time-zone "Mars/Olympus"`, "IANA zone name"}},
		{name: "blob format", args: []string{"--blob-format", "b64"}, parts: []string{`invalid --blob-format "b64"`, "allowed are hex, base64"}},
		{name: "parquet compression", args: []string{"--format", "parquet", "--parquet-compression", "lz4"}, parts: []string{`invalid --parquet-compression "lz4"`, "allowed are snappy, zstd, gzip, none"}},
		{name: "parquet uuid", args: []string{"--format", "parquet", "--parquet-uuid", "bytes"}, parts: []string{`invalid --parquet-uuid "bytes"`, "allowed are string, uuid"}},
		{name: "parquet decimal", args: []string{"--format", "parquet", "--parquet-decimal", "decimal(40, 2)"}, parts: []string{`invalid --parquet-decimal "decimal(40, 2)"`, "1 <= P <= 38"}},
		{name: "parquet varint", args: []string{"--format", "parquet", "--parquet-varint", "int64"}, parts: []string{`invalid --parquet-varint "int64"`, "decimal(P)"}},
		{name: "csv flag on jsonl", args: []string{"--delimiter", ";"}, parts: []string{"--delimiter applies to --format csv only, not jsonl"}},
		{name: "json flag on csv", args: []string{"--format", "csv", "--json-numbers-as-strings"}, parts: []string{"--json-numbers-as-strings applies to --format jsonl only, not csv"}},
		{name: "parquet flag on csv", args: []string{"--format", "csv", "--parquet-uuid", "uuid"}, parts: []string{"--parquet-uuid applies to --format parquet only, not csv"}},
		{name: "text flag on parquet", args: []string{"--format", "parquet", "--time-zone", "UTC"}, parts: []string{"--time-zone applies to --format jsonl or csv only, not parquet"}},
		{name: "all at once", args: []string{"--format", "csv", "--delimiter", "ab", "--blob-format", "x", "--crlf=false", "--parquet-varint", "string"},
			parts: []string{"invalid --delimiter", "invalid --blob-format", "--parquet-varint applies"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, append(append([]string{"scan"}, conn...), tc.args...)...)
			requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
		})
	}
}

// parquetColumn is a leaf column of a Parquet file's schema, as read by
// parquet-go's low-level reader.
type parquetColumn struct {
	physical string // BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY(16), INT64, ...
	logical  string // STRING, UUID, DECIMAL(38,18), ...
	codec    format.CompressionCodec
}

// parquetSchema reads the leaf columns of a Parquet file from its footer.
func parquetSchema(t *testing.T, path string) (map[string]parquetColumn, int64) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	pf, err := pq.OpenFile(f, st.Size())
	require.NoError(t, err)
	out := map[string]parquetColumn{}
	md := pf.Metadata()
	for _, leaf := range pf.Schema().Columns() {
		col, ok := pf.Schema().Lookup(leaf...)
		require.True(t, ok)
		node := col.Node
		c := parquetColumn{physical: node.Type().Kind().String()}
		if node.Type().Kind() == pq.FixedLenByteArray {
			c.physical += fmt.Sprintf("(%d)", node.Type().Length())
		}
		if lt := node.Type().LogicalType(); lt != nil {
			c.logical = lt.String()
		}
		if len(md.RowGroups) > 0 {
			c.codec = md.RowGroups[0].Columns[col.ColumnIndex].MetaData.Codec
		}
		out[strings.Join(leaf, ".")] = c
	}
	return out, pf.NumRows()
}

// TestScanParquetOptions exports a table of uuids, decimals and varints
// to Parquet with each --parquet-* flag and checks the schema and codec
// the files declare, with parquet-go's low-level reader, and the values.
func TestScanParquetOptions(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{Nodes: 1}, cqlsim.DemoConfig{Rows: 0},
		`CREATE KEYSPACE money WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE money.prices (id uuid PRIMARY KEY, tid timeuuid, price decimal, big varint)`)
	cl := gocql.NewCluster(s.hosts...)
	cl.Port = s.port
	cl.Timeout = 10 * time.Second
	sess, err := cl.CreateSession()
	require.NoError(t, err)
	var ids []string
	for i := range 50 {
		id := gocql.MustRandomUUID()
		ids = append(ids, id.String())
		require.NoError(t, sess.Query(`INSERT INTO money.prices (id, tid, price, big) VALUES (?, ?, `+fmt.Sprintf("%d.25", i-25)+`, `+fmt.Sprintf("%d000000000000000000000", i)+`)`,
			id, gocql.TimeUUID()).Exec())
	}
	sess.Close()
	conn := []string{"--hosts", strings.Join(s.hosts, ","), "--port", fmt.Sprint(s.port), "-k", "money", "-t", "prices"}

	cases := []struct {
		name  string
		flags []string
		want  map[string]parquetColumn
	}{
		{name: "defaults", want: map[string]parquetColumn{
			"id": {"BYTE_ARRAY", "STRING", format.Snappy}, "tid": {"BYTE_ARRAY", "STRING", format.Snappy},
			"price": {"FIXED_LEN_BYTE_ARRAY(16)", "DECIMAL(38,18)", format.Snappy}, "big": {"FIXED_LEN_BYTE_ARRAY(16)", "DECIMAL(38,0)", format.Snappy}}},
		{name: "uuid logical, zstd", flags: []string{"--parquet-uuid", "uuid", "--parquet-compression", "zstd"}, want: map[string]parquetColumn{
			"id": {"FIXED_LEN_BYTE_ARRAY(16)", "UUID", format.Zstd}, "tid": {"FIXED_LEN_BYTE_ARRAY(16)", "UUID", format.Zstd}}},
		{name: "strings, uncompressed", flags: []string{"--parquet-decimal", "string", "--parquet-varint", "string", "--parquet-compression", "none"}, want: map[string]parquetColumn{
			"price": {"BYTE_ARRAY", "STRING", format.Uncompressed}, "big": {"BYTE_ARRAY", "STRING", format.Uncompressed}}},
		{name: "small decimals, gzip", flags: []string{"--parquet-decimal", "decimal(9, 2)", "--parquet-varint", "decimal(30)", "--parquet-compression", "gzip"}, want: map[string]parquetColumn{
			"price": {"INT32", "DECIMAL(9,2)", format.Gzip}, "big": {"FIXED_LEN_BYTE_ARRAY(13)", "DECIMAL(30,0)", format.Gzip}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "out")
			r := run(t, append(append([]string{"scan"}, conn...), append([]string{"--out", dir, "-q", "--format", "parquet"}, tc.flags...)...)...)
			requireOK(t, r)
			path := filepath.Join(dir, "prices-000001.parquet")
			schema, rows := parquetSchema(t, path)
			assert.EqualValues(t, len(ids), rows)
			for name, want := range tc.want {
				assert.Equal(t, want, schema[name], name)
			}
			if schema["id"].logical == "STRING" {
				// The uuids are the canonical strings that were written.
				f, err := os.Open(path)
				require.NoError(t, err)
				defer f.Close()
				type row struct {
					ID string `parquet:"id"`
				}
				got, err := pq.Read[row](f, int64(fileSize(t, path)))
				require.NoError(t, err)
				var gotIDs []string
				for _, r := range got {
					gotIDs = append(gotIDs, r.ID)
				}
				assert.ElementsMatch(t, ids, gotIDs)
				assert.Len(t, gotIDs[0], 36)
			}
		})
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st.Size()
}
