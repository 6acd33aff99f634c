package output

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/ringscan/ringscan/internal/crashpoint"
	"github.com/ringscan/ringscan/internal/fsutil"
	"github.com/ringscan/ringscan/sink"
)

// Formats and compressions.
const (
	FormatJSONL   = "jsonl"
	FormatCSV     = "csv"
	FormatParquet = "parquet"

	CompressNone = "none"
	CompressGzip = "gzip"
	CompressZstd = "zstd"
)

// ParquetCheckpointEvery is the checkpoint interval ringscan scan uses for
// Parquet output unless --checkpoint-every is set. Every commit of a
// Parquet directory finishes the file being written (a Parquet file is
// readable only once its footer is written), so the interval bounds the
// files' size as --max-rows-per-file does: at 5 s, a long scan would write
// a file every 5 s. A kill re-reads at most this long's rows.
const ParquetCheckpointEvery = time.Minute

// ManifestName is the completion marker written in the directory.
const ManifestName = "manifest.json"

// LockName is the lock file in the directory.
const LockName = ".ringscan.lock"

// EncoderFunc makes a row encoder writing to w. first is true at the start
// of a file (a CSV header goes there), false when a file is continued after
// a commit point. cols are the columns of the rows (Config.Columns), which
// a Parquet encoder needs for its schema before the first row.
type EncoderFunc func(w io.Writer, first bool, cols []sink.Column) (sink.Sink, error)

// Config describes an output directory.
type Config struct {
	// Dir is the directory; it is created if missing.
	Dir string
	// Prefix starts every file name, usually the table name.
	Prefix string
	// Format is jsonl, csv or parquet.
	Format string
	// Compress is none, gzip or zstd. Default none.
	Compress string
	// MaxRowsPerFile starts a new file after that many rows. Default 0:
	// one file.
	MaxRowsPerFile int64
	// Encoder makes the row encoder of Format.
	Encoder EncoderFunc
	// Columns are the columns of the rows, passed to Encoder. They let
	// Close write a file with a CSV header or a Parquet schema when no row
	// was written.
	Columns []sink.Column
	// Options name the encoder's settings that shape the bytes written
	// (e.g. "--csv-null" to its value): part of the committed state, so
	// that a resume with other settings is refused, naming the option.
	Options map[string]string
}

// ValidateFormat checks a format and compression pair.
func ValidateFormat(format, compress string) error {
	switch format {
	case FormatJSONL, FormatCSV, FormatParquet:
	default:
		return fmt.Errorf("invalid --format %q: allowed are jsonl (or json), csv, parquet", format)
	}
	switch compress {
	case "", CompressNone, CompressGzip, CompressZstd:
	default:
		return fmt.Errorf("invalid --compress %q: allowed are none, gzip, zstd", compress)
	}
	if format == FormatParquet && compress != "" && compress != CompressNone {
		return fmt.Errorf("--compress %s does not apply to parquet, which compresses its pages itself: use --compress none", compress)
	}
	return nil
}

// Ext is the file extension of a format and compression.
func Ext(format, compress string) string {
	ext := "." + format
	switch compress {
	case CompressGzip:
		ext += ".gz"
	case CompressZstd:
		ext += ".zst"
	}
	return ext
}

// Dir is an output directory being written. It implements sink.Sink; Write
// and Commit must not be called concurrently (the scanner calls both from
// its writer goroutine).
type Dir struct {
	cfg   Config
	ext   string
	files []File // committed and current files, in order

	f       *os.File
	comp    io.WriteCloser // gzip or zstd writer, nil for none
	enc     sink.Sink
	w       io.Writer // d.f, and the file's running SHA-256
	sums    map[string]hash.Hash
	started time.Time
	closed  bool
	// reopenLast is set by a resume: the first file opened continues the
	// checkpoint's last file when it has room.
	reopenLast bool
	// created is set when a file was created since the last commit: the
	// directory is fsynced so that its name is durable.
	created bool
	// ready is set by Start and Restore: only then does Close leave a
	// file in an output that got no row.
	ready bool
	lock  *fsutil.FileLock

	// prep prepares pages for the files' encoders (Prepare), when they
	// are sink.Preparers: an encoder of the format on no file, made once.
	prepOnce sync.Once
	prep     sink.Preparer
}

