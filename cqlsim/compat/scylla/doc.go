// Package scylla checks that ScyllaDB's Go driver (github.com/scylladb/gocql,
// whose module path is github.com/gocql/gocql) works against cqlsim with
// its default settings: it connects, discovers the ring from
// system.peers_v2, reads the schema (including DESCRIBE KEYSPACE ... WITH
// INTERNALS), and reads back exactly what it wrote, with a workload of the
// shape of scylla-bench's write and scan modes.
//
// It is a Go module of its own (see go.mod), so that the ringscan module
// never depends on the fork. .ci/run runs go vet and go test in every
// module of the repository.
package scylla
