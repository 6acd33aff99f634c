package scanner

import (
	"time"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

// Hooks observe a scan; nil fields are skipped. They are called from the
// scan's goroutines, concurrently (PageWritten, RangeSplit's caller aside),
// and must be quick: they run on the scan's hot path.
type Hooks struct {
	// PageRead follows every successful page request.
	PageRead func(rangeID int, host string, rows, bytes int, latency time.Duration)
	// RequestStart and RequestEnd bracket every page request.
	RequestStart, RequestEnd func(host string)
	// Retry follows every failed page request that will be retried.
	Retry func(rangeID int, host, kind string, err error)
	// PageWritten follows every page the sink took (rows may be 0), with
	// the subrange's cursor after it; it is called from the one goroutine
	// that writes to the sink.
	PageWritten func(rangeID int, cur Cursor, rows int)
	// RangeSplit follows every split of a running subrange: child is the
	// part taken from parent, which now ends at child.Range.Start. When a
	// partition is split (Config.NoPartitionSplit), it is called for each
	// range split off: the piece of the partition (its Range empty, at the
	// partition's token), and, when parent is a subrange, the rest of its
	// range and the partitions of the same token. It is called before any
	// page of child is written.
	RangeSplit func(parent int, child ring.Subrange)
	// PartitionSplit follows every split of a large partition by
	// clustering range (after the RangeSplit calls of its children):
	// pieces is the number of pieces of the partition split off parent,
	// and first is set for the partition's first split (the one that
	// ends a token subrange inside it), not for a piece split again.
	PartitionSplit func(parent int, pieces int, first bool)
	// RangeDone follows the end of every subrange, done or failed.
	RangeDone func(st RangeStats)
	// CheckpointSaved follows every checkpoint save, with the rows it
	// counts, or the save's error.
	CheckpointSaved func(rows int64, err error)
	// HostLimit tells a host's cap on page requests in flight when the
	// host is first used and, with PerHostAdaptive, whenever it changes,
	// and why: "fixed", "initial", "grow", "latency", "overloaded",
	// "timeout", "probe" (halved for a window, to measure the host's
	// unloaded latency) or "probed". LimitBacksOff tells the reasons that
	// back off a congested host. Calls for one host come in order.
	HostLimit func(host string, limit int, reason string)
}

// LimitBacksOff reports whether a HostLimit reason lowers a limit because
// the host was congested: its latency rose ("latency"), it answered
// Overloaded ("overloaded") or a request timed out ("timeout").
func LimitBacksOff(reason string) bool { return worker.LimitReason(reason).BacksOff() }

// hookList runs several Hooks in order.
type hookList []Hooks

// worker returns the pool's hooks, calling every list member's; f
// describes pieces of split partitions.
func (l hookList) worker(f *fetcher) worker.Hooks {
	var h worker.Hooks
	if l.any(func(h Hooks) bool { return h.PageRead != nil }) {
		h.PageRead = func(id int, host string, rows, bytes int, lat time.Duration) {
			for _, x := range l {
				if x.PageRead != nil {
					x.PageRead(id, host, rows, bytes, lat)
				}
			}
		}
	}
	if l.any(func(h Hooks) bool { return h.RequestStart != nil }) {
		h.RequestStart = func(host string) {
			for _, x := range l {
				if x.RequestStart != nil {
					x.RequestStart(host)
				}
			}
		}
	}
	if l.any(func(h Hooks) bool { return h.RequestEnd != nil }) {
		h.RequestEnd = func(host string) {
			for _, x := range l {
				if x.RequestEnd != nil {
					x.RequestEnd(host)
				}
			}
		}
	}
	if l.any(func(h Hooks) bool { return h.Retry != nil }) {
		h.Retry = func(id int, host, kind string, err error) {
			for _, x := range l {
				if x.Retry != nil {
					x.Retry(id, host, kind, err)
				}
			}
		}
	}
	if l.any(func(h Hooks) bool { return h.HostLimit != nil }) {
		h.HostLimit = func(host string, limit int, reason worker.LimitReason) {
			for _, x := range l {
				if x.HostLimit != nil {
					x.HostLimit(host, limit, string(reason))
				}
			}
		}
	}
	if l.any(func(h Hooks) bool { return h.RangeDone != nil }) {
		h.RangeDone = func(st worker.RangeStats) {
			rs := rangeStatsOf(st, f)
			for _, x := range l {
				if x.RangeDone != nil {
					x.RangeDone(rs)
				}
			}
		}
	}
	return h
}

func (l hookList) any(f func(Hooks) bool) bool {
	for _, h := range l {
		if f(h) {
			return true
		}
	}
	return false
}

func (l hookList) pageWritten(id int, cur worker.Cursor, rows int) {
	for _, x := range l {
		if x.PageWritten != nil {
			x.PageWritten(id, Cursor{c: cur}, rows)
		}
	}
}

func (l hookList) partitionSplit(parent, pieces int, first bool) {
	for _, x := range l {
		if x.PartitionSplit != nil {
			x.PartitionSplit(parent, pieces, first)
		}
	}
}

func (l hookList) rangeSplit(parent int, child ring.Subrange) {
	for _, x := range l {
		if x.RangeSplit != nil {
			x.RangeSplit(parent, child)
		}
	}
}

func (l hookList) checkpointSaved(rows int64, err error) {
	for _, x := range l {
		if x.CheckpointSaved != nil {
			x.CheckpointSaved(rows, err)
		}
	}
}
