package ring

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePartitioner(t *testing.T) {
	tests := []struct {
		name string
		want Partitioner
		err  string
	}{
		{name: "org.apache.cassandra.dht.Murmur3Partitioner", want: Murmur3Partitioner},
		{name: "Murmur3Partitioner", want: Murmur3Partitioner},
		{name: " Murmur3Partitioner\n", want: Murmur3Partitioner},
		{name: "org.apache.cassandra.dht.RandomPartitioner", want: RandomPartitioner},
		{name: "RandomPartitioner", want: RandomPartitioner},
		{name: "org.apache.cassandra.dht.ByteOrderedPartitioner",
			err: `unsupported partitioner "org.apache.cassandra.dht.ByteOrderedPartitioner": ringscan supports Murmur3Partitioner and RandomPartitioner`},
		{name: "OrderPreservingPartitioner",
			err: `unsupported partitioner "OrderPreservingPartitioner": ringscan supports Murmur3Partitioner and RandomPartitioner`},
		{name: "", err: `unsupported partitioner "": ringscan supports Murmur3Partitioner and RandomPartitioner`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePartitioner(tt.name)
			if tt.err != "" {
				require.ErrorIs(t, err, ErrUnsupportedPartitioner)
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			back, err := ParsePartitioner(got.ClassName())
			require.NoError(t, err)
			assert.Equal(t, got, back, "ClassName parses back")
		})
	}
}

func TestParseToken(t *testing.T) {
	p127 := new(big.Int).Lsh(big.NewInt(1), 127)
	tests := []struct {
		p    Partitioner
		in   string
		bind any
		pos  u128
		err  bool
	}{
		{p: Murmur3Partitioner, in: "-9223372036854775808", bind: int64(math.MinInt64), pos: u128{}},
		{p: Murmur3Partitioner, in: "-9223372036854775807", bind: int64(math.MinInt64 + 1), pos: u128{lo: 1}},
		{p: Murmur3Partitioner, in: "0", bind: int64(0), pos: u128{lo: 1 << 63}},
		{p: Murmur3Partitioner, in: "9223372036854775807", bind: int64(math.MaxInt64), pos: u128{lo: math.MaxUint64}},
		{p: Murmur3Partitioner, in: "9223372036854775808", err: true},
		{p: Murmur3Partitioner, in: "1.5", err: true},
		{p: Murmur3Partitioner, in: "", err: true},
		{p: RandomPartitioner, in: "-1", bind: big.NewInt(-1), pos: u128{}},
		{p: RandomPartitioner, in: "0", bind: big.NewInt(0), pos: u128{lo: 1}},
		{p: RandomPartitioner, in: "170141183460469231731687303715884105728", bind: p127, pos: u128{hi: 1 << 63, lo: 1}},
		{p: RandomPartitioner, in: "170141183460469231731687303715884105729", err: true},
		{p: RandomPartitioner, in: "-2", err: true},
		{p: RandomPartitioner, in: "abc", err: true},
		{p: Partitioner(9), in: "1", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.p.String()+"/"+tt.in, func(t *testing.T) {
			tok, err := tt.p.ParseToken(tt.in)
			if tt.err {
				assert.ErrorIs(t, err, ErrInvalidToken)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.pos, tok.pos)
			assert.Equal(t, tt.p, tok.Partitioner())
			assert.Equal(t, tt.in, tok.String())
			assert.True(t, bindEqual(tok.BindValue(), tt.bind), "BindValue() = %#v, want %#v", tok.BindValue(), tt.bind)
			back, err := tt.p.TokenOf(tok.BindValue())
			require.NoError(t, err)
			assert.Equal(t, tok, back, "TokenOf(BindValue())")
		})
	}
}

