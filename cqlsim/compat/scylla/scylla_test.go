package scylla

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocql/gocql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// logRecorder keeps what the driver logs.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) Print(v ...any)                 { l.add(fmt.Sprint(v...)) }
func (l *logRecorder) Printf(format string, v ...any) { l.add(fmt.Sprintf(format, v...)) }
func (l *logRecorder) Println(v ...any)               { l.add(fmt.Sprintln(v...)) }

func (l *logRecorder) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *logRecorder) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// session opens a session of ScyllaDB's driver on c with its default
// settings: only the contact points, the port and a logger are set, and
// then what opts change.
func session(t *testing.T, c *cqlsim.Cluster, opts ...func(*gocql.ClusterConfig)) (*gocql.Session, *logRecorder) {
	t.Helper()
	cl := gocql.NewCluster(c.Hosts()...)
	cl.Port = c.Port()
	log := &logRecorder{}
	cl.Logger = log
	for _, o := range opts {
		o(cl)
	}
	s, err := cl.CreateSession()
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s, log
}

// TestScyllaDriver connects ScyllaDB's driver to cqlsim with its defaults
// and checks what it discovers.
func TestScyllaDriver(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 8})
	s, log := session(t, c)
	require.NoError(t, s.Query(`CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'replication_factor': 3}`).Exec())
	require.NoError(t, s.Query(`CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))`).Exec())
	for k := range 20 {
		for cc := range 5 {
			require.NoError(t, s.Query(`INSERT INTO ks.t (k, c, v) VALUES (?, ?, ?)`, k, cc, fmt.Sprint(k*cc)).Exec())
		}
	}
	var km *gocql.KeyspaceMetadata
	require.Eventually(t, func() bool {
		var err error
		km, err = s.KeyspaceMetadata("ks")
		return err == nil && km.Tables["t"] != nil
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{"k"}, columnNames(km.Tables["t"].PartitionKey))
	assert.Equal(t, []string{"c"}, columnNames(km.Tables["t"].ClusteringColumns))
	assert.Contains(t, string(km.CreateStmts), "CREATE TABLE ks.t (", "the create statements come from DESCRIBE")

	// The metadata is read once: routing the queries below reads no
	// schema table again (a failing refresh is retried before every
	// request).
	for _, n := range c.Nodes() {
		n.ResetServed()
	}
	hosts := map[string]bool{}
	for _, n := range c.Nodes() {
		hosts[n.IP()] = true
	}
	got := map[string]bool{}
	for range 50 {
		it := s.Query(`SELECT v FROM ks.t WHERE k = ?`, 7).Iter()
		var v string
		n := 0
		for it.Scan(&v) {
			n++
		}
		require.NoError(t, it.Close())
		assert.Equal(t, 5, n)
		got[it.Host().ConnectAddress().String()] = true
	}
	for h := range got {
		assert.True(t, hosts[h], "queried a node %s of the cluster", h)
	}
	for table, sv := range c.Served() {
		if strings.HasPrefix(table, "system_schema.") || table == "system.describe" {
			assert.Zero(t, sv.Requests, "%s read again while querying", table)
		}
	}
	assert.Equal(t, int64(50), c.Served()["ks.t"].Reads)
	for _, line := range log.all() {
		assert.NotContains(t, strings.ToLower(line), "error", "the driver logged: %s", line)
	}
}

func columnNames(cols []*gocql.ColumnMetadata) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.Name)
	}
	return out
}

// The scylla-bench workload: its schema and statements (PrepareDatabase,
// DoWrites, DoScanTable in scylla-bench's main.go and modes.go), with
// -partition-count and -clustering-row-count small and -range-count above
// one, so that the scan covers the ring in token slices as scylla-bench
// does, the last one ending at the maximum token.
const (
	benchKeyspace = `CREATE KEYSPACE IF NOT EXISTS scylla_bench WITH REPLICATION = { 'class' : 'NetworkTopologyStrategy', 'replication_factor' : 1 }`
	benchTable    = `CREATE TABLE IF NOT EXISTS scylla_bench.test (pk bigint, ck bigint, v blob, PRIMARY KEY(pk, ck)) WITH compression = { }`
	benchInsert   = `INSERT INTO scylla_bench.test (pk, ck, v) VALUES (?, ?, ?)`
	benchScan     = `SELECT * FROM scylla_bench.test WHERE token(pk) >= ? AND token(pk) <= ?`
)

// benchValue is the value of row (pk, ck): its key and a checksum-like
// tail, so that a scan can check each value it reads.
func benchValue(pk, ck int64) []byte {
	v := binary.BigEndian.AppendUint64(nil, uint64(pk))
	v = binary.BigEndian.AppendUint64(v, uint64(ck))
	return binary.BigEndian.AppendUint64(v, uint64(pk*1_000_003^ck))
}

// scyllaBenchClient is the driver configuration scylla-bench makes with
// its default flags: snappy compression (-client-compression), 4
// connections per host, pages of 1000 rows, a 5 s timeout, token-aware
// round-robin routing and QUORUM.
func scyllaBenchClient(cl *gocql.ClusterConfig) {
	cl.DefaultIdempotence = true
	cl.NumConns = 4
	cl.PageSize = 1000
	cl.Timeout = 5 * time.Second
	cl.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
	cl.Consistency = gocql.Quorum
	cl.Compressor = &gocql.SnappyCompressor{}
}

// TestScyllaBenchWorkload writes partitions x rows with scylla-bench's
// client configuration from several goroutines, then scans the table in
// token slices, and checks that every row was read once with its value.
func TestScyllaBenchWorkload(t *testing.T) {
	const partitions, rows, ranges, concurrency = 200, 20, 17, 8
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3})
	s, log := session(t, c, scyllaBenchClient)
	require.NoError(t, s.Query(benchKeyspace).Exec())
	require.NoError(t, s.Query(benchTable).Exec())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, concurrency)
	for w := range concurrency {
		wg.Go(func() {
			for pk := int64(w); pk < partitions; pk += concurrency {
				for ck := range int64(rows) {
					if err := s.Query(benchInsert, pk, ck, benchValue(pk, ck)).WithContext(ctx).Exec(); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	seen := map[[2]int64]int{}
	const width = math.MaxUint64 / ranges
	for i := range uint64(ranges) {
		// Slice i is [Min + i*width, Min + (i+1)*width - 1], computed in
		// the zero-based unsigned ring.
		lo := int64(i*width ^ 1<<63)
		hi := int64(((i+1)*width - 1) ^ 1<<63)
		if i == ranges-1 {
			hi = math.MaxInt64
		}
		it := s.Query(benchScan, lo, hi).WithContext(ctx).Iter()
		var pk, ck int64
		var v []byte
		for it.Scan(&pk, &ck, &v) {
			seen[[2]int64{pk, ck}]++
			assert.Equal(t, benchValue(pk, ck), v, "row (%d, %d)", pk, ck)
		}
		require.NoError(t, it.Close())
	}
	assert.Len(t, seen, partitions*rows, "every row written is read")
	for k, n := range seen {
		assert.Equal(t, 1, n, "row %v read once", k)
	}
	assert.Empty(t, log.all(), "the driver logged nothing")
}
