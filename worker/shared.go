package worker

import (
	"fmt"
	"math"
)

// Limits are a per-host cap on page requests in flight and a cap on the
// rows read per second, shared by several Runs. A Run has its own caps
// (Config.PerHost, Config.RowsPerSecond), which hold for that Run alone; a
// program that reads many subranges with a Run each, as
// scanner.RangeReader does for a Beam source, gives all its Runs one
// Limits (Config.Limits) so that the caps hold for the process. Each Run
// then also prefers, among a subrange's replicas, the one with the fewest
// requests in flight from the whole process.
//
// The hosts are fixed when the Limits are made: every replica of a Run's
// tasks must be one of them, else Run refuses to start. Limits are safe
// for concurrent use.
type Limits struct {
	hosts *hostLimits
	rate  *throttle
}

// NewLimits returns limits over the hosts with the given IDs: at most
// perHost page requests in flight to each (at least 1), and at most
// rowsPerSecond rows read per second in all (0: no cap).
func NewLimits(hostIDs []string, perHost int, rowsPerSecond float64) (*Limits, error) {
	if perHost < 1 {
		return nil, fmt.Errorf("%w: Limits: perHost is %d; it must be at least 1", ErrInvalidConfig, perHost)
	}
	if rowsPerSecond < 0 || math.IsNaN(rowsPerSecond) || math.IsInf(rowsPerSecond, 0) {
		return nil, fmt.Errorf("%w: Limits: rowsPerSecond is %v; it must be 0 (no cap) or a positive number", ErrInvalidConfig, rowsPerSecond)
	}
	ids := make(map[string]bool, len(hostIDs))
	for _, id := range hostIDs {
		ids[id] = true
	}
	return &Limits{hosts: newHostLimits(ids, perHost), rate: newThrottle(rowsPerSecond)}, nil
}

// check reports a replica of tasks that is not among l's hosts: a request
// to it could never take a slot.
func (l *Limits) check(tasks []Task) error {
	for _, t := range tasks {
		for _, h := range t.Subrange.Replicas {
			if _, ok := l.hosts.sems[h.ID]; !ok {
				return fmt.Errorf("%w: replica %s (%s) of range %d is not one of the hosts of Config.Limits",
					ErrInvalidConfig, h.ID, h.Address, t.Subrange.ID)
			}
		}
	}
	return nil
}

// CursorAfter returns the cursor that reads a subrange from just after
// the row at last, with no paging state: the statement starts again at
// last's token and skips the rows up to last, as after a refused paging
// state. A reader that stops inside a page (a Beam source checkpointing
// after the last row it claimed) resumes from it. A nil last reads the
// subrange from its start.
func CursorAfter(last *Position) Cursor { return Cursor{Last: last}.restartAfterLast() }
