package scanner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// readRows reads sr from cur to its end with rr and returns its rows (as
// testutil.RowKey strings, in the order read), the cursor after each row,
// and the cursor after the last page.
func readRows(t *testing.T, rr *scanner.RangeReader, sr ring.Subrange, cur scanner.Cursor) (rows []string, cursors []scanner.Cursor, end scanner.Cursor) {
	t.Helper()
	pages := rr.Read(context.Background(), sr, cur)
	defer pages.Close()
	for pages.Next() {
		b := pages.Batch()
		for i := range b.Len() {
			rows = append(rows, testutil.RowKey(rowValues(b, i)))
			c, err := pages.RowCursor(i)
			require.NoError(t, err)
			cursors = append(cursors, c)
		}
		end = pages.Cursor()
	}
	require.NoError(t, pages.Err())
	return rows, cursors, end
}

func rowValues(b *sink.Batch, i int) [][]byte {
	vals := make([][]byte, len(b.Columns))
	for j := range vals {
		vals[j] = b.Value(i, j)
	}
	return vals
}

func newRangeReader(t *testing.T, sc *scanner.Scanner, opts ...scanner.Option) (*scanner.Plan, *scanner.RangeReader) {
	t.Helper()
	p, err := sc.Plan(context.Background())
	require.NoError(t, err)
	rr, err := sc.NewRangeReader(p, opts...)
	require.NoError(t, err)
	return p, rr
}

