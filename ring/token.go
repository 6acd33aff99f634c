package ring

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// ErrUnsupportedPartitioner is wrapped by ParsePartitioner for partitioners
// ringscan cannot scan (ByteOrderedPartitioner, OrderPreservingPartitioner,
// ...).
var ErrUnsupportedPartitioner = errors.New("unsupported partitioner")

// ErrInvalidToken is wrapped by the errors of ParseToken and TokenOf.
var ErrInvalidToken = errors.New("invalid token")

// Partitioner says how partition keys map to tokens, and so what a Token
// looks like. The zero value is Murmur3Partitioner, the default of both
// Cassandra and ScyllaDB.
type Partitioner uint8

// The supported partitioners.
const (
	// Murmur3Partitioner tokens are int64 (CQL bigint). math.MinInt64 is the
	// ring's minimum and never a row's token, so its full ring is
	// (MinInt64, MaxInt64]: 2^64-1 tokens.
	Murmur3Partitioner Partitioner = iota
	// RandomPartitioner tokens are integers in [0, 2^127] (CQL varint, bound
	// as *big.Int). -1 is the ring's minimum and never a row's token, so its
	// full ring is (-1, 2^127]: 2^127+1 tokens.
	RandomPartitioner
)

const (
	murmur3Class = "org.apache.cassandra.dht.Murmur3Partitioner"
	randomClass  = "org.apache.cassandra.dht.RandomPartitioner"
	dhtPrefix    = "org.apache.cassandra.dht."
)

// ParsePartitioner parses a partitioner name as system.local.partitioner and
// the drivers report it, with or without the org.apache.cassandra.dht.
// package prefix. Any other partitioner is refused with an error wrapping
// ErrUnsupportedPartitioner.
func ParsePartitioner(name string) (Partitioner, error) {
	switch strings.TrimPrefix(strings.TrimSpace(name), dhtPrefix) {
	case "Murmur3Partitioner":
		return Murmur3Partitioner, nil
	case "RandomPartitioner":
		return RandomPartitioner, nil
	}
	return 0, fmt.Errorf("%w %q: ringscan supports Murmur3Partitioner and RandomPartitioner",
		ErrUnsupportedPartitioner, name)
}

// String returns the short name, "Murmur3Partitioner" or "RandomPartitioner".
func (p Partitioner) String() string {
	switch p {
	case Murmur3Partitioner:
		return "Murmur3Partitioner"
	case RandomPartitioner:
		return "RandomPartitioner"
	}
	return "Partitioner(" + strconv.Itoa(int(p)) + ")"
}

// ClassName returns the Java class name, as in system.local.partitioner.
func (p Partitioner) ClassName() string {
	switch p {
	case Murmur3Partitioner:
		return murmur3Class
	case RandomPartitioner:
		return randomClass
	}
	return p.String()
}

func (p Partitioner) valid() bool { return p == Murmur3Partitioner || p == RandomPartitioner }

// Min returns the ring's minimum token: math.MinInt64 or -1. It is never a
// row's token, so a range starting at Min covers the start of the ring.
func (p Partitioner) Min() Token { return Token{p: p} }

// Max returns the ring's maximum token: math.MaxInt64 or 2^127.
func (p Partitioner) Max() Token { return Token{p: p, pos: p.maxPos()} }

// maxPos is the zero-based position of Max, which is also the number of
// tokens in the full ring (Min excluded).
func (p Partitioner) maxPos() u128 {
	if p == RandomPartitioner {
		return u128{hi: 1 << 63, lo: 1} // 2^127 - (-1)
	}
	return u128{lo: math.MaxUint64} // MaxInt64 - MinInt64
}

// ParseToken parses a token as the drivers print it (gocql's
// HostInfo.Tokens(), system.peers.tokens, system.size_estimates.range_start).
func (p Partitioner) ParseToken(s string) (Token, error) {
	switch p {
	case Murmur3Partitioner:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return Token{}, fmt.Errorf("%w %q for %v: want an int64", ErrInvalidToken, s, p)
		}
		return Murmur3Token(v), nil
	case RandomPartitioner:
		v, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return Token{}, fmt.Errorf("%w %q for %v: want an integer in [-1, 2^127]", ErrInvalidToken, s, p)
		}
		return p.randomToken(v)
	}
	return Token{}, fmt.Errorf("%w: unknown %v", ErrInvalidToken, p)
}

