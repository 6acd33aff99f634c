package worker_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// ordRow is a row of ordinalFetcher's table: its token, whether it is
// deleted (a tombstone, never returned), and its id.
type ordRow struct {
	tok  int64
	dead bool
	id   string
}

// ordinalFetcher serves a table the way the scanner's tokens-only reader
// (a count) does: positions carry no key, only a row's ordinal among the
// live rows of its token; a statement from After (token >= After.Token)
// skips the rows of After's token up to its ordinal, counting them from
// the token's first row (or from req.Last when it continues with a paging
// state). Like ScyllaDB (cqlsim's default tombstone mode), a page stops
// early, possibly empty, after budget deleted rows in a row, with a paging
// state to go on. A paging state is an offset into the statement's rows.
type ordinalFetcher struct {
	all      []ordRow
	pageSize int
	budget   int
	// refuse reports whether the n-th request (from 1) carrying a paging
	// state is refused.
	refuse func(n int) bool

	mu        sync.Mutex
	withState int
	log       []string
}

func (f *ordinalFetcher) NewBatch() *sink.Batch { return sink.NewBatch(fakeColumns, 1) }

func (f *ordinalFetcher) Fetch(_ context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	f.mu.Lock()
	if req.PageState != nil {
		f.withState++
		if f.refuse(f.withState) {
			f.log = append(f.log, fmt.Sprintf("refused state %s (after %v, last %v)", req.PageState, fmtPos(req.After), fmtPos(req.Last)))
			f.mu.Unlock()
			return worker.Page{}, fmt.Errorf("%w: injected", worker.ErrPageStateRefused)
		}
	}
	f.log = append(f.log, fmt.Sprintf("state %q after %v last %v", req.PageState, fmtPos(req.After), fmtPos(req.Last)))
	f.mu.Unlock()
	var rows []ordRow
	for _, r := range f.all {
		tk := ring.Murmur3Token(r.tok)
		lo := tk.Compare(req.Start) > 0
		if req.After != nil {
			lo = tk.Compare(req.After.Token) >= 0
		}
		if lo && tk.Compare(req.End) <= 0 {
			rows = append(rows, r)
		}
	}
	off := 0
	if req.PageState != nil {
		var err error
		if off, err = strconv.Atoi(strings.TrimPrefix(string(req.PageState), "offset:")); err != nil {
			return worker.Page{}, fmt.Errorf("%w: %q", worker.ErrPageStateRefused, req.PageState)
		}
	}
	// Ordinals as the scanner's fetcher counts them: on from req.Last when
	// the statement goes on, from After's token's first row when it starts.
	var ordTok ring.Token
	var ord int64
	set := false
	switch {
	case req.After != nil && req.PageState == nil:
		ordTok, set = req.After.Token, true
	case req.Last != nil:
		ordTok, ord, set = req.Last.Token, req.Last.Ordinal, true
	}
	skipping := req.After != nil && (req.PageState == nil || req.Last == nil ||
		req.Last.Token.Compare(req.After.Token) < 0 ||
		req.Last.Token == req.After.Token && req.Last.Ordinal < req.After.Ordinal)
	var page worker.Page
	seen := false
	live, deadRun, i := 0, 0, off
	for ; i < len(rows) && live < req.PageSize && deadRun < f.budget; i++ {
		r := rows[i]
		if r.dead {
			deadRun++
			continue
		}
		deadRun = 0
		live++
		tk := ring.Murmur3Token(r.tok)
		if set && tk == ordTok {
			ord++
		} else {
			ordTok, ord, set = tk, 1, true
		}
		seen = true
		if skipping && tk == req.After.Token && ord <= req.After.Ordinal {
			continue
		}
		skipping = false
		b.AppendValue([]byte(r.id))
	}
	if seen {
		page.Last = &worker.Position{Token: ordTok, Ordinal: ord}
	}
	if i < len(rows) {
		page.PageState = []byte("offset:" + strconv.Itoa(i))
	}
	return page, nil
}

func fmtPos(p *worker.Position) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("(%v,#%d)", p.Token, p.Ordinal)
}

