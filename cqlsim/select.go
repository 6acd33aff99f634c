package cqlsim

import (
	"encoding/binary"
	"hash/crc32"
	"slices"
	"strings"
	"sync"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// outKind is what a selector produces.
type outKind int

const (
	outColumn outKind = iota
	outCount
	outToken
	outWritetime // writetime(col)
	outTTL       // ttl(col)
)

type outCol struct {
	kind outKind
	col  *column
	spec colSpec
}

// filter is a restriction checked row by row.
type filter struct {
	cols []*column // one, or several for (c1, c2) op (...)
	// multi is set for the tuple form (c1, ...) op (...), also of one
	// column.
	multi bool
	op    cqlparse.Op
	term  cqlparse.Term
}

// tokenBound is one side of a token() restriction.
type tokenBound struct {
	term      cqlparse.Term
	inclusive bool
}

// selectPlan is a SELECT resolved against its table.
type selectPlan struct {
	t    *table
	star bool
	// wholeRow is set when the rows are the table's whole rows in SELECT *
	// order, by * or by naming every column in that order: they are
	// written from the stored cells as they are. A projection costs a real
	// node no more than *, so neither costs more here.
	wholeRow bool
	out      []outCol
	count    bool
	lo, hi   *tokenBound
	pkTerms  [][]cqlparse.Term // per partition key column: candidates (= or IN), when all are restricted
	pkIn     []*cqlparse.BindMarker
	filters  []filter
	limit    cqlparse.Term
	specs    []colSpec
	// distinct is SELECT DISTINCT: one row per partition.
	distinct bool
	// fullPartitions is set when no clustering, static or regular column
	// is restricted: a partition with only static values is then a row
	// (Cassandra's returnStaticContentOnPartitionWithNoRows).
	fullPartitions bool
	// keyRange is set when the partition key is not fully restricted by
	// EQ or IN: a read of token ranges (Cassandra's isKeyRange).
	keyRange bool
	// keyIn is set when a partition key column is restricted by IN
	// (keyIsInRelation).
	keyIn bool
	// keyRestricted is set when a partition key column or its token is
	// restricted (hasPartitionKeyRestrictions).
	keyRestricted bool
	// needFiltering is set when the restrictions need ALLOW FILTERING.
	needFiltering bool
	// rs holds the merged restrictions.
	rs *restrictions
	// reversed is set by an ORDER BY against the clustering order: each
	// partition is read from its last row to its first.
	reversed bool
	// postOrder is set by an ORDER BY with IN on the partition key: the
	// rows of all partitions are sorted after the read on their first
	// orderLen clustering columns (Cassandra's needsPostQueryOrdering),
	// which cannot be paged.
	postOrder bool
	orderLen  int
	// filterErr is the error Cassandra answers when the statement runs: a
	// multi-column slice or IN that only a row filter could serve.
	filterErr error
}

func (c *Cluster) planSelect(t *table, s *cqlparse.Select, b *binder) (*selectPlan, error) {
	// Refused rather than ignored: ignoring it would answer other rows.
	if s.JSON {
		return nil, invalidf("SELECT JSON is not supported by cqlsim")
	}
	p := &selectPlan{t: t, star: s.Star, limit: s.Limit, distinct: s.Distinct}
	spec := func(name string, typ cqltype.Type) colSpec {
		return colSpec{ks: t.keyspace, table: t.name, name: name, typ: typ}
	}
	if s.Star {
		for _, col := range t.columns {
			p.out = append(p.out, outCol{kind: outColumn, col: col, spec: spec(col.name, col.typ)})
		}
	}
	for _, sel := range s.Selectors {
		var o outCol
		switch {
		case sel.Func == "count" && !sel.Star:
			// count(col) counts non-null values, not rows.
			return nil, invalidf("count(%s) is not supported by cqlsim: use count(*)", strings.Join(sel.Args, ", "))
		case sel.Func == "count":
			o = outCol{kind: outCount, spec: spec("count", cqltype.Type{Kind: cqltype.Bigint})}
			p.count = true
		case sel.Func == "token":
			if err := checkTokenArgs(t, sel.Args); err != nil {
				return nil, err
			}
			o = outCol{kind: outToken, spec: spec("system.token("+strings.Join(sel.Args, ", ")+")", c.tokenType())}
		case sel.Func == "writetime" || sel.Func == "ttl":
			var err error
			if o, err = planCellTime(t, sel, spec); err != nil {
				return nil, err
			}
		case sel.Func != "":
			return nil, invalidf("Unknown function '%s' in selection: cqlsim supports count(*), token(), writetime() and ttl()", sel.Func)
		default:
			col := t.column(sel.Column)
			if col == nil {
				return nil, invalidf("Undefined column name %s in table %s", sel.Column, t.qualified())
			}
			o = outCol{kind: outColumn, col: col, spec: spec(col.name, col.typ)}
		}
		if sel.Alias != "" {
			o.spec.name = sel.Alias
		}
		p.out = append(p.out, o)
	}
	if p.count && len(p.out) > 1 {
		return nil, invalidf("count(*) cannot be mixed with other selectors in cqlsim")
	}
	if p.distinct {
		if err := checkDistinct(t, p); err != nil {
			return nil, err
		}
	}
	for _, o := range p.out {
		p.specs = append(p.specs, o.spec)
	}
	p.wholeRow = p.star || wholeRow(t, p.out)
	if s.Limit != nil {
		b.term(t, s.Limit, "[limit]", cqltype.Type{Kind: cqltype.Int})
	}
	if s.PerPartitionLimit != nil {
		return nil, invalidf("PER PARTITION LIMIT is not supported by cqlsim")
	}
	if err := c.planWhere(p, s, b); err != nil {
		return nil, err
	}
	p.fullPartitions = !slices.ContainsFunc(p.filters, func(f filter) bool { return f.cols[0].kind != kindPartitionKey })
	if p.distinct && !p.fullPartitions {
		return nil, invalidf("SELECT DISTINCT with WHERE clause only supports restriction by partition key and/or static columns.")
	}
	if err := planOrder(p, s.OrderBy); err != nil {
		return nil, err
	}
	if p.needFiltering && !s.AllowFiltering {
		return nil, invalidf("Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING")
	}
	return p, nil
}

// planOrder checks ORDER BY as Cassandra 4.1's SelectStatement does
// (verifyOrderingIsAllowed, isReversed): the partition key restricted by
// EQ or IN, clustering columns only, in their declared order (skipping
// those an equality restricts), all in the clustering order or all
// against it.
func planOrder(p *selectPlan, orderBy []cqlparse.OrderBy) error {
	if len(orderBy) == 0 {
		return nil
	}
	t := p.t
	type ordering struct {
		col  *column
		desc bool
	}
	// One entry per column, where it first appears, as the grammar's
	// map keeps them.
	var ords []ordering
	for _, o := range orderBy {
		col := t.column(o.Column)
		if col == nil {
			return invalidf("Undefined column name %s in table %s", o.Column, t.qualified())
		}
		if i := slices.IndexFunc(ords, func(x ordering) bool { return x.col == col }); i >= 0 {
			ords[i].desc = o.Desc
			continue
		}
		ords = append(ords, ordering{col: col, desc: o.Desc})
	}
	if p.keyRange {
		return invalidf("ORDER BY is only supported when the partition key is restricted by an EQ or an IN.")
	}
	reversed := make([]*bool, len(t.ck))
	next := 0
	for _, o := range ords {
		if o.col.kind != kindClustering {
			return invalidf("Order by is currently only supported on the clustered columns of the PRIMARY KEY, got %s", o.col.name)
		}
		for next != o.col.pos {
			if next >= len(t.ck) || !p.rs.eqRestricted(t.ck[next]) {
				return invalidf("Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY")
			}
			next++
		}
		next++
		r := o.desc != o.col.desc
		reversed[o.col.pos] = &r
		p.orderLen = max(p.orderLen, o.col.pos+1)
	}
	var first *bool
	for _, r := range reversed {
		switch {
		case r == nil:
		case first == nil:
			first = r
		case *first != *r:
			return invalidf("Unsupported order by relation")
		}
	}
	p.reversed = *first
	p.postOrder = p.keyIn
	if t.virtual != nil && (p.reversed || p.postOrder) {
		return invalidf("cqlsim reads system tables in their clustering order only: ORDER BY against it, or with IN, is not supported")
	}
	return nil
}

// planCellTime plans writetime(col) or ttl(col), with Cassandra's rules:
// not on key columns nor on non-frozen collections and UDTs, whose cells
// have no single timestamp.
func planCellTime(t *table, sel cqlparse.Selector, spec func(string, cqltype.Type) colSpec) (outCol, error) {
	fn := map[string]string{"writetime": "writeTime", "ttl": "ttl"}[sel.Func]
	if len(sel.Args) != 1 {
		return outCol{}, invalidf("Invalid number of arguments in call to function %s: 1 required but %d provided", sel.Func, len(sel.Args))
	}
	col := t.column(sel.Args[0])
	if col == nil {
		return outCol{}, invalidf("Undefined column name %s in table %s", sel.Args[0], t.qualified())
	}
	if col.kind == kindPartitionKey || col.kind == kindClustering {
		return outCol{}, invalidf("Cannot use selection function %s on PRIMARY KEY part %s", fn, col.name)
	}
	if col.typ.IsMultiCell() {
		what := "collection"
		if col.typ.Kind == cqltype.UDT {
			what = "UDT"
		}
		return outCol{}, invalidf("Cannot use selection function %s on non-frozen %s %s", fn, what, col.name)
	}
	if sel.Func == "writetime" {
		return outCol{kind: outWritetime, col: col, spec: spec("writetime("+col.name+")", cqltype.Type{Kind: cqltype.Bigint})}, nil
	}
	return outCol{kind: outTTL, col: col, spec: spec("ttl("+col.name+")", cqltype.Type{Kind: cqltype.Int})}, nil
}

// checkDistinct applies Cassandra's rules on SELECT DISTINCT selectors:
// every partition key column, and otherwise static columns only.
func checkDistinct(t *table, p *selectPlan) error {
	if p.star || p.count {
		return invalidf("SELECT DISTINCT queries must only request partition key columns and/or static columns (not %s)", firstNonKey(t))
	}
	seen := map[*column]bool{}
	for _, o := range p.out {
		if o.kind == outToken {
			continue
		}
		if o.kind != outColumn || (o.col.kind != kindPartitionKey && o.col.kind != kindStatic) {
			name := o.spec.name
			if o.col != nil {
				name = o.col.name
			}
			return invalidf("SELECT DISTINCT queries must only request partition key columns and/or static columns (not %s)", name)
		}
		seen[o.col] = true
	}
	for _, col := range t.pk {
		if !seen[col] {
			return invalidf("SELECT DISTINCT queries must request all the partition key columns (missing %s)", col.name)
		}
	}
	return nil
}

// firstNonKey names a column SELECT * would add to the partition key ones.
func firstNonKey(t *table) string {
	for _, col := range t.columns {
		if col.kind != kindPartitionKey && col.kind != kindStatic {
			return col.name
		}
	}
	return "*"
}

// checkTokenArgs checks the columns of a token() relation as Cassandra
// 4.1's TokenRelation.toReceivers does, its messages in its order: every
// partition key column, none twice, no other column, then the partition
// key's order.
func checkTokenArgs(t *table, args []string) error {
	names := make([]string, len(t.pk))
	for i, c := range t.pk {
		names[i] = c.name
	}
	if slices.Equal(args, names) {
		return nil
	}
	for _, n := range names {
		if !slices.Contains(args, n) {
			return invalidf("The token() function must be applied to all partition key components or none of them")
		}
	}
	seen := make(map[string]bool, len(args))
	for _, a := range args {
		if seen[a] {
			return invalidf("The token() function contains duplicate partition key components")
		}
		seen[a] = true
	}
	for _, a := range args {
		if !slices.Contains(names, a) {
			return invalidf("The token() function must contains only partition key components")
		}
	}
	return invalidf("The token function arguments must be in the partition key order: %s", strings.Join(names, ", "))
}

// planWhere sorts the WHERE relations into token bounds, partition key
// candidates and row filters, with Cassandra's rules on what needs
// ALLOW FILTERING.
func (c *Cluster) planWhere(p *selectPlan, s *cqlparse.Select, b *binder) error {
	t := p.t
	pkRestricted := make([][]cqlparse.Term, len(t.pk))
	rs := &restrictions{t: t, allowFiltering: s.AllowFiltering}
	p.rs = rs
	needFiltering := false
	hasToken := false
	singleCK, multiCK := false, false
	for _, rel := range s.Where {
		if rel.Key != nil {
			return invalidf("Restrictions on collection elements are not supported by cqlsim")
		}
		cols := make([]*column, len(rel.Columns))
		for i, name := range rel.Columns {
			if cols[i] = t.column(name); cols[i] == nil {
				return invalidf("Undefined column name %s in table %s", name, t.qualified())
			}
		}
		if rel.Token {
			if err := checkTokenArgs(t, rel.Columns); err != nil {
				return err
			}
			hasToken = true
			if fc, ok := rel.Value.(*cqlparse.FuncCall); ok && fc.Name == "token" {
				if len(fc.Args) != len(t.pk) {
					return invalidf("token() takes %d arguments for table %s, got %d", len(t.pk), t.qualified(), len(fc.Args))
				}
			}
			b.term(t, rel.Value, "partition key token", c.tokenType())
			bound := &tokenBound{term: rel.Value, inclusive: rel.Op == cqlparse.OpGe || rel.Op == cqlparse.OpLe || rel.Op == cqlparse.OpEq}
			// Merged as Cassandra's TokenRestriction merges them: an
			// equality takes no other token relation, before or after it.
			names := strings.Join(rel.Columns, ", ")
			switch {
			case p.lo != nil && p.lo == p.hi:
				return invalidf("%s cannot be restricted by more than one relation if it includes an Equal", names)
			case rel.Op == cqlparse.OpEq && (p.lo != nil || p.hi != nil):
				return invalidf("Columns \"%s\" cannot be restricted by both an equality and an inequality relation", names)
			}
			switch rel.Op {
			case cqlparse.OpGt, cqlparse.OpGe:
				if p.lo != nil {
					return invalidf("More than one restriction was found for the start bound on %s", strings.Join(rel.Columns, ", "))
				}
				p.lo = bound
			case cqlparse.OpLt, cqlparse.OpLe:
				if p.hi != nil {
					return invalidf("More than one restriction was found for the end bound on %s", strings.Join(rel.Columns, ", "))
				}
				p.hi = bound
			case cqlparse.OpEq:
				p.lo, p.hi = bound, bound
			default:
				return invalidf("%s is not supported on token restrictions", rel.Op)
			}
			continue
		}
		switch rel.Op {
		case cqlparse.OpNe, cqlparse.OpContains, cqlparse.OpContainsKey:
			return invalidf("Unsupported \"%s\" relation: %s", rel.Op, strings.Join(rel.Columns, ", "))
		}
		if rel.Multi {
			for i, col := range cols {
				if col.kind != kindClustering || col.pos != cols[0].pos+i {
					return invalidf("Multi-column relations can only be applied to clustering columns, in order")
				}
			}
			if singleCK {
				return invalidf("Mixing single column relations and multi column relations on clustering columns is not allowed")
			}
			multiCK = true
			if err := rs.add(cols, true, rel.Op); err != nil {
				return err
			}
			c.bindMulti(t, rel, cols, b)
			p.filters = append(p.filters, filter{cols: cols, multi: true, op: rel.Op, term: rel.Value})
			continue
		}
		col := cols[0]
		if col.kind == kindClustering {
			if multiCK {
				return invalidf("Mixing single column relations and multi column relations on clustering columns is not allowed")
			}
			singleCK = true
		}
		if rel.Op == cqlparse.OpIn {
			c.bindIn(t, rel.Value, col, b)
		} else {
			b.term(t, rel.Value, col.name, col.typ)
		}
		if col.kind == kindPartitionKey && rel.Op != cqlparse.OpEq && rel.Op != cqlparse.OpIn {
			return invalidf("Only EQ and IN relation are supported on the partition key (unless you use the token() function)")
		}
		if err := rs.add(cols, false, rel.Op); err != nil {
			return err
		}
		switch col.kind {
		case kindPartitionKey:
			if rel.Op == cqlparse.OpIn {
				p.keyIn = true
			}
			switch rel.Op {
			case cqlparse.OpEq:
				pkRestricted[col.pos] = []cqlparse.Term{rel.Value}
			case cqlparse.OpIn:
				if tl, ok := rel.Value.(*cqlparse.TupleLit); ok {
					pkRestricted[col.pos] = tl.Elems
				} else {
					pkRestricted[col.pos] = []cqlparse.Term{rel.Value}
					if m, ok := rel.Value.(*cqlparse.BindMarker); ok {
						p.pkIn = append(p.pkIn, m)
					}
				}
			}
		case kindRegular, kindStatic:
			if t.virtual == nil {
				needFiltering = true
			}
			p.filters = append(p.filters, filter{cols: cols, op: rel.Op, term: rel.Value})
		default:
			p.filters = append(p.filters, filter{cols: cols, op: rel.Op, term: rel.Value})
		}
	}
	restricted := 0
	var missing []string
	for i, r := range pkRestricted {
		if r != nil {
			restricted++
		} else {
			missing = append(missing, t.pk[i].name)
		}
	}
	// token() with every partition key column restricted by = or IN: the
	// partitions named whose token the token relations take (Cassandra's
	// TokenFilter), not a read of token ranges. With some of them: a read
	// of the token ranges that filters on the columns restricted, which
	// needs ALLOW FILTERING, as without token() (below).
	p.keyRange = restricted < len(t.pk)
	p.keyRestricted = hasToken || restricted > 0
	if t.virtual != nil {
		// System tables are small; every relation is a filter there.
		for i, r := range pkRestricted {
			for range r {
				p.filters = append(p.filters, filter{cols: []*column{t.pk[i]}, op: opOf(s.Where, t.pk[i].name), term: termOf(s.Where, t.pk[i].name)})
				break
			}
		}
		return nil
	}
	switch {
	case restricted == len(t.pk):
		p.pkTerms = pkRestricted
	case restricted > 0:
		if !s.AllowFiltering {
			return invalidf("Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING (partition key parts %s are not restricted)", strings.Join(missing, ", "))
		}
		for i, r := range pkRestricted {
			if r != nil {
				p.filters = append(p.filters, filter{cols: []*column{t.pk[i]}, op: opOf(s.Where, t.pk[i].name), term: termOf(s.Where, t.pk[i].name)})
			}
		}
	default:
		for _, f := range p.filters {
			if f.cols[0].kind == kindClustering {
				needFiltering = true
			}
		}
	}
	if err := rs.checkPrefix(); err != nil {
		return err
	}
	p.filterErr = rs.multiColumnFilterError()
	p.needFiltering = needFiltering
	return nil
}

func opOf(rels []cqlparse.Relation, col string) cqlparse.Op {
	for _, r := range rels {
		if !r.Token && !r.Multi && len(r.Columns) == 1 && r.Columns[0] == col {
			return r.Op
		}
	}
	return cqlparse.OpEq
}

func termOf(rels []cqlparse.Relation, col string) cqlparse.Term {
	for _, r := range rels {
		if !r.Token && !r.Multi && len(r.Columns) == 1 && r.Columns[0] == col {
			return r.Value
		}
	}
	return nil
}

// bindIn types the markers of `col IN ...`.
func (c *Cluster) bindIn(t *table, v cqlparse.Term, col *column, b *binder) {
	if tl, ok := v.(*cqlparse.TupleLit); ok {
		for _, e := range tl.Elems {
			b.term(t, e, col.name, col.typ)
		}
		return
	}
	b.term(t, v, "in("+col.name+")", cqltype.ListOf(col.typ))
}

// bindMulti types the markers of (c1, c2) op (...).
func (c *Cluster) bindMulti(t *table, rel cqlparse.Relation, cols []*column, b *binder) {
	tupleType := tupleTypeOf(cols)
	name := "(" + strings.Join(rel.Columns, ",") + ")"
	switch v := rel.Value.(type) {
	case *cqlparse.TupleLit:
		for _, e := range v.Elems {
			if rel.Op == cqlparse.OpIn {
				b.term(t, e, name, tupleType)
				continue
			}
		}
		if rel.Op != cqlparse.OpIn {
			b.term(t, v, name, tupleType)
		}
	default:
		if rel.Op == cqlparse.OpIn {
			b.term(t, v, "in"+name, cqltype.ListOf(tupleType))
		} else {
			b.term(t, v, name, tupleType)
		}
	}
}

// boundFilter is a filter with its values evaluated.
type boundFilter struct {
	cols  []*column
	multi bool
	op    cqlparse.Op
	vals  [][]byte // the value (a tuple's elements for multi-column), or the IN candidates
	in    bool
	tuple cqltype.Type // multi-column: the type of the tuple of cols
}

// match checks a row.
func (f *boundFilter) match(rc rowCells) bool {
	cell := rc.of
	if f.multi {
		if f.in {
			for _, cand := range f.vals {
				parts := splitTuple(f.tuple, cand)
				if parts != nil && compareTuple(f.cols, cell, parts) == 0 {
					return true
				}
			}
			return false
		}
		return opHolds(f.op, compareTuple(f.cols, cell, f.vals))
	}
	col := f.cols[0]
	v := cell(col)
	if f.in {
		for _, cand := range f.vals {
			if cqltype.Compare(col.typ, v, cand) == 0 && v != nil {
				return true
			}
		}
		return false
	}
	if v == nil || f.vals[0] == nil {
		return false
	}
	return opHolds(f.op, cqltype.Compare(col.typ, v, f.vals[0]))
}

// compareTuple compares clustering values with a tuple the way Cassandra
// evaluates a multi-column slice: element by element in each type's
// natural order, whatever the clustering order (a DESC column is not
// reversed).
func compareTuple(cols []*column, cell func(*column) []byte, vals [][]byte) int {
	for i, col := range cols {
		r := cqltype.Compare(col.typ, cell(col), vals[i])
		if r != 0 {
			return r
		}
	}
	return 0
}

// tupleTypeOf is the type of a tuple of values of cols, as (c1, c2) op
// (...) binds it.
func tupleTypeOf(cols []*column) cqltype.Type {
	tt := cqltype.Type{Kind: cqltype.Tuple, Elems: make([]cqltype.Type, len(cols))}
	for i, col := range cols {
		tt.Elems[i] = col.typ
	}
	return tt
}

// splitTuple splits the serialized tuple v of type t into its fields; nil
// if v is malformed or holds fewer fields than t.
func splitTuple(t cqltype.Type, v []byte) [][]byte {
	it := cqltype.ReadFields(&t, v)
	out := make([][]byte, it.Len())
	for i := range out {
		if it.Exhausted() {
			return nil
		}
		f, err := it.Next()
		if err != nil {
			return nil
		}
		out[i] = f
	}
	return out
}

func opHolds(op cqlparse.Op, cmp int) bool {
	switch op {
	case cqlparse.OpEq:
		return cmp == 0
	case cqlparse.OpLt:
		return cmp < 0
	case cqlparse.OpLe:
		return cmp <= 0
	case cqlparse.OpGt:
		return cmp > 0
	case cqlparse.OpGe:
		return cmp >= 0
	}
	return false
}

// bindFilters evaluates the filter values.
func (c *Cluster) bindFilters(p *selectPlan, vals [][]byte) ([]boundFilter, error) {
	out := make([]boundFilter, 0, len(p.filters))
	for _, f := range p.filters {
		bf := boundFilter{cols: f.cols, multi: f.multi, op: f.op, in: f.op == cqlparse.OpIn}
		if f.multi {
			bf.tuple = tupleTypeOf(f.cols)
		}
		col := f.cols[0]
		switch {
		case f.multi && bf.in:
			cands, err := c.inCandidates(f.term, "("+col.name+",...)", bf.tuple, vals)
			if err != nil {
				return nil, err
			}
			bf.vals = cands
		case f.multi:
			v, err := c.eval(f.term, "("+col.name+",...)", bf.tuple, vals)
			if err != nil {
				return nil, err
			}
			bf.vals = splitTuple(bf.tuple, v)
			if bf.vals == nil {
				return nil, invalidf("Invalid tuple value for %s", col.name)
			}
		case bf.in:
			cands, err := c.inCandidates(f.term, col.name, col.typ, vals)
			if err != nil {
				return nil, err
			}
			bf.vals = cands
		default:
			v, err := c.eval(f.term, col.name, col.typ, vals)
			if err != nil {
				if err == errUnset {
					return nil, invalidf("Invalid unset value for column %s", col.name)
				}
				return nil, err
			}
			bf.vals = [][]byte{v}
		}
		out = append(out, bf)
	}
	return out, nil
}

// inCandidates evaluates an IN list: (a, b, ...) or a bound list.
func (c *Cluster) inCandidates(term cqlparse.Term, name string, typ cqltype.Type, vals [][]byte) ([][]byte, error) {
	if tl, ok := term.(*cqlparse.TupleLit); ok {
		out := make([][]byte, 0, len(tl.Elems))
		for _, e := range tl.Elems {
			v, err := c.eval(e, name, typ, vals)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	lt := cqltype.ListOf(typ)
	v, err := c.eval(term, "in("+name+")", lt, vals)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, invalidf("Invalid null value for IN restriction on %s", name)
	}
	// v is a valid list: eval validated it.
	it, err := cqltype.ReadCollection(&lt, v)
	if err != nil {
		return nil, invalidf("Invalid value for IN restriction on %s: %v", name, err)
	}
	out := make([][]byte, it.Len())
	for i := range out {
		if out[i], err = it.Next(); err != nil {
			return nil, invalidf("Invalid value for IN restriction on %s: %v", name, err)
		}
	}
	return out, nil
}

// pageState is a decoded paging state.
type pageState struct {
	pos       position
	remaining int32 // LIMIT left, -1 for none
	offset    int32 // rows already returned from a system table
}

// A paging state holds, as Cassandra's (service/pager/PagingState), the
// last partition key and clustering read, what is left of the LIMIT, and
// nothing of the statement: it resumes any statement it is sent with, on
// any table whose clustering it decodes (see the package documentation).
const pagingMagic = 'C'

func encodePageState(ps pageState) []byte {
	b := []byte{pagingMagic, 2}
	b = cqlproto.AppendBytes(b, ps.pos.key)
	b = cqlproto.AppendBytes(b, nonNil(ps.pos.ck))
	b = cqlproto.AppendInt(b, ps.remaining)
	b = cqlproto.AppendInt(b, ps.offset)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

var errBadPagingState = protocolf("Invalid value for the paging state")

// decodePageState decodes a paging state for a statement on t. A state
// whose clustering does not decode with t's clustering columns (one made
// for another table) is refused as a malformed one.
func (c *Cluster) decodePageState(t *table, b []byte) (pageState, error) {
	if len(b) < 2+4 || b[0] != pagingMagic || b[1] != 2 {
		return pageState{}, errBadPagingState
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return pageState{}, errBadPagingState
	}
	r := cqlproto.NewReader(body[2:])
	var ps pageState
	ps.pos.key = r.Bytes()
	ck := r.Bytes()
	ps.remaining = r.Int()
	ps.offset = r.Int()
	if r.Err() != nil || r.Len() != 0 {
		return pageState{}, errBadPagingState
	}
	if ck == nil { // a page always stops after a row
		return pageState{}, errBadPagingState
	}
	// An empty clustering is a position on a partition's static row (a
	// partition with static values only), which resumes at the next
	// partition.
	if t.store != nil && len(ck) > 0 && !validClustering(t, ck) {
		return pageState{}, errBadPagingState
	}
	ps.pos.ck = ck
	if ps.pos.key != nil {
		ps.pos.tok = c.tokenOf(ps.pos.key)
	}
	return ps, nil
}

// validClustering reports whether ck is t's clustering cells, packed.
func validClustering(t *table, ck []byte) bool {
	for _, col := range t.ck {
		v, rest, ok := cqltype.ReadValue(ck)
		if !ok || cqltype.Validate(col.typ, v) != nil {
			return false
		}
		ck = rest
	}
	return len(ck) == 0
}

// rowsWriter accumulates a Rows result.
type rowsWriter struct {
	buf   []byte
	count int32
	bytes int
}

// bufPool keeps the buffers pages of rows are put together in, for the
// next request: a page of 5000 rows of the demo table is 1.25 MB, built
// by appends, and without the pool every page allocated it again, twice
// over by the appends' doublings. The garbage cost more CPU than the
// rows: three or four collections of the simulator's heap per million rows
// served, 40% of its CPU on the bench's cpu profile.
type bufPool struct{ p sync.Pool }

// maxPooledBuf is the largest buffer the pool keeps: a larger page
// (rows of megabytes) allocates its own.
const maxPooledBuf = 16 << 20

func (b *bufPool) get() []byte {
	if p, ok := b.p.Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return nil
}

func (b *bufPool) put(buf []byte) {
	if cap(buf) == 0 || cap(buf) > maxPooledBuf {
		return
	}
	b.p.Put(&buf)
}

// aggregationWarnings are the client warnings Cassandra 4.1's
// SelectStatement.execute gives an aggregation: without any restriction
// on the partition key (a token range is one), or with IN on it.
func (p *selectPlan) aggregationWarnings() []string {
	switch {
	case !p.keyRestricted:
		return []string{"Aggregation query used without partition key"}
	case p.keyIn:
		return []string{"Aggregation query used on multiple partition keys (IN restriction)"}
	}
	return nil
}

// runSelect executes a SELECT and returns the RESULT body.
func (c *Cluster) runSelect(n *Node, p *selectPlan, params *cqlproto.QueryParams) (result, error) {
	vals := params.Values
	filters, err := c.bindFilters(p, vals)
	if err != nil {
		return result{}, err
	}
	limit := int32(-1)
	if p.limit != nil {
		lb, err := c.eval(p.limit, "[limit]", cqltype.Type{Kind: cqltype.Int}, vals)
		if err != nil || len(lb) != 4 {
			return result{}, invalidf("Invalid limit value")
		}
		limit = int32(binary.BigEndian.Uint32(lb))
		if limit <= 0 {
			return result{}, invalidf("LIMIT must be strictly positive")
		}
	}
	if p.filterErr != nil {
		return result{}, p.filterErr
	}
	if p.postOrder && params.PageSize > 0 {
		// Cassandra sorts all the rows after the read, so it cannot page
		// (CASSANDRA-6722); aggregates are paged internally and refused
		// alike.
		return result{}, invalidf("Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query")
	}
	ps := pageState{remaining: limit}
	started := false
	if params.PagingState != nil {
		if ps, err = c.decodePageState(p.t, params.PagingState); err != nil {
			return result{}, err
		}
		started = true
	}
	pageSize := int(params.PageSize)
	sc := &scan{c: c, p: p, filters: filters, pageSize: pageSize, remaining: ps.remaining, now: c.nowSec()}
	if !p.count {
		sc.w.buf = c.rowBufs.get()
		defer func() { c.rowBufs.put(sc.w.buf) }() // appendRows copied the rows into the body
	} else {
		// An aggregate answers one row and no paging state. Cassandra
		// reads it in internal pages of the query's page size
		// (AggregationQueryPager), or in one read without paging
		// (GroupByPartitionIterator.handlePagingOff), and warns first
		// (SelectStatement.execute).
		sc.pageSize, sc.countPage = 0, max(pageSize, 0)
		sc.warnings = append(sc.warnings, p.aggregationWarnings()...)
	}
	if p.postOrder || p.count {
		// The LIMIT applies to the sorted rows, or to count(*)'s one
		// row, not to the rows read (getDataLimits reads them all).
		sc.remaining = -1
	}
	if p.t.virtual != nil {
		err = sc.virtual(n, ps.offset)
	} else {
		err = sc.data(vals, ps.pos, started)
	}
	if err != nil {
		if fe, ok := err.(*tombstoneError); ok {
			return result{examined: sc.examined}, fe.reqError(n, params.Consistency)
		}
		return result{examined: sc.examined}, err
	}
	sc.endRead()
	if p.postOrder && !p.count {
		sc.sortRows(limit)
	}
	var state []byte
	if sc.more {
		next := pageState{pos: sc.last, remaining: sc.remaining, offset: ps.offset + sc.w.count}
		state = encodePageState(next)
	}
	if p.count {
		sc.w = rowsWriter{count: 1, buf: cqlproto.AppendBytes(nil, binary.BigEndian.AppendUint64(nil, uint64(sc.counted)))}
	}
	nonReplica := p.t.store != nil && !c.replicatesSpan(n, p.t.keyspace, sc.read)
	res := result{body: appendRows(nil, p.specs, params.SkipMetadata(), state, &sc.w), nonReplica: nonReplica, warnings: sc.warnings, examined: sc.examined}
	if p.count {
		res.counted = sc.counted
	}
	return res, nil
}

// appendRows encodes a Rows result.
func appendRows(dst []byte, specs []colSpec, skipMeta bool, state []byte, w *rowsWriter) []byte {
	dst = cqlproto.AppendInt(dst, 2)
	dst = appendMetadata(dst, specs, skipMeta, state)
	dst = cqlproto.AppendInt(dst, w.count)
	return append(dst, w.buf...)
}

// appendMetadata encodes <metadata> for rows.
func appendMetadata(dst []byte, specs []colSpec, skipMeta bool, state []byte) []byte {
	flags := int32(0)
	global := globalSpec(specs)
	if global {
		flags |= 0x0001
	}
	if state != nil {
		flags |= 0x0002
	}
	if skipMeta {
		flags |= 0x0004
	}
	dst = cqlproto.AppendInt(dst, flags)
	dst = cqlproto.AppendInt(dst, int32(len(specs)))
	if state != nil {
		dst = cqlproto.AppendBytes(dst, state)
	}
	if skipMeta {
		return dst
	}
	return appendColSpecs(dst, specs, global)
}

// globalSpec reports whether every column spec is of one table, so that
// metadata carries the Global_tables_spec flag.
func globalSpec(specs []colSpec) bool {
	for _, s := range specs {
		if s.ks != specs[0].ks || s.table != specs[0].table {
			return false
		}
	}
	return len(specs) > 0
}

// appendColSpecs appends the [global table spec] and the <col_spec_i> of
// result and prepared metadata.
func appendColSpecs(dst []byte, specs []colSpec, global bool) []byte {
	if global {
		dst = cqlproto.AppendString(dst, specs[0].ks)
		dst = cqlproto.AppendString(dst, specs[0].table)
	}
	for _, s := range specs {
		if !global {
			dst = cqlproto.AppendString(dst, s.ks)
			dst = cqlproto.AppendString(dst, s.table)
		}
		dst = cqlproto.AppendString(dst, s.name)
		dst = s.typ.AppendOption(dst)
	}
	return dst
}

// wholeRow reports whether out names every column of t in SELECT * order.
func wholeRow(t *table, out []outCol) bool {
	if len(out) != len(t.columns) {
		return false
	}
	for i, o := range out {
		if o.kind != outColumn || o.col != t.columns[i] {
			return false
		}
	}
	return true
}
