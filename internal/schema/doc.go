// Package schema reads a table's schema from the driver's metadata and
// builds the SELECT list of a read that must be able to resume after any
// row.
//
// # Tables
//
// Load looks a table up in gocql's keyspace metadata and converts its
// columns to cqltype types: the partition key columns, the clustering
// columns (with their order), and All, the columns in the order of SELECT *
// (partition key, clustering columns, then the others by name, as Cassandra
// returns them). A keyspace, table or column that does not exist gets an
// error listing the ones that do, so that a typo is fixed at once.
//
// # Select lists
//
// A read that hands out rows one page at a time and must resume after the
// last row it handed out needs that row's primary key, whatever columns the
// caller asked for. Table.Select returns the SELECT list: the requested
// columns first, in the requested order, then the primary key columns that
// were not requested (hidden), and optionally token(pk) last; with the
// index of every key column in it. The scanner (which also selects the
// token) and pager's keyset pages share it.
package schema
