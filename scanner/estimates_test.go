package scanner_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// assertCovers checks that a plan's subranges cover the ring once: in
// token order each starts where the previous one ended, from the minimum
// to the maximum token.
func assertCovers(t *testing.T, plan *scanner.Plan) {
	t.Helper()
	p := plan.Ring.Partitioner()
	srs := slices.Clone(plan.Subranges)
	slices.SortFunc(srs, func(a, b ring.Subrange) int { return a.Range.Start.Compare(b.Range.Start) })
	require.NotEmpty(t, srs)
	assert.Equal(t, p.Min(), srs[0].Range.Start)
	assert.Equal(t, p.Max(), srs[len(srs)-1].Range.End)
	for i := 1; i < len(srs); i++ {
		assert.Equal(t, srs[i-1].Range.End, srs[i].Range.Start, "subranges %d and %d", srs[i-1].ID, srs[i].ID)
	}
}

// TestSizeEstimatesThatLie plans with UseSizeEstimates against estimates
// that lie as real ones do: missing (a table created after the node's last
// refresh), stale (taken when the table held 1/20 of its rows), and skewed
// by different factors on different nodes. The plan covers the ring once
// whatever they say, and the scan reads every row once.
func TestSizeEstimatesThatLie(t *testing.T) {
	tests := []struct {
		name      string
		est       cqlsim.SizeEstimates
		refreshAt int // rows written when Cluster.RefreshSizeEstimates is called; -1 never
		wantUsed  bool
	}{
		{name: "exact", wantUsed: true, refreshAt: -1},
		{name: "none yet", est: cqlsim.SizeEstimates{Refresh: cqlsim.Manual}, refreshAt: -1},
		{name: "stale", est: cqlsim.SizeEstimates{Refresh: cqlsim.Manual}, refreshAt: 150, wantUsed: true},
		// Per-node factors keep each node's ranges consistent with one
		// another, so the estimates pass ring's sanity rules and weight
		// the plan: wrongly, which must cost balance, never rows.
		{name: "skewed 100, 1, 0.01", est: cqlsim.SizeEstimates{Skew: []float64{100, 1, 0.01}}, refreshAt: -1, wantUsed: true},
		{name: "skewed 3, 1", est: cqlsim.SizeEstimates{Skew: []float64{3, 1}}, refreshAt: -1, wantUsed: true},
	}
	const rows = 3000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 8, SizeEstimates: tt.est})
			s := testutil.Session(t, c)
			require.NoError(t, s.Query(`CREATE KEYSPACE ks WITH replication = `+simple(1)).Exec())
			require.NoError(t, s.Query(`CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))`).Exec())
			waitForTables(t, s, "ks", "t")
			want := testutil.Multiset{}
			ds := dataset{cols: []col{{"k", "int"}, {"c", "int"}, {"v", "text"}}}
			var all [][]any
			for i := range rows {
				all = append(all, []any{i / 4, i % 4, fmt.Sprint(i)})
			}
			ctx := context.Background()
			write := func(part [][]any) {
				enc := ds.encode(t, part)
				require.NoError(t, writeAll(ctx, s, `INSERT INTO ks.t (k, c, v) VALUES (?, ?, ?)`, enc))
				for _, r := range enc {
					want.AddRow(r)
				}
			}
			if tt.refreshAt >= 0 {
				write(all[:tt.refreshAt])
				c.RefreshSizeEstimates()
				write(all[tt.refreshAt:])
			} else {
				write(all)
			}
			sc, err := scanner.New(s, scanner.Config{Keyspace: "ks", Table: "t", UseSizeEstimates: true, PageSize: 300, Concurrency: 8})
			require.NoError(t, err)
			plan, err := sc.Plan(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.wantUsed, plan.Full.EstimatesUsed, "estimates used (ignored: %q)", plan.Full.EstimatesIgnored)
			assertCovers(t, plan)
			got := newCollector(true)
			st, err := sc.RunPlan(ctx, plan, got)
			require.NoError(t, err)
			assert.Empty(t, want.Diff(got.rows))
			assert.Equal(t, int64(rows), st.Rows)
		})
	}
}
