package cli_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/scanner"
)

// TestResumeRefused checks that a checkpoint only resumes the scan it
// belongs to, and that a damaged one is refused: each time with exit 3
// and one line that says what is wrong, leaving the output as it was.
func TestResumeRefused(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 3000},
		`CREATE KEYSPACE ringscan_demo WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`,
		`CREATE TABLE ringscan_demo.other (id int PRIMARY KEY, v text)`)
	want := s.exportJSONL(t, scanner.Config{})
	dir := t.TempDir()
	out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "scan.ckpt")
	base := []string{"--out", out, "--checkpoint", ckpt, "-q", "--max-rows-per-file", "1000"}
	requireOK(t, run(t, s.args("scan", base...)...))
	countCkpt := filepath.Join(dir, "count.ckpt")
	requireOK(t, run(t, s.args("count", "-q", "--checkpoint", countCkpt)...))

	resume := slices.Concat(base, []string{"--resume"})
	check := func(t *testing.T) {
		t.Helper()
		files := readDir(t, out)
		requireSameRows(t, want, allLines(files))
		requireManifest(t, out, s.info.Rows, files)
	}

	t.Run("same scan", func(t *testing.T) {
		// A finished scan resumes to the same complete output.
		r := run(t, s.args("scan", resume...)...)
		requireOK(t, r)
		check(t)
	})

	t.Run("another scan", func(t *testing.T) {
		cases := []struct {
			name  string
			args  []string
			parts []string
		}{
			{name: "columns", args: s.args("scan", slices.Concat(resume, []string{"--columns", "tenant,bucket,ts,seq"})...), parts: []string{"columns is", `"tenant,bucket,ts,seq"`}},
			{name: "table", args: append(s.args("scan", resume...), "-t", "other"), parts: []string{`table is "events" in the checkpoint but "other" now`}},
			{name: "compression", args: s.args("scan", slices.Concat(resume, []string{"--compress", "gzip"})...), parts: []string{`--compress is "none" in the checkpoint but "gzip" now`}},
			{name: "format", args: s.args("scan", slices.Concat(resume, []string{"--format", "csv"})...), parts: []string{`--format is "jsonl" in the checkpoint but "csv" now`}},
			{name: "shard", args: s.args("scan", slices.Concat(resume, []string{"--shard", "1/3"})...), parts: []string{`shard is "0/1" in the checkpoint but "1/3" now`}},
			{name: "where", args: s.args("scan", slices.Concat(resume, []string{"--where", "kind = 'buy'", "--allow-filtering"})...),
				parts: []string{`the --where condition is "" in the checkpoint but "kind = 'buy'" now; ALLOW FILTERING is false in the checkpoint but true now`}},
			{name: "count checkpoint", args: s.args("scan", "--out", out, "--checkpoint", countCkpt, "--resume", "-q"), parts: []string{`columns is "none, tokens only" in the checkpoint`}},
			{name: "scan checkpoint for count", args: s.args("count", "--checkpoint", ckpt, "--resume", "-q"), parts: []string{`but "none, tokens only" now`}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := run(t, tc.args...)
				requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
				assert.Contains(t, r.stderr, "cannot resume from ")
				if tc.name != "compression" && tc.name != "format" {
					assert.Contains(t, r.stderr, "belongs to another scan")
				}
				assert.Empty(t, r.stdout)
			})
		}
		check(t)
	})

	t.Run("damaged checkpoint", func(t *testing.T) {
		good, err := os.ReadFile(ckpt)
		require.NoError(t, err)
		edited := strings.Replace(string(good), `"rows": 3000`, `"rows": 2999`, 1)
		require.NotEqual(t, string(good), edited)
		cases := []struct {
			name, content string
			parts         []string
		}{
			{name: "garbage", content: "\x00\x01 not a checkpoint", parts: []string{"corrupt checkpoint", "is not a ringscan checkpoint"}},
			{name: "empty", content: "", parts: []string{"corrupt checkpoint"}},
			{name: "truncated", content: string(good[:len(good)/2]), parts: []string{"corrupt checkpoint", "is not a ringscan checkpoint"}},
			{name: "edited", content: edited, parts: []string{"corrupt checkpoint", "fails its checksum"}},
			{name: "other version", content: strings.Replace(string(good), `"version": 3`, `"version": 7`, 1), parts: []string{"corrupt checkpoint", "format version 7"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "bad.ckpt")
				require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o644))
				r := run(t, s.args("scan", "--out", out, "--checkpoint", path, "--resume", "-q")...)
				requireOneLineError(t, r, cli.ExitBadInput, append(tc.parts, "cannot resume", path)...)
				r = run(t, s.args("count", "--checkpoint", path, "--resume", "-q")...)
				requireOneLineError(t, r, cli.ExitBadInput, append(tc.parts, "cannot resume", path)...)
				// Without --resume the file is not taken over either, and
				// the message does not speak of a resume.
				r = run(t, s.args("count", "--checkpoint", path, "-q")...)
				requireOneLineError(t, r, cli.ExitBadInput, append(tc.parts, "--checkpoint "+path+" exists but cannot be used", "remove it to start over")...)
				assert.NotContains(t, r.stderr, "resume")
				got, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, tc.content, string(got), "the file is left as it was")
			})
		}
		t.Run("missing", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "none.ckpt")
			r := run(t, s.args("scan", "--out", out, "--checkpoint", path, "--resume", "-q")...)
			requireOneLineError(t, r, cli.ExitBadInput, "cannot resume", path)
		})
		check(t)
	})

	t.Run("the recorded plan", func(t *testing.T) {
		// A resume reads the plan the checkpoint recorded: other --splits
		// or --concurrency, which change the plan a new scan would make,
		// are accepted, as docs/checkpoint.md says.
		for _, flags := range [][]string{{"--splits", "500"}, {"--concurrency", "3"}} {
			r := run(t, s.args("scan", slices.Concat(resume, flags)...)...)
			requireOK(t, r)
			check(t)
		}
	})

	t.Run("misuse", func(t *testing.T) {
		cases := []struct {
			name  string
			args  []string
			parts []string
		}{
			{name: "checkpoint exists", args: s.args("scan", "--out", filepath.Join(t.TempDir(), "o"), "--checkpoint", ckpt, "-q"), parts: []string{ckpt, "already exists", "--resume"}},
			{name: "resume and overwrite", args: s.args("scan", slices.Concat(resume, []string{"--overwrite"})...), parts: []string{"--resume and --overwrite"}},
			{name: "checkpoint to stdout", args: s.args("scan", "--out", "-", "--checkpoint", filepath.Join(t.TempDir(), "c")), parts: []string{"--checkpoint needs --out DIR"}},
			{name: "resume without checkpoint", args: s.args("scan", "--out", out, "--resume"), parts: []string{"--resume needs --checkpoint"}},
			{name: "checkpoint every", args: s.args("scan", "--out", "-", "--checkpoint-every", "0s"), parts: []string{"--checkpoint-every", "positive"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				requireOneLineError(t, run(t, tc.args...), cli.ExitBadInput, tc.parts...)
			})
		}
		check(t)
	})

	_, err := os.Stat(filepath.Join(out, output.ManifestName))
	require.NoError(t, err)
}

