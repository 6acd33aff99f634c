package cli

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/observe"
)

// simFlags are the flags of "ringscan sim" (and of the embedded cluster of
// "ringscan demo" and "ringscan bench").
type simFlags struct {
	nodes       int
	address     string
	port        int
	dcs         string
	vnodes      int
	seed        int64
	partitioner string
	latency     time.Duration
	jitter      time.Duration
	nonReplica  time.Duration
	faults      string
	username    string
	rows        int
	meanRows    int
	largeRows   int
	deletedRows int
	profileRows int
	hotRows     int
	hotShare    float64
	tombstones  int
	pageBytes   int
	tombMode    string
	tombWarn    int
	tombFail    int
	slowNodes   int
	slowFactor  float64
	release     string
	estRefresh  time.Duration
	estSkew     string
	capacity    string
	queueLimit  int
	queueWait   time.Duration
	readTimeout time.Duration
	rangeTmo    time.Duration
	rowCost     time.Duration
	kibCost     time.Duration
	knee        int
	kneeCost    float64
	metricsAddr string
}

// simAddressUsage describes --address, of sim and demo.
const simAddressUsage = "first node's loopback address; node i listens on address+i"

func (f *simFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.IntVar(&f.nodes, "nodes", 3, "number of nodes of the single data center (ignored with --dcs)")
	fs.StringVar(&f.address, "address", cqlsim.DefaultAddress, simAddressUsage)
	fs.IntVar(&f.port, "port", 9042, "port every node listens on (0 picks a free one)")
	fs.StringVar(&f.dcs, "dcs", "", "data center layout name:nodes[:racks],... e.g. dc1:3,dc2:3 (default one DC datacenter1)")
	fs.IntVar(&f.vnodes, "vnodes", 16, "tokens per node")
	fs.Int64Var(&f.seed, "seed", 1, "seed for tokens, host ids and demo data")
	fs.StringVar(&f.partitioner, "partitioner", "Murmur3Partitioner", "Murmur3Partitioner or RandomPartitioner")
	fs.DurationVar(&f.latency, "latency", 0, "latency added to every request, e.g. 5ms")
	fs.DurationVar(&f.jitter, "jitter", 0, "random extra latency in [0, jitter) per request")
	fs.DurationVar(&f.nonReplica, "non-replica-latency", 0, "extra latency when the coordinator does not replicate the data it reads")
	fs.StringVar(&f.faults, "faults", "", "injected errors kind:rate or kind@N, comma separated; kinds: read_timeout, unavailable, overloaded, read_failure, server_error, oversized_frame (a result past the 256 MiB drivers read) (e.g. overloaded:0.05)")
	fs.StringVar(&f.username, "username", "", "turn on PasswordAuthenticator with this user; the password comes from $RINGSCAN_PASSWORD")
	fs.IntVar(&f.rows, "rows", 0, "live rows of the demo table ringscan_demo.events (0: no demo data)")
	fs.IntVar(&f.meanRows, "rows-per-partition", 20, "mean rows per ordinary demo partition")
	fs.IntVar(&f.largeRows, "large-partition-rows", 0, "rows of the one very large demo partition (default rows/10, at most 100000; -1 for none)")
	fs.IntVar(&f.deletedRows, "deleted-rows", 0, "extra demo rows written then deleted, leaving tombstones (default rows/10; -1 for none)")
	fs.IntVar(&f.hotRows, "hot-rows", 0, "load the hot tables ringscan_demo.hot_int, hot_timestamp and hot_uuid with this many rows each, --hot-share of them in one partition (default 0: none)")
	fs.Float64Var(&f.hotShare, "hot-share", 0.25, "share of each hot table's rows in its one hot partition, 0 to 1")
	fs.IntVar(&f.profileRows, "profile-rows", 0, "rows of the second demo table ringscan_demo.profiles, with static columns and a user-defined type (default rows/20; -1 for none)")
	fs.StringVar(&f.tombMode, "tombstone-mode", "scylla", "how reads meet tombstones: scylla (a page ends early, possibly empty, after --tombstone-budget deleted rows) or cassandra (pages scan through, warn and fail as Cassandra 4.1)")
	fs.IntVar(&f.pageBytes, "page-bytes", 0, "cap the bytes of rows in one page, as ScyllaDB does (1048576); 0, the default: no cap, pages of page_size rows whatever their bytes, as Cassandra 4.1's")
	fs.IntVar(&f.tombstones, "tombstone-budget", 0, "scylla mode: deleted rows one page may step over before it returns early, possibly empty (default 1000)")
	fs.IntVar(&f.tombWarn, "tombstone-warn-threshold", 0, "cassandra mode: tombstones one read may count before the client gets a warning (default 1000)")
	fs.IntVar(&f.tombFail, "tombstone-failure-threshold", 0, "cassandra mode: tombstones one read may count before it fails with ReadFailure (default 100000)")
	fs.IntVar(&f.slowNodes, "slow-nodes", 0, "make the first N nodes slow: their --latency and --jitter are multiplied by --slow-factor")
	fs.Float64Var(&f.slowFactor, "slow-factor", 3, "latency multiplier of the --slow-nodes")
	fs.DurationVar(&f.estRefresh, "size-estimates-refresh", 0, "refresh system.size_estimates every interval, e.g. 5m as Cassandra does (0: exact, computed when read)")
	fs.StringVar(&f.estSkew, "size-estimates-skew", "", "multiply each node's size estimates by a factor, comma separated in node order, e.g. 10,1,0.1")
	fs.StringVar(&f.release, "release-version", "4.1.3", "Cassandra release to report and follow: 4.1.x or 4.0.x (system.peers_v2, DESCRIBE) or 3.11.x (neither)")
	fs.StringVar(&f.capacity, "capacity", "", "reads each node serves at once, more wait in its queue: one number for every node, or one per node in node order, e.g. 2,4,4 (default no limit)")
	fs.IntVar(&f.queueLimit, "queue-limit", 0, "reads that may wait on a node past --capacity; one more is answered Overloaded at once (0: no limit; -1: none may wait)")
	fs.DurationVar(&f.readTimeout, "read-timeout", cqlsim.DefaultReadTimeout, "a read of partitions by key that works longer (its wait and --cost-per-row/--cost-per-kib, not --latency) is answered ReadTimeout at this deadline, as Cassandra's read_request_timeout; 0 for none")
	fs.DurationVar(&f.rangeTmo, "range-timeout", cqlsim.DefaultRangeTimeout, "a read of token ranges, a count(*) of them included, that works longer is answered ReadTimeout at this deadline, as Cassandra's range_request_timeout; 0 for none")
	fs.DurationVar(&f.queueWait, "queue-timeout", 0, "a read that waited this long for its turn is answered ReadTimeout (0: it waits as long as it takes)")
	fs.DurationVar(&f.rowCost, "cost-per-row", 0, "service time a read pays per row it returns, on top of --latency, e.g. 50us")
	fs.DurationVar(&f.kibCost, "cost-per-kib", 0, "service time a read pays per KiB of its result, on top of --latency")
	fs.IntVar(&f.knee, "knee", 0, "reads in a node (served or waiting) past which every read costs more, by --knee-cost for each read beyond (0: no knee)")
	fs.Float64Var(&f.kneeCost, "knee-cost", 0, "with --knee: a read's service time grows by this fraction for each read in the node beyond the knee, e.g. 0.25")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve the nodes' load (reads served, waiting, Overloaded, queue wait and service time) as Prometheus metrics at http://ADDR/metrics; an empty host is the first node's address, e.g. :0")
}

