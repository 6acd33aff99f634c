package cli_test

import (
	"os"
	"path/filepath"
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