var (
	_ sink.Committer = (*Dir)(nil)
	_ sink.Preparer  = (*Dir)(nil)
)

// Open creates cfg.Dir if it is missing, checks that it is writable and
// locks it for this process. The Dir starts with no file: call Start for
// a new scan, or let the scanner Restore it for a resumed one.
func Open(cfg Config) (*Dir, error) {
	if err := ValidateFormat(cfg.Format, cfg.Compress); err != nil {
		return nil, err
	}
	if cfg.Encoder == nil {
		return nil, errors.New("output: no encoder")
	}
	if err := fsutil.MkdirAll(cfg.Dir); err != nil {
		return nil, fmt.Errorf("output directory %s cannot be created: %w", cfg.Dir, err)
	}
	if err := probeWritable(cfg.Dir); err != nil {
		return nil, err
	}
	lock, err := fsutil.Lock(filepath.Join(cfg.Dir, LockName), "output directory "+cfg.Dir)
	if err != nil {
		return nil, err
	}
	return &Dir{cfg: cfg, ext: Ext(cfg.Format, cfg.Compress), started: time.Now().UTC(), lock: lock}, nil
}

// SetColumns sets Config.Columns, once the columns are known (after the
// directory was locked).
func (d *Dir) SetColumns(cols []sink.Column) { d.cfg.Columns = cols }

// Start readies the directory for a new scan: it must hold nothing but
// the lock file, unless overwrite is set, in which case the previous
// output files, temporary files and manifest are removed (other files are
// kept).
func (d *Dir) Start(overwrite bool) error {
	entries, err := os.ReadDir(d.cfg.Dir)
	if err != nil {
		return fmt.Errorf("output directory %s cannot be read: %w", d.cfg.Dir, err)
	}
	var others []string
	for _, e := range entries {
		if e.Name() != LockName {
			others = append(others, e.Name())
		}
	}
	if len(others) == 0 {
		d.ready = true
		return nil
	}
	if !overwrite {
		return fmt.Errorf("output directory %s is not empty (%d entries): use --overwrite to replace its ringscan files, --resume to continue a checkpointed scan, or another --out", d.cfg.Dir, len(others))
	}
	if err := d.removeExcept(nil); err != nil {
		return err
	}
	d.ready = true
	return nil
}

// removeExcept removes the output files not in keep, the temporary files
// and the manifest.
func (d *Dir) removeExcept(keep map[string]bool) error {
	entries, err := os.ReadDir(d.cfg.Dir)
	if err != nil {
		return fmt.Errorf("output directory %s cannot be read: %w", d.cfg.Dir, err)
	}
	pat := filePattern(d.cfg.Prefix)
	for _, e := range entries {
		name := e.Name()
		if (pat.MatchString(name) && !keep[name]) || name == ManifestName || fsutil.IsTemp(name) {
			if err := os.Remove(filepath.Join(d.cfg.Dir, name)); err != nil {
				return fmt.Errorf("remove old output %s: %w", name, err)
			}
		}
	}
	return fsutil.SyncDir(d.cfg.Dir)
}

// probeWritable fails early, with a clear message, on a read-only
// directory.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".ringscan-probe-*")
	if err != nil {
		return fmt.Errorf("output directory %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// filePattern matches the output files of prefix.
func filePattern(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `-\d{6}\.(jsonl|csv|parquet)(\.gz|\.zst)?$`)
}

// File is an output file and its committed size.
type File struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
	Rows  int64  `json:"rows"`
}

// state is what Commit returns and Restore takes back.
type state struct {
	Format   string            `json:"format"`
	Compress string            `json:"compress"`
	Options  map[string]string `json:"options,omitempty"`
	Files    []File            `json:"files"`
}

