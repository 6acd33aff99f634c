package bench

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ringscan/ringscan/scanner"
)

// ErrInvalidConfig is wrapped by every validation error of this package.
var ErrInvalidConfig = errors.New("invalid bench config")

// Kind is a way of reading a whole table.
type Kind string

// The strategies compared.
const (
	// SingleStream is one SELECT * paged by the driver: one request in
	// flight at a time.
	SingleStream Kind = "single-stream"
	// EqualSlices cuts the Murmur3 ring into equal token slices, read by a
	// fixed number of goroutines with "token(pk) > ? AND token(pk) <= ?",
	// sent to whichever coordinator the driver's round robin picks, with no
	// per-host limit (scylla-bench -mode scan, ScyllaDB's full-scan sample).
	EqualSlices Kind = "equal-slices"
	// Ringscan is the scanner package.
	Ringscan Kind = "ringscan"
)

// Mode is what a strategy does with the rows it reads.
type Mode string

// The modes.
const (
	// Verify hashes every row, so that the harness checks every row was
	// read exactly once. The default.
	Verify Mode = ""
	// CountRows counts rows and reads as little as the strategy can:
	// ringscan what ringscan count reads (Plan.CountOnly: tokens only, and
	// the primary key inside large partitions, to split them), equal slices
	// "SELECT token(pk)" (with TokenOnly).
	CountRows Mode = "count"
	// Discard reads every column and drops it.
	Discard Mode = "discard"
	// JSONL encodes every row as a JSON line (ringscan's sink.JSONLines
	// into io.Discard); only ringscan has an encoder.
	JSONL Mode = "jsonl"
	// CSV encodes every row as a CSV row (ringscan's sink.CSV into
	// io.Discard); only ringscan has an encoder.
	CSV Mode = "csv"
)

// Baseline retry policy: scylla-bench's, 10 retries with backoff from 80 ms
// to 1 s, done by the driver on the failed page (not from the beginning
// of the slice, which would count rows twice).
const (
	baselineRetries    = 10
	baselineBackoffMin = 80 * time.Millisecond
	baselineBackoffMax = time.Second
)

// Strategy is one way of reading the table, with its settings.
type Strategy struct {
	// Name labels the strategy in tables and charts, e.g. "ringscan-tuned".
	// Default: the Kind.
	Name string
	// Kind is the way of reading. Required.
	Kind Kind
	// Concurrency is the number of goroutines (equal-slices) or subranges
	// read at once (ringscan). Ignored by single-stream. Default: 32.
	Concurrency int `json:",omitempty"`
	// Slices is the number of equal token slices. Default: 64 per node, the
	// number of subranges of ringscan's default plan.
	Slices int `json:",omitempty"`
	// PerHost, Splits, BackoffBase and BackoffMax are ringscan's settings
	// of the same names (scanner.Config). Default: ringscan's defaults.
	PerHost int `json:",omitempty"`
	Splits  int `json:",omitempty"`
	// Adaptive turns on adaptive per-host limits (PerHostAdaptive), with
	// PerHost as their ceiling. Default: fixed.
	Adaptive                bool          `json:",omitempty"`
	BackoffBase, BackoffMax time.Duration `json:",omitempty"`
	// PageSize overrides the scenario's page size. Default: the scenario's.
	PageSize int `json:",omitempty"`
	// Mode is what the strategy does with the rows. Default Verify.
	Mode Mode `json:",omitempty"`
	// NoPartitionSplit turns ringscan's splitting of large partitions off
	// (scanner.Config.NoPartitionSplit). Default: on.
	NoPartitionSplit bool `json:",omitempty"`
	// TokenOnly makes equal slices select token(pk) alone, as ScyllaDB's
	// full-scan sample does to count. Default: every column.
	TokenOnly bool `json:",omitempty"`
	// ServerCount makes equal slices count each slice on the server, one
	// SELECT count(*) ... WHERE token(pk) > ? AND token(pk) <= ? per slice,
	// as the cassandra-count tool and ScyllaDB's counting advice do, and
	// ringscan count each subrange so (scanner.Plan.CountOnServer): no
	// row crosses the network. Default: rows are read.
	ServerCount bool `json:",omitempty"`
}

// Label is the strategy's name.
func (s Strategy) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return string(s.Kind)
}

// EffectiveConcurrency is the number of requests the strategy keeps in
// flight at most (before any per-host cap).
func (s Strategy) EffectiveConcurrency() int {
	switch {
	case s.Kind == SingleStream:
		return 1
	case s.Concurrency > 0:
		return s.Concurrency
	}
	return scanner.DefaultConcurrency
}

