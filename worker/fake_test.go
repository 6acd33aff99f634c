package worker_test

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeRow is a row of the fake table. Rows are in ring order: by token,
// then key; several rows may share a token (one partition's rows).
type fakeRow struct {
	tok int64
	key string
}

func (r fakeRow) pos() *worker.Position {
	return &worker.Position{Token: ring.Murmur3Token(r.tok), Key: [][]byte{[]byte(r.key)}}
}

// after reports whether r comes after pos in the ring's order.
func (r fakeRow) after(pos *worker.Position) bool {
	if c := ring.Murmur3Token(r.tok).Compare(pos.Token); c != 0 {
		return c > 0
	}
	return r.key > string(pos.Key[0])
}

// request is one Fetch call as the fake saw it.
type request struct {
	rangeID int
	host    string
	req     worker.Request
	n       int // the request's number within its range, from 1
}

// fakeFetcher serves pages of a fake table, like a server answering the
// scanner's statements: a paging state is an offset into the rows the
// statement selects (the rows of the subrange's token range, or with
// Cursor.After those from After's token on, of which the rows up to After
// are then dropped, as the scanner's fetcher does). It is a Trimmer, so
// the pool splits running subranges unless Config.NoSplit is set.
type fakeFetcher struct {
	rows     map[int][]fakeRow // by subrange ID of the plan, for expectations
	all      []fakeRow         // every row, in ring order
	pageSize int
	// fail, if set, is asked before each request is served; an error fails
	// the request.
	fail func(r request) error
	// gate, if set, holds each request until it is closed (or the request's
	// context ends).
	gate chan struct{}
	// latency, if set, is every request's simulated service time.
	latency time.Duration
	// started, if set, receives every request as it starts (non-blocking).
	started chan request
	// onInFlight, if set, is called with a host's requests in flight each
	// time one starts, under the fake's lock.
	onInFlight func(host string, n int)
	// noTail, if set, leaves Page.TailRows unset (not known), as a
	// Fetcher that does not count them.
	noTail bool

	newBatches atomic.Int64
	// served counts the rows served.
	served atomic.Int64

	mu       sync.Mutex
	requests []request
	perRange map[int]int
	inFlight map[string]int
	maxHost  map[string]int
}

var fakeColumns = []sink.Column{mustColumn("id", "text")}

func mustColumn(name, typ string) sink.Column {
	c, err := sink.NewColumn(name, typ)
	if err != nil {
		panic(err)
	}
	return c
}

