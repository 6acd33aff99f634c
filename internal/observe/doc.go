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
// tells rows, rows and bytes per second over the last Window (rows also
// over the run), the p99 page latency over the last Window, pages, bytes,
// retries, ranges done and failed, requests in flight, the fraction of the
// work done and an ETA. Latencies are counted in a Prometheus histogram
// used as a lock-free bucket counter (never registered), whose cumulative
// counts are kept with each window sample: the quantile of the window is
// the difference of two readings, interpolated in its bucket.
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
// RunProgress draws a one-line bar in place on a terminal ("\r", the bar,
// erase to the end of the line), and prints a timestamped status line every
// 10 s elsewhere (a log file, CI), or logs a "progress" event under
// --log-format json. Both show rows, rows/s, MB/s and the p99 page latency.
// The terminal test, the width, the clock and the ticks can be replaced
// for tests.
//
// # Summary and report
//
// WriteSummary writes the totals for people, with the failed ranges
// listed; LogSummary logs them as one "summary" event. WriteReport writes one JSON object per range (rows, bytes, pages,
// duration, retries, host, error), atomically; docs/report.md describes
// the format.
//
// # Metrics
//
// NewMetrics registers the ringscan_* counters, gauges and the page
// latency histogram (by host; retries are by host and error kind) with the
// registry it is given. RegisterProcess adds the process and Go runtime
// collectors and ringscan_build_info; RegisterProgress the gauges read
// from a Tracker at each scrape (ringscan_rows_read, every run's rows, and
// ringscan_progress_ratio). ListenMetrics and Serve expose a gatherer at
// /metrics, listening before serving so that a bad address fails at once;
// WriteMetricsFile writes the ringscan_* metrics in the text format,
// atomically, for node_exporter's textfile collector.
//
// # Logging
//
// NewLogger builds the zap logger from the --log-level and --log-format
// flags, sampled so that a storm of one message (retries while a node is
// down) writes a few lines a second, with the lines dropped counted;
// JSON lines carry durations as numbers of milliseconds. NewEventLogger is
// the JSON logger of the start, progress and summary events. Logging is
// per range or per event, never per row or page: LogHooks logs each retry
// at info (range, host, error kind, attempt) and a debug line per finished
// range. The command adds the run id to every line.
package observe
