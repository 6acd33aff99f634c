package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/internal/cqlident"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// Target is the table to read and how to reach it.
type Target struct {
	Hosts []string
	Port  int
	// Keyspace and Table name the table. Default: cqlsim's demo table.
	Keyspace, Table string
	// Username turns on PasswordAuthenticator; the password comes from
	// $RINGSCAN_PASSWORD.
	Username string `json:",omitempty"`
}

func (t Target) withDefaults() Target {
	if t.Keyspace == "" && t.Table == "" {
		t.Keyspace, t.Table = "ringscan_demo", "events"
	}
	if t.Port == 0 {
		t.Port = 9042
	}
	return t
}

// Job is what one child process runs: one strategy over one table.
type Job struct {
	Target   Target
	Strategy Strategy
	// PageSize is the scenario's page size (Strategy.PageSize overrides it).
	PageSize int
	// Timeout bounds one page request. Default 30s.
	Timeout time.Duration `json:",omitempty"`
}

// Measurement is what a child reports about its scan.
type Measurement struct {
	// Rows is the number of rows read; Distinct the number of distinct
	// rows among them (by row hash).
	Rows, Distinct int64
	// Sum is rowsum's checksum over every row read; DistinctSum over the
	// distinct rows; Digest a hash of the sorted distinct row hashes, equal
	// for two scans that read the same set of rows.
	Sum, DistinctSum, Digest uint64
	// Elapsed is the scan's wall time, from the first request (ringscan:
	// from reading the metadata) to the last row.
	Elapsed time.Duration
	// Work is the sum of the per-range (per-slice) read times; with
	// Concurrency it gives the ideal makespan Work/Concurrency. Zero for
	// single-stream.
	Work        time.Duration
	Concurrency int
	// Retries counts page requests sent again after an error.
	Retries int64
	// Pages counts the pages received (retries excluded, empty pages
	// included).
	Pages int64
	// RowsDropped counts the rows ringscan read past the end of a subrange
	// split while its statement ran, and dropped (scanner.Stats).
	RowsDropped int64 `json:",omitempty"`
	// Restarts counts the statements a split cut short, read on by a new
	// statement bounded by the new end (scanner.Stats).
	Restarts int64 `json:",omitempty"`
	// CPUSeconds is the child's user+system CPU time spent during the scan;
	// MaxRSSKiB its peak resident set size.
	CPUSeconds float64
	MaxRSSKiB  int64
	// Startup is the time from the start of Exec (before connecting) to
	// the first page request; Total the time from the start of Exec to
	// the last row, startup included: what a whole process of the
	// strategy takes, but for its own launch.
	Startup, Total time.Duration
	// Hashed says whether every row was hashed (Mode Verify): else only
	// the rows were counted, and Distinct and the sums are not known.
	Hashed bool
	// Limits are ringscan's per-host limits over the scan (every change).
	Limits []LimitPoint `json:",omitempty"`
}

// Exec runs one task in this process: it connects, reads the whole table
// with the strategy, and measures. It is what "ringscan bench-run" does in
// a child process; running it in-process mixes the caller's CPU and memory
// into the figures.
func Exec(ctx context.Context, t Job) (Measurement, error) {
	if err := t.Strategy.Validate(); err != nil {
		return Measurement{}, err
	}
	t.Target = t.Target.withDefaults()
	if t.Strategy.PageSize > 0 {
		t.PageSize = t.Strategy.PageSize
	}
	if t.PageSize <= 0 {
		t.PageSize = scanner.DefaultPageSize
	}
	if t.Timeout <= 0 {
		t.Timeout = 30 * time.Second
	}
	began := time.Now()
	obs := &observer{scan: selectAll(t)}
	if t.Strategy.TokenOnly {
		obs.scan = "SELECT token("
	}
	if t.Strategy.ServerCount {
		obs.scan = "SELECT count(*)"
	}
	s, err := connect(t, obs)
	if err != nil {
		return Measurement{}, err
	}
	defer s.Close()
	obs.retries.Store(0)
	obs.pages.Store(0)

	cpu0 := cpuSeconds()
	var m Measurement
	var c collector
	var first firstRequest
	switch t.Strategy.Kind {
	case SingleStream:
		m, c, err = readSingleStream(ctx, s, t, &first)
	case EqualSlices:
		m, c, err = readEqualSlices(ctx, s, t, &first)
	case Ringscan:
		m, c, err = readRingscan(ctx, s, t, &first)
	}
	if err != nil {
		return Measurement{}, err
	}
	m.Total = time.Since(began)
	m.Startup = first.since(began)
	m.CPUSeconds = cpuSeconds() - cpu0
	m.MaxRSSKiB = maxRSSKiB()
	if t.Strategy.Kind != Ringscan {
		m.Retries, m.Pages = obs.retries.Load(), obs.pages.Load()
	}
	if t.Strategy.Mode == Verify {
		c.finish(&m)
	} else {
		m.Rows = c.rows
	}
	return m, nil
}

