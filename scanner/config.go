package scanner

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/worker"
)

// ErrInvalidConfig is wrapped by every Config validation error.
var ErrInvalidConfig = errors.New("invalid scanner config")

// Config describes a scan. Zero fields take their defaults (the Default*
// constants, from the benchmarks in docs/benchmarks.md); EnsureDefaults
// returns the configuration in effect.
type Config struct {
	// Keyspace and Table name the table to read. Required. Names are
	// case-sensitive as stored (unquoted CQL names are lower case).
	Keyspace, Table string
	// Columns are the columns to read, in output order: table columns, and
	// writetime(c) or ttl(c) of a regular or static column c (named so in
	// the output, as dsbulk names them). Default: all columns, in SELECT *
	// order.
	Columns []string
	// Where is a CQL condition ANDed to every subrange's statement, as
	// dsbulk's -query and Spark's .where push one down: "kind = 'click'",
	// "ts > '2026-01-01' AND score >= 0.5". It may not hold LIMIT, ORDER
	// BY, GROUP BY, ALLOW FILTERING or a token() relation: the scan pages
	// token ranges. It is checked against the table when the scan is
	// planned. Default: none.
	Where string
	// AllowFiltering appends ALLOW FILTERING, which Cassandra requires for
	// a Where on columns it cannot look up directly (every replica then
	// reads and filters every row of each subrange). Default false: a Where
	// that needs it is refused, saying so.
	AllowFiltering bool
	// BeginToken and EndToken restrict the scan to the tokens in
	// (BeginToken, EndToken], as cqlsh COPY's BEGINTOKEN and ENDTOKEN do,
	// written as the partitioner writes tokens. Either may be empty: the
	// ring's minimum, or its maximum. A BeginToken after EndToken wraps
	// around the ring. Shards (Shard, Shards) share what is left. Default:
	// the whole ring.
	BeginToken, EndToken string
	// PageSize is the number of rows asked for per page (a hint: servers
	// may return fewer, or cap pages by bytes), 1..2^31-1. Default 5000.
	PageSize int
	// PageBytes bounds the bytes of values a page is asked to hold: once
	// pages came back, a request asks for fewer rows than PageSize when
	// PageSize rows of the mean size read so far would hold more (at least
	// one row). Cassandra 4.1 pages by rows only, whatever their size
	// (ScyllaDB caps pages at 1 MiB), so that without it a page of 5000
	// rows of 100 KB would be a 500 MB response, and the memory bound
	// (docs/design.md) none. The requests sent before any page came back
	// ask for PageSize rows, or, on a table without clustering columns
	// whose size estimates were read (UseSizeEstimates), fewer by the
	// estimates' mean partition size: set PageSize low for a table of
	// very large rows. Default 8 MiB (DefaultPageBytes); NoPageBytes (-1)
	// turns the bound off.
	PageBytes int
	// Concurrency is the number of subranges read at once. Default 32.
	Concurrency int
	// Splits is the number of subranges of the plan; never fewer than the
	// ring's vnode ranges (a count on the server sized by the estimates,
	// CountSplitBytes, may hold more). Default Concurrency: one wave of subranges,
	// whose tail idle goroutines split while the scan runs. A resumed scan
	// reads the plan its checkpoint recorded, whatever Splits says.
	Splits int
	// PerHost caps the page requests in flight to any one host: the cap
	// itself with PerHostFixed, the ceiling of each host's adaptive limit
	// with PerHostAdaptive. Default with PerHostFixed: twice an even share
	// of Concurrency over the hosts the plan uses, at least 8; with
	// PerHostAdaptive: Concurrency.
	PerHost int
	// PerHostMode is how hosts are capped: PerHostFixed, at PerHost; or
	// PerHostAdaptive, at a limit per host that grows while the host's
	// page latency stays near its unloaded level and shrinks when it
	// rises, on timeouts and on Overloaded answers (TCP Vegas; see
	// docs/design.md), between MinPerHost and PerHost. With
	// PerHostAdaptive each host is first sent the page statements over no
	// token, which prepares them there, so that its first pages measure
	// page reads. Default DefaultPerHostMode.
	PerHostMode PerHostMode
	// MinPerHost is the floor of the adaptive limit (PerHostAdaptive
	// only). Default 1.
	MinPerHost int
	// Consistency is the read consistency; the serial levels are refused,
	// as Cassandra refuses them for reads. Default LOCAL_ONE (gocql's zero
	// Consistency is ANY, which no read can use: here it means the
	// default).
	Consistency gocql.Consistency
	// Retries is how many times a failing page is retried, each time on
	// the next replica. Default 8; NoRetries (-1) for none.
	Retries int
	// BackoffBase and BackoffMax bound the wait before a retry: a retry
	// goes at once to a replica that has not failed the page; once every
	// replica has, each retry waits BackoffBase doubled at every attempt
	// of the page (those that did not wait included), up to BackoffMax,
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
	// RowsPerSecond caps the rows read per second: a page is requested only
	// once its rows are granted. Default 0: no cap.
	RowsPerSecond float64
	// UseSizeEstimates weights the split plan by system.size_estimates,
	// falling back to ring share when the estimates are missing or absurd.
	// A count on the server (Plan.CountOnServer) also sizes its subranges
	// by them (CountSplitBytes). The plan then depends on the estimates
	// read when it is made, which Cassandra rewrites every 5 minutes: with
	// Shards > 1 every process must plan on the same estimates, or the
	// shards overlap and leave gaps (docs/distributed.md). Default false.
	UseSizeEstimates bool
	// CountSplitBytes is the most data, by size estimates, that one
	// count(*) of a count on the server reads (Plan.CountOnServer, with
	// UseSizeEstimates): a subrange estimated to hold more is split
	// further, so that each count(*) ends well within the server's range
	// read timeout, which bounds the whole aggregate (Cassandra's
	// range_request_timeout, 10s by default); past ring.MaxSplits
	// subranges the bound is loosened to the least that fits. Default
	// 64 MiB, the split size of the Spark connector's 2.x reference, whose
	// count on the server (cassandraCount) sends a count(*) per split
	// (later releases: 512 MB).
	CountSplitBytes int64
	// Shard and Shards select a deterministic 1/Shards of the plan (Shard in
	// 0..Shards-1), so that several processes share one scan. Default: the
	// whole plan (Shards 0 or 1).
	Shard, Shards int
	// Seed orders the subranges (a deterministic shuffle that spreads
	// concurrent work over the nodes). Default 1.
	Seed uint64
	// NoPartitionSplit turns off the splitting of large partitions. By
	// default, once no subrange is left to start, a partition that a
	// subrange reads inside (a page or more of it, with at least
	// PartitionSplitRows left) is split by clustering range, its pieces
	// read at once by the idle goroutines, each on a replica, exactly once
	// (docs/design.md, "Large partitions"). Tables without clustering
	// columns, scans that read tokens only (Plan.TokensOnly) and Where
	// conditions on clustering columns never split partitions.
	NoPartitionSplit bool
	// PartitionSplitRows is the least number of rows a partition must have
	// left, by estimate, to be split. Default twice PageSize, so that each
	// piece gets a page at least.
	PartitionSplitRows int
	// CheckpointEvery is how often a scan with a checkpoint store
	// (WithCheckpoint) commits its sink and saves the checkpoint, between
	// two pages; it is also saved when the scan starts and when it ends,
	// however it ends. Default 5s.
	CheckpointEvery time.Duration
}

