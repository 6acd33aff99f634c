package cqlsim

import (
	"encoding/binary"
	"math"
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
	using       cqlparse.Using
	// batchTS is the USING TIMESTAMP of the BATCH the statement is in.
	batchTS cqlparse.Term
	// staticOnly is set when the statement writes static columns and no
	// regular one: it needs no clustering (and UPDATE and DELETE refuse
	// one).
	staticOnly bool
}

type assignment struct {
	col  *column
	term cqlparse.Term
	// op is "+" or "-" for a counter increment (col = col +/- term).
	op string
	// field is set for col.field = term on a non-frozen UDT.
	field int
}

// batchInfo tells planWrite about the BATCH a statement is in.
type batchInfo struct {
	ts cqlparse.Term // the BATCH's USING TIMESTAMP, or nil
}

func (c *Cluster) planWrite(ks string, s cqlparse.Statement, b *binder, batch *batchInfo) (*writePlan, error) {
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
	if batch != nil {
		w.batchTS = batch.ts
	}
	col := func(name string) (*column, error) {
		cl := t.column(name)
		if cl == nil {
			return nil, invalidf("Undefined column name %s in table %s", name, t.qualified())
		}
		return cl, nil
	}
	using := func(u cqlparse.Using) error {
		w.using = u
		if u.Timestamp != nil && w.batchTS != nil {
			return invalidf("Timestamp must be set either on BATCH or individual statements")
		}
		if t.counter && (u.Timestamp != nil || w.batchTS != nil) {
			return invalidf("Cannot provide custom timestamp for counter updates")
		}
		if t.counter && u.TTL != nil {
			return invalidf("Cannot provide custom TTL for counter updates")
		}
		if u.TTL != nil {
			b.term(t, u.TTL, "[ttl]", cqltype.Type{Kind: cqltype.Int})
		}
		if u.Timestamp != nil {
			b.term(t, u.Timestamp, "[timestamp]", cqltype.Type{Kind: cqltype.Bigint})
		}
		return nil
	}
	regulars, statics := 0, 0
	count := func(cl *column) {
		switch cl.kind {
		case kindStatic:
			statics++
		case kindRegular:
			regulars++
		}
	}
	switch v := s.(type) {
	case *cqlparse.Insert:
		if v.JSON != nil {
			return nil, invalidf("INSERT JSON is not supported by cqlsim")
		}
		if t.counter {
			return nil, invalidf("INSERT statements are not allowed on counter tables, use UPDATE instead")
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
			count(cl)
			b.term(t, v.Values[i], cl.name, cl.typ)
			w.assign = append(w.assign, assignment{col: cl, term: v.Values[i], field: -1})
		}
		if err := using(v.Using); err != nil {
			return nil, err
		}
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
		// An INSERT of static columns alone needs no clustering.
		w.staticOnly = statics > 0 && regulars == 0 && len(missingCK) == len(t.ck)
		if len(missingCK) > 0 && !w.staticOnly {
			return nil, invalidf("Some clustering keys are missing: %s", strings.Join(missingCK, ", "))
		}
		w.ifNotExists = v.IfNotExists
		if w.ifNotExists && v.Using.Timestamp != nil {
			return nil, invalidf("Cannot provide custom timestamp for conditional updates")
		}
		return w, nil
	case *cqlparse.Update:
		if len(v.Conditions) > 0 || v.IfExists {
			return nil, invalidf("Conditional updates (IF ...) are not supported by cqlsim")
		}
		if err := using(v.Using); err != nil {
			return nil, err
		}
		for _, a := range v.Set {
			cl, err := col(a.Column)
			if err != nil {
				return nil, err
			}
			if cl.kind == kindPartitionKey || cl.kind == kindClustering {
				return nil, invalidf("PRIMARY KEY part %s found in SET part", cl.name)
			}
			count(cl)
			as, err := planAssignment(t, cl, a, b)
			if err != nil {
				return nil, err
			}
			w.assign = append(w.assign, as)
		}
		w.staticOnly = statics > 0 && regulars == 0
		w.where = v.Where
	case *cqlparse.Delete:
		if len(v.Conditions) > 0 || v.IfExists {
			return nil, invalidf("Conditional deletions (IF ...) are not supported by cqlsim")
		}
		if v.Keys != nil {
			return nil, invalidf("Deleting collection elements (col[key]) is not supported by cqlsim")
		}
		if err := using(v.Using); err != nil {
			return nil, err
		}
		for _, name := range v.Columns {
			cl, err := col(name)
			if err != nil {
				return nil, err
			}
			if cl.kind == kindPartitionKey || cl.kind == kindClustering {
				return nil, invalidf("Invalid identifier %s for deletion (should not be a PRIMARY KEY part)", cl.name)
			}
			count(cl)
			w.delCols = append(w.delCols, cl)
		}
		w.staticOnly = statics > 0 && regulars == 0
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
		if cl.kind == kindClustering && w.staticOnly {
			verb := "UPDATE"
			if _, ok := s.(*cqlparse.Delete); ok {
				verb = "DELETE"
			}
			return nil, invalidf("Invalid restrictions on clustering columns since the %s statement modifies only static columns", verb)
		}
		if rel.Multi {
			var cols []*column
			for _, name := range rel.Columns {
				cols = append(cols, t.column(name))
			}
			c.bindMulti(t, rel, cols, b)
			continue
		}
		if cl.kind == kindRegular || cl.kind == kindStatic {
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

// planAssignment checks one item of UPDATE ... SET and types its markers.
func planAssignment(t *table, cl *column, a cqlparse.Assignment, b *binder) (assignment, error) {
	as := assignment{col: cl, term: a.Value, op: a.Op, field: -1}
	isCounter := cl.typ.Kind == cqltype.Counter
	switch {
	case a.Field != "":
		if cl.typ.Kind != cqltype.UDT {
			return as, invalidf("Invalid operation (%s.%s = ...) for non-UDT column %s", cl.name, a.Field, cl.name)
		}
		if cl.typ.Frozen {
			return as, invalidf("Invalid operation (%s.%s = ...) for frozen UDT column %s", cl.name, a.Field, cl.name)
		}
		as.field = -1
		for i, f := range cl.typ.Fields {
			if f == a.Field {
				as.field = i
			}
		}
		if as.field < 0 {
			return as, invalidf("UDT column %s does not have a field named %s", cl.name, a.Field)
		}
		b.term(t, a.Value, cl.name+"."+a.Field, cl.typ.Elems[as.field])
		return as, nil
	case a.Key != nil || a.Prepend:
		return as, invalidf("cqlsim supports only plain assignments (col = value) and counter increments in UPDATE, not on %s", cl.name)
	case a.Op != "" && isCounter:
		b.term(t, a.Value, cl.name, cqltype.Type{Kind: cqltype.Bigint})
		return as, nil
	case a.Op != "":
		if !cl.typ.IsCollection() {
			return as, invalidf("Invalid operation (%s = %s %s ...) for non counter column %s", cl.name, cl.name, a.Op, cl.name)
		}
		return as, invalidf("cqlsim supports only plain assignments (col = value) and counter increments in UPDATE, not on %s", cl.name)
	case isCounter:
		return as, invalidf("Cannot set the value of counter column %s (counters can only be incremented/decremented, not set)", cl.name)
	}
	b.term(t, a.Value, cl.name, cl.typ)
	return as, nil
}

// writeTime is the timestamp and TTL a write applies with.
type writeTime struct {
	ts  int64
	ttl int32
	exp int64 // the expiration time (seconds), 0 without TTL
}

// writeTime evaluates USING TIMESTAMP and TTL: the statement's timestamp,
// else the BATCH's, else the client's (clientTS, noTS when the request
// has none), else the server's; the statement's TTL (null for none, unset
// for the table's), else the table's default_time_to_live.
func (c *Cluster) writeTime(w *writePlan, vals [][]byte, clientTS int64) (writeTime, error) {
	wt := writeTime{ts: noTS}
	for _, term := range []cqlparse.Term{w.using.Timestamp, w.batchTS} {
		if term == nil {
			continue
		}
		v, err := c.eval(term, "[timestamp]", cqltype.Type{Kind: cqltype.Bigint}, vals)
		if err == errUnset {
			continue
		}
		if err != nil {
			return wt, err
		}
		if v == nil {
			return wt, invalidf("Invalid null value of timestamp")
		}
		if len(v) != 8 {
			return wt, invalidf("Invalid timestamp value")
		}
		wt.ts = int64(binary.BigEndian.Uint64(v))
		if wt.ts == math.MinInt64 {
			return wt, invalidf("Invalid timestamp value: %d", wt.ts)
		}
		break
	}
	switch {
	case wt.ts != noTS:
	case clientTS != noTS:
		wt.ts = clientTS
	default:
		wt.ts = c.timestamp()
	}
	ttl := int64(w.t.defaultTTL)
	if w.using.TTL != nil {
		v, err := c.eval(w.using.TTL, "[ttl]", cqltype.Type{Kind: cqltype.Int}, vals)
		switch {
		case err == errUnset:
		case err != nil:
			return wt, err
		case v == nil:
			ttl = 0
		case len(v) != 4:
			return wt, invalidf("Invalid TTL value")
		default:
			ttl = int64(int32(binary.BigEndian.Uint32(v)))
			if ttl < 0 {
				return wt, invalidf("A TTL must be greater or equal to 0, but was %d", ttl)
			}
			if ttl > maxTTL {
				return wt, invalidf("ttl is too large. requested (%d) maximum (%d)", ttl, maxTTL)
			}
		}
	}
	wt.ttl = int32(ttl)
	if ttl > 0 {
		wt.exp = c.nowSec() + ttl
	}
	return wt, nil
}

// runWrite applies a write. clientTS is the request's default timestamp,
// noTS when it has none. When an INSERT IF NOT EXISTS finds a live row,
// it is not applied, and existing, if not nil, receives the row's cells as
// SELECT * gives them.
func (c *Cluster) runWrite(w *writePlan, vals [][]byte, clientTS int64, existing *[]byte) (applied bool, err error) {
	wt, err := c.writeTime(w, vals, clientTS)
	if err != nil {
		return false, err
	}
	t := w.t
	switch w.stmt.(type) {
	case *cqlparse.Insert:
		pk := make([][]byte, len(t.pk))
		ck := make([][]byte, len(t.ck))
		row := &mutation{ts: wt.ts, ttl: wt.ttl, exp: wt.exp, marker: true}
		static := &mutation{ts: wt.ts, ttl: wt.ttl, exp: wt.exp}
		for _, a := range w.assign {
			v, err := c.evalValue(a.term, a.col, vals)
			if err == errUnset {
				if a.col.kind == kindPartitionKey || a.col.kind == kindClustering {
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
			case kindStatic:
				static.cells = append(static.cells, cellWrite{idx: a.col.value(t), val: v})
			default:
				row.cells = append(row.cells, cellWrite{idx: a.col.value(t), val: v})
			}
		}
		key, tk := c.partitionKey(pk)
		if len(key) == 0 {
			return false, errEmptyKey
		}
		st := t.store
		st.lockWrite()
		defer st.mu.Unlock()
		now := c.nowSec()
		if w.ifNotExists {
			if p := st.byKey[string(key)]; p != nil {
				if cells, ok := t.liveStar(p, ck, w.staticOnly, now); ok {
					if existing != nil {
						*existing = cells
					}
					return false, nil
				}
			}
		}
		p := st.getOrCreatePartition(key, packCells(nil, pk), tk)
		if !w.staticOnly {
			t.writeRow(st, p, ck, row)
		}
		if len(static.cells) > 0 {
			t.writeStatic(st, p, static)
		}
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
		return true, c.applyUpdate(w, wt, filters, cands, vals)
	default:
		return true, c.applyDelete(w, wt, filters, cands)
	}
}

// evalValue evaluates a term for column col: an empty non-frozen
// collection, and a non-frozen UDT whose fields are all null, are null, as
// Cassandra stores no element or field cell for them (only the deletion
// of what was there).
func (c *Cluster) evalValue(term cqlparse.Term, col *column, vals [][]byte) ([]byte, error) {
	v, err := c.eval(term, col.name, col.typ, vals)
	if err != nil || v == nil || !col.typ.IsMultiCell() {
		return v, err
	}
	if col.typ.IsCollection() {
		if len(v) >= 4 && binary.BigEndian.Uint32(v) == 0 {
			return nil, nil
		}
		return v, nil
	}
	// v is valid: eval validated it.
	fields := cqltype.ReadFields(&col.typ, v)
	for range fields.Len() {
		if f, err := fields.Next(); err != nil || f != nil {
			return v, nil
		}
	}
	return nil, nil
}

// liveStar returns the SELECT * cells of the live row ck of p (or of its
// static row, for staticOnly) at now, and whether there is one.
func (t *table) liveStar(p *partition, ck [][]byte, staticOnly bool, now int64) ([]byte, bool) {
	statics, staticLive := t.staticView(p, now)
	if staticOnly {
		if !staticLive {
			return nil, false
		}
		return t.starRow(nil, p, nil, statics), true
	}
	i, found := t.findRow(p, packCells(nil, ck))
	if !found {
		return nil, false
	}
	cells, live, _ := p.rows[i].view(len(t.ck), len(t.regular), now)
	if !live {
		return nil, false
	}
	return t.starRow(nil, p, cells, statics), true
}

// writeRow applies m to the row ck of p, creating it. The store's write
// lock is held.
func (t *table) writeRow(st *store, p *partition, ck [][]byte, m *mutation) {
	ckPacked := packCells(nil, ck)
	i, found := t.findRow(p, ckPacked)
	nvals := len(t.regular)
	if found {
		t.apply(&p.rows[i], len(t.ck), nvals, m, p.del, st.baseTS)
		return
	}
	r := row{cells: packCells(ckPacked, make([][]byte, nvals)), dead: true,
		meta: &rowMeta{marker: cellMeta{ts: noTS}, del: noTS}}
	t.apply(&r, len(t.ck), nvals, m, p.del, st.baseTS)
	if r.dead && !r.meta.written() {
		return // all shadowed: nothing to keep
	}
	p.insertRow(i, r)
}

// writeStatic applies m to p's static row, creating it. The store's write
// lock is held.
func (t *table) writeStatic(st *store, p *partition, m *mutation) {
	if p.static == nil {
		p.static = &row{cells: packCells(nil, make([][]byte, len(t.static))), dead: true,
			meta: &rowMeta{marker: cellMeta{ts: noTS}, del: noTS}}
	}
	t.apply(p.static, 0, len(t.static), m, p.del, st.baseTS)
}

// written reports whether h holds anything: a marker, a deletion or a cell.
func (h *rowMeta) written() bool {
	if h.marker.ts != noTS || h.del != noTS {
		return true
	}
	for _, m := range h.cells {
		if m.ts != noTS {
			return true
		}
	}
	return false
}

func (c *Cluster) applyUpdate(w *writePlan, wt writeTime, filters []boundFilter, cands []*partition, vals [][]byte) error {
	t := w.t
	// Every clustering column must be fixed by equality, unless only
	// static columns are set.
	ck := make([][]byte, len(t.ck))
	for _, f := range filters {
		if len(f.cols) != 1 || f.op != cqlparse.OpEq || f.cols[0].kind != kindClustering {
			return invalidf("Slice and IN restrictions on clustering columns are not supported in UPDATE by cqlsim")
		}
		ck[f.cols[0].cell] = f.vals[0]
	}
	if !w.staticOnly {
		for i, v := range ck {
			if v == nil {
				var names []string
				for _, col := range t.ck[i:] {
					names = append(names, col.name)
				}
				return invalidf("Some clustering keys are missing: %s", strings.Join(names, ", "))
			}
		}
	}
	row := &mutation{ts: wt.ts, ttl: wt.ttl, exp: wt.exp}
	static := &mutation{ts: wt.ts, ttl: wt.ttl, exp: wt.exp}
	var fields []assignment // col.field = v, applied on the current value
	for _, a := range w.assign {
		m := row
		if a.col.kind == kindStatic {
			m = static
		}
		if a.field >= 0 {
			fields = append(fields, a)
			continue
		}
		if a.op != "" {
			v, err := c.eval(a.term, a.col.name, cqltype.Type{Kind: cqltype.Bigint}, vals)
			if err == errUnset {
				continue
			}
			if err != nil {
				return err
			}
			if v == nil {
				return invalidf("Invalid null value for counter increment")
			}
			n := int64(binary.BigEndian.Uint64(v))
			if a.op == "-" {
				n = -n
			}
			m.cells = append(m.cells, cellWrite{idx: a.col.value(t), counter: true, add: n})
			continue
		}
		v, err := c.evalValue(a.term, a.col, vals)
		if err == errUnset {
			continue
		}
		if err != nil {
			return err
		}
		m.cells = append(m.cells, cellWrite{idx: a.col.value(t), val: v})
	}
	fieldVals := make([][]byte, len(fields))
	for i, a := range fields {
		v, err := c.eval(a.term, a.col.name+"."+a.col.typ.Fields[a.field], a.col.typ.Elems[a.field], vals)
		if err == errUnset {
			fields[i].field = -1
			continue
		}
		if err != nil {
			return err
		}
		fieldVals[i] = v
	}
	st := t.store
	st.lockWrite()
	defer st.mu.Unlock()
	now := c.nowSec()
	for _, cand := range cands {
		p := st.getOrCreatePartition(cand.key, cand.pk, cand.tok)
		rm, sm := *row, *static
		rm.cells, sm.cells = append([]cellWrite(nil), row.cells...), append([]cellWrite(nil), static.cells...)
		for i, a := range fields {
			if a.field < 0 {
				continue
			}
			var cur []byte
			if a.col.kind == kindStatic {
				if statics, _ := t.staticView(p, now); statics != nil {
					cur = unpackCells(statics, len(t.static))[a.col.cell]
				}
			} else if ri, ok := t.findRow(p, packCells(nil, ck)); ok {
				cells, _, _ := p.rows[ri].view(len(t.ck), len(t.regular), now)
				cur = unpackCells(cells, len(t.ck)+len(t.regular))[a.col.cell]
			}
			cw := cellWrite{idx: a.col.value(t), val: setField(a.col.typ, cur, a.field, fieldVals[i])}
			if a.col.kind == kindStatic {
				sm.cells = append(sm.cells, cw)
			} else {
				rm.cells = append(rm.cells, cw)
			}
		}
		if len(rm.cells) > 0 {
			t.writeRow(st, p, ck, &rm)
		}
		if len(sm.cells) > 0 {
			t.writeStatic(st, p, &sm)
		}
	}
	return nil
}

// setField returns the UDT value cur (null: no field set) of type udt with
// field i set to v; null when no field is left set.
func setField(udt cqltype.Type, cur []byte, i int, v []byte) []byte {
	fields := make([][]byte, len(udt.Elems))
	if cur != nil {
		// cur is a stored value, valid for udt: a missing field is null.
		it := cqltype.ReadFields(&udt, cur)
		for k := range fields {
			fields[k], _ = it.Next()
		}
	}
	fields[i] = v
	last := -1
	for k, f := range fields {
		if f != nil {
			last = k
		}
	}
	if last < 0 {
		return nil
	}
	var out []byte
	for _, f := range fields {
		out = cqltype.AppendValue(out, f)
	}
	return out
}

func (c *Cluster) applyDelete(w *writePlan, wt writeTime, filters []boundFilter, cands []*partition) error {
	t := w.t
	fixed := make([]bool, len(t.ck))
	for _, f := range filters {
		if len(f.cols) == 1 && f.op == cqlparse.OpEq && f.cols[0].kind == kindClustering {
			fixed[f.cols[0].cell] = true
		}
	}
	for _, col := range w.delCols {
		if col.kind != kindRegular {
			continue
		}
		for i, ok := range fixed {
			if !ok {
				return invalidf("Primary key column '%s' must be specified in order to delete column '%s'", t.ck[i].name, col.name)
			}
		}
	}
	st := t.store
	st.lockWrite()
	defer st.mu.Unlock()
	for _, cand := range cands {
		p := st.byKey[string(cand.key)]
		if p == nil {
			continue
		}
		if len(w.delCols) > 0 {
			row := &mutation{ts: wt.ts}
			static := &mutation{ts: wt.ts}
			for _, col := range w.delCols {
				cw := cellWrite{idx: col.value(t)}
				if col.kind == kindStatic {
					static.cells = append(static.cells, cw)
				} else {
					row.cells = append(row.cells, cw)
				}
			}
			if len(static.cells) > 0 {
				t.writeStatic(st, p, static)
			}
			if len(row.cells) > 0 {
				t.deleteCells(st, p, filters, row)
			}
			continue
		}
		if len(filters) == 0 {
			// The whole partition, its static row included.
			p.del = max(p.del, wt.ts)
			for i := range p.rows {
				t.deleteRow(&p.rows[i], len(t.ck), len(t.regular), wt.ts, st.baseTS)
			}
			if p.static != nil {
				t.deleteRow(p.static, 0, len(t.static), wt.ts, st.baseTS)
			}
			continue
		}
		if ck := exactClustering(t, filters); ck != nil {
			// One row: its tombstone is written even where no row is,
			// as Cassandra does.
			ckPacked := packCells(nil, ck)
			i, found := t.findRow(p, ckPacked)
			if !found {
				p.insertRow(i, row{cells: packCells(ckPacked, make([][]byte, len(t.regular))), dead: true,
					meta: &rowMeta{marker: cellMeta{ts: noTS}, del: noTS}})
			}
			t.deleteRow(&p.rows[i], len(t.ck), len(t.regular), wt.ts, st.baseTS)
			continue
		}
		pkCells := unpackCells(p.pk, len(t.pk))
		for i := range p.rows {
			r := &p.rows[i]
			if r.dead && r.meta != nil && r.meta.del >= wt.ts {
				continue
			}
			cells := unpackCells(r.cells, len(t.ck)+len(t.regular))
			if matchAll(filters, rowCells{pk: pkCells, cells: cells}) {
				t.deleteRow(r, len(t.ck), len(t.regular), wt.ts, st.baseTS)
			}
		}
	}
	return nil
}

// exactClustering returns the clustering values when the filters are
// exactly one equality on each clustering column, else nil.
func exactClustering(t *table, filters []boundFilter) [][]byte {
	if len(filters) != len(t.ck) || len(t.ck) == 0 {
		return nil
	}
	ck := make([][]byte, len(t.ck))
	for _, f := range filters {
		if len(f.cols) != 1 || f.op != cqlparse.OpEq || f.cols[0].kind != kindClustering || f.in || ck[f.cols[0].cell] != nil {
			return nil
		}
		ck[f.cols[0].cell] = f.vals[0]
	}
	return ck
}

// deleteCells writes the cell tombstones of m into the row of p the
// filters name (all clustering columns fixed by equality), even when the
// row does not exist, as Cassandra does: they shadow older writes that
// arrive later. The store's write lock is held.
func (t *table) deleteCells(st *store, p *partition, filters []boundFilter, m *mutation) {
	ck := make([][]byte, len(t.ck))
	for _, f := range filters {
		if len(f.cols) == 1 && f.op == cqlparse.OpEq && f.cols[0].kind == kindClustering {
			ck[f.cols[0].cell] = f.vals[0]
		}
	}
	t.writeRow(st, p, ck, m)
}
