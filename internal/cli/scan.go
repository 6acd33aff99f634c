package cli

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/spf13/cobra"

	"github.com/ringscan/ringscan/internal/crashpoint"
	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/sink"
)

func newScanCmd(stdout, stderr io.Writer) *cobra.Command {
	cf := newConnFlags()
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
			sf.set = func(name string) bool { return fromCommandLine(cmd.Flags(), name) }
			jf.everySet = cmd.Flags().Changed("checkpoint-every")
			jf.everyGiven = fromCommandLine(cmd.Flags(), "checkpoint-every")
			cf.splitRowsGiven = fromCommandLine(cmd.Flags(), "partition-split-rows")
			return runScan(cmd.Context(), cf, &jf, &sf, stdout, stderr)
		},
	}
	fs := cmd.Flags()
	cf.registerConn(fs)
	cf.registerPlan(fs, true)
	cf.registerRead(fs)
	cf.registerColumns(fs)
	cf.shape.registerWhere(fs)
	cf.shape.registerTokens(fs)
	jf.register(cmd)
	sf.register(fs)
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
	cfg.CheckpointEvery = jf.checkpointEvery
	sf.normalize()
	if err := output.ValidateFormat(sf.format, sf.compress); err != nil {
		return badInput(err)
	}
	if sf.format == output.FormatParquet && !jf.everySet {
		cfg.CheckpointEvery = output.ParquetCheckpointEvery
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
	case sf.out == "-" && sf.overwrite:
		errs = append(errs, errors.New("--overwrite needs --out DIR"))
	case jf.resume && sf.overwrite:
		errs = append(errs, errors.New("--resume and --overwrite contradict each other"))
	}
	if sf.maxRows < 0 {
		errs = append(errs, fmt.Errorf("invalid --max-rows-per-file %d: want 0 (one file) or a positive number", sf.maxRows))
	}
	errs = append(errs, sf.validateCodec()...)
	errs = append(errs, checkPaths(sf.out, jf.files()))
	if err := errors.Join(errs...); err != nil {
		return badInput(err)
	}
	l, err := newLogs(jf, stderr)
	if err != nil {
		return badInput(err)
	}
	defer l.sync()
	j := newJob(*cf, *jf, l, stderr)
	defer j.close()
	if err := j.start(ctx); err != nil {
		return err
	}
	var dir *output.Dir
	if sf.out != "-" {
		// Locked before anything in it is touched; emptied (--overwrite)
		// only once the cluster and the table are known to be there.
		dir, err = output.Open(output.Config{Dir: sf.out, Prefix: cfg.Table, Format: sf.format, Compress: sf.compress,
			MaxRowsPerFile: sf.maxRows, Encoder: sf.encoderFunc(), Options: sf.options()})
		if err != nil {
			return badInput(err)
		}
		defer dir.Unlock()
	}
	if err := j.connect(ctx, cfg, nil); err != nil {
		return err
	}
	var sk sink.Sink
	var so *stdoutOut
	if dir != nil {
		dir.SetColumns(j.plan.Columns)
		if !jf.resume {
			if err := dir.Start(sf.overwrite); err != nil {
				return badInput(err)
			}
		}
		sk = dir
	} else {
		so, err = stdoutSink(stdout, sf, j.plan.Columns)
		if err != nil {
			return badInput(err)
		}
		sk = so
	}
	j.output = "stdout"
	if dir != nil {
		j.output, _ = filepath.Abs(sf.out)
	}
	res, err := j.run(ctx, sk)
	if err != nil {
		return err
	}
	runErr := res.err
	if runErr == nil && so != nil {
		if err := so.end(); err != nil {
			runErr = fmt.Errorf("write stdout: %w", err)
		}
	}
	if runErr == nil && dir != nil {
		crashpoint.Hit(crashpoint.BeforeManifest)
		shard := "0/1"
		if cfg.Shards > 1 {
			shard = fmt.Sprintf("%d/%d", cfg.Shard, cfg.Shards)
		}
		started := time.Time{}
		if j.prior != nil {
			started = j.prior.Started()
		}
		if err := dir.WriteManifest(output.Manifest{Keyspace: cfg.Keyspace, Table: cfg.Table,
			Columns: columnNames(j.plan.Columns), Shard: shard, Started: started}); err != nil {
			runErr = fmt.Errorf("write manifest: %w", err)
		}
	}
	res.obs.finish(res.stats, res.total, runErr, j.output)
	res.obs.linger(ctx)
	return exitFor(ctx, j.command, runErr, j.resumeHint(ctx, runErr, sf.out))
}

// stdoutSink is the encoder of --out -: buffered and, with --compress,
// compressed as one gzip member or zstd frame, so that
// "ringscan scan --out - --compress zstd > t.jsonl.zst" is the file
// "--out DIR" would write. The compressed stream is ended (the gzip
// trailer, the end of the zstd frame) by end, once every row was read: a
// scan that failed or was interrupted flushes the rows it wrote, whole,
// but leaves the stream unterminated, so that gunzip or zstd -d fail on
// it ("unexpected end of file") rather than pass a partial export off as
// complete. Uncompressed rows have no such end: the exit code says it.
func stdoutSink(stdout io.Writer, sf *scanFlags, cols []sink.Column) (*stdoutOut, error) {
	bw := bufio.NewWriterSize(stdout, 256<<10)
	var w io.Writer = bw
	var comp flushCloser
	switch sf.compress {
	case output.CompressGzip:
		comp = gzip.NewWriter(bw)
	case output.CompressZstd:
		zw, err := zstd.NewWriter(bw)
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		comp = zw
	}
	if comp != nil {
		w = comp
	}
	e, err := sf.encoderFunc()(w, true, cols)
	if err != nil {
		if comp != nil {
			_ = comp.Close()
		}
		return nil, err
	}
	return &stdoutOut{Sink: e, comp: comp, w: bw}, nil
}

// flushCloser is a compressor: Flush makes what was written so far
// decodable, Close ends the stream.
type flushCloser interface {
	io.WriteCloser
	Flush() error
}

// stdoutOut is the sink of --out -: Close, called by the scan however it
// ends, flushes every row written; end, called after a scan that read
// every row, ends the compressed stream.
type stdoutOut struct {
	sink.Sink
	comp flushCloser // nil without compression
	w    *bufio.Writer
}

// Prepare lets the encoder prepare a page on the goroutine that read it,
// where it can (sink.Preparer).
func (s *stdoutOut) Prepare(b *sink.Batch) {
	if p, ok := s.Sink.(sink.Preparer); ok {
		p.Prepare(b)
	}
}

func (s *stdoutOut) Close(ctx context.Context) error {
	err := s.Sink.Close(ctx)
	if s.comp != nil {
		if ferr := s.comp.Flush(); ferr != nil && err == nil {
			err = ferr
		}
	}
	if err != nil {
		return err
	}
	return s.w.Flush()
}

// end ends the compressed stream, after Close.
func (s *stdoutOut) end() error {
	if s.comp == nil {
		return nil
	}
	if err := s.comp.Close(); err != nil {
		return err
	}
	return s.w.Flush()
}