// TokenOf converts a token as a driver scans it from a token(pk) column: an
// int64 for Murmur3Partitioner, a *big.Int (or an int64) for
// RandomPartitioner. It is the inverse of Token.BindValue.
func (p Partitioner) TokenOf(v any) (Token, error) {
	switch p {
	case Murmur3Partitioner:
		if i, ok := v.(int64); ok {
			return Murmur3Token(i), nil
		}
	case RandomPartitioner:
		switch x := v.(type) {
		case *big.Int:
			if x != nil {
				return p.randomToken(x)
			}
		case int64:
			return p.randomToken(big.NewInt(x))
		}
	}
	return Token{}, fmt.Errorf("%w: %T for %v", ErrInvalidToken, v, p)
}

func (p Partitioner) randomToken(v *big.Int) (Token, error) {
	pos, ok := u128FromBig(new(big.Int).Add(v, big.NewInt(1)))
	if !ok || pos.cmp(p.maxPos()) > 0 {
		return Token{}, fmt.Errorf("%w %v for %v: want an integer in [-1, 2^127]", ErrInvalidToken, v, p)
	}
	return Token{p: p, pos: pos}, nil
}

// Murmur3Token returns the Murmur3Partitioner token v.
func Murmur3Token(v int64) Token {
	return Token{p: Murmur3Partitioner, pos: u128{lo: uint64(v) ^ (1 << 63)}}
}

// Token is a position on the ring of one partitioner. It is an opaque,
// comparable value (== compares tokens exactly) that holds its partitioner
// and its zero-based position: the distance from the partitioner's Min, as
// an unsigned 128-bit integer, so that range arithmetic never overflows. The
// zero Token is Murmur3Partitioner's Min.
type Token struct {
	p   Partitioner
	pos u128
}

// Partitioner returns the partitioner the token belongs to.
func (t Token) Partitioner() Partitioner { return t.p }

// Compare returns -1, 0 or +1 as t is before, equal to or after u on the
// ring (tokens of different partitioners order by partitioner first).
func (t Token) Compare(u Token) int {
	switch {
	case t.p < u.p:
		return -1
	case t.p > u.p:
		return 1
	}
	return t.pos.cmp(u.pos)
}

// String formats the token as Cassandra does: "-9223372036854775808",
// "170141183460469231731687303715884105728".
func (t Token) String() string {
	if t.p == RandomPartitioner {
		return t.bigInt().String()
	}
	return strconv.FormatInt(t.int64(), 10)
}

// BindValue returns the token as a CQL bind value for token(pk): an int64
// (bigint) for Murmur3Partitioner, a *big.Int (varint) for
// RandomPartitioner.
func (t Token) BindValue() any {
	if t.p == RandomPartitioner {
		return t.bigInt()
	}
	return t.int64()
}

func (t Token) int64() int64 { return int64(t.pos.lo ^ (1 << 63)) }

func (t Token) bigInt() *big.Int { return new(big.Int).Sub(t.pos.big(), big.NewInt(1)) }

// randomTextPrefix marks RandomPartitioner tokens in Token's text form.
const randomTextPrefix = "random:"

// MarshalText encodes the token with its partitioner, so that it decodes
// on its own: a Murmur3Partitioner token as its number ("-42"), a
// RandomPartitioner token prefixed with "random:" ("random:42"). The zero
// Token encodes as Murmur3's minimum.
func (t Token) MarshalText() ([]byte, error) {
	if t.p == RandomPartitioner {
		return []byte(randomTextPrefix + t.String()), nil
	}
	if t.p != Murmur3Partitioner {
		return nil, fmt.Errorf("%w: unknown %v", ErrInvalidToken, t.p)
	}
	return []byte(t.String()), nil
}

// UnmarshalText decodes MarshalText's form.
func (t *Token) UnmarshalText(text []byte) error {
	s := string(text)
	p := Murmur3Partitioner
	if rest, ok := strings.CutPrefix(s, randomTextPrefix); ok {
		p, s = RandomPartitioner, rest
	}
	tk, err := p.ParseToken(s)
	if err != nil {
		return err
	}
	*t = tk
	return nil
}
