package cqlsim_test

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestReleaseVersions checks what differs between the releases cqlsim
// follows: 4.x serves system.peers_v2 (and gocql reads the topology from
// it) and DESCRIBE; 3.11 has neither and words an unknown table its own
// way. The driver discovers every node either way.
func TestReleaseVersions(t *testing.T) {
	t.Parallel()
	peersV2Columns := []string{"peer", "peer_port", "data_center", "host_id", "native_address", "native_port",
		"preferred_ip", "preferred_port", "rack", "release_version", "schema_version", "tokens"}
	tests := []struct {
		release    string
		v4         bool
		cqlVersion string
	}{
		{release: "4.1.3", v4: true, cqlVersion: "3.4.6"},
		{release: "4.0.11", v4: true, cqlVersion: "3.4.5"},
		{release: "3.11.16", v4: false, cqlVersion: "3.4.4"},
	}
	for _, tt := range tests {
		t.Run(tt.release, func(t *testing.T) {
			t.Parallel()
			c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4, ReleaseVersion: tt.release})
			s := connect(t, c)
			require.Len(t, s.GetHosts(), 3)
			for _, n := range c.Nodes() {
				h := hostByIP(t, s, n.IP())
				assert.Equal(t, n.HostID(), h.HostID())
				assert.Equal(t, c.Port(), h.Port())
				assert.Equal(t, sortedTokens(n.Tokens()), sortedTokens(h.Tokens()))
			}
			var release, cqlVersion string
			require.NoError(t, s.Query(`SELECT release_version, cql_version FROM system.local WHERE key = 'local'`).Scan(&release, &cqlVersion))
			assert.Equal(t, tt.release, release)
			assert.Equal(t, tt.cqlVersion, cqlVersion)

			it := s.Query(`SELECT * FROM system.peers_v2`).Iter()
			rows, err := it.SliceMap()
			if !tt.v4 {
				require.Error(t, err)
				assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err))
				assert.Equal(t, "unconfigured table peers_v2", err.Error())
				err = s.Query(`DESCRIBE KEYSPACES`).Exec()
				assert.Equal(t, gocql.ErrCodeSyntax, requestCode(t, err))
				assert.Equal(t, "line 1:0 no viable alternative at input 'DESCRIBE'", err.Error())
				return
			}
			require.NoError(t, err)
			var cols []string
			for _, col := range it.Columns() {
				cols = append(cols, col.Name)
			}
			assert.Equal(t, peersV2Columns, cols, "the key columns, then the others by name")
			require.Len(t, rows, 2, "the other nodes")
			for _, row := range rows {
				peer := row["peer"].(net.IP).String()
				n := nodeByIP(t, c, peer)
				assert.Equal(t, peer, row["native_address"].(net.IP).String())
				assert.Equal(t, c.Port(), row["native_port"])
				assert.Equal(t, 7000, row["peer_port"])
				assert.Equal(t, n.DC(), row["data_center"])
				assert.Equal(t, n.Rack(), row["rack"])
				assert.Equal(t, tt.release, row["release_version"])
				assert.Equal(t, sortedTokens(n.Tokens()), sortedTokens(row["tokens"].([]string)))
			}
			err = s.Query(`SELECT * FROM system.nope`).Exec()
			assert.Equal(t, "table nope does not exist", err.Error())
		})
	}
}

func nodeByIP(t *testing.T, c *cqlsim.Cluster, ip string) *cqlsim.Node {
	t.Helper()
	for _, n := range c.Nodes() {
		if n.IP() == ip {
			return n
		}
	}
	require.Failf(t, "no node", "no node %s", ip)
	return nil
}

// TestReleaseVersionConfig checks that an unsupported release is refused.
func TestReleaseVersionConfig(t *testing.T) {
	for _, v := range []string{"5.0.2", "3.0.29", "4", "4.x", "four"} {
		err := cqlsim.Config{ReleaseVersion: v}.Validate()
		require.ErrorIs(t, err, cqlsim.ErrInvalidConfig, v)
		assert.Contains(t, err.Error(), "3.11.x, 4.0.x and 4.1.x", v)
	}
	for _, v := range []string{"4.1.3", "4.1", "4.0.11", "3.11.16"} {
		assert.NoError(t, cqlsim.Config{ReleaseVersion: v}.Validate(), v)
	}
}

// describeRows runs a DESCRIBE and returns its rows, each as its column
// values in order.
func describeRows(t *testing.T, s *gocql.Session, q string, pageSize int) [][]string {
	t.Helper()
	it := s.Query(q).PageSize(pageSize).Iter()
	n := len(it.Columns())
	var out [][]string
	for {
		row := make([]string, n)
		dest := make([]any, n)
		for i := range row {
			dest[i] = &row[i]
		}
		if !it.Scan(dest...) {
			break
		}
		out = append(out, row)
	}
	require.NoError(t, it.Close(), q)
	return out
}

