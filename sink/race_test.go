//go:build race

package sink_test

// raceEnabled reports a -race build, whose instrumentation may allocate.
const raceEnabled = true
