package ring_test

import (
	"fmt"
	"math"

	"github.com/ringscan/ringscan/ring"
)

func ExampleParsePartitioner() {
	p, err := ring.ParsePartitioner("org.apache.cassandra.dht.Murmur3Partitioner")
	fmt.Println(p, err)
	_, err = ring.ParsePartitioner("org.apache.cassandra.dht.ByteOrderedPartitioner")
	fmt.Println(err)
	// Output:
	// Murmur3Partitioner <nil>
	// unsupported partitioner "org.apache.cassandra.dht.ByteOrderedPartitioner": ringscan supports Murmur3Partitioner and RandomPartitioner
}

func ExampleRange_Bounds() {
	p := ring.Murmur3Partitioner
	first := ring.Range{Start: p.Min(), End: ring.Murmur3Token(-100)}
	after, upTo := first.Bounds()
	fmt.Printf("SELECT * FROM ks.t WHERE token(pk) > ? AND token(pk) <= ?  -- %v, %v\n", after, upTo)
	fmt.Println(first.Contains(p.Min()), first.Contains(ring.Murmur3Token(-100)))
	// Output:
	// SELECT * FROM ks.t WHERE token(pk) > ? AND token(pk) <= ?  -- -9223372036854775808, -100
	// false true
}

func ExampleRing_Split() {
	p := ring.Murmur3Partitioner
	// Tokens would come from the driver, e.g. gocql's HostInfo.Tokens().
	tok := func(s string) ring.Token {
		t, err := p.ParseToken(s)
		if err != nil {
			panic(err)
		}
		return t
	}
	r, err := ring.New(p, []ring.Host{
		{ID: "a", DC: "dc1", Rack: "r1", Tokens: []ring.Token{tok("-4611686018427387904")}},
		{ID: "b", DC: "dc1", Rack: "r2", Tokens: []ring.Token{tok("0")}},
		{ID: "c", DC: "dc1", Rack: "r3", Tokens: []ring.Token{tok("4611686018427387904")}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := ring.ParseReplication(map[string]string{
		"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1": "2",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := r.Split(ring.SplitConfig{Replication: rep, Splits: 6})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range plan.Subranges {
		var replicas []string
		for _, h := range s.Replicas {
			replicas = append(replicas, h.ID)
		}
		fmt.Printf("%d %v %v %.3f\n", s.ID, s.Range, replicas, s.Share)
	}
	// Output:
	// 0 (-9223372036854775808, -6917529027641081856] [a b] 0.125
	// 1 (-6917529027641081856, -4611686018427387904] [a b] 0.125
	// 2 (-4611686018427387904, -2305843009213693952] [b c] 0.125
	// 3 (-2305843009213693952, 0] [b c] 0.125
	// 4 (0, 4611686018427387904] [c a] 0.250
	// 5 (4611686018427387904, 9223372036854775807] [a b] 0.250
}

func ExamplePlan_Shard() {
	r, err := ring.New(ring.Murmur3Partitioner, []ring.Host{
		{ID: "a", Tokens: []ring.Token{ring.Murmur3Token(math.MaxInt64)}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := r.Split(ring.SplitConfig{
		Replication: ring.Replication{Strategy: ring.SimpleStrategy, Factor: 1},
		Splits:      5,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Two processes: each runs its shard of the same plan.
	for i := range 2 {
		shard, err := plan.Shard(i, 2)
		if err != nil {
			fmt.Println(err)
			return
		}
		var ids []int
		for _, s := range shard.Subranges {
			ids = append(ids, s.ID)
		}
		fmt.Println(ids)
	}
	// Output:
	// [0 2 4]
	// [1 3]
}
