package tools

import (
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// quoted renders a log-derived or caller-given value for a text summary:
// cleaned, capped at logtext.MaxName runes and quoted, so that it reads as a
// value and never as a sentence of ours; "-" when empty. Sources have already
// cleaned what they return (signin.Sanitize); cleaning again here costs
// nothing on clean text and keeps summaries safe over any Source.
func quoted(s string) string {
	if s == "" {
		return "-"
	}
	return logtext.Quote(s, logtext.MaxName)
}

// quotedList renders values as quoted joined by ", ", or "-" when empty.
func quotedList(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = quoted(s)
	}
	return strings.Join(out, ", ")
}
