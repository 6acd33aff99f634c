package cqlsim

import (
	"context"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, Config{Port: AutoPort, Address: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl := gocql.NewCluster(c.Hosts()...)
	cl.Port = c.Port()
	cl.Timeout = 5 * time.Second
	cl.ConnectTimeout = 5 * time.Second
	s, err := cl.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, h := range s.GetHosts() {
		t.Logf("host %s dc=%s tokens=%d up=%v", h.ConnectAddress(), h.DataCenter(), len(h.Tokens()), h.IsUp())
	}
	must := func(q string, v ...any) {
		if err := s.Query(q, v...).Exec(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	must(`CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`)
	must(`CREATE TABLE ks.t (a int, b text, c int, v text, PRIMARY KEY ((a, b), c))`)
	for i := 0; i < 100; i++ {
		must(`INSERT INTO ks.t (a, b, c, v) VALUES (?, ?, ?, ?)`, i%7, "x", i, "val")
	}
	it := s.Query(`SELECT a, b, c, v FROM ks.t`).PageSize(7).Iter()
	var a, cc int
	var b, v string
	n := 0
	for it.Scan(&a, &b, &cc, &v) {
		n++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 100 {
		t.Fatalf("got %d rows", n)
	}
	for _, q := range []string{"SELECT keyspace_name, durable_writes, replication FROM system_schema.keyspaces WHERE keyspace_name = ?"} {
		it := s.Query(q, "ks").Iter()
		m := map[string]any{}
		for it.MapScan(m) {
			t.Logf("row %v", m)
			m = map[string]any{}
		}
		t.Logf("err %v", it.Close())
	}
	var km *gocql.KeyspaceMetadata
	deadline := time.Now().Add(10 * time.Second)
	for km == nil || len(km.Tables) == 0 {
		km, err = s.KeyspaceMetadata("ks")
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, tm := range km.Tables {
		t.Logf("table %s pk=%d ck=%d cols=%d", tm.Name, len(tm.PartitionKey), len(tm.ClusteringColumns), len(tm.Columns))
	}
	t.Logf("tables: %v, strategy %s %v", len(km.Tables), km.StrategyClass, km.StrategyOptions)
}
