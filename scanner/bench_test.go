package scanner_test

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/simproc"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

func benchSession(b *testing.B, hosts []string, port int) *gocql.Session {
	cl := gocql.NewCluster(hosts...)
	cl.Port = port
	cl.Timeout = 60 * time.Second
	cl.NumConns = 2
	s, err := cl.CreateSession()
	require.NoError(b, err)
	b.Cleanup(s.Close)
	return s
}

// countRows is a sink that counts rows.
func countRows(n *atomic.Int64) sink.Sink {
	return sink.SinkFunc(func(_ context.Context, b *sink.Batch) error {
		n.Add(int64(b.Len()))
		return nil
	})
}

// BenchmarkLatency50ms compares single-stream paging (one SELECT * paged by
// the driver: the synchronous baseline) with ringscan at concurrency 32 and
// 128, on 50k rows with 50 ms added to every request and page size 100.
//
//	go test ./scanner/ -run '^$' -bench Latency50ms -benchtime 1x
func BenchmarkLatency50ms(b *testing.B) {
	ctx := context.Background()
	c, err := cqlsim.Start(ctx, cqlsim.Config{Port: cqlsim.AutoPort})
	require.NoError(b, err)
	defer c.Close()
	// No very large partition: one partition is read page after page by
	// one subrange whatever the concurrency (skew is a bench scenario).
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 50_000, DeletedRows: -1, LargePartitionRows: -1})
	require.NoError(b, err)
	s := benchSession(b, c.Hosts(), c.Port())
	for _, n := range c.Nodes() {
		n.SetLatency(cqlsim.Latency{Fixed: 50 * time.Millisecond})
	}
	b.Run("single-stream", func(b *testing.B) {
		for b.Loop() {
			it := s.Query(`SELECT * FROM ringscan_demo.events`).PageSize(100).Iter()
			rows := 0
			for it.Scanner().Next() {
				rows++
			}
			require.NoError(b, it.Close())
			require.EqualValues(b, info.Rows, rows)
		}
		b.ReportMetric(float64(info.Rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	for _, conc := range []int{32, 128} {
		b.Run("ringscan-c"+strconv.Itoa(conc), func(b *testing.B) {
			sc, err := scanner.New(s, scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable,
				PageSize: 100, Concurrency: conc, PerHost: conc})
			require.NoError(b, err)
			for b.Loop() {
				var n atomic.Int64
				_, err := sc.Run(ctx, countRows(&n))
				require.NoError(b, err)
				require.Equal(b, info.Rows, n.Load())
			}
			b.ReportMetric(float64(info.Rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkScanMemory scans 1M and 5M demo rows served by cqlsim in a child
// process, and reports this process's peak heap: it must stay flat (within
// 20%) and under 256 MiB, bounded by concurrency × page size × row size.
//
//	go test ./scanner/ -run '^$' -bench ScanMemory -benchtime 1x -timeout 30m
func BenchmarkScanMemory(b *testing.B) {
	for _, rows := range []int{1_000_000, 5_000_000} {
		b.Run(strconv.Itoa(rows/1_000_000)+"M", func(b *testing.B) {
			ctx := context.Background()
			p, err := simproc.Start(ctx, "--nodes", "3", "--rows", strconv.Itoa(rows), "--deleted-rows", "-1")
			require.NoError(b, err)
			defer p.Stop()
			s := benchSession(b, p.Hosts, p.Port)
			sc, err := scanner.New(s, scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable})
			require.NoError(b, err)
			for b.Loop() {
				runtime.GC()
				var peak atomic.Uint64
				stop := make(chan struct{})
				sampled := make(chan struct{})
				go func() {
					defer close(sampled)
					t := time.NewTicker(20 * time.Millisecond)
					defer t.Stop()
					var m runtime.MemStats
					for {
						runtime.ReadMemStats(&m)
						if m.HeapAlloc > peak.Load() {
							peak.Store(m.HeapAlloc)
						}
						select {
						case <-t.C:
						case <-stop:
							return
						}
					}
				}()
				var n atomic.Int64
				start := time.Now()
				_, err := sc.Run(ctx, countRows(&n))
				elapsed := time.Since(start)
				close(stop)
				<-sampled
				require.NoError(b, err)
				require.EqualValues(b, rows, n.Load())
				b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
			}
		})
	}
}

// BenchmarkFastCluster scans 300k demo rows served by cqlsim in a child
// process with no added latency, at page 1000 and concurrency 16: where
// the client's CPU per row decides the speed. It is the profile target of
// the client-side work (go test -cpuprofile).
//
//	go test ./scanner/ -run '^$' -bench FastCluster -benchtime 3x -cpuprofile cpu.out
func BenchmarkFastCluster(b *testing.B) {
	ctx := context.Background()
	p, err := simproc.Start(ctx, "--nodes", "3", "--rows", "300000", "--deleted-rows", "-1", "--large-partition-rows", "-1")
	require.NoError(b, err)
	defer p.Stop()
	s := benchSession(b, p.Hosts, p.Port)
	base := scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, PageSize: 1000, Concurrency: 16}
	run := func(b *testing.B, project func(*scanner.Plan) (*scanner.Plan, error), mk func() sink.Sink) {
		sc, err := scanner.New(s, base)
		require.NoError(b, err)
		for b.Loop() {
			plan, err := sc.Plan(ctx)
			require.NoError(b, err)
			if project != nil {
				plan, err = project(plan)
				require.NoError(b, err)
			}
			st, err := sc.RunPlan(ctx, plan, mk())
			require.NoError(b, err)
			require.EqualValues(b, p.Rows, st.Rows)
		}
		b.ReportMetric(float64(p.Rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	count := func() sink.Sink { return &sink.Count{} }
	b.Run("ringscan-count", func(b *testing.B) {
		run(b, func(p *scanner.Plan) (*scanner.Plan, error) { return p.Project(p.PartitionKey) }, count)
	})
	// What ringscan count reads: tokens only, keys inside large partitions.
	b.Run("ringscan-count-only", func(b *testing.B) {
		run(b, func(p *scanner.Plan) (*scanner.Plan, error) { return p.CountOnly(), nil }, count)
	})
	b.Run("ringscan-discard", func(b *testing.B) { run(b, nil, func() sink.Sink { return &sink.Discard{} }) })
	// The bench's jsonl mode: every row encoded, the text dropped.
	b.Run("ringscan-jsonl", func(b *testing.B) { run(b, nil, func() sink.Sink { return sink.NewJSONLines(io.Discard) }) })
}
