// Package cli implements the ringscan command line: a cobra command tree
// whose commands turn flags into library configurations (scanner.Config,
// cqlsim.Config) and run them.
//
// # Flags
//
// Each command registers only the flags it uses: connFlags registers in
// groups (connection and table, plan, reads, columns) and each command
// picks its groups; jobFlags are the flags of the commands that run a scan;
// scanFlags the output and codec flags of scan. --retries takes a positive
// number or none (the library's NoRetries); 0 is refused.
//
// # Settings
//
// A flag the command line leaves unset takes its value from
// $RINGSCAN_<FLAG> (upper case, '_' for '-'), else from the --config file
// (YAML or TOML, keys named as the flags, a section per command winning
// over the top level); applySettings sets them through the flags' own
// parsers and records where each came from, so that an error names the
// variable or the file and key.
//
// # Exit codes
//
// Run returns the process exit code: 0 when everything was done, 1 when a
// scan finished with failed ranges, 2 when it was aborted after too many
// errors, 3 for bad input, configuration, authentication or connection, and
// 4 when interrupted (a checkpoint, if any, was written).
//
// # Output
//
// Results go to stdout; progress, logs and errors go to stderr, each error
// on one line naming what was wrong and what is allowed. Every log line of
// a scan carries its run id; under --log-format json the start, progress
// and summary are JSON events too.
package cli
