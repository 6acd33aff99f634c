package cqlsim

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// ErrInvalidConfig is wrapped by every Config validation error.
var ErrInvalidConfig = errors.New("invalid cqlsim config")

// AutoPort asks Start to pick a port that is free on every node address.
const AutoPort = -1

// DC describes one data center of the simulated cluster.
type DC struct {
	Name  string
	Nodes int
	// Racks is the number of racks the DC's nodes are spread over,
	// round-robin (rack1, rack2, ...). Default 1.
	Racks int
}

// Latency is added to every request a node serves.
type Latency struct {
	// Fixed is added to every request. Default 0.
	Fixed time.Duration
	// Jitter adds a uniformly random extra delay in [0, Jitter). Default 0.
	Jitter time.Duration
	// NonReplica is added when the node coordinates a read of data it does
	// not replicate, as a real coordinator must then ask a replica.
	// Default 0.
	NonReplica time.Duration
}

// Config configures a simulated cluster. The zero value is a 3-node,
// single-DC cluster on 127.0.0.1..3:9042.
type Config struct {
	// Nodes is the node count of the single default data center
	// "datacenter1" (rack "rack1"). Ignored when DCs is set. Default 3.
	Nodes int
	// DCs lays out several data centers, in order: nodes take consecutive
	// addresses DC after DC. Default: one DC "datacenter1" with Nodes nodes.
	DCs []DC
	// Address is the first node's IPv4 loopback address; node i listens on
	// Address+i. Default DefaultAddress (127.0.0.1).
	Address string
	// Port is the port every node listens on. Default 9042; AutoPort picks
	// one that is free on all node addresses.
	Port int
	// VNodes is the number of tokens per node. Default 16.
	VNodes int
	// Seed makes tokens, host ids and demo data reproducible. Default 1.
	Seed int64
	// Partitioner is "Murmur3Partitioner" (default) or "RandomPartitioner";
	// the org.apache.cassandra.dht. prefix is optional.
	Partitioner string
	// ClusterName is system.local's cluster_name. Default "cqlsim".
	ClusterName string
	// ReleaseVersion is the Cassandra release the cluster reports
	// (release_version) and whose behaviour it follows where versions
	// differ: 4.0.x and 4.1.x serve system.peers_v2 and DESCRIBE; 3.11.x
	// has neither (an unknown table is "unconfigured table", DESCRIBE is a
	// syntax error). See the package documentation. Default "4.1.3".
	ReleaseVersion string
	// Username and Password turn on PasswordAuthenticator when Username is
	// set. Default: no authentication.
	Username, Password string
	// Latency is every node's initial added latency. Default none.
	Latency Latency
	// Faults are every node's initial injected faults. Default none.
	Faults []Fault
	// Capacity is every node's initial read capacity: how many reads it
	// serves at once, how many may wait, what a read costs (see Capacity).
	// Default: no limit.
	Capacity Capacity
	// NodeCapacity[i] is node i's capacity (nodes in address order); its
	// zero fields take Capacity's. Default: Capacity for every node.
	NodeCapacity []Capacity
	// PageBytes caps the bytes of rows in one page, whatever the page size,
	// as ScyllaDB does (ScyllaPageBytes). Default 0: no cap, as Cassandra
	// 4.1 pages by rows only (paging by bytes, CASSANDRA-11745, is in no
	// release), so that a client that asks for pages of many large rows
	// gets them, as it would from Cassandra.
	PageBytes int
	// ReadTimeout and RangeTimeout are how long a node works on a read of
	// partitions named by their keys and on a read of token ranges, as
	// Cassandra 4.1's read_request_timeout (5 s) and
	// range_request_timeout (10 s). A read whose work (its wait for a
	// turn and its service time under Capacity: PerRow, PerKiB, the knee;
	// the node's Latency is the network's and counts for neither) passes
	// its timeout is answered ReadTimeout (0x1200, none of the replicas
	// the consistency needs answered, no data) once the timeout has
	// passed, as a coordinator answers. A count(*) has one deadline for
	// all the rows it counts, as Cassandra sends each internal page with
	// the query's start time. Writes have no such deadline (Cassandra's
	// write_request_timeout, 2 s): cqlsim gives a write no work to time
	// (Capacity bounds reads only), so none could pass it; a test that
	// needs a WriteTimeout injects a ReadTimeout fault, which a write is
	// answered as WriteTimeout. Default 0: Cassandra's; NoTimeout: none.
	ReadTimeout, RangeTimeout time.Duration
	// SizeEstimates sets how system.size_estimates lies. Default: exact
	// counts of each node's primary ranges, computed when read.
	SizeEstimates SizeEstimates
	// TombstoneMode is how reads treat tombstones (see TombstoneMode).
	// Default TombstonesScylla.
	TombstoneMode TombstoneMode
	// TombstoneBudget is, in TombstonesScylla mode, how many deleted rows
	// one page may step over; a page that meets that many returns early,
	// possibly empty, with a paging state to go on. Default 1000.
	TombstoneBudget int
	// TombstoneWarnThreshold is, in TombstonesCassandra mode, Cassandra's
	// tombstone_warn_threshold: a read that counts more tombstones is
	// answered with a client warning. Default 1000.
	TombstoneWarnThreshold int
	// TombstoneFailureThreshold is, in TombstonesCassandra mode,
	// Cassandra's tombstone_failure_threshold: a read that counts more
	// tombstones fails with ReadFailure (READ_TOO_MANY_TOMBSTONES).
	// Default 100000.
	TombstoneFailureThreshold int
	// Clock is the time the cluster lives in: default write timestamps,
	// TTL expiry, now() and size estimates follow it, so that tests can
	// move time. Default time.Now.
	Clock func() time.Time
	// Logger receives connection-level events. Default: no logging.
	Logger *zap.Logger
	// TLS, when set, makes every node serve TLS only (client-encryption
	// required, as Cassandra's client_encryption_options with optional:
	// false). Set ClientAuth in it to require client certificates.
	// Default: plain TCP.
	TLS *tls.Config
}

