package pager_test

import (
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestMain checks that no test leaves a goroutine behind. gocql closes its
// own goroutines asynchronously, so goleak retries for a while before it
// reports. The tests here restart "services" between requests, closing
// sessions quickly, which may leave a heartBeat or a reconnect behind (see
// testutil.IgnoreHeartBeat and testutil.IgnoreRefreshRing).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testutil.IgnoreHeartBeat(), testutil.IgnoreRefreshRing())
}

// connect opens a session on c with one connection per host and
// consistency ONE, and closes it when the test ends.
func connect(t testing.TB, c *cqlsim.Cluster) *gocql.Session {
	t.Helper()
	return testutil.Session(t, c, func(cl *gocql.ClusterConfig) {
		cl.NumConns = 1
		cl.Consistency = gocql.One
	})
}

// exec runs statements that must succeed.
func exec(t testing.TB, s *gocql.Session, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		require.NoError(t, s.Query(q).Exec(), q)
	}
}
