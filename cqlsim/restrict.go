package cqlsim

import (
	"slices"
	"strings"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
)

// restriction is what the WHERE clause says of some columns once its
// relations on them are merged, as in Cassandra's RestrictionSet: an
// equality, an IN, or a slice with a start bound, an end bound or both.
type restriction struct {
	cols []*column // one, or the columns of a multi-column relation
	// multi is set for the tuple form (c1, ...) op (...), also of one
	// column.
	multi      bool
	eq, in     bool
	start, end bool // slice bounds
}

func (r *restriction) slice() bool { return !r.eq && !r.in }

// restrictions merges the relations of a WHERE clause per column and
// refuses what Cassandra 4.1 refuses while it adds them one by one
// (RestrictionSet.addRestriction, ClusteringColumnRestrictions.mergeWith).
type restrictions struct {
	t              *table
	allowFiltering bool
	byCol          map[*column]*restriction
	// ck holds the clustering restrictions in the order of their first
	// column.
	ck []*restriction
}

// add merges the relation op on cols (token relations excluded); multi is
// set for the tuple form.
func (rs *restrictions) add(cols []*column, multi bool, op cqlparse.Op) error {
	if rs.byCol == nil {
		rs.byCol = map[*column]*restriction{}
	}
	nr := &restriction{cols: cols, multi: multi, eq: op == cqlparse.OpEq, in: op == cqlparse.OpIn}
	switch op {
	case cqlparse.OpGt, cqlparse.OpGe:
		nr.start = true
	case cqlparse.OpLt, cqlparse.OpLe:
		nr.end = true
	}
	var existing []*restriction
	for _, c := range cols {
		if r := rs.byCol[c]; r != nil && !slices.Contains(existing, r) {
			existing = append(existing, r)
		}
	}
	// Cassandra merges first (a merge error wins), then checks the order
	// against the restrictions as they were.
	var orderErr error
	if cols[0].kind == kindClustering && len(rs.ck) > 0 && !rs.allowFiltering {
		orderErr = rs.checkOrder(nr)
	}
	if len(existing) > 0 {
		if err := rs.merge(existing, nr); err != nil {
			return err
		}
		return orderErr
	}
	if orderErr != nil {
		return orderErr
	}
	for _, c := range cols {
		rs.byCol[c] = nr
	}
	if cols[0].kind == kindClustering {
		rs.ck = append(rs.ck, nr)
		slices.SortStableFunc(rs.ck, func(a, b *restriction) int { return a.cols[0].pos - b.cols[0].pos })
	}
	return nil
}

// merge merges nr into the restrictions it shares columns with, as each
// existing restriction's doMergeWith does.
func (rs *restrictions) merge(existing []*restriction, nr *restriction) error {
	for _, old := range existing {
		common := commonColumns(old, nr)
		switch {
		case old.eq:
			return invalidf("%s cannot be restricted by more than one relation if it includes an Equal", common)
		case old.in:
			return invalidf("%s cannot be restricted by more than one relation if it includes a IN", common)
		case !nr.slice():
			return invalidf("Column \"%s\" cannot be restricted by both an equality and an inequality relation", common)
		case old.cols[0] != nr.cols[0]:
			later := old.cols[0]
			if nr.cols[0].pos > later.pos {
				later = nr.cols[0]
			}
			return invalidf("Column \"%s\" cannot be restricted by two inequalities not starting with the same column", later.name)
		case old.start && nr.start:
			return invalidf("More than one restriction was found for the start bound on %s", common)
		case old.end && nr.end:
			return invalidf("More than one restriction was found for the end bound on %s", common)
		}
		old.start = old.start || nr.start
		old.end = old.end || nr.end
		if len(nr.cols) > len(old.cols) {
			old.cols = nr.cols
		}
		for _, c := range old.cols {
			rs.byCol[c] = old
		}
	}
	return nil
}

