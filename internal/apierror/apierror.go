// Package apierror is the explained error answer of a remote API that a
// source reads (Microsoft Graph, Log Analytics): the status, the service's
// error code and request ID, and what to do about it. The service's message
// is text a stranger may have shaped (it can echo a request), so it is
// cleaned, clipped and stripped of anything token-like before it is shown.
package apierror

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// Error is a service's answer other than success, explained.
type Error struct {
	Service   string // who answered: "Microsoft Graph", "Log Analytics"
	Status    int
	Code      string
	Message   string
	RequestID string
	RetryIn   time.Duration // from Retry-After, when the service gave one
	Fix       string        // what to do, for an admin and a model
}

// messageLimit clips the service's message, in characters.
const messageLimit = 300

// Error renders the explanation for a model and an admin.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s answered %d", cmp.Or(e.Service, "the service"), e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " (%s)", Redact(logtext.Clean(e.Message, messageLimit)))
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, ", request-id %s", e.RequestID)
	}
	if e.Fix != "" {
		fmt.Fprintf(&b, ". %s", e.Fix)
	}
	return b.String()
}

// bearerRe finds bearer tokens that a message might echo.
var bearerRe = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/=-]+`)

// Redact removes anything token-like from a message.
func Redact(s string) string { return bearerRe.ReplaceAllString(s, "Bearer [redacted]") }
