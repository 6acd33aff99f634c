package observe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/ringscan/ringscan/internal/fsutil"

	"github.com/ringscan/ringscan/scanner"
)

// latencyBuckets are the page latency histogram's buckets, in seconds:
// 1ms to 30s (the worker's default request timeout).
func latencyBuckets() []float64 {
	return []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
}

// Metrics are a scan's Prometheus metrics, fed by their hooks.
type Metrics struct {
	rows, pages, bytes, empty             prometheus.Counter
	retries                               *prometheus.CounterVec
	inflight                              *prometheus.GaugeVec
	limit                                 *prometheus.GaugeVec
	latency                               *prometheus.HistogramVec
	rangesTotal, rangesDone, rangesFailed prometheus.Gauge
	partsSplit, pieces, pieceRows         prometheus.Counter
}

// MetricsPrefix starts the name of every ringscan metric.
const MetricsPrefix = "ringscan_"

// NewMetrics makes the metrics and registers them with reg (none when reg
// is nil). It fails when reg already holds metrics of the same names.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	}
	m := &Metrics{
		rows:  counter("ringscan_rows_total", "Rows read by this run."),
		pages: counter("ringscan_pages_total", "Pages read."),
		bytes: counter("ringscan_bytes_total", "Bytes of row data read."),
		empty: counter("ringscan_empty_pages_total", "Pages that held no row while more pages followed (tombstones)."),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringscan_retries_total", Help: "Page requests retried, by host that failed and error kind.",
		}, []string{"host", "kind"}),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ringscan_inflight_requests", Help: "Page requests in flight, by host.",
		}, []string{"host"}),
		limit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ringscan_host_concurrency_limit", Help: "Page requests a host may have in flight: the fixed cap, or the current adaptive limit (--per-host adaptive).",
		}, []string{"host"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ringscan_page_latency_seconds", Help: "Latency of successful page requests, by host.", Buckets: latencyBuckets(),
		}, []string{"host"}),
		rangesTotal:  gauge("ringscan_ranges_planned", "Subranges in the plan (a gauge, so not named _total)."),
		rangesDone:   gauge("ringscan_ranges_done", "Subranges read and written to the end, including those done before a resume."),
		rangesFailed: gauge("ringscan_ranges_failed", "Subranges that failed."),
		partsSplit:   counter("ringscan_partitions_split_total", "Large partitions split by clustering range."),
		pieces:       counter("ringscan_partition_pieces_total", "Pieces split off large partitions (a piece split again adds its new pieces)."),
		pieceRows:    counter("ringscan_partition_piece_rows_total", "Rows read by the pieces of split partitions, counted when a piece ends."),
	}
	if reg != nil {
		var errs []error
		for _, c := range []prometheus.Collector{m.rows, m.pages, m.bytes, m.empty, m.retries, m.inflight, m.limit,
			m.latency, m.rangesTotal, m.rangesDone, m.rangesFailed, m.partsSplit, m.pieces, m.pieceRows} {
			if err := reg.Register(c); err != nil {
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// BuildInfo labels ringscan_build_info.
type BuildInfo struct {
	// Version is ringscan's module version, GoVersion the Go release it
	// was built with, Driver the gocql driver's module version.
	Version, GoVersion, Driver string
}

// RegisterProcess registers with reg what an operator expects of any
// process: the process collector (CPU, memory, file descriptors, start
// time), the Go runtime collector, and ringscan_build_info, always 1,
// labelled with bi.
func RegisterProcess(reg prometheus.Registerer, bi BuildInfo) error {
	info := prometheus.NewGauge(prometheus.GaugeOpts{Name: "ringscan_build_info",
		Help:        "Always 1; its labels tell the ringscan version and what it was built with.",
		ConstLabels: prometheus.Labels{"version": bi.Version, "goversion": bi.GoVersion, "gocql_version": bi.Driver}})
	info.Set(1)
	var errs []error
	for _, c := range []prometheus.Collector{collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(), info} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	return nil
}

// RegisterProgress registers with reg the gauges of where t's scan
// stands, read from t at every scrape: ringscan_rows_read (every run's
// rows, earlier runs' of a resumed scan included) and
// ringscan_progress_ratio (the fraction of the plan's ring share done, 0
// to 1: of the whole ring unless the scan is a shard).
func RegisterProgress(reg prometheus.Registerer, t *Tracker) error {
	var errs []error
	for _, c := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "ringscan_rows_read",
			Help: "Rows read by every run of the scan, including earlier runs of a resumed one."},
			func() float64 { return float64(t.TotalRows()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "ringscan_progress_ratio",
			Help: "Fraction of the plan's share of the ring read, 0 to 1 (of the whole ring unless the scan is a shard)."},
			t.Progress),
	} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	return nil
}

// SetRanges sets the number of subranges in the plan and of those done
// before this run (a resumed scan).
func (m *Metrics) SetRanges(total, done int) {
	m.rangesTotal.Set(float64(total))
	m.rangesDone.Set(float64(done))
}

// Hooks returns the hooks that feed the metrics. A subrange counts as done
// once its last page was written, as failed when RangeDone reports an
// error.
func (m *Metrics) Hooks() scanner.Hooks {
	return scanner.Hooks{
		PageRead: func(_ int, host string, rows, bytes int, latency time.Duration) {
			m.pages.Inc()
			m.rows.Add(float64(rows))
			m.bytes.Add(float64(bytes))
			m.latency.WithLabelValues(host).Observe(latency.Seconds())
		},
		RequestStart: func(host string) { m.inflight.WithLabelValues(host).Inc() },
		RequestEnd:   func(host string) { m.inflight.WithLabelValues(host).Dec() },
		Retry:        func(_ int, host, kind string, _ error) { m.retries.WithLabelValues(host, kind).Inc() },
		HostLimit:    func(host string, limit int, _ string) { m.limit.WithLabelValues(host).Set(float64(limit)) },
		PageWritten: func(_ int, cur scanner.Cursor, rows int) {
			switch {
			case cur.Done():
				m.rangesDone.Inc()
			case rows == 0:
				m.empty.Inc()
			}
		},
		PartitionSplit: func(_, pieces int, first bool) {
			if first {
				m.partsSplit.Inc()
			}
			m.pieces.Add(float64(pieces))
		},
		RangeDone: func(st scanner.RangeStats) {
			if st.Err != nil {
				m.rangesFailed.Inc()
			}
			if st.Piece != nil {
				m.pieceRows.Add(float64(st.Rows))
			}
		},
	}
}

// WriteMetricsFile writes g's ringscan_* metrics to path in the Prometheus
// text format, atomically (a temporary file, synced, renamed over path),
// for node_exporter's textfile collector, which reads *.prom files. The
// process and Go collectors' metrics are left out: node_exporter exports
// its own under the same names, and refuses a file that repeats them.
func WriteMetricsFile(path string, g prometheus.Gatherer) error {
	mfs, err := g.Gather()
	if err != nil {
		return fmt.Errorf("metrics file: %w", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), MetricsPrefix) {
			continue
		}
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("metrics file: %w", err)
		}
	}
	if err := fsutil.WriteAtomic(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("metrics file: %w", err)
	}
	return nil
}

