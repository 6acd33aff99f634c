package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/ringscan/ringscan/internal/fsutil"
	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// jobFlags are the flags of commands that run a scan (scan, count).
type jobFlags struct {
	checkpoint      string
	resume          bool
	checkpointEvery time.Duration
	// everySet says --checkpoint-every was given (on the command line, in
	// $RINGSCAN_CHECKPOINT_EVERY or in a settings file), not left at its
	// default.
	everySet bool
	// everyGiven says --checkpoint-every was given on the command line,
	// where it is refused without --checkpoint (from the environment or a
	// settings file it may be meant for the runs that have one).
	everyGiven    bool
	quiet         bool
	report        string
	metricsAddr   string
	metricsLinger time.Duration
	metricsFile   string
	logLevel      string
	logFormat     string
}

func (f *jobFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.checkpoint, "checkpoint", "", "record progress in this file (created 0600 with any missing directories, locked while the scan runs), every --checkpoint-every and when the scan ends")
	fs.BoolVar(&f.resume, "resume", false, "continue the scan recorded in --checkpoint")
	every := "how often the checkpoint is saved"
	if cmd.Name() == "scan" {
		every += fmt.Sprintf(" (with --format parquet, where every save finishes the file being written: %v unless set)", output.ParquetCheckpointEvery)
	}
	fs.DurationVar(&f.checkpointEvery, "checkpoint-every", scanner.DefaultCheckpointEvery, every)
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar or status lines")
	fs.StringVar(&f.report, "report", "", "write a per-range JSON report (rows, bytes, pages, duration, retries, host) to this file (0600) when the scan ends, however it ends; "+
		"an existing file is replaced, atomically, as --metrics-file is (a --resume rewrites it with every run's id)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address, e.g. :9100")
	fs.DurationVar(&f.metricsLinger, "metrics-linger", 0, "with --metrics-addr, keep serving the final metrics this long after the scan, e.g. 1m, so that a short scan is scraped")
	fs.StringVar(&f.metricsFile, "metrics-file", "", "write the ringscan_* metrics to this file in the Prometheus text format (atomically, every 10s and at the end), e.g. for node_exporter's textfile collector (name it *.prom)")
	fs.StringVar(&f.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	fs.StringVar(&f.logFormat, "log-format", "console", "log format: json or console")
}

func (f *jobFlags) validate() error {
	if f.resume && f.checkpoint == "" {
		return errors.New("--resume needs --checkpoint FILE: the file that records the scan to continue")
	}
	if f.checkpointEvery <= 0 {
		return fmt.Errorf("invalid --checkpoint-every %v: want a positive duration such as 5s", f.checkpointEvery)
	}
	if f.everyGiven && f.checkpoint == "" {
		return errors.New("--checkpoint-every needs --checkpoint FILE: it says how often that file is saved")
	}
	if f.metricsAddr != "" {
		if _, port, err := net.SplitHostPort(f.metricsAddr); err != nil || port == "" {
			return fmt.Errorf("invalid --metrics-addr %q: want host:port or :port, e.g. :9100 or 127.0.0.1:9100", f.metricsAddr)
		}
	}
	switch {
	case f.metricsLinger < 0:
		return fmt.Errorf("invalid --metrics-linger %v: want a positive duration such as 1m, or 0 for none", f.metricsLinger)
	case f.metricsLinger > 0 && f.metricsAddr == "":
		return errors.New("--metrics-linger needs --metrics-addr: it keeps that endpoint up after the scan")
	}
	return nil
}

// files are the files a job writes besides its output, by flag, for
// checkPaths.
func (f *jobFlags) files() [][2]string {
	return [][2]string{{"--checkpoint", f.checkpoint}, {"--report", f.report}, {"--metrics-file", f.metricsFile}}
}

