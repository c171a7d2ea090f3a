package graph

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestErrorMessageClippedOnRunes: a long Graph message of multi-byte text is
// cut between characters, never inside one, and loses its line breaks.
func TestErrorMessageClippedOnRunes(t *testing.T) {
	for _, msg := range []string{strings.Repeat("é", 400), "x" + strings.Repeat("日本", 300), "line one\nline two\x1b[2J"} {
		got := (&Error{Status: 403, Code: "Authorization_RequestDenied", Message: msg}).Error()
		if !utf8.ValidString(got) {
			t.Errorf("Error() is not valid UTF-8: %q", got)
		}
		if strings.ContainsAny(got, "\n\x1b") {
			t.Errorf("Error() keeps a control character: %q", got)
		}
		if n := utf8.RuneCountInString(got); n > 400 {
			t.Errorf("Error() has %d runes, want the message clipped to 300", n)
		}
	}
}
