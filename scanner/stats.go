package scanner

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

// RangeStats are the figures of one subrange.
type RangeStats struct {
	ID    int
	Range ring.Range
	// Host is the replica that served the last page; Limit its cap on
	// requests in flight after that page (fixed, or where its adaptive
	// limit stood).
	Host  string
	Limit int
	// EmptyPages counts pages that held no row while more followed.
	Rows, Pages, EmptyPages, Bytes, Retries int64
	// Duration is the wall time from the first request to the last page
	// handed to the sink.
	Duration time.Duration
	// Done is set when the subrange was read to its end; Err when it
	// failed. Neither is set for a subrange stopped by cancellation.
	Done bool
	Err  *RangeError
	// Piece is set for a piece of a split partition (Range is then empty,
	// at the partition's token).
	Piece *PartitionPiece
}

// PartitionPiece is a part of a large partition, read on its own once the
// scan split the partition by clustering range.
type PartitionPiece struct {
	// Token and Key are the partition's: its token and its partition key
	// values, serialized. Partition is the key as text, "col=value, ...".
	Token     ring.Token
	Key       [][]byte
	Partition string
	// Bounds are the clustering values it reads between, as text:
	// "[ts = 2026-01-01 00:00:00 +0000 UTC .. before ts = 2026-02-01
	// 00:00:00 +0000 UTC)", with "(start" and "end)" for the partition's
	// ends.
	Bounds string
	// Reverse is set for the piece read down from the partition's end to
	// meet the one reading up (a partition whose clustering values have no
	// midpoint is read from both ends).
	Reverse bool
	// Whole is set for a partition read whole on its own, not a piece of
	// one: a partition of the same token as a split partition, after it.
	Whole bool
}

// Stats are a scan's totals and per-subrange figures, for this run (a
// resumed scan's earlier runs are in its checkpoint).
type Stats struct {
	Rows, Pages, EmptyPages, Bytes, Retries int64
	// Ranges is the number of subranges worked on, pieces split off
	// running ones included; Done and Failed count those finished and
	// failed.
	Ranges, Done, Failed int
	// Elapsed is the run's wall time.
	Elapsed time.Duration
	// RetriesByKind counts retries by error kind (read_timeout,
	// unavailable, overloaded, connection, paging_state_refused,
	// frame_too_big, ...).
	RetriesByKind map[string]int64
	// PerRange holds one entry per subrange worked on, by id.
	PerRange []RangeStats
	// PartitionsSplit counts the partitions split by clustering range and
	// Pieces the pieces split off them (Config.NoPartitionSplit);
	// SplitQueries the requests that took (a partition's last row, the
	// partitions sharing its token), on top of Pages; SplitFailures those
	// that failed, by error kind (a split whose queries fail is not made;
	// they are not retried).
	PartitionsSplit, Pieces int
	SplitQueries            int64
	SplitFailures           map[string]int64
	// RowsDropped counts the rows read past the end of a subrange split
	// while its statement ran (a paging state keeps its statement's
	// bounds) and dropped: the cluster read them twice, for the subrange
	// split off that reads them. Not in Rows.
	RowsDropped int64
	// Restarts counts the statements a split cut short instead: the
	// subrange read on with a new statement from after its last row,
	// bounded by its new end, as that re-read at most a quarter page (the
	// rows of its last partition up to that row).
	Restarts int64
}

// RowsPerSecond is the run's mean throughput.
func (s Stats) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Rows) / s.Elapsed.Seconds()
}

// ErrTooManyTombstones is wrapped by the error of a subrange a server
// refused to read for the tombstones it met (Cassandra's
// TombstoneOverwhelmingException past tombstone_failure_threshold,
// ReadFailure READ_TOO_MANY_TOMBSTONES). It is not retried: every replica
// holds the same tombstones. A smaller page size or more splits avoid it.
var ErrTooManyTombstones = worker.ErrTooManyTombstones