// firstRequest records when the first page request was sent.
type firstRequest struct {
	once sync.Once
	at   time.Time
}

func (f *firstRequest) mark() { f.once.Do(func() { f.at = time.Now() }) }

func (f *firstRequest) since(t time.Time) time.Duration {
	if f.at.IsZero() {
		return 0
	}
	return f.at.Sub(t)
}

// observer counts the baselines' driver retries (attempts after the
// first) and the pages their scan statements received.
type observer struct {
	scan           string // the statements' common prefix
	retries, pages atomic.Int64
}

func (o *observer) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	if q.Attempt > 0 {
		o.retries.Add(1)
	}
	if q.Err == nil && strings.HasPrefix(q.Statement, o.scan) {
		o.pages.Add(1)
	}
}

func connect(t Job, obs *observer) (*gocql.Session, error) {
	if len(t.Target.Hosts) == 0 {
		return nil, fmt.Errorf("%w: no hosts to connect to", ErrInvalidConfig)
	}
	// ringscan connects as its command line does; the baselines as a
	// program that takes the driver's defaults, but that requests go out at
	// once (no 200µs write coalescing, which every page chain would pay).
	// The driver picks coordinators round robin (ringscan sets the host of
	// every request itself).
	cl := gocql.NewCluster(t.Target.Hosts...)
	if t.Strategy.Kind == Ringscan {
		cl = scanner.NewClusterConfig(t.Target.Hosts...)
	}
	cl.Port = t.Target.Port
	cl.Timeout = t.Timeout
	cl.ConnectTimeout = 10 * time.Second
	cl.NumConns = 2
	cl.WriteCoalesceWaitTime = 0
	cl.PoolConfig.HostSelectionPolicy = gocql.RoundRobinHostPolicy()
	cl.QueryObserver = obs
	if t.Target.Username != "" {
		cl.Authenticator = gocql.PasswordAuthenticator{Username: t.Target.Username, Password: os.Getenv("RINGSCAN_PASSWORD")}
	}
	s, err := cl.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("connect to %s port %d: %w", strings.Join(t.Target.Hosts, ","), t.Target.Port, err)
	}
	return s, nil
}

// baselineRetry is the baselines' retry policy: scylla-bench's retries
// and backoff, done by the driver on the failed page request.
func baselineRetry() gocql.RetryPolicy {
	return &sameHostRetry{gocql.ExponentialBackoffRetryPolicy{NumRetries: baselineRetries, Min: baselineBackoffMin, Max: baselineBackoffMax}}
}

// sameHostRetry retries on the same coordinator. gocql's own policies move
// to the next host, and its round-robin plan offers each host once: with 3
// nodes a page would get 3 attempts whatever NumRetries says, and a 5%
// fault rate would fail about one scan of 200 pages in 40.
type sameHostRetry struct {
	gocql.ExponentialBackoffRetryPolicy
}

func (*sameHostRetry) GetRetryType(error) gocql.RetryType { return gocql.Retry }

// rawCell keeps a column's serialized value as the driver hands it over,
// valid until the next Scan.
type rawCell struct{ v *[]byte }

func (r rawCell) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	*r.v = data
	return nil
}

// readIter reads every row of a driver iterator (all its pages) into c:
// hashed with Verify, counted otherwise.
func readIter(it *gocql.Iter, c *collector, mode Mode) error {
	cols := it.Columns()
	for _, col := range cols {
		if col.TypeInfo.Type() == gocql.TypeTuple {
			_ = it.Close()
			return fmt.Errorf("column %s is a tuple: the baselines cannot read tuples as raw values", col.Name)
		}
	}
	vals := make([][]byte, len(cols))
	dest := make([]any, len(cols))
	for i := range dest {
		dest[i] = rawCell{&vals[i]}
	}
	if mode != Verify {
		for it.Scan(dest...) {
			c.rows++
		}
		return it.Close()
	}
	for it.Scan(dest...) {
		c.add(rowsum.Row(vals))
	}
	return it.Close()
}

