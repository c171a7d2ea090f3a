// Package kql builds the Kusto (KQL) text the Log Analytics source sends to
// a workspace: the literals (String is the one door through which any text
// of a caller's enters a query), the queries themselves, and a tokenizer
// written from the KQL grammar that proves a literal reads back as exactly
// its input. It is pure Go and imports no Azure SDK, so that the fake query
// endpoint and the tests read the same text the source sends.
package kql

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxStringBytes bounds a string literal's value, in bytes of UTF-8: the
// longest value this server asks about (a UPN, an app name, a GUID, an IP)
// is far shorter, and a bound keeps one filter from filling the query.
const MaxStringBytes = 1024

// The rules a value must follow to become a string literal; LiteralError.Rule
// names the one it broke.
const (
	RuleLength  = "length"
	RuleUTF8    = "utf-8"
	RuleControl = "control character"
)

// accepted says, in every refusal, what String takes.
const accepted = "accepted: valid UTF-8 text of at most 1024 bytes without control characters (tab, newline, U+0000-U+001F, U+007F-U+009F, U+2028, U+2029)"

// LiteralError is String's refusal: which rule the value broke, where, and
// what is accepted. The tools turn it into an argument error.
type LiteralError struct {
	Rule   string // RuleLength, RuleUTF8 or RuleControl
	Offset int    // byte offset of the offending character (the length for RuleLength)
	Detail string
}

// Error says which rule was broken and what is accepted.
func (e *LiteralError) Error() string {
	return fmt.Sprintf("kql string literal: %s: %s (%s)", e.Rule, e.Detail, accepted)
}

// String returns v as a KQL string literal, or a *LiteralError when v is too
// long, not valid UTF-8 or holds a control character.
//
// The form is the plain double-quoted literal. In the KQL grammar a
// double-quoted literal ends at the first " not preceded by an escaping
// backslash, a backslash starts an escape (\\ \" \' \t \n), and a raw
// newline or carriage return cannot occur in it. So once control characters
// are refused (they are the only characters that would need \t or \n, and a
// raw CR or LF would end the literal with an error), escaping \ as \\ and "
// as \" is all that is needed: every other character stands for itself, and
// the literal can only end at the closing quote we write. The other forms
// were set aside: a single-quoted literal is the same rule with ' for ";
// a verbatim @"..." (quotes doubled, no escapes) would be as safe, but the
// plain form is the one KQL's documentation and readers of a query expect;
// a multi-line ```...``` literal cannot hold ``` at all; and an h-prefixed
// (obfuscated) literal only hides the value from the service's query logs,
// which these values (UPNs, app names, IDs) do not need.
func String(v string) (string, error) {
	if len(v) > MaxStringBytes {
		return "", &LiteralError{Rule: RuleLength, Offset: len(v), Detail: fmt.Sprintf("%d bytes, more than %d", len(v), MaxStringBytes)}
	}
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for i, r := range v {
		switch {
		case r == utf8.RuneError && !validAt(v, i):
			return "", &LiteralError{Rule: RuleUTF8, Offset: i, Detail: fmt.Sprintf("invalid UTF-8 at byte %d", i)}
		case isControl(r):
			return "", &LiteralError{Rule: RuleControl, Offset: i, Detail: fmt.Sprintf("%U at byte %d", r, i)}
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// validAt reports whether the U+FFFD decoded at v[i:] is really there (three
// bytes of UTF-8) rather than the marker of an invalid byte.
func validAt(v string, i int) bool {
	_, size := utf8.DecodeRuneInString(v[i:])
	return size == 3
}

// isControl reports the characters String refuses: the C0 and C1 controls
// and DEL (Unicode category Cc, which holds tab, LF and CR), and the line and
// paragraph separators, which some readers of a query treat as line ends.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0x2028 || r == 0x2029
}

// minTime and maxTime bound KQL's datetime type (0001-01-01 to 9999-12-31).
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999900, time.UTC)
)

// Tick is KQL's datetime resolution: 100 ns.
const Tick = 100 * time.Nanosecond

// DateTime returns t as a KQL datetime literal in UTC with seven fractional
// digits, datetime(2025-01-09T08:00:00.0000000Z). t is truncated to the
// 100 ns tick KQL stores, and clamped to the datetime range: a bound beyond
// it selects what the range's end selects.
func DateTime(t time.Time) string {
	t = t.UTC()
	if t.Before(minTime) {
		t = minTime
	}
	if t.After(maxTime) {
		t = maxTime
	}
	return "datetime(" + t.Truncate(Tick).Format("2006-01-02T15:04:05.0000000Z") + ")"
}

// Int returns n as a KQL long literal.
func Int(n int64) string {
	return strconv.FormatInt(n, 10)
}
