package scanner

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// RangeReader reads single subranges of a plan, each from a cursor, page
// by page, for programs that schedule subranges themselves: a Beam source
// reads the subranges of the restrictions a runner hands it. Each read is
// the scanner's own reading of a subrange, by the same code as Run's:
// every page on one of the subrange's replicas (rotating from a different
// one per subrange, preferring the least busy), failing pages retried with
// backoff on the next replica up to Config.Retries times, a refused paging
// state followed by a restart from a token bound that skips the rows
// already read. Only the scheduling is the caller's: there is no pool of
// subranges and no splitting of running ones.
//
// All the reads of one RangeReader share one cap on the page requests in
// flight per host, Config.PerHost, and one cap on the rows read per
// second, Config.RowsPerSecond: they hold for the reader, whatever the
// number of reads running at once. With PerHost 0 the cap is the one a
// scan of the plan would have (twice an even share of Config.Concurrency
// over the ring's hosts, at least 8).
//
// A RangeReader is safe for concurrent use; it holds no resources of its
// own beyond the plan's session, which stays the caller's.
type RangeReader struct {
	plan   *Plan
	limits *worker.Limits
	log    *zap.Logger
	hooks  worker.Hooks
}

// NewRangeReader returns a reader of p's subranges (p made by s.Plan, or
// its Project). Options add to the scanner's: WithLogger and WithHooks
// apply (the hooks' PageRead, RequestStart, RequestEnd, Retry and
// RangeDone: the rest are a scan's); WithCheckpoint and WithRunID do not.
// A plan that reads tokens only (TokensOnly) is refused: a row cursor
// inside its pages could not say which row of a token it stands after.
func (s *Scanner) NewRangeReader(p *Plan, opts ...Option) (*RangeReader, error) {
	if p == nil || p.fetcher == nil {
		return nil, fmt.Errorf("%w: NewRangeReader needs a plan made by Scanner.Plan", ErrInvalidConfig)
	}
	if p.fetcher.keyless {
		return nil, fmt.Errorf("%w: NewRangeReader: a plan that reads tokens only (TokensOnly) cannot give a cursor after each row; use the plan or Project", ErrInvalidConfig)
	}
	o := s.opts
	o.hooks = slices.Clone(o.hooks)
	for _, opt := range opts {
		opt.apply(&o)
	}
	hosts := p.Ring.Hosts()
	ids := make([]string, len(hosts))
	for i, h := range hosts {
		ids[i] = h.ID
	}
	hooks := hookList(o.hooks).worker(p.fetcher)
	wc := p.cfg.workerConfig()
	wc.RowBytes = p.rowBytes()
	lim, err := worker.NewLimits(wc, ids, hooks.HostLimit)
	if err != nil {
		return nil, err
	}
	return &RangeReader{plan: p, limits: lim, log: o.log, hooks: hooks}, nil
}

// PerHost is the per-host cap the reader's reads share: Config.PerHost,
// or its default; with PerHostAdaptive, the ceiling of each host's
// adaptive limit, which all the reads feed.
func (r *RangeReader) PerHost() int { return r.limits.PerHost() }

// SubrangeAt returns the plan's subrange (of Full: before sharding) whose
// range holds token t, with its replicas, for a caller that has a range
// and not its subrange: a Beam restriction carries tokens, not hosts. ok
// is false when no subrange holds t, which is outside the plan's token
// bounds (Config.BeginToken, EndToken) or of another partitioner.
func (p *Plan) SubrangeAt(t ring.Token) (sr ring.Subrange, ok bool) {
	subs := p.Full.Subranges
	i, _ := slices.BinarySearchFunc(subs, t, func(s ring.Subrange, t ring.Token) int { return s.Range.End.Compare(t) })
	if i == len(subs) || !subs[i].Range.Contains(t) {
		return ring.Subrange{}, false
	}
	return subs[i], true
}

// errPagesClosed ends a read that RangePages.Close stopped.
var errPagesClosed = errors.New("range read closed")

// Read starts reading sr from cur and returns its pages. sr is one of the
// plan's subranges, or a part of one (a Range within its bounds, with its
// Replicas; see SubrangeAt); its ID picks the replica it starts on. cur is
// where to begin: the zero Cursor for the start of sr, or a cursor a
// previous read gave (RangePages.Cursor or RowCursor). A cursor with a
// paging state goes on with the statement it belongs to, whose end bound
// may lie beyond sr's end (the range was cut after that statement began):
// rows past sr's end may then come, and are the caller's to drop.
//
// The read runs in the background, at most two pages ahead of the caller,
// so that at most four pages of it exist at once. ctx bounds the whole
// read. The caller must call Close.
func (r *RangeReader) Read(ctx context.Context, sr ring.Subrange, cur Cursor) *RangePages {
	ctx, cancel := context.WithCancelCause(ctx)
	p := &RangePages{f: r.plan.fetcher, pages: make(chan rangePage), taken: make(chan struct{}), done: make(chan struct{}),
		cancel: cancel, cur: rangePage{cur: cur.c}}
	cfg := r.plan.cfg.workerConfig()
	// One subrange, read alone, failing as a whole: the caller schedules.
	cfg.Concurrency, cfg.QueueDepth, cfg.NoSplit, cfg.MaxFailedRanges = 1, 1, true, 0
	cfg.Limits, cfg.Logger = r.limits, r.log
	go func() {
		defer close(p.done)
		defer close(p.pages)
		_, p.err = worker.Run(ctx, cfg, []worker.Task{{Subrange: sr, Cursor: cur.c}}, r.plan.fetcher, p, r.hooks)
	}()
	return p
}

