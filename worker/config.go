package worker

import (
	"errors"
	"fmt"
	"math"
	"time"

	"go.uber.org/zap"
)

// ErrInvalidConfig is wrapped by every Config validation error.
var ErrInvalidConfig = errors.New("invalid worker config")

// Defaults of Config, in one place: EnsureDefaults applies them and the
// field comments name them.
const (
	DefaultConcurrency    = 32
	DefaultRetries        = 8
	DefaultBackoffBase    = 100 * time.Millisecond
	DefaultBackoffMax     = 5 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	DefaultPageSize       = 5000
	DefaultPageBytes      = 8 << 20
	// MaxConcurrency bounds Concurrency.
	MaxConcurrency = 4096
)

// Config tunes the pool. Zero fields take their defaults; EnsureDefaults
// returns the configuration in effect.
type Config struct {
	// Concurrency is the number of subranges read at once. Default 32.
	Concurrency int
	// PerHost caps the page requests in flight to one host, so that a scan
	// cannot pile onto one node: the cap itself with PerHostFixed, the
	// ceiling of the adaptive limit with PerHostAdaptive. Default with
	// PerHostFixed: twice an even share of Concurrency over the hosts that
	// serve the scan, at least 8 (DefaultPerHost); with PerHostAdaptive:
	// Concurrency. It is worked out by Run, which knows the hosts.
	PerHost int
	// PerHostMode is how each host is capped: PerHostFixed at PerHost, or
	// PerHostAdaptive at a limit per host that follows the host's latency,
	// between MinPerHost and PerHost (TCP Vegas, see docs/design.md).
	// Default DefaultPerHostMode.
	PerHostMode PerHostMode
	// MinPerHost is the adaptive limit's floor, with PerHostAdaptive: no
	// host's limit goes below it, whatever its latency or errors. Default
	// 1 (DefaultMinPerHost).
	MinPerHost int
	// QueueDepth is the number of read pages that may wait for the output.
	// With Concurrency it bounds memory: at most Concurrency + QueueDepth +
	// 1 pages exist at once. Default Concurrency.
	QueueDepth int
	// Retries is how many times a failing page request is retried, with
	// exponential backoff and jitter, moving to the next replica each time.
	// Default 8; NoRetries (-1) means none.
	Retries int
	// BackoffBase and BackoffMax bound the backoff between retries.
	// Defaults 100ms and 5s.
	BackoffBase, BackoffMax time.Duration
	// RequestTimeout bounds one page request. Default 30s.
	RequestTimeout time.Duration
	// MaxFailedRanges is the failure policy: 0 fails fast, aborting the scan
	// at the first subrange that exhausts its retries; n > 0 goes on while at
	// most n subranges have failed; -1 never aborts. Default 0.
	MaxFailedRanges int
	// RowsPerSecond caps the rows read from the cluster per second: a page
	// is requested only once the limiter grants its page size, and what a
	// short page did not use is given back. Default 0: no cap.
	RowsPerSecond float64
	// PageSize is the page size asked of the Fetcher (lowered to
	// RowsPerSecond when that is smaller); it also sizes the splitting of
	// running subranges. Default 5000.
	PageSize int
	// PageBytes bounds the bytes of values a page is asked to hold: once
	// pages came back, a request asks for fewer rows than PageSize when
	// PageSize rows of the mean size read so far would hold more (at least
	// one row). Cassandra 4.1 pages by rows only, whatever their size, so
	// that without it the memory bound (Concurrency + QueueDepth + 1 pages
	// of PageSize rows) has no bound in bytes. The requests sent before any
	// page came back ask for PageSize rows, or fewer by RowBytes. Default
	// 8 MiB (DefaultPageBytes); NoPageBytes (-1) turns the bound off.
	PageBytes int
	// RowBytes is the bytes of values a row is expected to hold before any
	// page came back (for example from the table's size estimates), which
	// PageBytes then bounds the first requests by. Default 0: unknown.
	RowBytes float64
	// NoSplit turns off the splitting of running subranges: by default, when
	// no subrange is left to start, an idle goroutine takes the second half
	// of the running subrange with the most rows left (if the Fetcher is a
	// Trimmer), so that one long subrange does not make the scan's tail.
	NoSplit bool
	// NoPartitionSplit turns off the splitting of partitions by clustering
	// range: by default, when the work left to split is a task reading
	// inside one partition (a page or more of it) and the Fetcher is
	// Partitions, the partition is split (see Partitions).
	NoPartitionSplit bool
	// PartitionSplitRows is the least number of rows a partition must have
	// left, by estimate, to be split. Default twice PageSize, so that each
	// part gets a page at least.
	PartitionSplitRows int
	// MinSplitID is the id below which no piece split off a running
	// subrange is numbered: pieces get ids above it and above every task's.
	// A resumed scan sets it to the largest id its plan and checkpoint
	// hold, so that new pieces never take the id of a subrange already
	// recorded. Default 0.
	MinSplitID int
	// Logger receives one line per failed subrange (warn) and per retry
	// (debug). Default: no logging.
	Logger *zap.Logger
	// Limits, when set, replace PerHost, RowsPerSecond, PageBytes and
	// RowBytes with caps, and a mean row size, shared with other Runs (see
	// Limits). Default: this Run's own.
	Limits *Limits
}

// NoRetries as Config.Retries turns retries off.
const NoRetries = -1

// NoPageBytes is Config.PageBytes for no bound on a page's bytes: every
// request asks for PageSize rows.
const NoPageBytes = -1

// PerHostMode is how Config.PerHost caps each host.
type PerHostMode string

