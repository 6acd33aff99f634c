package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	// The IANA time zone database, for --time-zone on machines without
	// zoneinfo (containers from scratch, Windows); it adds about 400 KB
	// (1.3%) to the binary.
	_ "time/tzdata"

	"github.com/ringscan/ringscan/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
