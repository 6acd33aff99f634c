package observe

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ErrInvalidConfig is wrapped by the errors of a bad log level or format.
var ErrInvalidConfig = errors.New("invalid config")

// Sampling of NewLogger's lines: of the lines with the same level and
// message, the first SampleFirst of every SampleTick are written, then one
// in SampleThereafter. It keeps a storm of retries or failed ranges (a
// node down) to a few lines a second without hiding that it happens.
const (
	SampleTick       = time.Second
	SampleFirst      = 10
	SampleThereafter = 100
)

// LoggerOption sets a collaborator of NewLogger.
type LoggerOption interface{ apply(*loggerOptions) }

type loggerOptions struct {
	dropped *atomic.Int64
}

type loggerOptionFunc func(*loggerOptions)

func (f loggerOptionFunc) apply(o *loggerOptions) { f(o) }

// WithDropCounter counts in c the lines that sampling dropped, so that a
// summary can tell.
func WithDropCounter(c *atomic.Int64) LoggerOption {
	return loggerOptionFunc(func(o *loggerOptions) { o.dropped = c })
}

// NewLogger returns a logger writing to w at level (debug, info, warn or
// error; "" is info) in format (json or console; "" is console), sampled
// (SampleFirst, SampleThereafter). JSON lines carry durations as numbers
// of milliseconds. Bad values give one error, on one line, naming the
// allowed values.
func NewLogger(level, format string, w io.Writer, opts ...LoggerOption) (*zap.Logger, error) {
	var o loggerOptions
	for _, opt := range opts {
		opt.apply(&o)
	}
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
		bad = append(bad, fmt.Sprintf("--log-level %q: want debug, info, warn or error", level))
	}
	var enc zapcore.Encoder
	switch strings.ToLower(format) {
	case "json":
		enc = jsonEncoder()
	case "console", "":
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		cfg.EncodeDuration = zapcore.StringDurationEncoder
		cfg.CallerKey = zapcore.OmitKey
		cfg.StacktraceKey = zapcore.OmitKey
		enc = zapcore.NewConsoleEncoder(cfg)
	default:
		bad = append(bad, fmt.Sprintf("--log-format %q: want json or console", format))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(bad, "; "))
	}
	var sampleOpts []zapcore.SamplerOption
	if o.dropped != nil {
		sampleOpts = append(sampleOpts, zapcore.SamplerHook(func(_ zapcore.Entry, d zapcore.SamplingDecision) {
			if d&zapcore.LogDropped != 0 {
				o.dropped.Add(1)
			}
		}))
	}
	core := zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl)
	return zap.New(zapcore.NewSamplerWithOptions(core, SampleTick, SampleFirst, SampleThereafter, sampleOpts...)), nil
}

// NewEventLogger returns the logger of a scan's events (start, progress,
// summary) under --log-format json: JSON lines as NewLogger writes them,
// at info level whatever the log level (the events are what the console
// format shows as the progress bar and summary), never sampled.
func NewEventLogger(w io.Writer) *zap.Logger {
	return zap.New(zapcore.NewCore(jsonEncoder(), zapcore.Lock(zapcore.AddSync(w)), zapcore.InfoLevel))
}

func jsonEncoder() zapcore.Encoder {
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	cfg.EncodeDuration = zapcore.MillisDurationEncoder
	return zapcore.NewJSONEncoder(cfg)
}
