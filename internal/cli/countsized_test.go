package cli_test

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/partitioner"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestCountOnServerSized checks that count on the server sizes its
// subranges by the table's size estimates: on one node of one token with
// --splits 1, a plan of two subranges (the ring's two sides of the token),
// a bound of 1 MiB splits the table's few MiB into more, each counted
// exactly (the breakdown's ranges add up to the table);
// --size-estimates=false, the paged count and the default bound (64 MiB)
// keep the two. A bound of 0, and one given on the command line of a
// count or plan that counts nothing on the server, are refused in one
// line.
func TestCountOnServerSized(t *testing.T) {
	t.Parallel()
	const rows = 20000
	s := startSim(t, cqlsim.Config{Nodes: 1, VNodes: 1}, cqlsim.DemoConfig{Rows: rows, DeletedRows: -1})
	total := strconv.Itoa(rows) + "\n"
	refRows, refTokens := partitionCounts(t, s)
	// A bound from a settings file, which may hold it for the counts on
	// the server, is taken by those that read the rows and does nothing;
	// on their command line it is refused (below).
	bound := writeFile(t, "ringscan.yaml", "on-server-split-mb: 1\n")
	for _, tc := range []struct {
		name   string
		flags  []string
		ranges int // 0: more than 2
	}{
		{name: "1 MiB a count", flags: []string{"--on-server-split-mb", "1"}},
		{name: "1 MiB a count, estimates off", flags: []string{"--on-server-split-mb", "1", "--size-estimates=false"}, ranges: 2},
		{name: "1 MiB from a file, paged", flags: []string{"--config", bound, "--on-server=false"}, ranges: 2},
		{name: "the default bound", ranges: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, s.args("count", append([]string{"-q", "--by", "range", "--splits", "1"}, tc.flags...)...)...)
			requireOK(t, r)
			assert.Equal(t, total, r.stdout)
			ranges := breakdown(t, r.stderr, rows, "rows", "range", "start", "end")
			assert.EqualValues(t, rows, sumFirst(t, ranges))
			assertRangeCounts(t, ranges, refRows, refTokens)
			if tc.ranges == 0 {
				assert.Greater(t, len(ranges), 2, "sized by the estimates")
				t.Logf("%d ranges", len(ranges))
			} else {
				assert.Len(t, ranges, tc.ranges)
			}
		})
	}
	t.Run("the start line says whether the estimates were used", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("count", "-q", "--log-level", "info")...)
		requireOK(t, r)
		assert.Contains(t, r.stderr, `"size_estimates": "used"`)
		assert.NotContains(t, r.stderr, "count_sizing", "the default bound keeps the plan")
		r = run(t, s.args("count", "-q", "--log-level", "info", "--size-estimates=false")...)
		requireOK(t, r)
		assert.Contains(t, r.stderr, "scan started", "the start line")
		assert.NotContains(t, r.stderr, "size_estimates")
		// Estimates that multiply the count(*)s say so, with the plan
		// ring --for count shows.
		sized := ringOf(t, s, "--for", "count", "--splits", "1", "--on-server-split-mb", "1")
		require.Greater(t, len(sized.Ranges), 2)
		r = run(t, s.args("count", "-q", "--log-level", "info", "--splits", "1", "--on-server-split-mb", "1")...)
		requireOK(t, r)
		assert.Contains(t, r.stderr, fmt.Sprintf(`"count_sizing": "the size estimates split 2 subranges into %d count(*)s (--on-server-split-mb 1)"`, len(sized.Ranges)))
	})
	t.Run("ring --for count shows the sized plan", func(t *testing.T) {
		t.Parallel()
		sized := ringOf(t, s, "--for", "count", "--splits", "1", "--on-server-split-mb", "1")
		assert.Greater(t, len(sized.Ranges), 2)
		for _, r := range sized.Ranges {
			require.NotNil(t, r.Bytes)
			assert.LessOrEqual(t, *r.Bytes, int64(1<<20), "range %d", r.ID)
		}
		assert.Len(t, ringOf(t, s, "--splits", "1", "--config", bound).Ranges, 2, "the scan's plan")
	})
	for _, tc := range []struct {
		name  string
		args  []string
		parts []string
	}{
		{name: "count with a bound of 0", args: []string{"count", "--on-server-split-mb", "0"}, parts: []string{"--on-server-split-mb 0", "positive"}},
		{name: "ring with a bound of 0", args: []string{"ring", "--for", "count", "--on-server-split-mb", "0"}, parts: []string{"--on-server-split-mb 0", "positive"}},
		{name: "ring for another command", args: []string{"ring", "--for", "dump"}, parts: []string{`--for "dump"`, "scan or count"}},
		{name: "ring, a bound for the scan's plan", args: []string{"ring", "--on-server-split-mb", "1"}, parts: []string{"--on-server-split-mb applies to --for count only"}},
		{name: "count paged, with a bound", args: []string{"count", "--on-server-split-mb", "1", "--on-server=false"}, parts: []string{"--on-server-split-mb applies to a count on the server only"}},
		{name: "count with --where, with a bound", args: []string{"count", "--on-server-split-mb", "1", "--where", "ok = true", "--allow-filtering"}, parts: []string{"--on-server-split-mb applies to a count on the server only"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, s.args(tc.args[0], tc.args[1:]...)...)
			requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
			assert.Empty(t, r.stdout)
		})
	}
}

