package ringscanio

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cqlident"
	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/scanner"
)

// TestMain runs the pipelines on prism, in this process (loopback): the
// SDK worker is this test binary's own goroutines, which is also what lets
// tests set testHookAfterRow. No goroutine leak check: prism and the Beam
// harness keep goroutines for the process's lifetime.
func TestMain(m *testing.M) {
	// Prism logs every job's steps at info level; beam.Init, which
	// ptest.MainRet calls, sets slog up at this level.
	beamlog.LogLevel = "warn"
	code := ptest.MainRet(m)
	sessions.closeIdle()
	os.Exit(code)
}

// table is a table of a test cluster as an oracle reads it: its columns
// in SELECT * order, their CQL types, and its rows as a multiset.
type table struct {
	keyspace, name string
	cols           []string
	types          []cqltype.Type
	rows           testutil.Multiset
}

// rawValue keeps a value's serialized bytes (nil for null).
type rawValue struct{ v *[]byte }

func (r rawValue) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	if data == nil {
		*r.v = nil
		return nil
	}
	*r.v = append([]byte{}, data...)
	return nil
}

// readTable reads a whole table with one SELECT paged by the driver, no
// ringscan code on the way: the oracle the reads are compared with. The
// column types come from the scanner's plan.
func readTable(t *testing.T, s *gocql.Session, ks, name string) table {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sc, err := scanner.New(s, scanner.Config{Keyspace: ks, Table: name})
	require.NoError(t, err)
	p, err := sc.Plan(ctx)
	require.NoError(t, err)
	tb := table{keyspace: ks, name: name, rows: testutil.Multiset{}}
	for _, c := range p.Columns {
		w, err := c.WireType()
		require.NoError(t, err)
		typ, _, err := cqltype.ReadOption(w)
		require.NoError(t, err)
		tb.cols = append(tb.cols, c.Name)
		tb.types = append(tb.types, typ)
	}
	quoted := make([]string, len(tb.cols))
	for i, c := range tb.cols {
		quoted[i] = cqlident.Quote(c)
	}
	vals := make([][]byte, len(tb.cols))
	dest := make([]any, len(tb.cols))
	for i := range dest {
		dest[i] = rawValue{&vals[i]}
	}
	it := s.Query(fmt.Sprintf("SELECT %s FROM %s.%s", strings.Join(quoted, ", "), cqlident.Quote(ks), cqlident.Quote(name))).
		PageSize(1000).IterContext(ctx)
	for it.Scan(dest...) {
		tb.rows.AddRow(vals)
	}
	require.NoError(t, it.Close())
	return tb
}

// key is the multiset key of a Row read from tb: its values encoded back
// with the columns' CQL types, in column order. A Row that decoded a
// value wrongly, or lost one, gets another key.
func (tb table) key(r Row) (string, error) {
	if len(r) != len(tb.cols) {
		return "", fmt.Errorf("row has %d columns, the table %d: %v", len(r), len(tb.cols), r)
	}
	vals := make([][]byte, len(tb.cols))
	for i, c := range tb.cols {
		v, ok := r[c]
		if !ok {
			return "", fmt.Errorf("row has no column %s: %v", c, r)
		}
		b, err := cqltype.Encode(tb.types[i], v)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", c, err)
		}
		vals[i] = b
	}
	return testutil.RowKey(vals), nil
}

// config is the read of tb on c.
func (tb table) config(c *cqlsim.Cluster) Config {
	return Config{Hosts: c.Hosts(), Port: c.Port(), Keyspace: tb.keyspace, Table: tb.name,
		BackoffBase: time.Millisecond, BackoffMax: 20 * time.Millisecond}
}

// uniformTable creates ks.uniform with partitions of a few rows each.
func uniformTable(t *testing.T, c *cqlsim.Cluster, s *gocql.Session, ks string, partitions int) {
	t.Helper()
	require.NoError(t, c.ExecDDL(fmt.Sprintf(`CREATE TABLE %s.uniform (k int, c int, v text, n bigint, tags set<text>, PRIMARY KEY (k, c))`, ks)))
	testutil.WaitForTables(t, s, ks, "uniform")
	var g sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		g.Add(1)
		go func() {
			defer g.Done()
			for k := w; k < partitions; k += 8 {
				b := s.Batch(gocql.UnloggedBatch)
				for c := range k%4 + 1 {
					var tags []string
					if c%2 == 0 {
						// A set, which cqlsim stores sorted as a real
						// node does; the oracle reads it back.
						tags = []string{fmt.Sprint(k % 7), "a"}
					}
					b.Query(fmt.Sprintf(`INSERT INTO %s.uniform (k, c, v, n, tags) VALUES (?, ?, ?, ?, ?)`, ks), k, c, fmt.Sprintf("row %d.%d", k, c), int64(k)*1e12+int64(c), tags)
				}
				if err := b.Exec(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	g.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// demoCluster starts cqlsim with cfg and the demo tables (a large
// partition, runs of tombstones, statics and UDTs) in a keyspace of the
// given replication, and connects.
func demoCluster(t *testing.T, cfg cqlsim.Config, replication string, rows int) (*cqlsim.Cluster, *gocql.Session) {
	t.Helper()
	c := testutil.StartSim(t, cfg)
	require.NoError(t, c.ExecDDL("CREATE KEYSPACE "+cqlsim.DemoKeyspace+" WITH replication = "+replication))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: rows})
	require.NoError(t, err)
	s := testutil.Session(t, c)
	t.Cleanup(sessions.closeIdle) // before the cluster closes
	return c, s
}

func simple(rf int) string {
	return fmt.Sprintf(`{'class': 'SimpleStrategy', 'replication_factor': %d}`, rf)
}

// collected gathers what collectFn saw, by run id: on prism's loopback
// environment the DoFn runs in the test's process.
var collected struct {
	mu   sync.Mutex
	rows map[string][]Row
	text map[string][]string
}

func collectedRows(id string) []Row {
	collected.mu.Lock()
	defer collected.mu.Unlock()
	return slices.Clone(collected.rows[id])
}

func collectedText(id string) []string {
	collected.mu.Lock()
	defer collected.mu.Unlock()
	return slices.Clone(collected.text[id])
}

// collectFn keeps every Row it gets under ID.
type collectFn struct{ ID string }

func (f *collectFn) ProcessElement(r Row) {
	collected.mu.Lock()
	defer collected.mu.Unlock()
	if collected.rows == nil {
		collected.rows = map[string][]Row{}
	}
	collected.rows[f.ID] = append(collected.rows[f.ID], r)
}

// collectTextFn keeps every string it gets under ID.
type collectTextFn struct{ ID string }

func (f *collectTextFn) ProcessElement(s string) {
	collected.mu.Lock()
	defer collected.mu.Unlock()
	if collected.text == nil {
		collected.text = map[string][]string{}
	}
	collected.text[f.ID] = append(collected.text[f.ID], s)
}

// multiset keys rows for tb, failing the test on a row that does not fit.
func (tb table) multiset(t *testing.T, rows []Row) testutil.Multiset {
	t.Helper()
	got := testutil.Multiset{}
	for _, r := range rows {
		k, err := tb.key(r)
		require.NoError(t, err)
		got.Add(k)
	}
	return got
}
