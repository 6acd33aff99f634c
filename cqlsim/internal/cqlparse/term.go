package cqlparse

import "strings"

// marker registers a bind marker in source order.
func (p *parser) marker(name string) *BindMarker {
	m := &BindMarker{Index: len(p.markers), Name: name}
	p.markers = append(p.markers, m)
	return m
}

// atMarker reports whether a bind marker (? or :name) starts here.
func (p *parser) atMarker() bool {
	return p.peek().kind == tokQMark || p.atPunct(":")
}

// bindMarker parses ? or :name.
func (p *parser) bindMarker() (*BindMarker, error) {
	if p.peek().kind == tokQMark {
		p.next()
		return p.marker(""), nil
	}
	if err := p.expectPunct(":"); err != nil {
		return nil, err
	}
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	return p.marker(name), nil
}

// intValue parses the argument of LIMIT, TTL or TIMESTAMP: an integer
// literal, possibly negative, or a bind marker. The executor checks the
// range.
func (p *parser) intValue() (Term, error) {
	if p.atMarker() {
		return p.bindMarker()
	}
	sign := ""
	if p.atPunct("-") && p.peekAt(1).kind == tokInteger {
		p.next()
		sign = "-"
	}
	t := p.peek()
	if t.kind != tokInteger {
		return nil, p.errExpecting("INTEGER")
	}
	p.next()
	return &Literal{Kind: LitInteger, Text: sign + t.val}, nil
}

// term parses a value: a constant, a bind marker, a collection or tuple
// literal, a function call or a type cast.
func (p *parser) term() (Term, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.peek()
	switch t.kind {
	case tokString:
		p.next()
		return &Literal{Kind: LitString, Text: t.val}, nil
	case tokInteger:
		p.next()
		return &Literal{Kind: LitInteger, Text: t.val}, nil
	case tokFloat:
		p.next()
		return &Literal{Kind: LitFloat, Text: t.val}, nil
	case tokUUID:
		p.next()
		return &Literal{Kind: LitUUID, Text: t.val}, nil
	case tokHex:
		p.next()
		return &Literal{Kind: LitHex, Text: t.val}, nil
	case tokDuration:
		p.next()
		return &Literal{Kind: LitDuration, Text: t.val}, nil
	case tokQMark:
		return p.bindMarker()
	case tokIdent:
		return p.wordTerm()
	case tokQIdent:
		if isPunct(p.peekAt(1), "(") {
			return p.funcCall()
		}
	case tokPunct:
		switch t.val {
		case ":":
			return p.bindMarker()
		case "-":
			return p.negative()
		case "[":
			return p.listLit()
		case "{":
			return p.braceLit()
		case "(":
			return p.parenTerm()
		}
	}
	return nil, p.errNoViable()
}

// wordTerm parses a term that starts with an unquoted word: true, false,
// null, NaN, Infinity, an ISO 8601 duration such as P1D, or a function
// call.
func (p *parser) wordTerm() (Term, error) {
	t := p.peek()
	switch t.val {
	case "true", "false":
		p.next()
		return &Literal{Kind: LitBool, Text: t.val}, nil
	case "null":
		p.next()
		return &Literal{Kind: LitNull, Text: "null"}, nil
	case "nan":
		p.next()
		return &Literal{Kind: LitFloat, Text: "NaN"}, nil
	case "infinity":
		p.next()
		return &Literal{Kind: LitFloat, Text: "Infinity"}, nil
	}
	if isPunct(p.peekAt(1), "(") || (isPunct(p.peekAt(1), ".") && isPunct(p.peekAt(3), "(")) {
		return p.funcCall()
	}
	if raw := p.src[t.pos:t.end]; isISODuration(raw) {
		p.next()
		return &Literal{Kind: LitDuration, Text: raw}, nil
	}
	return nil, p.errNoViable()
}

