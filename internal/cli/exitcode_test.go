package cli_test

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/observe"
	"github.com/ringscan/ringscan/scanner"
)

// requireSubset checks that got holds rows of want only, none twice.
func requireSubset(t *testing.T, want, got []string) {
	t.Helper()
	in := make(map[string]int, len(want))
	for _, l := range want {
		in[l]++
	}
	for _, l := range got {
		in[l]--
		require.GreaterOrEqual(t, in[l], 0, "row not in the table, or read twice: %s", l)
	}
}

// TestExitCodesFailedRanges scans a table of replication factor 1 with one
// of its three nodes down: the ranges that node holds fail. With
// --max-failed-ranges -1 the scan finishes (exit 1) and lists them; with a
// lower limit it aborts (exit 2).
func TestExitCodesFailedRanges(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 3000},
		`CREATE KEYSPACE ringscan_demo WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`)
	want := s.exportJSONL(t, scanner.Config{})
	plan := ringOf(t, s)
	down := s.c.Nodes()[2]
	var lost []int // the ranges of the node taken down
	for _, r := range plan.Ranges {
		require.Len(t, r.Replicas, 1)
		if r.Replicas[0] == down.IP() {
			lost = append(lost, r.ID)
		}
	}
	require.NotEmpty(t, lost)
	down.Down()
	// The contact points are the nodes up.
	s.hosts = s.hosts[:2]

	t.Run("finished with failed ranges", func(t *testing.T) {
		t.Parallel()
		report := filepath.Join(t.TempDir(), "report.json")
		r := run(t, s.args("scan", "--out", "-", "--retries", "1", "--max-failed-ranges", "-1", "--report", report)...)
		require.Equal(t, cli.ExitPartial, r.code, r.stderr)
		// The summary lists every failed range, id first; the last line
		// says how many failed.
		listed := regexp.MustCompile(`(?m)^  (\d+) \(`).FindAllStringSubmatch(r.stderr, -1)
		var ids []int
		for _, m := range listed {
			id, err := strconv.Atoi(m[1])
			require.NoError(t, err)
			ids = append(ids, id)
		}
		slices.Sort(ids)
		if len(lost) <= 20 {
			assert.Equal(t, lost, ids, "failed ranges listed:\n%s", r.stderr)
		} else {
			assert.Len(t, ids, 20)
			assert.Contains(t, r.stderr, "more")
		}
		assert.Contains(t, r.stderr, "failed ranges:")
		assert.Contains(t, r.stderr, "WARN\trange failed", "each failed range is logged")
		assert.NotContains(t, r.stderr, "\tgocql\t", "the driver's warnings are info")
		m := regexp.MustCompile(`(?m)^ringscan: ` + strconv.Itoa(len(lost)) + ` ranges failed \((\d+(?:, \d+)*)\); first: range (\d+) `).FindStringSubmatch(r.stderr)
		require.NotNil(t, m, r.stderr)
		var inLine []int
		for _, f := range strings.Split(m[1], ", ") {
			id, err := strconv.Atoi(f)
			require.NoError(t, err)
			inLine = append(inLine, id)
		}
		assert.ElementsMatch(t, lost, inLine)
		assert.True(t, slices.IsSorted(inLine), "the error line lists the failed ranges by id, as the summary does: %v", inLine)
		assert.Equal(t, strconv.Itoa(inLine[0]), m[2], "the first listed is detailed")
		got := splitLines([]byte(r.stdout))
		requireSubset(t, want, got)
		rep, err := observe.ReadReport(report)
		require.NoError(t, err)
		assert.Equal(t, len(lost), rep.Totals.Failed)
		assert.EqualValues(t, len(got), rep.Totals.Rows)
		assert.NotEmpty(t, rep.Error)
		for _, rr := range rep.Ranges {
			assert.Equal(t, slices.Contains(lost, rr.ID), rr.Error != "", "range %d: %q", rr.ID, rr.Error)
		}
	})

	t.Run("no manifest for a partial output", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "out")
		r := run(t, s.args("scan", "--out", out, "-q", "--retries", "none", "--max-failed-ranges", "-1")...)
		require.Equal(t, cli.ExitPartial, r.code, r.stderr)
		requireSubset(t, want, allLines(readDir(t, out)))
		_, err := os.Stat(filepath.Join(out, "manifest.json"))
		assert.True(t, os.IsNotExist(err), "manifest.json marks a complete output only")
	})

	// A compressed stdout of a partial scan holds the rows read, whole, in
	// a stream left unterminated: the decompressor fails at its end
	// rather than pass the export off as complete.
	for _, tc := range []struct {
		compress string
		reader   func(io.Reader) (io.Reader, error)
	}{
		{"gzip", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{"zstd", func(r io.Reader) (io.Reader, error) { return zstd.NewReader(r) }},
	} {
		t.Run("unterminated "+tc.compress+" stdout for a partial output", func(t *testing.T) {
			t.Parallel()
			r := run(t, s.args("scan", "--out", "-", "-q", "--retries", "none", "--max-failed-ranges", "-1", "--compress", tc.compress)...)
			require.Equal(t, cli.ExitPartial, r.code, r.stderr)
			zr, err := tc.reader(strings.NewReader(r.stdout))
			require.NoError(t, err)
			rows, err := io.ReadAll(zr)
			require.Error(t, err, "the stream of a partial scan is not ended")
			got := splitLines(rows)
			require.NotEmpty(t, got)
			requireSubset(t, want, got)
			assert.Less(t, len(got), len(want))
		})
	}

	t.Run("count prints the rows read", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("count", "-q", "--retries", "none", "--max-failed-ranges", "-1")...)
		require.Equal(t, cli.ExitPartial, r.code, r.stderr)
		// The total of a partial count is marked, never passed off as
		// complete.
		total, mark, ok := strings.Cut(strings.TrimSuffix(r.stdout, "\n"), " ")
		require.True(t, ok, "a partial total is marked: %q", r.stdout)
		assert.Regexp(t, `^\(partial: [0-9]+ ranges failed\)$`, mark)
		n, err := strconv.Atoi(total)
		require.NoError(t, err, r.stdout)
		assert.Less(t, n, len(want))
		assert.Positive(t, n)
	})

	// --retries takes none or a positive number: the attempts of the
	// failing page are one more than the retries.
	for _, tc := range []struct{ retries, attempts string }{{"none", "1"}, {"3", "4"}} {
		t.Run("retries "+tc.retries, func(t *testing.T) {
			t.Parallel()
			r := run(t, s.args("count", "-q", "--retries", tc.retries, "--log-level", "error")...)
			requireOneLineError(t, r, cli.ExitAborted, "count aborted", "failed after "+tc.attempts+" attempts")
		})
	}

	for _, limit := range []string{"0", "1"} {
		t.Run("aborted with limit "+limit, func(t *testing.T) {
			t.Parallel()
			require.Greater(t, len(lost), 1)
			// Warnings are logged (the driver's, the failed ranges) and the
			// error comes last.
			r := run(t, s.args("scan", "--out", "-", "-q", "--retries", "1", "--max-failed-ranges", limit)...)
			require.Equal(t, cli.ExitAborted, r.code, r.stderr)
			lines := splitLines([]byte(r.stderr))
			assert.Regexp(t, `^ringscan: scan aborted: range \d+ .* failed after 2 attempts`, lines[len(lines)-1])
			assert.Contains(t, r.stderr, "range failed")
			requireSubset(t, want, splitLines([]byte(r.stdout)))
			// Without the warnings, the error is all there is.
			r = run(t, s.args("count", "-q", "--retries", "1", "--max-failed-ranges", limit, "--log-level", "error")...)
			requireOneLineError(t, r, cli.ExitAborted, "count aborted", "failed after 2 attempts")
			assert.Empty(t, r.stdout, "no total for an aborted count")
		})
	}
}

// TestExitCodeInterrupted cancels a scan in the middle: exit 4.
func TestExitCodeInterrupted(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 5000})
	report := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	stdout := newGateWriter()
	var stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		// Small pages: more pages than the pipeline holds (concurrency +
		// queue + 1), so the blocked output stops the scan mid-way.
		code <- cli.Run(ctx, s.args("scan", "--out", "-", "-q", "--page-size", "25", "--report", report), stdout, &stderr)
	}()
	select {
	case <-stdout.blocked: // the scan is writing, far from done
	case c := <-code:
		t.Fatalf("scan ended (exit %d) before writing: %s", c, stderr.String())
	}
	cancel()
	close(stdout.release)
	require.Equal(t, cli.ExitInterrupted, <-code, stderr.String())
	assert.Regexp(t, `^ringscan: interrupted: context canceled\n$`, stderr.String())
	rep, err := observe.ReadReport(report)
	require.NoError(t, err, "the report is written when interrupted too")
	assert.NotEmpty(t, rep.Error)
	assert.Less(t, rep.Totals.Rows, s.info.Rows)
}
