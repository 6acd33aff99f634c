package ring

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// atReference is At computed with rationals: Start + floor(width × f).
func atReference(r Range, f float64) *big.Int {
	f = math.Max(0, math.Min(1, f))
	if math.IsNaN(f) {
		f = 0
	}
	start, end := r.Start.pos.big(), r.End.pos.big()
	w := new(big.Rat).SetInt(new(big.Int).Sub(end, start))
	off := new(big.Rat).Mul(w, new(big.Rat).SetFloat64(f))
	return new(big.Int).Add(start, new(big.Int).Quo(off.Num(), off.Denom()))
}

func TestRangeAt(t *testing.T) {
	m3, rnd := FullRange(Murmur3Partitioner), FullRange(RandomPartitioner)
	tests := []struct {
		name string
		r    Range
		f    float64
		want Token
	}{
		{"zero is the start", m3, 0, m3.Start},
		{"one is the end", m3, 1, m3.End},
		{"half of the Murmur3 ring", m3, 0.5, Murmur3Token(-1)},
		{"a quarter of the Murmur3 ring", m3, 0.25, Murmur3Token(math.MinInt64 + (1<<62 - 1))},
		{"negative fractions clamp to the start", m3, -3, m3.Start},
		{"NaN is the start", m3, math.NaN(), m3.Start},
		{"fractions above one clamp to the end", m3, 7, m3.End},
		{"a small range rounds down", Range{Murmur3Token(10), Murmur3Token(13)}, 0.5, Murmur3Token(11)},
		{"a single token stays at the start below one", Range{Murmur3Token(10), Murmur3Token(11)}, 0.999, Murmur3Token(10)},
		{"the smallest fraction of the ring", m3, 0x1p-64, Murmur3Token(math.MinInt64)},
		{"just below one on the ring", m3, 1 - 0x1p-53, Murmur3Token(math.MaxInt64 - 2048)},
		{"near the top", Range{Murmur3Token(math.MaxInt64 - 4), Murmur3Token(math.MaxInt64)}, 0.5, Murmur3Token(math.MaxInt64 - 2)},
		{"the RandomPartitioner ring's end", rnd, 1, rnd.End},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.r.At(tt.f)
			assert.Equal(t, tt.want, got, "got %v, want %v", got, tt.want)
			assert.Equal(t, 0, atReference(tt.r, tt.f).Cmp(got.pos.big()), "the reference disagrees")
		})
	}
}

// TestRangeAtProperties checks At against exact rational arithmetic on
// random ranges of both partitioners, and its invariants: it stays in
// [Start, End], never decreases as f grows, and At(0.5) is Mid, so that
// the worker's splitter (Mid) and the Beam tracker (At) cut alike.
func TestRangeAtProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range []Partitioner{Murmur3Partitioner, RandomPartitioner} {
		pos := func() u128 {
			u := u128{lo: rng.Uint64()}
			if p == RandomPartitioner {
				u.hi = rng.Uint64() >> 1
			}
			return minU128(u, p.maxPos())
		}
		for range 2000 {
			a, b := pos(), pos()
			if a.cmp(b) > 0 {
				a, b = b, a
			}
			if rng.IntN(4) == 0 { // small ranges too, where rounding shows
				b = a.add(u128{lo: uint64(rng.IntN(5))})
				if b.cmp(p.maxPos()) > 0 {
					b = p.maxPos()
				}
			}
			r := Range{Start: Token{p, a}, End: Token{p, b}}
			prev := r.Start
			for _, f := range []float64{0, rng.Float64() / 2, 0.5, 0.5 + rng.Float64()/2, 1} {
				got := r.At(f)
				require.Equal(t, 0, atReference(r, f).Cmp(got.pos.big()), "At(%v) of %v", f, r)
				require.True(t, got.Compare(r.Start) >= 0 && got.Compare(r.End) <= 0, "At(%v) = %v outside %v", f, got, r)
				require.True(t, got.Compare(prev) >= 0, "At(%v) = %v before an earlier fraction's %v", f, got, prev)
				prev = got
			}
			half, _ := r.width().divmod64(2)
			require.Equal(t, Token{p, r.Start.pos.add(half)}, r.At(0.5), "At(0.5) of %v is not the midpoint", r)
			require.Equal(t, r.Mid(), r.At(0.5))
		}
	}
}
