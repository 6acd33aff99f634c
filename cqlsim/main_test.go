package cqlsim_test

import (
	"fmt"
	"slices"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestMain checks that no test leaves a goroutine behind. gocql's session
// closes its own goroutines asynchronously, so goleak retries for a while
// before it reports.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// clusterConfig is testutil.ClusterConfig for c, tuned.
func clusterConfig(c *cqlsim.Cluster) *gocql.ClusterConfig {
	cl := testutil.ClusterConfig(c)
	tune(cl)
	return cl
}

// tune sets token-aware routing, one connection per host, consistency ONE
// and no retries.
func tune(cl *gocql.ClusterConfig) {
	cl.NumConns = 1
	cl.Consistency = gocql.One
	cl.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
	cl.RetryPolicy = noRetry{}
}

// connect opens a session on c with clusterConfig, after the caller's
// changes to the configuration, and closes it when the test ends.
func connect(t testing.TB, c *cqlsim.Cluster, opts ...func(*gocql.ClusterConfig)) *gocql.Session {
	t.Helper()
	return testutil.Session(t, c, append([]func(*gocql.ClusterConfig){tune}, opts...)...)
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
