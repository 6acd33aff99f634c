package ring

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRangeMid(t *testing.T) {
	full := FullRange(Murmur3Partitioner)
	tests := []struct {
		name string
		r    Range
		want Token
	}{
		{"whole Murmur3 ring", full, Murmur3Token(-1)},
		{"small", Range{Murmur3Token(10), Murmur3Token(20)}, Murmur3Token(15)},
		{"one token", Range{Murmur3Token(10), Murmur3Token(11)}, Murmur3Token(10)},
		{"near max", Range{Murmur3Token(math.MaxInt64 - 4), Murmur3Token(math.MaxInt64)}, Murmur3Token(math.MaxInt64 - 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.r.Mid()
			assert.Equal(t, tt.want, m)
			left, right := Range{tt.r.Start, m}, Range{m, tt.r.End}
			assert.InDelta(t, tt.r.Share(), left.Share()+right.Share(), 1e-12)
		})
	}
	r := FullRange(RandomPartitioner)
	assert.InDelta(t, 0.5, Range{r.Start, r.Mid()}.Share(), 1e-12)
}
