// Command ringscan reads whole Cassandra and ScyllaDB tables fast. See
// "ringscan --help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ringscan/ringscan/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
