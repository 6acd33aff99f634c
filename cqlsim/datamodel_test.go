package cqlsim_test

import (
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/internal/testutil"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// waitMetadata returns the driver's metadata of keyspace ks once ok
// accepts it: gocql refreshes its schema metadata a second after a
// SCHEMA_CHANGE event.
func waitMetadata(t *testing.T, s *gocql.Session, ks string, ok func(*gocql.KeyspaceMetadata) bool) *gocql.KeyspaceMetadata {
	t.Helper()
	var km *gocql.KeyspaceMetadata
	require.Eventually(t, func() bool {
		var err error
		km, err = s.KeyspaceMetadata(ks)
		return err == nil && ok(km)
	}, 10*time.Second, 10*time.Millisecond)
	return km
}

// columnNames lists the result columns of a query.
func columnNames(t *testing.T, it *gocql.Iter) []string {
	t.Helper()
	var names []string
	for _, c := range it.Columns() {
		names = append(names, c.Name)
	}
	return names
}

// rowStrings reads every row of it as "v1|v2|...", nulls as "null",
// sorted, so that rows compare as a multiset.
func rowStrings(t *testing.T, it *gocql.Iter) []string {
	t.Helper()
	var out []string
	for {
		m := map[string]any{}
		if !it.MapScan(m) {
			break
		}
		cols := it.Columns()
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = valueString(m[c.Name])
		}
		out = append(out, strings.Join(parts, "|"))
	}
	require.NoError(t, it.Close())
	sort.Strings(out)
	return out
}

// valueString renders a scanned value; gocql scans nulls as zero values
// into a map, so pointers and nil are told apart where it matters by the
// tests' choice of types.
func valueString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case *string:
		if x == nil {
			return "null"
		}
		return *x
	case *int:
		if x == nil {
			return "null"
		}
		return fmt.Sprint(*x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + valueString(x[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprint(v)
}

// TestStaticColumns covers static columns through gocql: SELECT * order,
// one static row per partition, partitions with static values only,
// paging through them, and the writes Cassandra allows and refuses.
func TestStaticColumns(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 2, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "st", 1)
	// "a" sorts before the statics, yet Cassandra lists static columns
	// before regular ones (RegularAndStaticColumns.selectOrderIterator).
	mustExec(t, s, `CREATE TABLE st.t (k int, c int, s text static, r int static, a text, PRIMARY KEY (k, c))`)

	t.Run("select star order", func(t *testing.T) {
		it := s.Query(`SELECT * FROM st.t`).Iter()
		assert.Equal(t, []string{"k", "c", "r", "s", "a"}, columnNames(t, it))
		require.NoError(t, it.Close())
		km := waitMetadata(t, s, "st", func(km *gocql.KeyspaceMetadata) bool { return km.Tables["t"] != nil })
		assert.Equal(t, gocql.ColumnStatic, km.Tables["t"].Columns["s"].Kind)
		assert.Equal(t, gocql.ColumnRegular, km.Tables["t"].Columns["a"].Kind)
		var kind string
		var pos int
		require.NoError(t, s.Query(`SELECT kind, position FROM system_schema.columns WHERE keyspace_name = 'st' AND table_name = 't' AND column_name = 'r'`).Scan(&kind, &pos))
		assert.Equal(t, "static", kind)
		assert.Equal(t, -1, pos)
	})

	// Partition 1: rows and statics; 2: statics only; 3: rows only.
	mustExec(t, s,
		`INSERT INTO st.t (k, c, s, a) VALUES (1, 1, 'one', 'x')`,
		`INSERT INTO st.t (k, c, a) VALUES (1, 2, 'y')`,
		`INSERT INTO st.t (k, s, r) VALUES (2, 'only', 7)`,
		`INSERT INTO st.t (k, c, a) VALUES (3, 1, 'z')`,
	)
	star := func(t *testing.T, q string, args ...any) []string {
		t.Helper()
		var out []string
		it := s.Query(q, args...).Iter()
		var k int
		var cc, r *int
		var st, a *string
		for it.Scan(&k, &cc, &r, &st, &a) {
			out = append(out, fmt.Sprintf("%d|%s|%s|%s|%s", k, valueString(cc), valueString(r), valueString(st), valueString(a)))
		}
		require.NoError(t, it.Close())
		sort.Strings(out)
		return out
	}
	all := []string{"1|1|null|one|x", "1|2|null|one|y", "2|null|7|only|null", "3|1|null|null|z"}

	t.Run("static row shared by the partition's rows", func(t *testing.T) {
		assert.Equal(t, all, star(t, `SELECT * FROM st.t`))
		var n int64
		require.NoError(t, s.Query(`SELECT count(*) FROM st.t`).Scan(&n))
		assert.EqualValues(t, len(all), n, "count(*) counts the static-only partition")
	})

	t.Run("paging through static-only partitions", func(t *testing.T) {
		for _, size := range []int{1, 2, 3} {
			var got []string
			var state []byte
			pages := 0
			for {
				it := s.Query(`SELECT * FROM st.t`).PageSize(size).PageState(state).Iter()
				var k int
				var cc, r *int
				var st, a *string
				for it.Scan(&k, &cc, &r, &st, &a) {
					got = append(got, fmt.Sprintf("%d|%s|%s|%s|%s", k, valueString(cc), valueString(r), valueString(st), valueString(a)))
				}
				state = it.PageState()
				require.NoError(t, it.Close())
				pages++
				if len(state) == 0 {
					break
				}
			}
			sort.Strings(got)
			assert.Equal(t, all, got, "page size %d", size)
			assert.GreaterOrEqual(t, pages, len(all)/size, "page size %d", size)
		}
	})

	t.Run("only full-partition queries return static-only rows", func(t *testing.T) {
		assert.Equal(t, []string{"2|null|7|only|null"}, star(t, `SELECT * FROM st.t WHERE k = 2`))
		assert.Empty(t, star(t, `SELECT * FROM st.t WHERE k = 2 AND c > 0`), "a clustering restriction")
		assert.Empty(t, star(t, `SELECT * FROM st.t WHERE k = 2 AND a = 'q' ALLOW FILTERING`), "a regular column restriction")
		// Selecting no static column still returns the partition, as
		// Cassandra 4.1 fetches every column for full-partition queries.
		var k int
		var a *string
		require.NoError(t, s.Query(`SELECT k, a FROM st.t WHERE k = 2`).Scan(&k, &a))
		assert.Equal(t, 2, k)
		assert.Nil(t, a)
	})

	t.Run("distinct", func(t *testing.T) {
		var got []string
		it := s.Query(`SELECT DISTINCT k, s FROM st.t`).PageSize(1).Iter()
		var k int
		var st *string
		for it.Scan(&k, &st) {
			got = append(got, fmt.Sprintf("%d|%s", k, valueString(st)))
		}
		require.NoError(t, it.Close())
		sort.Strings(got)
		assert.Equal(t, []string{"1|one", "2|only", "3|null"}, got)
		err := s.Query(`SELECT DISTINCT k, a FROM st.t`).Exec()
		assert.ErrorContains(t, err, "SELECT DISTINCT queries must only request partition key columns and/or static columns (not a)")
	})

	t.Run("writes", func(t *testing.T) {
		mustExec(t, s, `CREATE TABLE st.w (k int, c int, s text static, a text, PRIMARY KEY (k, c))`,
			`UPDATE st.w SET s = 'u' WHERE k = 1`,
			`INSERT INTO st.w (k, c, a) VALUES (1, 1, 'x')`,
			`UPDATE st.w SET s = 'v', a = 'y' WHERE k = 1 AND c = 2`)
		var got []string
		it := s.Query(`SELECT c, s, a FROM st.w WHERE k = 1`).Iter()
		var cc int
		var st, a *string
		for it.Scan(&cc, &st, &a) {
			got = append(got, fmt.Sprintf("%d|%s|%s", cc, valueString(st), valueString(a)))
		}
		require.NoError(t, it.Close())
		assert.Equal(t, []string{"1|v|x", "2|v|y"}, got)

		mustExec(t, s, `DELETE s FROM st.w WHERE k = 1`)
		require.NoError(t, s.Query(`SELECT s FROM st.w WHERE k = 1 AND c = 1`).Scan(&st))
		assert.Nil(t, st)
		mustExec(t, s, `UPDATE st.w SET s = 'w' WHERE k = 1`, `DELETE FROM st.w WHERE k = 1 AND c = 1`)
		require.NoError(t, s.Query(`SELECT s FROM st.w WHERE k = 1 AND c = 2`).Scan(&st))
		assert.Equal(t, "w", *st, "a row deletion keeps the static row")
		mustExec(t, s, `DELETE FROM st.w WHERE k = 1`)
		assert.Empty(t, scanInts(t, s.Query(`SELECT c FROM st.w WHERE k = 1`).Iter()), "a partition deletion removes the static row too")

		for _, tt := range []struct{ query, msg string }{
			{`UPDATE st.w SET s = 'x' WHERE k = 1 AND c = 1`, "Invalid restrictions on clustering columns since the UPDATE statement modifies only static columns"},
			{`DELETE s FROM st.w WHERE k = 1 AND c = 1`, "Invalid restrictions on clustering columns since the DELETE statement modifies only static columns"},
			{`DELETE a FROM st.w WHERE k = 1`, "Primary key column 'c' must be specified in order to delete column 'a'"},
			{`UPDATE st.w SET s = 'x', a = 'y' WHERE k = 1`, "Some clustering keys are missing: c"},
			{`INSERT INTO st.w (k, a) VALUES (1, 'x')`, "Some clustering keys are missing: c"},
			{`CREATE TABLE st.bad (k int PRIMARY KEY, s int static)`, "Static columns are only useful (and thus allowed) if the table has at least one clustering column"},
			{`CREATE TABLE st.bad (k int, s int static, PRIMARY KEY (k, s))`, "Static column 's' cannot be part of the PRIMARY KEY"},
		} {
			err := s.Query(tt.query).Exec()
			if assert.Error(t, err, tt.query) {
				assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err), tt.query)
				assert.Contains(t, err.Error(), tt.msg, tt.query)
			}
		}
	})
}

