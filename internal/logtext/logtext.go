// Package logtext holds the one treatment of text that strangers wrote: user
// names, display names, user agents, failure reasons, additional details, app
// and device names from sign-in logs, and values a caller pasted. Such text is
// data, never instructions: before it reaches a model it is cleaned of control
// characters and terminal escape sequences, its line breaks are collapsed, and
// its length is capped. The package is a leaf: it imports nothing of ours, so
// that the catalog, the domain and every source can use it.
package logtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis ends a clipped text.
const Ellipsis = "…"

// Clip returns s cut to at most n runes, the last of them an ellipsis when
// anything was cut. It never splits a UTF-8 sequence; n < 1 gives "".
func Clip(s string, n int) string {
	if n < 1 {
		return ""
	}
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, runes := 0, 0
	for i := range s {
		if runes == n-1 {
			cut = i
			break
		}
		runes++
	}
	return s[:cut] + Ellipsis
}

// Field caps for cleaned log text: names and identifiers are short; failure
// reasons, additional details and user agents run longer.
const (
	MaxName   = 256
	MaxDetail = 1024
)

// Clean makes log-derived text safe to show a model or a terminal, and caps
// it at n runes: escape sequences (CSI, OSC and two-byte ESC forms) and every
// other control or format character (including bidirectional overrides and
// zero-width characters) are removed, invalid UTF-8 is replaced, and line
// breaks, tabs and runs of spaces become one space. Clean is idempotent.
func Clean(s string, n int) string {
	if isPlain(s) {
		return Clip(s, n)
	}
	return Clip(clean(s), n)
}

// clean is Clean's slow path, without the cap.
func clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b: // ESC: drop the whole sequence it starts
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // C1 CSI
			i += size + csiBodyLen(s[i+size:])
			continue
		case r == utf8.RuneError && size == 1:
			r = unicode.ReplacementChar
		case unicode.IsSpace(r):
			space = b.Len() > 0
			i += size
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			i += size
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// isPlain reports whether s needs no cleaning, checked without allocating:
// printable ASCII with single inner spaces (the common case, byte by byte),
// or valid UTF-8 without control, format or space characters other than
// single inner spaces (accented names, text Clean already clipped).
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return isPlainUnicode(s[i:])
		}
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ') {
			return false
		}
	}
	return true
}

// isPlainUnicode is isPlain's rune-by-rune rest, for s after its first
// non-ASCII byte (an inner position: the text before it was checked).
func isPlainUnicode(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return false
		case r == ' ':
			if i+size == len(s) || s[i+size] == ' ' {
				return false
			}
		case unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return false
		}
		i += size
	}
	return true
}

// escapeLen is the length of the escape sequence at the start of s (s[0] is ESC).
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[': // CSI: parameters and intermediates, then a final byte
		return 2 + csiBodyLen(s[2:])
	case ']', 'P', '^', '_', 'X': // OSC, DCS, PM, APC: up to BEL or ST
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return len(s)
	}
	return 2 // a two-byte escape such as ESC c or ESC 7
}

// csiBodyLen is the length of a CSI sequence's body, its final byte included.
func csiBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x40 && c <= 0x7e {
			return i + 1
		} else if c < 0x20 || c > 0x3f {
			return i // malformed: stop at the first byte that cannot belong
		}
	}
	return len(s)
}

// Quote cleans s, caps it at n runes and quotes it, for text summaries, where
// a value must read as a value and never as a sentence of ours.
func Quote(s string, n int) string {
	return strconv.Quote(Clean(s, n))
}
