package worker

import (
	"context"

	"github.com/ringscan/ringscan/ring"
)

// Cut is a point between the rows of one partition, in clustering order:
// just before the rows whose clustering values start with CK or, with
// After, just after them. CK may be a prefix of the clustering columns. A
// nil CK is open: the partition's start as a lower bound, its end as an
// upper one. A partition's static row (a partition with static values and
// no rows reads as one row with null clustering values) lies before every
// cut.
type Cut struct {
	CK    [][]byte
	After bool
}

// Open reports whether c is open (no clustering values).
func (c Cut) Open() bool { return c.CK == nil }

// Piece is a part of one partition that a task reads on its own: the rows
// of partition PK (at Token) between From and To. Partitions are split
// into pieces while a scan runs (see Config.NoPartitionSplit).
//
// A forward piece is read from From up; To may be lowered by splits while
// it runs, and the rows a statement returns past it are dropped. A
// Reverse piece is read from To down: it is the second reader of a
// partition read from both ends, whose lower bound is where its partner
// (the task reading up) has got to.
type Piece struct {
	Token    ring.Token
	PK       [][]byte
	From, To Cut
	Reverse  bool
}

// Whole reports whether p is a whole partition, read up.
func (p *Piece) Whole() bool { return p.From.Open() && p.To.Open() && !p.Reverse }

// Stop ends a token subrange inside the partition of its last token
// (Subrange.Range.End) when that partition was split: the rows of
// partition PK from At on are another task's, and so are the rows of the
// same token in partitions after PK (token collisions), which are split
// off as whole-partition pieces.
type Stop struct {
	PK [][]byte
	At Cut
}

// Limit is where a task's rows end in its reading direction, for Trimmer:
// the rows after Token are past it; with PK set, so are the rows of Token
// in partitions after PK, and the rows of partition PK past Cut (at or
// after it reading up; at or before it reading down, with Reverse, when
// only rows of the partition are read).
type Limit struct {
	Token   ring.Token
	PK      [][]byte
	Cut     Cut
	Reverse bool
}

// Partitions is implemented by Fetchers that can split one partition by
// clustering range. With it (and Trimmer), an idle goroutine that finds
// the work left inside one partition splits the partition: at a clustering
// value interpolated between the last row read and the partition's last
// row, or, when the clustering values there have no useful midpoint, by
// reading the partition from its end down at the same time (two-ended).
//
// A task that ends inside a partition (a Piece, or Request.Stop) must be
// read with keys: every position its pages name, Trim's included, holds
// the partition key and clustering values, for the rows to be placed
// against the cut and for the other reader of a two-ended read to stop
// where this one got to (a position by token only would leave the two
// reading the same rows).
type Partitions interface {
	// KeyWidth is the number of partition key values at the start of a
	// Position's Key; 0 when positions carry no key (no partition can be
	// split).
	KeyWidth() int
	// LastRow reads the last row of piece p (reading down from p.To) from
	// host; nil when the piece holds no row.
	LastRow(ctx context.Context, host ring.Host, p Piece) (*Position, error)
	// SameToken reads, from host, the partition keys of the partitions of
	// token t after the partition pk, in the ring's order.
	SameToken(ctx context.Context, host ring.Host, t ring.Token, pk [][]byte) ([][][]byte, error)
	// Midpoint returns a cut between the rows at and after from and the
	// row last, both of one partition (from before last): strictly after
	// from, at or before last, near the middle of the clustering values
	// between them. ok is false when those values have no midpoint (uuid,
	// boolean, tuples, collections): the partition is then read from both
	// ends.
	Midpoint(from, last *Position) (cut Cut, ok bool)
	// Fraction estimates how far pos lies from first to last (0..1) in
	// the clustering values of one partition, for estimating the rows
	// left; ok is false when the values give no estimate.
	Fraction(first, last, pos *Position) (f float64, ok bool)
}
