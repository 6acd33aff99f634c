package cli_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/scanner"
)

// ringJSON is the output of "ringscan ring --json".
type ringJSON struct {
	Keyspace    string `json:"keyspace"`
	Table       string `json:"table"`
	Partitioner string `json:"partitioner"`
	Plan        string `json:"plan_fingerprint"`
	Hosts       []struct {
		Address string `json:"address"`
		HostID  string `json:"host_id"`
		DC      string `json:"dc"`
		Tokens  int    `json:"tokens"`
	} `json:"hosts"`
	Ranges []struct {
		ID       int      `json:"id"`
		Start    string   `json:"start"`
		End      string   `json:"end"`
		Replicas []string `json:"replicas"`
		Share    float64  `json:"share"`
		Bytes    *int64   `json:"estimated_bytes"`
	} `json:"ranges"`
}

func ringOf(t *testing.T, s *sim, flags ...string) ringJSON {
	t.Helper()
	r := run(t, s.args("ring", append([]string{"--json"}, flags...)...)...)
	requireOK(t, r)
	var out ringJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
	return out
}

func bigInt(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 10)
	require.True(t, ok, "token %q", s)
	return n
}

// requireCoversRing checks that the ranges, in id order, cover the ring
// from min to max exactly once, and that their shares sum to 1.
func requireCoversRing(t *testing.T, out ringJSON, min, max string) {
	t.Helper()
	require.NotEmpty(t, out.Ranges)
	assert.Equal(t, min, out.Ranges[0].Start, "the first range starts at the ring's minimum")
	assert.Equal(t, max, out.Ranges[len(out.Ranges)-1].End, "the last range ends at the ring's maximum")
	var share float64
	for i, r := range out.Ranges {
		require.Equal(t, i, r.ID)
		if i > 0 {
			require.Equal(t, out.Ranges[i-1].End, r.Start, "range %d does not start where range %d ends", i, i-1)
		}
		require.Equal(t, 1, bigInt(t, r.End).Cmp(bigInt(t, r.Start)), "range %d is empty or reversed", i)
		share += r.Share
	}
	assert.InDelta(t, 1, share, 1e-9)
}

