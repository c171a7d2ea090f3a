package kql

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of a Token.
type Kind int

// The token kinds the tokenizer tells apart.
const (
	KindEOF      Kind = iota
	KindIdent         // a name or keyword: where, SigninLogs, project-away
	KindString        // a string literal in any form; Value is its decoded text
	KindNumber        // an int, long or real, with a timespan unit if any (90m, 1.5d)
	KindLiteral       // a typed literal with raw content: datetime(...), timespan(...), guid(...)
	KindOperator      // an operator or punctuation: |, ==, !=, =~, !~, (, ), ,, ...
)

// String names the kind, for test failures.
func (k Kind) String() string {
	switch k {
	case KindEOF:
		return "eof"
	case KindIdent:
		return "ident"
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindLiteral:
		return "literal"
	case KindOperator:
		return "operator"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Token is one token of a query.
type Token struct {
	Kind Kind
	Text string // as written
	// Value is a string literal's decoded text, a typed literal's content
	// (the text between its parentheses), and Text for the other kinds.
	Value string
	Pos   int // byte offset of Text in the query
}

// operators are the operator and punctuation tokens, longest first so that
// the first match is the longest.
var operators = []string{
	"==", "!=", "=~", "!~", "<=", ">=", "<>", "=>", "..",
	"|", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", "{", "}", ",", ";", ".", ":", "~", "?", "!",
}

// typedLiterals are the type names whose parenthesised raw content is one
// literal token in KQL (datetime(2025-01-09T08:00:00Z), timespan(1.02:03),
// guid(...)), not an expression.
var typedLiterals = map[string]bool{
	"datetime": true, "date": true, "timespan": true, "time": true, "guid": true, "uuid": true, "uniqueid": true,
	"bool": true, "boolean": true, "int": true, "long": true, "real": true, "double": true, "decimal": true,
}

// hyphenated are the keywords KQL spells with a hyphen; the tokenizer reads
// each as one identifier, as KQL does.
var hyphenated = map[string]bool{
	"project-away": true, "project-keep": true, "project-rename": true, "project-reorder": true,
	"mv-expand": true, "mv-apply": true, "make-series": true, "parse-where": true, "parse-kv": true,
	"top-nested": true, "top-hitters": true, "make-graph": true, "graph-match": true,
}

// Tokenize splits a KQL query into tokens, ending with a KindEOF token. It
// skips white space and // comments, reads string literals in every form KQL
// has ("..." and '...' with backslash escapes, @"..." and @'...' verbatim
// with doubled quotes, ```...``` and ~~~...~~~ multi-line, each optionally
// h- or H-prefixed for obfuscation) and decodes them, and refuses what KQL
// would refuse: an unterminated literal, an unknown escape, a raw line end in
// a one-line literal, a character that starts no token.
func Tokenize(src string) ([]Token, error) {
	var out []Token
	i := 0
	for {
		i = skipSpace(src, i)
		if i >= len(src) {
			return append(out, Token{Kind: KindEOF, Pos: len(src)}), nil
		}
		tok, err := next(src, i)
		if err != nil {
			return out, err
		}
		out = append(out, tok)
		i = tok.Pos + len(tok.Text)
	}
}

// skipSpace skips white space and // comments from i.
func skipSpace(src string, i int) int {
	for i < len(src) {
		switch {
		case src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r':
			i++
		case strings.HasPrefix(src[i:], "//"):
			if j := strings.IndexAny(src[i:], "\r\n"); j >= 0 {
				i += j
			} else {
				i = len(src)
			}
		default:
			return i
		}
	}
	return i
}

// next reads the token that starts at i (not white space).
func next(src string, i int) (Token, error) {
	c := src[i]
	rest := src[i:]
	switch {
	case (c == 'h' || c == 'H') && startsString(src, i+1):
		tok, err := stringAt(src, i+1)
		tok.Text, tok.Pos = src[i:i+1]+tok.Text, i
		return tok, err
	case startsString(src, i):
		return stringAt(src, i)
	case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
		return numberAt(src, i), nil
	case c == '!' && i+1 < len(src) && isIdentStart(rune(src[i+1])):
		// !in, !has, !contains, !startswith, !between: one operator.
		end := identEnd(src, i+1)
		if end < len(src) && src[end] == '~' {
			end++
		}
		return Token{Kind: KindOperator, Text: src[i:end], Value: src[i:end], Pos: i}, nil
	}
	if r, _ := utf8.DecodeRuneInString(rest); isIdentStart(r) {
		return identAt(src, i)
	}
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			return Token{Kind: KindOperator, Text: op, Value: op, Pos: i}, nil
		}
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return Token{}, fmt.Errorf("kql: offset %d: %q starts no token", i, r)
}

// startsString reports whether a string literal starts at i.
func startsString(src string, i int) bool {
	if i >= len(src) {
		return false
	}
	switch src[i] {
	case '"', '\'':
		return true
	case '@':
		return i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\'')
	case '`':
		return strings.HasPrefix(src[i:], "```")
	case '~':
		return strings.HasPrefix(src[i:], "~~~")
	}
	return false
}

