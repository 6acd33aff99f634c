// Package observe shows where a scan is: progress on the terminal or in
// status lines, a final summary, a per-range JSON report, Prometheus
// metrics and the logger. Everything is fed by scanner.Hooks, never by
// polling the worker, and nothing here is global: the command builds a
// Tracker, a Metrics with its own registry and a logger, and combines their
// hooks with Combine.
//
// # Tracker
//
// NewTracker takes the plan's subranges and, for a resumed scan, the
// checkpointed cursors and rows. Its hooks only update atomics. Snapshot
// tells rows, rows per second over the last Window and over the run,
// pages, bytes, retries, ranges done and failed, requests in flight, the
// fraction of the work done and an ETA.
//
// Progress is counted in ring share, not rows: the shares of the subranges
// done plus, for each running subrange, the share from its start to its
// last written row's token. Shares are added in fixed point so that a
// subrange's partial progress is taken back exactly when it finishes. The
// ETA is the share left over the share rate of the last Window. A subrange
// is done when its last page has been written (scanner.Cursor.Done), the
// same moment a checkpoint would record it; failed when RangeDone reports
// an error.
//
// # Progress
//
// RunProgress draws a one-line bar in place on a terminal, and prints a
// status line every 10 s elsewhere (a log file, CI). The terminal test, the
// width and the clock ticks can be replaced for tests.
//
// # Summary and report
//
// WriteSummary writes the totals for people, with the failed ranges listed.
// WriteReport writes one JSON object per range (rows, bytes, pages,
// duration, retries, host, error), atomically; docs/report.md describes
// the format.
//
// # Metrics
//
// NewMetrics registers the ringscan_* counters, gauges and page latency
// histogram with the registry it is given; ListenMetrics and Serve expose
// a gatherer at /metrics, listening before serving so that a bad address
// fails at once.
//
// # Logging
//
// NewLogger builds the zap logger from the --log-level and --log-format
// flags. Logging is per range or per event, never per row or page:
// LogHooks adds a debug line per finished range.
package observe
