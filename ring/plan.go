package ring

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
)

// Plan is the result of Ring.Split: the subranges to scan.
type Plan struct {
	Partitioner Partitioner
	// Subranges in token order, IDs ascending (consecutive in a whole plan,
	// strided in a shard).
	Subranges []Subrange
	// EstimatesUsed says whether size estimates weighted the split.
	EstimatesUsed bool
	// EstimatesIgnored says why size estimates were given but not used, for
	// a log line; "" otherwise.
	EstimatesIgnored string
	vnodes           int // the ring's vnode ranges
}

// Fingerprint identifies the plan's work: a hash of the partitioner and of
// every subrange's ID and bounds (not of replicas, estimates or order). A
// checkpoint stores it to detect that a resumed scan would split the ring
// differently. A shard has its own fingerprint.
func (p *Plan) Fingerprint() string {
	h := sha256.New()
	var b [8 + 4*8]byte
	fmt.Fprintf(h, "ringscan plan v1\n%s\n%d\n", p.Partitioner.ClassName(), len(p.Subranges))
	for _, s := range p.Subranges {
		binary.BigEndian.PutUint64(b[0:], uint64(s.ID))
		binary.BigEndian.PutUint64(b[8:], s.Range.Start.pos.hi)
		binary.BigEndian.PutUint64(b[16:], s.Range.Start.pos.lo)
		binary.BigEndian.PutUint64(b[24:], s.Range.End.pos.hi)
		binary.BigEndian.PutUint64(b[32:], s.Range.End.pos.lo)
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// PerVnode returns the number of subranges of each vnode range, in
// VnodeRanges order: given as SplitConfig.PerVnode, it rebuilds this plan
// from the same ring. It is meant for a whole plan; a shard's counts are
// those of its own subranges.
func (p *Plan) PerVnode() []int {
	out := make([]int, p.vnodes)
	for _, s := range p.Subranges {
		if s.Vnode >= 0 && s.Vnode < p.vnodes {
			out[s.Vnode]++
		}
	}
	return out
}

// Shard returns part i of n of the plan: the subranges at positions i,
// i+n, i+2n, ... of Subranges. Shards 0..n-1 of one plan together hold every
// subrange exactly once, so n processes given the same ring and SplitConfig
// read the table once between them; striding spreads each shard over the
// whole ring and so over all hosts. A shard may be empty when n exceeds the
// plan's length. It fails unless 0 <= i < n.
func (p *Plan) Shard(i, n int) (*Plan, error) {
	if n < 1 || i < 0 || i >= n {
		return nil, fmt.Errorf("%w: shard %d of %d, want 0 <= shard < shards", ErrInvalidConfig, i, n)
	}
	out := &Plan{
		Partitioner:      p.Partitioner,
		EstimatesUsed:    p.EstimatesUsed,
		EstimatesIgnored: p.EstimatesIgnored,
		vnodes:           p.vnodes,
		Subranges:        make([]Subrange, 0, (len(p.Subranges)+n-1-i)/n),
	}
	for j := i; j < len(p.Subranges); j += n {
		out.Subranges = append(out.Subranges, p.Subranges[j])
	}
	return out, nil
}

// Shuffle returns the subranges in a scan order that spreads concurrent
// work over the cluster; the plan is not modified. Subranges are grouped by
// primary replica (Replicas[0]); each group is shuffled and then ordered
// largest first (longest-processing-time scheduling shortens the scan's
// tail), and the groups are interleaved evenly, so that consecutive
// subranges go to different primaries whenever the groups' sizes allow it. The order depends only on
// the plan and seed, not on the Go version.
func (p *Plan) Shuffle(seed uint64) []Subrange {
	rng := splitmix64{seed}
	groups := make(map[string][]int)
	for i, s := range p.Subranges {
		k := ""
		if len(s.Replicas) > 0 {
			k = s.Replicas[0].key()
		}
		groups[k] = append(groups[k], i)
	}
	keys := sortedKeys(groups)
	rng.shuffle(len(keys), func(a, b int) { keys[a], keys[b] = keys[b], keys[a] })

	type item struct {
		at    float64 // evenly spaced within the group, from a random offset
		group int
		sub   int
	}
	items := make([]item, 0, len(p.Subranges))
	for g, k := range keys {
		members := groups[k]
		rng.shuffle(len(members), func(a, b int) { members[a], members[b] = members[b], members[a] })
		// Largest first (by estimated bytes, else ring share): long
		// subranges start early and short ones fill the last wave, which
		// shortens the scan's tail (longest-processing-time scheduling).
		slices.SortStableFunc(members, func(a, b int) int {
			return cmp.Compare(p.Subranges[b].weight(), p.Subranges[a].weight())
		})
		off := rng.float64()
		for j, sub := range members {
			items = append(items, item{(float64(j) + off) / float64(len(members)), g, sub})
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.group, b.group))
	})
	out := make([]Subrange, len(items))
	for i, it := range items {
		out[i] = p.Subranges[it.sub]
	}
	return out
}

// weight is what the scan order sorts by: the estimated bytes when the plan
// has estimates, else the ring share.
func (s Subrange) weight() float64 {
	if s.Estimate != nil && s.Estimate.Bytes > 0 {
		return float64(s.Estimate.Bytes)
	}
	return s.Share
}

// splitmix64 is a small seeded generator, defined here so that shuffles stay
// the same across Go versions.
type splitmix64 struct{ s uint64 }

func (r *splitmix64) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *splitmix64) float64() float64 { return float64(r.next()>>11) * 0x1p-53 }

// shuffle is Fisher-Yates; the modulo bias is irrelevant for scan order.
func (r *splitmix64) shuffle(n int, swap func(a, b int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, int(r.next()%uint64(i+1)))
	}
}

// Restrict returns the plan cut to the token ranges within (each (start,
// end], not wrapping; together they should not overlap): the parts of its
// subranges inside them, in token order, each keeping its subrange's ID,
// vnode and replicas. A subrange cut in two by a gap between the ranges
// keeps its ID for the first part; the others get IDs above every ID of
// the plan, in token order, so that the result is deterministic.
func (p *Plan) Restrict(within ...Range) *Plan {
	out := &Plan{Partitioner: p.Partitioner, EstimatesUsed: p.EstimatesUsed, EstimatesIgnored: p.EstimatesIgnored, vnodes: p.vnodes}
	next := 0
	for _, s := range p.Subranges {
		next = max(next, s.ID+1)
	}
	for _, s := range p.Subranges {
		first := true
		for _, w := range within {
			r := Range{Start: maxToken(s.Range.Start, w.Start), End: minToken(s.Range.End, w.End)}
			if r.Empty() {
				continue
			}
			part := s
			part.Range, part.Share = r, r.Share()
			if s.Estimate != nil && s.Range.Share() > 0 {
				f := r.Share() / s.Range.Share()
				part.Estimate = &Estimate{Partitions: saturate(float64(s.Estimate.Partitions) * f), Bytes: saturate(float64(s.Estimate.Bytes) * f)}
			}
			if !first {
				part.ID = next
				next++
			}
			first = false
			out.Subranges = append(out.Subranges, part)
		}
	}
	slices.SortFunc(out.Subranges, func(a, b Subrange) int { return a.Range.Start.Compare(b.Range.Start) })
	return out
}

func maxToken(a, b Token) Token {
	if a.Compare(b) >= 0 {
		return a
	}
	return b
}

func minToken(a, b Token) Token {
	if a.Compare(b) <= 0 {
		return a
	}
	return b
}
