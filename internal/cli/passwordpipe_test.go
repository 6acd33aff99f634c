//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
)

// TestPasswordFileIsAPipe checks that a --password-file that can be read
// once, a pipe (as bash's <(pass show db) gives, or /dev/stdin), is read
// once: the password read when the flags are checked is the one that
// connects. Here a FIFO gives the password to its first reader and
// nothing to a second: reading the file again to connect fails the test
// ("is empty").
func TestPasswordFileIsAPipe(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{Username: "scanner", Password: "s3cret"}, cqlsim.DemoConfig{Rows: 300})
	fifo := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, content := range []string{"s3cret\n", ""} { // the password, then nothing
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until a reader opens it
			if err != nil {
				return
			}
			_, _ = f.WriteString(content)
			_ = f.Close()
		}
	}()
	t.Cleanup(func() {
		// A writer still waiting for a second reader: open it, so that
		// the goroutine ends.
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			<-done
			_ = r.Close()
		}
		<-done
	})
	r := run(t, s.args("count", "-q", "--username", "scanner", "--password-file", fifo)...)
	requireOK(t, r)
	assert.Equal(t, "300\n", r.stdout)
}
