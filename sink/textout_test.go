package sink_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
)

// textSinks returns a JSON Lines and a CSV sink writing to w with workers
// goroutines.
func textSinks(t *testing.T, w *chunks, workers int) map[string]sink.Sink {
	j, err := sink.NewJSONLinesConfig(w, sink.JSONConfig{TextConfig: sink.TextConfig{Workers: workers}})
	require.NoError(t, err)
	c, err := sink.NewCSV(w, sink.CSVConfig{TextConfig: sink.TextConfig{Workers: workers}})
	require.NoError(t, err)
	return map[string]sink.Sink{"json": j, "csv": c}
}

// TestWorkersWriteTheSameText renders pages of 1 to 5000 rows with 1 to 8
// goroutines, then pages of rows of 1.5 KiB (shares of about 170 rows) and
// of 20 KiB (too large to share): the text, and so the order of the rows,
// is the same as one goroutine's, and every chunk handed to the writer
// stays near 256 KiB. A share written out of order, a row rendered twice
// or skipped at a share's edge, a share of the whole page, or shares of
// 128 large rows fail it.
func TestWorkersWriteTheSameText(t *testing.T) {
	ctx := context.Background()
	pages := []*sink.Batch{realisticPage(t, 1), realisticPage(t, 255), realisticPage(t, 256), realisticPage(t, 1000), realisticPage(t, 5000),
		textPage(t, 1000, 1500), textPage(t, 1000, 20<<10)}
	for _, name := range []string{"json", "csv"} {
		var want chunks
		one := textSinks(t, &want, 1)[name]
		for _, p := range pages {
			require.NoError(t, one.Write(ctx, p))
		}
		for _, workers := range []int{2, 3, 8} {
			t.Run(fmt.Sprintf("%s/%d", name, workers), func(t *testing.T) {
				var got chunks
				s := textSinks(t, &got, workers)[name]
				for _, p := range pages {
					require.NoError(t, s.Write(ctx, p))
				}
				require.Equal(t, want.String(), got.String())
				for _, n := range got.sizes {
					assert.Less(t, n, 300<<10, "chunks stay near 256 KiB")
				}
			})
		}
	}
}

// TestWorkersStopAtTheBadRow puts a malformed value in row bad of a page
// of 2000 rows rendered by 4 goroutines, in the first share, on the edges
// of shares and in the last one: the rows before it are written, nothing
// after, and the error names the row, as with one goroutine.
func TestWorkersStopAtTheBadRow(t *testing.T) {
	ctx := context.Background()
	const rows = 2000
	cols := []col{{"n", "int"}, {"s", "text"}}
	for _, bad := range []int{0, 1, 127, 128, 499, 500, 501, 1024, rows - 1} {
		b := withBadInt(t, cols, rows, bad)
		for _, name := range []string{"json", "csv"} {
			var want, got chunks
			errOne := textSinks(t, &want, 1)[name].Write(ctx, b)
			errPar := textSinks(t, &got, 4)[name].Write(ctx, b)
			require.ErrorIs(t, errPar, sink.ErrInvalidValue, "%s, bad row %d", name, bad)
			assert.Contains(t, errPar.Error(), fmt.Sprintf("row %d column n", bad))
			assert.Equal(t, errOne.Error(), errPar.Error())
			assert.Equal(t, want.String(), got.String(), "%s, bad row %d: the rows before it", name, bad)
			assert.Equal(t, bad+map[string]int{"json": 0, "csv": 1}[name], bytes.Count(got.Bytes(), []byte("\n")), "%s: lines", name)
		}
	}
}

// withBadInt returns a page of rows rows of (n int, s text) whose row bad
// has an int of three bytes.
func withBadInt(t *testing.T, cols []col, rows, bad int) *sink.Batch {
	b := page(t, cols)
	for i := range rows {
		v := wire(t, cqltype.Native(cqltype.Int), i)
		if i == bad {
			v = v[:3]
		}
		b.AppendValue(v)
		b.AppendValue([]byte(fmt.Sprint("row ", i)))
	}
	return b
}

