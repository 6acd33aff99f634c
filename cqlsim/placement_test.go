package cqlsim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
)

// TestPlacementMatchesRing compares cqlsim's replica placement with package
// ring's on random topologies (data centers, racks, vnodes, strategies).
// The two are written independently on purpose: the scanner routes with
// ring's placement and the simulator checks it with its own, so a bug in
// either shows as a difference here, or as a non-replica read in the
// scanner's routing tests.
func TestPlacementMatchesRing(t *testing.T) {
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 7))
		var dcs []DC
		for d := range 1 + rng.IntN(3) {
			dcs = append(dcs, DC{Name: "dc" + strconv.Itoa(d+1), Nodes: 1 + rng.IntN(5), Racks: 1 + rng.IntN(3)})
		}
		cfg := Config{DCs: dcs, VNodes: 1 + rng.IntN(16), Seed: int64(seed) + 1}
		if seed%5 == 4 {
			cfg.Partitioner = "RandomPartitioner"
		}
		c, err := build(cfg)
		require.NoError(t, err)
		p := ring.Murmur3Partitioner
		if c.random {
			p = ring.RandomPartitioner
		}
		var hosts []ring.Host
		for _, n := range c.nodes {
			h := ring.Host{ID: n.HostID(), Address: n.IP(), DC: n.dc, Rack: n.rack}
			for _, s := range n.Tokens() {
				tk, err := p.ParseToken(s)
				require.NoError(t, err)
				h.Tokens = append(h.Tokens, tk)
			}
			hosts = append(hosts, h)
		}
		r, err := ring.New(p, hosts)
		require.NoError(t, err)
		// A SimpleStrategy and a NetworkTopologyStrategy keyspace.
		simple := replication{class: "SimpleStrategy", rf: 1 + rng.IntN(4)}
		nts := replication{class: "NetworkTopologyStrategy", dcRF: map[string]int{}}
		ntsDCs := map[string]int{}
		for i, dc := range dcs {
			nts.dcRF[dc.Name] = rng.IntN(5)
			if i == 0 {
				nts.dcRF[dc.Name]++ // some replica somewhere
			}
			ntsDCs[dc.Name] = nts.dcRF[dc.Name]
		}
		cases := []struct {
			repl replication
			rep  ring.Replication
		}{
			{simple, ring.Replication{Strategy: ring.SimpleStrategy, Factor: simple.rf}},
			{nts, ring.Replication{Strategy: ring.NetworkTopologyStrategy, DCs: ntsDCs}},
		}
		for _, tc := range cases {
			name := fmt.Sprintf("seed %d %+v %s rf %d %v", seed, dcs, tc.repl.class, tc.repl.rf, tc.repl.dcRF)
			for i, e := range c.ring {
				var want []string
				for _, n := range c.replicasFrom(i, tc.repl) {
					want = append(want, n.HostID())
				}
				tk, err := p.ParseToken(c.tokenString(e.tok))
				require.NoError(t, err)
				got, err := r.Replicas(tc.rep, tk)
				require.NoError(t, err)
				var gotIDs []string
				for _, h := range got {
					gotIDs = append(gotIDs, h.ID)
				}
				if !assert.Equal(t, want, gotIDs, "%s: range ending at %s", name, c.tokenString(e.tok)) {
					break
				}
			}
		}
	}
}
