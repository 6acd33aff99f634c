package cqlparse

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokenKind classifies a token.
type tokenKind int

const (
	tokEOF      tokenKind = iota
	tokIdent              // unquoted identifier or keyword; val is lower-cased
	tokQIdent             // "quoted" identifier; val is unescaped, case kept
	tokString             // '...' or $$...$$; val is the unescaped content
	tokInteger            // 42 (no sign: '-' is its own token)
	tokFloat              // 1.5, 2e10, 1.
	tokUUID               // 8-4-4-4-12 hex digits
	tokHex                // 0xCAFE; val holds the digits without 0x
	tokDuration           // 1h30m, 12mo
	tokQMark              // ?
	tokPunct              // ( ) [ ] { } , ; . = < > <= >= != + - * :
)

// token is one lexical element. pos and end are byte offsets of the token
// text in the source, so src[pos:end] is the text as written.
type token struct {
	kind     tokenKind
	val      string
	pos, end int
}

// maxShownToken bounds the offending-token text quoted in error messages:
// the input is untrusted and a literal may be megabytes long.
const maxShownToken = 64

// lexer turns CQL text into tokens in one linear pass.
type lexer struct {
	src  string
	pos  int
	toks []token
}

// lex returns the tokens of src followed by one tokEOF token, or a
// *SyntaxError for text that is not a CQL token.
func lex(src string) ([]token, error) {
	l := &lexer{src: src}
	for {
		if err := l.skipSpaceAndComments(); err != nil {
			return nil, err
		}
		if l.pos >= len(l.src) {
			l.toks = append(l.toks, token{kind: tokEOF, pos: len(src), end: len(src)})
			return l.toks, nil
		}
		if err := l.lexToken(); err != nil {
			return nil, err
		}
	}
}

func (l *lexer) emit(kind tokenKind, val string, start int) {
	l.toks = append(l.toks, token{kind: kind, val: val, pos: start, end: l.pos})
}

func (l *lexer) skipSpaceAndComments() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case strings.HasPrefix(l.src[l.pos:], "--") || strings.HasPrefix(l.src[l.pos:], "//"):
			nl := strings.IndexByte(l.src[l.pos:], '\n')
			if nl < 0 {
				l.pos = len(l.src)
			} else {
				l.pos += nl + 1
			}
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				l.pos = len(l.src)
				return l.errEOF('*')
			}
			l.pos += 2 + end + 2
		default:
			return nil
		}
	}
	return nil
}

func (l *lexer) lexToken() error {
	start := l.pos
	c := l.src[l.pos]
	switch {
	case isHexDigit(c) && isUUIDAt(l.src, l.pos):
		l.pos += uuidLen
		l.emit(tokUUID, l.src[start:l.pos], start)
		return nil
	case isLetter(c):
		for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
			l.pos++
		}
		l.emit(tokIdent, strings.ToLower(l.src[start:l.pos]), start)
		return nil
	case isDigit(c):
		return l.lexNumber()
	case c == '"':
		return l.lexQuoted('"', tokQIdent)
	case c == '\'':
		return l.lexQuoted('\'', tokString)
	case c == '$' && strings.HasPrefix(l.src[l.pos:], "$$"):
		end := strings.Index(l.src[l.pos+2:], "$$")
		if end < 0 {
			l.pos = len(l.src)
			return l.errEOF('$')
		}
		l.pos += 2 + end + 2
		l.emit(tokString, l.src[start+2:l.pos-2], start)
		return nil
	case c == '?':
		l.pos++
		l.emit(tokQMark, "?", start)
		return nil
	}
	if l.pos+1 < len(l.src) && l.src[l.pos+1] == '=' && (c == '<' || c == '>' || c == '!') {
		l.pos += 2
		l.emit(tokPunct, l.src[start:l.pos], start)
		return nil
	}
	if strings.IndexByte("()[]{},;.=<>+-*:", c) >= 0 {
		l.pos++
		l.emit(tokPunct, l.src[start:l.pos], start)
		return nil
	}
	return l.errChar(start)
}

// lexNumber scans an integer, a float, a 0x hex blob or a duration such as
// 1h30m. A leading '-' is a separate token; the parser folds it into the
// literal.
func (l *lexer) lexNumber() error {
	start := l.pos
	l.skipDigits()
	if l.src[start:l.pos] == "0" && l.pos < len(l.src) && (l.src[l.pos] == 'x' || l.src[l.pos] == 'X') {
		l.pos++
		digits := l.pos
		for l.pos < len(l.src) && isHexDigit(l.src[l.pos]) {
			l.pos++
		}
		l.emit(tokHex, l.src[digits:l.pos], start)
		return nil
	}
	float := false
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		float = true
		l.pos++
		l.skipDigits()
	}
	if l.atExponent() {
		float = true
		l.pos++
		if l.src[l.pos] == '+' || l.src[l.pos] == '-' {
			l.pos++
		}
		l.skipDigits()
	}
	if float {
		l.emit(tokFloat, l.src[start:l.pos], start)
		return nil
	}
	if l.pos < len(l.src) && isUnitStart(l.src, l.pos) {
		return l.lexDuration(start)
	}
	l.emit(tokInteger, l.src[start:l.pos], start)
	return nil
}