// Restore takes the directory back to a committed state (nil: nothing
// committed); see the package documentation.
func (d *Dir) Restore(_ context.Context, data []byte) error {
	var st state
	if data != nil {
		if err := json.Unmarshal(data, &st); err != nil || st.Format == "" {
			return fmt.Errorf("the checkpoint's sink state is not an output directory's: %s", abbreviate(data))
		}
		if err := d.sameOutput(st); err != nil {
			return err
		}
	}
	keep := map[string]bool{}
	d.files = nil
	for _, f := range st.Files {
		keep[f.Name] = true
		path := filepath.Join(d.cfg.Dir, f.Name)
		info, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("output file %s recorded in the checkpoint is missing: %w", f.Name, err)
		}
		if info.Size() < f.Bytes {
			return fmt.Errorf("output file %s has %d bytes but the checkpoint committed %d: the output is damaged", f.Name, info.Size(), f.Bytes)
		}
		if err := os.Truncate(path, f.Bytes); err != nil {
			return fmt.Errorf("truncate %s: %w", f.Name, err)
		}
		d.files = append(d.files, f)
	}
	d.reopenLast = len(d.files) > 0
	if err := d.removeExcept(keep); err != nil {
		return err
	}
	d.ready = true
	return nil
}

// sameOutput refuses a state committed with other settings, naming each
// difference.
func (d *Dir) sameOutput(st state) error {
	var diffs []string
	cmp := func(what, then, now string) {
		if then != now {
			diffs = append(diffs, fmt.Sprintf("%s is %q in the checkpoint but %q now", what, then, now))
		}
	}
	cmp("--format", st.Format, d.cfg.Format)
	cmp("--compress", st.Compress, orNone(d.cfg.Compress))
	for _, k := range slices.Sorted(maps.Keys(d.cfg.Options)) {
		v, ok := st.Options[k]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s is not in the checkpoint but %q now", k, d.cfg.Options[k]))
			continue
		}
		cmp(k, v, d.cfg.Options[k])
	}
	for _, k := range slices.Sorted(maps.Keys(st.Options)) {
		if _, ok := d.cfg.Options[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s is %q in the checkpoint but not set now", k, st.Options[k]))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("the output options changed: %s", strings.Join(diffs, "; "))
	}
	return nil
}

func abbreviate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// Write writes a page, starting new files as MaxRowsPerFile requires.
func (d *Dir) Write(ctx context.Context, b *sink.Batch) error {
	if d.closed {
		return errors.New("output: write after close")
	}
	if !d.ready {
		return errors.New("output: write before Start or Restore")
	}
	for from := 0; from < b.Len(); {
		if err := d.ensureFile(); err != nil {
			return err
		}
		n := b.Len() - from
		if d.cfg.MaxRowsPerFile > 0 {
			n = int(min(int64(n), d.cfg.MaxRowsPerFile-d.current().Rows))
		}
		part := b
		if from != 0 || n != b.Len() {
			part = b.Rows(from, from+n)
		}
		if err := d.enc.Write(ctx, part); err != nil {
			return fmt.Errorf("write %s: %w", d.current().Name, err)
		}
		d.current().Rows += int64(n)
		from += n
		if d.cfg.MaxRowsPerFile > 0 && d.current().Rows >= d.cfg.MaxRowsPerFile {
			if err := d.finishFile(); err != nil {
				return err
			}
			crashpoint.Hit(crashpoint.FileFinished)
		}
	}
	return nil
}

