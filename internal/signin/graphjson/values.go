package graphjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// WantTime is the accepted time form in JSON, for error messages.
const WantTime = "want RFC 3339 such as 2025-01-09T02:02:12Z"

// ParseTime reads the time forms found in JSON exports: RFC 3339 (any
// fraction, Z or an offset), the same without a zone (taken as UTC, as Log
// Analytics writes it), a space instead of the T, and Windows PowerShell's
// "/Date(1736388132000)/". The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if ms, ok := strings.CutPrefix(s, "/Date("); ok {
		if ms, ok = strings.CutSuffix(ms, ")/"); ok {
			// "/Date(ms)/" or "/Date(ms+0100)/": the milliseconds are UTC.
			if i := strings.IndexAny(ms, "+-"); i > 0 {
				ms = ms[:i]
			}
			if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
				return time.UnixMilli(n).UTC(), nil
			}
		}
	}
	if len(s) >= 19 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	return time.Time{}, errNotTime
}

var errNotTime = errors.New("not a time")

// FieldError says that a field's value is not what was expected.
func FieldError(field, value, problem, want string) error {
	return fmt.Errorf("%s %q %s (%s)", field, logtext.Clip(value, 60), problem, want)
}

// ParseBool reads the boolean spellings of the exports: JSON true/false,
// .NET's True/False, and yes/no. Empty, null and unknown are nil; anything
// else is an error.
func ParseBool(field, s string) (*bool, error) {
	var v bool
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "null", "unknown", "n/a":
		return nil, nil
	case "true", "yes", "1":
		v = true
	case "false", "no", "0":
		v = false
	default:
		return nil, FieldError(field, s, "is not a boolean", "want true or false")
	}
	return &v, nil
}

// rawBool reads a JSON boolean that may also be written as a string.
func rawBool(field string, raw json.RawMessage) (*bool, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	s, err := rawScalar(field, raw)
	if err != nil {
		return nil, err
	}
	return ParseBool(field, s)
}

// rawScalar turns a JSON string, number, boolean or null into its text.
func rawScalar(field string, raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s: %w", field, err)
		}
		return s, nil
	case '{', '[':
		return "", fmt.Errorf("%s is a JSON %s (want a single value)", field, ValueKind(raw[0]))
	case 'n':
		return "", nil
	}
	return string(raw), nil
}

// ValueKind names the JSON type of the value that starts with b, for
// messages such as "status is a JSON array (want an object)".
func ValueKind(b byte) string {
	switch b {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// ParseErrorCode reads an error code: an integer, "0" or empty for success.
func ParseErrorCode(field, s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, FieldError(field, s, "is not an error code", "want a non-negative integer such as 50126, or 0 for success")
	}
	return n, nil
}

// SetType decides si.Type: from signInEventTypes, else isInteractive, else
// table (the type a Log Analytics table or a file name announces; "" when
// nothing does), else the shape of the record (a service principal or
// managed identity and no user); interactive by default. A workload's app
// is its service principal: Log Analytics' service principal and managed
// identity tables name only the latter.
func SetType(si *signin.SignIn, eventTypes []string, interactive *bool, table signin.Type) {
	si.Type = signInType(eventTypes, interactive, table, si)
	if (si.Type == signin.ServicePrincipal || si.Type == signin.ManagedIdentity) && si.App.Name == "" {
		si.App.Name = si.ServicePrincipal.Name
	}
}

// signInType decides a record's type, as SetType describes.
func signInType(eventTypes []string, interactive *bool, table signin.Type, si *signin.SignIn) signin.Type {
	for _, e := range eventTypes {
		if t, err := signin.ParseType(e); err == nil {
			return t
		}
	}
	workload := si.User.ID == "" && si.User.UPN == ""
	if interactive != nil {
		if *interactive {
			return signin.Interactive
		}
		if workload && si.ManagedIdentity != "" {
			return signin.ManagedIdentity
		}
		if workload && si.ServicePrincipal.ID != "" {
			return signin.ServicePrincipal
		}
		return signin.NonInteractive
	}
	if table != "" {
		return table
	}
	if workload && si.ManagedIdentity != "" {
		return signin.ManagedIdentity
	}
	if workload && si.ServicePrincipal.ID != "" {
		return signin.ServicePrincipal
	}
	return signin.Interactive
}

// ManagedIdentityType keeps a managed identity type unless it says none.
func ManagedIdentityType(s string) string {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "none", "null", "n/a":
		return ""
	}
	return s
}

