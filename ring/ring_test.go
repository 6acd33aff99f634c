package ring

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// host builds a Murmur3 host.
func host(id, dc, rack string, tokens ...int64) Host {
	h := Host{ID: id, Address: id + ":9042", DC: dc, Rack: rack}
	for _, v := range tokens {
		h.Tokens = append(h.Tokens, Murmur3Token(v))
	}
	return h
}

func ids(hs []Host) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}

func rangeStrings(rs []Range) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

func mustNew(t *testing.T, p Partitioner, hosts ...Host) *Ring {
	t.Helper()
	r, err := New(p, hosts)
	require.NoError(t, err)
	return r
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		p     Partitioner
		hosts []Host
		err   string
	}{
		{name: "no hosts", err: "no hosts"},
		{name: "no tokens", hosts: []Host{host("a", "dc", "r", 1), host("b", "dc", "r")}, err: `host "b" has no tokens`},
		{name: "duplicate across hosts", hosts: []Host{host("a", "dc", "r", 1, 5), host("b", "dc", "r", 3, 5)}, err: `token 5 is owned by host "a" and host "b"`},
		{name: "duplicate within a host", hosts: []Host{host("a", "dc", "r", 7, 7)}, err: `token 7 is owned by host "a" and host "a"`},
		{name: "duplicate id", hosts: []Host{host("a", "dc", "r", 1), host("a", "dc", "r", 2)}, err: `hosts 0 and 1 are both "a"`},
		{name: "no identity", hosts: []Host{{Tokens: []Token{Murmur3Token(1)}}}, err: "neither ID nor Address"},
		{name: "wrong partitioner", p: RandomPartitioner, hosts: []Host{host("a", "dc", "r", 1)}, err: `host "a" has Murmur3Partitioner token 1, the ring is RandomPartitioner`},
		{name: "bad partitioner", p: Partitioner(3), hosts: []Host{host("a", "dc", "r", 1)}, err: "unknown Partitioner(3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.p, tt.hosts)
			require.ErrorIs(t, err, ErrInvalidRing)
			assert.ErrorContains(t, err, tt.err)
		})
	}
}

func TestNewCopiesHosts(t *testing.T) {
	hosts := []Host{host("a", "dc", "r", 1)}
	r := mustNew(t, Murmur3Partitioner, hosts...)
	hosts[0].ID = "changed"
	hosts[0].Tokens[0] = Murmur3Token(99)
	assert.Equal(t, host("a", "dc", "r", 1), r.Hosts()[0], "ring changed with its input")
}

func TestVnodeRanges(t *testing.T) {
	const lo, hi = math.MinInt64, math.MaxInt64
	tests := []struct {
		name  string
		hosts []Host
		want  []string
	}{
		{
			name:  "one token",
			hosts: []Host{host("a", "dc", "r", 0)},
			want:  []string{"(-9223372036854775808, 0]", "(0, 9223372036854775807]"},
		},
		{
			name:  "wrap split in two",
			hosts: []Host{host("a", "dc", "r", -100, 50), host("b", "dc", "r", 10)},
			want: []string{
				"(-9223372036854775808, -100]", "(-100, 10]", "(10, 50]", "(50, 9223372036854775807]",
			},
		},
		{
			name:  "token at max",
			hosts: []Host{host("a", "dc", "r", hi), host("b", "dc", "r", 0)},
			want:  []string{"(-9223372036854775808, 0]", "(0, 9223372036854775807]"},
		},
		{
			name:  "token at min+1 and max",
			hosts: []Host{host("a", "dc", "r", lo+1, hi)},
			want:  []string{"(-9223372036854775808, -9223372036854775807]", "(-9223372036854775807, 9223372036854775807]"},
		},
		{
			name:  "token at min",
			hosts: []Host{host("a", "dc", "r", lo, 0)},
			want:  []string{"(-9223372036854775808, 0]", "(0, 9223372036854775807]"},
		},
		{
			name:  "single token at max",
			hosts: []Host{host("a", "dc", "r", hi)},
			want:  []string{"(-9223372036854775808, 9223372036854775807]"},
		},
		{
			name:  "adjacent tokens",
			hosts: []Host{host("a", "dc", "r", hi-1), host("b", "dc", "r", hi)},
			want:  []string{"(-9223372036854775808, 9223372036854775806]", "(9223372036854775806, 9223372036854775807]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustNew(t, Murmur3Partitioner, tt.hosts...)
			assert.Equal(t, tt.want, rangeStrings(r.VnodeRanges()))
		})
	}
}