// TestUserDefinedTypes covers UDTs through gocql: DDL, system_schema.types
// and the driver's metadata, the UDT option of result metadata, literals,
// bind values, nesting in collections and tuples, non-frozen UDT columns.
func TestUserDefinedTypes(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "ut", 1)
	mustExec(t, s,
		`CREATE TYPE ut.addr (street text, zip int, tags list<text>)`,
		`CREATE TYPE ut."Person" (name text, home frozen<addr>, alt map<text, frozen<addr>>)`,
		`CREATE TYPE IF NOT EXISTS ut.addr (x int)`, // a no-op
		`CREATE TYPE ut.point (x int, y int)`,
		`CREATE TABLE ut.t (k int PRIMARY KEY, a frozen<addr>, p frozen<"Person">, l list<frozen<addr>>, tu tuple<int, frozen<addr>>, pt point)`,
	)

	t.Run("schema", func(t *testing.T) {
		var names, types []string
		require.NoError(t, s.Query(`SELECT field_names, field_types FROM system_schema.types WHERE keyspace_name = 'ut' AND type_name = 'Person'`).Scan(&names, &types))
		assert.Equal(t, []string{"name", "home", "alt"}, names)
		assert.Equal(t, []string{"text", "frozen<addr>", "map<text, frozen<addr>>"}, types)
		require.NoError(t, s.Query(`SELECT field_types FROM system_schema.types WHERE keyspace_name = 'ut' AND type_name = 'addr'`).Scan(&types))
		assert.Equal(t, []string{"text", "int", "list<text>"}, types, "the field types as declared")
		var typ string
		require.NoError(t, s.Query(`SELECT type FROM system_schema.columns WHERE keyspace_name = 'ut' AND table_name = 't' AND column_name = 'p'`).Scan(&typ))
		assert.Equal(t, `frozen<"Person">`, typ)
		require.NoError(t, s.Query(`SELECT type FROM system_schema.columns WHERE keyspace_name = 'ut' AND table_name = 't' AND column_name = 'pt'`).Scan(&typ))
		assert.Equal(t, "point", typ, "a non-frozen UDT column")

		km := waitMetadata(t, s, "ut", func(km *gocql.KeyspaceMetadata) bool { return km.Tables["t"] != nil })
		require.Contains(t, km.UserTypes, "addr")
		assert.Equal(t, []string{"street", "zip", "tags"}, km.UserTypes["addr"].FieldNames)
		require.Contains(t, km.UserTypes, "Person")
	})

	t.Run("result metadata carries the UDT option", func(t *testing.T) {
		it := s.Query(`SELECT p FROM ut.t`).Iter()
		require.NoError(t, it.Close())
		udt, ok := it.Columns()[0].TypeInfo.(gocql.UDTTypeInfo)
		require.True(t, ok, "%T", it.Columns()[0].TypeInfo)
		assert.Equal(t, "ut", udt.Keyspace)
		assert.Equal(t, "Person", udt.Name)
		require.Len(t, udt.Elements, 3)
		assert.Equal(t, "home", udt.Elements[1].Name)
		home, ok := udt.Elements[1].Type.(gocql.UDTTypeInfo)
		require.True(t, ok, "%T", udt.Elements[1].Type)
		assert.Equal(t, "addr", home.Name)
		assert.Equal(t, []string{"street", "zip", "tags"}, []string{home.Elements[0].Name, home.Elements[1].Name, home.Elements[2].Name})
	})

	t.Run("literals and bind values", func(t *testing.T) {
		mustExec(t, s, `INSERT INTO ut.t (k, a, p, l, tu) VALUES (1, {street: 'Main', zip: 10, tags: ['a', 'b']},
			{name: 'Ada', home: {street: 'Home', zip: null}, alt: {'work': {street: 'Work'}}},
			[{street: 'L1'}, {zip: 2}], (5, {street: 'T'}))`)
		// Bind values: gocql marshals maps with the prepared metadata.
		require.NoError(t, s.Query(`INSERT INTO ut.t (k, a, p) VALUES (?, ?, ?)`, 2,
			map[string]any{"street": "Bound", "zip": 20, "tags": []string{"x"}},
			map[string]any{"name": "Bo", "home": map[string]any{"street": "H", "zip": 1}}).Exec())
		a := map[string]any{}
		p := map[string]any{}
		require.NoError(t, s.Query(`SELECT a, p FROM ut.t WHERE k = 1`).Scan(&a, &p))
		assert.Equal(t, "Main", a["street"])
		assert.Equal(t, 10, a["zip"])
		assert.Equal(t, []string{"a", "b"}, a["tags"])
		assert.Equal(t, "Ada", p["name"])
		home, _ := p["home"].(map[string]any)
		assert.Equal(t, "Home", home["street"])
		alt, _ := p["alt"].(map[string]map[string]any)
		assert.Equal(t, "Work", alt["work"]["street"])
		require.NoError(t, s.Query(`SELECT a, p FROM ut.t WHERE k = 2`).Scan(&a, &p))
		assert.Equal(t, "Bound", a["street"])
		assert.Equal(t, []string{"x"}, a["tags"])
		home, _ = p["home"].(map[string]any)
		assert.Equal(t, 1, home["zip"])

		var l []map[string]any
		require.NoError(t, s.Query(`SELECT l FROM ut.t WHERE k = 1`).Scan(&l))
		require.Len(t, l, 2)
		assert.Equal(t, "L1", l[0]["street"])
		assert.Equal(t, 2, l[1]["zip"])
		var n int
		ta := map[string]any{}
		require.NoError(t, s.Query(`SELECT tu FROM ut.t WHERE k = 1`).Scan(&n, &ta))
		assert.Equal(t, 5, n)
		assert.Equal(t, "T", ta["street"])
	})

	t.Run("non-frozen udt column", func(t *testing.T) {
		mustExec(t, s, `INSERT INTO ut.t (k, pt) VALUES (3, {x: 1})`, `UPDATE ut.t SET pt.y = 2 WHERE k = 3`)
		pt := map[string]any{}
		require.NoError(t, s.Query(`SELECT pt FROM ut.t WHERE k = 3`).Scan(&pt))
		assert.Equal(t, map[string]any{"x": 1, "y": 2}, pt)
		mustExec(t, s, `INSERT INTO ut.t (k, pt) VALUES (4, {x: null})`)
		var raw []byte
		require.NoError(t, s.Query(`SELECT pt FROM ut.t WHERE k = 4`).Scan(&raw))
		assert.Nil(t, raw, "a non-frozen UDT with no field set is null")
		// Likewise an empty non-frozen collection, unlike a frozen one.
		mustExec(t, s, `CREATE TABLE ut.coll (k int PRIMARY KEY, l list<int>, f frozen<list<int>>)`,
			`INSERT INTO ut.coll (k, l, f) VALUES (1, [], [])`)
		var l, f []byte
		require.NoError(t, s.Query(`SELECT l, f FROM ut.coll WHERE k = 1`).Scan(&rawCell{&l}, &rawCell{&f}))
		assert.Nil(t, l, "an empty non-frozen list is null")
		assert.Equal(t, []byte{0, 0, 0, 0}, f, "an empty frozen list is empty")
	})

	t.Run("alter type", func(t *testing.T) {
		mustExec(t, s, `CREATE TYPE ut.v (a int)`, `CREATE TABLE ut.av (k int PRIMARY KEY, v frozen<v>)`,
			`INSERT INTO ut.av (k, v) VALUES (1, {a: 1})`, `ALTER TYPE ut.v ADD b text`,
			`INSERT INTO ut.av (k, v) VALUES (2, {a: 2, b: 'two'})`, `ALTER TYPE ut.v RENAME a TO first`)
		var got []string
		it := s.Query(`SELECT k, v FROM ut.av`).Iter()
		var k int
		v := map[string]any{}
		for it.Scan(&k, &v) {
			got = append(got, fmt.Sprintf("%d %v", k, valueString(v)))
			v = map[string]any{}
		}
		require.NoError(t, it.Close())
		sort.Strings(got)
		// A value written before ADD has no b, as in Cassandra: the
		// stored bytes end before it and gocql sets no b.
		assert.Equal(t, []string{"1 {first:1}", "2 {b:two,first:2}"}, got)
		err := s.Query(`ALTER TYPE ut.v ALTER b TYPE blob`).Exec()
		assert.ErrorContains(t, err, "Altering field types is no longer supported")
	})

	t.Run("drop type", func(t *testing.T) {
		err := s.Query(`DROP TYPE ut.addr`).Exec()
		assert.ErrorContains(t, err, "Cannot drop user type 'ut.addr' as it is still used by user types Person")
		mustExec(t, s, `CREATE TYPE ut.gone (a int)`, `CREATE TABLE ut.g (k int PRIMARY KEY, g frozen<gone>)`)
		err = s.Query(`DROP TYPE ut.gone`).Exec()
		assert.ErrorContains(t, err, "Cannot drop user type 'ut.gone' as it is still used by tables g")
		mustExec(t, s, `DROP TABLE ut.g`, `DROP TYPE ut.gone`, `DROP TYPE IF EXISTS ut.gone`)
		var n int64
		require.NoError(t, s.Query(`SELECT count(*) FROM system_schema.types WHERE keyspace_name = 'ut' AND type_name = 'gone'`).Scan(&n))
		assert.Zero(t, n)
	})

	t.Run("errors", func(t *testing.T) {
		for _, tt := range []struct{ query, msg string }{
			{`CREATE TABLE ut.e (k int PRIMARY KEY, a nosuch)`, "Unknown type ut.nosuch"},
			{`CREATE TABLE ut.e (k int PRIMARY KEY, a list<addr>)`, "Non-frozen UDTs are not allowed inside collections"},
			{`CREATE TABLE ut.e (k int PRIMARY KEY, a addr)`, "Non-frozen UDTs with nested non-frozen collections are not supported"},
			{`CREATE TABLE ut.e (k point PRIMARY KEY)`, "Invalid non-frozen user-defined type point for PRIMARY KEY column 'k'"},
			{`CREATE TYPE ut.e (c counter)`, "A user type cannot contain counters"},
			{`CREATE TYPE ut.e (p point)`, "A user type cannot contain non-frozen UDTs"},
			{`CREATE TYPE ut.e (a int, a text)`, "Duplicate field name 'a' in type 'e'"},
			{`CREATE TYPE ut.point (a int)`, "A user type with name 'point' already exists"},
			{`CREATE TYPE nosuchks.e (a int)`, "Keyspace 'nosuchks' doesn't exist"},
			{`INSERT INTO ut.t (k, a) VALUES (9, {nosuch: 1})`, "Unknown field 'nosuch' in value of user defined type addr"},
			{`INSERT INTO ut.t (k, a) VALUES (9, {street: 1})`, "street"},
			{`UPDATE ut.t SET a.zip = 1 WHERE k = 1`, "frozen UDT column a"},
		} {
			err := s.Query(tt.query).Exec()
			if assert.Error(t, err, tt.query) {
				assert.Contains(t, err.Error(), tt.msg, tt.query)
			}
		}
	})
}

