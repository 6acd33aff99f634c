package scanner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"iter"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"go.uber.org/zap"

	"github.com/ringscan/ringscan/sink"
)

// Option sets a collaborator of a Scanner (given to New) or of one run
// (given to Run or RunPlan, adding to New's).
type Option interface{ apply(*options) }

type options struct {
	log   *zap.Logger
	hooks []Hooks
	store CheckpointStore
	runID string
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithLogger sets the logger for per-range events. Default: none.
func WithLogger(l *zap.Logger) Option { return optionFunc(func(o *options) { o.log = l }) }

// WithHooks observes the scan: page reads, retries, pages written, splits
// and finished ranges. Each WithHooks adds to the hooks already set; they
// run in the order given.
func WithHooks(h Hooks) Option { return optionFunc(func(o *options) { o.hooks = append(o.hooks, h) }) }

// WithCheckpoint makes the scan resumable: Run loads the checkpoint in
// store, if any, and continues that scan; else it starts one and saves its
// first checkpoint before reading a row. While it runs it commits the sink
// (if it is a sink.Committer) and saves the checkpoint every
// Config.CheckpointEvery, and once more when it ends, however it ends. See
// the package documentation for the lifecycle and guarantees.
func WithCheckpoint(store CheckpointStore) Option {
	return optionFunc(func(o *options) { o.store = store })
}

// WithRunID names the run in the checkpoint and in log lines. Default: a
// random 16-digit hex id.
func WithRunID(id string) Option { return optionFunc(func(o *options) { o.runID = id }) }

// NewRunID returns a random run id, as runs get by default.
func NewRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

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
	sc := &Scanner{session: s, cfg: cfg.EnsureDefaults(), opts: options{log: zap.NewNop()}}
	for _, o := range opts {
		o.apply(&sc.opts)
	}
	return sc, nil
}

// Config returns the scanner's configuration with its defaults applied.
func (s *Scanner) Config() Config { return s.cfg }

// Run scans the whole table (or the configured shard) into sk, which it
// closes at the end. It returns this run's statistics and, if not every
// row was read, why: the context's cause when cancelled, the *RangeError
// that aborted the scan, or a *PartialError listing the subranges that
// failed within Config.MaxFailedRanges. With WithCheckpoint it resumes the
// scan its store holds.
func (s *Scanner) Run(ctx context.Context, sk sink.Sink, opts ...Option) (Stats, error) {
	p, err := s.Plan(ctx)
	if err != nil {
		_ = sk.Close(ctx)
		return Stats{}, err
	}
	return s.RunPlan(ctx, p, sk, opts...)
}

// RunPlan is Run with a plan made by Plan (or Plan.Project). With a
// checkpoint to resume, the plan the checkpoint recorded is read instead,
// provided the cluster's topology is the one it was planned on; p's
// columns must be the checkpoint's.
func (s *Scanner) RunPlan(ctx context.Context, p *Plan, sk sink.Sink, opts ...Option) (Stats, error) {
	o := s.opts
	o.hooks = append([]Hooks(nil), o.hooks...)
	for _, opt := range opts {
		opt.apply(&o)
	}
	if o.runID == "" {
		o.runID = NewRunID()
	}
	st, err := s.run(ctx, p, sk, o)
	if cerr := sk.Close(context.WithoutCancel(ctx)); cerr != nil && err == nil {
		err = fmt.Errorf("close sink: %w", cerr)
	}
	return st, err
}

// Row is one row of a scan. It is valid until the iteration moves on.
//
// A Row is a view of one row of the sink.Batch being read: its values are
// the ones a Sink sees, decoded by Get and Map as sink.Batch.Decode does,
// so that All and Run give the same values. Package pager's Row is another
// model on purpose; see its documentation.
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
// zero Row. Breaking out of the loop, or a panic in its body, cancels the
// scan and waits for it to stop.
func (s *Scanner) All(ctx context.Context, opts ...Option) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
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
				// The loop hands the page back before the pool recycles it,
				// unless the loop has stopped (then the context is done).
				select {
				case <-taken:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}), opts...)
		}()
		// However the loop ends (done, break, panic in yield), the scan is
		// cancelled and waited for: no goroutine outlives All.
		defer func() {
			cancel()
			for range pages { // unblock a sink waiting to hand a page over
			}
			<-finished
		}()
		for b := range pages {
			for i := range b.Len() {
				if !yield(Row{b: b, i: i}, nil) {
					return
				}
			}
			select {
			case taken <- struct{}{}:
			case <-finished:
			}
		}
		<-finished
		if runErr != nil {
			yield(Row{}, runErr)
		}
	}
}
