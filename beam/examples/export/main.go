// Command export writes the rows of a Cassandra or ScyllaDB table as
// JSON Lines files with Beam's own file IO (textio), on any Beam
// runner: each row is the JSON object ringscan's JSON Lines sink writes
// (docs/json-mapping.md), read by ringscanio.ReadJSON. With no --hosts
// it starts a simulated cluster with ringscan's demo table in its own
// process and runs on prism:
//
//	cd beam && go run ./examples/export --output /tmp/events.jsonl
//	go run ./examples/export --hosts 10.0.0.1 --keyspace shop --table orders --output gs://bucket/orders.jsonl --runner dataflow ...
//
// textio.Write writes one file, from one worker; docs/beam.md tells how
// to write shards instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/ringscan/ringscan/beam/examples/internal/demo"
	"github.com/ringscan/ringscan/beam/ringscanio"
)

func main() {
	flags := demo.Register()
	output := flag.String("output", "", "file to write, on any Beam file system (local path, gs://, s3://); required")
	flag.Parse()
	beam.Init() // on a worker, this runs the harness and never returns
	if err := run(context.Background(), flags, *output); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, flags *demo.Flags, output string) error {
	if output == "" {
		return fmt.Errorf("--output is required: the file to write, e.g. /tmp/rows.jsonl")
	}
	cfg, closeSim, err := flags.Config(ctx)
	if err != nil {
		return err
	}
	if closeSim != nil {
		defer closeSim()
	}
	p, s := beam.NewPipelineWithRoot()
	lines, err := ringscanio.TryReadJSON(s, cfg)
	if err != nil {
		return err
	}
	textio.Write(s, output, lines)
	start := time.Now()
	if err := beamx.Run(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s in %v\n", output, time.Since(start).Round(time.Millisecond))
	return nil
}