// TestWorkersStopAtAWriteError fails the writer on its second chunk of a
// page that takes several: the error sticks and nothing more is written.
func TestWorkersStopAtAWriteError(t *testing.T) {
	ctx := context.Background()
	b := realisticPage(t, 5000)
	for _, name := range []string{"json", "csv"} {
		w := &failWriter{n: 1}
		var s sink.Sink
		if name == "json" {
			j, err := sink.NewJSONLinesConfig(w, sink.JSONConfig{TextConfig: sink.TextConfig{Workers: 4}})
			require.NoError(t, err)
			s = j
		} else {
			c, err := sink.NewCSV(w, sink.CSVConfig{TextConfig: sink.TextConfig{Workers: 4}})
			require.NoError(t, err)
			s = c
		}
		require.ErrorIs(t, s.Write(ctx, b), errDiskFull, name)
		assert.Equal(t, -1, w.n, "%s: the writer is not called after it failed", name)
		require.ErrorIs(t, s.Write(ctx, b), errDiskFull, name)
	}
}

// TestWorkersAllocatePerPageNotPerRow: once warm, a page of 5000 rows
// rendered by 4 goroutines allocates only for starting them.
func TestWorkersAllocatePerPageNotPerRow(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	b := realisticPage(t, 5000)
	var out chunks
	for name, s := range textSinks(t, &out, 4) {
		require.NoError(t, s.Write(ctx, b))
		allocs := testing.AllocsPerRun(10, func() {
			out.Reset()
			out.sizes = out.sizes[:0]
			if err := s.Write(ctx, b); err != nil {
				t.Fatal(err)
			}
		})
		assert.LessOrEqual(t, allocs, 40.0, "%s: allocations per page of %d rows", name, b.Len())
	}
}

// textPage returns a page of rows rows of (n int, s text), s of size bytes.
func textPage(t *testing.T, rows, size int) *sink.Batch {
	b := page(t, []col{{"n", "int"}, {"s", "text"}})
	for i := range rows {
		b.AppendValue(wire(t, cqltype.Native(cqltype.Int), i))
		b.AppendValue(bytes.Repeat([]byte{byte('a' + i%26)}, size))
	}
	return b
}

// TestJSONLinesStopsAtTheFirstBadRow renders pages with malformed ints in
// several columns and rows, column by column as JSON Lines does, on 1 and
// 4 goroutines: the lines stop right before the first row with a bad
// value, and the error names that row and its first bad column, as a
// row-by-row rendering would. Taking the first bad column's row, or the
// last column's, fails it.
func TestJSONLinesStopsAtTheFirstBadRow(t *testing.T) {
	ctx := context.Background()
	cols := []col{{"a", "int"}, {"b", "int"}, {"c", "int"}}
	const rows = 600
	for _, bad := range [][][2]int{ // {column, row}
		{{1, 5}, {0, 7}},
		{{2, 3}, {0, 3}, {1, 3}},
		{{0, 400}, {2, 399}},
		{{1, 0}},
		{{2, rows - 1}, {0, rows - 1}},
	} {
		isBad := map[[2]int]bool{}
		first := [2]int{len(cols), rows} // column, row
		for _, cr := range bad {
			isBad[cr] = true
			if cr[1] < first[1] || cr[1] == first[1] && cr[0] < first[0] {
				first = cr
			}
		}
		b := page(t, cols)
		var want strings.Builder
		for r := range rows {
			for c := range cols {
				v := wire(t, cqltype.Native(cqltype.Int), r*10+c)
				if isBad[[2]int{c, r}] {
					v = v[:3]
				}
				b.AppendValue(v)
			}
			if r < first[1] {
				fmt.Fprintf(&want, `{"a":%d,"b":%d,"c":%d}`+"\n", r*10, r*10+1, r*10+2)
			}
		}
		for _, workers := range []int{1, 4} {
			var out bytes.Buffer
			s, err := sink.NewJSONLinesConfig(&out, sink.JSONConfig{TextConfig: sink.TextConfig{Workers: workers}})
			require.NoError(t, err)
			err = s.Write(ctx, b)
			require.ErrorIs(t, err, sink.ErrInvalidValue)
			assert.Contains(t, err.Error(), fmt.Sprintf("row %d column %s:", first[1], cols[first[0]][0]), "bad %v, %d workers", bad, workers)
			assert.Equal(t, want.String(), out.String(), "bad %v, %d workers", bad, workers)
		}
	}
}
