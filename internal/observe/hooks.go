package observe

import (
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ringscan/ringscan/scanner"
)

// refusedKind is the retry kind of a paging state the server refused: the
// worker resumes from a token bound at once, which is no failed attempt.
const refusedKind = "paging_state_refused"

// LogHooks logs every retried page request at info level (a page request
// failed and is tried again), with the subrange, host, error kind, attempt
// and error, and, at debug level, one line per finished subrange: never
// one per page or row. The logger's sampling bounds the retry lines of a
// storm. Failed subranges are logged by the worker, at warn level.
//
// The attempt is the number of failed attempts of the subrange's current
// page, as the worker counts them (reset by a page read, not counting a
// refused paging state).
func LogHooks(log *zap.Logger) scanner.Hooks {
	if log == nil {
		return scanner.Hooks{}
	}
	var h scanner.Hooks
	if log.Core().Enabled(zap.InfoLevel) {
		var mu sync.Mutex
		attempts := map[int]int{}
		h.PageRead = func(id int, _ string, _, _ int, _ time.Duration) {
			mu.Lock()
			delete(attempts, id)
			mu.Unlock()
		}
		h.Retry = func(id int, host, kind string, err error) {
			mu.Lock()
			if kind != refusedKind {
				attempts[id]++
			}
			n := attempts[id]
			mu.Unlock()
			log.Info("retrying page request", zap.Int("range", id), zap.String("host", host), zap.String("kind", kind),
				zap.Int("attempt", n), zap.Error(err))
		}
	}
	if log.Core().Enabled(zap.DebugLevel) {
		h.RangeDone = func(st scanner.RangeStats) {
			if st.Err != nil {
				return
			}
			log.Debug("range finished", zap.Int("range", st.ID), zap.Stringer("bounds", st.Range),
				zap.String("host", st.Host), zap.Int64("rows", st.Rows), zap.Int64("pages", st.Pages),
				zap.Int64("bytes", st.Bytes), zap.Int64("retries", st.Retries), zap.Int64("duration_ms", st.Duration.Milliseconds()))
		}
	}
	return h
}
