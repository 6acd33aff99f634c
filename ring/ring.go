package ring

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ErrInvalidRing is wrapped by the errors of New.
var ErrInvalidRing = errors.New("invalid ring")

// Host is a node that owns tokens, as an adapter builds it from the driver's
// view of the cluster.
type Host struct {
	ID      string // host ID (a UUID); identifies the host, so it must be unique (Address stands in when ID is empty)
	Address string // address to connect to, "ip:port"; informative here
	DC      string // data center, for NetworkTopologyStrategy and LocalDC
	Rack    string // rack within DC, for NetworkTopologyStrategy
	Tokens  []Token
}

func (h Host) key() string {
	if h.ID != "" {
		return h.ID
	}
	return h.Address
}

// Ring is the token ring of a cluster: the hosts and the tokens they own. It
// is immutable and safe for concurrent use.
type Ring struct {
	p      Partitioner
	hosts  []Host
	tokens []ringToken // sorted by position, distinct
	vnodes []vnode     // sorted, covering (Min, Max] exactly once

	// Host attributes by index, for the replica walks.
	dcOf   []int // index into dcs
	rackOf []int // index of the host's (DC, rack) pair
	dcs    []string
	nRacks int
}

type ringToken struct {
	pos  u128
	host int
}

// vnode is one range of VnodeRanges; owner indexes the ring token whose
// replicas hold it: the range's end, or the first token for the two halves
// of the range that wraps past Max.
type vnode struct {
	r     Range
	owner int
}

// New builds the ring of hosts for partitioner p. It fails when there are no
// hosts, a host has no tokens or tokens of another partitioner, two hosts
// share an ID, or a token appears twice. hosts is copied.
func New(p Partitioner, hosts []Host) (*Ring, error) {
	if !p.valid() {
		return nil, fmt.Errorf("%w: unknown %v", ErrInvalidRing, p)
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("%w: no hosts", ErrInvalidRing)
	}
	r := &Ring{p: p, hosts: make([]Host, len(hosts))}
	byKey := make(map[string]int, len(hosts))
	n := 0
	for i, h := range hosts {
		k := h.key()
		switch j, dup := byKey[k]; {
		case k == "":
			return nil, fmt.Errorf("%w: host %d has neither ID nor Address", ErrInvalidRing, i)
		case dup:
			return nil, fmt.Errorf("%w: hosts %d and %d are both %q", ErrInvalidRing, j, i, k)
		case len(h.Tokens) == 0:
			return nil, fmt.Errorf("%w: host %q has no tokens", ErrInvalidRing, k)
		}
		byKey[k] = i
		h.Tokens = slices.Clone(h.Tokens)
		r.hosts[i] = h
		n += len(h.Tokens)
	}

	r.tokens = make([]ringToken, 0, n)
	for i, h := range r.hosts {
		for _, t := range h.Tokens {
			if t.p != p {
				return nil, fmt.Errorf("%w: host %q has %v token %v, the ring is %v", ErrInvalidRing, h.key(), t.p, t, p)
			}
			r.tokens = append(r.tokens, ringToken{pos: t.pos, host: i})
		}
	}
	slices.SortFunc(r.tokens, func(a, b ringToken) int { return a.pos.cmp(b.pos) })
	for i := 1; i < len(r.tokens); i++ {
		if a, b := r.tokens[i-1], r.tokens[i]; a.pos == b.pos {
			return nil, fmt.Errorf("%w: token %v is owned by host %q and host %q", ErrInvalidRing,
				Token{p, a.pos}, r.hosts[a.host].key(), r.hosts[b.host].key())
		}
	}
	r.buildVnodes()
	r.indexTopology()
	return r, nil
}

func (r *Ring) buildVnodes() {
	p, k := r.p, len(r.tokens)
	tok := func(i int) Token { return Token{p, r.tokens[i].pos} }
	add := func(start, end Token, owner int) {
		if rg := (Range{start, end}); !rg.Empty() {
			r.vnodes = append(r.vnodes, vnode{rg, owner})
		}
	}
	r.vnodes = make([]vnode, 0, k+1)
	// The range that wraps past Max, (last, first], is split in two. Min is
	// never a row's token, so (last, Max] and (Min, first] lose nothing.
	add(p.Min(), tok(0), 0)
	for i := 1; i < k; i++ {
		add(tok(i-1), tok(i), i)
	}
	add(tok(k-1), p.Max(), 0)
}

func (r *Ring) indexTopology() {
	type dcRack struct{ dc, rack string }
	dcIdx := make(map[string]int)
	rackIdx := make(map[dcRack]int)
	for _, h := range r.hosts {
		dcIdx[h.DC] = 0
	}
	r.dcs = sortedKeys(dcIdx)
	for i, dc := range r.dcs {
		dcIdx[dc] = i
	}
	r.dcOf = make([]int, len(r.hosts))
	r.rackOf = make([]int, len(r.hosts))
	for i, h := range r.hosts {
		r.dcOf[i] = dcIdx[h.DC]
		k := dcRack{h.DC, h.Rack}
		j, ok := rackIdx[k]
		if !ok {
			j = len(rackIdx)
			rackIdx[k] = j
		}
		r.rackOf[i] = j
	}
	r.nRacks = len(rackIdx)
}

// Partitioner returns the ring's partitioner.
func (r *Ring) Partitioner() Partitioner { return r.p }

// Hosts returns the ring's hosts, in the order New got them.
func (r *Ring) Hosts() []Host { return slices.Clone(r.hosts) }

// DCs returns the data centers of the hosts, sorted.
func (r *Ring) DCs() []string { return slices.Clone(r.dcs) }

