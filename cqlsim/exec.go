package cqlsim

import (
	"math"
	"time"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// run executes a compiled statement with the request's parameters. A
// SELECT first waits for its turn under the node's capacity, recorded in
// t.
func (c *conn) run(st *statement, params *cqlproto.QueryParams, t *turn) (result, error) {
	cl := c.node.cluster
	if len(params.Names) > 0 {
		vals, err := namedValues(st, params)
		if err != nil {
			return result{}, err
		}
		params.Values = vals
	}
	if len(params.Values) != len(st.parsed.Markers) {
		return result{}, invalidf("There were %d markers(?) in CQL but %d bound variables", len(st.parsed.Markers), len(params.Values))
	}
	switch s := st.parsed.Stmt.(type) {
	case *cqlparse.Select:
		// Drivers read the system tables to connect and to follow the
		// schema: as with injected faults, they never queue, and have no
		// deadline.
		var deadline time.Duration
		if !isSystemKeyspace(st.keyspace) {
			deadline = cl.readTimeout(st.sel.keyRange)
			if err := c.node.capacity.admit(c.ctx, t, params.Consistency, deadline); err != nil {
				c.node.served.add(st.keyspace, st.table, true, false)
				return result{immediate: true}, err
			}
		}
		res, err := result{}, c.injectFault(st.keyspace, st.query, params.Consistency, false)
		if err == nil {
			res, err = cl.runSelect(c.node, st.sel, params)
		}
		res.deadline, res.cl = deadline, params.Consistency
		c.node.served.addRead(st.keyspace, st.table, res.nonReplica, res.examined)
		return res, err
	case *cqlparse.Insert, *cqlparse.Update, *cqlparse.Delete:
		c.node.served.add(st.keyspace, st.table, false, false)
		if err := c.injectFault(st.keyspace, st.query, params.Consistency, true); err != nil {
			return result{}, err
		}
		var existing []byte
		applied, err := cl.runWrite(st.write, params.Values, params.ClientTimestamp(), &existing)
		if err != nil {
			return result{}, err
		}
		if ins, ok := s.(*cqlparse.Insert); ok && ins.IfNotExists {
			return result{body: appliedResult(st, applied, existing)}, nil
		}
		return voidResult(), nil
	case *cqlparse.Batch:
		// Planned and checked by compile; applied as conn.batch does: one
		// fault for the whole batch, then each statement in order.
		if len(st.batch) > 0 {
			if err := c.injectFault(st.batch[0].t.keyspace, st.query, params.Consistency, true); err != nil {
				return result{}, err
			}
		}
		// One default timestamp for the whole batch, as Cassandra's.
		ts := params.ClientTimestamp()
		if ts == noTS {
			ts = cl.timestamp()
		}
		for _, w := range st.batch {
			c.node.served.add(w.t.keyspace, w.t.name, false, false)
		}
		for _, w := range st.batch {
			if _, err := cl.runWrite(w, params.Values, ts, nil); err != nil {
				return result{}, err
			}
		}
		return voidResult(), nil
	case *cqlparse.Describe:
		c.node.served.add("system", "describe", true, false)
		return cl.runDescribe(c.currentKeyspace(), s, params)
	case *cqlparse.Use:
		if cl.schema.keyspace(s.Keyspace) == nil {
			return result{}, invalidf("Keyspace '%s' does not exist", s.Keyspace)
		}
		c.setKeyspace(s.Keyspace)
		body := cqlproto.AppendInt(nil, 3)
		return result{body: cqlproto.AppendString(body, s.Keyspace)}, nil
	}
	body, err := cl.runDDL(c.currentKeyspace(), st.parsed.Stmt)
	return result{body: body}, err
}

func voidResult() result { return result{body: cqlproto.AppendInt(nil, 1)} }

// appliedResult is the Rows result of a conditional write, always with its
// metadata: [applied], then, when it was not applied, the columns of the
// existing row as SELECT * gives them, as Cassandra answers
// INSERT ... IF NOT EXISTS.
func appliedResult(st *statement, applied bool, existing []byte) []byte {
	specs := []colSpec{{ks: st.keyspace, table: st.table, name: "[applied]", typ: cqltype.Type{Kind: cqltype.Boolean}}}
	v := byte(0)
	if applied {
		v = 1
	}
	w := rowsWriter{count: 1, buf: cqltype.AppendValue(nil, []byte{v})}
	if !applied && existing != nil {
		for _, col := range st.write.t.columns {
			specs = append(specs, colSpec{ks: st.keyspace, table: st.table, name: col.name, typ: col.typ})
		}
		w.buf = append(w.buf, existing...)
	}
	return appendRows(nil, specs, false, nil, &w)
}

// namedValues orders values sent with names by the statement's markers.
func namedValues(st *statement, params *cqlproto.QueryParams) ([][]byte, error) {
	vals := make([][]byte, len(st.binds))
	set := make([]bool, len(st.binds))
	for i, name := range params.Names {
		found := false
		for j, b := range st.binds {
			if !set[j] && b.name == name {
				vals[j], set[j], found = params.Values[i], true, true
				// A name may be used by several markers.
				for k := j + 1; k < len(st.binds); k++ {
					if !set[k] && st.binds[k].name == name {
						vals[k], set[k] = params.Values[i], true
					}
				}
				break
			}
		}
		if !found {
			return nil, invalidf("Invalid unknown bind variable name: %s", name)
		}
	}
	for j, ok := range set {
		if !ok {
			return nil, invalidf("Missing value for bind variable %s", st.binds[j].name)
		}
	}
	return vals, nil
}

// prepare answers PREPARE.
func (c *conn) prepare(query string) (result, error) {
	cl := c.node.cluster
	ks := c.currentKeyspace()
	st, err := cl.compile(ks, query)
	if err != nil {
		return result{}, err
	}
	id := preparedID(ks, query)
	c.node.storePrepared(&prepared{id: id, stmt: st, keyspace: ks})
	body := cqlproto.AppendInt(nil, 4)
	body = cqlproto.AppendShortBytes(body, id)
	body = appendPreparedMetadata(body, st)
	if d, ok := st.parsed.Stmt.(*cqlparse.Describe); ok {
		r, err := cl.resolveDescribe(ks, d)
		if err != nil {
			return result{}, err
		}
		body = appendMetadata(body, r.specs, false, nil)
	} else if st.sel != nil {
		body = appendMetadata(body, st.sel.specs, false, nil)
	} else {
		// Like Cassandra, no result metadata for other statements, even
		// conditional ones: their rows have one shape when applied and
		// another when not, so the driver must not skip the metadata of
		// their results.
		body = cqlproto.AppendInt(body, 0x0004) // no metadata
		body = cqlproto.AppendInt(body, 0)
	}
	return result{body: body}, nil
}

// appendPreparedMetadata encodes the bind variables' <metadata> with the
// partition key indexes drivers use for token-aware routing.
func appendPreparedMetadata(dst []byte, st *statement) []byte {
	global := globalSpec(st.binds)
	flags := int32(0)
	if global {
		flags = 0x0001
	}
	dst = cqlproto.AppendInt(dst, flags)
	dst = cqlproto.AppendInt(dst, int32(len(st.binds)))
	pk := pkIndexes(st)
	dst = cqlproto.AppendInt(dst, int32(len(pk)))
	for _, i := range pk {
		dst = cqlproto.AppendShort(dst, uint16(i))
	}
	return appendColSpecs(dst, st.binds, global)
}

// pkIndexes finds, for each partition key column in order, the bind marker
// that gives it by equality; nil unless every column has one.
func pkIndexes(st *statement) []int {
	var t *table
	var rels []cqlparse.Relation
	var assign []assignment
	switch {
	case st.sel != nil:
		t = st.sel.t
		rels = st.parsed.Stmt.(*cqlparse.Select).Where
	case st.write != nil:
		t = st.write.t
		rels = st.write.where
		assign = st.write.assign
	default:
		return nil
	}
	idx := make([]int, len(t.pk))
	for i := range idx {
		idx[i] = -1
	}
	for _, a := range assign {
		if m, ok := a.term.(*cqlparse.BindMarker); ok && a.col.kind == kindPartitionKey {
			idx[a.col.pos] = m.Index
		}
	}
	for _, r := range rels {
		if r.Token || r.Multi || r.Op != cqlparse.OpEq {
			continue
		}
		col := t.column(r.Columns[0])
		if m, ok := r.Value.(*cqlparse.BindMarker); ok && col != nil && col.kind == kindPartitionKey {
			idx[col.pos] = m.Index
		}
	}
	for _, i := range idx {
		if i < 0 {
			return nil
		}
	}
	return idx
}

// batch runs a BATCH message.
func (c *conn) batch(b *cqlproto.BatchRequest) (result, error) {
	cl := c.node.cluster
	// Every statement is resolved before any is applied; they are kept, as
	// the node may forget its prepared statements in between.
	sts := make([]*statement, len(b.Queries))
	for i, q := range b.Queries {
		var st *statement
		if q.Prepared {
			p := c.node.lookupPrepared(q.ID)
			if p == nil || p.stmt.stale(cl.schema) {
				return result{}, unprepared(q.ID)
			}
			st = p.stmt
		} else {
			var err error
			if st, err = cl.compile(c.currentKeyspace(), q.Query); err != nil {
				return result{}, err
			}
		}
		if st.write == nil {
			return result{}, invalidf("Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.")
		}
		if len(q.Values) != len(st.parsed.Markers) {
			return result{}, invalidf("There were %d markers(?) in CQL but %d bound variables", len(st.parsed.Markers), len(q.Values))
		}
		sts[i] = st
	}
	plans := make([]*writePlan, len(sts))
	for i, st := range sts {
		plans[i] = st.write
	}
	if err := checkBatch(b.Type, plans); err != nil {
		return result{}, err
	}
	// One default timestamp for the whole batch, as Cassandra's.
	ts := noTS
	if b.Flags&cqlproto.QFlagDefaultTimestamp != 0 && b.Timestamp != math.MinInt64 {
		ts = b.Timestamp
	}
	if ts == noTS {
		ts = cl.timestamp()
	}
	for _, st := range sts {
		c.node.served.add(st.keyspace, st.table, false, false)
	}
	for i, q := range b.Queries {
		st := sts[i]
		if i == 0 {
			if err := c.injectFault(st.keyspace, st.query, b.Consistency, true); err != nil {
				return result{}, err
			}
		}
		if _, err := cl.runWrite(st.write, q.Values, ts, nil); err != nil {
			return result{}, err
		}
	}
	return voidResult(), nil
}
