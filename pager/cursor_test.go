package pager_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/pager"
)

const (
	byPartition = `SELECT * FROM pagertest.asc_c WHERE p = ?`
	byRange     = `SELECT * FROM pagertest.asc_c WHERE p = ? AND c > ?`
)

// cursorFixture starts a cluster with the test tables and returns a
// session, a signing pager and an unsigned one.
func cursorFixture(t *testing.T) (s *gocql.Session, signed, unsigned *pager.Pager) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	loadTables(t, c)
	s = connect(t, c)
	signed, err := pager.New(s, pager.Config{Key: testKey})
	require.NoError(t, err)
	unsigned, err = pager.New(s, pager.Config{})
	require.NoError(t, err)
	return s, signed, unsigned
}

// firstCursor returns the Next cursor of the first page of a query.
func firstCursor(t *testing.T, p *pager.Pager, stmt string, values ...any) pager.Cursor {
	t.Helper()
	pg, err := p.Fetch(context.Background(), stmt, values, "", 5)
	require.NoError(t, err)
	require.NotEmpty(t, pg.Next)
	return pg.Next
}

func TestCursorReplayedWithAnotherQueryIsRefused(t *testing.T) {
	ctx := context.Background()
	_, signed, unsigned := cursorFixture(t)
	for _, p := range []*pager.Pager{signed, unsigned} {
		cursor := firstCursor(t, p, byPartition, 1)
		keysetCursor := func() pager.Cursor {
			pg, err := p.Keyset(ctx, pager.Keyset{Keyspace: testKeyspace, Table: "asc_c"}, "", 5)
			require.NoError(t, err)
			return pg.Next
		}()
		for _, tc := range []struct {
			name   string
			stmt   string
			values []any
		}{
			{name: "other value", stmt: byPartition, values: []any{2}},
			{name: "other statement", stmt: byRange, values: []any{1, 0}},
			{name: "same statement, other spacing", stmt: strings.Replace(byPartition, "WHERE", "WHERE ", 1), values: []any{1}},
			{name: "other table", stmt: `SELECT * FROM pagertest.kv WHERE k = ?`, values: []any{1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := p.Fetch(ctx, tc.stmt, tc.values, cursor, 5)
				require.ErrorIs(t, err, pager.ErrCursorMismatch)
				require.ErrorIs(t, err, pager.ErrInvalidCursor)
				assert.Contains(t, err.Error(), "another statement or other bound values")
			})
		}
		t.Run("same value as another Go type", func(t *testing.T) {
			// int64(1) and int32(1) serialize as 1 for an int column: the same query.
			pg, err := p.Fetch(ctx, byPartition, []any{int64(1)}, cursor, 5)
			require.NoError(t, err)
			assert.NotEmpty(t, pg.Rows)
			_, err = p.Fetch(ctx, byPartition, []any{int32(1)}, cursor, 5)
			require.NoError(t, err)
		})
		t.Run("keyset cursor given to Fetch", func(t *testing.T) {
			_, err := p.Fetch(ctx, byPartition, []any{1}, keysetCursor, 5)
			require.ErrorIs(t, err, pager.ErrCursorMismatch)
			assert.Contains(t, err.Error(), "keyset cursor")
		})
		t.Run("statement cursor given to Keyset", func(t *testing.T) {
			_, err := p.Keyset(ctx, pager.Keyset{Keyspace: testKeyspace, Table: "asc_c"}, cursor, 5)
			require.ErrorIs(t, err, pager.ErrCursorMismatch)
		})
		for _, tc := range []struct {
			name string
			k    pager.Keyset
		}{
			{name: "keyset with other columns", k: pager.Keyset{Keyspace: testKeyspace, Table: "asc_c", Columns: []string{"v"}}},
			{name: "keyset of one partition", k: pager.Keyset{Keyspace: testKeyspace, Table: "asc_c", Partition: []any{1}}},
			{name: "keyset of another table", k: pager.Keyset{Keyspace: testKeyspace, Table: "kv"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := p.Keyset(ctx, tc.k, keysetCursor, 5)
				require.ErrorIs(t, err, pager.ErrCursorMismatch)
			})
		}
	}
}

// flip changes one bit of a cursor's decoded bytes.
func flip(c pager.Cursor, i int) pager.Cursor {
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil {
		panic(err)
	}
	b[i%len(b)] ^= 0x10
	return pager.Cursor(base64.RawURLEncoding.EncodeToString(b))
}

// truncate drops the last n decoded bytes of a cursor.
func truncate(c pager.Cursor, n int) pager.Cursor {
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil {
		panic(err)
	}
	return pager.Cursor(base64.RawURLEncoding.EncodeToString(b[:len(b)-n]))
}

func TestTamperedSignedCursorIsRefused(t *testing.T) {
	ctx := context.Background()
	s, signed, unsigned := cursorFixture(t)
	cursor := firstCursor(t, signed, byPartition, 1)
	raw, err := base64.RawURLEncoding.DecodeString(string(cursor))
	require.NoError(t, err)

	t.Run("every byte", func(t *testing.T) {
		// Past the version and flags bytes, any change is a bad signature.
		for i := 3; i < len(raw); i++ {
			_, err := signed.Fetch(ctx, byPartition, []any{1}, flip(cursor, i), 5)
			require.ErrorIs(t, err, pager.ErrInvalidCursor, "byte %d", i)
			require.NotErrorIs(t, err, pager.ErrCursorMismatch, "byte %d", i)
			assert.Contains(t, err.Error(), "signature", "byte %d", i)
		}
	})

	keyB := []byte("another key, at least 16 bytes long")
	for _, tc := range []struct {
		name    string
		cfg     pager.Config
		cursor  pager.Cursor
		wantErr string // "" for success
	}{
		{name: "intact", cfg: pager.Config{Key: testKey}, cursor: cursor},
		{name: "version byte", cfg: pager.Config{Key: testKey}, cursor: flip(cursor, 0), wantErr: "version"},
		{name: "flags byte", cfg: pager.Config{Key: testKey}, cursor: flip(cursor, 2), wantErr: "unknown flags"},
		{name: "truncated", cfg: pager.Config{Key: testKey}, cursor: truncate(cursor, 10), wantErr: "signature"},
		{name: "not base64url", cfg: pager.Config{Key: testKey}, cursor: "a+b/c==", wantErr: "base64url"},
		{name: "too short", cfg: pager.Config{Key: testKey}, cursor: "AQE", wantErr: "truncated"},
		{name: "too long", cfg: pager.Config{Key: testKey}, cursor: pager.Cursor(strings.Repeat("A", 20000)), wantErr: "allowed"},
		{name: "signed with another key", cfg: pager.Config{Key: keyB}, cursor: cursor, wantErr: "signature"},
		{name: "signed with a previous key", cfg: pager.Config{Key: keyB, PreviousKeys: [][]byte{testKey}}, cursor: cursor},
		{name: "signed, read without a key", cfg: pager.Config{}, cursor: cursor, wantErr: "no key"},
		{name: "unsigned, read with a key", cfg: pager.Config{Key: testKey}, cursor: firstCursor(t, unsigned, byPartition, 1), wantErr: "not signed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pager.New(s, tc.cfg)
			require.NoError(t, err)
			pg, err := p.Fetch(ctx, byPartition, []any{1}, tc.cursor, 5)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.NotEmpty(t, pg.Rows)
				return
			}
			require.ErrorIs(t, err, pager.ErrInvalidCursor)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}
