package partitioner

import (
	"crypto/md5"
	"math/big"
)

// RandomToken returns RandomPartitioner's token: the absolute value of the
// MD5 digest read as a signed two's-complement big-endian 128-bit integer
// (Java's new BigInteger(md5).abs()). The result lies in [0, 2^127].
//
// Like RandomPartitioner.getToken, it returns the partitioner's minimum
// token, -1, for an empty key.
//
// Each call returns a new big.Int that the caller owns.
func RandomToken(key []byte) *big.Int {
	if len(key) == 0 {
		return big.NewInt(-1)
	}
	return absInt128(md5.Sum(key))
}

// absInt128 reads b as a signed two's-complement big-endian integer and
// returns its absolute value, as Java's new BigInteger(b).abs() does.
func absInt128(b [md5.Size]byte) *big.Int {
	if b[0]&0x80 != 0 {
		// Negative: the absolute value is the negation, "invert every bit
		// and add one", done on the bytes. -2^127 (0x80 00...00) negates to
		// itself, which read as unsigned is 2^127, the BigInteger answer.
		carry := uint(1)
		for i := len(b) - 1; i >= 0; i-- {
			v := uint(^b[i]) + carry
			b[i] = byte(v)
			carry = v >> 8
		}
	}
	return new(big.Int).SetBytes(b[:])
}
