package scanner_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
)

// TestMain checks that no test, example included, leaves a goroutine
// behind. gocql stops its goroutines when a Session closes (goleak retries
// while they wind down), with two exceptions: tests that bring a node up
// may leave Session.handleNodeUp's 10s sleep behind, and tests that stop
// a node may leave a control connection's reconnect waiting for ever for
// a ring refresh (see testutil.IgnoreNodeUp and
// testutil.IgnoreRefreshRing).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testutil.IgnoreNodeUp(), testutil.IgnoreRefreshRing())
}

// hostsEnv names the real cluster the exactly-once suite also runs against.
const hostsEnv = "RINGSCAN_TEST_HOSTS"

// testCluster is a cluster a test writes to and scans: a cqlsim cluster
// started for the test, or a real one named by RINGSCAN_TEST_HOSTS.
type testCluster struct {
	session *gocql.Session
	// sim is the simulator; nil on a real cluster.
	sim *cqlsim.Cluster
	// keyspace is created for the test (and dropped after it on a real
	// cluster).
	keyspace string
	// localDC is the scan's Config.LocalDC.
	localDC string
	// partitioner is the cluster's.
	partitioner ring.Partitioner
	// dcOf maps a host address, as hooks report it, to its data center.
	dcOf map[string]string
}

// provider opens a cluster for a test.
type provider struct {
	name string
	open func(t *testing.T) *testCluster
}

// simTopology is a cqlsim cluster and the replication of the test keyspace.
type simTopology struct {
	name        string
	cfg         cqlsim.Config
	replication string
	localDC     string
}

// simTopologies are the topologies of the exactly-once suite. Every one
// has a small tombstone budget, so that deleted rows make empty pages.
var simTopologies = []simTopology{
	{name: "1 node", cfg: cqlsim.Config{Nodes: 1}, replication: simple(1)},
	{name: "3 nodes", cfg: cqlsim.Config{Nodes: 3}, replication: simple(3)},
	{name: "3 nodes 1 vnode", cfg: cqlsim.Config{Nodes: 3, VNodes: 1}, replication: simple(2)},
	{name: "3 nodes 256 vnodes", cfg: cqlsim.Config{Nodes: 3, VNodes: 256}, replication: simple(3)},
	{name: "2 DCs", cfg: cqlsim.Config{DCs: twoDCs}, replication: ntsTwoDCs},
	{name: "2 DCs LocalDC dc2", cfg: cqlsim.Config{DCs: twoDCs}, replication: ntsTwoDCs, localDC: "dc2"},
	{name: "2 DCs LocalDC dc1", cfg: cqlsim.Config{DCs: twoDCs, VNodes: 4}, replication: ntsTwoDCs, localDC: "dc1"},
	{name: "RandomPartitioner", cfg: cqlsim.Config{Nodes: 3, Partitioner: "RandomPartitioner"}, replication: simple(3)},
}

var twoDCs = []cqlsim.DC{{Name: "dc1", Nodes: 3, Racks: 3}, {Name: "dc2", Nodes: 2}}

const ntsTwoDCs = `{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}`

// simTombstoneBudget is the simulator's tombstones per page in the suite.
const simTombstoneBudget = 20

func simple(rf int) string {
	return fmt.Sprintf(`{'class': 'SimpleStrategy', 'replication_factor': %d}`, rf)
}

// simProviders start one cqlsim cluster per topology.
func simProviders() []provider {
	ps := make([]provider, 0, len(simTopologies))
	for _, topo := range simTopologies {
		ps = append(ps, provider{name: topo.name, open: func(t *testing.T) *testCluster {
			cfg := topo.cfg
			cfg.TombstoneBudget = simTombstoneBudget
			c := testutil.StartSim(t, cfg)
			return newTestCluster(t, c, testutil.Session(t, c), "ringscan_test", topo.replication, topo.localDC)
		}})
	}
	return ps
}

