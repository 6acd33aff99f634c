package observe

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/scanner"
)

func TestMetricsHooks(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := NewMetrics(reg)
	require.NoError(t, err)
	m.SetRanges(10, 2)
	h := m.Hooks()

	h.RequestStart("a")
	h.RequestStart("a")
	h.RequestStart("b")
	h.RequestEnd("a")
	h.PageRead(0, "a", 100, 1000, 3*time.Millisecond)
	h.PageRead(0, "a", 0, 0, 40*time.Millisecond)
	h.PageRead(1, "b", 50, 500, 2*time.Second)
	h.Retry(1, "b", "read_timeout", errors.New("x"))
	h.Retry(1, "b", "read_timeout", errors.New("x"))
	h.Retry(2, "b", "overloaded", errors.New("x"))
	h.PageWritten(0, scanner.Cursor{}, 100)
	h.PageWritten(0, scanner.Cursor{}, 0) // empty
	h.PageWritten(0, doneCursor, 0)
	h.HostLimit("a", 8, "fixed")
	h.HostLimit("b", 2, "initial")
	h.HostLimit("b", 4, "grow")
	h.RangeDone(scanner.RangeStats{ID: 0})
	h.RangeDone(scanner.RangeStats{ID: 1, Err: &scanner.RangeError{ID: 4, Err: errors.New("failed")}})
	h.PartitionSplit(5, 3, true)
	h.PartitionSplit(11, 2, false) // a piece split again: not another partition
	h.RangeDone(scanner.RangeStats{ID: 11, Rows: 700, Piece: &scanner.PartitionPiece{}})
	h.RangeDone(scanner.RangeStats{ID: 12, Rows: 300, Piece: &scanner.PartitionPiece{}})
	h.RangeDone(scanner.RangeStats{ID: 5, Rows: 9000}) // the subrange: not a piece

	tests := []struct {
		c    prometheus.Collector
		want float64
	}{
		{m.rows, 150}, {m.pages, 3}, {m.bytes, 1500}, {m.empty, 1},
		{m.rangesTotal, 10}, {m.rangesDone, 3}, {m.rangesFailed, 1},
		{m.inflight.WithLabelValues("a"), 1}, {m.inflight.WithLabelValues("b"), 1},
		{m.limit.WithLabelValues("a"), 8}, {m.limit.WithLabelValues("b"), 4},
		{m.partsSplit, 1}, {m.pieces, 5}, {m.pieceRows, 1000},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, testutil.ToFloat64(tt.c))
	}
	assert.NoError(t, testutil.CollectAndCompare(m.retries, strings.NewReader(`
# HELP ringscan_retries_total Page requests retried, by host that failed and error kind.
# TYPE ringscan_retries_total counter
ringscan_retries_total{host="b",kind="overloaded"} 1
ringscan_retries_total{host="b",kind="read_timeout"} 2
`)))
	assert.NoError(t, testutil.CollectAndCompare(m.latency, strings.NewReader(`
# HELP ringscan_page_latency_seconds Latency of successful page requests, by host.
# TYPE ringscan_page_latency_seconds histogram
ringscan_page_latency_seconds_bucket{host="a",le="0.001"} 0
ringscan_page_latency_seconds_bucket{host="a",le="0.0025"} 0
ringscan_page_latency_seconds_bucket{host="a",le="0.005"} 1
ringscan_page_latency_seconds_bucket{host="a",le="0.01"} 1
ringscan_page_latency_seconds_bucket{host="a",le="0.025"} 1
ringscan_page_latency_seconds_bucket{host="a",le="0.05"} 2
ringscan_page_latency_seconds_bucket{host="a",le="0.1"} 2
ringscan_page_latency_seconds_bucket{host="a",le="0.25"} 2
ringscan_page_latency_seconds_bucket{host="a",le="0.5"} 2
ringscan_page_latency_seconds_bucket{host="a",le="1"} 2
ringscan_page_latency_seconds_bucket{host="a",le="2.5"} 2
ringscan_page_latency_seconds_bucket{host="a",le="5"} 2
ringscan_page_latency_seconds_bucket{host="a",le="10"} 2
ringscan_page_latency_seconds_bucket{host="a",le="30"} 2
ringscan_page_latency_seconds_bucket{host="a",le="+Inf"} 2
ringscan_page_latency_seconds_sum{host="a"} 0.043000000000000003
ringscan_page_latency_seconds_count{host="a"} 2
ringscan_page_latency_seconds_bucket{host="b",le="0.001"} 0
ringscan_page_latency_seconds_bucket{host="b",le="0.0025"} 0
ringscan_page_latency_seconds_bucket{host="b",le="0.005"} 0
ringscan_page_latency_seconds_bucket{host="b",le="0.01"} 0
ringscan_page_latency_seconds_bucket{host="b",le="0.025"} 0
ringscan_page_latency_seconds_bucket{host="b",le="0.05"} 0
ringscan_page_latency_seconds_bucket{host="b",le="0.1"} 0
ringscan_page_latency_seconds_bucket{host="b",le="0.25"} 0
ringscan_page_latency_seconds_bucket{host="b",le="0.5"} 0
ringscan_page_latency_seconds_bucket{host="b",le="1"} 0
ringscan_page_latency_seconds_bucket{host="b",le="2.5"} 1
ringscan_page_latency_seconds_bucket{host="b",le="5"} 1
ringscan_page_latency_seconds_bucket{host="b",le="10"} 1
ringscan_page_latency_seconds_bucket{host="b",le="30"} 1
ringscan_page_latency_seconds_bucket{host="b",le="+Inf"} 1
ringscan_page_latency_seconds_sum{host="b"} 2
ringscan_page_latency_seconds_count{host="b"} 1
`)))
	n, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	assert.Equal(t, 18, n, "10 metrics, 2 retry series, 2 latency, 2 in-flight and 2 limit hosts")
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestRegisterProcess checks the process, Go runtime and build metrics.
func TestRegisterProcess(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, RegisterProcess(reg, BuildInfo{Version: "v1.2.3", GoVersion: "go1.26.0", Driver: "v2.1.2"}))
	assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP ringscan_build_info Always 1; its labels tell the ringscan version and what it was built with.