// TestCounters covers counter tables: increments and decrements, and the
// statements Cassandra refuses on them, with its messages.
// TestCollectionLiterals checks how collection literals are stored, as
// serialized bytes (a driver decoding a map into a Go map would hide a
// duplicate key): a list as written, a set sorted without duplicates, a
// map sorted by key with one entry per key. Cassandra keeps one entry of
// a key written twice (Maps.DelayedValue.bind puts every entry in a
// TreeMap); cqlsim keeps the last.
func TestCollectionLiterals(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "cl", 1)
	mustExec(t, s,
		`CREATE TABLE cl.t (k int PRIMARY KEY, l list<int>, st set<int>, m map<int, text>)`,
		`INSERT INTO cl.t (k, l, st, m) VALUES (1, [3, 1, 3], {3, 1, 3}, {2: 'b', 1: 'a', 2: 'c'})`)
	var l, st, m []byte
	require.NoError(t, s.Query(`SELECT l, st, m FROM cl.t WHERE k = 1`).Scan(rawCell{&l}, rawCell{&st}, rawCell{&m}))
	i := func(n byte) string { return "00000004000000" + fmt.Sprintf("%02x", n) }
	txt := func(c byte) string { return fmt.Sprintf("00000001%02x", c) }
	assert.Equal(t, "00000003"+i(3)+i(1)+i(3), fmt.Sprintf("%x", l), "a list as written")
	assert.Equal(t, "00000002"+i(1)+i(3), fmt.Sprintf("%x", st), "a set sorted, without duplicates")
	assert.Equal(t, "00000002"+i(1)+txt('a')+i(2)+txt('c'), fmt.Sprintf("%x", m), "a map sorted by key, one entry per key")

	// Bound values, as a driver may send them: unsorted, a repeated set
	// element and map key. Cassandra reads a bound set or map into a
	// sorted one (Sets.Value.fromSerialized, Maps.Value.fromSerialized).
	hexVal := func(h string) rawBound {
		b, err := hex.DecodeString(h)
		require.NoError(t, err)
		return rawBound(b)
	}
	require.NoError(t, s.Query(`INSERT INTO cl.t (k, l, st, m) VALUES (2, ?, ?, ?)`,
		hexVal("00000003"+i(3)+i(1)+i(3)), hexVal("00000003"+i(3)+i(1)+i(3)),
		hexVal("00000003"+i(2)+txt('b')+i(1)+txt('a')+i(2)+txt('c'))).Exec())
	require.NoError(t, s.Query(`SELECT l, st, m FROM cl.t WHERE k = 2`).Scan(rawCell{&l}, rawCell{&st}, rawCell{&m}))
	assert.Equal(t, "00000003"+i(3)+i(1)+i(3), fmt.Sprintf("%x", l), "a bound list as sent")
	assert.Equal(t, "00000002"+i(1)+i(3), fmt.Sprintf("%x", st), "a bound set sorted, without duplicates")
	assert.Equal(t, "00000002"+i(1)+txt('a')+i(2)+txt('c'), fmt.Sprintf("%x", m), "a bound map sorted by key, one entry per key")
}

