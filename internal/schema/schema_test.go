package schema_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/schema"
	"github.com/ringscan/ringscan/internal/testutil"
)

// loadTables starts a one-node cluster with two tables and loads them.
func loadTables(t *testing.T) (wide, plain *schema.Table, load func(ks, table string) (*schema.Table, error)) {
	t.Helper()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	for _, ddl := range []string{
		`CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE ks.wide (p2 text, "P1" int, c1 timestamp, "select" int, zeta text, alpha list<int>,
			m map<text, frozen<set<int>>>, tup tuple<int, text>, "Mixed" blob,
			PRIMARY KEY (("P1", p2), c1, "select")) WITH CLUSTERING ORDER BY (c1 DESC, "select" ASC)`,
		`CREATE TABLE ks.plain (k bigint PRIMARY KEY, v text)`,
		`CREATE KEYSPACE empty WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
	} {
		require.NoError(t, c.ExecDDL(ddl))
	}
	s := testutil.Session(t, c)
	load = func(ks, table string) (*schema.Table, error) { return schema.Load(context.Background(), s, ks, table) }
	var err error
	wide, err = load("ks", "wide")
	require.NoError(t, err)
	plain, err = load("ks", "plain")
	require.NoError(t, err)
	return wide, plain, load
}

func names(cs []schema.Column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func TestLoad(t *testing.T) {
	wide, _, load := loadTables(t)
	assert.Equal(t, "ks", wide.Keyspace)
	assert.Equal(t, "wide", wide.Name)
	assert.Equal(t, map[string]string{"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "1"}, wide.Replication)
	assert.Equal(t, []string{"P1", "p2"}, names(wide.PartitionKey))
	assert.Equal(t, []string{"c1", "select"}, names(wide.Clustering))
	assert.True(t, wide.Clustering[0].Desc)
	assert.False(t, wide.Clustering[1].Desc)
	// SELECT * order: partition key, clustering, the others by name.
	assert.Equal(t, []string{"P1", "p2", "c1", "select", "Mixed", "alpha", "m", "tup", "zeta"}, names(wide.All))
	types := map[string]string{}
	for _, c := range wide.All {
		types[c.Name] = c.Type.String()
		assert.Equal(t, c.Name, c.Meta.Name, "the driver's metadata")
	}
	assert.Equal(t, map[string]string{
		"P1": "int", "p2": "text", "c1": "timestamp", "select": "int", "Mixed": "blob", "alpha": "list<int>",
		// The driver's metadata does not say what is frozen; tuples always are.
		"m": "map<text, set<int>>", "tup": "frozen<tuple<int, text>>", "zeta": "text",
	}, types)

	for _, tc := range []struct{ ks, table, want string }{
		{"nope", "wide", `keyspace "nope" does not exist; keyspaces are: empty, ks, system`},
		{"ks", "nope", `table "nope" does not exist in keyspace "ks"; tables are: plain, wide`},
		{"empty", "t", `table "t" does not exist in keyspace "empty", which has no tables`},
	} {
		_, err := load(tc.ks, tc.table)
		assert.ErrorContains(t, err, tc.want)
	}
}

func TestColumns(t *testing.T) {
	wide, _, _ := loadTables(t)
	all, err := wide.Columns(nil)
	require.NoError(t, err)
	assert.Equal(t, wide.All, all)
	cs, err := wide.Columns([]string{"zeta", "P1", "m"})
	require.NoError(t, err)
	assert.Equal(t, []string{"zeta", "P1", "m"}, names(cs), "in the order asked")
	assert.Equal(t, cqltype.Native(cqltype.Int), cs[1].Type)

	_, err = wide.Columns([]string{"zeta", "p1"})
	assert.EqualError(t, err, `column "p1" does not exist in table ks.wide; columns are: P1, p2, c1, select, Mixed, alpha, m, tup, zeta (and writetime(c), ttl(c) of the others)`)
	_, err = wide.Columns([]string{"zeta", "m", "zeta"})
	assert.EqualError(t, err, `column "zeta" is listed twice`)
}

func TestSelect(t *testing.T) {
	wide, plain, _ := loadTables(t)
	cols := func(tb *schema.Table, n ...string) []schema.Column {
		cs, err := tb.Columns(n)
		require.NoError(t, err)
		return cs
	}
	for _, tc := range []struct {
		name   string
		table  *schema.Table
		cols   []string
		token  bool
		want   []string // selected columns
		pk, ck []int
		list   string
	}{
		{name: "no key column asked", table: wide, cols: []string{"zeta", "m"}, token: true,
			want: []string{"zeta", "m", "P1", "p2", "c1", "select"}, pk: []int{2, 3}, ck: []int{4, 5},
			list: `zeta, m, "P1", p2, c1, "select", token("P1", p2)`},
		{name: "some key columns asked, in another order", table: wide, cols: []string{"select", "zeta", "p2"},
			want: []string{"select", "zeta", "p2", "P1", "c1"}, pk: []int{3, 2}, ck: []int{4, 0},
			list: `"select", zeta, p2, "P1", c1`},
		{name: "all columns", table: wide, token: true,
			want: []string{"P1", "p2", "c1", "select", "Mixed", "alpha", "m", "tup", "zeta"}, pk: []int{0, 1}, ck: []int{2, 3},
			list: `"P1", p2, c1, "select", "Mixed", alpha, m, tup, zeta, token("P1", p2)`},
		{name: "no clustering", table: plain, cols: []string{"v"},
			want: []string{"v", "k"}, pk: []int{1}, list: `v, k`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked := cols(tc.table, tc.cols...)
			s := tc.table.Select(asked, tc.token)
			assert.Equal(t, tc.want, names(s.Columns))
			assert.Equal(t, len(asked), s.Out)
			assert.Equal(t, tc.pk, s.PK)
			assert.Equal(t, tc.ck, s.CK)
			assert.Equal(t, tc.list, s.List)
			if tc.token {
				assert.Equal(t, len(tc.want), s.Token)
				assert.Equal(t, len(tc.want)+1, s.Width())
			} else {
				assert.Equal(t, -1, s.Token)
				assert.Equal(t, len(tc.want), s.Width())
			}
			for i, k := range append(append([]int{}, s.PK...), s.CK...) {
				key := append(append([]schema.Column{}, tc.table.PartitionKey...), tc.table.Clustering...)[i]
				assert.Equal(t, key.Name, s.Columns[k].Name)
			}
			asked[0].Name = "changed"
			assert.NotEqual(t, "changed", s.Columns[0].Name, "Select does not share cols")
		})
	}
	assert.Equal(t, `ks.wide`, wide.From())
	assert.Equal(t, `token("P1", p2)`, wide.TokenExpr())
}

// TestLoadSystem reads the tables with LoadSystem (system_schema queries)
// and checks it agrees with Load (the driver's metadata) in everything but
// what the driver's metadata loses: which collections are frozen. UDTs
// (nested, in a list) and static columns included.
func TestLoadSystem(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	for _, ddl := range []string{
		`CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TYPE ks.inner (x int, y text)`,
		`CREATE TYPE ks."Outer" (i frozen<inner>, l list<frozen<inner>>)`,
		`CREATE TABLE ks.wide (p2 text, "P1" int, c1 timestamp, "select" int, zeta text, alpha list<int>,
			m map<text, frozen<set<int>>>, tup tuple<int, text>, "Mixed" blob, st text static, o frozen<"Outer">,
			ol list<frozen<inner>>,
			PRIMARY KEY (("P1", p2), c1, "select")) WITH CLUSTERING ORDER BY (c1 DESC, "select" ASC)`,
		`CREATE TABLE ks.plain (k bigint PRIMARY KEY, v text)`,
		`CREATE KEYSPACE "O'Brien" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE "O'Brien"."it's" (k int PRIMARY KEY)`,
	} {
		require.NoError(t, c.ExecDDL(ddl), ddl)
	}
	s := testutil.Session(t, c)
	testutil.WaitForTables(t, s, "ks", "wide", "plain")
	testutil.WaitForTables(t, s, "O'Brien", "it's")
	ctx := context.Background()
	for _, tc := range []struct{ ks, table string }{{"ks", "wide"}, {"ks", "plain"}, {"O'Brien", "it's"}} {
		t.Run(tc.table, func(t *testing.T) {
			got, err := schema.LoadSystem(ctx, s, tc.ks, tc.table)
			require.NoError(t, err)
			want, err := schema.Load(ctx, s, tc.ks, tc.table)
			require.NoError(t, err)
			assert.Equal(t, want.Replication, got.Replication)
			for _, part := range []struct {
				name      string
				got, want []schema.Column
			}{{"partition key", got.PartitionKey, want.PartitionKey}, {"clustering", got.Clustering, want.Clustering}, {"all", got.All, want.All}} {
				require.Equal(t, names(part.want), names(part.got), part.name)
				for i := range part.got {
					g, w := part.got[i], part.want[i]
					assert.Equal(t, w.Desc, g.Desc, "%s.Desc", g.Name)
					assert.Equal(t, w.Static, g.Static, "%s.Static", g.Name)
					// The protocol's [option] has no frozen flag.
					assert.Equal(t, w.Type.AppendOption(nil), g.Type.AppendOption(nil), "%s: %s vs %s", g.Name, g.Type, w.Type)
					assert.Nil(t, g.Meta)
				}
			}
		})
	}
	wide, err := schema.LoadSystem(ctx, s, "ks", "wide")
	require.NoError(t, err)
	types := map[string]string{}
	for _, c := range wide.All {
		types[c.Name] = c.Type.String()
	}
	assert.Equal(t, "map<text, frozen<set<int>>>", types["m"], "frozen as written")
	assert.Equal(t, "list<frozen<inner>>", types["ol"])
	assert.True(t, wide.All[4].Static && wide.All[4].Name == "st", "statics first among the other columns: %v", names(wide.All))

	for _, tc := range []struct{ ks, table, want string }{
		{"nope", "wide", `keyspace "nope" does not exist; keyspaces are: O'Brien, ks, system`},
		{"ks", "nope", `table "nope" does not exist in keyspace "ks"; tables are: plain, wide`},
		{"ks", "x' OR '1'='1", `table "x' OR '1'='1" does not exist in keyspace "ks"`},
	} {
		_, err := schema.LoadSystem(ctx, s, tc.ks, tc.table)
		assert.ErrorContains(t, err, tc.want)
	}
}