// RangePages are the pages of one subrange read by a RangeReader, in
// token order, with the cursor after each. The lifecycle is
// database/sql.Rows': Next, then Batch and the cursors, until Next returns
// false; then Err. Close stops the read and may be called at any time, more
// than once. RangePages are for one goroutine.
type RangePages struct {
	f      *fetcher
	pages  chan rangePage
	taken  chan struct{} // the caller is done with the page handed over
	done   chan struct{} // closed when the read has ended; err is set
	err    error
	cancel context.CancelCauseFunc

	cur    rangePage // the current page, or the starting cursor before the first
	has    bool      // cur holds a page the writer waits to get back
	closed bool
}

type rangePage struct {
	b   *sink.Batch
	cur worker.Cursor
}

// WritePage hands a page to the caller and waits until it is done with
// it (worker.Output, called by the read's one writer goroutine).
func (p *RangePages) WritePage(ctx context.Context, _ int, b *sink.Batch, cur worker.Cursor) error {
	select {
	case p.pages <- rangePage{b: b, cur: cur}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	select {
	case <-p.taken:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Split is never called: the read does not split.
func (p *RangePages) Split(worker.Split) {}

// Next waits for the next page and reports whether there is one. It
// returns false at the end of the subrange, when the read failed (Err),
// and after Close. A page may hold no row while more follow (a run of
// tombstones); its cursor moves on all the same. The previous page is
// given back: its Batch is no longer valid.
func (p *RangePages) Next() bool {
	if p.closed {
		return false
	}
	p.giveBack()
	pg, ok := <-p.pages
	if !ok {
		<-p.done
		return false
	}
	p.cur, p.has = pg, true
	return true
}

// giveBack returns the current page to the read, which reuses its memory.
func (p *RangePages) giveBack() {
	if !p.has {
		return
	}
	p.has = false
	select {
	case p.taken <- struct{}{}:
	case <-p.done:
	}
}

// Batch returns the current page's rows. It is valid until the next call
// of Next or Close, and must not be kept.
func (p *RangePages) Batch() *sink.Batch { return p.cur.b }

// Cursor returns where the subrange stands after the current page (the
// starting cursor before the first): Done after its last page, else the
// paging state to go on with. Reading from it continues with the next
// page.
func (p *RangePages) Cursor() Cursor { return Cursor{c: p.cur.cur} }

// RowCursor returns where the subrange stands after row i of the current
// page: reading from it reads the rows after row i, none twice. For the
// page's last row it is Cursor; for the others it holds no paging state
// (a paging state resumes after a page, not inside one): the read starts
// again at row i's token and skips the rows up to row i by their primary
// key, as after a refused paging state.
func (p *RangePages) RowCursor(i int) (Cursor, error) {
	b := p.cur.b
	if b == nil || i < 0 || i >= b.Len() {
		return Cursor{}, fmt.Errorf("row cursor: row %d of a page of %d rows", i, p.rowsOf(b))
	}
	if i == b.Len()-1 {
		return p.Cursor(), nil
	}
	pos, err := p.f.position(b, i)
	if err != nil {
		return Cursor{}, fmt.Errorf("row cursor: %w", err)
	}
	return Cursor{c: worker.CursorAfter(pos)}, nil
}

func (p *RangePages) rowsOf(b *sink.Batch) int {
	if b == nil {
		return 0
	}
	return b.Len()
}

// Err returns the error that ended the read, once Next has returned
// false: nil when the subrange was read to its end or Close stopped it,
// the context's cause when ctx was cancelled, else the *RangeError of a
// subrange whose page failed all its attempts.
func (p *RangePages) Err() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	if errors.Is(p.err, errPagesClosed) {
		return nil
	}
	return errorOf(p.err)
}

// Close stops the read, if it still runs, and waits until it has. It
// always returns nil; read errors are Err's.
func (p *RangePages) Close() error {
	if p.closed {
		return nil
	}
	p.closed, p.has = true, false
	p.cancel(errPagesClosed)
	<-p.done
	return nil
}

var _ worker.Output = (*RangePages)(nil)