// rawBound is a bound value sent as these bytes, whatever the column's type.
type rawBound []byte

func (r rawBound) MarshalCQL(gocql.TypeInfo) ([]byte, error) { return r, nil }

func TestCounters(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := connect(t, c)
	createKeyspace(t, s, "ct", 1)
	mustExec(t, s, `CREATE TABLE ct.c (k int, g text, hits counter, misses counter, PRIMARY KEY (k, g))`)
	for range 3 {
		require.NoError(t, s.Query(`UPDATE ct.c SET hits = hits + ?, misses = misses - 1 WHERE k = ? AND g = ?`, 2, 1, "a").Exec())
	}
	var hits, misses int64
	require.NoError(t, s.Query(`SELECT hits, misses FROM ct.c WHERE k = 1 AND g = 'a'`).Scan(&hits, &misses))
	assert.EqualValues(t, 6, hits)
	assert.EqualValues(t, -3, misses)

	b := s.Batch(gocql.CounterBatch)
	b.Query(`UPDATE ct.c SET hits = hits + 10 WHERE k = 2 AND g = 'b'`)
	b.Query(`UPDATE ct.c SET hits = hits + 5 WHERE k = 2 AND g = 'b'`)
	require.NoError(t, b.Exec())
	require.NoError(t, s.Query(`SELECT hits FROM ct.c WHERE k = 2 AND g = 'b'`).Scan(&hits))
	assert.EqualValues(t, 15, hits)

	// A deleted counter stays deleted (Cassandra's CASSANDRA-7346).
	mustExec(t, s, `DELETE hits FROM ct.c WHERE k = 2 AND g = 'b'`, `UPDATE ct.c SET hits = hits + 1, misses = misses + 1 WHERE k = 2 AND g = 'b'`)
	var h, m *int64
	require.NoError(t, s.Query(`SELECT hits, misses FROM ct.c WHERE k = 2 AND g = 'b'`).Scan(&h, &m))
	assert.Nil(t, h)
	assert.EqualValues(t, 1, *m)

	var flags []string
	require.NoError(t, s.Query(`SELECT flags FROM system_schema.tables WHERE keyspace_name = 'ct' AND table_name = 'c'`).Scan(&flags))
	assert.ElementsMatch(t, []string{"compound", "counter"}, flags)
	var typ string
	require.NoError(t, s.Query(`SELECT type FROM system_schema.columns WHERE keyspace_name = 'ct' AND table_name = 'c' AND column_name = 'hits'`).Scan(&typ))
	assert.Equal(t, "counter", typ)

	mustExec(t, s, `CREATE TABLE ct.plain (k int PRIMARY KEY, v int)`)
	for _, tt := range []struct{ query, msg string }{
		{`INSERT INTO ct.c (k, g, hits) VALUES (1, 'a', 1)`, "INSERT statements are not allowed on counter tables, use UPDATE instead"},
		{`UPDATE ct.c SET hits = 1 WHERE k = 1 AND g = 'a'`, "Cannot set the value of counter column hits (counters can only be incremented/decremented, not set)"},
		{`UPDATE ct.c USING TTL 10 SET hits = hits + 1 WHERE k = 1 AND g = 'a'`, "Cannot provide custom TTL for counter updates"},
		{`UPDATE ct.c USING TIMESTAMP 10 SET hits = hits + 1 WHERE k = 1 AND g = 'a'`, "Cannot provide custom timestamp for counter updates"},
		{`UPDATE ct.plain SET v = v + 1 WHERE k = 1`, "Invalid operation (v = v + ...) for non counter column v"},
		{`CREATE TABLE ct.mixed (k int PRIMARY KEY, n counter, v int)`, "Cannot mix counter and non counter columns in the same table"},
		{`CREATE TABLE ct.key (k counter PRIMARY KEY, n counter)`, "counter type is not supported for PRIMARY KEY column 'k'"},
		{`CREATE TABLE ct.ttl (k int PRIMARY KEY, n counter) WITH default_time_to_live = 10`, "Cannot set default_time_to_live on a table with counters"},
		{`BEGIN BATCH UPDATE ct.c SET hits = hits + 1 WHERE k = 1 AND g = 'a'; APPLY BATCH`, "Cannot include a counter statement in a logged batch"},
		{`BEGIN COUNTER BATCH UPDATE ct.plain SET v = 1 WHERE k = 1; APPLY BATCH`, "Cannot include non-counter statement in a counter batch"},
		{`BEGIN UNLOGGED BATCH UPDATE ct.plain SET v = 1 WHERE k = 1; UPDATE ct.c SET hits = hits + 1 WHERE k = 1 AND g = 'a'; APPLY BATCH`, "Counter and non-counter mutations cannot exist in the same batch"},
	} {
		err := s.Query(tt.query).Exec()
		if assert.Error(t, err, tt.query) {
			assert.Equal(t, gocql.ErrCodeInvalid, requestCode(t, err), tt.query)
			assert.Contains(t, err.Error(), tt.msg, tt.query)
		}
	}
	lb := s.Batch(gocql.LoggedBatch)
	lb.Query(`UPDATE ct.c SET hits = hits + 1 WHERE k = 1 AND g = 'a'`)
	assert.ErrorContains(t, lb.Exec(), "Cannot include a counter statement in a logged batch")
}

