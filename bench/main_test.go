package bench_test

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/ringscan/ringscan/internal/cli"
)

// childEnv makes the test binary act as the ringscan command, so that the
// end-to-end test can run "sim" and "bench-run" children without building
// ringscan.
const childEnv = "RINGSCAN_BENCH_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
