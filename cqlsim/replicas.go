package cqlsim

import (
	"slices"
	"sort"
	"sync"
)

// replicaCache holds, per keyspace, the replica nodes of every ring range
// (indexed like Cluster.ring: entry i owns (ring[i-1], ring[i]]).
type replicaCache struct {
	mu sync.Mutex
	m  map[string][][]*Node
}

func (c *Cluster) invalidateReplicas() {
	c.replicas.mu.Lock()
	c.replicas.m = nil
	c.replicas.mu.Unlock()
}

// replicatesSpan reports whether n holds a replica of all the data a read
// covered: every ring range that the span's token range overlaps, or the
// range of every partition it looked up.
func (c *Cluster) replicatesSpan(n *Node, ks string, sp readSpan) bool {
	sets := c.replicaSets(ks)
	if sets == nil {
		return true
	}
	// rangeOf is the index of the ring range holding token t: the first
	// entry whose token is at or after t, wrapping around.
	rangeOf := func(t tok) int {
		i := sort.Search(len(c.ring), func(i int) bool { return c.ring[i].tok.cmp(t) >= 0 })
		return i % len(c.ring)
	}
	for _, t := range sp.points {
		if !slices.Contains(sets[rangeOf(t)], n) {
			return false
		}
	}
	for _, span := range sp.spans {
		if !c.replicatesTokens(n, sets, span) {
			return false
		}
	}
	return true
}

// replicatesTokens reports whether n replicates every ring range that span
// overlaps.
func (c *Cluster) replicatesTokens(n *Node, sets [][]*Node, span tokSpan) bool {
	rangeOf := func(t tok) int {
		i := sort.Search(len(c.ring), func(i int) bool { return c.ring[i].tok.cmp(t) >= 0 })
		return i % len(c.ring)
	}
	// The first token read: from, or the one after it.
	first := span.from
	if !span.fromIncl {
		if first == maxTok {
			return true // nothing after the top of the ring
		}
		first = first.next()
	}
	if first.cmp(span.to) > 0 {
		return true // an empty range reads nothing
	}
	last := rangeOf(span.to)
	for i := rangeOf(first); ; i = (i + 1) % len(c.ring) {
		if !slices.Contains(sets[i], n) {
			return false
		}
		if i == last {
			return true
		}
	}
}

// replicaSets computes (and caches) the replicas of every ring range.
func (c *Cluster) replicaSets(ksName string) [][]*Node {
	c.replicas.mu.Lock()
	defer c.replicas.mu.Unlock()
	if sets, ok := c.replicas.m[ksName]; ok {
		return sets
	}
	ks := c.schema.keyspace(ksName)
	if ks == nil || ks.system {
		return nil
	}
	sets := make([][]*Node, len(c.ring))
	for i := range c.ring {
		sets[i] = c.replicasFrom(i, ks.repl)
	}
	if c.replicas.m == nil {
		c.replicas.m = map[string][][]*Node{}
	}
	c.replicas.m[ksName] = sets
	return sets
}

// replicasFrom walks the ring clockwise from entry i, as Cassandra's
// SimpleStrategy and NetworkTopologyStrategy do.
func (c *Cluster) replicasFrom(start int, r replication) []*Node {
	var out []*Node
	has := func(n *Node) bool { return slices.Contains(out, n) }
	switch r.class {
	case "SimpleStrategy":
		for k := 0; k < len(c.ring) && len(out) < min(r.rf, len(c.nodes)); k++ {
			if n := c.ring[(start+k)%len(c.ring)].node; !has(n) {
				out = append(out, n)
			}
		}
		return out
	case "NetworkTopologyStrategy":
		// Cassandra 4's walk (NetworkTopologyStrategy.DatacenterEndpoints):
		// per DC, a node on a rack not seen yet is taken; a node on a seen
		// rack is taken while the rack repeats the DC can afford last
		// (replication factor minus racks: the first nodes met fill the
		// difference), so that every rack gets a replica when it can.
		type dcState struct {
			left    int // replicas still wanted
			repeats int // rack repeats still acceptable
			racks   map[string]bool
		}
		dcs := map[string]*dcState{}
		for _, dc := range c.cfg.DCs {
			rf := r.dcRF[dc.Name]
			racks := map[string]bool{}
			for _, n := range c.nodes {
				if n.dc == dc.Name {
					racks[n.rack] = true
				}
			}
			dcs[dc.Name] = &dcState{left: min(rf, dc.Nodes), repeats: rf - len(racks), racks: map[string]bool{}}
		}
		for k := 0; k < len(c.ring); k++ {
			n := c.ring[(start+k)%len(c.ring)].node
			st := dcs[n.dc]
			if st == nil || st.left <= 0 || has(n) {
				continue
			}
			switch {
			case !st.racks[n.rack]:
				st.racks[n.rack] = true
			case st.repeats > 0:
				st.repeats--
			default:
				continue
			}
			out = append(out, n)
			st.left--
		}
		return out
	}
	return slices.Clone(c.nodes) // LocalStrategy, EverywhereStrategy
}
