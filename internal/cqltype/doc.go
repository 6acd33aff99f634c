// Package cqltype is the CQL type system that the scanner, the sinks and
// cqlsim share: types, their protocol v4 descriptions, and values in their
// serialized (wire) form.
//
// # Types
//
// A Type is a Kind (the protocol's [option] id) plus parameters for
// collections, tuples, UDTs and custom types. Parse reads CQL type text as
// written in CREATE TABLE and applies Cassandra's rules (frozen<> freezes
// everything inside it, tuples are always frozen, collections inside
// collections must be frozen). String writes the text Cassandra 4 stores in
// system_schema.columns.type, so that "varchar" reads back as "text" and
// "map<text,int>" as "map<text, int>". ParseWith also resolves the names of
// user-defined types through a Resolver, for a server's schema or a
// driver's metadata. AppendOption and ReadOption convert
// to and from the protocol [option] that describes result and bind columns;
// frozenness is not part of it.
//
// The kinds uuid, decimal, date and duration are named KindUUID,
// KindDecimal, KindDate and KindDuration, because UUID, Decimal, Date and
// Duration are the Go types of their values.
//
// # Values
//
// The server keeps every value as the bytes of protocol v4 section 6: a nil
// slice is null, an empty non-nil slice is the "empty" value that most
// non-string types allow for legacy reasons, and collections use the v4
// layout of an [int] count followed by [bytes] elements. Validate checks
// bytes bound by a client and returns errors whose text follows Cassandra's
// MarshalException messages, Compare orders values the way Cassandra's
// comparators order clustering columns, and AppendValue writes a [bytes].
//
// Validate, Decode, Compare and ReadOption take untrusted input: they never
// panic, bound their recursion by MaxDepth, and never allocate for a count
// larger than the remaining input could hold.
//
// # One reader
//
// ReadCollection, ReadFields and ReadDuration are the only code in the
// module that walks serialized lists, sets, maps, tuples, UDTs and
// durations: Validate, Compare and Decode use them, and so do the JSON
// Lines, CSV and Parquet encoders of the sink packages. Their errors carry
// Cassandra's messages; the iterators copy nothing.
//
// # Text
//
// The text forms of values (uuids, timestamps, dates, times, inet
// addresses, durations, varints and decimals, as cqlsh prints them) are
// written by package sink/cqlvalue, public so that users' sinks can write
// them too; FromString reads them back.
//
// # Go values
//
// Encode and Decode convert between bytes and Go values; see Decode for the
// Go type of each CQL type. The value types UUID, Decimal, Date, Duration
// and KV are package sink/cqlvalue's, named here by aliases: they are
// public because sink.Batch.Decode and scanner.Row hand them to users.
// Encode accepts those and a few more (any Go integer, time.Time for
// dates, typed slices and maps) and stores sets and maps sorted by
// Compare, as Cassandra does (AppendCollection, which cqlsim's collection
// literals use too). FromString parses the text of
// a scalar literal the way Cassandra's fromString does, for literals in
// statements and for the text forms tools print.
package cqltype
