package observe

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/ringscan/ringscan/scanner"
)

// SummaryInfo is what WriteSummary tells beyond the statistics. All fields
// are optional.
type SummaryInfo struct {
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
}

// WriteSummary writes a human summary of a scan to w:
//
//	ringscan: scan of ks.t complete
//	  rows      1,234,567
//	  pages     250 (3 empty)
//	  bytes     1.15 GiB
//	  elapsed   30s
//	  rate      41,152 rows/s
//	  retries   3 (overloaded 1, read_timeout 2)
//	  ranges    256 of 256 done, 0 failed
//
// followed, when ranges failed, by one line per failed range: id, bounds
// and error.
func WriteSummary(w io.Writer, st scanner.Stats, info SummaryInfo) error {
	var b strings.Builder
	what := "scan"
	if info.Keyspace != "" || info.Table != "" {
		what = "scan of " + strings.Trim(info.Keyspace+"."+info.Table, ".")
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
