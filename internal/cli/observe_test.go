package cli_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/observe"
	"github.com/ringscan/ringscan/scanner"
)

// gateWriter blocks the first write until released: a scan writing to
// stdout through it stalls mid-way, deterministically, with its metrics
// endpoint up.
type gateWriter struct {
	syncBuffer
	once    sync.Once
	blocked chan struct{}
	release chan struct{}
}

func newGateWriter() *gateWriter {
	return &gateWriter{blocked: make(chan struct{}), release: make(chan struct{})}
}

func (w *gateWriter) Write(p []byte) (int, error) {
	w.once.Do(func() {
		close(w.blocked)
		<-w.release
	})
	return w.syncBuffer.Write(p)
}

// freePort returns a port nothing listens on (it did a moment ago).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestScanMetricsEndpoint(t *testing.T) {
	t.Parallel()
	// 5000 demo rows are about 1.6 MB of JSON: the scan writes to stdout
	// long before it ends.
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 5000})
	want := s.exportJSONL(t, scanner.Config{})
	addr := freePort(t)
	stdout := newGateWriter()
	var stderr syncBuffer
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- cli.Run(ctx, s.args("scan", "--out", "-", "-q", "--splits", "120", "--metrics-addr", addr), stdout, &stderr)
	}()
	select {
	case <-stdout.blocked:
	case c := <-code:
		close(stdout.release)
		t.Fatalf("scan ended (exit %d) before writing to stdout: %s", c, stderr.String())
	case <-ctx.Done():
		t.Fatal("scan wrote nothing")
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	close(stdout.release)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	for _, name := range []string{"ringscan_rows_total", "ringscan_pages_total", "ringscan_ranges_planned 120", "ringscan_page_latency_seconds_bucket"} {
		assert.Contains(t, string(body), name)
	}
	require.Equal(t, cli.ExitOK, <-code, stderr.String())
	requireSameRows(t, want, splitLines([]byte(stdout.String())))
	// The endpoint stops with the scan.
	_, err = http.Get("http://" + addr + "/metrics")
	assert.Error(t, err, "metrics still served after the scan")
}

// signalWriter is a concurrency-safe buffer that closes seen once what
// was written holds want.
type signalWriter struct {
	syncBuffer
	want string
	once sync.Once
	seen chan struct{}
}

func newSignalWriter(want string) *signalWriter {
	return &signalWriter{want: want, seen: make(chan struct{})}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if strings.Contains(w.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

// scrape reads the metrics of the endpoint at addr.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return mfs
}

// value is the value of the one series of a gauge or counter family.
func value(t *testing.T, mfs map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	mf, ok := mfs[name]
	require.True(t, ok, "no %s", name)
	require.Len(t, mf.GetMetric(), 1, name)
	m := mf.GetMetric()[0]
	if m.GetGauge() != nil {
		return m.GetGauge().GetValue()
	}
	return m.GetCounter().GetValue()
}

// TestMetricsLinger runs a short scan with --metrics-linger: after the
// scan, the endpoint serves its final figures (progress gauges, host
// labels, process and build metrics) until the linger ends or, here, an
// interrupt, which does not change the exit code.
func TestMetricsLinger(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 1000})
	addr := freePort(t)
	stderr := newSignalWriter("serving the final metrics")
	var stdout syncBuffer
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- cli.Run(ctx, s.args("count", "--metrics-addr", addr, "--metrics-linger", "1h"), &stdout, stderr)
	}()
	select {
	case <-stderr.seen:
	case c := <-code:
		t.Fatalf("count ended (exit %d) without lingering: %s", c, stderr.String())
	}
	assert.Equal(t, "1000\n", stdout.String(), "the total is out before the linger")
	mfs := scrape(t, addr)
	assert.Equal(t, 1000.0, value(t, mfs, "ringscan_rows_read"))
	assert.Equal(t, 1000.0, value(t, mfs, "ringscan_rows_total"))
	assert.Equal(t, 1.0, value(t, mfs, "ringscan_progress_ratio"))
	assert.Equal(t, 1.0, value(t, mfs, "ringscan_build_info"))
	for _, n := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		assert.Contains(t, mfs, n)
	}
	hosts := map[string]bool{}
	for _, m := range mfs["ringscan_page_latency_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "host" {
				hosts[l.GetValue()] = true
			}
		}
	}
	assert.Len(t, hosts, len(s.hosts), "page latency by host")
	for h := range hosts {
		assert.Contains(t, s.hosts, h)
	}
	cancel()
	assert.Equal(t, cli.ExitOK, <-code, "an interrupt while lingering: the count was done; stderr:\n%s", stderr.String())
	_, err := http.Get("http://" + addr + "/metrics")
	assert.Error(t, err, "the endpoint stops after the linger")
}

