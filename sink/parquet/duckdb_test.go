package parquet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/npmtest"
	"github.com/ringscan/ringscan/sink/parquet"
)

// duckResult is what testdata/duckdb/query.js prints for one statement.
type duckResult struct {
	Columns []string `json:"columns"`
	Types   []string `json:"types"`
	Rows    [][]any  `json:"rows"`
}

// duckDB runs statements with DuckDB's Node.js package.
func duckDB(ctx context.Context, t *testing.T, statements ...string) []duckResult {
	t.Helper()
	dir := npmtest.Dir(ctx, t, "testdata/duckdb", "@duckdb/node-api", "query.js")
	in, err := json.Marshal(statements)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "query.js"))
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "node query.js:\n%s", stderr.String())
	var out []duckResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), "query.js output:\n%s", stdout.String())
	require.Len(t, out, len(statements))
	return out
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// describe returns the DuckDB type of each column of a DESCRIBE result.
func describe(t *testing.T, r duckResult) map[string]string {
	t.Helper()
	require.Equal(t, "column_name", r.Columns[0])
	require.Equal(t, "column_type", r.Columns[1])
	types := map[string]string{}
	for _, row := range r.Rows {
		types[row[0].(string)] = row[1].(string)
	}
	return types
}

// TestDuckDBReadsFiles reads the sink's files with DuckDB, a reader that
// shares no code with parquet-go: uuid columns must be strings (or UUIDs
// when asked), decimals and varints DECIMALs with the exact values, and a
// filter that DuckDB may answer from the row groups' statistics must count
// the negative values right.
func TestDuckDBReadsFiles(t *testing.T) {
	npmtest.SkipUnlessNode(t)
	ctx := t.Context()
	dir := t.TempDir()
	write := func(name string, cfg parquet.Config, cols []col, rows ...[]any) string {
		path := filepath.Join(dir, name)
		cfg.RowGroupRows = 2 // several row groups, each with its statistics
		require.NoError(t, os.WriteFile(path, writeParquet(t, cfg, page(t, cols, rows...)), 0o644))
		return sqlString(path)
	}
	cols := []col{{"n", "int"}, {"id", "uuid"}, {"tid", "timeuuid"}, {"price", "decimal"}, {"big", "varint"},
		{"prices", "list<decimal>"}, {"m", "map<text, decimal>"}, {"ts", "timestamp"}}
	ts := time.Date(2026, 1, 1, 12, 0, 0, 123e6, time.UTC)
	defaults := write("defaults.parquet", parquet.Config{}, cols,
		[]any{1, "123e4567-e89b-42d3-a456-426614174000", "5bd8c6e0-e73a-11ee-8000-000000000001", dec("-525", 2),
			bigInt("-99999999999999999999999999999999999999"), []cqltype.Decimal{dec("1", 18), dec("-7", 0)},
			map[string]cqltype.Decimal{"a": dec("12", -2)}, ts},
		[]any{2, "00000000-0000-4000-8000-000000000000", nil, dec("3", 0), 0, nil, nil, nil},
		[]any{3, nil, nil, dec("1250", 3), bigInt("99999999999999999999999999999999999999"), []cqltype.Decimal{}, nil, nil},
		[]any{4, nil, nil, nil, nil, nil, nil, nil})
	options := write("options.parquet", parquet.Config{UUID: parquet.UUIDLogical, Decimal: "decimal(9, 2)", Varint: "decimal(18)"},
		[]col{{"n", "int"}, {"id", "uuid"}, {"price", "decimal"}, {"big", "varint"}},
		[]any{1, "123e4567-e89b-42d3-a456-426614174000", dec("-525", 2), -5},
		[]any{2, nil, dec("3", 0), 999999999999999999},
		[]any{3, nil, dec("12500", 4), nil})

	got := duckDB(ctx, t,
		"DESCRIBE SELECT * FROM read_parquet("+defaults+")",
		"SELECT n, id, tid, price, big, prices, m FROM read_parquet("+defaults+") ORDER BY n",
		"SELECT count(*) FROM read_parquet("+defaults+") WHERE price < 0",
		"SELECT count(*) FROM read_parquet("+defaults+") WHERE big < 0",
		"DESCRIBE SELECT * FROM read_parquet("+options+")",
		"SELECT n, id::VARCHAR, price, big FROM read_parquet("+options+") ORDER BY n",
		"SELECT count(*) FROM read_parquet("+options+") WHERE price < 0",
	)

	assert.Equal(t, map[string]string{
		"n": "INTEGER", "id": "VARCHAR", "tid": "VARCHAR", "price": "DECIMAL(38,18)", "big": "DECIMAL(38,0)",
		"prices": "DECIMAL(38,18)[]", "m": "MAP(VARCHAR, DECIMAL(38,18))", "ts": "TIMESTAMP WITH TIME ZONE",
	}, describe(t, got[0]), "uuids are strings, decimals and varints DECIMALs")
	assert.Equal(t, [][]any{
		{1.0, "123e4567-e89b-42d3-a456-426614174000", "5bd8c6e0-e73a-11ee-8000-000000000001", "-5.250000000000000000",
			"-99999999999999999999999999999999999999", []any{"0.000000000000000001", "-7.000000000000000000"},
			[]any{map[string]any{"key": "a", "value": "1200.000000000000000000"}}},
		{2.0, "00000000-0000-4000-8000-000000000000", nil, "3.000000000000000000", "0", nil, nil},
		{3.0, nil, nil, "1.250000000000000000", "99999999999999999999999999999999999999", []any{}, nil},
		{4.0, nil, nil, nil, nil, nil, nil},
	}, got[1].Rows)
	assert.Equal(t, [][]any{{"1"}}, got[2].Rows, "negative decimals, through the row groups' statistics")
	assert.Equal(t, [][]any{{"1"}}, got[3].Rows, "negative varints")

	assert.Equal(t, map[string]string{"n": "INTEGER", "id": "UUID", "price": "DECIMAL(9,2)", "big": "DECIMAL(18,0)"},
		describe(t, got[4]), "the UUID logical type and narrower DECIMALs when asked")
	assert.Equal(t, [][]any{
		{1.0, "123e4567-e89b-42d3-a456-426614174000", "-5.25", "-5"},
		{2.0, nil, "3.00", "999999999999999999"},
		{3.0, nil, "1.25", nil},
	}, got[5].Rows)
	assert.Equal(t, [][]any{{"1"}}, got[6].Rows)
}
