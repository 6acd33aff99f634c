package observe

import (
	"time"

	"go.uber.org/zap"

	"github.com/ringscan/ringscan/worker"
)

// Combine returns hooks that call each of hooks' non-nil callbacks, in
// order. A field none of them sets stays nil, so the worker skips it; but
// when any sets RequestStart or RequestEnd both are set, since the worker
// calls RequestEnd whenever RequestStart is set.
func Combine(hooks ...worker.Hooks) worker.Hooks {
	var (
		pageRead    []func(int, string, int, int, time.Duration)
		start, end  []func(string)
		retry       []func(int, string, string, error)
		pageWritten []func(int, worker.Cursor, int)
		rangeDone   []func(worker.RangeStats)
	)
	for _, h := range hooks {
		if h.PageRead != nil {
			pageRead = append(pageRead, h.PageRead)
		}
		if h.RequestStart != nil {
			start = append(start, h.RequestStart)
		}
		if h.RequestEnd != nil {
			end = append(end, h.RequestEnd)
		}
		if h.Retry != nil {
			retry = append(retry, h.Retry)
		}
		if h.PageWritten != nil {
			pageWritten = append(pageWritten, h.PageWritten)
		}
		if h.RangeDone != nil {
			rangeDone = append(rangeDone, h.RangeDone)
		}
	}
	var out worker.Hooks
	if len(pageRead) > 0 {
		out.PageRead = func(id int, host string, rows, bytes int, latency time.Duration) {
			for _, f := range pageRead {
				f(id, host, rows, bytes, latency)
			}
		}
	}
	if len(start)+len(end) > 0 {
		out.RequestStart = func(host string) {
			for _, f := range start {
				f(host)
			}
		}
		out.RequestEnd = func(host string) {
			for _, f := range end {
				f(host)
			}
		}
	}
	if len(retry) > 0 {
		out.Retry = func(id int, host, kind string, err error) {
			for _, f := range retry {
				f(id, host, kind, err)
			}
		}
	}
	if len(pageWritten) > 0 {
		out.PageWritten = func(id int, cur worker.Cursor, rows int) {
			for _, f := range pageWritten {
				f(id, cur, rows)
			}
		}
	}
	if len(rangeDone) > 0 {
		out.RangeDone = func(st worker.RangeStats) {
			for _, f := range rangeDone {
				f(st)
			}
		}
	}
	return out
}

// LogHooks logs one debug line per finished subrange (failures are logged
// by the worker, at warn level): never one per page or row.
func LogHooks(log *zap.Logger) worker.Hooks {
	if log == nil || !log.Core().Enabled(zap.DebugLevel) {
		return worker.Hooks{}
	}
	return worker.Hooks{
		RangeDone: func(st worker.RangeStats) {
			if st.Err != nil {
				return
			}
			log.Debug("range finished", zap.Int("range", st.ID), zap.Stringer("bounds", st.Range),
				zap.String("host", st.Host), zap.Int64("rows", st.Rows), zap.Int64("pages", st.Pages),
				zap.Int64("bytes", st.Bytes), zap.Int64("retries", st.Retries), zap.Duration("duration", st.Duration))
		},
	}
}
