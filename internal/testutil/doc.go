// Package testutil holds helpers shared by the tests of several ringscan
// packages. It is ordinary (non-test) code so that other packages' tests
// can import it; nothing outside a _test.go file imports it.
//
// # Simulated clusters
//
// StartSim starts a cqlsim cluster on a free port and Session opens a gocql
// session on it with the configuration every test starts from (protocol
// v4, short timeouts, no write coalescing, no driver logging). Both close
// when the test ends, the session first.
//
// # Multisets
//
// Multiset counts rows as canonical strings, so that a test can check that
// a scan returned exactly the rows written: none missing, none extra, none
// duplicated. Diff reports a few differences instead of dumping every row.
//
// # Leak checks
//
// IgnoreHeartBeat, IgnoreRefreshRing and IgnoreNodeUp are goleak options
// for the gocql goroutines a closed session may leave behind; a package's TestMain passes
// the ones its tests need to goleak.VerifyTestMain.
package testutil
