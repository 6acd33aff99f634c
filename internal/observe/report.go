package observe

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/ringscan/ringscan/internal/fsutil"

	"github.com/ringscan/ringscan/scanner"
)

// ReportVersion is the version of the report format WriteReport writes.
const ReportVersion = 1

// ReportMeta is what a report says about the scan beyond its statistics.
type ReportMeta struct {
	Keyspace, Table string
	// Started is when the scan started.
	Started time.Time
	// Plan is the plan's fingerprint (ring.Plan.Fingerprint), optional.
	Plan string
	// Err is the scan's error, if it did not read everything.
	Err error
	// RunID names this run, as its log lines do; Runs lists every run of
	// the scan, first first, this one included (from the checkpoint).
	RunID string
	Runs  []string
}

// Report is the per-range JSON report of a scan; docs/report.md describes
// its format.
type Report struct {
	Version   int           `json:"version"`
	Keyspace  string        `json:"keyspace"`
	Table     string        `json:"table"`
	Started   time.Time     `json:"started"`
	ElapsedMS int64         `json:"elapsed_ms"`
	Plan      string        `json:"plan,omitempty"`
	RunID     string        `json:"run_id,omitempty"`
	Runs      []string      `json:"runs,omitempty"`
	Error     string        `json:"error,omitempty"`
	Totals    ReportTotals  `json:"totals"`
	Ranges    []RangeReport `json:"ranges"`
	// SplitPartitions are the partitions this run split by clustering
	// range, most rows first.
	SplitPartitions []SplitPartition `json:"split_partitions,omitempty"`
}

// SplitPartition is a large partition that a run split by clustering
// range: its pieces and the rows they read (not counting the rows the
// subrange that found the partition read of it before the first split).
type SplitPartition struct {
	Token     string `json:"token"`
	Partition string `json:"partition"`
	Pieces    int    `json:"pieces"`
	Rows      int64  `json:"rows"`
}

// PieceReport is the part of a partition that a range of the report read:
// set for the pieces of split partitions.
type PieceReport struct {
	Token     string `json:"token"`
	Partition string `json:"partition"`
	Bounds    string `json:"bounds"`
	Reverse   bool   `json:"reverse,omitempty"`
	Whole     bool   `json:"whole,omitempty"`
}

// ReportTotals are a scan's totals.
type ReportTotals struct {
	Rows          int64            `json:"rows"`
	Pages         int64            `json:"pages"`
	EmptyPages    int64            `json:"empty_pages"`
	Bytes         int64            `json:"bytes"`
	Retries       int64            `json:"retries"`
	RetriesByKind map[string]int64 `json:"retries_by_kind"`
	RowsPerSecond float64          `json:"rows_per_second"`
	Ranges        int              `json:"ranges"`
	Done          int              `json:"done"`
	Failed        int              `json:"failed"`
	// Partition splitting (docs/design.md, "Large partitions").
	PartitionsSplit int              `json:"partitions_split,omitempty"`
	Pieces          int              `json:"pieces,omitempty"`
	SplitQueries    int64            `json:"split_queries,omitempty"`
	SplitFailures   map[string]int64 `json:"split_failures,omitempty"`
	// RowsDropped: rows read past a split subrange's new end, read again
	// by the subrange split off.
	RowsDropped int64 `json:"rows_dropped,omitempty"`
	// Restarts: statements a split cut short, read on by a new statement
	// bounded by the new end.
	Restarts int64 `json:"restarts,omitempty"`
}