func newFake(rows map[int][]fakeRow, pageSize int) *fakeFetcher {
	var all []fakeRow
	for _, rs := range rows {
		all = append(all, rs...)
	}
	slices.SortFunc(all, func(a, b fakeRow) int {
		if c := cmp.Compare(a.tok, b.tok); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	return &fakeFetcher{rows: rows, all: all, pageSize: pageSize, perRange: map[int]int{}, inFlight: map[string]int{}, maxHost: map[string]int{}}
}

func (f *fakeFetcher) NewBatch() *sink.Batch {
	f.newBatches.Add(1)
	return sink.NewBatch(fakeColumns, 1)
}

func (f *fakeFetcher) Fetch(ctx context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	host := req.Host
	f.mu.Lock()
	f.perRange[req.Subrange.ID]++
	r := request{rangeID: req.Subrange.ID, host: host.ID, req: req, n: f.perRange[req.Subrange.ID]}
	f.requests = append(f.requests, r)
	f.inFlight[host.ID]++
	f.maxHost[host.ID] = max(f.maxHost[host.ID], f.inFlight[host.ID])
	if f.onInFlight != nil {
		f.onInFlight(host.ID, f.inFlight[host.ID])
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight[host.ID]--
		f.mu.Unlock()
	}()
	if f.started != nil {
		select {
		case f.started <- r:
		default:
		}
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return worker.Page{}, ctx.Err()
		}
	}
	if f.latency > 0 {
		time.Sleep(f.latency) // the simulated server's work, not a wait for an event
	}
	if f.fail != nil {
		if err := f.fail(r); err != nil {
			return worker.Page{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return worker.Page{}, err
	}
	// The statement's rows: token(pk) > Start (or >= After's token) and
	// token(pk) <= End.
	search := func(tk ring.Token, incl bool) int {
		i, _ := slices.BinarySearchFunc(f.all, tk, func(r fakeRow, tk ring.Token) int {
			if c := ring.Murmur3Token(r.tok).Compare(tk); c != 0 || incl {
				return c
			}
			return -1 // rows at tk come before the position searched
		})
		return i
	}
	lo := search(req.Start, false)
	if req.After != nil {
		lo = search(req.After.Token, true)
	}
	rows := f.all[lo:search(req.End, false)]
	off := 0
	if req.PageState != nil {
		var err error
		off, err = strconv.Atoi(strings.TrimPrefix(string(req.PageState), "offset:"))
		if err != nil || !strings.HasPrefix(string(req.PageState), "offset:") {
			return worker.Page{}, fmt.Errorf("%w: %q", worker.ErrPageStateRefused, req.PageState)
		}
	}
	start := min(off, len(rows))
	end := min(start+min(f.pageSize, req.PageSize), len(rows))
	var page worker.Page
	for _, row := range rows[start:end] {
		if req.After != nil && !row.after(req.After) {
			continue
		}
		b.AppendValue(rowID(row))
		if page.Last == nil || page.Last.Token != ring.Murmur3Token(row.tok) {
			page.TailRows, page.TailFirst = 0, row.pos()
		}
		if !f.noTail {
			page.TailRows++ // a token's rows stand for a partition's
		}
		page.Last = row.pos()
		f.served.Add(1)
	}
	if end < len(rows) {
		page.PageState = []byte("offset:" + strconv.Itoa(end))
	}
	return page, nil
}

func (f *fakeFetcher) requestsOf(rangeID int) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []request
	for _, r := range f.requests {
		if r.rangeID == rangeID {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeFetcher) allRequests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func rowID(r fakeRow) []byte {
	return []byte(fmt.Sprintf("%d/%s", r.tok, r.key))
}

// Trim drops the rows after end; see worker.Trimmer.
func (f *fakeFetcher) Trim(b *sink.Batch, lim worker.Limit, _ *worker.Position) (*worker.Position, bool) {
	end := lim.Token
	n := b.Len()
	keep := n
	var last *worker.Position
	for i := range n {
		var r fakeRow
		tok, key, _ := strings.Cut(string(b.Value(i, 0)), "/")
		r.tok, _ = strconv.ParseInt(tok, 10, 64)
		r.key = key
		if ring.Murmur3Token(r.tok).Compare(end) > 0 {
			keep = i
			break
		}
		last = r.pos()
	}
	b.TruncateRows(keep)
	return last, keep < n
}

var (
	_ worker.Trimmer = (*fakeFetcher)(nil)
	_ worker.Output  = (*collectSink)(nil)
)

// hosts are the fake cluster's nodes.
var hosts = []ring.Host{
	{ID: "h1", Address: "10.0.0.1"},
	{ID: "h2", Address: "10.0.0.2"},
	{ID: "h3", Address: "10.0.0.3"},
}

// table builds n subranges of width 1000, each with rowsPer rows,
// perToken rows sharing each token, every subrange replicated on
// replicas hosts. rowsPer/perToken must be under 1000.
func table(n, rowsPer, perToken, replicas int) ([]worker.Task, map[int][]fakeRow) {
	if rowsPer/perToken >= 999 {
		panic("table: more tokens than a subrange holds") // a bug in the test
	}
	tasks := make([]worker.Task, n)
	rows := map[int][]fakeRow{}
	for i := range n {
		lo := int64(i)*1000 - 500_000
		tasks[i] = worker.Task{Subrange: ring.Subrange{
			ID:       i,
			Range:    ring.Range{Start: ring.Murmur3Token(lo), End: ring.Murmur3Token(lo + 1000)},
			Replicas: slices.Clone(hosts[:replicas]),
		}}
		// Tokens spread over the subrange, as hashing spreads them.
		step := max(1, 999/int64(rowsPer/perToken+1))
		for j := range rowsPer {
			rows[i] = append(rows[i], fakeRow{tok: lo + 1 + int64(j/perToken)*step, key: fmt.Sprintf("k%04d", j)})
		}
	}
	return tasks, rows
}

// wantRows is the multiset of every row of the given ranges (all when
// none are given).
func wantRows(rows map[int][]fakeRow, ranges ...int) map[string]int {
	if len(ranges) == 0 {
		ranges = slices.Collect(maps.Keys(rows))
	}
	out := map[string]int{}
	for _, id := range ranges {
		for _, r := range rows[id] {
			out[string(rowID(r))]++
		}
	}
	return out
}

// collectSink is a worker.Output that keeps the ids of the rows written,
// counting each.
type collectSink struct {
	mu   sync.Mutex
	rows map[string]int
	// write, if set, runs before each page with rows is taken; an error
	// fails the write.
	write func(ctx context.Context, b *sink.Batch) error
	// page, if set, follows every page taken, with the cursor after it.
	page func(rangeID int, cur worker.Cursor, rows int)
	// split, if set, follows every split recorded.
	split func(parent int, child ring.Subrange)
}

func newCollectSink() *collectSink { return &collectSink{rows: map[string]int{}} }

func (s *collectSink) WritePage(ctx context.Context, rangeID int, b *sink.Batch, cur worker.Cursor) error {
	if s.write != nil && b.Len() > 0 {
		if err := s.write(ctx, b); err != nil {
			return fmt.Errorf("sink: %w", err)
		}
	}
	s.mu.Lock()
	for i := range b.Len() {
		s.rows[string(b.Value(i, 0))]++
	}
	s.mu.Unlock()
	if s.page != nil {
		s.page(rangeID, cur, b.Len())
	}
	return nil
}

// preparingSink is a collectSink that is a worker.PagePreparer: it keeps
// the ids of each page's rows when prepared, and counts the pages written
// with other rows than they had when prepared (or not prepared at all).
type preparingSink struct {
	*collectSink
	pmu                  sync.Mutex
	prepared             map[*sink.Batch][]string
	pages, notAsPrepared int
}

func newPreparingSink() *preparingSink {
	return &preparingSink{collectSink: newCollectSink(), prepared: map[*sink.Batch][]string{}}
}

func rowIDs(b *sink.Batch) []string {
	ids := make([]string, b.Len())
	for i := range ids {
		ids[i] = string(b.Value(i, 0))
	}
	return ids
}

func (s *preparingSink) PreparePage(b *sink.Batch) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	s.prepared[b] = rowIDs(b)
}

func (s *preparingSink) WritePage(ctx context.Context, rangeID int, b *sink.Batch, cur worker.Cursor) error {
	if b.Len() > 0 {
		s.pmu.Lock()
		ids, ok := s.prepared[b]
		delete(s.prepared, b)
		s.pages++
		if !ok || !slices.Equal(ids, rowIDs(b)) {
			s.notAsPrepared++
		}
		s.pmu.Unlock()
	}
	return s.collectSink.WritePage(ctx, rangeID, b, cur)
}

func (s *collectSink) Split(sp worker.Split) {
	if s.split != nil {
		for _, c := range sp.Children {
			s.split(sp.Parent.Subrange.ID, c.Subrange)
		}
	}
}

func (s *collectSink) got() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.rows)
}

// fastRetries are backoffs short enough for tests.
func fastRetries(cfg worker.Config) worker.Config {
	cfg.BackoffBase, cfg.BackoffMax = 100*time.Microsecond, 2*time.Millisecond
	return cfg
}
