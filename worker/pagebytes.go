package worker

import (
	"sync/atomic"

	"github.com/ringscan/ringscan/sink"
)

// pageBytes lowers the page size asked so that a page holds about limit
// bytes of values: Cassandra 4.1 pages by rows only, whatever their size
// (ScyllaDB caps pages at 1 MiB), so that without it a page of PageSize
// large rows is one response frame of PageSize times their size, and the
// pool's memory bound, pages times PageSize times the row size, has no
// bound in bytes. The rows' size is the mean over every page the pool read
// so far (its values' bytes, hidden ones included, over its rows); before
// any page came back it is prior, 0 when unknown (the page size asked is
// then PageSize). Safe for concurrent use.
type pageBytes struct {
	limit int64   // bytes; 0: off
	prior float64 // bytes a row, expected before any page came back
	// bytes and rows add up the pages read; counted batches (width 0)
	// carry no values and are left out.
	bytes, rows atomic.Int64
}

func newPageBytes(limit int, prior float64) *pageBytes {
	return &pageBytes{limit: int64(max(limit, 0)), prior: max(prior, 0)}
}

// note adds a page read to the mean row size.
func (s *pageBytes) note(b *sink.Batch) {
	if s.limit == 0 || b.Width() == 0 || b.Len() == 0 {
		return
	}
	s.bytes.Add(int64(b.Bytes()))
	s.rows.Add(int64(b.Len()))
}

// noteTooBig adds a page of rows rows that was larger than the driver
// reads to the mean row size, as MaxFrameBytes bytes. That bounds the frame,
// whose length prefixes and metadata the mean's values do not hold, so it
// may make the mean too large (pages smaller than the bound allows), never
// too small. Off with the byte bound: each subrange then halves its own
// pages.
func (s *pageBytes) noteTooBig(rows int) {
	if s.limit == 0 || rows <= 0 {
		return
	}
	s.bytes.Add(MaxFrameBytes)
	s.rows.Add(int64(rows))
}

// pageSize is the page size to ask for instead of want: want, or fewer
// rows (at least one) when want rows of the mean size hold more than the
// limit.
func (s *pageBytes) pageSize(want int) int {
	if s.limit == 0 {
		return want
	}
	per := s.prior
	if rows := s.rows.Load(); rows > 0 {
		per = float64(s.bytes.Load()) / float64(rows)
	}
	if per <= 0 || float64(want)*per <= float64(s.limit) {
		return want
	}
	return max(1, int(float64(s.limit)/per))
}