// RangeReport is one subrange's line of a report.
type RangeReport struct {
	ID int `json:"id"`
	// Start (excluded) and End (included) are the subrange's tokens, as
	// strings: RandomPartitioner tokens do not fit a JSON number.
	Start      string  `json:"start"`
	End        string  `json:"end"`
	Share      float64 `json:"share"`
	Host       string  `json:"host"`
	HostLimit  int     `json:"host_limit,omitempty"`
	Rows       int64   `json:"rows"`
	Bytes      int64   `json:"bytes"`
	Pages      int64   `json:"pages"`
	EmptyPages int64   `json:"empty_pages"`
	Retries    int64   `json:"retries"`
	DurationMS int64   `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
	// Piece is set for a piece of a split partition (Start and End are
	// then both the partition's token).
	Piece *PieceReport `json:"piece,omitempty"`
}

// NewReport builds the report of a scan: its ranges in id order.
func NewReport(st scanner.Stats, meta ReportMeta) *Report {
	r := &Report{
		Version:   ReportVersion,
		Keyspace:  meta.Keyspace,
		Table:     meta.Table,
		Started:   meta.Started,
		ElapsedMS: st.Elapsed.Milliseconds(),
		Plan:      meta.Plan,
		RunID:     meta.RunID,
		Runs:      meta.Runs,
		Totals: ReportTotals{
			Rows: st.Rows, Pages: st.Pages, EmptyPages: st.EmptyPages, Bytes: st.Bytes, Retries: st.Retries,
			RetriesByKind: st.RetriesByKind, RowsPerSecond: st.RowsPerSecond(),
			Ranges: st.Ranges, Done: st.Done, Failed: st.Failed,
			PartitionsSplit: st.PartitionsSplit, Pieces: st.Pieces, SplitQueries: st.SplitQueries, SplitFailures: st.SplitFailures,
			RowsDropped: st.RowsDropped, Restarts: st.Restarts,
		},
		Ranges: make([]RangeReport, 0, len(st.PerRange)),
	}
	if r.Totals.RetriesByKind == nil {
		r.Totals.RetriesByKind = map[string]int64{}
	}
	if meta.Err != nil {
		r.Error = oneLine(meta.Err.Error())
	}
	split := map[string]*SplitPartition{}
	for _, s := range st.PerRange {
		rr := RangeReport{
			ID: s.ID, Start: s.Range.Start.String(), End: s.Range.End.String(), Share: s.Range.Share(),
			Host: s.Host, HostLimit: s.Limit, Rows: s.Rows, Bytes: s.Bytes, Pages: s.Pages, EmptyPages: s.EmptyPages,
			Retries: s.Retries, DurationMS: s.Duration.Milliseconds(),
		}
		if s.Err != nil {
			rr.Error = oneLine(rangeError(s.Err))
		}
		if p := s.Piece; p != nil {
			rr.Piece = &PieceReport{Token: p.Token.String(), Partition: p.Partition, Bounds: p.Bounds, Reverse: p.Reverse, Whole: p.Whole}
			if !p.Whole {
				key := rr.Piece.Token + " " + p.Partition
				sp, ok := split[key]
				if !ok {
					sp = &SplitPartition{Token: rr.Piece.Token, Partition: p.Partition}
					split[key] = sp
				}
				sp.Pieces++
				sp.Rows += s.Rows
			}
		}
		r.Ranges = append(r.Ranges, rr)
	}
	slices.SortFunc(r.Ranges, func(a, b RangeReport) int { return cmp.Compare(a.ID, b.ID) })
	for _, sp := range split {
		r.SplitPartitions = append(r.SplitPartitions, *sp)
	}
	slices.SortFunc(r.SplitPartitions, func(a, b SplitPartition) int {
		return cmp.Or(cmp.Compare(b.Rows, a.Rows), cmp.Compare(a.Token, b.Token), cmp.Compare(a.Partition, b.Partition))
	})
	return r
}

// WriteReport writes the JSON report of a scan to path atomically: to a
// temporary file in the same directory, synced, then renamed over path, so
// that path holds either the old report or the whole new one.
func WriteReport(path string, st scanner.Stats, meta ReportMeta) error {
	data, err := json.MarshalIndent(NewReport(st, meta), "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := fsutil.WriteAtomic(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// ReadReport reads a report written by WriteReport.
func ReadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	if r.Version != ReportVersion {
		return nil, fmt.Errorf("report %s: version %d, want %d", path, r.Version, ReportVersion)
	}
	return &r, nil
}
