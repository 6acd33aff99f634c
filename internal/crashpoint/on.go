//go:build crashpoints

package crashpoint

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// The configuration is read once per process from the environment: the
// only package-level state in ringscan, and only in this test build.
var (
	once   sync.Once
	target string
	at     int64
	hits   atomic.Int64
)

// Hit kills the process with SIGKILL at the configured hit of point.
func Hit(point string) {
	once.Do(func() {
		name, n, ok := strings.Cut(os.Getenv(Env), ":")
		if v, err := strconv.ParseInt(n, 10, 64); ok && err == nil && v > 0 {
			target, at = name, v
		}
	})
	if point != target || hits.Add(1) != at {
		return
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}