// capacities parses --capacity and the other capacity flags into every
// node's capacity and the per-node capacities.
func (f *simFlags) capacities() (cqlsim.Capacity, []cqlsim.Capacity, error) {
	c := cqlsim.Capacity{QueueLimit: f.queueLimit, QueueTimeout: f.queueWait, PerRow: f.rowCost, PerKiB: f.kibCost,
		Knee: f.knee, KneeCost: f.kneeCost}
	switch {
	case f.queueLimit < cqlsim.NoQueue:
		return c, nil, fmt.Errorf("invalid --queue-limit %d: want a positive number, 0 for no limit or -1 for none", f.queueLimit)
	case f.queueWait < 0, f.rowCost < 0, f.kibCost < 0:
		return c, nil, fmt.Errorf("invalid --queue-timeout, --cost-per-row or --cost-per-kib: durations must not be negative")
	case f.knee < 0:
		return c, nil, fmt.Errorf("invalid --knee %d: want a positive number of reads (0: no knee)", f.knee)
	case f.kneeCost < 0 || math.IsNaN(f.kneeCost) || math.IsInf(f.kneeCost, 0):
		return c, nil, fmt.Errorf("invalid --knee-cost %v: want a positive fraction, e.g. 0.25 (0: no knee)", f.kneeCost)
	case (f.knee > 0) != (f.kneeCost > 0):
		return c, nil, fmt.Errorf("--knee and --knee-cost go together: give both, e.g. --knee 8 --knee-cost 0.25")
	}
	if strings.TrimSpace(f.capacity) == "" {
		if f.queueLimit != 0 || f.queueWait != 0 {
			return c, nil, fmt.Errorf("--queue-limit and --queue-timeout need --capacity: without a limit no read waits")
		}
		return c, nil, nil
	}
	var per []int
	for _, item := range strings.Split(f.capacity, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(item))
		if err != nil || n < 1 {
			return c, nil, fmt.Errorf("invalid --capacity item %q: want a positive number of reads, or one per node in node order, e.g. 2,4,4", item)
		}
		per = append(per, n)
	}
	if len(per) == 1 {
		c.Concurrent = per[0]
		return c, nil, nil
	}
	// Every node has its own capacity, with the other flags' settings.
	nodes := make([]cqlsim.Capacity, len(per))
	for i, n := range per {
		nodes[i] = c
		nodes[i].Concurrent = n
	}
	return cqlsim.Capacity{}, nodes, nil
}