// Settings describes the settings in a few words, e.g. "c=32 per-host=8".
func (s Strategy) Settings(pageSize int) string {
	if s.PageSize > 0 {
		pageSize = s.PageSize
	}
	parts := []string{}
	switch s.Kind {
	case SingleStream:
		parts = append(parts, "c=1")
	case EqualSlices:
		parts = append(parts, fmt.Sprintf("c=%d", s.EffectiveConcurrency()))
		if s.Slices > 0 {
			parts = append(parts, fmt.Sprintf("slices=%d", s.Slices))
		} else {
			parts = append(parts, "slices=64/node")
		}
	case Ringscan:
		parts = append(parts, fmt.Sprintf("c=%d", s.EffectiveConcurrency()))
		switch {
		case s.Adaptive && s.PerHost > 0:
			parts = append(parts, fmt.Sprintf("per-host=adaptive:%d", s.PerHost))
		case s.Adaptive:
			parts = append(parts, "per-host=adaptive")
		case s.PerHost > 0:
			parts = append(parts, fmt.Sprintf("per-host=%d", s.PerHost))
		default:
			parts = append(parts, "per-host=auto")
		}
		if s.Splits > 0 {
			parts = append(parts, fmt.Sprintf("splits=%d", s.Splits))
		}
		if s.BackoffBase > 0 {
			parts = append(parts, fmt.Sprintf("backoff=%v", s.BackoffBase))
		}
		if s.NoPartitionSplit {
			parts = append(parts, "no-partition-split")
		}
	}
	parts = append(parts, fmt.Sprintf("page=%d", pageSize))
	if s.TokenOnly {
		parts = append(parts, "token(pk) only")
	}
	if s.ServerCount {
		per := "slice"
		if s.Kind == Ringscan {
			per = "subrange"
		}
		parts = append(parts, "count(*) per "+per)
	}
	if s.Mode != Verify {
		parts = append(parts, string(s.Mode))
	}
	return strings.Join(parts, " ")
}

// Validate reports every problem of s at once.
func (s Strategy) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: strategy %s: "+format, append([]any{ErrInvalidConfig, s.Label()}, args...)...))
	}
	switch s.Kind {
	case SingleStream, EqualSlices, Ringscan:
	default:
		bad("Kind %q is unknown; allowed are %s, %s and %s", s.Kind, SingleStream, EqualSlices, Ringscan)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Concurrency", s.Concurrency}, {"Slices", s.Slices}, {"PerHost", s.PerHost}, {"Splits", s.Splits}, {"PageSize", s.PageSize}} {
		if f.v < 0 {
			bad("%s is %d; it must be positive (0 for the default)", f.name, f.v)
		}
	}
	switch s.Mode {
	case Verify, CountRows, Discard:
	case JSONL, CSV:
		if s.Kind != Ringscan {
			bad("Mode %s is ringscan's only: the baselines have no encoder", s.Mode)
		}
	default:
		bad("Mode %q is unknown; allowed are count, discard, jsonl, csv and none (verify)", s.Mode)
	}
	if s.TokenOnly && (s.Kind != EqualSlices || s.Mode != CountRows) {
		bad("TokenOnly is for equal slices that count (Mode count)")
	}
	if s.ServerCount && (s.Kind == SingleStream || s.Mode != CountRows || s.TokenOnly || s.Adaptive) {
		bad("ServerCount is for equal slices and ringscan that count (Mode count), without TokenOnly or Adaptive")
	}
	if s.Concurrency > 4096 {
		bad("Concurrency is %d; at most 4096", s.Concurrency)
	}
	if s.Adaptive && s.Kind != Ringscan {
		bad("Adaptive is ringscan's only")
	}
	if s.NoPartitionSplit && s.Kind != Ringscan {
		bad("NoPartitionSplit is ringscan's only")
	}
	if s.BackoffBase < 0 || s.BackoffMax < 0 || (s.BackoffMax > 0 && s.BackoffBase > s.BackoffMax) {
		bad("BackoffBase %v and BackoffMax %v must be positive and BackoffBase <= BackoffMax", s.BackoffBase, s.BackoffMax)
	}
	return errors.Join(errs...)
}

// scannerConfig returns the ringscan configuration of s.
func (s Strategy) scannerConfig(keyspace, table string, pageSize int) scanner.Config {
	return scanner.Config{
		Keyspace: keyspace, Table: table, PageSize: pageSize,
		Concurrency: s.Concurrency, PerHost: s.PerHost, Splits: s.Splits,
		BackoffBase: s.BackoffBase, BackoffMax: s.BackoffMax, PerHostMode: perHostMode(s.Adaptive),
		NoPartitionSplit: s.NoPartitionSplit,
		// As ringscan count on the server reads the size estimates, to
		// size its subranges (Config.CountSplitBytes).
		UseSizeEstimates: s.Kind == Ringscan && s.ServerCount,
	}
}

func perHostMode(adaptive bool) scanner.PerHostMode {
	if adaptive {
		return scanner.PerHostAdaptive
	}
	return scanner.PerHostFixed
}
