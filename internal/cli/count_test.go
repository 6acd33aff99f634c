package cli_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/partitioner"
	"github.com/ringscan/ringscan/scanner"
)

// breakdown parses the table count prints on stderr with one --by mode:
// a header row, then rows whose first field is a count and whose second
// is its percentage of total, which it checks. It returns the rows'
// fields without the percentage.
func breakdown(t *testing.T, stderr string, total int64, header ...string) [][]string {
	t.Helper()
	lines := splitLines([]byte(stderr))
	require.NotEmpty(t, lines)
	require.Equal(t, append(header[:1:1], append([]string{"percent"}, header[1:]...)...), strings.Fields(lines[0]))
	out := make([][]string, 0, len(lines)-1)
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		require.GreaterOrEqual(t, len(f), 2, l)
		n, err := strconv.ParseInt(f[0], 10, 64)
		require.NoError(t, err, l)
		assert.Equal(t, fmt.Sprintf("%.2f%%", 100*float64(n)/float64(total)), f[1], l)
		out = append(out, append(f[:1:1], f[2:]...))
	}
	return out
}

// breakdowns splits what count prints with several --by modes into one
// table each.
func breakdowns(stderr string) []string {
	return strings.Split(strings.TrimSuffix(stderr, "\n"), "\n\n")
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

// partitionCounts reads the demo table's partition keys with the library
// and returns each partition's rows, keyed as count --by partition prints
// keys ("tenant-3, 1846"), and its token.
func partitionCounts(t *testing.T, s *sim) (rows map[string]int64, tokens map[string]int64) {
	t.Helper()
	rows, tokens = map[string]int64{}, map[string]int64{}
	for _, line := range s.exportJSONL(t, scanner.Config{Columns: []string{"tenant", "bucket"}}) {
		var k struct {
			Tenant string `json:"tenant"`
			Bucket int32  `json:"bucket"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &k))
		key := fmt.Sprintf("%s, %d", k.Tenant, k.Bucket)
		rows[key]++
		bucket := binary.BigEndian.AppendUint32(nil, uint32(k.Bucket))
		tokens[key] = partitioner.Murmur3Token(partitioner.CompositeKey([][]byte{[]byte(k.Tenant), bucket}))
	}
	return rows, tokens
}

func TestCount(t *testing.T) {
	t.Parallel()
	const rows = 6000
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: rows})
	total := strconv.Itoa(rows) + "\n"
	refRows, refTokens := partitionCounts(t, s)

	// Paged, and counted on the server (--on-server): the same rows.
	for _, mode := range []struct {
		name  string
		flags []string
	}{{name: "paged", flags: []string{"--on-server=false"}}, {name: "on the server (the default)"}, {name: "on the server", flags: []string{"--on-server"}}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			countModes(t, s, rows, total, refRows, refTokens, mode.flags)
		})
	}

	t.Run("by default, pages where the server cannot count", func(t *testing.T) {
		t.Parallel()
		// With adaptive limits: every row; with a filter: fewer, as the
		// paged count with the same flags counts them.
		r := run(t, s.args("count", "-q", "--per-host", "adaptive")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		filter := []string{"-q", "--where", "ok = true", "--allow-filtering"}
		r = run(t, s.args("count", filter...)...)
		requireOK(t, r)
		paged := run(t, s.args("count", append(filter, "--on-server=false")...)...)
		requireOK(t, paged)
		assert.Equal(t, paged.stdout, r.stdout)
		assert.NotEqual(t, total, r.stdout, "the filter drops rows")
	})

	t.Run("on the server by host", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("count", "-q", "--on-server", "--by", "host,range")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		tables := breakdowns(r.stderr)
		require.Len(t, tables, 2, r.stderr)
		assert.EqualValues(t, rows, sumFirst(t, breakdown(t, tables[0], rows, "rows", "host")))
		assert.EqualValues(t, rows, sumFirst(t, breakdown(t, tables[1], rows, "rows", "range", "start", "end")))
	})

	t.Run("by several", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("count", "-q", "--by", "partition,range", "--by", "hosts", "--top", "2")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		tables := breakdowns(r.stderr)
		require.Len(t, tables, 3, r.stderr)
		parts := breakdown(t, tables[0], rows, "rows", "partition")
		assert.Len(t, parts, 2)
		assert.EqualValues(t, rows, sumFirst(t, breakdown(t, tables[1], rows, "rows", "range", "start", "end")))
		assert.EqualValues(t, rows, sumFirst(t, breakdown(t, tables[2], rows, "rows", "host")))
	})

	t.Run("by host", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("count", "-q", "--by", "host")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		hosts := breakdown(t, r.stderr, rows, "rows", "host")
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
		// Pages of 50 rows: the large partition spans many pages.
		r := run(t, s.args("count", "-q", "--by", "partition", "--top", "3", "--page-size", "50")...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		parts := breakdown(t, r.stderr, rows, "rows", "partition")
		require.Len(t, parts, 3)
		// Every partition listed has its true row count, and they are the
		// largest ones.
		counts := make([]int64, 0, len(refRows))
		for _, n := range refRows {
			counts = append(counts, n)
		}
		slices.Sort(counts)
		slices.Reverse(counts)
		for i, p := range parts {
			key := strings.TrimSuffix(strings.TrimPrefix(strings.Join(p[1:], " "), "("), ")")
			assert.Equal(t, strconv.FormatInt(refRows[key], 10), p[0], "partition %s", key)
			assert.Equal(t, strconv.FormatInt(counts[i], 10), p[0], "rank %d", i)
		}
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
		assert.EqualValues(t, rows, sumFirst(t, breakdown(t, r.stderr, rows, "rows", "range", "start", "end")))
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
			{name: "by list", flags: []string{"--by", "range,dc"}, parts: []string{`--by "range,dc"`, "range, host, partition, comma separated"}},
			{name: "by several resumed", flags: []string{"--by", "range,host", "--resume", "--checkpoint", filepath.Join(t.TempDir(), "none")}, parts: []string{"--by host cannot resume"}},
			{name: "top", flags: []string{"--by", "partition", "--top", "0"}, parts: []string{"--top 0", "positive"}},
			{name: "top without partitions", flags: []string{"--by", "range,host", "--top", "5"}, parts: []string{"--top applies to --by partition only"}},
			{name: "top alone", flags: []string{"--top", "5"}, parts: []string{"--top applies to --by partition only"}},
			{name: "on the server by partition", flags: []string{"--on-server", "--by", "partition"}, parts: []string{"--on-server cannot count --by partition"}},
			{name: "on the server with adaptive limits", flags: []string{"--on-server", "--per-host", "adaptive"}, parts: []string{"--on-server cannot take --per-host adaptive"}},
			{name: "on the server with a filter", flags: []string{"--on-server", "--where", "ok = true"}, parts: []string{"--on-server cannot take --where"}},
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

// countModes checks count's total alone on stdout, and its counts by range
// (each the rows whose token lies in (start, end], in token order, over
// the ring), with flags added.
func countModes(t *testing.T, s *sim, rows int64, total string, refRows, refTokens map[string]int64, flags []string) {
	t.Run("total alone on stdout", func(t *testing.T) {
		r := run(t, s.args("count", append([]string{"-q"}, flags...)...)...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		assert.Empty(t, r.stderr)
	})

	t.Run("by range", func(t *testing.T) {
		r := run(t, s.args("count", append([]string{"-q", "--by", "range", "--splits", "150"}, flags...)...)...)
		requireOK(t, r)
		assert.Equal(t, total, r.stdout)
		ranges := breakdown(t, r.stderr, rows, "rows", "range", "start", "end")
		assert.GreaterOrEqual(t, len(ranges), 150)
		ids := map[string]bool{}
		for _, rr := range ranges {
			require.Len(t, rr, 4)
			ids[rr[1]] = true
		}
		assert.Len(t, ids, len(ranges), "each range listed once")
		assert.EqualValues(t, rows, sumFirst(t, ranges))
		assertRangeCounts(t, ranges, refRows, refTokens)
	})
}

// assertRangeCounts checks count --by range's rows (count, id, start,
// end): each range's count is the rows whose token lies in (start, end],
// in token order, each range starting where the one before ends, over the
// ring.
func assertRangeCounts(t *testing.T, ranges [][]string, refRows, refTokens map[string]int64) {
	t.Helper()
	for _, rr := range ranges {
		start, err := strconv.ParseInt(rr[2], 10, 64)
		require.NoError(t, err)
		end, err := strconv.ParseInt(rr[3], 10, 64)
		require.NoError(t, err)
		var want int64
		for key, tok := range refTokens {
			if tok > start && tok <= end {
				want += refRows[key]
			}
		}
		assert.Equal(t, strconv.FormatInt(want, 10), rr[0], "range %s (%s, %s]", rr[1], rr[2], rr[3])
	}
	for i := 1; i < len(ranges); i++ {
		assert.Equal(t, ranges[i-1][3], ranges[i][2], "range %s follows range %s", ranges[i][1], ranges[i-1][1])
	}
	first, last := ranges[0][2], ranges[len(ranges)-1][3]
	if first != last { // else the last range wraps around to the first
		assert.Equal(t, []string{"-9223372036854775808", "9223372036854775807"}, []string{first, last}, "the ranges span the ring")
	}
}