// checkPaths refuses files that collide: two flags naming the same file
// (the checkpoint's lock file included), or a file inside the output
// directory, which ringscan owns. files maps a flag to its path; "" is
// skipped.
func checkPaths(out string, files [][2]string) error {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		// Resolve symbolic links in the part of the path that exists: its
		// longest existing ancestor, as the directories below it (a new
		// --out's, a new --checkpoint's) are created there.
		rest := filepath.Base(a)
		for dir := filepath.Dir(a); ; dir = filepath.Dir(dir) {
			if d, err := filepath.EvalSymlinks(dir); err == nil {
				return filepath.Join(d, rest)
			}
			if filepath.Dir(dir) == dir {
				return a
			}
			rest = filepath.Join(filepath.Base(dir), rest)
		}
	}
	seen := map[string]string{}
	var errs []error
	claim := func(flag, path string) {
		if prev, ok := seen[path]; ok {
			errs = append(errs, fmt.Errorf("%s and %s name the same file %s: give each its own path", prev, flag, path))
			return
		}
		seen[path] = flag
	}
	outAbs := ""
	if out != "" && out != "-" {
		outAbs = abs(out)
	}
	for _, f := range files {
		flag, path := f[0], f[1]
		if path == "" {
			continue
		}
		p := abs(path)
		claim(flag, p)
		if flag == "--checkpoint" {
			claim("--checkpoint's lock file", p+".lock")
		}
		if outAbs != "" && (p == outAbs || strings.HasPrefix(p, outAbs+string(filepath.Separator))) {
			errs = append(errs, fmt.Errorf("%s %s is inside --out %s: keep it outside the output directory, which ringscan owns", flag, path, out))
		}
	}
	return errors.Join(errs...)
}

