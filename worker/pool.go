package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
)

// item is a page on its way to the output.
type item struct {
	b       *sink.Batch
	rangeID int
	cur     Cursor
}

// pool runs one scan.
type pool struct {
	cfg   Config
	f     Fetcher
	out   Output
	prep  PagePreparer // out, if it prepares pages
	hooks Hooks
	hosts *hostLimits
	rate  *throttle
	// sizes lowers the page size asked to Config.PageBytes.
	sizes *pageBytes
	split *splitter // nil: no splitting
	// warmer warms hosts up before their first page request, under
	// adaptive limits (nil: the Fetcher is no Warmer).
	warmer  Warmer
	pages   chan item
	batches sync.Pool

	mu      sync.Mutex
	failed  []*RangeError
	retries map[string]int64
	// splitFailures counts the failed queries of partition splits.
	splitFailures map[string]int64
	perRange      []RangeStats
	done          atomic.Int64
	splits        atomic.Int64
	// partitions counts the partitions split, pieces the pieces made.
	partitions, pieces atomic.Int64
	ntasks             int

	// Scheduling: a goroutine whose subrange is done helps the running
	// ones (splitter.take) once no subrange waits to start, until every
	// subrange is done.
	pending, active atomic.Int64
	idle            chan struct{} // closed when nothing is pending or running
	closeIdle       sync.Once
	// dispatched is set once every subrange has its goroutine: from then
	// on, no subrange waits for a slot.
	dispatched atomic.Bool
}

