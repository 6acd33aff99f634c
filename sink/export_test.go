package sink

// MinRowsPerWorker is minRowsPerWorker, for the tests of package sink_test
// that place bad rows around the edges of the first shares.
const MinRowsPerWorker = minRowsPerWorker
