package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// deadline bounds every wait of these tests.
const deadline = 10 * time.Second

// requestErr is a server error with a protocol error code.
type requestErr struct{ code int }

func (e requestErr) Code() int       { return e.code }
func (e requestErr) Message() string { return "injected" }
func (e requestErr) Error() string   { return fmt.Sprintf("injected error 0x%04x", e.code) }

var _ gocql.RequestError = requestErr{}

func TestRunExactlyOnce(t *testing.T) {
	tests := []struct {
		name                        string
		ranges, rowsPer, perToken   int
		pageSize                    int
		concurrency, perHost, queue int
		replicas                    int
		// split turns on the splitting of running subranges (the pool's
		// PageSize is the fake's).
		split bool
	}{
		{name: "defaults", ranges: 40, rowsPer: 100, perToken: 1, pageSize: 10, replicas: 3},
		{name: "one at a time", ranges: 10, rowsPer: 30, perToken: 3, pageSize: 7, concurrency: 1, perHost: 1, queue: 1, replicas: 1},
		{name: "more workers than ranges", ranges: 3, rowsPer: 50, perToken: 2, pageSize: 1, concurrency: 64, replicas: 2},
		{name: "empty ranges", ranges: 20, rowsPer: 0, perToken: 1, pageSize: 10, replicas: 3},
		{name: "page larger than ranges", ranges: 20, rowsPer: 5, perToken: 1, pageSize: 1000, concurrency: 4, perHost: 1, replicas: 3},
		{name: "split running ranges", ranges: 8, rowsPer: 400, perToken: 1, pageSize: 5, concurrency: 4, replicas: 3, split: true},
		{name: "split inside partitions", ranges: 6, rowsPer: 600, perToken: 7, pageSize: 4, concurrency: 4, replicas: 2, split: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks, rows := table(tt.ranges, tt.rowsPer, tt.perToken, tt.replicas)
			f := newFake(rows, tt.pageSize)
			s := newCollectSink()
			var mu sync.Mutex
			final := map[int]worker.Cursor{}
			done := map[int]int{}
			splits := map[int]ring.Subrange{}
			s.page = func(id int, cur worker.Cursor, _ int) {
				mu.Lock()
				defer mu.Unlock()
				assert.False(t, final[id].Done, "range %d: page written after its last one", id)
				final[id] = cur
			}
			s.split = func(parent int, child ring.Subrange) {
				mu.Lock()
				defer mu.Unlock()
				assert.Positive(t, done[parent]+1, "range %d split while running", parent)
				assert.NotContains(t, splits, child.ID)
				splits[child.ID] = child
			}
			hooks := worker.Hooks{
				RangeDone: func(st worker.RangeStats) {
					mu.Lock()
					defer mu.Unlock()
					done[st.ID]++
				},
			}
			cfg := worker.Config{Concurrency: tt.concurrency, PerHost: tt.perHost, QueueDepth: tt.queue, NoSplit: !tt.split}
			if tt.split {
				cfg.PageSize = tt.pageSize
			}
			st, err := worker.Run(context.Background(), cfg, tasks, f, s, hooks)
			require.NoError(t, err)
			assertRows(t, wantRows(rows), s.got())
			assert.Equal(t, int64(tt.ranges*tt.rowsPer), st.Rows)
			assert.Equal(t, tt.ranges+len(splits), st.Ranges)
			assert.Equal(t, st.Ranges, st.Done)
			assert.Zero(t, st.Failed)
			assert.Zero(t, st.Retries)
			assert.Len(t, st.PerRange, st.Ranges)
			if !tt.split {
				assert.Empty(t, splits)
			}
			ids := slices.Collect(maps.Keys(splits))
			for _, task := range tasks {
				ids = append(ids, task.Subrange.ID)
			}
			for _, id := range ids {
				assert.True(t, final[id].Done, "range %d ends with a Done cursor", id)
				assert.Equal(t, 1, done[id], "RangeDone once for range %d", id)
			}
		})
	}
}

