package sink

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
)

// Counts are the totals of some batches.
type Counts struct {
	// Rows is the number of rows.
	Rows int64
	// Bytes is the size of the rows' serialized values, as in Batch.Bytes
	// but without hidden values.
	Bytes int64
	// Pages is the number of batches, empty ones included.
	Pages int64
}

// Count counts rows, bytes and pages, in total and per subrange and host.
// Its getters may be called from any goroutine while a scan writes to it,
// to show progress. A zero Count is ready to use.
type Count struct {
	rows, bytes, pages atomic.Int64
	closed             atomic.Bool

	mu     sync.Mutex
	ranges map[int]Counts
	hosts  map[string]Counts
}

var _ Sink = (*Count)(nil)

// Write counts b.
func (c *Count) Write(_ context.Context, b *Batch) error {
	if c.closed.Load() {
		return ErrClosed
	}
	n := Counts{Rows: int64(b.Len()), Bytes: int64(visibleBytes(b)), Pages: 1}
	c.mu.Lock()
	if c.ranges == nil {
		c.ranges = make(map[int]Counts)
		c.hosts = make(map[string]Counts)
	}
	c.ranges[b.RangeID] = n.add(c.ranges[b.RangeID])
	c.hosts[b.Host] = n.add(c.hosts[b.Host])
	c.mu.Unlock()
	c.rows.Add(n.Rows)
	c.bytes.Add(n.Bytes)
	c.pages.Add(1)
	return nil
}

func (n Counts) add(m Counts) Counts {
	return Counts{Rows: n.Rows + m.Rows, Bytes: n.Bytes + m.Bytes, Pages: n.Pages + m.Pages}
}

// visibleBytes is the size of the values of b's columns, hidden values
// left out.
func visibleBytes(b *Batch) int {
	if b.Width() == len(b.Columns) {
		return b.Bytes()
	}
	n := 0
	for row := range b.Len() {
		for col := range b.Columns {
			n += len(b.Value(row, col))
		}
	}
	return n
}

// Rows returns the number of rows counted so far.
func (c *Count) Rows() int64 { return c.rows.Load() }

// Bytes returns the size of the values counted so far.
func (c *Count) Bytes() int64 { return c.bytes.Load() }

// Pages returns the number of batches counted so far.
func (c *Count) Pages() int64 { return c.pages.Load() }

// Ranges returns a copy of the counts per Batch.RangeID.
func (c *Count) Ranges() map[int]Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.ranges)
}

// Hosts returns a copy of the counts per Batch.Host, the replica that
// served the rows.
func (c *Count) Hosts() map[string]Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.hosts)
}

// Close marks the sink closed; the counts stay readable. Close is
// idempotent.
func (c *Count) Close(context.Context) error {
	c.closed.Store(true)
	return nil
}

// Discard drops every batch, for scans measured elsewhere. A zero Discard
// is ready to use.
type Discard struct {
	closed atomic.Bool
}

var _ Sink = (*Discard)(nil)

// Write does nothing.
func (d *Discard) Write(context.Context, *Batch) error {
	if d.closed.Load() {
		return ErrClosed
	}
	return nil
}

// Close marks the sink closed. Close is idempotent.
func (d *Discard) Close(context.Context) error {
	d.closed.Store(true)
	return nil
}
