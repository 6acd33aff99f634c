package cqltype

import (
	"fmt"
	"strings"
)

// Resolver finds a user-defined type for ParseWith. keyspace is "" when the
// type text does not qualify the name. Names are as the schema holds them:
// an unquoted name lower-cased, a quoted one as written, without its quotes.
// It returns the type as defined (Kind UDT with Keyspace, Name, Fields and
// Elems, not frozen) or an error, which ParseWith returns as it is.
type Resolver func(keyspace, name string) (Type, error)

// ParseWith parses type text as Parse does and resolves the names that are
// not CQL types ("address", "frozen<shop.address>",
// `list<frozen<"Address">>`) with resolve. The rules of Parse apply to the
// types it returns: a user-defined type inside a collection must be frozen,
// and frozen<> and tuples freeze it.
func ParseWith(s string, resolve Resolver) (Type, error) {
	if resolve == nil {
		return Parse(s)
	}
	p := typeParser{s: s, resolve: resolve}
	t, err := p.parseType(0, false)
	if err != nil {
		return Type{}, err
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return Type{}, fmt.Errorf("parse type %q: unexpected %q at offset %d", s, p.s[p.pos:], p.pos)
	}
	return t, nil
}

// userType reads [keyspace '.'] name from start, each part unquoted or
// double-quoted, and resolves it.
func (p *typeParser) userType(start int) (Type, error) {
	p.pos = start
	var parts []string
	for {
		part, err := p.namePart()
		if err != nil {
			return Type{}, err
		}
		parts = append(parts, part)
		if len(parts) == 1 && p.pos < len(p.s) && p.s[p.pos] == '.' {
			p.pos++
			continue
		}
		break
	}
	ks, name := "", parts[0]
	if len(parts) == 2 {
		ks, name = parts[0], parts[1]
	}
	t, err := p.resolve(ks, name)
	if err != nil {
		return Type{}, err
	}
	if t.Kind != UDT {
		return Type{}, p.errorf("%s does not name a user-defined type", p.s[start:p.pos])
	}
	return t, nil
}

// namePart reads an unquoted name (lower-cased) or a double-quoted one
// ("" stands for one quote).
func (p *typeParser) namePart() (string, error) {
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		var sb strings.Builder
		p.pos++
		for p.pos < len(p.s) {
			c := p.s[p.pos]
			p.pos++
			if c != '"' {
				sb.WriteByte(c)
				continue
			}
			if p.pos < len(p.s) && p.s[p.pos] == '"' {
				sb.WriteByte('"')
				p.pos++
				continue
			}
			if sb.Len() == 0 {
				return "", p.errorf("empty quoted type name")
			}
			return sb.String(), nil
		}
		return "", p.errorf("unterminated quoted type name")
	}
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			p.pos++
			continue
		}
		break
	}
	if p.pos == start {
		if p.pos >= len(p.s) {
			return "", p.errorf("missing type name")
		}
		return "", p.errorf("unexpected %q at offset %d", p.s[p.pos], p.pos)
	}
	return strings.ToLower(p.s[start:p.pos]), nil
}

// Contains reports whether t is, or has inside it at any depth, the
// user-defined type keyspace.name.
func (t Type) Contains(keyspace, name string) bool {
	return t.contains(keyspace, name, 0)
}

func (t Type) contains(keyspace, name string, depth int) bool {
	if t.Kind == UDT && t.Keyspace == keyspace && t.Name == name {
		return true
	}
	if depth > MaxDepth {
		return false
	}
	for _, e := range t.Elems {
		if e.contains(keyspace, name, depth+1) {
			return true
		}
	}
	return false
}

// IsMultiCell reports whether t is stored cell by cell: a collection or
// UDT that is not frozen.
func (t Type) IsMultiCell() bool {
	return (t.IsCollection() || t.Kind == UDT) && !t.Frozen
}
