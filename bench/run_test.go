package bench_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/bench"
)

// runScenario runs sc for real, its strategies in child processes of this
// test binary, repeats runs each (0 for the default), and returns its
// results; a failed run fails the test with the bench's progress.
func runScenario(t *testing.T, sc bench.Scenario, repeats int) []bench.Result {
	t.Helper()
	t.Setenv(childEnv, "1")
	bin, err := os.Executable()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var progress strings.Builder
	rs, err := bench.Run(ctx, bench.Config{Scenarios: []bench.Scenario{sc}, Binary: bin, Repeats: repeats, Progress: &progress})
	require.NoError(t, err, progress.String())
	return rs
}

// TestRunEndToEnd runs a tiny scenario for real: cqlsim and every strategy
// in child processes, the multiset check, and the report.
func TestRunEndToEnd(t *testing.T) {
	sc := bench.Scenario{
		Name: "tiny",
		// Skew and tombstones, so that ranges have several pages and
		// empty pages.
		Sim:      bench.SimConfig{Rows: 600, LargePartitionRows: 120, DeletedRows: 200, TombstoneBudget: 20},
		PageSize: 50,
		Strategies: []bench.Strategy{
			{Kind: bench.SingleStream},
			{Kind: bench.EqualSlices, Concurrency: 4, Slices: 16},
			{Kind: bench.Ringscan, Concurrency: 4, PerHost: 4},
		},
	}
	rs := runScenario(t, sc, 2)
	require.Len(t, rs, 3)
	for _, r := range rs {
		assert.True(t, r.OK(), "%s: %s %v", r.Strategy, r.Err, r.Problems)
		assert.EqualValues(t, 600, r.Rows, r.Strategy)
		assert.Zero(t, r.Lost, r.Strategy)
		assert.Zero(t, r.Duplicated, r.Strategy)
		assert.Positive(t, r.RowsPerSecond, r.Strategy)
		assert.Positive(t, r.PeakRSSMiB, r.Strategy)
		assert.GreaterOrEqual(t, r.Pages, int64(600/50), r.Strategy)
		assert.Equal(t, 2, r.Runs, r.Strategy)
		assert.Equal(t, rs[0].Digest, r.Digest, "%s read the same rows as single-stream", r.Strategy)
	}
	assert.Greater(t, rs[2].MakespanRatio, 0.0)

	dir := t.TempDir()
	require.NoError(t, bench.WriteReport(dir, rs, bench.Meta{Profile: "test"}))
	md, err := os.ReadFile(filepath.Join(dir, bench.ReportMarkdown))
	require.NoError(t, err)
	assert.Contains(t, string(md), "Every run read exactly the table's rows")
}

// TestRunCounts runs the counting strategies on a table with deleted
// rows and a large partition: each counts exactly the live rows, and
// equal slices counting on the server send one request per slice.
func TestRunCounts(t *testing.T) {
	sc := bench.Scenario{
		Name:     "tiny-count",
		Sim:      bench.SimConfig{Rows: 600, LargePartitionRows: 120, DeletedRows: 200, TombstoneBudget: 20},
		PageSize: 50,
		Strategies: []bench.Strategy{
			{Kind: bench.Ringscan, Concurrency: 4, PerHost: 4, Mode: bench.CountRows},
			{Name: "token", Kind: bench.EqualSlices, Concurrency: 4, Slices: 16, TokenOnly: true, Mode: bench.CountRows},
			{Name: "count-star", Kind: bench.EqualSlices, Concurrency: 4, Slices: 16, ServerCount: true, Mode: bench.CountRows},
			{Name: "ringscan-server", Kind: bench.Ringscan, Concurrency: 4, PerHost: 4, ServerCount: true, Mode: bench.CountRows},
		},
	}
	rs := runScenario(t, sc, 0)
	require.Len(t, rs, 4)
	for _, r := range rs {
		assert.True(t, r.OK(), "%s: %s %v", r.Strategy, r.Err, r.Problems)
		assert.EqualValues(t, 600, r.Rows, r.Strategy)
	}
	assert.EqualValues(t, 16, rs[2].Pages, "one count(*) per slice")
}

// TestRunEncoders runs ringscan's JSON Lines and CSV modes: each
// counts the rows its encoder wrote, every row once. Fails if a mode's
// sink drops or repeats pages, or is not made at all.
func TestRunEncoders(t *testing.T) {
	sc := bench.Scenario{
		Name:     "tiny-encode",
		Sim:      bench.SimConfig{Rows: 600},
		PageSize: 50,
		Strategies: []bench.Strategy{
			{Name: "jsonl", Kind: bench.Ringscan, Concurrency: 4, Mode: bench.JSONL},
			{Name: "csv", Kind: bench.Ringscan, Concurrency: 4, Mode: bench.CSV},
		},
	}
	rs := runScenario(t, sc, 0)
	require.Len(t, rs, 2)
	for _, r := range rs {
		assert.True(t, r.OK(), "%s: %s %v", r.Strategy, r.Err, r.Problems)
		assert.EqualValues(t, 600, r.Rows, r.Strategy)
	}
}

