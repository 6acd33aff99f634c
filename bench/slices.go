package bench

import (
	"fmt"
	"math"
	"math/bits"
)

// Slice is the Murmur3 token range (Start, End]: Start excluded, End
// included.
type Slice struct {
	Start, End int64
}

// ringWidth is the number of Murmur3 tokens: the ring is (MinInt64,
// MaxInt64], MinInt64 never being a row's token.
const ringWidth = math.MaxUint64 // 2^64 - 1

// SplitEqual cuts the Murmur3 ring (MinInt64, MaxInt64] into n slices of
// equal width (within one token), in token order. They cover the ring
// exactly once: the first starts at MinInt64, each starts where the
// previous ends, and the last ends at MaxInt64.
func SplitEqual(n int) ([]Slice, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: %d slices; want at least 1", ErrInvalidConfig, n)
	}
	// Positions count from the ring's minimum: token = MinInt64 + pos, pos
	// in [0, 2^64-1], computed in uint64 so nothing overflows.
	bound := func(i int) int64 {
		hi, lo := bits.Mul64(uint64(i), ringWidth)
		pos, _ := bits.Div64(hi, lo, uint64(n)) // hi < n since i <= n
		return int64(pos + 1<<63)               // MinInt64 + pos, wrapping
	}
	out := make([]Slice, n)
	for i := range out {
		out[i] = Slice{Start: bound(i), End: bound(i + 1)}
	}
	return out, nil
}

// shuffleSlices returns the slices in a deterministic random order, as
// ScyllaDB's full-scan sample does, so that concurrent slices spread over
// the ring.
func shuffleSlices(s []Slice, seed uint64) []Slice {
	out := append([]Slice(nil), s...)
	x := seed
	next := func() uint64 { // splitmix64
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		return z ^ (z >> 31)
	}
	for i := len(out) - 1; i > 0; i-- {
		j := int(next() % uint64(i+1))
		out[i], out[j] = out[j], out[i]
	}
	return out
}
