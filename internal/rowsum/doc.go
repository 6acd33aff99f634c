// Package rowsum computes an order-independent checksum of a table's rows,
// so that a scan can be checked against what was written whatever order the
// rows arrive in.
//
// # Definition
//
// A row's hash is FNV-1a (64 bit) over its column values in SELECT * order
// (partition key, clustering, then regular columns by name), each value
// framed as a protocol [bytes]: a 4-byte big-endian length, -1 for null,
// then the serialized value. The table checksum is the sum of the row
// hashes modulo 2^64, together with the row count. Summing makes the result
// independent of order, and a duplicated or missing row changes both the
// count and, almost surely, the sum.
package rowsum
