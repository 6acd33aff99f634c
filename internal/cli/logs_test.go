package cli_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/observe"
	"github.com/ringscan/ringscan/scanner"
)

// logLines parses stderr as JSON lines, failing on any other line.
func logLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range splitLines([]byte(stderr)) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "not a JSON line: %q", l)
		out = append(out, m)
	}
	return out
}

// TestLogs checks the operator's view of a scan through the command: with
// --log-format json every line of stderr is JSON (the start, progress and
// summary events too) and carries the run id, which the report and the
// checkpoint name; retries are logged at info with host, kind and
// attempt, and a storm of them is sampled; durations are numbers of ms.
func TestLogs(t *testing.T) {
	t.Parallel()
	// One node in four fails a read in five: many retries, every row read.
	s := startSim(t, cqlsim.Config{Nodes: 4}, cqlsim.DemoConfig{Rows: 3000})
	want := s.exportJSONL(t, scanner.Config{})
	require.NoError(t, s.c.Nodes()[1].SetFaults(cqlsim.Fault{Kind: cqlsim.ReadTimeout, Rate: 0.2}))

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		report, ckpt := filepath.Join(dir, "report.json"), filepath.Join(dir, "c.ckpt")
		r := run(t, s.args("scan", "--out", filepath.Join(dir, "out"), "--log-format", "json", "--log-level", "debug",
			"--page-size", "50", "--report", report, "--checkpoint", ckpt)...)
		requireOK(t, r)
		lines := logLines(t, r.stderr)
		byMsg := map[string][]map[string]any{}
		runID := ""
		for _, l := range lines {
			id, ok := l["run_id"].(string)
			require.True(t, ok, "every line has a run id: %v", l)
			if runID == "" {
				runID = id
			}
			assert.Equal(t, runID, id, "one run id")
			msg := l["msg"].(string)
			byMsg[msg] = append(byMsg[msg], l)
		}
		require.Regexp(t, `^[0-9a-f]{16}$`, runID)
		require.Len(t, byMsg["scan started"], 1)
		assert.Equal(t, "ringscan_demo", byMsg["scan started"][0]["keyspace"])
		assert.Equal(t, false, byMsg["scan started"][0]["resumed"])
		require.Len(t, byMsg["summary"], 1)
		sum := byMsg["summary"][0]
		assert.Equal(t, "complete", sum["status"])
		assert.EqualValues(t, len(want), sum["rows"])
		assert.IsType(t, float64(0), sum["elapsed_ms"])
		assert.Positive(t, sum["retries"])
		require.NotEmpty(t, byMsg["retrying page request"], "retries are logged")
		for _, l := range byMsg["retrying page request"] {
			assert.Equal(t, "info", l["level"])
			assert.Equal(t, "read_timeout", l["kind"])
			assert.Contains(t, s.hosts, l["host"])
			assert.GreaterOrEqual(t, l["attempt"], 1.0)
			assert.Contains(t, l, "range")
		}
		for _, l := range byMsg["range finished"] {
			assert.IsType(t, float64(0), l["duration_ms"], "numeric durations")
		}
		// The report and the checkpoint name the same run.
		rep, err := observe.ReadReport(report)
		require.NoError(t, err)
		assert.Equal(t, runID, rep.RunID)
		assert.Equal(t, []string{runID}, rep.Runs)
		assert.Equal(t, []string{runID}, loadCheckpoint(ckpt).cp.RunIDs())
	})

	t.Run("console at info", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("scan", "--out", "-", "--log-level", "info", "--page-size", "20")...)
		requireOK(t, r)
		requireSameRows(t, want, splitLines([]byte(r.stdout)))
		retries := regexp.MustCompile(`(?m)^\S+\tINFO\tretrying page request\t\{"run_id": "([0-9a-f]{16})", "range": \d+, "host": "[^"]+", "kind": "read_timeout", "attempt": \d+, "error": .*\}$`)
		m := retries.FindAllStringSubmatch(r.stderr, -1)
		require.NotEmpty(t, m, r.stderr)
		assert.Regexp(t, `(?m)^  run       `+m[0][1]+`$`, r.stderr, "the summary names the run")
		assert.Contains(t, r.stderr, "INFO\tscan started\t")
	})

	t.Run("retries sampled", func(t *testing.T) {
		t.Parallel()
		// Small pages: dozens of retries within a second or so. Of the
		// retry lines of each second the first 10 are logged, then one in
		// 100 (observe's TestNewLoggerSampling checks that exactly); here,
		// that the lines dropped are counted in the summary. The count is
		// paged: counted on the server it sends one request a subrange,
		// about 16 to the failing node, and none failed once in CI (a
		// chance of 0.8^16, about 3%).
		r := run(t, s.args("count", "--log-level", "info", "--page-size", "10", "--log-format", "json", "--on-server=false")...)
		requireOK(t, r)
		var retried, logged int
		var dropped float64
		for _, l := range logLines(t, r.stderr) {
			switch l["msg"] {
			case "retrying page request":
				logged++
			case "summary":
				retried = int(l["retries"].(float64))
				dropped, _ = l["log_lines_dropped"].(float64)
			}
		}
		t.Logf("retries %d, logged %d, dropped %v", retried, logged, dropped)
		require.Positive(t, retried)
		assert.GreaterOrEqual(t, logged, min(retried, 10), "the first 10 a second are logged")
		assert.GreaterOrEqual(t, int(dropped), retried-logged, "every retry line not logged is counted as dropped")
	})
}

// TestLogsQuietJSON checks that --quiet drops the events but not the logs.
func TestLogsQuietJSON(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 200})
	r := run(t, s.args("count", "-q", "--log-format", "json", "--log-level", "info")...)
	requireOK(t, r)
	for _, l := range logLines(t, r.stderr) {
		assert.NotContains(t, []string{"summary", "progress"}, l["msg"])
		assert.Contains(t, l, "run_id")
	}
	assert.Equal(t, "200\n", r.stdout)
	assert.False(t, strings.Contains(r.stderr, "scan of"), "no text summary")
}