// TombstoneMode names how reads step over tombstones.
type TombstoneMode string

// Tombstone modes.
const (
	// TombstonesScylla ends a page early, possibly empty, after
	// Config.TombstoneBudget deleted rows, as ScyllaDB cuts pages that meet
	// many tombstones; more pages follow. It is the default: an empty page
	// that is not the last is the paging contract clients get wrong most
	// often, so every test that meets tombstones exercises it.
	TombstonesScylla TombstoneMode = "scylla"
	// TombstonesCassandra scans through tombstones within a page, counts
	// them per read as Cassandra 4.1 does, answers a client warning past
	// Config.TombstoneWarnThreshold and fails the read with ReadFailure
	// (READ_TOO_MANY_TOMBSTONES) past Config.TombstoneFailureThreshold.
	TombstonesCassandra TombstoneMode = "cassandra"
)

// ParseTombstoneMode parses "scylla" or "cassandra".
func ParseTombstoneMode(s string) (TombstoneMode, error) {
	switch m := TombstoneMode(s); m {
	case TombstonesScylla, TombstonesCassandra:
		return m, nil
	}
	return "", fmt.Errorf("unknown tombstone mode %q: allowed are scylla and cassandra", s)
}

// SizeEstimates makes system.size_estimates as approximate as Cassandra's.
// Cassandra's are not exact either way: each node writes rows for its own
// primary ranges only, counted from SSTables (data still in memtables is
// not counted), refreshed every 5 minutes by default
// (size_estimates_update_interval). cqlsim always serves each node's
// primary ranges (ring.SizeEstimate gathers them from every node); the
// counts are exact and current unless these options say otherwise.
type SizeEstimates struct {
	// Refresh makes the estimates a snapshot: 0 (default) computes them
	// when read; a positive interval refreshes every node's snapshot that
	// often; Manual refreshes only on Cluster.RefreshSizeEstimates. A
	// snapshot is first taken at Start, before any data, so that a table
	// created later has no estimates until the next refresh, as on a
	// Cassandra node before its first refresh.
	Refresh time.Duration
	// Skew multiplies node i's partition counts by Skew[i] (nodes in
	// address order; a missing or zero factor is 1), so that estimates can
	// lie by different factors on different nodes. Default none.
	Skew []float64
}

