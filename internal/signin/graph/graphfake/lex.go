package graphfake

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// tokType is the type of a $filter token.
type tokType int

const (
	tokEOF    tokType = iota
	tokIdent          // a name: property, keyword, function or lambda variable
	tokString         // 'single-quoted', with '' for a quote
	tokInt            // 123, -5
	tokTime           // 2025-01-09T00:00:00Z or 2025-01-09 (unquoted)
	tokLParen
	tokRParen
	tokComma
	tokSlash
	tokColon
)

// token is one lexeme of a $filter; pos is its byte offset in the input.
type token struct {
	typ  tokType
	text string // the source text (for tokString: the decoded value)
	pos  int
	i    int64     // tokInt
	t    time.Time // tokTime
}

func (t token) describe() string {
	switch t.typ {
	case tokEOF:
		return "end of filter"
	case tokString:
		return "string " + Quote(t.text)
	case tokLParen, tokRParen, tokComma, tokSlash, tokColon:
		return "'" + t.text + "'"
	}
	return "'" + t.text + "'"
}

// lex splits src into tokens. It works on bytes, so any byte sequence is
// accepted inside a string literal; everything outside one must be the ASCII
// of the OData grammar.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(' || c == ')' || c == ',' || c == '/' || c == ':':
			typ := map[byte]tokType{'(': tokLParen, ')': tokRParen, ',': tokComma, '/': tokSlash, ':': tokColon}[c]
			toks = append(toks, token{typ: typ, text: string(c), pos: i})
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(src) {
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(src[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string literal starting at position %d (a quote inside a value is written as '')", start)
			}
			toks = append(toks, token{typ: tokString, text: b.String(), pos: start})
			if i < len(src) && isIdentByte(src[i]) {
				return nil, fmt.Errorf("unexpected %q right after the string literal at position %d", src[i], start)
			}
		case isDigit(c) || (c == '-' && i+1 < len(src) && isDigit(src[i+1])):
			t, n, err := lexNumberOrTime(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += n
		case isIdentStart(c):
			start := i
			for i < len(src) && isIdentByte(src[i]) {
				i++
			}
			toks = append(toks, token{typ: tokIdent, text: src[start:i], pos: start})
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", rune(c), i)
		}
	}
	toks = append(toks, token{typ: tokEOF, pos: len(src)})
	return toks, nil
}

// lexNumberOrTime reads an integer, or an unquoted date (2025-01-09) or
// date-time (2025-01-09T00:00:00Z, fractional seconds and offsets allowed)
// starting at src[i]. It returns the token and the bytes it used.
func lexNumberOrTime(src string, i int) (token, int, error) {
	start := i
	j := i
	if src[j] == '-' {
		j++
	}
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	if src[start] != '-' && j-start == 4 && j < len(src) && src[j] == '-' {
		// A date or date-time: take the run of characters they can hold.
		for j < len(src) && (isDigit(src[j]) || strings.IndexByte("-:.TZtz+", src[j]) >= 0) {
			j++
		}
		text := src[start:j]
		if j < len(src) && isIdentByte(src[j]) {
			return token{}, 0, fmt.Errorf("invalid date-time literal %q at position %d", src[start:j+1], start)
		}
		t, err := parseTimeLiteral(text)
		if err != nil {
			return token{}, 0, fmt.Errorf("invalid date-time literal %q at position %d: use the form 2025-01-09T00:00:00Z", text, start)
		}
		return token{typ: tokTime, text: text, pos: start, t: t}, j - start, nil
	}
	text := src[start:j]
	if j < len(src) && (isIdentByte(src[j]) || src[j] == '.') {
		end := j
		for end < len(src) && (isIdentByte(src[end]) || src[end] == '.' || src[end] == '-') {
			end++
		}
		return token{}, 0, fmt.Errorf("invalid number %q at position %d (strings, IDs and GUIDs are quoted: '...')", src[start:end], start)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return token{}, 0, fmt.Errorf("integer %s at position %d is out of range: %w", text, start, err)
	}
	return token{typ: tokInt, text: text, pos: start, i: n}, j - start, nil
}

// parseTimeLiteral parses an OData DateTimeOffset (seconds and fractions
// optional, Z or an offset required) or a Date (taken as midnight UTC).
func parseTimeLiteral(s string) (time.Time, error) {
	if len(s) == len("2006-01-02") {
		return time.Parse("2006-01-02", s)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04Z07:00", s)
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentByte(c byte) bool  { return isIdentStart(c) || isDigit(c) }
