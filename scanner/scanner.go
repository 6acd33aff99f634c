package scanner

import (
	"context"
	"fmt"
	"iter"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"go.uber.org/zap"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// Stats are a scan's totals and per-subrange figures: rows, pages, bytes,
// retries, duration and host.
type Stats = worker.Stats

// Option sets a collaborator of a Scanner.
type Option interface{ apply(*options) }

type options struct {
	log   *zap.Logger
	hooks worker.Hooks
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithLogger sets the logger for per-range events. Default: none.
func WithLogger(l *zap.Logger) Option { return optionFunc(func(o *options) { o.log = l }) }

// WithHooks observes the scan: page reads, retries, pages written (for
// checkpoints) and finished ranges.
func WithHooks(h worker.Hooks) Option { return optionFunc(func(o *options) { o.hooks = h }) }

// Scanner reads one table. It is safe for concurrent use; each Run is an
// independent scan.
type Scanner struct {
	session *gocql.Session
	cfg     Config
	opts    options
}

// New returns a scanner for cfg over an open session. The session's
// lifetime is the caller's.
func New(s *gocql.Session, cfg Config, opts ...Option) (*Scanner, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil session", ErrInvalidConfig)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sc := &Scanner{session: s, cfg: cfg.withDefaults(), opts: options{log: zap.NewNop()}}
	for _, o := range opts {
		o.apply(&sc.opts)
	}
	return sc, nil
}

// Plan is a scan's split plan with what it reads.
type Plan struct {
	// Ring is the cluster's token ring as the driver sees it.
	Ring *ring.Ring
	// Subranges is the plan (one shard of it with Config.Shards), in the
	// order they are read.
	Subranges []ring.Subrange
	// Full is the whole plan, before sharding; its Fingerprint identifies
	// the plan for checkpoints.
	Full *ring.Plan
	// Columns are the columns handed to sinks.
	Columns []sink.Column
	// Replication is the keyspace's replication.
	Replication ring.Replication
	// PartitionKey names the table's partition key columns, in order.
	PartitionKey []string

	fetcher *fetcher
}

// Plan resolves the table and the ring and builds the split plan. Unknown
// keyspaces, tables and columns get errors that list what exists.
func (s *Scanner) Plan(ctx context.Context) (*Plan, error) {
	t, err := loadTable(ctx, s.session, s.cfg.Keyspace, s.cfg.Table)
	if err != nil {
		return nil, err
	}
	cols, err := t.columns(s.cfg.Columns)
	if err != nil {
		return nil, err
	}
	r, err := loadRing(s.session)
	if err != nil {
		return nil, err
	}
	splits := s.cfg.Splits
	if splits == 0 {
		splits = s.cfg.Concurrency
	}
	sc := ring.SplitConfig{Replication: t.repl, Splits: splits, LocalDC: s.cfg.LocalDC, LocalDCOnly: s.cfg.LocalDC != ""}
	if s.cfg.UseSizeEstimates {
		sc.Estimates = sizeEstimates(ctx, s.session, r, t.keyspace, t.name)
	}
	full, err := r.Split(sc)
	if err != nil {
		return nil, err
	}
	part := full
	if s.cfg.Shards > 1 {
		if part, err = full.Shard(s.cfg.Shard, s.cfg.Shards); err != nil {
			return nil, err
		}
	}
	f := newFetcher(s.session, s.cfg, r.Partitioner(), t, cols)
	pk := make([]string, len(t.pk))
	for i, c := range t.pk {
		pk[i] = c.name
	}
	return &Plan{Ring: r, Subranges: part.Shuffle(s.cfg.Seed), Full: full, Columns: f.out, Replication: t.repl,
		PartitionKey: pk, fetcher: f}, nil
}

// Project returns the plan reading only the given columns: the same ring,
// subranges and fingerprint, another column list. It saves planning again
// when the columns depend on the table (count reads the partition key).
func (p *Plan) Project(columns []string) (*Plan, error) {
	f := p.fetcher
	cols, err := f.t.columns(columns)
	if err != nil {
		return nil, err
	}
	q := *p
	q.fetcher = newFetcher(f.session, f.cfg, f.p, f.t, cols)
	q.Columns = q.fetcher.out
	return &q, nil
}

// Run scans the whole table (or the configured shard) into sk, which it
// closes at the end. It returns the statistics and, if not every row was
// read, why: the context's cause when cancelled, the *worker.RangeError
// that aborted the scan, or a *worker.PartialError listing the subranges
// that failed within Config.MaxFailedRanges.
func (s *Scanner) Run(ctx context.Context, sk sink.Sink) (Stats, error) {
	p, err := s.Plan(ctx)
	if err != nil {
		_ = sk.Close(ctx)
		return Stats{}, err
	}
	return s.RunPlan(ctx, p, nil, sk)
}

// RunPlan scans a plan from the given cursors (by subrange id; missing ids
// start at the beginning, Done ones are skipped): the way to resume a scan
// from a checkpoint. opts add to the scanner's options for this run; hooks
// given here run after the scanner's own.
func (s *Scanner) RunPlan(ctx context.Context, p *Plan, from map[int]worker.Cursor, sk sink.Sink, opts ...Option) (Stats, error) {
	o := s.opts
	var extra options
	for _, opt := range opts {
		opt.apply(&extra)
	}
	if extra.log != nil {
		o.log = extra.log
	}
	o.hooks = worker.Combine(s.opts.hooks, extra.hooks)
	tasks := make([]worker.Task, 0, len(p.Subranges))
	for _, sr := range p.Subranges {
		cur := from[sr.ID]
		if cur.Done {
			continue
		}
		tasks = append(tasks, worker.Task{Subrange: sr, Cursor: cur})
	}
	wc := s.cfg.workerConfig()
	wc.Logger = o.log
	return worker.Run(ctx, wc, tasks, p.fetcher, sk, o.hooks)
}

// Row is one row of a scan. It is valid until the iteration moves on.
type Row struct {
	b *sink.Batch
	i int
}

// Columns are the row's columns.
func (r Row) Columns() []sink.Column { return r.b.Columns }

// Raw returns column i's serialized value, nil for null. The slice is
// valid until the iteration moves on.
func (r Row) Raw(i int) []byte { return r.b.Value(r.i, i) }

// Get returns column i as a Go value (see sink.Batch.Decode).
func (r Row) Get(i int) (any, error) { return r.b.Decode(r.i, i) }

// Map returns the row as column name to Go value.
func (r Row) Map() (map[string]any, error) {
	m := make(map[string]any, len(r.b.Columns))
	for i, c := range r.b.Columns {
		v, err := r.Get(i)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		m[c.Name] = v
	}
	return m, nil
}

// All scans the table and yields its rows, in no particular order, to a
// range-over-func loop. Rows are read in parallel and the next pages are
// fetched while the loop body runs. A scan error is yielded last, with a
// zero Row. Breaking out of the loop cancels the scan and waits for it to
// stop.
func (s *Scanner) All(ctx context.Context) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		pages := make(chan *sink.Batch)
		taken := make(chan struct{})
		var runErr error
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			defer close(pages)
			_, runErr = s.Run(ctx, sink.SinkFunc(func(ctx context.Context, b *sink.Batch) error {
				select {
				case pages <- b:
				case <-ctx.Done():
					return ctx.Err()
				}
				// The loop hands every page back, even after it stopped:
				// the pool recycles the page when this returns.
				<-taken
				return nil
			}))
		}()
		stopped := false
		for b := range pages {
			for i := 0; i < b.Len() && !stopped; i++ {
				stopped = !yield(Row{b: b, i: i}, nil)
			}
			if stopped {
				cancel() // drain until the scan has stopped
			}
			taken <- struct{}{}
		}
		<-finished
		if !stopped && runErr != nil {
			yield(Row{}, runErr)
		}
	}
}
