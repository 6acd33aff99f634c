package cqlparse

import "strings"

// createKeyspace parses CREATE KEYSPACE|SCHEMA [IF NOT EXISTS] k WITH
// replication = {...} [AND durable_writes = bool].
func (p *parser) createKeyspace() (*CreateKeyspace, error) {
	p.i += 2
	ks := &CreateKeyspace{}
	var err error
	if ks.IfNotExists, err = p.ifNotExists(); err != nil {
		return nil, err
	}
	if ks.Name, err = p.ident(); err != nil {
		return nil, err
	}
	if err := p.expectKw("with"); err != nil {
		return nil, err
	}
	for {
		name := p.peek()
		prop, err := p.ident()
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct("="); err != nil {
			return nil, err
		}
		val := p.peek()
		v, err := p.propertyValue()
		if err != nil {
			return nil, err
		}
		switch prop {
		case "replication":
			if ks.Replication, err = p.replication(val, v); err != nil {
				return nil, err
			}
		case "durable_writes":
			b, ok := boolValue(v)
			if !ok {
				return nil, p.errAt(val, "Invalid boolean value for property 'durable_writes'")
			}
			ks.DurableWrites = &b
		default:
			return nil, p.errAt(name, "Unknown property '"+prop+"'")
		}
		if !p.acceptKw("and") {
			return ks, nil
		}
	}
}

// replication converts the replication map to strings.
func (p *parser) replication(at token, v Term) (map[string]string, error) {
	c, ok := v.(*CollectionLit)
	if !ok || c.Kind != CollMap {
		return nil, p.errAt(at, "Invalid value for property 'replication': a map is required")
	}
	out := make(map[string]string, len(c.Keys))
	for i := range c.Keys {
		k, kok := c.Keys[i].(*Literal)
		val, vok := c.Values[i].(*Literal)
		if !kok || !vok || k.Kind == LitNull || val.Kind == LitNull {
			return nil, p.errAt(at, "Invalid value for property 'replication': keys and values must be constants")
		}
		out[k.Text] = val.Text
	}
	return out, nil
}

