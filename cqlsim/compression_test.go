package cqlsim_test

import (
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/apache/cassandra-gocql-driver/v2/lz4"
	"github.com/apache/cassandra-gocql-driver/v2/snappy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestCompression connects with each frame compression Cassandra 4 offers
// and pages through data large enough to compress: requests and responses
// travel compressed, schema events included.
func TestCompression(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 2, VNodes: 4})
	for _, comp := range []gocql.Compressor{lz4.LZ4Compressor{}, snappy.SnappyCompressor{}} {
		t.Run(comp.Name(), func(t *testing.T) {
			s := connect(t, c, func(cl *gocql.ClusterConfig) { cl.Compressor = comp })
			ks := "ks_" + comp.Name()
			createKeyspace(t, s, ks, 1)
			mustExec(t, s, `CREATE TABLE `+ks+`.t (k int, c int, v text, PRIMARY KEY (k, c))`)
			long := strings.Repeat("compressible ", 40)
			for k := range 20 {
				for cc := range 10 {
					require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, c, v) VALUES (?, ?, ?)`, k, cc, long).Exec())
				}
			}
			it := s.Query(`SELECT v FROM ` + ks + `.t`).PageSize(30).Iter()
			n := 0
			var v string
			for it.Scan(&v) {
				assert.Equal(t, long, v)
				n++
			}
			require.NoError(t, it.Close())
			assert.Equal(t, 200, n)
			// The driver's schema refresh, on the compressed control
			// connection, sees the table.
			require.Eventually(t, func() bool {
				km, err := s.KeyspaceMetadata(ks)
				return err == nil && km.Tables["t"] != nil
			}, 10*time.Second, 10*time.Millisecond)
		})
	}
}
