package observe

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// sampleStats are the statistics of a scan of quarters() where range 1
// failed.
func sampleStats() scanner.Stats {
	q := quarters()
	rerr := &scanner.RangeError{ID: 1, Range: q[1].Range, Attempts: 9, Hosts: []string{"10.0.0.1:9042", "10.0.0.2:9042"},
		Err: errors.New("read timeout")}
	return scanner.Stats{
		Rows: 1234567, Pages: 250, EmptyPages: 3, Bytes: 1234567890, Retries: 11,
		Ranges: 4, Done: 3, Failed: 1, Elapsed: 30 * time.Second,
		RetriesByKind: map[string]int64{"read_timeout": 10, "overloaded": 1},
		PerRange: []scanner.RangeStats{ // in scan order
			{ID: 2, Range: q[2].Range, Host: "10.0.0.2:9042", Rows: 600000, Pages: 120, Bytes: 600000000, Duration: 20 * time.Second},
			{ID: 1, Range: q[1].Range, Host: "10.0.0.1:9042", Rows: 34567, Pages: 10, Retries: 11, Duration: 29 * time.Second, Err: rerr},
			{ID: 0, Range: q[0].Range, Host: "10.0.0.1:9042", Limit: 7, Rows: 300000, Pages: 60, EmptyPages: 3, Bytes: 300000000, Duration: 12 * time.Second},
			{ID: 3, Range: q[3].Range, Host: "10.0.0.3:9042", Rows: 300000, Pages: 60, Bytes: 334567890, Duration: 1500 * time.Millisecond},
		},
	}
}

