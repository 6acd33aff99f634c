package scanner

import (
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/worker"
)

// ErrInvalidConfig is wrapped by every Config validation error.
var ErrInvalidConfig = errors.New("invalid scanner config")

// Config describes a scan. Zero fields take their defaults; the defaults
// come from the benchmarks in docs/benchmarks.md.
type Config struct {
	// Keyspace and Table name the table to read. Required. Names are
	// case-sensitive as stored (unquoted CQL names are lower case).
	Keyspace, Table string
	// Columns are the columns to read, in output order. Default: all
	// columns, in SELECT * order.
	Columns []string
	// PageSize is the number of rows asked for per page (a hint: servers
	// may return fewer, or cap pages by bytes). Default 5000.
	PageSize int
	// Concurrency is the number of subranges read at once. Default 32.
	Concurrency int
	// Splits is the number of subranges of the plan; never fewer than the
	// ring's vnode ranges. Default Concurrency: one wave of subranges,
	// whose tail idle goroutines split while the scan runs.
	Splits int
	// PerHost caps the page requests in flight to any one host. Default:
	// twice an even share of Concurrency over the hosts used, at least 8
	// (see worker.DefaultPerHost).
	PerHost int
	// Consistency is the read consistency. Default LOCAL_ONE.
	Consistency gocql.Consistency
	// Retries is how many times a failing page is retried (with backoff,
	// on the next replica). Default 8; -1 for none.
	Retries int
	// BackoffBase and BackoffMax bound the wait before a retry: it doubles
	// from BackoffBase at every failed attempt of a page, up to BackoffMax,
	// with jitter. Defaults 100ms and 5s.
	BackoffBase, BackoffMax time.Duration
	// RequestTimeout bounds one page request. Default 30s.
	RequestTimeout time.Duration
	// LocalDC, when set, keeps every request in that data center: only its
	// replicas are used.
	LocalDC string
	// MaxFailedRanges is the failure policy: 0 fails fast; n > 0 finishes
	// the scan as long as at most n subranges failed; -1 never aborts.
	// Default 0.
	MaxFailedRanges int
	// RowsPerSecond caps the scan's throughput. Default 0: no cap.
	RowsPerSecond float64
	// UseSizeEstimates weights the split plan by system.size_estimates,
	// falling back to ring share when the estimates are missing or absurd.
	// Default false.
	UseSizeEstimates bool
	// Shard and Shards select a deterministic 1/Shards of the plan (Shard in
	// 0..Shards-1), so that several processes share one scan. Default: the
	// whole plan (Shards 0 or 1).
	Shard, Shards int
	// Seed orders the subranges (a deterministic shuffle that spreads
	// concurrent work over the nodes). Default 1.
	Seed uint64
}

// Defaults, documented on Config's fields.
const (
	DefaultPageSize    = 5000
	DefaultConcurrency = 32
)

func (c Config) withDefaults() Config {
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Consistency == 0 {
		c.Consistency = gocql.LocalOne
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Shards == 0 {
		c.Shards = 1
	}
	return c
}

// Validate reports every problem of c at once, each naming the field and
// what is allowed.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.Keyspace == "" {
		bad("Keyspace is required")
	}
	if c.Table == "" {
		bad("Table is required")
	}
	seen := map[string]bool{}
	for _, col := range c.Columns {
		if col == "" {
			bad("Columns holds an empty name")
		}
		if seen[col] {
			bad("column %q is listed twice in Columns", col)
		}
		seen[col] = true
	}
	if c.PageSize < 0 {
		bad("PageSize is %d; it must be positive (0 for the default %d)", c.PageSize, DefaultPageSize)
	}
	if c.Splits < 0 {
		bad("Splits is %d; it must be positive (0 for the default)", c.Splits)
	}
	// The worker's settings are the worker's to check.
	if err := c.workerConfig().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrInvalidConfig, err))
	}
	if c.Shards < 0 || (c.Shards > 0 && (c.Shard < 0 || c.Shard >= c.Shards)) || (c.Shards == 0 && c.Shard != 0) {
		bad("Shard %d of %d: Shard must be in 0..Shards-1", c.Shard, c.Shards)
	}
	return errors.Join(errs...)
}

func (c Config) workerConfig() worker.Config {
	return worker.Config{
		Concurrency: c.Concurrency, PerHost: c.PerHost, Retries: c.Retries,
		BackoffBase: c.BackoffBase, BackoffMax: c.BackoffMax,
		RequestTimeout: c.RequestTimeout, MaxFailedRanges: c.MaxFailedRanges,
		RowsPerSecond: c.RowsPerSecond, PageSize: c.PageSize,
	}
}
