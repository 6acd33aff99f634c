package observe

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/scanner"
)

func TestWriteReport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	started := time.Date(2025, 5, 1, 10, 0, 0, 123, time.UTC)
	st := sampleStats()
	scanErr := &scanner.PartialError{Failed: []*scanner.RangeError{st.PerRange[1].Err}}

	meta := ReportMeta{Keyspace: "ks", Table: "t", Started: started, Plan: "abc", Err: scanErr, RunID: "r2", Runs: []string{"r1", "r2"}}
	require.NoError(t, WriteReport(path, st, meta))

	got, err := ReadReport(path)
	require.NoError(t, err)
	assert.Equal(t, NewReport(st, meta), got)
	assert.Equal(t, "r2", got.RunID)
	assert.Equal(t, []string{"r1", "r2"}, got.Runs)
	assert.Equal(t, ReportTotals{Rows: 1234567, Pages: 250, EmptyPages: 3, Bytes: 1234567890, Retries: 11,
		RetriesByKind: map[string]int64{"read_timeout": 10, "overloaded": 1}, RowsPerSecond: 1234567.0 / 30,
		Ranges: 4, Done: 3, Failed: 1}, got.Totals)
	require.Len(t, got.Ranges, 4)
	for i, r := range got.Ranges {
		assert.Equal(t, i, r.ID, "ranges in id order")
	}
	assert.Equal(t, RangeReport{ID: 0, Start: "-9223372036854775808", End: "-4611686018427387904", Share: .25,
		Host: "10.0.0.1:9042", HostLimit: 7, Rows: 300000, Bytes: 300000000, Pages: 60, EmptyPages: 3, DurationMS: 12000}, got.Ranges[0])
	assert.Equal(t, "read timeout (after 9 attempts on 10.0.0.1:9042, 10.0.0.2:9042)", got.Ranges[1].Error)
	assert.Contains(t, got.Error, "1 ranges failed (1)")

	// The file is the documented JSON, and nothing else was left behind.
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	assert.Equal(t, "2025-05-01T10:00:00.000000123Z", m["started"])
	assert.EqualValues(t, 30000, m["elapsed_ms"])
	assert.Equal(t, "r2", m["run_id"])
	r0 := m["ranges"].([]any)[0].(map[string]any)
	assert.NotContains(t, r0, "error", "no error field for a range read")
	for _, k := range []string{"id", "start", "end", "share", "host", "host_limit", "rows", "bytes", "pages", "empty_pages", "retries", "duration_ms"} {
		assert.Contains(t, r0, k)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1)
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "a report names partition key ranges and hosts: readable by its owner only")
}

func TestWriteReportEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	require.NoError(t, WriteReport(path, scanner.Stats{}, ReportMeta{}))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"ranges": []`)
	assert.Contains(t, string(raw), `"retries_by_kind": {}`)
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	err := WriteReport(filepath.Join(dir, "missing", "r.json"), scanner.Stats{}, ReportMeta{})
	assert.ErrorIs(t, err, os.ErrNotExist)

	bad := filepath.Join(dir, "v2.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"version": 2}`), 0o644))
	_, err = ReadReport(bad)
	assert.ErrorContains(t, err, "version 2, want 1")

	_, err = ReadReport(filepath.Join(dir, "none.json"))
	assert.True(t, errors.Is(err, os.ErrNotExist))
}
