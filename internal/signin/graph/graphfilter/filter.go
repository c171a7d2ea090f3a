// Package graphfilter builds the OData $filter that Microsoft Graph's
// /auditLogs/signIns evaluates for a signin.Query. It imports no Graph SDK,
// so it builds and is fuzzed fast. Every string that reaches a filter is
// validated and quoted here; nothing the model sends can change the
// filter's structure.
package graphfilter

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/guid"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// IsGUID reports whether s is a GUID such as an object or app ID.
func IsGUID(s string) bool { return guid.Valid(s) }

// Quote renders s as an OData string literal: single quotes around it, and
// each quote inside doubled.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// MaxValueLength bounds any string value put in a filter.
const MaxValueLength = 256

// checkValue refuses values that could not be a real user, app, IP or
// correlation ID: control characters, and overlong text.
func checkValue(field, v string) error {
	if len(v) > MaxValueLength {
		return fmt.Errorf("%s is longer than %d characters", field, MaxValueLength)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("%s contains a control character; give the plain value", field)
		}
	}
	return nil
}

// Build returns the $filter for q over one sign-in type. eventTypeFilter adds
// the beta lambda that selects the type (v1.0 lists interactive sign-ins only
// and has no signInEventTypes). Failures only: status/errorCode ne 0, unless
// q names a code. The window's end is inclusive at Graph (only ge/le are
// supported on createdDateTime); the exact exclusive end is applied after.
func Build(q signin.Query, t signin.Type, eventTypeFilter bool) (string, error) {
	var parts []string
	if q.User != "" {
		if err := checkValue("user", q.User); err != nil {
			return "", err
		}
		if IsGUID(q.User) {
			parts = append(parts, "userId eq "+Quote(strings.ToLower(q.User)))
		} else if guest := signin.GuestPrefix(q.User); guest != "" {
			// Graph stores UPNs in lower case. An email address may be a
			// guest's home address: their UPN here starts with it, mangled
			// (signin.MatchUser).
			parts = append(parts, "(userPrincipalName eq "+Quote(strings.ToLower(q.User))+
				" or startswith(userPrincipalName, "+Quote(guest)+"))")
		} else {
			parts = append(parts, "userPrincipalName eq "+Quote(strings.ToLower(q.User)))
		}
	}
	if q.App != "" {
		if err := checkValue("app", q.App); err != nil {
			return "", err
		}
		if IsGUID(q.App) {
			parts = append(parts, "appId eq "+Quote(strings.ToLower(q.App)))
		} else {
			parts = append(parts, "appDisplayName eq "+Quote(q.App))
		}
	}
	if q.ErrorCode != nil {
		parts = append(parts, "status/errorCode eq "+strconv.Itoa(*q.ErrorCode))
	} else {
		parts = append(parts, "status/errorCode ne 0")
	}
	if q.IPAddress != "" {
		if err := checkValue("ipAddress", q.IPAddress); err != nil {
			return "", err
		}
		parts = append(parts, "ipAddress eq "+Quote(q.IPAddress))
	}
	if q.CorrelationID != "" {
		if err := checkValue("correlationId", q.CorrelationID); err != nil {
			return "", err
		}
		parts = append(parts, "correlationId eq "+Quote(strings.ToLower(q.CorrelationID)))
	}
	if !q.Since.IsZero() {
		parts = append(parts, "createdDateTime ge "+Time(q.Since))
	}
	if !q.Until.IsZero() {
		parts = append(parts, "createdDateTime le "+Time(q.Until))
	}
	if eventTypeFilter {
		parts = append(parts, fmt.Sprintf("signInEventTypes/any(t: t eq %s)", Quote(t.EventType())))
	}
	return strings.Join(parts, " and "), nil
}

// Time renders a filter datetime literal (unquoted, UTC, seconds).
func Time(t time.Time) string { return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z") }
