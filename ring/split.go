package ring

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// ErrInvalidConfig is wrapped by the errors of SplitConfig.Validate and of
// Split for a configuration that does not fit the ring.
var ErrInvalidConfig = errors.New("invalid ring config")

// ErrNoReplica is wrapped by Split's error when a range has no replica to
// route to (a NetworkTopologyStrategy naming none of the ring's DCs, or
// LocalDCOnly with no replica in LocalDC).
var ErrNoReplica = errors.New("no replica")

const (
	// DefaultSplitsPerHost sets SplitConfig.Splits when it is zero: this
	// many subranges per host, and never fewer than the vnode ranges.
	DefaultSplitsPerHost = 64
	// MaxSplits bounds SplitConfig.Splits, so that a typo cannot allocate
	// gigabytes of subranges. A ring with more vnode ranges still gets one
	// subrange per vnode range.
	MaxSplits = 1 << 20
)

// SplitConfig configures Ring.Split. Only Replication is required.
type SplitConfig struct {
	// Replication of the scanned keyspace, to route each subrange to its
	// replicas. Required (see ParseReplication).
	Replication Replication
	// Splits is the number of subranges wanted, at most MaxSplits. The plan
	// never has fewer than the ring's vnode ranges, since a subrange never
	// crosses a vnode boundary: a smaller value is raised to that.
	// Default (0): DefaultSplitsPerHost × hosts.
	Splits int
	// LocalDC, when set, lists each subrange's replicas in this data center
	// first, each group keeping its primary-first order. It must be one of
	// the ring's DCs. Default: "" (replicas in placement order).
	LocalDC string
	// LocalDCOnly drops the replicas outside LocalDC; Split fails if a
	// range then has none. Requires LocalDC. Default: false.
	LocalDCOnly bool
	// PerVnode, when set, fixes the number of subranges of each vnode range
	// (in VnodeRanges order), as Plan.PerVnode returned it: Split then
	// rebuilds exactly that plan, whatever Splits and Estimates say. A
	// resumed scan uses it to read the plan its checkpoint recorded. Its
	// length must be the ring's vnode range count, every count at least 1
	// and at most the range's width.
	PerVnode []int
	// Estimates are the table's rows of system.size_estimates, gathered from
	// every node. When usable they weight the split: more subranges where
	// there is more data (see the package documentation for when they are
	// ignored). Default: none, split by ring share.
	Estimates []SizeEstimate
	// MaxBytes, when positive and the estimates are used, bounds the
	// estimated data of a subrange: a vnode range whose estimated bytes
	// exceed what its share of Splits gives MaxBytes a subrange gets more
	// subranges (at most its width), so that the plan may hold more than
	// Splits. A request that reads a subrange whole, as a count(*) on the
	// server does, then reads at most about MaxBytes (as much as the
	// estimates are right), unless the plan would exceed MaxSplits: the
	// bound is then loosened to the least that fits. PerVnode, when set,
	// wins. Default 0: no bound.
	MaxBytes int64
}

// Validate reports every invalid field at once; each error wraps
// ErrInvalidConfig.
func (c SplitConfig) Validate() error {
	var errs []error
	if err := c.Replication.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: Replication: %w", ErrInvalidConfig, err))
	}
	if c.Splits < 0 || c.Splits > MaxSplits {
		errs = append(errs, fmt.Errorf("%w: Splits is %d, want 0..%d (0: %d per host)", ErrInvalidConfig, c.Splits, MaxSplits, DefaultSplitsPerHost))
	}
	if c.LocalDCOnly && c.LocalDC == "" {
		errs = append(errs, fmt.Errorf("%w: LocalDCOnly is set without LocalDC, want a data center name", ErrInvalidConfig))
	}
	if c.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("%w: MaxBytes is %d, want a positive number of bytes (0: no bound)", ErrInvalidConfig, c.MaxBytes))
	}
	return errors.Join(errs...)
}

// Subrange is one unit of scan work: a range inside a single vnode range,
// so that one replica set holds all of it.
type Subrange struct {
	// ID is the subrange's index in the whole plan, in token order. It is
	// stable: the same ring and SplitConfig give the same IDs.
	ID int
	// Range is the subrange's (start, end].
	Range Range
	// Vnode indexes the enclosing range in Ring.VnodeRanges.
	Vnode int
	// Replicas are the hosts holding the range, primary first (LocalDC
	// first, or only, when configured). Subranges of one vnode range share
	// this slice: do not modify it.
	Replicas []Host
	// Share is the fraction of the ring the subrange covers.
	Share float64
	// Estimate is the estimated data in the subrange; nil unless size
	// estimates were used.
	Estimate *Estimate
}

