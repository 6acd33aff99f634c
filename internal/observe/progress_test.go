package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusLine(t *testing.T) {
	tests := []struct {
		name string
		s    Snapshot
		want string
	}{
		{"running", Snapshot{Rows: 1234567, RowsPerSecond: 41234.4, BytesPerSecond: 12.34e6, P99Latency: 45200 * time.Microsecond,
			Progress: .375, WholeRing: true, ETA: 130 * time.Second, Retries: 3},
			"ringscan: 1234567 rows, 41234 rows/s, 12.3MB/s, p99 45ms, 37.5% of ring, ETA 2m10s, 3 retries"},
		{"start", Snapshot{WholeRing: true, ETA: -1},
			"ringscan: 0 rows, 0 rows/s, 0B/s, p99 -, 0.0% of ring, ETA ?, 0 retries"},
		{"shard with failures", Snapshot{Rows: 10, RowsPerSecond: 1, BytesPerSecond: 2500, P99Latency: 1234 * time.Microsecond,
			Progress: 1, ETA: 0, Retries: 1, RangesFailed: 2},
			"ringscan: 10 rows, 1 rows/s, 2.50kB/s, p99 1.2ms, 100.0% of shard, ETA 0s, 1 retry, 2 failed ranges"},
		{"backing off", Snapshot{WholeRing: true, ETA: -1, BackingOff: []BackOff{{"10.0.0.2", 3, "overloaded"}, {"10.0.0.3", 5, "latency"}}},
			"ringscan: 0 rows, 0 rows/s, 0B/s, p99 -, 0.0% of ring, ETA ?, 0 retries, backing off 10.0.0.2 (limit 3, overloaded), 10.0.0.3 (limit 5, latency)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, StatusLine("ringscan", tt.s))
		})
	}
}

func TestBarLine(t *testing.T) {
	s := Snapshot{Rows: 1234567, RowsPerSecond: 41234, BytesPerSecond: 12.34e6, P99Latency: 45200 * time.Microsecond,
		Progress: .375, WholeRing: true, ETA: 130 * time.Second, Retries: 3}
	tests := []struct {
		name  string
		s     Snapshot
		width int
		want  string
	}{
		{"wide", s, 120,
			"ringscan  37.5% [===========>                      ] 1.23M rows  41.2k rows/s  12.3MB/s  p99 45ms  ETA 2m10s  3 retries"},
		{"no bar", s, 90,
			"ringscan  37.5% 1.23M rows  41.2k rows/s  12.3MB/s  p99 45ms  ETA 2m10s  3 retries"},
		{"cut", s, 21,
			"ringscan  37.5% 1.23"},
		{"done, failed", Snapshot{Rows: 999, Progress: 1, ETA: 0, RangesFailed: 1}, 100,
			"ringscan 100.0% [====================] 999 rows  0 rows/s  0B/s  p99 -  ETA 0s  0 retries  1 failed"},
		{"empty bar", Snapshot{ETA: -1}, 90,
			"ringscan   0.0% [                       ] 0 rows  0 rows/s  0B/s  p99 -  ETA ?  0 retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BarLine("ringscan", tt.s, tt.width)
			assert.LessOrEqual(t, len(got), tt.width-1, "never the terminal's last column")
			assert.Equal(t, tt.want, got, "not padded: RunProgress erases the rest of the line")
		})
	}
}

// lineWriter is a concurrency-safe buffer that signals every write.
type lineWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes chan struct{}
}

func newLineWriter() *lineWriter { return &lineWriter{writes: make(chan struct{}, 100)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.writes <- struct{}{}:
	default:
	}
	return w.buf.Write(p)
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// runProgress runs RunProgress in the background; stop cancels it and
// returns its error.
func runProgress(w io.Writer, tr *Tracker, o ProgressOptions) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunProgress(ctx, w, tr, o) }()
	return func() error {
		cancel()
		return <-done
	}
}

var statusRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d{4}) ringscan: \d+ rows, \d+ rows/s, \S+B/s, p99 \S+, \d+\.\d% of ring, ETA \S+, \d+ retr(y|ies)$`)

func TestRunProgressStatusLines(t *testing.T) {
	tr := NewTracker(quarters(), Prior{})
	w := newLineWriter()
	stop := runProgress(w, tr, ProgressOptions{Interval: time.Millisecond})
	deadline := time.After(10 * time.Second)
	for range 2 {
		select {
		case <-w.writes:
		case <-deadline:
			t.Fatal("no status line within 10s")
		}
	}
	require.NoError(t, stop())
	out := w.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 2)
	for _, l := range lines {
		assert.Regexp(t, statusRE, l)
	}
	assert.NotContains(t, out, "\r")
}

func TestRunProgressTicks(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		want     string
	}{
		{"not a terminal", false,
			"2025-05-01T10:00:00.000Z run: 0 rows, 0 rows/s, 0B/s, p99 -, 0.0% of ring, ETA ?, 0 retries\n" +
				"2025-05-01T10:00:01.000Z run: 300 rows, 300 rows/s, 30.0kB/s, p99 20ms, 25.0% of ring, ETA 3s, 0 retries\n"},
		{"terminal", true,
			"\rrun   0.0% [                              ] 0 rows  0 rows/s  0B/s  p99 -  ETA ?  0 retries\x1b[K" +
				"\rrun  25.0% [===>              ] 300 rows  300 rows/s  30.0kB/s  p99 20ms  ETA 3s  0 retries\x1b[K" +
				"\rrun  25.0% [===>              ] 300 rows  300 rows/s  30.0kB/s  p99 20ms  ETA 3s  0 retries\x1b[K\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeClock()
			tr := NewTracker(quarters(), Prior{}, WithClock(c.now))
			w := newLineWriter()
			tick := make(chan time.Time)
			stop := runProgress(w, tr, ProgressOptions{
				Prefix:     "run",
				Tick:       tick,
				IsTerminal: func(io.Writer) bool { return tt.terminal },
				Width:      func(io.Writer) int { return 92 },
				Now:        c.now,
			})
			tick <- time.Time{}
			select {
			case <-w.writes:
			case <-time.After(10 * time.Second):
				t.Fatal("nothing written within 10s")
			}
			c.advance(time.Second)
			// Three pages of 100 rows (10 kB each): 20ms is their p99.
			for _, lat := range []time.Duration{5, 20, 10} {
				tr.Hooks().PageRead(0, "h", 100, 10000, lat*time.Millisecond)
			}
			tr.Hooks().PageWritten(0, doneCursor, 0)
			tick <- time.Time{} // its line is written before RunProgress looks at ctx again
			require.NoError(t, stop())
			assert.Equal(t, tt.want, w.String())
		})
	}
}

// TestRunProgressEvents checks --log-format json's progress: a JSON
// "progress" event per tick, no bar even on a terminal.
func TestRunProgressEvents(t *testing.T) {
	c := newFakeClock()
	tr := NewTracker(quarters(), Prior{}, WithClock(c.now))
	w := newLineWriter()
	tick := make(chan time.Time)
	stop := runProgress(w, tr, ProgressOptions{Tick: tick, IsTerminal: func(io.Writer) bool { return true }, Events: NewEventLogger(w)})
	c.advance(time.Second)
	tr.Hooks().PageRead(0, "h", 300, 30000, 20*time.Millisecond)
	tr.Hooks().PageWritten(0, doneCursor, 300)
	tick <- time.Time{}
	select {
	case <-w.writes:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing written within 10s")
	}
	require.NoError(t, stop())
	out := w.String()
	assert.NotContains(t, out, "\r")
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(out)), &ev), out)
	for k, v := range map[string]any{"msg": "progress", "rows": 300.0, "rows_per_second": 300.0, "bytes": 30000.0,
		"bytes_per_second": 30000.0, "progress": .25, "of": "ring", "eta_ms": 3000.0, "ranges": 4.0, "ranges_done": 1.0,
		"ranges_failed": 0.0, "retries": 0.0, "elapsed_ms": 1000.0} {
		assert.Equal(t, v, ev[k], k)
	}
	assert.InEpsilon(t, 20, ev["p99_page_latency_ms"], .15)
}

func TestRunProgressWriteError(t *testing.T) {
	tick := make(chan time.Time, 1)
	tick <- time.Time{}
	err := RunProgress(context.Background(), failWriter{}, NewTracker(quarters(), Prior{}), ProgressOptions{Tick: tick})
	assert.ErrorIs(t, err, io.ErrClosedPipe)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestIsTerminal(t *testing.T) {
	assert.False(t, isTerminal(&bytes.Buffer{}))
	assert.Equal(t, 80, terminalWidth(&bytes.Buffer{}))
}
