package worker

import "time"

// Hooks observe a scan; nil fields are skipped. They are called from the
// pool's goroutines, concurrently, and must be quick. Pages written and
// splits are the Output's to record.
type Hooks struct {
	// PageRead follows every successful page request.
	PageRead func(rangeID int, host string, rows, bytes int, latency time.Duration)
	// RequestStart and RequestEnd bracket every page request.
	RequestStart, RequestEnd func(host string)
	// Retry follows every failed page request that will be retried.
	Retry func(rangeID int, host, kind string, err error)
	// RangeDone follows the end of every subrange, done or failed.
	RangeDone func(st RangeStats)
	// HostLimit tells a host's cap on requests in flight when the host is
	// first used (LimitFixed or LimitInitial) and, with PerHostAdaptive,
	// every time it changes, and why. Calls for one host come in order.
	HostLimit func(host string, limit int, reason LimitReason)
}