// TestParquetCheckpointEvery checks the checkpoint interval a scan uses:
// the default for row formats; for Parquet, whose every checkpoint
// finishes a file, output.ParquetCheckpointEvery unless the interval is
// set, on the command line or in a settings file. The scan's start line
// says which one it uses.
func TestParquetCheckpointEvery(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 200})
	yml := writeFile(t, "ringscan.yaml", "checkpoint-every: 3s\n")
	cases := []struct {
		name  string
		flags []string
		want  string
	}{
		{name: "jsonl", flags: []string{"--format", "jsonl"}, want: scanner.DefaultCheckpointEvery.String()},
		{name: "csv", flags: []string{"--format", "csv"}, want: scanner.DefaultCheckpointEvery.String()},
		{name: "parquet", flags: []string{"--format", "parquet"}, want: output.ParquetCheckpointEvery.String()},
		{name: "parquet, set", flags: []string{"--format", "parquet", "--checkpoint-every", "2s"}, want: "2s"},
		{name: "parquet, set to the row formats' default", flags: []string{"--format", "parquet", "--checkpoint-every", "5s"}, want: "5s"},
		{name: "parquet, settings file", flags: []string{"--format", "parquet", "--config", yml}, want: "3s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			flags := append([]string{"-q", "--log-level", "info", "--out", filepath.Join(dir, "out"), "--checkpoint", filepath.Join(dir, "c.ckpt")}, tc.flags...)
			r := run(t, s.args("scan", flags...)...)
			requireOK(t, r)
			assert.Contains(t, r.stderr, `"checkpoint_every": "`+tc.want+`"`)
		})
	}
}
