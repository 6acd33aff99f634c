package cli_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/observe"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// demoColumns is the demo table's SELECT * order, the order of JSON keys
// and CSV columns.
var demoColumns = []string{"tenant", "bucket", "ts", "seq", "amount", "attrs", "event_id", "kind", "ok", "payload", "score", "source", "tags"}

// csvRecords parses CSV into records joined by a unit separator, so that
// fields holding commas, quotes or line breaks compare exactly.
func csvRecords(t *testing.T, data []byte) []string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	require.NoError(t, err)
	out := make([]string, len(recs))
	for i, rec := range recs {
		out[i] = strings.Join(rec, "\x1f")
	}
	return out
}

// TestScanOutputs exports one demo table in every way the scan command
// offers and compares the rows read back with an independent export, as
// multisets.
func TestScanOutputs(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 5000})
	want := s.exportJSONL(t, scanner.Config{})

	t.Run("dir", func(t *testing.T) {
		// Each case writes to its own new directory, nested to check that
		// missing parents are created.
		cases := []struct {
			name     string
			flags    []string
			ext      string
			maxRows  int // 0: one file
			wantFile int
		}{
			{name: "one file", ext: ".jsonl", wantFile: 1},
			{name: "rotating", flags: []string{"--max-rows-per-file", "1200"}, ext: ".jsonl", maxRows: 1200, wantFile: 5},
			{name: "gzip", flags: []string{"--max-rows-per-file", "1200", "--compress", "gzip"}, ext: ".jsonl.gz", maxRows: 1200, wantFile: 5},
			{name: "zstd", flags: []string{"--max-rows-per-file", "2000", "--compress", "zstd"}, ext: ".jsonl.zst", maxRows: 2000, wantFile: 3},
			{name: "explicit none", flags: []string{"--format", "jsonl", "--compress", "none", "--max-rows-per-file", "5000"}, ext: ".jsonl", maxRows: 5000, wantFile: 1},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(t.TempDir(), "a", "b")
				r := run(t, s.args("scan", append([]string{"--out", dir, "-q"}, tc.flags...)...)...)
				requireOK(t, r)
				assert.Empty(t, r.stdout)
				assert.Empty(t, r.stderr, "--quiet")
				files := readDir(t, dir)
				require.Len(t, files, tc.wantFile)
				for i, f := range files {
					assert.Equal(t, fmt.Sprintf("events-%06d%s", i+1, tc.ext), f.name)
					if tc.maxRows > 0 && i < len(files)-1 {
						assert.Len(t, f.lines, tc.maxRows, f.name)
					}
				}
				requireSameRows(t, want, allLines(files))
				m := requireManifest(t, dir, s.info.Rows, files)
				assert.Equal(t, demoColumns, m.Columns)
				assert.Equal(t, "0/1", m.Shard)
				assert.Equal(t, "jsonl", m.Format)
			})
		}
	})

	t.Run("stdout", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("scan", "--out", "-", "-q")...)
		requireOK(t, r)
		assert.Empty(t, r.stderr)
		got := splitLines([]byte(r.stdout))
		for _, l := range got[:10] {
			assert.True(t, json.Valid([]byte(l)), l)
		}
		requireSameRows(t, want, got)
	})

	t.Run("progress and summary unless quiet", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("scan", "--out", "-")...)
		requireOK(t, r)
		requireSameRows(t, want, splitLines([]byte(r.stdout)))
		assert.Contains(t, r.stderr, "scan of ringscan_demo.events complete")
		assert.Contains(t, r.stderr, "5,000")
	})

	t.Run("columns", func(t *testing.T) {
		t.Parallel()
		cols := []string{"seq", "tenant", "bucket", "kind"}
		r := run(t, s.args("scan", "--out", "-", "-q", "--columns", strings.Join(cols, ","))...)
		requireOK(t, r)
		requireSameRows(t, s.exportJSONL(t, scanner.Config{Columns: cols}), splitLines([]byte(r.stdout)))
		var row map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &row))
		assert.Len(t, row, len(cols))
	})

	t.Run("csv", func(t *testing.T) {
		ref := func(null string) []string {
			return csvRecords(t, s.export(t, scanner.Config{}, func(w io.Writer) (sink.Sink, error) {
				return sink.NewCSV(w, sink.CSVConfig{NoHeader: true, Null: null})
			}))
		}
		plain, nulls := ref(""), ref("NULL")
		header := strings.Join(demoColumns, "\x1f")
		cases := []struct {
			name   string
			flags  []string
			header bool
			stdout bool // also to stdout (not for rotating files)
			want   []string
		}{
			{name: "header", header: true, stdout: true, want: plain},
			{name: "header in every file", flags: []string{"--max-rows-per-file", "2000"}, header: true, want: plain},
			{name: "no header", flags: []string{"--csv-no-header"}, stdout: true, want: plain},
			{name: "null text", flags: []string{"--csv-null", "NULL", "--csv-no-header", "--compress", "gzip"}, want: nulls},
			{name: "null text to stdout", flags: []string{"--csv-null", "NULL"}, header: true, stdout: true, want: nulls},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				outs := []string{filepath.Join(t.TempDir(), "out")}
				if tc.stdout {
					outs = append(outs, "-")
				}
				for _, out := range outs {
					r := run(t, s.args("scan", append([]string{"--format", "csv", "--out", out, "-q"}, tc.flags...)...)...)
					requireOK(t, r)
					var chunks [][]byte
					if out == "-" {
						chunks = [][]byte{[]byte(r.stdout)}
					} else {
						files := readDir(t, out)
						requireManifest(t, out, s.info.Rows, files)
						for _, f := range files {
							assert.True(t, strings.HasSuffix(f.name, ".csv") || strings.HasSuffix(f.name, ".csv.gz"), f.name)
							chunks = append(chunks, []byte(strings.Join(f.lines, "\n")+"\n"))
						}
					}
					var got []string
					for _, c := range chunks {
						recs := csvRecords(t, c)
						if tc.header {
							require.Equal(t, header, recs[0], "every file starts with the header")
							recs = recs[1:]
						}
						got = append(got, recs...)
					}
					requireSameRows(t, tc.want, got)
				}
			})
		}
		assert.NotEqual(t, plain, nulls, "the demo table has nulls")
	})

	t.Run("rate", func(t *testing.T) {
		// The ceiling's timing belongs in a benchmark; here a throttled
		// scan must still read every row once.
		t.Parallel()
		r := run(t, s.args("scan", "--out", "-", "-q", "--rate", "40000")...)
		requireOK(t, r)
		requireSameRows(t, want, splitLines([]byte(r.stdout)))
	})

	t.Run("shards", func(t *testing.T) {
		t.Parallel()
		var union []string
		for i := range 3 {
			r := run(t, s.args("scan", "--out", "-", "-q", "--shard", fmt.Sprintf("%d/3", i))...)
			requireOK(t, r)
			lines := splitLines([]byte(r.stdout))
			assert.NotEmpty(t, lines, "shard %d", i)
			union = append(union, lines...)
		}
		requireSameRows(t, want, union)
	})

	t.Run("report", func(t *testing.T) {
		t.Parallel()
		// An existing file is replaced, whole, as --metrics-file is (the
		// decision documented in docs/report.md).
		path := filepath.Join(t.TempDir(), "report.json")
		require.NoError(t, os.WriteFile(path, []byte("not a report\n"), 0o644))
		r := run(t, s.args("scan", "--out", "-", "-q", "--report", path, "--splits", "100")...)
		requireOK(t, r)
		requireSameRows(t, want, splitLines([]byte(r.stdout)))
		rep, err := observe.ReadReport(path)
		require.NoError(t, err)
		st, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the report replaced the file, with its own mode")
		assert.Equal(t, "ringscan_demo", rep.Keyspace)
		assert.Equal(t, "events", rep.Table)
		assert.Empty(t, rep.Error)
		assert.Equal(t, s.info.Rows, rep.Totals.Rows)
		assert.Equal(t, len(rep.Ranges), rep.Totals.Ranges)
		assert.Equal(t, rep.Totals.Ranges, rep.Totals.Done)
		assert.GreaterOrEqual(t, len(rep.Ranges), 100)
		var rows int64
		var share float64
		for _, rr := range rep.Ranges {
			rows += rr.Rows
			share += rr.Share
			assert.Contains(t, s.hosts, rr.Host, "range %d", rr.ID)
		}
		assert.Equal(t, s.info.Rows, rows, "the ranges' rows sum to the total")
		assert.InDelta(t, 1, share, 1e-6)
	})

	t.Run("json logs", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("scan", "--out", "-", "-q", "--log-level", "debug", "--log-format", "json")...)
		requireOK(t, r)
		requireSameRows(t, want, splitLines([]byte(r.stdout)))
		lines := splitLines([]byte(r.stderr))
		require.NotEmpty(t, lines, "debug logs per range")
		for _, l := range lines {
			var entry map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &entry), l)
			assert.Contains(t, entry, "level")
		}
	})

	t.Run("overwrite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		for name, data := range map[string]string{
			"events-000001.jsonl":    "stale\n",
			"events-000009.jsonl.gz": "stale",
			"manifest.json":          "{}",
			"notes.txt":              "not ringscan's",
		} {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
		}
		r := run(t, s.args("scan", "--out", dir, "-q")...)
		requireOneLineError(t, r, cli.ExitBadInput, dir, "not empty", "--overwrite")
		data, err := os.ReadFile(filepath.Join(dir, "events-000001.jsonl"))
		require.NoError(t, err)
		assert.Equal(t, "stale\n", string(data), "a refused scan touches nothing")

		r = run(t, s.args("scan", "--out", dir, "-q", "--overwrite", "--compress", "zstd")...)
		requireOK(t, r)
		notes, err := os.ReadFile(filepath.Join(dir, "notes.txt"))
		require.NoError(t, err, "files that are not ringscan's are kept")
		assert.Equal(t, "not ringscan's", string(notes))
		require.NoError(t, os.Remove(filepath.Join(dir, "notes.txt")))
		files := readDir(t, dir)
		require.Len(t, files, 1)
		assert.Equal(t, "events-000001.jsonl.zst", files[0].name)
		requireSameRows(t, want, files[0].lines)
		requireManifest(t, dir, s.info.Rows, files)
	})

	t.Run("parquet", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "pq")
		r := run(t, s.args("scan", "--out", dir, "-q", "--format", "parquet", "--max-rows-per-file", "2000")...)
		if r.code != cli.ExitOK && strings.Contains(r.stderr, "not implemented") {
			t.Skip("--format parquet is not implemented yet")
		}
		requireOK(t, r)
		m := readManifest(t, dir)
		require.True(t, m.Complete)
		assert.Equal(t, "parquet", m.Format)
		assert.Equal(t, s.info.Rows, m.Rows)
		var rows int64
		for i, f := range m.Files {
			assert.Equal(t, fmt.Sprintf("events-%06d.parquet", i+1), f.Name)
			fh, err := os.Open(filepath.Join(dir, f.Name))
			require.NoError(t, err)
			st, err := fh.Stat()
			require.NoError(t, err)
			pf, err := parquet.OpenFile(fh, st.Size())
			require.NoError(t, err, f.Name)
			assert.Equal(t, f.Rows, pf.NumRows(), f.Name)
			assert.LessOrEqual(t, f.Rows, int64(2000), f.Name)
			rows += pf.NumRows()
			fh.Close()
		}
		assert.Equal(t, s.info.Rows, rows)
	})
}

