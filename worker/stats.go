package worker

import (
	"time"

	"github.com/ringscan/ringscan/ring"
)

// RangeStats are the figures of one subrange.
type RangeStats struct {
	ID    int
	Range ring.Range
	// Piece is set for a piece of a split partition: the part read.
	Piece *Piece
	Host  string // the replica that served the last page
	// Limit is Host's cap on requests in flight after the last page: fixed,
	// or where its adaptive limit stood.
	Limit   int
	Rows    int64
	Pages   int64
	Empty   int64 // pages that held no row while more followed
	Bytes   int64
	Retries int64
	// Duration is the wall time from the first request to the last page
	// handed to the sink.
	Duration time.Duration
	// Done is set when the subrange was read to its end; Err when it
	// failed. Neither is set for a subrange stopped by cancellation.
	Done bool
	Err  error
}

// Stats are a scan's totals and per-subrange figures.
type Stats struct {
	Rows, Pages, EmptyPages, Bytes, Retries int64
	// Ranges is the number of subranges in the plan; Done and Failed
	// count those finished and failed.
	Ranges, Done, Failed int
	// Elapsed is the scan's wall time.
	Elapsed time.Duration
	// PartitionsSplit counts the partitions split by clustering range and
	// Pieces the pieces they were read in, the first of each aside (the
	// task that was reading the partition).
	PartitionsSplit, Pieces int
	// SplitQueries counts the requests made to split partitions (a
	// partition's last row, the partitions sharing its token), on top of
	// Pages; SplitFailures those that failed, by error kind (a split
	// whose queries fail is not made; they are not retried).
	SplitQueries  int64
	SplitFailures map[string]int64
	// RowsDropped counts the rows pages read past the end of a task split
	// while its statement ran (the statement keeps its old bounds): the
	// server read them twice, once for the task that reads them.
	RowsDropped int64
	// Restarts counts the statements cut short by a split: instead of
	// reading on past the task's new end, the task went on with a new
	// statement from after its last row, bounded by the new end, as that
	// re-reads few rows (at most a quarter page: those of its last row's
	// partition, or token, up to the row).
	Restarts int64
	// RetriesByKind counts retries by error kind (read_timeout,
	// unavailable, overloaded, connection, ...).
	RetriesByKind map[string]int64
	// PerRange holds one entry per subrange worked on, in plan order.
	PerRange []RangeStats
}

// RowsPerSecond is the scan's mean throughput.
func (s Stats) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Rows) / s.Elapsed.Seconds()
}
