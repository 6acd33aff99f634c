package ringscanio

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

func init() {
	register.DoFn1x0[Row](&collectFn{})
	register.DoFn1x0[string](&collectTextFn{})
}

var runs atomic.Int64

// runRead runs Read of cfg on prism, the rows shuffled once so that they
// cross the Row coder, and returns the rows and the job's counters.
func runRead(t *testing.T, cfg Config) ([]Row, map[string]int64) {
	t.Helper()
	id := fmt.Sprintf("%s-%d", t.Name(), runs.Add(1))
	p, s := beam.NewPipelineWithRoot()
	rows, err := TryRead(s, cfg)
	require.NoError(t, err)
	beam.ParDo0(s, &collectFn{ID: id}, beam.Reshuffle(s, rows))
	start := time.Now()
	pr, err := ptest.RunWithMetrics(p)
	require.NoError(t, err)
	t.Logf("pipeline ran in %v", time.Since(start))
	return collectedRows(id), counters(pr)
}

func counters(pr beam.PipelineResult) map[string]int64 {
	out := map[string]int64{}
	for _, c := range pr.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace == "ringscanio" {
			out[c.Key.Name] += c.Result()
		}
	}
	return out
}

// TestReadOnPrism reads a uniform table and the skewed demo tables (one
// partition holding a tenth of the rows, runs of tombstones, static
// columns, UDTs) on prism and compares the rows, after a shuffle through
// the Row coder, with an independent read of each table as a multiset.
func TestReadOnPrism(t *testing.T) {
	c, s := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(3), 20000)
	uniformTable(t, c, s, cqlsim.DemoKeyspace, 3000)
	for _, tc := range []struct {
		name, table string
		pageSize    int
	}{
		{"uniform", "uniform", 0},
		{"skewed", cqlsim.DemoTable, 500},
		{"statics and UDTs", cqlsim.DemoProfilesTable, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := readTable(t, s, cqlsim.DemoKeyspace, tc.table)
			cfg := tb.config(c)
			cfg.PageSize = tc.pageSize
			rows, ctr := runRead(t, cfg)
			if d := tb.rows.Diff(tb.multiset(t, rows)); d != "" {
				t.Fatalf("rows differ from the table: %s", d)
			}
			assert.Equal(t, int64(tb.rows.Size()), ctr["rows"], "the rows counter")
			assert.GreaterOrEqual(t, ctr["pieces"], int64(DefaultSplits), "every subrange of the plan was read")
		})
	}
}

// TestReadJSONOnPrism: ReadJSON's lines are the JSON Lines sink's lines
// for a scan of the same table, as a multiset.
func TestReadJSONOnPrism(t *testing.T) {
	c, s := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(2), 5000)
	cfg := Config{Hosts: c.Hosts(), Port: c.Port(), Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoProfilesTable, PageSize: 77}
	sc, err := scanner.New(s, scanner.Config{Keyspace: cfg.Keyspace, Table: cfg.Table})
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = sc.Run(context.Background(), sink.NewJSONLines(&buf))
	require.NoError(t, err)
	want := testutil.Multiset{}
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		want.Add(l)
	}
	require.Greater(t, want.Size(), 100)

	id := fmt.Sprintf("%s-%d", t.Name(), runs.Add(1))
	p, bs := beam.NewPipelineWithRoot()
	lines, err := TryReadJSON(bs, cfg)
	require.NoError(t, err)
	beam.ParDo0(bs, &collectTextFn{ID: id}, beam.Reshuffle(bs, lines))
	require.NoError(t, ptest.Run(p))
	got := testutil.Multiset{}
	for _, l := range collectedText(id) {
		got.Add(l)
	}
	if d := want.Diff(got); d != "" {
		t.Fatalf("lines differ from the JSON Lines sink's: %s", d)
	}
}

// TestReadMultiDC reads a two-DC cluster with LocalDC: every row once,
// and, from the nodes' own counters, every page coordinated by a replica
// of what it read in the local DC (RF 1 per DC, so that a request routed
// anywhere else shows).
func TestReadMultiDC(t *testing.T) {
	c, s := demoCluster(t, cqlsim.Config{DCs: []cqlsim.DC{{Name: "dc1", Nodes: 3, Racks: 3}, {Name: "dc2", Nodes: 2}}},
		`{'class': 'NetworkTopologyStrategy', 'dc1': 1, 'dc2': 1}`, 10000)
	tb := readTable(t, s, cqlsim.DemoKeyspace, cqlsim.DemoTable)
	for _, n := range c.Nodes() {
		n.ResetServed()
	}
	cfg := tb.config(c)
	cfg.LocalDC, cfg.PageSize = "dc2", 300
	rows, ctr := runRead(t, cfg)
	if d := tb.rows.Diff(tb.multiset(t, rows)); d != "" {
		t.Fatalf("rows differ from the table: %s", d)
	}
	name := cqlsim.DemoKeyspace + "." + cqlsim.DemoTable
	var reads int64
	for _, n := range c.Nodes() {
		sv := n.Served()[name]
		reads += sv.Reads
		assert.Zero(t, sv.NonReplica, "node %s (%s) coordinated %d reads of data it does not replicate", n.IP(), n.DC(), sv.NonReplica)
		if n.DC() != "dc2" {
			assert.Zero(t, sv.Reads, "node %s of %s served reads; LocalDC is dc2", n.IP(), n.DC())
		}
	}
	assert.Equal(t, ctr["pages"], reads, "the nodes served exactly the pages read")
}

