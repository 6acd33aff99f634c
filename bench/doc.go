// Package bench is ringscan's benchmark harness: it measures ringscan
// against the ways people scan whole tables today, on the same data in the
// same run, and writes the figures as a Markdown table and charts.
//
// # Scenarios and strategies
//
// A Scenario is a named case: a simulated cluster (cqlsim, started as a
// child process "ringscan sim" with the scenario's latency, faults, skew,
// tombstones or slow node), a page size, and the strategies to compare.
// A Strategy is one way of reading the table:
//
//   - single-stream: one SELECT * paged by the driver, the synchronous
//     baseline;
//   - equal-slices: the token ring cut into equal slices read by a fixed
//     number of goroutines, with no replica routing and no per-host limit,
//     as scylla-bench's scan mode and ScyllaDB's full-scan sample do;
//   - ringscan: the scanner package, with its defaults or with settings
//     tuned for the scenario.
//
// Quick and Full return the two profiles; "ringscan bench" runs one.
//
// # Measuring the scanning side alone
//
// Every strategy runs in a child process of its own ("ringscan bench-run",
// see Exec), so that its CPU time and peak RSS are its own and not the
// simulator's or the harness's: the child reports the CPU seconds spent
// from the start to the end of the scan (connecting is excluded) and its
// peak resident set, both from getrusage.
//
// # Checking every row
//
// The child hashes every row it reads (rowsum's row hash over the raw
// values in SELECT * order) and keeps the hashes. Sorting them tells rows
// read twice (duplicated) from distinct rows; comparing the distinct rows'
// count and checksum with what the simulator loaded tells lost rows; a
// digest of the sorted distinct hashes shows that every strategy of a
// scenario read the same multiset. Any lost, duplicated or unknown row makes
// Run fail, after the report is written.
//
// # Figures
//
// Per run: rows/s; client CPU seconds per million rows; peak RSS; makespan
// divided by the ideal (the sum of the per-range read times divided by the
// concurrency: 1 is a perfect schedule, more is a tail); retries; rows lost
// and duplicated.
package bench
