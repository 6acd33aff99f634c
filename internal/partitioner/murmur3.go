package partitioner

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Constants of MurmurHash3 x64_128, as in Cassandra's MurmurHash.hash3_x64_128.
const (
	murmurC1 = 0x87c37b91114253d5
	murmurC2 = 0x4cf5ad432745937f
)

// Murmur3Token returns Cassandra's Murmur3Partitioner token of a serialized
// partition key: the first 64-bit half of Cassandra's
// MurmurHash.hash3_x64_128(key, 0, len, seed 0), as a signed int64, with
// math.MinInt64 mapped to math.MaxInt64 (Cassandra's normalisation:
// MinInt64 is never a row token).
//
// Like Murmur3Partitioner.getToken, it returns the partitioner's minimum
// token, math.MinInt64, for an empty key; Cassandra refuses to store a row
// with an empty partition key.
//
// Murmur3Token does not allocate.
func Murmur3Token(key []byte) int64 {
	if len(key) == 0 {
		return math.MinInt64
	}
	h := int64(murmur3H1(key))
	if h == math.MinInt64 {
		return math.MaxInt64
	}
	return h
}

// murmur3H1 returns the first half of Cassandra's hash3_x64_128 with seed 0.
//
// Java has no unsigned longs; the arithmetic below is the same on uint64
// because Java's long multiplication and addition wrap, and its >>> is a
// logical shift.
func murmur3H1(key []byte) uint64 {
	var h1, h2 uint64

	body := len(key) &^ 15
	for i := 0; i < body; i += 16 {
		k1 := binary.LittleEndian.Uint64(key[i:])
		k2 := binary.LittleEndian.Uint64(key[i+8:])

		h1 ^= mixK1(k1)
		h1 = bits.RotateLeft64(h1, 27)
		h1 += h2
		h1 = h1*5 + 0x52dce729

		h2 ^= mixK2(k2)
		h2 = bits.RotateLeft64(h2, 31)
		h2 += h1
		h2 = h2*5 + 0x38495ab5
	}

	// The tail is where Cassandra departs from the reference: it reads each
	// byte as a signed Java byte, `((long) key.get(offset + i)) << shift`,
	// so a byte of 0x80 or more sets every bit above its own position before
	// the shift, and those bits survive the XOR.
	tail := key[body:]
	if len(tail) > 8 {
		var k2 uint64
		for i := 8; i < len(tail); i++ {
			k2 ^= signExtend(tail[i]) << (8 * (i - 8))
		}
		h2 ^= mixK2(k2)
	}
	if len(tail) > 0 {
		var k1 uint64
		for i := 0; i < len(tail) && i < 8; i++ {
			k1 ^= signExtend(tail[i]) << (8 * i)
		}
		h1 ^= mixK1(k1)
	}

	n := uint64(len(key))
	h1 ^= n
	h2 ^= n

	h1 += h2
	h2 += h1

	h1 = fmix64(h1)
	h2 = fmix64(h2)

	return h1 + h2
}

// signExtend widens b the way Java's (long) cast widens a byte.
func signExtend(b byte) uint64 {
	return uint64(int64(int8(b)))
}

func mixK1(k uint64) uint64 {
	k *= murmurC1
	k = bits.RotateLeft64(k, 31)
	return k * murmurC2
}

func mixK2(k uint64) uint64 {
	k *= murmurC2
	k = bits.RotateLeft64(k, 33)
	return k * murmurC1
}

func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}
