// Package cqlident quotes CQL identifiers: keyspace, table, column and
// type names that go into statement text.
//
// # One rule
//
// A name is written as it is when CQL reads it back unchanged: a
// lower-case letter, then lower-case letters, digits and underscores, and
// neither a reserved keyword nor a boolean literal. Any other name is
// double-quoted, its double quotes doubled. That is the rule of
// Cassandra's ColumnIdentifier.maybeQuote, which cqlsh's DESCRIBE and the
// schema tables follow, with one addition: true and false are quoted too,
// because Cassandra's lexer reads them as boolean constants (its BOOLEAN
// token comes before IDENT), so a bare true is never a name.
//
// # The reserved keywords
//
// IsReserved holds Cassandra 4.1's reserved keywords exactly: the list
// ReservedKeywords.java loads from reserved_keywords.txt, of which
// testdata/reserved_keywords.txt is a copy that the tests compare with.
// Words that later versions reserve (Cassandra 5's SELECT_MASKED, UNMASK,
// CONSTRAINT, ...) or that earlier ones did (REPLACE, DEFAULT, UNSET,
// MBEAN, MBEANS) are not reserved here; quoting is always safe, so a
// server that reserves more words still reads every name this package
// quotes, and only an unquoted name that a newer server reserves would
// need quotes.
package cqlident
