package rowsum

import "encoding/binary"

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

// Sum accumulates rows. The zero value is an empty sum. It is not safe for
// concurrent use; merge per-goroutine sums with Merge.
type Sum struct {
	Rows uint64
	Hash uint64
}

// Row returns the hash of one row given its column values (nil for null).
func Row(values [][]byte) uint64 {
	h := uint64(offset64)
	var l [4]byte
	for _, v := range values {
		n := int32(len(v))
		if v == nil {
			n = -1
		}
		binary.BigEndian.PutUint32(l[:], uint32(n))
		for _, b := range l {
			h ^= uint64(b)
			h *= prime64
		}
		for _, b := range v {
			h ^= uint64(b)
			h *= prime64
		}
	}
	return h
}

// Add adds one row.
func (s *Sum) Add(values [][]byte) {
	s.Rows++
	s.Hash += Row(values)
}

// AddHash adds a row whose hash was computed with Row.
func (s *Sum) AddHash(h uint64) {
	s.Rows++
	s.Hash += h
}

// Merge adds the rows of o.
func (s *Sum) Merge(o Sum) {
	s.Rows += o.Rows
	s.Hash += o.Hash
}