// TestSplitRunningRange makes idle goroutines split a long subrange while
// it is read, with failed and refused requests on the way: every row is
// still read once, and the subranges split off partition their parent's
// rest.
func TestSplitRunningRange(t *testing.T) {
	tasks, rows := table(4, 5, 1, 3)
	// Range 0 is long: 900 rows, three per token, over all its tokens.
	lo := int64(-500_000)
	rows[0] = nil
	for j := range 900 {
		rows[0] = append(rows[0], fakeRow{tok: lo + 1 + int64(j/3)*3, key: fmt.Sprintf("k%04d", j)})
	}
	f := newFake(rows, 5)
	// The short ranges wait until range 0 has read two pages, and range 0's
	// third request waits for a split of range 0, which the goroutine freed
	// by the short ranges makes. (A goroutine with nothing to start splits
	// what runs at that moment, or ends.)
	started, split := make(chan struct{}), make(chan struct{})
	pages := 0
	var mu sync.Mutex
	parents := map[int]int{}
	splits := map[int]ring.Subrange{}
	f.fail = func(r request) error {
		mu.Lock()
		_, child := splits[r.rangeID]
		mu.Unlock()
		switch {
		case r.rangeID >= 1 && r.rangeID <= 3 && r.n == 1:
			select {
			case <-started:
			case <-time.After(deadline):
				return errors.New("range 0 never started")
			}
		case r.rangeID == 0 && r.n == 3:
			select {
			case <-split:
			case <-time.After(deadline):
				return errors.New("range 0 was never split")
			}
		case r.rangeID == 0 && r.n%7 == 0 && r.req.PageState != nil:
			return fmt.Errorf("%w: injected", worker.ErrPageStateRefused)
		case child && r.n == 2:
			return &gocql.RequestErrReadTimeout{}
		}
		return nil
	}
	hooks := worker.Hooks{
		PageRead: func(id int, _ string, _, _ int, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if id == 0 {
				if pages++; pages == 2 {
					close(started)
				}
			}
		},
	}
	s := newCollectSink()
	s.split = func(parent int, child ring.Subrange) {
		mu.Lock()
		defer mu.Unlock()
		if len(splits) == 0 {
			close(split)
		}
		parents[child.ID] = parent
		splits[child.ID] = child
	}
	st, err := worker.Run(context.Background(), fastRetries(worker.Config{Concurrency: 2, PageSize: 5}), tasks, f, s, hooks)
	require.NoError(t, err)
	assertRows(t, wantRows(rows), s.got())
	require.NotEmpty(t, splits, "range 0 was split")
	assert.Equal(t, 4+len(splits), st.Ranges)
	assert.Equal(t, st.Ranges, st.Done)
	assert.Positive(t, st.RetriesByKind["paging_state_refused"])
	assert.Positive(t, st.RetriesByKind["read_timeout"])
	for id, child := range splits {
		root := id
		for {
			p, ok := parents[root]
			if !ok {
				break
			}
			root = p
		}
		assert.Equal(t, 0, root, "range %d comes from range 0", id)
		assert.True(t, tasks[0].Subrange.Range.Contains(child.Range.End), "range %d %v inside range 0", id, child.Range)
	}
	// The final ranges of range 0 and its children tile its token range.
	var final []ring.Range
	for _, r := range st.PerRange {
		if r.ID == 0 || splits[r.ID].Range != (ring.Range{}) {
			final = append(final, r.Range)
		}
	}
	slices.SortFunc(final, func(a, b ring.Range) int { return a.Start.Compare(b.Start) })
	assert.Equal(t, tasks[0].Subrange.Range.Start, final[0].Start)
	assert.Equal(t, tasks[0].Subrange.Range.End, final[len(final)-1].End)
	for i := 1; i < len(final); i++ {
		assert.Equal(t, final[i-1].End, final[i].Start, "ranges %v and %v are adjacent", final[i-1], final[i])
	}
}

func TestRetryOnNextReplica(t *testing.T) {
	tests := []struct {
		err  error
		kind string
	}{
		{&gocql.RequestErrReadTimeout{}, "read_timeout"},
		{&gocql.RequestErrUnavailable{}, "unavailable"},
		{&gocql.RequestErrReadFailure{}, "read_failure"},
		{&gocql.RequestErrWriteTimeout{}, "write_timeout"},
		{requestErr{gocql.ErrCodeOverloaded}, "overloaded"},
		{requestErr{gocql.ErrCodeBootstrapping}, "bootstrapping"},
		{requestErr{gocql.ErrCodeServer}, "server_error"},
		{requestErr{gocql.ErrCodeTruncate}, "truncate_error"},
		{context.DeadlineExceeded, "timeout"},
		{gocql.ErrTimeoutNoResponse, "timeout"},
		{gocql.ErrNoConnections, "connection"},
		{gocql.ErrConnectionClosed, "connection"},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "connection"},
		{io.EOF, "connection"},
		{io.ErrUnexpectedEOF, "connection"},
		{fmt.Errorf("prepare: %w", context.Canceled), "connection"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.err.Error(), func(t *testing.T) {
			const ranges = 6
			tasks, rows := table(ranges, 30, 2, 3)
			f := newFake(rows, 10)
			// The second page of every range fails once.
			f.fail = func(r request) error {
				if r.n == 2 {
					return tt.err
				}
				return nil
			}
			var mu sync.Mutex
			var retried []string
			hooks := worker.Hooks{Retry: func(_ int, _, kind string, err error) {
				mu.Lock()
				defer mu.Unlock()
				retried = append(retried, kind)
				assert.ErrorIs(t, err, tt.err)
			}}
			s := newCollectSink()
			st, err := worker.Run(context.Background(), fastRetries(worker.Config{}), tasks, f, s, hooks)
			require.NoError(t, err)
			assertRows(t, wantRows(rows), s.got())
			assert.Equal(t, int64(ranges), st.Retries)
			assert.Equal(t, map[string]int64{tt.kind: ranges}, st.RetriesByKind)
			assert.Equal(t, slices.Repeat([]string{tt.kind}, ranges), retried)
			for id := range ranges {
				reqs := f.requestsOf(id)
				require.GreaterOrEqual(t, len(reqs), 3)
				assert.NotEqual(t, reqs[1].host, reqs[2].host, "range %d: the retry goes to another replica", id)
				failed, retry := reqs[1].req, reqs[2].req
				failed.Host, retry.Host = ring.Host{}, ring.Host{}
				assert.Equal(t, failed, retry, "range %d: the retry resumes where the failed request started", id)
			}
		})
	}
}

