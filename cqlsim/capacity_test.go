package cqlsim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// capacityCluster is a one-node cluster with a table of 30 rows in one
// partition, and a session on it. Its reads have no deadline
// (NoTimeout): the tests hold reads for as long as they need them.
func capacityCluster(t *testing.T) (*cqlsim.Node, *gocql.Session) {
	t.Helper()
	return capacityClusterWith(t, cqlsim.Config{ReadTimeout: cqlsim.NoTimeout, RangeTimeout: cqlsim.NoTimeout}, 30)
}

// capacityClusterWith is a one-node cluster of cfg with a table of rows
// rows in one partition, and a session on it.
func capacityClusterWith(t *testing.T, cfg cqlsim.Config, rows int) (*cqlsim.Node, *gocql.Session) {
	t.Helper()
	cfg.Nodes = 1
	c := testutil.StartSim(t, cfg)
	s := connect(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))`)
	for i := range rows {
		require.NoError(t, s.Query(`INSERT INTO ks.t (k, c, v) VALUES (0, ?, 'x')`, i).Exec())
	}
	return c.Nodes()[0], s
}

// readAsync sends reads that wait until ctx ends, their errors on errs.
func readAsync(ctx context.Context, s *gocql.Session, n int, errs chan<- error) {
	for range n {
		go func() { errs <- s.Query(`SELECT v FROM ks.t WHERE k = 0`).WithContext(ctx).Exec() }()
	}
}

// TestCapacityQueue fills a node of capacity 2 with a queue of 2 (reads
// of an hour, the cost of their rows): two
// reads are served, two wait, and the rest are answered Overloaded at
// once, the error the driver classifies as Overloaded (0x1001). A higher
// capacity set at run time lets a waiting read in.
func TestCapacityQueue(t *testing.T) {
	t.Parallel()
	n, s := capacityCluster(t)
	require.NoError(t, n.SetCapacity(cqlsim.Capacity{Concurrent: 2, QueueLimit: 2, PerRow: time.Hour}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, 6)
	readAsync(ctx, s, 6, errs)
	for range 2 {
		select {
		case err := <-errs:
			var oe *gocql.RequestErrOverloaded
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, gocql.ErrCodeOverloaded, oe.Code())
		case <-time.After(10 * time.Second):
			t.Fatal("no read was refused")
		}
	}
	load := n.Load()
	assert.Equal(t, 2, load.Serving)
	assert.Equal(t, 2, load.Waiting)
	assert.Equal(t, int64(2), load.Overloaded)
	assert.Equal(t, 2, load.PeakServing, "never more than Concurrent served at once")

	require.NoError(t, n.SetCapacity(cqlsim.Capacity{Concurrent: 3, QueueLimit: 2, PerRow: time.Hour}))
	load = n.Load()
	assert.Equal(t, 3, load.Serving, "a waiting read had its turn as soon as the capacity grew")
	assert.Equal(t, 1, load.Waiting)
	cancel()
	for range 4 {
		assert.ErrorIs(t, <-errs, context.Canceled)
	}
}

// TestCapacityQueueTimeout checks that a read that waits past
// QueueTimeout is answered ReadTimeout, as Cassandra answers a read its
// replica dropped, and that NoQueue refuses every read past the limit.
func TestCapacityQueueTimeout(t *testing.T) {
	t.Parallel()
	n, s := capacityCluster(t)
	require.NoError(t, n.SetCapacity(cqlsim.Capacity{Concurrent: 1, QueueTimeout: 20 * time.Millisecond, PerRow: time.Hour}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, 1)
	readAsync(ctx, s, 1, errs)
	require.Eventually(t, func() bool { return n.Load().Serving == 1 }, 10*time.Second, time.Millisecond)

	var rt *gocql.RequestErrReadTimeout
	require.ErrorAs(t, s.Query(`SELECT v FROM ks.t WHERE k = 0`).Consistency(gocql.One).Exec(), &rt)
	assert.Equal(t, gocql.One, rt.Consistency)
	assert.Equal(t, int64(1), n.Load().TimedOut)

	require.NoError(t, n.SetCapacity(cqlsim.Capacity{Concurrent: 1, QueueLimit: cqlsim.NoQueue, PerRow: time.Hour}))
	var oe *gocql.RequestErrOverloaded
	require.ErrorAs(t, s.Query(`SELECT v FROM ks.t WHERE k = 0`).Exec(), &oe)
	// Writes are not queued behind the reads.
	require.NoError(t, s.Query(`INSERT INTO ks.t (k, c, v) VALUES (1, 1, 'w')`).Exec())
	cancel()
	assert.ErrorIs(t, <-errs, context.Canceled)
}

// TestCapacityRowCost checks that a read pays PerRow for each row it
// returns: a page of 25 rows at 2 ms a row takes at least 50 ms, on top of
// no latency. (A lower bound only: a loaded machine makes it slower,
// never faster.)
func TestCapacityRowCost(t *testing.T) {
	t.Parallel()
	n, s := capacityCluster(t)
	require.NoError(t, n.SetCapacity(cqlsim.Capacity{PerRow: 2 * time.Millisecond}))
	before := n.Load()
	start := time.Now()
	it := s.Query(`SELECT v FROM ks.t WHERE k = 0`).PageSize(25).Iter()
	var v string
	rows := 0
	for rows < 25 && it.Scan(&v) {
		rows++
	}
	took := time.Since(start)
	require.NoError(t, it.Close())
	assert.Equal(t, 25, rows)
	assert.GreaterOrEqual(t, took, 50*time.Millisecond, "25 rows at 2 ms a row")
	after := n.Load()
	assert.GreaterOrEqual(t, after.Service.Sum-before.Service.Sum, 50*time.Millisecond)
	assert.Greater(t, after.Reads, before.Reads)
}

// TestCapacityConfig checks the validation of capacities, in Config and
// at run time: every problem at once, each wrapping ErrInvalidConfig.
func TestCapacityConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   cqlsim.Config
		parts []string
	}{
		{name: "valid", cfg: cqlsim.Config{Capacity: cqlsim.Capacity{Concurrent: 4, QueueLimit: 8, QueueTimeout: time.Second,
			PerRow: time.Microsecond, PerKiB: time.Microsecond, Knee: 8, KneeCost: 0.25},
			NodeCapacity: []cqlsim.Capacity{{Concurrent: 2}}}},
		{name: "negative", cfg: cqlsim.Config{Capacity: cqlsim.Capacity{Concurrent: -1, QueueLimit: -2, PerRow: -1, Knee: -1, KneeCost: -1}},
			parts: []string{"Capacity: Concurrent is -1", "Capacity: QueueLimit is -2", "PerRow", "Knee is -1", "KneeCost is -1"}},
		{name: "queue without a limit", cfg: cqlsim.Config{Capacity: cqlsim.Capacity{QueueLimit: 3}},
			parts: []string{"QueueLimit and QueueTimeout need Concurrent"}},
		{name: "knee without its cost", cfg: cqlsim.Config{Capacity: cqlsim.Capacity{Knee: 3}},
			parts: []string{"Knee and KneeCost go together"}},
		{name: "per node", cfg: cqlsim.Config{Nodes: 2, NodeCapacity: []cqlsim.Capacity{{}, {QueueLimit: 4}, {}}},
			parts: []string{"NodeCapacity has 3 entries for 2 nodes", "NodeCapacity[1]: QueueLimit and QueueTimeout need Concurrent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.parts) == 0 {
				assert.NoError(t, err)
				return
			}
			assert.True(t, errors.Is(err, cqlsim.ErrInvalidConfig), "%v", err)
			for _, p := range tt.parts {
				assert.ErrorContains(t, err, p)
			}
		})
	}
}

// TestNodeCapacity checks that each node starts with its own capacity:
// NodeCapacity over Capacity, field by field.
func TestNodeCapacity(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, Capacity: cqlsim.Capacity{Concurrent: 4, QueueLimit: 8},
		NodeCapacity: []cqlsim.Capacity{{Concurrent: 2}}})
	nodes := c.Nodes()
	assert.Equal(t, cqlsim.Capacity{Concurrent: 2, QueueLimit: 8}, nodes[0].Capacity())
	assert.Equal(t, cqlsim.Capacity{Concurrent: 4, QueueLimit: 8}, nodes[1].Capacity())
	assert.Equal(t, cqlsim.Capacity{Concurrent: 4, QueueLimit: 8}, nodes[2].Capacity())
	assert.ErrorIs(t, nodes[0].SetCapacity(cqlsim.Capacity{Concurrent: -3}), cqlsim.ErrInvalidConfig)
}

// TestReadDeadline gives reads a service time (PerRow for each row of the
// result, or each row a count(*) counts) and deadlines: a read that would
// work past its deadline is answered ReadTimeout (none of the one replica
// ONE needs, no data) at the deadline, as Cassandra's coordinator answers
// once read_request_timeout or range_request_timeout has passed, not once
// the work is done; shorter reads are answered. A count(*) has one
// deadline for every row it counts, whatever its page size: Cassandra's
// internal pages all carry the query's start. A read of token ranges (a
// page of a token range, a count(*) of the table) takes RangeTimeout, a
// read of partitions named by key (k = 0, or k IN (0) with token(k),
// Cassandra's TokenFilter, which reads partitions) ReadTimeout; NoTimeout
// lets a read work as long as it takes.
//
// The answer's time is measured from before the query is sent to its
// error: never before the deadline, as the node starts its clock when the
// request arrives; and well before the work would end (an hour a row), with
// a generous margin for a loaded machine, as the read is sent with a
// context that ends there.
func TestReadDeadline(t *testing.T) {
	t.Parallel()
	const (
		deadline = 150 * time.Millisecond
		longer   = 600 * time.Millisecond
		margin   = 3 * time.Second
		cheap    = 2 * time.Millisecond // a row: 20 rows take 40 ms, 100 rows 200 ms
	)
	const (
		byKey     = `SELECT v FROM ks.t WHERE k = 0`
		byRange   = `SELECT v FROM ks.t WHERE token(k) >= -9223372036854775808`
		byFilter  = `SELECT v FROM ks.t WHERE k IN (0) AND token(k) >= -9223372036854775808`
		countKey  = `SELECT count(*) FROM ks.t WHERE k = 0`
		countTok  = `SELECT count(*) FROM ks.t WHERE token(k) >= -9223372036854775808`
		countFull = `SELECT count(*) FROM ks.t`
	)
	tests := []struct {
		name         string
		read, range_ time.Duration
		perRow       time.Duration
		query        string
		pageSize     int
		// timeout is when the ReadTimeout must come; 0: the read succeeds.
		timeout time.Duration
	}{
		{name: "a page of 20 rows by key", read: deadline, range_: cqlsim.NoTimeout, perRow: cheap, query: byKey, pageSize: 20},
		{name: "a page of 100 rows by key", read: deadline, range_: cqlsim.NoTimeout, perRow: time.Hour, query: byKey, pageSize: 100, timeout: deadline},
		{name: "a page of 100 rows by key, the read timeout the longer", read: longer, range_: deadline, perRow: time.Hour, query: byKey, pageSize: 100, timeout: longer},
		{name: "a page of 100 rows by key and token(k), the read timeout the longer", read: longer, range_: deadline, perRow: time.Hour, query: byFilter, pageSize: 100, timeout: longer},
		{name: "a count(*) of 100 rows by key, paged by 10", read: deadline, range_: cqlsim.NoTimeout, perRow: time.Hour, query: countKey, pageSize: 10, timeout: deadline},
		{name: "a page of 20 rows of a token range", read: cqlsim.NoTimeout, range_: deadline, perRow: cheap, query: byRange, pageSize: 20},
		{name: "a page of 100 rows of a token range", read: cqlsim.NoTimeout, range_: deadline, perRow: time.Hour, query: byRange, pageSize: 100, timeout: deadline},
		{name: "a page of 100 rows of a token range, past the range timeout, within the read timeout", read: time.Hour, range_: deadline, perRow: cheap, query: byRange, pageSize: 100, timeout: deadline},
		{name: "a page of 100 rows of a token range, past the read timeout, within the range timeout", read: deadline / 2, range_: time.Hour, perRow: cheap, query: byRange, pageSize: 100},
		{name: "a page of 100 rows of a token range, the range timeout the longer", read: deadline, range_: longer, perRow: time.Hour, query: byRange, pageSize: 100, timeout: longer},
		{name: "a count(*) of a token range", read: cqlsim.NoTimeout, range_: deadline, perRow: time.Hour, query: countTok, pageSize: 10, timeout: deadline},
		{name: "a count(*) of the table", read: cqlsim.NoTimeout, range_: deadline, perRow: time.Hour, query: countFull, pageSize: 10, timeout: deadline},
		{name: "a count(*) of a token range, the read timeout alone", read: deadline, range_: cqlsim.NoTimeout, perRow: cheap, query: countTok, pageSize: 10},
		{name: "a count(*) by key, no timeout", read: cqlsim.NoTimeout, range_: cqlsim.NoTimeout, perRow: cheap, query: countKey, pageSize: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, s := capacityClusterWith(t, cqlsim.Config{ReadTimeout: tt.read, RangeTimeout: tt.range_}, 100)
			require.NoError(t, n.SetCapacity(cqlsim.Capacity{PerRow: tt.perRow}))
			ctx, cancel := context.WithTimeout(context.Background(), max(tt.timeout, deadline)+margin)
			defer cancel()
			start := time.Now()
			iter := s.Query(tt.query).WithContext(ctx).Consistency(gocql.One).PageSize(tt.pageSize).Iter()
			rows, counted, isCount := iter.NumRows(), int64(0), strings.HasPrefix(tt.query, "SELECT count")
			if isCount {
				iter.Scan(&counted)
			}
			err := iter.Close()
			took := time.Since(start)
			if tt.timeout == 0 {
				require.NoError(t, err)
				if isCount {
					assert.Equal(t, int64(100), counted, "every row counted")
				} else {
					assert.Equal(t, tt.pageSize, rows, "a full first page")
				}
				assert.Zero(t, n.Load().TimedOut)
				return
			}
			var rt *gocql.RequestErrReadTimeout
			require.ErrorAs(t, err, &rt)
			assert.Equal(t, gocql.One, rt.Consistency)
			assert.Zero(t, rt.Received)
			assert.Equal(t, 1, rt.BlockFor)
			assert.Zero(t, rt.DataPresent, "no data")
			assert.Equal(t, int64(1), n.Load().TimedOut)
			assert.GreaterOrEqual(t, took, tt.timeout, "answered before the deadline")
			assert.Less(t, took, tt.timeout+margin, "answered long after the deadline")
		})
	}
}

// TestTimeoutsValidate refuses negative timeouts other than NoTimeout.
func TestTimeoutsValidate(t *testing.T) {
	err := cqlsim.Config{ReadTimeout: -2}.EnsureDefaults().Validate()
	require.ErrorIs(t, err, cqlsim.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "ReadTimeout is -2ns")
	err = cqlsim.Config{RangeTimeout: -time.Second}.EnsureDefaults().Validate()
	assert.ErrorContains(t, err, "RangeTimeout is -1s")
	assert.NoError(t, cqlsim.Config{ReadTimeout: cqlsim.NoTimeout, RangeTimeout: cqlsim.NoTimeout}.EnsureDefaults().Validate())
}

// TestReadDeadlineInTheQueue holds a node's one read slot with a read of
// token ranges that has no deadline, and sends a read by key with a
// deadline of 100 ms: the second is answered ReadTimeout while it still
// waits for its turn, as a replica drops a read whose timeout passed in
// its queue, not when the slot frees (an hour later).
func TestReadDeadlineInTheQueue(t *testing.T) {
	t.Parallel()
	n, s := capacityClusterWith(t, cqlsim.Config{ReadTimeout: 100 * time.Millisecond, RangeTimeout: cqlsim.NoTimeout}, 30)
	require.NoError(t, n.SetCapacity(cqlsim.Capacity{Concurrent: 1, PerRow: time.Hour}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := make(chan error, 1)
	go func() { held <- s.Query(`SELECT v FROM ks.t`).WithContext(ctx).Exec() }()
	require.Eventually(t, func() bool { return n.Load().Serving == 1 }, 10*time.Second, time.Millisecond)

	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	var rt *gocql.RequestErrReadTimeout
	require.ErrorAs(t, s.Query(`SELECT v FROM ks.t WHERE k = 0`).WithContext(wait).Exec(), &rt, "answered in the queue, at its deadline")
	load := n.Load()
	assert.Equal(t, int64(1), load.TimedOut)
	assert.Equal(t, 0, load.Waiting)
	assert.Equal(t, 1, load.Serving, "the read of token ranges still holds its slot")
	cancel()
	assert.ErrorIs(t, <-held, context.Canceled)
}
