package cli_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/simproc"
)

// demoAddress is the --address of the demo's cluster in tests:
// $RINGSCAN_SIM_ADDRESS, else one that is not the default, so that the
// flag is seen to move the nodes.
func demoAddress() string {
	if a := os.Getenv(simproc.AddressEnv); a != "" {
		return a
	}
	return "127.0.0.101"
}

// TestDemo runs ringscan demo end to end on a small data set: both demo
// tables are scanned and verified against the generator, the profiles
// table (static columns, a user-defined type, static-only partitions)
// into its own directory, on the cluster's nodes at --address and up.
func TestDemo(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	addr := demoAddress()
	r := run(t, "demo", "--rows", "3000", "--latency", "0", "--quiet", "--out", out, "--address", addr)
	requireOK(t, r)
	ip := net.ParseIP(addr).To4()
	require.NotNil(t, ip)
	var nodes []string
	for i := range 3 {
		nodes = append(nodes, net.IPv4(ip[0], ip[1], ip[2], ip[3]+byte(i)).String())
	}
	assert.Contains(t, r.stderr, "ringscan demo: nodes ["+strings.Join(nodes, " ")+"] on port ")
	assert.Contains(t, r.stdout, "verified ringscan_demo.events: 3000 rows read exactly once")
	assert.Contains(t, r.stdout, "verified ringscan_demo.profiles: 150 rows read exactly once")
	assert.FileExists(t, filepath.Join(out, "manifest.json"))
	assert.FileExists(t, filepath.Join(out, "profiles", "manifest.json"))
	files, err := filepath.Glob(filepath.Join(out, "profiles", "profiles-*.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var lines []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		lines = append(lines, strings.Split(strings.TrimSpace(string(b)), "\n")...)
	}
	assert.Len(t, lines, 150)
	staticOnly := 0
	for _, l := range lines {
		if strings.Contains(l, `"seen":null`) {
			staticOnly++
			assert.Contains(t, l, `"owner":"owner-`, "a static-only row has its static values")
		}
	}
	assert.Positive(t, staticOnly, "some partitions have static values only")
	assert.Regexp(t, `"home":(null|\{"street":"[^"]+","city":)`, lines[0], "the UDT is an object keyed by field name")
}

// TestDemoBadAddress checks that a --address the cluster cannot start on
// is refused at once, in one line saying what is allowed, before the
// output directory is made.
func TestDemoBadAddress(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"10.0.0.1", "localhost", "127.0.0.254", "::1"} {
		t.Run(addr, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "out")
			r := run(t, "demo", "--rows", "10", "--out", out, "--address", addr)
			requireOneLineError(t, r, cli.ExitBadInput, `invalid --address "`+addr+`"`, "IPv4 loopback address (127.0.0.0/8)", "3 consecutive")
			assert.NoDirExists(t, out)
		})
	}
}