// RangeError reports a subrange that could not be read.
type RangeError struct {
	// ID and Range identify the subrange.
	ID    int
	Range ring.Range
	// Attempts is the number of page requests tried for the failing page.
	Attempts int
	// Rows were handed to the sink before the failure.
	Rows int64
	// Cursor is where the subrange stands: a checkpoint resumes it there.
	Cursor Cursor
	// Hosts are the replicas tried, in order.
	Hosts []string
	Err   error
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("range %d %s failed after %d attempts on %s (%d rows read before): %v",
		e.ID, e.Range, e.Attempts, strings.Join(e.Hosts, ", "), e.Rows, e.Err)
}

func (e *RangeError) Unwrap() error { return e.Err }

// PartialError is returned when the scan finished but some subranges
// failed, within Config.MaxFailedRanges.
type PartialError struct {
	Failed []*RangeError // by subrange id, as the summary lists them
}

func (e *PartialError) Error() string {
	ids := make([]string, 0, len(e.Failed))
	for _, f := range e.Failed {
		ids = append(ids, fmt.Sprint(f.ID))
	}
	return fmt.Sprintf("%d ranges failed (%s); first: %v", len(e.Failed), strings.Join(ids, ", "), e.Failed[0])
}

// Unwrap returns the range errors.
func (e *PartialError) Unwrap() []error {
	out := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		out[i] = f
	}
	return out
}

// The conversions from the pool's types, in one place.

func rangeErrorOf(e *worker.RangeError) *RangeError {
	if e == nil {
		return nil
	}
	return &RangeError{ID: e.ID, Range: e.Range, Attempts: e.Attempts, Rows: e.Rows, Cursor: Cursor{c: e.Cursor},
		Hosts: e.Hosts, Err: e.Err}
}

// rangeStatsOf converts the pool's figures; f describes pieces (nil: no
// text).
func rangeStatsOf(st worker.RangeStats, f *fetcher) RangeStats {
	var rerr *RangeError
	var we *worker.RangeError
	if errors.As(st.Err, &we) {
		rerr = rangeErrorOf(we)
	}
	out := RangeStats{ID: st.ID, Range: st.Range, Host: st.Host, Limit: st.Limit, Rows: st.Rows, Pages: st.Pages, EmptyPages: st.Empty,
		Bytes: st.Bytes, Retries: st.Retries, Duration: st.Duration, Done: st.Done, Err: rerr}
	if p := st.Piece; p != nil {
		out.Piece = &PartitionPiece{Token: p.Token, Key: p.PK, Reverse: p.Reverse, Whole: p.Whole()}
		if f != nil {
			out.Piece.Partition, out.Piece.Bounds = f.describe(p)
		}
	}
	return out
}

func statsOf(st worker.Stats, f *fetcher) Stats {
	out := Stats{Rows: st.Rows, Pages: st.Pages, EmptyPages: st.EmptyPages, Bytes: st.Bytes, Retries: st.Retries,
		Ranges: st.Ranges, Done: st.Done, Failed: st.Failed, Elapsed: st.Elapsed, RetriesByKind: st.RetriesByKind,
		PartitionsSplit: st.PartitionsSplit, Pieces: st.Pieces, SplitQueries: st.SplitQueries, SplitFailures: st.SplitFailures, RowsDropped: st.RowsDropped,
		Restarts: st.Restarts}
	if len(st.PerRange) > 0 {
		out.PerRange = make([]RangeStats, len(st.PerRange))
		for i, r := range st.PerRange {
			out.PerRange[i] = rangeStatsOf(r, f)
		}
	}
	return out
}

// errorOf converts the pool's range errors in err to the scanner's.
func errorOf(err error) error {
	var pe *worker.PartialError
	if errors.As(err, &pe) {
		out := &PartialError{Failed: make([]*RangeError, len(pe.Failed))}
		for i, f := range pe.Failed {
			out.Failed[i] = rangeErrorOf(f)
		}
		return out
	}
	var re *worker.RangeError
	if errors.As(err, &re) {
		return rangeErrorOf(re)
	}
	return err
}
