package ringscanio

import (
	"context"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestOneSessionPerProcess: two jobs of one Config, each with its plan's
// 32 restrictions in bundles of their own, share one session.
func TestOneSessionPerProcess(t *testing.T) {
	c, _ := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(3), 2000)
	cfg := Config{Hosts: c.Hosts(), Port: c.Port(), Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, PageSize: 100}
	before := sessions.opened.Load()
	for range 2 {
		p, s := beam.NewPipelineWithRoot()
		beam.ParDo0(s, &collectFn{ID: t.Name()}, Read(s, cfg))
		require.NoError(t, ptest.Run(p))
	}
	assert.Equal(t, int64(1), sessions.opened.Load()-before)
	assert.Len(t, collectedRows(t.Name()), 2*2000)
}

// TestSessionCache: references are counted; a session is closed only
// once nobody holds it, after idle; a failed open is not kept.
func TestSessionCache(t *testing.T) {
	c, _ := demoCluster(t, cqlsim.Config{Nodes: 1}, simple(1), 10)
	cfg := Config{Hosts: c.Hosts(), Port: c.Port(), Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable}
	ctx := context.Background()

	sc := newSessionCache(time.Hour)
	t.Cleanup(sc.closeIdle)
	s1, rel1, err := sc.acquire(ctx, cfg)
	require.NoError(t, err)
	s2, rel2, err := sc.acquire(ctx, cfg)
	require.NoError(t, err)
	assert.Same(t, s1, s2)
	assert.Equal(t, int64(1), sc.opened.Load())
	rel1()
	rel1() // a release is given once, however often it is called
	sc.closeIdle()
	assert.False(t, s1.s.Closed(), "a session in use stays open")
	rel2()
	sc.closeIdle()
	assert.True(t, s1.s.Closed(), "an unused session is closed")
	s3, rel3, err := sc.acquire(ctx, cfg)
	require.NoError(t, err)
	assert.NotSame(t, s1, s3)
	assert.Equal(t, int64(2), sc.opened.Load())

	// The idle timer.
	closed := make(chan struct{})
	sc.mu.Lock()
	sc.idle = time.Millisecond
	sc.onClose = func() { close(closed) }
	sc.mu.Unlock()
	rel3()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("an idle session was not closed")
	}
	assert.True(t, s3.s.Closed())

	// A failed open.
	bad := cfg
	bad.Table = "nope"
	_, _, err = sc.acquire(ctx, bad)
	require.Error(t, err)
	assert.ErrorContains(t, err, "ringscanio: plan ringscan_demo.nope")
	sc.mu.Lock()
	assert.Empty(t, sc.entries, "a failed open is not cached")
	sc.mu.Unlock()

	// A password the worker does not have.
	bad = cfg
	bad.Username, bad.PasswordEnv = "reader", "RINGSCANIO_TEST_NO_SUCH_VARIABLE"
	_, _, err = sc.acquire(ctx, bad)
	assert.ErrorContains(t, err, "Username is set but $RINGSCANIO_TEST_NO_SUCH_VARIABLE is empty on this worker")
}

// TestPasswordFromTheEnvironment: the password comes from PasswordEnv on
// the worker, never from the pipeline.
func TestPasswordFromTheEnvironment(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, Username: "reader", Password: "s3cret"})
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE "+cqlsim.DemoKeyspace+" WITH replication = "+simple(1)))
	_, err := c.LoadDemo(context.Background(), cqlsim.DemoConfig{Rows: 300})
	require.NoError(t, err)
	t.Cleanup(sessions.closeIdle)
	t.Setenv("RINGSCANIO_TEST_PASSWORD", "s3cret")
	cfg := Config{Hosts: c.Hosts(), Port: c.Port(), Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable,
		Username: "reader", PasswordEnv: "RINGSCANIO_TEST_PASSWORD"}
	p, s := beam.NewPipelineWithRoot()
	beam.ParDo0(s, &collectFn{ID: t.Name()}, Read(s, cfg))
	require.NoError(t, ptest.Run(p))
	assert.Len(t, collectedRows(t.Name()), 300)
}
