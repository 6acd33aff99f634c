package cqlparse

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func str(s string) *Literal   { return &Literal{Kind: LitString, Text: s} }
func num(s string) *Literal   { return &Literal{Kind: LitInteger, Text: s} }
func flt(s string) *Literal   { return &Literal{Kind: LitFloat, Text: s} }
func qm(i int) *BindMarker    { return &BindMarker{Index: i} }
func tup(e ...Term) *TupleLit { return &TupleLit{Elems: e} }
func named(i int, n string) *BindMarker {
	return &BindMarker{Index: i, Name: n}
}
func tbl(ks, name string) TableName { return TableName{Keyspace: ks, Name: name} }
func eq(col string, v Term) Relation {
	return Relation{Columns: []string{col}, Op: OpEq, Value: v}
}
func cols(names ...string) []Selector {
	out := make([]Selector, len(names))
	for i, n := range names {
		out[i] = Selector{Column: n}
	}
	return out
}

// driverQueries are statements real drivers send while connecting,
// refreshing metadata and paging by token range.
var driverQueries = []struct {
	query   string
	markers int
}{
	{`SELECT * FROM system.local WHERE key='local'`, 0},
	{`SELECT * FROM system.local`, 0},
	{`SELECT * FROM system.peers`, 0},
	{`SELECT * FROM system.peers_v2`, 0},
	{`SELECT schema_version FROM system.local WHERE key='local'`, 0},
	{`SELECT peer, rpc_address, schema_version, host_id FROM system.peers`, 0},
	{`SELECT peer, data_center, host_id, preferred_ip, rack, rpc_address, release_version, schema_version, tokens FROM system.peers`, 0},
	{`SELECT keyspace_name, durable_writes, replication FROM system_schema.keyspaces WHERE keyspace_name = ?`, 1},
	{`SELECT * FROM system_schema.keyspaces`, 0},
	{`SELECT * FROM system_schema.tables WHERE keyspace_name = ?`, 1},
	{`SELECT * FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?`, 2},
	{`SELECT * FROM system_schema.types WHERE keyspace_name = ?`, 1},
	{`SELECT * FROM system_schema.functions WHERE keyspace_name = ?`, 1},
	{`SELECT * FROM system_schema.aggregates WHERE keyspace_name = ?`, 1},
	{`SELECT * FROM system_schema.indexes WHERE keyspace_name = 'ks' AND table_name = 't'`, 0},
	{`SELECT * FROM system_schema.views WHERE keyspace_name='ks' AND view_name='v'`, 0},
	{`SELECT * FROM system_virtual_schema.keyspaces`, 0},
	{`SELECT * FROM system_virtual_schema.tables`, 0},
	{`SELECT cluster_name, data_center, rack, tokens, partitioner, schema_version FROM system.local WHERE key='local'`, 0},
	{`SELECT count(*) FROM ks.t WHERE token(a, b) > ? AND token(a, b) <= ?`, 2},
	{`SELECT a, b, c FROM "Ks"."Tab" WHERE token(a) > token(?) LIMIT 10`, 1},
	{`SELECT * FROM t WHERE a = ? AND b = ? AND c > ? AND c <= ?`, 4},
	{`SELECT * FROM t WHERE a IN (1, 2) AND (c1, c2) >= (1, 'x')`, 0},
	{`INSERT INTO t (a, b) VALUES (:a, :b)`, 2},
	{`USE "MyKeyspace"`, 0},
	{`use ks;`, 0},
}

