package pager_test

import (
	"context"
	"strings"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/pager"
)

func TestConfigValidate(t *testing.T) {
	short := []byte("short")
	for _, tc := range []struct {
		name string
		cfg  pager.Config
		want []string // one message part per problem; none for a valid config
	}{
		{name: "zero value", cfg: pager.Config{}},
		{name: "all set", cfg: pager.Config{DefaultPageSize: 10, MaxPageSize: 20, MaxOffsetPage: 5, Prefetch: 64, Key: testKey, PreviousKeys: [][]byte{testKey}, Consistency: gocql.LocalQuorum}},
		{name: "no prefetch", cfg: pager.Config{Prefetch: -1}},
		{name: "default above max", cfg: pager.Config{MaxPageSize: 50}, want: []string{"DefaultPageSize (100) is larger than MaxPageSize (50)"}},
		{name: "everything wrong", cfg: pager.Config{
			DefaultPageSize: -1, MaxPageSize: -2, MaxOffsetPage: -3, Prefetch: 65, Key: short,
			PreviousKeys: [][]byte{short}, Consistency: gocql.Consistency(0x42),
		}, want: []string{
			"DefaultPageSize is -1", "MaxPageSize is -2", "MaxOffsetPage is -3", "Prefetch is 65",
			"Key has 5 bytes", "PreviousKeys[0] has 5 bytes", "must be a read consistency",
		}},
		{name: "previous keys without a key", cfg: pager.Config{PreviousKeys: [][]byte{testKey}}, want: []string{"PreviousKeys is set but Key is not"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, pager.ErrInvalidConfig)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Len(t, strings.Split(err.Error(), "\n"), len(tc.want), "one line per problem: %v", err)
		})
	}
	_, err := pager.New(nil, pager.Config{})
	assert.ErrorIs(t, err, pager.ErrInvalidConfig)
}

// TestConfigEnsureDefaults checks that the effective configuration has
// the documented defaults in its zero fields and keeps the fields set.
func TestConfigEnsureDefaults(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfg, want pager.Config
	}{
		{name: "zero value", want: pager.Config{
			DefaultPageSize: pager.DefaultPageSize, MaxPageSize: pager.DefaultMaxPageSize,
			MaxOffsetPage: pager.DefaultMaxOffsetPage, Prefetch: pager.DefaultPrefetch,
		}},
		{name: "fields set are kept",
			cfg:  pager.Config{DefaultPageSize: 10, MaxPageSize: 20, MaxOffsetPage: 5, Prefetch: -1, Consistency: gocql.One},
			want: pager.Config{DefaultPageSize: 10, MaxPageSize: 20, MaxOffsetPage: 5, Prefetch: -1, Consistency: gocql.One}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.cfg.EnsureDefaults())
		})
	}
	assert.Equal(t, 100, pager.Config{}.EnsureDefaults().DefaultPageSize, "the default documented on the field")
}

func TestRowDecoding(t *testing.T) {
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 1})
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE rowtest WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`))
	require.NoError(t, c.ExecDDL(`CREATE TABLE rowtest.t (k int PRIMARY KEY, tup tuple<int, text>, l list<int>, n text)`))
	s := connect(t, c)
	exec(t, s, `INSERT INTO rowtest.t (k, tup, l) VALUES (1, (7, 'seven'), [1, 2])`)
	ctx := context.Background()
	pg, err := pager.Fetch(ctx, s, `SELECT k, tup, l, n FROM rowtest.t`, nil, "", 0)
	require.NoError(t, err)
	require.Len(t, pg.Rows, 1)
	row := pg.Rows[0]
	assert.Equal(t, 4, row.Len())

	var (
		k   int
		tup []any
		l   []int
		n   *string
	)
	require.NoError(t, row.Scan(&k, &tup, &l, &n))
	assert.Equal(t, 1, k)
	assert.Equal(t, []any{7, "seven"}, tup)
	assert.Equal(t, []int{1, 2}, l)
	assert.Nil(t, n, "null")
	require.NoError(t, row.Scan(nil, nil, nil, nil), "nil skips a column")
	var wrong bool
	assert.ErrorContains(t, row.Scan(&wrong, nil, nil, nil), "scan column k")

	m, err := row.Map()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"k": 1, "tup": []any{7, "seven"}, "l": []int{1, 2}, "n": nil}, m)
	assert.Nil(t, row.Raw(3))
}