// lexDuration continues a duration whose leading digits are already
// consumed: (unit digits)* unit. If the first word is not a unit the
// digits are an integer.
func (l *lexer) lexDuration(start int) error {
	for first := true; ; first = false {
		unitStart := l.pos
		for l.pos < len(l.src) && isUnitStart(l.src, l.pos) {
			if l.src[l.pos] == 0xC2 { // µ is two bytes
				l.pos++
			}
			l.pos++
		}
		if !isDurationUnit(strings.ToLower(l.src[unitStart:l.pos])) {
			if first {
				// Not a duration: an integer glued to a word, as in
				// "k=1AND c=2". The word is the next token.
				l.pos = unitStart
				l.emit(tokInteger, l.src[start:l.pos], start)
				return nil
			}
			return l.errChar(unitStart)
		}
		if l.pos >= len(l.src) || !isDigit(l.src[l.pos]) {
			break
		}
		l.skipDigits()
		if l.pos >= len(l.src) || !isUnitStart(l.src, l.pos) {
			return l.errChar(l.pos)
		}
	}
	l.emit(tokDuration, l.src[start:l.pos], start)
	return nil
}

// isDurationUnit reports whether u (lower-cased) is a unit suffix of a CQL
// duration.
func isDurationUnit(u string) bool {
	switch u {
	case "y", "mo", "w", "d", "h", "m", "s", "ms", "us", "µs", "ns":
		return true
	}
	return false
}

func (l *lexer) skipDigits() {
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
}

func (l *lexer) atExponent() bool {
	s, i := l.src, l.pos
	if i >= len(s) || (s[i] != 'e' && s[i] != 'E') {
		return false
	}
	i++
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	return i < len(s) && isDigit(s[i])
}

// lexQuoted scans a string ('...') or quoted identifier ("...") in which
// the quote character is escaped by doubling it.
func (l *lexer) lexQuoted(q byte, kind tokenKind) error {
	start := l.pos
	l.pos++
	var b strings.Builder
	chunk := l.pos
	for {
		i := strings.IndexByte(l.src[l.pos:], q)
		if i < 0 {
			l.pos = len(l.src)
			return l.errEOF(rune(q))
		}
		l.pos += i + 1
		if l.pos < len(l.src) && l.src[l.pos] == q {
			b.WriteString(l.src[chunk:l.pos])
			l.pos++
			chunk = l.pos
			continue
		}
		b.WriteString(l.src[chunk : l.pos-1])
		break
	}
	val := b.String()
	if kind == tokQIdent && val == "" {
		return syntaxErrorf(l.src, start, "no viable alternative at input '%s'", l.src[start:l.pos])
	}
	l.emit(kind, val, start)
	return nil
}

func (l *lexer) errEOF(want rune) error {
	return syntaxErrorf(l.src, len(l.src), "mismatched character '<EOF>' expecting '%c'", want)
}

func (l *lexer) errChar(pos int) error {
	if pos >= len(l.src) {
		return syntaxErrorf(l.src, pos, "no viable alternative at character '<EOF>'")
	}
	r, _ := utf8.DecodeRuneInString(l.src[pos:])
	return syntaxErrorf(l.src, pos, "no viable alternative at character '%c'", r)
}

// syntaxErrorf builds a *SyntaxError located at byte offset pos of src.
// The message is prefixed with "line L:C " where C is the 0-based
// character (rune) column, as ANTLR reports it.
func syntaxErrorf(src string, pos int, format string, args ...any) *SyntaxError {
	line, col := position(src, pos)
	msg := fmt.Sprintf("line %d:%d ", line, col) + fmt.Sprintf(format, args...)
	return &SyntaxError{Line: line, Col: col, Msg: msg}
}

// position converts a byte offset into a 1-based line and a 0-based rune
// column.
func position(src string, pos int) (line, col int) {
	pos = min(max(pos, 0), len(src))
	before := src[:pos]
	line = 1 + strings.Count(before, "\n")
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCountInString(before[lineStart:])
}

// shown returns text for an error message, shortened when very long.
func shown(text string) string {
	if len(text) <= maxShownToken {
		return text
	}
	cut := maxShownToken
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "..."
}

const uuidLen = 36

// isUUIDAt reports whether s[i:] starts with 8-4-4-4-12 hex digits.
func isUUIDAt(s string, i int) bool {
	if len(s)-i < uuidLen {
		return false
	}
	for j := range uuidLen {
		c := s[i+j]
		switch j {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHexDigit(c) {
				return false
			}
		}
	}
	return true
}

// isUnitStart reports whether s[i:] starts with a duration unit letter
// (an ASCII letter or µ).
func isUnitStart(s string, i int) bool {
	return isLetter(s[i]) || (s[i] == 0xC2 && i+1 < len(s) && s[i+1] == 0xB5)
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isLetter(c byte) bool    { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isIdentChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }
func isHexDigit(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