# TYPE ringscan_build_info gauge
ringscan_build_info{gocql_version="v2.1.2",goversion="go1.26.0",version="v1.2.3"} 1
`), "ringscan_build_info"))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, n := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds"} {
		assert.True(t, names[n], n)
	}
	assert.ErrorContains(t, RegisterProcess(reg, BuildInfo{}), "register metrics")
}

// TestRegisterProgress checks the progress gauges: they follow the
// tracker, earlier runs' rows and progress included.
func TestRegisterProgress(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	tr := NewTracker(quarters(), Prior{Rows: 1000, Cursors: map[int]scanner.Cursor{0: doneCursor}})
	require.NoError(t, RegisterProgress(reg, tr))
	compare := func(rows int, ratio string) {
		t.Helper()
		assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP ringscan_progress_ratio Fraction of the plan's share of the ring read, 0 to 1 (of the whole ring unless the scan is a shard).
# TYPE ringscan_progress_ratio gauge
ringscan_progress_ratio `+ratio+`
# HELP ringscan_rows_read Rows read by every run of the scan, including earlier runs of a resumed one.
# TYPE ringscan_rows_read gauge
ringscan_rows_read `+strconv.Itoa(rows)+`
`)))
	}
	compare(1000, "0.25")
	h := tr.Hooks()
	h.PageRead(1, "h", 500, 5000, time.Millisecond)
	h.PageWritten(1, doneCursor, 500)
	compare(1500, "0.5")
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestWriteMetricsFile checks the file for node_exporter's textfile
// collector: the Prometheus text format, ringscan's metrics only (never
// the process and Go ones node_exporter has too), replaced atomically.
func TestWriteMetricsFile(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	require.NoError(t, err)
	require.NoError(t, RegisterProcess(reg, BuildInfo{Version: "v1"}))
	m.Hooks().PageRead(0, "10.0.0.1:9042", 42, 420, time.Millisecond)
	dir := t.TempDir()
	path := filepath.Join(dir, "ringscan.prom")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	require.NoError(t, WriteMetricsFile(path, reg))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(f)
	require.NoError(t, err, "the Prometheus text format")
	for name := range mfs {
		assert.True(t, strings.HasPrefix(name, "ringscan_"), name)
	}
	require.Contains(t, mfs, "ringscan_rows_total")
	assert.Equal(t, 42.0, mfs["ringscan_rows_total"].GetMetric()[0].GetCounter().GetValue())
	require.Contains(t, mfs, "ringscan_build_info")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm(), "readable by node_exporter")

	err = WriteMetricsFile(filepath.Join(dir, "none", "x.prom"), reg)
	assert.ErrorContains(t, err, "metrics file")
}

func TestNewMetricsTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	_, err := NewMetrics(reg)
	require.NoError(t, err)
	_, err = NewMetrics(reg)
	assert.ErrorContains(t, err, "register metrics")

	m, err := NewMetrics(nil)
	require.NoError(t, err)
	m.Hooks().PageRead(0, "h", 1, 1, time.Millisecond)
	assert.Equal(t, 1.0, testutil.ToFloat64(m.rows))
}

func TestServe(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	require.NoError(t, err)
	m.Hooks().PageRead(0, "h", 42, 420, time.Millisecond)

	srv, err := ListenMetrics("127.0.0.1:0", reg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + srv.Addr().String() + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "\nringscan_rows_total 42\n")
	assert.Contains(t, string(body), "ringscan_page_latency_seconds_count{host=\"h\"} 1\n")

	resp, err = client.Get("http://" + srv.Addr().String() + "/other")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	cancel()
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestServeBadAddr(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"nonsense", `metrics: listen on "nonsense"`},
		{"127.0.0.1:99999", `metrics: listen on "127.0.0.1:99999"`},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			// Not cancelled: a bad address must fail at once, not when ctx ends.
			err := Serve(context.Background(), tt.addr, prometheus.NewRegistry())
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestServeAddrInUse(t *testing.T) {
	srv, err := ListenMetrics("127.0.0.1:0", prometheus.NewRegistry())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	defer func() { assert.NoError(t, srv.Serve(ctx)) }()
	_, err = ListenMetrics(srv.Addr().String(), prometheus.NewRegistry())
	assert.ErrorContains(t, err, "address already in use")
}
