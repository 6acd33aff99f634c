package ring

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomRing builds a ring of 1..10 hosts with 1..256 tokens each, in up to
// 3 DCs and 3 racks, with edge tokens (Min, Min+1, Max-1, Max) thrown in.
func randomRing(t *testing.T, rng *rand.Rand, p Partitioner) *Ring {
	t.Helper()
	maxPos := p.maxPos()
	randPos := func() u128 {
		switch rng.IntN(12) {
		case 0:
			return u128{} // Min
		case 1:
			return u128{lo: 1} // Min+1
		case 2:
			return maxPos // Max
		case 3:
			return maxPos.sub(u128{lo: 1})
		case 4:
			return maxPos.sub(u128{lo: 2})
		}
		if p == RandomPartitioner {
			return u128{hi: rng.Uint64() >> 1, lo: rng.Uint64()}
		}
		return u128{lo: rng.Uint64()}
	}
	nHosts := 1 + rng.IntN(10)
	vnodes := 1 + rng.IntN(256)
	seen := make(map[u128]bool)
	hosts := make([]Host, nHosts)
	for i := range hosts {
		hosts[i] = Host{
			ID:   fmt.Sprintf("h%d", i),
			DC:   fmt.Sprintf("dc%d", rng.IntN(3)),
			Rack: fmt.Sprintf("r%d", rng.IntN(3)),
		}
		for len(hosts[i].Tokens) < vnodes {
			pos := randPos()
			if !seen[pos] {
				seen[pos] = true
				hosts[i].Tokens = append(hosts[i].Tokens, Token{p, pos})
			}
		}
	}
	return mustNew(t, p, hosts...)
}

func randomReplication(rng *rand.Rand) Replication {
	switch rng.IntN(3) {
	case 0:
		return Replication{Strategy: SimpleStrategy, Factor: 1 + rng.IntN(4)}
	case 1:
		return Replication{Strategy: EverywhereStrategy}
	}
	// dc0 always replicated so that every range has a replica when dc0 has
	// hosts; the other DCs get 0..3.
	return Replication{Strategy: NetworkTopologyStrategy, DCs: map[string]int{
		"dc0": 1 + rng.IntN(3), "dc1": rng.IntN(4), "dc2": rng.IntN(4),
	}}
}

// checkCover fails unless rs are non-empty, sorted, contiguous ranges
// covering (Min, Max] of p exactly once.
func checkCover(t *testing.T, p Partitioner, rs []Range) {
	t.Helper()
	require.NotEmpty(t, rs)
	require.Equal(t, p.Min(), rs[0].Start, "first range %v starts at Min", rs[0])
	require.Equal(t, p.Max(), rs[len(rs)-1].End, "last range %v ends at Max", rs[len(rs)-1])
	var sum float64
	for i, r := range rs {
		// Plain checks in hot loops: testify's t.Helper calls are slow.
		if r.Empty() {
			require.Failf(t, "empty range", "range %d %v", i, r)
		}
		if i > 0 && rs[i-1].End != r.Start {
			require.Failf(t, "gap or overlap", "range %d %v, range %d %v", i-1, rs[i-1], i, r)
		}
		sum += r.Share()
	}
	require.InDelta(t, 1, sum, 1e-9, "shares add up to 1")
}

func TestSplitProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, p := range []Partitioner{Murmur3Partitioner, RandomPartitioner} {
		for iter := range 40 {
			r := randomRing(t, rng, p)
			rep := randomReplication(rng)
			vn := r.VnodeRanges()
			nTokens := 0
			for _, h := range r.hosts {
				nTokens += len(h.Tokens)
			}
			splits := rng.IntN(3 * nTokens)
			name := fmt.Sprintf("%v/%d/%dhosts/%dtokens/%dsplits/%v", p, iter, len(r.hosts), nTokens, splits, rep)
			t.Run(name, func(t *testing.T) {
				checkCover(t, p, vn)
				require.InDelta(t, nTokens, len(vn), 1, "vnode ranges for %d tokens", nTokens)
				plan, err := r.Split(SplitConfig{Replication: rep, Splits: splits})
				if errors.Is(err, ErrNoReplica) && rep.Strategy == NetworkTopologyStrategy && !slices.Contains(r.DCs(), "dc0") {
					return // only DCs with factor 0 may be in the ring
				}
				require.NoError(t, err)
				want := splits
				if want == 0 {
					want = DefaultSplitsPerHost * len(r.hosts)
				}
				require.Len(t, plan.Subranges, max(want, len(vn)))
				subs := make([]Range, len(plan.Subranges))
				var vnodeReplicas []string
				for i, s := range plan.Subranges {
					subs[i] = s.Range
					if i == 0 || s.Vnode != plan.Subranges[i-1].Vnode {
						// The replicas of the vnode range, as Ring.Replicas
						// computes them for any token in it.
						want, err := r.Replicas(rep, vn[s.Vnode].End)
						require.NoError(t, err)
						checkReplicaRules(t, r, rep, want)
						vnodeReplicas = ids(want)
					}
					// Inside exactly one vnode range: its own (vnode ranges are
					// disjoint, so containing both ends of it is enough).
					v := vn[s.Vnode]
					if s.Range.Start.Compare(v.Start) < 0 || s.Range.End.Compare(v.End) > 0 {
						require.Failf(t, "subrange crosses a vnode boundary", "subrange %v, vnode range %v", s.Range, v)
					}
					if got := ids(s.Replicas); !slices.Equal(got, vnodeReplicas) {
						require.Failf(t, "wrong replicas", "subrange %v has %v, its vnode range %v has %v", s.Range, got, v, vnodeReplicas)
					}
					if s.ID != i || s.Share != s.Range.Share() || s.Estimate != nil {
						require.Failf(t, "bad subrange", "subrange %d: %+v", i, s)
					}
				}
				checkCover(t, p, subs)

				shards := 1 + rng.IntN(7)
				allIDs := make([]int, len(plan.Subranges))
				for i := range allIDs {
					allIDs[i] = i
				}
				var got []int
				for i := range shards {
					sh, err := plan.Shard(i, shards)
					require.NoError(t, err)
					for _, s := range sh.Subranges {
						got = append(got, s.ID)
					}
				}
				slices.Sort(got)
				require.Equal(t, allIDs, got, "%d shards partition the plan", shards)

				got = got[:0]
				for _, s := range plan.Shuffle(rng.Uint64()) {
					got = append(got, s.ID)
				}
				slices.Sort(got)
				require.Equal(t, allIDs, got, "Shuffle is a permutation")
			})
		}
	}
}

// checkReplicaRules checks the strategy's invariants on one replica list.
func checkReplicaRules(t *testing.T, r *Ring, rep Replication, replicas []Host) {
	t.Helper()
	seen := make(map[string]bool)
	for _, h := range replicas {
		require.False(t, seen[h.ID], "replica %s twice in %v", h.ID, ids(replicas))
		seen[h.ID] = true
	}
	switch rep.Strategy {
	case SimpleStrategy:
		require.Len(t, replicas, min(rep.Factor, len(r.hosts)))
	case EverywhereStrategy:
		require.Len(t, replicas, len(r.hosts))
	case NetworkTopologyStrategy:
		for _, dc := range r.DCs() {
			nodes, racks := 0, make(map[string]bool)
			for _, h := range r.hosts {
				if h.DC == dc {
					nodes++
					racks[h.Rack] = true
				}
			}
			got, gotRacks := 0, make(map[string]bool)
			for _, h := range replicas {
				if h.DC == dc {
					got++
					gotRacks[h.Rack] = true
				}
			}
			require.Equal(t, min(rep.DCs[dc], nodes), got, "replicas in DC %s: %v", dc, ids(replicas))
			require.Len(t, gotRacks, min(len(racks), got), "racks of the replicas in DC %s", dc)
		}
	}
}

func TestSplitConfigValidate(t *testing.T) {
	simple := Replication{Strategy: SimpleStrategy, Factor: 1}
	tests := []struct {
		name string
		c    SplitConfig
		errs []string
	}{
		{name: "minimal", c: SplitConfig{Replication: simple}},
		{name: "too many splits", c: SplitConfig{Replication: simple, Splits: MaxSplits + 1}, errs: []string{"Splits is 1048577"}},
		{name: "no replication", c: SplitConfig{}, errs: []string{"Replication: invalid replication: Strategy is Strategy(0)"}},
		{
			name: "every violation",
			c:    SplitConfig{Splits: -1, LocalDCOnly: true},
			errs: []string{"Replication:", "Splits is -1, want 0..1048576", "LocalDCOnly is set without LocalDC"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if len(tt.errs) == 0 {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidConfig)
			for _, e := range tt.errs {
				assert.ErrorContains(t, err, e)
			}
		})
	}
}

// quarterRing has four vnode ranges of a quarter ring each, owned by A, B, C
// and D; dc1 holds A and C, dc2 B and D.
func quarterRing(t *testing.T) *Ring {
	return mustNew(t, Murmur3Partitioner,
		host("A", "dc1", "r1", math.MinInt64/2),
		host("B", "dc2", "r1", 0),
		host("C", "dc1", "r2", math.MaxInt64/2+1),
		host("D", "dc2", "r2", math.MaxInt64),
	)
}

