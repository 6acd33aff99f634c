package pager_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/pager"
)

// Example pages through a table with cursors, as a service would across
// requests, and shows the guards on offset pages.
func Example() {
	ctx := context.Background()
	c, err := cqlsim.Start(ctx, cqlsim.Config{Nodes: 1, Port: cqlsim.AutoPort})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 250, DeletedRows: -1}); err != nil {
		log.Fatal(err)
	}
	cluster := gocql.NewCluster(c.Hosts()...)
	cluster.Port = c.Port()
	session, err := cluster.CreateSession()
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()

	p, err := pager.New(session, pager.Config{Key: []byte("a secret of 16 bytes or more")})
	if err != nil {
		log.Fatal(err)
	}
	const stmt = `SELECT tenant, bucket, ts, seq, kind FROM ringscan_demo.events`
	cursor := pager.Cursor("") // from the client: empty for the first page
	for {
		page, err := p.Fetch(ctx, stmt, nil, cursor, 100)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d rows, last page: %v\n", len(page.Rows), page.Next == "")
		if page.Next == "" {
			break
		}
		cursor = page.Next // to the client
	}

	_, err = p.Fetch(ctx, stmt+" LIMIT 10", nil, cursor, 100)
	fmt.Println("cursor of another statement refused:", errors.Is(err, pager.ErrCursorMismatch))
	_, err = p.OffsetPage(ctx, stmt, nil, 101, 10)
	fmt.Println(err)
	// Output:
	// 100 rows, last page: false
	// 100 rows, last page: false
	// 50 rows, last page: true
	// cursor of another statement refused: true
	// page number out of bounds: page 101 is beyond the limit of 100: an offset page reads every row before it (here 1010 rows); follow the cursors (Page.Next) to go further
}
