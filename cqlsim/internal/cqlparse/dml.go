package cqlparse

import "strings"

// selectStmt parses SELECT [JSON] [DISTINCT] selectors FROM table [WHERE
// ...] [ORDER BY ...] [PER PARTITION LIMIT n] [LIMIT n] [ALLOW FILTERING].
func (p *parser) selectStmt() (*Select, error) {
	p.next()
	s := &Select{}
	// JSON and DISTINCT are not reserved: "SELECT json FROM t" selects a
	// column named json.
	if p.atKw("json") && !p.selectorEndsAt(1) {
		p.next()
		s.JSON = true
	}
	if p.atKw("distinct") && !p.selectorEndsAt(1) {
		p.next()
		s.Distinct = true
	}
	if p.acceptPunct("*") {
		s.Star = true
	} else {
		for {
			sel, err := p.selector()
			if err != nil {
				return nil, err
			}
			s.Selectors = append(s.Selectors, sel)
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	if err := p.expectKw("from"); err != nil {
		return nil, err
	}
	var err error
	if s.Table, err = p.tableName(); err != nil {
		return nil, err
	}
	if p.acceptKw("where") {
		if s.Where, err = p.whereClause(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("order") {
		if s.OrderBy, err = p.orderBy(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("per") {
		if err := p.expectKw("partition"); err != nil {
			return nil, err
		}
		if err := p.expectKw("limit"); err != nil {
			return nil, err
		}
		if s.PerPartitionLimit, err = p.intValue(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("limit") {
		if s.Limit, err = p.intValue(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("allow") {
		if err := p.expectKw("filtering"); err != nil {
			return nil, err
		}
		s.AllowFiltering = true
	}
	return s, nil
}

// selectorEndsAt reports whether the token k ahead ends a selector, so that
// the word before it is a column name rather than a modifier.
func (p *parser) selectorEndsAt(k int) bool {
	t := p.peekAt(k)
	return isKw(t, "from") || isKw(t, "as") || isPunct(t, ",")
}

func (p *parser) orderBy() ([]OrderBy, error) {
	if err := p.expectKw("by"); err != nil {
		return nil, err
	}
	var out []OrderBy
	for {
		col, err := p.ident()
		if err != nil {
			return nil, err
		}
		o := OrderBy{Column: col}
		if p.acceptKw("desc") {
			o.Desc = true
		} else {
			p.acceptKw("asc")
		}
		out = append(out, o)
		if !p.acceptPunct(",") {
			return out, nil
		}
	}
}

// selector parses one item of the select clause and its optional alias.
func (p *parser) selector() (Selector, error) {
	var sel Selector
	t := p.peek()
	if isPunct(p.peekAt(1), "(") && (isIdentToken(t) || isKw(t, "token")) {
		p.next()
		p.next()
		sel.Func = t.val
		var err error
		if sel.Star, sel.Args, err = p.selectorArgs(t.val); err != nil {
			return Selector{}, err
		}
	} else {
		col, err := p.ident()
		if err != nil {
			return Selector{}, err
		}
		sel.Column = col
	}
	if p.acceptKw("as") {
		alias, err := p.ident()
		if err != nil {
			return Selector{}, err
		}
		sel.Alias = alias
	}
	return sel, nil
}

// selectorArgs parses the arguments of a function selector after its '('
// up to and including ')'. count(*) and count(1) yield star.
func (p *parser) selectorArgs(fn string) (star bool, args []string, err error) {
	if fn == "count" && isPunct(p.peekAt(1), ")") &&
		(p.atPunct("*") || (p.peek().kind == tokInteger && p.peek().val == "1")) {
		p.next()
		p.next()
		return true, nil, nil
	}
	if fn == "cast" {
		arg, err := p.selectorArg()
		if err != nil {
			return false, nil, err
		}
		if err := p.expectKw("as"); err != nil {
			return false, nil, err
		}
		typ, err := p.cqlType()
		if err != nil {
			return false, nil, err
		}
		return false, []string{arg, typ}, p.expectPunct(")")
	}
	if p.acceptPunct(")") {
		return false, nil, nil
	}
	for {
		arg, err := p.selectorArg()
		if err != nil {
			return false, nil, err
		}
		args = append(args, arg)
		if !p.acceptPunct(",") {
			break
		}
	}
	return false, args, p.expectPunct(")")
}

// selectorArg parses one argument of a function selector: a column name,
// or a constant or nested function call, returned as canonical text such
// as "'abc'", "42" or "now()".
func (p *parser) selectorArg() (string, error) {
	if err := p.enter(); err != nil {
		return "", err
	}
	defer p.leave()
	t := p.peek()
	switch {
	case isPunct(p.peekAt(1), "(") && (isIdentToken(t) || isKw(t, "token")):
		p.next()
		p.next()
		star, args, err := p.selectorArgs(t.val)
		if err != nil {
			return "", err
		}
		if star {
			return t.val + "(*)", nil
		}
		return t.val + "(" + strings.Join(args, ",") + ")", nil
	case isIdentToken(t) && !isKw(t, "true") && !isKw(t, "false"):
		p.next()
		return t.val, nil
	case t.kind == tokString || t.kind == tokInteger || t.kind == tokFloat || t.kind == tokUUID ||
		t.kind == tokHex || t.kind == tokDuration || isKw(t, "true") || isKw(t, "false") || isKw(t, "null"):
		p.next()
		return p.src[t.pos:t.end], nil
	case isPunct(t, "-") && (p.peekAt(1).kind == tokInteger || p.peekAt(1).kind == tokFloat):
		p.next()
		n := p.next()
		return "-" + n.val, nil
	}
	return "", p.errNoViable()
}

// whereClause parses relation (AND relation)*.
func (p *parser) whereClause() ([]Relation, error) {
	var out []Relation
	for {
		r, err := p.relation()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		if !p.acceptKw("and") {
			return out, nil
		}
	}
}

// relation parses one WHERE restriction.
func (p *parser) relation() (Relation, error) {
	var r Relation
	var err error
	switch {
	case p.atKw("token") && isPunct(p.peekAt(1), "("):
		p.next()
		p.next()
		r.Token = true
		if r.Columns, err = p.identList(); err != nil {
			return Relation{}, err
		}
		if err := p.expectPunct(")"); err != nil {
			return Relation{}, err
		}
	case p.acceptPunct("("):
		r.Multi = true
		if r.Columns, err = p.identList(); err != nil {
			return Relation{}, err
		}
		if err := p.expectPunct(")"); err != nil {
			return Relation{}, err
		}
	default:
		col, err := p.ident()
		if err != nil {
			return Relation{}, err
		}
		r.Columns = []string{col}
		if p.acceptPunct("[") {
			if r.Key, err = p.term(); err != nil {
				return Relation{}, err
			}
			if err := p.expectPunct("]"); err != nil {
				return Relation{}, err
			}
		}
	}
	if r.Op, err = p.operator(true); err != nil {
		return Relation{}, err
	}
	if r.Op == OpIn {
		r.Value, err = p.inValues()
		return r, err
	}
	if r.Multi {
		t := p.peek()
		r.Value, err = p.term()
		if err != nil {
			return Relation{}, err
		}
		switch r.Value.(type) {
		case *TupleLit, *BindMarker:
		default:
			return Relation{}, syntaxErrorf(p.src, t.pos, "mismatched input '%s' expecting '('", p.text(t))
		}
		return r, nil
	}
	r.Value, err = p.term()
	return r, err
}

// operator parses a comparison operator; CONTAINS [KEY] only when
// contains is true.
func (p *parser) operator(contains bool) (Op, error) {
	t := p.peek()
	if t.kind == tokPunct {
		op, ok := Op(0), true
		switch t.val {
		case "=":
			op = OpEq
		case "<":
			op = OpLt
		case "<=":
			op = OpLe
		case ">":
			op = OpGt
		case ">=":
			op = OpGe
		case "!=":
			op = OpNe
		default:
			ok = false
		}
		if ok {
			p.next()
			return op, nil
		}
	}
	if p.acceptKw("in") {
		return OpIn, nil
	}
	if contains && p.acceptKw("contains") {
		if p.acceptKw("key") {
			return OpContainsKey, nil
		}
		return OpContains, nil
	}
	return 0, p.errNoViable()
}

// using parses an optional USING TTL v AND TIMESTAMP v (either order).
// allowTTL is false for DELETE and BATCH, which only take a timestamp.
func (p *parser) using(u *Using, allowTTL bool) error {
	if !p.acceptKw("using") {
		return nil
	}
	for {
		var err error
		switch {
		case p.acceptKw("timestamp"):
			u.Timestamp, err = p.intValue()
		case allowTTL && p.acceptKw("ttl"):
			u.TTL, err = p.intValue()
		default:
			return p.errExpecting("K_TIMESTAMP")
		}
		if err != nil {
			return err
		}
		if !p.acceptKw("and") {
			return nil
		}
	}
}

// insertStmt parses INSERT INTO t (cols) VALUES (terms) or INSERT INTO t
// JSON value [DEFAULT NULL|UNSET], then [IF NOT EXISTS] [USING ...].
func (p *parser) insertStmt() (*Insert, error) {
	p.next()
	if err := p.expectKw("into"); err != nil {
		return nil, err
	}
	ins := &Insert{}
	var err error
	if ins.Table, err = p.tableName(); err != nil {
		return nil, err
	}
	if p.acceptKw("json") {
		if err := p.insertJSON(ins); err != nil {
			return nil, err
		}
	} else if err := p.insertValues(ins); err != nil {
		return nil, err
	}
	// Cassandra wants IF NOT EXISTS before USING; either order is accepted.
	seenIf, seenUsing := false, false
	for range 2 {
		switch {
		case p.atKw("if") && !seenIf:
			seenIf = true
			if ins.IfNotExists, err = p.ifNotExists(); err != nil {
				return nil, err
			}
		case p.atKw("using") && !seenUsing:
			seenUsing = true
			if err := p.using(&ins.Using, true); err != nil {
				return nil, err
			}
		}
	}
	return ins, nil
}

func (p *parser) insertJSON(ins *Insert) error {
	t := p.peek()
	switch {
	case t.kind == tokString:
		p.next()
		ins.JSON = &Literal{Kind: LitString, Text: t.val}
	case p.atMarker():
		m, err := p.bindMarker()
		if err != nil {
			return err
		}
		ins.JSON = m
	default:
		return p.errExpecting("STRING_LITERAL")
	}
	if p.acceptKw("default") {
		switch {
		case p.acceptKw("unset"):
			ins.JSONDefaultUnset = true
		case p.acceptKw("null"):
		default:
			return p.errNoViable()
		}
	}
	return nil
}

func (p *parser) insertValues(ins *Insert) error {
	if err := p.expectPunct("("); err != nil {
		return err
	}
	var err error
	if ins.Columns, err = p.identList(); err != nil {
		return err
	}
	if err := p.expectPunct(")"); err != nil {
		return err
	}
	if err := p.expectKw("values"); err != nil {
		return err
	}
	open := p.peek()
	if err := p.expectPunct("("); err != nil {
		return err
	}
	if ins.Values, err = p.termsUntil(")"); err != nil {
		return err
	}
	if len(ins.Values) != len(ins.Columns) {
		return p.errAt(open, "Unmatched column names/values")
	}
	return nil
}

// updateStmt parses UPDATE t [USING ...] SET assignments WHERE relations
// [IF EXISTS | IF conditions].
func (p *parser) updateStmt() (*Update, error) {
	p.next()
	u := &Update{}
	var err error
	if u.Table, err = p.tableName(); err != nil {
		return nil, err
	}
	if err := p.using(&u.Using, true); err != nil {
		return nil, err
	}
	if err := p.expectKw("set"); err != nil {
		return nil, err
	}
	for {
		a, err := p.assignment()
		if err != nil {
			return nil, err
		}
		u.Set = append(u.Set, a)
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.expectKw("where"); err != nil {
		return nil, err
	}
	if u.Where, err = p.whereClause(); err != nil {
		return nil, err
	}
	u.IfExists, u.Conditions, err = p.ifClause()
	return u, err
}

// assignment parses col = term, col = col +/- term, col = term + col (list
// prepend), col[key] = term or col.field = term.
func (p *parser) assignment() (Assignment, error) {
	col, err := p.ident()
	if err != nil {
		return Assignment{}, err
	}
	var a Assignment
	a.Column = col
	if p.acceptPunct(".") {
		if a.Field, err = p.ident(); err != nil {
			return Assignment{}, err
		}
		if err := p.expectPunct("="); err != nil {
			return Assignment{}, err
		}
		a.Value, err = p.term()
		return a, err
	}
	if p.acceptPunct("[") {
		if a.Key, err = p.term(); err != nil {
			return Assignment{}, err
		}
		if err := p.expectPunct("]"); err != nil {
			return Assignment{}, err
		}
		if err := p.expectPunct("="); err != nil {
			return Assignment{}, err
		}
		a.Value, err = p.term()
		return a, err
	}
	if err := p.expectPunct("="); err != nil {
		return Assignment{}, err
	}
	if t := p.peek(); isIdentToken(t) && (isPunct(p.peekAt(1), "+") || isPunct(p.peekAt(1), "-")) {
		if t.val != col {
			return Assignment{}, p.errAt(t, "Only expressions of the form X = X <op> <value> are supported.")
		}
		p.next()
		a.Op = p.next().val
		a.Value, err = p.term()
		return a, err
	}
	if a.Value, err = p.term(); err != nil {
		return Assignment{}, err
	}
	if p.acceptPunct("+") {
		t := p.peek()
		other, err := p.ident()
		if err != nil {
			return Assignment{}, err
		}
		if other != col {
			return Assignment{}, p.errAt(t, "Only expressions of the form X = <value> + X are supported.")
		}
		a.Op = "+"
		a.Prepend = true
	}
	return a, nil
}

// ifClause parses an optional IF EXISTS or IF condition (AND condition)*.
func (p *parser) ifClause() (exists bool, conds []Relation, err error) {
	if !p.acceptKw("if") {
		return false, nil, nil
	}
	if p.acceptKw("exists") {
		return true, nil, nil
	}
	for {
		c, err := p.condition()
		if err != nil {
			return false, nil, err
		}
		conds = append(conds, c)
		if !p.acceptKw("and") {
			return false, conds, nil
		}
	}
}

// condition parses col [ '[' key ']' ] op term of an IF clause.
func (p *parser) condition() (Relation, error) {
	col, err := p.ident()
	if err != nil {
		return Relation{}, err
	}
	r := Relation{Columns: []string{col}}
	if p.acceptPunct("[") {
		if r.Key, err = p.term(); err != nil {
			return Relation{}, err
		}
		if err := p.expectPunct("]"); err != nil {
			return Relation{}, err
		}
	}
	if r.Op, err = p.operator(false); err != nil {
		return Relation{}, err
	}
	if r.Op == OpIn {
		r.Value, err = p.inValues()
	} else {
		r.Value, err = p.term()
	}
	return r, err
}

// deleteStmt parses DELETE [cols] FROM t [USING TIMESTAMP v] WHERE
// relations [IF EXISTS | IF conditions].
func (p *parser) deleteStmt() (*Delete, error) {
	p.next()
	d := &Delete{}
	if !p.atKw("from") {
		for {
			col, err := p.ident()
			if err != nil {
				return nil, err
			}
			var key Term
			if p.acceptPunct("[") {
				if key, err = p.term(); err != nil {
					return nil, err
				}
				if err := p.expectPunct("]"); err != nil {
					return nil, err
				}
				if d.Keys == nil {
					d.Keys = make([]Term, len(d.Columns), len(d.Columns)+1)
				}
			}
			d.Columns = append(d.Columns, col)
			if d.Keys != nil {
				d.Keys = append(d.Keys, key)
			}
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	if err := p.expectKw("from"); err != nil {
		return nil, err
	}
	var err error
	if d.Table, err = p.tableName(); err != nil {
		return nil, err
	}
	if err := p.using(&d.Using, false); err != nil {
		return nil, err
	}
	if err := p.expectKw("where"); err != nil {
		return nil, err
	}
	if d.Where, err = p.whereClause(); err != nil {
		return nil, err
	}
	d.IfExists, d.Conditions, err = p.ifClause()
	return d, err
}

// batchStmt parses BEGIN [UNLOGGED|COUNTER] BATCH [USING TIMESTAMP v]
// (insert|update|delete [;])* APPLY BATCH.
func (p *parser) batchStmt() (*Batch, error) {
	p.next()
	b := &Batch{}
	switch {
	case p.acceptKw("unlogged"):
		b.Type = BatchUnlogged
	case p.acceptKw("counter"):
		b.Type = BatchCounter
	}
	if err := p.expectKw("batch"); err != nil {
		return nil, err
	}
	if err := p.using(&b.Using, false); err != nil {
		return nil, err
	}
	for !p.atKw("apply") {
		var st Statement
		var err error
		switch {
		case p.atKw("insert"):
			st, err = p.insertStmt()
		case p.atKw("update"):
			st, err = p.updateStmt()
		case p.atKw("delete"):
			st, err = p.deleteStmt()
		default:
			return nil, p.errExpecting("K_APPLY")
		}
		if err != nil {
			return nil, err
		}
		b.Statements = append(b.Statements, st)
		p.acceptPunct(";")
	}
	p.next()
	if err := p.expectKw("batch"); err != nil {
		return nil, err
	}
	return b, nil
}