// TestRetryWaitsOnlyOnceEveryReplicaFailed checks when a retry backs off:
// a page that failed on some replicas goes to one that has not failed it
// at once, as the drivers' default retry policies go to the next host;
// only once every replica failed it does the next attempt wait out a
// backoff (here an hour, so that a wait shows as the scan still running at
// its deadline).
func TestRetryWaitsOnlyOnceEveryReplicaFailed(t *testing.T) {
	tests := []struct {
		name     string
		replicas int
		failures int  // of the second page of range 0, each on another replica
		waits    bool // the scan is still backing off at its deadline
	}{
		{name: "one of three replicas failed", replicas: 3, failures: 1},
		{name: "two of three replicas failed", replicas: 3, failures: 2},
		{name: "every replica failed", replicas: 3, failures: 3, waits: true},
		{name: "the only replica failed", replicas: 1, failures: 1, waits: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks, rows := table(3, 30, 1, tt.replicas)
			f := newFake(rows, 10)
			f.fail = func(r request) error {
				if r.rangeID == 0 && r.n >= 2 && r.n < 2+tt.failures {
					return requestErr{gocql.ErrCodeOverloaded}
				}
				return nil
			}
			cfg := worker.Config{BackoffBase: time.Hour, BackoffMax: time.Hour}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			s := newCollectSink()
			st, err := worker.Run(ctx, cfg, tasks, f, s, worker.Hooks{})
			if tt.waits {
				require.ErrorIs(t, err, context.DeadlineExceeded, "the attempt after every replica failed waits out its backoff")
				assert.Len(t, f.requestsOf(0), 1+tt.failures, "no request during the backoff")
				return
			}
			require.NoError(t, err, "the retries went to the other replicas at once")
			assertRows(t, wantRows(rows), s.got())
			assert.Equal(t, int64(tt.failures), st.Retries)
			reqs := f.requestsOf(0)
			hosts := map[string]bool{}
			for _, r := range reqs[1 : 2+tt.failures] {
				hosts[r.host] = true
			}
			assert.Len(t, hosts, 1+tt.failures, "each attempt of the page on another replica")
		})
	}
}

func TestFatalErrorFailsRange(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"unknown error", errors.New("boom")},
		{"syntax error", requestErr{gocql.ErrCodeSyntax}},
		{"invalid query", requestErr{gocql.ErrCodeInvalid}},
		{"unauthorized", requestErr{gocql.ErrCodeUnauthorized}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks, rows := table(5, 20, 1, 3)
			f := newFake(rows, 10)
			f.fail = func(r request) error {
				if r.rangeID == 2 {
					return tt.err
				}
				return nil
			}
			st, err := worker.Run(context.Background(), fastRetries(worker.Config{Concurrency: 1}), tasks, f, newCollectSink(), worker.Hooks{})
			var re *worker.RangeError
			require.ErrorAs(t, err, &re)
			assert.ErrorIs(t, err, tt.err)
			assert.Equal(t, 2, re.ID)
			assert.Equal(t, tasks[2].Subrange.Range, re.Range)
			assert.Equal(t, 1, re.Attempts, "fatal errors are not retried")
			assert.Len(t, re.Hosts, 1)
			assert.Zero(t, st.Retries)
			assert.Len(t, f.requestsOf(2), 1)
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	tasks, rows := table(4, 30, 1, 3)
	f := newFake(rows, 10)
	f.fail = func(r request) error {
		if r.rangeID == 1 && r.n >= 2 {
			return &gocql.RequestErrReadTimeout{}
		}
		return nil
	}
	s := newCollectSink()
	st, err := worker.Run(context.Background(), fastRetries(worker.Config{Retries: 2, MaxFailedRanges: -1}), tasks, f, s, worker.Hooks{})
	var pe *worker.PartialError
	require.ErrorAs(t, err, &pe)
	require.Len(t, pe.Failed, 1)
	re := pe.Failed[0]
	assert.Equal(t, 1, re.ID)
	assert.Equal(t, 3, re.Attempts, "the first try and two retries")
	assert.Len(t, re.Hosts, 3)
	assert.ElementsMatch(t, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, re.Hosts, "each attempt on another replica")
	assert.Equal(t, int64(10), re.Rows, "the first page was handed on")
	assert.Equal(t, rows[1][9].pos(), re.Cursor.Last, "the cursor resumes after the last row handed on")
	assert.Equal(t, []byte("offset:10"), re.Cursor.PageState)
	var rte *gocql.RequestErrReadTimeout
	assert.ErrorAs(t, err, &rte)

	want := wantRows(rows, 0, 2, 3)
	for _, r := range rows[1][:10] {
		want[string(rowID(r))]++
	}
	assertRows(t, want, s.got())
	assert.Equal(t, int64(2), st.Retries)
	assert.Equal(t, 1, st.Failed)
	assert.Equal(t, 3, st.Done)
}

