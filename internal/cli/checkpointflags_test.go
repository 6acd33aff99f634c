package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/scanner"
)

// TestCheckpointDirectoryCreated checks that --checkpoint creates its
// missing directories, as --out does, for scan and count, and that the
// checkpoint written there resumes; a --resume does not create them: there
// is nothing to resume there.
func TestCheckpointDirectoryCreated(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 500})
	for _, tc := range []struct {
		cmd   string
		flags func(dir string) []string
	}{
		{cmd: "scan", flags: func(dir string) []string { return []string{"--out", filepath.Join(dir, "out", "0")} }},
		{cmd: "count", flags: func(string) []string { return nil }},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ckpt := filepath.Join(dir, "ckpt", "nested", "0")
			args := append(s.args(tc.cmd, "-q", "--checkpoint", ckpt), tc.flags(dir)...)
			requireOK(t, run(t, args...))
			assert.FileExists(t, ckpt)
			requireOK(t, run(t, append(args, "--resume")...))

			missing := filepath.Join(dir, "none", "0")
			r := run(t, append(s.args(tc.cmd, "-q", "--checkpoint", missing, "--resume"), tc.flags(t.TempDir())...)...)
			requireOneLineError(t, r, cli.ExitBadInput, "cannot resume: no checkpoint at "+missing, "run without --resume")
			_, err := os.Stat(filepath.Dir(missing))
			require.ErrorIs(t, err, os.ErrNotExist, "a resume creates no directory")
		})
	}
}

// TestCountByPartitionRefusesCheckpoint checks that count --by partition
// refuses --checkpoint at start, whichever the source of either flag: no
// --resume could continue that count (it keeps no largest partitions), so
// it is refused before anything is created, the checkpoint's directory
// included.
func TestCountByPartitionRefusesCheckpoint(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 100})
	for _, tc := range []struct {
		name   string
		flags  []string // after the checkpoint's flag, "--checkpoint CKPT"
		config string   // settings file, CKPT replaced
		parts  []string
	}{
		{name: "command line", flags: []string{"--by", "partition"}},
		{name: "among other modes", flags: []string{"--by", "range,partition"}},
		{name: "checkpoint from a settings file", flags: []string{"--by", "partition"}, config: "checkpoint: CKPT\n",
			parts: []string{"(--checkpoint is from "}},
		{name: "by from a settings file", config: "count:\n  by: partition\n", parts: []string{"(--by is from "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ckpt := filepath.Join(dir, "ckpt", "count")
			args := s.args("count", tc.flags...)
			if tc.config == "" || !strings.Contains(tc.config, "CKPT") {
				args = append(args, "--checkpoint", ckpt)
			}
			if tc.config != "" {
				cfg := filepath.Join(dir, "settings.yaml")
				require.NoError(t, os.WriteFile(cfg, []byte(strings.ReplaceAll(tc.config, "CKPT", ckpt)), 0o600))
				args = append(args, "--config", cfg)
			}
			r := run(t, args...)
			requireOneLineError(t, r, cli.ExitBadInput, append([]string{"--by partition cannot take --checkpoint", "no --resume could continue"}, tc.parts...)...)
			assert.Empty(t, r.stdout)
			_, err := os.Stat(filepath.Dir(ckpt))
			require.ErrorIs(t, err, os.ErrNotExist, "refused before anything is created")
		})
	}
}

