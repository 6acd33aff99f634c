package pager_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/pager"
)

// keysetAll pages through a Keyset with a new service instance per page.
func keysetAll(t *testing.T, sv *service, k pager.Keyset, size int) [][][]byte {
	t.Helper()
	var got [][][]byte
	cursor := pager.Cursor("")
	for {
		pg, err := sv.pager().Keyset(context.Background(), k, cursor, size)
		require.NoError(t, err)
		if pg.Next != "" {
			require.Len(t, pg.Rows, size, "a keyset page is full unless it is the last")
		}
		for _, r := range pg.Rows {
			got = append(got, rawRow(r))
		}
		if pg.Next == "" {
			return got
		}
		cursor = pg.Next
	}
}

// project keeps some columns of rows.
func project(rows [][][]byte, cols ...int) [][][]byte {
	out := make([][][]byte, len(rows))
	for i, r := range rows {
		for _, c := range cols {
			out[i] = append(out[i], r[c])
		}
	}
	return out
}

func TestKeysetAcrossPartitionsLargerThanAPage(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{})
	loadTables(t, c)
	ref := connect(t, c)
	want := map[string][][][]byte{}
	for _, tt := range testTables {
		want[tt.name] = readAll(t, ref, selectAll(tt.name))
	}
	wantPartition := readAll(t, ref, `SELECT * FROM pagertest.mixed WHERE p = ? AND q = ?`, 1, "q")
	require.NotEmpty(t, wantPartition)
	ref.Close() // before any node restarts
	sv := &service{t: t, c: c, cfg: pager.Config{Key: testKey}}

	for _, tt := range testTables {
		t.Run(tt.name, func(t *testing.T) {
			// 50 rows per partition or more (but kv's), pages of 17: each
			// partition spans several pages, and pages span partitions.
			got := keysetAll(t, sv, pager.Keyset{Keyspace: testKeyspace, Table: tt.name}, 17)
			// Keyset pages follow the server's order: token, then clustering.
			assert.Equal(t, want[tt.name], got)
		})
	}
	t.Run("one partition", func(t *testing.T) {
		got := keysetAll(t, sv, pager.Keyset{Keyspace: testKeyspace, Table: "mixed", Partition: []any{1, "q"}}, 9)
		assert.Equal(t, wantPartition, got)
	})
	t.Run("some columns, key columns hidden", func(t *testing.T) {
		// three: p, c1, c2, c3, v.
		got := keysetAll(t, sv, pager.Keyset{Keyspace: testKeyspace, Table: "three", Columns: []string{"v", "c2"}}, 13)
		assert.Equal(t, project(want["three"], 4, 2), got)
	})
	t.Run("page size 1", func(t *testing.T) {
		got := keysetAll(t, sv, pager.Keyset{Keyspace: testKeyspace, Table: "Quoted Table"}, 1)
		assert.Equal(t, want["Quoted Table"], got)
	})
}

func TestKeysetDemo(t *testing.T) {
	ctx := context.Background()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1, TombstoneBudget: 10})
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 3000})
	require.NoError(t, err)
	p, err := pager.New(connect(t, c), pager.Config{Key: testKey})
	require.NoError(t, err)
	var sum rowsum.Sum
	for row, err := range p.KeysetRows(ctx, pager.Keyset{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable}, "", 128).All() {
		require.NoError(t, err)
		sum.Add(rawRow(row))
	}
	assert.Equal(t, uint64(info.Rows), sum.Rows)
	assert.Equal(t, info.Checksum, sum.Hash)
}

func TestKeysetErrors(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	loadTables(t, c)
	p, err := pager.New(connect(t, c), pager.Config{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		k       pager.Keyset
		size    int
		wantMsg string
	}{
		{name: "no table", k: pager.Keyset{Keyspace: testKeyspace}, wantMsg: "required"},
		{name: "unknown keyspace", k: pager.Keyset{Keyspace: "nope", Table: "kv"}, wantMsg: `keyspace "nope"`},
		{name: "unknown table", k: pager.Keyset{Keyspace: testKeyspace, Table: "nope"}, wantMsg: `table "nope" does not exist`},
		{name: "unknown column", k: pager.Keyset{Keyspace: testKeyspace, Table: "kv", Columns: []string{"x"}}, wantMsg: `column "x" does not exist`},
		{name: "column twice", k: pager.Keyset{Keyspace: testKeyspace, Table: "kv", Columns: []string{"v", "v"}}, wantMsg: "twice"},
		{name: "partition arity", k: pager.Keyset{Keyspace: testKeyspace, Table: "mixed", Partition: []any{1}}, wantMsg: "2 partition key columns"},
		{name: "partition type", k: pager.Keyset{Keyspace: testKeyspace, Table: "kv", Partition: []any{"one"}}, wantMsg: "partition key k"},
		{name: "negative page size", k: pager.Keyset{Keyspace: testKeyspace, Table: "kv"}, size: -1, wantMsg: "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Keyset(context.Background(), tc.k, "", tc.size)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantMsg)
		})
	}
}