// TestWriteTimestampsAndTTL covers write timestamps (USING TIMESTAMP,
// client and server defaults), last-write-wins, TTLs with expiry on the
// cluster's clock, and the writetime() and ttl() selectors.
func TestWriteTimestampsAndTTL(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, Clock: clk.Now})
	// Server-side timestamps, so that they follow the test's clock.
	s := connect(t, c, func(cl *gocql.ClusterConfig) { cl.DefaultTimestamp = false })
	createKeyspace(t, s, "tt", 1)
	mustExec(t, s, `CREATE TABLE tt.t (k int, c int, v text, w text, s text static, l list<int>, f frozen<list<int>>, PRIMARY KEY (k, c))`)
	nowMicros := func() int64 { return clk.Now().UnixMicro() }

	t.Run("timestamps and last write wins", func(t *testing.T) {
		before := nowMicros()
		mustExec(t, s, `INSERT INTO tt.t (k, c, v) VALUES (1, 1, 'server')`)
		var wt int64
		require.NoError(t, s.Query(`SELECT writetime(v) FROM tt.t WHERE k = 1 AND c = 1`).Scan(&wt))
		assert.GreaterOrEqual(t, wt, before, "a server timestamp from the cluster's clock")
		assert.Less(t, wt, before+1000, "the clock stands still: the timestamp is the clock's, plus a few")

		mustExec(t, s, `INSERT INTO tt.t (k, c, v, w) VALUES (2, 1, 'new', 'n') USING TIMESTAMP 2000`,
			`INSERT INTO tt.t (k, c, v) VALUES (2, 1, 'old') USING TIMESTAMP 1000`,
			`UPDATE tt.t USING TIMESTAMP 2000 SET w = 'a' WHERE k = 2 AND c = 1`) // a tie: the larger value wins
		var v, w string
		require.NoError(t, s.Query(`SELECT v, w, writetime(v) FROM tt.t WHERE k = 2 AND c = 1`).Scan(&v, &w, &wt))
		assert.Equal(t, "new", v)
		assert.Equal(t, "n", w)
		assert.EqualValues(t, 2000, wt)

		// A deletion shadows what was written at or before it.
		mustExec(t, s, `DELETE FROM tt.t USING TIMESTAMP 3000 WHERE k = 2 AND c = 1`,
			`INSERT INTO tt.t (k, c, v) VALUES (2, 1, 'late') USING TIMESTAMP 2500`)
		assert.Empty(t, scanInts(t, s.Query(`SELECT c FROM tt.t WHERE k = 2`).Iter()))
		mustExec(t, s, `INSERT INTO tt.t (k, c, v) VALUES (2, 1, 'later') USING TIMESTAMP 3001`)
		require.NoError(t, s.Query(`SELECT v FROM tt.t WHERE k = 2 AND c = 1`).Scan(&v))
		assert.Equal(t, "later", v)

		// The client's default timestamp (flag 0x20), and a batch's.
		require.NoError(t, s.Query(`INSERT INTO tt.t (k, c, v) VALUES (3, 1, 'client')`).WithTimestamp(424242).Exec())
		require.NoError(t, s.Query(`SELECT writetime(v) FROM tt.t WHERE k = 3 AND c = 1`).Scan(&wt))
		assert.EqualValues(t, 424242, wt)
		// With bind values gocql prepares the statement: EXECUTE.
		require.NoError(t, s.Query(`INSERT INTO tt.t (k, c, v) VALUES (?, ?, ?)`, 6, 9, "exec").WithTimestamp(777).Exec())
		require.NoError(t, s.Query(`SELECT writetime(v) FROM tt.t WHERE k = 6 AND c = 9`).Scan(&wt))
		assert.EqualValues(t, 777, wt)
		b := s.Batch(gocql.UnloggedBatch).WithTimestamp(5000)
		b.Query(`INSERT INTO tt.t (k, c, v) VALUES (3, 2, 'b')`)
		b.Query(`INSERT INTO tt.t (k, c, v) VALUES (3, 3, 'b') USING TIMESTAMP 6000`)
		require.NoError(t, b.Exec())
		it := s.Query(`SELECT writetime(v) FROM tt.t WHERE k = 3 AND c >= 2`).Iter()
		var times []int64
		for it.Scan(&wt) {
			times = append(times, wt)
		}
		require.NoError(t, it.Close())
		assert.Equal(t, []int64{5000, 6000}, times)
		mustExec(t, s, `BEGIN BATCH USING TIMESTAMP 7000 INSERT INTO tt.t (k, c, v) VALUES (3, 4, 'cql') APPLY BATCH`)
		require.NoError(t, s.Query(`SELECT writetime(v) FROM tt.t WHERE k = 3 AND c = 4`).Scan(&wt))
		assert.EqualValues(t, 7000, wt)
	})

	t.Run("ttl and expiry", func(t *testing.T) {
		mustExec(t, s, `INSERT INTO tt.t (k, c, v, w) VALUES (4, 1, 'v', 'w') USING TTL 10 AND TIMESTAMP 123`,
			`INSERT INTO tt.t (k, c, v) VALUES (4, 2, 'kept')`,
			`UPDATE tt.t USING TTL 5 SET w = 'short' WHERE k = 4 AND c = 2`,
			`UPDATE tt.t USING TTL 20 SET s = 'static' WHERE k = 4`)
		var ttl, ttlW *int
		var wt int64
		require.NoError(t, s.Query(`SELECT ttl(v), writetime(w) FROM tt.t WHERE k = 4 AND c = 1`).Scan(&ttl, &wt))
		assert.Equal(t, 10, *ttl)
		assert.EqualValues(t, 123, wt)
		require.NoError(t, s.Query(`SELECT ttl(v), ttl(w) FROM tt.t WHERE k = 4 AND c = 2`).Scan(&ttl, &ttlW))
		assert.Nil(t, ttl, "ttl() of a cell without TTL is null")
		assert.Equal(t, 5, *ttlW)

		clk.Add(4 * time.Second)
		require.NoError(t, s.Query(`SELECT ttl(v), ttl(s) FROM tt.t WHERE k = 4 AND c = 1`).Scan(&ttl, &ttlW))
		assert.Equal(t, 6, *ttl, "the TTL left")
		assert.Equal(t, 16, *ttlW)

		clk.Add(2 * time.Second) // w of row 2 expired
		var w *string
		require.NoError(t, s.Query(`SELECT w FROM tt.t WHERE k = 4 AND c = 2`).Scan(&w))
		assert.Nil(t, w, "an expired cell reads as null")
		clk.Add(5 * time.Second) // row 1 (inserted with TTL) expired entirely
		assert.Equal(t, []int{2}, scanInts(t, s.Query(`SELECT c FROM tt.t WHERE k = 4`).Iter()),
			"a row whose every cell and marker expired is gone; a row inserted without TTL stays")
		var n int64
		require.NoError(t, s.Query(`SELECT count(*) FROM tt.t WHERE k = 4`).Scan(&n))
		assert.EqualValues(t, 1, n)
	})

	t.Run("default_time_to_live", func(t *testing.T) {
		mustExec(t, s, `CREATE TABLE tt.d (k int PRIMARY KEY, v int) WITH default_time_to_live = 100`,
			`INSERT INTO tt.d (k, v) VALUES (1, 1)`, `INSERT INTO tt.d (k, v) VALUES (2, 2) USING TTL 0`,
			`INSERT INTO tt.d (k, v) VALUES (3, 3) USING TTL 7`)
		var ttl *int
		require.NoError(t, s.Query(`SELECT ttl(v) FROM tt.d WHERE k = 1`).Scan(&ttl))
		assert.Equal(t, 100, *ttl)
		require.NoError(t, s.Query(`SELECT ttl(v) FROM tt.d WHERE k = 2`).Scan(&ttl))
		assert.Nil(t, ttl, "USING TTL 0 means no TTL")
		require.NoError(t, s.Query(`SELECT ttl(v) FROM tt.d WHERE k = 3`).Scan(&ttl))
		assert.Equal(t, 7, *ttl)
		var dttl int
		require.NoError(t, s.Query(`SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = 'tt' AND table_name = 'd'`).Scan(&dttl))
		assert.Equal(t, 100, dttl)
		// A bound TTL: null means none, unset means the table's.
		require.NoError(t, s.Query(`INSERT INTO tt.d (k, v) VALUES (?, ?) USING TTL ?`, 4, 4, nil).Exec())
		require.NoError(t, s.Query(`SELECT ttl(v) FROM tt.d WHERE k = 4`).Scan(&ttl))
		assert.Nil(t, ttl)
		require.NoError(t, s.Query(`INSERT INTO tt.d (k, v) VALUES (?, ?) USING TTL ?`, 5, 5, gocql.UnsetValue).Exec())
		require.NoError(t, s.Query(`SELECT ttl(v) FROM tt.d WHERE k = 5`).Scan(&ttl))
		assert.Equal(t, 100, *ttl)
	})

	t.Run("selectors", func(t *testing.T) {
		mustExec(t, s, `INSERT INTO tt.t (k, c, v, f) VALUES (5, 1, null, [1, 2])`)
		var wv, wf *int64
		require.NoError(t, s.Query(`SELECT writetime(v), writetime(f) FROM tt.t WHERE k = 5 AND c = 1`).Scan(&wv, &wf))
		assert.Nil(t, wv, "writetime() of a null is null")
		assert.NotNil(t, wf, "a frozen collection has one timestamp")
		it := s.Query(`SELECT writetime(v) AS wt, ttl(v) FROM tt.t WHERE k = 5`).Iter()
		require.NoError(t, it.Close())
		cols := it.Columns()
		assert.Equal(t, []string{"wt", "ttl(v)"}, []string{cols[0].Name, cols[1].Name})
		assert.Equal(t, gocql.TypeBigInt, cols[0].TypeInfo.Type())
		assert.Equal(t, gocql.TypeInt, cols[1].TypeInfo.Type())
	})

	t.Run("errors", func(t *testing.T) {
		for _, tt := range []struct{ query, msg string }{
			{`SELECT writetime(k) FROM tt.t`, "Cannot use selection function writeTime on PRIMARY KEY part k"},
			{`SELECT ttl(c) FROM tt.t`, "Cannot use selection function ttl on PRIMARY KEY part c"},
			{`SELECT writetime(l) FROM tt.t`, "Cannot use selection function writeTime on non-frozen collection l"},
			{`INSERT INTO tt.t (k, c, v) VALUES (1, 1, 'x') USING TTL -1`, "A TTL must be greater or equal to 0, but was -1"},
			{`INSERT INTO tt.t (k, c, v) VALUES (1, 1, 'x') USING TTL 630720001`, "ttl is too large. requested (630720001) maximum (630720000)"},
			{`BEGIN BATCH USING TIMESTAMP 1 INSERT INTO tt.t (k, c, v) VALUES (1, 1, 'x') USING TIMESTAMP 2 APPLY BATCH`, "Timestamp must be set either on BATCH or individual statements"},
			{`CREATE TABLE tt.neg (k int PRIMARY KEY) WITH default_time_to_live = -1`, "default_time_to_live must be greater than or equal to 0 (got -1)"},
		} {
			err := s.Query(tt.query).Exec()
			if assert.Error(t, err, tt.query) {
				assert.Contains(t, err.Error(), tt.msg, tt.query)
			}
		}
	})
}

