package scanner_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// demoSession starts a simulated 3-node cluster holding rows of demo data
// and opens a driver session on it. stop closes both.
func demoSession(ctx context.Context, rows int) (session *gocql.Session, info cqlsim.DemoInfo, stop func()) {
	sim, err := cqlsim.Start(ctx, cqlsim.Config{Nodes: 3, Port: cqlsim.AutoPort})
	if err != nil {
		log.Fatal(err)
	}
	info, err = sim.LoadDemo(ctx, cqlsim.DemoConfig{Rows: rows})
	if err != nil {
		log.Fatal(err)
	}
	cluster := gocql.NewCluster(sim.Hosts()...)
	cluster.Port = sim.Port()
	cluster.Logger = gocql.NewLogger(gocql.LogLevelNone)
	session, err = cluster.CreateSession()
	if err != nil {
		log.Fatal(err)
	}
	return session, info, func() {
		session.Close()
		_ = sim.Close()
	}
}

// New needs an open gocql session and the table to read; the other
// Config fields have defaults.
func ExampleNew() {
	ctx := context.Background()
	// A simulated cluster stands in for Cassandra or ScyllaDB.
	sim, err := cqlsim.Start(ctx, cqlsim.Config{Nodes: 3, Port: cqlsim.AutoPort})
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	if _, err := sim.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 1000}); err != nil {
		log.Fatal(err)
	}

	cluster := gocql.NewCluster(sim.Hosts()...)
	cluster.Port = sim.Port()
	session, err := cluster.CreateSession()
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()

	sc, err := scanner.New(session, scanner.Config{Keyspace: "ringscan_demo", Table: "events", PageSize: 500})
	if err != nil {
		log.Fatal(err)
	}
	stats, err := sc.Run(ctx, sink.SinkFunc(func(context.Context, *sink.Batch) error { return nil }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rows:", stats.Rows)

	// Configuration errors name the field and what is allowed.
	_, err = scanner.New(session, scanner.Config{Keyspace: "ringscan_demo", Table: "events", PageSize: -1})
	fmt.Println(err)
	// Output:
	// rows: 1000
	// invalid scanner config: PageSize is -1; it must be 1..2147483647 (0 for the default 5000)
}

// Run reads every row into a sink, one page at a time. The sink is never
// called concurrently.
func ExampleScanner_Run() {
	ctx := context.Background()
	session, info, stop := demoSession(ctx, 2000)
	defer stop()

	sc, err := scanner.New(session, scanner.Config{Keyspace: "ringscan_demo", Table: "events", PageSize: 100})
	if err != nil {
		log.Fatal(err)
	}
	var sum rowsum.Sum
	stats, err := sc.Run(ctx, sink.SinkFunc(func(_ context.Context, b *sink.Batch) error {
		vals := make([][]byte, len(b.Columns))
		for i := range b.Len() {
			for j := range vals {
				vals[j] = b.Value(i, j) // the raw value, valid during Write only
			}
			sum.Add(vals)
		}
		return nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rows:", stats.Rows, "failed ranges:", stats.Failed)
	fmt.Println("checksum ok:", sum.Rows == uint64(info.Rows) && sum.Hash == info.Checksum)
	// Output:
	// rows: 2000 failed ranges: 0
	// checksum ok: true
}

// All yields the rows to a range-over-func loop; breaking out of the loop
// stops the scan.
func ExampleScanner_All() {
	ctx := context.Background()
	session, info, stop := demoSession(ctx, 1000)
	defer stop()

	sc, err := scanner.New(session, scanner.Config{Keyspace: "ringscan_demo", Table: "events",
		Columns: []string{"tenant", "kind", "amount"}})
	if err != nil {
		log.Fatal(err)
	}
	rows, purchases := 0, 0
	for row, err := range sc.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		rows++
		kind, err := row.Get(1) // "kind", as a Go string
		if err != nil {
			log.Fatal(err)
		}
		if kind == "purchase" {
			purchases++
		}
	}
	fmt.Println("rows:", rows, "of", info.Rows)
	fmt.Println("some purchases:", purchases > 0)

	// Stop early: the scan is cancelled and cleaned up.
	n := 0
	for _, err := range sc.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	fmt.Println("read", n, "then stopped")
	// Output:
	// rows: 1000 of 1000
	// some purchases: true
	// read 10 then stopped
}

// Plan shows what a scan will read: the ring, the subranges and the
// columns.
func ExampleScanner_Plan() {
	ctx := context.Background()
	session, _, stop := demoSession(ctx, 100)
	defer stop()

	sc, err := scanner.New(session, scanner.Config{Keyspace: "ringscan_demo", Table: "events"})
	if err != nil {
		log.Fatal(err)
	}
	plan, err := sc.Plan(ctx)
	if err != nil {
		log.Fatal(err)
	}
	names := make([]string, len(plan.Columns))
	for i, c := range plan.Columns {
		names[i] = c.Name
	}
	fmt.Println("hosts:", len(plan.Ring.Hosts()))
	// One subrange per goroutine by default, but never fewer than the
	// vnode ranges: 3 hosts x 16 vnodes, the one wrapping past the maximum
	// token split in two.
	fmt.Println("subranges:", len(plan.Subranges))
	fmt.Println("replicas per subrange:", len(plan.Subranges[0].Replicas))
	fmt.Println("columns:", strings.Join(names, ", "))
	// Output:
	// hosts: 3
	// subranges: 49
	// replicas per subrange: 3
	// columns: tenant, bucket, ts, seq, amount, attrs, event_id, kind, ok, payload, score, source, tags
}
