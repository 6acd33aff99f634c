package scanner

import (
	"bytes"
	"context"
	"testing"
	"unsafe"

	"github.com/apache/cassandra-gocql-driver/v2/snappy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

// TestPagesShareTheirFrame pins what the fetcher's zero-copy reading relies
// on in the driver: the values of a page lie in one buffer (the response
// frame), which the driver never reuses, so they stay as they were while
// later pages are read into other batches, on every connection and with
// frame compression. A driver that pooled its frame buffers would fail it.
func TestPagesShareTheirFrame(t *testing.T) {
	for _, compress := range []bool{false, true} {
		c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
		ctx := context.Background()
		_, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 3000})
		require.NoError(t, err)
		cl := testutil.ClusterConfig(c)
		cl.NumConns = 1 // every page on one connection
		if compress {
			cl.Compressor = snappy.SnappyCompressor{}
		}
		s, err := cl.CreateSession()
		require.NoError(t, err)
		sc, err := New(s, Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable})
		require.NoError(t, err)
		p, err := sc.Plan(ctx)
		require.NoError(t, err)
		f := p.fetcher
		sr := p.Full.Subranges[0]
		host := sr.Replicas[0]
		req := worker.Request{Subrange: sr, Host: host, Start: ring.FullRange(p.Ring.Partitioner()).Start,
			End: ring.FullRange(p.Ring.Partitioner()).End, PageSize: 100}
		type kept struct {
			b    interface{ Len() int }
			vals [][]byte // the values of the page as read
		}
		var pages []kept
		batches := 0
		shared := 0
		for batches < 20 {
			b := f.NewBatch()
			page, err := f.Fetch(ctx, req, b)
			require.NoError(t, err)
			var vals [][]byte
			framed, packed := 0, 0
			for r := range b.Len() {
				var prevEnd uintptr
				for col := range b.Width() {
					v := b.Value(r, col)
					vals = append(vals, bytes.Clone(v))
					if len(v) == 0 {
						prevEnd = 0
						continue
					}
					at := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
					// In the frame, a value follows the previous one after
					// its 4-byte [bytes] length; copied, right after it.
					switch {
					case prevEnd != 0 && at == prevEnd+4:
						framed++
					case prevEnd != 0 && at == prevEnd:
						packed++
					}
					prevEnd = at + uintptr(len(v))
				}
			}
			if framed > 0 && packed == 0 {
				shared++ // the values sit in the frame, where the driver read them
			}
			pages = append(pages, kept{b: b, vals: vals})
			batches++
			if page.PageState == nil {
				break
			}
			req.PageState = page.PageState
			// Check every page read so far: still what it was.
			for i, k := range pages {
				bb := k.b.(interface {
					Len() int
					Width() int
					Value(int, int) []byte
				})
				n := 0
				for r := range bb.Len() {
					for col := range bb.Width() {
						require.Equal(t, k.vals[n], bb.Value(r, col), "page %d row %d column %d after %d more pages (compression %v)", i, r, col, len(pages)-1-i, compress)
						n++
					}
				}
			}
		}
		assert.Greater(t, batches, 5)
		assert.Equal(t, batches, shared, "every page's values are borrowed from its frame")
		s.Close()
	}
}
