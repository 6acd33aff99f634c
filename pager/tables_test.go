package pager_test

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
)

// testKeyspace holds the test tables.
const testKeyspace = "pagertest"

// testTable is a table the tests page through: every clustering order
// shape, partitions larger than a page, and names that need quoting.
type testTable struct {
	name   string // as stored
	ddl    string
	insert string
	rows   int
	row    func(i int) []any
}

var testTables = []testTable{
	{
		name:   "kv",
		ddl:    `CREATE TABLE pagertest.kv (k int PRIMARY KEY, v text)`,
		insert: `INSERT INTO pagertest.kv (k, v) VALUES (?, ?)`,
		rows:   240,
		row:    func(i int) []any { return []any{i, fmt.Sprintf("v%d", i)} },
	},
	{
		name:   "asc_c",
		ddl:    `CREATE TABLE pagertest.asc_c (p int, c int, v text, PRIMARY KEY (p, c))`,
		insert: `INSERT INTO pagertest.asc_c (p, c, v) VALUES (?, ?, ?)`,
		rows:   240,
		row:    func(i int) []any { return []any{i % 4, i, fmt.Sprintf("v%d", i)} },
	},
	{
		name:   "desc_ts",
		ddl:    `CREATE TABLE pagertest.desc_ts (p text, c timestamp, v bigint, PRIMARY KEY (p, c)) WITH CLUSTERING ORDER BY (c DESC)`,
		insert: `INSERT INTO pagertest.desc_ts (p, c, v) VALUES (?, ?, ?)`,
		rows:   240,
		row: func(i int) []any {
			return []any{fmt.Sprintf("p%d", i%3), time.UnixMilli(1_700_000_000_000 + int64(i)*1000).UTC(), int64(i) * 7}
		},
	},
	{
		name:   "mixed",
		ddl:    `CREATE TABLE pagertest.mixed (p int, q text, c1 int, c2 text, v blob, PRIMARY KEY ((p, q), c1, c2)) WITH CLUSTERING ORDER BY (c1 DESC, c2 ASC)`,
		insert: `INSERT INTO pagertest.mixed (p, q, c1, c2, v) VALUES (?, ?, ?, ?, ?)`,
		rows:   240,
		row: func(i int) []any {
			return []any{i % 3, "q", i % 7, fmt.Sprintf("c%03d", i), []byte{byte(i)}}
		},
	},
	{
		name:   "three",
		ddl:    `CREATE TABLE pagertest.three (p int, c1 int, c2 varint, c3 text, v double, PRIMARY KEY (p, c1, c2, c3)) WITH CLUSTERING ORDER BY (c1 ASC, c2 DESC, c3 ASC)`,
		insert: `INSERT INTO pagertest.three (p, c1, c2, c3, v) VALUES (?, ?, ?, ?, ?)`,
		rows:   240,
		row: func(i int) []any {
			return []any{i % 2, i % 3, big.NewInt(int64(i%5 - 2)), fmt.Sprintf("c%d", i), float64(i) / 2}
		},
	},
	{
		name:   "Quoted Table",
		ddl:    `CREATE TABLE pagertest."Quoted Table" ("Id" int, "select" int, "Val" text, PRIMARY KEY ("Id", "select"))`,
		insert: `INSERT INTO pagertest."Quoted Table" ("Id", "select", "Val") VALUES (?, ?, ?)`,
		rows:   100,
		row:    func(i int) []any { return []any{i % 2, i, "x"} },
	},
}

// loadTables creates the test tables on c and fills them.
func loadTables(t testing.TB, c *cqlsim.Cluster) {
	t.Helper()
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE pagertest WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`))
	for _, tt := range testTables {
		require.NoError(t, c.ExecDDL(tt.ddl), tt.name)
	}
	s := connect(t, c)
	for _, tt := range testTables {
		b := s.Batch(gocql.UnloggedBatch)
		for i := range tt.rows {
			b.Query(tt.insert, tt.row(i)...)
		}
		require.NoError(t, b.Exec(), tt.name)
	}
}

// rawDest receives a value as its wire bytes, for reference reads made
// with gocql alone.
type rawDest struct{ dst *[]byte }

func (d rawDest) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	*d.dst = slices.Clone(data)
	return nil
}

// readAll reads every row of a statement with gocql's own auto-paging, in
// server order, as raw values: the reference the pagers are checked
// against.
func readAll(t testing.TB, s *gocql.Session, stmt string, values ...any) [][][]byte {
	t.Helper()
	iter := s.Query(stmt, values...).WithContext(context.Background()).PageSize(1000).Iter()
	n := len(iter.Columns())
	var out [][][]byte
	for {
		vals := make([][]byte, n)
		dest := make([]any, n)
		for i := range dest {
			dest[i] = rawDest{&vals[i]}
		}
		if !iter.Scan(dest...) {
			break
		}
		out = append(out, vals)
	}
	require.NoError(t, iter.Close())
	return out
}

// selectAll is SELECT * of a test table.
func selectAll(table string) string {
	return fmt.Sprintf(`SELECT * FROM %s.%q`, testKeyspace, table)
}
