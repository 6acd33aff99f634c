package cli_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
)

// TestCountOnServerSized checks that count on the server sizes its
// subranges by the table's size estimates: on one node of one token with
// --splits 1, a plan of two subranges (the ring's two sides of the token),
// a bound of 1 MiB splits the table's few MiB into more, each counted
// exactly (the breakdown's ranges add up to the table);
// --size-estimates=false, the paged count and the default bound (64 MiB)
// keep the two. A bound of 0 is
// refused in one line.
func TestCountOnServerSized(t *testing.T) {
	t.Parallel()
	const rows = 20000
	s := startSim(t, cqlsim.Config{Nodes: 1, VNodes: 1}, cqlsim.DemoConfig{Rows: rows, DeletedRows: -1})
	total := strconv.Itoa(rows) + "\n"
	for _, tc := range []struct {
		name   string
		flags  []string
		ranges int // 0: more than 2
	}{
		{name: "1 MiB a count", flags: []string{"--on-server-split-mb", "1"}},
		{name: "1 MiB a count, estimates off", flags: []string{"--on-server-split-mb", "1", "--size-estimates=false"}, ranges: 2},
		{name: "1 MiB, paged", flags: []string{"--on-server-split-mb", "1", "--on-server=false"}, ranges: 2},
		{name: "the default bound", ranges: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, s.args("count", append([]string{"-q", "--by", "range", "--splits", "1"}, tc.flags...)...)...)
			requireOK(t, r)
			assert.Equal(t, total, r.stdout)
			ranges := breakdown(t, r.stderr, rows, "rows", "range", "start", "end")
			assert.EqualValues(t, rows, sumFirst(t, ranges))
			if tc.ranges == 0 {
				assert.Greater(t, len(ranges), 2, "sized by the estimates")
				t.Logf("%d ranges", len(ranges))
			} else {
				assert.Len(t, ranges, tc.ranges)
			}
		})
	}
	t.Run("ring --for count shows the sized plan", func(t *testing.T) {
		t.Parallel()
		sized := ringOf(t, s, "--for", "count", "--splits", "1", "--on-server-split-mb", "1")
		assert.Greater(t, len(sized.Ranges), 2)
		for _, r := range sized.Ranges {
			require.NotNil(t, r.Bytes)
			assert.LessOrEqual(t, *r.Bytes, int64(1<<20), "range %d", r.ID)
		}
		assert.Len(t, ringOf(t, s, "--splits", "1", "--on-server-split-mb", "1").Ranges, 2, "the scan's plan")
	})
	for _, tc := range []struct {
		name  string
		args  []string
		parts []string
	}{
		{name: "count with a bound of 0", args: []string{"count", "--on-server-split-mb", "0"}, parts: []string{"--on-server-split-mb 0", "positive"}},
		{name: "ring with a bound of 0", args: []string{"ring", "--for", "count", "--on-server-split-mb", "0"}, parts: []string{"--on-server-split-mb 0", "positive"}},
		{name: "ring for another command", args: []string{"ring", "--for", "dump"}, parts: []string{`--for "dump"`, "scan or count"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, s.args(tc.args[0], tc.args[1:]...)...)
			requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
			assert.Empty(t, r.stdout)
		})
	}
}
