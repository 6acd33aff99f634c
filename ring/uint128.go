package ring

import (
	"math/big"
	"math/bits"
)

// u128 is an unsigned 128-bit integer. Token positions, range widths and
// split boundaries are computed in it: the widest Murmur3 range holds
// 2^64-1 tokens and the widest RandomPartitioner range 2^127+1, so neither
// fits int64 and the first does not even fit the signed arithmetic people
// reach for first.
type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// add returns a+b; callers guarantee that it does not overflow.
func (a u128) add(b u128) u128 {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, c)
	return u128{hi, lo}
}

// sub returns a-b; callers guarantee a >= b.
func (a u128) sub(b u128) u128 {
	lo, c := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, c)
	return u128{hi, lo}
}

// mul64 returns a*m; callers guarantee that it does not overflow.
func (a u128) mul64(m uint64) u128 {
	hi, lo := bits.Mul64(a.lo, m)
	return u128{hi + a.hi*m, lo}
}

// divmod64 returns a/d and a%d; d must not be zero.
func (a u128) divmod64(d uint64) (u128, uint64) {
	qhi, r := a.hi/d, a.hi%d
	qlo, r := bits.Div64(r, a.lo, d)
	return u128{qhi, qlo}, r
}

func (a u128) float64() float64 {
	return float64(a.hi)*0x1p64 + float64(a.lo)
}

func (a u128) big() *big.Int {
	b := new(big.Int).SetUint64(a.hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(a.lo))
}

// u128FromBig converts b, which must be in [0, 2^128).
func u128FromBig(b *big.Int) (u128, bool) {
	if b.Sign() < 0 || b.BitLen() > 128 {
		return u128{}, false
	}
	lo := new(big.Int).And(b, new(big.Int).SetUint64(^uint64(0)))
	hi := new(big.Int).Rsh(b, 64)
	return u128{hi.Uint64(), lo.Uint64()}, true
}

func minU128(a, b u128) u128 {
	if a.cmp(b) < 0 {
		return a
	}
	return b
}

func maxU128(a, b u128) u128 {
	if a.cmp(b) > 0 {
		return a
	}
	return b
}
