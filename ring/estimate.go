package ring

import (
	"fmt"
	"math"
	"sort"
)

// SizeEstimate is one row of system.size_estimates for the scanned table.
// Each node writes rows for its own (primary) ranges, so gather them from
// every node. Start and End come from range_start and range_end (parse them
// with Partitioner.ParseToken). Unlike Range, a SizeEstimate may wrap: when
// End <= Start it covers (Start, Max] and (Min, End], as Cassandra means it.
type SizeEstimate struct {
	Start, End        Token
	Partitions        int64 // partitions_count
	MeanPartitionSize int64 // mean_partition_size, in bytes
}

// The rules for using size estimates; see the package documentation.
const (
	// minEstimateCoverage is the fraction of the ring the estimates must
	// cover.
	minEstimateCoverage = 0.9
	// maxEstimateDensity is how many times the ring's average data density
	// a single vnode range may claim before the estimates are deemed absurd.
	maxEstimateDensity = 100
	// ringShareBlend is the part of each range's weight that stays its ring
	// share, so that no range is starved of subranges by an estimate that
	// says it is empty.
	ringShareBlend = 0.25
)

// estimateWeights are the per vnode range results of weighByEstimates.
type estimateWeights struct {
	weights []float64 // split weight: blend of data share and ring share
	parts   []float64 // estimated partitions per token
	bytes   []float64 // estimated bytes per token
}

// weighByEstimates turns size estimates into split weights. It returns nil
// and why when the estimates cannot be trusted ("" when there are none).
func weighByEstimates(p Partitioner, vn []vnode, ests []SizeEstimate) (*estimateWeights, string) {
	if len(ests) == 0 {
		return nil, ""
	}
	k := len(vn)
	cov := make([]float64, k)   // tokens of the range covered by estimates (overlaps count again)
	parts := make([]float64, k) // partitions over the covered tokens
	bytes := make([]float64, k) // bytes over the covered tokens
	for _, e := range ests {
		rg := Range{e.Start, e.End}
		if e.Start.p != p || e.End.p != p {
			return nil, fmt.Sprintf("estimate %v is not a %v range", rg, p)
		}
		if e.Partitions < 0 || e.MeanPartitionSize < 0 {
			return nil, fmt.Sprintf("estimate %v has partitions_count %d, mean_partition_size %d: negative",
				rg, e.Partitions, e.MeanPartitionSize)
		}
		pieces := []Range{rg}
		if rg.Empty() {
			pieces = []Range{{e.Start, p.Max()}, {p.Min(), e.End}}
		}
		var width float64
		for _, pc := range pieces {
			width += pc.width().float64()
		}
		if width == 0 { // (Max, Min]: no token
			continue
		}
		dp := float64(e.Partitions) / width
		db := float64(e.Partitions) * float64(e.MeanPartitionSize) / width
		for _, pc := range pieces {
			if pc.Empty() {
				continue
			}
			// First vnode range ending after the piece's start.
			i := sort.Search(k, func(i int) bool { return vn[i].r.End.pos.cmp(pc.Start.pos) > 0 })
			for ; i < k && vn[i].r.Start.pos.cmp(pc.End.pos) < 0; i++ {
				ov := minU128(pc.End.pos, vn[i].r.End.pos).sub(maxU128(pc.Start.pos, vn[i].r.Start.pos)).float64()
				cov[i] += ov
				parts[i] += dp * ov
				bytes[i] += db * ov
			}
		}
	}

	ring := p.maxPos().float64()
	var covered, covSum, partSum, byteSum float64
	for i, v := range vn {
		covered += min(cov[i], v.r.width().float64())
		covSum += cov[i]
		partSum += parts[i]
		byteSum += bytes[i]
	}
	if covered < minEstimateCoverage*ring {
		return nil, fmt.Sprintf("estimates cover %.1f%% of the ring, want >= %.0f%%", 100*covered/ring, 100*minEstimateCoverage)
	}

	// Densities per token: the covered ranges' own, the average elsewhere.
	ew := &estimateWeights{weights: make([]float64, k), parts: make([]float64, k), bytes: make([]float64, k)}
	var totalParts, totalBytes float64
	for i, v := range vn {
		if cov[i] > 0 {
			ew.parts[i], ew.bytes[i] = parts[i]/cov[i], bytes[i]/cov[i]
		} else {
			ew.parts[i], ew.bytes[i] = partSum/covSum, byteSum/covSum
		}
		w := v.r.width().float64()
		totalParts += ew.parts[i] * w
		totalBytes += ew.bytes[i] * w
	}
	density, total := ew.bytes, totalBytes
	if !(totalBytes > 0) {
		density, total = ew.parts, totalParts
	}
	switch {
	case math.IsNaN(total) || math.IsInf(total, 0):
		return nil, "estimates do not add up to a finite amount"
	case !(total > 0):
		return nil, "estimates are zero everywhere"
	}
	avg := total / ring
	for i, v := range vn {
		if ratio := density[i] / avg; ratio > maxEstimateDensity {
			return nil, fmt.Sprintf("estimates give range %v %.0f times the average data density, want <= %d",
				v.r, ratio, maxEstimateDensity)
		}
		w := v.r.width().float64()
		ew.weights[i] = (1-ringShareBlend)*density[i]*w/total + ringShareBlend*w/ring
	}
	return ew, ""
}