// boolValue interprets true, false, 'true' or 'false' (any case).
func boolValue(v Term) (b, ok bool) {
	lit, isLit := v.(*Literal)
	if !isLit || (lit.Kind != LitBool && lit.Kind != LitString) {
		return false, false
	}
	switch strings.ToLower(lit.Text) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// propertyValue parses the value of a WITH property: a constant, a map
// literal, or an unreserved word (returned as a LitString).
func (p *parser) propertyValue() (Term, error) {
	t := p.peek()
	if t.kind == tokIdent && !isReserved(t.val) && !isPunct(p.peekAt(1), "(") && !isISODuration(p.src[t.pos:t.end]) {
		p.next()
		return &Literal{Kind: LitString, Text: t.val}, nil
	}
	return p.term()
}

// createTable parses CREATE TABLE|COLUMNFAMILY [IF NOT EXISTS] t (...)
// [WITH ...].
func (p *parser) createTable() (*CreateTable, error) {
	p.i += 2
	ct := &CreateTable{}
	var err error
	if ct.IfNotExists, err = p.ifNotExists(); err != nil {
		return nil, err
	}
	if ct.Table, err = p.tableName(); err != nil {
		return nil, err
	}
	open := p.peek()
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	havePK := false
	for {
		pk := p.peek()
		if p.atKw("primary") {
			if havePK {
				return nil, p.errAt(pk, "Multiple PRIMARY KEYs specified (exactly one required)")
			}
			havePK = true
			if err := p.tablePrimaryKey(ct); err != nil {
				return nil, err
			}
		} else {
			col, err := p.columnDef()
			if err != nil {
				return nil, err
			}
			if col.PrimaryKey {
				if havePK {
					return nil, p.errAt(pk, "Multiple PRIMARY KEYs specified (exactly one required)")
				}
				havePK = true
				ct.PartitionKey = []string{col.Name}
			}
			ct.Columns = append(ct.Columns, col)
		}
		// Cassandra allows a trailing comma before ')'.
		if !p.acceptPunct(",") || p.atPunct(")") {
			break
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, err
	}
	if !havePK {
		return nil, p.errAt(open, "No PRIMARY KEY specified (exactly one required)")
	}
	if p.acceptKw("with") {
		if err := p.tableOptions(ct); err != nil {
			return nil, err
		}
	}
	return ct, nil
}

// columnDef parses name type [STATIC] [PRIMARY KEY].
func (p *parser) columnDef() (ColumnDef, error) {
	var col ColumnDef
	var err error
	if col.Name, err = p.ident(); err != nil {
		return ColumnDef{}, err
	}
	if col.Type, err = p.cqlType(); err != nil {
		return ColumnDef{}, err
	}
	col.Static = p.acceptKw("static")
	if p.acceptKw("primary") {
		if err := p.expectKw("key"); err != nil {
			return ColumnDef{}, err
		}
		col.PrimaryKey = true
	}
	return col, nil
}

// tablePrimaryKey parses PRIMARY KEY (pk, c1, ...) or PRIMARY KEY ((pk1,
// pk2), c1, ...).
func (p *parser) tablePrimaryKey(ct *CreateTable) error {
	p.next()
	if err := p.expectKw("key"); err != nil {
		return err
	}
	if err := p.expectPunct("("); err != nil {
		return err
	}
	var err error
	if p.acceptPunct("(") {
		if ct.PartitionKey, err = p.identList(); err != nil {
			return err
		}
		if err := p.expectPunct(")"); err != nil {
			return err
		}
	} else {
		first, err := p.ident()
		if err != nil {
			return err
		}
		ct.PartitionKey = []string{first}
	}
	if p.acceptPunct(",") {
		if ct.Clustering, err = p.identList(); err != nil {
			return err
		}
	}
	return p.expectPunct(")")
}

// tableOptions parses the items after WITH: CLUSTERING ORDER BY (...),
// COMPACT STORAGE and name = value, separated by AND.
func (p *parser) tableOptions(ct *CreateTable) error {
	for {
		switch {
		case p.atKw("clustering") && isKw(p.peekAt(1), "order"):
			p.i += 2
			if err := p.expectKw("by"); err != nil {
				return err
			}
			if err := p.expectPunct("("); err != nil {
				return err
			}
			for {
				col, err := p.ident()
				if err != nil {
					return err
				}
				o := ClusteringOrder{Column: col}
				if p.acceptKw("desc") {
					o.Desc = true
				} else {
					p.acceptKw("asc")
				}
				ct.ClusterOrder = append(ct.ClusterOrder, o)
				if !p.acceptPunct(",") {
					break
				}
			}
			if err := p.expectPunct(")"); err != nil {
				return err
			}
		case p.atKw("compact") && isKw(p.peekAt(1), "storage"):
			p.i += 2
			ct.CompactStorage = true
		default:
			name, err := p.ident()
			if err != nil {
				return err
			}
			if err := p.expectPunct("="); err != nil {
				return err
			}
			v, err := p.propertyValue()
			if err != nil {
				return err
			}
			if ct.Options == nil {
				ct.Options = make(map[string]Term)
			}
			ct.Options[name] = v
		}
		if !p.acceptKw("and") {
			return nil
		}
	}
}

// cqlType parses a CQL type and returns it normalised: lower case, no
// spaces, quoted names and custom type strings kept as written.
func (p *parser) cqlType() (string, error) {
	if err := p.enter(); err != nil {
		return "", err
	}
	defer p.leave()
	t := p.peek()
	switch {
	case t.kind == tokString:
		p.next()
		return p.src[t.pos:t.end], nil
	case t.kind == tokIdent && isParamType(t.val) && isPunct(p.peekAt(1), "<"):
		return p.paramType()
	case isIdentToken(t):
		p.next()
		name := p.typeName(t)
		if p.acceptPunct(".") {
			u := p.peek()
			if !isIdentToken(u) {
				return "", p.errExpecting("IDENT")
			}
			p.next()
			name += "." + p.typeName(u)
		}
		return name, nil
	}
	return "", p.errNoViable()
}

// typeName renders a type or keyspace name: lower-cased when unquoted,
// as written (with quotes) when quoted.
func (p *parser) typeName(t token) string {
	if t.kind == tokQIdent {
		return p.src[t.pos:t.end]
	}
	return t.val
}

// paramType parses list<T>, set<T>, map<K,V>, frozen<T>, tuple<T, ...> and
// vector<T, n>.
func (p *parser) paramType() (string, error) {
	name := p.next().val
	p.next() // <
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('<')
	arity := 0
	for {
		if arity > 0 {
			b.WriteByte(',')
		}
		if name == "vector" && arity == 1 {
			n := p.peek()
			if n.kind != tokInteger {
				return "", p.errExpecting("INTEGER")
			}
			p.next()
			b.WriteString(n.val)
		} else {
			inner, err := p.cqlType()
			if err != nil {
				return "", err
			}
			b.WriteString(inner)
		}
		arity++
		if !p.acceptPunct(",") {
			break
		}
	}
	end := p.peek()
	if err := p.expectPunct(">"); err != nil {
		return "", err
	}
	want := 1
	switch name {
	case "map", "vector":
		want = 2
	case "tuple":
		want = arity
	}
	if arity != want {
		return "", p.errAt(end, "Invalid number of type parameters for "+name)
	}
	b.WriteByte('>')
	return b.String(), nil
}

// createType parses CREATE TYPE [IF NOT EXISTS] t (field type, ...); a
// trailing comma is allowed, as in Cassandra.
func (p *parser) createType() (*CreateType, error) {
	p.i += 2
	ct := &CreateType{}
	var err error
	if ct.IfNotExists, err = p.ifNotExists(); err != nil {
		return nil, err
	}
	if ct.Name, err = p.typeNameRef(); err != nil {
		return nil, err
	}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	for {
		f, err := p.fieldDef()
		if err != nil {
			return nil, err
		}
		ct.Fields = append(ct.Fields, f)
		if !p.acceptPunct(",") || p.atPunct(")") {
			break
		}
	}
	return ct, p.expectPunct(")")
}

// fieldDef parses name type.
func (p *parser) fieldDef() (FieldDef, error) {
	var f FieldDef
	var err error
	if f.Name, err = p.ident(); err != nil {
		return FieldDef{}, err
	}
	if f.Type, err = p.cqlType(); err != nil {
		return FieldDef{}, err
	}
	return f, nil
}

// alterType parses ALTER TYPE t ADD field type, ALTER TYPE t RENAME a TO b
// [AND c TO d ...] and ALTER TYPE t ALTER field TYPE type.
func (p *parser) alterType() (*AlterType, error) {
	p.i += 2
	at := &AlterType{}
	var err error
	if at.Name, err = p.typeNameRef(); err != nil {
		return nil, err
	}
	switch {
	case p.acceptKw("add"):
		f, err := p.fieldDef()
		if err != nil {
			return nil, err
		}
		at.Add = &f
	case p.acceptKw("rename"):
		for {
			from, err := p.ident()
			if err != nil {
				return nil, err
			}
			if err := p.expectKw("to"); err != nil {
				return nil, err
			}
			to, err := p.ident()
			if err != nil {
				return nil, err
			}
			at.Renames = append(at.Renames, [2]string{from, to})
			if !p.acceptKw("and") {
				break
			}
		}
	case p.acceptKw("alter"):
		if at.AlterField, err = p.ident(); err != nil {
			return nil, err
		}
		if err := p.expectKw("type"); err != nil {
			return nil, err
		}
		if _, err := p.cqlType(); err != nil {
			return nil, err
		}
	default:
		return nil, p.errNoViable()
	}
	return at, nil
}

// typeNameRef parses [keyspace '.'] name of a user-defined type. An
// unquoted name may not be a native type name, as in Cassandra's grammar
// where those are keywords.
func (p *parser) typeNameRef() (TypeName, error) {
	first, err := p.udtNamePart()
	if err != nil {
		return TypeName{}, err
	}
	if !p.acceptPunct(".") {
		return TypeName{Name: first}, nil
	}
	second, err := p.udtNamePart()
	if err != nil {
		return TypeName{}, err
	}
	return TypeName{Keyspace: first, Name: second}, nil
}

func (p *parser) udtNamePart() (string, error) {
	t := p.peek()
	if t.kind == tokIdent && (isNativeType(t.val) || isParamType(t.val)) {
		return "", p.errNoViable()
	}
	if t.kind == tokIdent && isReservedTypeName(t.val) {
		return "", p.errAt(t, "Invalid (reserved) user type name "+t.val)
	}
	return p.ident()
}

// isReservedTypeName reports the names Cassandra keeps for future types.
func isReservedTypeName(w string) bool {
	switch w {
	case "byte", "complex", "enum", "date", "interval", "macaddr", "bitstring":
		return true
	}
	return false
}
