package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/ringscan/ringscan/internal/checkpoint"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// jobFlags are the flags of commands that run a scan (scan, count).
type jobFlags struct {
	checkpoint      string
	resume          bool
	checkpointEvery time.Duration
	quiet           bool
	report          string
	metricsAddr     string
	logLevel        string
	logFormat       string
}

func (f *jobFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.checkpoint, "checkpoint", "", "record progress in this file, atomically, every --checkpoint-every and on SIGINT/SIGTERM")
	fs.BoolVar(&f.resume, "resume", false, "continue the scan recorded in --checkpoint")
	fs.DurationVar(&f.checkpointEvery, "checkpoint-every", 5*time.Second, "how often the checkpoint is saved")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar or status lines")
	fs.StringVar(&f.report, "report", "", "write a per-range JSON report (rows, bytes, pages, duration, retries, host) to this file")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address, e.g. :9100")
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
	// A malformed --metrics-addr fails here, before the output directory
	// and the checkpoint are created; one already in use fails when the
	// endpoint starts.
	if f.metricsAddr != "" {
		if _, port, err := net.SplitHostPort(f.metricsAddr); err != nil || port == "" {
			return fmt.Errorf("invalid --metrics-addr %q: want host:port or :port, e.g. :9100 or 127.0.0.1:9100", f.metricsAddr)
		}
	}
	return nil
}

// committer is a sink whose writes can be made durable at a checkpoint.
type committer interface {
	Commit() ([]checkpoint.File, error)
}

// job is one scan run by a command.
type job struct {
	conn   connFlags
	flags  jobFlags
	log    *zap.Logger
	stderr io.Writer

	session *gocql.Session
	sc      *scanner.Scanner
	plan    *scanner.Plan
	state   *checkpoint.State
	from    map[int]worker.Cursor
}

// open connects, plans the scan and loads or starts the checkpoint. output
// names the sink kind for the checkpoint identity. project, if set, chooses
// the columns from the plan (count reads the partition key only).
func (j *job) open(ctx context.Context, cfg scanner.Config, output string, project func(*scanner.Plan) []string) error {
	s, err := j.conn.session(j.log)
	if err != nil {
		return badInput(err)
	}
	j.session = s
	j.sc, err = scanner.New(s, cfg, scanner.WithLogger(j.log))
	if err != nil {
		return badInput(err)
	}
	if j.plan, err = j.sc.Plan(ctx); err != nil {
		return badInput(err)
	}
	if project != nil {
		if j.plan, err = j.plan.Project(project(j.plan)); err != nil {
			return badInput(err)
		}
	}
	id := checkpoint.Identity{Keyspace: cfg.Keyspace, Table: cfg.Table, Columns: columnNames(j.plan.Columns),
		Plan: j.plan.Full.Fingerprint(), Shard: checkpoint.ShardString(cfg.Shard, cfg.Shards), Output: output}
	if j.flags.resume {
		st, err := checkpoint.Load(j.flags.checkpoint)
		if err != nil {
			return badInput(fmt.Errorf("cannot resume: %w", err))
		}
		if err := st.Check(id); err != nil {
			return badInput(fmt.Errorf("cannot resume from %s: %w", j.flags.checkpoint, err))
		}
		if j.from, err = st.Cursors(j.plan.Ring.Partitioner()); err != nil {
			return badInput(fmt.Errorf("cannot resume: %w", err))
		}
		j.state = st
		return j.addPieces()
	}
	j.state = checkpoint.New(id)
	if j.flags.checkpoint != "" {
		if _, err := os.Stat(j.flags.checkpoint); err == nil {
			return badInput(fmt.Errorf("checkpoint %s already exists: use --resume to continue it, or remove it to start over", j.flags.checkpoint))
		}
		if err := j.state.Save(j.flags.checkpoint); err != nil {
			return badInput(fmt.Errorf("cannot write --checkpoint: %w", err))
		}
	}
	return nil
}

func (j *job) close() {
	if j.session != nil {
		j.session.Close()
	}
}

