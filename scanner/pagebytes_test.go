package scanner_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/scanner"
)

// TestPageBytes reads a table of 32 KiB rows from a cluster that pages by
// rows only, as Cassandra 4.1 does (cqlsim's default, no byte cap): with
// Config.PageBytes, the pages asked after the first ones hold no more than
// it, and with the size estimates of a table without clustering columns
// the first ones too; with NoPageBytes every page holds PageSize rows,
// which is what the bound is for. Every subtest reads every row once.
func TestPageBytes(t *testing.T) {
	t.Parallel()
	const (
		rows     = 400
		rowBytes = 32 << 10
		pageSize = 100
		bound    = 256 << 10
		conc     = 4
	)
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, VNodes: 4})
	s := testutil.Session(t, c)
	require.NoError(t, s.Query(`CREATE KEYSPACE ks WITH replication = `+simple(1)).Exec())
	require.NoError(t, s.Query(`CREATE TABLE ks.big (k int PRIMARY KEY, v blob)`).Exec())
	testutil.WaitForTables(t, s, "ks", "big")
	want := testutil.Multiset{}
	for k := range rows {
		v := bytes.Repeat([]byte{byte(k)}, rowBytes)
		require.NoError(t, s.Query(`INSERT INTO ks.big (k, v) VALUES (?, ?)`, k, v).Exec())
		want.AddRow([][]byte{[]byte{0, 0, byte(k >> 8), byte(k)}, v})
	}
	tests := []struct {
		name      string
		pageBytes int
		estimates bool
		// over is how many pages may hold more than bound: the first
		// requests, sent before any page came back, when nothing says how
		// large rows are; -1: any.
		over int
	}{
		{name: "bound", pageBytes: bound, over: conc},
		{name: "bound by the estimates from the first page", pageBytes: bound, estimates: true, over: 0},
		{name: "no bound", pageBytes: scanner.NoPageBytes, over: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := scanner.Config{Keyspace: "ks", Table: "big", PageSize: pageSize, PageBytes: tt.pageBytes, Concurrency: conc,
				UseSizeEstimates: tt.estimates}
			sc, err := scanner.New(s, cfg)
			require.NoError(t, err)
			var mu sync.Mutex
			var pages [][2]int // rows, bytes
			col := newCollector(true)
			_, err = sc.Run(t.Context(), col, scanner.WithHooks(scanner.Hooks{
				PageRead: func(_ int, _ string, rows, bytes int, _ time.Duration) {
					mu.Lock()
					defer mu.Unlock()
					pages = append(pages, [2]int{rows, bytes})
				},
			}))
			require.NoError(t, err)
			if d := want.Diff(col.rows); d != "" {
				t.Fatalf("rows differ: %s", d)
			}
			over, full := 0, 0
			for _, p := range pages {
				// A row's bytes are its blob and its key: a page within the
				// bound holds at most bound/rowBytes rows.
				if p[1] > bound {
					over++
				}
				if p[0] == pageSize {
					full++
				}
			}
			desc := fmt.Sprint(pages)
			switch {
			case tt.over < 0:
				assert.Positive(t, full, "pages of PageSize rows, %d bytes each, as the cluster pages by rows only: %s", pageSize*rowBytes, desc)
			default:
				assert.LessOrEqual(t, over, tt.over, "pages over %d bytes: %s", bound, desc)
				assert.Greater(t, len(pages), rows/pageSize*2, "the bound made pages smaller: %s", desc)
			}
		})
	}
}
