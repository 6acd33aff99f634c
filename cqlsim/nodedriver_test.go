package cqlsim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/npmtest"
	"github.com/ringscan/ringscan/internal/testutil"
)

// nodeCompatDir holds the Node.js driver check: package.json and
// package-lock.json pin cassandra-driver, compat.js runs the check.
const nodeCompatDir = "testdata/nodejs"

// nodeSummary is what compat.js prints.
type nodeSummary struct {
	Logs []struct {
		Level, ClassName, Message string
	} `json:"logs"`
	ProtocolVersion int `json:"protocolVersion"`
	Hosts           []struct {
		Address, Datacenter, Rack, HostID, CassandraVersion string
		Up                                                  bool
		Tokens                                              []string
	} `json:"hosts"`
	Keyspaces     map[string]nodeKeyspace `json:"keyspaces"`
	Keyspace      nodeKeyspace            `json:"keyspace"`
	Table         nodeTable               `json:"table"`
	OtherMetadata struct {
		Udt          any   `json:"udt"`
		Functions    []any `json:"functions"`
		Aggregates   []any `json:"aggregates"`
		View         any   `json:"view"`
		VirtualTable struct {
			Virtual bool     `json:"virtual"`
			Columns []string `json:"columns"`
		} `json:"virtualTable"`
	} `json:"otherMetadata"`
	EachRowRows int64 `json:"eachRowRows"`
	StreamRows  int64 `json:"streamRows"`
	PagedRows   int64 `json:"pagedRows"`
	Pages       int64 `json:"pages"`
	Partitions  int64 `json:"partitions"`
	Prepared    struct {
		Rows, Want int
	} `json:"prepared"`
	TokenRanges struct {
		Ranges, Queries int
		Rows            int64
	} `json:"tokenRanges"`
	RoundTrip struct {
		Written, Read, FirstPage int
		PartitionOrder           []string
		Keyspace                 nodeKeyspace
		Table                    nodeTable
	} `json:"roundTrip"`
	DataModel struct {
		Profiles struct {
			Rows, StaticOnly, Homes, Places int
			Static                          []string
			HomeType                        string
			UdtFields                       []string
		}
		Statics struct {
			SharedOnRow2 string
			StaticOnly   struct {
				C *int
				S string
				V *string
			}
			Point         map[string]any
			StaticColumns []string
		}
		Writetime     string
		TTL           int
		Hits          int
		InsertRefused string
	} `json:"dataModel"`
	Tombstones struct {
		Rows     int
		Warnings []string
		Failure  *struct {
			Code    int
			Message string
		}
	} `json:"tombstones"`
}

type nodeKeyspace struct {
	Strategy        string            `json:"strategy"`
	StrategyOptions map[string]string `json:"strategyOptions"`
	Virtual         bool              `json:"virtual"`
}

type nodeTable struct {
	Name    string `json:"name"`
	Columns []struct {
		Name, Type string
	} `json:"columns"`
	PartitionKeys   []string `json:"partitionKeys"`
	ClusteringKeys  []string `json:"clusteringKeys"`
	ClusteringOrder []string `json:"clusteringOrder"`
	IsCompact       bool     `json:"isCompact"`
	CompactionClass string   `json:"compactionClass"`
	GCGraceSeconds  int      `json:"gcGraceSeconds"`
}

// columnTypes maps each column name to its CQL type.
func (t nodeTable) columnTypes() map[string]string {
	m := map[string]string{}
	for _, c := range t.Columns {
		m[c.Name] = c.Type
	}
	return m
}