// Prepare prepares a page for Write on the goroutine that read it (see
// sink.Preparer), where the format's encoder is a sink.Preparer (JSON
// Lines, CSV): an encoder of the same options on no file renders it, and the
// encoder of whichever file the page lands in writes the text. A page cut
// between two files (MaxRowsPerFile) is rendered again by each. It may be
// called concurrently with itself and with Write; SetColumns comes
// before.
func (d *Dir) Prepare(b *sink.Batch) {
	d.prepOnce.Do(func() {
		if d.cfg.Format == FormatParquet {
			return // no Preparer, and making one starts a file
		}
		if enc, err := d.cfg.Encoder(io.Discard, false, d.cfg.Columns); err == nil {
			d.prep, _ = enc.(sink.Preparer)
		}
	})
	if d.prep != nil {
		d.prep.Prepare(b)
	}
}

func (d *Dir) current() *File { return &d.files[len(d.files)-1] }

// ensureFile opens the current file (a new one, or the last one of a
// resume that still has room) and a fresh encoder segment on it.
func (d *Dir) ensureFile() error {
	if d.enc != nil {
		return nil
	}
	first := true
	if d.f == nil {
		reuse := d.reopenLast && d.cfg.Format != FormatParquet &&
			(d.cfg.MaxRowsPerFile == 0 || d.current().Rows < d.cfg.MaxRowsPerFile)
		d.reopenLast = false
		if reuse {
			last := d.current()
			path := filepath.Join(d.cfg.Dir, last.Name)
			h, err := hashFile(path) // the committed part, kept by the resume
			if err != nil {
				return fmt.Errorf("reopen %s: %w", last.Name, err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return fmt.Errorf("reopen %s: %w", last.Name, err)
			}
			d.track(f, last.Name, h)
			first = last.Bytes == 0
		} else {
			name := fmt.Sprintf("%s-%06d%s", d.cfg.Prefix, len(d.files)+1, d.ext)
			f, err := os.OpenFile(filepath.Join(d.cfg.Dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return fmt.Errorf("create output file: %w", err)
			}
			d.track(f, name, sha256.New())
			d.files = append(d.files, File{Name: name})
			d.created = true
			crashpoint.Hit(crashpoint.FileCreated)
		}
	} else {
		first = false
	}
	w := d.w
	switch d.cfg.Compress {
	case CompressGzip:
		d.comp = gzip.NewWriter(d.w)
		w = d.comp
	case CompressZstd:
		zw, err := zstd.NewWriter(d.w)
		if err != nil {
			return err
		}
		d.comp = zw
		w = zw
	}
	enc, err := d.cfg.Encoder(w, first, d.cfg.Columns)
	if err != nil {
		return err
	}
	d.enc = enc
	return nil
}

// endSegment flushes the encoder and ends the compression frame.
func (d *Dir) endSegment(ctx context.Context) error {
	if d.enc == nil {
		return nil
	}
	if err := d.enc.Close(ctx); err != nil {
		return fmt.Errorf("flush %s: %w", d.current().Name, err)
	}
	d.enc = nil
	if d.comp != nil {
		if err := d.comp.Close(); err != nil {
			return fmt.Errorf("compress %s: %w", d.current().Name, err)
		}
		d.comp = nil
	}
	return nil
}

// syncSize fsyncs the current file and records its size.
func (d *Dir) syncSize() error {
	if err := d.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", d.current().Name, err)
	}
	st, err := d.f.Stat()
	if err != nil {
		return err
	}
	d.current().Bytes = st.Size()
	return nil
}

// finishFile completes the current file.
func (d *Dir) finishFile() error {
	if d.f == nil {
		return nil
	}
	if err := d.endSegment(context.Background()); err != nil {
		return err
	}
	if err := d.syncSize(); err != nil {
		return err
	}
	err := d.f.Close()
	d.f, d.w = nil, nil
	return err
}

// Commit makes everything written so far durable and returns the state
// Restore takes back.
func (d *Dir) Commit(context.Context) ([]byte, error) {
	if d.f != nil {
		if d.cfg.Format == FormatParquet {
			if err := d.finishFile(); err != nil {
				return nil, err
			}
		} else {
			if err := d.endSegment(context.Background()); err != nil {
				return nil, err
			}
			if err := d.syncSize(); err != nil {
				return nil, err
			}
		}
	}
	if d.created {
		if err := fsutil.SyncDir(d.cfg.Dir); err != nil {
			return nil, err
		}
		d.created = false
	}
	st := state{Format: d.cfg.Format, Compress: orNone(d.cfg.Compress), Options: d.cfg.Options, Files: d.Files()}
	if st.Files == nil {
		st.Files = []File{}
	}
	return json.Marshal(st)
}

// headerWriter is an encoder that can write its header before any row, as
// sink.CSV does.
type headerWriter interface {
	WriteHeader(ctx context.Context, cols []sink.Column) error
}

// Close completes the last file. When no file was ever started (no row was
// written, as for an empty table) in a directory made ready by Start or
// Restore, it first creates one, so that the output holds a valid file: an
// empty JSON Lines file, a CSV file with its header, a Parquet file with
// the schema and no row. It does not write the
// manifest: call WriteManifest once the scan is known to be complete.
// Idempotent.
func (d *Dir) Close(ctx context.Context) error {
	if d.closed {
		return nil
	}
	d.closed = true
	if len(d.files) == 0 && d.ready {
		if err := d.ensureFile(); err != nil {
			return err
		}
		if hw, ok := d.enc.(headerWriter); ok && len(d.cfg.Columns) > 0 {
			if err := hw.WriteHeader(ctx, d.cfg.Columns); err != nil {
				return errors.Join(fmt.Errorf("write %s: %w", d.current().Name, err), d.finishFile())
			}
		}
	}
	return d.finishFile()
}

// Files returns the files written so far.
func (d *Dir) Files() []File { return slices.Clone(d.files) }

// Unlock releases the directory's lock. Idempotent.
func (d *Dir) Unlock() error { return d.lock.Unlock() }

// Manifest describes a complete output directory.
type Manifest struct {
	Complete bool           `json:"complete"`
	Keyspace string         `json:"keyspace"`
	Table    string         `json:"table"`
	Columns  []string       `json:"columns"`
	Format   string         `json:"format"`
	Compress string         `json:"compress"`
	Shard    string         `json:"shard"`
	Rows     int64          `json:"rows"`
	Files    []ManifestFile `json:"files"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
}

// ManifestFile is one file of a manifest, with its SHA-256.
type ManifestFile struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// WriteManifest writes manifest.json for the closed directory.
func (d *Dir) WriteManifest(m Manifest) error {
	if !d.closed {
		return errors.New("output: manifest before close")
	}
	m.Complete = true
	m.Format, m.Compress = d.cfg.Format, orNone(d.cfg.Compress)
	m.Finished = time.Now().UTC()
	if m.Started.IsZero() {
		m.Started = d.started
	}
	m.Rows = 0
	m.Files = nil
	for _, f := range d.files {
		h, ok := d.sums[f.Name] // hashed as written
		if !ok {
			// A file completed before a resume: read it once.
			var err error
			if h, err = hashFile(filepath.Join(d.cfg.Dir, f.Name)); err != nil {
				return err
			}
		}
		sum := hex.EncodeToString(h.Sum(nil))
		m.Rows += f.Rows
		m.Files = append(m.Files, ManifestFile{Name: f.Name, Rows: f.Rows, Bytes: f.Bytes, SHA256: sum})
	}
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return fsutil.WriteAtomic(filepath.Join(d.cfg.Dir, ManifestName), append(data, '\n'), 0o644)
}

func orNone(s string) string {
	if s == "" {
		return CompressNone
	}
	return s
}

// track makes f the current file, hashing what is written to it with h.
func (d *Dir) track(f *os.File, name string, h hash.Hash) {
	if d.sums == nil {
		d.sums = map[string]hash.Hash{}
	}
	d.sums[name] = h
	d.f, d.w = f, io.MultiWriter(f, h)
}

// hashFile returns the SHA-256 state of a file's content.
func hashFile(path string) (hash.Hash, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h, nil
}
