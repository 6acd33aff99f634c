package output

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/sink"
	parquetsink "github.com/ringscan/ringscan/sink/parquet"
)

func encoderFor(format string) EncoderFunc {
	return func(w io.Writer, first bool, cols []sink.Column) (sink.Sink, error) {
		switch format {
		case FormatCSV:
			return sink.NewCSV(w, sink.CSVConfig{NoHeader: !first})
		case FormatParquet:
			return parquetsink.New(w, cols, parquetsink.Config{})
		}
		return sink.NewJSONLines(w), nil
	}
}

// columns are the columns of the test rows.
func columns(t *testing.T) []sink.Column {
	col, err := sink.NewColumn("id", "int")
	require.NoError(t, err)
	return []sink.Column{col}
}

// page makes a batch of rows with ids [from, to).
func page(t *testing.T, from, to int) *sink.Batch {
	b := sink.NewBatch(columns(t), 1)
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
		if !filePattern("t").MatchString(e.Name()) {
			continue
		}
		if format == FormatParquet {
			ids = append(ids, readParquetIDs(t, filepath.Join(dir, e.Name()))...)
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

// readParquetIDs reads the ids of a Parquet file.
func readParquetIDs(t *testing.T, path string) []int {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	pf, err := parquet.OpenFile(f, st.Size())
	require.NoError(t, err)
	r := parquet.NewReader(pf)
	defer r.Close()
	var ids []int
	rows := make([]parquet.Row, 10)
	for {
		n, err := r.ReadRows(rows)
		for _, row := range rows[:n] {
			ids = append(ids, int(row[0].Int32()))
		}
		if errors.Is(err, io.EOF) {
			return ids
		}
		require.NoError(t, err)
	}
}

// formats are the format and compression pairs.
var formats = [][2]string{
	{FormatJSONL, CompressNone}, {FormatJSONL, CompressGzip}, {FormatJSONL, CompressZstd},
	{FormatCSV, CompressNone}, {FormatCSV, CompressGzip}, {FormatCSV, CompressZstd},
	{FormatParquet, CompressNone},
}

func TestCrashAndResumeKeepsExactlyCommittedRows(t *testing.T) {
	for _, fc := range formats {
		format, comp := fc[0], fc[1]
		t.Run(format+"-"+comp, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cfg := Config{Dir: dir, Prefix: "t", Format: format, Compress: comp, MaxRowsPerFile: 25, Encoder: encoderFor(format), Columns: columns(t)}
			d, err := Open(cfg)
			require.NoError(t, err)
			require.NoError(t, d.Start(false))
			require.NoError(t, d.Write(ctx, page(t, 0, 30)))
			require.NoError(t, d.Write(ctx, page(t, 30, 40)))
			state, err := d.Commit(ctx)
			require.NoError(t, err)
			require.NoError(t, d.Write(ctx, page(t, 40, 44)))
			state, err = d.Commit(ctx)
			require.NoError(t, err)
			// Written after the last commit: lost in the "crash".
			require.NoError(t, d.Write(ctx, page(t, 44, 90)))
			_, _ = d.Commit(ctx)           // even durable, not recorded in the checkpoint
			require.NoError(t, d.Unlock()) // the process dies

			d2, err := Open(cfg)
			require.NoError(t, err)
			require.NoError(t, d2.Restore(ctx, state))
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
			assertManifest(t, dir, 100)
		})
	}
}

func TestStartRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t-000001.jsonl"), []byte("{}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep"), 0o644))
	d, err := Open(Config{Dir: dir, Prefix: "t", Format: FormatJSONL, Encoder: encoderFor(FormatJSONL)})
	require.NoError(t, err)
	defer d.Unlock()
	require.ErrorContains(t, d.Start(false), "not empty")
	require.NoError(t, d.Start(true))
	_, err = os.Stat(filepath.Join(dir, "t-000001.jsonl"))
	assert.True(t, os.IsNotExist(err))
	_, err = os.Stat(filepath.Join(dir, "notes.txt"))
	assert.NoError(t, err, "files that are not ringscan output are kept")
}