// TestReadWithFaults: with errors injected on every node, pages are
// retried as the scanner retries them and every row is read once; when
// a page's attempts are all exhausted, the bundle, and with prism (which
// does not retry bundles) the job, fails with the subrange's error.
func TestReadWithFaults(t *testing.T) {
	c, s := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(3), 10000)
	tb := readTable(t, s, cqlsim.DemoKeyspace, cqlsim.DemoTable) // before the faults: the oracle does not retry
	for _, n := range c.Nodes() {
		require.NoError(t, n.SetFaults(cqlsim.Fault{Kind: cqlsim.Overloaded, Rate: 0.05}, cqlsim.Fault{Kind: cqlsim.ReadTimeout, Rate: 0.05},
			cqlsim.Fault{Kind: cqlsim.ServerError, Rate: 0.03}))
	}
	cfg := tb.config(c)
	cfg.PageSize, cfg.Retries = 50, 20
	for _, mode := range []string{"fixed", "adaptive"} {
		cfg.PerHostMode = mode
		before := injected(c)
		rows, _ := runRead(t, cfg)
		if d := tb.rows.Diff(tb.multiset(t, rows)); d != "" {
			t.Fatalf("per-host %s: rows differ from the table: %s", mode, d)
		}
		require.Greater(t, injected(c), before+10, "errors were injected into the read")
	}

	for _, n := range c.Nodes() {
		require.NoError(t, n.SetFaults(cqlsim.Fault{Kind: cqlsim.Unavailable, Rate: 1}))
	}
	cfg.Retries = 2
	p, bs := beam.NewPipelineWithRoot()
	beam.ParDo0(bs, &collectFn{ID: "never"}, Read(bs, cfg))
	err := ptest.Run(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ringscanio: read ringscan_demo.events piece")
	assert.Contains(t, err.Error(), "failed after 3 attempts")
}

func injected(c *cqlsim.Cluster) int64 {
	var n int64
	for _, node := range c.Nodes() {
		for _, v := range node.Injected() {
			n += v
		}
	}
	return n
}

// TestDynamicSplitOnPrism holds the first restriction that has emitted
// 50 rows until prism splits it: prism splits a bundle whose progress
// stalls. The residual is read as another restriction, the primary stops
// at the cut, and every row is read once.
func TestDynamicSplitOnPrism(t *testing.T) {
	c, s := demoCluster(t, cqlsim.Config{Nodes: 1, VNodes: 1}, simple(1), 5000)
	tb := readTable(t, s, cqlsim.DemoKeyspace, cqlsim.DemoTable)
	cfg := tb.config(c)
	cfg.PageSize, cfg.Splits = 100, 1 // one vnode: two subranges, (min, t] and (t, max]

	var stalled, released atomic.Int64
	var held atomic.Bool
	var mu sync.Mutex
	rowsOf := map[*sdf.LockRTracker]int{}
	testHookAfterRow = func(ctx context.Context, rt *sdf.LockRTracker) error {
		mu.Lock()
		rowsOf[rt]++
		n := rowsOf[rt]
		mu.Unlock()
		if n != 50 || !held.CompareAndSwap(false, true) {
			return nil
		}
		stalled.Add(1)
		select {
		case <-rt.Rt.(*tracker).splitDone:
			released.Add(1)
			return nil
		case <-time.After(2 * time.Minute):
			return fmt.Errorf("test: prism did not split the stalled restriction within 2 minutes")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { testHookAfterRow = nil }()
	rows, ctr := runRead(t, cfg)
	if d := tb.rows.Diff(tb.multiset(t, rows)); d != "" {
		t.Fatalf("rows differ from the table: %s", d)
	}
	assert.Equal(t, int64(1), stalled.Load())
	assert.Equal(t, int64(1), released.Load(), "the stalled restriction was split by the runner")
	assert.Greater(t, ctr["pieces"], int64(2), "the residual was read as a piece of its own")
}

// TestReadConfigErrors: a bad Config is refused when the pipeline is
// built, every problem named at once.
func TestReadConfigErrors(t *testing.T) {
	_, s := beam.NewPipelineWithRoot()
	_, err := TryRead(s, Config{Port: 70000, Consistency: "SERIAL", PageSize: -1, Username: "", PasswordEnv: "X", TLSCertFile: "c.pem", PerHostMode: "auto"})
	require.ErrorIs(t, err, ErrInvalidConfig)
	for _, want := range []string{
		"Hosts is empty",
		"Port is 70000; it must be 1..65535",
		`Consistency "SERIAL" cannot be used for reads`,
		"PasswordEnv is set without Username",
		"TLSCertFile and TLSKeyFile go together",
		"Keyspace is required",
		"Table is required",
		"PageSize is -1",
		`PerHostMode "auto" is unknown`,
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Panics(t, func() { Read(s, Config{}) })
	_, err = TryReadJSON(s, Config{Hosts: []string{""}})
	assert.ErrorContains(t, err, "Hosts[0] is empty")
}
