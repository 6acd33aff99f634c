package pager_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/pager"
)

// BenchmarkRowsPrefetch walks a 240-row table in 10 pages over a node
// that adds 2ms to every request, with a consumer that spends 2ms on each
// page. With prefetching, fetching and consuming overlap and a page costs
// about max(fetch, work) instead of their sum. Reported per page.
func BenchmarkRowsPrefetch(b *testing.B) {
	c := testutil.StartSim(b, cqlsim.Config{Nodes: 1, Latency: cqlsim.Latency{Fixed: 2 * time.Millisecond}})
	loadTables(b, c)
	s := connect(b, c)
	for _, bc := range []struct {
		name     string
		prefetch int
	}{{"none", -1}, {"1", 1}, {"2", 2}} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := pager.New(s, pager.Config{Prefetch: bc.prefetch})
			require.NoError(b, err)
			pages := 0
			for b.Loop() {
				rows := p.Rows(context.Background(), selectAll("kv"), nil, "", 24)
				var seen int64
				for rows.Next() {
					if st := rows.Stats(); st.Pages != seen {
						seen = st.Pages
						time.Sleep(2 * time.Millisecond) // the consumer's work on a page
					}
				}
				require.NoError(b, rows.Err())
				pages += int(seen)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pages), "ns/page")
		})
	}
}