func TestMaxFailedRanges(t *testing.T) {
	tests := []struct {
		name        string
		max         int
		failing     []int // ranges whose every request fails, after their first page
		wantPartial bool  // a *PartialError listing failing, and every other row
	}{
		{name: "fail fast", max: 0, failing: []int{3}},
		{name: "fail fast with two failures", max: 0, failing: []int{3, 7}},
		{name: "within the limit", max: 2, failing: []int{3, 7}, wantPartial: true},
		{name: "over the limit", max: 1, failing: []int{3, 7}},
		{name: "never abort", max: -1, failing: []int{1, 3, 7}, wantPartial: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks, rows := table(10, 20, 1, 2)
			f := newFake(rows, 10)
			f.fail = func(r request) error {
				if slices.Contains(tt.failing, r.rangeID) && r.n >= 2 {
					return errors.New("broken")
				}
				return nil
			}
			s := newCollectSink()
			cfg := fastRetries(worker.Config{Concurrency: 2, MaxFailedRanges: tt.max})
			st, err := worker.Run(context.Background(), cfg, tasks, f, s, worker.Hooks{})
			require.Error(t, err)
			if !tt.wantPartial {
				var re *worker.RangeError
				require.ErrorAs(t, err, &re)
				assert.NotErrorAs(t, err, new(*worker.PartialError))
				assert.Contains(t, tt.failing, re.ID)
				return
			}
			var pe *worker.PartialError
			require.ErrorAs(t, err, &pe)
			var ids []int
			for _, re := range pe.Failed {
				ids = append(ids, re.ID)
				assert.Equal(t, int64(10), re.Rows)
			}
			assert.ElementsMatch(t, tt.failing, ids)
			assert.Equal(t, len(tt.failing), st.Failed)
			assert.Equal(t, 10-len(tt.failing), st.Done)
			var others []int
			for id := range 10 {
				if !slices.Contains(tt.failing, id) {
					others = append(others, id)
				}
			}
			want := wantRows(rows, others...)
			for _, id := range tt.failing {
				for _, r := range rows[id][:10] {
					want[string(rowID(r))]++
				}
			}
			assertRows(t, want, s.got())
		})
	}
}

// TestPartialErrorByID checks that a *PartialError lists the failed
// subranges by id, not in the order they failed: here the subranges are
// read last first, one at a time, so that they fail in the reverse order.
func TestPartialErrorByID(t *testing.T) {
	tasks, rows := table(10, 20, 1, 2)
	slices.Reverse(tasks)
	failing := []int{1, 3, 7}
	f := newFake(rows, 10)
	f.fail = func(r request) error {
		if slices.Contains(failing, r.rangeID) {
			return errors.New("broken")
		}
		return nil
	}
	var order []int // the ranges as they failed
	hooks := worker.Hooks{RangeDone: func(st worker.RangeStats) {
		if st.Err != nil {
			order = append(order, st.ID)
		}
	}}
	cfg := fastRetries(worker.Config{Concurrency: 1, MaxFailedRanges: -1})
	_, err := worker.Run(context.Background(), cfg, tasks, f, newCollectSink(), hooks)
	var pe *worker.PartialError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, []int{7, 3, 1}, order, "the test's premise: the ranges fail last first")
	var ids []int
	for _, re := range pe.Failed {
		ids = append(ids, re.ID)
	}
	assert.Equal(t, failing, ids)
	assert.Contains(t, err.Error(), "3 ranges failed (1, 3, 7); first: range 1 ")
}

func TestPageStateRefused(t *testing.T) {
	tests := []struct {
		name     string
		perToken int // rows sharing a token, so that pages end inside a partition
		pageSize int
		retries  int
		// refuseAt are the request numbers, within each range, refused when
		// they carry a paging state; 0 refuses every such request.
		refuseAt []int
		// from, if >= 0, starts every range from a checkpoint after its row
		// from, with cursor.
		from   int
		cursor func(last *worker.Position) worker.Cursor
		// noRefusal: no paging state is refused.
		noRefusal bool
	}{
		{name: "refused mid-range", perToken: 1, pageSize: 7, refuseAt: []int{3}, from: -1},
		{name: "refused inside a partition", perToken: 5, pageSize: 7, refuseAt: []int{2}, from: -1},
		{name: "refused twice", perToken: 3, pageSize: 4, refuseAt: []int{2, 4}, from: -1},
		{name: "refused at every page", perToken: 4, pageSize: 5, refuseAt: []int{0}, from: -1},
		{name: "refused without retries", perToken: 2, pageSize: 5, retries: -1, refuseAt: []int{2}, from: -1},
		{name: "checkpoint with an expired paging state", perToken: 3, pageSize: 4, from: 10,
			cursor: func(last *worker.Position) worker.Cursor {
				return worker.Cursor{PageState: []byte("expired"), Last: last}
			}},
		{name: "checkpoint with a token bound", perToken: 3, pageSize: 4, from: 10,
			cursor: func(last *worker.Position) worker.Cursor { return worker.Cursor{After: last, Last: last} }, noRefusal: true},
		{name: "checkpoint with a token bound and a refused paging state", perToken: 3, pageSize: 4, from: 10,
			cursor: func(last *worker.Position) worker.Cursor {
				return worker.Cursor{After: last, PageState: []byte("expired"), Last: last}
			}},
		{name: "checkpoint with a token bound, a refused paging state and no row since", perToken: 3, pageSize: 4, from: 10,
			cursor: func(last *worker.Position) worker.Cursor {
				return worker.Cursor{After: last, PageState: []byte("expired")}
			}},
		{name: "expired paging state before any row", perToken: 3, pageSize: 4, from: -1,
			cursor: func(*worker.Position) worker.Cursor { return worker.Cursor{PageState: []byte("expired")} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const ranges = 8
			tasks, rows := table(ranges, 50, tt.perToken, 3)
			want := map[string]int{}
			for id := range ranges {
				if tt.cursor != nil {
					var last *worker.Position
					if tt.from >= 0 {
						last = rows[id][tt.from].pos()
					}
					tasks[id].Cursor = tt.cursor(last)
				}
				for _, r := range rows[id][tt.from+1:] {
					want[string(rowID(r))]++
				}
			}
			f := newFake(rows, tt.pageSize)
			var mu sync.Mutex
			refused := 0
			f.fail = func(r request) error {
				if r.req.PageState == nil || !(slices.Contains(tt.refuseAt, r.n) || slices.Contains(tt.refuseAt, 0)) {
					return nil
				}
				mu.Lock()
				defer mu.Unlock()
				refused++
				return fmt.Errorf("%w: injected", worker.ErrPageStateRefused)
			}
			s := newCollectSink()
			cfg := worker.Config{Retries: tt.retries, BackoffBase: time.Hour, BackoffMax: time.Hour}
			st, err := worker.Run(context.Background(), cfg, tasks, f, s, worker.Hooks{})
			require.NoError(t, err, "a refused paging state falls back to a token bound, without backoff")
			assertRows(t, want, s.got())
			for _, r := range f.allRequests() {
				if r.req.PageState != nil && string(r.req.PageState) == "expired" {
					refused++ // refused by the fake itself: not a paging state it made
				}
			}
			assert.Equal(t, tt.noRefusal, refused == 0)
			assert.Equal(t, int64(refused), st.RetriesByKind["paging_state_refused"])
			assert.Equal(t, st.Ranges, st.Done)
		})
	}
}

