package cqlident

import "strings"

// reserved holds Cassandra 4.1's reserved keywords, lower case, each
// between single spaces: the words of
// src/resources/org/apache/cassandra/cql3/reserved_keywords.txt, which
// ReservedKeywords.java reads (testdata/reserved_keywords.txt is a copy).
const reserved = " add allow alter and apply asc authorize batch begin by columnfamily create delete desc" +
	" describe drop entries execute from full grant if in index infinity insert into is keyspace limit" +
	" materialized modify nan norecursive not null of on or order primary rename revoke schema select" +
	" set table to token truncate unlogged update use using view where with "

// longestReserved is the length of the longest reserved keyword
// ("columnfamily", "materialized").
const longestReserved = 12

// IsReserved reports whether word is one of Cassandra 4.1's reserved
// keywords, in any case, as Cassandra's ReservedKeywords.isReserved does.
// A reserved keyword is an identifier only when double-quoted.
func IsReserved(word string) bool {
	if word == "" || len(word) > longestReserved {
		return false
	}
	var buf [longestReserved + 2]byte
	buf[0] = ' '
	for i := 0; i < len(word); i++ {
		c := word[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c < 'a' || c > 'z':
			return false // every keyword is made of letters
		}
		buf[1+i] = c
	}
	buf[1+len(word)] = ' '
	return strings.Contains(reserved, string(buf[:len(word)+2]))
}

// isBoolean reports whether a lower-case word is one of the boolean
// literals, which Cassandra's lexer reads as constants, never as names,
// although they are not in its reserved list.
func isBoolean(word string) bool { return word == "true" || word == "false" }

// NeedsQuotes reports whether name must be double-quoted to be read as
// itself in CQL text: unless it is a lower-case letter followed by
// lower-case letters, digits and underscores, and neither a reserved
// keyword nor a boolean literal. An unquoted identifier is folded to lower
// case by Cassandra, so a name with an upper-case letter needs quotes.
func NeedsQuotes(name string) bool {
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		return true
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return true
		}
	}
	return IsReserved(name) || isBoolean(name)
}

// Quote returns name as a CQL identifier that reads back as name: as it is
// when it needs no quotes (see NeedsQuotes), else double-quoted with its
// double quotes doubled, as Cassandra's ColumnIdentifier.maybeQuote does.
func Quote(name string) string {
	if !NeedsQuotes(name) {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Literal returns s as a CQL string literal: single-quoted, each quote
// doubled. For the names a statement carries as values where a bind value
// would make the driver prepare it first.
func Literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