// parseFaults parses kind:rate and kind@N items.
func parseFaults(s string) ([]cqlsim.Fault, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []cqlsim.Fault
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		var f cqlsim.Fault
		var kind, arg string
		switch {
		case strings.Contains(item, ":"):
			kind, arg, _ = strings.Cut(item, ":")
			rate, err := strconv.ParseFloat(arg, 64)
			if err != nil || rate <= 0 || rate > 1 {
				return nil, fmt.Errorf("invalid --faults item %q: the rate after ':' must be a number in (0, 1]", item)
			}
			f.Rate = rate
		case strings.Contains(item, "@"):
			kind, arg, _ = strings.Cut(item, "@")
			n, err := strconv.ParseInt(arg, 10, 64)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("invalid --faults item %q: the request number after '@' must be a positive integer", item)
			}
			f.Nth = n
		default:
			return nil, fmt.Errorf("invalid --faults item %q: want kind:rate or kind@N, e.g. overloaded:0.05", item)
		}
		k, err := cqlsim.ParseErrorKind(kind)
		if err != nil {
			return nil, fmt.Errorf("invalid --faults item %q: %w", item, err)
		}
		f.Kind = k
		out = append(out, f)
	}
	return out, nil
}

// config turns the flags into a cqlsim.Config.
func (f *simFlags) config() (cqlsim.Config, error) {
	cfg := cqlsim.Config{
		Nodes: f.nodes, Address: f.address, Port: f.port, VNodes: f.vnodes, Seed: f.seed,
		Partitioner: f.partitioner, Username: f.username, ReleaseVersion: f.release,
		Latency: cqlsim.Latency{Fixed: f.latency, Jitter: f.jitter, NonReplica: f.nonReplica},
	}
	if f.port == 0 {
		cfg.Port = cqlsim.AutoPort
	}
	if f.port < 0 || f.port > 65535 {
		// -1 would be cqlsim.AutoPort: 0 says that here.
		return cfg, fmt.Errorf("invalid --port %d: want a port number 1..65535, or 0 for a free one", f.port)
	}
	if f.nodes < 1 {
		return cfg, fmt.Errorf("invalid --nodes %d: want at least 1", f.nodes)
	}
	if f.vnodes < 1 {
		// 0 would be cqlsim's default, while the banner would say 0.
		return cfg, fmt.Errorf("invalid --vnodes %d: want a positive number of tokens per node", f.vnodes)
	}
	if f.dcs != "" {
		dcs, err := cqlsim.ParseDCs(f.dcs)
		if err != nil {
			return cfg, fmt.Errorf("invalid --dcs: %w", err)
		}
		cfg.DCs = dcs
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"latency", f.latency}, {"jitter", f.jitter}, {"non-replica-latency", f.nonReplica}} {
		if d.v < 0 {
			return cfg, fmt.Errorf("invalid --%s %v: want 0 or a positive duration such as 5ms", d.flag, d.v)
		}
	}
	switch {
	case f.rows < 0:
		return cfg, fmt.Errorf("invalid --rows %d: want 0 (no demo data) or a positive number", f.rows)
	case f.meanRows < 0:
		return cfg, fmt.Errorf("invalid --rows-per-partition %d: want a positive number (0 for the default 20)", f.meanRows)
	case f.largeRows < -1 || f.largeRows > max(f.rows, 0):
		return cfg, fmt.Errorf("invalid --large-partition-rows %d: want -1 (none), 0 (the default) or up to --rows (%d)", f.largeRows, f.rows)
	case f.deletedRows < -1:
		return cfg, fmt.Errorf("invalid --deleted-rows %d: want -1 (none), 0 (the default) or a positive number", f.deletedRows)
	case f.profileRows < -1:
		return cfg, fmt.Errorf("invalid --profile-rows %d: want -1 (none), 0 (the default) or a positive number", f.profileRows)
	case f.hotRows < 0:
		return cfg, fmt.Errorf("invalid --hot-rows %d: want 0 (no hot tables) or a positive number", f.hotRows)
	case !(f.hotShare >= 0 && f.hotShare <= 1):
		return cfg, fmt.Errorf("invalid --hot-share %v: want a share from 0 to 1, such as 0.25", f.hotShare)
	}
	if f.estRefresh < 0 {
		return cfg, fmt.Errorf("invalid --size-estimates-refresh %v: want a positive interval such as 5m, or 0", f.estRefresh)
	}
	cfg.SizeEstimates.Refresh = f.estRefresh
	if strings.TrimSpace(f.estSkew) != "" {
		for _, item := range strings.Split(f.estSkew, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(item), 64)
			if err != nil || !(v > 0) || math.IsInf(v, 0) {
				return cfg, fmt.Errorf("invalid --size-estimates-skew item %q: want positive factors in node order, e.g. 10,1,0.1", item)
			}
			cfg.SizeEstimates.Skew = append(cfg.SizeEstimates.Skew, v)
		}
	}
	faults, err := parseFaults(f.faults)
	if err != nil {
		return cfg, err
	}
	cfg.Faults = faults
	if f.pageBytes < 0 {
		return cfg, fmt.Errorf("invalid --page-bytes %d: want a positive number of bytes (0 for no cap)", f.pageBytes)
	}
	cfg.PageBytes = f.pageBytes
	for _, tm := range []struct {
		flag string
		d    time.Duration
		to   *time.Duration
	}{{"read-timeout", f.readTimeout, &cfg.ReadTimeout}, {"range-timeout", f.rangeTmo, &cfg.RangeTimeout}} {
		switch {
		case tm.d < 0:
			return cfg, fmt.Errorf("invalid --%s %v: want a positive duration such as 5s, or 0 for no deadline", tm.flag, tm.d)
		case tm.d == 0:
			*tm.to = cqlsim.NoTimeout
		default:
			*tm.to = tm.d
		}
	}
	if f.tombstones < 0 {
		return cfg, fmt.Errorf("invalid --tombstone-budget %d: want a positive number (0 for the default 1000)", f.tombstones)
	}
	cfg.TombstoneBudget = f.tombstones
	mode, err := cqlsim.ParseTombstoneMode(f.tombMode)
	if err != nil {
		return cfg, fmt.Errorf("invalid --tombstone-mode: %w", err)
	}
	cfg.TombstoneMode = mode
	if f.tombWarn < 0 {
		return cfg, fmt.Errorf("invalid --tombstone-warn-threshold %d: want a positive number (0 for the default 1000)", f.tombWarn)
	}
	if f.tombFail < 0 {
		return cfg, fmt.Errorf("invalid --tombstone-failure-threshold %d: want a positive number (0 for the default 100000)", f.tombFail)
	}
	cfg.TombstoneWarnThreshold, cfg.TombstoneFailureThreshold = f.tombWarn, f.tombFail
	if cfg.Capacity, cfg.NodeCapacity, err = f.capacities(); err != nil {
		return cfg, err
	}
	if n := len(cfg.NodeCapacity); n > 0 && n != total(cfg) {
		return cfg, fmt.Errorf("invalid --capacity %q: %d values for %d nodes; give one for every node, or one for all", f.capacity, n, total(cfg))
	}
	if f.slowNodes < 0 || f.slowNodes > total(cfg) {
		return cfg, fmt.Errorf("invalid --slow-nodes %d: want 0 to the %d nodes of the cluster", f.slowNodes, total(cfg))
	}
	if !(f.slowFactor > 0) || math.IsInf(f.slowFactor, 0) {
		return cfg, fmt.Errorf("invalid --slow-factor %v: want a positive number such as 3", f.slowFactor)
	}
	if f.username != "" {
		cfg.Password = os.Getenv("RINGSCAN_PASSWORD")
		if cfg.Password == "" {
			return cfg, fmt.Errorf("--username is set but $RINGSCAN_PASSWORD is empty: set the password in the environment")
		}
	}
	return cfg, cfg.Validate()
}