// stringAt reads the string literal that starts at i.
func stringAt(src string, i int) (Token, error) {
	switch {
	case strings.HasPrefix(src[i:], "```") || strings.HasPrefix(src[i:], "~~~"):
		fence := src[i : i+3]
		j := strings.Index(src[i+3:], fence)
		if j < 0 {
			return Token{}, fmt.Errorf("kql: offset %d: multi-line string literal has no closing %s", i, fence)
		}
		end := i + 3 + j + 3
		return Token{Kind: KindString, Text: src[i:end], Value: src[i+3 : i+3+j], Pos: i}, nil
	case src[i] == '@':
		return verbatimAt(src, i)
	}
	return quotedAt(src, i)
}

// verbatimAt reads @"..." or @'...': no escapes, the quote doubled stands
// for itself, no line end.
func verbatimAt(src string, i int) (Token, error) {
	q := src[i+1]
	var v strings.Builder
	for j := i + 2; j < len(src); j++ {
		switch src[j] {
		case q:
			if j+1 < len(src) && src[j+1] == q {
				v.WriteByte(q)
				j++
				continue
			}
			return Token{Kind: KindString, Text: src[i : j+1], Value: v.String(), Pos: i}, nil
		case '\n', '\r':
			return Token{}, fmt.Errorf("kql: offset %d: line end in a verbatim string literal", j)
		}
		v.WriteByte(src[j])
	}
	return Token{}, fmt.Errorf("kql: offset %d: verbatim string literal is not terminated", i)
}

// escapes are the backslash escapes of a quoted literal (KQL documents
// \\ \" \' \t \n; \r is accepted by the service as well).
var escapes = map[byte]byte{'\\': '\\', '"': '"', '\'': '\'', 't': '\t', 'n': '\n', 'r': '\r'}

// quotedAt reads "..." or '...': a backslash escapes, no line end.
func quotedAt(src string, i int) (Token, error) {
	q := src[i]
	var v strings.Builder
	for j := i + 1; j < len(src); j++ {
		switch c := src[j]; c {
		case q:
			return Token{Kind: KindString, Text: src[i : j+1], Value: v.String(), Pos: i}, nil
		case '\\':
			if j+1 >= len(src) {
				return Token{}, fmt.Errorf("kql: offset %d: string literal ends in an escape", j)
			}
			e, ok := escapes[src[j+1]]
			if !ok {
				return Token{}, fmt.Errorf("kql: offset %d: unknown escape \\%c", j, src[j+1])
			}
			v.WriteByte(e)
			j++
		case '\n', '\r':
			return Token{}, fmt.Errorf("kql: offset %d: line end in a string literal", j)
		default:
			v.WriteByte(c)
		}
	}
	return Token{}, fmt.Errorf("kql: offset %d: string literal is not terminated", i)
}

// numberAt reads digits, a fraction, an exponent, and a unit suffix
// (timespan units such as d, h, m, s, ms, tick) glued to them.
func numberAt(src string, i int) Token {
	j := i
	if strings.HasPrefix(src[j:], "0x") || strings.HasPrefix(src[j:], "0X") {
		j += 2
		for j < len(src) && isHex(src[j]) {
			j++
		}
		return Token{Kind: KindNumber, Text: src[i:j], Value: src[i:j], Pos: i}
	}
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	if j+1 < len(src) && src[j] == '.' && isDigit(src[j+1]) {
		j++
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && isDigit(src[k]) {
			for j = k; j < len(src) && isDigit(src[j]); j++ {
			}
		}
	}
	for j < len(src) && isLetter(src[j]) {
		j++
	}
	return Token{Kind: KindNumber, Text: src[i:j], Value: src[i:j], Pos: i}
}

// identAt reads a name, a hyphenated keyword, or a typed literal such as
// datetime(2025-01-09T08:00:00Z) whose content holds no quote or parenthesis.
func identAt(src string, i int) (Token, error) {
	end := identEnd(src, i)
	word := src[i:end]
	if end < len(src) && src[end] == '-' {
		if e2 := identEnd(src, end+1); e2 > end+1 && hyphenated[strings.ToLower(src[i:e2])] {
			return Token{Kind: KindIdent, Text: src[i:e2], Value: src[i:e2], Pos: i}, nil
		}
	}
	if typedLiterals[strings.ToLower(word)] {
		j := skipSpace(src, end)
		if j < len(src) && src[j] == '(' {
			if k := strings.IndexAny(src[j+1:], "()\"'`"); k >= 0 && src[j+1+k] == ')' {
				close := j + 1 + k
				return Token{Kind: KindLiteral, Text: src[i : close+1], Value: strings.TrimSpace(src[j+1 : close]), Pos: i}, nil
			}
		}
	}
	return Token{Kind: KindIdent, Text: word, Value: word, Pos: i}, nil
}

// identEnd returns the end of the identifier that starts at i.
func identEnd(src string, i int) int {
	j := i
	for j < len(src) {
		r, size := utf8.DecodeRuneInString(src[j:])
		if !isIdentStart(r) && !unicode.IsDigit(r) {
			break
		}
		j += size
	}
	return j
}

func isIdentStart(r rune) bool { return r == '_' || r == '$' || unicode.IsLetter(r) }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isLetter(c byte) bool     { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isHex(c byte) bool        { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') }
