package observe

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// jsonLines parses the JSON lines of a log.
func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

func TestLogHooks(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger("debug", "json", &buf)
	require.NoError(t, err)
	h := LogHooks(log)
	r := ring.Range{Start: ring.Murmur3Token(0), End: ring.Murmur3Token(10)}
	h.RangeDone(scanner.RangeStats{ID: 3, Range: r, Host: "10.0.0.1:9042", Rows: 7, Pages: 1, Duration: 2 * time.Second})
	h.RangeDone(scanner.RangeStats{ID: 4, Range: r, Err: &scanner.RangeError{ID: 4, Err: errors.New("failed")}}) // the worker logs failures
	assert.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")))
	assert.Contains(t, buf.String(), `"msg":"range finished","range":3,"bounds":"(0, 10]","host":"10.0.0.1:9042","rows":7`)
	assert.Contains(t, buf.String(), `"duration_ms":2000`)

	info, err := NewLogger("info", "json", &buf)
	require.NoError(t, err)
	assert.Nil(t, LogHooks(info).RangeDone, "no range lines when debug is off")
	assert.NotNil(t, LogHooks(info).Retry, "retries are logged at info")
	warn, err := NewLogger("warn", "json", &buf)
	require.NoError(t, err)
	assert.Nil(t, LogHooks(warn).Retry)
	assert.Nil(t, LogHooks(nil).RangeDone)
}

// TestLogHooksRetries checks the retry lines: one per retry, at info, with
// the range, host, kind, error and the attempt as the worker counts it.
func TestLogHooksRetries(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger("info", "json", &buf)
	require.NoError(t, err)
	h := LogHooks(log)
	boom := errors.New("boom")
	h.Retry(1, "10.0.0.1:9042", "read_timeout", boom)
	h.Retry(2, "10.0.0.2:9042", "overloaded", boom)
	h.Retry(1, "10.0.0.3:9042", "unavailable", boom)
	h.PageRead(1, "10.0.0.3:9042", 10, 100, time.Millisecond) // a page read: its next failure is attempt 1 again
	h.Retry(1, "10.0.0.1:9042", "paging_state_refused", boom)
	h.Retry(1, "10.0.0.1:9042", "timeout", boom)
	type line struct {
		rng     float64
		host    string
		kind    string
		attempt float64
	}
	var got []line
	for _, m := range jsonLines(t, buf.String()) {
		assert.Equal(t, "info", m["level"])
		assert.Equal(t, "retrying page request", m["msg"])
		assert.Equal(t, "boom", m["error"])
		got = append(got, line{m["range"].(float64), m["host"].(string), m["kind"].(string), m["attempt"].(float64)})
	}
	assert.Equal(t, []line{
		{1, "10.0.0.1:9042", "read_timeout", 1}, {2, "10.0.0.2:9042", "overloaded", 1}, {1, "10.0.0.3:9042", "unavailable", 2},
		{1, "10.0.0.1:9042", "paging_state_refused", 0}, {1, "10.0.0.1:9042", "timeout", 1},
	}, got)
}