// probeFile fails at start, with a clear message, when a file written at
// the end (--report, --metrics-file) cannot be: the directory must exist
// and be writable, and an existing file must be a regular file.
func probeFile(flag, path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("invalid %s %s: not a regular file", flag, path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".ringscan-probe-*")
	if err != nil {
		return fmt.Errorf("invalid %s %s: its directory is not writable: %w", flag, path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// job is one scan run by a command.
type job struct {
	conn   connFlags
	flags  jobFlags
	stderr io.Writer
	runID  string
	// log and events carry the run id; dropped counts the log lines
	// sampling dropped.
	log, events *zap.Logger
	dropped     *atomic.Int64
	output      string // where the rows go, for the start event; "" for none

	metricsLn net.Listener        // bound at start, served by the observer
	store     *scanner.FileStore  // nil without --checkpoint
	prior     *scanner.Checkpoint // the checkpoint resumed; nil for a new scan
	session   *gocql.Session
	sc        *scanner.Scanner
	plan      *scanner.Plan
	obs       *observer // once run
	// countSizing says how a count on the server's size estimates split
	// its plan further, for the start line; "" when they did not.
	countSizing string
	// command is the command that runs the job, for the summary and the
	// error line: "scan" (newJob's) or "count".
	command string
	// saved is set once this run saved the checkpoint.
	saved atomic.Bool
	// resumeWithout names what a resume of this run must leave off
	// (count's "--by host"), for resumeHint; "" for nothing.
	resumeWithout string
}

func newJob(cf connFlags, jf jobFlags, l *logs, stderr io.Writer) *job {
	j := &job{command: "scan", conn: cf, flags: jf, stderr: stderr, runID: scanner.NewRunID(), dropped: l.dropped}
	j.log = l.log.With(zap.String("run_id", j.runID))
	if l.events != nil {
		j.events = l.events.With(zap.String("run_id", j.runID))
	}
	return j
}

// runs lists the ids of the scan's runs, this one last; nil without a
// checkpoint, which is what records them.
func (j *job) runs() []string {
	switch {
	case j.store == nil:
		return nil
	case j.prior != nil:
		return append(j.prior.RunIDs(), j.runID)
	}
	return []string{j.runID}
}

// start takes, before anything is created or deleted, everything that may
// refuse the run: the metrics address, the report path, and the
// checkpoint, locked for the run, whose existence must match --resume.
// A new scan's checkpoint directory is created here, if missing.
func (j *job) start(ctx context.Context) error {
	for _, f := range [][2]string{{"--report", j.flags.report}, {"--metrics-file", j.flags.metricsFile}} {
		if err := probeFile(f[0], f[1]); err != nil {
			return badInput(err)
		}
	}
	if j.flags.metricsAddr != "" {
		ln, err := net.Listen("tcp", j.flags.metricsAddr)
		if err != nil {
			return badInput(fmt.Errorf("invalid --metrics-addr %s: %w", j.flags.metricsAddr, err))
		}
		j.metricsLn = ln
	}
	if j.flags.checkpoint == "" {
		return nil
	}
	noCheckpoint := badInput(fmt.Errorf("cannot resume: no checkpoint at %s: run without --resume to start the scan", j.flags.checkpoint))
	// A new scan creates the checkpoint's directory, as --out's is; a
	// resume does not, since there is nothing there to resume.
	dir := filepath.Dir(j.flags.checkpoint)
	if j.flags.resume {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return noCheckpoint
		}
	} else if err := fsutil.MkdirAll(dir); err != nil {
		return badInput(fmt.Errorf("cannot use --checkpoint %s: its directory cannot be created: %w", j.flags.checkpoint, err))
	}
	store, err := scanner.OpenFileStore(j.flags.checkpoint)
	if err != nil {
		return badInput(fmt.Errorf("cannot use --checkpoint %s: %w", j.flags.checkpoint, err))
	}
	j.store = store
	cp, err := scanner.LoadCheckpoint(ctx, store)
	switch {
	case err == nil && !j.flags.resume:
		return badInput(fmt.Errorf("checkpoint %s already exists: use --resume to continue it, or remove it to start over", j.flags.checkpoint))
	case errors.Is(err, scanner.ErrNoCheckpoint) && j.flags.resume:
		return noCheckpoint
	case errors.Is(err, scanner.ErrNoCheckpoint):
	case err != nil && !j.flags.resume:
		return badInput(fmt.Errorf("--checkpoint %s exists but cannot be used: %w; remove it to start over, or give another --checkpoint", j.flags.checkpoint, err))
	case err != nil:
		return badInput(fmt.Errorf("cannot resume from %s: %w", j.flags.checkpoint, err))
	}
	j.prior = cp
	return nil
}

// connect connects to the cluster and plans the scan; project, if set,
// makes the plan read what the command needs (count: tokens only, or the
// partition key).
func (j *job) connect(ctx context.Context, cfg scanner.Config, project func(*scanner.Plan) (*scanner.Plan, error)) error {
	s, err := j.conn.session(ctx, j.log)
	if err != nil {
		if ctx.Err() != nil {
			return &exitError{code: ExitInterrupted, err: fmt.Errorf("interrupted while connecting: %w", context.Cause(ctx))}
		}
		return badInput(err)
	}
	j.session = s
	j.sc, err = scanner.New(s, cfg, scanner.WithLogger(j.log), scanner.WithRunID(j.runID))
	if err != nil {
		return badInput(err)
	}
	if j.plan, err = j.sc.Plan(ctx); err != nil {
		return badInput(err)
	}
	if project != nil {
		if j.plan, err = project(j.plan); err != nil {
			return badInput(err)
		}
	}
	if j.prior != nil {
		// What the start line, the progress, the report and count --by
		// range show is the plan the checkpoint recorded, which the run
		// reads, not the one these flags would plan now (another --splits,
		// other size estimates). A checkpoint of another scan is refused
		// by the run, with its one-line error.
		if q, err := j.plan.ForCheckpoint(j.prior); err == nil {
			j.plan = q
		}
	}
	return nil
}

func (j *job) close() {
	if j.obs != nil {
		j.obs.shutdown()
	}
	if j.session != nil {
		j.session.Close()
	}
	if j.store != nil {
		_ = j.store.Close()
	}
	if j.metricsLn != nil {
		_ = j.metricsLn.Close() // served and closed by the observer, or never served
	}
}

// scanResult is what a job's run read: the statistics of this run, the
// rows written by every run (resumed ones too), the scan's error, and the
// observer whose summary the caller writes.
type scanResult struct {
	obs   *observer
	stats scanner.Stats
	total int64
	err   error
}

// run reads the plan into sk, with the checkpoint store (if any), the
// progress display and metrics. The returned error is about starting the
// observers; the scan's own is the result's.
func (j *job) run(ctx context.Context, sk sink.Sink, extra ...scanner.Hooks) (scanResult, error) {
	obs, err := j.observe(ctx, j.stderr)
	if err != nil {
		_ = sk.Close(ctx)
		return scanResult{}, badInput(err)
	}
	opts := []scanner.Option{}
	for _, h := range append(obs.hooks(), extra...) {
		opts = append(opts, scanner.WithHooks(h))
	}
	if j.store != nil {
		opts = append(opts, scanner.WithCheckpoint(j.store),
			scanner.WithHooks(scanner.Hooks{CheckpointSaved: func(_ int64, err error) {
				if err == nil {
					j.saved.Store(true)
				}
			}}))
	}
	res := scanResult{obs: obs}
	j.started(j.output)
	res.stats, res.err = j.sc.RunPlan(ctx, j.plan, sk, opts...)
	obs.stop()
	if errors.Is(res.err, scanner.ErrCannotResume) {
		res.err = fmt.Errorf("%w from %s: %s", scanner.ErrCannotResume, j.flags.checkpoint,
			strings.TrimPrefix(res.err.Error(), scanner.ErrCannotResume.Error()+": "))
	}
	res.total = res.stats.Rows
	if j.prior != nil {
		res.total += j.prior.Rows()
	}
	return res, nil
}

// exitFor maps the error of a scan run by command (job.command) to
// an exit error; hint, if any, ends its line and tells the user how to go
// on (resumeHint).
func exitFor(ctx context.Context, command string, err error, hint string) error {
	if err == nil {
		return nil
	}
	withHint := func(err error) error {
		if hint == "" {
			return err
		}
		return fmt.Errorf("%w; %s", err, hint)
	}
	var partial *scanner.PartialError
	switch {
	case errors.Is(err, scanner.ErrCannotResume):
		return badInput(err)
	case ctx.Err() != nil:
		return &exitError{code: ExitInterrupted, err: withHint(fmt.Errorf("interrupted: %w", context.Cause(ctx)))}
	case errors.As(err, &partial):
		return &exitError{code: ExitPartial, err: withHint(err)}
	}
	return &exitError{code: ExitAborted, err: withHint(fmt.Errorf("%s aborted: %w", command, err))}
}

// resumeHint says how to go on after a scan that ended with err, written
// to out ("" or "-" for no directory): with a checkpoint, that --resume
// continues it (it reads the failed ranges again too), once a checkpoint
// was saved (by this run or the one it resumes: each save replaces the
// file atomically, so the file is always one that resumes); without one,
// after an interrupt, that the partial files must be overwritten. ""
// when there is nothing to say.
func (j *job) resumeHint(ctx context.Context, err error, out string) string {
	if err == nil || errors.Is(err, scanner.ErrCannotResume) {
		return ""
	}
	interrupted := ctx.Err() != nil
	if j.store == nil {
		if interrupted && out != "" && out != "-" {
			return fmt.Sprintf("no checkpoint: %s holds partial files; rerun with --overwrite (and --checkpoint to be able to resume)", out)
		}
		return ""
	}
	if j.prior == nil && !j.saved.Load() {
		if interrupted {
			return "no checkpoint was saved yet: rerun the same command to start again"
		}
		return ""
	}
	rerun := "rerun the same command with --resume"
	if j.resumeWithout != "" {
		rerun = fmt.Sprintf("rerun it with --resume and without %s, which a resume cannot show,", j.resumeWithout)
	}
	var partial *scanner.PartialError
	if !interrupted && errors.As(err, &partial) {
		what := "the failed range"
		if n := len(partial.Failed); n != 1 {
			what = fmt.Sprintf("the %d failed ranges", n)
		}
		return fmt.Sprintf("checkpoint saved to %s; %s to read %s again", j.flags.checkpoint, rerun, what)
	}
	return fmt.Sprintf("checkpoint saved to %s; %s to continue", j.flags.checkpoint, rerun)
}

// columnNames lists the names of columns.
func columnNames(cols []sink.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}
