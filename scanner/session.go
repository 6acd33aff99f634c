package scanner

import (
	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// NewClusterConfig returns the driver configuration the ringscan command
// line starts from, for a session that serves scans: it connects in a few
// round trips and sends every page request at once.
//
//   - Protocol v4, which every Cassandra since 2.2 and every ScyllaDB
//     serves: no probe of a newer version that a server may refuse first.
//   - No schema metadata cache (gocql.Disabled): the scanner reads the one
//     table it scans itself (three system_schema queries sent at once,
//     unprepared: one round trip), instead of the driver reading every
//     keyspace's schema at connect and again on every schema change.
//     Token ownership (system.local and system.peers) is read as usual.
//   - gocql's default host selection (round robin): a token-aware policy
//     would prepare every statement it routes, the one-off metadata
//     queries included, to learn their partition key; the scanner sets
//     the host of every page request itself.
//   - No write coalescing: gocql's default holds every request up to
//     200 µs, which a chain of page requests pays on every page.
//
// Set the rest (Port, Timeout, Authenticator, SslOpts, ...) on the result.
// Any session works with the scanner; this one starts fastest.
func NewClusterConfig(hosts ...string) *gocql.ClusterConfig {
	cl := gocql.NewCluster(hosts...)
	cl.ProtoVersion = 4
	cl.Metadata.CacheMode = gocql.Disabled
	cl.WriteCoalesceWaitTime = 0
	return cl
}
