package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/ringscan/ringscan/internal/observe"
	"github.com/ringscan/ringscan/scanner"
)

// newLogger builds the zap logger of --log-level and --log-format.
func newLogger(level, format string, w io.Writer) (*zap.Logger, error) {
	return observe.NewLogger(level, format, w)
}

// logs are the loggers of a job: log for its log lines (sampled, at
// --log-level), events for its start, progress and summary under
// --log-format json (nil under console, which writes them for people).
type logs struct {
	log, events *zap.Logger
	dropped     *atomic.Int64 // log lines dropped by sampling
}

func newLogs(jf *jobFlags, w io.Writer) (*logs, error) {
	l := &logs{dropped: new(atomic.Int64)}
	var err error
	if l.log, err = observe.NewLogger(jf.logLevel, jf.logFormat, w, observe.WithDropCounter(l.dropped)); err != nil {
		return nil, err
	}
	if strings.EqualFold(jf.logFormat, "json") {
		l.events = observe.NewEventLogger(w)
	}
	return l, nil
}

func (l *logs) sync() {
	_ = l.log.Sync()
	if l.events != nil {
		_ = l.events.Sync()
	}
}

// observer runs a job's progress display, metrics endpoint and report.
type observer struct {
	j        *job
	stderr   io.Writer
	tracker  *observe.Tracker
	metrics  *observe.Metrics
	cancel   context.CancelFunc
	done     chan struct{}
	serveErr chan error
	skipped  int // subranges done by earlier runs of a resumed scan
}

// observe starts the progress display (unless --quiet) and the metrics
// endpoint (with --metrics-addr).
func (j *job) observe(ctx context.Context, stderr io.Writer) (*observer, error) {
	o := &observer{j: j, stderr: stderr, done: make(chan struct{})}
	prior := observe.Prior{Cursors: map[int]scanner.Cursor{}}
	if j.prior != nil {
		prior.Rows = j.prior.Rows()
		for _, p := range j.prior.Progress() {
			prior.Cursors[p.ID] = p.Cursor
			if p.Done && p.Parent < 0 {
				o.skipped++
			}
		}
	}
	o.tracker = observe.NewTracker(j.plan.Subranges, prior)
	pctx, cancel := context.WithCancel(ctx)
	o.cancel = cancel
	if j.flags.metricsAddr != "" {
		reg := prometheus.NewRegistry()
		m, err := observe.NewMetrics(reg)
		if err != nil {
			cancel()
			return nil, err
		}
		m.SetRanges(len(j.plan.Subranges), o.skipped)
		srv := observe.ServeMetrics(j.metricsLn, reg)
		j.metricsLn = nil // the server closes it
		o.metrics = m
		o.serveErr = make(chan error, 1)
		go func() { o.serveErr <- srv.Serve(pctx) }()
	}
	go func() {
		defer close(o.done)
		if !j.flags.quiet {
			_ = observe.RunProgress(pctx, stderr, o.tracker, observe.ProgressOptions{Events: j.events})
		}
	}()
	return o, nil
}

func (o *observer) hooks() []scanner.Hooks {
	h := []scanner.Hooks{o.tracker.Hooks(), observe.LogHooks(o.j.log)}
	if o.metrics != nil {
		h = append(h, o.metrics.Hooks())
	}
	return h
}

// stop ends the progress display and the metrics endpoint.
func (o *observer) stop() {
	o.cancel()
	<-o.done
	if o.serveErr != nil {
		<-o.serveErr
	}
}

// finish writes the report and, unless quiet, the summary: text, or a
// "summary" event under --log-format json.
func (o *observer) finish(st scanner.Stats, total int64, runErr error, where string) {
	j := o.j
	started := time.Now().Add(-st.Elapsed)
	if j.prior != nil {
		started = j.prior.Started()
	}
	cfg := j.sc.Config()
	if j.flags.report != "" {
		meta := observe.ReportMeta{Keyspace: cfg.Keyspace, Table: cfg.Table,
			Started: started, Plan: j.plan.Full.Fingerprint(), Err: runErr, RunID: j.runID, Runs: j.runs()}
		if err := observe.WriteReport(j.flags.report, st, meta); err != nil {
			j.log.Error("report not written", zap.Error(err))
			fmt.Fprintf(o.stderr, "ringscan: report not written: %v\n", err)
		}
	}
	if j.flags.quiet {
		return
	}
	info := observe.SummaryInfo{Keyspace: cfg.Keyspace, Table: cfg.Table, Skipped: o.skipped, PriorRows: total - st.Rows,
		RunID: j.runID, Output: where, DroppedLogLines: j.dropped.Load()}
	if j.events != nil {
		observe.LogSummary(j.events, st, info, runErr)
		return
	}
	_ = observe.WriteSummary(o.stderr, st, info)
}

// started logs the start of the scan: an event under --log-format json, a
// line at info level otherwise (the progress bar shows it to people).
func (j *job) started(sk string) {
	cfg := j.sc.Config()
	shard := fmt.Sprintf("%d/%d", cfg.Shard, max(cfg.Shards, 1))
	fields := []zap.Field{zap.String("keyspace", cfg.Keyspace), zap.String("table", cfg.Table),
		zap.Strings("columns", columnNames(j.plan.Columns)), zap.Int("ranges", len(j.plan.Subranges)),
		zap.String("plan", j.plan.Full.Fingerprint()), zap.String("shard", shard), zap.Int("concurrency", cfg.Concurrency),
		zap.Bool("resumed", j.prior != nil)}
	if sk != "" {
		fields = append(fields, zap.String("output", sk))
	}
	if j.events != nil && !j.flags.quiet {
		j.events.Info("scan started", fields...)
		return
	}
	j.log.Info("scan started", fields...)
}
