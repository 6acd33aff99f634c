package cqlsim_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
)

// BenchmarkServeRows measures the rows per second cqlsim serves to one
// gocql client draining pages of 5000 rows of the demo table.
func BenchmarkServeRows(b *testing.B) {
	ctx := context.Background()
	c, err := cqlsim.Start(ctx, cqlsim.Config{Nodes: 1, Port: cqlsim.AutoPort})
	require.NoError(b, err)
	defer c.Close()
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 200_000, DeletedRows: -1})
	require.NoError(b, err)
	cl := gocql.NewCluster(c.Hosts()...)
	cl.Port = c.Port()
	cl.Timeout = 30 * time.Second
	s, err := cl.CreateSession()
	require.NoError(b, err)
	defer s.Close()
	b.ResetTimer()
	var rows int64
	for b.Loop() {
		it := s.Query(`SELECT tenant, bucket, ts, seq FROM ringscan_demo.events`).PageSize(5000).Iter()
		var tenant string
		var bucket, seq int
		var ts time.Time
		for it.Scan(&tenant, &bucket, &ts, &seq) {
			rows++
		}
		require.NoError(b, it.Close())
	}
	require.Equal(b, int64(b.N)*info.Rows, rows)
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLoadDemo measures loading demo rows and the heap each stored
// row costs (issue target: 1M rows in under 30 s and under 1 GiB).
func BenchmarkLoadDemo(b *testing.B) {
	ctx := context.Background()
	const rows = 1_000_000
	for b.Loop() {
		c, err := cqlsim.Start(ctx, cqlsim.Config{Nodes: 1, Port: cqlsim.AutoPort})
		require.NoError(b, err)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: rows})
		require.NoError(b, err)
		elapsed := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(elapsed.Seconds(), "s/1M-rows")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(info.Rows+info.Deleted), "heap-bytes/row")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
		runtime.KeepAlive(c)
		c.Close()
	}
}
