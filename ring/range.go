package ring

// Range is the token range (Start, End]: Start excluded, End included, as
// in Cassandra. A Range never wraps: the ranges this package returns have
// Start < End, both of one partitioner; a Range with Start >= End is empty
// (unlike Cassandra, where (t, t] is the whole ring).
type Range struct {
	Start, End Token
}

// FullRange returns the whole ring of p, (Min, Max].
func FullRange(p Partitioner) Range { return Range{Start: p.Min(), End: p.Max()} }

// Empty reports whether the range holds no token.
func (r Range) Empty() bool {
	return r.Start.p != r.End.p || r.End.pos.cmp(r.Start.pos) <= 0
}

// Contains reports whether Start < t <= End.
func (r Range) Contains(t Token) bool {
	return t.p == r.Start.p && t.p == r.End.p &&
		r.Start.pos.cmp(t.pos) < 0 && t.pos.cmp(r.End.pos) <= 0
}

// Bounds returns the bind values of
//
//	WHERE token(pk) > ? AND token(pk) <= ?
//
// for the range: Start (exclusive) and End (inclusive), as int64 or
// *big.Int (see Token.BindValue). A range starting at the partitioner's Min
// needs no special case: Min is never a row's token, so "> Min" excludes
// nothing.
func (r Range) Bounds() (after, upTo any) {
	return r.Start.BindValue(), r.End.BindValue()
}

// NoTokens returns bind values for "token(pk) > ? AND token(pk) <= ?" (or
// ">= ?") that select no token at all: the partitioner's Max and the token
// before it, a start after the end. Cassandra reads nothing for such
// bounds (an empty read, CASSANDRA-5573) only when neither is Min, which
// as an end bound means the end of the ring: (Max, Min] reads the ring's
// last range, [Max, Min] also the rows at Max, and (Min, Min] the whole
// ring. A statement is run over NoTokens to be prepared on a node, or to
// be checked, for the cost of a round trip.
func NoTokens(p Partitioner) (after, upTo any) {
	before := Token{p: p, pos: p.maxPos().sub(u128{lo: 1})}
	return p.Max().BindValue(), before.BindValue()
}

// Share returns the fraction of the ring the range covers, in [0, 1].
func (r Range) Share() float64 {
	if r.Empty() {
		return 0
	}
	return r.width().float64() / r.Start.p.maxPos().float64()
}

// String formats the range as "(start, end]".
func (r Range) String() string {
	return "(" + r.Start.String() + ", " + r.End.String() + "]"
}

// width returns the number of tokens in the range; zero when empty.
func (r Range) width() u128 {
	if r.Empty() {
		return u128{}
	}
	return r.End.pos.sub(r.Start.pos)
}

// Mid returns the token halfway through r: (Start, Mid] and (Mid, End]
// split r in two halves of equal width (Mid == Start when r holds a single
// token). r must not be empty. It is At(0.5).
func (r Range) Mid() Token { return r.At(0.5) }