func TestRing(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 1000})

	t.Run("table", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.args("ring", "--splits", "200")...)
		requireOK(t, r)
		lines := splitLines([]byte(r.stdout))
		require.NotEmpty(t, lines)
		var n int
		_, err := fmt.Sscanf(lines[0][strings.Index(lines[0], "3 hosts, "):], "3 hosts, %d subranges", &n)
		require.NoError(t, err, lines[0])
		assert.GreaterOrEqual(t, n, 200)
		assert.Contains(t, lines[0], "ringscan_demo.events: org.apache.cassandra.dht.Murmur3Partitioner")
		hostRows, rangeRows := 0, 0
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			switch {
			case len(f) == 5 && slices.Contains(s.hosts, f[0]):
				hostRows++
				assert.Equal(t, "16", f[4], "tokens of %s", f[0])
			case len(f) == 6 && strings.HasSuffix(f[3], "%"):
				rangeRows++
			}
		}
		assert.Equal(t, 3, hostRows)
		assert.Equal(t, n, rangeRows)
	})

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		out := ringOf(t, s, "--splits", "300")
		assert.Equal(t, "ringscan_demo", out.Keyspace)
		assert.Equal(t, "events", out.Table)
		assert.Equal(t, "org.apache.cassandra.dht.Murmur3Partitioner", out.Partitioner)
		assert.NotEmpty(t, out.Plan)
		require.Len(t, out.Hosts, 3)
		for _, h := range out.Hosts {
			assert.Contains(t, s.hosts, h.Address)
			assert.Equal(t, 16, h.Tokens)
			assert.Equal(t, "datacenter1", h.DC)
			assert.NotEmpty(t, h.HostID)
		}
		assert.GreaterOrEqual(t, len(out.Ranges), 300)
		requireCoversRing(t, out, "-9223372036854775808", "9223372036854775807")
		for _, r := range out.Ranges {
			assert.ElementsMatch(t, s.hosts, r.Replicas, "RF 3 on 3 nodes")
		}
	})

	t.Run("the plan of scan and count", func(t *testing.T) {
		t.Parallel()
		// The paged count's plan is the scan's; count's default, on the
		// server, is read with the size estimates and sized by them.
		for _, flags := range [][]string{nil, {"--splits", "77"}, {"--size-estimates"}, {"--splits", "77", "--on-server-split-mb", "1"}} {
			for _, mode := range []struct{ count, ring []string }{
				{count: []string{"--on-server=false"}},
				{ring: []string{"--for", "count"}},
			} {
				if len(flags) > 2 && mode.ring == nil {
					continue // --on-server-split-mb is count on the server's
				}
				ckpt := filepath.Join(t.TempDir(), "ckpt")
				requireOK(t, run(t, s.args("count", append(append([]string{"-q", "--checkpoint", ckpt}, mode.count...), flags...)...)...))
				st := loadCheckpoint(ckpt)
				require.NotNil(t, st)
				assert.Equal(t, st.plan, ringOf(t, s, append(mode.ring, flags...)...).Plan, "ring %v %v shows the plan count %v %v uses", mode.ring, flags, mode.count, flags)
			}
		}
		// The count on the server's plan is not the scan's: the check
		// above is not vacuous.
		assert.NotEqual(t, ringOf(t, s, "--splits", "77").Plan, ringOf(t, s, "--for", "count", "--splits", "77").Plan)
	})

	t.Run("stdout failing", func(t *testing.T) {
		t.Parallel()
		// The table is several buffers long (--splits 200): the command
		// writes stdout more than once.
		for _, tc := range []struct {
			name   string
			failAt int // the first write that fails
			later  bool
		}{
			{name: "the first write, later ones would pass", failAt: 1, later: true},
			{name: "the second write, later ones would pass", failAt: 2, later: true},
			{name: "every write from the first, each with its own error", failAt: 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				w := &failingWriter{failAt: tc.failAt, later: tc.later}
				var stderr syncBuffer
				code := cli.Run(t.Context(), s.args("ring", "--splits", "200"), w, &stderr)
				assert.Equal(t, cli.ExitAborted, code, "stderr: %s", stderr.String())
				assert.Equal(t, fmt.Sprintf("ringscan: write stdout: write %d refused\n", tc.failAt), stderr.String(),
					"the first write error, alone")
				assert.Equal(t, tc.failAt, w.calls, "no write after the one that failed")
				assert.Equal(t, tc.failAt > 1, w.written > 0, "the writes before the failure passed")
			})
		}
	})

	t.Run("shards partition the plan", func(t *testing.T) {
		t.Parallel()
		full := ringOf(t, s)
		seen := map[int]int{}
		for i := range 3 {
			part := ringOf(t, s, "--shard", fmt.Sprintf("%d/3", i))
			assert.Equal(t, full.Plan, part.Plan, "shards share the plan")
			assert.NotEmpty(t, part.Ranges)
			for _, r := range part.Ranges {
				seen[r.ID]++
				assert.Equal(t, full.Ranges[r.ID].Start, r.Start)
				assert.Equal(t, full.Ranges[r.ID].End, r.End)
			}
		}
		assert.Len(t, seen, len(full.Ranges))
		for id, n := range seen {
			assert.Equal(t, 1, n, "range %d in %d shards", id, n)
		}
	})
}

// failingWriter fails its write number failAt, and every later one
// (each with its own error) unless later is set, when they pass: a
// command that goes on writing after a failed write, or reports a later
// error than the first, shows.
type failingWriter struct {
	failAt  int
	later   bool
	calls   int
	written int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.calls++
	if w.calls == w.failAt || (w.calls > w.failAt && !w.later) {
		return 0, fmt.Errorf("write %d refused", w.calls)
	}
	w.written += len(p)
	return len(p), nil
}

// TestRandomPartitioner runs ring and scan on a RandomPartitioner cluster,
// whose tokens do not fit an int64.
func TestRandomPartitioner(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{Partitioner: "RandomPartitioner"}, cqlsim.DemoConfig{Rows: 2000})
	out := ringOf(t, s)
	assert.Equal(t, "org.apache.cassandra.dht.RandomPartitioner", out.Partitioner)
	requireCoversRing(t, out, "-1", "170141183460469231731687303715884105728") // RandomPartitioner tokens: (-1, 2^127]
	want := s.exportJSONL(t, scanner.Config{})
	r := run(t, s.args("scan", "--out", "-", "-q")...)
	requireOK(t, r)
	requireSameRows(t, want, splitLines([]byte(r.stdout)))
}