// total is the number of nodes of cfg's layout.
func total(cfg cqlsim.Config) int {
	if len(cfg.DCs) == 0 {
		return cfg.Nodes
	}
	n := 0
	for _, dc := range cfg.DCs {
		n += dc.Nodes
	}
	return n
}

// slowDown multiplies the latency of the first --slow-nodes nodes by
// --slow-factor; the penalty for non-replica coordinators stays as it is.
func (f *simFlags) slowDown(c *cqlsim.Cluster) {
	for i, n := range c.Nodes() {
		if i >= f.slowNodes {
			break
		}
		n.SetLatency(cqlsim.Latency{
			Fixed:      time.Duration(float64(f.latency) * f.slowFactor),
			Jitter:     time.Duration(float64(f.jitter) * f.slowFactor),
			NonReplica: f.nonReplica,
		})
	}
}

func (f *simFlags) demoConfig() cqlsim.DemoConfig {
	return cqlsim.DemoConfig{Rows: f.rows, Seed: f.seed, MeanPartitionRows: f.meanRows, LargePartitionRows: f.largeRows,
		DeletedRows: f.deletedRows, ProfileRows: f.profileRows, HotRows: f.hotRows, HotShare: f.hotShare}
}

func newSimCmd(stdout, stderr io.Writer) *cobra.Command {
	var f simFlags
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run cqlsim, the embedded Cassandra-compatible cluster simulator, in the foreground",
		Long: `sim runs cqlsim: a Cassandra-compatible cluster simulator serving the CQL
native protocol v4 on loopback nodes 127.0.0.1, 127.0.0.2, ... (all on one
port), so that any standard driver, cqlsh or ringscan itself can connect,
discover the topology and page through data. With --rows it loads the demo
tables ringscan_demo.events and ringscan_demo.profiles (static columns and a
user-defined type). It prints its contact points and runs until
SIGINT or SIGTERM.

cqlsim is not Cassandra: writes are not replicated between nodes (the data
lives once, shared), consistency levels are accepted but not simulated, and
there are no SSTables or compaction.`,
		Example: `  ringscan sim --rows 100000
  ringscan sim --dcs dc1:3,dc2:3 --vnodes 256 --latency 5ms --faults overloaded:0.05
  ringscan sim --rows 200000 --latency 10ms --cost-per-row 100us --capacity 4 --queue-limit 8 --metrics-addr :9101`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := f.config()
			if err != nil {
				return badInput(err)
			}
			demo := f.demoConfig()
			if err := demo.Validate(); err != nil {
				return badInput(err)
			}
			c, err := cqlsim.Start(ctx, cfg)
			if err != nil {
				return badInput(err)
			}
			defer c.Close()
			f.slowDown(c)
			var metrics *observe.MetricsServer
			if f.metricsAddr != "" {
				if metrics, err = listenSimMetrics(f.metricsAddr, c); err != nil {
					return badInput(err)
				}
				go func() { _ = metrics.Serve(ctx) }()
			}
			layout := []string{}
			for _, n := range c.Nodes() {
				layout = append(layout, n.Addr()+" ("+n.DC()+"/"+n.Rack()+")")
			}
			fmt.Fprintf(stdout, "cqlsim: %d nodes, %s, %d vnodes per node\n", len(c.Nodes()), c.Partitioner(), cfg.VNodes)
			fmt.Fprintf(stdout, "nodes: %s\n", strings.Join(layout, ", "))
			if f.rows > 0 {
				start := time.Now()
				info, err := c.LoadDemo(ctx, demo)
				if err != nil {
					return err
				}
				// The other tables first: "demo data:" stays the last line
				// before the contact points, for simproc.
				for _, o := range info.Others {
					fmt.Fprintf(stdout, "demo table: %s.%s, %d rows in %d partitions (%d with static values only), checksum %016x\n",
						o.Keyspace, o.Table, o.Rows, o.Partitions, o.StaticOnly, o.Checksum)
				}
				fmt.Fprintf(stdout, "demo data: %s.%s, %d rows in %d partitions, %d tombstones, checksum %016x (loaded in %v)\n",
					info.Keyspace, info.Table, info.Rows, info.Partitions, info.Deleted, info.Checksum, time.Since(start).Round(time.Millisecond))
			}
			if metrics != nil {
				// Before the contact points, the line simproc waits for.
				fmt.Fprintf(stdout, "metrics: http://%s/metrics\n", metrics.Addr())
			}
			fmt.Fprintf(stdout, "contact points: %s\n", strings.Join(c.ContactPoints(), ","))
			fmt.Fprintf(stderr, "running; press Ctrl-C to stop\n")
			<-ctx.Done()
			fmt.Fprintf(stderr, "stopping\n")
			return nil
		},
	}
	f.register(cmd)
	return cmd
}