// TestResumeHintAfterFailedRanges checks the last line of a scan or count
// with --checkpoint that ends with failed ranges, finished (exit 1) or
// aborted (exit 2): it says the checkpoint was saved and that --resume goes
// on, as after an interrupt, and following it, once the node is healthy
// again, reads the table whole. One node of a table of replication factor
// 1 times out every read, so that the ranges it holds fail.
func TestResumeHintAfterFailedRanges(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 2000},
		`CREATE KEYSPACE ringscan_demo WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`)
	want := s.exportJSONL(t, scanner.Config{})
	total := strconv.Itoa(len(want)) + "\n"
	sick := s.c.Nodes()[1]
	fail := []string{"-q", "--log-level", "error", "--retries", "none"}
	for _, tc := range []struct {
		name string
		cmd  string
		// flags are the command's; dropped are those its resume leaves
		// off, as the hint says.
		flags, dropped []string
		code           int
		hint           string // the end of the line; N is the number of failed ranges
	}{
		{name: "scan finished", cmd: "scan", flags: []string{"--max-failed-ranges", "-1"}, code: cli.ExitPartial,
			hint: "; checkpoint saved to CKPT; rerun the same command with --resume to read the N failed ranges again"},
		{name: "scan aborted", cmd: "scan", code: cli.ExitAborted,
			hint: "; checkpoint saved to CKPT; rerun the same command with --resume to continue"},
		{name: "count finished", cmd: "count", flags: []string{"--max-failed-ranges", "-1"}, code: cli.ExitPartial,
			hint: "; checkpoint saved to CKPT; rerun the same command with --resume to read the N failed ranges again"},
		{name: "count aborted", cmd: "count", code: cli.ExitAborted,
			hint: "; checkpoint saved to CKPT; rerun the same command with --resume to continue"},
		{name: "count by host", cmd: "count", flags: []string{"--max-failed-ranges", "-1"}, dropped: []string{"--by", "host"},
			code: cli.ExitPartial, hint: "; checkpoint saved to CKPT; rerun it with --resume and without --by host, which a resume cannot show, " +
				"to read the N failed ranges again"},
	} {
		t.Run(tc.name, func(t *testing.T) { // one at a time: they share the sick node
			dir := t.TempDir()
			ckpt, out := filepath.Join(dir, "ckpt"), filepath.Join(dir, "out")
			flags := append([]string{"--checkpoint", ckpt}, tc.flags...)
			if tc.cmd == "scan" {
				flags = append(flags, "--out", out)
			}
			require.NoError(t, sick.SetFaults(cqlsim.Fault{Kind: cqlsim.ReadTimeout, Rate: 1}))
			r := run(t, s.args(tc.cmd, slices.Concat(fail, flags, tc.dropped)...)...)
			require.NoError(t, sick.SetFaults())
			require.Equal(t, tc.code, r.code, r.stderr)
			lines := splitLines([]byte(r.stderr))
			last := lines[len(lines)-1] // after count's table by host
			hint := strings.ReplaceAll(tc.hint, "CKPT", ckpt)
			if m := regexp.MustCompile(`^ringscan: (\d+) ranges failed`).FindStringSubmatch(last); m != nil {
				hint = strings.ReplaceAll(hint, "N", m[1])
			}
			assert.True(t, strings.HasSuffix(last, hint), "want the error line to end with %q:\n%s", hint, r.stderr)

			// Following the hint reads what is left.
			r = run(t, s.args(tc.cmd, append(flags, "-q", "--resume")...)...)
			requireOK(t, r)
			if tc.cmd == "count" {
				assert.Equal(t, total, r.stdout)
				return
			}
			files := readDir(t, out)
			requireSameRows(t, want, allLines(files))
			requireManifest(t, out, int64(len(want)), files)
		})
	}
}

// TestCheckpointInsideOutThroughASymlink checks that a --checkpoint inside
// --out is refused when the two are named through a symbolic link and the
// checkpoint's directory does not exist yet (a new scan creates it): the
// part of each path that exists is resolved, so that both name the same
// directory. Resolving only an existing parent (the checkpoint's is
// missing) let the checkpoint be created inside the output directory,
// which ringscan owns.
func TestCheckpointInsideOutThroughASymlink(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, out, ckpt string }{ // under link, a symbolic link to real
		{"the checkpoint's directory missing", "link/out", "link/out/sub/c.ckpt"},
		{"both missing, the checkpoint's deeper", "link/a/out", "link/a/out/b/c/c.ckpt"},
		{"the output named through the link, the checkpoint not", "link/out", "real/out/sub/c.ckpt"},
		{"the checkpoint named through the link, the output not", "real/out", "link/out/sub/c.ckpt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			real := filepath.Join(dir, "real")
			require.NoError(t, os.Mkdir(real, 0o755))
			require.NoError(t, os.Symlink(real, filepath.Join(dir, "link")))
			// No cluster: the paths are refused before connecting.
			r := run(t, "scan", "--hosts", "127.0.27.250", "--port", "1", "-k", "ks", "-t", "t", "-q",
				"--out", filepath.Join(dir, tc.out), "--checkpoint", filepath.Join(dir, tc.ckpt))
			requireOneLineError(t, r, cli.ExitBadInput, "--checkpoint", "is inside --out", "keep it outside")
			entries, err := os.ReadDir(real)
			require.NoError(t, err)
			assert.Empty(t, entries, "nothing was created")
		})
	}
}
