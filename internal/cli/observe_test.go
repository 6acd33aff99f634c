package cli_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
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
		{name: "log format", flags: []string{"--log-format", "xml"}, parts: []string{`"xml"`, "json or console"}},
	}
	for _, tc := range cases {
		for _, cmd := range []string{"scan", "count"} {
			t.Run(tc.name+"/"+cmd, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "ckpt")
				flags := append([]string{"--checkpoint", ckpt}, tc.flags...)
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
// its summary on stderr; with it, stderr stays empty.
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
			assert.Contains(t, r.stderr, "scan of ringscan_demo.events complete")
		}
	}
}
