package sink_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/sink"
)

func TestCount(t *testing.T) {
	ctx := context.Background()
	cols := []col{{"k", "int"}, {"v", "text"}}
	pageAt := func(rangeID int, host string, rows ...[]any) *sink.Batch {
		b := page(t, cols, rows...)
		b.RangeID, b.Host = rangeID, host
		return b
	}
	var c sink.Count
	assert.Zero(t, c.Rows())
	assert.Empty(t, c.Ranges())
	require.NoError(t, c.Write(ctx, pageAt(7, "10.0.0.1", []any{1, "ab"}, []any{2, nil})))
	require.NoError(t, c.Write(ctx, pageAt(7, "10.0.0.2")))
	require.NoError(t, c.Write(ctx, pageAt(3, "10.0.0.1", []any{3, "c"})))
	require.NoError(t, c.Close(ctx))
	require.NoError(t, c.Close(ctx), "Close is idempotent")
	assert.ErrorIs(t, c.Write(ctx, pageAt(3, "10.0.0.1")), sink.ErrClosed)

	assert.Equal(t, int64(3), c.Rows())
	assert.Equal(t, int64(4+2+4+4+1), c.Bytes())
	assert.Equal(t, int64(3), c.Pages())
	assert.Equal(t, map[int]sink.Counts{
		7: {Rows: 2, Bytes: 10, Pages: 2},
		3: {Rows: 1, Bytes: 5, Pages: 1},
	}, c.Ranges())
	assert.Equal(t, map[string]sink.Counts{
		"10.0.0.1": {Rows: 3, Bytes: 15, Pages: 2},
		"10.0.0.2": {Rows: 0, Bytes: 0, Pages: 1},
	}, c.Hosts())

	r := c.Ranges()
	r[7] = sink.Counts{}
	assert.Equal(t, int64(2), c.Ranges()[7].Rows, "Ranges returns a copy")
}

func TestCountLeavesOutHiddenValues(t *testing.T) {
	col, err := sink.NewColumn("v", "int")
	require.NoError(t, err)
	b := sink.NewBatch([]sink.Column{col}, 2)
	for range 3 {
		b.AppendValue([]byte{0, 0, 0, 1})
		b.AppendValue(make([]byte, 8)) // hidden
	}
	var c sink.Count
	require.NoError(t, c.Write(context.Background(), b))
	assert.Equal(t, int64(12), c.Bytes())
	assert.Equal(t, int64(3), c.Rows())
}

// TestCountReadWhileWriting reads the counts from other goroutines while
// a scan writes; run with -race. Totals only grow, and the final ones are
// exact.
func TestCountReadWhileWriting(t *testing.T) {
	ctx := context.Background()
	var c sink.Count
	b := page(t, []col{{"v", "bigint"}}, []any{1}, []any{2})
	const pages = 2000
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var last int64
			for {
				select {
				case <-done:
					return
				default:
				}
				rows := c.Rows()
				assert.GreaterOrEqual(t, rows, last)
				last = rows
				_ = c.Bytes()
				_ = c.Ranges()
				_ = c.Hosts()
			}
		})
	}
	for i := range pages {
		b.RangeID = i % 10
		require.NoError(t, c.Write(ctx, b))
	}
	close(done)
	wg.Wait()
	assert.Equal(t, int64(2*pages), c.Rows())
	assert.Equal(t, int64(16*pages), c.Bytes())
	assert.Len(t, c.Ranges(), 10)
}

func TestDiscard(t *testing.T) {
	ctx := context.Background()
	var d sink.Discard
	b := page(t, []col{{"v", "int"}}, []any{1})
	require.NoError(t, d.Write(ctx, b))
	require.NoError(t, d.Close(ctx))
	require.NoError(t, d.Close(ctx))
	assert.ErrorIs(t, d.Write(ctx, b), sink.ErrClosed)
}
