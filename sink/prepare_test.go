package sink_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/sink"
)

// preparePages are pages of 1-700 rows (over prepareRun's 256, and under
// it) of several types, one of them with a malformed int in row 300.
func preparePages(t *testing.T) []*sink.Batch {
	cols := []col{{"id", "int"}, {"name", "text"}, {"tags", "set<text>"}, {"n", "bigint"}}
	var pages []*sink.Batch
	for _, rows := range []int{1, 255, 256, 257, 700} {
		var vals [][]any
		for r := range rows {
			vals = append(vals, []any{r, fmt.Sprintf("row \"%d\"", r), []string{"x", fmt.Sprint(r)}, int64(r) << 40})
		}
		pages = append(pages, page(t, cols, vals...))
	}
	bad := sink.NewBatch(pages[0].Columns, 0)
	for r := range 400 {
		for j := range 4 {
			v := pages[4].Value(r, j)
			if r == 300 && j == 0 {
				v = []byte{1, 2, 3} // an int of 3 bytes
			}
			bad.AppendValue(v)
		}
	}
	return append(pages, bad)
}

// prepareFormats are the sinks that are Preparers: new makes one writing
// to w, other one of other options (whose prepared text the first must
// not write).
var prepareFormats = []struct {
	name       string
	new, other func(t *testing.T, w io.Writer) sink.Preparer
}{
	{"jsonl",
		func(_ *testing.T, w io.Writer) sink.Preparer { return sink.NewJSONLines(w) },
		func(t *testing.T, w io.Writer) sink.Preparer {
			s, err := sink.NewJSONLinesConfig(w, sink.JSONConfig{NumbersAsStrings: true})
			require.NoError(t, err)
			return s
		}},
	{"csv",
		func(t *testing.T, w io.Writer) sink.Preparer {
			s, err := sink.NewCSV(w, sink.CSVConfig{})
			require.NoError(t, err)
			return s
		},
		func(t *testing.T, w io.Writer) sink.Preparer {
			s, err := sink.NewCSV(w, sink.CSVConfig{Delimiter: ';'})
			require.NoError(t, err)
			return s
		}},
}

// TestPrepare checks, for JSON Lines and CSV, that a prepared page is
// written as it would be without Prepare: the same text (a CSV header
// once, before the first page), and a malformed value's error after the
// rows before it. Pages are prepared concurrently (go test -race), one by
// a sink of other options, one changed after Prepare. Fails if Write used
// text prepared by another sink, or for other rows, or dropped a prepared
// error or the header.
func TestPrepare(t *testing.T) {
	for _, f := range prepareFormats {
		t.Run(f.name, func(t *testing.T) { testPrepare(t, f.new, f.other) })
	}
}

func testPrepare(t *testing.T, newSink, otherSink func(*testing.T, io.Writer) sink.Preparer) {
	ctx := context.Background()
	write := func(prepare func(s sink.Preparer, pages []*sink.Batch)) (string, []string) {
		pages := preparePages(t)
		var out bytes.Buffer
		s := newSink(t, &out)
		prepare(s, pages)
		var errs []string
		for _, b := range pages {
			if err := s.Write(ctx, b); err != nil {
				errs = append(errs, err.Error())
			}
		}
		require.NoError(t, s.Close(ctx))
		return out.String(), errs
	}
	wantText, wantErrs := write(func(sink.Preparer, []*sink.Batch) {})
	require.Len(t, wantErrs, 1)
	assert.Contains(t, wantErrs[0], "row 300 column id")

	text, errs := write(func(s sink.Preparer, pages []*sink.Batch) {
		var wg sync.WaitGroup
		for _, b := range pages {
			wg.Go(func() { s.Prepare(b) })
		}
		wg.Wait()
	})
	assert.Equal(t, wantText, text, "every page prepared")
	assert.Equal(t, wantErrs, errs)

	text, errs = write(func(s sink.Preparer, pages []*sink.Batch) {
		otherSink(t, &bytes.Buffer{}).Prepare(pages[1]) // prepared by another sink, its text another
		s.Prepare(pages[2])
		pages[2].TruncateRows(100) // changed after Prepare
		s.Prepare(pages[3])
		pages[3].AppendValue([]byte{0, 0, 0, 9}) // a row begun after Prepare...
		pages[3].TruncateRows(pages[3].Len())    // ...and dropped
		s.Prepare(pages[4])
		for j := range 4 {
			pages[4].AppendValue(pages[4].Value(0, j)) // a row added after Prepare
		}
	})
	var want bytes.Buffer
	s := newSink(t, &want)
	for i, b := range preparePages(t) {
		switch i {
		case 2:
			b.TruncateRows(100)
		case 4:
			for j := range 4 {
				b.AppendValue(b.Value(0, j))
			}
		}
		_ = s.Write(ctx, b)
	}
	assert.Equal(t, want.String(), text, "pages changed after Prepare, or prepared by another sink, rendered again")
	assert.Equal(t, wantErrs, errs)

	// A sink of the same options prepares for another (as an output's
	// files do): its text is written.
	pages := preparePages(t)
	var one, two bytes.Buffer
	plain, prep := newSink(t, &one), newSink(t, &two)
	newSink(t, io.Discard).Prepare(pages[3])
	binary.BigEndian.PutUint32(pages[3].Value(0, 0), 1e6) // a probe: the prepared text has the old id
	require.NoError(t, prep.Write(ctx, pages[3]))
	binary.BigEndian.PutUint32(pages[3].Value(0, 0), 0)
	require.NoError(t, plain.Write(ctx, pages[3]))
	assert.Equal(t, one.String(), two.String(), "the text a sink of the same options prepared")

	// Write hands a page's text memory on to the next Prepare: a page
	// written again is rendered again, not from the text another page's
	// Prepare wrote over.
	pages = preparePages(t)
	var alone bytes.Buffer
	plain = newSink(t, &alone)
	for _, i := range []int{4, 3, 4} { // the larger first: its memory holds the other's text
		require.NoError(t, plain.Write(ctx, pages[i]))
	}
	var out bytes.Buffer
	s = newSink(t, &out)
	s.Prepare(pages[4])
	require.NoError(t, s.Write(ctx, pages[4]))
	s.Prepare(pages[3])
	require.NoError(t, s.Write(ctx, pages[3]))
	require.NoError(t, s.Write(ctx, pages[4]))
	assert.Equal(t, alone.String(), out.String(), "a page written twice, another prepared between")
}
