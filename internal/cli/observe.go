package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
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

// observer runs a job's progress display, metrics endpoint and file, and
// report.
type observer struct {
	j       *job
	stderr  io.Writer
	tracker *observe.Tracker
	metrics *observe.Metrics
	reg     *prometheus.Registry // nil without --metrics-addr or --metrics-file
	skipped int                  // subranges done by earlier runs of a resumed scan

	// The progress display and the periodic metrics file stop with the
	// scan (stop); the endpoint after --metrics-linger (shutdown).
	cancel   context.CancelFunc
	done     chan struct{}
	cancelMx context.CancelFunc
	mxDone   chan struct{}
	serveErr chan error
	addr     string // the endpoint's address
	once     sync.Once
}

// metricsFileEvery is how often --metrics-file is rewritten while a scan
// runs; it is written once more when the scan ends.
const metricsFileEvery = 10 * time.Second

// observe starts the progress display (unless --quiet), the metrics
// endpoint (with --metrics-addr) and the periodic metrics file (with
// --metrics-file).
func (j *job) observe(ctx context.Context, stderr io.Writer) (*observer, error) {
	o := &observer{j: j, stderr: stderr, done: make(chan struct{}), mxDone: make(chan struct{})}
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
	// The endpoint outlives ctx's cancellation by nothing: an interrupt
	// ends the linger too.
	mctx, cancelMx := context.WithCancel(ctx)
	o.cancelMx = cancelMx
	if j.flags.metricsAddr != "" || j.flags.metricsFile != "" {
		o.reg = prometheus.NewRegistry()
		m, err := observe.NewMetrics(o.reg)
		if err == nil {
			err = observe.RegisterProcess(o.reg, buildInfo())
		}
		if err == nil {
			err = observe.RegisterProgress(o.reg, o.tracker)
		}
		if err != nil {
			cancel()
			cancelMx()
			return nil, err
		}
		m.SetRanges(len(j.plan.Subranges), o.skipped)
		o.metrics = m
	}
	if j.flags.metricsAddr != "" {
		srv := observe.ServeMetrics(j.metricsLn, o.reg)
		j.metricsLn = nil // the server closes it
		o.addr = srv.Addr().String()
		o.serveErr = make(chan error, 1)
		go func() { o.serveErr <- srv.Serve(mctx) }()
	}
	go func() {
		defer close(o.mxDone)
		if j.flags.metricsFile == "" {
			return
		}
		tk := time.NewTicker(metricsFileEvery)
		defer tk.Stop()
		warned := false
		for {
			select {
			case <-pctx.Done():
				return
			case <-tk.C:
			}
			if err := observe.WriteMetricsFile(j.flags.metricsFile, o.reg); err != nil && !warned {
				j.log.Warn("metrics file not written", zap.Error(err))
				warned = true
			}
		}
	}()
	go func() {
		defer close(o.done)
		if !j.flags.quiet {
			_ = observe.RunProgress(pctx, stderr, o.tracker, observe.ProgressOptions{Events: j.events})
		}
	}()
	j.obs = o
	return o, nil
}

func (o *observer) hooks() []scanner.Hooks {
	h := []scanner.Hooks{o.tracker.Hooks(), observe.LogHooks(o.j.log)}
	if o.metrics != nil {
		h = append(h, o.metrics.Hooks())
	}
	return h
}

// stop ends the progress display and the periodic metrics file.
func (o *observer) stop() {
	o.cancel()
	<-o.done
	<-o.mxDone
}

// shutdown stops the metrics endpoint, at once; idempotent.
func (o *observer) shutdown() {
	o.once.Do(func() {
		o.cancel()
		o.cancelMx()
		if o.serveErr != nil {
			<-o.serveErr
		}
	})
}

// linger writes the metrics file a last time and keeps the endpoint up
// for --metrics-linger, or until ctx ends (an interrupt), so that a short
// scan's final figures get scraped; then it stops the endpoint. Commands
// call it last, once their results are out.
func (o *observer) linger(ctx context.Context) {
	j := o.j
	if j.flags.metricsFile != "" {
		if err := observe.WriteMetricsFile(j.flags.metricsFile, o.reg); err != nil {
			j.log.Error("metrics file not written", zap.Error(err))
			fmt.Fprintf(o.stderr, "ringscan: metrics file not written: %v\n", err)
		}
	}
	defer o.shutdown()
	if o.serveErr == nil || j.flags.metricsLinger <= 0 {
		return
	}
	if !j.flags.quiet {
		fmt.Fprintf(o.stderr, "ringscan: serving the final metrics at http://%s/metrics for %v (interrupt to exit now)\n", o.addr, j.flags.metricsLinger)
	}
	t := time.NewTimer(j.flags.metricsLinger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
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
	info := observe.SummaryInfo{Command: j.command, Keyspace: cfg.Keyspace, Table: cfg.Table, Skipped: o.skipped, PriorRows: total - st.Rows,
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
	if j.flags.checkpoint != "" {
		fields = append(fields, zap.Duration("checkpoint_every", cfg.CheckpointEvery))
	}
	if cfg.UseSizeEstimates && j.prior == nil {
		// Whether the estimates weighed (and, for a count on the server,
		// sized) the plan; a resume reads the plan its checkpoint recorded.
		est := "used"
		if !j.plan.Full.EstimatesUsed {
			est = "ignored: " + cmp.Or(j.plan.Full.EstimatesIgnored, "the table has none")
		}
		fields = append(fields, zap.String("size_estimates", est))
	}
	if j.countSizing != "" {
		fields = append(fields, zap.String("count_sizing", j.countSizing))
	}
	if j.events != nil && !j.flags.quiet {
		j.events.Info("scan started", fields...)
		return
	}
	j.log.Info("scan started", fields...)
}
