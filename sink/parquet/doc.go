// Package parquet is the Parquet sink: it writes the rows of a scan as one
// Parquet file, converting them straight from the serialized CQL values of
// a sink.Batch.
//
//	s, err := parquet.New(f, plan.Columns, parquet.Config{Compression: "zstd"})
//	...
//	stats, err := sc.Run(ctx, s) // Run closes the sink, which writes the footer
//
// It is its own package so that the core sink package, and the scanner,
// do not link parquet-go for programs that write no Parquet.
//
// # Schema
//
// The schema is derived from the columns: one optional field per column,
// in column order, typed as the table on Sink and docs/parquet-mapping.md
// describe, collections as the standard three-level LIST and MAP groups,
// tuples and UDTs as groups. The file's key-value metadata holds the CQL
// columns under ColumnsKey.
//
// # Spark-safe defaults
//
// uuid and timeuuid are written as text in the canonical 36-character
// form: Spark 4.0 refuses the UUID logical type (PARQUET_TYPE_ILLEGAL).
// decimal becomes DECIMAL(38, 18) and varint DECIMAL(38, 0), the types the
// Spark Cassandra connector gives them, so that analysts need no cast. A
// CQL decimal carries its own scale per value while a DECIMAL has one per
// column: each value is rescaled exactly, and a value that cannot be (more
// digits after the point than the scale keeps, unless they are zeros, or
// more before it than the precision leaves) fails its Write with
// ErrOutOfRange, naming the row, column and value; nothing is rounded or
// dropped silently. Config.UUID, Config.Decimal and Config.Varint choose
// the UUID logical type, other precisions and scales, or text.
//
// # Row groups and memory
//
// Rows are buffered into row groups of Config.RowGroupRows rows or
// Config.RowGroupBytes bytes, whichever comes first; a row group is held
// in memory until it ends, so Config.RowGroupBytes bounds the sink's
// memory. Close writes the last row group and the footer: until then the
// file is not readable.
//
// # Errors
//
// New reports an invalid Config, and columns it cannot write, with an
// error wrapping ErrInvalidConfig. Write reports a malformed value with an
// error wrapping sink.ErrInvalidValue that names the row and column,
// having written the rows before it; the sink stays usable. An error of
// the underlying writer sticks: every later Write and Close returns it.
package parquet
