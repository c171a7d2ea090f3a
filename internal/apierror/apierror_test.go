package apierror

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestErrorText: the service, status, code, request ID and fix are named; a
// long message of multi-byte text is clipped between characters, loses its
// control characters, and never shows a bearer token it echoed.
func TestErrorText(t *testing.T) {
	e := &Error{Service: "Log Analytics", Status: 403, Code: "InsufficientAccessError", RequestID: "r-1", Fix: "Assign the role",
		Message: "denied for Bearer eyJ0eXAiOiJKV1Qi.abc.def\nline two\x1b[2J " + strings.Repeat("日本", 300)}
	got := e.Error()
	for _, want := range []string{"Log Analytics answered 403 InsufficientAccessError (", "Bearer [redacted]", ", request-id r-1. Assign the role"} {
		if !strings.Contains(got, want) {
			t.Errorf("Error() = %q, want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "eyJ0eXAi") || strings.ContainsAny(got, "\n\x1b") || !utf8.ValidString(got) {
		t.Errorf("Error() = %q: a token, a control character or broken UTF-8 got through", got)
	}
	if n := utf8.RuneCountInString(got); n > messageLimit+100 {
		t.Errorf("Error() has %d runes, want the message clipped to %d", n, messageLimit)
	}
}