// Estimate is an estimated amount of data, from system.size_estimates.
// Both values saturate at math.MaxInt64.
type Estimate struct {
	Partitions int64
	Bytes      int64 // partitions × mean partition size
}

// Split divides the ring into subranges to scan (see the package
// documentation for the rules). The subranges cover (Min, Max] exactly
// once, in token order, and none crosses a vnode range boundary.
func (r *Ring) Split(c SplitConfig) (*Plan, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.LocalDC != "" && !slices.Contains(r.dcs, c.LocalDC) {
		return nil, fmt.Errorf("%w: LocalDC is %q, want one of the ring's DCs %q", ErrInvalidConfig, c.LocalDC, r.dcs)
	}
	replicas, err := r.vnodeReplicas(c)
	if err != nil {
		return nil, err
	}

	n := c.Splits
	if n == 0 {
		n = DefaultSplitsPerHost * len(r.hosts)
	}
	n = max(n, len(r.vnodes))

	widths := make([]u128, len(r.vnodes))
	weights := make([]float64, len(r.vnodes))
	for i, v := range r.vnodes {
		widths[i] = v.r.width()
		weights[i] = v.r.Share()
	}
	plan := &Plan{Partitioner: r.p, vnodes: len(r.vnodes)}
	est, reason := weighByEstimates(r.p, r.vnodes, c.Estimates)
	if est != nil {
		weights = est.weights
		plan.EstimatesUsed = true
	}
	plan.EstimatesIgnored = reason

	counts := allocate(n, weights, widths)
	if est != nil && c.MaxBytes > 0 && c.PerVnode == nil {
		bound(counts, est.bytes, widths, c.MaxBytes, MaxSplits)
	}
	if c.PerVnode != nil {
		if len(c.PerVnode) != len(r.vnodes) {
			return nil, fmt.Errorf("%w: PerVnode has %d counts for a ring of %d vnode ranges", ErrInvalidConfig, len(c.PerVnode), len(r.vnodes))
		}
		for i, k := range c.PerVnode {
			if k < 1 || capCount(uint64(k), widths[i]) != uint64(k) {
				return nil, fmt.Errorf("%w: PerVnode[%d] is %d; it must be 1..the range's width", ErrInvalidConfig, i, k)
			}
			counts[i] = uint64(k)
		}
	}
	plan.Subranges = make([]Subrange, 0, n)
	for i, v := range r.vnodes {
		cnt := counts[i]
		q, rem := widths[i].divmod64(cnt)
		// The j-th boundary is start + floor(width×j/cnt), computed as
		// start + q×j + floor(rem×j/cnt) so that nothing overflows. Since
		// cnt <= width the boundaries strictly increase: no empty subrange.
		bound := func(j uint64) Token {
			if j == cnt {
				return v.r.End
			}
			hi, lo := bits.Mul64(rem, j)
			f, _ := u128{hi, lo}.divmod64(cnt)
			return Token{r.p, v.r.Start.pos.add(q.mul64(j)).add(f)}
		}
		start := v.r.Start
		for j := uint64(1); j <= cnt; j++ {
			end := bound(j)
			s := Subrange{
				ID:       len(plan.Subranges),
				Range:    Range{start, end},
				Vnode:    i,
				Replicas: replicas[i],
			}
			s.Share = s.Range.Share()
			if est != nil {
				w := s.Range.width().float64()
				s.Estimate = &Estimate{
					Partitions: saturate(est.parts[i] * w),
					Bytes:      saturate(est.bytes[i] * w),
				}
			}
			plan.Subranges = append(plan.Subranges, s)
			start = end
		}
	}
	return plan, nil
}

// bound raises counts so that no subrange of range i holds more than
// maxBytes of its estimated bytes (perToken[i] a token), each count at most
// its range's width, and the total at most limit (MaxSplits): past it, the
// bound is loosened to the least that keeps the total within limit (never
// below the counts already given).
func bound(counts []uint64, perToken []float64, widths []u128, maxBytes int64, limit uint64) {
	bytes := make([]float64, len(counts))
	for i := range counts {
		bytes[i] = perToken[i] * widths[i].float64()
	}
	need := func(i int, b float64) uint64 {
		k := math.Ceil(bytes[i] / b)
		if !(k < float64(limit)) { // NaN or too many: the limit, or the width
			k = float64(limit)
		}
		return max(counts[i], capCount(uint64(k), widths[i]))
	}
	total := func(b float64) uint64 {
		var n uint64
		for i := range counts {
			n += need(i, b)
		}
		return n
	}
	b := float64(maxBytes)
	if total(b) > limit {
		// The total falls as the bound grows; at the largest range's bytes
		// every need is 1, and the counts given add up to at most limit.
		lo, hi := b, max(b, slices.Max(bytes))
		for range 200 {
			mid := lo + (hi-lo)/2
			if mid <= lo || mid >= hi {
				break
			}
			if total(mid) > limit {
				lo = mid
			} else {
				hi = mid
			}
		}
		b = hi
	}
	for i := range counts {
		counts[i] = need(i, b)
	}
}