// TestCountShardsWhileEstimatesMove counts a table in two shards planned
// on either side of a size-estimates refresh that moved most of the data
// to one half of the ring: every row once between them. Count's default
// on the server reads the estimates to size its count(*)s; had it read
// them for a shard too, the two shards would have taken every other
// subrange of two different plans (the review's test: 2884 rows of 3000).
func TestCountShardsWhileEstimatesMove(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{Nodes: 3, VNodes: 2, SizeEstimates: cqlsim.SizeEstimates{Refresh: cqlsim.Manual}},
		cqlsim.DemoConfig{Rows: 10}, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
		"CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
	ses := testutil.Session(t, s.c)
	insert := func(k int) { require.NoError(t, ses.Query("INSERT INTO ks.t (k, v) VALUES (?, 'x')", k).Exec()) }
	const rows = 3000
	for k := range 1000 {
		insert(k)
	}
	s.c.RefreshSizeEstimates()
	for k, n := 1000, 1000; n < rows; k++ { // 2000 more, in the lower half of the ring
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(k))
		if partitioner.Murmur3Token(b[:]) < 0 {
			insert(k)
			n++
		}
	}
	count := func(shard string) int64 {
		r := run(t, "count", "--hosts", strings.Join(s.hosts, ","), "--port", strconv.Itoa(s.port),
			"-k", "ks", "-t", "t", "-q", "--concurrency", "16", "--shard", shard)
		requireOK(t, r)
		n, err := strconv.ParseInt(strings.TrimSpace(r.stdout), 10, 64)
		require.NoError(t, err)
		return n
	}
	stale := count("0/2")
	s.c.RefreshSizeEstimates()
	fresh := count("1/2")
	assert.EqualValues(t, rows, stale+fresh, "shard 0 counted %d rows, shard 1 %d", stale, fresh)
}

// TestCountSizedResumeShowsTheRecordedPlan resumes a count on the server
// that the estimates sized (its checkpoint done, nothing left to read):
// count --by range lists the recorded plan's ranges, as the first run did,
// not the plan the resume's flags would make (a resume reads no estimates).
// Before the command rebuilt the recorded plan (Plan.ForCheckpoint), it
// listed 2 ranges of 4, adding up to 9837 rows of 20000 (the review's
// test).
func TestCountSizedResumeShowsTheRecordedPlan(t *testing.T) {
	t.Parallel()
	const rows = 20000
	s := startSim(t, cqlsim.Config{Nodes: 1, VNodes: 1}, cqlsim.DemoConfig{Rows: rows, DeletedRows: -1})
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	flags := []string{"-q", "--by", "range", "--splits", "1", "--on-server-split-mb", "1", "--checkpoint", ckpt}
	first := run(t, s.args("count", flags...)...)
	requireOK(t, first)
	again := run(t, s.args("count", append(flags, "--resume")...)...)
	requireOK(t, again)
	assert.Equal(t, strconv.Itoa(rows)+"\n", again.stdout)
	a := breakdown(t, first.stderr, rows, "rows", "range", "start", "end")
	require.Greater(t, len(a), 2, "the first run was sized")
	b := breakdown(t, again.stderr, rows, "rows", "range", "start", "end")
	assert.Equal(t, a, b, "the resumed count's breakdown is the recorded plan's")
	assert.EqualValues(t, rows, sumFirst(t, b))
	refRows, refTokens := partitionCounts(t, s)
	assertRangeCounts(t, b, refRows, refTokens)
}
