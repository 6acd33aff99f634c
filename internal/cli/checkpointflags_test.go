package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
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
