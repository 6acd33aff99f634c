package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
	sinkparquet "github.com/ringscan/ringscan/sink/parquet"
)

// parquetJSONRows reads parquet data back as one JSON text per row (the
// reflection reader's values, with map keys sorted), for multiset
// comparisons.
func parquetJSONRows(t *testing.T, data []byte) []string {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	r := parquet.NewGenericReader[any](f)
	defer r.Close()
	var out []string
	buf := make([]any, 64)
	for {
		n, err := r.Read(buf)
		for _, row := range buf[:n] {
			b, jerr := json.Marshal(row)
			require.NoError(t, jerr)
			out = append(out, string(b))
		}
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
	}
}

// TestScanDataModel runs ringscan scan and count on the demo table with
// static columns and user-defined types (ringscan_demo.profiles: static
// columns, static-only partitions, a UDT static column, a list of UDTs, a
// frozen list) and on a counter table, in every output format, with and
// without compression, and compares what they wrote with a reference
// export of the library scanner, row for row; the reference itself is
// checked against the generator's checksum, and the counters against the
// increments written.
func TestScanDataModel(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 4000},
		`CREATE KEYSPACE ctr WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}`,
		`CREATE TABLE ctr.hits (page text, day int, views counter, clicks counter, PRIMARY KEY (page, day))`)
	require.Len(t, s.info.Others, 1)
	profiles := s.info.Others[0]
	require.Positive(t, profiles.StaticOnly)

	// The counters: each (page, day) incremented a few times.
	sess := testutil.Session(t, s.c)
	wantCounters := map[string]bool{}
	for p := range 30 {
		page := "/page/" + strconv.Itoa(p)
		for day := range 3 {
			views, clicks := 0, 0
			for i := range p%3 + 1 {
				require.NoError(t, sess.Query(`UPDATE ctr.hits SET views = views + ?, clicks = clicks - ? WHERE page = ? AND day = ?`,
					int64(i+day), int64(p), page, day).Exec())
				views, clicks = views+i+day, clicks-p
			}
			wantCounters[fmt.Sprintf(`{"page":%q,"day":%d,"clicks":%d,"views":%d}`, page, day, clicks, views)] = true
		}
	}

	tables := []struct {
		ks, table string
		rows      int64
		check     func(t *testing.T, lines []string)
	}{
		{cqlsim.DemoKeyspace, cqlsim.DemoProfilesTable, profiles.Rows, func(t *testing.T, lines []string) {
			staticOnly := 0
			for _, l := range lines {
				if strings.Contains(l, `"seen":null`) {
					staticOnly++
				}
			}
			assert.EqualValues(t, profiles.StaticOnly, staticOnly, "static-only rows")
			joined := strings.Join(lines, "\n")
			assert.Contains(t, joined, `"places":[{"street":"`, "a list of UDTs, as objects keyed by field")
			assert.Regexp(t, `"home":\{"street":"[^"]*","city":`, joined, "a static UDT column")
		}},
		{"ctr", "hits", int64(len(wantCounters)), func(t *testing.T, lines []string) {
			got := map[string]bool{}
			for _, l := range lines {
				got[l] = true
			}
			assert.Equal(t, wantCounters, got)
		}},
	}
	for _, tb := range tables {
		t.Run(tb.table, func(t *testing.T) {
			t.Parallel()
			cfg := scanner.Config{Keyspace: tb.ks, Table: tb.table}
			conn := []string{"--hosts", strings.Join(s.hosts, ","), "--port", strconv.Itoa(s.port), "-k", tb.ks, "-t", tb.table}
			args := func(cmd string, extra ...string) []string { return append(append([]string{cmd}, conn...), extra...) }

			// The reference, checked against the generator.
			var sum rowsum.Sum
			ref := s.export(t, cfg, func(w io.Writer) (sink.Sink, error) {
				j := sink.NewJSONLines(w)
				return sink.SinkFunc(func(ctx context.Context, b *sink.Batch) error {
					vals := make([][]byte, len(b.Columns))
					for i := range b.Len() {
						for c := range vals {
							vals[c] = b.Value(i, c)
						}
						sum.Add(vals)
					}
					return j.Write(ctx, b)
				}), nil
			})
			want := splitLines(ref)
			require.Len(t, want, int(tb.rows))
			if tb.table == cqlsim.DemoProfilesTable {
				require.Equal(t, profiles.Checksum, sum.Hash, "reference export checksum")
			}
			tb.check(t, want)

			for _, tc := range []struct {
				name  string
				flags []string
			}{
				{name: "jsonl", flags: []string{"--max-rows-per-file", "70"}},
				{name: "jsonl gzip", flags: []string{"--compress", "gzip"}},
				{name: "jsonl zstd", flags: []string{"--compress", "zstd", "--max-rows-per-file", "40"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					dir := filepath.Join(t.TempDir(), "out")
					r := run(t, args("scan", append([]string{"--out", dir, "-q", "--page-size", "7"}, tc.flags...)...)...)
					requireOK(t, r)
					files := readDir(t, dir)
					requireSameRows(t, want, allLines(files))
					requireManifest(t, dir, tb.rows, files)
				})
			}
			t.Run("stdout", func(t *testing.T) {
				r := run(t, args("scan", "--out", "-", "-q", "--page-size", "3")...)
				requireOK(t, r)
				requireSameRows(t, want, splitLines([]byte(r.stdout)))
			})

			t.Run("csv", func(t *testing.T) {
				wantCSV := csvRecords(t, s.export(t, cfg, func(w io.Writer) (sink.Sink, error) {
					return sink.NewCSV(w, sink.CSVConfig{NoHeader: true})
				}))
				for _, compress := range []string{"none", "gzip"} {
					dir := filepath.Join(t.TempDir(), "csv-"+compress)
					r := run(t, args("scan", "--out", dir, "-q", "--format", "csv", "--csv-no-header", "--compress", compress, "--page-size", "11")...)
					requireOK(t, r)
					files := readDir(t, dir)
					var got []string
					for _, f := range files {
						got = append(got, csvRecords(t, []byte(strings.Join(f.lines, "\n")+"\n"))...)
					}
					requireSameRows(t, wantCSV, got)
				}
			})

			t.Run("parquet", func(t *testing.T) {
				sc, err := scanner.New(sess, cfg)
				require.NoError(t, err)
				plan, err := sc.Plan(t.Context())
				require.NoError(t, err)
				wantPQ := parquetJSONRows(t, s.export(t, cfg, func(w io.Writer) (sink.Sink, error) {
					return sinkparquet.New(w, plan.Columns, sinkparquet.Config{})
				}))
				require.Len(t, wantPQ, int(tb.rows))
				// Parquet compresses its pages itself (snappy): --compress
				// is none, implicit or explicit.
				for i, flags := range [][]string{{"--max-rows-per-file", "60"}, {"--compress", "none"}} {
					dir := filepath.Join(t.TempDir(), "pq"+strconv.Itoa(i))
					r := run(t, args("scan", append([]string{"--out", dir, "-q", "--format", "parquet"}, flags...)...)...)
					requireOK(t, r)
					m := readManifest(t, dir)
					require.True(t, m.Complete)
					assert.Equal(t, tb.rows, m.Rows)
					var got []string
					for _, f := range m.Files {
						data, err := os.ReadFile(filepath.Join(dir, f.Name))
						require.NoError(t, err)
						got = append(got, parquetJSONRows(t, data)...)
					}
					requireSameRows(t, wantPQ, got)
				}
			})

			t.Run("count", func(t *testing.T) {
				r := run(t, args("count", "-q", "--page-size", "5")...)
				requireOK(t, r)
				assert.Equal(t, strconv.FormatInt(tb.rows, 10)+"\n", r.stdout)
			})
		})
	}
}