func TestValidateFormat(t *testing.T) {
	for _, tc := range []struct{ format, comp, err string }{
		{"jsonl", "gzip", ""}, {"csv", "", ""}, {"parquet", "none", ""},
		{"xml", "none", `invalid --format "xml": allowed are jsonl (or json), csv, parquet`},
		{"jsonl", "lz4", `invalid --compress "lz4": allowed are none, gzip, zstd`},
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

// TestEmptyOutputHasOneFile closes a directory no row was written to: it
// holds one valid file of the format, which the manifest lists.
func TestEmptyOutputHasOneFile(t *testing.T) {
	for _, fc := range formats {
		format, comp := fc[0], fc[1]
		t.Run(format+"-"+comp, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			d, err := Open(Config{Dir: dir, Prefix: "t", Format: format, Compress: comp, Encoder: encoderFor(format), Columns: columns(t)})
			require.NoError(t, err)
			require.NoError(t, d.Start(false), "only the lock file is there")
			require.NoError(t, d.Write(ctx, page(t, 0, 0)), "a page without rows starts no file")
			require.NoError(t, d.Close(ctx))
			require.NoError(t, d.Close(ctx), "idempotent")
			require.NoError(t, d.WriteManifest(Manifest{Keyspace: "ks", Table: "t"}))

			files := d.Files()
			require.Len(t, files, 1)
			name := "t-000001" + Ext(format, comp)
			assert.Equal(t, name, files[0].Name)
			assert.Zero(t, files[0].Rows)
			st, err := os.Stat(filepath.Join(dir, name))
			require.NoError(t, err)
			assert.Equal(t, st.Size(), files[0].Bytes)
			assert.Empty(t, readIDs(t, dir, format))

			switch {
			case format == FormatCSV && comp == CompressNone:
				data, err := os.ReadFile(filepath.Join(dir, name))
				require.NoError(t, err)
				assert.Equal(t, "id\n", string(data), "the header")
			case format == FormatJSONL && comp == CompressNone:
				assert.Zero(t, st.Size())
			case format == FormatParquet:
				f, err := os.Open(filepath.Join(dir, name))
				require.NoError(t, err)
				defer f.Close()
				pf, err := parquet.OpenFile(f, st.Size())
				require.NoError(t, err)
				assert.Zero(t, pf.NumRows())
				require.Len(t, pf.Schema().Fields(), 1)
				assert.Equal(t, "id", pf.Schema().Fields()[0].Name())
			}
			var m Manifest
			data, err := os.ReadFile(filepath.Join(dir, ManifestName))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &m))
			require.Len(t, m.Files, 1)
			assert.Zero(t, m.Rows)
		})
	}
}

// assertManifest checks manifest.json against the files on disk: the
// total rows, and each file's size and SHA-256.
func assertManifest(t *testing.T, dir string, rows int64) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	require.NoError(t, err)
	var m Manifest
	require.NoError(t, json.Unmarshal(data, &m))
	assert.True(t, m.Complete)
	assert.Equal(t, rows, m.Rows)
	var sum int64
	for _, f := range m.Files {
		content, err := os.ReadFile(filepath.Join(dir, f.Name))
		require.NoError(t, err)
		h := sha256.Sum256(content)
		assert.Equal(t, hex.EncodeToString(h[:]), f.SHA256, f.Name)
		assert.Equal(t, int64(len(content)), f.Bytes, f.Name)
		sum += f.Rows
	}
	assert.Equal(t, rows, sum)
}

// TestRestoreRemovesWhatIsNotCommitted restores directories to states that
// list no file (a checkpoint saved before any commit had a file: the crash
// window before the first periodic save), one file, or nothing at all (a
// nil state): every output file, temporary file and manifest the state
// does not list is gone, other files stay.
func TestRestoreRemovesWhatIsNotCommitted(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		state func(t *testing.T, d *Dir) []byte // the state to restore
		keep  []string
	}{
		{name: "nil state", state: func(*testing.T, *Dir) []byte { return nil }},
		{name: "initial commit, no file", state: func(t *testing.T, d *Dir) []byte {
			st, err := d.Commit(ctx)
			require.NoError(t, err)
			return st
		}},
		{name: "one committed file", state: func(t *testing.T, d *Dir) []byte {
			require.NoError(t, d.Write(ctx, page(t, 0, 3)))
			st, err := d.Commit(ctx)
			require.NoError(t, err)
			return st
		}, keep: []string{"t-000001.jsonl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := Config{Dir: dir, Prefix: "t", Format: FormatJSONL, MaxRowsPerFile: 5, Encoder: encoderFor(FormatJSONL), Columns: columns(t)}
			d, err := Open(cfg)
			require.NoError(t, err)
			require.NoError(t, d.Start(false))
			state := tt.state(t, d)
			require.NoError(t, d.Write(ctx, page(t, 3, 20)), "rows after the commit, over several files")
			require.NoError(t, d.Close(ctx))
			require.NoError(t, d.WriteManifest(Manifest{}))
			for _, name := range []string{".manifest.json.tmp-abc", "notes.txt"} {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644))
			}
			require.NoError(t, d.Unlock())

			d2, err := Open(cfg)
			require.NoError(t, err)
			defer d2.Unlock()
			require.NoError(t, d2.Restore(ctx, state))
			var names []string
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				if e.Name() != LockName && e.Name() != "notes.txt" {
					names = append(names, e.Name())
				}
			}
			assert.ElementsMatch(t, tt.keep, names)
			ids := readIDs(t, dir, FormatJSONL)
			if len(tt.keep) > 0 {
				assert.Equal(t, []int{0, 1, 2}, ids)
			} else {
				assert.Empty(t, ids)
			}
			_, err = os.Stat(filepath.Join(dir, "notes.txt"))
			assert.NoError(t, err, "files that are not ringscan output are kept")
		})
	}
}