// MetricsServer serves /metrics over HTTP.
type MetricsServer struct {
	ln  net.Listener
	srv *http.Server
}

// ListenMetrics listens on addr ("host:port", ":9100", "127.0.0.1:0") at
// once, so that a bad address fails before the scan starts, and returns
// a server for g's metrics at /metrics; Serve serves them.
func ListenMetrics(addr string, g prometheus.Gatherer) (*MetricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %q: %w", addr, err)
	}
	return ServeMetrics(ln, g), nil
}

// ServeMetrics returns a server for g's metrics at /metrics on a listener
// bound earlier (so that a busy address fails before a scan creates
// anything); Serve serves them and closes ln.
func ServeMetrics(ln net.Listener, g prometheus.Gatherer) *MetricsServer {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return &MetricsServer{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
}

// Addr is the address listened on, with the port chosen for ":0".
func (s *MetricsServer) Addr() net.Addr { return s.ln.Addr() }

// Serve serves until ctx ends, then shuts the server down, waiting up to
// 5s for requests under way, and returns nil; or it returns the error
// that stopped it.
func (s *MetricsServer) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		_ = s.srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// Serve serves g's metrics at /metrics on addr until ctx ends. A bad
// address fails at once. See ListenMetrics to learn the address or to
// check it before serving.
func Serve(ctx context.Context, addr string, g prometheus.Gatherer) error {
	s, err := ListenMetrics(addr, g)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}
