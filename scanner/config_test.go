package scanner_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/scanner"
)

func TestConfigValidate(t *testing.T) {
	valid := scanner.Config{Keyspace: "ks", Table: "t"}
	with := func(f func(*scanner.Config)) scanner.Config {
		c := valid
		f(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  scanner.Config
		want []string // named in the error; none for a valid config
	}{
		{name: "minimal", cfg: valid},
		{name: "everything set", cfg: with(func(c *scanner.Config) {
			*c = scanner.Config{Keyspace: "ks", Table: "t", Columns: []string{"a", "b"}, PageSize: 10, Concurrency: 4, Splits: 100,
				PerHost: 2, Retries: -1, BackoffBase: time.Millisecond, BackoffMax: time.Second, RequestTimeout: time.Second,
				LocalDC: "dc1", MaxFailedRanges: -1, RowsPerSecond: 10, Shard: 1, Shards: 2, Seed: 7}
		})},
		{name: "no table", cfg: scanner.Config{}, want: []string{"Keyspace", "Table"}},
		{name: "column twice", cfg: with(func(c *scanner.Config) { c.Columns = []string{"a", "a", ""} }), want: []string{`"a" is listed twice`, "empty name"}},
		{name: "negative page size", cfg: with(func(c *scanner.Config) { c.PageSize = -1 }), want: []string{"PageSize"}},
		{name: "concurrency", cfg: with(func(c *scanner.Config) { c.Concurrency = 5000 }), want: []string{"Concurrency"}},
		{name: "retries", cfg: with(func(c *scanner.Config) { c.Retries = -2 }), want: []string{"Retries"}},
		{name: "negative backoff", cfg: with(func(c *scanner.Config) { c.BackoffBase = -time.Second }), want: []string{"BackoffBase"}},
		{name: "backoff base over max", cfg: with(func(c *scanner.Config) { c.BackoffBase, c.BackoffMax = time.Second, time.Millisecond }), want: []string{"BackoffMax"}},
		{name: "failed ranges", cfg: with(func(c *scanner.Config) { c.MaxFailedRanges = -3 }), want: []string{"MaxFailedRanges"}},
		{name: "not UTF-8", cfg: with(func(c *scanner.Config) { c.Where, c.AllowFiltering, c.Columns = "v = '\xff'", true, []string{"\xfe"} }),
			want: []string{"Where", "not valid UTF-8", "column"}},
		{name: "shard out of range", cfg: with(func(c *scanner.Config) { c.Shard, c.Shards = 2, 2 }), want: []string{"Shard 2 of 2"}},
		{name: "every problem at once", cfg: scanner.Config{PageSize: -1, PerHost: -1, RowsPerSecond: -1},
			want: []string{"Keyspace", "Table", "PageSize", "PerHost", "RowsPerSecond"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, scanner.ErrInvalidConfig)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	_, err := scanner.New(nil, scanner.Config{Keyspace: "ks", Table: "t"})
	assert.ErrorIs(t, err, scanner.ErrInvalidConfig, "a nil session")
}

// TestPlanErrors checks that what does not exist is reported with what
// does.
func TestPlanErrors(t *testing.T) {
	_, s, _ := demoCluster(t, cqlsim.Config{Nodes: 3}, simple(3), 10)
	tests := []struct {
		name string
		cfg  scanner.Config
		want []string
	}{
		{name: "unknown keyspace", cfg: scanner.Config{Keyspace: "nope", Table: "events"},
			want: []string{`keyspace "nope" does not exist`, cqlsim.DemoKeyspace}},
		{name: "unknown table", cfg: scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: "Events"},
			want: []string{`table "Events" does not exist`, "tables are: events"}},
		{name: "unknown column", cfg: demoConfig(scanner.Config{Columns: []string{"tenant", "Kind"}}),
			want: []string{`column "Kind" does not exist`, "kind"}},
		{name: "unknown LocalDC", cfg: demoConfig(scanner.Config{LocalDC: "dc9"}),
			want: []string{"dc9", "datacenter1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := scanner.New(s, tt.cfg)
			require.NoError(t, err)
			_, err = sc.Plan(context.Background())
			require.Error(t, err)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
			got := newCollector(false)
			_, err = sc.Run(context.Background(), got)
			assert.Error(t, err, "Run fails as Plan does")
		})
	}
}
