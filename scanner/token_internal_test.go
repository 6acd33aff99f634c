package scanner

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/sink"
)

// TestClientTokensMatchTheServer computes, for tables with a partition key
// of every type that can be one (alone and in composite keys), the token
// of each row from its key bytes as the scanner does, and compares it with
// token(pk) as the server computes it: on cqlsim with both partitioners,
// and on the cluster of RINGSCAN_TEST_HOSTS when set.
func TestClientTokensMatchTheServer(t *testing.T) {
	keyTypes := []struct{ typ, values string }{
		{"ascii", `'a', 'zz', ''`},
		{"bigint", `0, -1, 9223372036854775807, -9223372036854775808`},
		{"blob", `0x, 0x00, 0xcafebabe`},
		{"boolean", `true, false`},
		{"date", `'1970-01-01', '2026-12-01', '-5877641-06-23'`},
		{"decimal", `0, -1.5, 123456789.000000001`},
		{"double", `0, -0.0, 1.5e300`},
		{"float", `0, 3.25`},
		{"inet", `'127.0.0.1', '::1'`},
		{"int", `0, -1, 2147483647, -2147483648`},
		{"smallint", `0, -32768, 32767`},
		{"text", `'é', 'hello world', ''`},
		{"time", `'00:00:00', '23:59:59.999999999'`},
		{"timestamp", `0, '2026-12-01T12:00:00.123Z'`},
		{"timeuuid", `50554d6e-29bb-11e5-b345-feff819cdc9f`},
		{"tinyint", `0, -128, 127`},
		{"uuid", `123e4567-e89b-42d3-a456-426614174000`},
		{"varint", `0, -1, 123456789012345678901234567890`},
		{"frozen<list<int>>", `[1, 2], []`},
		{"frozen<set<text>>", `{'a', 'b'}`},
		{"frozen<map<text, int>>", `{'a': 1}`},
		{"frozen<tuple<int, text>>", `(1, 'a')`},
	}
	type target struct {
		name    string
		session func(t *testing.T) (*gocql.Session, string)
	}
	sim := func(partitioner string) func(t *testing.T) (*gocql.Session, string) {
		return func(t *testing.T) (*gocql.Session, string) {
			c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, Partitioner: partitioner})
			return testutil.Session(t, c), "tok"
		}
	}
	targets := []target{{"Murmur3Partitioner", sim("")}, {"RandomPartitioner", sim("RandomPartitioner")}}
	if hosts := os.Getenv("RINGSCAN_TEST_HOSTS"); hosts != "" {
		targets = append(targets, target{"real cluster", func(t *testing.T) (*gocql.Session, string) {
			cl := gocql.NewCluster(strings.Split(hosts, ",")...)
			s, err := cl.CreateSession()
			require.NoError(t, err)
			t.Cleanup(s.Close)
			ks := "ringscan_tok_test"
			t.Cleanup(func() { _ = s.Query("DROP KEYSPACE IF EXISTS " + ks).Exec() })
			return s, ks
		}})
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			s, ks := tg.session(t)
			require.NoError(t, s.Query("CREATE KEYSPACE IF NOT EXISTS "+ks+" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").Exec())
			var tables []string
			for i, kt := range keyTypes {
				single, composite := fmt.Sprintf("t%d", i), fmt.Sprintf("c%d", i)
				require.NoError(t, s.Query(fmt.Sprintf("CREATE TABLE %s.%s (k %s PRIMARY KEY, v int)", ks, single, kt.typ)).Exec(), kt.typ)
				require.NoError(t, s.Query(fmt.Sprintf("CREATE TABLE %s.%s (k %s, n int, v int, PRIMARY KEY ((k, n)))", ks, composite, kt.typ)).Exec(), kt.typ)
				tables = append(tables, single, composite)
			}
			testutil.WaitForTables(t, s, ks, tables...)
			for i, kt := range keyTypes {
				for _, v := range splitValues(kt.values) {
					// An empty key is refused ("Key may not be empty"); an
					// empty component of a composite key is not.
					if v != "''" && v != "0x" {
						require.NoError(t, s.Query(fmt.Sprintf("INSERT INTO %s.t%d (k, v) VALUES (%s, 1)", ks, i, v)).Exec(), "%s %s", kt.typ, v)
					}
					for _, n := range []int{0, -7, 1 << 30} {
						require.NoError(t, s.Query(fmt.Sprintf("INSERT INTO %s.c%d (k, n, v) VALUES (%s, %d, 1)", ks, i, v, n)).Exec(), "%s %s", kt.typ, v)
					}
				}
			}
			checked := 0
			for i, kt := range keyTypes {
				for _, tbl := range []string{fmt.Sprintf("t%d", i), fmt.Sprintf("c%d", i)} {
					sc, err := New(s, Config{Keyspace: ks, Table: tbl})
					require.NoError(t, err)
					p, err := sc.Plan(context.Background())
					require.NoError(t, err)
					f := p.fetcher
					pk := strings.Join(p.PartitionKey, ", ")
					it := s.Query(fmt.Sprintf("SELECT %s, token(%s) FROM %s.%s", pk, pk, ks, tbl)).Iter()
					// The key values and the token, read as the fetcher
					// reads values (tuples element by element).
					keys := sink.NewBatch(nil, len(p.PartitionKey)+1)
					var dest []any
					for _, c := range f.t.pk {
						if n := tupleArity(c.typ); n > 0 {
							tv := &tupleValue{b: keys, elems: make([][]byte, n)}
							for e := range n {
								dest = append(dest, tupleElem{t: tv, i: e})
							}
							continue
						}
						dest = append(dest, rawValue{b: keys})
					}
					dest = append(dest, rawValue{b: keys})
					for it.Scan(dest...) {
						r := keys.Len() - 1
						// A row with the key values where the fetcher keeps them.
						b := sink.NewBatch(nil, f.width)
						row := make([][]byte, f.width)
						for j, idx := range f.pkIdx {
							row[idx] = keys.Value(r, j)
						}
						for _, v := range row {
							b.AppendValue(v)
						}
						got, err := f.tokenAt(b, 0)
						require.NoError(t, err)
						want, err := f.p.ParseToken(tokenText(t, f.p.String(), keys.Value(r, len(p.PartitionKey))))
						require.NoError(t, err)
						assert.Equal(t, want, got, "%s table %s row %d", kt.typ, tbl, r)
						checked++
					}
					require.NoError(t, it.Close())
				}
			}
			assert.Greater(t, checked, 200)
		})
	}
}

// splitValues splits a list of CQL literals at top-level commas.
func splitValues(s string) []string {
	var out []string
	depth, start := 0, 0
	inStr := false
	for i, r := range s {
		switch {
		case r == '\'':
			inStr = !inStr
		case inStr:
		case r == '[' || r == '{' || r == '(':
			depth++
		case r == ']' || r == '}' || r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// tokenText renders a token(pk) value: a bigint for Murmur3, a varint for
// RandomPartitioner.
func tokenText(t *testing.T, partitioner string, v []byte) string {
	t.Helper()
	if partitioner == "RandomPartitioner" {
		n, err := cqltype.Decode(cqltype.Native(cqltype.Varint), v)
		require.NoError(t, err)
		return fmt.Sprint(n)
	}
	require.Len(t, v, 8)
	var x int64
	for _, b := range v {
		x = x<<8 | int64(b)
	}
	return fmt.Sprint(x)
}
