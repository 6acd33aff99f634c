package observe

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
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
	h.RangeDone(scanner.RangeStats{ID: 0})
	h.RangeDone(scanner.RangeStats{ID: 1, Err: &scanner.RangeError{ID: 4, Err: errors.New("failed")}})

	tests := []struct {
		c    prometheus.Collector
		want float64
	}{
		{m.rows, 150}, {m.pages, 3}, {m.bytes, 1500}, {m.empty, 1},
		{m.rangesTotal, 10}, {m.rangesDone, 3}, {m.rangesFailed, 1},
		{m.inflight.WithLabelValues("a"), 1}, {m.inflight.WithLabelValues("b"), 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, testutil.ToFloat64(tt.c))
	}
	assert.NoError(t, testutil.CollectAndCompare(m.retries, strings.NewReader(`
# HELP ringscan_retries_total Page requests retried, by error kind.
# TYPE ringscan_retries_total counter
ringscan_retries_total{kind="overloaded"} 1
ringscan_retries_total{kind="read_timeout"} 2
`)))
	assert.NoError(t, testutil.CollectAndCompare(m.latency, strings.NewReader(`
# HELP ringscan_page_latency_seconds Latency of successful page requests.
# TYPE ringscan_page_latency_seconds histogram
ringscan_page_latency_seconds_bucket{le="0.001"} 0
ringscan_page_latency_seconds_bucket{le="0.0025"} 0
ringscan_page_latency_seconds_bucket{le="0.005"} 1
ringscan_page_latency_seconds_bucket{le="0.01"} 1
ringscan_page_latency_seconds_bucket{le="0.025"} 1
ringscan_page_latency_seconds_bucket{le="0.05"} 2
ringscan_page_latency_seconds_bucket{le="0.1"} 2
ringscan_page_latency_seconds_bucket{le="0.25"} 2
ringscan_page_latency_seconds_bucket{le="0.5"} 2
ringscan_page_latency_seconds_bucket{le="1"} 2
ringscan_page_latency_seconds_bucket{le="2.5"} 3
ringscan_page_latency_seconds_bucket{le="5"} 3
ringscan_page_latency_seconds_bucket{le="10"} 3
ringscan_page_latency_seconds_bucket{le="30"} 3
ringscan_page_latency_seconds_bucket{le="+Inf"} 3
ringscan_page_latency_seconds_sum 2.043
ringscan_page_latency_seconds_count 3
`)))
	n, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	assert.Equal(t, 12, n, "8 metrics, 2 retry kinds and 2 hosts")
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
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
	assert.Contains(t, string(body), "ringscan_page_latency_seconds_count 1\n")

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
