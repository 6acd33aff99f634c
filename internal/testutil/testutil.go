package testutil

import (
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/simproc"
)

// StartSim starts a cqlsim cluster with cfg on a free port (cfg.Port is
// replaced by cqlsim.AutoPort) and closes it when the test ends. Without
// cfg.Address, the cluster starts at $RINGSCAN_SIM_ADDRESS if it is set
// (see simproc.AddressEnv).
func StartSim(t testing.TB, cfg cqlsim.Config) *cqlsim.Cluster {
	t.Helper()
	cfg.Port = cqlsim.AutoPort
	if addr := os.Getenv(simproc.AddressEnv); addr != "" && cfg.Address == "" {
		cfg.Address = addr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := cqlsim.Start(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// ClusterConfig is the gocql configuration tests start from for c:
// protocol v4 (what cqlsim serves), short timeouts, no write coalescing
// and no driver logging.
func ClusterConfig(c *cqlsim.Cluster) *gocql.ClusterConfig {
	cl := gocql.NewCluster(c.Hosts()...)
	cl.Port = c.Port()
	cl.ProtoVersion = 4
	cl.Timeout = 10 * time.Second
	cl.ConnectTimeout = 5 * time.Second
	// Coalescing delays every write by up to 200 µs, which sequential
	// paging pays on every page.
	cl.WriteCoalesceWaitTime = 0
	// A pool connection that fails otherwise than with a network error
	// (the session closed while the pool was still filling, as a quick
	// test does on a loaded machine) is retried after a sleep that
	// Session.Close does not interrupt: 1 s, three times, by default, which
	// outlasts goleak's patience. Short retries end with the test.
	cl.ReconnectionPolicy = &gocql.ConstantReconnectionPolicy{MaxRetries: 3, Interval: 10 * time.Millisecond}
	cl.Logger = gocql.NewLogger(gocql.LogLevelNone)
	return cl
}

// Session opens a session on c with ClusterConfig, after opts have changed
// it, and closes it when the test ends (before a cluster started earlier
// in the test closes).
func Session(t testing.TB, c *cqlsim.Cluster, opts ...func(*gocql.ClusterConfig)) *gocql.Session {
	t.Helper()
	cl := ClusterConfig(c)
	for _, o := range opts {
		o(cl)
	}
	s, err := cl.CreateSession()
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// IgnoreHeartBeat is a goleak option that ignores a control connection's
// heartBeat goroutine: a session closed right after it was created can
// leave it running for ever (Session.Close only stops a heartBeat that has
// already started; see controlConn.heartBeat and close in gocql v2.1.2).
// Tests that close sessions quickly need it.
func IgnoreHeartBeat() goleak.Option {
	return goleak.IgnoreTopFunction("github.com/apache/cassandra-gocql-driver/v2.(*controlConn).heartBeat")
}

// IgnoreRefreshRing is a goleak option that ignores a control
// connection's reconnect blocked in Session.refreshRing. Session.Close
// does not wait for a reconnect already under way (one started when a
// node closed the control connection), nor stop one started by closing a
// control connection that had not yet started (controlConn.close marks
// only a started one closing). When such a reconnect asks for a ring
// refresh after Close has stopped the ring refresher,
// refreshDebouncer.refreshNow hands it a listener no one will answer and
// it waits for ever (gocql v2.1.2: control.go reconnect and close,
// host_source.go refreshNow). Tests that close sessions quickly, or whose
// nodes close connections, need it.
func IgnoreRefreshRing() goleak.Option {
	return goleak.IgnoreAnyFunction("github.com/apache/cassandra-gocql-driver/v2.(*Session).refreshRing")
}

// IgnoreNodeUp is a goleak option that ignores Session.handleNodeUp: on a
// node's UP event it sleeps 10s before reconnecting (gocql's
// cassVersion.nodeUpDelay gives 10s to release versions x.0 and x.1, such
// as cqlsim's 4.1.3), and Session.Close does not interrupt it. Tests that
// bring a node up need it.
func IgnoreNodeUp() goleak.Option {
	return goleak.IgnoreAnyFunction("github.com/apache/cassandra-gocql-driver/v2.(*Session).handleNodeUp")
}

// Multiset counts rows, each given as a canonical string. The zero value
// is nil: make one with Multiset{}.
type Multiset map[string]int

// Add counts one row given as its canonical string.
func (m Multiset) Add(row string) { m[row]++ }

// AddRow counts one row of raw values, keyed by RowKey.
func (m Multiset) AddRow(vals [][]byte) { m.Add(RowKey(vals)) }

// Size is the number of rows counted, duplicates included.
func (m Multiset) Size() int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// Diff describes up to ten differences between the rows wanted (m) and
// the rows got; it is empty when they are equal.
func (m Multiset) Diff(got Multiset) string {
	if maps.Equal(m, got) {
		return ""
	}
	var out []string
	for k, n := range m {
		if got[k] != n {
			out = append(out, fmt.Sprintf("%q: want %d, got %d", k, n, got[k]))
		}
	}
	for k, n := range got {
		if _, ok := m[k]; !ok {
			out = append(out, fmt.Sprintf("%q: want 0, got %d", k, n))
		}
	}
	slices.Sort(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("... %d more", len(out)-10))
	}
	return fmt.Sprintf("%d rows wanted, %d got:\n%s", m.Size(), got.Size(), strings.Join(out, "\n"))
}

// RowKey is the canonical string of one row's raw values: hex, "null" for
// null, so that empty and null values differ.
func RowKey(vals [][]byte) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte('|')
		}
		if v == nil {
			b.WriteString("null")
			continue
		}
		b.WriteByte('x')
		b.WriteString(hex.EncodeToString(v))
	}
	return b.String()
}

// WaitForTables waits until the driver's schema metadata has the tables:
// it refreshes on schema events, debounced by a second.
func WaitForTables(t testing.TB, s *gocql.Session, ks string, tables ...string) {
	t.Helper()
	require.Eventually(t, func() bool {
		km, err := s.KeyspaceMetadata(ks)
		if err != nil {
			return false
		}
		for _, name := range tables {
			if km.Tables[name] == nil {
				return false
			}
		}
		return true
	}, 30*time.Second, 20*time.Millisecond, "tables %v of keyspace %s never appeared in the driver's metadata", tables, ks)
}