// readCount reads the one row of a SELECT count(*): the slice's rows,
// counted by the server.
func readCount(it *gocql.Iter, c *collector, _ Mode) error {
	var n int64
	if !it.Scan(&n) {
		if err := it.Close(); err != nil {
			return err
		}
		return errors.New("count(*) answered no row")
	}
	c.rows += n
	return it.Close()
}

func selectAll(t Job) string {
	return "SELECT * FROM " + cqlident.Quote(t.Target.Keyspace) + "." + cqlident.Quote(t.Target.Table)
}

func readSingleStream(ctx context.Context, s *gocql.Session, t Job, first *firstRequest) (Measurement, collector, error) {
	var c collector
	start := time.Now()
	first.mark()
	it := s.Query(selectAll(t)).WithContext(ctx).PageSize(t.PageSize).
		Consistency(gocql.LocalOne).Idempotent(true).RetryPolicy(baselineRetry()).Iter()
	if err := readIter(it, &c, t.Strategy.Mode); err != nil {
		return Measurement{}, c, fmt.Errorf("single-stream: %w", err)
	}
	return Measurement{Elapsed: time.Since(start), Concurrency: 1}, c, nil
}

func readEqualSlices(ctx context.Context, s *gocql.Session, t Job, first *firstRequest) (Measurement, collector, error) {
	start := time.Now() // reading the metadata is part of the scan, as for ringscan
	ks, err := s.KeyspaceMetadata(t.Target.Keyspace)
	if err != nil {
		return Measurement{}, collector{}, fmt.Errorf("equal-slices: keyspace %s: %w", t.Target.Keyspace, err)
	}
	tm, ok := ks.Tables[t.Target.Table]
	if !ok {
		return Measurement{}, collector{}, fmt.Errorf("equal-slices: no table %s.%s", t.Target.Keyspace, t.Target.Table)
	}
	pk := make([]string, len(tm.PartitionKey))
	for i, c := range tm.PartitionKey {
		pk[i] = cqlident.Quote(c.Name)
	}
	tokenExpr := "token(" + strings.Join(pk, ", ") + ")"
	from := selectAll(t)
	table := cqlident.Quote(t.Target.Keyspace) + "." + cqlident.Quote(t.Target.Table)
	switch {
	case t.Strategy.TokenOnly:
		from = "SELECT " + tokenExpr + " FROM " + table
	case t.Strategy.ServerCount:
		from = "SELECT count(*) FROM " + table
	}
	stmt := from + " WHERE " + tokenExpr + " > ? AND " + tokenExpr + " <= ?"
	n := t.Strategy.Slices
	if n == 0 {
		n = 64 * max(1, len(s.GetHosts()))
	}
	all, err := SplitEqual(n)
	if err != nil {
		return Measurement{}, collector{}, err
	}
	slices := shuffleSlices(all, 1)
	conc := t.Strategy.EffectiveConcurrency()
	var next atomic.Int64
	var work atomic.Int64
	parts := make([]collector, conc)
	errs := make([]error, conc)
	var wg sync.WaitGroup
	for g := range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(slices) || ctx.Err() != nil {
					return
				}
				sl := slices[i]
				t0 := time.Now()
				first.mark()
				it := s.Query(stmt, sl.Start, sl.End).WithContext(ctx).PageSize(t.PageSize).
					Consistency(gocql.LocalOne).Idempotent(true).RetryPolicy(baselineRetry()).Iter()
				read := readIter
				if t.Strategy.ServerCount {
					read = readCount
				}
				if err := read(it, &parts[g], t.Strategy.Mode); err != nil {
					errs[g] = fmt.Errorf("equal-slices: slice (%d, %d]: %w", sl.Start, sl.End, err)
					next.Store(int64(len(slices))) // stop the others
					return
				}
				work.Add(int64(time.Since(t0)))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var c collector
	for i := range parts {
		c.merge(&parts[i])
	}
	if err := errors.Join(errs...); err != nil {
		return Measurement{}, c, err
	}
	if err := ctx.Err(); err != nil {
		return Measurement{}, c, err
	}
	return Measurement{Elapsed: elapsed, Work: time.Duration(work.Load()), Concurrency: conc}, c, nil
}

