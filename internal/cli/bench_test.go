package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/bench"
	"github.com/ringscan/ringscan/internal/cli"
)

// TestBenchRender draws the charts of the committed benchmark results
// again, running nothing: an SVG and a PNG per chart.
func TestBenchRender(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "benchmarks", bench.ReportJSON))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, bench.ReportJSON), data, 0o644))
	r := run(t, "bench", "--render", "--out", dir)
	requireOK(t, r)
	for _, c := range []string{bench.ChartConcurrency, bench.ChartLatency, bench.ChartPageSize} {
		for _, name := range []string{c, bench.ChartPNG(c)} {
			assert.FileExists(t, filepath.Join(dir, name))
			assert.Contains(t, r.stderr, name)
		}
	}
	// The committed run is the full profile's, capacity scenarios
	// included: their charts are drawn too.
	for _, c := range []string{"limit-per-host-capacity.svg", "rows-per-second-by-concurrency-capacity.svg"} {
		assert.FileExists(t, filepath.Join(dir, c))
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		assert.True(t, e.Name() == bench.ReportJSON || ext == ".svg" || ext == ".png",
			"%s: results.json and the charts, no results.md: nothing ran", e.Name())
	}

	requireOneLineError(t, run(t, "bench", "--render", "--out", dir, "--quick"), cli.ExitBadInput, "--render runs nothing: --quick does not apply")
	requireOneLineError(t, run(t, "bench", "--render", "--out", t.TempDir()), cli.ExitBadInput, "--render", bench.ReportJSON)
}
