package observe

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"golang.org/x/term"
)

// ProgressOptions configure RunProgress. Zero fields take their defaults.
type ProgressOptions struct {
	// Interval is the time between status lines when w is not a terminal.
	// Default 10s.
	Interval time.Duration
	// Refresh is the time between redraws of the bar on a terminal.
	// Default 250ms.
	Refresh time.Duration
	// Prefix starts every line. Default "ringscan".
	Prefix string
	// IsTerminal tells whether w is a terminal. Default: w has a file
	// descriptor (an *os.File) that is a terminal.
	IsTerminal func(w io.Writer) bool
	// Width returns the terminal's width in columns, asked before every
	// redraw so that the bar follows a resized window. Default: the size of
	// w's terminal, 80 when unknown.
	Width func(w io.Writer) int
	// Tick, when set, replaces the timer: every value received prints a
	// line or redraws the bar. For tests.
	Tick <-chan time.Time
	// Now stamps the status lines. Default time.Now.
	Now func() time.Time
	// Events, when set, receives a "progress" event every Interval
	// instead of the bar or status lines (--log-format json).
	Events *zap.Logger
}

func (o ProgressOptions) withDefaults() ProgressOptions {
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	if o.Refresh <= 0 {
		o.Refresh = 250 * time.Millisecond
	}
	if o.Prefix == "" {
		o.Prefix = "ringscan"
	}
	if o.IsTerminal == nil {
		o.IsTerminal = isTerminal
	}
	if o.Width == nil {
		o.Width = terminalWidth
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

type fder interface{ Fd() uintptr }

func isTerminal(w io.Writer) bool {
	f, ok := w.(fder)
	return ok && term.IsTerminal(int(f.Fd()))
}

func terminalWidth(w io.Writer) int {
	if f, ok := w.(fder); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	return 80
}

// statusTime is the layout of a status line's timestamp: the log lines'
// (zap's ISO 8601), in local time.
const statusTime = "2006-01-02T15:04:05.000Z0700"

// eraseLine is the terminal control sequence that erases from the cursor
// to the end of the line (ECMA-48 EL), so that a shorter bar leaves no
// remnant of the longer one before, whatever the terminal's width.
const eraseLine = "\x1b[K"

// RunProgress shows the tracker's progress on w until ctx ends. On a
// terminal it redraws a one-line bar in place ("\r", the bar, erase to the
// end of the line) a few times a second and, when ctx ends, draws it a
// last time and ends the line. Elsewhere it prints a timestamped status
// line every Interval:
//
//	2026-01-01T12:00:00.000+0100 ringscan: 1234567 rows, 41234 rows/s, 12.3MB/s, p99 45ms, 37.5% of ring, ETA 2m10s, 3 retries
//
// With Events set it logs a "progress" event every Interval instead.
// It returns nil when ctx ends, or the first error writing to w.
//
// The bar is drawn here rather than with a progress bar library: those
// (schollz/progressbar, cheggaaa/pb, mpb) count towards an integer total
// and format their own rate and ETA from it, while this one's figures come
// from the tracker (rows, a ring-share ETA, retries) and only need one
// line sized with x/term.
func RunProgress(ctx context.Context, w io.Writer, t *Tracker, opts ProgressOptions) error {
	o := opts.withDefaults()
	bar := o.Events == nil && o.IsTerminal(w)
	tick := o.Tick
	if tick == nil {
		every := o.Interval
		if bar {
			every = o.Refresh
		}
		tk := time.NewTicker(every)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		select {
		case <-ctx.Done():
			if !bar {
				return nil
			}
			_, err := io.WriteString(w, "\r"+BarLine(o.Prefix, t.Snapshot(), o.Width(w))+eraseLine+"\n")
			return err
		case <-tick:
		}
		var line string
		switch {
		case o.Events != nil:
			LogProgress(o.Events, t.Snapshot())
			continue
		case bar:
			line = "\r" + BarLine(o.Prefix, t.Snapshot(), o.Width(w)) + eraseLine
		default:
			line = o.Now().Format(statusTime) + " " + StatusLine(o.Prefix, t.Snapshot()) + "\n"
		}
		if _, err := io.WriteString(w, line); err != nil {
			return err
		}
	}
}

// LogProgress logs s as a "progress" event: rows (including earlier
// runs'), rates over the last Window, the p99 page latency in ms, the
// fraction done and the ETA in ms (-1: unknown).
func LogProgress(log *zap.Logger, s Snapshot) {
	log.Info("progress", zap.Int64("rows", s.Rows), zap.Float64("rows_per_second", round1(s.RowsPerSecond)),
		zap.Int64("bytes", s.Bytes), zap.Float64("bytes_per_second", round1(s.BytesPerSecond)),
		zap.Float64("p99_page_latency_ms", round1(float64(s.P99Latency)/float64(time.Millisecond))),
		zap.Float64("progress", s.Progress), zap.String("of", scope(s)), zap.Int64("eta_ms", etaMS(s.ETA)),
		zap.Int64("retries", s.Retries), zap.Int("ranges", s.Ranges), zap.Int("ranges_done", s.RangesDone),
		zap.Int("ranges_failed", s.RangesFailed), zap.Int64("in_flight", s.InFlight), zap.Int64("elapsed_ms", s.Elapsed.Milliseconds()),
		zap.Strings("backing_off", backingOffHosts(s)))
}

func backingOffHosts(s Snapshot) []string {
	out := make([]string, len(s.BackingOff))
	for i, b := range s.BackingOff {
		out[i] = b.Host
	}
	return out
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func etaMS(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	return d.Milliseconds()
}

// StatusLine formats s as one log-friendly line, with exact counts:
//
//	ringscan: 1234567 rows, 41234 rows/s, 12.3MB/s, p99 45ms, 37.5% of ring, ETA 2m10s, 3 retries
//
// "of shard" replaces "of ring" when the plan is a shard; failed ranges
// are added when there are some, and the hosts being backed off (their
// limit lowered for congestion within the last Window, --per-host
// adaptive):
//
//	..., 3 retries, backing off 10.0.0.2 (limit 3, overloaded)
func StatusLine(prefix string, s Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d rows, %.0f rows/s, %s, p99 %s, %s of %s, ETA %s, %s",
		prefix, s.Rows, s.RowsPerSecond, byteRate(s.BytesPerSecond), latency(s.P99Latency), percent(s.Progress), scope(s), eta(s.ETA),
		plural(s.Retries, "retry", "retries"))
	if s.RangesFailed > 0 {
		fmt.Fprintf(&b, ", %s", plural(int64(s.RangesFailed), "failed range", "failed ranges"))
	}
	for i, bo := range s.BackingOff {
		sep := ", "
		if i == 0 {
			sep = ", backing off "
		}
		fmt.Fprintf(&b, "%s%s (limit %d, %s)", sep, bo.Host, bo.Limit, bo.Reason)
	}
	return b.String()
}

func scope(s Snapshot) string {
	if s.WholeRing {
		return "ring"
	}
	return "shard"
}

// BarLine formats s as a progress bar of at most width-1 columns (RunProgress
// erases the rest of the line):
//
//	ringscan  37.5% [=======>      ] 1.23M rows  41.2k rows/s  12.3MB/s  p99 45ms  ETA 2m10s  3 retries
//
// The bar shrinks, then goes, on narrow terminals; the text is cut last.
func BarLine(prefix string, s Snapshot, width int) string {
	width = max(width-1, 1) // writing the last column wraps on some terminals
	head := prefix + " " + fmt.Sprintf("%6s", percent(s.Progress))
	tail := siCount(float64(s.Rows)) + " rows  " + siCount(s.RowsPerSecond) + " rows/s  " + byteRate(s.BytesPerSecond) +
		"  p99 " + latency(s.P99Latency) + "  ETA " + eta(s.ETA) + "  " + plural(s.Retries, "retry", "retries")
	if s.RangesFailed > 0 {
		tail += "  " + strconv.Itoa(s.RangesFailed) + " failed"
	}
	if n := len(s.BackingOff); n > 0 {
		tail += "  backing off " + s.BackingOff[0].Host
		if n > 1 {
			tail += " +" + strconv.Itoa(n-1)
		}
	}
	const minBar = 10
	line := head + " " + tail
	if inner := width - len(head) - len(tail) - 4; inner >= minBar { // " [" + "] "
		line = head + " [" + drawBar(s.Progress, inner) + "] " + tail
	}
	if len(line) > width {
		line = line[:width]
	}
	return line
}

func drawBar(progress float64, n int) string {
	fill := int(min(max(progress, 0), 1) * float64(n))
	switch {
	case fill >= n:
		return strings.Repeat("=", n)
	case fill == 0:
		return strings.Repeat(" ", n)
	}
	return strings.Repeat("=", fill-1) + ">" + strings.Repeat(" ", n-fill)
}