// PerHostMode is how Config.PerHost caps each host.
type PerHostMode string

// Per-host modes.
const (
	// PerHostFixed caps every host at Config.PerHost.
	PerHostFixed PerHostMode = PerHostMode(worker.PerHostFixed)
	// PerHostAdaptive caps each host at a limit that adapts to its
	// latency, between Config.MinPerHost and Config.PerHost.
	PerHostAdaptive PerHostMode = PerHostMode(worker.PerHostAdaptive)
	// DefaultPerHostMode is Config.PerHostMode's default.
	DefaultPerHostMode = PerHostMode(worker.DefaultPerHostMode)
)

// Defaults of Config's fields (the pool's are defined by package worker,
// which applies them; they are named here so that users need not import
// it).
const (
	DefaultPageSize        = worker.DefaultPageSize
	DefaultPageBytes       = worker.DefaultPageBytes
	DefaultConcurrency     = worker.DefaultConcurrency
	DefaultRetries         = worker.DefaultRetries
	DefaultBackoffBase     = worker.DefaultBackoffBase
	DefaultBackoffMax      = worker.DefaultBackoffMax
	DefaultRequestTimeout  = worker.DefaultRequestTimeout
	DefaultCheckpointEvery = 5 * time.Second
	DefaultCountSplitBytes = 64 << 20
	DefaultConsistency     = gocql.LocalOne
	DefaultSeed            = 1
	// NoRetries as Config.Retries turns retries off.
	NoRetries = worker.NoRetries
	// NoPageBytes as Config.PageBytes turns the bound on a page's bytes
	// off.
	NoPageBytes = worker.NoPageBytes
)