func TestPerHostCap(t *testing.T) {
	const perHost = 2
	tasks, rows := table(30, 20, 1, 3)
	f := newFake(rows, 5)
	f.latency = time.Millisecond
	// Requests are held until one host is full: sixteen ranges want a page
	// and three hosts take two requests each, so some host fills up and
	// ranges queue for it.
	f.gate = make(chan struct{})
	f.onInFlight = func(_ string, n int) {
		if n == perHost {
			select {
			case <-f.gate:
			default:
				close(f.gate)
			}
		}
	}
	var mu sync.Mutex
	inFlight, maxInFlight := map[string]int{}, map[string]int{}
	hooks := worker.Hooks{
		RequestStart: func(h string) {
			mu.Lock()
			defer mu.Unlock()
			inFlight[h]++
			maxInFlight[h] = max(maxInFlight[h], inFlight[h])
		},
		RequestEnd: func(h string) {
			mu.Lock()
			defer mu.Unlock()
			inFlight[h]--
		},
	}
	s := newCollectSink()
	_, err := worker.Run(context.Background(), worker.Config{Concurrency: 16, PerHost: perHost}, tasks, f, s, hooks)
	require.NoError(t, err)
	assertRows(t, wantRows(rows), s.got())
	full := 0
	for _, h := range hosts {
		assert.LessOrEqual(t, f.maxHost[h.ID], perHost, "requests in flight to %s", h.ID)
		assert.LessOrEqual(t, maxInFlight[h.Address], perHost, "requests in flight to %s, seen by the hooks", h.Address)
		if f.maxHost[h.ID] == perHost {
			full++
		}
	}
	assert.Positive(t, full, "some host was full")
}

// TestSlowSinkBoundsPages checks the memory bound: with a sink that does
// not take pages, at most Concurrency + QueueDepth + 1 pages exist.
func TestSlowSinkBoundsPages(t *testing.T) {
	// sync.Pool drops its contents at GC, which would allocate batches
	// beyond the bound without more pages being alive at once.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const concurrency, queue = 4, 2
	const bound = concurrency + queue + 1
	tasks, rows := table(20, 50, 1, 3)
	f := newFake(rows, 5)
	var mu sync.Mutex
	live, maxLive := 0, 0
	full := make(chan struct{})
	f.fail = func(request) error {
		mu.Lock()
		defer mu.Unlock()
		live++ // a page is being read into a batch
		maxLive = max(maxLive, live)
		if live == bound {
			select {
			case <-full:
			default:
				close(full)
			}
		}
		return nil
	}
	hooks := worker.Hooks{}
	s := newCollectSink()
	s.page = func(int, worker.Cursor, int) {
		mu.Lock()
		defer mu.Unlock()
		live-- // the writer is done with the page
	}
	first := true
	s.write = func(ctx context.Context, _ *sink.Batch) error {
		if first {
			first = false
			// Hold the first page until every reader holds a page and the
			// queue is full.
			select {
			case <-full:
			case <-time.After(deadline):
				t.Error("the pipeline never filled up")
			}
		}
		return nil
	}
	cfg := worker.Config{Concurrency: concurrency, QueueDepth: queue}
	_, err := worker.Run(context.Background(), cfg, tasks, f, s, hooks)
	require.NoError(t, err)
	assertRows(t, wantRows(rows), s.got())
	assert.Equal(t, bound, maxLive, "pages alive at once")
	if !raceEnabled { // the race detector makes sync.Pool drop items at random
		// A sync.Pool's per-P private slots are not shared, so each other P
		// may hold one batch the pool cannot hand out.
		assert.LessOrEqual(t, f.newBatches.Load(), int64(bound+runtime.GOMAXPROCS(0)-1), "batches allocated")
	}
}

