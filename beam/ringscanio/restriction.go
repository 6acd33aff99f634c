package ringscanio

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// Restriction is the work of one element of a read, as the runner moves
// it between workers: pieces of the plan's subranges, read in order.
// Splits and checkpoints cut it, never merge it. It encodes as JSON.
type Restriction struct {
	Pieces []Piece `json:"pieces"`
}

// Piece is the rows of the token range (Start, End] of the plan's
// subrange ID that come after Cursor: all of them with the zero Cursor,
// else those after the row or page the cursor stands after (a paging
// state, or a token and key bound). A piece never crosses a vnode
// boundary of the ring it was planned on, so one replica set holds it.
type Piece struct {
	ID     int            `json:"id"`
	Start  ring.Token     `json:"start"`
	End    ring.Token     `json:"end"`
	Cursor scanner.Cursor `json:"cursor"`
	// Bytes is the estimated size of (Start, End] from
	// system.size_estimates, 0 without estimates.
	Bytes float64 `json:"bytes,omitempty"`
}

func (p Piece) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d(%v, %v]", p.ID, p.Start, p.End)
	if c, err := p.Cursor.MarshalText(); err == nil && string(c) != "{}" {
		fmt.Fprintf(&b, " from %s", c)
	}
	return b.String()
}

func (p Piece) rangeOf() ring.Range { return ring.Range{Start: p.Start, End: p.End} }

// progress is the token the piece's reading stands at: its cursor's last
// row, else its start.
func (p Piece) progress() ring.Token {
	if t, ok := p.Cursor.LastToken(); ok && t.Compare(p.Start) > 0 {
		return t
	}
	return p.Start
}

// weight is the work of the tokens of r, a part of the piece: its
// estimated bytes, in proportion to token share, or its ring share
// without estimates.
func (p Piece) weight(r ring.Range) float64 {
	share := r.Share()
	if p.Bytes > 0 {
		if whole := p.rangeOf().Share(); whole > 0 {
			return p.Bytes * share / whole
		}
	}
	return share
}

// remaining is the work of what is left of the piece after progress.
func (p Piece) remaining() float64 {
	if p.Cursor.Done() {
		return 0
	}
	return p.weight(ring.Range{Start: p.progress(), End: p.End})
}

// cut returns the piece's part up to at (Start, at] and its part after,
// (at, End], with the bytes shared by token width. The part after starts
// a new statement; the part up to keeps the cursor.
func (p Piece) cut(at ring.Token) (before, after Piece) {
	before, after = p, Piece{ID: p.ID, Start: at, End: p.End}
	before.End = at
	if p.Bytes > 0 {
		before.Bytes = p.weight(before.rangeOf())
		after.Bytes = p.Bytes - before.Bytes
	}
	return before, after
}

// Size is the restriction's work left: RestrictionSize and the runner's
// autoscaling use it.
func (r Restriction) Size() float64 {
	var n float64
	for _, p := range r.Pieces {
		n += p.remaining()
	}
	return n
}

func (r Restriction) String() string {
	parts := make([]string, len(r.Pieces))
	for i, p := range r.Pieces {
		parts[i] = p.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func (r Restriction) clone() Restriction {
	return Restriction{Pieces: append([]Piece(nil), r.Pieces...)}
}

// encodeRestriction and decodeRestriction are the restriction's Beam
// coder.
func encodeRestriction(r Restriction) ([]byte, error) { return json.Marshal(r) }

func decodeRestriction(b []byte) (Restriction, error) {
	var r Restriction
	if err := json.Unmarshal(b, &r); err != nil {
		return Restriction{}, fmt.Errorf("ringscanio: decode restriction: %w", err)
	}
	return r, nil
}
