package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/sink"
)

// scanFlags are the output flags of "ringscan scan".
type scanFlags struct {
	format      string
	out         string
	maxRows     int64
	compress    string
	overwrite   bool
	csvNull     string
	csvNoHeader bool
}

// encoderFunc returns the encoder factory for a format.
func encoderFunc(format string, f *scanFlags) output.EncoderFunc {
	switch format {
	case output.FormatCSV:
		return func(w io.Writer, first bool, _ []sink.Column) (sink.Sink, error) {
			return sink.NewCSV(w, sink.CSVConfig{NoHeader: !first || f.csvNoHeader, Null: f.csvNull})
		}
	case output.FormatParquet:
		return newParquetEncoder
	}
	return func(w io.Writer, _ bool, _ []sink.Column) (sink.Sink, error) { return sink.NewJSONLines(w), nil }
}

func newScanCmd(stdout, stderr io.Writer) *cobra.Command {
	var cf connFlags
	var jf jobFlags
	var sf scanFlags
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Export a whole table to JSON Lines, CSV or Parquet files, or to stdout",
		Long: `scan reads every row of a table in parallel, each token subrange from one of
its replicas, and writes the rows to rotating files in --out DIR (or to
stdout with --out -). A manifest.json is written when every row has been read:
a directory without it is incomplete. With --checkpoint the scan can be
killed at any moment and continued with --resume, without losing or
duplicating a row.`,
		Example: `  ringscan scan -k shop -t orders --out ./orders --format jsonl --compress zstd
  ringscan scan -k shop -t orders --out - --columns id,total --format csv
  ringscan scan -k shop -t orders --out ./orders --checkpoint orders.ckpt      # later: add --resume`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runScan(cmd.Context(), &cf, &jf, &sf, stdout, stderr)
		},
	}
	cf.register(cmd)
	jf.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&sf.format, "format", "jsonl", "output format: jsonl, csv or parquet")
	fs.StringVar(&sf.out, "out", "", "output directory, created if missing, or - for stdout (required)")
	fs.Int64Var(&sf.maxRows, "max-rows-per-file", 0, "start a new file after this many rows (0: one file)")
	fs.StringVar(&sf.compress, "compress", "none", "compression of jsonl and csv files: none, gzip or zstd")
	fs.BoolVar(&sf.overwrite, "overwrite", false, "replace the ringscan files of a non-empty --out directory")
	fs.StringVar(&sf.csvNull, "csv-null", "", "text written for a null in csv (default empty)")
	fs.BoolVar(&sf.csvNoHeader, "csv-no-header", false, "no header row in csv files")
	return cmd
}

func runScan(ctx context.Context, cf *connFlags, jf *jobFlags, sf *scanFlags, stdout, stderr io.Writer) error {
	cfg, err := cf.scannerConfig()
	if err != nil {
		return badInput(err)
	}
	if err := jf.validate(); err != nil {
		return badInput(err)
	}
	if err := output.ValidateFormat(sf.format, sf.compress); err != nil {
		return badInput(err)
	}
	var errs []error
	switch {
	case sf.out == "":
		errs = append(errs, errors.New("--out is required: a directory, or - for stdout"))
	case sf.out == "-" && jf.checkpoint != "":
		errs = append(errs, errors.New("--checkpoint needs --out DIR: output already sent to stdout cannot be taken back on resume"))
	case sf.out == "-" && sf.maxRows > 0:
		errs = append(errs, errors.New("--max-rows-per-file needs --out DIR"))
	case sf.out == "-" && sf.format == output.FormatParquet:
		errs = append(errs, errors.New("--format parquet needs --out DIR: Parquet files are not streamable"))
	case jf.resume && sf.overwrite:
		errs = append(errs, errors.New("--resume and --overwrite contradict each other"))
	}
	if sf.maxRows < 0 {
		errs = append(errs, fmt.Errorf("invalid --max-rows-per-file %d: want 0 (one file) or a positive number", sf.maxRows))
	}
	if sf.format == output.FormatCSV {
		if err := (sink.CSVConfig{Null: sf.csvNull}).Validate(); err != nil {
			errs = append(errs, fmt.Errorf("invalid --csv-null %q: want text that needs no CSV quotes (no comma, '\"', line break or leading space)", sf.csvNull))
		}
	}
	if len(errs) > 0 {
		return badInput(errors.Join(errs...))
	}
	log, err := newLogger(jf.logLevel, jf.logFormat, stderr)
	if err != nil {
		return badInput(err)
	}
	defer func() { _ = log.Sync() }()
	if sf.out != "-" && !jf.resume {
		if err := output.Prepare(sf.out, cfg.Table, sf.format, sf.compress, sf.overwrite); err != nil {
			return badInput(err)
		}
	}
	if sf.out != "-" && jf.resume {
		if err := os.MkdirAll(sf.out, 0o755); err != nil {
			return badInput(fmt.Errorf("output directory %s cannot be created: %w", sf.out, err))
		}
	}
	j := &job{conn: *cf, flags: *jf, log: log, stderr: stderr}
	defer j.close()
	if err := j.open(ctx, cfg, outputKind(sf.format, sf.compress), nil); err != nil {
		return err
	}
	enc := encoderFunc(sf.format, sf)
	var sk sink.Sink
	var dir *output.Dir
	if sf.out == "-" {
		bw := bufio.NewWriterSize(stdout, 256<<10)
		e, err := enc(bw, true, j.plan.Columns)
		if err != nil {
			return badInput(err)
		}
		sk = flushOnClose{Sink: e, w: bw}
	} else {
		var resumeFiles = j.state.Files
		if !jf.resume {
			resumeFiles = nil
		}
		dir, err = output.Open(output.Config{Dir: sf.out, Prefix: cfg.Table, Format: sf.format, Compress: sf.compress,
			MaxRowsPerFile: sf.maxRows, Encoder: enc, Columns: j.plan.Columns}, resumeFiles)
		if err != nil {
			return badInput(err)
		}
		sk = dir
	}
	var c committer
	if dir != nil {
		c = dir
	}
	res, err := j.run(ctx, sk, c)
	if err != nil {
		return err
	}
	runErr := res.err
	if runErr == nil && dir != nil {
		if err := dir.WriteManifest(output.Manifest{Keyspace: cfg.Keyspace, Table: cfg.Table,
			Columns: columnNames(j.plan.Columns), Shard: j.state.Identity.Shard, Started: j.state.Started}); err != nil {
			runErr = fmt.Errorf("write manifest: %w", err)
		}
	}
	where := "stdout"
	if dir != nil {
		abs, _ := filepath.Abs(sf.out)
		where = abs
	}
	res.obs.finish(res.stats, res.total, runErr, where)
	return exitFor(ctx, runErr)
}

// outputKind names the sink for checkpoint identities.
func outputKind(format, compress string) string {
	if compress == "" || compress == output.CompressNone {
		return format
	}
	return format + "+" + compress
}

// flushOnClose flushes a buffered writer when the encoder closes.
type flushOnClose struct {
	sink.Sink
	w *bufio.Writer
}

func (f flushOnClose) Close(ctx context.Context) error {
	if err := f.Sink.Close(ctx); err != nil {
		return err
	}
	return f.w.Flush()
}