func TestRateLimit(t *testing.T) {
	tasks, rows := table(1, 130, 1, 1)
	f := newFake(rows, 10)
	s := newCollectSink()
	st, err := worker.Run(context.Background(), worker.Config{RowsPerSecond: 100}, tasks, f, s, worker.Hooks{})
	require.NoError(t, err)
	assertRows(t, wantRows(rows), s.got())
	// The limiter's burst is one second of rows; the other 30 rows wait
	// 300ms. A lower bound only: a loaded machine makes it longer.
	assert.GreaterOrEqual(t, st.Elapsed, 250*time.Millisecond)
}

func TestCancelStopsPromptly(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares the scan and returns a channel closed once it
		// is blocked where the test cancels it.
		setup func(cfg *worker.Config, f *fakeFetcher, s *collectSink, h *worker.Hooks) <-chan struct{}
	}{
		{name: "while fetching", setup: func(_ *worker.Config, f *fakeFetcher, _ *collectSink, _ *worker.Hooks) <-chan struct{} {
			f.gate = make(chan struct{}) // never opened
			return startedChan(f)
		}},
		{name: "while the sink writes", setup: func(_ *worker.Config, _ *fakeFetcher, s *collectSink, _ *worker.Hooks) <-chan struct{} {
			ready := make(chan struct{})
			var once sync.Once
			s.write = func(ctx context.Context, _ *sink.Batch) error {
				once.Do(func() { close(ready) })
				<-ctx.Done()
				return ctx.Err()
			}
			return ready
		}},
		{name: "while backing off", setup: func(cfg *worker.Config, f *fakeFetcher, _ *collectSink, h *worker.Hooks) <-chan struct{} {
			cfg.BackoffBase, cfg.BackoffMax = time.Hour, time.Hour
			f.fail = func(request) error { return &gocql.RequestErrUnavailable{} }
			ready := make(chan struct{})
			var once sync.Once
			h.Retry = func(int, string, string, error) { once.Do(func() { close(ready) }) }
			return ready
		}},
		{name: "while rate limited", setup: func(cfg *worker.Config, _ *fakeFetcher, _ *collectSink, h *worker.Hooks) <-chan struct{} {
			cfg.RowsPerSecond = 1
			ready := make(chan struct{})
			var once sync.Once
			h.PageRead = func(int, string, int, int, time.Duration) { once.Do(func() { close(ready) }) }
			return ready
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			tasks, rows := table(10, 100, 1, 3)
			f := newFake(rows, 10)
			s := newCollectSink()
			cfg := worker.Config{Concurrency: 4}
			var hooks worker.Hooks
			ready := tt.setup(&cfg, f, s, &hooks)
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			res := make(chan error, 1)
			go func() {
				_, err := worker.Run(ctx, cfg, tasks, f, s, hooks)
				res <- err
			}()
			select {
			case <-ready:
			case <-time.After(deadline):
				t.Fatal("the scan never reached the state to cancel in")
			}
			stop := errors.New("stop now")
			cancel(stop)
			select {
			case err := <-res:
				assert.ErrorIs(t, err, stop, "Run reports the cancellation's cause")
			case <-time.After(deadline):
				t.Fatal("Run did not return after the cancellation")
			}
		})
	}
}

// startedChan returns a channel closed when f starts its first request.
func startedChan(f *fakeFetcher) <-chan struct{} {
	f.started = make(chan request, 1)
	ready := make(chan struct{})
	go func() {
		<-f.started
		close(ready)
	}()
	return ready
}

func TestSinkErrorAbortsScan(t *testing.T) {
	defer goleak.VerifyNone(t)
	tasks, rows := table(10, 100, 1, 3)
	f := newFake(rows, 10)
	s := newCollectSink()
	boom := errors.New("disk full")
	writes := 0
	s.write = func(context.Context, *sink.Batch) error {
		writes++
		if writes == 3 {
			return boom
		}
		return nil
	}
	_, err := worker.Run(context.Background(), worker.Config{Concurrency: 2}, tasks, f, s, worker.Hooks{})
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "sink")
	assert.Equal(t, 3, writes, "no write after the failed one")
	assert.Less(t, len(f.allRequests()), 100, "the scan stopped early")
}

func TestRunNoTasks(t *testing.T) {
	s := newCollectSink()
	st, err := worker.Run(context.Background(), worker.Config{}, nil, newFake(nil, 10), s, worker.Hooks{})
	require.NoError(t, err)
	assert.Zero(t, st.Rows)
	assert.Empty(t, s.got())
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   worker.Config
		field string // named in the error; "" for a valid config
	}{
		{name: "zero value", cfg: worker.Config{}},
		{name: "negative concurrency", cfg: worker.Config{Concurrency: -1}, field: "Concurrency"},
		{name: "huge concurrency", cfg: worker.Config{Concurrency: 5000}, field: "Concurrency"},
		{name: "negative per host", cfg: worker.Config{PerHost: -1}, field: "PerHost"},
		{name: "negative queue", cfg: worker.Config{QueueDepth: -1}, field: "QueueDepth"},
		{name: "retries below -1", cfg: worker.Config{Retries: -2}, field: "Retries"},
		{name: "base over max", cfg: worker.Config{BackoffBase: time.Second, BackoffMax: time.Millisecond}, field: "BackoffBase"},
		{name: "negative timeout", cfg: worker.Config{RequestTimeout: -1}, field: "RequestTimeout"},
		{name: "failed ranges below -1", cfg: worker.Config{MaxFailedRanges: -2}, field: "MaxFailedRanges"},
		{name: "negative rate", cfg: worker.Config{RowsPerSecond: -1}, field: "RowsPerSecond"},
		{name: "adaptive", cfg: worker.Config{PerHostMode: worker.PerHostAdaptive, MinPerHost: 2, PerHost: 16}},
		{name: "unknown per-host mode", cfg: worker.Config{PerHostMode: "auto"}, field: "PerHostMode"},
		{name: "negative floor", cfg: worker.Config{PerHostMode: worker.PerHostAdaptive, MinPerHost: -1}, field: "MinPerHost"},
		{name: "floor of a fixed cap", cfg: worker.Config{MinPerHost: 2}, field: "MinPerHost"},
		{name: "floor above ceiling", cfg: worker.Config{PerHostMode: worker.PerHostAdaptive, MinPerHost: 9, PerHost: 8}, field: "MinPerHost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, worker.ErrInvalidConfig)
			assert.ErrorContains(t, err, tt.field)
			_, runErr := worker.Run(context.Background(), tt.cfg, nil, newFake(nil, 1), newCollectSink(), worker.Hooks{})
			assert.ErrorIs(t, runErr, worker.ErrInvalidConfig, "Run validates")
		})
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := worker.Config{Concurrency: -1, PerHost: -1, Retries: -5}.Validate()
	require.Error(t, err)
	for _, field := range []string{"Concurrency", "PerHost", "Retries"} {
		assert.ErrorContains(t, err, field)
	}
}