// TestRefusedAgainByOrdinal: a reader by ordinal (a count) whose paging
// state is refused restarts from its last row by token (restartAfterLast):
// After is that row, Last the token with no ordinal. The restarted
// statement's pages may end before it is past After: empty (the token's
// rows start with tombstones, at which ScyllaDB - and cqlsim's default
// mode - cut pages), or holding only rows it skips, whose ordinal becomes
// Last. If the paging state of such a page is refused in turn, the second
// restart must still skip every row handed on before the first. It does
// not: restartAfterLast restarts after Last, whatever After is - after
// an ordinal-less Last it skips nothing, after a skipped row's ordinal it
// skips too little - and the rows of the token counted before the first
// refusal are counted again.
func TestRefusedAgainByOrdinal(t *testing.T) {
	type run struct {
		dead bool
		n    int
	}
	tests := []struct {
		name string
		// token10 are the runs of rows of token 10 (one partition, or
		// several of one token), before 3 live rows of token 20. Pages
		// stop at each run of 3 tombstones and after pageSize live rows.
		token10  []run
		pageSize int
		refuse   []int // the requests with a paging state refused, by number
	}{
		// The first request (no state) is an empty page of tombstones;
		// state 1 reads rows 1-2 of token 10; state 2 is refused, so the
		// reader restarts after row 2 of token 10: the restarted
		// statement's first page is empty again.
		{name: "refused once", token10: []run{{true, 3}, {false, 2}, {true, 3}, {false, 5}}, pageSize: 4, refuse: []int{2}},
		// State 3 (that empty page's) is refused too.
		{name: "refused again after an empty page", token10: []run{{true, 3}, {false, 2}, {true, 3}, {false, 5}}, pageSize: 4,
			refuse: []int{2, 3}},
		// Rows 1-2, then 3-4 (each page cut at tombstones); state 2 is
		// refused: the restart's first page holds rows 1-2 only, skipped,
		// and its state is refused too.
		{name: "refused again while skipping", token10: []run{{false, 2}, {true, 3}, {false, 2}, {true, 3}, {false, 5}}, pageSize: 8,
			refuse: []int{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var all []ordRow
			add := func(tok int64, dead bool, n int) {
				for range n {
					all = append(all, ordRow{tok: tok, dead: dead, id: fmt.Sprintf("t%d-%02d", tok, len(all))})
				}
			}
			for _, r := range tt.token10 {
				add(10, r.dead, r.n)
			}
			add(20, false, 3)
			want := map[string]int{}
			for _, r := range all {
				if !r.dead {
					want[r.id]++
				}
			}
			f := &ordinalFetcher{all: all, pageSize: tt.pageSize, budget: 3, refuse: func(n int) bool { return slices.Contains(tt.refuse, n) }}
			tasks := []worker.Task{{Subrange: ring.Subrange{ID: 0, Range: ring.Range{Start: ring.Murmur3Token(0), End: ring.Murmur3Token(100)},
				Replicas: hosts[:1]}}}
			s := newCollectSink()
			cfg := worker.Config{PageSize: tt.pageSize, NoSplit: true, BackoffBase: time.Hour, BackoffMax: time.Hour}
			_, err := worker.Run(context.Background(), cfg, tasks, f, s, worker.Hooks{})
			require.NoError(t, err)
			require.Equal(t, want, s.got(), "every live row exactly once; requests:\n%s", strings.Join(f.log, "\n"))
		})
	}
}

// trimmingOrdinalFetcher is an ordinalFetcher that is a Trimmer, as the
// scanner's tokens-only reader is: Trim counts the ordinals of the rows it
// keeps on from prev, the row before the page, as fetcher.Trim does.
type trimmingOrdinalFetcher struct {
	*ordinalFetcher
	tokens map[string]int64 // row id to token
}

func (f trimmingOrdinalFetcher) Trim(b *sink.Batch, lim worker.Limit, prev *worker.Position) (*worker.Position, bool) {
	n := b.Len()
	keep := n
	var tok ring.Token
	var ord int64
	set := false
	if prev != nil {
		tok, ord, set = prev.Token, prev.Ordinal, true
	}
	for i := range n {
		tk := ring.Murmur3Token(f.tokens[string(b.Value(i, 0))])
		if tk.Compare(lim.Token) > 0 {
			keep = i
			break
		}
		if set && tk == tok {
			ord++
		} else {
			tok, ord, set = tk, 1, true
		}
	}
	b.TruncateRows(keep)
	if keep == 0 {
		return nil, keep < n
	}
	return &worker.Position{Token: tok, Ordinal: ord}, keep < n
}