func readRingscan(ctx context.Context, s *gocql.Session, t Job, first *firstRequest) (Measurement, collector, error) {
	cfg := t.Strategy.scannerConfig(t.Target.Keyspace, t.Target.Table, t.PageSize)
	cfg.RequestTimeout = t.Timeout
	var (
		limitsMu sync.Mutex
		limits   []LimitPoint
		start    time.Time
	)
	sc, err := scanner.New(s, cfg, scanner.WithHooks(scanner.Hooks{
		RequestStart: func(string) { first.mark() },
		HostLimit: func(host string, limit int, reason string) {
			limitsMu.Lock()
			defer limitsMu.Unlock()
			limits = append(limits, LimitPoint{At: time.Since(start), Host: host, Limit: limit, Reason: reason})
		},
	}))
	if err != nil {
		return Measurement{}, collector{}, err
	}
	var c collector
	start = time.Now()
	plan, err := sc.Plan(ctx)
	if err != nil {
		return Measurement{}, c, fmt.Errorf("ringscan: %w", err)
	}
	var sk sink.Sink
	count := &sink.Count{}
	switch t.Strategy.Mode {
	case CountRows:
		plan, sk = plan.CountOnly(), count
		if t.Strategy.ServerCount {
			if plan, err = plan.CountOnServer(); err != nil {
				return Measurement{}, c, fmt.Errorf("ringscan: %w", err)
			}
		}
	case Discard:
		sk = sink.SinkFunc(func(_ context.Context, b *sink.Batch) error { return count.Write(ctx, b) })
	case JSONL:
		sk = &countingText{Preparer: sink.NewJSONLines(io.Discard), rows: &c.rows}
	case CSV:
		csv, err := sink.NewCSV(io.Discard, sink.CSVConfig{})
		if err != nil {
			return Measurement{}, c, fmt.Errorf("ringscan: %w", err)
		}
		sk = &countingText{Preparer: csv, rows: &c.rows}
	default:
		h := pageHasher{par: runtime.GOMAXPROCS(0)}
		sk = sink.SinkFunc(func(_ context.Context, b *sink.Batch) error {
			h.hash(b, &c) // Write is never called concurrently
			return nil
		})
	}
	st, err := sc.RunPlan(ctx, plan, sk)
	elapsed := time.Since(start)
	if err != nil {
		return Measurement{}, c, fmt.Errorf("ringscan: %w", err)
	}
	if t.Strategy.Mode == CountRows || t.Strategy.Mode == Discard {
		c.rows = count.Rows()
	}
	var work time.Duration
	for _, r := range st.PerRange {
		work += r.Duration
	}
	limitsMu.Lock()
	defer limitsMu.Unlock()
	return Measurement{Elapsed: elapsed, Work: work, Concurrency: t.Strategy.EffectiveConcurrency(),
		Retries: st.Retries, Pages: st.Pages, RowsDropped: st.RowsDropped, Restarts: st.Restarts, Limits: limits}, c, nil
}

// countingText is one of ringscan's text sinks (JSON Lines, CSV) counting
// the rows written; its Prepare (the scan's goroutines render pages
// ahead) is the sink's.
type countingText struct {
	sink.Preparer
	rows *int64
}

func (s *countingText) Write(ctx context.Context, b *sink.Batch) error {
	*s.rows += int64(b.Len())
	return s.Preparer.Write(ctx, b)
}

// pageHasher hashes the rows of a page into a collector, on up to par
// goroutines. The baselines hash rows in each of their goroutines; ringscan
// hands every page to one writer goroutine, where hashing alone would cap
// the scan at one core's hashing speed (a cost of the harness's check, not
// of the scan): spreading a page's rows over the cores keeps the check's
// cost the same for every strategy.
type pageHasher struct {
	par  int
	vals [][][]byte // one row buffer per goroutine
}

// minRowsPerGoroutine keeps small pages on one goroutine, where starting
// others would cost more than it saves.
const minRowsPerGoroutine = 128

func (h *pageHasher) hash(b *sink.Batch, c *collector) {
	n, width := b.Len(), len(b.Columns)
	k := max(1, min(h.par, n/minRowsPerGoroutine))
	for len(h.vals) < k {
		h.vals = append(h.vals, nil)
	}
	base := len(c.hashes)
	c.hashes = slices.Grow(c.hashes, n)[:base+n]
	out := c.hashes[base:]
	chunk := func(g, lo, hi int) {
		vals := h.vals[g]
		if cap(vals) < width {
			vals = make([][]byte, width)
			h.vals[g] = vals
		}
		vals = vals[:width]
		for i := lo; i < hi; i++ {
			for j := range width {
				vals[j] = b.Value(i, j)
			}
			out[i] = rowsum.Row(vals)
		}
	}
	if k == 1 {
		chunk(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for g := range k {
		wg.Go(func() { chunk(g, g*n/k, (g+1)*n/k) })
	}
	wg.Wait()
}
