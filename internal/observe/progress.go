package observe

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

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

// RunProgress shows the tracker's progress on w until ctx ends. On a
// terminal it redraws a one-line bar in place ("\r") a few times a second
// and, when ctx ends, draws it a last time and ends the line. Elsewhere it
// prints a status line every Interval:
//
//	ringscan: 1234567 rows, 41234 rows/s, 37.5% of ring, ETA 2m10s, 3 retries
//
// It returns nil when ctx ends, or the first error writing to w.
//
// The bar is drawn here rather than with a progress bar library: those
// (schollz/progressbar, cheggaaa/pb, mpb) count towards an integer total
// and format their own rate and ETA from it, while this one's figures come
// from the tracker (rows, a ring-share ETA, retries) and only need one
// padded line sized with x/term.
func RunProgress(ctx context.Context, w io.Writer, t *Tracker, opts ProgressOptions) error {
	o := opts.withDefaults()
	bar := o.IsTerminal(w)
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
			_, err := io.WriteString(w, "\r"+BarLine(o.Prefix, t.Snapshot(), o.Width(w))+"\n")
			return err
		case <-tick:
		}
		var line string
		if bar {
			line = "\r" + BarLine(o.Prefix, t.Snapshot(), o.Width(w))
		} else {
			line = StatusLine(o.Prefix, t.Snapshot()) + "\n"
		}
		if _, err := io.WriteString(w, line); err != nil {
			return err
		}
	}
}

// StatusLine formats s as one log-friendly line, with exact counts:
//
//	ringscan: 1234567 rows, 41234 rows/s, 37.5% of ring, ETA 2m10s, 3 retries
//
// "of shard" replaces "of ring" when the plan is a shard; failed ranges
// are added when there are some.
func StatusLine(prefix string, s Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d rows, %.0f rows/s, %s of %s, ETA %s, %s",
		prefix, s.Rows, s.RowsPerSecond, percent(s.Progress), scope(s), eta(s.ETA), plural(s.Retries, "retry", "retries"))
	if s.RangesFailed > 0 {
		fmt.Fprintf(&b, ", %s", plural(int64(s.RangesFailed), "failed range", "failed ranges"))
	}
	return b.String()
}

func scope(s Snapshot) string {
	if s.WholeRing {
		return "ring"
	}
	return "shard"
}

// BarLine formats s as a progress bar of at most width-1 columns, padded
// with spaces so that it overwrites the previous one:
//
//	ringscan  37.5% [=======>           ] 1.23M rows  41.2k rows/s  ETA 2m10s  3 retries
//
// The bar shrinks, then goes, on narrow terminals; the text is cut last.
func BarLine(prefix string, s Snapshot, width int) string {
	width = max(width-1, 1) // writing the last column wraps on some terminals
	head := prefix + " " + fmt.Sprintf("%6s", percent(s.Progress))
	tail := siCount(float64(s.Rows)) + " rows  " + siCount(s.RowsPerSecond) + " rows/s  ETA " + eta(s.ETA) +
		"  " + plural(s.Retries, "retry", "retries")
	if s.RangesFailed > 0 {
		tail += "  " + strconv.Itoa(s.RangesFailed) + " failed"
	}
	const minBar = 10
	line := head + " " + tail
	if inner := width - len(head) - len(tail) - 4; inner >= minBar { // " [" + "] "
		line = head + " [" + drawBar(s.Progress, inner) + "] " + tail
	}
	if len(line) > width {
		line = line[:width]
	}
	return line + strings.Repeat(" ", width-len(line))
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