func TestSplitErrors(t *testing.T) {
	r := quarterRing(t)
	tests := []struct {
		name   string
		c      SplitConfig
		target error
		err    string
	}{
		{name: "invalid config", c: SplitConfig{Splits: -2}, target: ErrInvalidConfig, err: "Splits is -2"},
		{
			name:   "unknown local DC",
			c:      SplitConfig{Replication: Replication{Strategy: SimpleStrategy, Factor: 1}, LocalDC: "dc9"},
			target: ErrInvalidConfig, err: `LocalDC is "dc9", want one of the ring's DCs ["dc1" "dc2"]`,
		},
		{
			name:   "no DC of the ring",
			c:      SplitConfig{Replication: Replication{Strategy: NetworkTopologyStrategy, DCs: map[string]int{"dc9": 3}}},
			target: ErrNoReplica, err: `has no replica under {class: NetworkTopologyStrategy, dc9: 3}; the ring's DCs are ["dc1" "dc2"]`,
		},
		{
			name: "local DC only, not replicated there",
			c: SplitConfig{
				Replication: Replication{Strategy: NetworkTopologyStrategy, DCs: map[string]int{"dc1": 1}},
				LocalDC:     "dc2", LocalDCOnly: true,
			},
			target: ErrNoReplica, err: `has no replica in local DC "dc2"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Split(tt.c)
			require.ErrorIs(t, err, tt.target)
			assert.ErrorContains(t, err, tt.err)
		})
	}
}

func TestSplitLocalDC(t *testing.T) {
	r := quarterRing(t)
	rep := Replication{Strategy: NetworkTopologyStrategy, DCs: map[string]int{"dc1": 2, "dc2": 1}}
	tests := []struct {
		name    string
		localDC string
		only    bool
		want    [][]string // per vnode range
	}{
		{name: "no local DC", want: [][]string{{"A", "B", "C"}, {"B", "C", "A"}, {"C", "D", "A"}, {"D", "A", "C"}}},
		{name: "dc2 first", localDC: "dc2", want: [][]string{{"B", "A", "C"}, {"B", "C", "A"}, {"D", "C", "A"}, {"D", "A", "C"}}},
		{name: "dc1 only", localDC: "dc1", only: true, want: [][]string{{"A", "C"}, {"C", "A"}, {"C", "A"}, {"A", "C"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := r.Split(SplitConfig{Replication: rep, Splits: 1, LocalDC: tt.localDC, LocalDCOnly: tt.only})
			require.NoError(t, err)
			var got [][]string
			for _, s := range plan.Subranges {
				got = append(got, ids(s.Replicas))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSplitCounts(t *testing.T) {
	rep := Replication{Strategy: SimpleStrategy, Factor: 1}
	tests := []struct {
		name   string
		hosts  []Host
		splits int
		want   []int // subranges per vnode range
	}{
		{name: "one per vnode", hosts: quarterRing(t).hosts, splits: 1, want: []int{1, 1, 1, 1}},
		{name: "even", hosts: quarterRing(t).hosts, splits: 12, want: []int{3, 3, 3, 3}},
		{name: "remainder to the first heaviest", hosts: quarterRing(t).hosts, splits: 6, want: []int{2, 2, 1, 1}},
		{name: "default", hosts: quarterRing(t).hosts, want: []int{64, 64, 64, 64}},
		{
			name:   "by ring share",
			hosts:  []Host{host("A", "dc", "r", math.MinInt64/2, 0)}, // 1/4, 1/4, 1/2
			splits: 8, want: []int{2, 2, 4},
		},
		{
			name:   "narrow ranges get one",
			hosts:  []Host{host("A", "dc", "r", math.MinInt64+2, math.MaxInt64-1)}, // widths 2, 2^64-4, 1
			splits: 10, want: []int{1, 8, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustNew(t, Murmur3Partitioner, tt.hosts...)
			plan, err := r.Split(SplitConfig{Replication: rep, Splits: tt.splits})
			require.NoError(t, err)
			got := make([]int, len(r.vnodes))
			for _, s := range plan.Subranges {
				got[s.Vnode]++
			}
			assert.Equal(t, tt.want, got, "subranges per vnode range")
		})
	}
}

func TestSplitBoundaries(t *testing.T) {
	r := mustNew(t, Murmur3Partitioner, host("A", "dc", "r", math.MaxInt64))
	plan, err := r.Split(SplitConfig{Replication: Replication{Strategy: SimpleStrategy, Factor: 1}, Splits: 4})
	require.NoError(t, err)
	var got []string
	for _, s := range plan.Subranges {
		got = append(got, s.Range.String())
	}
	want := []string{
		"(-9223372036854775808, -4611686018427387905]",
		"(-4611686018427387905, -1]",
		"(-1, 4611686018427387903]",
		"(4611686018427387903, 9223372036854775807]",
	}
	assert.Equal(t, want, got)
}

// estimate builds a Murmur3 size estimate row.
func estimate(start, end int64, partitions, meanSize int64) SizeEstimate {
	return SizeEstimate{Murmur3Token(start), Murmur3Token(end), partitions, meanSize}
}

// The quarters of the ring of quarterRing: its tokens, and the ring's
// ends.
const (
	q1 = math.MinInt64 / 2
	q3 = math.MaxInt64/2 + 1
	lo = math.MinInt64
	hi = math.MaxInt64
)

func TestSplitEstimates(t *testing.T) {
	quarters := func(p0, p1, p2, p3 int64) []SizeEstimate {
		return []SizeEstimate{estimate(lo, q1, p0, 100), estimate(q1, 0, p1, 100), estimate(0, q3, p2, 100), estimate(q3, hi, p3, 100)}
	}
	tests := []struct {
		name      string
		hosts     []Host
		estimates []SizeEstimate
		counts    []int  // subranges per vnode range
		parts     int64  // estimated partitions in all; 0: sum of the rows
		ignored   string // substring of EstimatesIgnored; "" when used
	}{
		{name: "ten times the data in the first range", estimates: quarters(10000, 1000, 1000, 1000), counts: []int{25, 5, 5, 5}},
		{name: "uniform", estimates: quarters(1000, 1000, 1000, 1000), counts: []int{10, 10, 10, 10}},
		{
			name:      "empty ranges keep a quarter of their ring share",
			estimates: quarters(1000, 0, 0, 0), counts: []int{31, 3, 3, 3},
		},
		{
			name:      "mean size 0 everywhere: weigh by partitions",
			estimates: []SizeEstimate{estimate(lo, q1, 300, 0), estimate(q1, 0, 100, 0), estimate(0, q3, 100, 0), estimate(q3, hi, 100, 0)},
			counts:    []int{17, 8, 8, 7}, // data shares 1/2, 1/6, 1/6, 1/6
		},
		{
			name: "wrapping rows as Cassandra writes them",
			estimates: []SizeEstimate{
				estimate(q3, lo, 1000, 100), // (q3, Min] means (q3, Max]
				estimate(q1, 0, 1000, 100),
				estimate(0, q3, 1000, 100),
				estimate(q3, q1, 10000, 100), // wraps: (q3, Max] and (Min, q1]
			},
			// Densities per quarter: (Min, q1] 5000 from the wrapping row;
			// (q3, Max] 3000, the average of that row and its own 1000.
			counts: []int{17, 6, 6, 11},
			parts:  10000,
		},
		{
			name:      "duplicate rows from several nodes average",
			estimates: append(quarters(10000, 1000, 1000, 1000), quarters(10000, 1000, 1000, 1000)...),
			counts:    []int{25, 5, 5, 5},
			parts:     13000,
		},
		{
			name:      "huge values",
			estimates: quarters(math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64),
			counts:    []int{10, 10, 10, 10},
			parts:     -1, // not checked: the sum overflows int64
		},
		{
			name:      "missing range gets the average density",
			estimates: quarters(1000, 1000, 1000, 1000)[1:],
			counts:    []int{10, 10, 10, 10},
			ignored:   "cover 75.0% of the ring, want >= 90%",
		},
		{
			name:      "negative",
			estimates: quarters(1000, -1, 1000, 1000),
			counts:    []int{10, 10, 10, 10},
			ignored:   "partitions_count -1, mean_partition_size 100: negative",
		},
		{name: "zero everywhere", estimates: quarters(0, 0, 0, 0), counts: []int{10, 10, 10, 10}, ignored: "zero everywhere"},
		{
			name:      "foreign partitioner",
			estimates: []SizeEstimate{{Start: RandomPartitioner.Min(), End: RandomPartitioner.Max(), Partitions: 1}},
			counts:    []int{10, 10, 10, 10},
			ignored:   "is not a Murmur3Partitioner range",
		},
		{
			name:      "a quarter of the ring",
			estimates: quarters(10000, 1000, 1000, 1000)[:1:1],
			counts:    []int{10, 10, 10, 10},
			ignored:   "cover 25.0%",
		},
		{
			name: "a narrow range claiming absurd density",
			hosts: []Host{
				host("A", "dc", "r", q1), host("B", "dc", "r", q1+1000), host("C", "dc", "r", 0), host("D", "dc", "r", q3), host("E", "dc", "r", hi),
			},
			estimates: []SizeEstimate{
				estimate(lo, q1, 1000, 100), estimate(q1, q1+1000, 1000, 100), estimate(q1+1000, 0, 1000, 100),
				estimate(0, q3, 1000, 100), estimate(q3, hi, 1000, 100),
			},
			counts:  []int{10, 1, 9, 10, 10},
			ignored: "estimates give range (-4611686018427387904, -4611686018427386904] ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hosts := tt.hosts
			if hosts == nil {
				hosts = quarterRing(t).hosts
			}
			r := mustNew(t, Murmur3Partitioner, hosts...)
			plan, err := r.Split(SplitConfig{
				Replication: Replication{Strategy: SimpleStrategy, Factor: 1},
				Splits:      40,
				Estimates:   tt.estimates,
			})
			require.NoError(t, err)
			got := make([]int, len(r.vnodes))
			for _, s := range plan.Subranges {
				got[s.Vnode]++
			}
			assert.Equal(t, tt.counts, got, "subranges per vnode range")
			if tt.ignored != "" {
				assert.False(t, plan.EstimatesUsed)
				assert.Contains(t, plan.EstimatesIgnored, tt.ignored)
				for _, s := range plan.Subranges {
					require.Nil(t, s.Estimate, "subrange %v has an estimate from ignored estimates", s.Range)
				}
				return
			}
			require.True(t, plan.EstimatesUsed, "estimates ignored: %s", plan.EstimatesIgnored)
			assert.Empty(t, plan.EstimatesIgnored)
			var wantParts, gotParts int64
			for _, e := range tt.estimates {
				wantParts += e.Partitions
			}
			if tt.parts != 0 {
				wantParts = tt.parts
			}
			for _, s := range plan.Subranges {
				require.NotNil(t, s.Estimate, "subrange %v has no estimate", s.Range)
				gotParts += s.Estimate.Partitions
			}
			for _, s := range plan.Subranges {
				if s.Estimate.Partitions < 0 || s.Estimate.Bytes < 0 {
					require.Failf(t, "negative estimate", "subrange %v: %+v", s.Range, *s.Estimate)
				}
			}
			if tt.parts >= 0 {
				// Each subrange rounds its estimate.
				assert.InDelta(t, wantParts, gotParts, float64(len(plan.Subranges)), "estimated partitions in all")
			}
		})
	}
}

// TestSplitMaxBytes checks SplitConfig.MaxBytes: a vnode range whose
// estimated data would give its subranges more than MaxBytes each gets
// more subranges than Splits gives it, so that none holds more; ranges
// already within it keep their share; without estimates, or with
// PerVnode, nothing changes.
func TestSplitMaxBytes(t *testing.T) {
	// 10000, 1000, 1000 and 1000 partitions of 100 bytes: 1 MB, then
	// 100 kB a quarter.
	ests := []SizeEstimate{estimate(lo, q1, 10000, 100), estimate(q1, 0, 1000, 100), estimate(0, q3, 1000, 100), estimate(q3, hi, 1000, 100)}
	tests := []struct {
		name      string
		maxBytes  int64
		estimates []SizeEstimate
		perVnode  []int
		counts    []int
	}{
		{name: "no bound", estimates: ests, counts: []int{25, 5, 5, 5}},
		{name: "a bound every subrange meets", maxBytes: 1 << 20, estimates: ests, counts: []int{25, 5, 5, 5}},
		// 1,000,000 / 10,000 = 100 subranges; 100,000 / 10,000 = 10.
		{name: "10 kB a subrange", maxBytes: 10_000, estimates: ests, counts: []int{100, 10, 10, 10}},
		{name: "a bound only the dense range misses", maxBytes: 25_000, estimates: ests, counts: []int{40, 5, 5, 5}},
		// 1,000,000 / 30,000 = 33.3: 34 subranges, none over the bound.
		{name: "a need that is no whole number", maxBytes: 30_000, estimates: ests, counts: []int{34, 5, 5, 5}},
		{name: "no estimates", maxBytes: 10_000, counts: []int{10, 10, 10, 10}},
		{name: "PerVnode wins", maxBytes: 10_000, estimates: ests, perVnode: []int{1, 2, 3, 4}, counts: []int{1, 2, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustNew(t, Murmur3Partitioner, quarterRing(t).hosts...)
			plan, err := r.Split(SplitConfig{
				Replication: Replication{Strategy: SimpleStrategy, Factor: 1},
				Splits:      40, Estimates: tt.estimates, MaxBytes: tt.maxBytes, PerVnode: tt.perVnode,
			})
			require.NoError(t, err)
			assert.Equal(t, tt.counts, plan.PerVnode(), "subranges per vnode range")
			if tt.maxBytes > 0 && tt.estimates != nil && tt.perVnode == nil {
				for _, s := range plan.Subranges {
					assert.LessOrEqual(t, s.Estimate.Bytes, tt.maxBytes, "subrange %v", s.Range)
				}
			}
			// Whatever the counts, the subranges still cover the ring once.
			prev := Murmur3Partitioner.Min()
			for _, s := range plan.Subranges {
				require.Equal(t, prev, s.Range.Start, "subrange %d", s.ID)
				prev = s.Range.End
			}
			assert.Equal(t, Murmur3Partitioner.Max(), prev)
		})
	}
	_, err := quarterRing(t).Split(SplitConfig{Replication: Replication{Strategy: SimpleStrategy, Factor: 1}, MaxBytes: -1})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "MaxBytes is -1")
}

// TestBound checks bound's edges: a range narrower than its need gets as
// many subranges as it has tokens; a total past the limit loosens the
// bound to the least that keeps it within the limit, evenly (the dense
// range keeps 10 times the others' subranges), never below the counts
// given; bytes of zero change nothing.
func TestBound(t *testing.T) {
	wide := Murmur3Partitioner.Max().pos.sub(Murmur3Partitioner.Min().pos)
	narrow := u128{lo: 5}
	tests := []struct {
		name     string
		counts   []uint64
		bytes    []float64 // estimated bytes of each range
		widths   []u128
		maxBytes int64
		limit    uint64
		want     []uint64
	}{
		{name: "within the limit", counts: []uint64{1, 1}, bytes: []float64{1000, 100}, widths: []u128{wide, wide}, maxBytes: 100, limit: 100, want: []uint64{10, 1}},
		{name: "a range narrower than its need", counts: []uint64{1, 1}, bytes: []float64{1000, 100}, widths: []u128{narrow, wide}, maxBytes: 10, limit: 1000, want: []uint64{5, 10}},
		{name: "past the limit: loosened", counts: []uint64{1, 1}, bytes: []float64{10_000, 1000}, widths: []u128{wide, wide}, maxBytes: 1, limit: 22, want: []uint64{20, 2}},
		{name: "past the limit: the counts given stay", counts: []uint64{1, 8}, bytes: []float64{10_000, 1000}, widths: []u128{wide, wide}, maxBytes: 1, limit: 20, want: []uint64{12, 8}},
		{name: "huge bytes", counts: []uint64{1, 1}, bytes: []float64{math.MaxFloat64, math.MaxFloat64}, widths: []u128{wide, wide}, maxBytes: 1 << 26, limit: 64, want: []uint64{32, 32}},
		{name: "zero bytes", counts: []uint64{3, 4}, bytes: []float64{0, 0}, widths: []u128{wide, wide}, maxBytes: 1, limit: 100, want: []uint64{3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			perToken := make([]float64, len(tt.bytes))
			for i, b := range tt.bytes {
				perToken[i] = b / tt.widths[i].float64()
			}
			counts := slices.Clone(tt.counts)
			bound(counts, perToken, tt.widths, tt.maxBytes, tt.limit)
			assert.Equal(t, tt.want, counts)
			var total uint64
			for _, c := range counts {
				total += c
			}
			assert.LessOrEqual(t, total, tt.limit)
		})
	}
}

func TestSplitEstimateValues(t *testing.T) {
	r := mustNew(t, Murmur3Partitioner, host("A", "dc", "r", 0))
	plan, err := r.Split(SplitConfig{
		Replication: Replication{Strategy: SimpleStrategy, Factor: 1},
		Splits:      2,
		Estimates:   []SizeEstimate{estimate(0, 0, 2000, 50)}, // (t, t]: the whole ring
	})
	require.NoError(t, err)
	for _, s := range plan.Subranges {
		assert.Equal(t, &Estimate{Partitions: 1000, Bytes: 50000}, s.Estimate, "estimate of %v", s.Range)
	}
}

func TestAllocate(t *testing.T) {
	big := u128{hi: 1}
	tests := []struct {
		name    string
		n       int
		weights []float64
		widths  []u128
		want    []uint64
	}{
		{name: "proportional", n: 10, weights: []float64{0.2, 0.8}, widths: []u128{big, big}, want: []uint64{2, 8}},
		{name: "at least one each", n: 3, weights: []float64{0.98, 0.01, 0.01}, widths: []u128{big, big, big}, want: []uint64{1, 1, 1}},
		{name: "capped by width", n: 10, weights: []float64{0.5, 0.5}, widths: []u128{{lo: 2}, big}, want: []uint64{2, 8}},
		{name: "all capped", n: 10, weights: []float64{0.5, 0.5}, widths: []u128{{lo: 2}, {lo: 3}}, want: []uint64{2, 3}},
		{name: "minimizes the heaviest", n: 5, weights: []float64{0.5, 0.3, 0.2}, widths: []u128{big, big, big}, want: []uint64{2, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, allocate(tt.n, tt.weights, tt.widths))
		})
	}
}

func TestShard(t *testing.T) {
	plan, err := quarterRing(t).Split(SplitConfig{Replication: Replication{Strategy: SimpleStrategy, Factor: 1}, Splits: 1})
	require.NoError(t, err)
	tests := []struct {
		i, n int
		ids  []int // nil: error
	}{
		{i: 0, n: 0}, {i: -1, n: 2}, {i: 2, n: 2}, {i: 5, n: 3}, {i: 0, n: -1},
		{i: 0, n: 1, ids: []int{0, 1, 2, 3}},
		{i: 1, n: 3, ids: []int{1}},
		{i: 0, n: 3, ids: []int{0, 3}},
		{i: 5, n: 6, ids: []int{}}, // more shards than subranges
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d", tt.i, tt.n), func(t *testing.T) {
			sh, err := plan.Shard(tt.i, tt.n)
			if tt.ids == nil {
				assert.ErrorIs(t, err, ErrInvalidConfig)
				return
			}
			require.NoError(t, err)
			got := []int{}
			for _, s := range sh.Subranges {
				got = append(got, s.ID)
			}
			assert.Equal(t, tt.ids, got)
		})
	}
}

func TestShuffle(t *testing.T) {
	r := mustNew(t, Murmur3Partitioner,
		host("A", "dc", "r", -6e18, -1e18, 4e18),
		host("B", "dc", "r", -4e18, 1e18, 6e18),
		host("C", "dc", "r", -2e18, 2e18, 8e18),
	)
	plan, err := r.Split(SplitConfig{Replication: Replication{Strategy: SimpleStrategy, Factor: 2}, Splits: 300})
	require.NoError(t, err)
	order := func(seed uint64) []int {
		var out []int
		for _, s := range plan.Shuffle(seed) {
			out = append(out, s.ID)
		}
		return out
	}
	a := order(1)
	assert.Equal(t, a, order(1), "Shuffle is deterministic")
	assert.NotEqual(t, a, order(2), "Shuffle depends on the seed")
	// Pin the order across Go versions and refactorings.
	assert.Equal(t, []int{247, 169, 189, 221, 190, 266}, a[:6])
	// Within each primary's subranges, the largest come first.
	byPrimary := map[string][]float64{}
	for _, s := range plan.Shuffle(1) {
		k := s.Replicas[0].ID
		byPrimary[k] = append(byPrimary[k], s.Share)
	}
	for k, shares := range byPrimary {
		assert.True(t, sort.IsSorted(sort.Reverse(sort.Float64Slice(shares))), "primary %s: shares not largest first", k)
	}
	// Each primary owns about a third of the ring: consecutive subranges
	// should go to different primaries nearly always.
	same := 0
	shuffled := plan.Shuffle(1)
	for i := 1; i < len(shuffled); i++ {
		if shuffled[i].Replicas[0].ID == shuffled[i-1].Replicas[0].ID {
			same++
		}
	}
	assert.LessOrEqual(t, same, len(shuffled)/20, "consecutive subranges sharing their primary")
	assert.True(t, slices.IsSortedFunc(plan.Subranges, func(a, b Subrange) int { return a.ID - b.ID }), "Shuffle modified the plan")
}

func TestFingerprint(t *testing.T) {
	r := quarterRing(t)
	split := func(c SplitConfig) *Plan {
		t.Helper()
		c.Replication = Replication{Strategy: SimpleStrategy, Factor: 1}
		p, err := r.Split(c)
		require.NoError(t, err)
		return p
	}
	base := split(SplitConfig{Splits: 8})
	tests := []struct {
		name string
		plan *Plan
		same bool
	}{
		{name: "same config", plan: split(SplitConfig{Splits: 8}), same: true},
		{name: "local DC changes routing only", plan: split(SplitConfig{Splits: 8, LocalDC: "dc2"}), same: true},
		{name: "other split count", plan: split(SplitConfig{Splits: 9})},
		{name: "estimates move bounds", plan: split(SplitConfig{Splits: 8, Estimates: []SizeEstimate{
			estimate(math.MinInt64, math.MinInt64/2, 1000, 1), estimate(math.MinInt64/2, math.MaxInt64, 10, 1),
		}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.same, tt.plan.Fingerprint() == base.Fingerprint(), "fingerprints equal")
		})
	}
	sh, err := base.Shard(0, 2)
	require.NoError(t, err)
	assert.NotEqual(t, base.Fingerprint(), sh.Fingerprint(), "a shard has its own fingerprint")
	assert.Equal(t, "7b57e236dea479ae4c0ae795a12f606f", base.Fingerprint(), "changing it invalidates checkpoints")
}

func BenchmarkSplit(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	hosts := make([]Host, 60)
	for i := range hosts {
		hosts[i] = Host{ID: fmt.Sprint(i), DC: fmt.Sprintf("dc%d", i%3), Rack: fmt.Sprintf("r%d", i%5)}
		for range 256 {
			hosts[i].Tokens = append(hosts[i].Tokens, Murmur3Token(int64(rng.Uint64())))
		}
	}
	r, err := New(Murmur3Partitioner, hosts)
	if err != nil {
		b.Fatal(err)
	}
	c := SplitConfig{
		Replication: Replication{Strategy: NetworkTopologyStrategy, DCs: map[string]int{"dc0": 3, "dc1": 3, "dc2": 3}},
		Splits:      100000,
	}
	for b.Loop() {
		if _, err := r.Split(c); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSplitPerVnodeRebuildsThePlan checks that a plan's PerVnode counts,
// given back as SplitConfig.PerVnode, rebuild the same subranges whatever
// Splits and Estimates say (a resumed scan relies on it), and that bad
// counts are refused.
func TestSplitPerVnodeRebuildsThePlan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	r := randomRing(t, rng, Murmur3Partitioner)
	rep := randomReplication(rng)
	for _, splits := range []int{0, 1, 50, 333} {
		orig, err := r.Split(SplitConfig{Replication: rep, Splits: splits})
		require.NoError(t, err)
		counts := orig.PerVnode()
		require.Len(t, counts, len(r.VnodeRanges()))
		again, err := r.Split(SplitConfig{Replication: rep, Splits: 7, PerVnode: counts})
		require.NoError(t, err)
		assert.Equal(t, orig.Fingerprint(), again.Fingerprint(), "splits %d", splits)
		assert.Equal(t, orig.Subranges, again.Subranges, "splits %d", splits)
	}
	bad := [][]int{{}, {1}, slices.Repeat([]int{0}, len(r.VnodeRanges()))}
	for _, counts := range bad {
		_, err := r.Split(SplitConfig{Replication: rep, PerVnode: counts})
		assert.ErrorIs(t, err, ErrInvalidConfig, "%v", counts)
	}
}

// TestRestrict cuts random plans to token ranges, one or two (a range that
// wraps the ring is two): the subranges left cover exactly the tokens of
// the plan inside the ranges, each inside the subrange it came from, with
// its replicas, and no ID twice.
func TestRestrict(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		r := randomRing(t, rng, Murmur3Partitioner)
		plan, err := r.Split(SplitConfig{Replication: Replication{Strategy: SimpleStrategy, Factor: 1}, Splits: 1 + rng.IntN(300)})
		require.NoError(t, err)
		a, b := Murmur3Token(rng.Int64()), Murmur3Token(rng.Int64())
		if b.Compare(a) < 0 {
			a, b = b, a
		}
		within := []Range{{Start: a, End: b}}
		if i%2 == 1 { // the wrapping range (b, a] as its two parts
			within = []Range{{Start: b, End: Murmur3Partitioner.Max()}, {Start: Murmur3Partitioner.Min(), End: a}}
		}
		got := plan.Restrict(within...)
		var want u128
		for _, w := range within {
			want = want.add(w.width())
		}
		var total u128
		ids := map[int]bool{}
		byID := map[int]Subrange{}
		for _, s := range plan.Subranges {
			byID[s.ID] = s
		}
		for j, s := range got.Subranges {
			total = total.add(s.Range.width())
			require.False(t, ids[s.ID], "ID %d twice", s.ID)
			ids[s.ID] = true
			if j > 0 {
				require.True(t, got.Subranges[j-1].Range.End.Compare(s.Range.Start) <= 0, "in token order, no overlap")
			}
			inside := false
			for _, w := range within {
				inside = inside || (w.Start.Compare(s.Range.Start) <= 0 && s.Range.End.Compare(w.End) <= 0)
			}
			require.True(t, inside, "%v inside %v", s.Range, within)
			if orig, ok := byID[s.ID]; ok {
				require.True(t, orig.Range.Start.Compare(s.Range.Start) <= 0 && s.Range.End.Compare(orig.Range.End) <= 0)
				require.Equal(t, orig.Replicas, s.Replicas)
			}
		}
		require.Equal(t, want, total, "the restricted plan covers exactly the tokens within")
	}
}
