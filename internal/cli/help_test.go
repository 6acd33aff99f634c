package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cli"
)

// connFlags are the connection and plan flags of scan, count and ring.
var connFlags = []string{"--config", "--hosts", "--port", "--keyspace", "-k,", "--table", "-t,", "--local-dc", "--concurrency", "--splits",
	"--timeout", "--connect-timeout", "--size-estimates", "--shard", "--username", "--password-file", "--tls-ca", "--tls-cert",
	"--tls-key", "--tls-insecure-skip-verify", "--begin-token", "--end-token"}

// readFlags are the flags of the commands that read rows (scan, count).
var readFlags = []string{"--consistency", "--page-size", "--per-host", "--rate", "--retries", "--max-failed-ranges", "--where", "--allow-filtering"}

// jobFlags are the flags of the commands that run a scan.
var jobFlags = []string{"--checkpoint", "--resume", "--checkpoint-every", "--quiet", "-q,", "--report", "--metrics-addr",
	"--log-level", "--log-format"}

func TestHelp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		args   []string
		wants  []string
		absent []string // flags that do not apply
	}{
		{name: "root", args: []string{"--help"}, wants: []string{"scan", "count", "ring", "demo", "sim", "version", "Exit codes"}},
		{name: "root short", args: []string{"-h"}, wants: []string{"scan", "count", "ring", "demo", "sim", "version"}},
		{name: "scan", args: []string{"scan", "--help"}, wants: append(append([]string{"--format", "--out", "--max-rows-per-file", "--compress",
			"--overwrite", "--csv-null", "--csv-no-header", "jsonl (or json), csv or parquet", "none, gzip or zstd", "manifest.json", "--columns", "a positive number, or none"}, connFlags...), append(readFlags, jobFlags...)...)},
		{name: "count", args: []string{"count", "--help"}, wants: append(append([]string{"--by", "--top", "range, host and/or partition", "comma separated"}, connFlags...), append(readFlags, jobFlags...)...),
			absent: []string{"--columns"}},
		{name: "ring", args: []string{"ring", "--help"}, wants: append([]string{"--json", "--log-level"}, connFlags...),
			absent: append([]string{"--columns", "--checkpoint", "--metrics-addr", "--log-format", "--quiet"}, readFlags...)},
		{name: "demo", args: []string{"demo", "--help"}, wants: []string{"--rows", "--latency", "--out", "--quiet", "--config"}},
		{name: "sim", args: []string{"sim", "--help"}, wants: []string{"--nodes", "--address", "--port", "--dcs", "--vnodes", "--seed",
			"--partitioner", "--latency", "--jitter", "--non-replica-latency", "--faults", "--username", "--rows", "--rows-per-partition",
			"--large-partition-rows", "--deleted-rows", "--tombstone-mode", "--page-bytes", "--tombstone-budget", "--tombstone-warn-threshold",
			"--tombstone-failure-threshold", "scylla", "cassandra", "--config"}},
		{name: "version", args: []string{"version", "--help"}, wants: []string{"version"}, absent: []string{"--config"}},
		{name: "help command", args: []string{"help", "count"}, wants: []string{"--by", "--top"}},
	}
	noPasswordFlag := regexp.MustCompile(`--password\b[^-]`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tc.args...)
			requireOK(t, r)
			assert.Empty(t, r.stderr)
			for _, w := range tc.wants {
				assert.Contains(t, r.stdout, w)
			}
			for _, a := range tc.absent {
				assert.NotContains(t, r.stdout, a)
			}
			assert.NotRegexp(t, noPasswordFlag, r.stdout, "passwords are never flags")
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, r result) {
		t.Helper()
		requireOK(t, r)
		lines := splitLines([]byte(r.stdout))
		require.Len(t, lines, 3, r.stdout)
		assert.True(t, strings.HasPrefix(lines[0], "ringscan "), lines[0])
		assert.Regexp(t, `^go go1\.\d+`, lines[1])
		assert.True(t, strings.HasPrefix(lines[2], "gocql driver "), lines[2])
		assert.Empty(t, r.stderr)
	}
	t.Run("in process", func(t *testing.T) {
		t.Parallel()
		check(t, run(t, "version"))
	})
	t.Run("binary", func(t *testing.T) {
		t.Parallel()
		r := runProc(t, nil, "version")
		check(t, r)
		assert.Regexp(t, `(?m)^gocql driver v2\.\d+\.\d+`, r.stdout, "the binary knows its dependencies")
		r = runProc(t, nil, "version", "extra")
		requireOneLineError(t, r, cli.ExitBadInput, "extra")
	})
}

// flagLine matches a long flag of a --help output.
var flagLine = regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9-]+)`)

// TestREADMEFlags checks that README's reference names every flag each
// command's --help shows, so that the two do not drift apart.
func TestREADMEFlags(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	var missing []string
	for _, cmd := range []string{"scan", "count", "ring", "demo", "bench", "sim"} {
		r := run(t, cmd, "--help")
		requireOK(t, r)
		flags := flagLine.FindAllStringSubmatch(r.stdout, -1)
		require.NotEmpty(t, flags, cmd)
		for _, f := range flags {
			if f[1] != "help" && !strings.Contains(string(readme), "`--"+f[1]) {
				missing = append(missing, cmd+" --"+f[1])
			}
		}
	}
	assert.Empty(t, missing, "flags that README does not document")
}

// TestREADMEConfigExample runs count with README's example config file:
// it parses, and the command gets as far as connecting (to a closed port
// given on the command line, which wins over the file).
func TestREADMEConfigExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, m, "README has a YAML example")
	path := filepath.Join(t.TempDir(), "prod.yaml")
	require.NoError(t, os.WriteFile(path, m[1], 0o600))
	port := strconv.Itoa(closedPort(t))
	for _, cmd := range []string{"count", "ring"} {
		r := runProc(t, []string{"RINGSCAN_PASSWORD=x"}, cmd, "--config", path, "--hosts", "127.0.0.1", "--port", port, "--connect-timeout", "2s")
		requireOneLineError(t, r, cli.ExitBadInput, "cannot connect to 127.0.0.1 (port "+port+")")
	}
}
