package ring

import "math/big"

// At returns the token a fraction f of the way through r: (Start, At(f)]
// holds f of r's tokens, rounded down, and (At(f), End] holds the rest.
// At(0) is Start, At(1) is End and At(0.5) is Mid. f is clamped to [0, 1]
// (NaN counts as 0). The arithmetic is exact whatever the partitioner: the
// widest ranges hold 2^64-1 and 2^127+1 tokens, more than a float64
// counts exactly. r must not be empty.
//
// It is ringscan's one split point computation. The worker's splitter
// hands the second half of what is left of a running subrange to an idle
// goroutine: At(0.5) of the range after the last row handed on. The Beam
// source's restriction tracker splits what is left after the last row
// claimed at the fraction the runner asks for: At(fraction).
func (r Range) At(f float64) Token {
	w := r.width()
	switch {
	case !(f > 0): // also NaN
		return r.Start
	case f >= 1:
		return Token{p: r.Start.p, pos: r.Start.pos.add(w)}
	}
	// f has a 53-bit mantissa and w at most 128 bits: 256 bits of
	// precision make the product exact, and Int truncates it down.
	prod := new(big.Float).SetPrec(256).SetInt(w.big())
	prod.Mul(prod, new(big.Float).SetPrec(53).SetFloat64(f))
	n, _ := prod.Int(nil)
	off, ok := u128FromBig(n)
	if !ok || off.cmp(w) > 0 { // cannot happen for f < 1; kept in range all the same
		off = w
	}
	return Token{p: r.Start.p, pos: r.Start.pos.add(off)}
}
