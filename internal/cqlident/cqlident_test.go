package cqlident

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReservedIsCassandrasList compares the list with Cassandra 4.1's
// reserved_keywords.txt, both ways.
func TestReservedIsCassandrasList(t *testing.T) {
	data, err := os.ReadFile("testdata/reserved_keywords.txt")
	require.NoError(t, err)
	var want []string
	for _, w := range strings.Fields(string(data)) {
		want = append(want, strings.ToLower(w))
	}
	got := strings.Fields(reserved)
	slices.Sort(want)
	assert.Equal(t, want, got, "the list is Cassandra's, in order")
	for _, w := range want {
		assert.True(t, IsReserved(w), w)
		assert.True(t, IsReserved(strings.ToUpper(w)), "case-insensitive: %s", w)
		assert.LessOrEqual(t, len(w), longestReserved, w)
	}
}

func TestIsReservedOtherWords(t *testing.T) {
	// Unreserved keywords, words reserved only by other versions, and
	// substrings or extensions of reserved ones.
	for _, w := range []string{
		"", "key", "ttl", "writetime", "type", "values", "static", "frozen", "list", "map", "text", "int",
		"json", "distinct", "filtering", "contains", "exists", "count", "cast", "like", "group",
		"replace", "default", "unset", "mbean", "mbeans", "select_masked", "unmask", "constraint", "check",
		"true", "false", "selec", "selects", "an", "nd", "add allow", " add", "add ", "a", "columnfamilyx",
	} {
		assert.False(t, IsReserved(w), "%q", w)
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"events", "events"},
		{"event_id", "event_id"},
		{"a1_b2", "a1_b2"},
		{"key", "key"},               // unreserved keyword
		{"replace", "replace"},       // reserved before 4.0 only
		{"select", `"select"`},       // reserved
		{"token", `"token"`},         // reserved
		{"true", `"true"`},           // boolean literal
		{"false", `"false"`},         // boolean literal
		{"Events", `"Events"`},       // upper case is folded when unquoted
		{"SELECT", `"SELECT"`},       // a different name from select
		{"1st", `"1st"`},             // leading digit
		{"_x", `"_x"`},               // leading underscore
		{"a b", `"a b"`},             // space
		{`say "hi"`, `"say ""hi"""`}, // quotes doubled
		{"é", `"é"`},                 // not ASCII
		{"", `""`},                   // empty
		// DESCRIBE's identifiers in cqlsim, as Cassandra prints them
		// (ColumnIdentifier.maybeQuote); they were cqlparse's TestQuoteIdent.
		{"orders", "orders"},
		{"t_1", "t_1"},
		{"Orders", `"Orders"`},
		{"1t", `"1t"`},
		{`a"b`, `"a""b"`},
		{"with space", `"with space"`},
	} {
		assert.Equal(t, tc.want, Quote(tc.in), "%q", tc.in)
		assert.Equal(t, tc.want != tc.in, NeedsQuotes(tc.in), "%q", tc.in)
	}
}

// TestQuoteReadsBack checks that a quoted name is read back as itself by
// the rule CQL applies: quoted text with "" for a quote, or the bare word
// folded to lower case.
func TestQuoteReadsBack(t *testing.T) {
	unquote := func(s string) string {
		if strings.HasPrefix(s, `"`) {
			return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
		}
		return strings.ToLower(s)
	}
	for _, name := range []string{"a", "A", `"`, `""`, `a"b`, "select", "Select", "x y", "true", "nan", "NaN", "with"} {
		assert.Equal(t, name, unquote(Quote(name)), "%q", name)
	}
}

func TestIsReservedDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		_ = IsReserved("ColumnFamily")
		_ = Quote("event_id")
	})
	assert.Zero(t, allocs)
}
