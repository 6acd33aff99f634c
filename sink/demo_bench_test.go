package sink_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/sink/internal/sinktest"
)

// demoPages scans the demo table (the bench's cpu profile reads it) on a
// cqlsim cluster and returns copies of its pages: the rows ringscan's
// writer encodes, with the demo's mix of nulls, sizes and collections.
func demoPages(b *testing.B, rows int) []*sink.Batch {
	ctx := context.Background()
	c := testutil.StartSim(b, cqlsim.Config{Nodes: 1})
	_, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: rows, DeletedRows: -1, LargePartitionRows: -1, ProfileRows: -1})
	require.NoError(b, err)
	s := testutil.Session(b, c)
	defer s.Close()
	sc, err := scanner.New(s, scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, PageSize: 1000})
	require.NoError(b, err)
	var pages []*sink.Batch
	_, err = sc.Run(ctx, sink.SinkFunc(func(_ context.Context, p *sink.Batch) error {
		cp := sink.NewBatch(p.Columns, 0)
		for r := range p.Len() {
			for col := range p.Columns {
				cp.AppendValue(p.Value(r, col))
			}
		}
		pages = append(pages, cp)
		return nil
	}))
	require.NoError(b, err)
	return pages
}

// BenchmarkJSONLinesDemo encodes the demo table's rows as JSON Lines and
// reports ns/row: the writer's cost in the bench's cpu profile, on one
// goroutine (its CPU per row) and with the default workers.
//
//	go test ./sink -run '^$' -bench JSONLinesDemo -benchmem
func BenchmarkJSONLinesDemo(b *testing.B) {
	ctx := context.Background()
	pages := demoPages(b, 20_000)
	for _, workers := range []int{1, 0} {
		name := "workers=default"
		if workers > 0 {
			name = "workers=1"
		}
		b.Run(name, func(b *testing.B) {
			var out sinktest.CountingWriter
			s, err := sink.NewJSONLinesConfig(&out, sink.JSONConfig{TextConfig: sink.TextConfig{Workers: workers}})
			require.NoError(b, err)
			rows := 0
			for b.Loop() {
				for _, p := range pages {
					if err := s.Write(ctx, p); err != nil {
						b.Fatal(err)
					}
					rows += p.Len()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
			b.ReportMetric(float64(out.N)/float64(rows), "out-bytes/row")
		})
	}
}