// TestRestoreRefusesOtherOptions resumes with a changed format,
// compression or encoder option: refused, naming the option, and nothing
// is removed.
func TestRestoreRefusesOtherOptions(t *testing.T) {
	ctx := context.Background()
	base := Config{Prefix: "t", Format: FormatCSV, Encoder: encoderFor(FormatCSV), Options: map[string]string{"--csv-null": "", "--csv-no-header": "false"}}
	tests := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"csv null", func(c *Config) { c.Options = map[string]string{"--csv-null": "NULL", "--csv-no-header": "false"} }, `--csv-null is "" in the checkpoint but "NULL" now`},
		{"header", func(c *Config) { c.Options = map[string]string{"--csv-null": "", "--csv-no-header": "true"} }, `--csv-no-header is "false" in the checkpoint but "true" now`},
		{"compression", func(c *Config) { c.Compress = CompressGzip }, `--compress is "none" in the checkpoint but "gzip" now`},
		{"format", func(c *Config) { c.Format, c.Encoder = FormatJSONL, encoderFor(FormatJSONL) }, `--format is "csv" in the checkpoint but "jsonl" now`},
		{"new option", func(c *Config) {
			c.Options = map[string]string{"--csv-null": "", "--csv-no-header": "false", "--delimiter": ";"}
		}, `--delimiter is not in the checkpoint`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			cfg.Dir = t.TempDir()
			cfg.Columns = columns(t)
			d, err := Open(cfg)
			require.NoError(t, err)
			require.NoError(t, d.Start(false))
			require.NoError(t, d.Write(ctx, page(t, 0, 3)))
			state, err := d.Commit(ctx)
			require.NoError(t, err)
			require.NoError(t, d.Unlock())
			before, err := os.ReadFile(filepath.Join(cfg.Dir, "t-000001.csv"))
			require.NoError(t, err)

			tt.change(&cfg)
			d2, err := Open(cfg)
			require.NoError(t, err)
			defer d2.Unlock()
			err = d2.Restore(ctx, state)
			require.ErrorContains(t, err, tt.want)
			after, err := os.ReadFile(filepath.Join(cfg.Dir, "t-000001.csv"))
			require.NoError(t, err)
			assert.Equal(t, before, after, "nothing was touched")
		})
	}
}

// TestOneWriterPerDirectory opens a directory twice: the second is refused
// while the first holds it, naming the holder, and allowed once released.
func TestOneWriterPerDirectory(t *testing.T) {
	cfg := Config{Dir: t.TempDir(), Prefix: "t", Format: FormatJSONL, Encoder: encoderFor(FormatJSONL)}
	d, err := Open(cfg)
	require.NoError(t, err)
	_, err = Open(cfg)
	require.ErrorContains(t, err, "output directory "+cfg.Dir+" is in use by another process")
	require.ErrorContains(t, err, fmt.Sprintf("process %d", os.Getpid()))
	require.NoError(t, d.Unlock())
	d2, err := Open(cfg)
	require.NoError(t, err)
	require.NoError(t, d2.Unlock())
}

// TestPreparedPages checks that the directory prepares pages for its
// files' encoders where they are sink.Preparers (JSON Lines, CSV): a prepared
// page written whole is written from its prepared text, one cut between
// two files is rendered again by each file's encoder. The probe: each
// page's first value is changed in place after Prepare (which a scan
// never does), so that a row's id tells whether its text was prepared
// (the old id) or rendered at Write (the new one). Fails if Prepare is
// not forwarded, or if the text of a cut page is written.
func TestPreparedPages(t *testing.T) {
	for _, fc := range formats {
		format, comp := fc[0], fc[1]
		t.Run(format+"-"+comp, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			d, err := Open(Config{Dir: dir, Prefix: "t", Format: format, Compress: comp, MaxRowsPerFile: 15, Encoder: encoderFor(format), Columns: columns(t)})
			require.NoError(t, err)
			require.NoError(t, d.Start(false))
			pages := []*sink.Batch{page(t, 0, 10), page(t, 10, 20), page(t, 20, 30)}
			done := make(chan struct{})
			for _, b := range pages {
				go func() {
					d.Prepare(b)
					done <- struct{}{}
				}()
			}
			for range pages {
				<-done
			}
			for _, b := range pages {
				v := b.Value(0, 0)
				binary.BigEndian.PutUint32(v, binary.BigEndian.Uint32(v)+1000)
			}
			for _, b := range pages {
				require.NoError(t, d.Write(ctx, b))
			}
			require.NoError(t, d.Close(ctx))
			want := make([]int, 30)
			for i := range want {
				want[i] = i
			}
			// Pages 0 and 2 are written whole (files of rows 0-14 and
			// 15-29), page 1 is cut at row 15.
			want[10] += 1000
			if format != FormatParquet {
				want[0], want[20] = 0, 20 // their prepared text
			} else {
				want[0], want[20] = 1000, 1020 // no Preparer: rendered at Write
			}
			assert.ElementsMatch(t, want, readIDs(t, dir, format))
		})
	}
}