// TestMetricsFile checks --metrics-file: written when the scan ends, in
// the Prometheus text format, with ringscan's metrics only.
func TestMetricsFile(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 700})
	for _, cmd := range []string{"scan", "count"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "ringscan.prom")
			args := s.args(cmd, "-q", "--metrics-file", path)
			if cmd == "scan" {
				args = append(args, "--out", filepath.Join(dir, "out"))
			}
			requireOK(t, run(t, args...))
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			p := expfmt.NewTextParser(model.LegacyValidation)
			mfs, err := p.TextToMetricFamilies(f)
			require.NoError(t, err)
			assert.Equal(t, 700.0, value(t, mfs, "ringscan_rows_read"))
			assert.Equal(t, 1.0, value(t, mfs, "ringscan_progress_ratio"))
			assert.Equal(t, value(t, mfs, "ringscan_ranges_planned"), value(t, mfs, "ringscan_ranges_done"))
			for name := range mfs {
				assert.True(t, strings.HasPrefix(name, "ringscan_"), "%s: node_exporter has its own process and Go metrics", name)
			}
		})
	}
}

// TestSplitPartitionsVisible checks that a scan that split the demo's
// large partition says so: the report's split_partitions and piece
// ranges, the totals and the metrics agree, and --no-partition-split and
// --partition-split-rows turn it off. A little latency keeps the large
// partition the scan's tail, as in the scanner's own tests.
func TestSplitPartitionsVisible(t *testing.T) {
	t.Parallel()
	const rows = 6000 // the large partition holds 600
	s := startSim(t, cqlsim.Config{Latency: cqlsim.Latency{Fixed: time.Millisecond}}, cqlsim.DemoConfig{Rows: rows})
	total := strconv.Itoa(rows) + "\n"
	for _, tc := range []struct {
		name  string
		flags []string
		split bool
	}{
		{name: "default", split: true},
		{name: "off", flags: []string{"--no-partition-split"}},
		{name: "threshold", flags: []string{"--partition-split-rows", "100000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			report, prom := filepath.Join(dir, "report.json"), filepath.Join(dir, "ringscan.prom")
			r := run(t, s.args("count", append([]string{"-q", "--on-server=false", "--page-size", "20", "--report", report, "--metrics-file", prom}, tc.flags...)...)...)
			requireOK(t, r)
			assert.Equal(t, total, r.stdout)
			rep, err := observe.ReadReport(report)
			require.NoError(t, err)
			f, err := os.Open(prom)
			require.NoError(t, err)
			defer f.Close()
			p := expfmt.NewTextParser(model.LegacyValidation)
			mfs, err := p.TextToMetricFamilies(f)
			require.NoError(t, err)

			var pieces int
			var pieceRows int64
			for _, rr := range rep.Ranges {
				if rr.Piece != nil {
					pieces++
					pieceRows += rr.Rows
					assert.Equal(t, rr.Start, rr.End, "a piece's range is its partition's token")
				}
			}
			if !tc.split {
				assert.Zero(t, pieces)
				assert.Empty(t, rep.SplitPartitions)
				assert.Zero(t, rep.Totals.PartitionsSplit)
				assert.Zero(t, value(t, mfs, "ringscan_partitions_split_total"))
				return
			}
			require.Len(t, rep.SplitPartitions, 1, "the demo has one large partition")
			sp := rep.SplitPartitions[0]
			assert.Equal(t, "tenant='tenant-0', bucket=0", sp.Partition)
			assert.Equal(t, pieces, sp.Pieces)
			assert.Equal(t, pieceRows, sp.Rows)
			assert.Positive(t, sp.Rows)
			assert.Less(t, sp.Rows, int64(600), "the subrange read the partition's first page before the split")
			assert.Equal(t, 1, rep.Totals.PartitionsSplit)
			assert.Equal(t, pieces, rep.Totals.Pieces)
			assert.Positive(t, rep.Totals.SplitQueries)
			assert.Equal(t, 1.0, value(t, mfs, "ringscan_partitions_split_total"))
			assert.Equal(t, float64(pieces), value(t, mfs, "ringscan_partition_pieces_total"))
			assert.Equal(t, float64(pieceRows), value(t, mfs, "ringscan_partition_piece_rows_total"))
		})
	}
}

