package sink_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
)

// textSinks returns a JSON Lines and a CSV sink writing to w with workers
// goroutines and the text options text (every option the encoder has).
func textSinks(t *testing.T, w io.Writer, workers int, text sink.TextConfig, numStrings bool) map[string]sink.Sink {
	text.Workers = workers
	j, err := sink.NewJSONLinesConfig(w, sink.JSONConfig{TextConfig: text, NumbersAsStrings: numStrings})
	require.NoError(t, err)
	c, err := sink.NewCSV(w, sink.CSVConfig{TextConfig: text})
	require.NoError(t, err)
	return map[string]sink.Sink{"json": j, "csv": c}
}

// textOptions are the option sets the parallel tests render with: the
// defaults, and every option the encoders take.
var textOptions = map[string]struct {
	text       sink.TextConfig
	numStrings bool
}{
	"defaults": {},
	"options":  {sink.TextConfig{TimeZone: "Europe/Paris", TimestampFormat: `2006-01-02 "15:04:05.000" MST`, BlobFormat: sink.BlobBase64}, true},
}

// TestWorkersWriteTheSameText renders pages of 1 to 5000 rows with 1 to 8
// goroutines, with the default options and with every option, then pages
// of rows of 1.5 KiB (shares of about 170 rows), of 20 KiB (about 12 a
// share) and of 1 MiB among small ones (larger than a share): the text,
// and so the order of the rows, is the same as one goroutine's, and every
// chunk handed to the writer stays under 300 KiB (but for a row of 1 MiB,
// which is a chunk of its own) and, on one goroutine, fills to above 128
// KiB but for each Write's last. A share written out of order, a row rendered twice
// or skipped at a share's edge, an option lost by the other goroutines'
// encoders, or shares cut by a row count whatever the rows' size fail it.
func TestWorkersWriteTheSameText(t *testing.T) {
	ctx := context.Background()
	huge := mixedPage(t, 300, map[int]int{0: 1 << 20, 150: 1 << 20, 151: 1 << 20, 299: 1 << 20})
	pages := []*sink.Batch{realisticPage(t, 1), realisticPage(t, 255), realisticPage(t, 256), realisticPage(t, 1000), realisticPage(t, 5000),
		textPage(t, 1000, 1500), textPage(t, 1000, 20<<10), huge}
	for _, name := range []string{"json", "csv"} {
		for optName, opt := range textOptions {
			var want chunks
			one := textSinks(t, &want, 1, opt.text, opt.numStrings)[name]
			for _, p := range pages {
				require.NoError(t, one.Write(ctx, p))
			}
			for _, workers := range []int{1, 2, 3, 8} {
				t.Run(fmt.Sprintf("%s/%s/%d", name, optName, workers), func(t *testing.T) {
					var got chunks
					s := textSinks(t, &got, workers, opt.text, opt.numStrings)[name]
					for _, p := range pages {
						got.mark()
						require.NoError(t, s.Write(ctx, p))
					}
					require.Equal(t, want.String(), got.String())
					for pi, w := range got.writes {
						for i, n := range w {
							if n < 1<<20 {
								assert.Less(t, n, 300<<10, "chunks stay near 256 KiB")
							}
							// On one goroutine, chunks fill up to 256 KiB;
							// shares are smaller when a page has less text
							// than a full share for every goroutine.
							if workers == 1 && pages[pi] != huge && i < len(w)-1 {
								assert.Greater(t, n, 128<<10, "chunks fill up: %v", w)
							}
						}
					}
				})
			}
		}
	}
}

// mixedPage returns a page of rows rows of (n int, s text), s of 20 bytes
// but for the rows of big, of the size it gives.
func mixedPage(t *testing.T, rows int, big map[int]int) *sink.Batch {
	b := page(t, []col{{"n", "int"}, {"s", "text"}})
	for i := range rows {
		size, ok := big[i]
		if !ok {
			size = 20
		}
		b.AppendValue(wire(t, cqltype.Native(cqltype.Int), i))
		b.AppendValue(bytes.Repeat([]byte{byte('a' + i%26)}, size))
	}
	return b
}

