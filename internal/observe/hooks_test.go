package observe

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

// recorder returns hooks that log every call, tagged with name, to calls.
func recorder(name string, calls *[]string) worker.Hooks {
	rec := func(what string) { *calls = append(*calls, name+"."+what) }
	return worker.Hooks{
		PageRead:     func(int, string, int, int, time.Duration) { rec("PageRead") },
		RequestStart: func(string) { rec("RequestStart") },
		RequestEnd:   func(string) { rec("RequestEnd") },
		Retry:        func(int, string, string, error) { rec("Retry") },
		PageWritten:  func(int, worker.Cursor, int) { rec("PageWritten") },
		RangeDone:    func(worker.RangeStats) { rec("RangeDone") },
	}
}

func callAll(h worker.Hooks) {
	h.PageRead(1, "h", 1, 1, time.Millisecond)
	h.RequestStart("h")
	h.RequestEnd("h")
	h.Retry(1, "h", "timeout", errors.New("x"))
	h.PageWritten(1, worker.Cursor{}, 1)
	h.RangeDone(worker.RangeStats{ID: 1})
}

func TestCombine(t *testing.T) {
	var calls []string
	h := Combine(recorder("a", &calls), worker.Hooks{}, recorder("b", &calls))
	callAll(h)
	assert.Equal(t, []string{
		"a.PageRead", "b.PageRead", "a.RequestStart", "b.RequestStart", "a.RequestEnd", "b.RequestEnd",
		"a.Retry", "b.Retry", "a.PageWritten", "b.PageWritten", "a.RangeDone", "b.RangeDone",
	}, calls)
}

func TestCombineNil(t *testing.T) {
	tests := []struct {
		name                     string
		in                       []worker.Hooks
		pageRead, request, retry bool
		pageWritten, rangeDone   bool
	}{
		{name: "none"},
		{name: "empty", in: []worker.Hooks{{}, {}}},
		{name: "only start", in: []worker.Hooks{{RequestStart: func(string) {}}}, request: true},
		{name: "only end", in: []worker.Hooks{{RequestEnd: func(string) {}}}, request: true},
		{name: "some", in: []worker.Hooks{{PageRead: func(int, string, int, int, time.Duration) {}},
			{RangeDone: func(worker.RangeStats) {}}}, pageRead: true, rangeDone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Combine(tt.in...)
			assert.Equal(t, tt.pageRead, h.PageRead != nil)
			assert.Equal(t, tt.request, h.RequestStart != nil)
			assert.Equal(t, tt.request, h.RequestEnd != nil, "RequestEnd is set with RequestStart")
			assert.Equal(t, tt.retry, h.Retry != nil)
			assert.Equal(t, tt.pageWritten, h.PageWritten != nil)
			assert.Equal(t, tt.rangeDone, h.RangeDone != nil)
			if tt.request {
				h.RequestStart("h")
				h.RequestEnd("h")
			}
		})
	}
}

func TestLogHooks(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger("debug", "json", &buf)
	require.NoError(t, err)
	h := LogHooks(log)
	r := ring.Range{Start: ring.Murmur3Token(0), End: ring.Murmur3Token(10)}
	h.RangeDone(worker.RangeStats{ID: 3, Range: r, Host: "10.0.0.1:9042", Rows: 7, Pages: 1, Duration: 2 * time.Second})
	h.RangeDone(worker.RangeStats{ID: 4, Range: r, Err: errors.New("failed")}) // the worker logs failures
	assert.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")))
	assert.Contains(t, buf.String(), `"msg":"range finished","range":3,"bounds":"(0, 10]","host":"10.0.0.1:9042","rows":7`)

	info, err := NewLogger("info", "json", &buf)
	require.NoError(t, err)
	assert.Nil(t, LogHooks(info).RangeDone, "no hook when debug is off")
	assert.Nil(t, LogHooks(nil).RangeDone)
}