// checkpointHooks records every page the sink took and saves the checkpoint
// every --checkpoint-every, after committing the output. It runs on the
// pool's writer goroutine, between two sink writes, so the cursors saved
// match exactly the rows committed.
func (j *job) checkpointHooks(c committer) (worker.Hooks, func() error) {
	var mu sync.Mutex
	last := time.Now()
	var saveErr error
	save := func() error {
		if j.flags.checkpoint == "" {
			return nil
		}
		if c != nil {
			files, err := c.Commit()
			if err != nil {
				return err
			}
			j.state.SetFiles(files)
		}
		return j.state.Save(j.flags.checkpoint)
	}
	hooks := worker.Hooks{RangeSplit: j.state.Split, PageWritten: func(id int, cur worker.Cursor, rows int) {
		j.state.Update(id, cur, rows)
		mu.Lock()
		defer mu.Unlock()
		if j.flags.checkpoint == "" || time.Since(last) < j.flags.checkpointEvery || saveErr != nil {
			return
		}
		last = time.Now()
		if err := save(); err != nil {
			saveErr = err
			j.log.Error("checkpoint not saved", zap.Error(err))
		}
	}}
	final := func() error {
		mu.Lock()
		defer mu.Unlock()
		if saveErr != nil {
			return saveErr
		}
		return save()
	}
	return hooks, final
}

// addPieces adds to the plan the subranges that earlier runs split off
// running ones, with the replicas of the planned subrange they came from.
func (j *job) addPieces() error {
	pieces, err := j.state.Pieces(j.plan.Ring.Partitioner())
	if err != nil {
		return badInput(fmt.Errorf("cannot resume: %w", err))
	}
	if len(pieces) == 0 {
		return nil
	}
	planned := map[int]ring.Subrange{}
	for _, sr := range j.plan.Subranges {
		planned[sr.ID] = sr
	}
	p := *j.plan
	p.Subranges = slices.Clone(p.Subranges)
	for _, pc := range pieces {
		root, ok := planned[j.state.Root(pc.ID)]
		if !ok {
			return badInput(fmt.Errorf("cannot resume: checkpoint range %d was split off range %d, which is not in this plan", pc.ID, j.state.Root(pc.ID)))
		}
		p.Subranges = append(p.Subranges, ring.Subrange{ID: pc.ID, Range: pc.Range, Vnode: root.Vnode,
			Replicas: root.Replicas, Share: pc.Range.Share()})
	}
	j.plan = &p
	return nil
}

// scanResult is what a job's run read: the statistics of this run, the
// rows written by every run (resumed ones too), the scan's error, and the
// observer whose summary the caller writes.
type scanResult struct {
	obs   *observer
	stats worker.Stats
	total int64
	err   error
}

// run reads the plan into sk with the checkpoint hooks (committing c, if
// any, at each save) and the progress display, then saves the checkpoint
// a last time; a failed final save is the result's error when the scan
// itself succeeded. The returned error is about starting the run.
func (j *job) run(ctx context.Context, sk sink.Sink, c committer) (scanResult, error) {
	hooks, saveFinal := j.checkpointHooks(c)
	obs, err := j.observe(ctx, j.stderr)
	if err != nil {
		return scanResult{}, badInput(err)
	}
	res := scanResult{obs: obs}
	res.stats, res.err = j.sc.RunPlan(ctx, j.plan, j.from, sk, scanner.WithHooks(combine(hooks, obs.hooks())))
	obs.stop()
	if err := saveFinal(); err != nil {
		j.log.Error("final checkpoint not saved", zap.Error(err))
		if res.err == nil {
			res.err = fmt.Errorf("final checkpoint: %w", err)
		}
	}
	res.total, _, _ = j.state.Snapshot()
	return res, nil
}

// exitFor maps a scan's error to an exit error.
func exitFor(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var partial *worker.PartialError
	switch {
	case ctx.Err() != nil:
		return &exitError{code: ExitInterrupted, err: fmt.Errorf("interrupted: %w", context.Cause(ctx))}
	case errors.As(err, &partial):
		return &exitError{code: ExitPartial, err: err}
	}
	return &exitError{code: ExitAborted, err: fmt.Errorf("scan aborted: %w", err)}
}

// columnNames lists the names of columns.
func columnNames(cols []sink.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}