// Per-host modes.
const (
	// PerHostFixed caps every host at Config.PerHost.
	PerHostFixed PerHostMode = "fixed"
	// PerHostAdaptive caps each host at a limit that adapts to its
	// latency, Overloaded answers and timeouts, between Config.MinPerHost
	// and Config.PerHost (and never above Config.Concurrency).
	PerHostAdaptive PerHostMode = "adaptive"
	// DefaultPerHostMode is Config.PerHostMode's default.
	DefaultPerHostMode = PerHostFixed
)

// EnsureDefaults returns c with every zero field set to its default (see
// the field comments). PerHost stays 0 when unset: Run works it out from
// the hosts of the tasks (DefaultPerHost).
func (c Config) EnsureDefaults() Config {
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.QueueDepth == 0 {
		c.QueueDepth = c.Concurrency
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = DefaultBackoffBase
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = max(DefaultBackoffMax, c.BackoffBase)
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.PartitionSplitRows == 0 {
		c.PartitionSplitRows = 2 * c.PageSize
	}
	if c.PageBytes == 0 {
		c.PageBytes = DefaultPageBytes
	}
	if c.PerHostMode == "" {
		c.PerHostMode = DefaultPerHostMode
	}
	if c.MinPerHost == 0 && c.PerHostMode == PerHostAdaptive {
		c.MinPerHost = DefaultMinPerHost
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c
}

// retries is the number of retries in effect: Retries after defaults, with
// NoRetries as 0.
func (c Config) retries() int { return max(c.Retries, 0) }

// Validate reports every problem of c at once, each wrapping
// ErrInvalidConfig and naming the field and what is allowed.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.Concurrency < 0 || c.Concurrency > MaxConcurrency {
		bad("Concurrency is %d; it must be 1..%d (0 for the default %d)", c.Concurrency, MaxConcurrency, DefaultConcurrency)
	}
	if c.PerHost < 0 {
		bad("PerHost is %d; it must be positive (0 for the default)", c.PerHost)
	}
	switch c.PerHostMode {
	case "", PerHostFixed, PerHostAdaptive:
	default:
		bad("PerHostMode %q is unknown; allowed are %s and %s (empty for the default %s)", c.PerHostMode, PerHostFixed, PerHostAdaptive, DefaultPerHostMode)
	}
	mode := c.PerHostMode
	if mode == "" {
		mode = DefaultPerHostMode
	}
	switch {
	case c.MinPerHost < 0:
		bad("MinPerHost is %d; it must be positive (0 for the default %d)", c.MinPerHost, DefaultMinPerHost)
	case c.MinPerHost > 0 && mode != PerHostAdaptive:
		bad("MinPerHost is the floor of the adaptive limit: it needs PerHostMode %s", PerHostAdaptive)
	case c.MinPerHost > 0 && c.PerHost > 0 && c.MinPerHost > c.PerHost:
		bad("MinPerHost %d is above PerHost %d: the floor of the adaptive limit must not exceed its ceiling", c.MinPerHost, c.PerHost)
	}
	if c.QueueDepth < 0 {
		bad("QueueDepth is %d; it must be positive (0 for the default)", c.QueueDepth)
	}
	if c.Retries < NoRetries {
		bad("Retries is %d; it must be -1 (none), 0 (default %d) or more", c.Retries, DefaultRetries)
	}
	if c.BackoffBase < 0 || c.BackoffMax < 0 || (c.BackoffMax > 0 && c.BackoffBase > c.BackoffMax) {
		bad("backoff %v..%v: both must be positive and BackoffBase <= BackoffMax", c.BackoffBase, c.BackoffMax)
	}
	if c.RequestTimeout < 0 {
		bad("RequestTimeout is %v; it must be positive", c.RequestTimeout)
	}
	if c.MaxFailedRanges < -1 {
		bad("MaxFailedRanges is %d; it must be -1 (never abort), 0 (fail fast) or a positive limit", c.MaxFailedRanges)
	}
	if c.RowsPerSecond < 0 || math.IsNaN(c.RowsPerSecond) || math.IsInf(c.RowsPerSecond, 0) {
		bad("RowsPerSecond is %v; it must be 0 (no cap) or a positive number", c.RowsPerSecond)
	}
	if c.PageSize < 0 || c.PageSize > math.MaxInt32 {
		bad("PageSize is %d; it must be 1..%d (0 for the default %d)", c.PageSize, math.MaxInt32, DefaultPageSize)
	}
	if c.PageBytes < NoPageBytes {
		bad("PageBytes is %d; it must be a positive number of bytes, 0 for the default %d or NoPageBytes (-1) for no bound", c.PageBytes, DefaultPageBytes)
	}
	if c.RowBytes < 0 || math.IsNaN(c.RowBytes) || math.IsInf(c.RowBytes, 0) {
		bad("RowBytes is %v; it must be 0 (unknown) or a positive number of bytes", c.RowBytes)
	}
	if c.PartitionSplitRows < 0 {
		bad("PartitionSplitRows is %d; it must be positive (0 for the default, twice PageSize)", c.PartitionSplitRows)
	}
	return errors.Join(errs...)
}

// perHost is PerHost in effect for a scan over hosts hosts, once the
// defaults are set.
func (c Config) perHost(hosts int) int {
	switch {
	case c.PerHost > 0:
		return c.PerHost
	case c.PerHostMode == PerHostAdaptive:
		return c.Concurrency
	}
	return DefaultPerHost(c.Concurrency, hosts)
}

// DefaultPerHost is the per-host cap when Config.PerHost is 0: twice an
// even share of concurrency over hosts, at least 8. Twice, because
// subranges do not spread perfectly evenly over replicas; at least 8, so
// that small concurrencies are not throttled.
func DefaultPerHost(concurrency, hosts int) int {
	if hosts < 1 {
		return max(8, concurrency)
	}
	return max(8, (2*concurrency+hosts-1)/hosts)
}