func TestParseDriverQueries(t *testing.T) {
	for _, tc := range driverQueries {
		t.Run(tc.query, func(t *testing.T) {
			p, err := Parse(tc.query)
			require.NoError(t, err)
			require.NotNil(t, p.Stmt)
			assert.Len(t, p.Markers, tc.markers)
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  Statement
	}{
		{
			name:  "select star",
			query: `SELECT * FROM system.local WHERE key='local'`,
			want: &Select{Table: tbl("system", "local"), Star: true,
				Where: []Relation{eq("key", str("local"))}},
		},
		{
			name:  "select columns and aliases",
			query: `select Peer, "RPC_address" AS addr, host_id as "Host" from system.peers;`,
			want: &Select{Table: tbl("system", "peers"), Selectors: []Selector{
				{Column: "peer"}, {Column: "RPC_address", Alias: "addr"}, {Column: "host_id", Alias: "Host"},
			}},
		},
		{
			name:  "select count star any case",
			query: `SELECT COUNT(*) AS n FROM ks.t`,
			want: &Select{Table: tbl("ks", "t"),
				Selectors: []Selector{{Func: "count", Star: true, Alias: "n"}}},
		},
		{
			name:  "select count one",
			query: `SELECT count(1) FROM t`,
			want:  &Select{Table: tbl("", "t"), Selectors: []Selector{{Func: "count", Star: true}}},
		},
		{
			name:  "select functions",
			query: `SELECT token(a, b), writetime(c), TTL(c), blobAsText(d), toJson(e), count(f), now() FROM t`,
			want: &Select{Table: tbl("", "t"), Selectors: []Selector{
				{Func: "token", Args: []string{"a", "b"}},
				{Func: "writetime", Args: []string{"c"}},
				{Func: "ttl", Args: []string{"c"}},
				{Func: "blobastext", Args: []string{"d"}},
				{Func: "tojson", Args: []string{"e"}},
				{Func: "count", Args: []string{"f"}},
				{Func: "now"},
			}},
		},
		{
			name:  "select nested function and cast",
			query: `SELECT toTimestamp(now()), CAST(a AS text), dateOf(x) FROM t`,
			want: &Select{Table: tbl("", "t"), Selectors: []Selector{
				{Func: "totimestamp", Args: []string{"now()"}},
				{Func: "cast", Args: []string{"a", "text"}},
				{Func: "dateof", Args: []string{"x"}},
			}},
		},
		{
			name:  "select json distinct",
			query: `SELECT JSON DISTINCT a FROM t`,
			want:  &Select{Table: tbl("", "t"), JSON: true, Distinct: true, Selectors: cols("a")},
		},
		{
			name:  "json and distinct as column names",
			query: `SELECT json, distinct FROM t`,
			want:  &Select{Table: tbl("", "t"), Selectors: cols("json", "distinct")},
		},
		{
			name:  "select json star",
			query: `SELECT JSON * FROM t`,
			want:  &Select{Table: tbl("", "t"), JSON: true, Star: true},
		},
		{
			name: "select all clauses",
			query: `SELECT * FROM t WHERE a = ? AND b = ? AND c > ? AND c <= ?
				ORDER BY c DESC, d ASC, e PER PARTITION LIMIT 2 LIMIT ? ALLOW FILTERING`,
			want: &Select{Table: tbl("", "t"), Star: true,
				Where: []Relation{eq("a", qm(0)), eq("b", qm(1)),
					{Columns: []string{"c"}, Op: OpGt, Value: qm(2)},
					{Columns: []string{"c"}, Op: OpLe, Value: qm(3)}},
				OrderBy:           []OrderBy{{Column: "c", Desc: true}, {Column: "d"}, {Column: "e"}},
				PerPartitionLimit: num("2"),
				Limit:             qm(4),
				AllowFiltering:    true,
			},
		},
		{
			name:  "token relations for keyset paging",
			query: `SELECT count(*) FROM ks.t WHERE token(a, b) > ? AND token(a, b) <= ?`,
			want: &Select{Table: tbl("ks", "t"), Selectors: []Selector{{Func: "count", Star: true}},
				Where: []Relation{
					{Columns: []string{"a", "b"}, Token: true, Op: OpGt, Value: qm(0)},
					{Columns: []string{"a", "b"}, Token: true, Op: OpLe, Value: qm(1)},
				}},
		},
		{
			name:  "token of markers and literals",
			query: `SELECT a, b, c FROM "Ks"."Tab" WHERE token(a) > token(?) AND token(a) <= token('x') LIMIT 10`,
			want: &Select{Table: tbl("Ks", "Tab"), Selectors: cols("a", "b", "c"),
				Where: []Relation{
					{Columns: []string{"a"}, Token: true, Op: OpGt, Value: &FuncCall{Name: "token", Args: []Term{qm(0)}}},
					{Columns: []string{"a"}, Token: true, Op: OpLe, Value: &FuncCall{Name: "token", Args: []Term{str("x")}}},
				},
				Limit: num("10")},
		},
		{
			name:  "token of two markers",
			query: `SELECT * FROM t WHERE token(a, b) >= token(?, ?)`,
			want: &Select{Table: tbl("", "t"), Star: true, Where: []Relation{
				{Columns: []string{"a", "b"}, Token: true, Op: OpGe, Value: &FuncCall{Name: "token", Args: []Term{qm(0), qm(1)}}},
			}},
		},
		{
			name:  "in list and multi-column",
			query: `SELECT * FROM t WHERE a IN (1, 2) AND (c1, c2) >= (1, 'x')`,
			want: &Select{Table: tbl("", "t"), Star: true, Where: []Relation{
				{Columns: []string{"a"}, Op: OpIn, Value: tup(num("1"), num("2"))},
				{Columns: []string{"c1", "c2"}, Multi: true, Op: OpGe, Value: tup(num("1"), str("x"))},
			}},
		},
		{
			name:  "in marker, empty in, multi in, multi marker",
			query: `SELECT * FROM t WHERE a IN ? AND b IN () AND (c1, c2) IN ((1, 2), (3, 4)) AND (c1, c2) > ? AND (c1) IN :x`,
			want: &Select{Table: tbl("", "t"), Star: true, Where: []Relation{
				{Columns: []string{"a"}, Op: OpIn, Value: qm(0)},
				{Columns: []string{"b"}, Op: OpIn, Value: tup()},
				{Columns: []string{"c1", "c2"}, Multi: true, Op: OpIn, Value: tup(tup(num("1"), num("2")), tup(num("3"), num("4")))},
				{Columns: []string{"c1", "c2"}, Multi: true, Op: OpGt, Value: qm(1)},
				{Columns: []string{"c1"}, Multi: true, Op: OpIn, Value: named(2, "x")},
			}},
		},
		{
			name:  "other operators",
			query: `SELECT * FROM t WHERE a != 1 AND l CONTAINS 'x' AND m CONTAINS KEY ? AND m['k'] = 'v' AND b < 2 AND b >= 0 ALLOW FILTERING`,
			want: &Select{Table: tbl("", "t"), Star: true, AllowFiltering: true, Where: []Relation{
				{Columns: []string{"a"}, Op: OpNe, Value: num("1")},
				{Columns: []string{"l"}, Op: OpContains, Value: str("x")},
				{Columns: []string{"m"}, Op: OpContainsKey, Value: qm(0)},
				{Columns: []string{"m"}, Op: OpEq, Key: str("k"), Value: str("v")},
				{Columns: []string{"b"}, Op: OpLt, Value: num("2")},
				{Columns: []string{"b"}, Op: OpGe, Value: num("0")},
			}},
		},
		{
			name:  "insert",
			query: `INSERT INTO ks.t (a, b, c) VALUES (1, 'x', ?) IF NOT EXISTS USING TTL 10 AND TIMESTAMP ?`,
			want: &Insert{Table: tbl("ks", "t"), Columns: []string{"a", "b", "c"},
				Values: []Term{num("1"), str("x"), qm(0)}, IfNotExists: true,
				Using: Using{TTL: num("10"), Timestamp: qm(1)}},
		},
		{
			name:  "insert named markers",
			query: `INSERT INTO t (a, b) VALUES (:a, :"B")`,
			want: &Insert{Table: tbl("", "t"), Columns: []string{"a", "b"},
				Values: []Term{named(0, "a"), named(1, "B")}},
		},
		{
			name:  "insert using before if",
			query: `INSERT INTO t (a) VALUES (1) USING TIMESTAMP -5 IF NOT EXISTS`,
			want: &Insert{Table: tbl("", "t"), Columns: []string{"a"}, Values: []Term{num("1")},
				IfNotExists: true, Using: Using{Timestamp: num("-5")}},
		},
		{
			name:  "insert json",
			query: `INSERT INTO t JSON '{"a": 1, "b": ''x''}' DEFAULT UNSET USING TTL 5`,
			want: &Insert{Table: tbl("", "t"), JSON: str(`{"a": 1, "b": 'x'}`), JSONDefaultUnset: true,
				Using: Using{TTL: num("5")}},
		},
		{
			name:  "insert json marker",
			query: `INSERT INTO t JSON ? DEFAULT NULL`,
			want:  &Insert{Table: tbl("", "t"), JSON: qm(0)},
		},
		{
			name:  "insert collections and functions",
			query: `INSERT INTO t (l, s, m, e, tu, u, ts, b, f) VALUES ([1, 2], {'a', 'b'}, {'k': [1], 'j': []}, {}, (1, 'x'), uuid(), toTimestamp(now()), blobAsText(0x41), system.now())`,
			want: &Insert{Table: tbl("", "t"), Columns: []string{"l", "s", "m", "e", "tu", "u", "ts", "b", "f"},
				Values: []Term{
					&CollectionLit{Kind: CollList, Values: []Term{num("1"), num("2")}},
					&CollectionLit{Kind: CollSet, Values: []Term{str("a"), str("b")}},
					&CollectionLit{Kind: CollMap, Keys: []Term{str("k"), str("j")}, Values: []Term{
						&CollectionLit{Kind: CollList, Values: []Term{num("1")}},
						&CollectionLit{Kind: CollList},
					}},
					&CollectionLit{Kind: CollMap},
					tup(num("1"), str("x")),
					&FuncCall{Name: "uuid"},
					&FuncCall{Name: "totimestamp", Args: []Term{&FuncCall{Name: "now"}}},
					&FuncCall{Name: "blobastext", Args: []Term{&Literal{Kind: LitHex, Text: "41"}}},
					&FuncCall{Name: "system.now"},
				}},
		},
		{
			name:  "update",
			query: `UPDATE ks.t USING TTL ? SET a = 1, c = c + ?, d = d - {'x'}, m['k'] = 'v', l = [0] + l WHERE k = ? IF EXISTS`,
			want: &Update{Table: tbl("ks", "t"), Using: Using{TTL: qm(0)},
				Set: []Assignment{
					{Column: "a", Value: num("1")},
					{Column: "c", Op: "+", Value: qm(1)},
					{Column: "d", Op: "-", Value: &CollectionLit{Kind: CollSet, Values: []Term{str("x")}}},
					{Column: "m", Key: str("k"), Value: str("v")},
					{Column: "l", Op: "+", Prepend: true, Value: &CollectionLit{Kind: CollList, Values: []Term{num("0")}}},
				},
				Where: []Relation{eq("k", qm(2))}, IfExists: true},
		},
		{
			name:  "update counter without spaces",
			query: `UPDATE t SET c=c-1 WHERE k=1`,
			want: &Update{Table: tbl("", "t"), Set: []Assignment{{Column: "c", Op: "-", Value: num("1")}},
				Where: []Relation{eq("k", num("1"))}},
		},
		{
			name:  "update with conditions",
			query: `UPDATE t SET a = 2 WHERE k = 1 IF a = 1 AND m['x'] != null AND b IN (1, 2)`,
			want: &Update{Table: tbl("", "t"), Set: []Assignment{{Column: "a", Value: num("2")}},
				Where: []Relation{eq("k", num("1"))},
				Conditions: []Relation{
					eq("a", num("1")),
					{Columns: []string{"m"}, Key: str("x"), Op: OpNe, Value: &Literal{Kind: LitNull, Text: "null"}},
					{Columns: []string{"b"}, Op: OpIn, Value: tup(num("1"), num("2"))},
				}},
		},
		{
			name:  "delete row",
			query: `DELETE FROM t USING TIMESTAMP 123 WHERE k = ? AND c IN (1, 2) IF EXISTS`,
			want: &Delete{Table: tbl("", "t"), Using: Using{Timestamp: num("123")},
				Where:    []Relation{eq("k", qm(0)), {Columns: []string{"c"}, Op: OpIn, Value: tup(num("1"), num("2"))}},
				IfExists: true},
		},
		{
			name:  "delete cells",
			query: `DELETE a, m[?], b FROM t WHERE k = ? IF a = 3`,
			want: &Delete{Table: tbl("", "t"), Columns: []string{"a", "m", "b"}, Keys: []Term{nil, qm(0), nil},
				Where: []Relation{eq("k", qm(1))}, Conditions: []Relation{eq("a", num("3"))}},
		},
		{
			name:  "delete columns",
			query: `DELETE a, b FROM t WHERE k = 1`,
			want: &Delete{Table: tbl("", "t"), Columns: []string{"a", "b"},
				Where: []Relation{eq("k", num("1"))}},
		},
		{
			name:  "create keyspace",
			query: `CREATE KEYSPACE IF NOT EXISTS "Ks" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3} AND durable_writes = false`,
			want: &CreateKeyspace{Name: "Ks", IfNotExists: true,
				Replication:   map[string]string{"class": "SimpleStrategy", "replication_factor": "3"},
				DurableWrites: new(false)},
		},
		{
			name:  "create keyspace network topology",
			query: `create schema ks with REPLICATION = {'class' : 'NetworkTopologyStrategy', 'dc1' : '3', 'dc2': 2}`,
			want: &CreateKeyspace{Name: "ks",
				Replication: map[string]string{"class": "NetworkTopologyStrategy", "dc1": "3", "dc2": "2"}},
		},
		{
			name: "create table",
			query: `CREATE TABLE IF NOT EXISTS ks.t (
				a int, b text, c timeuuid, d bigint,
				s set<text> static,
				m Map<Text, frozen <list<int>>>,
				u frozen<"MyType">,
				v vector<float, 3>,
				tu tuple<int, text, ks.addr>,
				PRIMARY KEY ((a, b), c, d)
			) WITH CLUSTERING ORDER BY (c DESC, d ASC) AND COMPACT STORAGE
			  AND comment = 'hi' AND gc_grace_seconds = 0 AND bloom_filter_fp_chance = 0.01
			  AND compaction = {'class': 'SizeTieredCompactionStrategy'} AND cdc = true
			  AND speculative_retry = NONE`,
			want: &CreateTable{Table: tbl("ks", "t"), IfNotExists: true,
				Columns: []ColumnDef{
					{Name: "a", Type: "int"}, {Name: "b", Type: "text"}, {Name: "c", Type: "timeuuid"}, {Name: "d", Type: "bigint"},
					{Name: "s", Type: "set<text>", Static: true},
					{Name: "m", Type: "map<text,frozen<list<int>>>"},
					{Name: "u", Type: `frozen<"MyType">`},
					{Name: "v", Type: "vector<float,3>"},
					{Name: "tu", Type: "tuple<int,text,ks.addr>"},
				},
				PartitionKey:   []string{"a", "b"},
				Clustering:     []string{"c", "d"},
				ClusterOrder:   []ClusteringOrder{{Column: "c", Desc: true}, {Column: "d"}},
				CompactStorage: true,
				Options: map[string]Term{
					"comment":                str("hi"),
					"gc_grace_seconds":       num("0"),
					"bloom_filter_fp_chance": flt("0.01"),
					"compaction":             &CollectionLit{Kind: CollMap, Keys: []Term{str("class")}, Values: []Term{str("SizeTieredCompactionStrategy")}},
					"cdc":                    &Literal{Kind: LitBool, Text: "true"},
					"speculative_retry":      str("none"),
				}},
		},
		{
			name:  "create table simple primary key",
			query: `CREATE TABLE t (a int, c int, v text, PRIMARY KEY (a, c))`,
			want: &CreateTable{Table: tbl("", "t"),
				Columns:      []ColumnDef{{Name: "a", Type: "int"}, {Name: "c", Type: "int"}, {Name: "v", Type: "text"}},
				PartitionKey: []string{"a"}, Clustering: []string{"c"}},
		},
		{
			name:  "create columnfamily column primary key trailing comma",
			query: `CREATE COLUMNFAMILY t (key blob PRIMARY KEY, "Value" 'org.apache.cassandra.db.marshal.UTF8Type',)`,
			want: &CreateTable{Table: tbl("", "t"),
				Columns: []ColumnDef{
					{Name: "key", Type: "blob", PrimaryKey: true},
					{Name: "Value", Type: "'org.apache.cassandra.db.marshal.UTF8Type'"},
				},
				PartitionKey: []string{"key"}},
		},
		{
			name:  "drop keyspace",
			query: `DROP KEYSPACE IF EXISTS ks`,
			want:  &DropKeyspace{Name: "ks", IfExists: true},
		},
		{
			name:  "drop table",
			query: `drop table ks."T"`,
			want:  &DropTable{Table: tbl("ks", "T")},
		},
		{
			name:  "use quoted",
			query: `USE "Ks";`,
			want:  &Use{Keyspace: "Ks"},
		},
		{
			name:  "truncate",
			query: `TRUNCATE TABLE ks.t`,
			want:  &Truncate{Table: tbl("ks", "t")},
		},
		{
			name:  "truncate short",
			query: `truncate t`,
			want:  &Truncate{Table: tbl("", "t")},
		},
		{
			name: "batch",
			query: `BEGIN UNLOGGED BATCH USING TIMESTAMP 42
				INSERT INTO t (a) VALUES (?);
				UPDATE t SET b = ? WHERE a = ?
				DELETE FROM t WHERE a = :k;
			APPLY BATCH;`,
			want: &Batch{Type: BatchUnlogged, Using: Using{Timestamp: num("42")}, Statements: []Statement{
				&Insert{Table: tbl("", "t"), Columns: []string{"a"}, Values: []Term{qm(0)}},
				&Update{Table: tbl("", "t"), Set: []Assignment{{Column: "b", Value: qm(1)}}, Where: []Relation{eq("a", qm(2))}},
				&Delete{Table: tbl("", "t"), Where: []Relation{eq("a", named(3, "k"))}},
			}},
		},
		{
			name:  "counter batch",
			query: `BEGIN COUNTER BATCH UPDATE t SET c = c + 1 WHERE k = 1; APPLY BATCH`,
			want: &Batch{Type: BatchCounter, Statements: []Statement{
				&Update{Table: tbl("", "t"), Set: []Assignment{{Column: "c", Op: "+", Value: num("1")}}, Where: []Relation{eq("k", num("1"))}},
			}},
		},
		{
			name:  "empty batch",
			query: `BEGIN BATCH APPLY BATCH`,
			want:  &Batch{},
		},
		{name: "alter table", query: `ALTER TABLE t ADD c int`, want: &AlterIgnored{Verb: "ALTER TABLE"}},
		{name: "alter keyspace", query: `ALTER KEYSPACE ks WITH durable_writes = false`, want: &AlterIgnored{Verb: "ALTER KEYSPACE"}},
		{name: "alter type add", query: `ALTER TYPE t ADD f int`, want: &AlterType{Name: TypeName{Name: "t"}, Add: &FieldDef{Name: "f", Type: "int"}}},
		{
			name:  "alter type rename",
			query: `ALTER TYPE ks."T" RENAME a TO "B" AND c TO d`,
			want:  &AlterType{Name: TypeName{Keyspace: "ks", Name: "T"}, Renames: [][2]string{{"a", "B"}, {"c", "d"}}},
		},
		{name: "alter type field type", query: `ALTER TYPE t ALTER f TYPE blob`, want: &AlterType{Name: TypeName{Name: "t"}, AlterField: "f"}},
		{name: "alter view", query: `ALTER MATERIALIZED VIEW v WITH comment = 'x'`, want: &AlterIgnored{Verb: "ALTER MATERIALIZED VIEW"}},
		{name: "create index", query: `CREATE INDEX IF NOT EXISTS i ON t (v)`, want: &AlterIgnored{Verb: "CREATE INDEX"}},
		{name: "create custom index", query: `CREATE CUSTOM INDEX i ON t (v) USING 'org.apache.cassandra.index.sasi.SASIIndex'`, want: &AlterIgnored{Verb: "CREATE INDEX"}},
		{
			name:  "create type",
			query: `CREATE TYPE ks.addr (street text, zip int)`,
			want:  &CreateType{Name: TypeName{Keyspace: "ks", Name: "addr"}, Fields: []FieldDef{{"street", "text"}, {"zip", "int"}}},
		},
		{
			name:  "create type nested",
			query: `create type if not exists "Geo" ("Lat" double, tags LIST<text>, home frozen<addr>,)`,
			want: &CreateType{Name: TypeName{Name: "Geo"}, IfNotExists: true,
				Fields: []FieldDef{{"Lat", "double"}, {"tags", "list<text>"}, {"home", "frozen<addr>"}}},
		},
		{
			name:  "create function",
			query: `CREATE OR REPLACE FUNCTION f (a int) CALLED ON NULL INPUT RETURNS int LANGUAGE java AS $$ return a; $$`,
			want:  &AlterIgnored{Verb: "CREATE FUNCTION"},
		},
		{name: "create aggregate", query: `CREATE AGGREGATE a (int) SFUNC f STYPE int`, want: &AlterIgnored{Verb: "CREATE AGGREGATE"}},
		{
			name:  "create view",
			query: `CREATE MATERIALIZED VIEW v AS SELECT * FROM t WHERE a IS NOT NULL PRIMARY KEY (a)`,
			want:  &AlterIgnored{Verb: "CREATE MATERIALIZED VIEW"},
		},
		{name: "create role", query: `CREATE ROLE r WITH PASSWORD = 'p' AND LOGIN = true`, want: &AlterIgnored{Verb: "CREATE ROLE"}},
		{name: "create user", query: `CREATE USER u WITH PASSWORD 'p' SUPERUSER`, want: &AlterIgnored{Verb: "CREATE USER"}},
		{name: "drop index", query: `DROP INDEX IF EXISTS ks.i`, want: &AlterIgnored{Verb: "DROP INDEX"}},
		{name: "drop type", query: `DROP TYPE addr`, want: &DropType{Name: TypeName{Name: "addr"}}},
		{name: "drop type if exists", query: `DROP TYPE IF EXISTS ks.addr`, want: &DropType{Name: TypeName{Keyspace: "ks", Name: "addr"}, IfExists: true}},
		{
			name:  "insert udt literal",
			query: `INSERT INTO t (k, a) VALUES (1, {street: 'Main', "Zip": ?, home: {n: 1}, m: {'x': 1}})`,
			want: &Insert{Table: tbl("", "t"), Columns: []string{"k", "a"}, Values: []Term{num("1"), &UDTLit{
				Fields: []string{"street", "Zip", "home", "m"},
				Values: []Term{str("Main"), qm(0), &UDTLit{Fields: []string{"n"}, Values: []Term{num("1")}},
					&CollectionLit{Kind: CollMap, Keys: []Term{str("x")}, Values: []Term{num("1")}}},
			}}},
		},
		{
			name:  "udt literals in a list",
			query: `INSERT INTO t (k, l) VALUES (1, [{a: 1}, {a: 2}])`,
			want: &Insert{Table: tbl("", "t"), Columns: []string{"k", "l"}, Values: []Term{num("1"), &CollectionLit{Kind: CollList,
				Values: []Term{&UDTLit{Fields: []string{"a"}, Values: []Term{num("1")}}, &UDTLit{Fields: []string{"a"}, Values: []Term{num("2")}}}}}},
		},
		{
			name:  "map with constant keys is no udt",
			query: `INSERT INTO t (k, m) VALUES (1, {true: 1, null: 2, now(): 3})`,
			want: &Insert{Table: tbl("", "t"), Columns: []string{"k", "m"}, Values: []Term{num("1"), &CollectionLit{Kind: CollMap,
				Keys:   []Term{&Literal{Kind: LitBool, Text: "true"}, &Literal{Kind: LitNull, Text: "null"}, &FuncCall{Name: "now"}},
				Values: []Term{num("1"), num("2"), num("3")}}}},
		},
		{
			name:  "update udt field",
			query: `UPDATE t SET a.street = ?, c = c - 2 WHERE k = 1`,
			want: &Update{Table: tbl("", "t"), Set: []Assignment{{Column: "a", Field: "street", Value: qm(0)}, {Column: "c", Op: "-", Value: num("2")}},
				Where: []Relation{eq("k", num("1"))}},
		},
		{name: "drop function", query: `DROP FUNCTION f`, want: &AlterIgnored{Verb: "DROP FUNCTION"}},
		{name: "drop aggregate", query: `DROP AGGREGATE a`, want: &AlterIgnored{Verb: "DROP AGGREGATE"}},
		{name: "drop view", query: `DROP MATERIALIZED VIEW v`, want: &AlterIgnored{Verb: "DROP MATERIALIZED VIEW"}},
		{name: "grant", query: `GRANT SELECT ON KEYSPACE ks TO r`, want: &AlterIgnored{Verb: "GRANT"}},
		{name: "revoke", query: `REVOKE SELECT ON ALL KEYSPACES FROM r`, want: &AlterIgnored{Verb: "REVOKE"}},
		{name: "list roles", query: `LIST ROLES`, want: &AlterIgnored{Verb: "LIST ROLES"}},
		{name: "list permissions", query: `LIST ALL PERMISSIONS OF r`, want: &AlterIgnored{Verb: "LIST PERMISSIONS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.query)
			require.NoError(t, err)
			assert.Equal(t, tc.want, p.Stmt)
		})
	}
}

func TestParseLiterals(t *testing.T) {
	tests := []struct {
		text string
		want Term
	}{
		{`'it''s'`, str("it's")},
		{`$$it's $$`, str("it's ")},
		{`''`, str("")},
		{`42`, num("42")},
		{`-7`, num("-7")},
		{`1.5`, flt("1.5")},
		{`-2e10`, flt("-2e10")},
		{`1E-5`, flt("1E-5")},
		{`3.`, flt("3.")},
		{`NaN`, flt("NaN")},
		{`Infinity`, flt("Infinity")},
		{`-Infinity`, flt("-Infinity")},
		{`true`, &Literal{Kind: LitBool, Text: "true"}},
		{`FALSE`, &Literal{Kind: LitBool, Text: "false"}},
		{`NULL`, &Literal{Kind: LitNull, Text: "null"}},
		{`123e4567-e89b-12d3-a456-426614174000`, &Literal{Kind: LitUUID, Text: "123e4567-e89b-12d3-a456-426614174000"}},
		{`ABCDEF01-e89b-12d3-a456-426614174000`, &Literal{Kind: LitUUID, Text: "ABCDEF01-e89b-12d3-a456-426614174000"}},
		{`0xCAFE`, &Literal{Kind: LitHex, Text: "CAFE"}},
		{`0x`, &Literal{Kind: LitHex, Text: ""}},
		{`1h30m`, &Literal{Kind: LitDuration, Text: "1h30m"}},
		{`12mo`, &Literal{Kind: LitDuration, Text: "12mo"}},
		{`-3d12h`, &Literal{Kind: LitDuration, Text: "-3d12h"}},
		{`1µs`, &Literal{Kind: LitDuration, Text: "1µs"}},
		{`2ms5us7NS`, &Literal{Kind: LitDuration, Text: "2ms5us7NS"}},
		{`P1D`, &Literal{Kind: LitDuration, Text: "P1D"}},
		{`PT2H30M`, &Literal{Kind: LitDuration, Text: "PT2H30M"}},
		{`p2w`, &Literal{Kind: LitDuration, Text: "p2w"}},
		{`(int)?`, qm(0)},
		{`(list<int>)[1]`, &CollectionLit{Kind: CollList, Values: []Term{num("1")}}},
		{`:"Quoted"`, named(0, "Quoted")},
		{`: spaced`, named(0, "spaced")},
		{`{'a': :b}`, &CollectionLit{Kind: CollMap, Keys: []Term{str("a")}, Values: []Term{named(0, "b")}}},
		{`{1:true}`, &CollectionLit{Kind: CollMap, Keys: []Term{num("1")}, Values: []Term{&Literal{Kind: LitBool, Text: "true"}}}},
		{`(1)`, tup(num("1"))},
		{`maxTimeuuid('2013-01-01 00:05+0000')`, &FuncCall{Name: "maxtimeuuid", Args: []Term{str("2013-01-01 00:05+0000")}}},
		{`"MyFunc"(1)`, &FuncCall{Name: "MyFunc", Args: []Term{num("1")}}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			p, err := Parse("UPDATE t SET v = " + tc.text + " WHERE k = 0")
			require.NoError(t, err)
			u, ok := p.Stmt.(*Update)
			require.True(t, ok)
			require.Len(t, u.Set, 1)
			assert.Equal(t, tc.want, u.Set[0].Value)
		})
	}
}

func TestParseLexical(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  Statement
	}{
		{
			name: "comments",
			query: "-- leading\nSELECT /* inline\n comment */ a // trailing\n" +
				"FROM t -- more\n",
			want: &Select{Table: tbl("", "t"), Selectors: cols("a")},
		},
		{
			name:  "quoted identifier escape and case",
			query: `SELECT "My""Col", MixedCase FROM "T"`,
			want:  &Select{Table: tbl("", "T"), Selectors: cols(`My"Col`, "mixedcase")},
		},
		{
			name:  "keywords any case",
			query: `sElEcT A fRoM T wHeRe K = 1 LiMiT 2`,
			want: &Select{Table: tbl("", "t"), Selectors: cols("a"),
				Where: []Relation{eq("k", num("1"))}, Limit: num("2")},
		},
		{
			name:  "unicode in strings",
			query: `SELECT * FROM t WHERE k = 'héllo ☃'`,
			want:  &Select{Table: tbl("", "t"), Star: true, Where: []Relation{eq("k", str("héllo ☃"))}},
		},
		{
			name:  "no spaces",
			query: `SELECT*FROM t WHERE k=1AND c>=-2`,
			want: &Select{Table: tbl("", "t"), Star: true,
				Where: []Relation{eq("k", num("1")), {Columns: []string{"c"}, Op: OpGe, Value: num("-2")}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.query)
			require.NoError(t, err)
			assert.Equal(t, tc.want, p.Stmt)
		})
	}
}

