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

	"github.com/ringscan/ringscan/ring"
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

// TestReportSplitPartitions checks the report of a scan that split large
// partitions: each piece's range names it, and split_partitions sums the
// pieces of each partition (a partition of the same token read whole is
// not one), most rows first.
func TestReportSplitPartitions(t *testing.T) {
	tok := ring.Murmur3Token(42)
	piece := func(id int, key, bounds string, rows int64, reverse, whole bool) scanner.RangeStats {
		return scanner.RangeStats{ID: id, Range: ring.Range{Start: tok, End: tok}, Rows: rows, Done: true,
			Piece: &scanner.PartitionPiece{Token: tok, Partition: key, Bounds: bounds, Reverse: reverse, Whole: whole}}
	}
	st := scanner.Stats{Rows: 2700, Ranges: 5, Done: 5, PartitionsSplit: 2, Pieces: 4, SplitQueries: 3,
		SplitFailures: map[string]int64{"read_timeout": 1},
		PerRange: []scanner.RangeStats{
			{ID: 0, Range: ring.Range{Start: ring.Murmur3Token(0), End: tok}, Rows: 100, Done: true},
			piece(7, "k=1", "[ck = 10 .. before ck = 20)", 500, false, false),
			piece(6, "k=1", "[ck = 20 .. end)", 700, false, false),
			piece(9, "k=2", "(after ck = 3 .. end)", 1300, true, false),
			piece(8, "k=3", "(start .. end)", 100, false, true),
		}}
	r := NewReport(st, ReportMeta{Keyspace: "ks", Table: "t"})
	assert.Equal(t, []SplitPartition{
		{Token: "42", Partition: "k=2", Pieces: 1, Rows: 1300},
		{Token: "42", Partition: "k=1", Pieces: 2, Rows: 1200},
	}, r.SplitPartitions, "by rows, then token and key")
	assert.Equal(t, 2, r.Totals.PartitionsSplit)
	assert.Equal(t, 4, r.Totals.Pieces)
	assert.Equal(t, int64(3), r.Totals.SplitQueries)
	assert.Equal(t, map[string]int64{"read_timeout": 1}, r.Totals.SplitFailures)
	require.Len(t, r.Ranges, 5)
	assert.Nil(t, r.Ranges[0].Piece)
	assert.Equal(t, &PieceReport{Token: "42", Partition: "k=1", Bounds: "[ck = 20 .. end)"}, r.Ranges[1].Piece, "id 6")
	assert.Equal(t, &PieceReport{Token: "42", Partition: "k=3", Bounds: "(start .. end)", Whole: true}, r.Ranges[3].Piece, "id 8")
	assert.True(t, r.Ranges[4].Piece.Reverse)

	// A scan that split nothing has none of these fields.
	raw, err := json.Marshal(NewReport(sampleStats(), ReportMeta{}))
	require.NoError(t, err)
	for _, k := range []string{"split_partitions", "partitions_split", "pieces", "piece"} {
		assert.NotContains(t, string(raw), `"`+k+`"`)
	}
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
