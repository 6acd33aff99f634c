package worker

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// recorder returns hooks that log every call, tagged with name, to calls.
func recorder(name string, calls *[]string) Hooks {
	rec := func(what string) { *calls = append(*calls, name+"."+what) }
	return Hooks{
		PageRead:     func(int, string, int, int, time.Duration) { rec("PageRead") },
		RequestStart: func(string) { rec("RequestStart") },
		RequestEnd:   func(string) { rec("RequestEnd") },
		Retry:        func(int, string, string, error) { rec("Retry") },
		PageWritten:  func(int, Cursor, int) { rec("PageWritten") },
		RangeDone:    func(RangeStats) { rec("RangeDone") },
	}
}

func callAll(h Hooks) {
	h.PageRead(1, "h", 1, 1, time.Millisecond)
	h.RequestStart("h")
	h.RequestEnd("h")
	h.Retry(1, "h", "timeout", errors.New("x"))
	h.PageWritten(1, Cursor{}, 1)
	h.RangeDone(RangeStats{ID: 1})
}

func TestCombine(t *testing.T) {
	var calls []string
	h := Combine(recorder("a", &calls), Hooks{}, recorder("b", &calls))
	callAll(h)
	assert.Equal(t, []string{
		"a.PageRead", "b.PageRead", "a.RequestStart", "b.RequestStart", "a.RequestEnd", "b.RequestEnd",
		"a.Retry", "b.Retry", "a.PageWritten", "b.PageWritten", "a.RangeDone", "b.RangeDone",
	}, calls)
}

func TestCombineNil(t *testing.T) {
	tests := []struct {
		name                     string
		in                       []Hooks
		pageRead, request, retry bool
		pageWritten, rangeDone   bool
	}{
		{name: "none"},
		{name: "empty", in: []Hooks{{}, {}}},
		{name: "only start", in: []Hooks{{RequestStart: func(string) {}}}, request: true},
		{name: "some", in: []Hooks{{PageRead: func(int, string, int, int, time.Duration) {}},
			{RangeDone: func(RangeStats) {}}}, pageRead: true, rangeDone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Combine(tt.in...)
			assert.Equal(t, tt.pageRead, h.PageRead != nil)
			assert.Equal(t, tt.request, h.RequestStart != nil)
			assert.Equal(t, tt.retry, h.Retry != nil)
			assert.Equal(t, tt.pageWritten, h.PageWritten != nil)
			assert.Equal(t, tt.rangeDone, h.RangeDone != nil)
			if tt.request {
				h.RequestStart("h")
			}
		})
	}
}