// TestRangeReaderReadsThePlan reads every subrange of the plan with a
// RangeReader, several at once: together they return the demo table's
// rows exactly once, each page coordinated by a replica of what it read
// (cqlsim's own counters, RF 1 per DC), in the local DC when one is set.
func TestRangeReaderReadsThePlan(t *testing.T) {
	tests := []struct {
		name        string
		cfg         cqlsim.Config
		replication string
		localDC     string
	}{
		{name: "3 nodes RF 1", cfg: cqlsim.Config{Nodes: 3}, replication: simple(1)},
		{name: "2 DCs LocalDC dc2", cfg: cqlsim.Config{DCs: twoDCs}, localDC: "dc2",
			replication: `{'class': 'NetworkTopologyStrategy', 'dc1': 1, 'dc2': 1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.TombstoneBudget = simTombstoneBudget
			c, s, info := demoCluster(t, cfg, tt.replication, 8000)
			for _, n := range c.Nodes() {
				n.ResetServed()
			}
			sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 150, LocalDC: tt.localDC}))
			require.NoError(t, err)
			var mu sync.Mutex
			var requests int64
			p, rr := newRangeReader(t, sc, scanner.WithHooks(scanner.Hooks{RequestStart: func(string) {
				mu.Lock()
				requests++
				mu.Unlock()
			}}))
			var sum rowsum.Sum
			var g errgroup.Group
			g.SetLimit(6)
			for _, sr := range p.Subranges {
				g.Go(func() error {
					pages := rr.Read(context.Background(), sr, scanner.Cursor{})
					defer pages.Close()
					for pages.Next() {
						b := pages.Batch()
						mu.Lock()
						for i := range b.Len() {
							sum.Add(rowValues(b, i))
						}
						mu.Unlock()
					}
					if !pages.Cursor().Done() {
						return fmt.Errorf("range %d: the last cursor is not done", sr.ID)
					}
					return pages.Err()
				})
			}
			require.NoError(t, g.Wait())
			assert.Equal(t, demoSum(info), sum, "rows and checksum of the subranges read")

			table := cqlsim.DemoKeyspace + "." + cqlsim.DemoTable
			var reads int64
			for _, n := range c.Nodes() {
				sv := n.Served()[table]
				reads += sv.Reads
				assert.Zero(t, sv.NonReplica, "node %s coordinated %d reads for data it does not replicate", n.IP(), sv.NonReplica)
				if tt.localDC != "" && n.DC() != tt.localDC {
					assert.Zero(t, sv.Reads, "node %s of %s served reads; LocalDC is %s", n.IP(), n.DC(), tt.localDC)
				}
			}
			assert.Equal(t, requests, reads, "the nodes served exactly the page requests made")
		})
	}
}

// TestRangeReaderRowCursors resumes subranges from the cursor after
// single rows, inside pages and inside the demo's large partition, after a
// JSON round trip (the form a Beam restriction carries): each resumed read
// returns exactly the rows after that row, in order.
func TestRangeReaderRowCursors(t *testing.T) {
	t.Parallel()
	_, s, _ := demoCluster(t, cqlsim.Config{Nodes: 3, VNodes: 2, TombstoneBudget: simTombstoneBudget}, simple(2), 6000)
	sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 70}))
	require.NoError(t, err)
	p, rr := newRangeReader(t, sc)
	resumed := 0
	for _, sr := range p.Subranges {
		rows, cursors, end := readRows(t, rr, sr, scanner.Cursor{})
		require.True(t, end.Done(), "range %d read to its end", sr.ID)
		for _, i := range []int{0, 1, 69, 70, 71, len(rows) / 2, len(rows) - 2, len(rows) - 1} {
			if i < 0 || i >= len(rows) {
				continue
			}
			data, err := json.Marshal(cursors[i])
			require.NoError(t, err)
			var c scanner.Cursor
			require.NoError(t, json.Unmarshal(data, &c))
			got, _, _ := readRows(t, rr, sr, c)
			if len(got) == 0 {
				got = nil
			}
			want := rows[i+1:]
			if len(want) == 0 {
				want = nil
			}
			require.Equal(t, want, got, "range %d resumed after its row %d of %d (cursor %s)", sr.ID, i, len(rows), data)
			resumed++
		}
	}
	assert.Greater(t, resumed, 20)
}

// TestRangeReaderFaults: injected errors are retried on the next replica
// and every row comes back once; when every attempt fails, the read ends
// with the subrange's *RangeError.
func TestRangeReaderFaults(t *testing.T) {
	t.Parallel()
	c, s, info := demoCluster(t, cqlsim.Config{Nodes: 3, Faults: []cqlsim.Fault{
		{Kind: cqlsim.Overloaded, Rate: 0.1}, {Kind: cqlsim.ReadTimeout, Rate: 0.1}}}, simple(3), 6000)
	var mu sync.Mutex
	retries := 0
	sc, err := scanner.New(s, fastRetries(demoConfig(scanner.Config{PageSize: 100, Retries: 20})),
		scanner.WithHooks(scanner.Hooks{Retry: func(int, string, string, error) {
			mu.Lock()
			retries++
			mu.Unlock()
		}}))
	require.NoError(t, err)
	p, rr := newRangeReader(t, sc)
	var sum rowsum.Sum
	for _, sr := range p.Subranges {
		pages := rr.Read(context.Background(), sr, scanner.Cursor{})
		for pages.Next() {
			b := pages.Batch()
			for i := range b.Len() {
				sum.Add(rowValues(b, i))
			}
		}
		require.NoError(t, pages.Err())
		require.NoError(t, pages.Close())
	}
	assert.Equal(t, demoSum(info), sum)
	mu.Lock()
	assert.Positive(t, retries, "faults were retried")
	mu.Unlock()

	for _, n := range c.Nodes() {
		require.NoError(t, n.SetFaults(cqlsim.Fault{Kind: cqlsim.Unavailable, Rate: 1}))
	}
	sc, err = scanner.New(s, fastRetries(demoConfig(scanner.Config{PageSize: 100, Retries: 2})))
	require.NoError(t, err)
	p, rr = newRangeReader(t, sc)
	pages := rr.Read(context.Background(), p.Subranges[0], scanner.Cursor{})
	defer pages.Close()
	assert.False(t, pages.Next())
	var re *scanner.RangeError
	require.ErrorAs(t, pages.Err(), &re)
	assert.Equal(t, p.Subranges[0].ID, re.ID)
	assert.Equal(t, 3, re.Attempts, "the first attempt and two retries")
	assert.Len(t, re.Hosts, 3)
}

// TestRangeReaderSharesPerHost: reads running at once share the reader's
// per-host cap of 1: no node ever has two of their requests in flight.
func TestRangeReaderSharesPerHost(t *testing.T) {
	t.Parallel()
	c, s, info := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(1), 3000)
	for _, n := range c.Nodes() {
		n.SetLatency(cqlsim.Latency{Fixed: 2 * time.Millisecond}) // requests overlap
	}
	var mu sync.Mutex
	inFlight, most := map[string]int{}, map[string]int{}
	sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 100, PerHost: 1}), scanner.WithHooks(scanner.Hooks{
		RequestStart: func(h string) {
			mu.Lock()
			inFlight[h]++
			most[h] = max(most[h], inFlight[h])
			mu.Unlock()
		},
		RequestEnd: func(h string) {
			mu.Lock()
			inFlight[h]--
			mu.Unlock()
		},
	}))
	require.NoError(t, err)
	p, rr := newRangeReader(t, sc)
	assert.Equal(t, 1, rr.PerHost())
	var sum rowsum.Sum
	var g errgroup.Group
	for _, sr := range p.Subranges {
		g.Go(func() error {
			pages := rr.Read(context.Background(), sr, scanner.Cursor{})
			defer pages.Close()
			for pages.Next() {
				b := pages.Batch()
				mu.Lock()
				for i := range b.Len() {
					sum.Add(rowValues(b, i))
				}
				mu.Unlock()
			}
			return pages.Err()
		})
	}
	require.NoError(t, g.Wait())
	assert.Equal(t, demoSum(info), sum)
	require.Len(t, most, 3, "every node served requests")
	for h, n := range most {
		assert.Equal(t, 1, n, "requests in flight to %s from %d reads at once", h, len(p.Subranges))
	}
}

// TestRangeReaderCloseAndCancel: Close stops a read in the middle (and
// leaves no goroutine: see TestMain); a cancelled context ends it with
// the context's error.
func TestRangeReaderCloseAndCancel(t *testing.T) {
	t.Parallel()
	_, s, _ := demoCluster(t, cqlsim.Config{Nodes: 1}, simple(1), 3000)
	sc, err := scanner.New(s, demoConfig(scanner.Config{PageSize: 10}))
	require.NoError(t, err)
	p, rr := newRangeReader(t, sc)
	sr := p.Subranges[0]

	pages := rr.Read(context.Background(), sr, scanner.Cursor{})
	require.True(t, pages.Next())
	require.NoError(t, pages.Close())
	assert.False(t, pages.Next(), "no page after Close")
	assert.NoError(t, pages.Err(), "a read stopped by Close did not fail")
	assert.NoError(t, pages.Close(), "Close is idempotent")

	ctx, cancel := context.WithCancel(context.Background())
	pages = rr.Read(ctx, sr, scanner.Cursor{})
	defer pages.Close()
	require.True(t, pages.Next())
	cancel()
	for pages.Next() {
	}
	assert.ErrorIs(t, pages.Err(), context.Canceled)

	_, err = pages.RowCursor(5000)
	assert.ErrorContains(t, err, "row cursor: row 5000 of a page of")
}

// TestRangeReaderRefusesTokensOnly: positions inside a tokens-only page
// are ordinals that only a page's cursor carries.
func TestRangeReaderRefusesTokensOnly(t *testing.T) {
	t.Parallel()
	_, s, _ := demoCluster(t, cqlsim.Config{Nodes: 1}, simple(1), 10)
	sc, err := scanner.New(s, demoConfig(scanner.Config{}))
	require.NoError(t, err)
	p, err := sc.Plan(context.Background())
	require.NoError(t, err)
	_, err = sc.NewRangeReader(p.TokensOnly())
	require.ErrorIs(t, err, scanner.ErrInvalidConfig)
	_, err = sc.NewRangeReader(nil)
	require.ErrorIs(t, err, scanner.ErrInvalidConfig)
}

// TestSubrangeAt finds the subrange of every token of a plan cut by token
// bounds, and none outside them.
func TestSubrangeAt(t *testing.T) {
	t.Parallel()
	_, s, _ := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(2), 10)
	sc, err := scanner.New(s, demoConfig(scanner.Config{BeginToken: "-1000000", EndToken: "5000000000000000000", Splits: 40}))
	require.NoError(t, err)
	p, err := sc.Plan(context.Background())
	require.NoError(t, err)
	for _, sr := range p.Full.Subranges {
		for _, tk := range []ring.Token{sr.Range.End, sr.Range.Mid()} {
			if !sr.Range.Contains(tk) {
				continue
			}
			got, ok := p.SubrangeAt(tk)
			require.True(t, ok, "token %v of range %v", tk, sr.Range)
			assert.Equal(t, sr, got)
		}
	}
	for _, tk := range []ring.Token{ring.Murmur3Token(-1000000), ring.Murmur3Token(-1000001), ring.Murmur3Token(5000000000000000001), ring.FullRange(ring.RandomPartitioner).End} {
		_, ok := p.SubrangeAt(tk)
		assert.False(t, ok, "token %v is outside the plan", tk)
	}
	_, ok := p.SubrangeAt(ring.Murmur3Token(-999999))
	assert.True(t, ok)
}