// EnsureDefaults returns c with every zero field set to its default, the
// pool's included: the configuration a scan runs with. PerHost stays 0 when
// unset (it depends on the hosts the plan uses), and Splits stays 0 (the
// plan uses Concurrency's value).
func (c Config) EnsureDefaults() Config {
	w := c.workerConfig().EnsureDefaults()
	c.PageSize, c.Concurrency, c.Retries = w.PageSize, w.Concurrency, w.Retries
	c.BackoffBase, c.BackoffMax, c.RequestTimeout = w.BackoffBase, w.BackoffMax, w.RequestTimeout
	c.PartitionSplitRows, c.PageBytes = w.PartitionSplitRows, w.PageBytes
	c.PerHostMode, c.MinPerHost = PerHostMode(w.PerHostMode), w.MinPerHost
	if c.Consistency == 0 {
		c.Consistency = DefaultConsistency
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Shards == 0 {
		c.Shards = 1
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = DefaultCheckpointEvery
	}
	if c.CountSplitBytes == 0 {
		c.CountSplitBytes = DefaultCountSplitBytes
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
	// A checkpoint records these texts; JSON cannot carry bytes that are
	// not UTF-8 (they come back changed, and the checkpoint would fail
	// its own checksum), nor can CQL name or compare them.
	for _, f := range []struct{ name, v string }{{"Keyspace", c.Keyspace}, {"Table", c.Table}, {"Where", c.Where},
		{"BeginToken", c.BeginToken}, {"EndToken", c.EndToken}, {"LocalDC", c.LocalDC}} {
		if !utf8.ValidString(f.v) {
			bad("%s %q is not valid UTF-8 text", f.name, f.v)
		}
	}
	for _, col := range c.Columns {
		if !utf8.ValidString(col) {
			bad("column %q in Columns is not valid UTF-8 text", col)
		}
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
	if err := CheckWhere(c.Where); err != nil {
		bad("Where %q: %v", c.Where, err)
	}
	if c.AllowFiltering && strings.TrimSpace(c.Where) == "" {
		bad("AllowFiltering is set without a Where condition")
	}
	if c.BeginToken != "" && c.BeginToken == c.EndToken {
		bad("BeginToken and EndToken are both %s: the range (t, t] holds no token", c.BeginToken)
	}
	if c.Splits < 0 {
		bad("Splits is %d; it must be positive (0 for the default)", c.Splits)
	}
	switch c.Consistency {
	case gocql.Serial, gocql.LocalSerial:
		bad("Consistency %v cannot be used for reads; use ONE, LOCAL_ONE, QUORUM, LOCAL_QUORUM, EACH_QUORUM, TWO, THREE or ALL", c.Consistency)
	}
	// The pool's settings are the pool's to check; its messages name the
	// field, with no prefix of ours.
	if err := c.workerConfig().Validate(); err != nil {
		for _, e := range unjoin(err) {
			errs = append(errs, fmt.Errorf("%w: %s", ErrInvalidConfig, strings.TrimPrefix(e.Error(), worker.ErrInvalidConfig.Error()+": ")))
		}
	}
	if c.Shards < 0 || (c.Shards > 0 && (c.Shard < 0 || c.Shard >= c.Shards)) || (c.Shards == 0 && c.Shard != 0) {
		bad("Shard %d of %d: Shard must be in 0..Shards-1", c.Shard, c.Shards)
	}
	if c.CheckpointEvery < 0 {
		bad("CheckpointEvery is %v; it must be positive (0 for the default %v)", c.CheckpointEvery, DefaultCheckpointEvery)
	}
	if c.CountSplitBytes < 0 {
		bad("CountSplitBytes is %d; it must be a positive number of bytes (0 for the default %d)", c.CountSplitBytes, DefaultCountSplitBytes)
	}
	return errors.Join(errs...)
}

// unjoin returns the errors of an errors.Join, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (c Config) workerConfig() worker.Config {
	return worker.Config{
		Concurrency: c.Concurrency, PerHost: c.PerHost, PerHostMode: worker.PerHostMode(c.PerHostMode), MinPerHost: c.MinPerHost,
		Retries:     c.Retries,
		BackoffBase: c.BackoffBase, BackoffMax: c.BackoffMax,
		RequestTimeout: c.RequestTimeout, MaxFailedRanges: c.MaxFailedRanges,
		RowsPerSecond: c.RowsPerSecond, PageSize: c.PageSize, PageBytes: c.PageBytes,
		NoPartitionSplit: c.NoPartitionSplit, PartitionSplitRows: c.PartitionSplitRows,
	}
}
