package scanner

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/apache/cassandra-gocql-driver/v2/lz4"
	"github.com/apache/cassandra-gocql-driver/v2/snappy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestPageReaderWalksFrames checks that the values pageReader lands in a
// batch are the driver's, value for value, null apart from empty, for
// pages of every size, uncompressed and with either compression, and that
// pages of three rows or more are walked (the driver's Scan is skipped
// after the second row) unless a column is a tuple. A walk that lost its
// place (a length read as a value, a value skipped, the wrong row) or a
// driver that stopped laying pages out as frames fails it.
func TestPageReaderWalksFrames(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	ctx := context.Background()
	s := testutil.Session(t, c)
	for _, q := range []string{
		`CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE ks.w (k int, c int, a text, b blob, d int, e bigint, PRIMARY KEY (k, c))`,
		`CREATE TABLE ks.wt (k int, c int, a text, t tuple<int, text>, e bigint, PRIMARY KEY (k, c))`,
	} {
		require.NoError(t, s.Query(q).Exec())
	}
	// Nulls and empty values in every column but the key, at different
	// periods, so that rows end with nulls, start their values with them,
	// and hold empty ones.
	pick := func(i, period int, v any) any {
		switch i % period {
		case 0:
			return nil
		case 1:
			if _, ok := v.([]byte); ok {
				return []byte{}
			}
			if _, ok := v.(string); ok {
				return ""
			}
		}
		return v
	}
	for i := range 60 {
		require.NoError(t, s.Query(`INSERT INTO ks.w (k, c, a, b, d, e) VALUES (?, ?, ?, ?, ?, ?)`,
			i/6, i%6, pick(i, 4, fmt.Sprint("x", i)), pick(i, 5, []byte{byte(i), 1}), pick(i, 3, i), pick(i, 2, int64(i))).Exec())
		if i%3 == 0 {
			require.NoError(t, s.Query(`INSERT INTO ks.wt (k, c, a, e) VALUES (?, ?, ?, ?)`,
				i/6, i%6, pick(i, 4, fmt.Sprint("x", i)), pick(i, 2, int64(i))).Exec())
			continue
		}
		require.NoError(t, s.Query(`INSERT INTO ks.wt (k, c, a, t, e) VALUES (?, ?, ?, (?, ?), ?)`,
			i/6, i%6, pick(i, 4, fmt.Sprint("x", i)), i, pick(i, 2, fmt.Sprint("t", i)), pick(i, 2, int64(i))).Exec())
	}
	compressors := map[string]gocql.Compressor{"none": nil, "snappy": snappy.SnappyCompressor{}, "lz4": lz4.LZ4Compressor{}}
	for name, comp := range compressors {
		s := testutil.Session(t, c, func(cl *gocql.ClusterConfig) { cl.Compressor = comp })
		for _, table := range []string{"w", "wt"} {
			sc, err := New(s, Config{Keyspace: "ks", Table: table})
			require.NoError(t, err)
			p, err := sc.Plan(ctx)
			require.NoError(t, err)
			f := p.fetcher
			stmt := "SELECT " + f.list + " FROM " + f.from
			for _, size := range []int{1, 2, 3, 7, 1000} {
				label := fmt.Sprintf("%s, table %s, pages of %d", name, table, size)
				var state []byte
				walked, rows := 0, 0
				for {
					b := f.NewBatch()
					it := s.Query(stmt).PageSize(size).PageState(state).Iter()
					r := f.pageRows(it, b)
					for r.next() {
						if r.rest != nil {
							walked++
						}
					}
					next := bytes.Clone(it.PageState())
					require.NoError(t, r.close(), label)
					// The same page, scanned by the driver row by row.
					ref := s.Query(stmt).PageSize(size).PageState(state).Iter()
					var want [][]byte
					var row []any
					vals := make([][]byte, len(f.arity))
					for i, n := range f.arity {
						row = append(row, (*rawScan)(&vals[i]))
						for range n - 1 {
							row = append(row, new(rawScan)) // a tuple's other elements
						}
					}
					for ref.Scan(row...) {
						want = append(want, vals...)
					}
					require.NoError(t, ref.Close())
					require.Equal(t, len(want)/b.Width(), b.Len(), label)
					for i := range b.Len() {
						for col := range b.Width() {
							got, exp := b.Value(i, col), want[i*b.Width()+col]
							if table == "wt" && f.arity[col] > 0 {
								continue // the driver hands a tuple over by element
							}
							require.Equal(t, exp == nil, got == nil, "%s: row %d column %d null", label, rows+i, col)
							require.Equal(t, exp, got, "%s: row %d column %d", label, rows+i, col)
						}
					}
					rows += b.Len()
					if len(next) == 0 {
						break
					}
					state = next
				}
				assert.Equal(t, 60, rows, label)
				if table == "w" && size >= 3 {
					assert.Positive(t, walked, "%s: pages of three rows or more are walked", label)
					// A walk that runs out of frame ends the page with
					// errPageLayout, for good, and leaves no part of a row.
					b := f.NewBatch()
					it := s.Query(stmt).PageSize(size).Iter()
					r := f.pageRows(it, b)
					require.True(t, r.next())
					require.True(t, r.next())
					require.NotNil(t, r.rest, label)
					r.rest = r.rest[:3]
					assert.False(t, r.next())
					assert.False(t, r.next(), "the error sticks")
					assert.Equal(t, 2, b.Len())
					assert.ErrorIs(t, r.close(), errPageLayout, label)
				} else {
					assert.Zero(t, walked, "%s: scanned by the driver", label)
				}
			}
		}
	}
}
