package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func measure(hashes ...uint64) Measurement {
	c := collector{hashes: hashes}
	var m Measurement
	c.finish(&m)
	return m
}

func TestCollectorFinish(t *testing.T) {
	m := measure(5, 1, 3, 1)
	assert.EqualValues(t, 4, m.Rows)
	assert.EqualValues(t, 3, m.Distinct)
	assert.EqualValues(t, 10, m.Sum)
	assert.EqualValues(t, 9, m.DistinctSum)
	assert.Equal(t, m.Digest, measure(3, 5, 1).Digest, "the digest is that of the set, in any order")
	assert.NotEqual(t, m.Digest, measure(3, 5, 2).Digest)
}

func TestCheck(t *testing.T) {
	table := Expected{Rows: 3, Checksum: 1 + 2 + 3}
	tests := []struct {
		name             string
		read             []uint64
		lost, duplicated int64
		problems         int
	}{
		{"exact", []uint64{3, 1, 2}, 0, 0, 0},
		{"one lost", []uint64{1, 2}, 1, 0, 1},
		{"one read twice", []uint64{1, 2, 3, 2}, 0, 1, 1},
		{"lost and duplicated", []uint64{1, 1, 1}, 2, 2, 2},
		{"an unknown row instead of one", []uint64{1, 2, 4}, 0, 0, 1},
		{"an extra row", []uint64{1, 2, 3, 4}, 0, 0, 1},
		{"nothing", nil, 3, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lost, dup, problems := Check(table, measure(tt.read...))
			assert.Equal(t, tt.lost, lost, "lost")
			assert.Equal(t, tt.duplicated, dup, "duplicated")
			assert.Len(t, problems, tt.problems, "%q", problems)
		})
	}
}
