package cli_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// writeFile writes a file into a new temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// TestSettingsPrecedence checks where flag values come from: the command
// line, then $RINGSCAN_<FLAG>, then the --config file (its command's
// section, then its top level). Bad values show which one was used and
// the error names the source; the port is closed, so nothing connects.
func TestSettingsPrecedence(t *testing.T) {
	t.Parallel()
	port := strconv.Itoa(closedPort(t))
	yml := writeFile(t, "ringscan.yaml", "page-size: -7\nconcurrency: 0\ncount:\n  page-size: -5\n")
	toml := writeFile(t, "ringscan.toml", "page-size = -7\n\n[count]\npage-size = -5\n")
	base := []string{"--hosts", "127.0.0.1", "--port", port, "-k", "ks", "-t", "tbl"}
	cases := []struct {
		name   string
		env    []string
		args   []string
		parts  []string
		absent []string
	}{
		{name: "file", args: []string{"scan", "--out", "-", "--config", yml},
			parts: []string{"invalid --page-size -7", "invalid --concurrency 0", "--page-size is from " + yml + " key page-size", "--concurrency is from " + yml + " key concurrency"}},
		{name: "toml file", args: []string{"scan", "--out", "-", "--config", toml}, parts: []string{"invalid --page-size -7", "--page-size is from " + toml + " key page-size"}},
		{name: "command section", args: []string{"count", "--config", yml}, parts: []string{"invalid --page-size -5", "--page-size is from " + yml + " key count.page-size"}},
		{name: "toml command section", args: []string{"count", "--config", toml}, parts: []string{"invalid --page-size -5", "key count.page-size"}},
		{name: "environment over file", env: []string{"RINGSCAN_PAGE_SIZE=-8"}, args: []string{"count", "--config", yml},
			parts: []string{"invalid --page-size -8", "--page-size is from $RINGSCAN_PAGE_SIZE", "--concurrency is from " + yml}},
		{name: "flag over both", env: []string{"RINGSCAN_PAGE_SIZE=-8"}, args: []string{"count", "--config", yml, "--page-size", "-9", "--concurrency", "2"},
			parts: []string{"invalid --page-size -9"}, absent: []string{"is from"}},
		{name: "config from the environment", env: []string{"RINGSCAN_CONFIG=" + yml}, args: []string{"scan", "--out", "-"},
			parts: []string{"invalid --page-size -7", "key page-size"}},
		{name: "bad variable", env: []string{"RINGSCAN_PORT=nine"}, args: []string{"ring", "-k", "ks", "-t", "tbl"},
			parts: []string{`$RINGSCAN_PORT: invalid --port "nine": want an integer`}},
		{name: "retries zero in the environment", env: []string{"RINGSCAN_RETRIES=0"}, args: []string{"count"},
			parts: []string{`$RINGSCAN_RETRIES: invalid --retries "0": use --retries none`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := tc.args
			if args[0] != "ring" {
				args = append(args[:1:1], append(base, args[1:]...)...)
			} else {
				args = append(args, "--hosts", "127.0.0.1")
			}
			r := runProc(t, tc.env, args...)
			requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
			for _, a := range tc.absent {
				assert.NotContains(t, r.stderr, a)
			}
		})
	}
}

// TestSettingsBadFile checks that a config file's mistakes are refused
// with one line naming the file and the key.
func TestSettingsBadFile(t *testing.T) {
	t.Parallel()
	port := strconv.Itoa(closedPort(t))
	cases := []struct {
		name, file, content string
		parts               []string
	}{
		{name: "unknown key", file: "c.yaml", content: "pagesize: 3\n", parts: []string{"key pagesize: no such flag"}},
		{name: "underscores", file: "c.toml", content: "page_size = 3\n", parts: []string{`key page_size: no such flag (did you mean "page-size"?)`}},
		{name: "unknown key in another command's section", file: "c.yaml", content: "count:\n  turbo: true\n", parts: []string{"key count.turbo: no such flag"}},
		{name: "password", file: "c.yaml", content: "password: s3cret\n", parts: []string{"key password: passwords are never read", "RINGSCAN_PASSWORD"}},
		{name: "another config", file: "c.yaml", content: "config: other.yaml\n", parts: []string{"key config: a config file cannot name another one"}},
		{name: "bad value", file: "c.yaml", content: "page-size: abc\n", parts: []string{`key page-size: invalid --page-size "abc": want an integer`}},
		{name: "bad boolean", file: "c.yaml", content: "on-server: yes\n", parts: []string{`key on-server: invalid --on-server "yes": want true or false`}},
		{name: "duration without unit", file: "c.toml", content: "timeout = 5\n", parts: []string{`key timeout: invalid --timeout "5": missing unit; want a duration`}},
		{name: "list for one value", file: "c.yaml", content: "port: [1, 2]\n", parts: []string{"key port: a list, but --port takes one value"}},
		{name: "no value", file: "c.yaml", content: "csv-null:\n", parts: []string{"key csv-null: no value"}},
		{name: "table for a value", file: "c.toml", content: "[timeout]\nx = 1\n", parts: []string{"key timeout: a table: want a value"}},
		{name: "bad yaml", file: "c.yaml", content: "page-size: [1\n", parts: []string{"--config", "c.yaml", "yaml"}},
		{name: "bad toml", file: "c.toml", content: "page-size = \n", parts: []string{"--config", "c.toml"}},
		{name: "duplicate yaml key", file: "c.yaml", content: "page-size: 1\npage-size: 2\n", parts: []string{"--config", "already defined"}},
		{name: "unknown file type", file: "c.json", content: "{}", parts: []string{"c.json", `unknown file type ".json": want .yaml, .yml or .toml`}},
		{name: "several at once", file: "c.yaml", content: "a: 1\nb: 2\n", parts: []string{"key a: no such flag", "key b: no such flag"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tc.file, tc.content)
			r := run(t, "count", "--hosts", "127.0.0.1", "--port", port, "-k", "ks", "-t", "tbl", "--config", path)
			requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		r := run(t, "count", "--config", filepath.Join(t.TempDir(), "none.yaml"))
		requireOneLineError(t, r, cli.ExitBadInput, "--config", "none.yaml", "no such file")
	})
}

