package cqlsim

import (
	"crypto/md5"
	"errors"
	"slices"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// colSpec is a column specification of result or bind metadata.
type colSpec struct {
	ks, table, name string
	typ             cqltype.Type
}

// statement is a parsed statement resolved against the schema, ready to
// run with bound values. It is immutable and shared by prepared executions.
type statement struct {
	query    string
	parsed   *cqlparse.Parsed
	keyspace string // the keyspace the statement works on ("" for USE etc.)
	table    string
	binds    []colSpec // one per bind marker
	sel      *selectPlan
	write    *writePlan
	batch    []*writePlan // BEGIN BATCH ... APPLY BATCH: its statements
}

// stale reports whether the table st was planned against has been dropped,
// or dropped and created again, since. Cassandra then evicts the prepared
// statement: its next EXECUTE is answered UNPREPARED and the driver prepares
// it again, against the new table.
func (st *statement) stale(s *schema) bool {
	var tables []*table
	switch {
	case st.sel != nil:
		tables = append(tables, st.sel.t)
	case st.write != nil:
		tables = append(tables, st.write.t)
	}
	for _, w := range st.batch {
		tables = append(tables, w.t)
	}
	for _, t := range tables {
		if cur, err := s.lookupTable(t.keyspace, t.name); err != nil || cur != t {
			return true
		}
	}
	return false
}

// prepared is a prepared statement of a node.
type prepared struct {
	id   []byte
	stmt *statement
	// keyspace is the connection's keyspace when it was prepared
	// (system.prepared_statements' logged_keyspace), "" for none.
	keyspace string
}

// compile parses query and resolves it in the session keyspace ks.
func (c *Cluster) compile(ks, query string) (*statement, error) {
	p, err := cqlparse.Parse(query)
	if err != nil {
		var se *cqlparse.SyntaxError
		if errors.As(err, &se) {
			return nil, syntaxf("%s", se.Msg)
		}
		return nil, syntaxf("%v", err)
	}
	st := &statement{query: query, parsed: p, binds: make([]colSpec, len(p.Markers))}
	b := &binder{st: st}
	switch s := p.Stmt.(type) {
	case *cqlparse.Select:
		t, err := c.resolveTable(ks, s.Table)
		if err != nil {
			return nil, err
		}
		st.keyspace, st.table = t.keyspace, t.name
		st.sel, err = c.planSelect(t, s, b)
		if err != nil {
			return nil, err
		}
	case *cqlparse.Insert, *cqlparse.Update, *cqlparse.Delete:
		w, err := c.planWrite(ks, s, b, nil)
		if err != nil {
			return nil, err
		}
		st.write = w
		st.keyspace, st.table = w.t.keyspace, w.t.name
	case *cqlparse.Batch:
		info := &batchInfo{ts: s.Using.Timestamp}
		for _, inner := range s.Statements {
			w, err := c.planWrite(ks, inner, b, info)
			if err != nil {
				return nil, err
			}
			st.batch = append(st.batch, w)
		}
		if err := checkBatch(byte(s.Type), st.batch); err != nil {
			return nil, err
		}
		if s.Using.Timestamp != nil && len(st.batch) > 0 {
			b.term(st.batch[0].t, s.Using.Timestamp, "[timestamp]", cqltype.Type{Kind: cqltype.Bigint})
		}
	case *cqlparse.CreateTable:
		st.keyspace = orDefault(s.Table.Keyspace, ks)
	case *cqlparse.DropTable:
		st.keyspace = orDefault(s.Table.Keyspace, ks)
	case *cqlparse.Truncate:
		st.keyspace = orDefault(s.Table.Keyspace, ks)
	case *cqlparse.CreateType:
		st.keyspace = orDefault(s.Name.Keyspace, ks)
	case *cqlparse.AlterType:
		st.keyspace = orDefault(s.Name.Keyspace, ks)
	case *cqlparse.DropType:
		st.keyspace = orDefault(s.Name.Keyspace, ks)
	case *cqlparse.Describe:
		if !c.rel.v4() {
			return nil, describeSyntaxError(query)
		}
	case *cqlparse.CreateKeyspace, *cqlparse.DropKeyspace, *cqlparse.Use:
	case *cqlparse.AlterIgnored:
		return nil, invalidf("%s is not supported by cqlsim, the ringscan cluster simulator", s.Verb)
	default:
		return nil, invalidf("unsupported statement")
	}
	for i, m := range p.Markers {
		if st.binds[i].name == "" {
			return nil, invalidf("bind marker %d is in a position cqlsim cannot type", i+1)
		}
		if m.Name != "" {
			st.binds[i].name = m.Name
		}
	}
	return st, nil
}

// checkBatch applies Cassandra's rules on counters in a batch of kind
// (the BATCH message's type: 0 logged, 1 unlogged, 2 counter).
func checkBatch(kind byte, plans []*writePlan) error {
	counters, others := false, false
	for _, w := range plans {
		if w.t.counter {
			counters = true
		} else {
			others = true
		}
	}
	switch {
	case counters && others:
		return invalidf("Counter and non-counter mutations cannot exist in the same batch")
	case kind == byte(cqlparse.BatchLogged) && counters:
		return invalidf("Cannot include a counter statement in a logged batch")
	case kind == byte(cqlparse.BatchCounter) && others:
		return invalidf("Cannot include non-counter statement in a counter batch")
	}
	return nil
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// resolveTable finds a table, using the session keyspace when the name is
// not qualified.
func (c *Cluster) resolveTable(sessionKS string, n cqlparse.TableName) (*table, error) {
	ks := orDefault(n.Keyspace, sessionKS)
	if ks == "" {
		return nil, invalidf("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
	}
	return c.schema.lookupTable(ks, n.Name)
}

// binder records the receiver of each bind marker while a statement is
// planned.
type binder struct{ st *statement }

func (b *binder) bind(t cqlparse.Term, spec colSpec) {
	if m, ok := t.(*cqlparse.BindMarker); ok && m.Index < len(b.st.binds) {
		b.st.binds[m.Index] = spec
	}
}

// term binds the markers inside t to receivers of type typ.
func (b *binder) term(t *table, term cqlparse.Term, name string, typ cqltype.Type) {
	switch v := term.(type) {
	case *cqlparse.BindMarker:
		b.bind(v, colSpec{ks: t.keyspace, table: t.name, name: name, typ: typ})
	case *cqlparse.CollectionLit:
		for i, e := range v.Values {
			et := elemType(typ, false)
			b.term(t, e, name, et)
			if i < len(v.Keys) {
				b.term(t, v.Keys[i], name, elemType(typ, true))
			}
		}
	case *cqlparse.TupleLit:
		for i, e := range v.Elems {
			if i < len(typ.Elems) {
				b.term(t, e, name, typ.Elems[i])
			}
		}
	case *cqlparse.UDTLit:
		for i, f := range v.Fields {
			if k := slices.Index(typ.Fields, f); k >= 0 && typ.Kind == cqltype.UDT {
				b.term(t, v.Values[i], name+"."+f, typ.Elems[k])
			}
		}
	case *cqlparse.FuncCall:
		if v.Name == "token" {
			for i, a := range v.Args {
				if i < len(t.pk) {
					b.term(t, a, t.pk[i].name, t.pk[i].typ)
				}
			}
		}
	}
}

// elemType is the element (or key) type of a collection type.
func elemType(t cqltype.Type, key bool) cqltype.Type {
	switch t.Kind {
	case cqltype.List, cqltype.Set:
		return t.Elems[0]
	case cqltype.Map:
		if key {
			return t.Elems[0]
		}
		return t.Elems[1]
	}
	return t
}

// preparedID is Cassandra's statement id: MD5 of keyspace and query text,
// so that every node gives a statement the same id.
func preparedID(ks, query string) []byte {
	sum := md5.Sum([]byte(ks + query))
	return sum[:]
}

// tokenType is the CQL type of token(): bigint or varint.
func (c *Cluster) tokenType() cqltype.Type {
	if c.random {
		return cqltype.Type{Kind: cqltype.Varint}
	}
	return cqltype.Type{Kind: cqltype.Bigint}
}
