// Package demo gives the examples their shared flags: the cluster to
// read, or a simulated one (cqlsim) started in the example's process
// with ringscan's demo tables, so that each example runs with one
// command.
package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"

	"github.com/ringscan/ringscan/beam/ringscanio"
	"github.com/ringscan/ringscan/cqlsim"
)

// Flags are the read's flags, registered on the command line by
// Register.
type Flags struct {
	hosts, keyspace, table, columns, localDC, perHostMode string
	port, pageSize, splits, perHost                       int
	simRows, simNodes                                     int
	simAddress                                            string
}

// Register registers the flags on flag.CommandLine, where beam.Init
// expects the runner's flags too, and --beam-log-level, which lowers the
// Beam SDK's log level to warnings by default (prism logs every job's
// steps at info).
func Register() *Flags {
	f := &Flags{}
	flag.StringVar(&beamlog.LogLevel, "beam-log-level", "warn", "the Beam SDK's and prism's log level: debug, info, warn or error")
	flag.StringVar(&f.hosts, "hosts", "", "comma-separated contact points of the cluster to read; empty: start a simulated cluster (see --sim-rows)")
	flag.IntVar(&f.port, "port", 9042, "native protocol port")
	flag.StringVar(&f.keyspace, "keyspace", cqlsim.DemoKeyspace, "keyspace of the table")
	flag.StringVar(&f.table, "table", cqlsim.DemoTable, "table to read")
	flag.StringVar(&f.columns, "columns", "", "comma-separated columns to read (empty: all)")
	flag.StringVar(&f.localDC, "local-dc", "", "keep every request in this data center")
	flag.IntVar(&f.pageSize, "page-size", 0, "rows per page (0: ringscan's default, 5000)")
	flag.IntVar(&f.splits, "splits", 0, "subranges of the plan, the initial restrictions (0: 32)")
	flag.IntVar(&f.perHost, "per-host", 0, "page requests in flight per host from each worker process (0: ringscan's default)")
	flag.StringVar(&f.perHostMode, "per-host-mode", "", "fixed or adaptive (empty: fixed)")
	flag.IntVar(&f.simRows, "sim-rows", 100000, "rows of the demo table of the simulated cluster started without --hosts")
	flag.IntVar(&f.simNodes, "sim-nodes", 3, "nodes of the simulated cluster started without --hosts")
	flag.StringVar(&f.simAddress, "sim-address", "", "first loopback address of the simulated cluster (default $RINGSCAN_SIM_ADDRESS, else 127.0.0.1)")
	return f
}

// Config returns the read the flags describe. Without --hosts it starts
// a simulated cluster in this process, loads the demo tables and returns
// its close function (nil otherwise); the pipeline must then run on a
// runner whose workers can reach this process's loopback addresses:
// prism, in-process.
func (f *Flags) Config(ctx context.Context) (ringscanio.Config, func(), error) {
	cfg := ringscanio.Config{Port: f.port, Keyspace: f.keyspace, Table: f.table, LocalDC: f.localDC,
		PageSize: f.pageSize, Splits: f.splits, PerHost: f.perHost, PerHostMode: f.perHostMode}
	if f.columns != "" {
		cfg.Columns = strings.Split(f.columns, ",")
	}
	if f.hosts != "" {
		cfg.Hosts = strings.Split(f.hosts, ",")
		return cfg, nil, cfg.Validate()
	}
	if f.simRows < 0 {
		return cfg, nil, errors.New("--sim-rows must be 0 or more")
	}
	addr := f.simAddress
	if addr == "" {
		addr = os.Getenv("RINGSCAN_SIM_ADDRESS")
	}
	c, err := cqlsim.Start(ctx, cqlsim.Config{Nodes: f.simNodes, Address: addr, Port: cqlsim.AutoPort})
	if err != nil {
		return cfg, nil, fmt.Errorf("start the simulated cluster: %w", err)
	}
	if err := c.ExecDDL("CREATE KEYSPACE " + cqlsim.DemoKeyspace + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}"); err != nil {
		c.Close()
		return cfg, nil, err
	}
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: f.simRows})
	if err != nil {
		c.Close()
		return cfg, nil, fmt.Errorf("load the demo tables: %w", err)
	}
	fmt.Fprintf(os.Stderr, "simulated cluster %s port %d: %s.%s holds %d rows in %d partitions\n",
		strings.Join(c.Hosts(), ","), c.Port(), info.Keyspace, info.Table, info.Rows, info.Partitions)
	cfg.Hosts, cfg.Port = c.Hosts(), c.Port()
	return cfg, func() { c.Close() }, cfg.Validate()
}