// commonColumns names the columns two restrictions share, in clustering
// order.
func commonColumns(a, b *restriction) string {
	var names []string
	for _, c := range a.cols {
		if slices.Contains(b.cols, c) {
			names = append(names, c.name)
		}
	}
	return strings.Join(names, ", ")
}

// checkOrder applies ClusteringColumnRestrictions.mergeWith's rules
// without ALLOW FILTERING: nothing after a slice, and no slice before
// something already restricted.
func (rs *restrictions) checkOrder(nr *restriction) error {
	last := rs.ck[len(rs.ck)-1]
	for _, r := range rs.ck {
		if r.cols[len(r.cols)-1].pos > last.cols[len(last.cols)-1].pos {
			last = r
		}
	}
	lastStart, newStart := last.cols[0], nr.cols[0]
	if last.slice() && newStart.pos > lastStart.pos {
		return invalidf("Clustering column \"%s\" cannot be restricted (preceding column \"%s\" is restricted by a non-EQ relation)", newStart.name, lastStart.name)
	}
	if newStart.pos < lastStart.pos && nr.slice() {
		next := lastStart
		for _, r := range rs.ck {
			for _, c := range r.cols {
				if c.pos > newStart.pos && c.pos < next.pos {
					next = c
				}
			}
		}
		return invalidf("PRIMARY KEY column \"%s\" cannot be restricted (preceding column \"%s\" is restricted by a non-EQ relation)", next.name, newStart.name)
	}
	return nil
}

// checkPrefix applies processClusteringColumnsRestrictions' rule without
// ALLOW FILTERING: the restricted clustering columns are a prefix of the
// clustering, each starting where the equalities before it end.
func (rs *restrictions) checkPrefix() error {
	if rs.allowFiltering || !rs.ckNeedFiltering() {
		return nil
	}
	var restricted []*column
	for _, r := range rs.ck {
		for _, c := range r.cols {
			if !slices.Contains(restricted, c) {
				restricted = append(restricted, c)
			}
		}
	}
	slices.SortFunc(restricted, func(a, b *column) int { return a.pos - b.pos })
	for i, c := range restricted {
		if want := rs.t.ck[i]; want != c {
			return invalidf("PRIMARY KEY column \"%s\" cannot be restricted as preceding column \"%s\" is not restricted", c.name, want.name)
		}
	}
	return nil
}

// ckNeedFiltering reports whether a clustering restriction lies past the
// prefix that slices can serve (ClusteringColumnRestrictions.needFiltering).
func (rs *restrictions) ckNeedFiltering() bool {
	pos := 0
	for _, r := range rs.ck {
		if r.cols[0].pos != pos {
			return true
		}
		if !r.slice() {
			pos = r.cols[len(r.cols)-1].pos + 1
		}
	}
	return false
}

// eqRestricted reports whether col is restricted by an equality (single-
// or multi-column), as isColumnRestrictedByEq asks.
func (rs *restrictions) eqRestricted(col *column) bool {
	r := rs.byCol[col]
	return r != nil && r.eq
}

// multiColumnFilterError is the error Cassandra answers, when the
// statement runs, for a tuple-form slice, or IN on several columns, that
// lies past the prefix slices serve (allowed so far by ALLOW FILTERING): a
// row filter cannot evaluate them (MultiColumnRestriction.addToRowFilter;
// (c) IN ((x), (y)) filters as c IN (x, y)).
func (rs *restrictions) multiColumnFilterError() error {
	pos := 0
	for _, r := range rs.ck {
		past := r.cols[0].pos != pos
		switch {
		case past && r.multi && r.slice():
			return invalidf("Multi-column slice restrictions cannot be used for filtering.")
		case past && r.multi && r.in && len(r.cols) > 1:
			return invalidf("Multicolumn IN filters are not supported")
		case past:
		case !r.slice():
			pos = r.cols[len(r.cols)-1].pos + 1
		default:
			pos = -1 // nothing after a slice is served by slices
		}
	}
	return nil
}
