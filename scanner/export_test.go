package scanner

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// CheckpointFromCursors returns the checkpoint a scan of p would hold with
// the subranges at the given cursors (missing ones not started): for tests
// that resume from chosen positions.
func CheckpointFromCursors(p *Plan, cursors map[int]Cursor) *Checkpoint {
	cp := newCheckpoint(p.identity(), p.topology(), p.planRecord())
	for id, cur := range cursors {
		cp.update(id, cur.c, 0)
	}
	return cp
}

// PageTokens returns the token of every row of a page of p, whatever the
// page's shape (by token only, or by key inside a count's large
// partitions), and whether the page was read by key.
func PageTokens(p *Plan, b *sink.Batch) ([]ring.Token, bool, error) {
	f := p.fetcher
	keyed := true
	if p.count != nil && b.Width() == p.count.tok.width {
		f, keyed = p.count.tok, false
	} else if f.keyless {
		keyed = false
	}
	out := make([]ring.Token, b.Len())
	for i := range out {
		tk, err := f.tokenAt(b, i)
		if err != nil {
			return nil, false, err
		}
		out[i] = tk
	}
	return out, keyed, nil
}

// CursorKeyed reports whether a cursor reads on by key.
func CursorKeyed(c Cursor) bool {
	return c.c.Last != nil && c.c.Last.Key != nil && !c.c.Done
}

// CorruptPageStates returns the checkpoint data with every cursor's paging
// state broken (its last byte flipped), so that the server refuses them
// all on resume.
func CorruptPageStates(data []byte) ([]byte, error) {
	var cp Checkpoint
	if err := cp.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	for _, r := range cp.doc.Ranges {
		if r.Cursor != nil && len(r.Cursor.c.PageState) > 0 {
			ps := bytes.Clone(r.Cursor.c.PageState)
			ps[len(ps)-1] ^= 0xff
			r.Cursor.c.PageState = ps
		}
	}
	return cp.MarshalJSON()
}

// CursorSwitching reports whether a count's cursor is about to read on by
// key, from a position by ordinal (its next statement switches).
func CursorSwitching(c Cursor) bool { return switching(c.c.After) }

// Warm warms host up for p's page requests, as the worker does with
// adaptive limits (worker.Warmer).
func Warm(ctx context.Context, p *Plan, host ring.Host) error {
	return p.source().(worker.Warmer).Warm(ctx, host)
}

// CheckResume reports whether a run of p would resume from the checkpoint
// data: the error the resume would refuse it with, if any.
func CheckResume(ctx context.Context, p *Plan, data []byte) error {
	_, _, _, _, err := begin(ctx, p, &MemoryStore{data: data})
	return err
}

// CursorPositions returns a cursor's After and Last positions and whether
// it holds a paging state.
func CursorPositions(c Cursor) (after, last *worker.Position, state bool) {
	return c.c.After, c.c.Last, c.c.PageState != nil
}

// SplitRange records in the checkpoint data a token split of range id at
// token at, as the worker's cutTokens does while the range runs: its end
// (end, when the checkpoint records none) lowered to at, and a new range
// newID of (at, end] split off it.
func SplitRange(data []byte, id, newID int, at, end ring.Token) ([]byte, error) {
	var cp Checkpoint
	if err := cp.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	r := cp.doc.Ranges[id]
	if r == nil {
		return nil, fmt.Errorf("no range %d", id)
	}
	if r.End != nil {
		end = *r.End
	}
	r.End = &at
	cp.doc.Ranges[newID] = &rangeRecord{Parent: &id, Start: &at, End: &end}
	return cp.MarshalJSON()
}
