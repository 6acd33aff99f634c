package cqlparse

import (
	"strings"

	"github.com/ringscan/ringscan/internal/cqlident"
)

// maxDepth bounds the nesting of terms and types (collections, tuples,
// function calls, frozen<...>), so that hostile input cannot exhaust the
// stack.
const maxDepth = 64

// Parse parses exactly one CQL statement; a trailing ';' is allowed. Errors
// are *SyntaxError.
func Parse(query string) (*Parsed, error) {
	toks, err := lex(query)
	if err != nil {
		return nil, err
	}
	p := &parser{src: query, toks: toks}
	st, err := p.statement()
	if err != nil {
		return nil, err
	}
	p.acceptPunct(";")
	if p.peek().kind != tokEOF {
		return nil, p.errExpecting("<EOF>")
	}
	return &Parsed{Stmt: st, Markers: p.markers}, nil
}

// parser is a recursive-descent parser over the token slice. It never
// backtracks: every decision looks at most three tokens ahead.
type parser struct {
	src     string
	toks    []token // ends with tokEOF
	i       int
	depth   int
	markers []*BindMarker
}

// peek returns the current token.
func (p *parser) peek() token { return p.peekAt(0) }

// peekAt returns the token k positions ahead, or the final EOF token.
func (p *parser) peekAt(k int) token {
	if j := p.i + k; j < len(p.toks) {
		return p.toks[j]
	}
	return p.toks[len(p.toks)-1]
}