// ScyllaPageBytes is Config.PageBytes for pages capped as ScyllaDB caps
// them: at 1 MiB of rows, whatever the page size.
const ScyllaPageBytes = 1 << 20

// NoTimeout as Config.ReadTimeout or RangeTimeout lets reads work as long
// as their service time says.
const NoTimeout time.Duration = -1

// DefaultAddress is the default of Config.Address: the first node
// listens on it, node i on the address i above it.
const DefaultAddress = "127.0.0.1"

// Cassandra 4.1's read_request_timeout and range_request_timeout, the
// defaults of Config.ReadTimeout and RangeTimeout.
const (
	DefaultReadTimeout  = 5 * time.Second
	DefaultRangeTimeout = 10 * time.Second
)

// Manual is SizeEstimates.Refresh for snapshots taken only on
// Cluster.RefreshSizeEstimates.
const Manual time.Duration = -1

// EnsureDefaults returns c with every zero field set to its default: the
// configuration Start runs a cluster with (the data centers spelt out, the
// partitioner without its package prefix).
func (c Config) EnsureDefaults() Config {
	if c.Nodes == 0 {
		c.Nodes = 3
	}
	if len(c.DCs) == 0 {
		c.DCs = []DC{{Name: "datacenter1", Nodes: c.Nodes, Racks: 1}}
	} else {
		dcs := make([]DC, len(c.DCs))
		copy(dcs, c.DCs)
		for i := range dcs {
			if dcs[i].Racks == 0 {
				dcs[i].Racks = 1
			}
		}
		c.DCs = dcs
	}
	if c.Address == "" {
		c.Address = DefaultAddress
	}
	if c.Port == 0 {
		c.Port = 9042
	}
	if c.VNodes == 0 {
		c.VNodes = 16
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Partitioner == "" {
		c.Partitioner = "Murmur3Partitioner"
	}
	c.Partitioner = strings.TrimPrefix(c.Partitioner, "org.apache.cassandra.dht.")
	if c.ClusterName == "" {
		c.ClusterName = "cqlsim"
	}
	if c.ReleaseVersion == "" {
		c.ReleaseVersion = "4.1.3"
	}
	if c.TombstoneMode == "" {
		c.TombstoneMode = TombstonesScylla
	}
	if c.TombstoneBudget == 0 {
		c.TombstoneBudget = 1000
	}
	if c.TombstoneWarnThreshold == 0 {
		c.TombstoneWarnThreshold = 1000
	}
	if c.TombstoneFailureThreshold == 0 {
		c.TombstoneFailureThreshold = 100000
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.RangeTimeout == 0 {
		c.RangeTimeout = DefaultRangeTimeout
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	c = c.EnsureDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.Nodes < 0 {
		bad("Nodes is %d; it must be at least 1", c.Nodes)
	}
	total := 0
	seen := map[string]bool{}
	for _, dc := range c.DCs {
		if dc.Name == "" {
			bad("DCs holds a data center with no name")
		}
		if seen[dc.Name] {
			bad("DCs lists data center %q twice", dc.Name)
		}
		seen[dc.Name] = true
		if dc.Nodes < 1 {
			bad("data center %q has %d nodes; it needs at least 1", dc.Name, dc.Nodes)
		}
		if dc.Racks < 1 {
			bad("data center %q has %d racks; it needs at least 1", dc.Name, dc.Racks)
		}
		total += dc.Nodes
	}
	if total > 250 {
		bad("Nodes or DCs ask for %d nodes; at most 250 are allowed", total)
	}
	ip := net.ParseIP(c.Address).To4()
	switch {
	case ip == nil:
		bad("Address %q is not an IPv4 address", c.Address)
	case ip[0] != 127:
		bad("Address %q is not a loopback address (127.0.0.0/8)", c.Address)
	case int(ip[3])+total > 255:
		bad("Address %q leaves no room for %d consecutive node addresses", c.Address, total)
	}
	if c.Port != AutoPort && (c.Port < 1 || c.Port > 65535) {
		bad("Port is %d; it must be 1..65535 or AutoPort", c.Port)
	}
	if c.VNodes < 1 || c.VNodes > 4096 {
		bad("VNodes is %d; it must be 1..4096", c.VNodes)
	}
	if c.Partitioner != "Murmur3Partitioner" && c.Partitioner != "RandomPartitioner" {
		bad("Partitioner %q is not supported; use Murmur3Partitioner or RandomPartitioner", c.Partitioner)
	}
	if c.Password != "" && c.Username == "" {
		bad("Password is set without Username")
	}
	if c.Latency.Fixed < 0 || c.Latency.Jitter < 0 || c.Latency.NonReplica < 0 {
		bad("latencies must not be negative")
	}
	if c.PageBytes < 0 {
		bad("PageBytes is %d; it must be positive, or 0 for no cap", c.PageBytes)
	}
	for _, tm := range []struct {
		name string
		d    time.Duration
	}{{"ReadTimeout", c.ReadTimeout}, {"RangeTimeout", c.RangeTimeout}} {
		if tm.d < 0 && tm.d != NoTimeout {
			bad("%s is %v; it must be positive, 0 for Cassandra's default or NoTimeout (-1) for none", tm.name, tm.d)
		}
	}
	if _, err := ParseTombstoneMode(string(c.TombstoneMode)); err != nil {
		bad("TombstoneMode: %v", err)
	}
	if c.SizeEstimates.Refresh < 0 && c.SizeEstimates.Refresh != Manual {
		bad("SizeEstimates.Refresh is %v; it must be 0 (computed when read), positive, or Manual", c.SizeEstimates.Refresh)
	}
	if len(c.SizeEstimates.Skew) > total {
		bad("SizeEstimates.Skew has %d factors for %d nodes", len(c.SizeEstimates.Skew), total)
	}
	for i, f := range c.SizeEstimates.Skew {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			bad("SizeEstimates.Skew[%d] is %v; it must be a positive factor (0 for 1)", i, f)
		}
	}
	if c.TombstoneBudget < 1 {
		bad("TombstoneBudget is %d; it must be positive", c.TombstoneBudget)
	}
	if c.TombstoneWarnThreshold < 1 {
		bad("TombstoneWarnThreshold is %d; it must be positive", c.TombstoneWarnThreshold)
	}
	if c.TombstoneFailureThreshold < 1 {
		bad("TombstoneFailureThreshold is %d; it must be positive", c.TombstoneFailureThreshold)
	}
	if _, err := parseRelease(c.ReleaseVersion); err != nil {
		bad("%v", err)
	}
	for _, f := range c.Faults {
		if err := f.validate(); err != nil {
			bad("%v", err)
		}
	}
	errs = append(errs, c.Capacity.validate("Capacity: ")...)
	if len(c.NodeCapacity) > total {
		bad("NodeCapacity has %d entries for %d nodes", len(c.NodeCapacity), total)
	}
	for i := range c.NodeCapacity {
		errs = append(errs, c.capacityOf(i).validate(fmt.Sprintf("NodeCapacity[%d]: ", i))...)
	}
	return errors.Join(errs...)
}

// ParseDCs parses a layout such as "dc1:3,dc2:3" (name:nodes, optionally
// name:nodes:racks).
func ParseDCs(s string) ([]DC, error) {
	var dcs []DC
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		fields := strings.Split(part, ":")
		if len(fields) < 2 || len(fields) > 3 || fields[0] == "" {
			return nil, fmt.Errorf("invalid data center %q: want name:nodes or name:nodes:racks, e.g. dc1:3,dc2:3", part)
		}
		dc := DC{Name: fields[0], Racks: 1}
		n, err := strconv.Atoi(fields[1])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("invalid node count %q for data center %q: want a positive integer", fields[1], fields[0])
		}
		dc.Nodes = n
		if len(fields) == 3 {
			r, err := strconv.Atoi(fields[2])
			if err != nil || r < 1 {
				return nil, fmt.Errorf("invalid rack count %q for data center %q: want a positive integer", fields[2], fields[0])
			}
			dc.Racks = r
		}
		dcs = append(dcs, dc)
	}
	return dcs, nil
}