func TestVnodeRangesRandomPartitioner(t *testing.T) {
	p := RandomPartitioner
	tok := func(s string) Token {
		v, err := p.ParseToken(s)
		require.NoError(t, err)
		return v
	}
	const max = "170141183460469231731687303715884105728"
	tests := []struct {
		name   string
		tokens []string
		want   []string
	}{
		{name: "zero and max", tokens: []string{"0", max}, want: []string{"(-1, 0]", "(0, " + max + "]"}},
		{name: "middle", tokens: []string{"85070591730234615865843651857942052864"}, want: []string{
			"(-1, 85070591730234615865843651857942052864]", "(85070591730234615865843651857942052864, " + max + "]",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Host{ID: "a"}
			for _, s := range tt.tokens {
				h.Tokens = append(h.Tokens, tok(s))
			}
			r := mustNew(t, p, h)
			assert.Equal(t, tt.want, rangeStrings(r.VnodeRanges()))
		})
	}
}

// replicaCase is the replicas expected for the range ending at a token.
type replicaCase struct {
	token int64
	want  []string
}

func TestReplicasSimpleStrategy(t *testing.T) {
	r := mustNew(t, Murmur3Partitioner,
		host("A", "dc1", "r1", 10, 30),
		host("B", "dc1", "r1", 20),
		host("C", "dc2", "r2", 40),
	)
	tests := []struct {
		name  string
		rf    int
		cases []replicaCase
	}{
		{name: "rf1", rf: 1, cases: []replicaCase{{10, []string{"A"}}, {20, []string{"B"}}, {40, []string{"C"}}}},
		{name: "rf2", rf: 2, cases: []replicaCase{
			{10, []string{"A", "B"}}, {20, []string{"B", "A"}}, {30, []string{"A", "C"}}, {40, []string{"C", "A"}},
			{math.MinInt64, []string{"A", "B"}}, {35, []string{"C", "A"}}, {41, []string{"A", "B"}},
			{math.MaxInt64, []string{"A", "B"}},
		}},
		{name: "rf above hosts", rf: 5, cases: []replicaCase{{20, []string{"B", "A", "C"}}, {40, []string{"C", "A", "B"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Replication{Strategy: SimpleStrategy, Factor: tt.rf}
			for _, c := range tt.cases {
				got, err := r.Replicas(rep, Murmur3Token(c.token))
				require.NoError(t, err)
				assert.Equal(t, c.want, ids(got), "Replicas(%d)", c.token)
			}
		})
	}
}

// TestReplicasNetworkTopologyStrategy checks hand-walked placements. The
// rules (Cassandra 4+, ScyllaDB): one clockwise walk from the range's end;
// per DC, a host on a new (DC, rack) is taken, a host on a seen rack only
// while the DC's repeat allowance factor - racks is positive.
func TestReplicasNetworkTopologyStrategy(t *testing.T) {
	tests := []struct {
		name  string
		hosts []Host
		dcs   map[string]int
		cases []replicaCase
	}{
		{
			// dc1: A r1, B r1, C r2, E r3 (3 racks, RF 3: no repeat); dc2: D r1, F r2.
			name: "two DCs, enough racks",
			hosts: []Host{
				host("A", "dc1", "r1", 10), host("B", "dc1", "r1", 20), host("C", "dc1", "r2", 30),
				host("D", "dc2", "r1", 40), host("E", "dc1", "r3", 50), host("F", "dc2", "r2", 60),
			},
			dcs: map[string]int{"dc1": 3, "dc2": 2},
			cases: []replicaCase{
				{10, []string{"A", "C", "D", "E", "F"}},
				{20, []string{"B", "C", "D", "E", "F"}},
				{30, []string{"C", "D", "E", "F", "A"}},
				{40, []string{"D", "E", "F", "A", "C"}}, // B skipped: r1 seen, no repeats allowed
				{50, []string{"E", "F", "A", "C", "D"}},
				{60, []string{"F", "A", "C", "D", "E"}},
				{math.MaxInt64, []string{"A", "C", "D", "E", "F"}}, // (60, max] belongs to 10
			},
		},
		{
			// RF 3 on 2 racks: one repeat allowed, taken as soon as met.
			name: "fewer racks than RF",
			hosts: []Host{
				host("A", "dc1", "r1", 10), host("B", "dc1", "r1", 20), host("C", "dc1", "r1", 30), host("D", "dc1", "r2", 40),
			},
			dcs: map[string]int{"dc1": 3},
			cases: []replicaCase{
				{10, []string{"A", "B", "D"}}, // C: r1 seen and the repeat is used
				{20, []string{"B", "C", "D"}},
				{30, []string{"C", "D", "A"}},
				{40, []string{"D", "A", "B"}},
			},
		},
		{
			name: "racks at least RF: distinct racks only",
			hosts: []Host{
				host("A", "dc1", "r1", 10), host("B", "dc1", "r1", 20), host("C", "dc1", "r2", 30),
			},
			dcs:   map[string]int{"dc1": 2},
			cases: []replicaCase{{10, []string{"A", "C"}}, {20, []string{"B", "C"}}, {30, []string{"C", "A"}}},
		},
		{
			name:  "RF above hosts in DC",
			hosts: []Host{host("A", "dc1", "r1", 10), host("B", "dc1", "r1", 20)},
			dcs:   map[string]int{"dc1": 5},
			cases: []replicaCase{{10, []string{"A", "B"}}, {20, []string{"B", "A"}}},
		},
		{
			name: "vnodes: a host met twice counts once",
			hosts: []Host{
				host("A", "dc1", "r1", 10, 20), host("B", "dc1", "r2", 30), host("C", "dc1", "r1", 40),
			},
			dcs:   map[string]int{"dc1": 2},
			cases: []replicaCase{{10, []string{"A", "B"}}, {20, []string{"A", "B"}}, {40, []string{"C", "B"}}},
		},
		{
			name: "same rack name in two DCs is two racks",
			hosts: []Host{
				host("A", "dc1", "r1", 10), host("B", "dc2", "r1", 20), host("C", "dc1", "r1", 30), host("D", "dc2", "r1", 40),
			},
			dcs:   map[string]int{"dc1": 1, "dc2": 1},
			cases: []replicaCase{{10, []string{"A", "B"}}, {30, []string{"C", "D"}}, {40, []string{"D", "A"}}},
		},
		{
			name:  "DC with zero RF and unknown DC ignored",
			hosts: []Host{host("A", "dc1", "r1", 10), host("B", "dc2", "r1", 20)},
			dcs:   map[string]int{"dc1": 0, "dc2": 1, "nowhere": 3},
			cases: []replicaCase{{10, []string{"B"}}, {20, []string{"B"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustNew(t, Murmur3Partitioner, tt.hosts...)
			rep := Replication{Strategy: NetworkTopologyStrategy, DCs: tt.dcs}
			for _, c := range tt.cases {
				got, err := r.Replicas(rep, Murmur3Token(c.token))
				require.NoError(t, err)
				assert.Equal(t, c.want, ids(got), "Replicas(%d)", c.token)
			}
		})
	}
}

func TestReplicasEverywhere(t *testing.T) {
	r := mustNew(t, Murmur3Partitioner, host("A", "dc1", "r1", 10), host("B", "dc2", "r1", 20), host("C", "dc1", "r2", 30))
	for _, s := range []ReplicationStrategy{EverywhereStrategy, LocalStrategy} {
		got, err := r.Replicas(Replication{Strategy: s}, Murmur3Token(15))
		require.NoError(t, err)
		assert.Equal(t, []string{"B", "C", "A"}, ids(got), "%v", s)
	}
}

func TestReplicasErrors(t *testing.T) {
	r := mustNew(t, Murmur3Partitioner, host("A", "dc1", "r1", 10))
	_, err := r.Replicas(Replication{}, Murmur3Token(1))
	assert.ErrorIs(t, err, ErrInvalidReplication, "zero Replication")
	_, err = r.Replicas(Replication{Strategy: SimpleStrategy, Factor: 1}, RandomPartitioner.Min())
	assert.ErrorIs(t, err, ErrInvalidToken, "foreign token")
}
