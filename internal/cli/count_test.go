package cli_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
)

// breakdown parses the table count prints on stderr with --by: a header
// row, then rows whose first field is a count. It returns the rows' fields.
func breakdown(t *testing.T, stderr string, header ...string) [][]string {
	t.Helper()
	lines := splitLines([]byte(stderr))
	require.NotEmpty(t, lines)
	require.Equal(t, header, strings.Fields(lines[0]))
	out := make([][]string, 0, len(lines)-1)
	for _, l := range lines[1:] {
		out = append(out, strings.Fields(l))
	}
	return out
}

func sumFirst(t *testing.T, rows [][]string) int64 {
	t.Helper()
	var sum int64
	for _, r := range rows {
		n, err := strconv.ParseInt(r[0], 10, 64)
		require.NoError(t, err, r)
		sum += n
	}
	return sum
}

func TestCount(t *testing.T) {
	t.Parallel()
	const rows = 6000
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: rows})
	total := strconv.Itoa(rows) + "\n"

	t.Run("total alone on stdout", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("count", "-q")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		assert.Empty(t, r.stderr)
	})

	t.Run("by range", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("count", "-q", "--by", "range", "--splits", "150")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		ranges := breakdown(t, r.stderr, "rows", "range", "start", "end")
		assert.GreaterOrEqual(t, len(ranges), 150)
		ids := map[string]bool{}
		for _, rr := range ranges {
			require.Len(t, rr, 4)
			ids[rr[1]] = true
		}
		assert.Len(t, ids, len(ranges), "each range listed once")
		assert.EqualValues(t, rows, sumFirst(t, ranges))
	})

	t.Run("by host", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("count", "-q", "--by", "host")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		hosts := breakdown(t, r.stderr, "rows", "host")
		require.NotEmpty(t, hosts)
		assert.LessOrEqual(t, len(hosts), 3)
		for _, h := range hosts {
			require.Len(t, h, 2)
			assert.Contains(t, s.hosts, h[1])
		}
		assert.EqualValues(t, rows, sumFirst(t, hosts))
	})

	t.Run("by partition", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("count", "-q", "--by", "partition", "--top", "3")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		parts := breakdown(t, r.stderr, "rows", "partition")
		require.Len(t, parts, 3)
		// The demo's one very large partition holds Rows/10 rows
		// (DemoConfig.LargePartitionRows' default); ordinary ones at most
		// 2*20-1.
		assert.Equal(t, strconv.Itoa(rows/10), parts[0][0])
		assert.Equal(t, "(tenant-0, 0)", strings.Join(parts[0][1:], " "))
		for _, p := range parts[1:] {
			n, err := strconv.Atoi(p[0])
			require.NoError(t, err)
			assert.LessOrEqual(t, n, 39)
		}
	})

	t.Run("resume", func(t *testing.T) {
		t.Parallel()
		ckpt := filepath.Join(t.TempDir(), "count.ckpt")
		r := run(t, s.args("count", "-q", "--checkpoint", ckpt)...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		// Resuming a finished count reads nothing more and prints the same
		// total, with the per-range counts from the checkpoint.
		r = run(t, s.args("count", "-q", "--checkpoint", ckpt, "--resume", "--by", "range")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		assert.EqualValues(t, rows, sumFirst(t, breakdown(t, r.stderr, "rows", "range", "start", "end")))
		for _, by := range []string{"host", "partition"} {
			r = run(t, s.args("count", "-q", "--checkpoint", ckpt, "--resume", "--by", by)...)
			requireOneLineError(t, r, cli.ExitBadInput, "--by "+by, "cannot resume", "--by range")
		}
	})

	t.Run("bad flags", func(t *testing.T) {
		cases := []struct {
			name  string
			flags []string
			parts []string
		}{
			{name: "by", flags: []string{"--by", "dc"}, parts: []string{`--by "dc"`, "range, host, partition"}},
			{name: "top", flags: []string{"--by", "partition", "--top", "0"}, parts: []string{"--top 0", "positive"}},
			{name: "columns", flags: []string{"--columns", "tenant"}, parts: []string{"--columns", "partition key"}},
			{name: "resume without checkpoint", flags: []string{"--resume"}, parts: []string{"--resume needs --checkpoint"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				r := run(t, s.args("count", tc.flags...)...)
				requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
				assert.Empty(t, r.stdout)
			})
		}
	})
}
