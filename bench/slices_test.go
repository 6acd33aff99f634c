package bench

import (
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSplitEqualCoversRingOnce checks that the slices cover (MinInt64,
// MaxInt64] exactly once: contiguous, in order, from the minimum to the
// maximum, with widths that differ by at most one token and add up to
// 2^64-1.
func TestSplitEqualCoversRingOnce(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 64, 192, 1000, 4097} {
		s, err := SplitEqual(n)
		require.NoError(t, err)
		require.Len(t, s, n)
		assert.Equal(t, int64(math.MinInt64), s[0].Start, "n=%d: first start", n)
		assert.Equal(t, int64(math.MaxInt64), s[n-1].End, "n=%d: last end", n)
		total := new(big.Int)
		minW, maxW := new(big.Int), new(big.Int)
		for i, sl := range s {
			require.Less(t, sl.Start, sl.End, "n=%d slice %d is empty", n, i)
			if i > 0 {
				require.Equal(t, s[i-1].End, sl.Start, "n=%d: gap or overlap before slice %d", n, i)
			}
			w := new(big.Int).Sub(big.NewInt(sl.End), big.NewInt(sl.Start))
			total.Add(total, w)
			if i == 0 || w.Cmp(minW) < 0 {
				minW.Set(w)
			}
			if i == 0 || w.Cmp(maxW) > 0 {
				maxW.Set(w)
			}
		}
		ring := new(big.Int).SetUint64(math.MaxUint64)
		assert.Zero(t, total.Cmp(ring), "n=%d: widths add up to %v, want 2^64-1", n, total)
		assert.LessOrEqual(t, new(big.Int).Sub(maxW, minW).Int64(), int64(1), "n=%d: unequal widths", n)
	}
}

func TestSplitEqualRefusesZero(t *testing.T) {
	_, err := SplitEqual(0)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

func TestShuffleSlicesIsAPermutation(t *testing.T) {
	s, err := SplitEqual(100)
	require.NoError(t, err)
	sh := shuffleSlices(s, 1)
	assert.ElementsMatch(t, s, sh)
	assert.NotEqual(t, s, sh, "the order should change")
	assert.Equal(t, sh, shuffleSlices(s, 1), "the same seed gives the same order")
}