func TestParseMarkers(t *testing.T) {
	tests := []struct {
		query string
		want  []*BindMarker
	}{
		{`SELECT * FROM t WHERE a = ? AND b IN (?, :x) LIMIT :lim`, []*BindMarker{qm(0), qm(1), named(2, "x"), named(3, "lim")}},
		{`UPDATE t USING TTL ? SET m[?] = ?, c = c + ? WHERE k = :"K" IF a = ?`, []*BindMarker{qm(0), qm(1), qm(2), qm(3), named(4, "K"), qm(5)}},
		{`BEGIN BATCH INSERT INTO t (a, b) VALUES (?, ?) DELETE m[?] FROM t WHERE k = ? APPLY BATCH`, []*BindMarker{qm(0), qm(1), qm(2), qm(3)}},
		{`INSERT INTO t (a, b) VALUES (:a, :b)`, []*BindMarker{named(0, "a"), named(1, "b")}},
		{`SELECT * FROM t WHERE token(a) > token(?) AND token(a) <= ? PER PARTITION LIMIT ? LIMIT ?`, []*BindMarker{qm(0), qm(1), qm(2), qm(3)}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			p, err := Parse(tc.query)
			require.NoError(t, err)
			assert.Equal(t, tc.want, p.Markers)
			assert.ElementsMatch(t, p.Markers, markersInAST(p.Stmt), "Markers are the AST's markers")
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		line     int
		col      int
		contains string
	}{
		{"misspelled keyword", `SELECT * FORM t`, 1, 9, "mismatched input 'FORM' expecting K_FROM"},
		{"unknown statement", `SELEC * FROM t`, 1, 0, "no viable alternative at input 'SELEC'"},
		{"empty", ``, 1, 0, "no viable alternative at input '<EOF>'"},
		{"only semicolon", `;`, 1, 0, "no viable alternative at input ';'"},
		{"unterminated string", `SELECT * FROM t WHERE a = 'abc`, 1, 30, "mismatched character '<EOF>' expecting '''"},
		{"unterminated quoted identifier", `SELECT "abc FROM t`, 1, 18, `mismatched character '<EOF>' expecting '"'`},
		{"unterminated dollar string", `INSERT INTO t (a) VALUES ($$abc)`, 1, 32, "mismatched character '<EOF>' expecting '$'"},
		{"unterminated comment", `SELECT * /* FROM t`, 1, 18, "mismatched character '<EOF>' expecting '*'"},
		{"bad character", `SELECT * FROM t WHERE a = @`, 1, 26, "no viable alternative at character '@'"},
		{"integer glued to word", `UPDATE t SET d = 3x WHERE k = 1`, 1, 18, "mismatched input 'x' expecting K_WHERE"},
		{"bad duration unit", `UPDATE t SET d = 1h30x WHERE k = 1`, 1, 21, "no viable alternative at character 'x'"},
		{"duration without unit", `UPDATE t SET d = 1h30 WHERE k = 1`, 1, 21, "no viable alternative at character ' '"},
		{"second line", "SELECT *\nFROM t\nWHERE a == 1", 3, 9, "no viable alternative at input '='"},
		{"two statements", `SELECT * FROM t; SELECT * FROM t`, 1, 17, "mismatched input 'SELECT' expecting <EOF>"},
		{"reserved word as column", `SELECT from FROM t`, 1, 7, "mismatched input 'from' expecting IDENT"},
		{"missing where in update", `UPDATE t SET a = 1`, 1, 18, "expecting K_WHERE"},
		{"ttl on delete", `DELETE FROM t USING TTL 1 WHERE k = 1`, 1, 20, "mismatched input 'TTL' expecting K_TIMESTAMP"},
		{"unmatched values", `INSERT INTO t (a, b) VALUES (1)`, 1, 28, "Unmatched column names/values"},
		{"update other column", `UPDATE t SET a = b + 1 WHERE k = 1`, 1, 17, "Only expressions of the form X = X"},
		{"no primary key", `CREATE TABLE t (a int)`, 1, 15, "No PRIMARY KEY"},
		{"two primary keys", `CREATE TABLE t (a int PRIMARY KEY, b int, PRIMARY KEY (b))`, 1, 42, "Multiple PRIMARY KEYs"},
		{"bad map arity", `CREATE TABLE t (a int PRIMARY KEY, m map<int>)`, 1, 44, "Invalid number of type parameters for map"},
		{"unknown keyspace property", `CREATE KEYSPACE k WITH foo = 1`, 1, 23, "Unknown property 'foo'"},
		{"replication not a map", `CREATE KEYSPACE k WITH replication = 'x'`, 1, 37, "a map is required"},
		{"bad limit", `SELECT * FROM t LIMIT 'x'`, 1, 22, "mismatched input ''x'' expecting INTEGER"},
		{"multi-column needs tuple", `SELECT * FROM t WHERE (a, b) = 1`, 1, 31, "expecting '('"},
		{"unclosed batch", `BEGIN BATCH INSERT INTO t (a) VALUES (1)`, 1, 40, "mismatched input '<EOF>' expecting K_APPLY"},
		{"select in batch", `BEGIN BATCH SELECT * FROM t APPLY BATCH`, 1, 12, "expecting K_APPLY"},
		{"bad alter", `ALTER THING x`, 1, 6, "no viable alternative at input 'THING'"},
		{"type named like a native type", `CREATE TYPE int (a int)`, 1, 12, "no viable alternative at input 'int'"},
		{"reserved type name", `CREATE TYPE ks.enum (a int)`, 1, 15, "Invalid (reserved) user type name enum"},
		{"type without fields", `CREATE TYPE t ()`, 1, 15, "expecting IDENT"},
		{"bad alter type", `ALTER TYPE t DROP f`, 1, 13, "no viable alternative at input 'DROP'"},
		{"duplicate udt field", `INSERT INTO t (k, a) VALUES (1, {f: 1, f: 2})`, 1, 39, "Duplicate field 'f' in user type literal"},
		{"udt field without value", `INSERT INTO t (k, a) VALUES (1, {f: })`, 1, 36, "no viable alternative at input '}'"},
		{"bare identifier term", `SELECT * FROM t WHERE a = b`, 1, 26, "no viable alternative at input 'b'"},
		{"empty quoted identifier", `SELECT "" FROM t`, 1, 7, `no viable alternative at input '""'`},
		{"column after rune", "SELECT * FROM t WHERE a = 'é' b", 1, 30, "mismatched input 'b' expecting <EOF>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.query)
			require.Error(t, err)
			assert.Nil(t, p)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "error is a *SyntaxError")
			assert.Equal(t, tc.line, se.Line)
			assert.Equal(t, tc.col, se.Col)
			assert.Contains(t, se.Error(), tc.contains)
			assert.True(t, strings.HasPrefix(se.Error(), "line "), se.Error())
		})
	}
}