// TestSelectors resolves writetime() and ttl() of columns: named as dsbulk
// names them, typed bigint and int, selected by their expression; refused
// on key columns, non-frozen collections and unknown columns.
func TestSelectors(t *testing.T) {
	wide, _, _ := loadTables(t)
	cs, err := wide.Columns([]string{"zeta", "writetime(zeta)", `TTL("Mixed")`, "ttl(tup)"})
	require.NoError(t, err)
	assert.Equal(t, []string{"zeta", "writetime(zeta)", "ttl(Mixed)", "ttl(tup)"}, names(cs))
	assert.Equal(t, cqltype.Native(cqltype.Bigint), cs[1].Type)
	assert.Equal(t, cqltype.Native(cqltype.Int), cs[2].Type)
	s := wide.Select(cs, false)
	assert.Equal(t, `zeta, writetime(zeta), ttl("Mixed"), ttl(tup), "P1", p2, c1, "select"`, s.List)
	for _, tc := range []struct{ name, want string }{
		{"writetime(p2)", "p2 is a primary key column"},
		{"ttl(c1)", "c1 is a primary key column"},
		{"writetime(alpha)", "alpha is a non-frozen list<int>"},
		{"ttl(nope)", `column "nope" of ttl(nope) does not exist`},
	} {
		_, err := wide.Columns([]string{tc.name})
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}