// tombstoneTable creates ks.t with partition 0 holding live rows
// 0..live-1 and then dead rows, deleted one by one, and partition 1 a
// few live rows.
func tombstoneTable(t *testing.T, s *gocql.Session, ks string, live, dead int) {
	t.Helper()
	createKeyspace(t, s, ks, 1)
	mustExec(t, s, `CREATE TABLE `+ks+`.t (k int, c int, v text, PRIMARY KEY (k, c))`)
	for c := range live + dead {
		require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, c, v) VALUES (0, ?, 'x')`, c).Exec())
	}
	for c := live; c < live+dead; c++ {
		require.NoError(t, s.Query(`DELETE FROM `+ks+`.t WHERE k = 0 AND c = ?`, c).Exec())
	}
	for c := range 3 {
		require.NoError(t, s.Query(`INSERT INTO `+ks+`.t (k, c, v) VALUES (1, ?, 'y')`, c).Exec())
	}
}

// pageThrough reads q page by page and returns the page sizes and the
// warnings of each page.
func pageThrough(t *testing.T, s *gocql.Session, q string, size int) (pages []int, warnings [][]string, err error) {
	t.Helper()
	var state []byte
	for {
		it := s.Query(q).PageSize(size).PageState(state).Iter()
		n := 0
		for it.Scanner().Next() {
			n++
		}
		state = it.PageState()
		warnings = append(warnings, it.Warnings())
		if err := it.Close(); err != nil {
			return pages, warnings, err
		}
		pages = append(pages, n)
		if len(state) == 0 {
			return pages, warnings, nil
		}
	}
}

// TestTombstoneModes checks both tombstone modes through gocql: scylla
// ends pages early, possibly empty; cassandra scans through, warns past
// the warning threshold and fails past the failure threshold with
// ReadFailure READ_TOO_MANY_TOMBSTONES, counting expired cells too.
func TestTombstoneModes(t *testing.T) {
	t.Parallel()
	t.Run("scylla", func(t *testing.T) {
		t.Parallel()
		c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, TombstoneBudget: 10})
		s := connect(t, c)
		tombstoneTable(t, s, "tm", 5, 40)
		pages, warnings, err := pageThrough(t, s, `SELECT * FROM tm.t`, 100)
		require.NoError(t, err)
		assert.Equal(t, 8, sumInts(pages))
		assert.Contains(t, pages, 0, "a run of tombstones makes empty pages")
		for _, w := range warnings {
			assert.Empty(t, w)
		}
	})
	t.Run("cassandra", func(t *testing.T) {
		t.Parallel()
		clk := newTestClock()
		c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4, TombstoneMode: cqlsim.TombstonesCassandra,
			TombstoneWarnThreshold: 10, TombstoneFailureThreshold: 50, Clock: clk.Now})
		s := connect(t, c, func(cl *gocql.ClusterConfig) { cl.DefaultTimestamp = false })
		tombstoneTable(t, s, "tm", 5, 40)
		pages, warnings, err := pageThrough(t, s, `SELECT * FROM tm.t`, 100)
		require.NoError(t, err)
		assert.Equal(t, []int{8}, pages, "the page scans through the tombstones")
		require.Len(t, warnings[0], 1)
		assert.Regexp(t, `^Read 8 live rows and 40 tombstone cells for query SELECT \* FROM tm\.t LIMIT 100; token -?\d+ \(see tombstone_warn_threshold\)$`, warnings[0][0])

		// Small pages read few tombstones each: no warning.
		_, warnings, err = pageThrough(t, s, `SELECT * FROM tm.t WHERE k = 1`, 2)
		require.NoError(t, err)
		for _, w := range warnings {
			assert.Empty(t, w)
		}

		// Past the failure threshold the read fails, on every replica alike.
		for c := 45; c < 60; c++ {
			require.NoError(t, s.Query(`DELETE FROM tm.t WHERE k = 0 AND c = ?`, c).Exec())
		}
		_, _, err = pageThrough(t, s, `SELECT * FROM tm.t`, 100)
		var rf *gocql.RequestErrReadFailure
		require.ErrorAs(t, err, &rf)
		assert.Equal(t, 1, rf.NumFailures)
		assert.Equal(t, 0, rf.Received)
		assert.Contains(t, rf.Message(), "Operation failed - received 0 responses and 1 failures: READ_TOO_MANY_TOMBSTONES from /")
		var n int64
		err = s.Query(`SELECT count(*) FROM tm.t`).Scan(&n)
		require.ErrorAs(t, err, &rf, "count(*) reads the same tombstones")

		// Expired cells are tombstones too.
		mustExec(t, s, `CREATE TABLE tm.e (k int, c int, a text, b text, PRIMARY KEY (k, c))`)
		for c := range 6 {
			require.NoError(t, s.Query(`INSERT INTO tm.e (k, c, a, b) VALUES (0, ?, 'a', 'b')`, c).Exec())
			require.NoError(t, s.Query(`UPDATE tm.e USING TTL 1 SET a = 'x', b = 'y' WHERE k = 0 AND c = ?`, c).Exec())
		}
		clk.Add(2 * time.Second)
		pages, warnings, err = pageThrough(t, s, `SELECT * FROM tm.e`, 100)
		require.NoError(t, err)
		assert.Equal(t, []int{6}, pages, "the rows were inserted without TTL: they stay")
		require.Len(t, warnings[0], 1, "12 expired cells > 10")
		assert.Contains(t, warnings[0][0], "Read 6 live rows and 12 tombstone cells")
	})
}

func sumInts(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

// rawCell receives a column's serialized value.
type rawCell struct{ v *[]byte }

func (r rawCell) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	if data == nil {
		*r.v = nil
		return nil
	}
	*r.v = append([]byte{}, data...)
	return nil
}

// TestDemoProfiles reads the second demo table through gocql: its columns
// in Cassandra's SELECT * order, its static-only partitions, and the
// checksum LoadDemo reports for it.
func TestDemoProfiles(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4})
	info, err := c.LoadDemo(t.Context(), cqlsim.DemoConfig{Rows: 4000})
	require.NoError(t, err)
	require.Len(t, info.Others, 1)
	pi := info.Others[0]
	assert.Equal(t, cqlsim.DemoProfilesTable, pi.Table)
	assert.EqualValues(t, 200, pi.Rows, "Rows/20 by default")
	assert.Positive(t, pi.StaticOnly)
	s := connect(t, c)

	it := s.Query(`SELECT * FROM ringscan_demo.profiles`).PageSize(7).Iter()
	cols := columnNames(t, it)
	assert.Equal(t, []string{"account", "seen", "home", "owner", "device", "places", "visits"}, cols)
	vals := make([][]byte, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = rawCell{&vals[i]}
	}
	var sum rowsum.Sum
	staticOnly := 0
	for it.Scan(dest...) {
		sum.Add(vals)
		if vals[1] == nil {
			staticOnly++
			assert.NotNil(t, vals[3], "a static-only row has its static values")
		}
	}
	require.NoError(t, it.Close())
	assert.EqualValues(t, pi.Rows, sum.Rows)
	assert.Equal(t, pi.Checksum, sum.Hash)
	assert.EqualValues(t, pi.StaticOnly, staticOnly)

	km := waitMetadata(t, s, cqlsim.DemoKeyspace, func(km *gocql.KeyspaceMetadata) bool { return km.UserTypes["address"] != nil })
	assert.Equal(t, []string{"street", "city", "zip", "tags"}, km.UserTypes["address"].FieldNames)
}

// TestDemoHotTables reads the hot tables through gocql: every row in
// Cassandra's SELECT * order with the checksum LoadDemo reports, HotShare
// of them in partition k = 0, clustered in the type's order (uuids by
// Cassandra's UUIDType order, which the loader sorts by).
func TestDemoHotTables(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 4})
	info, err := c.LoadDemo(t.Context(), cqlsim.DemoConfig{Rows: 100, ProfileRows: -1, HotRows: 2000, HotShare: 0.3})
	require.NoError(t, err)
	require.Len(t, info.Others, len(cqlsim.HotClusterings))
	s := connect(t, c)
	for i, typ := range cqlsim.HotClusterings {
		hi := info.Others[i]
		assert.Equal(t, cqlsim.HotTable(typ), hi.Table)
		assert.EqualValues(t, 2000, hi.Rows)
		it := s.Query(`SELECT * FROM ringscan_demo.` + hi.Table).PageSize(97).Iter()
		cols := columnNames(t, it)
		assert.Equal(t, []string{"k", "c", "n", "v"}, cols)
		vals := make([][]byte, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = rawCell{&vals[i]}
		}
		var sum rowsum.Sum
		hot := 0
		for it.Scan(dest...) {
			sum.Add(vals)
			if string(vals[0]) == "\x00\x00\x00\x00" {
				hot++
			}
		}
		require.NoError(t, it.Close())
		assert.EqualValues(t, hi.Rows, sum.Rows, typ)
		assert.Equal(t, hi.Checksum, sum.Hash, typ)
		assert.Equal(t, 600, hot, "%s: HotShare of the rows in k = 0", typ)

		// The hot partition read backwards is the same rows in reverse:
		// the loader kept the clustering order.
		var fwd, rev []string
		var ck []byte
		it = s.Query(`SELECT c FROM ringscan_demo.` + hi.Table + ` WHERE k = 0`).PageSize(250).Iter()
		for it.Scan(rawCell{&ck}) {
			fwd = append(fwd, string(ck))
		}
		require.NoError(t, it.Close())
		it = s.Query(`SELECT c FROM ringscan_demo.` + hi.Table + ` WHERE k = 0 ORDER BY c DESC`).PageSize(250).Iter()
		for it.Scan(rawCell{&ck}) {
			rev = append(rev, string(ck))
		}
		require.NoError(t, it.Close())
		slices.Reverse(rev)
		assert.Equal(t, fwd, rev, typ)
		ct, err := cqltype.Parse(typ)
		require.NoError(t, err)
		for i := 1; i < len(fwd); i++ {
			require.Negative(t, cqltype.Compare(ct, []byte(fwd[i-1]), []byte(fwd[i])), "%s: the hot partition in ascending clustering order, row %d", typ, i)
		}
	}
}