// TestRunHotTable runs a scenario on a hot table: the strategies read the
// scenario's table, not the demo's, and are checked against that table's
// rows and checksum, as "ringscan sim" prints them; ringscan splits the
// hot partition.
func TestRunHotTable(t *testing.T) {
	sc := bench.Scenario{
		Name: "tiny-hot", Sim: bench.SimConfig{Rows: 50, HotRows: 2000, Latency: time.Millisecond}, Table: "hot_uuid", PageSize: 50,
		Strategies: []bench.Strategy{
			{Kind: bench.SingleStream},
			{Kind: bench.Ringscan, Concurrency: 4, PerHost: 4},
		},
	}
	rs := runScenario(t, sc, 0)
	require.Len(t, rs, 2)
	for _, r := range rs {
		assert.True(t, r.OK(), "%s: %s %v", r.Strategy, r.Err, r.Problems)
		assert.EqualValues(t, 2000, r.Rows, r.Strategy)
		assert.Equal(t, rs[0].Digest, r.Digest, "%s read the same rows as single-stream", r.Strategy)
	}
}

// TestRunFailsOnBadTarget checks that a strategy that cannot read fails
// the run with a CheckError naming it.
func TestRunFailsOnBadTarget(t *testing.T) {
	t.Setenv(childEnv, "1")
	bin, err := os.Executable()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sc := bench.Scenario{Name: "tiny", Sim: bench.SimConfig{Rows: 10}, PageSize: 5, ClientOnly: true,
		Strategies: []bench.Strategy{{Kind: bench.SingleStream}}}
	// Nothing listens on port 1.
	rs, err := bench.Run(ctx, bench.Config{Scenarios: []bench.Scenario{sc}, Binary: bin,
		Cluster: &bench.Target{Hosts: []string{"127.0.0.1"}, Port: 1}})
	var ce *bench.CheckError
	require.ErrorAs(t, err, &ce)
	require.Len(t, rs, 1)
	assert.NotEmpty(t, rs[0].Err)
	assert.Contains(t, err.Error(), "tiny / single-stream")
}

// TestRunTimeout checks that a run that does not finish in time fails,
// with its goroutines saved to a file.
func TestRunTimeout(t *testing.T) {
	t.Setenv(childEnv, "1")
	t.Setenv("TMPDIR", t.TempDir())
	bin, err := os.Executable()
	require.NoError(t, err)
	sc := bench.Scenario{Name: "tiny", Sim: bench.SimConfig{Rows: 10}, PageSize: 5, ClientOnly: true,
		Strategies: []bench.Strategy{{Kind: bench.SingleStream}}}
	rs, err := bench.Run(context.Background(), bench.Config{Scenarios: []bench.Scenario{sc}, Binary: bin,
		Cluster: &bench.Target{Hosts: []string{"127.0.0.1"}, Port: 1}, RunTimeout: time.Millisecond})
	require.Error(t, err)
	require.Len(t, rs, 1)
	assert.Contains(t, rs[0].Err, "did not finish within 1ms")
}

// TestRunCPUProfiles checks that CPUProfileDir makes every run's child
// write a CPU profile of its own, named by its strategy, and that a
// directory that does not exist is refused before anything runs.
func TestRunCPUProfiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(childEnv, "1")
	bin, err := os.Executable()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sc := bench.Scenario{Name: "tiny", Sim: bench.SimConfig{Rows: 100}, PageSize: 50,
		Strategies: []bench.Strategy{{Kind: bench.SingleStream}, {Kind: bench.Ringscan, Concurrency: 2, Mode: bench.JSONL}}}
	var progress strings.Builder
	_, err = bench.Run(ctx, bench.Config{Scenarios: []bench.Scenario{sc}, Binary: bin, Repeats: 2, Progress: &progress, CPUProfileDir: dir})
	require.NoError(t, err, progress.String())
	for _, s := range []string{"single-stream", "ringscan"} {
		files, err := filepath.Glob(filepath.Join(dir, s+"-*.pprof"))
		require.NoError(t, err)
		require.Len(t, files, 2, "one profile per run of %s", s)
		for _, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			// A pprof profile is a gzipped protocol buffer: a stopped
			// profile is flushed and closed, not an empty or cut file.
			zr, err := gzip.NewReader(bytes.NewReader(data))
			require.NoError(t, err, f)
			body, err := io.ReadAll(zr)
			require.NoError(t, err, "%s: the whole gzip stream", f)
			assert.NotEmpty(t, body, f)
		}
	}

	_, err = bench.Run(ctx, bench.Config{Scenarios: []bench.Scenario{sc}, Binary: bin, CPUProfileDir: filepath.Join(dir, "none")})
	require.ErrorIs(t, err, bench.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "is not an existing directory")
}
