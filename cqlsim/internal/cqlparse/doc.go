// Package cqlparse parses the subset of CQL (Cassandra Query Language) that
// cqlsim, the in-process Cassandra simulator, executes: every statement that
// the gocql and DataStax drivers send while connecting, refreshing metadata
// and scanning token ranges, plus the DDL and DML that tests write.
//
// Parse turns one statement into an AST (see ast.go) and lists its bind
// markers in source order, so that a prepared statement knows how many
// values its clients bind:
//
//	p, err := cqlparse.Parse(`SELECT * FROM ks.t WHERE token(k) > ? LIMIT 100`)
//	sel := p.Stmt.(*cqlparse.Select) // len(p.Markers) == 1
//
// # What is parsed
//
// Fully parsed: SELECT (JSON, DISTINCT, column, function, count(*) and
// token(...) selectors with aliases; WHERE with = < <= > >= != IN CONTAINS
// [KEY], token(...) relations, multi-column (c1, c2) relations and map
// element col[key] restrictions; ORDER BY, PER PARTITION LIMIT, LIMIT,
// ALLOW FILTERING), INSERT (VALUES or JSON, IF NOT EXISTS, USING TTL and
// TIMESTAMP), UPDATE (plain, counter, collection append, prepend and element
// assignments; IF EXISTS or IF conditions), DELETE (rows, cells or
// elements), BEGIN ... APPLY BATCH, CREATE KEYSPACE, CREATE TABLE (with
// types, static columns, compound keys, clustering order, COMPACT STORAGE
// and other options), CREATE, ALTER (ADD, RENAME) and DROP TYPE, DROP
// KEYSPACE, DROP TABLE, USE and TRUNCATE. UPDATE also takes col.field =
// term for a field of a user-defined type.
//
// Terms are constants (quoted or $$-delimited strings; integers; floats with
// exponents, NaN, Infinity and negatives; booleans; null; UUIDs; 0x blobs;
// durations such as 1h30m or P1D), bind markers (? and :name), list, set,
// map, tuple and user-defined type ({field: term, ...}) literals, function
// calls and type casts such as (int)?, whose type is dropped.
//
// Recognised but skipped: ALTER, CREATE and DROP of indexes,
// functions, aggregates, triggers, materialized views, roles and users;
// GRANT, REVOKE, LIST and DESCRIBE. They parse into *AlterIgnored naming
// the statement, so that the simulator can refuse them by name; the rest of
// their text is only checked to be made of CQL tokens.
//
// Not supported: field selection in SELECT (u.field), GROUP BY, LIKE, arithmetic in terms, and the ISO 8601 alternative
// duration form (P0001-02-03T04:05:06).
//
// # Design
//
// A small lexer turns the whole input into tokens in one pass. Words are
// lower-cased (quoted identifiers keep their case) and keywords are
// recognised by the parser in context, so unreserved keywords such as key,
// type or ttl remain usable as names; Cassandra's reserved keywords are
// refused as unquoted identifiers. A '-' is its own token and the parser
// folds it into the number that follows, so c = c-1 and c = -1 both work;
// likewise ':' is a token and :name is recognised by the parser, so map
// literals such as {'a':true} are unambiguous.
//
// The parser is hand-written recursive descent with at most three tokens of
// lookahead and no backtracking, so its cost is linear in the input.
//
// # Untrusted input
//
// The input comes from the network. Parse never panics, nesting of terms
// and types is limited to 64 levels, and offending tokens quoted in error
// messages are shortened. Errors are *SyntaxError values whose messages
// follow Cassandra's: "line 1:9 mismatched input 'FORM' expecting K_FROM",
// with a 1-based line and a 0-based character column. FuzzParse checks
// these properties.
package cqlparse