func TestParseDepthLimit(t *testing.T) {
	tests := []struct {
		name  string
		open  string
		close string
	}{
		{"lists", "[", "]"},
		{"tuples", "(", ")"},
		{"sets", "{", "}"},
		{"functions", "f(", ")"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok := "UPDATE t SET v = " + strings.Repeat(tc.open, maxDepth-1) + "1" +
				strings.Repeat(tc.close, maxDepth-1) + " WHERE k = 0"
			_, err := Parse(ok)
			require.NoError(t, err)

			deep := "UPDATE t SET v = " + strings.Repeat(tc.open, 100000) + "1" +
				strings.Repeat(tc.close, 100000) + " WHERE k = 0"
			_, err = Parse(deep)
			var se *SyntaxError
			require.True(t, errors.As(err, &se))
			assert.Contains(t, se.Msg, "nesting deeper than 64 levels")
		})
	}
	t.Run("types", func(t *testing.T) {
		deep := "CREATE TABLE t (k " + strings.Repeat("frozen<", 100000) + "int" +
			strings.Repeat(">", 100000) + " PRIMARY KEY)"
		_, err := Parse(deep)
		var se *SyntaxError
		require.True(t, errors.As(err, &se))
		assert.Contains(t, se.Msg, "nesting deeper")
	})
}

