package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/sink"
)

func newDemoCmd(stdout, stderr io.Writer) *cobra.Command {
	var rows int
	var latency time.Duration
	var out string
	var quiet bool
	var address string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Scan a demo table on an embedded 3-node cluster and check every row",
		Long: `demo is the first command to run on a fresh machine. It starts cqlsim, the
embedded cluster simulator, with 3 nodes and a few milliseconds of latency,
loads the demo table ringscan_demo.events (about a million rows by default)
and ringscan_demo.profiles (static columns, a user-defined type, partitions
with static values only; rows/20), scans each in parallel with the progress
bar into JSON Lines files in a temporary directory (profiles in its own
subdirectory), checks the row count and the checksum of every value
against the generator, prints the summary and where the files are, and
stops the cluster.`,
		Example: `  go run ./cmd/ringscan demo
  ringscan demo --rows 100000 --out ./demo-out
  ringscan demo --address 127.0.10.1     # nodes on 127.0.10.1-3, beside another cluster on 127.0.0.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), demoFlags{rows: rows, latency: latency, out: out, quiet: quiet, address: address}, stdout, stderr)
		},
	}
	cmd.Flags().IntVar(&rows, "rows", 1_000_000, "live rows of the demo table")
	cmd.Flags().DurationVar(&latency, "latency", 2*time.Millisecond, "latency added to every request of the embedded cluster")
	cmd.Flags().StringVar(&out, "out", "", "output directory (default: a new temporary directory)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	cmd.Flags().StringVar(&address, "address", cqlsim.DefaultAddress, simAddressUsage+" (a free port is picked)")
	return cmd
}

// checksumTap computes the rows' checksum on their way to the files.
type checksumTap struct {
	*output.Dir
	sum rowsum.Sum
	buf [][]byte
}

// Write is called by one goroutine at a time (the sink contract).
func (t *checksumTap) Write(ctx context.Context, b *sink.Batch) error {
	if cap(t.buf) < len(b.Columns) {
		t.buf = make([][]byte, len(b.Columns))
	}
	vals := t.buf[:len(b.Columns)]
	for i := 0; i < b.Len(); i++ {
		for c := range vals {
			vals[c] = b.Value(i, c)
		}
		t.sum.Add(vals)
	}
	return t.Dir.Write(ctx, b)
}

// demoFlags are the flags of demo.
type demoFlags struct {
	rows    int
	latency time.Duration
	out     string
	quiet   bool
	address string
}

// demoNodes is the number of nodes of the demo's cluster.
const demoNodes = 3

func runDemo(ctx context.Context, f demoFlags, stdout, stderr io.Writer) error {
	rows, latency, out, quiet := f.rows, f.latency, f.out, f.quiet
	if rows < 1 {
		return badInput(fmt.Errorf("invalid --rows %d: want a positive number", rows))
	}
	if latency < 0 {
		return badInput(fmt.Errorf("invalid --latency %v: want 0 or a positive duration", latency))
	}
	// Checked before the output directory is made: the address is all
	// that the flags set in this configuration.
	simCfg := cqlsim.Config{Nodes: demoNodes, Address: f.address, Port: cqlsim.AutoPort, Latency: cqlsim.Latency{Fixed: latency}}
	if err := simCfg.Validate(); err != nil {
		return badInput(fmt.Errorf("invalid --address %q: want an IPv4 loopback address (127.0.0.0/8) that leaves room for %d consecutive node addresses, e.g. %s",
			f.address, demoNodes, cqlsim.DefaultAddress))
	}
	if out == "" {
		dir, err := os.MkdirTemp("", "ringscan-demo-")
		if err != nil {
			return badInput(fmt.Errorf("cannot create a temporary directory: %w", err))
		}
		out = dir
	}
	dir, err := output.Open(output.Config{Dir: out, Prefix: cqlsim.DemoTable, Format: output.FormatJSONL,
		MaxRowsPerFile: 250_000, Encoder: (&scanFlags{format: output.FormatJSONL}).encoderFunc()})
	if err != nil {
		return badInput(err)
	}
	defer dir.Unlock()
	if err := dir.Start(false); err != nil {
		return badInput(err)
	}
	fmt.Fprintf(stderr, "ringscan demo: starting a %d-node cqlsim cluster (latency %v per request)\n", demoNodes, latency)
	c, err := cqlsim.Start(ctx, simCfg)
	if err != nil {
		return badInput(err)
	}
	defer c.Close()
	fmt.Fprintf(stderr, "ringscan demo: nodes %v on port %d; loading %d demo rows into %s.%s\n", c.Hosts(), c.Port(), rows, cqlsim.DemoKeyspace, cqlsim.DemoTable)
	start := time.Now()
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: rows})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ringscan demo: loaded %d rows in %d partitions (plus %d tombstones) in %v\n",
		info.Rows, info.Partitions, info.Deleted, time.Since(start).Round(time.Millisecond))

	for _, other := range info.Others {
		fmt.Fprintf(stderr, "ringscan demo: and %s.%s, %d rows in %d partitions (%d with static values only)\n",
			other.Keyspace, other.Table, other.Rows, other.Partitions, other.StaticOnly)
	}
	if err := scanDemoTable(ctx, c, info, dir, out, quiet, stdout, stderr); err != nil {
		return err
	}
	// The other demo tables (static columns, user-defined types) go to a
	// directory each, inside out.
	for _, other := range info.Others {
		sub := filepath.Join(out, other.Table)
		odir, err := output.Open(output.Config{Dir: sub, Prefix: other.Table, Format: output.FormatJSONL,
			MaxRowsPerFile: 250_000, Encoder: (&scanFlags{format: output.FormatJSONL}).encoderFunc()})
		if err != nil {
			return badInput(err)
		}
		err = odir.Start(false)
		if err == nil {
			err = scanDemoTable(ctx, c, other, odir, sub, quiet, stdout, stderr)
		}
		_ = odir.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// scanDemoTable scans the demo table info describes into the JSON Lines
// files of dir (at out) and checks the rows' count and checksum against
// the generator's.
func scanDemoTable(ctx context.Context, c *cqlsim.Cluster, info cqlsim.DemoInfo, dir *output.Dir, out string, quiet bool, stdout, stderr io.Writer) error {
	cf := newConnFlags()
	cf.hosts, cf.port, cf.keyspace, cf.table = c.Hosts(), c.Port(), info.Keyspace, info.Table
	cfg, err := cf.scannerConfig()
	if err != nil {
		return err
	}
	jf := jobFlags{quiet: quiet, checkpointEvery: time.Hour, logLevel: "warn", logFormat: "console"}
	l, err := newLogs(&jf, stderr)
	if err != nil {
		return err
	}
	defer l.sync()
	j := newJob(*cf, jf, l, stderr)
	j.output = out
	defer j.close()
	if err := j.connect(ctx, cfg, nil); err != nil {
		return err
	}
	dir.SetColumns(j.plan.Columns)
	tap := &checksumTap{Dir: dir}
	res, err := j.run(ctx, tap)
	if err != nil {
		return err
	}
	runErr := res.err
	if runErr == nil {
		runErr = dir.WriteManifest(output.Manifest{Keyspace: cfg.Keyspace, Table: cfg.Table, Columns: columnNames(j.plan.Columns), Shard: "0/1"})
	}
	res.obs.finish(res.stats, res.total, runErr, out)
	if runErr != nil {
		return exitFor(ctx, j.command, runErr, "")
	}
	if tap.sum.Rows != uint64(info.Rows) || tap.sum.Hash != info.Checksum {
		return &exitError{code: ExitAborted, err: fmt.Errorf("verification FAILED for %s.%s: read %d rows with checksum %016x, the generator wrote %d rows with checksum %016x",
			info.Keyspace, info.Table, tap.sum.Rows, tap.sum.Hash, info.Rows, info.Checksum)}
	}
	fmt.Fprintf(stdout, "verified %s.%s: %d rows read exactly once, checksum %016x matches the generator\n", info.Keyspace, info.Table, tap.sum.Rows, tap.sum.Hash)
	fmt.Fprintf(stdout, "output: %s (%d JSON Lines files and manifest.json)\n", out, len(dir.Files()))
	return nil
}
