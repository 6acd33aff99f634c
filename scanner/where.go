package scanner

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// CheckWhere refuses a Config.Where condition that would change what a
// subrange's statement means: a clause other than its relations (LIMIT,
// ORDER BY, GROUP BY, PER PARTITION LIMIT, ALLOW FILTERING), a token()
// relation of its own, or a second statement. Quoted text and names are
// skipped. Whether the relations fit the table is for the server to say,
// when the scan is planned (Scanner.Plan). Config.Validate calls it; it is
// exported for programs that check a condition before they build a
// Config, as the ringscan command does for --where.
func CheckWhere(where string) error {
	words, _, err := scanWhere(where)
	if err != nil {
		return err
	}
	// Clauses, by their keywords (LIMIT is reserved: no column is named so
	// unquoted; the others are two-word phrases).
	for i, w := range words {
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		switch {
		case w == "limit", w == "order" && next == "by", w == "group" && next == "by",
			w == "per" && next == "partition", w == "allow" && next == "filtering":
			clause := strings.ToUpper(w)
			if w != "limit" {
				clause += " " + strings.ToUpper(next)
			}
			if clause == "ALLOW FILTERING" {
				return errors.New("ALLOW FILTERING is not allowed in the condition: set AllowFiltering instead")
			}
			return fmt.Errorf("%s is not allowed: the condition is ANDed to each subrange's WHERE", clause)
		case w == "token":
			return errors.New("token() is not allowed: BeginToken and EndToken restrict the tokens")
		}
	}
	return nil
}

// mentionsAny reports whether the Where condition names one of cols: an
// unquoted word (lower case, as CQL folds it) or a quoted name.
func mentionsAny(where string, cols []column) bool {
	words, quoted, err := scanWhere(where)
	if err != nil {
		return true
	}
	for _, c := range cols {
		if slices.Contains(words, c.name) || slices.Contains(quoted, c.name) {
			return true
		}
	}
	return false
}

// scanWhere splits a Where condition into its unquoted words (lower case)
// and its double-quoted names, skipping string literals, and refuses what
// cannot be part of one statement's relations.
func scanWhere(where string) (words, quoted []string, err error) {
	for i := 0; i < len(where); {
		c := where[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for ; j < len(where); j++ {
				if where[j] == c {
					if j+1 < len(where) && where[j+1] == c {
						j++ // doubled: an escaped quote
						continue
					}
					break
				}
			}
			if j >= len(where) {
				return nil, nil, fmt.Errorf("unterminated %c quote", c)
			}
			if c == '"' {
				quoted = append(quoted, strings.ReplaceAll(where[i+1:j], `""`, `"`))
			}
			i = j + 1
		case c == '$' && i+1 < len(where) && where[i+1] == '$':
			end := strings.Index(where[i+2:], "$$")
			if end < 0 {
				return nil, nil, errors.New("unterminated $$ string")
			}
			i += 4 + end
		case c == ';':
			return nil, nil, errors.New("';' is not allowed: the condition is one statement's")
		case c == '-' && i+1 < len(where) && where[i+1] == '-', c == '/' && i+1 < len(where) && where[i+1] == '*':
			return nil, nil, errors.New("comments are not allowed")
		case c == '?':
			return nil, nil, errors.New("bind markers are not allowed: write the values in the condition")
		case unicode.IsLetter(rune(c)) || c == '_':
			j := i
			for j < len(where) && (unicode.IsLetter(rune(where[j])) || unicode.IsDigit(rune(where[j])) || where[j] == '_') {
				j++
			}
			words = append(words, strings.ToLower(where[i:j]))
			i = j
		default:
			i++
		}
	}
	return words, quoted, nil
}
