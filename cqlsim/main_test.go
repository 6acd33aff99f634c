package cqlsim_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ringscan/ringscan/cqlsim"
)

// TestMain checks that no test leaves a goroutine behind. gocql's session
// closes its own goroutines asynchronously, so goleak retries for a while
// before it reports.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startCluster starts a cluster on a free port and closes it when the test
// ends.
func startCluster(t testing.TB, cfg cqlsim.Config) *cqlsim.Cluster {
	t.Helper()
	cfg.Port = cqlsim.AutoPort
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := cqlsim.Start(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// clusterConfig is a gocql configuration for c with token-aware routing,
// short timeouts and protocol v4 (what cqlsim serves).
func clusterConfig(c *cqlsim.Cluster) *gocql.ClusterConfig {
	cl := gocql.NewCluster(c.Hosts()...)
	cl.Port = c.Port()
	cl.ProtoVersion = 4
	cl.Timeout = 10 * time.Second
	cl.ConnectTimeout = 5 * time.Second
	cl.NumConns = 1
	cl.Consistency = gocql.One
	cl.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
	cl.RetryPolicy = noRetry{}
	// Coalescing delays every write by up to 200 µs, which sequential
	// paging pays on every page.
	cl.WriteCoalesceWaitTime = 0
	return cl
}

// connect opens a session on c, after the caller's changes to the
// configuration, and closes it when the test ends.
func connect(t testing.TB, c *cqlsim.Cluster, opts ...func(*gocql.ClusterConfig)) *gocql.Session {
	t.Helper()
	cl := clusterConfig(c)
	for _, o := range opts {
		o(cl)
	}
	s, err := cl.CreateSession()
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// noRetry surfaces every error to the caller.
type noRetry struct{}

func (noRetry) Attempt(gocql.RetryableQuery) bool  { return false }
func (noRetry) GetRetryType(error) gocql.RetryType { return gocql.Rethrow }

// mustExec runs statements that must succeed.
func mustExec(t testing.TB, s *gocql.Session, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		require.NoError(t, s.Query(q).Exec(), q)
	}
}

// createKeyspace creates keyspace ks with SimpleStrategy and rf.
func createKeyspace(t testing.TB, s *gocql.Session, ks string, rf int) {
	t.Helper()
	mustExec(t, s, fmt.Sprintf(`CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}`, ks, rf))
}

// hostByIP finds the session's host for a node.
func hostByIP(t testing.TB, s *gocql.Session, ip string) *gocql.HostInfo {
	t.Helper()
	for _, h := range s.GetHosts() {
		if h.ConnectAddress().String() == ip {
			return h
		}
	}
	require.Failf(t, "host not found", "no host %s among %v", ip, s.GetHosts())
	return nil
}

// sortedTokens returns tokens sorted as strings, for set comparison.
func sortedTokens(toks []string) []string {
	out := slices.Clone(toks)
	slices.Sort(out)
	return out
}

// multiset counts rows given as strings.
type multiset map[string]int

func (m multiset) add(row string) { m[row]++ }

// diff describes up to a few differences between two multisets; it is
// empty when they are equal.
func (m multiset) diff(other multiset) string {
	if maps.Equal(m, other) {
		return ""
	}
	var out []string
	for k, n := range m {
		if other[k] != n {
			out = append(out, fmt.Sprintf("%q: want %d, got %d", k, n, other[k]))
		}
	}
	for k, n := range other {
		if _, ok := m[k]; !ok {
			out = append(out, fmt.Sprintf("%q: want 0, got %d", k, n))
		}
	}
	slices.Sort(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("... %d more", len(out)-10))
	}
	return strings.Join(out, "\n")
}
