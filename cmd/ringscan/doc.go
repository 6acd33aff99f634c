// Command ringscan reads whole Cassandra and ScyllaDB tables fast. See
// "ringscan --help".
package main