// funcName parses [keyspace '.'] name of a function. token is a reserved
// word but also a function.
func (p *parser) funcName() (string, error) {
	t := p.peek()
	if !isIdentToken(t) && !isKw(t, "token") {
		return "", p.errNoViable()
	}
	p.next()
	if !p.acceptPunct(".") {
		return t.val, nil
	}
	name, err := p.ident()
	if err != nil {
		return "", err
	}
	return t.val + "." + name, nil
}

// funcCall parses name '(' [term (',' term)*] ')'.
func (p *parser) funcCall() (Term, error) {
	name, err := p.funcName()
	if err != nil {
		return nil, err
	}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	f := &FuncCall{Name: name}
	if p.acceptPunct(")") {
		return f, nil
	}
	if f.Args, err = p.termsUntil(")"); err != nil {
		return nil, err
	}
	return f, nil
}

// termsUntil parses term (',' term)* followed by the closing punctuation.
func (p *parser) termsUntil(closing string) ([]Term, error) {
	var out []Term
	for {
		v, err := p.term()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.expectPunct(closing); err != nil {
		return nil, err
	}
	return out, nil
}

// negative parses '-' followed by a number, a duration, NaN or Infinity.
func (p *parser) negative() (Term, error) {
	p.next()
	t := p.peek()
	var lit *Literal
	switch {
	case t.kind == tokInteger:
		lit = &Literal{Kind: LitInteger, Text: "-" + t.val}
	case t.kind == tokFloat:
		lit = &Literal{Kind: LitFloat, Text: "-" + t.val}
	case t.kind == tokDuration:
		lit = &Literal{Kind: LitDuration, Text: "-" + t.val}
	case isKw(t, "infinity"):
		lit = &Literal{Kind: LitFloat, Text: "-Infinity"}
	case isKw(t, "nan"):
		lit = &Literal{Kind: LitFloat, Text: "NaN"}
	case t.kind == tokIdent && isISODuration(p.src[t.pos:t.end]):
		lit = &Literal{Kind: LitDuration, Text: "-" + p.src[t.pos:t.end]}
	default:
		return nil, p.errNoViable()
	}
	p.next()
	return lit, nil
}

// listLit parses '[' [term (',' term)*] ']'.
func (p *parser) listLit() (Term, error) {
	p.next()
	c := &CollectionLit{Kind: CollList}
	if p.acceptPunct("]") {
		return c, nil
	}
	var err error
	if c.Values, err = p.termsUntil("]"); err != nil {
		return nil, err
	}
	return c, nil
}

// braceLit parses a set {a, b}, a map {k: v, ...} or a user-defined type
// literal {field: v, ...}; {} is an empty map.
func (p *parser) braceLit() (Term, error) {
	p.next()
	if p.acceptPunct("}") {
		return &CollectionLit{Kind: CollMap}, nil
	}
	if p.atFieldName() {
		return p.udtLit()
	}
	first, err := p.term()
	if err != nil {
		return nil, err
	}
	if !p.acceptPunct(":") {
		c := &CollectionLit{Kind: CollSet, Values: []Term{first}}
		if p.acceptPunct(",") {
			rest, err := p.termsUntil("}")
			if err != nil {
				return nil, err
			}
			c.Values = append(c.Values, rest...)
			return c, nil
		}
		return c, p.expectPunct("}")
	}
	c := &CollectionLit{Kind: CollMap}
	key := first
	for {
		v, err := p.term()
		if err != nil {
			return nil, err
		}
		c.Keys = append(c.Keys, key)
		c.Values = append(c.Values, v)
		if !p.acceptPunct(",") {
			break
		}
		if key, err = p.term(); err != nil {
			return nil, err
		}
		if err := p.expectPunct(":"); err != nil {
			return nil, err
		}
	}
	return c, p.expectPunct("}")
}

// atFieldName reports whether a UDT literal's field name and its ':' come
// next. A map key is a term, never a bare identifier, so a word that is not
// a constant keyword (true, null, NaN ...) or a function call, followed by
// ':', starts a UDT literal.
func (p *parser) atFieldName() bool {
	t := p.peek()
	if !isPunct(p.peekAt(1), ":") {
		return false
	}
	switch {
	case t.kind == tokQIdent:
		return true
	case t.kind != tokIdent || isReserved(t.val):
		return false
	}
	switch t.val {
	case "nan", "infinity":
		return false
	}
	return !isISODuration(p.src[t.pos:t.end])
}

// udtLit parses field: term (, field: term)* '}' after the opening brace.
func (p *parser) udtLit() (Term, error) {
	u := &UDTLit{}
	for {
		t := p.peek()
		name, err := p.ident()
		if err != nil {
			return nil, err
		}
		for _, f := range u.Fields {
			if f == name {
				return nil, p.errAt(t, "Duplicate field '"+name+"' in user type literal")
			}
		}
		if err := p.expectPunct(":"); err != nil {
			return nil, err
		}
		v, err := p.term()
		if err != nil {
			return nil, err
		}
		u.Fields = append(u.Fields, name)
		u.Values = append(u.Values, v)
		if !p.acceptPunct(",") {
			break
		}
	}
	return u, p.expectPunct("}")
}

// parenTerm parses a tuple (a, b) or a type cast such as (int)?, whose
// type hint is dropped.
func (p *parser) parenTerm() (Term, error) {
	if t := p.peekAt(1); t.kind == tokIdent && isCastType(t.val) &&
		(isPunct(p.peekAt(2), ")") || isPunct(p.peekAt(2), "<")) {
		p.next()
		if _, err := p.cqlType(); err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return p.term()
	}
	p.next()
	elems, err := p.termsUntil(")")
	if err != nil {
		return nil, err
	}
	return &TupleLit{Elems: elems}, nil
}

// inValues parses the right side of IN: a bind marker or a parenthesised,
// possibly empty, list of terms, returned as a *TupleLit.
func (p *parser) inValues() (Term, error) {
	if p.atMarker() {
		return p.bindMarker()
	}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	if p.acceptPunct(")") {
		return &TupleLit{}, nil
	}
	elems, err := p.termsUntil(")")
	if err != nil {
		return nil, err
	}
	return &TupleLit{Elems: elems}, nil
}

// isCastType reports whether a word names a type usable in a cast.
func isCastType(w string) bool {
	return isNativeType(w) || isParamType(w)
}

func isParamType(w string) bool {
	switch w {
	case "list", "set", "map", "frozen", "tuple", "vector":
		return true
	}
	return false
}

func isNativeType(w string) bool {
	switch w {
	case "ascii", "bigint", "blob", "boolean", "counter", "date", "decimal",
		"double", "duration", "float", "inet", "int", "smallint", "text",
		"time", "timestamp", "timeuuid", "tinyint", "uuid", "varchar",
		"varint":
		return true
	}
	return false
}

// isISODuration reports whether s is an ISO 8601 duration in designator
// form: P[nY][nM][nD][T[nH][nM][nS]] or PnW (case-insensitive). The
// alternative form P0001-02-03T04:05:06 is not supported.
func isISODuration(s string) bool {
	s = strings.ToUpper(s)
	if len(s) < 3 || s[0] != 'P' {
		return false
	}
	rest := s[1:]
	if w, ok := strings.CutSuffix(rest, "W"); ok && allDigits(w) {
		return true
	}
	date, tm, hasT := strings.Cut(rest, "T")
	if !designators(date, "YMD") || !designators(tm, "HMS") {
		return false
	}
	if hasT && tm == "" {
		return false
	}
	return date != "" || tm != ""
}

// designators reports whether s is a sequence of digits+unit pairs whose
// units appear in the order given by units, each at most once.
func designators(s, units string) bool {
	for s != "" {
		i := 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == 0 || i == len(s) {
			return false
		}
		u := strings.IndexByte(units, s[i])
		if u < 0 {
			return false
		}
		units = units[u+1:]
		s = s[i+1:]
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
