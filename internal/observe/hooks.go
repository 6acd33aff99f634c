package observe

import (
	"go.uber.org/zap"

	"github.com/ringscan/ringscan/scanner"
)

// LogHooks logs one debug line per finished subrange (failures are logged
// by the worker, at warn level): never one per page or row.
func LogHooks(log *zap.Logger) scanner.Hooks {
	if log == nil || !log.Core().Enabled(zap.DebugLevel) {
		return scanner.Hooks{}
	}
	return scanner.Hooks{
		RangeDone: func(st scanner.RangeStats) {
			if st.Err != nil {
				return
			}
			log.Debug("range finished", zap.Int("range", st.ID), zap.Stringer("bounds", st.Range),
				zap.String("host", st.Host), zap.Int64("rows", st.Rows), zap.Int64("pages", st.Pages),
				zap.Int64("bytes", st.Bytes), zap.Int64("retries", st.Retries), zap.Duration("duration", st.Duration))
		},
	}
}
