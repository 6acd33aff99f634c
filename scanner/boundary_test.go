package scanner_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/partitioner"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// Keys with a chosen Murmur3 token.
//
// For a 16-byte key (one block k1, k2 and no tail) Cassandra's
// hash3_x64_128 computes h1 = rotl(mixK1(k1), 27)*5 + c1 and
// h2 = (rotl(mixK2(k2), 31) + h1)*5 + c2, xors both with the length,
// then A = h1 + h2, B = h2 + A, and the token is fmix(A) + fmix(B). Every
// step is a bijection, so for any B the token T is reached with
// A = fmix⁻¹(T - fmix(B)), and k1, k2 follow by running the steps back.
// Different B give different keys of the same token.
//
// The minimum token, math.MinInt64, is never a row token: Cassandra (and
// internal/partitioner) maps a hash of MinInt64 to MaxInt64, so MaxInt64 is
// the one token with two hash preimages and MinInt64 has none.
// RandomPartitioner's tokens are MD5 digests: no key can be aimed at one.

const (
	murmurC1 = 0x87c37b91114253d5
	murmurC2 = 0x4cf5ad432745937f
	fmixM1   = 0xff51afd7ed558ccd
	fmixM2   = 0xc4ceb9fe1a85ec53
)

// inverse is the multiplicative inverse of an odd a modulo 2^64 (Newton's
// iteration doubles the correct low bits each step).
func inverse(a uint64) uint64 {
	x := a
	for range 6 {
		x *= 2 - a*x
	}
	return x
}

func fmix(k uint64) uint64 {
	k ^= k >> 33
	k *= fmixM1
	k ^= k >> 33
	k *= fmixM2
	return k ^ k>>33
}

// unfmix inverts fmix: x ^= x>>33 is its own inverse (33 > 32).
func unfmix(k uint64) uint64 {
	k ^= k >> 33
	k *= inverse(fmixM2)
	k ^= k >> 33
	k *= inverse(fmixM1)
	return k ^ k>>33
}

// keyForToken returns a 16-byte partition key (a blob) whose Murmur3 token
// is tk, one per variant.
func keyForToken(tk int64, variant uint64) []byte {
	const n = 16
	b := 0x9e3779b97f4a7c15 * (variant + 1)
	a := unfmix(uint64(tk) - fmix(b))
	h2 := b - a
	h1 := a - h2
	h1, h2 = h1^n, h2^n
	m1 := bits.RotateLeft64((h1-0x52dce729)*inverse(5), -27)
	m2 := bits.RotateLeft64((h2-0x38495ab5)*inverse(5)-h1, -31)
	k1 := bits.RotateLeft64(m1*inverse(murmurC2), -31) * inverse(murmurC1)
	k2 := bits.RotateLeft64(m2*inverse(murmurC1), -33) * inverse(murmurC2)
	key := binary.LittleEndian.AppendUint64(nil, k1)
	return binary.LittleEndian.AppendUint64(key, k2)
}

func TestKeyForToken(t *testing.T) {
	for _, tk := range []int64{math.MaxInt64, math.MinInt64 + 1, 0, -1, 1, 4611686018427387904, -7509452495886106294} {
		for v := range uint64(3) {
			key := keyForToken(tk, v)
			assert.Equal(t, tk, partitioner.Murmur3Token(key), "token %d variant %d", tk, v)
		}
		assert.NotEqual(t, keyForToken(tk, 0), keyForToken(tk, 1), "variants are different keys")
	}
	// MinInt64 is never a row token: a key hashed to it gets MaxInt64.
	assert.Equal(t, int64(math.MaxInt64), partitioner.Murmur3Token(keyForToken(math.MinInt64, 0)))
}

// boundaryTokens are the tokens around every boundary of a plan: each
// subrange's end (the next one's exclusive start) and the tokens just
// before and after it, every vnode token likewise, the lowest row token
// (MinInt64+1) and the maximum; with the ring's first and last vnode
// tokens these put rows in the wrap-around range on both sides of the top.
//
// The tokens on a boundary map to true, those next to one to false.
func boundaryTokens(plan *scanner.Plan) map[int64]bool {
	set := map[int64]bool{math.MinInt64 + 1: true, math.MinInt64 + 2: false, math.MaxInt64: true, math.MaxInt64 - 1: false}
	around := func(tk ring.Token) {
		v, err := strconv.ParseInt(tk.String(), 10, 64)
		if err != nil {
			panic(err) // a Murmur3 token prints as an int64
		}
		set[v] = true
		if v > math.MinInt64+1 && !set[v-1] {
			set[v-1] = false
		}
		if v < math.MaxInt64 && !set[v+1] {
			set[v+1] = false
		}
	}
	for _, sr := range plan.Subranges {
		around(sr.Range.End)
	}
	for _, r := range plan.Ring.VnodeRanges() {
		around(r.End)
	}
	return set
}

// TestExactlyOnceBoundaries runs the exactly-once check over rows that sit
// exactly on the plan's subrange and vnode boundaries, next to them, at
// the ends of the ring and in the wrap-around range, on every Murmur3
// topology of the suite: a bound off by one (token(pk) >= ? instead of >)
// reads the rows on a boundary twice.
func TestExactlyOnceBoundaries(t *testing.T) {
	ds := dataset{
		name:  "rows on boundaries",
		table: "boundaries",
		cols:  []col{{"k", "blob"}, {"c", "int"}, {"v", "text"}},
		pk:    1, ck: 1,
		cfg: scanner.Config{PageSize: 3, Concurrency: 8, Splits: 40},
	}
	for i, p := range simProviders() {
		if simTopologies[i].cfg.Partitioner == "RandomPartitioner" {
			continue // its tokens cannot be aimed at
		}
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			c := p.open(t)
			require.NoError(t, c.session.Query(ds.createTable(c.keyspace)).Exec())
			waitForTables(t, c.session, c.keyspace, ds.table)
			cfg := ds.cfg
			cfg.Keyspace, cfg.Table, cfg.LocalDC = c.keyspace, ds.table, c.localDC
			sc, err := scanner.New(c.session, cfg)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// The plan does not depend on the data: checkExactlyOnce
			// plans the same subranges again.
			plan, err := sc.Plan(ctx)
			require.NoError(t, err)
			tokens := boundaryTokens(plan)
			require.Greater(t, len(tokens), 3*len(plan.Subranges))
			d := ds
			d.rows = func(ring.Partitioner) [][]any {
				var rows [][]any
				for tk, on := range tokens {
					// On a boundary, two partitions of the token, of two
					// rows and one; next to one, a one-row partition.
					rows = append(rows, []any{keyForToken(tk, 0), 0, fmt.Sprintf("token %d", tk)})
					if on {
						rows = append(rows, []any{keyForToken(tk, 0), 1, "second row"}, []any{keyForToken(tk, 1), 0, "second partition"})
					}
				}
				return rows
			}
			d.check = func(t *testing.T, _ *testCluster, plan2 *scanner.Plan, _ [][]any) {
				assert.Equal(t, plan.Full.Fingerprint(), plan2.Full.Fingerprint(), "the scan used the plan the rows were placed on")
			}
			checkExactlyOnce(t, c, d)
		})
	}
}
