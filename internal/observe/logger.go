package observe

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ErrInvalidConfig is wrapped by the errors of a bad log level or format.
var ErrInvalidConfig = errors.New("invalid config")

// NewLogger returns a logger writing to w at level (debug, info, warn or
// error; "" is info) in format (json or console; "" is console). Bad
// values give one error, on one line, naming the allowed values.
func NewLogger(level, format string, w io.Writer) (*zap.Logger, error) {
	var bad []string
	var lvl zapcore.Level
	switch strings.ToLower(level) {
	case "debug":
		lvl = zapcore.DebugLevel
	case "info", "":
		lvl = zapcore.InfoLevel
	case "warn":
		lvl = zapcore.WarnLevel
	case "error":
		lvl = zapcore.ErrorLevel
	default:
		bad = append(bad, fmt.Sprintf("log level %q: want debug, info, warn or error", level))
	}
	var enc zapcore.Encoder
	switch strings.ToLower(format) {
	case "json":
		cfg := zap.NewProductionEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		cfg.EncodeDuration = zapcore.StringDurationEncoder
		enc = zapcore.NewJSONEncoder(cfg)
	case "console", "":
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		cfg.EncodeDuration = zapcore.StringDurationEncoder
		cfg.CallerKey = zapcore.OmitKey
		cfg.StacktraceKey = zapcore.OmitKey
		enc = zapcore.NewConsoleEncoder(cfg)
	default:
		bad = append(bad, fmt.Sprintf("log format %q: want json or console", format))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(bad, "; "))
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl)), nil
}
