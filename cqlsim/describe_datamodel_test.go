package cqlsim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestDescribeDataModel checks DESCRIBE on the data model's parts: static
// columns say so and come before the regular ones, a table's default TTL
// is printed, and user-defined types are described as Cassandra's
// UserType.toCqlString does, each type after the types it nests so that
// DESCRIBE KEYSPACE's statements can be run in order.
func TestDescribeDataModel(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 1})
	s := connect(t, c)
	createKeyspace(t, s, "dm", 1)
	mustExec(t, s,
		`CREATE TYPE dm.zip (code text, "Plus4" int)`,
		`CREATE TYPE dm.address (street text, zip frozen<zip>, lines frozen<list<text>>)`,
		`CREATE TABLE dm.t (k int, c int, v text, a frozen<address>, s int static, b address, PRIMARY KEY (k, c)) WITH default_time_to_live = 3600`,
	)
	zip := "CREATE TYPE dm.zip (\n    code text,\n    \"Plus4\" int\n);"
	address := "CREATE TYPE dm.address (\n    street text,\n    zip frozen<zip>,\n    lines frozen<list<text>>\n);"

	got := describeRows(t, s, `DESCRIBE KEYSPACE dm`, 0)
	require.Len(t, got, 4)
	assert.Equal(t, []string{"dm", "type", "zip", zip}, got[1], "zip first: address nests it")
	assert.Equal(t, []string{"dm", "type", "address", address}, got[2])
	assert.Equal(t, []string{"dm", "table", "t"}, got[3][:3])
	assert.Regexp(t, `^CREATE TABLE dm.t \(
    k int,
    c int,
    s int static,
    a frozen<address>,
    b address,
    v text,
    PRIMARY KEY \(k, c\)
\) WITH CLUSTERING ORDER BY \(c ASC\)
`, got[3][3])
	assert.Contains(t, got[3][3], "\n    AND default_time_to_live = 3600\n")

	assert.Equal(t, [][]string{{"dm", "type", "address"}, {"dm", "type", "zip"}}, describeRows(t, s, `DESCRIBE TYPES`, 0))
	assert.Equal(t, [][]string{{"dm", "type", "zip", zip}}, describeRows(t, s, `DESCRIBE TYPE dm.zip`, 0))
	assert.Equal(t, [][]string{{"dm", "type", "address", address}}, describeRows(t, s, `DESCRIBE dm.address`, 0))
}