func TestWriteSummary(t *testing.T) {
	failedMany := scanner.Stats{Ranges: 3, Failed: 3, Elapsed: 850 * time.Millisecond}
	for i := range 3 {
		failedMany.PerRange = append(failedMany.PerRange, scanner.RangeStats{ID: i,
			Range: ring.Range{Start: ring.Murmur3Token(int64(i)), End: ring.Murmur3Token(int64(i + 1))},
			Err:   &scanner.RangeError{ID: i, Err: fmt.Errorf("plain\nerror %d", i)}})
	}
	tests := []struct {
		name  string
		stats scanner.Stats
		info  SummaryInfo
		want  string
	}{
		{"partial", sampleStats(), SummaryInfo{Keyspace: "ks", Table: "t"}, `ringscan: scan of ks.t incomplete
  rows      1,234,567
  pages     250 (3 empty)
  bytes     1.15 GiB
  elapsed   30s
  rate      41,152 rows/s
  retries   11 (overloaded 1, read_timeout 10)
  ranges    3 of 4 done, 1 failed
failed ranges:
  1 (-4611686018427387904, 0]: read timeout (after 9 attempts on 10.0.0.1:9042, 10.0.0.2:9042)
`},
		{"resumed, complete", scanner.Stats{Rows: 10, Pages: 1, Bytes: 100, Ranges: 2, Done: 2, Elapsed: 2 * time.Second},
			SummaryInfo{Skipped: 6, PriorRows: 990}, `ringscan: scan complete
  rows      1,000 (10 this run)
  pages     1 (0 empty)
  bytes     100 B
  elapsed   2s
  rate      5 rows/s
  retries   0
  ranges    8 of 8 done (6 before this run), 0 failed
`},
		{"run, output, dropped log lines", scanner.Stats{Rows: 5, Pages: 1, Bytes: 50, Ranges: 1, Done: 1, Elapsed: time.Second},
			SummaryInfo{Keyspace: "ks", Table: "t", RunID: "6f1c2d3e4a5b6c7d", Output: "/data/t", DroppedLogLines: 1234}, `ringscan: scan of ks.t complete
  rows      5
  pages     1 (0 empty)
  bytes     50 B
  elapsed   1s
  rate      5 rows/s
  retries   0
  ranges    1 of 1 done, 0 failed
  run       6f1c2d3e4a5b6c7d
  output    /data/t
  logs      1234 lines dropped by sampling (the first 10 a second of each message are kept)
`},
		{"count", scanner.Stats{Rows: 7, Pages: 1, Bytes: 70, Ranges: 1, Done: 1, Elapsed: time.Second},
			SummaryInfo{Command: "count", Keyspace: "ks", Table: "t"}, `ringscan: count of ks.t complete
  rows      7
  pages     1 (0 empty)
  bytes     70 B
  elapsed   1s
  rate      7 rows/s
  retries   0
  ranges    1 of 1 done, 0 failed
`},
		{"failures cut", failedMany, SummaryInfo{Table: "t", MaxFailedListed: 2}, `ringscan: scan of t incomplete
  rows      0
  pages     0 (0 empty)
  bytes     0 B
  elapsed   850ms
  rate      0 rows/s
  retries   0
  ranges    0 of 3 done, 3 failed
failed ranges:
  0 (0, 1]: plain; error 0
  1 (1, 2]: plain; error 1
  ... and 1 more
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			require.NoError(t, WriteSummary(&b, tt.stats, tt.info))
			assert.Equal(t, tt.want, b.String())
		})
	}
}

func TestFormatters(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{siCount(0), "0"}, {siCount(999), "999"}, {siCount(999.6), "1.00k"}, {siCount(1234567), "1.23M"},
		{siCount(45.6e9), "45.6G"}, {siCount(123e3), "123k"},
		{iecBytes(0), "0 B"}, {iecBytes(1023), "1023 B"}, {iecBytes(1536), "1.50 KiB"}, {iecBytes(1 << 40), "1.00 TiB"},
		{grouped(0), "0"}, {grouped(999), "999"}, {grouped(1000), "1,000"}, {grouped(-1234567), "-1,234,567"},
		{duration(1234 * time.Microsecond), "1ms"}, {duration(12345 * time.Millisecond), "12.3s"},
		{duration(130*time.Second + 400*time.Millisecond), "2m10s"},
		{eta(-1), "?"}, {eta(0), "0s"}, {eta(3723 * time.Second), "1h2m3s"},
		{byteRate(0), "0B/s"}, {byteRate(999), "999B/s"}, {byteRate(12.34e6), "12.3MB/s"},
		{latency(0), "-"}, {latency(850 * time.Microsecond), "850µs"}, {latency(1234 * time.Microsecond), "1.2ms"},
		{latency(45200 * time.Microsecond), "45ms"}, {latency(1234 * time.Millisecond), "1.2s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got)
	}
}

func TestLogSummary(t *testing.T) {
	var buf strings.Builder
	log := NewEventLogger(&buf)
	LogSummary(log, sampleStats(), SummaryInfo{Keyspace: "ks", Table: "t", Skipped: 2, PriorRows: 100, RunID: "r1",
		Output: "stdout", DroppedLogLines: 7, MaxFailedListed: -1}, errors.New("1 ranges failed"))
	require.NoError(t, log.Sync())
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 1)
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &ev))
	assert.Equal(t, "summary", ev["msg"])
	assert.Equal(t, "info", ev["level"])
	want := map[string]any{"status": "incomplete", "keyspace": "ks", "table": "t", "rows": 1234667.0, "rows_this_run": 1234567.0,
		"pages": 250.0, "empty_pages": 3.0, "bytes": 1234567890.0, "elapsed_ms": 30000.0, "rows_per_second": 41152.2,
		"retries": 11.0, "retries_by_kind": map[string]any{"read_timeout": 10.0, "overloaded": 1.0},
		"ranges": 6.0, "ranges_done": 5.0, "ranges_before": 2.0, "ranges_failed": 1.0, "failed_ranges_not_listed": 0.0,
		"output": "stdout", "log_lines_dropped": 7.0, "error": "1 ranges failed",
		"failed_ranges": []any{map[string]any{"id": 1.0, "start": "-4611686018427387904", "end": "0",
			"error": "read timeout (after 9 attempts on 10.0.0.1:9042, 10.0.0.2:9042)"}}}
	for k, v := range want {
		assert.Equal(t, v, ev[k], k)
	}
}