// TestDescribe checks DESCRIBE's rows and create statements against the
// text Cassandra 4.1 prints (TableMetadata.toCqlString and CqlBuilder:
// four-space indents, options in alphabetical order, a double space
// before durable_writes).
func TestDescribe(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 2, VNodes: 2})
	s := connect(t, c)
	mustExec(t, s,
		`CREATE KEYSPACE shop WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 2} AND durable_writes = false`,
		`CREATE TABLE shop.orders (tenant text, day int, ts timestamp, "Seq" int, body text, tags set<text>, PRIMARY KEY ((tenant, day), ts, "Seq")) WITH CLUSTERING ORDER BY (ts DESC, "Seq" ASC) AND comment = 'it''s orders'`,
		`CREATE TABLE shop.kv (k int PRIMARY KEY, v frozen<list<int>>)`,
		`CREATE TABLE shop."Only" (k int PRIMARY KEY)`,
	)
	keyspace := `CREATE KEYSPACE shop WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': '2'}  AND durable_writes = false;`
	options := `    AND additional_write_policy = '99p'
    AND bloom_filter_fp_chance = 0.01
    AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}
    AND cdc = false
    AND comment = %s
    AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4'}
    AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}
    AND memtable = 'default'
    AND crc_check_chance = 1.0
    AND default_time_to_live = 0
    AND extensions = {}
    AND gc_grace_seconds = 864000
    AND max_index_interval = 2048
    AND memtable_flush_period_in_ms = 0
    AND min_index_interval = 128
    AND read_repair = 'BLOCKING'
    AND speculative_retry = '99p';`
	opts := func(comment string) string { return strings.Replace(options, "%s", comment, 1) }
	orders := `CREATE TABLE shop.orders (
    tenant text,
    day int,
    ts timestamp,
    "Seq" int,
    body text,
    tags set<text>,
    PRIMARY KEY ((tenant, day), ts, "Seq")
) WITH CLUSTERING ORDER BY (ts DESC, "Seq" ASC)
` + opts(`'it''s orders'`)
	kv := "CREATE TABLE shop.kv (\n    k int PRIMARY KEY,\n    v frozen<list<int>>\n) WITH " + strings.TrimPrefix(opts("''"), "    AND ")
	only := "CREATE TABLE shop.\"Only\" (\n    k int PRIMARY KEY\n) WITH " + strings.TrimPrefix(opts("''"), "    AND ")

	t.Run("keyspace", func(t *testing.T) {
		for _, pageSize := range []int{0, 1, 2, 100} {
			got := describeRows(t, s, `DESCRIBE KEYSPACE shop`, pageSize)
			assert.Equal(t, [][]string{
				{"shop", "keyspace", "shop", keyspace},
				{"shop", "table", "kv", kv},
				{"shop", "table", `"Only"`, only},
				{"shop", "table", "orders", orders},
			}, got, "page size %d", pageSize)
		}
	})
	t.Run("with internals", func(t *testing.T) {
		got := describeRows(t, s, `DESC KEYSPACE shop WITH INTERNALS`, 0)
		require.Len(t, got, 4)
		assert.Equal(t, keyspace, got[0][3])
		assert.Regexp(t, `^CREATE TABLE shop.orders \(\n(?s:.*)\n\) WITH ID = [0-9a-f-]{36}\n    AND CLUSTERING ORDER BY \(ts DESC, "Seq" ASC\)\n    AND additional_write_policy = '99p'\n`, got[3][3])
		var id gocql.UUID
		require.NoError(t, s.Query(`SELECT id FROM system_schema.tables WHERE keyspace_name = 'shop' AND table_name = 'orders'`).Scan(&id))
		assert.Contains(t, got[3][3], "WITH ID = "+id.String()+"\n", "the table id of system_schema.tables")
	})
	t.Run("only keyspace, table, generic", func(t *testing.T) {
		assert.Equal(t, [][]string{{"shop", "keyspace", "shop", keyspace}}, describeRows(t, s, `DESCRIBE ONLY KEYSPACE shop`, 0))
		assert.Equal(t, [][]string{{"shop", "table", "orders", orders}}, describeRows(t, s, `DESCRIBE TABLE shop.orders`, 0))
		assert.Equal(t, [][]string{{"shop", "table", "orders", orders}}, describeRows(t, s, `DESCRIBE shop.orders`, 0))
		assert.Len(t, describeRows(t, s, `DESCRIBE shop`, 0), 4, "a keyspace's name describes the keyspace")
	})
	t.Run("listings", func(t *testing.T) {
		var names []string
		for _, row := range describeRows(t, s, `DESCRIBE KEYSPACES`, 0) {
			require.Len(t, row, 3, "keyspace_name, type, name")
			assert.Equal(t, "keyspace", row[1])
			names = append(names, row[0])
		}
		assert.Equal(t, []string{"shop", "system", "system_schema", "system_virtual_schema"}, names)
		var tables [][]string
		for _, row := range describeRows(t, s, `DESCRIBE TABLES`, 0) {
			if row[0] == "shop" {
				tables = append(tables, row)
			}
		}
		assert.Equal(t, [][]string{{"shop", "table", "kv"}, {"shop", "table", `"Only"`}, {"shop", "table", "orders"}}, tables)
		assert.Empty(t, describeRows(t, s, `DESCRIBE TYPES`, 0))
	})
	t.Run("schema", func(t *testing.T) {
		got := describeRows(t, s, `DESCRIBE SCHEMA`, 3)
		require.Len(t, got, 4, "only the user keyspace")
		assert.Equal(t, "shop", got[0][0])
		full := describeRows(t, s, `DESCRIBE FULL SCHEMA`, 0)
		assert.Greater(t, len(full), 10, "the system keyspaces too")
		virtual := slices.IndexFunc(full, func(r []string) bool { return r[0] == "system_virtual_schema" && r[1] == "keyspace" })
		require.GreaterOrEqual(t, virtual, 0)
		assert.Equal(t, "/*\nWarning: Keyspace system_virtual_schema is a virtual keyspace and cannot be recreated with CQL.\nStructure, for reference:\nVIRTUAL KEYSPACE system_virtual_schema;\n*/", full[virtual][3])
	})
	t.Run("session keyspace", func(t *testing.T) {
		us := connect(t, c, func(cl *gocql.ClusterConfig) { cl.Keyspace = "shop" })
		assert.Len(t, describeRows(t, us, `DESCRIBE TABLES`, 0), 3, "the session keyspace's tables only")
		assert.Equal(t, [][]string{{"shop", "table", "kv", kv}}, describeRows(t, us, `DESCRIBE TABLE kv`, 0))
		assert.Equal(t, [][]string{{"shop", "table", "kv", kv}}, describeRows(t, us, `DESCRIBE kv`, 0))
		it := us.Query(`DESCRIBE CLUSTER`).Iter()
		row, err := it.SliceMap()
		require.NoError(t, err)
		require.Len(t, row, 1)
		assert.Equal(t, "cqlsim", row[0]["cluster"])
		assert.Equal(t, "Murmur3Partitioner", row[0]["partitioner"])
		assert.Len(t, row[0]["range_ownership"], 4, "one entry per ring range")
	})
	t.Run("errors", func(t *testing.T) {
		tests := []struct{ query, msg string }{
			{`DESCRIBE KEYSPACE nope`, `'nope' not found in keyspaces`},
			{`DESCRIBE TABLE shop.nope`, `Table 'nope' not found in keyspace 'shop'`},
			{`DESCRIBE TABLE nope`, `No keyspace specified and no current keyspace`},
			{`DESCRIBE KEYSPACE`, `No keyspace specified and no current keyspace`},
			{`DESCRIBE TYPE shop.address`, `User defined type 'address' not found in 'shop'`},
			{`DESCRIBE shop.nope`, `'nope' not found in keyspace 'shop'`},
			{`DESCRIBE nope`, `'nope' not found in keyspaces`},
		}
		for _, tt := range tests {
			err := s.Query(tt.query).Exec()
			require.Error(t, err, tt.query)
			assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err), tt.query)
			assert.Equal(t, tt.msg, err.Error(), tt.query)
		}
		err := s.Query(`DESCRIBE TABLE`).Exec()
		assert.Equal(t, gocql.ErrCodeSyntax, requestCode(t, err))
	})
	t.Run("schema change between pages", func(t *testing.T) {
		it := s.Query(`DESCRIBE KEYSPACE shop`).PageSize(1).Iter()
		var ks, typ, name, stmt string
		require.True(t, it.Scan(&ks, &typ, &name, &stmt))
		mustExec(t, s, `CREATE TABLE shop.later (k int PRIMARY KEY)`)
		for it.Scan(&ks, &typ, &name, &stmt) {
		}
		err := it.Close()
		var re gocql.RequestError
		require.True(t, errors.As(err, &re), "%v", err)
		assert.Equal(t, "The schema has changed since the previous page of the DESCRIBE statement result. Please retry the DESCRIBE statement.", re.Message())
	})
}

// TestDescribe40 checks that 4.0 prints no memtable option (added in 4.1).
func TestDescribe40(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 1, ReleaseVersion: "4.0.11"})
	s := connect(t, c)
	createKeyspace(t, s, "ks", 1)
	mustExec(t, s, `CREATE TABLE ks.t (k int PRIMARY KEY)`)
	got := describeRows(t, s, `DESCRIBE TABLE ks.t`, 0)
	require.Len(t, got, 1)
	assert.NotContains(t, got[0][3], "memtable =")
	assert.Contains(t, got[0][3], "AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}\n    AND crc_check_chance = 1.0\n")
}