// TestWorkersStopAtTheBadRow puts a malformed value in row bad of a page
// of 2000 rows, for many rows, and renders it on 4 goroutines and on one:
// with a fresh sink (its first rows measured on the calling goroutine,
// then even shares) and with a sink that wrote a page before (shares cut
// by the estimate from the start). The rows before the bad one are
// written, nothing after, and the error names the row, as with one
// goroutine: a share's edge off by one, or a later share written after a
// failed one, fails it.
func TestWorkersStopAtTheBadRow(t *testing.T) {
	ctx := context.Background()
	const minRows = sink.MinRowsPerWorker
	const rows = 2000
	cols := []col{{"n", "int"}, {"s", "text"}}
	warm := withBadInt(t, cols, rows, -1)
	// Every row of the first measured ones and a share after them, then
	// every seventh: a share's edge off by one changes the text before
	// every bad row past it.
	var bads []int
	for bad := range rows {
		if bad <= 2*minRows || bad%7 == 0 || bad == rows-1 {
			bads = append(bads, bad)
		}
	}
	for _, bad := range bads {
		b := withBadInt(t, cols, rows, bad)
		for _, name := range []string{"json", "csv"} {
			var want chunks
			errOne := textSinks(t, &want, 1, sink.TextConfig{}, false)[name].Write(ctx, b)
			for _, warmed := range []bool{false, true} {
				var got chunks
				s := textSinks(t, &got, 4, sink.TextConfig{}, false)[name]
				wantText := want.String()
				if warmed {
					require.NoError(t, s.Write(ctx, warm))
					got.Reset()
					wantText = strings.TrimPrefix(wantText, "n,s\n") // the CSV header came with the first page
				}
				errPar := s.Write(ctx, b)
				require.ErrorIs(t, errPar, sink.ErrInvalidValue, "%s, bad row %d", name, bad)
				require.Equal(t, errOne.Error(), errPar.Error())
				require.Contains(t, errPar.Error(), fmt.Sprintf("row %d column n", bad))
				require.Equal(t, wantText, got.String(), "%s, bad row %d, warmed %v: the rows before it", name, bad, warmed)
			}
		}
	}
}

// withBadInt returns a page of rows rows of (n int, s text) whose row bad
// has an int of three bytes (none for bad < 0).
func withBadInt(t *testing.T, cols []col, rows, bad int) *sink.Batch {
	b := page(t, cols)
	var v [4]byte
	for i := range rows {
		binary.BigEndian.PutUint32(v[:], uint32(i))
		if i == bad {
			b.AppendValue(v[:3])
		} else {
			b.AppendValue(v[:])
		}
		b.AppendValue(fmt.Appendf(nil, "row %d", i))
	}
	return b
}

// TestWorkersStopAtAWriteError fails the writer at each chunk of a page
// that takes several, on 4 goroutines: the text written is what one
// goroutine writes, cut at a row's end, the error sticks, and the writer
// is not called again. A share written after a failed write, or a write
// error lost, fails it.
func TestWorkersStopAtAWriteError(t *testing.T) {
	ctx := context.Background()
	b := realisticPage(t, 5000)
	for _, name := range []string{"json", "csv"} {
		var all chunks
		require.NoError(t, textSinks(t, &all, 1, sink.TextConfig{}, false)[name].Write(ctx, b))
		require.Greater(t, len(all.sizes), 3)
		for failAt := range len(all.sizes) {
			w := &failWriter{n: failAt}
			s := textSinks(t, w, 4, sink.TextConfig{}, false)[name]
			require.ErrorIs(t, s.Write(ctx, b), errDiskFull, "%s, failing write %d", name, failAt)
			assert.Equal(t, -1, w.n, "%s: the writer is not called after it failed", name)
			require.ErrorIs(t, s.Write(ctx, b), errDiskFull, name)
			assert.Equal(t, -1, w.n, "%s: nor by a later Write", name)
			got := w.buf.String()
			assert.True(t, strings.HasPrefix(all.String(), got), "%s, failing write %d: one goroutine's text", name, failAt)
			assert.True(t, got == "" || strings.HasSuffix(got, "\n"), "%s: cut at a row's end", name)
		}
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
	for name, s := range textSinks(t, &out, 4, sink.TextConfig{}, false) {
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