// EnumValue turns a display form ("Not Applied", "Multifactor
// authentication", "Member") into the Graph enum value ("notApplied",
// "multiFactorAuthentication", "member"). Values already in Graph form keep
// their spelling, except known enums whose case varies between sources.
func EnumValue(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	key := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_':
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
	if v, ok := knownEnums[key]; ok {
		return v
	}
	if !strings.ContainsAny(s, " -") {
		return s
	}
	// An unknown display form: camelCase its words.
	var b strings.Builder
	for i, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' }) {
		if i == 0 {
			b.WriteString(strings.ToLower(w[:1]) + w[1:])
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

var knownEnums = map[string]string{
	"success":                    "success",
	"failure":                    "failure",
	"notapplied":                 "notApplied",
	"notenabled":                 "notEnabled",
	"unknownfuturevalue":         "unknownFutureValue",
	"reportonlysuccess":          "reportOnlySuccess",
	"reportonlyfailure":          "reportOnlyFailure",
	"reportonlynotapplied":       "reportOnlyNotApplied",
	"reportonlyinterrupted":      "reportOnlyInterrupted",
	"singlefactorauthentication": "singleFactorAuthentication",
	"multifactorauthentication":  "multiFactorAuthentication",
	"member":                     "member",
	"guest":                      "guest",
	// The workload and cross-tenant enums (clientCredentialType,
	// crossTenantAccessType, incomingTokenType, authenticationProtocol),
	// whose display forms ("B2B collaboration", "OAuth2") camelCase wrongly.
	"none":                        "none",
	"clientsecret":                "clientSecret",
	"clientassertion":             "clientAssertion",
	"federatedidentitycredential": "federatedIdentityCredential",
	"managedidentity":             "managedIdentity",
	"certificate":                 "certificate",
	"b2bcollaboration":            "b2bCollaboration",
	"b2bdirectconnect":            "b2bDirectConnect",
	"microsoftsupport":            "microsoftSupport",
	"serviceprovider":             "serviceProvider",
	"passthrough":                 "passthrough",
	"primaryrefreshtoken":         "primaryRefreshToken",
	"saml11":                      "saml11",
	"saml20":                      "saml20",
	"remotedesktoptoken":          "remoteDesktopToken",
	"refreshtoken":                "refreshToken",
	"oauth2":                      "oAuth2",
	"ropc":                        "ropc",
	"wsfederation":                "wsFederation",
	"devicecode":                  "deviceCode",
}

// conditionNames are the bits of Graph's conditionalAccessConditions flags
// enum, in order; Log Analytics and diagnostic exports write the numbers.
var conditionNames = []string{
	"application", "users", "devicePlatform", "location", "clientType",
	"signInRisk", "userRisk", "time", "deviceState", "client",
	"ipAddressSeenByAzureAD", "ipAddressSeenByResourceProvider",
	"unknownFutureValue", "servicePrincipals", "servicePrincipalRisk",
	"authenticationFlows", "insiderRisk",
}

// conditions reads conditionsSatisfied / conditionsNotSatisfied: Graph's
// comma-separated names, or the flags number.
func conditions(field string, raw json.RawMessage) (string, error) {
	s, err := rawScalar(field, raw)
	if err != nil || s == "" {
		return s, err
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return s, nil // already names
	}
	return ConditionsText(n), nil
}

// ConditionsText writes the flags of Graph's conditionalAccessConditions
// enum as Graph's JSON does ("application,users"; "none" for 0), bits it
// does not name as their number.
func ConditionsText(n uint64) string {
	if n == 0 {
		return "none"
	}
	var names []string
	for i, name := range conditionNames {
		if n&(1<<i) != 0 {
			names = append(names, name)
			n &^= 1 << i
		}
	}
	if n != 0 {
		names = append(names, strconv.FormatUint(n, 10))
	}
	return strings.Join(names, ",")
}

// JSONProblem rewords encoding/json's errors for a reader of the export.
func JSONProblem(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := "a " + te.Type.Kind().String()
		switch te.Type.Kind().String() {
		case "slice":
			want = "an array"
		case "struct", "map":
			want = "an object"
		case "bool":
			want = "true or false"
		case "int", "int32", "int64", "float64":
			want = "a number"
		}
		if te.Field == "" {
			return fmt.Errorf("the record is a JSON %s (want %s)", te.Value, want)
		}
		return fmt.Errorf("%s is a JSON %s (want %s)", te.Field, te.Value, want)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON: %v", se)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: the file ends inside a value")
	}
	return err
}
