package cqlparse

import (
	"testing"
)

// FuzzParse checks that Parse never panics and that a successful parse
// reports exactly the bind markers of its AST, numbered in order.
func FuzzParse(f *testing.F) {
	for _, tc := range driverQueries {
		f.Add(tc.query)
	}
	f.Fuzz(func(t *testing.T, query string) {
		p, err := Parse(query)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error %v is %T, not *SyntaxError", err, err)
			}
			if p != nil {
				t.Fatalf("non-nil result with error %v", err)
			}
			return
		}
		if p == nil || p.Stmt == nil {
			t.Fatal("nil statement without error")
		}
		for i, m := range p.Markers {
			if m.Index != i {
				t.Fatalf("marker %d has Index %d", i, m.Index)
			}
		}
		inAST := markersInAST(p.Stmt)
		if len(inAST) != len(p.Markers) {
			t.Fatalf("AST holds %d markers, Markers has %d", len(inAST), len(p.Markers))
		}
		listed := make(map[*BindMarker]bool, len(p.Markers))
		for _, m := range p.Markers {
			listed[m] = true
		}
		for _, m := range inAST {
			if !listed[m] {
				t.Fatalf("marker %+v in AST is not in Markers", m)
			}
		}
		if _, ignored := p.Stmt.(*AlterIgnored); ignored {
			return
		}
		// Every ? token is a positional marker; named markers are ':'
		// followed by a name, which the lexer cannot tell from a map colon.
		toks, err := lex(query)
		if err != nil {
			t.Fatalf("Parse succeeded but lex failed: %v", err)
		}
		var qmarks, positional int
		for _, tok := range toks {
			if tok.kind == tokQMark {
				qmarks++
			}
		}
		for _, m := range p.Markers {
			if m.Name == "" {
				positional++
			}
		}
		if qmarks != positional {
			t.Fatalf("%d '?' tokens but %d positional markers", qmarks, positional)
		}
	})
}

// markersInAST collects every bind marker reachable from st.
func markersInAST(st Statement) []*BindMarker {
	var out []*BindMarker
	var term func(Term)
	term = func(v Term) {
		switch v := v.(type) {
		case *BindMarker:
			out = append(out, v)
		case *CollectionLit:
			for _, k := range v.Keys {
				term(k)
			}
			for _, e := range v.Values {
				term(e)
			}
		case *TupleLit:
			for _, e := range v.Elems {
				term(e)
			}
		case *UDTLit:
			for _, e := range v.Values {
				term(e)
			}
		case *FuncCall:
			for _, a := range v.Args {
				term(a)
			}
		}
	}
	relations := func(rs []Relation) {
		for _, r := range rs {
			term(r.Key)
			term(r.Value)
		}
	}
	using := func(u Using) {
		term(u.TTL)
		term(u.Timestamp)
	}
	var walk func(Statement)
	walk = func(st Statement) {
		switch s := st.(type) {
		case *Select:
			relations(s.Where)
			term(s.PerPartitionLimit)
			term(s.Limit)
		case *Insert:
			for _, v := range s.Values {
				term(v)
			}
			term(s.JSON)
			using(s.Using)
		case *Update:
			using(s.Using)
			for _, a := range s.Set {
				term(a.Key)
				term(a.Value)
			}
			relations(s.Where)
			relations(s.Conditions)
		case *Delete:
			for _, k := range s.Keys {
				term(k)
			}
			using(s.Using)
			relations(s.Where)
			relations(s.Conditions)
		case *Batch:
			using(s.Using)
			for _, inner := range s.Statements {
				walk(inner)
			}
		case *CreateTable:
			for _, v := range s.Options {
				term(v)
			}
		}
	}
	walk(st)
	return out
}