// Run reads every task's subrange concurrently and hands the pages to out
// from a single writer goroutine. It returns the statistics and, if the
// scan did not read everything: the context's cause when cancelled, the
// *RangeError that aborted it, the output's error, or a *PartialError
// listing the subranges that failed within cfg.MaxFailedRanges. Run
// returns once every goroutine it started has ended.
func Run(ctx context.Context, cfg Config, tasks []Task, f Fetcher, out Output, hooks Hooks) (Stats, error) {
	if err := cfg.Validate(); err != nil {
		return Stats{}, err
	}
	cfg = cfg.EnsureDefaults()
	hostIDs := map[string]bool{}
	maxID := cfg.MinSplitID
	for _, t := range tasks {
		maxID = max(maxID, t.Subrange.ID)
		for _, h := range t.Subrange.Replicas {
			hostIDs[h.ID] = true
		}
	}
	cfg.PerHost = cfg.perHost(len(hostIDs))
	p := &pool{cfg: cfg, f: f, out: out, hooks: hooks, pages: make(chan item, cfg.QueueDepth),
		hosts: newHostLimits(hostIDs, cfg, hooks.HostLimit), rate: newThrottle(cfg.RowsPerSecond), sizes: newPageBytes(cfg.PageBytes, cfg.RowBytes),
		retries: map[string]int64{}, splitFailures: map[string]int64{}, idle: make(chan struct{}), ntasks: len(tasks)}
	if w, ok := f.(Warmer); ok {
		p.warmer = w
	}
	p.prep, _ = out.(PagePreparer)
	if cfg.Limits != nil { // caps shared with other Runs (shared.go)
		p.hosts, p.rate, p.sizes = cfg.Limits.hosts, cfg.Limits.rate, cfg.Limits.sizes
	}
	if t, ok := f.(Trimmer); ok && !cfg.NoSplit {
		p.split = newSplitter(t, cfg.PageSize, cfg.PartitionSplitRows, cfg.Concurrency, maxID)
		p.split.record, p.split.query = p.recordSplit, p.splitQuery
		if parts, ok := f.(Partitions); ok && !cfg.NoPartitionSplit {
			if _, ok := f.(cutComparer); ok {
				p.split.parts = parts
			}
		}
	}
	pairTasks(tasks)
	if len(tasks) == 0 {
		close(p.idle)
	}
	p.pending.Store(int64(len(tasks)))
	p.batches.New = func() any { return f.NewBatch() }
	start := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	writeErr := make(chan error, 1)
	go func() { writeErr <- p.write(ctx, cancel) }()

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
	for p.split != nil && gctx.Err() == nil && g.TryGo(func() error { return p.help(gctx) }) {
	}
	runErr := g.Wait()
	close(p.pages)
	werr := <-writeErr

	st := p.stats(time.Since(start))
	switch {
	case werr != nil:
		if cause := context.Cause(ctx); cause != nil && !errors.Is(werr, cause) {
			// The scan was cancelled first; the output saw the cancellation.
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
	case len(p.failed) > 0:
		failed := slices.Clone(p.failed) // in the order they failed
		slices.SortFunc(failed, func(a, b *RangeError) int { return cmp.Compare(a.ID, b.ID) })
		return st, &PartialError{Failed: failed}
	}
	return st, nil
}

// write hands pages to the output, one at a time. After an error it drains
// the channel so that readers never block.
func (p *pool) write(ctx context.Context, cancel context.CancelCauseFunc) error {
	var err error
	for it := range p.pages {
		if err == nil {
			if werr := p.out.WritePage(ctx, it.rangeID, it.b, it.cur); werr != nil {
				err = werr
				cancel(err)
			}
		}
		it.b.Reset()
		p.batches.Put(it.b)
	}
	return err
}

// rangeRun is the state of one task's read.
type rangeRun struct {
	t        Task // with its current end
	cur      Cursor
	st       RangeStats
	attempts int             // failed attempts of the current page
	tried    []string        // hosts tried for the current page
	avoid    map[string]bool // replicas that failed the current page
	host     string          // the replica that served the last page
	latency  time.Duration   // the last page's request time
	limit    int             // host's limit after the last page
	// asked is the page size of the last request; pageCap, when set,
	// caps the range's page size since a page was too big for the driver.
	asked, pageCap int
	// tail counts the rows handed on in the partition of the last row
	// (Page.TailRows, added up over pages inside one partition), up to
	// it; -1 when unknown.
	tail int64
}

// noteTail extends r.tail with a page of n rows handed on.
func (r *rangeRun) noteTail(n int, page Page) {
	switch {
	case n == 0:
	case page.TailRows <= 0:
		r.tail = -1
	case page.TailRows < n:
		r.tail = int64(page.TailRows) // the partition starts in the page
	case r.tail >= 0:
		// The whole page is in one partition, which may have begun on an
		// earlier page: count those rows in (too many, when it began with
		// this page, which only makes a restart less likely).
		r.tail = max(r.tail+int64(n), int64(page.TailRows))
	}
}

// runRange reads one subrange to its end: fetch a page, hand it on, and
// let the splitter take part of what is left.
func (p *pool) runRange(ctx context.Context, t *Task) error {
	r := &rangeRun{t: *t, cur: t.Cursor, avoid: map[string]bool{}}
	if t.Cursor.Last != nil || t.Cursor.After != nil {
		r.tail = -1 // a resume: where its partition began is not known
	}
	r.st = RangeStats{ID: t.Subrange.ID, Range: t.Subrange.Range, Piece: t.Piece}
	start := time.Now()
	lv := p.split.track(*t, t.pair)
	defer p.split.untrack(lv)
	defer func() {
		r.st.Duration = time.Since(start)
		r.st.Range = r.t.Subrange.Range
		if r.t.Piece != nil {
			r.st.Piece = r.t.Piece
		}
		p.mu.Lock()
		p.perRange = append(p.perRange, r.st)
		p.mu.Unlock()
		if p.hooks.RangeDone != nil {
			p.hooks.RangeDone(r.st)
		}
	}()
	for !r.cur.Done {
		lv.pickUp(&r.t)
		if p.split.restart(r) {
			r.cur = r.cur.restartAfterLast()
		}
		if r.cur.PageState == nil || r.cur.End == (ring.Token{}) {
			// A new statement ends where the subrange now ends; so does one
			// whose end was not recorded.
			r.cur.End = r.t.Subrange.Range.End
		}
		b, page, next, err := p.fetchPage(ctx, r)
		if errors.Is(err, errSkipRange) {
			return nil
		}
		if err != nil {
			return err
		}
		if b == nil {
			continue // retried
		}
		next = p.split.afterPage(lv, &r.t, r.cur.Last, next, b, page)
		r.noteTail(b.Len(), page)
		p.counted(r, b, next)
		if p.prep != nil && b.Len() > 0 {
			p.prep.PreparePage(b)
		}
		select {
		case p.pages <- item{b: b, rangeID: r.t.Subrange.ID, cur: next}:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		p.split.handedOn()
		r.cur = next
	}
	r.st.Done = true
	p.done.Add(1)
	return nil
}

// fetchPage makes one page request for r and returns the page with the
// cursor after it. A failed request that is retried returns a nil page
// (after the backoff); a request that fails the subrange returns its
// error, nil when the failure policy lets the scan go on (the subrange is
// then finished as failed).
func (p *pool) fetchPage(ctx context.Context, r *rangeRun) (*sink.Batch, Page, Cursor, error) {
	sr := r.t.Subrange
	host, ok := p.pick(sr, r.attempts, r.avoid)
	if !ok {
		return nil, Page{}, r.cur, p.fail(r, fmt.Errorf("no replica of the range is known (%d replicas)", len(sr.Replicas)))
	}
	size := p.cfg.PageSize
	if r.pageCap > 0 {
		size = min(size, r.pageCap) // a page was too big for the driver
	}
	req := Request{Subrange: sr, Host: host, Start: sr.Range.Start, End: r.cur.End, After: r.cur.After,
		Last: r.cur.Last, PageState: r.cur.PageState, PageSize: p.rate.pageSize(p.sizes.pageSize(size)), Piece: r.t.Piece,
		Stop: r.t.Stop}
	r.asked = req.PageSize
	if err := p.rate.reserve(ctx, req.PageSize); err != nil {
		return nil, Page{}, r.cur, err
	}
	b := p.batches.Get().(*sink.Batch)
	page, latency, err := p.fetch(ctx, req, b)
	if err != nil {
		p.rate.refund(req.PageSize)
		b.Reset()
		p.batches.Put(b)
		if ctx.Err() != nil {
			return nil, Page{}, r.cur, context.Cause(ctx)
		}
		return nil, Page{}, r.cur, p.retry(ctx, r, host, err)
	}
	p.rate.refund(req.PageSize - b.Len())
	p.sizes.note(b)
	r.attempts, r.tried = 0, r.tried[:0]
	clear(r.avoid)
	next := Cursor{After: r.cur.After, PageState: page.PageState, End: r.cur.End, Last: r.cur.Last,
		Done: page.PageState == nil && page.After == nil}
	if page.Last != nil {
		next.Last = page.Last
	}
	if page.After != nil {
		next.After = page.After
	}
	r.host, r.latency, r.limit = host.Address, latency, p.hosts.limit(host)
	b.RangeID, b.Host = sr.ID, host.Address
	return b, page, next, nil
}

// counted records a page handed on in r's statistics and the hooks.
func (p *pool) counted(r *rangeRun, b *sink.Batch, next Cursor) {
	rows := b.Len()
	r.st.Host, r.st.Limit = r.host, r.limit
	r.st.Pages++
	r.st.Rows += int64(rows)
	r.st.Bytes += int64(b.Bytes())
	if rows == 0 && !next.Done {
		r.st.Empty++
	}
	if p.hooks.PageRead != nil {
		p.hooks.PageRead(r.t.Subrange.ID, r.host, rows, b.Bytes(), r.latency)
	}
}

// retry handles a failed page request: a refused paging state restarts the
// subrange after its last row at once; other retryable errors move to the
// next replica, at once while a replica has not failed the page yet (as
// the drivers' default retry policies go to the next host, RETRY_NEXT),
// and after a backoff once every replica has; the rest fail the subrange.
func (p *pool) retry(ctx context.Context, r *rangeRun, host ring.Host, err error) error {
	class, kind := classify(err)
	// A page more than the driver reads is asked again at once for fewer
	// rows (below), down to one row.
	shrink := class == tooBig && r.asked > 1
	// A refused paging state is no failed attempt: the subrange resumes at
	// once from a token bound, with no paging state to refuse again, even
	// when retries are off. Nor is a page too big, which each halving
	// makes smaller.
	if !shrink && (class != refusedState || r.cur.PageState == nil) {
		r.attempts++
		r.tried = append(r.tried, host.Address)
		if class == fatal || class == tooBig || r.attempts > p.cfg.retries() {
			return p.fail(r, explain(kind, err)) // tooBig here: one row too big
		}
	}
	r.st.Retries++
	p.mu.Lock()
	p.retries[kind]++
	p.mu.Unlock()
	if p.hooks.Retry != nil {
		p.hooks.Retry(r.t.Subrange.ID, host.Address, kind, err)
	}
	if shrink {
		// Half the rows or fewer, of this replica. The pool's mean row
		// size learns that these rows weigh more than MaxFrameBytes/asked,
		// so that the other subranges' next pages shrink too.
		r.pageCap = max(1, r.asked/2)
		p.sizes.noteTooBig(r.asked)
		p.cfg.Logger.Info("the driver refused a frame as too big (a page larger than it reads, or the request larger than it sends); asking fewer rows", zap.Int("range", r.t.Subrange.ID), zap.String("host", host.Address),
			zap.Int("rows_asked", r.asked), zap.Int("rows_next", p.sizes.pageSize(r.pageCap)))
		return nil
	}
	p.cfg.Logger.Debug("page request failed; retrying", zap.Int("range", r.t.Subrange.ID), zap.String("host", host.Address),
		zap.String("kind", kind), zap.Int("attempt", r.attempts), zap.Error(err))
	if class == refusedState {
		r.cur = r.cur.restartAfterLast()
		return nil
	}
	r.avoid[host.ID] = true
	if len(r.avoid) < len(r.t.Subrange.Replicas) {
		return nil // pick goes to a replica that has not failed the page
	}
	// The wait grows with the attempts, hops included, so that a page
	// that keeps failing waits about as long in all as when every retry
	// waited: the hops skip only the shortest waits.
	if err := sleep(ctx, p.backoff(r.attempts)); err != nil {
		return context.Cause(ctx)
	}
	return nil
}

// fail records a subrange that exhausted its attempts. It returns the
// *RangeError when the failure policy aborts the scan, else nil after
// marking the subrange finished.
func (p *pool) fail(r *rangeRun, err error) error {
	rerr := &RangeError{ID: r.t.Subrange.ID, Range: r.t.Subrange.Range, Piece: r.t.Piece, Attempts: r.attempts, Rows: r.st.Rows,
		Cursor: r.cur, Hosts: slices.Clone(r.tried), Err: err}
	r.st.Err = rerr
	p.cfg.Logger.Warn("range failed", zap.Int("range", r.t.Subrange.ID), zap.Stringer("bounds", r.t.Subrange.Range),
		zap.Int("attempts", r.attempts), zap.Strings("hosts", r.tried), zap.Error(err))
	p.mu.Lock()
	p.failed = append(p.failed, rerr)
	n := len(p.failed)
	p.mu.Unlock()
	if p.cfg.MaxFailedRanges == 0 || (p.cfg.MaxFailedRanges > 0 && n > p.cfg.MaxFailedRanges) {
		return rerr
	}
	return errSkipRange
}

// errSkipRange ends a failed subrange's loop without failing the scan.
var errSkipRange = errors.New("range failed within the failure policy")

// finished records the end of a subrange; the last one releases the
// goroutines waiting to help.
func (p *pool) finished() {
	if p.active.Add(-1) == 0 && p.pending.Load() == 0 {
		p.closeIdle.Do(func() { close(p.idle) })
	}
}

// help is what a goroutine does once no subrange is left to start: it
// takes the second half of the running subrange with the most rows left
// and reads it, and when none is worth splitting, waits for the next page
// handed on, until nothing runs. Until every subrange has its goroutine it
// returns at once, freeing its slot for them.
func (p *pool) help(ctx context.Context) error {
	for p.split != nil && p.dispatched.Load() {
		var child *Task
		ok := false
		if child, ok = p.split.take(ctx); ok {
			err := p.runRange(ctx, child)
			p.finished()
			if err != nil {
				return err
			}
			continue
		}
		select {
		case <-p.split.notify:
		case <-p.idle:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// recordSplit hands a split to the output, under the parent's lock (see
// splitter.take).
func (p *pool) recordSplit(s Split) {
	p.active.Add(int64(len(s.Children))) // before any task can finish and close idle
	p.splits.Add(int64(len(s.Children)))
	for _, c := range s.Children {
		if c.Piece != nil {
			p.pieces.Add(1)
		}
	}
	if s.Partition {
		p.partitions.Add(1)
	}
	p.out.Split(s)
	for _, c := range s.Children {
		p.cfg.Logger.Debug("split a running range", zap.Int("range", s.Parent.Subrange.ID), zap.Int("new", c.Subrange.ID),
			zap.Stringer("bounds", c.Subrange.Range), zap.Bool("piece", c.Piece != nil))
	}
}

// splitQuery runs a split's queries on the replica of sr with the fewest
// requests in flight, under the host cap and the request timeout. They
// are not retried: a split that fails is not made.
func (p *pool) splitQuery(ctx context.Context, sr ring.Subrange, f func(context.Context, ring.Host) error) error {
	host, ok := p.pick(sr, 0, nil)
	if !ok {
		return errors.New("no replica")
	}
	sl, err := p.hosts.acquire(ctx, host, false)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, p.cfg.RequestTimeout)
	defer cancel()
	start := time.Now()
	err = f(rctx, host)
	// The host's limit learns from these requests too (a row each).
	p.hosts.release(sl, time.Since(start), 1, err)
	if err != nil && ctx.Err() == nil {
		// f's queries ran side by side: each failed one counts.
		errs := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		}
		var kind string
		p.mu.Lock()
		for _, e := range errs {
			_, kind = classify(e)
			p.splitFailures[kind]++
		}
		p.mu.Unlock()
		p.cfg.Logger.Debug("a partition split's query failed; the partition is not split", zap.Int("range", sr.ID),
			zap.String("host", host.Address), zap.String("kind", kind), zap.Error(err))
	}
	return err
}

// warm makes host ready with the Fetcher's Warm before its first page
// request, under an adaptive limit (see Warmer and hostLimits.warmUp). A
// failed warm-up is logged and the request goes on; only a cancelled ctx
// stops it.
func (p *pool) warm(ctx context.Context, host ring.Host) error {
	if p.warmer == nil {
		return nil
	}
	err := p.hosts.warmUp(ctx, host, p.warmer, p.cfg.RequestTimeout)
	if err != nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if err != nil {
		p.cfg.Logger.Debug("warming a host up failed; its first pages are not measured", zap.String("host", host.Address), zap.Error(err))
	}
	return nil
}

// pairTasks joins the tasks of partitions read from both ends, as a
// resumed scan's checkpoint recorded them: each reverse piece with the
// task reading up that it meets. A reverse piece whose partner is not
// among the tasks (it finished) keeps its recorded lower bound.
func pairTasks(tasks []Task) {
	byID := map[int]*Task{}
	for i := range tasks {
		byID[tasks[i].Subrange.ID] = &tasks[i]
	}
	for i := range tasks {
		rev := &tasks[i]
		if !rev.Paired || rev.Piece == nil || !rev.Piece.Reverse || rev.pair != nil {
			continue
		}
		fwd := byID[rev.Partner]
		if fwd == nil || fwd.pair != nil {
			rev.Paired = false
			continue
		}
		pr := &pair{revFrom: rev.Piece.From, fwd: *fwd}
		switch {
		case fwd.Piece != nil:
			pr.fwdEnd = fwd.Piece.To
		case fwd.Stop != nil:
			pr.fwdEnd = fwd.Stop.At
		}
		if last := fwd.Cursor.Last; last != nil && len(last.Key) > len(rev.Piece.PK) {
			pr.revFrom = Cut{CK: last.Key[len(rev.Piece.PK):], After: true}
		}
		rev.pair, fwd.pair = pr, pr
	}
}

// fetch makes one page request under the host cap and the request timeout;
// its latency, rows and error feed the host's limit.
func (p *pool) fetch(ctx context.Context, req Request, b *sink.Batch) (page Page, latency time.Duration, err error) {
	if err := p.warm(ctx, req.Host); err != nil {
		return Page{}, 0, err
	}
	s, err := p.hosts.acquire(ctx, req.Host, req.Piece == nil)
	if err != nil {
		return Page{}, 0, err
	}
	defer func() { p.hosts.release(s, latency, b.Len(), err) }()
	if p.hooks.RequestStart != nil {
		p.hooks.RequestStart(req.Host.Address)
	}
	if p.hooks.RequestEnd != nil {
		defer p.hooks.RequestEnd(req.Host.Address)
	}
	rctx, cancel := context.WithTimeout(ctx, p.cfg.RequestTimeout)
	defer cancel()
	start := time.Now()
	page, err = p.f.Fetch(rctx, req, b)
	return page, time.Since(start), err
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
		load := p.hosts.load(h)
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
	st := Stats{Ranges: p.ntasks + int(p.splits.Load()), Elapsed: elapsed, Failed: len(p.failed), Done: int(p.done.Load()),
		RetriesByKind: map[string]int64{}, PartitionsSplit: int(p.partitions.Load()), Pieces: int(p.pieces.Load())}
	if p.split != nil {
		st.SplitQueries, st.RowsDropped, st.Restarts = p.split.queries.Load(), p.split.dropped.Load(), p.split.restarts.Load()
	}
	if len(p.splitFailures) > 0 {
		st.SplitFailures = maps.Clone(p.splitFailures)
	}
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