// next consumes and returns the current token; it never moves past EOF.
func (p *parser) next() token {
	t := p.peek()
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func isKw(t token, kw string) bool { return t.kind == tokIdent && t.val == kw }

func isPunct(t token, s string) bool { return t.kind == tokPunct && t.val == s }

func (p *parser) atKw(kw string) bool { return isKw(p.peek(), kw) }

func (p *parser) atPunct(s string) bool { return isPunct(p.peek(), s) }

func (p *parser) acceptKw(kw string) bool {
	if p.atKw(kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) acceptPunct(s string) bool {
	if p.atPunct(s) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) error {
	if !p.acceptKw(kw) {
		return p.errExpecting("K_" + strings.ToUpper(kw))
	}
	return nil
}

func (p *parser) expectPunct(s string) error {
	if !p.acceptPunct(s) {
		return p.errExpecting("'" + s + "'")
	}
	return nil
}

// text returns the source text of t for error messages.
func (p *parser) text(t token) string {
	if t.kind == tokEOF {
		return "<EOF>"
	}
	return shown(p.src[t.pos:t.end])
}

func (p *parser) errExpecting(what string) error {
	t := p.peek()
	return syntaxErrorf(p.src, t.pos, "mismatched input '%s' expecting %s", p.text(t), what)
}

func (p *parser) errNoViable() error {
	t := p.peek()
	return syntaxErrorf(p.src, t.pos, "no viable alternative at input '%s'", p.text(t))
}

func (p *parser) errAt(t token, msg string) error {
	return syntaxErrorf(p.src, t.pos, "%s", msg)
}

// enter accounts for one level of nesting; every successful enter is paired
// with a leave.
func (p *parser) enter() error {
	if p.depth >= maxDepth {
		t := p.peek()
		return syntaxErrorf(p.src, t.pos, "nesting deeper than %d levels at input '%s'", maxDepth, p.text(t))
	}
	p.depth++
	return nil
}

func (p *parser) leave() { p.depth-- }

// isIdentToken reports whether t can be an identifier: a quoted name or an
// unquoted word that is not a reserved keyword.
func isIdentToken(t token) bool {
	return t.kind == tokQIdent || (t.kind == tokIdent && !isReserved(t.val))
}

// ident consumes an identifier (column, table, keyspace, alias ...).
func (p *parser) ident() (string, error) {
	t := p.peek()
	if !isIdentToken(t) {
		return "", p.errExpecting("IDENT")
	}
	p.next()
	return t.val, nil
}

// identList parses ident (',' ident)*.
func (p *parser) identList() ([]string, error) {
	var out []string
	for {
		id, err := p.ident()
		if err != nil {
			return nil, err
		}
		out = append(out, id)
		if !p.acceptPunct(",") {
			return out, nil
		}
	}
}

// tableName parses [keyspace '.'] table.
func (p *parser) tableName() (TableName, error) {
	first, err := p.ident()
	if err != nil {
		return TableName{}, err
	}
	if !p.acceptPunct(".") {
		return TableName{Name: first}, nil
	}
	second, err := p.ident()
	if err != nil {
		return TableName{}, err
	}
	return TableName{Keyspace: first, Name: second}, nil
}

func (p *parser) statement() (Statement, error) {
	t := p.peek()
	if t.kind != tokIdent {
		return nil, p.errNoViable()
	}
	switch t.val {
	case "select":
		return p.selectStmt()
	case "insert":
		return p.insertStmt()
	case "update":
		return p.updateStmt()
	case "delete":
		return p.deleteStmt()
	case "begin":
		return p.batchStmt()
	case "create":
		return p.createStmt()
	case "drop":
		return p.dropStmt()
	case "use":
		p.next()
		ks, err := p.ident()
		if err != nil {
			return nil, err
		}
		return &Use{Keyspace: ks}, nil
	case "truncate":
		p.next()
		if !p.acceptKw("table") {
			p.acceptKw("columnfamily")
		}
		tn, err := p.tableName()
		if err != nil {
			return nil, err
		}
		return &Truncate{Table: tn}, nil
	case "alter":
		return p.alterStmt()
	case "describe", "desc":
		return p.describeStmt()
	case "grant", "revoke", "list":
		return p.loose(1, loneVerb(t.val, p.peekAt(1)))
	}
	return nil, p.errNoViable()
}

// loneVerb names GRANT, REVOKE, LIST ... and DESCRIBE statements.
func loneVerb(first string, second token) string {
	switch first {
	case "list":
		if isKw(second, "roles") || isKw(second, "users") {
			return "LIST " + strings.ToUpper(second.val)
		}
		return "LIST PERMISSIONS"
	}
	return strings.ToUpper(first)
}

// loose consumes n tokens and then everything up to the end of the input,
// for statements the simulator recognises but does not implement.
func (p *parser) loose(n int, verb string) (Statement, error) {
	for range n {
		p.next()
	}
	p.i = len(p.toks) - 1
	return &AlterIgnored{Verb: verb}, nil
}

func (p *parser) alterStmt() (Statement, error) {
	t := p.peekAt(1)
	switch {
	case isKw(t, "table"), isKw(t, "columnfamily"):
		return p.loose(2, "ALTER TABLE")
	case isKw(t, "keyspace"), isKw(t, "schema"):
		return p.loose(2, "ALTER KEYSPACE")
	case isKw(t, "type"):
		return p.alterType()
	case isKw(t, "role"), isKw(t, "user"):
		return p.loose(2, "ALTER "+strings.ToUpper(t.val))
	case isKw(t, "materialized") && isKw(p.peekAt(2), "view"):
		return p.loose(3, "ALTER MATERIALIZED VIEW")
	}
	p.next()
	return nil, p.errNoViable()
}

func (p *parser) createStmt() (Statement, error) {
	t := p.peekAt(1)
	switch {
	case isKw(t, "keyspace"), isKw(t, "schema"):
		return p.createKeyspace()
	case isKw(t, "table"), isKw(t, "columnfamily"):
		return p.createTable()
	case isKw(t, "type"):
		return p.createType()
	case isKw(t, "index"), isKw(t, "function"), isKw(t, "aggregate"),
		isKw(t, "trigger"), isKw(t, "role"), isKw(t, "user"):
		return p.loose(2, "CREATE "+strings.ToUpper(t.val))
	case isKw(t, "custom") && isKw(p.peekAt(2), "index"):
		return p.loose(3, "CREATE INDEX")
	case isKw(t, "materialized") && isKw(p.peekAt(2), "view"):
		return p.loose(3, "CREATE MATERIALIZED VIEW")
	case isKw(t, "or") && isKw(p.peekAt(2), "replace"):
		if u := p.peekAt(3); isKw(u, "function") || isKw(u, "aggregate") {
			return p.loose(4, "CREATE "+strings.ToUpper(u.val))
		}
		p.i += 3
		return nil, p.errNoViable()
	}
	p.next()
	return nil, p.errNoViable()
}

func (p *parser) dropStmt() (Statement, error) {
	t := p.peekAt(1)
	switch {
	case isKw(t, "keyspace"), isKw(t, "schema"):
		p.i += 2
		ifExists, err := p.ifExists()
		if err != nil {
			return nil, err
		}
		name, err := p.ident()
		if err != nil {
			return nil, err
		}
		return &DropKeyspace{Name: name, IfExists: ifExists}, nil
	case isKw(t, "table"), isKw(t, "columnfamily"):
		p.i += 2
		ifExists, err := p.ifExists()
		if err != nil {
			return nil, err
		}
		tn, err := p.tableName()
		if err != nil {
			return nil, err
		}
		return &DropTable{Table: tn, IfExists: ifExists}, nil
	case isKw(t, "type"):
		p.i += 2
		ifExists, err := p.ifExists()
		if err != nil {
			return nil, err
		}
		name, err := p.typeNameRef()
		if err != nil {
			return nil, err
		}
		return &DropType{Name: name, IfExists: ifExists}, nil
	case isKw(t, "index"), isKw(t, "function"), isKw(t, "aggregate"),
		isKw(t, "trigger"), isKw(t, "role"), isKw(t, "user"):
		return p.loose(2, "DROP "+strings.ToUpper(t.val))
	case isKw(t, "materialized") && isKw(p.peekAt(2), "view"):
		return p.loose(3, "DROP MATERIALIZED VIEW")
	}
	p.next()
	return nil, p.errNoViable()
}

// ifExists parses an optional IF EXISTS.
func (p *parser) ifExists() (bool, error) {
	if !p.acceptKw("if") {
		return false, nil
	}
	return true, p.expectKw("exists")
}

// ifNotExists parses an optional IF NOT EXISTS.
func (p *parser) ifNotExists() (bool, error) {
	if !p.acceptKw("if") {
		return false, nil
	}
	if err := p.expectKw("not"); err != nil {
		return false, err
	}
	return true, p.expectKw("exists")
}

// isReserved reports whether the lower-cased word is a reserved CQL
// keyword, which cannot be used as an unquoted identifier: Cassandra 4.1's
// reserved keywords (cqlident), plus true and false, which its lexer reads
// as boolean constants.
func isReserved(w string) bool { return cqlident.IsReserved(w) || w == "true" || w == "false" }
