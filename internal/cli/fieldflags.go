package cli

import (
	"strings"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
)

// The library packages name the Config fields their users set
// ("LocalDC is "dc9", want one of the ring's DCs"); a command line user
// set a flag. flagNames translates, for the messages of bad input, once,
// in Run: after the text of a package's ErrInvalidConfig (or of
// scanner.ErrCheckpointMismatch), each field a flag sets becomes that
// flag, and the package's prefix, library jargon, is dropped. The codec
// flags' library errors are turned into flag errors where they are
// checked, one field at a time (scanFlags.validateCodec).

// scannerFields maps the fields of scanner.Config (and the ring's
// SplitConfig.LocalDC, which it sets) whose library messages the scan,
// count and ring commands can reach to their flags. The fields of the
// flags the commands check themselves first (PageSize, Concurrency, the
// pool's), some in other units (PageBytes in bytes, --page-mb in MiB),
// are not listed: a message about one would be a bug of those checks.
var scannerFields = map[string]string{
	"Keyspace": "--keyspace", "Table": "--table", "Columns": "--columns",
	"Where": "--where", "AllowFiltering": "--allow-filtering",
	"BeginToken": "--begin-token", "EndToken": "--end-token", "LocalDC": "--local-dc",
}

// simFields maps the fields of cqlsim.Config that the sim command sets to
// its flags.
var simFields = map[string]string{
	"Address": "--address", "Nodes": "--nodes", "DCs": "--dcs", "VNodes": "--vnodes",
	"Partitioner": "--partitioner", "ReleaseVersion": "--release-version",
	"SizeEstimates.Skew": "--size-estimates-skew",
}

// libraryPrefixes are the texts after which a message is a library's
// about its configuration, with the fields it may name.
var libraryPrefixes = []struct {
	prefix string
	drop   bool // the prefix is the library's jargon, not the user's
	fields map[string]string
}{
	{scanner.ErrInvalidConfig.Error() + ": ", true, scannerFields},
	{ring.ErrInvalidConfig.Error() + ": ", true, scannerFields},
	{scanner.ErrCheckpointMismatch.Error() + ": ", false, scannerFields},
	{cqlsim.ErrInvalidConfig.Error() + ": ", true, simFields},
}

// flagNames rewrites the library text in msg, line by line, as the
// command line says it: `invalid ring config: LocalDC is "dc9", ...`
// becomes `--local-dc is "dc9", ...`.
func flagNames(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, line := range lines {
		var b strings.Builder
		var fields map[string]string // those of the prefix last seen, nil before the first
		for line != "" {
			at, n := len(line), -1
			for j, p := range libraryPrefixes {
				if k := indexOutsideQuotes(line, p.prefix); k >= 0 && k < at {
					at, n = k, j
				}
			}
			seg := line[:at]
			if fields != nil {
				seg = fieldsToFlags(seg, fields)
			}
			b.WriteString(seg)
			if n < 0 {
				break
			}
			p := libraryPrefixes[n]
			if !p.drop {
				b.WriteString(p.prefix)
			}
			fields = p.fields
			line = line[at+len(p.prefix):]
		}
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}

// indexOutsideQuotes is strings.Index(s, sub), skipping the text in
// double quotes (a value, which may hold anything).
func indexOutsideQuotes(s, sub string) int {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case quoted && s[i] == '\\':
			i++
		case s[i] == '"':
			quoted = !quoted
		case !quoted && strings.HasPrefix(s[i:], sub):
			return i
		}
	}
	return -1
}

// fieldsToFlags replaces in text, a library's message, each word that is
// a field of fields with its flag. Text in double quotes (a value, as %q
// writes it) and in parentheses (a server's message, an example) is left
// as it is; so is a word that is part of a longer one, a path or a flag.
func fieldsToFlags(text string, fields map[string]string) string {
	var b strings.Builder
	depth := 0 // of parentheses
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(text) && text[j] != '"' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(text))
			b.WriteString(text[i:j])
			i = j
			continue
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0 && isFieldByte(c) && (i == 0 || text[i-1] == ' '):
			j := i
			for j < len(text) && isFieldByte(text[j]) {
				j++
			}
			word := strings.TrimRight(text[i:j], ".")
			end := i + len(word)
			if flag, ok := fields[word]; ok && (end == len(text) || strings.IndexByte(" :;,.", text[end]) >= 0) {
				b.WriteString(flag)
			} else {
				b.WriteString(word)
			}
			i = end
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// isFieldByte tells whether c may be part of a field's name (a nested
// one, SizeEstimates.Skew, included).
func isFieldByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}
