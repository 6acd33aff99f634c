package worker

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
)

// Config tunes the pool. Zero fields take their defaults.
type Config struct {
	// Concurrency is the number of subranges read at once. Default 32.
	Concurrency int
	// PerHost caps the page requests in flight to one host, so that a scan
	// cannot pile onto one node. Default: twice an even share of
	// Concurrency over the hosts that serve the scan, at least 8
	// (2 × Concurrency / hosts, rounded up).
	PerHost int
	// QueueDepth is the number of read pages that may wait for the sink.
	// With Concurrency it bounds memory: at most Concurrency + QueueDepth +
	// 1 pages exist at once. Default Concurrency.
	QueueDepth int
	// Retries is how many times a failing page request is retried, with
	// exponential backoff and jitter, moving to the next replica each time.
	// Default 8; -1 means no retry.
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
	// RowsPerSecond caps the scan's throughput. Default 0: no cap.
	RowsPerSecond float64
	// PageSize is the page size the Fetcher asks for; it sizes the
	// splitting of running subranges. Default 1000.
	PageSize int
	// NoSplit turns off the splitting of running subranges: by default, when
	// no subrange is left to start, an idle goroutine takes the second half
	// of the running subrange with the most rows left (if the Fetcher is a
	// Trimmer), so that one long subrange does not make the scan's tail.
	NoSplit bool
	// Logger receives one line per failed subrange and per retry (at debug
	// level). Default: no logging.
	Logger *zap.Logger
}