// VnodeRanges returns the ring's ranges in token order. They cover
// (Min, Max] exactly once: the range from the last token to the first, which
// wraps past Max, comes as two ranges, (Min, first] first and (last, Max]
// last (either is left out when empty: a token at Min or at Max).
func (r *Ring) VnodeRanges() []Range {
	out := make([]Range, len(r.vnodes))
	for i, v := range r.vnodes {
		out[i] = v.r
	}
	return out
}

// Replicas returns the replicas of token t, primary first, under rep: the
// replicas of the vnode range containing t. t = Min, which is no row's
// token, gets the replicas of the first range.
//
// The order follows Cassandra's and ScyllaDB's placement walk, which starts
// at the owner of the range's end token and goes clockwise over the ring's
// tokens:
//
//   - SimpleStrategy takes the first Factor distinct hosts met.
//   - NetworkTopologyStrategy fills each data center, in one walk, up to
//     min(factor, hosts in the DC) replicas. A host on a rack of its DC not
//     seen yet in the walk is taken. A host on a rack already seen is taken
//     only while the DC's allowance of rack repeats, factor - racks in the
//     DC, is positive. With at least as many racks as the factor the
//     replicas are therefore on distinct racks. Replicas of all DCs are
//     listed in the order the walk met them (Cassandra 4+ and ScyllaDB
//     behavior; Cassandra 2.x took the distinct racks first, then the
//     repeats, which yields the same set in another order).
//   - LocalStrategy and EverywhereStrategy list every host.
func (r *Ring) Replicas(rep Replication, t Token) ([]Host, error) {
	if err := rep.Validate(); err != nil {
		return nil, err
	}
	if t.p != r.p {
		return nil, fmt.Errorf("%w: %v token %v on a %v ring", ErrInvalidToken, t.p, t, r.p)
	}
	owner, _ := slices.BinarySearchFunc(r.tokens, t.pos, func(a ringToken, pos u128) int { return a.pos.cmp(pos) })
	if owner == len(r.tokens) {
		owner = 0
	}
	w := newWalker(r, rep)
	return r.hostsOf(w.replicas(owner)), nil
}

func (r *Ring) hostsOf(idx []int) []Host {
	out := make([]Host, len(idx))
	for i, h := range idx {
		out[i] = r.hosts[h]
	}
	return out
}

// walker computes replica sets; it holds scratch space reused across walks.
type walker struct {
	r      *Ring
	rep    Replication
	rf     int   // SimpleStrategy, LocalStrategy, EverywhereStrategy
	dcRF   []int // NetworkTopologyStrategy: factor per DC index
	dcN    []int // hosts per DC index
	dcRack []int // racks per DC index
	taken  []bool
	seen   []bool // per (DC, rack)
	left   []int
	repeat []int
}

func newWalker(r *Ring, rep Replication) *walker {
	w := &walker{r: r, rep: rep, taken: make([]bool, len(r.hosts))}
	switch rep.Strategy {
	case SimpleStrategy:
		w.rf = min(rep.Factor, len(r.hosts))
	case NetworkTopologyStrategy:
		n := len(r.dcs)
		w.dcRF, w.dcN, w.dcRack = make([]int, n), make([]int, n), make([]int, n)
		w.left, w.repeat = make([]int, n), make([]int, n)
		w.seen = make([]bool, r.nRacks)
		racks := make(map[int]bool)
		for i := range r.hosts {
			w.dcN[r.dcOf[i]]++
			if !racks[r.rackOf[i]] {
				racks[r.rackOf[i]] = true
				w.dcRack[r.dcOf[i]]++
			}
		}
		for i, dc := range r.dcs {
			w.dcRF[i] = rep.factorOf(dc)
		}
	default:
		w.rf = len(r.hosts)
	}
	return w
}

// replicas returns the host indexes replicating the range owned by the ring
// token at index owner, primary first.
func (w *walker) replicas(owner int) []int {
	clear(w.taken)
	if w.rep.Strategy == NetworkTopologyStrategy {
		return w.nts(owner)
	}
	out := make([]int, 0, w.rf)
	k := len(w.r.tokens)
	for i := 0; i < k && len(out) < w.rf; i++ {
		h := w.r.tokens[(owner+i)%k].host
		if !w.taken[h] {
			w.taken[h] = true
			out = append(out, h)
		}
	}
	return out
}

func (w *walker) nts(owner int) []int {
	clear(w.seen)
	toFill, total := 0, 0
	for dc := range w.dcRF {
		rf := w.dcRF[dc]
		w.left[dc] = 0
		if rf <= 0 || w.dcN[dc] == 0 {
			continue
		}
		w.left[dc] = min(rf, w.dcN[dc])
		w.repeat[dc] = rf - w.dcRack[dc]
		toFill++
		total += w.left[dc]
	}
	out := make([]int, 0, total)
	k := len(w.r.tokens)
	for i := 0; i < k && toFill > 0; i++ {
		h := w.r.tokens[(owner+i)%k].host
		dc := w.r.dcOf[h]
		if w.left[dc] == 0 || w.taken[h] {
			continue
		}
		if rack := w.r.rackOf[h]; !w.seen[rack] {
			w.seen[rack] = true
		} else if w.repeat[dc] > 0 {
			w.repeat[dc]--
		} else {
			continue
		}
		w.taken[h] = true
		out = append(out, h)
		if w.left[dc]--; w.left[dc] == 0 {
			toFill--
		}
	}
	return out
}

// sortedKeys is slices.Sorted(maps.Keys(m)), named for readability.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K { return slices.Sorted(maps.Keys(m)) }