// TestNodeDriverCompat runs the DataStax Node.js driver, with its default
// settings, against a 3-node cluster: protocol negotiation, topology and
// schema metadata, paging three ways, prepared and token-range queries, DDL
// and writes. It needs node and npm (and the npm registry once, to install
// the pinned driver into the user cache); set RINGSCAN_SKIP_NODE=1 to skip it.
func TestNodeDriverCompat(t *testing.T) {
	npmtest.SkipUnlessNode(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	// testdata/nodejs itself when .ci/run installed the pinned driver
	// there, else an install cached per lock file, with compat.js beside it.
	dir := npmtest.Dir(ctx, t, nodeCompatDir, "cassandra-driver", "compat.js")

	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3})
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 2000})
	require.NoError(t, err)

	got := runCompat(ctx, t, dir, c)

	assert.Empty(t, got.Logs, "the driver logged warnings or errors")
	assert.Equal(t, 4, got.ProtocolVersion, "negotiated protocol version")

	t.Run("hosts", func(t *testing.T) {
		nodes := c.Nodes()
		require.Len(t, got.Hosts, len(nodes))
		vnodes := 0
		for i, n := range nodes { // both sorted by address
			h := got.Hosts[i]
			assert.Equal(t, n.Addr(), h.Address)
			assert.Equal(t, n.DC(), h.Datacenter, h.Address)
			assert.Equal(t, n.Rack(), h.Rack, h.Address)
			assert.Equal(t, n.HostID(), h.HostID, h.Address)
			assert.NotEmpty(t, h.CassandraVersion, h.Address)
			assert.True(t, h.Up, h.Address)
			assert.ElementsMatch(t, n.Tokens(), h.Tokens, h.Address)
			vnodes += len(n.Tokens())
		}
		assert.Equal(t, vnodes, got.TokenRanges.Ranges, "token ranges")
	})

	t.Run("schema metadata", func(t *testing.T) {
		assert.Equal(t, nodeKeyspace{Strategy: "org.apache.cassandra.locator.SimpleStrategy",
			StrategyOptions: map[string]string{"replication_factor": "3"}}, got.Keyspace)
		for _, ks := range []string{"system", "system_schema", cqlsim.DemoKeyspace} {
			if assert.Contains(t, got.Keyspaces, ks) {
				assert.False(t, got.Keyspaces[ks].Virtual, ks)
			}
		}
		if assert.Contains(t, got.Keyspaces, "system_virtual_schema") {
			assert.True(t, got.Keyspaces["system_virtual_schema"].Virtual, "system_virtual_schema is a virtual keyspace")
		}
		tbl := got.Table
		assert.Equal(t, cqlsim.DemoTable, tbl.Name)
		assert.Equal(t, map[string]string{
			"tenant": "text", "bucket": "int", "ts": "timestamp", "seq": "int", "event_id": "uuid",
			"kind": "text", "payload": "blob", "score": "double", "amount": "bigint", "ok": "boolean",
			"source": "inet", "tags": "set<text>", "attrs": "map<text, text>",
		}, tbl.columnTypes())
		assert.Equal(t, []string{"tenant", "bucket"}, tbl.PartitionKeys)
		assert.Equal(t, []string{"ts", "seq"}, tbl.ClusteringKeys)
		assert.Equal(t, []string{"DESC", "ASC"}, tbl.ClusteringOrder)
		assert.False(t, tbl.IsCompact)
		assert.NotEmpty(t, tbl.CompactionClass)
		assert.Positive(t, tbl.GCGraceSeconds)

		o := got.OtherMetadata
		assert.Nil(t, o.Udt)
		assert.Empty(t, o.Functions)
		assert.Empty(t, o.Aggregates)
		assert.Nil(t, o.View)
		assert.True(t, o.VirtualTable.Virtual, "system_virtual_schema.tables is a virtual table")
		assert.ElementsMatch(t, []string{"keyspace_name", "table_name", "comment"}, o.VirtualTable.Columns)
	})

	t.Run("reads", func(t *testing.T) {
		assert.Equal(t, info.Rows, got.EachRowRows, "eachRow")
		assert.Equal(t, info.Rows, got.StreamRows, "stream")
		assert.Equal(t, info.Rows, got.PagedRows, "manual paging")
		assert.Equal(t, info.Partitions, got.Partitions, "partitions seen by manual paging")
		// A full last page may be followed by an empty one, as in Cassandra.
		minPages := (info.Rows + 99) / 100
		assert.GreaterOrEqual(t, got.Pages, minPages)
		assert.LessOrEqual(t, got.Pages, minPages+1)
		assert.Positive(t, got.Prepared.Rows)
		assert.Equal(t, got.Prepared.Want, got.Prepared.Rows, "prepared single-partition query")
		assert.Equal(t, info.Rows, got.TokenRanges.Rows, "rows over all token ranges")
		assert.Greater(t, got.TokenRanges.Queries, got.TokenRanges.Ranges, "the wrapping range is queried as two")
	})

	t.Run("ddl and writes", func(t *testing.T) {
		rt := got.RoundTrip
		assert.Equal(t, 25, rt.Written)
		assert.Equal(t, rt.Written, rt.Read)
		assert.Equal(t, 7, rt.FirstPage, "first page with fetchSize 7")
		assert.Equal(t, []string{"c24", "c23", "c22", "c21", "c20"}, rt.PartitionOrder, "ck DESC")
		assert.Equal(t, nodeKeyspace{Strategy: "org.apache.cassandra.locator.NetworkTopologyStrategy",
			StrategyOptions: map[string]string{"datacenter1": "3"}}, rt.Keyspace)
		assert.Equal(t, map[string]string{"id": "int", "ck": "text", "v": "text", "n": "bigint", "tags": "set<text>"},
			rt.Table.columnTypes())
		assert.Equal(t, []string{"id"}, rt.Table.PartitionKeys)
		assert.Equal(t, []string{"ck"}, rt.Table.ClusteringKeys)
		assert.Equal(t, []string{"DESC"}, rt.Table.ClusteringOrder)
	})

	t.Run("statics, udts, counters, writetime and ttl", func(t *testing.T) {
		dm := got.DataModel
		require.Len(t, info.Others, 1)
		profiles := info.Others[0]
		assert.EqualValues(t, profiles.Rows, dm.Profiles.Rows, "profiles rows read")
		assert.EqualValues(t, profiles.StaticOnly, dm.Profiles.StaticOnly, "static-only rows, with null clustering")
		assert.Positive(t, dm.Profiles.Homes, "UDT values decoded as objects")
		assert.Positive(t, dm.Profiles.Places, "lists of UDT values decoded")
		assert.ElementsMatch(t, []string{"owner", "home"}, dm.Profiles.Static)
		assert.Equal(t, "address", dm.Profiles.HomeType, "the driver names a UDT type by its name")
		assert.Equal(t, []string{"street text", "city text", "zip int", "tags set<text>"}, dm.Profiles.UdtFields)

		st := dm.Statics
		assert.Equal(t, "shared", st.SharedOnRow2, "a static value is on every row of its partition")
		assert.Nil(t, st.StaticOnly.C)
		assert.Nil(t, st.StaticOnly.V)
		assert.Equal(t, "only static", st.StaticOnly.S)
		assert.Equal(t, map[string]any{"x": float64(1), "y": float64(2), "label": "a"}, st.Point, "a UDT bound and read back")
		assert.Equal(t, []string{"s"}, st.StaticColumns)
		assert.Equal(t, "12345", dm.Writetime)
		assert.InDelta(t, 1000, dm.TTL, 5)
		assert.Equal(t, 15, dm.Hits)
		assert.Contains(t, dm.InsertRefused, "INSERT statements are not allowed on counter tables")
	})

	t.Run("cassandra tombstone mode", func(t *testing.T) {
		tc := testutil.StartSim(t, cqlsim.Config{Nodes: 1, TombstoneMode: cqlsim.TombstonesCassandra,
			TombstoneWarnThreshold: 10, TombstoneFailureThreshold: 40})
		got := runCompat(ctx, t, dir, tc, "--tombstones")
		tm := got.Tombstones
		assert.Equal(t, 5, tm.Rows, "the page scanned through 25 tombstones")
		require.Len(t, tm.Warnings, 1)
		assert.Contains(t, tm.Warnings[0], "Read 5 live rows and 25 tombstone cells")
		assert.Contains(t, tm.Warnings[0], "(see tombstone_warn_threshold)")
		// The driver logs the warning it received.
		require.Len(t, got.Logs, 1)
		assert.Contains(t, got.Logs[0].Message, "tombstone_warn_threshold")
		require.NotNil(t, tm.Failure, "the read past 40 tombstones fails")
		assert.Equal(t, 0x1300, tm.Failure.Code, "ReadFailure")
		// The driver words a read failure itself, from its fields.
		assert.Contains(t, tm.Failure.Message, "Server failure during read query at consistency LOCAL_ONE (1 responses were required but only 0 replicas responded, 1 failed)")
	})
}

// runCompat runs compat.js (with flags) against c and decodes its summary.
func runCompat(ctx context.Context, t *testing.T, dir string, c *cqlsim.Cluster, flags ...string) nodeSummary {
	t.Helper()
	runCtx, cancelRun := context.WithTimeout(ctx, 120*time.Second)
	defer cancelRun()
	args := append(append(append([]string{filepath.Join(dir, "compat.js")}, flags...), strconv.Itoa(c.Port())), c.Hosts()...)
	cmd := exec.CommandContext(runCtx, "node", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "node compat.js failed:\n%s", stderr.String())
	var got nodeSummary
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), "compat.js output:\n%s", stdout.String())
	return got
}
