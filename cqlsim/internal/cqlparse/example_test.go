package cqlparse_test

import (
	"fmt"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
)

func ExampleParse() {
	p, err := cqlparse.Parse(`SELECT a, b FROM ks.t WHERE token(a) > ? AND token(a) <= ? LIMIT 100`)
	if err != nil {
		fmt.Println(err)
		return
	}
	sel := p.Stmt.(*cqlparse.Select)
	fmt.Println(sel.Table.Keyspace, sel.Table.Name, len(p.Markers))
	for _, r := range sel.Where {
		fmt.Println(r.Token, r.Columns, r.Op, r.Value.(*cqlparse.BindMarker).Index)
	}

	_, err = cqlparse.Parse(`SELECT * FORM t`)
	fmt.Println(err)
	// Output:
	// ks t 2
	// true [a] > 0
	// true [a] <= 1
	// line 1:9 mismatched input 'FORM' expecting K_FROM
}
