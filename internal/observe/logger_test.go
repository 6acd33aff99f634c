package observe

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		level, format string
		lines         int // of debug, info, warn, error
		json          bool
	}{
		{"debug", "json", 4, true},
		{"info", "json", 3, true},
		{"WARN", "console", 2, false},
		{"error", "console", 1, false},
		{"", "", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.level+"/"+tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := NewLogger(tt.level, tt.format, &buf)
			require.NoError(t, err)
			log.Debug("d")
			log.Info("i", zap.Int("range", 7), zap.Duration("took", 1500*time.Millisecond))
			log.Warn("w")
			log.Error("e")
			require.NoError(t, log.Sync())
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			assert.Len(t, lines, tt.lines)
			last := lines[len(lines)-1]
			if tt.json {
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(last), &m))
				assert.Equal(t, "error", m["level"])
				assert.Equal(t, "e", m["msg"])
				assert.Contains(t, buf.String(), `"range":7,"took":1500`, "durations are numbers of milliseconds")
			} else {
				assert.Regexp(t, `^\d{4}-\d\d-\d\dT\S+\tERROR\te$`, last)
			}
		})
	}
}

func TestNewLoggerBad(t *testing.T) {
	tests := []struct{ level, format, want string }{
		{"verbose", "json", `invalid config: --log-level "verbose": want debug, info, warn or error`},
		{"info", "xml", `invalid config: --log-format "xml": want json or console`},
		{"loud", "yaml", `invalid config: --log-level "loud": want debug, info, warn or error; --log-format "yaml": want json or console`},
	}
	for _, tt := range tests {
		t.Run(tt.level+"/"+tt.format, func(t *testing.T) {
			log, err := NewLogger(tt.level, tt.format, &bytes.Buffer{})
			assert.Nil(t, log)
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.EqualError(t, err, tt.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

// TestNewLoggerSampling logs a storm of one message: the first
// SampleFirst lines are written, then one in SampleThereafter, and the
// rest are counted as dropped; other messages are not affected.
func TestNewLoggerSampling(t *testing.T) {
	var buf bytes.Buffer
	var dropped atomic.Int64
	log, err := NewLogger("info", "json", &buf, WithDropCounter(&dropped))
	require.NoError(t, err)
	const n = 1000
	for i := range n {
		log.Info("retrying page request", zap.Int("i", i))
	}
	log.Info("summary")
	require.NoError(t, log.Sync())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	written := len(lines) - 1
	assert.Contains(t, lines[len(lines)-1], `"msg":"summary"`)
	assert.EqualValues(t, n, int64(written)+dropped.Load(), "every line written or counted")
	// Within one tick (the loop takes far less than a second, and a
	// slower one only writes more): 10 + 990/100.
	assert.GreaterOrEqual(t, written, SampleFirst)
	assert.Positive(t, dropped.Load())
	assert.Contains(t, lines[0], `"i":0`)
}

func TestNewEventLogger(t *testing.T) {
	var buf bytes.Buffer
	log := NewEventLogger(&buf)
	log.Debug("not an event")
	for range 50 {
		log.Info("progress", zap.Duration("d", 2*time.Second))
	}
	require.NoError(t, log.Sync())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	assert.Len(t, lines, 50, "events are never sampled")
	assert.Contains(t, lines[0], `"level":"info"`)
	assert.Contains(t, lines[0], `"d":2000`)
}
