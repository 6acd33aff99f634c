package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemo runs ringscan demo end to end on a small data set: both demo
// tables are scanned and verified against the generator, the profiles
// table (static columns, a user-defined type, static-only partitions)
// into its own directory.
func TestDemo(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	r := run(t, "demo", "--rows", "3000", "--latency", "0", "--quiet", "--out", out)
	requireOK(t, r)
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