// assertRows checks that the rows got are the rows wanted, as multisets,
// reporting at most ten differences.
func assertRows(t *testing.T, want, got map[string]int) {
	t.Helper()
	if d := testutil.Multiset(want).Diff(got); d != "" {
		t.Errorf("rows differ: %s", d)
	}
}

// With fewer subranges than Concurrency, the free slots split a long
// subrange from the start instead of idling.
func TestFreeSlotsSplitALoneRange(t *testing.T) {
	tasks, rows := table(1, 5, 1, 3)
	lo := int64(-500_000)
	rows[0] = nil
	for j := range 600 {
		rows[0] = append(rows[0], fakeRow{tok: lo + 1 + int64(j/3)*3, key: fmt.Sprintf("k%04d", j)})
	}
	f := newFake(rows, 5)
	split := make(chan struct{})
	var once sync.Once
	f.fail = func(r request) error {
		// Range 0's third request waits until a free slot split it.
		if r.rangeID == 0 && r.n == 3 {
			select {
			case <-split:
			case <-time.After(deadline):
				return errors.New("range 0 was never split")
			}
		}
		return nil
	}
	var splits atomic.Int64
	hooks := worker.Hooks{}
	s := newCollectSink()
	s.split = func(int, ring.Subrange) {
		splits.Add(1)
		once.Do(func() { close(split) })
	}
	st, err := worker.Run(context.Background(), fastRetries(worker.Config{Concurrency: 4, PageSize: 5}), tasks, f, s, hooks)
	require.NoError(t, err)
	assertRows(t, wantRows(rows), s.got())
	assert.Positive(t, splits.Load())
	assert.Equal(t, 1+int(splits.Load()), st.Ranges)
	assert.Equal(t, st.Ranges, st.Done)
}

// meteredFetcher checks the rate cap from the server's side: when a
// request starts, the rows already read plus the rows every request in
// flight may bring must stay within one burst plus the rate times the time
// since the scan started.
type meteredFetcher struct {
	*fakeFetcher
	rate  float64
	start time.Time

	mu                sync.Mutex
	read, outstanding int
	worst             float64 // the largest excess seen, in rows
}

func (m *meteredFetcher) Fetch(ctx context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	m.mu.Lock()
	m.outstanding += req.PageSize
	allowed := m.rate + m.rate*time.Since(m.start).Seconds() // burst = one second
	m.worst = max(m.worst, float64(m.read+m.outstanding)-allowed)
	m.mu.Unlock()
	first := b.Len()
	page, err := m.fakeFetcher.Fetch(ctx, req, b)
	m.mu.Lock()
	m.outstanding -= req.PageSize
	m.read += b.Len() - first
	m.mu.Unlock()
	return page, err
}

// TestRateCapsReads checks that RowsPerSecond caps what is read, not what
// is written: no page is requested before its rows are granted, however
// many goroutines wait, and pages ask for no more than one burst.
func TestRateCapsReads(t *testing.T) {
	tasks, rows := table(8, 100, 1, 3)
	const rate = 500
	m := &meteredFetcher{fakeFetcher: newFake(rows, 1000), rate: rate, start: time.Now()}
	s := newCollectSink()
	_, err := worker.Run(context.Background(), worker.Config{Concurrency: 8, RowsPerSecond: rate, PageSize: 2000}, tasks, m, s, worker.Hooks{})
	require.NoError(t, err)
	assertRows(t, wantRows(rows), s.got())
	assert.LessOrEqual(t, m.worst, 0.0, "rows read or in flight beyond the rate")
	for _, r := range m.allRequests() {
		assert.LessOrEqual(t, r.req.PageSize, rate, "a page asks for at most one burst")
	}
}