// TestSettingsScan runs scans set up by a config file and the
// environment, and compares the rows with an export configured the same
// way, as multisets.
func TestSettingsScan(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 1500})
	cols := []string{"seq", "tenant", "bucket", "payload"}
	ref := func(d rune) []string {
		return csvRecordsComma(t, s.export(t, scanner.Config{Columns: cols}, func(w io.Writer) (sink.Sink, error) {
			return sink.NewCSV(w, sink.CSVConfig{Delimiter: d, NoHeader: true})
		}), d)
	}
	// Every kind of value: a list, numbers, booleans, text; a csv option
	// that another format's scan ignores; count's hidden --columns unset.
	cfg := writeFile(t, "ringscan.yaml", "hosts: ["+strings.Join(s.hosts, ", ")+"]\nport: "+strconv.Itoa(s.port)+"\n"+
		"keyspace: ringscan_demo\ntable: events\nquiet: true\nconcurrency: 4\ntimeout: 20s\nrate: 0\n"+
		"scan:\n  format: csv\n  delimiter: \";\"\n  csv-no-header: true\n  columns: ["+strings.Join(cols, ", ")+"]\n")
	t.Run("file", func(t *testing.T) {
		t.Parallel()
		r := run(t, "scan", "--config", cfg, "--out", "-")
		requireOK(t, r)
		assert.Empty(t, r.stderr, "quiet: true")
		requireSameRows(t, ref(';'), csvRecordsComma(t, []byte(r.stdout), ';'))
	})
	t.Run("environment over file, flag over environment", func(t *testing.T) {
		t.Parallel()
		r := runProc(t, []string{"RINGSCAN_DELIMITER=|", "RINGSCAN_CONFIG=" + cfg}, "scan", "--out", "-")
		requireOK(t, r)
		requireSameRows(t, ref('|'), csvRecordsComma(t, []byte(r.stdout), '|'))
		r = runProc(t, []string{"RINGSCAN_DELIMITER=|", "RINGSCAN_CONFIG=" + cfg}, "scan", "--out", "-", "--delimiter", "tab")
		requireOK(t, r)
		requireSameRows(t, ref('\t'), csvRecordsComma(t, []byte(r.stdout), '\t'))
	})
	t.Run("other commands ignore what they do not take", func(t *testing.T) {
		t.Parallel()
		// count has no --format or --delimiter and hides --columns; jsonl
		// ignores a csv option from the environment.
		r := runProc(t, []string{"RINGSCAN_CONFIG=" + cfg, "RINGSCAN_COLUMNS=nope", "RINGSCAN_FORMAT=csv"}, "count")
		requireOK(t, r)
		assert.Equal(t, "1500\n", r.stdout)
		r = runProc(t, []string{"RINGSCAN_DELIMITER=;"}, s.args("scan", "--out", "-", "-q", "--columns", "seq,tenant")...)
		requireOK(t, r)
		requireSameRows(t, s.exportJSONL(t, scanner.Config{Columns: []string{"seq", "tenant"}}), splitLines([]byte(r.stdout)))
	})
}

// TestSettingsHostsWithSpaces reads the contact points as a settings
// file or variable often writes them, "a, b": each is trimmed, so that
// " b" is a contact point, not a name the driver cannot resolve and drops.
// The only one that answers here is the one after the space.
func TestSettingsHostsWithSpaces(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{Nodes: 1}, cqlsim.DemoConfig{Rows: 100})
	yml := writeFile(t, "ringscan.yaml", fmt.Sprintf("hosts: \"127.0.0.1:%d,  %s\"\n", closedPort(t), s.hosts[0]))
	r := run(t, "count", "-q", "--config", yml, "--port", strconv.Itoa(s.port), "-k", cqlsim.DemoKeyspace, "-t", cqlsim.DemoTable, "--connect-timeout", "5s")
	requireOK(t, r)
	assert.Equal(t, "100\n", r.stdout)
}