// realProviders connect to the cluster named by RINGSCAN_TEST_HOSTS
// (comma-separated host[:port]): once without LocalDC and, when the cluster
// has several data centers, once with LocalDC set to the first one.
func realProviders(t *testing.T) []provider {
	hosts := os.Getenv(hostsEnv)
	if hosts == "" {
		t.Skipf("%s is not set: set it to a comma-separated host[:port] list of a Cassandra or ScyllaDB cluster to run the exactly-once suite against it (it creates and drops a keyspace ringscan_test_*)", hostsEnv)
	}
	open := func(localDC func(t *testing.T, dcs []string) string) func(t *testing.T) *testCluster {
		return func(t *testing.T) *testCluster {
			contacts := strings.Split(hosts, ",")
			cl := gocql.NewCluster(contacts...)
			// Discovered nodes are dialed on cl.Port: take the contact
			// points' port.
			if _, port, err := net.SplitHostPort(contacts[0]); err == nil {
				cl.Port, err = strconv.Atoi(port)
				require.NoError(t, err, "port of %s", contacts[0])
			}
			cl.Timeout = 30 * time.Second
			cl.Logger = gocql.NewLogger(gocql.LogLevelNone)
			s, err := cl.CreateSession()
			require.NoError(t, err, "connect to %s=%s", hostsEnv, hosts)
			t.Cleanup(s.Close)
			perDC := map[string]int{}
			for _, h := range s.GetHosts() {
				perDC[h.DataCenter()]++
			}
			dcs := slices.Sorted(maps.Keys(perDC))
			repl := []string{`'class': 'NetworkTopologyStrategy'`}
			for _, dc := range dcs {
				repl = append(repl, fmt.Sprintf("'%s': %d", dc, min(3, perDC[dc])))
			}
			var suffix [6]byte
			_, _ = rand.Read(suffix[:])
			ks := "ringscan_test_" + hex.EncodeToString(suffix[:])
			t.Cleanup(func() {
				require.NoError(t, s.Query(`DROP KEYSPACE IF EXISTS `+ks).Exec())
			})
			dc := localDC(t, dcs)
			return newTestCluster(t, nil, s, ks, "{"+strings.Join(repl, ", ")+"}", dc)
		}
	}
	ps := []provider{{name: "real cluster", open: open(func(*testing.T, []string) string { return "" })}}
	ps = append(ps, provider{name: "real cluster LocalDC", open: open(func(t *testing.T, dcs []string) string {
		if len(dcs) < 2 {
			t.Skip("the cluster has one data center; LocalDC is covered by cqlsim")
		}
		return dcs[0]
	})})
	return ps
}

// newTestCluster creates the test keyspace with replication and describes
// the cluster.
func newTestCluster(t *testing.T, sim *cqlsim.Cluster, s *gocql.Session, ks, replication, localDC string) *testCluster {
	t.Helper()
	require.NoError(t, s.Query(fmt.Sprintf(`CREATE KEYSPACE %s WITH replication = %s`, ks, replication)).Exec())
	c := &testCluster{session: s, sim: sim, keyspace: ks, localDC: localDC, dcOf: map[string]string{}}
	for _, h := range s.GetHosts() {
		c.dcOf[h.ConnectAddress().String()] = h.DataCenter()
		if p := h.Partitioner(); p != "" {
			var err error
			c.partitioner, err = ring.ParsePartitioner(p)
			require.NoError(t, err)
		}
	}
	return c
}

// rawValue is a serialized value bound as is: what is written is exactly
// the bytes a scan must return.
type rawValue []byte

func (r rawValue) MarshalCQL(gocql.TypeInfo) ([]byte, error) { return r, nil }

// writeAll runs stmt once per row of bind values, concurrently, at
// consistency ALL so that a LOCAL_ONE scan of any replica sees every row.
func writeAll(ctx context.Context, s *gocql.Session, stmt string, rows [][][]byte) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	for _, row := range rows {
		g.Go(func() error {
			vals := make([]any, len(row))
			for i, v := range row {
				vals[i] = rawValue(v)
			}
			if err := s.Query(stmt, vals...).WithContext(ctx).Consistency(gocql.All).Exec(); err != nil {
				return fmt.Errorf("%s: %w", stmt, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// collector is a sink that keeps every row it is given as a multiset and
// a checksum. Sinks are called from one goroutine at a time; the lock is
// for readers outside the scan.
type collector struct {
	mu    sync.Mutex
	rows  testutil.Multiset
	sum   rowsum.Sum
	pages int
	// onPage, if set, is called after each page with the page count.
	onPage func(pages int)
	// keepRows off keeps only the checksum (for large tables).
	keepRows bool
}

func newCollector(keepRows bool) *collector {
	return &collector{rows: testutil.Multiset{}, keepRows: keepRows}
}

func (c *collector) Write(_ context.Context, b *sink.Batch) error {
	c.mu.Lock()
	vals := make([][]byte, len(b.Columns))
	for i := range b.Len() {
		for j := range vals {
			vals[j] = b.Value(i, j)
		}
		c.sum.Add(vals)
		if c.keepRows {
			c.rows.AddRow(vals)
		}
	}
	c.pages++
	pages := c.pages
	c.mu.Unlock()
	if c.onPage != nil {
		c.onPage(pages)
	}
	return nil
}

func (c *collector) Close(context.Context) error { return nil }

var _ sink.Sink = (*collector)(nil)

// demoSum is the checksum a scan of the demo table must give.
func demoSum(info cqlsim.DemoInfo) rowsum.Sum {
	return rowsum.Sum{Rows: uint64(info.Rows), Hash: info.Checksum}
}
