package sink_test

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/sink/internal/sinktest"
)

func newSinks(tb testing.TB, w io.Writer) map[string]sink.Sink {
	c, err := sink.NewCSV(w, sink.CSVConfig{})
	require.NoError(tb, err)
	// The codec options take other paths: a zone, a layout, base64.
	text := sink.TextConfig{TimeZone: "Europe/Paris", BlobFormat: sink.BlobBase64}
	jo, err := sink.NewJSONLinesConfig(w, sink.JSONConfig{TextConfig: text, NumbersAsStrings: true})
	require.NoError(tb, err)
	text.TimestampFormat = "2006-01-02 15:04:05.000 MST"
	co, err := sink.NewCSV(w, sink.CSVConfig{Delimiter: ';', CRLF: true, TextConfig: text})
	require.NoError(tb, err)
	return map[string]sink.Sink{"JSONLines": sink.NewJSONLines(w), "CSV": c, "Count": &sink.Count{},
		"JSONLines/options": jo, "CSV/options": co}
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
	for _, name := range []string{"JSONLines", "CSV", "Count", "JSONLines/options", "CSV/options"} {
		b.Run(name, func(b *testing.B) {
			var out sinktest.CountingWriter
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
			if out.N > 0 {
				b.ReportMetric(float64(out.N)/rows, "out-bytes/row")
			}
		})
	}
}
