package sink_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/sink"
)

// realisticPage returns a page of rows rows of a typical table: text, int,
// bigint, uuid, timestamp, blob, double, boolean, set<text>,
// map<text, text>, and two columns that are null.
func realisticPage(tb testing.TB, rows int) *sink.Batch {
	cols := []col{
		{"name", "text"}, {"n", "int"}, {"big", "bigint"}, {"id", "uuid"},
		{"ts", "timestamp"}, {"payload", "blob"}, {"score", "double"}, {"ok", "boolean"},
		{"tags", "set<text>"}, {"attrs", "map<text, text>"}, {"note", "text"}, {"m", "int"},
	}
	values := make([][]any, rows)
	for i := range values {
		values[i] = []any{
			fmt.Sprintf("user-%06d \"quoted\" name", i), i, int64(i) * 1_000_003,
			fmt.Sprintf("123e4567-e89b-42d3-a456-%012d", i),
			time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
			[]byte("0123456789abcdef"), float64(i) / 7, i%2 == 0,
			[]string{"alpha", "beta", fmt.Sprint("t", i%10)},
			map[string]string{"region": "eu-west", "tier": "gold"},
			nil, nil,
		}
	}
	return page(tb, cols, values...)
}

func newSinks(tb testing.TB, w io.Writer) map[string]sink.Sink {
	c, err := sink.NewCSV(w, sink.CSVConfig{})
	require.NoError(tb, err)
	return map[string]sink.Sink{"JSONLines": sink.NewJSONLines(w), "CSV": c, "Count": &sink.Count{}}
}

// TestNoAllocationPerRow checks that, once warm, writing a page allocates
// nothing, whatever its number of rows.
func TestNoAllocationPerRow(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	b := realisticPage(t, 200)
	for name, s := range newSinks(t, io.Discard) {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, s.Write(ctx, b))
			allocs := testing.AllocsPerRun(20, func() {
				if err := s.Write(ctx, b); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, allocs, "allocations per page of %d rows", b.Len())
		})
	}
}

// BenchmarkSinks writes a page of 1000 realistic rows per iteration and
// reports ns/row and allocs/row.
//
//	go test ./sink -run '^$' -bench Sinks -benchmem
func BenchmarkSinks(b *testing.B) {
	ctx := context.Background()
	p := realisticPage(b, 1000)
	for _, name := range []string{"JSONLines", "CSV", "Count"} {
		b.Run(name, func(b *testing.B) {
			var out countingWriter
			s := newSinks(b, &out)[name]
			b.SetBytes(int64(p.Bytes()))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n := 0
			for b.Loop() {
				if err := s.Write(ctx, p); err != nil {
					b.Fatal(err)
				}
				n++
			}
			runtime.ReadMemStats(&after)
			rows := float64(n * p.Len())
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/rows, "allocs/row")
			if out.n > 0 {
				b.ReportMetric(float64(out.n)/rows, "out-bytes/row")
			}
		})
	}
}

// countingWriter counts what it is given.
type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}
