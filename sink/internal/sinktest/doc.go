// Package sinktest builds batches for the tests of the sink packages
// (sink and sink/parquet), so that both build their test pages, columns
// and values the same way.
//
// # Batches
//
// Page builds a batch from column names and CQL type text and rows of Go
// values (for cqltype.Encode), Raw wire bytes or nil for null; Column
// builds a column of any cqltype.Type, user-defined types included, and
// TypeOf reads a column's type back. RealisticPage is the page the sink
// benchmarks write.
package sinktest
