package pager_test

import (
	"context"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ringscan/ringscan/cqlsim"
)

// TestMain checks that no test leaves a goroutine behind. gocql closes its
// own goroutines asynchronously, so goleak retries for a while before it
// reports. One gocql goroutine is ignored: a session closed right after it
// was created can leave its control connection's heartBeat running for
// ever (Session.Close only stops a heartBeat that has already started; see
// controlConn.heartBeat and close in gocql v2.1.2), and the tests here
// restart "services" between requests, closing sessions quickly.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/apache/cassandra-gocql-driver/v2.(*controlConn).heartBeat"))
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

// connect opens a session on c and closes it when the test ends.
func connect(t testing.TB, c *cqlsim.Cluster) *gocql.Session {
	t.Helper()
	cl := gocql.NewCluster(c.Hosts()...)
	cl.Port = c.Port()
	cl.ProtoVersion = 4
	cl.Timeout = 10 * time.Second
	cl.ConnectTimeout = 5 * time.Second
	cl.NumConns = 1
	cl.Consistency = gocql.One
	cl.WriteCoalesceWaitTime = 0
	s, err := cl.CreateSession()
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// exec runs statements that must succeed.
func exec(t testing.TB, s *gocql.Session, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		require.NoError(t, s.Query(q).Exec(), q)
	}
}