// TestRowsDroppedPastASplit splits a long range while its owner's second
// request is in flight. Where a new statement from after its last row
// re-reads at most a quarter page (the rows of its last token, here), the
// owner reads on with one bounded by its new end: nothing is read past
// it. Otherwise (a token of 50 rows; a Fetcher that does not say how many)
// the owner's statement keeps its old bounds, its next page reads past the
// new end, and the rows past it are dropped and counted
// (Stats.RowsDropped); the piece split off reads them. Every row served is
// either handed on once or counted as dropped.
func TestRowsDroppedPastASplit(t *testing.T) {
	for _, tt := range []struct {
		name    string
		perTok  int  // rows of each token
		noTail  bool // the Fetcher does not say how many rows of its token a page ends with
		restart bool
	}{
		{name: "a new statement where it re-reads one row", perTok: 1, restart: true},
		{name: "reads on where it would re-read half a page", perTok: 50},
		{name: "reads on where the rows re-read are not known", perTok: 1, noTail: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, f, cut, rows := splitInFlight(t, tt.perTok, tt.noTail)
			assert.Equal(t, f.served.Load(), st.Rows+st.RowsDropped, "rows served: handed on or dropped")
			// The owner's pages: rows 1..100, 101..200 (in flight at the
			// split), then from 201 on.
			reqs := f.requestsOf(0)
			require.Len(t, reqs, 3)
			third := reqs[2].req
			var past int64 // rows of 201..300 past the cut
			for _, r := range rows[200:300] {
				if ring.Murmur3Token(r.tok).Compare(cut) > 0 {
					past++
				}
			}
			if tt.restart {
				assert.Nil(t, third.PageState, "a new statement, not the old one's paging state")
				assert.Equal(t, cut, third.End, "bounded by the new end")
				require.NotNil(t, third.After, "from after the last row handed on")
				assert.Equal(t, rows[199].pos(), third.After)
				assert.Zero(t, st.RowsDropped, "rows dropped past the split's end")
				assert.Equal(t, int64(1), st.Restarts)
				return
			}
			assert.NotNil(t, third.PageState, "the statement goes on")
			assert.Positive(t, past)
			assert.Equal(t, past, st.RowsDropped, "rows dropped past the split's end")
			assert.Zero(t, st.Restarts)
		})
	}
}

// splitInFlight reads a long range 0 (430 rows, perTok rows a token) and a
// short range 1 at page size 100 and concurrency 2: range 1's goroutine
// splits range 0 once, while range 0's second request is in flight, and
// what it splits off waits for range 0 to finish. It checks that every row
// is handed on once, and that each page is prepared with the rows it is
// written with, and returns the stats, the fetcher, where range 0 was cut
// and its rows.
func splitInFlight(t *testing.T, perTok int, noTail bool) (worker.Stats, *fakeFetcher, ring.Token, []fakeRow) {
	t.Helper()
	const page, n = 100, 430
	lo := int64(-500_000)
	task := func(id int, from, to int64) worker.Task {
		return worker.Task{Subrange: ring.Subrange{ID: id, Range: ring.Range{Start: ring.Murmur3Token(from), End: ring.Murmur3Token(to)},
			Replicas: slices.Clone(hosts[:3])}}
	}
	tasks := []worker.Task{task(0, lo, lo+n), task(1, lo+n, lo+n+10)}
	rows := map[int][]fakeRow{}
	for j := range n {
		rows[0] = append(rows[0], fakeRow{tok: lo + 1 + int64(j/perTok*perTok), key: fmt.Sprintf("k%04d", j)})
	}
	rows[1] = []fakeRow{{tok: lo + n + 5, key: "short"}}
	f := newFake(rows, page)
	f.noTail = noTail
	inFlight, splitDone, ownerDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	wait := func(c chan struct{}, what string) error {
		select {
		case <-c:
			return nil
		case <-time.After(deadline):
			return errors.New(what)
		}
	}
	f.fail = func(r request) error {
		switch {
		case r.rangeID == 0 && r.n == 2:
			// In flight now: range 1 may end, and its goroutine split.
			close(inFlight)
			return wait(splitDone, "range 0 was never split")
		case r.rangeID == 1:
			return wait(inFlight, "range 0 never sent its second request")
		case r.rangeID > 1 && r.n == 1:
			// What was split off waits for the owner to finish: no second
			// split.
			return wait(ownerDone, "range 0 never finished")
		}
		return nil
	}
	// The output prepares pages: each must be prepared with the rows it
	// is written with, those of the page trimmed past the split's end.
	ps := newPreparingSink()
	s := ps.collectSink
	var splits []ring.Subrange
	var mu sync.Mutex
	s.split = func(_ int, c ring.Subrange) {
		mu.Lock()
		splits = append(splits, c)
		if len(splits) == 1 {
			close(splitDone)
		}
		mu.Unlock()
	}
	s.page = func(id int, cur worker.Cursor, _ int) {
		if id == 0 && cur.Done {
			close(ownerDone)
		}
	}
	st, err := worker.Run(context.Background(), fastRetries(worker.Config{Concurrency: 2, PageSize: page}), tasks, f, ps, worker.Hooks{})
	require.NoError(t, err)
	assertRows(t, wantRows(rows), s.got())
	assert.Positive(t, ps.pages)
	assert.Zero(t, ps.notAsPrepared, "pages written with other rows than prepared")
	require.Len(t, splits, 1)
	// Range 0's first page reached token lo+k (k = 100 with one row a
	// token): the second half of (lo+k, lo+430] is split off.
	k := rows[0][99].tok - lo
	cut := splits[0].Range.Start
	assert.InDelta(t, float64(k)+float64(n-k)/2, float64(cut.BindValue().(int64)-lo), 1)
	return st, f, cut, rows[0]
}
