// Package sink receives the rows of a scan, one page at a time.
//
// # The idea
//
// A scan reads a table subrange by subrange, and each page the server
// returns becomes a [Batch]: the rows of one page, kept as the serialized
// CQL values the server sent, in one buffer. A [Sink] consumes batches: it
// writes them to a file, counts them, or hands them to user code. Keeping
// the wire bytes makes a page cost a few allocations however many rows it
// has, and lets the built-in sinks render text straight from the bytes,
// without building a Go value per cell. Code that wants Go values calls
// [Batch.Decode]; [SinkFunc] turns such a function into a Sink. A
// [Column] names its CQL type as text (Type) and, in full, as the native
// protocol describes it ([Column.WireType]).
//
// The Go types of the values that have no natural Go type ([UUID],
// [Decimal], [Date], [Duration], [KV]) are those of package sink/cqlvalue,
// which documents their methods; this package names them too. Its Append
// functions write the text forms the built-in sinks write, for a sink
// that renders [Batch.Value]'s bytes itself.
//
// # Concurrency contract
//
// The scanner calls Write from one goroutine at a time, never
// concurrently, in no particular range order: pages of different subranges
// interleave, pages of one subrange arrive in token order. A Sink therefore
// needs no locking for calls made by one scan. Write must not keep the
// Batch, or any slice obtained from it, after it returns: the batch
// belongs to the scanner, which may reuse it. An error from Write aborts the scan. Close is called once at
// the end of a scan, successful or not, flushes what is buffered and is
// idempotent; a Write after Close returns [ErrClosed].
//
// The built-in sinks never close the io.Writer they write to: the caller
// owns it, closes it, and flushes it if it buffers (a *bufio.Writer, a
// gzip.Writer).
//
// # Built-in sinks
//
//   - [JSONLines] writes one JSON object per row, keys in column order.
//   - [CSV] writes RFC 4180 CSV with a header row; see [CSVConfig].
//   - [Count] counts rows, bytes and pages, in total, per subrange and per
//     host; its getters may be read while the scan runs.
//   - [Discard] drops everything, for measuring a scan alone.
//
// The Parquet sink is in the sub-package sink/parquet, so that this
// package, and the scanner that imports it, do not link parquet-go and its
// dependencies for programs that do not write Parquet. JSON Lines and CSV
// stay here: they need nothing outside the standard library, every scan
// program is likely to use one of them, and they share the encoder that
// renders values as text.
//
// # JSON and CSV mapping
//
// JSONLines and CSV render values the way users of cqlsh and dsbulk expect.
// docs/json-mapping.md has the full table; in short:
//
//	text, ascii, varchar            JSON string; invalid UTF-8 becomes U+FFFD
//	tinyint ... bigint, counter     number
//	varint, decimal                 number with exact digits; decimal keeps its
//	                                scale, plain notation: 1.250, 1200, -0.005
//	float, double                   shortest number that reads back the same,
//	                                as encoding/json: 0.1, 1000000, 1e+21;
//	                                "NaN", "Infinity", "-Infinity" as strings
//	boolean                         true, false
//	uuid, timeuuid                  "123e4567-e89b-42d3-a456-426614174000"
//	timestamp                       "2026-01-01T12:00:00.123Z", UTC, always ms
//	date                            "2026-01-01"
//	time                            "12:34:56.123456789", always 9 digits
//	duration                        "1h30m", as cqlsh and Cassandra print it
//	blob                            "0xcafe"
//	inet                            "10.0.0.1", "::1"
//	list, set, tuple                array
//	map                             object; keys as strings: text as is, other
//	                                types as their text, e.g. {"1":"a"}
//	UDT                             object keyed by field name
//	null, and the empty value of    null
//	  non-text types
//
// [TextConfig] changes how timestamps (a Go layout, a time zone) and blobs
// (base64) are written, and [JSONConfig.NumbersAsStrings] writes bigint,
// counter, varint and decimal values as JSON strings.
//
// CSV writes the same text without JSON's quotes around scalars (text as
// is, 2026-01-01T12:00:00.123Z, NaN), collections as their JSON text, a
// null as [CSVConfig.Null] (an empty field by default) and an empty text
// as "", so that the two differ.
//
// A value whose bytes do not match its column's type fails the Write with
// an error wrapping [ErrInvalidValue] that names the row and column; the
// rows before it are written.
//
// # Memory
//
// A Batch holds one page: about page size x row size bytes of values,
// plus 8 bytes per value. The scanner holds a bounded number of batches
// (about its concurrency plus what it prefetches), so that is the memory a
// scan needs for rows. JSONLines and CSV add a text buffer of about 256 KiB
// plus one row, which they pass to their writer in chunks and at the end of
// every Write, so nothing stays buffered between calls. Count keeps one
// entry per subrange and per host.
package sink
