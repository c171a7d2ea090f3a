package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/guid"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// MaxCodeDigits is the longest code accepted. Real codes have five to seven
// digits; ten leaves room for new blocks while rejecting pasted IDs and noise.
const MaxCodeDigits = 10

// Reference is what a user or model handed us to look up: the code, and when
// a whole error message was pasted, the identifiers it carried.
type Reference struct {
	Code          int
	TraceID       string
	CorrelationID string
	Timestamp     string
}

// ErrNoCode is returned (wrapped) when the input holds no error code.
var ErrNoCode = errors.New("no error code found")

// Accepted describes the accepted input forms, for error messages.
const Accepted = `a non-negative integer of at most 10 digits (50126), "AADSTS50126", or an error message that contains "AADSTS<digits>"`

var (
	digitsOnly  = regexp.MustCompile(`^[0-9]+$`)
	aadstsToken = regexp.MustCompile(`(?i)\bAADSTS(-?[0-9]+)`)
	traceIDRe   = regexp.MustCompile(`(?i)trace[ _-]?id["']?\s*[:=]\s*["']?(` + guid.Pattern + `)`)
	corrIDRe    = regexp.MustCompile(`(?i)correlation[ _-]?id["']?\s*[:=]\s*["']?(` + guid.Pattern + `)`)
	timestampRe = regexp.MustCompile(`(?i)timestamp["']?\s*[:=]\s*["']?([0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)`)
)

// ParseCode reads a code from its text forms: "50126", "AADSTS50126", or a
// pasted error message such as
//
//	AADSTS50126: Error validating credentials ... Trace ID: ... Correlation ID: ... Timestamp: 2025-01-09 02:02:12Z
//
// from which the trace ID, correlation ID and timestamp are returned too.
func ParseCode(text string) (Reference, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return Reference{}, fmt.Errorf("%w: the input is empty; give %s", ErrNoCode, Accepted)
	}
	if digitsOnly.MatchString(s) {
		code, err := checkDigits(s)
		return Reference{Code: code}, err
	}
	if strings.HasPrefix(s, "-") && digitsOnly.MatchString(s[1:]) {
		return Reference{}, fmt.Errorf("code %s is negative; give %s", logtext.Clip(s, 24), Accepted)
	}
	m := aadstsToken.FindStringSubmatch(s)
	if m == nil {
		return Reference{}, fmt.Errorf("%w in %q; give %s", ErrNoCode, logtext.Clip(s, 80), Accepted)
	}
	if strings.HasPrefix(m[1], "-") {
		return Reference{}, fmt.Errorf("code AADSTS%s is negative; give %s", logtext.Clip(m[1], 24), Accepted)
	}
	code, err := checkDigits(m[1])
	if err != nil {
		return Reference{}, err
	}
	ref := Reference{Code: code}
	if m := traceIDRe.FindStringSubmatch(s); m != nil {
		ref.TraceID = strings.ToLower(m[1])
	}
	if m := corrIDRe.FindStringSubmatch(s); m != nil {
		ref.CorrelationID = strings.ToLower(m[1])
	}
	if m := timestampRe.FindStringSubmatch(s); m != nil {
		ref.Timestamp = m[1]
	}
	return ref, nil
}

// CheckCode validates a code given as a number.
func CheckCode(n int64) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("code %d is negative; give %s", n, Accepted)
	}
	return checkDigits(strconv.FormatInt(n, 10))
}

func checkDigits(d string) (int, error) {
	trimmed := strings.TrimLeft(d, "0")
	if len(trimmed) > MaxCodeDigits {
		return 0, fmt.Errorf("code %s has %d digits, more than the %d accepted; give %s", logtext.Clip(d, 24), len(trimmed), MaxCodeDigits, Accepted)
	}
	if trimmed == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(trimmed)
	if err != nil {
		return 0, fmt.Errorf("code %s is not a number; give %s", logtext.Clip(d, 24), Accepted)
	}
	return n, nil
}