// TestTrimmedPageWhileSkippingByOrdinal: a reader by ordinal whose
// statement reads on after row m of token 10 (After (10, #m)) but whose
// Last is short of it, and whose subrange was split meanwhile (its end
// lowered below its statement's). Last is short of After after a refused
// paging state (Last (10, #0)) and an empty page, as TestRefusedAgainByOrdinal
// has them; or, with no refusal at all, after a count left a large
// partition (leave: After = Last = (10, #m), a new statement by token)
// and the new statement's first page held only rows it skipped, cut at
// tombstones (Last the last of them). The next page skips the rows up to
// m and hands on j rows, then stops at tombstones. The split makes
// afterPage trim the page, and Trim counts the ordinals of the rows it
// keeps on from Last over the kept rows only: the fetcher's own
// (10, #m+j) is overwritten with (10, #Last+j). The next page then goes
// on from there, short of After, and skips rows it was never given:
// rows lost, with no second refusal and no resume.
func TestTrimmedPageWhileSkippingByOrdinal(t *testing.T) {
	type run struct {
		dead bool
		n    int
	}
	tests := []struct {
		name    string
		token10 []run // runs of rows of token 10, before 2 of token 50 and 2 of token 150
		// after, last and state are the cursor's: After and Last by
		// ordinal in token 10, the offset of its paging state.
		after, last int64
		state       string
	}{
		// Rows 1-2 were handed on; the restart's first page was empty.
		{name: "after a refused paging state and an empty page", token10: []run{{true, 3}, {false, 3}, {true, 3}, {false, 4}},
			after: 2, last: 0, state: "offset:3"},
		// Rows 1-3 were handed on (keyed) before the count left the
		// partition; the new statement's first page skipped row 1.
		{name: "after leaving a large partition", token10: []run{{false, 1}, {true, 3}, {false, 3}, {true, 3}, {false, 4}},
			after: 3, last: 1, state: "offset:4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := trimmingOrdinalFetcher{ordinalFetcher: &ordinalFetcher{pageSize: 8, budget: 3, refuse: func(int) bool { return false }},
				tokens: map[string]int64{}}
			add := func(tok int64, dead bool, n int) {
				for range n {
					r := ordRow{tok: tok, dead: dead, id: fmt.Sprintf("t%d-%02d", tok, len(f.all))}
					f.all = append(f.all, r)
					f.tokens[r.id] = tok
				}
			}
			for _, r := range tt.token10 {
				add(10, r.dead, r.n)
			}
			add(50, false, 2)
			add(150, false, 2) // past the subrange's lowered end
			want := map[string]int{}
			live := int64(0)
			for _, r := range f.all {
				if r.dead || r.tok > 100 {
					continue
				}
				if r.tok == 10 {
					if live++; live <= tt.after {
						continue // handed on before
					}
				}
				want[r.id]++
			}
			// The statement from token 10 on, its end (200) above the
			// subrange's (100).
			task := worker.Task{
				Subrange: ring.Subrange{ID: 0, Range: ring.Range{Start: ring.Murmur3Token(0), End: ring.Murmur3Token(100)}, Replicas: hosts[:1]},
				Cursor: worker.Cursor{After: &worker.Position{Token: ring.Murmur3Token(10), Ordinal: tt.after},
					Last: &worker.Position{Token: ring.Murmur3Token(10), Ordinal: tt.last}, PageState: []byte(tt.state), End: ring.Murmur3Token(200)},
			}
			s := newCollectSink()
			cfg := worker.Config{PageSize: 8, Concurrency: 1, BackoffBase: time.Hour, BackoffMax: time.Hour}
			_, err := worker.Run(context.Background(), cfg, []worker.Task{task}, f, s, worker.Hooks{})
			require.NoError(t, err)
			require.Equal(t, want, s.got(), "every live row after row %d of token 10, exactly once; requests:\n%s", tt.after,
				strings.Join(f.log, "\n"))
		})
	}
}
