package files

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// The value conventions shared with Graph JSON (times, booleans, error
// codes, enum spellings, the sign-in type) are graphjson's; these are the
// ones only the CSV and Log Analytics exports need.

// tableType maps a Log Analytics Category or Type (table name) to a type.
func tableType(s string) (signin.Type, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "signinlogs":
		return signin.Interactive, true
	case "noninteractiveusersigninlogs", "aadnoninteractiveusersigninlogs":
		return signin.NonInteractive, true
	case "serviceprincipalsigninlogs", "aadserviceprincipalsigninlogs":
		return signin.ServicePrincipal, true
	case "managedidentitysigninlogs", "aadmanagedidentitysigninlogs":
		return signin.ManagedIdentity, true
	}
	return "", false
}

// parseLocation splits the admin center's "City, State, CC".
func parseLocation(s string) signin.Location {
	var parts []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	var l signin.Location
	if n := len(parts); n > 0 && isCountryCode(parts[n-1]) {
		l.CountryOrRegion = parts[n-1]
		parts = parts[:n-1]
	}
	switch len(parts) {
	case 0:
	case 1:
		l.City = parts[0]
	default:
		l.City = strings.Join(parts[:len(parts)-1], ", ")
		l.State = parts[len(parts)-1]
	}
	return l
}

func isCountryCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

// stringList reads a list that may be a JSON array or comma-separated text.
func stringList(field, s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "[]" {
		return nil, nil
	}
	if s[0] == '[' {
		var v []string
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("%s: %w", field, graphjson.JSONProblem(err))
		}
		return v, nil
	}
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}
