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
	// The committed run is the full profile's, capacity scenarios
	// included: their charts are drawn too, and nothing else is written
	// (no results.md: nothing ran).
	want := []string{bench.ReportJSON}
	for _, c := range []string{bench.ChartConcurrency, bench.ChartLatency, bench.ChartPageSize, bench.ChartCapacity,
		"limit-per-host-capacity.svg", "limit-per-host-capacity-half.svg", "limit-per-host-capacity-knee.svg", "limit-per-host-capacity-spread.svg",
		"limit-per-host-spread.svg"} {
		for _, name := range []string{c, bench.ChartPNG(c)} {
			assert.FileExists(t, filepath.Join(dir, name))
			assert.Contains(t, r.stderr, name)
			want = append(want, name)
		}
	}
	assert.NoFileExists(t, filepath.Join(dir, bench.ReportMarkdown))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, want, got, "results.json and the charts")

	requireOneLineError(t, run(t, "bench", "--render", "--out", dir, "--quick"), cli.ExitBadInput, "--render runs nothing: --quick does not apply")
	requireOneLineError(t, run(t, "bench", "--render", "--out", t.TempDir()), cli.ExitBadInput, "--render", bench.ReportJSON)
}

// TestBenchOutNotWritable checks that an --out the results cannot be
// written into is refused before anything runs, not after the runs.
func TestBenchOutNotWritable(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	notFile := filepath.Join(t.TempDir(), "out")
	require.NoError(t, os.MkdirAll(filepath.Join(notFile, bench.ReportJSON), 0o755))
	for _, tc := range []struct {
		out   string
		parts []string
	}{
		{out: file, parts: []string{"invalid --out " + file, "not a directory"}},
		{out: filepath.Join(file, "sub"), parts: []string{"invalid --out " + filepath.Join(file, "sub")}},
		{out: notFile, parts: []string{"invalid --out " + filepath.Join(notFile, bench.ReportJSON), "not a regular file"}},
	} {
		r := run(t, "bench", "--quick", "--out", tc.out)
		requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
		assert.Empty(t, r.stdout)
	}
}
