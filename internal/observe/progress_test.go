package observe

import (
	"bytes"
	"context"
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
		{"running", Snapshot{Rows: 1234567, RowsPerSecond: 41234.4, Progress: .375, WholeRing: true, ETA: 130 * time.Second, Retries: 3},
			"ringscan: 1234567 rows, 41234 rows/s, 37.5% of ring, ETA 2m10s, 3 retries"},
		{"start", Snapshot{WholeRing: true, ETA: -1},
			"ringscan: 0 rows, 0 rows/s, 0.0% of ring, ETA ?, 0 retries"},
		{"shard with failures", Snapshot{Rows: 10, RowsPerSecond: 1, Progress: 1, ETA: 0, Retries: 1, RangesFailed: 2},
			"ringscan: 10 rows, 1 rows/s, 100.0% of shard, ETA 0s, 1 retry, 2 failed ranges"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, StatusLine("ringscan", tt.s))
		})
	}
}

func TestBarLine(t *testing.T) {
	s := Snapshot{Rows: 1234567, RowsPerSecond: 41234, Progress: .375, WholeRing: true, ETA: 130 * time.Second, Retries: 3}
	tests := []struct {
		name  string
		s     Snapshot
		width int
		want  string
	}{
		{"wide", s, 100,
			"ringscan  37.5% [===========>                      ] 1.23M rows  41.2k rows/s  ETA 2m10s  3 retries"},
		{"no bar", s, 70,
			"ringscan  37.5% 1.23M rows  41.2k rows/s  ETA 2m10s  3 retries"},
		{"cut", s, 21,
			"ringscan  37.5% 1.23"},
		{"done, failed", Snapshot{Rows: 999, Progress: 1, ETA: 0, RangesFailed: 1}, 80,
			"ringscan 100.0% [=============] 999 rows  0 rows/s  ETA 0s  0 retries  1 failed"},
		{"empty bar", Snapshot{ETA: -1}, 70,
			"ringscan   0.0% [                ] 0 rows  0 rows/s  ETA ?  0 retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BarLine("ringscan", tt.s, tt.width)
			assert.Len(t, got, tt.width-1, "padded to overwrite the previous line")
			assert.Equal(t, tt.want, strings.TrimRight(got, " "))
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

var statusRE = regexp.MustCompile(`^ringscan: \d+ rows, \d+ rows/s, \d+\.\d% of ring, ETA \S+, \d+ retr(y|ies)$`)

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
			"run: 0 rows, 0 rows/s, 0.0% of ring, ETA ?, 0 retries\n" +
				"run: 0 rows, 0 rows/s, 25.0% of ring, ETA 3s, 0 retries\n"},
		{"terminal", true,
			"\rrun   0.0% [            ] 0 rows  0 rows/s  ETA ?  0 retries" +
				"\rrun  25.0% [=>         ] 0 rows  0 rows/s  ETA 3s  0 retries" +
				"\rrun  25.0% [=>         ] 0 rows  0 rows/s  ETA 3s  0 retries\n"},
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
				Width:      func(io.Writer) int { return 61 },
			})
			tick <- time.Time{}
			select {
			case <-w.writes:
			case <-time.After(10 * time.Second):
				t.Fatal("nothing written within 10s")
			}
			c.advance(time.Second)
			tr.Hooks().PageWritten(0, doneCursor, 0)
			tick <- time.Time{} // its line is written before RunProgress looks at ctx again
			require.NoError(t, stop())
			assert.Equal(t, tt.want, w.String())
		})
	}
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
