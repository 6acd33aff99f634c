package cqlsim

import (
	"bytes"
	"strings"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// writePlan is an INSERT, UPDATE or DELETE resolved against its table.
type writePlan struct {
	t           *table
	stmt        cqlparse.Statement
	assign      []assignment // INSERT values and UPDATE SET
	where       []cqlparse.Relation
	ifNotExists bool
	delCols     []*column
	sel         *selectPlan // UPDATE and DELETE: the rows the WHERE clause names
}

type assignment struct {
	col  *column
	term cqlparse.Term
}

func (c *Cluster) planWrite(ks string, s cqlparse.Statement, b *binder) (*writePlan, error) {
	var tn cqlparse.TableName
	switch v := s.(type) {
	case *cqlparse.Insert:
		tn = v.Table
	case *cqlparse.Update:
		tn = v.Table
	case *cqlparse.Delete:
		tn = v.Table
	default:
		return nil, invalidf("Only INSERT, UPDATE and DELETE statements are allowed in a batch")
	}
	t, err := c.resolveTable(ks, tn)
	if err != nil {
		return nil, err
	}
	if t.virtual != nil {
		return nil, &reqError{code: 0x2100, msg: "Modification is not allowed on system keyspace " + t.keyspace}
	}
	w := &writePlan{t: t, stmt: s}
	col := func(name string) (*column, error) {
		cl := t.column(name)
		if cl == nil {
			return nil, invalidf("Undefined column name %s in table %s", name, t.qualified())
		}
		return cl, nil
	}
	using := func(u cqlparse.Using) {
		if u.TTL != nil {
			b.term(t, u.TTL, "[ttl]", cqltype.Type{Kind: cqltype.Int})
		}
		if u.Timestamp != nil {
			b.term(t, u.Timestamp, "[timestamp]", cqltype.Type{Kind: cqltype.Bigint})
		}
	}
	switch v := s.(type) {
	case *cqlparse.Insert:
		if v.JSON != nil {
			return nil, invalidf("INSERT JSON is not supported by cqlsim")
		}
		if len(v.Columns) != len(v.Values) {
			return nil, invalidf("Unmatched column names/values")
		}
		seen := map[string]bool{}
		for i, name := range v.Columns {
			cl, err := col(name)
			if err != nil {
				return nil, err
			}
			if seen[name] {
				return nil, invalidf("Multiple definitions found for column %s", name)
			}
			seen[name] = true
			b.term(t, v.Values[i], cl.name, cl.typ)
			w.assign = append(w.assign, assignment{col: cl, term: v.Values[i]})
		}
		using(v.Using)
		var missingPK, missingCK []string
		for _, cl := range t.pk {
			if !seen[cl.name] {
				missingPK = append(missingPK, cl.name)
			}
		}
		for _, cl := range t.ck {
			if !seen[cl.name] {
				missingCK = append(missingCK, cl.name)
			}
		}
		if len(missingPK) > 0 {
			return nil, invalidf("Some partition key parts are missing: %s", strings.Join(missingPK, ", "))
		}
		if len(missingCK) > 0 {
			return nil, invalidf("Some clustering keys are missing: %s", strings.Join(missingCK, ", "))
		}
		w.ifNotExists = v.IfNotExists
		return w, nil
	case *cqlparse.Update:
		if len(v.Conditions) > 0 || v.IfExists {
			return nil, invalidf("Conditional updates (IF ...) are not supported by cqlsim")
		}
		using(v.Using)
		for _, a := range v.Set {
			cl, err := col(a.Column)
			if err != nil {
				return nil, err
			}
			if cl.kind != kindRegular {
				return nil, invalidf("PRIMARY KEY part %s found in SET part", cl.name)
			}
			if a.Op != "" || a.Key != nil || a.Prepend {
				return nil, invalidf("cqlsim supports only plain assignments (col = value) in UPDATE, not on %s", cl.name)
			}
			b.term(t, a.Value, cl.name, cl.typ)
			w.assign = append(w.assign, assignment{col: cl, term: a.Value})
		}
		w.where = v.Where
	case *cqlparse.Delete:
		if len(v.Conditions) > 0 || v.IfExists {
			return nil, invalidf("Conditional deletions (IF ...) are not supported by cqlsim")
		}
		if v.Keys != nil {
			return nil, invalidf("Deleting collection elements (col[key]) is not supported by cqlsim")
		}
		using(v.Using)
		for _, name := range v.Columns {
			cl, err := col(name)
			if err != nil {
				return nil, err
			}
			if cl.kind != kindRegular {
				return nil, invalidf("Invalid identifier %s for deletion (should not be a PRIMARY KEY part)", cl.name)
			}
			w.delCols = append(w.delCols, cl)
		}
		w.where = v.Where
	}
	for _, rel := range w.where {
		if rel.Key != nil {
			return nil, invalidf("Restrictions on collection elements are not supported by cqlsim")
		}
		if rel.Token {
			return nil, invalidf("The token function cannot be used in WHERE clauses for UPDATE and DELETE statements")
		}
		for _, name := range rel.Columns {
			if _, err := col(name); err != nil {
				return nil, err
			}
		}
		cl := t.column(rel.Columns[0])
		if rel.Multi {
			var cols []*column
			for _, name := range rel.Columns {
				cols = append(cols, t.column(name))
			}
			c.bindMulti(t, rel, cols, b)
			continue
		}
		if cl.kind == kindRegular {
			return nil, invalidf("Non PRIMARY KEY columns found in where clause: %s", cl.name)
		}
		if rel.Op == cqlparse.OpIn {
			c.bindIn(t, rel.Value, cl, b)
		} else {
			b.term(t, rel.Value, cl.name, cl.typ)
		}
	}
	// The WHERE clause names partitions and rows as a SELECT's would. Its
	// markers are typed above; planWhere binds them again, into a scratch
	// binder.
	sel := &selectPlan{t: t}
	scratch := &binder{st: &statement{binds: make([]colSpec, len(b.st.binds))}}
	where := &cqlparse.Select{Table: cqlparse.TableName{Keyspace: t.keyspace, Name: t.name}, Star: true, Where: w.where}
	if err := c.planWhere(sel, where, scratch); err != nil {
		return nil, err
	}
	if sel.pkTerms == nil {
		var names []string
		for _, cl := range t.pk {
			names = append(names, cl.name)
		}
		return nil, invalidf("Some partition key parts are missing: %s", strings.Join(names, ", "))
	}
	w.sel = sel
	return w, nil
}

// runWrite applies a write. When an INSERT IF NOT EXISTS finds a live row,
// it is not applied, and existing, if not nil, receives the row's partition
// key cells and row cells (the cells of SELECT *).
func (c *Cluster) runWrite(w *writePlan, vals [][]byte, existing *[]byte) (applied bool, err error) {
	t := w.t
	switch w.stmt.(type) {
	case *cqlparse.Insert:
		pk := make([][]byte, len(t.pk))
		ck := make([][]byte, len(t.ck))
		regular := map[int][]byte{}
		for _, a := range w.assign {
			v, err := c.eval(a.term, a.col.name, a.col.typ, vals)
			if err == errUnset {
				if a.col.kind != kindRegular {
					return false, invalidf("Invalid unset value for column %s", a.col.name)
				}
				continue
			}
			if err != nil {
				return false, err
			}
			switch a.col.kind {
			case kindPartitionKey:
				if v == nil {
					return false, invalidf("Invalid null value in condition for column %s", a.col.name)
				}
				pk[a.col.cell] = v
			case kindClustering:
				if v == nil {
					return false, invalidf("Invalid null value in condition for column %s", a.col.name)
				}
				ck[a.col.cell] = v
			default:
				regular[a.col.cell-len(t.ck)] = v
			}
		}
		key, tk := c.partitionKey(pk)
		if len(key) == 0 {
			return false, errEmptyKey
		}
		st := t.store
		st.mu.Lock()
		defer st.mu.Unlock()
		if w.ifNotExists {
			if p := st.byKey[string(key)]; p != nil {
				if i, found := t.findRow(p, packCells(nil, ck)); found && !p.rows[i].dead {
					if existing != nil {
						*existing = append(bytes.Clone(p.pk), p.rows[i].cells...)
					}
					return false, nil
				}
			}
		}
		t.upsert(st.getOrCreatePartition(key, packCells(nil, pk), tk), ck, regular)
		return true, nil
	}
	// UPDATE and DELETE: the WHERE clause, planned in planWrite, names
	// partitions and rows.
	sel := w.sel
	filters, err := c.bindFilters(sel, vals)
	if err != nil {
		return false, err
	}
	sc := &scan{c: c, p: sel}
	cands, err := sc.candidateKeys(vals)
	if err != nil {
		return false, err
	}
	switch w.stmt.(type) {
	case *cqlparse.Update:
		return true, c.applyUpdate(w, sel, filters, cands, vals)
	default:
		return true, c.applyDelete(w, filters, cands)
	}
}

func (c *Cluster) applyUpdate(w *writePlan, sel *selectPlan, filters []boundFilter, cands []*partition, vals [][]byte) error {
	t := w.t
	// Every clustering column must be fixed by equality.
	ck := make([][]byte, len(t.ck))
	for _, f := range filters {
		if len(f.cols) != 1 || f.op != cqlparse.OpEq || f.cols[0].kind != kindClustering {
			return invalidf("Slice and IN restrictions on clustering columns are not supported in UPDATE by cqlsim")
		}
		ck[f.cols[0].cell] = f.vals[0]
	}
	for i, v := range ck {
		if v == nil {
			return invalidf("Some clustering keys are missing: %s", t.ck[i].name)
		}
	}
	regular := map[int][]byte{}
	for _, a := range w.assign {
		v, err := c.eval(a.term, a.col.name, a.col.typ, vals)
		if err == errUnset {
			continue
		}
		if err != nil {
			return err
		}
		regular[a.col.cell-len(t.ck)] = v
	}
	st := t.store
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, cand := range cands {
		t.upsert(st.getOrCreatePartition(cand.key, cand.pk, cand.tok), ck, regular)
	}
	return nil
}

func (c *Cluster) applyDelete(w *writePlan, filters []boundFilter, cands []*partition) error {
	t := w.t
	st := t.store
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, cand := range cands {
		p := st.byKey[string(cand.key)]
		if p == nil {
			continue
		}
		pkCells := unpackCells(p.pk, len(t.pk))
		for i := range p.rows {
			r := &p.rows[i]
			if r.dead {
				continue
			}
			cells := unpackCells(r.cells, len(t.ck)+len(t.regular))
			match := true
			for fi := range filters {
				if !filters[fi].match(pkCells, cells) {
					match = false
					break
				}
			}
			if !match {
				continue
			}
			if len(w.delCols) > 0 {
				for _, cl := range w.delCols {
					cells[cl.cell] = nil
				}
				r.cells = packCells(nil, cells)
				continue
			}
			t.tombstone(r)
		}
	}
	return nil
}