// saturate rounds f to an int64, saturating at math.MaxInt64 (estimates are
// never negative).
func saturate(f float64) int64 {
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(math.Round(f))
}

// vnodeReplicas returns the replicas of each vnode range, ordered for
// LocalDC.
func (r *Ring) vnodeReplicas(c SplitConfig) ([][]Host, error) {
	w := newWalker(r, c.Replication)
	out := make([][]Host, len(r.vnodes))
	byOwner := make(map[int][]Host, 1)
	for i, v := range r.vnodes {
		if hs, ok := byOwner[v.owner]; ok {
			out[i] = hs
			continue
		}
		idx := w.replicas(v.owner)
		hosts := make([]Host, 0, len(idx))
		if c.LocalDC != "" {
			for _, h := range idx {
				if r.hosts[h].DC == c.LocalDC {
					hosts = append(hosts, r.hosts[h])
				}
			}
		}
		if !c.LocalDCOnly {
			for _, h := range idx {
				if c.LocalDC == "" || r.hosts[h].DC != c.LocalDC {
					hosts = append(hosts, r.hosts[h])
				}
			}
		}
		if len(hosts) == 0 {
			if c.LocalDCOnly {
				return nil, fmt.Errorf("%w: range %v has no replica in local DC %q under %v", ErrNoReplica, v.r, c.LocalDC, c.Replication)
			}
			return nil, fmt.Errorf("%w: range %v has no replica under %v; the ring's DCs are %q", ErrNoReplica, v.r, c.Replication, r.dcs)
		}
		byOwner[v.owner] = hosts
		out[i] = hosts
	}
	return out, nil
}

// allocate gives each range a number of subranges: at least 1, at most its
// width (no empty subrange), n in all, in proportion to weights. Each range
// first gets 1 + floor((n-k)·weight/total); the remainder then goes one by
// one to the range whose subranges are currently the heaviest
// (weight/count), which minimizes the heaviest subrange. Ties go to the
// lower index, so the result is deterministic.
func allocate(n int, weights []float64, widths []u128) []uint64 {
	k := len(weights)
	counts := make([]uint64, k)
	var total float64
	for _, w := range weights {
		total += w
	}
	extra := n - k
	used := 0
	for i := range counts {
		counts[i] = 1
		if extra > 0 && total > 0 {
			e := math.Floor(float64(extra) * (weights[i] / total))
			counts[i] = capCount(1+uint64(e), widths[i])
		}
		used += int(counts[i])
	}
	// Floating-point rounding may overshoot by a few: take them back from
	// the largest counts.
	for used > n {
		j := 0
		for i := range counts {
			if counts[i] > counts[j] {
				j = i
			}
		}
		counts[j]--
		used--
	}
	if used == n {
		return counts
	}
	h := &allocHeap{weights: weights, counts: counts}
	for i := range counts {
		if capCount(counts[i]+1, widths[i]) > counts[i] {
			h.idx = append(h.idx, i)
		}
	}
	heap.Init(h)
	for used < n && h.Len() > 0 {
		i := h.idx[0]
		counts[i]++
		used++
		if capCount(counts[i]+1, widths[i]) > counts[i] {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return counts
}

func capCount(c uint64, width u128) uint64 {
	if width.hi == 0 && width.lo < c {
		return width.lo
	}
	return c
}

// allocHeap orders range indexes by weight per subrange, heaviest first.
type allocHeap struct {
	idx     []int
	weights []float64
	counts  []uint64
}

func (h *allocHeap) Len() int { return len(h.idx) }
func (h *allocHeap) Less(a, b int) bool {
	i, j := h.idx[a], h.idx[b]
	wi, wj := h.weights[i]/float64(h.counts[i]), h.weights[j]/float64(h.counts[j])
	if wi != wj {
		return wi > wj
	}
	return i < j
}
func (h *allocHeap) Swap(a, b int) { h.idx[a], h.idx[b] = h.idx[b], h.idx[a] }
func (h *allocHeap) Push(x any)    { h.idx = append(h.idx, x.(int)) }
func (h *allocHeap) Pop() any {
	x := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return x
}
