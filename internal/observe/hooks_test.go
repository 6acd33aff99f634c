package observe

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

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

	info, err := NewLogger("info", "json", &buf)
	require.NoError(t, err)
	assert.Nil(t, LogHooks(info).RangeDone, "no hook when debug is off")
	assert.Nil(t, LogHooks(nil).RangeDone)
}
