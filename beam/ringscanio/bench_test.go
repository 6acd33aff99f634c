package ringscanio

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

func discardRow(Row) {}

func init() { register.Function1x0(discardRow) }

// BenchmarkRead reads the demo table of a cluster started apart
// (RINGSCANIO_BENCH_HOSTS, comma-separated, and RINGSCANIO_BENCH_PORT;
// docs/benchmarks.md has the command) three ways, to tell Beam's share of
// the cost from the DoFn's: on prism; the DoFn's own loop without Beam,
// one restriction after the other; and that loop on every restriction at
// once. Each reports rows/s.
func BenchmarkRead(b *testing.B) {
	hosts := os.Getenv("RINGSCANIO_BENCH_HOSTS")
	if hosts == "" {
		b.Skip("set RINGSCANIO_BENCH_HOSTS and RINGSCANIO_BENCH_PORT to a cluster with the demo table (ringscan sim)")
	}
	port, err := strconv.Atoi(os.Getenv("RINGSCANIO_BENCH_PORT"))
	require.NoError(b, err, "RINGSCANIO_BENCH_PORT")
	cfg := Config{Hosts: strings.Split(hosts, ","), Port: port, Keyspace: "ringscan_demo", Table: "events"}
	if cols := os.Getenv("RINGSCANIO_BENCH_COLUMNS"); cols != "" {
		cfg.Columns = strings.Split(cols, ",")
	}
	ctx := context.Background()
	initial, err := initialRestriction(ctx, cfg)
	require.NoError(b, err)
	per := splitRestriction(initial)
	defer sessions.closeIdle()

	direct := func(b *testing.B, parallel bool) {
		var rows atomic.Int64
		for b.Loop() {
			var g errgroup.Group
			if !parallel {
				g.SetLimit(1)
			}
			for _, r := range per {
				g.Go(func() error {
					return process(ctx, cfg, sdf.NewLockRTracker(newTracker(r)), &rowOutput{emit: func(Row) { rows.Add(1) }})
				})
			}
			require.NoError(b, g.Wait())
		}
		b.ReportMetric(float64(rows.Load())/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("prism", func(b *testing.B) {
		var rows int64
		for b.Loop() {
			p, s := beam.NewPipelineWithRoot()
			beam.ParDo0(s, discardRow, Read(s, cfg))
			pr, err := ptest.RunWithMetrics(p)
			require.NoError(b, err)
			rows += counters(pr)["rows"]
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("dofn-sequential", func(b *testing.B) { direct(b, false) })
	b.Run("dofn-parallel", func(b *testing.B) { direct(b, true) })
}