// TestScanLocalDC scans a two-DC cluster from one DC: every range is read
// from a host of that DC, and every row once.
func TestScanLocalDC(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{DCs: []cqlsim.DC{{Name: "dc1", Nodes: 3}, {Name: "dc2", Nodes: 3}}},
		cqlsim.DemoConfig{Rows: 3000},
		`CREATE KEYSPACE ringscan_demo WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2, 'dc2': 2}`)
	want := s.exportJSONL(t, scanner.Config{})
	dcOf := map[string]string{}
	for _, n := range s.c.Nodes() {
		dcOf[n.IP()] = n.DC()
	}
	for _, dc := range []string{"dc1", "dc2"} {
		t.Run(dc, func(t *testing.T) {
			t.Parallel()
			report := filepath.Join(t.TempDir(), "report.json")
			r := run(t, s.args("scan", "--out", "-", "-q", "--local-dc", dc, "--report", report)...)
			requireOK(t, r)
			requireSameRows(t, want, splitLines([]byte(r.stdout)))
			rep, err := observe.ReadReport(report)
			require.NoError(t, err)
			require.NotEmpty(t, rep.Ranges)
			for _, rr := range rep.Ranges {
				assert.Equal(t, dc, dcOf[rr.Host], "range %d read from %s", rr.ID, rr.Host)
			}
		})
	}
	// Refused by the ring's split, which names its field: the message
	// names the flag, and where its value came from.
	settings := filepath.Join(t.TempDir(), "ringscan.yaml")
	require.NoError(t, os.WriteFile(settings, []byte("local-dc: dc9\n"), 0o600))
	const unknown = `ringscan: --local-dc is "dc9", want one of the ring's DCs ["dc1" "dc2"]`
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "scan", args: s.args("scan", "--out", "-", "-q", "--local-dc", "dc9"), want: unknown + "\n"},
		{name: "count", args: s.args("count", "-q", "--local-dc", "dc9"), want: unknown + "\n"},
		{name: "ring", args: s.args("ring", "--local-dc", "dc9"), want: unknown + "\n"},
		{name: "count, from a settings file", args: s.args("count", "-q", "--config", settings),
			want: unknown + " (--local-dc is from " + settings + " key local-dc)\n"},
	} {
		t.Run("unknown dc/"+tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tc.args...)
			assert.Equal(t, cli.ExitBadInput, r.code)
			assert.Equal(t, tc.want, r.stderr)
			assert.Empty(t, r.stdout)
		})
	}
}
