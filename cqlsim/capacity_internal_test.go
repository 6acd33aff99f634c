package cqlsim

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// TestResultRows reads the row count of Rows bodies whose metadata holds
// nested types, with and without metadata and paging state: what the
// per-row cost of a read is charged on.
func TestResultRows(t *testing.T) {
	types := []string{"int", "text", "frozen<map<text, list<frozen<tuple<int, text>>>>>", "set<uuid>", "'org.example.Custom'"}
	var specs []colSpec
	for i, s := range types {
		typ, err := cqltype.Parse(s)
		require.NoError(t, err, s)
		specs = append(specs, colSpec{ks: "ks", table: "t", name: string(rune('a' + i)), typ: typ})
	}
	other := append([]colSpec{{ks: "ks2", table: "u", name: "z", typ: cqltype.Type{Kind: cqltype.Int}}}, specs...)
	tests := []struct {
		name     string
		specs    []colSpec
		skipMeta bool
		state    []byte
	}{
		{name: "metadata, one table", specs: specs},
		{name: "metadata, two tables", specs: other},
		{name: "metadata and paging state", specs: specs, state: []byte("state")},
		{name: "no metadata, paging state", specs: specs, skipMeta: true, state: []byte("state")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := rowsWriter{count: 7, buf: []byte{1, 2, 3}}
			assert.Equal(t, 7, resultRows(appendRows(nil, tt.specs, tt.skipMeta, tt.state, &w)))
		})
	}
	assert.Zero(t, resultRows(voidResult().body), "a Void result holds no row")
	assert.Zero(t, resultRows([]byte{0, 0, 0, 2, 0}), "a truncated body counts no row")
}

// TestServiceTime checks a read's service time: the base latency, plus
// PerRow for each row and PerKiB for each KiB of the body, multiplied
// past the knee by 1 + KneeCost for each read in the node beyond Knee.
func TestServiceTime(t *testing.T) {
	specs := []colSpec{{ks: "ks", table: "t", name: "k", typ: cqltype.Type{Kind: cqltype.Int}}}
	body := appendRows(nil, specs, false, nil, &rowsWriter{count: 10, buf: make([]byte, 2048-40)})
	kib := float64(len(body)) / 1024
	tests := []struct {
		name    string
		cfg     Capacity
		load    int
		counted int64 // a count(*)'s rows
		want    time.Duration
	}{
		{name: "no cost", cfg: Capacity{}, load: 9, want: 5 * time.Millisecond},
		{name: "per row", cfg: Capacity{PerRow: time.Millisecond}, load: 1, want: 15 * time.Millisecond},
		{name: "per KiB", cfg: Capacity{PerKiB: time.Millisecond}, load: 1, want: 5*time.Millisecond + time.Duration(kib*float64(time.Millisecond))},
		{name: "at the knee", cfg: Capacity{PerRow: time.Millisecond, Knee: 4, KneeCost: 0.5}, load: 4, want: 15 * time.Millisecond},
		{name: "past the knee", cfg: Capacity{PerRow: time.Millisecond, Knee: 4, KneeCost: 0.5}, load: 8, want: 45 * time.Millisecond},
		{name: "a count(*) pays for the rows it counted", cfg: Capacity{PerRow: time.Millisecond}, load: 1, counted: 30, want: 35 * time.Millisecond},
		{name: "a count(*) of no row pays for its one row", cfg: Capacity{PerRow: time.Millisecond}, load: 1, counted: 0, want: 15 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &capacityState{cfg: tt.cfg}
			tr := turn{s: s, load: tt.load}
			assert.Equal(t, tt.want, tr.serviceTime(5*time.Millisecond, body, tt.counted))
		})
	}
	assert.Equal(t, 5*time.Millisecond, (&turn{}).serviceTime(5*time.Millisecond, body, 0), "a request that is no read pays its latency only")
}

// TestQueueOrder checks that reads waiting for a slot get it first come,
// first served, and that a read whose wait ends (its connection closed)
// leaves the queue without taking a slot.
func TestQueueOrder(t *testing.T) {
	s := &capacityState{cfg: Capacity{Concurrent: 1}}
	ctx := context.Background()
	var first turn
	require.NoError(t, s.admit(ctx, &first, 0, 0))
	waiting := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.queue)
	}
	got := make(chan int, 4)
	turns := make([]turn, 4)
	cancelled, cancel := context.WithCancel(ctx)
	errs := make(chan error, 4)
	for i := range turns {
		c := ctx
		if i == 1 {
			c = cancelled
		}
		go func() {
			err := s.admit(c, &turns[i], 0, 0)
			errs <- err
			if err == nil {
				got <- i
			}
		}()
		require.Eventually(t, func() bool { return waiting() == i+1 }, 10*time.Second, time.Millisecond, "read %d queued", i)
	}
	cancel()
	require.ErrorIs(t, <-errs, errConnClosed)
	require.Equal(t, 3, waiting())
	first.done()
	for _, want := range []int{0, 2, 3} {
		select {
		case i := <-got:
			assert.Equal(t, want, i, "first come, first served")
			turns[i].done()
		case <-time.After(10 * time.Second):
			t.Fatalf("read %d never had its turn", want)
		}
	}
	l := func() Load { s.mu.Lock(); defer s.mu.Unlock(); return s.load }()
	assert.Equal(t, int64(4), l.Reads)
	assert.Equal(t, 1, l.PeakServing)
	assert.Equal(t, 4, l.PeakWaiting)
	assert.Zero(t, s.serving)
}
