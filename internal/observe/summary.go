package observe

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/ringscan/ringscan/scanner"
)

// SummaryInfo is what WriteSummary tells beyond the statistics. All fields
// are optional.
type SummaryInfo struct {
	// Command names what ran in the heading: "scan" (the default) or
	// "count".
	Command string
	// Keyspace and Table name the scanned table in the heading.
	Keyspace, Table string
	// Skipped is the number of subranges done by earlier runs of a
	// resumed scan, and PriorRows the rows they wrote; the worker's
	// statistics count neither.
	Skipped   int
	PriorRows int64
	// MaxFailedListed bounds the failed ranges listed, the first by id.
	// Default 20; -1 lists them all.
	MaxFailedListed int
	// RunID names this run, as its log lines and the checkpoint do.
	RunID string
	// Output tells where the rows went (a directory, stdout).
	Output string
	// DroppedLogLines counts the log lines that sampling dropped.
	DroppedLogLines int64
}

// WriteSummary writes a human summary of a scan to w (a count says
// "count of ks.t"):
//
//	ringscan: scan of ks.t complete
//	  rows      1,234,567
//	  pages     250 (3 empty)
//	  bytes     1.15 GiB
//	  elapsed   30s
//	  rate      41,152 rows/s
//	  retries   3 (overloaded 1, read_timeout 2)
//	  ranges    256 of 256 done, 0 failed
//	  run       6f1c2d3e4a5b6c7d
//	  output    /data/orders
//
// (run, output and dropped log lines when known) followed, when ranges
// failed, by one line per failed range: id, bounds and error.
func WriteSummary(w io.Writer, st scanner.Stats, info SummaryInfo) error {
	var b strings.Builder
	what := cmp.Or(info.Command, "scan")
	if info.Keyspace != "" || info.Table != "" {
		what += " of " + strings.Trim(info.Keyspace+"."+info.Table, ".")
	}
	status := "complete"
	if st.Failed > 0 || st.Done < st.Ranges {
		status = "incomplete"
	}
	fmt.Fprintf(&b, "ringscan: %s %s\n", what, status)
	row := func(k, format string, args ...any) { fmt.Fprintf(&b, "  %-9s %s\n", k, fmt.Sprintf(format, args...)) }

	if info.PriorRows > 0 {
		row("rows", "%s (%s this run)", grouped(info.PriorRows+st.Rows), grouped(st.Rows))
	} else {
		row("rows", "%s", grouped(st.Rows))
	}
	row("pages", "%s (%s empty)", grouped(st.Pages), grouped(st.EmptyPages))
	row("bytes", "%s", iecBytes(st.Bytes))
	row("elapsed", "%s", duration(st.Elapsed))
	row("rate", "%s rows/s", grouped(int64(st.RowsPerSecond()+0.5)))
	if len(st.RetriesByKind) > 0 {
		kinds := make([]string, 0, len(st.RetriesByKind))
		for _, k := range slices.Sorted(maps.Keys(st.RetriesByKind)) {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, st.RetriesByKind[k]))
		}
		row("retries", "%d (%s)", st.Retries, strings.Join(kinds, ", "))
	} else {
		row("retries", "%d", st.Retries)
	}
	if info.Skipped > 0 {
		row("ranges", "%d of %d done (%d before this run), %d failed",
			st.Done+info.Skipped, st.Ranges+info.Skipped, info.Skipped, st.Failed)
	} else {
		row("ranges", "%d of %d done, %d failed", st.Done, st.Ranges, st.Failed)
	}
	if info.RunID != "" {
		row("run", "%s", info.RunID)
	}
	if info.Output != "" {
		row("output", "%s", info.Output)
	}
	if info.DroppedLogLines > 0 {
		row("logs", "%s dropped by sampling (the first %d a second of each message are kept)",
			plural(info.DroppedLogLines, "line", "lines"), SampleFirst)
	}

	failed, limit := failedRanges(st, info)
	if len(failed) > 0 {
		b.WriteString("failed ranges:\n")
	}
	for i, r := range failed {
		if limit > 0 && i == limit {
			fmt.Fprintf(&b, "  ... and %d more\n", len(failed)-limit)
			break
		}
		fmt.Fprintf(&b, "  %d %s: %s\n", r.ID, r.Range, rangeError(r.Err))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// failedRanges returns the failed ranges by id and how many to list.
func failedRanges(st scanner.Stats, info SummaryInfo) ([]scanner.RangeStats, int) {
	var failed []scanner.RangeStats
	for _, r := range st.PerRange {
		if r.Err != nil {
			failed = append(failed, r)
		}
	}
	slices.SortFunc(failed, func(a, c scanner.RangeStats) int { return cmp.Compare(a.ID, c.ID) })
	limit := info.MaxFailedListed
	if limit == 0 {
		limit = 20
	}
	return failed, limit
}

// LogSummary logs the summary as one "summary" event, the fields of
// WriteSummary's lines: status (complete or incomplete), rows (every
// run's) and rows_this_run, pages, bytes, elapsed_ms, rates, retries by
// kind, ranges, run id, output, and the failed ranges (id, start, end,
// error; at most MaxFailedListed, failed_ranges_not_listed telling the
// rest). err is the scan's error, if any.
func LogSummary(log *zap.Logger, st scanner.Stats, info SummaryInfo, err error) {
	status := "complete"
	if st.Failed > 0 || st.Done < st.Ranges {
		status = "incomplete"
	}
	failed, limit := failedRanges(st, info)
	listed := failed
	if limit > 0 && len(listed) > limit {
		listed = listed[:limit]
	}
	ranges := make([]map[string]any, len(listed))
	for i, r := range listed {
		ranges[i] = map[string]any{"id": r.ID, "start": r.Range.Start.String(), "end": r.Range.End.String(), "error": rangeError(r.Err)}
	}
	retries := st.RetriesByKind
	if retries == nil {
		retries = map[string]int64{}
	}
	fields := []zap.Field{zap.String("status", status), zap.String("keyspace", info.Keyspace), zap.String("table", info.Table),
		zap.Int64("rows", info.PriorRows+st.Rows), zap.Int64("rows_this_run", st.Rows), zap.Int64("pages", st.Pages),
		zap.Int64("empty_pages", st.EmptyPages), zap.Int64("bytes", st.Bytes), zap.Int64("elapsed_ms", st.Elapsed.Milliseconds()),
		zap.Float64("rows_per_second", round1(st.RowsPerSecond())), zap.Int64("retries", st.Retries), zap.Any("retries_by_kind", retries),
		zap.Int("ranges", st.Ranges+info.Skipped), zap.Int("ranges_done", st.Done+info.Skipped), zap.Int("ranges_before", info.Skipped),
		zap.Int("ranges_failed", st.Failed), zap.Any("failed_ranges", ranges), zap.Int("failed_ranges_not_listed", len(failed)-len(listed))}
	if info.Output != "" {
		fields = append(fields, zap.String("output", info.Output))
	}
	if info.DroppedLogLines > 0 {
		fields = append(fields, zap.Int64("log_lines_dropped", info.DroppedLogLines))
	}
	if err != nil {
		fields = append(fields, zap.String("error", oneLine(err.Error())))
	}
	log.Info("summary", fields...)
}

// rangeError tells why a range failed without repeating its id and
// bounds, which a *scanner.RangeError's message starts with.
func rangeError(err error) string {
	var re *scanner.RangeError
	if !errors.As(err, &re) || re.Err == nil {
		return oneLine(err.Error())
	}
	if re.Attempts == 0 {
		return oneLine(re.Err.Error())
	}
	s := fmt.Sprintf("%v (after %d attempts", re.Err, re.Attempts)
	if len(re.Hosts) > 0 {
		s += " on " + strings.Join(slices.Compact(slices.Clone(re.Hosts)), ", ")
	}
	return oneLine(s + ")")
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }
