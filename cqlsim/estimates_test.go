package cqlsim_test

import (
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// estimatedPartitions sums partitions_count of ks.t in node n's
// system.size_estimates, and counts its rows.
func estimatedPartitions(t *testing.T, s *gocql.Session, n *cqlsim.Node) (sum int64, rows int) {
	t.Helper()
	it := s.Query(`SELECT partitions_count FROM system.size_estimates WHERE keyspace_name = 'ks' AND table_name = 't'`).
		SetHostID(n.HostID()).Iter()
	var v int64
	for it.Scan(&v) {
		sum += v
		rows++
	}
	require.NoError(t, it.Close())
	return sum, rows
}

func loadEstimateTable(t *testing.T, s *gocql.Session, from, to int) {
	t.Helper()
	for k := from; k < to; k++ {
		require.NoError(t, s.Query(`INSERT INTO ks.t (k) VALUES (?)`, k).Exec())
	}
}

// TestSizeEstimatesOptions checks the ways size estimates can be made to
// lie: snapshots that only a refresh updates (none before the first one
// after a table is created), and per-node skew factors.
func TestSizeEstimatesOptions(t *testing.T) {
	t.Parallel()
	t.Run("manual snapshots", func(t *testing.T) {
		t.Parallel()
		c := testutil.StartSim(t, cqlsim.Config{Nodes: 2, VNodes: 4, SizeEstimates: cqlsim.SizeEstimates{Refresh: cqlsim.Manual}})
		s := connect(t, c)
		createKeyspace(t, s, "ks", 1)
		mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY)`)
		loadEstimateTable(t, s, 0, 100)
		for _, n := range c.Nodes() {
			_, rows := estimatedPartitions(t, s, n)
			assert.Zero(t, rows, "no estimates before the first refresh after the table was created")
		}
		c.RefreshSizeEstimates()
		loadEstimateTable(t, s, 100, 300)
		var total int64
		for _, n := range c.Nodes() {
			sum, rows := estimatedPartitions(t, s, n)
			assert.Positive(t, rows)
			total += sum
		}
		assert.Equal(t, int64(100), total, "the snapshot of the refresh, not the data now")
		c.RefreshSizeEstimates()
		total = 0
		for _, n := range c.Nodes() {
			sum, _ := estimatedPartitions(t, s, n)
			total += sum
		}
		assert.Equal(t, int64(300), total)
	})
	t.Run("periodic refresh", func(t *testing.T) {
		t.Parallel()
		c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 2, SizeEstimates: cqlsim.SizeEstimates{Refresh: 20 * time.Millisecond}})
		s := connect(t, c)
		createKeyspace(t, s, "ks", 1)
		mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY)`)
		loadEstimateTable(t, s, 0, 50)
		require.Eventually(t, func() bool {
			sum, _ := estimatedPartitions(t, s, c.Nodes()[0])
			return sum == 50
		}, 10*time.Second, 5*time.Millisecond, "a refresh counts the rows")
	})
	t.Run("exact estimates follow writes", func(t *testing.T) {
		// Without snapshots they are computed from the data, and kept
		// only while it is unchanged: every write, DELETE and TRUNCATE
		// shows at the next read.
		t.Parallel()
		c := testutil.StartSim(t, cqlsim.Config{Nodes: 2, VNodes: 4})
		s := connect(t, c)
		createKeyspace(t, s, "ks", 1)
		mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY)`)
		total := func() int64 {
			var sum int64
			for _, n := range c.Nodes() {
				v, _ := estimatedPartitions(t, s, n)
				sum += v
			}
			return sum
		}
		assert.Zero(t, total())
		loadEstimateTable(t, s, 0, 40)
		assert.Equal(t, int64(40), total())
		assert.Equal(t, int64(40), total(), "read again, unchanged")
		loadEstimateTable(t, s, 40, 50)
		assert.Equal(t, int64(50), total())
		mustExec(t, s, `DELETE FROM ks.t WHERE k = 3`)
		assert.Equal(t, int64(49), total())
		mustExec(t, s, `TRUNCATE ks.t`)
		assert.Zero(t, total())
	})
	t.Run("skew", func(t *testing.T) {
		t.Parallel()
		exact := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4})
		skewed := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4, SizeEstimates: cqlsim.SizeEstimates{Skew: []float64{10, 0, 0.5}}})
		var sums [2][]int64
		for i, c := range []*cqlsim.Cluster{exact, skewed} {
			s := connect(t, c)
			createKeyspace(t, s, "ks", 1)
			mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY)`)
			loadEstimateTable(t, s, 0, 400)
			for _, n := range c.Nodes() {
				sum, _ := estimatedPartitions(t, s, n)
				sums[i] = append(sums[i], sum)
			}
		}
		assert.Equal(t, int64(400), sums[0][0]+sums[0][1]+sums[0][2], "exact without skew")
		assert.Equal(t, 10*sums[0][0], sums[1][0])
		assert.Equal(t, sums[0][1], sums[1][1], "a zero factor is 1")
		assert.InDelta(t, float64(sums[0][2])/2, float64(sums[1][2]), 4, "halved, rounded per range")
	})
	t.Run("config", func(t *testing.T) {
		for _, est := range []cqlsim.SizeEstimates{{Refresh: -5 * time.Second}, {Skew: []float64{1, 1, 1, 1}}, {Skew: []float64{-1}}} {
			err := cqlsim.Config{SizeEstimates: est}.Validate()
			assert.ErrorIs(t, err, cqlsim.ErrInvalidConfig, "%+v", est)
		}
	})
}
