package cqlsim_test

import (
	"cmp"
	"context"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestDiscovery checks that the driver discovers every node with its host
// id, data center, rack and tokens, for several layouts.
func TestDiscovery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  cqlsim.Config
	}{
		{name: "3 nodes", cfg: cqlsim.Config{Nodes: 3, VNodes: 16}},
		{name: "2 DCs with racks", cfg: cqlsim.Config{
			DCs:    []cqlsim.DC{{Name: "dc1", Nodes: 3, Racks: 3}, {Name: "dc2", Nodes: 2, Racks: 2}},
			VNodes: 8, Seed: 7,
		}},
		{name: "1 node 1 token", cfg: cqlsim.Config{Nodes: 1, VNodes: 1}},
		{name: "RandomPartitioner", cfg: cqlsim.Config{Nodes: 3, VNodes: 4, Partitioner: "RandomPartitioner"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testutil.StartSim(t, tt.cfg)
			s := connect(t, c)
			hosts := s.GetHosts()
			require.Len(t, hosts, len(c.Nodes()))
			for _, n := range c.Nodes() {
				h := hostByIP(t, s, n.IP())
				assert.Equal(t, n.HostID(), h.HostID(), n.IP())
				assert.Equal(t, n.DC(), h.DataCenter(), n.IP())
				assert.Equal(t, n.Rack(), h.Rack(), n.IP())
				assert.Equal(t, sortedTokens(n.Tokens()), sortedTokens(h.Tokens()), n.IP())
				assert.Equal(t, c.Port(), h.Port(), n.IP())
				assert.True(t, h.IsUp(), n.IP())
			}
			// Only the control connection's host reads system.local, the
			// one table with the partitioner.
			var partitioners []string
			for _, h := range hosts {
				if h.Partitioner() != "" {
					partitioners = append(partitioners, h.Partitioner())
				}
			}
			assert.Contains(t, partitioners, c.Partitioner())
		})
	}
}

// TestDiscoveryLayout checks the DC and rack layout of a 2-DC cluster as the
// driver sees it.
func TestDiscoveryLayout(t *testing.T) {
	t.Parallel()
	dcs, err := cqlsim.ParseDCs("dc1:3:2,dc2:2")
	require.NoError(t, err)
	c := testutil.StartSim(t, cqlsim.Config{DCs: dcs, VNodes: 4})
	s := connect(t, c)
	type place struct{ dc, rack string }
	got := map[string]place{}
	for _, h := range s.GetHosts() {
		got[h.ConnectAddress().String()] = place{h.DataCenter(), h.Rack()}
	}
	// Nodes take consecutive addresses from the first one (127.0.0.1, or
	// $RINGSCAN_SIM_ADDRESS), DC after DC, racks round-robin.
	nodes := c.Nodes()
	require.Len(t, nodes, 5)
	assert.Equal(t, map[string]place{
		nodes[0].IP(): {"dc1", "rack1"},
		nodes[1].IP(): {"dc1", "rack2"},
		nodes[2].IP(): {"dc1", "rack1"},
		nodes[3].IP(): {"dc2", "rack1"},
		nodes[4].IP(): {"dc2", "rack1"},
	}, got)

	// A NetworkTopologyStrategy keyspace names the data centers.
	mustExec(t, s, `CREATE KEYSPACE nts WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2, 'dc2': 1}`)
	var km *gocql.KeyspaceMetadata
	require.Eventually(t, func() bool {
		km, err = s.KeyspaceMetadata("nts")
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "org.apache.cassandra.locator.NetworkTopologyStrategy", km.StrategyClass)
	assert.Equal(t, map[string]any{"dc1": "2", "dc2": "1"}, km.StrategyOptions)
	err = s.Query(`CREATE KEYSPACE bad WITH replication = {'class': 'NetworkTopologyStrategy', 'dc3': 1}`).Exec()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dc3")
}

// driverLog follows gocql's log for what it does not expose otherwise: the
// STATUS_CHANGE events it dispatches, as "DOWN->127.0.0.2:0", and the host
// of its control connection. The port in events is 0: gocql v2.1.2 reads
// the [inet]'s [int] port as a [short] (its upper half); it looks hosts up
// by address only.
type driverLog struct {
	gocql.StructuredLogger
	events  chan string
	control chan string
}

func newDriverLog() driverLog {
	return driverLog{
		StructuredLogger: gocql.NewLogger(gocql.LogLevelNone),
		events:           make(chan string, 16),
		control:          make(chan string, 16),
	}
}

func (l driverLog) Info(msg string, fields ...gocql.LogField) {
	var ch chan string
	var name string
	switch msg {
	case "Dispatching status change event.":
		ch, name = l.events, "frame"
	case "Control connection connected to host.":
		ch, name = l.control, "host_addr"
	default:
		return
	}
	for _, f := range fields {
		if f.Name == name {
			select {
			case ch <- f.Value.String():
			default: // nobody waits for it
			}
		}
	}
}

// waitFor waits for a message on ch that starts with want.
func waitFor(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-ch:
			if strings.HasPrefix(got, want) {
				return
			}
		case <-timeout:
			require.Failf(t, "no log message", "gocql logged no %s", want)
		}
	}
}

