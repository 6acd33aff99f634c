// Package cli implements the ringscan command line: a cobra command tree
// whose commands turn flags into library configurations (scanner.Config,
// cqlsim.Config) and run them.
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
// on one line naming what was wrong and what is allowed.
package cli