func TestTokenOf(t *testing.T) {
	tests := []struct {
		name string
		p    Partitioner
		v    any
		want string
		err  bool
	}{
		{name: "murmur3 int64", p: Murmur3Partitioner, v: int64(-5), want: "-5"},
		{name: "murmur3 int", p: Murmur3Partitioner, v: 5, err: true},
		{name: "murmur3 big", p: Murmur3Partitioner, v: big.NewInt(5), err: true},
		{name: "random big", p: RandomPartitioner, v: big.NewInt(42), want: "42"},
		{name: "random int64", p: RandomPartitioner, v: int64(42), want: "42"},
		{name: "random nil big", p: RandomPartitioner, v: (*big.Int)(nil), err: true},
		{name: "random negative", p: RandomPartitioner, v: int64(-7), err: true},
		{name: "random string", p: RandomPartitioner, v: "42", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.TokenOf(tt.v)
			if tt.err {
				assert.ErrorIs(t, err, ErrInvalidToken)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestPartitionerBounds(t *testing.T) {
	tests := []struct {
		p        Partitioner
		min, max string
	}{
		{Murmur3Partitioner, "-9223372036854775808", "9223372036854775807"},
		{RandomPartitioner, "-1", "170141183460469231731687303715884105728"},
	}
	assert.Equal(t, Murmur3Partitioner.Min(), Token{}, "zero Token")
	for _, tt := range tests {
		t.Run(tt.p.String(), func(t *testing.T) {
			assert.Equal(t, tt.min, tt.p.Min().String())
			assert.Equal(t, tt.max, tt.p.Max().String())
			full := FullRange(tt.p)
			assert.Equal(t, 1.0, full.Share())
			assert.False(t, full.Contains(tt.p.Min()), "full ring contains Min")
			assert.True(t, full.Contains(tt.p.Max()), "full ring contains Max")
		})
	}
}

func TestRange(t *testing.T) {
	m := Murmur3Token
	tests := []struct {
		name    string
		r       Range
		in, out []Token
		empty   bool
		str     string
		after   any
		upTo    any
	}{
		{
			name: "middle", r: Range{m(-10), m(10)},
			in: []Token{m(-9), m(0), m(10)}, out: []Token{m(-10), m(11), m(math.MinInt64)},
			str: "(-10, 10]", after: int64(-10), upTo: int64(10),
		},
		{
			name: "from min", r: Range{m(math.MinInt64), m(math.MinInt64 + 1)},
			in: []Token{m(math.MinInt64 + 1)}, out: []Token{m(math.MinInt64), m(math.MinInt64 + 2)},
			str: "(-9223372036854775808, -9223372036854775807]", after: int64(math.MinInt64), upTo: int64(math.MinInt64 + 1),
		},
		{
			name: "to max", r: Range{m(math.MaxInt64 - 1), m(math.MaxInt64)},
			in: []Token{m(math.MaxInt64)}, out: []Token{m(math.MaxInt64 - 1)},
			str: "(9223372036854775806, 9223372036854775807]", after: int64(math.MaxInt64 - 1), upTo: int64(math.MaxInt64),
		},
		{
			name: "empty", r: Range{m(5), m(5)}, out: []Token{m(5), m(6)}, empty: true,
			str: "(5, 5]", after: int64(5), upTo: int64(5),
		},
		{
			name: "reversed is empty, not wrapping", r: Range{m(5), m(-5)}, out: []Token{m(6), m(-6), m(0)}, empty: true,
			str: "(5, -5]", after: int64(5), upTo: int64(-5),
		},
		{
			name: "other partitioner", r: Range{m(-10), m(10)}, out: []Token{{p: RandomPartitioner, pos: u128{lo: 1 << 63}}},
			str: "(-10, 10]", after: int64(-10), upTo: int64(10),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tok := range tt.in {
				assert.True(t, tt.r.Contains(tok), "%v contains %v", tt.r, tok)
			}
			for _, tok := range tt.out {
				assert.False(t, tt.r.Contains(tok), "%v contains %v", tt.r, tok)
			}
			assert.Equal(t, tt.empty, tt.r.Empty())
			assert.Equal(t, tt.str, tt.r.String())
			after, upTo := tt.r.Bounds()
			assert.Equal(t, tt.after, after)
			assert.Equal(t, tt.upTo, upTo)
		})
	}
}

func TestU128(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	for range 2000 {
		a := u128{rng.Uint64() >> rng.IntN(64), rng.Uint64()}
		b := u128{rng.Uint64() >> rng.IntN(64), rng.Uint64()}
		d := rng.Uint64()>>rng.IntN(64) | 1
		ab, bb := a.big(), b.big()
		if got, want := a.add(b).big(), new(big.Int).And(new(big.Int).Add(ab, bb), mask); got.Cmp(want) != 0 {
			t.Fatalf("%v + %v = %v, want %v", ab, bb, got, want)
		}
		if got, want := a.cmp(b), ab.Cmp(bb); got != want {
			t.Fatalf("cmp(%v, %v) = %d, want %d", ab, bb, got, want)
		}
		hi, lo := maxU128(a, b), minU128(a, b)
		if got, want := hi.sub(lo).big(), new(big.Int).Sub(hi.big(), lo.big()); got.Cmp(want) != 0 {
			t.Fatalf("%v - %v = %v, want %v", hi.big(), lo.big(), got, want)
		}
		q, r := a.divmod64(d)
		wq, wr := new(big.Int).QuoRem(ab, new(big.Int).SetUint64(d), new(big.Int))
		if q.big().Cmp(wq) != 0 || r != wr.Uint64() {
			t.Fatalf("%v / %d = %v rem %d, want %v rem %v", ab, d, q.big(), r, wq, wr)
		}
		if got := q.mul64(d).add(u128{lo: r}); got != a {
			t.Fatalf("q*d + r = %v, want %v", got.big(), ab)
		}
		back, ok := u128FromBig(ab)
		if !ok || back != a {
			t.Fatalf("u128FromBig(%v) = %v, %v", ab, back, ok)
		}
		if f, wf := a.float64(), new(big.Float).SetInt(ab); wf.Cmp(big.NewFloat(f)) != 0 {
			if rel, _ := new(big.Float).Quo(new(big.Float).Sub(wf, big.NewFloat(f)), wf).Float64(); math.Abs(rel) > 1e-15 {
				t.Fatalf("float64(%v) = %v", ab, f)
			}
		}
	}
	_, ok := u128FromBig(big.NewInt(-1))
	assert.False(t, ok, "u128FromBig(-1)")
	_, ok = u128FromBig(new(big.Int).Lsh(big.NewInt(1), 128))
	assert.False(t, ok, "u128FromBig(2^128)")
}

// bindEqual compares bind values; *big.Int by value.
func bindEqual(a, b any) bool {
	if x, ok := a.(*big.Int); ok {
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	}
	return reflect.DeepEqual(a, b)
}

func TestTokenText(t *testing.T) {
	big2127, _ := new(big.Int).SetString("170141183460469231731687303715884105728", 10)
	tests := []struct {
		name string
		tok  Token
		text string
	}{
		{"murmur3 min", Murmur3Partitioner.Min(), "-9223372036854775808"},
		{"murmur3 max", Murmur3Partitioner.Max(), "9223372036854775807"},
		{"murmur3 zero", Murmur3Token(0), "0"},
		{"zero value", Token{}, "-9223372036854775808"},
		{"random min", RandomPartitioner.Min(), "random:-1"},
		{"random max", mustRandom(t, big2127), "random:170141183460469231731687303715884105728"},
		{"random zero", mustRandom(t, big.NewInt(0)), "random:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.tok.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, tt.text, string(b))
			var back Token
			require.NoError(t, back.UnmarshalText(b))
			assert.Equal(t, tt.tok, back, "round trip keeps the partitioner and position")
			// Inside JSON, as checkpoints hold tokens.
			j, err := json.Marshal(struct{ T Token }{tt.tok})
			require.NoError(t, err)
			var jb struct{ T Token }
			require.NoError(t, json.Unmarshal(j, &jb))
			assert.Equal(t, tt.tok, jb.T)
		})
	}
	for _, bad := range []string{"", "x", "random:", "random:-2", "9223372036854775808", "murmur3:1"} {
		var tk Token
		assert.ErrorIs(t, tk.UnmarshalText([]byte(bad)), ErrInvalidToken, "%q", bad)
	}
}

func mustRandom(t *testing.T, v *big.Int) Token {
	t.Helper()
	tk, err := RandomPartitioner.TokenOf(v)
	require.NoError(t, err)
	return tk
}

// TestNoTokens checks the bounds that select no token: for both
// partitioners the start is Max and the end the token right before it, so
// that Cassandra sees a start after the end with neither bound Min (an
// empty read), and no token lies in (start, end] nor in [start, end].
func TestNoTokens(t *testing.T) {
	for _, tt := range []struct {
		p           Partitioner
		after, upTo string
	}{
		{Murmur3Partitioner, "9223372036854775807", "9223372036854775806"},
		{RandomPartitioner, "170141183460469231731687303715884105728", "170141183460469231731687303715884105727"},
	} {
		after, upTo := NoTokens(tt.p)
		assert.Equal(t, tt.after, fmt.Sprint(after), tt.p.String())
		assert.Equal(t, tt.upTo, fmt.Sprint(upTo), tt.p.String())
		lo, err := tt.p.ParseToken(fmt.Sprint(after))
		require.NoError(t, err)
		hi, err := tt.p.ParseToken(fmt.Sprint(upTo))
		require.NoError(t, err)
		assert.Positive(t, lo.Compare(hi), "%s: the start is after the end", tt.p)
		assert.NotEqual(t, tt.p.Min(), hi, "%s: the end is not Min, the end of the ring", tt.p)
	}
}
