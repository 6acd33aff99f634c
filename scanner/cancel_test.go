package scanner_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/scanner"
)

// deadline bounds every wait of these tests.
const deadline = 10 * time.Second

// slowDemo is a demo table on nodes that answer in 2ms: a full scan takes
// far longer than the tests wait for it to stop.
func slowDemo(t *testing.T) (*scanner.Scanner, cqlsim.DemoInfo) {
	t.Helper()
	_, s, info := demoCluster(t, cqlsim.Config{Nodes: 3, Latency: cqlsim.Latency{Fixed: 2 * time.Millisecond}}, simple(3), 20000)
	sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 20, Concurrency: 4}))
	require.NoError(t, err)
	return sc, info
}

// TestRunCancel cancels a scan after a few pages: Run returns the cause
// promptly, with part of the rows.
func TestRunCancel(t *testing.T) {
	sc, info := slowDemo(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stop := errors.New("operator said stop")
	got := newCollector(false)
	got.onPage = func(pages int) {
		if pages == 5 {
			cancel(stop)
		}
	}
	type result struct {
		st  scanner.Stats
		err error
	}
	res := make(chan result, 1)
	go func() {
		st, err := sc.Run(ctx, got)
		res <- result{st, err}
	}()
	select {
	case r := <-res:
		require.ErrorIs(t, r.err, stop)
		assert.Less(t, r.st.Rows, info.Rows)
		assert.Less(t, got.sum.Rows, uint64(info.Rows))
	case <-time.After(deadline):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

// TestAllExactlyOnce reads the demo table through All.
func TestAllExactlyOnce(t *testing.T) {
	_, s, info := demoCluster(t, cqlsim.Config{Nodes: 3, TombstoneBudget: simTombstoneBudget}, simple(3), 10000)
	sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 100}))
	require.NoError(t, err)
	var sum rowsum.Sum
	var vals [][]byte
	for row, err := range sc.All(context.Background()) {
		require.NoError(t, err)
		vals = vals[:0]
		for i := range row.Columns() {
			vals = append(vals, row.Raw(i))
		}
		sum.Add(vals)
	}
	assert.Equal(t, demoSum(info), sum)
}

// TestAllBreak breaks out of an All loop: the loop ends promptly and the
// scan stops (TestMain checks that no goroutine is left).
func TestAllBreak(t *testing.T) {
	tests := []struct {
		name  string
		after int64 // rows read before the break
	}{
		{name: "at the first row", after: 1},
		{name: "in the middle of a page", after: 30},
		{name: "at a page's last row", after: 40},
	}
	sc, info := slowDemo(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			done := make(chan struct{})
			go func() {
				defer close(done)
				for _, err := range sc.All(context.Background()) {
					if !assert.NoError(t, err) {
						return
					}
					if n.Add(1) == tt.after {
						break
					}
				}
			}()
			select {
			case <-done:
			case <-time.After(deadline):
				t.Fatal("the loop did not end after break")
			}
			assert.Equal(t, tt.after, n.Load())
			assert.Less(t, n.Load(), info.Rows)
		})
	}
}

// TestAllCancel cancels the context of an All loop from its body: the
// loop ends promptly with the cancellation's cause as its last error.
func TestAllCancel(t *testing.T) {
	sc, _ := slowDemo(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stop := errors.New("enough")
	done := make(chan error, 1)
	go func() {
		var n int
		var last error
		for _, err := range sc.All(ctx) {
			if err != nil {
				last = err
				continue
			}
			if n++; n == 25 { // mid-page: pages hold 20 rows
				cancel(stop)
			}
		}
		done <- last
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, stop)
	case <-time.After(deadline):
		t.Fatal("the loop did not end after its context was cancelled")
	}
}

// TestAllPanic panics in the body of an All loop: the panic reaches the
// caller and the scan stops (TestMain checks that no goroutine is left;
// before, the writer goroutine waited forever for the page to be handed
// back).
func TestAllPanic(t *testing.T) {
	sc, _ := slowDemo(t)
	for _, after := range []int{1, 30, 40} { // first row, mid-page, a page's last row (pages of 20)
		recovered := make(chan any, 1)
		go func() {
			defer func() { recovered <- recover() }()
			n := 0
			for _, err := range sc.All(context.Background()) {
				if !assert.NoError(t, err) {
					return
				}
				if n++; n == after {
					panic("boom")
				}
			}
		}()
		select {
		case r := <-recovered:
			assert.Equal(t, "boom", r, "the loop body's panic reaches the caller")
		case <-time.After(deadline):
			t.Fatal("the loop did not end after its body panicked")
		}
	}
}