func (c Config) withDefaults() Config {
	if c.Concurrency == 0 {
		c.Concurrency = 32
	}
	if c.QueueDepth == 0 {
		c.QueueDepth = c.Concurrency
	}
	if c.Retries == 0 {
		c.Retries = 8
	} else if c.Retries < 0 {
		c.Retries = 0
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = 100 * time.Millisecond
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = 5 * time.Second
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.PageSize <= 0 {
		c.PageSize = 1000
	}
	return c
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.Concurrency < 0 || c.Concurrency > 4096 {
		bad("Concurrency is %d; it must be 1..4096 (0 for the default 32)", c.Concurrency)
	}
	if c.PerHost < 0 {
		bad("PerHost is %d; it must be positive (0 for the default)", c.PerHost)
	}
	if c.QueueDepth < 0 {
		bad("QueueDepth is %d; it must be positive (0 for the default)", c.QueueDepth)
	}
	if c.Retries < -1 {
		bad("Retries is %d; it must be -1 (none), 0 (default 8) or more", c.Retries)
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
	if c.RowsPerSecond < 0 {
		bad("RowsPerSecond is %v; it must be 0 (no cap) or positive", c.RowsPerSecond)
	}
	return errors.Join(errs...)
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

// Task is one subrange to read, from Cursor on (the zero Cursor reads it
// all).
type Task struct {
	Subrange ring.Subrange
	Cursor   Cursor
}

// Fetcher reads pages. The scanner implements it with the driver.
type Fetcher interface {
	// NewBatch returns an empty page buffer for the scan's columns.
	NewBatch() *sink.Batch
	// Fetch reads the page after cur of t's subrange from host, appending
	// its rows to b, and returns the cursor after the page: its PageState,
	// Last moved to the page's last row if it had rows, Done at the end of
	// the subrange. It keeps cur.After. A refused paging state is reported
	// as ErrPageStateRefused.
	Fetch(ctx context.Context, t *Task, host ring.Host, cur Cursor, b *sink.Batch) (Cursor, error)
}

// Trimmer is implemented by Fetchers that know each row's token. The pool
// then splits running subranges for idle goroutines (see Config.NoSplit).
type Trimmer interface {
	// Trim drops the rows of b whose token is after end. It reports
	// whether it dropped any and returns the position of the last row
	// kept (nil if none).
	Trim(b *sink.Batch, end ring.Token) (last *Position, dropped bool)
}

// Hooks observe a scan; nil fields are skipped. They are called from the
// pool's goroutines, concurrently, and must be quick.
type Hooks struct {
	// PageRead follows every successful page request.
	PageRead func(rangeID int, host string, rows, bytes int, latency time.Duration)
	// RequestStart and RequestEnd bracket every page request.
	RequestStart, RequestEnd func(host string)
	// Retry follows every failed page request that will be retried.
	Retry func(rangeID int, host, kind string, err error)
	// PageWritten follows every page the sink accepted, with the cursor
	// after it: a checkpoint written from it is consistent with the output.
	PageWritten func(rangeID int, cur Cursor, rows int)
	// RangeDone follows the end of every subrange, done or failed.
	RangeDone func(st RangeStats)
	// RangeSplit follows every split of a running subrange: child is the
	// part taken from parent, which now ends at child.Range.Start. It is
	// called before any page of child is written.
	RangeSplit func(parent int, child ring.Subrange)
}

// item is a page on its way to the sink.
type item struct {
	b       *sink.Batch
	rangeID int
	cur     Cursor
}

// pool runs one scan.
type pool struct {
	cfg     Config
	f       Fetcher
	hooks   Hooks
	limiter *rate.Limiter
	out     chan item
	batches sync.Pool
	hosts   map[string]chan struct{}

	mu       sync.Mutex
	failed   []*RangeError
	retries  map[string]int64
	perRange []RangeStats
	done     atomic.Int64

	// Splitting running subranges.
	trim      Trimmer       // nil: no splitting
	pending   atomic.Int64  // subranges not started yet
	active    atomic.Int64  // subranges being read
	notify    chan struct{} // a page was handed on: something may be splittable
	idle      chan struct{} // closed when nothing is pending or running
	closeIdle sync.Once
	// dispatched is set once every subrange has its goroutine: from then
	// on, no subrange waits for a slot.
	dispatched atomic.Bool
	nextID     atomic.Int64
	firstID    int64 // nextID before any split
	ntasks     int
	runMu      sync.Mutex
	running    map[*running]struct{}
}

// running is a subrange being read, whose end an idle goroutine may take.
type running struct {
	mu       sync.Mutex
	sub      ring.Subrange // Range.End is lowered by splits
	start    ring.Token    // where the rows counted in rows began
	progress ring.Token    // token of the last row handed on, or start
	rows     int64         // rows handed on since start
	split    bool          // End was lowered since the owner last looked
}

// Run reads every task's subrange concurrently and writes the pages to s,
// which it closes at the end. It returns the statistics and, if the scan
// did not read everything: the context's cause when cancelled, the
// *RangeError that aborted it, or a *PartialError listing the subranges
// that failed within cfg.MaxFailedRanges.
func Run(ctx context.Context, cfg Config, tasks []Task, f Fetcher, s sink.Sink, hooks Hooks) (Stats, error) {
	if err := cfg.Validate(); err != nil {
		return Stats{}, err
	}
	cfg = cfg.withDefaults()
	p := &pool{cfg: cfg, f: f, hooks: hooks, out: make(chan item, cfg.QueueDepth),
		hosts: map[string]chan struct{}{}, retries: map[string]int64{}, running: map[*running]struct{}{}}
	if t, ok := f.(Trimmer); ok && !cfg.NoSplit {
		p.trim = t
	}
	p.notify, p.idle = make(chan struct{}, 1), make(chan struct{})
	if len(tasks) == 0 {
		close(p.idle)
	}
	maxID := 0
	for _, t := range tasks {
		maxID = max(maxID, t.Subrange.ID)
	}
	p.nextID.Store(int64(maxID))
	p.firstID, p.ntasks = int64(maxID), len(tasks)
	p.pending.Store(int64(len(tasks)))
	p.batches.New = func() any { return f.NewBatch() }
	if cfg.RowsPerSecond > 0 {
		burst := max(int(cfg.RowsPerSecond), 1)
		p.limiter = rate.NewLimiter(rate.Limit(cfg.RowsPerSecond), burst)
	}
	hostIDs := map[string]bool{}
	for _, t := range tasks {
		for _, h := range t.Subrange.Replicas {
			hostIDs[h.ID] = true
		}
	}
	if cfg.PerHost == 0 {
		cfg.PerHost = DefaultPerHost(cfg.Concurrency, len(hostIDs))
		p.cfg.PerHost = cfg.PerHost
	}
	for id := range hostIDs {
		p.hosts[id] = make(chan struct{}, cfg.PerHost)
	}
	start := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	writeErr := make(chan error, 1)
	go func() { writeErr <- p.write(ctx, cancel, s) }()

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.Concurrency)
	for i := range tasks {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			p.active.Add(1)
			p.pending.Add(-1)
			err := p.runRange(gctx, &tasks[i])
			p.finished()
			if err != nil {
				return err
			}
			return p.help(gctx)
		})
	}
	p.dispatched.Store(true)
	// Free slots (fewer subranges than Concurrency) help from the start.
	for p.trim != nil && gctx.Err() == nil && g.TryGo(func() error { return p.help(gctx) }) {
	}
	runErr := g.Wait()
	close(p.out)
	werr := <-writeErr
	cerr := s.Close(context.WithoutCancel(ctx))

	st := p.stats(time.Since(start))
	switch {
	case werr != nil:
		if cause := context.Cause(ctx); cause != nil && !errors.Is(werr, cause) {
			// The scan was cancelled first; the sink saw the cancellation.
			return st, cause
		}
		return st, werr
	case runErr != nil:
		if ctx.Err() != nil && !errors.As(runErr, new(*RangeError)) {
			return st, context.Cause(ctx)
		}
		return st, runErr
	case ctx.Err() != nil:
		return st, context.Cause(ctx)
	case cerr != nil:
		return st, fmt.Errorf("close sink: %w", cerr)
	case len(p.failed) > 0:
		return st, &PartialError{Failed: p.failed}
	}
	return st, nil
}