func TestErrorTokenIsShortened(t *testing.T) {
	long := strings.Repeat("é", 1000)
	_, err := Parse("SELECT * FROM t WHERE a = 1 '" + long + "'")
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 200)
	assert.Contains(t, err.Error(), "...")
}

func TestOpString(t *testing.T) {
	for op, want := range map[Op]string{
		OpEq: "=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=", OpIn: "IN",
		OpNe: "!=", OpContains: "CONTAINS", OpContainsKey: "CONTAINS KEY", Op(99): "?",
	} {
		assert.Equal(t, want, op.String())
	}
}

func TestParseUnreservedNames(t *testing.T) {
	p, err := Parse(`SELECT key, type, ttl, writetime, count, values, default, group, like FROM system.local WHERE key = 'local' USING`)
	require.Error(t, err, "USING is reserved")
	assert.Nil(t, p)

	p, err = Parse(`SELECT key, type, ttl, writetime, count, values, default, group, like FROM system.local WHERE key = 'local'`)
	require.NoError(t, err)
	assert.Equal(t, cols("key", "type", "ttl", "writetime", "count", "values", "default", "group", "like"),
		p.Stmt.(*Select).Selectors)
}

func BenchmarkParse(b *testing.B) {
	inList := "SELECT * FROM t WHERE k IN (" + strings.Repeat("'abcdef', ", 100000) + "'x')"
	benchmarks := []struct {
		name  string
		query string
	}{
		{"system.local", `SELECT * FROM system.local WHERE key='local'`},
		{"token range", `SELECT a, b, c FROM "Ks"."Tab" WHERE token(a) > ? AND token(a) <= ? LIMIT 1000`},
		{"in list 100k", inList},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.query)))
			for b.Loop() {
				if _, err := Parse(bm.query); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