// TestNodeDownUp takes a node down and up again and checks that the driver
// follows, through STATUS_CHANGE events, and that queries keep succeeding
// through the other nodes.
func TestNodeDownUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reconnect time.Duration
	}{
		{name: "events only", reconnect: 0},
		{name: "events and reconnection", reconnect: 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// gocql v2.1.2 waits 10 s before it handles an UP event from
			// a release whose minor version is below 2 (it means "before
			// 2.2", CASSANDRA-8236, but compares only the minor), such as
			// the default 4.1.3.
			c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 8, ReleaseVersion: "3.11.16"})
			log := newDriverLog()
			s := connect(t, c, func(cl *gocql.ClusterConfig) {
				cl.ReconnectInterval = tt.reconnect
				cl.Logger = log
			})
			var control string
			select {
			case control = <-log.control:
			default:
				require.Fail(t, "gocql logged no control connection")
			}
			createKeyspace(t, s, "ks", 3)
			mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY, v int)`)
			for k := range 100 {
				require.NoError(t, s.Query(`INSERT INTO ks.t (k, v) VALUES (?, ?)`, k, k).Exec())
			}
			// The node with the control connection cannot send its own
			// DOWN event: take down another.
			victim := c.Nodes()[0]
			if victim.IP() == control {
				victim = c.Nodes()[1]
			}
			host := hostByIP(t, s, victim.IP())
			require.True(t, host.IsUp())

			victim.Down()
			assert.False(t, victim.IsUp())
			waitFor(t, log.events, "DOWN->"+victim.IP()+":")
			require.Eventually(t, func() bool { return !host.IsUp() }, 10*time.Second, 5*time.Millisecond,
				"the driver did not see %s go down", victim.IP())

			used := map[string]int{}
			for k := range 100 {
				var v int
				it := s.Query(`SELECT v FROM ks.t WHERE k = ?`, k).Iter()
				require.True(t, it.Scan(&v), "key %d", k)
				used[it.Host().ConnectAddress().String()]++
				require.NoError(t, it.Close())
				assert.Equal(t, k, v)
			}
			assert.Zero(t, used[victim.IP()], "a down node coordinated queries: %v", used)
			assert.Len(t, used, 2, "the two other nodes share the queries: %v", used)

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, victim.Up(ctx))
			waitFor(t, log.events, "UP->"+victim.IP()+":")
			require.Eventually(t, func() bool { return host.IsUp() }, 10*time.Second, 5*time.Millisecond,
				"the driver did not see %s come up", victim.IP())

			// The node coordinates again: token-aware routing sends it the
			// keys it replicates first.
			used = map[string]int{}
			for k := range 100 {
				it := s.Query(`SELECT v FROM ks.t WHERE k = ?`, k).Iter()
				h := it.Host()
				require.NoError(t, it.Close())
				used[h.ConnectAddress().String()]++
			}
			assert.NotZero(t, used[victim.IP()], "no query went to %s after it came up: %v", victim.IP(), used)
		})
	}
}

// TestTokenAwareRouting checks that the driver's token-aware routing, which
// relies on the partition key indexes of prepared statements, the
// partitioner and the tokens it discovered, sends each query to the node
// that owns the key's token.
func TestTokenAwareRouting(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 16})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.t (a int, b text, v int, PRIMARY KEY ((a, b)))`)

	type owned struct {
		tok   int64
		owner string
	}
	var ring []owned
	for _, n := range c.Nodes() {
		for _, tk := range n.Tokens() {
			v, err := strconv.ParseInt(tk, 10, 64)
			require.NoError(t, err)
			ring = append(ring, owned{v, n.IP()})
		}
	}
	slices.SortFunc(ring, func(a, b owned) int { return cmp.Compare(a.tok, b.tok) })
	// owner is the node of the first token at or after tk, around the ring.
	owner := func(tk int64) string {
		i, _ := slices.BinarySearchFunc(ring, tk, func(e owned, tk int64) int { return cmp.Compare(e.tok, tk) })
		return ring[i%len(ring)].owner
	}

	coordinators := map[string]int{}
	for a := range 200 {
		b := strconv.Itoa(a * 7)
		require.NoError(t, s.Query(`INSERT INTO ks.t (a, b, v) VALUES (?, ?, ?)`, a, b, a).Exec())
		var tk int64
		it := s.Query(`SELECT token(a, b) FROM ks.t WHERE a = ? AND b = ?`, a, b).Iter()
		require.True(t, it.Scan(&tk))
		require.NoError(t, it.Close())
		host := it.Host().ConnectAddress().String()
		assert.Equal(t, owner(tk), host, "key (%d, %s) token %d", a, b, tk)
		coordinators[host]++
	}
	assert.Len(t, coordinators, 3)
}

// TestCloseStopsEverything closes a cluster under a connected session, with
// a request that the nodes hold for an hour (or that is about to be sent):
// Close returns once every goroutine of the cluster has ended, and the nodes
// no longer listen. Not parallel: it looks at every goroutine of the
// process.
func TestCloseStopsEverything(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 3)
	mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY, v int)`, `INSERT INTO ks.t (k, v) VALUES (1, 1)`)
	for _, n := range c.Nodes() {
		n.SetLatency(cqlsim.Latency{Fixed: time.Hour})
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		done <- s.Query(`SELECT v FROM ks.t WHERE k = 1`).Exec()
	}()
	<-started

	require.NoError(t, c.Close())
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, g := range strings.Split(stacks, "\n\n") {
		assert.NotContains(t, g, "ringscan/cqlsim.(", "a goroutine of the cluster outlived Close")
	}
	for _, n := range c.Nodes() {
		conn, err := net.Dial("tcp", n.Addr())
		if err == nil {
			_ = conn.Close()
		}
		assert.Error(t, err, "%s still listens", n.Addr())
	}
	select {
	case err := <-done:
		assert.Error(t, err, "the request in flight failed")
	case <-time.After(15 * time.Second):
		require.Fail(t, "the request in flight never ended")
	}
	require.NoError(t, c.Close(), "Close is idempotent")
}
