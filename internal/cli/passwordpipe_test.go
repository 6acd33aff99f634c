//go:build unix

package cli_test

import (
	"crypto/tls"
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
	r := run(t, s.args("count", "-q", "--username", "scanner", "--password-file", readOnce(t, "s3cret\n"))...)
	requireOK(t, r)
	assert.Equal(t, "300\n", r.stdout)
}

// TestTLSFilesArePipes checks the same of --tls-ca, --tls-cert and
// --tls-key: the files checkTLS reads are the ones that connect, not read
// again by gocql from their paths (which fails with "unable to open CA
// certs" or a key pair error).
func TestTLSFilesArePipes(t *testing.T) {
	t.Parallel()
	good := newCerts(t, "ringscan-test")
	s := startSim(t, cqlsim.Config{Nodes: 1, Address: "127.0.0.1", TLS: &tls.Config{
		Certificates: []tls.Certificate{good.serverTLS}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: good.pool,
	}}, cqlsim.DemoConfig{Rows: 300})
	pipe := func(path string) string {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return readOnce(t, string(b))
	}
	r := run(t, s.args("count", "-q", "--connect-timeout", "3s",
		"--tls-ca", pipe(good.ca), "--tls-cert", pipe(good.client), "--tls-key", pipe(good.key))...)
	requireOK(t, r)
	assert.Equal(t, "300\n", r.stdout)
}

// readOnce returns the path of a FIFO that gives content to its first
// reader and nothing to any later one, as a pipe such as bash's
// <(pass show db) does.
func readOnce(t *testing.T, content string) string {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "once")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, c := range []string{content, ""} { // the content, then nothing
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until a reader opens it
			if err != nil {
				return
			}
			_, _ = f.WriteString(c)
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
	return fifo
}
