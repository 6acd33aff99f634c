// Package cqlvalue holds the Go types of CQL values that have no natural Go
// type, and the text forms of CQL values.
//
// # Types
//
// sink.Batch.Decode and scanner.Row return a Go value per cell (see
// Batch.Decode for the whole mapping); for uuid and timeuuid, decimal,
// date, duration and the entries of a map they are UUID, Decimal, Date,
// Duration and KV. Package sink names the same types (sink.UUID is
// cqlvalue.UUID), so that a program reading batches needs no second
// import; this package documents them.
//
// Each type's String method writes its text form, and AppendText (the
// encoding.TextAppender method) appends it, without allocating but for a
// Decimal's digits: uuids in
// 8-4-4-4-12 form, dates as yyyy-mm-dd (years outside 0 to 9999 signed,
// as ISO 8601 and Java write them), durations in Cassandra's unit form
// (1h30m), decimals in plain notation (an exponent past MaxPlainZeros
// zeros).
//
// # Text forms of serialized values
//
// The Append functions and Digits write the same forms straight from the
// bytes a server sends, which sink.Batch.Value returns: uuids, inet
// addresses, timestamps as RFC 3339 in UTC with milliseconds, times of day
// with nine fraction digits, varints and decimals, text with invalid UTF-8
// replaced. They are what the JSON Lines, CSV and Parquet sinks write, and
// a user's sink that renders values itself can write the same text. They
// never panic: an appender given bytes of the wrong length reports false.
//
// # Why a package of its own
//
// The one reader of serialized values (the module's internal cqltype
// package), which the scanner, the sinks and the cluster simulator share,
// decodes into these types, and it sits below package sink in the import
// graph; the types therefore live in a leaf package that imports nothing
// of the module, and the reader and sink both import it.
package cqlvalue
