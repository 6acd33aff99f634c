package worker

import (
	"github.com/ringscan/ringscan/ring"
)

// Position identifies one row of a scan: its token and its primary key
// values (partition key then clustering columns, serialized). Rows are
// ordered by token, then partition key bytes, then clustering order.
type Position struct {
	Token ring.Token
	Key   [][]byte
}

// Cursor is where a subrange's scan stands. A Cursor is a value: the worker
// replaces it after every page the sink has taken.
type Cursor struct {
	// After, when set, means the subrange is read from this row on,
	// exclusive: the statement reads token(pk) >= After.Token and skips the
	// rows up to After. It is set when a paging state was refused, or when
	// a checkpoint resumes without one. Nil reads the whole subrange.
	After *Position
	// PageState continues the statement chosen by After; nil starts it.
	PageState []byte
	// Last is the position of the last row handed to the sink, nil if none.
	Last *Position
	// Done reports that the subrange has been read to its end.
	Done bool
	// End, when set, is where the subrange now ends: the rest of it was
	// split off to another subrange while the scan ran.
	End *ring.Token
	// QueryEnd, when set, is the end bound of the statement PageState
	// belongs to, beyond End: after a split the subrange goes on with the
	// same statement and values (as a paging state requires) and drops the
	// rows past End.
	QueryEnd *ring.Token
}

// restartAfterLast returns the cursor that re-reads the subrange from just
// after the last row handed on, without a paging state: the fallback when a
// server refuses a paging state. Nothing is lost (the subrange is read
// again from that row) and nothing is emitted twice (rows up to Last are
// skipped).
func (c Cursor) restartAfterLast() Cursor {
	if c.Last == nil {
		return Cursor{After: c.After, End: c.End}
	}
	return Cursor{After: c.Last, Last: c.Last, End: c.End}
}

// StatementEnd is the end bound a request for c binds, given the
// subrange's end: QueryEnd while a paging state continues a statement made
// before a split, else end.
func (c Cursor) StatementEnd(end ring.Token) ring.Token {
	if c.PageState != nil && c.QueryEnd != nil {
		return *c.QueryEnd
	}
	return end
}

// StaleAfterSplit converts the cursor of a page read before its subrange
// was split: its paging state belongs to the statement with the old end, so
// the subrange continues after its last row instead (or from where it
// began, if no row was handed on).
func (c Cursor) StaleAfterSplit() Cursor {
	c.PageState, c.QueryEnd = nil, nil
	if c.Last != nil {
		c.After = c.Last
	}
	return c
}
