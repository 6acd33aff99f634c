package cqlsim

import (
	"slices"
	"sort"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// A read of a partition visits the runs of rows its clustering
// restrictions select, as Cassandra's ClusteringIndexSliceFilter does: the
// restrictions on a clustering prefix (equalities and IN, then at most one
// slice) become slices of the clustering order, each found by binary search
// and left at its end. Restrictions past that prefix (allowed with ALLOW
// FILTERING) stay row filters. As in Cassandra, the rows of the slices are
// not checked again against the restrictions the slices stand for: a read
// of a clustering range costs a row what a read of a token range does.

// ckPoint is a position between rows in clustering order: just before
// (after false) or just after (after true) every row whose clustering
// starts with prefix. The empty prefix before everything is the start of
// the partition, after everything its end.
type ckPoint struct {
	prefix [][]byte
	after  bool
}

// ckSlice is the rows after point from and not after point to.
type ckSlice struct{ from, to ckPoint }

// compareCell compares clustering values of column col in clustering order.
func compareCell(col *column, a, b []byte) int {
	r := cqltype.Compare(col.typ, a, b)
	if col.desc {
		return -r
	}
	return r
}

// comparePoints orders two points in clustering order.
func (t *table) comparePoints(a, b ckPoint) int {
	n := min(len(a.prefix), len(b.prefix))
	for i := range n {
		if r := compareCell(t.ck[i], a.prefix[i], b.prefix[i]); r != 0 {
			return r
		}
	}
	side := func(p ckPoint) int {
		if p.after {
			return 1
		}
		return -1
	}
	switch {
	case len(a.prefix) == len(b.prefix):
		return side(a) - side(b)
	case len(a.prefix) < len(b.prefix):
		// a's prefix is a prefix of b's: b lies within a's run.
		return side(a)
	default:
		return -side(b)
	}
}

// rowAfter reports whether a row with packed cells lies after point p.
func (t *table) rowAfter(cells []byte, p ckPoint) bool {
	for i, v := range p.prefix {
		var cell []byte
		cell, cells = nextCell(cells)
		if r := compareCell(t.ck[i], cell, v); r != 0 {
			return r > 0
		}
	}
	return !p.after
}

// searchPoint is the index of the first row of part after p.
func (t *table) searchPoint(part *partition, p ckPoint) int {
	if len(p.prefix) == 0 {
		if p.after {
			return len(part.rows)
		}
		return 0
	}
	return sort.Search(len(part.rows), func(i int) bool { return t.rowAfter(part.rows[i].cells, p) })
}

// rowRange is the rows lo..hi-1 of a partition.
type rowRange struct{ lo, hi int }

// rowRanges maps slices (sorted and disjoint) to the row ranges of part
// they hold, in clustering order; nil slices are the whole partition.
func (t *table) rowRanges(part *partition, ckSlices []ckSlice, dst []rowRange) []rowRange {
	dst = dst[:0]
	if ckSlices == nil {
		return append(dst, rowRange{0, len(part.rows)})
	}
	for _, sl := range ckSlices {
		lo := t.searchPoint(part, sl.from)
		hi := t.searchPoint(part, sl.to)
		if lo < hi {
			dst = append(dst, rowRange{lo, hi})
		}
	}
	return dst
}

// onePrefix is a prefix extended by one value.
func onePrefix(prefix [][]byte, v []byte) [][]byte {
	return append(slices.Clip(prefix), v)
}

// sliceOf is the run of rows within prefix (the values of the clustering
// columns before col) whose value of col holds op against v, in
// clustering order. op is a slice operator.
func sliceOf(prefix [][]byte, col *column, op cqlparse.Op, v []byte) ckSlice {
	start, end := ckPoint{prefix: prefix}, ckPoint{prefix: prefix, after: true}
	at := onePrefix(prefix, v)
	// In clustering order, "after v" is "greater" for ASC and "less"
	// for DESC.
	upward := op == cqlparse.OpGt || op == cqlparse.OpGe
	if col.desc {
		upward = !upward
	}
	inclusive := op == cqlparse.OpGe || op == cqlparse.OpLe
	if upward {
		return ckSlice{from: ckPoint{prefix: at, after: !inclusive}, to: end}
	}
	return ckSlice{from: start, to: ckPoint{prefix: at, after: inclusive}}
}

// boundSlices decomposes a (multi-column) bound within prefix into
// disjoint slices: (c1, ..., cn) > (v1, ..., vn) is c1 > v1, or c1 = v1
// and c2 > v2, ..., or c1..cn-1 = v1..vn-1 and cn > vn (>= for the last
// when the bound is inclusive), each a run of rows whatever the columns'
// clustering orders. A single column is the case n = 1.
func boundSlices(prefix [][]byte, cols []*column, op cqlparse.Op, vals [][]byte) []ckSlice {
	strict := op
	switch op {
	case cqlparse.OpGe:
		strict = cqlparse.OpGt
	case cqlparse.OpLe:
		strict = cqlparse.OpLt
	}
	out := make([]ckSlice, 0, len(cols))
	fixed := slices.Clip(prefix)
	for i, col := range cols {
		o := strict
		if i == len(cols)-1 {
			o = op
		}
		out = append(out, sliceOf(fixed, col, o, vals[i]))
		fixed = onePrefix(fixed, vals[i])
	}
	return out
}

// sortSlices sorts disjoint slices in clustering order.
func (t *table) sortSlices(s []ckSlice) {
	slices.SortFunc(s, func(a, b ckSlice) int { return t.comparePoints(a.from, b.from) })
}

// intersectSlices intersects two sorted lists of disjoint slices.
func (t *table) intersectSlices(a, b []ckSlice) []ckSlice {
	var out []ckSlice
	for i, j := 0, 0; i < len(a) && j < len(b); {
		from, to := a[i].from, a[i].to
		if t.comparePoints(b[j].from, from) > 0 {
			from = b[j].from
		}
		if t.comparePoints(b[j].to, to) < 0 {
			to = b[j].to
		}
		if t.comparePoints(from, to) < 0 {
			out = append(out, ckSlice{from: from, to: to})
		}
		if t.comparePoints(a[i].to, b[j].to) < 0 {
			i++
		} else {
			j++
		}
	}
	return out
}

// clusteringSlices computes the slices of the clustering order a read of
// each partition visits from the bound clustering filters, as Cassandra's
// ClusteringColumnRestrictions builds them: in column order, equalities
// and IN extend the prefixes (a cartesian product for several IN), and a
// slice, possibly bounded on both sides, ends the walk; a column that is
// not restricted ends it too. It returns nil, the whole partition, when no
// clustering restriction starts at the first clustering column, and an
// empty list when the restrictions select nothing (an empty IN, a null
// bound, bounds that cross). rest are the filters the slices do not stand
// for, which rows must still pass: those past the prefix, and those on
// other columns.
func (t *table) clusteringSlices(filters []boundFilter) (out []ckSlice, rest []boundFilter, err error) {
	if !slices.ContainsFunc(filters, func(f boundFilter) bool { return f.cols[0].kind == kindClustering }) {
		return nil, filters, nil
	}
	byPos := map[int][]int{} // indexes in filters
	for i, f := range filters {
		if f.cols[0].kind == kindClustering {
			byPos[f.cols[0].pos] = append(byPos[f.cols[0].pos], i)
		}
	}
	used := make([]bool, len(filters)) // the filters the slices stand for
	prefixes := [][][]byte{nil}
	pos := 0
	var slice []*boundFilter
	for pos < len(t.ck) {
		at := byPos[pos]
		if len(at) == 0 {
			break
		}
		f := &filters[at[0]]
		if f.op != cqlparse.OpEq && f.op != cqlparse.OpIn {
			for _, i := range at {
				slice, used[i] = append(slice, &filters[i]), true
			}
			break
		}
		values, err := f.prefixValues()
		if err != nil {
			return nil, nil, err
		}
		used[at[0]] = true
		next := make([][][]byte, 0, len(prefixes)*len(values))
		for _, p := range prefixes {
			for _, v := range values {
				next = append(next, append(slices.Clip(p), v...))
			}
		}
		prefixes = next
		pos += len(f.cols)
	}
	for i, f := range filters {
		if !used[i] {
			rest = append(rest, f)
		}
	}
	if pos == 0 && slice == nil {
		return nil, rest, nil
	}
	// The prefixes in clustering order, once each, as Cassandra's
	// MultiCBuilder builds a sorted set of them.
	cmpPrefix := func(a, b [][]byte) int {
		return t.comparePoints(ckPoint{prefix: a}, ckPoint{prefix: b})
	}
	slices.SortFunc(prefixes, cmpPrefix)
	prefixes = slices.CompactFunc(prefixes, func(a, b [][]byte) bool { return cmpPrefix(a, b) == 0 })
	// Non-nil even when empty: no slice selects no row (nil would be the
	// whole partition).
	out = make([]ckSlice, 0, len(prefixes))
	for _, p := range prefixes {
		whole := []ckSlice{{from: ckPoint{prefix: p}, to: ckPoint{prefix: p, after: true}}}
		if slice == nil {
			out = append(out, whole...)
			continue
		}
		got := whole
		for _, f := range slice {
			if i := slices.IndexFunc(f.vals, func(v []byte) bool { return v == nil }); i >= 0 {
				if f.multi {
					return nil, nil, invalidf("Invalid null value in condition for column %s", f.cols[i].name)
				}
				// A null bound selects nothing: no value compares
				// with null.
				got = nil
				break
			}
			b := boundSlices(p, f.cols, f.op, f.vals)
			t.sortSlices(b)
			got = t.intersectSlices(got, b)
		}
		out = append(out, got...)
	}
	return out, rest, nil
}

// prefixValues are the clustering values an equality or IN filter fixes:
// one list of values (one per column) for each candidate.
func (f *boundFilter) prefixValues() ([][][]byte, error) {
	var cands [][][]byte
	switch {
	case !f.in:
		cands = [][][]byte{f.vals}
	case !f.multi:
		for _, v := range f.vals {
			cands = append(cands, [][]byte{v})
		}
	default:
		for _, v := range f.vals {
			parts := splitTuple(f.tuple, v)
			if parts == nil {
				return nil, invalidf("Invalid tuple value for %s", f.cols[0].name)
			}
			cands = append(cands, parts)
		}
	}
	for _, c := range cands {
		for i, v := range c {
			if v == nil {
				return nil, invalidf("Invalid null value in condition for column %s", f.cols[i].name)
			}
		}
	}
	return cands, nil
}
