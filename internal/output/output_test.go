package output

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/sink"
)

func encoderFor(format string) EncoderFunc {
	return func(w io.Writer, first bool) (sink.Sink, error) {
		if format == FormatCSV {
			return sink.NewCSV(w, sink.CSVConfig{NoHeader: !first})
		}
		return sink.NewJSONLines(w), nil
	}
}

// page makes a batch of rows with ids [from, to).
func page(t *testing.T, from, to int) *sink.Batch {
	col, err := sink.NewColumn("id", "int")
	require.NoError(t, err)
	b := sink.NewBatch([]sink.Column{col}, 1)
	for i := from; i < to; i++ {
		b.AppendValue(binary.BigEndian.AppendUint32(nil, uint32(i)))
	}
	return b
}

// readIDs reads every row id of the directory's files.
func readIDs(t *testing.T, dir, format string) []int {
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var ids []int
	for _, e := range entries {
		if !IsOutputFile("t", e.Name()) {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		var r io.Reader = f
		switch {
		case strings.HasSuffix(e.Name(), ".gz"):
			gz, err := gzip.NewReader(f)
			require.NoError(t, err)
			r = gz
		case strings.HasSuffix(e.Name(), ".zst"):
			zr, err := zstd.NewReader(f)
			require.NoError(t, err)
			r = zr
		}
		sc := bufio.NewScanner(r)
		header := format == FormatCSV
		for sc.Scan() {
			line := sc.Text()
			if header {
				require.Equal(t, "id", line)
				header = false
				continue
			}
			var id int
			if format == FormatCSV {
				require.NoError(t, json.Unmarshal([]byte(line), &id))
			} else {
				var m map[string]int
				require.NoError(t, json.Unmarshal([]byte(line), &m))
				id = m["id"]
			}
			ids = append(ids, id)
		}
		require.NoError(t, sc.Err())
		f.Close()
	}
	return ids
}

func TestCrashAndResumeKeepsExactlyCommittedRows(t *testing.T) {
	for _, format := range []string{FormatJSONL, FormatCSV} {
		for _, comp := range []string{CompressNone, CompressGzip, CompressZstd} {
			t.Run(format+"-"+comp, func(t *testing.T) {
				ctx := context.Background()
				dir := t.TempDir()
				cfg := Config{Dir: dir, Prefix: "t", Format: format, Compress: comp, MaxRowsPerFile: 25, Encoder: encoderFor(format)}
				require.NoError(t, Prepare(dir, "t", format, comp, false))
				d, err := Open(cfg, nil)
				require.NoError(t, err)
				require.NoError(t, d.Write(ctx, page(t, 0, 30)))
				require.NoError(t, d.Write(ctx, page(t, 30, 40)))
				files, err := d.Commit()
				require.NoError(t, err)
				require.NoError(t, d.Write(ctx, page(t, 40, 44)))
				files, err = d.Commit()
				require.NoError(t, err)
				// Written after the last commit: lost in the "crash".
				require.NoError(t, d.Write(ctx, page(t, 44, 90)))
				_, _ = d.Commit() // even durable, not recorded in the checkpoint

				d2, err := Open(cfg, files)
				require.NoError(t, err)
				require.NoError(t, d2.Write(ctx, page(t, 44, 100)))
				require.NoError(t, d2.Close(ctx))
				require.NoError(t, d2.WriteManifest(Manifest{Keyspace: "ks", Table: "t"}))

				ids := readIDs(t, dir, format)
				want := make([]int, 100)
				for i := range want {
					want[i] = i
				}
				assert.ElementsMatch(t, want, ids)
				for _, f := range d2.Files() {
					assert.LessOrEqual(t, f.Rows, int64(25), f.Name)
				}
				_, err = os.Stat(filepath.Join(dir, ManifestName))
				assert.NoError(t, err)
			})
		}
	}
}

func TestPrepareRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t-000001.jsonl"), []byte("{}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep"), 0o644))
	err := Prepare(dir, "t", FormatJSONL, CompressNone, false)
	require.ErrorContains(t, err, "not empty")
	require.NoError(t, Prepare(dir, "t", FormatJSONL, CompressNone, true))
	_, err = os.Stat(filepath.Join(dir, "t-000001.jsonl"))
	assert.True(t, os.IsNotExist(err))
	_, err = os.Stat(filepath.Join(dir, "notes.txt"))
	assert.NoError(t, err, "files that are not ringscan output are kept")
}

func TestValidateFormat(t *testing.T) {
	for _, tc := range []struct{ format, comp, err string }{
		{"jsonl", "gzip", ""}, {"csv", "", ""}, {"parquet", "none", ""},
		{"xml", "none", "allowed are jsonl, csv, parquet"},
		{"jsonl", "lz4", "allowed are none, gzip, zstd"},
		{"parquet", "gzip", "does not apply to parquet"},
	} {
		err := ValidateFormat(tc.format, tc.comp)
		if tc.err == "" {
			assert.NoError(t, err)
		} else {
			assert.ErrorContains(t, err, tc.err)
		}
	}
}