func TestBadObservabilityFlags(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 100})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { busy.Close() })
	cases := []struct {
		name  string
		flags []string
		parts []string
		// late is set for errors found only when the scan starts, once
		// the checkpoint and the output directory exist.
		late bool
	}{
		{name: "metrics addr syntax", flags: []string{"--metrics-addr", "bad:addr:x"}, parts: []string{"--metrics-addr", "bad:addr:x"}},
		{name: "metrics addr no port", flags: []string{"--metrics-addr", "localhost"}, parts: []string{"--metrics-addr", "localhost"}},
		{name: "metrics addr in use", flags: []string{"--metrics-addr", busy.Addr().String()}, parts: []string{"--metrics-addr", busy.Addr().String()}, late: true},
		{name: "log level", flags: []string{"--log-level", "loud"}, parts: []string{`"loud"`, "debug, info, warn or error"}},
		{name: "linger without endpoint", flags: []string{"--metrics-linger", "1m"}, parts: []string{"--metrics-linger needs --metrics-addr"}},
		{name: "linger negative", flags: []string{"--metrics-addr", "127.0.0.1:0", "--metrics-linger", "-1s"}, parts: []string{"invalid --metrics-linger -1s"}},
		{name: "metrics file in no directory", flags: []string{"--metrics-file", filepath.Join(os.DevNull, "x.prom")}, parts: []string{"invalid --metrics-file", "not writable"}},
		{name: "metrics file is the checkpoint", flags: []string{"--metrics-file", "SAME"}, parts: []string{"--checkpoint and --metrics-file name the same file"}},
		{name: "log format", flags: []string{"--log-format", "xml"}, parts: []string{`"xml"`, "json or console"}},
	}
	for _, tc := range cases {
		for _, cmd := range []string{"scan", "count"} {
			t.Run(tc.name+"/"+cmd, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "ckpt")
				flags := append([]string{"--checkpoint", ckpt}, tc.flags...)
				for i, f := range flags {
					if f == "SAME" {
						flags[i] = ckpt
					}
				}
				if cmd == "scan" {
					flags = append(flags, "--out", out)
				}
				r := run(t, s.args(cmd, flags...)...)
				requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
				assert.Empty(t, r.stdout)
				if tc.late {
					return
				}
				// Found before anything was written: the corrected command
				// line runs without complaining about leftovers.
				assert.NoFileExists(t, ckpt)
				_, err := os.Stat(out)
				assert.True(t, os.IsNotExist(err), "output directory created")
			})
		}
	}
}

// TestQuiet checks --quiet: without it a finished count prints
// its summary on stderr, headed as a count; with it, stderr stays empty.
func TestQuiet(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 500})
	for _, quiet := range []bool{false, true} {
		args := s.args("count")
		if quiet {
			args = append(args, "--quiet")
		}
		r := run(t, args...)
		requireOK(t, r)
		assert.Equal(t, "500\n", r.stdout)
		if quiet {
			assert.Empty(t, r.stderr)
		} else {
			assert.Contains(t, r.stderr, "ringscan: count of ringscan_demo.events complete\n")
		}
	}
}
