package pager_test

import (
	"context"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/pager"
)

// testKey signs cursors in the tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// service stands for a stateless service that restarts between requests:
// every request gets a new session and a new Pager, sharing nothing but
// the key, and every fourth request a node restarts too. The previous
// session is closed first, as a restarted process would have it (and so
// that no session sees the node go down while it closes: gocql can leave
// a control connection reconnecting behind a closed session).
type service struct {
	t        *testing.T
	c        *cqlsim.Cluster
	cfg      pager.Config
	requests int
	session  *gocql.Session
}

func (sv *service) pager() *pager.Pager {
	sv.t.Helper()
	if sv.session != nil {
		sv.session.Close()
	}
	sv.requests++
	if sv.requests%4 == 0 {
		n := sv.c.Nodes()[sv.requests/4%len(sv.c.Nodes())]
		n.Down()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(sv.t, n.Up(ctx))
	}
	sv.session = connect(sv.t, sv.c)
	p, err := pager.New(sv.session, sv.cfg)
	require.NoError(sv.t, err)
	return p
}

// rawRow returns a row's values.
func rawRow(r pager.Row) [][]byte {
	vals := make([][]byte, r.Len())
	for i := range vals {
		vals[i] = r.Raw(i)
	}
	return vals
}

func TestFetchPagesEveryTableAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	c := testutil.StartSim(t, cqlsim.Config{})
	loadTables(t, c)
	ref := connect(t, c)
	want := map[string][][][]byte{}
	for _, tt := range testTables {
		want[tt.name] = readAll(t, ref, selectAll(tt.name))
		require.Len(t, want[tt.name], tt.rows)
	}
	ref.Close() // before any node restarts
	for _, tt := range testTables {
		t.Run(tt.name, func(t *testing.T) {
			sv := &service{t: t, c: c, cfg: pager.Config{Key: testKey}}
			var got [][][]byte
			cursor := pager.Cursor("")
			for i := 0; ; i++ {
				// The page size may change from request to request.
				pg, err := sv.pager().Fetch(ctx, selectAll(tt.name), nil, cursor, 30+i%7)
				require.NoError(t, err)
				for _, r := range pg.Rows {
					got = append(got, rawRow(r))
				}
				if pg.Next == "" {
					break
				}
				cursor = pg.Next
			}
			// Forward paging keeps the server's order, so the sequences match.
			assert.Equal(t, want[tt.name], got)
		})
	}
}

func TestFetchDemoWithBoundValuesAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	c := testutil.StartSim(t, cqlsim.Config{TombstoneBudget: 20})
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 3000})
	require.NoError(t, err)
	// The first partition and its rows, read before any node restarts.
	stmt := `SELECT * FROM ringscan_demo.events WHERE tenant = ? AND bucket = ?`
	ref := connect(t, c)
	var tenant string
	var bucket int
	require.NoError(t, ref.Query(`SELECT tenant, bucket FROM ringscan_demo.events LIMIT 1`).Scan(&tenant, &bucket))
	want := readAll(t, ref, stmt, tenant, bucket)
	require.NotEmpty(t, want)
	ref.Close()
	sv := &service{t: t, c: c, cfg: pager.Config{Key: testKey}}

	t.Run("whole table", func(t *testing.T) {
		var sum rowsum.Sum
		empty := 0
		cursor := pager.Cursor("")
		for {
			pg, err := sv.pager().Fetch(ctx, `SELECT * FROM ringscan_demo.events`, nil, cursor, 250)
			require.NoError(t, err)
			for _, r := range pg.Rows {
				sum.Add(rawRow(r))
			}
			if pg.Next == "" {
				break
			}
			if len(pg.Rows) == 0 {
				empty++ // an empty page with more to follow is not the end
			}
			cursor = pg.Next
		}
		assert.Equal(t, uint64(info.Rows), sum.Rows)
		assert.Equal(t, info.Checksum, sum.Hash)
		assert.Positive(t, empty, "the tombstone run should give empty pages")
	})

	t.Run("one partition with bound values", func(t *testing.T) {
		var got [][][]byte
		cursor := pager.Cursor("")
		for {
			pg, err := sv.pager().Fetch(ctx, stmt, []any{tenant, bucket}, cursor, 7)
			require.NoError(t, err)
			for _, r := range pg.Rows {
				got = append(got, rawRow(r))
			}
			if pg.Next == "" {
				break
			}
			cursor = pg.Next
		}
		assert.Equal(t, want, got)
	})
}

func TestPageSizeRules(t *testing.T) {
	ctx := context.Background()
	// A 300-byte page limit makes the server end pages early.
	c := testutil.StartSim(t, cqlsim.Config{PageBytes: 300})
	loadTables(t, c)
	p, err := pager.New(connect(t, c), pager.Config{DefaultPageSize: 5, MaxPageSize: 50})
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		table    string
		size     int
		wantRows int
		fewer    bool // fewer rows than asked for, more to follow
		wantErr  error
	}{
		{name: "0 means the default", table: "kv", size: 0, wantRows: 5},
		{name: "explicit", table: "kv", size: 3, wantRows: 3},
		// The server's byte limit ends the page early: the size is a hint.
		{name: "the maximum, cut by the server", table: "kv", size: 50, fewer: true},
		{name: "negative", table: "kv", size: -1, wantErr: pager.ErrInvalidPageSize},
		{name: "above the maximum", table: "kv", size: 51, wantErr: pager.ErrInvalidPageSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pg, err := p.Fetch(ctx, selectAll(tc.table), nil, "", tc.size)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			if tc.fewer {
				assert.Less(t, len(pg.Rows), tc.size)
				assert.NotEmpty(t, pg.Rows)
			} else {
				assert.Len(t, pg.Rows, tc.wantRows)
			}
			assert.NotEmpty(t, pg.Next)
		})
	}
}

func TestFetchStatementErrors(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	loadTables(t, c)
	s := connect(t, c)
	p, err := pager.New(s, pager.Config{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		stmt    string
		values  []any
		wantMsg string
	}{
		{name: "not a SELECT", stmt: `INSERT INTO pagertest.kv (k, v) VALUES (?, ?)`, values: []any{1000, "x"}, wantMsg: "only SELECT statements"},
		{name: "too few values", stmt: `SELECT * FROM pagertest.kv WHERE k = ?`, wantMsg: "has 1 bind markers; 0 values were given"},
		{name: "value of the wrong type", stmt: `SELECT * FROM pagertest.kv WHERE k = ?`, values: []any{"one"}, wantMsg: "value 0 (k)"},
		{name: "syntax error", stmt: `SELEC * FROM pagertest.kv`, wantMsg: "prepare"},
		{name: "unknown table", stmt: `SELECT * FROM pagertest.nope`, wantMsg: "prepare"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Fetch(context.Background(), tc.stmt, tc.values, "", 0)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantMsg)
		})
	}
	var n int
	require.NoError(t, s.Query(`SELECT count(*) FROM pagertest.kv WHERE k = 1000`).Scan(&n))
	assert.Zero(t, n, "the INSERT was not run")
}