// write hands pages to the sink, one at a time.
func (p *pool) write(ctx context.Context, cancel context.CancelCauseFunc, s sink.Sink) error {
	var err error
	for it := range p.out {
		if err == nil && it.b.Len() > 0 {
			if werr := s.Write(ctx, it.b); werr != nil {
				err = fmt.Errorf("sink: %w", werr)
				cancel(err)
			}
		}
		if err == nil && p.hooks.PageWritten != nil {
			p.hooks.PageWritten(it.rangeID, it.cur, it.b.Len())
		}
		it.b.Reset()
		p.batches.Put(it.b)
	}
	return err
}

// runRange reads one subrange to its end, retrying failed pages.
func (p *pool) runRange(ctx context.Context, t *Task) error {
	sr := t.Subrange
	cur := t.Cursor
	if cur.End != nil {
		sr.Range.End = *cur.End
	}
	st := RangeStats{ID: sr.ID, Range: sr.Range}
	start := time.Now()
	lv := p.track(sr, cur)
	defer p.untrack(lv)
	attempts := 0
	var tried []string
	avoid := map[string]bool{}
	defer func() {
		st.Duration = time.Since(start)
		st.Range = sr.Range
		p.mu.Lock()
		p.perRange = append(p.perRange, st)
		p.mu.Unlock()
		if p.hooks.RangeDone != nil {
			p.hooks.RangeDone(st)
		}
	}()
	fail := func(err error) error {
		rerr := &RangeError{ID: sr.ID, Range: sr.Range, Attempts: attempts, Rows: st.Rows, Cursor: cur, Hosts: tried, Err: err}
		st.Err = rerr
		p.cfg.Logger.Warn("range failed", zap.Int("range", sr.ID), zap.Stringer("bounds", sr.Range),
			zap.Int("attempts", attempts), zap.Strings("hosts", tried), zap.Error(err))
		p.mu.Lock()
		p.failed = append(p.failed, rerr)
		n := len(p.failed)
		p.mu.Unlock()
		if p.cfg.MaxFailedRanges == 0 || (p.cfg.MaxFailedRanges > 0 && n > p.cfg.MaxFailedRanges) {
			return rerr
		}
		return nil
	}
	task := *t
	for !cur.Done {
		cur = p.pickUpSplit(lv, &sr, cur)
		if cur.Done {
			break
		}
		task.Subrange = sr
		stmtEnd := cur.StatementEnd(sr.Range.End)
		host, ok := p.pick(sr, attempts, avoid)
		if !ok {
			return fail(fmt.Errorf("no replica of the range is known (%d replicas)", len(sr.Replicas)))
		}
		b := p.batches.Get().(*sink.Batch)
		next, latency, err := p.fetch(ctx, &task, host, cur, b)
		if err != nil {
			b.Reset()
			p.batches.Put(b)
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			class, kind := classify(err)
			// A refused paging state is no failed attempt: the subrange
			// resumes at once from a token bound, with no paging state to
			// refuse again, even when retries are off.
			if class != refusedState || cur.PageState == nil {
				attempts++
				tried = append(tried, host.Address)
				if class == fatal || attempts > p.cfg.Retries {
					return fail(explain(kind, err))
				}
			}
			st.Retries++
			p.mu.Lock()
			p.retries[kind]++
			p.mu.Unlock()
			if p.hooks.Retry != nil {
				p.hooks.Retry(sr.ID, host.Address, kind, err)
			}
			p.cfg.Logger.Debug("page request failed; retrying", zap.Int("range", sr.ID), zap.String("host", host.Address),
				zap.String("kind", kind), zap.Int("attempt", attempts), zap.Error(err))
			if class == refusedState {
				cur = cur.restartAfterLast()
				continue
			}
			avoid[host.ID] = true
			if err := sleep(ctx, p.backoff(attempts)); err != nil {
				return context.Cause(ctx)
			}
			continue
		}
		attempts = 0
		clear(avoid)
		next = p.afterPage(lv, &sr, cur, next, b, stmtEnd)
		rows := b.Len()
		st.Host = host.Address
		st.Pages++
		st.Rows += int64(rows)
		st.Bytes += int64(b.Bytes())
		if rows == 0 && !next.Done {
			st.Empty++
		}
		if p.hooks.PageRead != nil {
			p.hooks.PageRead(sr.ID, host.Address, rows, b.Bytes(), latency)
		}
		if err := p.throttle(ctx, rows); err != nil {
			return context.Cause(ctx)
		}
		b.RangeID, b.Host = sr.ID, host.Address
		select {
		case p.out <- item{b: b, rangeID: sr.ID, cur: next}:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if p.trim != nil {
			select {
			case p.notify <- struct{}{}:
			default:
			}
		}
		cur = next
	}
	st.Done = true
	p.done.Add(1)
	return nil
}

// finished records the end of a subrange; the last one releases the
// goroutines waiting to help.
func (p *pool) finished() {
	if p.active.Add(-1) == 0 && p.pending.Load() == 0 {
		p.closeIdle.Do(func() { close(p.idle) })
	}
}

// help is what a goroutine does once no subrange is left to start: it
// splits the running subrange with the most rows left and reads the second
// half, and when none is worth splitting, waits for the next page handed
// on, until nothing runs. Until every subrange has its goroutine it
// returns at once, freeing its slot for them.
func (p *pool) help(ctx context.Context) error {
	// While subranges wait for a goroutine, the slot is theirs.
	for p.trim != nil && p.dispatched.Load() {
		if child, ok := p.split(); ok {
			err := p.runRange(ctx, child)
			p.finished()
			if err != nil {
				return err
			}
			continue
		}
		select {
		case <-p.notify:
		case <-p.idle:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// track registers a running subrange for splitting.
func (p *pool) track(sr ring.Subrange, cur Cursor) *running {
	if p.trim == nil {
		return nil
	}
	lv := &running{sub: sr, start: sr.Range.Start, progress: sr.Range.Start}
	if cur.Last != nil {
		lv.start, lv.progress = cur.Last.Token, cur.Last.Token
	}
	p.runMu.Lock()
	p.running[lv] = struct{}{}
	p.runMu.Unlock()
	return lv
}

func (p *pool) untrack(lv *running) {
	if lv == nil {
		return
	}
	p.runMu.Lock()
	delete(p.running, lv)
	p.runMu.Unlock()
}

// pickUpSplit applies a split made while no request was in flight: the
// subrange's end is lowered; a paging state in progress goes on with its
// statement's end (QueryEnd) and the rows past the new end are dropped.
func (p *pool) pickUpSplit(lv *running, sr *ring.Subrange, cur Cursor) Cursor {
	if lv == nil {
		return cur
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	if old, ok := lv.takeSplit(sr, &cur); ok && cur.PageState != nil && cur.QueryEnd == nil {
		cur.QueryEnd = &old
	}
	return cur
}

// takeSplit applies a split made since the owner last looked: the
// subrange's end is lowered and recorded in cur. It returns the end before
// the split. lv.mu is held.
func (lv *running) takeSplit(sr *ring.Subrange, cur *Cursor) (old ring.Token, ok bool) {
	if !lv.split {
		return ring.Token{}, false
	}
	lv.split = false
	old = sr.Range.End
	sr.Range.End = lv.sub.Range.End
	end := sr.Range.End
	cur.End = &end
	return old, true
}

// afterPage applies splits to a page read with a statement ending at
// stmtEnd: when the subrange now ends before that (it was split, before or
// during the request), the rows past its end are dropped (the new subrange
// reads them); the first such row means the subrange is done, else the
// same statement goes on (QueryEnd). It also records the subrange's
// progress for the next split decision.
func (p *pool) afterPage(lv *running, sr *ring.Subrange, cur, next Cursor, b *sink.Batch, stmtEnd ring.Token) Cursor {
	if lv == nil {
		return next
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	lv.takeSplit(sr, &next)
	if sr.Range.End.Compare(stmtEnd) < 0 {
		end := sr.Range.End
		last, dropped := p.trim.Trim(b, end)
		if last == nil {
			last = cur.Last
		}
		switch {
		case dropped || next.Done:
			next = Cursor{Done: true, Last: last, End: &end}
		default:
			next.Last = last
			if next.QueryEnd == nil {
				next.QueryEnd = &stmtEnd
			}
		}
	}
	if next.Last != nil {
		lv.progress = next.Last.Token
	}
	if next.Done {
		// Read to its end: nothing is left to split off, although the
		// subrange stays registered until its goroutine untracks it.
		lv.progress = lv.sub.Range.End
	}
	lv.rows += int64(b.Len())
	return next
}

// split takes the second half of the running subrange with the most rows
// left, estimated from the rows it read so far over its token width, if it
// has at least two pages left (so that each half gets a page).
func (p *pool) split() (*Task, bool) {
	p.runMu.Lock()
	defer p.runMu.Unlock()
	var best *running
	bestRows := 0.0
	for lv := range p.running {
		lv.mu.Lock()
		left := ring.Range{Start: lv.progress, End: lv.sub.Range.End}
		read := ring.Range{Start: lv.start, End: lv.progress}
		if !left.Empty() && !read.Empty() && lv.rows > 0 && !lv.split {
			if est := float64(lv.rows) / read.Share() * left.Share(); est > bestRows {
				best, bestRows = lv, est
			}
		}
		lv.mu.Unlock()
	}
	if best == nil || bestRows < float64(2*p.cfg.PageSize) {
		return nil, false
	}
	best.mu.Lock()
	left := ring.Range{Start: best.progress, End: best.sub.Range.End}
	mid := left.Mid()
	child := ring.Subrange{ID: int(p.nextID.Add(1)), Range: ring.Range{Start: mid, End: left.End},
		Vnode: best.sub.Vnode, Replicas: best.sub.Replicas}
	child.Share = child.Range.Share()
	parent := best.sub.ID
	best.sub.Range.End = mid
	best.split = true
	best.mu.Unlock()
	p.active.Add(1) // before any subrange can finish and close idle
	if p.hooks.RangeSplit != nil {
		p.hooks.RangeSplit(parent, child)
	}
	p.cfg.Logger.Debug("split a running range", zap.Int("range", parent), zap.Int("new", child.ID),
		zap.Stringer("bounds", child.Range), zap.Float64("rows_left", bestRows))
	return &Task{Subrange: child}, true
}

// fetch makes one page request under the host cap and the request timeout.
func (p *pool) fetch(ctx context.Context, t *Task, host ring.Host, cur Cursor, b *sink.Batch) (Cursor, time.Duration, error) {
	sem := p.hosts[host.ID]
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return cur, 0, context.Cause(ctx)
	}
	defer func() { <-sem }()
	if p.hooks.RequestStart != nil {
		p.hooks.RequestStart(host.Address)
	}
	if p.hooks.RequestEnd != nil {
		defer p.hooks.RequestEnd(host.Address)
	}
	rctx, cancel := context.WithTimeout(ctx, p.cfg.RequestTimeout)
	defer cancel()
	start := time.Now()
	next, err := p.f.Fetch(rctx, t, host, cur, b)
	return next, time.Since(start), err
}

// pick chooses the replica for the next request: replicas are tried in a
// rotation that starts at a different one for each subrange and moves on at
// every failed attempt, skipping hosts that just failed; among the
// candidates, the one with the fewest requests in flight wins.
func (p *pool) pick(sr ring.Subrange, attempts int, avoid map[string]bool) (ring.Host, bool) {
	n := len(sr.Replicas)
	if n == 0 {
		return ring.Host{}, false
	}
	best, bestLoad := -1, 0
	for k := range n {
		i := (sr.ID + attempts + k) % n
		h := sr.Replicas[i]
		if avoid[h.ID] && len(avoid) < n {
			continue
		}
		load := len(p.hosts[h.ID])
		if best < 0 || load < bestLoad {
			best, bestLoad = i, load
		}
	}
	if best < 0 {
		best = (sr.ID + attempts) % n
	}
	return sr.Replicas[best], true
}

// backoff is the delay before retry number attempt (1-based): exponential
// from BackoffBase, capped at BackoffMax, with jitter in [d/2, d].
func (p *pool) backoff(attempt int) time.Duration {
	d := p.cfg.BackoffBase << min(attempt-1, 30)
	if d <= 0 || d > p.cfg.BackoffMax {
		d = p.cfg.BackoffMax
	}
	return d/2 + rand.N(d/2+1)
}

// throttle waits for the rate limiter to allow rows.
func (p *pool) throttle(ctx context.Context, rows int) error {
	if p.limiter == nil || rows == 0 {
		return nil
	}
	for rows > 0 {
		n := min(rows, p.limiter.Burst())
		if err := p.limiter.WaitN(ctx, n); err != nil {
			return err
		}
		rows -= n
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pool) stats(elapsed time.Duration) Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := Stats{Ranges: p.ntasks + int(p.nextID.Load()-p.firstID), Elapsed: elapsed, Failed: len(p.failed), Done: int(p.done.Load()),
		RetriesByKind: map[string]int64{}}
	slices.SortFunc(p.perRange, func(a, b RangeStats) int { return a.ID - b.ID })
	for k, v := range p.retries {
		st.RetriesByKind[k] = v
	}
	for _, r := range p.perRange {
		st.Rows += r.Rows
		st.Pages += r.Pages
		st.EmptyPages += r.Empty
		st.Bytes += r.Bytes
		st.Retries += r.Retries
		st.PerRange = append(st.PerRange, r)
	}
	return st
}

// Combine returns hooks that call each of hooks' callbacks in order,
// skipping nil ones.
func Combine(hooks ...Hooks) Hooks {
	var out Hooks
	for _, h := range hooks {
		if h.PageRead != nil {
			prev, f := out.PageRead, h.PageRead
			out.PageRead = func(id int, host string, rows, bytes int, lat time.Duration) {
				if prev != nil {
					prev(id, host, rows, bytes, lat)
				}
				f(id, host, rows, bytes, lat)
			}
		}
		if h.RequestStart != nil {
			prev, f := out.RequestStart, h.RequestStart
			out.RequestStart = func(host string) {
				if prev != nil {
					prev(host)
				}
				f(host)
			}
		}
		if h.RequestEnd != nil {
			prev, f := out.RequestEnd, h.RequestEnd
			out.RequestEnd = func(host string) {
				if prev != nil {
					prev(host)
				}
				f(host)
			}
		}
		if h.Retry != nil {
			prev, f := out.Retry, h.Retry
			out.Retry = func(id int, host, kind string, err error) {
				if prev != nil {
					prev(id, host, kind, err)
				}
				f(id, host, kind, err)
			}
		}
		if h.PageWritten != nil {
			prev, f := out.PageWritten, h.PageWritten
			out.PageWritten = func(id int, cur Cursor, rows int) {
				if prev != nil {
					prev(id, cur, rows)
				}
				f(id, cur, rows)
			}
		}
		if h.RangeDone != nil {
			prev, f := out.RangeDone, h.RangeDone
			out.RangeDone = func(st RangeStats) {
				if prev != nil {
					prev(st)
				}
				f(st)
			}
		}
		if h.RangeSplit != nil {
			prev, f := out.RangeSplit, h.RangeSplit
			out.RangeSplit = func(parent int, child ring.Subrange) {
				if prev != nil {
					prev(parent, child)
				}
				f(parent, child)
			}
		}
	}
	return out
}
