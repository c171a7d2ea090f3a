package graphfake

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		filter string
		want   string // canonical String(); "" means the input itself
	}{
		{"userId eq 'a'", ""},
		{"userPrincipalName eq 'o''brien@contoso.com'", ""},
		{"status/errorCode eq 50126", ""},
		{"status/errorCode ne 0", ""},
		{"status/errorCode eq -1", ""},
		{"createdDateTime ge 2025-01-09T00:00:00Z", ""},
		{"createdDateTime le 2025-01-09T00:00:00.1234567Z", ""},
		{"createdDateTime gt 2025-01-09T00:00:00+01:00", ""},
		{"createdDateTime lt 2025-01-09T00:00Z", ""},
		{"createdDateTime ge 2025-01-09", ""},
		{"isInteractive eq true", ""},
		{"userDisplayName eq null", ""},
		{"startswith(appDisplayName,'Graph')", "startswith(appDisplayName, 'Graph')"},
		{"startsWith(appDisplayName, 'Graph')", "startswith(appDisplayName, 'Graph')"},
		{"signInEventTypes/any(t: t eq 'nonInteractiveUser')", ""},
		{"signInEventTypes/any(t:t eq 'interactiveUser' or t eq 'nonInteractiveUser')", "signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')"},
		{"appliedConditionalAccessPolicies/any(p: p/id eq 'x')", ""},
		{"riskEventTypes_v2/any()", ""},
		{"a eq 'x' and b eq 'y' and c eq 'z'", ""},
		{"a eq 'x' or b eq 'y' and c eq 'z'", ""},
		{"a eq 'x' or (b eq 'y' and c eq 'z')", "a eq 'x' or b eq 'y' and c eq 'z'"},
		{"(a eq 'x' and b eq 'y') and c eq 'z'", ""},
		{"(a eq 'x' or b eq 'y') and c eq 'z'", "(a eq 'x' or b eq 'y') and c eq 'z'"},
		{"not (userId eq 'x')", ""},
		{"not startswith(userPrincipalName, 'adm')", ""},
		{"not (startswith(userPrincipalName, 'adm'))", "not startswith(userPrincipalName, 'adm')"},
		{"not isInteractive", ""},
		{"not not (a eq 'x')", ""},
		{"((((userId eq 'x'))))", "userId eq 'x'"},
		{"  userId\teq\r\n'x'  ", "userId eq 'x'"},
		{"Status/ErrorCode eq 0", ""},
		{"location/city eq 'Zürich'", ""},
		{"userDisplayName eq '李雷'", ""},
		{"userDisplayName eq 'emoji 🙂 and '' quote'", ""},
		{"userId eq ''", ""},
		{"userId eq ''''", ""},
		{"userId eq ') or (1 eq 1'", ""},
		{"userId eq 'x'' or userId ne ''y'", ""},
		{"a/any(x: x/b/any(y: y eq 'v'))", ""},
		{"(userId) eq 'x'", "userId eq 'x'"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.filter, err)
			}
			want := tt.want
			if want == "" {
				want = tt.filter
			}
			if got := e.String(); got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
			again, err := Parse(e.String())
			if err != nil {
				t.Fatalf("Parse(String()) = %v", err)
			}
			if again.String() != e.String() {
				t.Errorf("round trip changed %q into %q", e.String(), again.String())
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		filter string
		want   string // a fragment of the error
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"userId eq 'x", "unterminated string"},
		{"userId eq 'o'brien'", "unexpected"},
		{"userId eq 'x') or (1 eq 1", "unexpected ')'"},
		{"userId eq 'x' or 1 eq 1", "left operand of eq"},
		{"userId eq 'x' or 'a' eq 'a'", "left operand of eq"},
		{"'x' eq userId", "put the property on the left"},
		{"userId eq appId", "must be a literal"},
		{"(userId eq 'x'", "')' to close"},
		{"userId eq 'x')", "unexpected ')'"},
		{"userId eq \"x\"", "unexpected character '\"'"},
		{"userId = 'x'", "unexpected character '='"},
		{"userId == 'x'", "unexpected character '='"},
		{"userId equals 'x'", "expected an operator"},
		{"userId EQ 'x'", "lower case"},
		{"userId eq 'x' AND appId eq 'y'", "lower case"},
		{"userId eq 'x' && appId eq 'y'", "unexpected character '&'"},
		{"userId in ('a','b')", "not supported"},
		{"userId has 'a'", "not supported"},
		{"contains(userId, 'a')", "not supported"},
		{"endswith(userId, 'a')", "not supported"},
		{"tolower(userId) eq 'a'", "not supported"},
		{"frobnicate(userId)", "unknown function"},
		{"startswith(userId)", "','"},
		{"startswith('a', userId)", "first argument"},
		{"startswith(userId, 5)", "second argument"},
		{"signInEventTypes/all(t: t eq 'x')", "all()"},
		{"signInEventTypes/any(t t eq 'x')", "':'"},
		{"signInEventTypes/any(eq: eq eq 'x')", "cannot be a lambda variable"},
		{"signInEventTypes/any(t: 'x')", "not a condition"},
		{"userId eq 'x' eq 'y'", "cannot be chained"},
		{"not userId eq 'x'", "left operand of eq"},
		{"'x'", "not a condition"},
		{"true", "not a condition"},
		{"userId eq 'x' and 5", "not a condition"},
		{"status/errorCode eq 1.5", "invalid number"},
		{"status/errorCode eq 99999999999999999999", "out of range"},
		{"userId eq 4f8e2a1c-9b3d-4e5f-8a7b-6c5d4e3f2a10", "invalid number"},
		{"createdDateTime ge 2025-13-09T00:00:00Z", "invalid date-time"},
		{"createdDateTime ge 2025-01-09T00:00:00", "invalid date-time"},
		{"createdDateTime ge 2025-01-09T00:00:00 01:00", "invalid date-time"}, // "+01:00" sent unencoded: + became a space,
		{"userId eq 'x'garbage", "right after the string literal"},
		{"userId eq", "end of filter"},
		{"and", "unexpected 'and'"},
		{"status/", "property name after '/'"},
		{"status/eq eq 1", "property name after '/'"},
		{"userId/foo(1)", "only any()"},
		{"$filter=userId eq 'x'", "unexpected character '$'"},
		{strings.Repeat("(", MaxFilterDepth+1) + "userId eq 'x'" + strings.Repeat(")", MaxFilterDepth+1), "nests deeper"},
		{strings.Repeat("not ", MaxFilterDepth+1) + "(userId eq 'x')", "nests deeper"},
		{"userId eq '" + strings.Repeat("a", MaxFilterLength) + "'", "bytes long"},
	}
	for _, tt := range tests {
		name := tt.filter
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want an error containing %q", tt.filter, e.String(), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.filter, err, tt.want)
			}
		})
	}
}

func TestSupported(t *testing.T) {
	tests := []struct {
		v      Version
		filter string
		code   string // "" = supported
		want   string
	}{
		{V1, "userId eq 'x' and appId eq 'y'", "", ""},
		{V1, "userPrincipalName eq 'a@b' or startswith(userPrincipalName, 'adm')", "", ""},
		{V1, "status/errorCode eq 50126", "", ""},
		{V1, "status/errorCode ne 0", "", ""},
		{V1, "createdDateTime ge 2025-01-09T00:00:00Z and createdDateTime le 2025-01-10T00:00:00Z", "", ""},
		{V1, "createdDateTime gt 2025-01-09T00:00:00Z and createdDateTime lt 2025-01-10T00:00:00Z", "", ""},
		{V1, "deviceDetail/browser eq 'Edge' and startswith(deviceDetail/operatingSystem, 'Win')", "", ""},
		{V1, "location/city eq 'Redmond' and location/state eq 'WA' and startswith(location/countryOrRegion, 'U')", "", ""},
		{V1, "conditionalAccessStatus eq 'failure' and clientAppUsed eq 'Browser'", "", ""},
		{V1, "resourceId eq 'x' and resourceDisplayName eq 'y' and userDisplayName eq 'z'", "", ""},
		{V1, "correlationId eq 'x' and ipAddress eq '1.2.3.4' and id eq 'i'", "", ""},
		{V1, "appliedConditionalAccessPolicies/any(p: p/id eq 'x')", "", ""},
		{V1, "riskEventTypes_v2/any(r: startswith(r, 'unfamiliar'))", "", ""},
		{V1, "not (userId eq 'x')", "", ""},
		{V1, "USERID eq 'x'", "", ""},
		{Beta, "signInEventTypes/any(t: t eq 'nonInteractiveUser')", "", ""},
		{Beta, "signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')", "", ""},
		{Beta, "signInEventTypes/any(t: t eq 'servicePrincipal') and servicePrincipalId eq 'x'", "", ""},
		{Beta, "signInEventTypes/any(t: t ne 'interactiveUser')", "", ""},
		{Beta, "startswith(userAgent, 'Mozilla') and tokenIssuerName eq 'x'", "", ""},

		{V1, "signInEventTypes/any(t: t eq 'nonInteractiveUser')", CodeBadRequest, "Could not find a property named 'signInEventTypes'"},
		{V1, "servicePrincipalId eq 'x'", CodeBadRequest, "Could not find a property named 'servicePrincipalId'"},
		{V1, "deviceDetail/browserId eq 'x'", CodeBadRequest, "microsoft.graph.deviceDetail"},
		{Beta, "foo eq 'x'", CodeBadRequest, "Could not find a property named 'foo'"},
		{V1, "status/nope eq 1", CodeBadRequest, "microsoft.graph.signInStatus"},
		{V1, "userId/x eq 'a'", CodeBadRequest, "not an object"},
		{V1, "startswith(status/errorCode, '5')", CodeBadRequest, "string property"},
		{V1, "status/errorCode ge 1", CodeUnsupportedQuery, "operator ge is not supported on property status/errorCode (it supports eq, ne)"},
		{V1, "status/errorCode eq '50126'", CodeBadRequest, "'Edm.Int32' and 'Edm.String'"},
		{V1, "status/errorCode eq 9999999999", CodeBadRequest, "Edm.Int64"},
		{V1, "createdDateTime ge '2025-01-09T00:00:00Z'", CodeBadRequest, "'Edm.DateTimeOffset' and 'Edm.String'"},
		{V1, "createdDateTime ge null", CodeBadRequest, "incompatible types"},
		{V1, "userId eq 42", CodeBadRequest, "incompatible types"},
		{V1, "userId ne 'x'", CodeUnsupportedQuery, "operator ne is not supported on property userId"},
		{V1, "startswith(userId, 'x')", CodeUnsupportedQuery, "operator startswith is not supported on property userId (it supports eq)"},
		{V1, "appId gt 'x'", CodeUnsupportedQuery, "operator gt"},
		{V1, "isInteractive eq true", CodeUnsupportedQuery, "does not support $filter"},
		{V1, "isInteractive", CodeUnsupportedQuery, "does not support $filter"},
		{V1, "userId", CodeBadRequest, "not a boolean"},
		{V1, "status/failureReason eq 'x'", CodeUnsupportedQuery, "does not support $filter"},
		{V1, "status eq 'x'", CodeBadRequest, "complex type"},
		{Beta, "signInEventTypes eq 'interactiveUser'", CodeBadRequest, "is a collection"},
		{V1, "userId/any(t: t eq 'x')", CodeBadRequest, "not one"},
		{V1, "riskEventTypes/any(t: t eq 'x')", CodeUnsupportedQuery, "does not support $filter"},
		{V1, "riskEventTypes_v2/any()", CodeUnsupportedQuery, "needs a condition"},
		{V1, "riskEventTypes_v2/any(t: userId eq 'x')", CodeUnsupportedQuery, "may only use its variable"},
		{V1, "appliedConditionalAccessPolicies/any(p: p/result eq 'failure')", CodeUnsupportedQuery, "does not support $filter"},
		{V1, "appliedConditionalAccessPolicies/any(p: p eq 'x')", CodeBadRequest, "complex type"},
		{Beta, "signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'servicePrincipal')", CodeUnsupportedQuery, "request each kind separately"},
		{Beta, "signInEventTypes/any(t: t eq 'nonInteractiveUser') or signInEventTypes/any(t: t eq 'managedIdentity')", CodeUnsupportedQuery, "request each kind separately"},
		{Beta, "signInEventTypes/any(t: t eq 'servicePrincipal' or t eq 'managedIdentity')", "", ""},
		{Beta, "signInEventTypes/any(t: startswith(t, 'inter'))", CodeUnsupportedQuery, "operator startswith"},
	}
	for _, tt := range tests {
		t.Run(string(tt.v)+" "+tt.filter, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = e.Supported(tt.v)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Supported(%s) = %v, want nil", tt.v, err)
				}
				return
			}
			var qe *queryError
			if !errors.As(err, &qe) {
				t.Fatalf("Supported(%s) = %v, want a %s error", tt.v, err, tt.code)
			}
			if qe.code != tt.code || !strings.Contains(qe.msg, tt.want) {
				t.Errorf("Supported(%s) = %s %q, want %s containing %q", tt.v, qe.code, qe.msg, tt.code, tt.want)
			}
		})
	}
}

// matchFixtures are sign-ins as Go literals, in the shapes Match must read:
// Go ints and []string, and JSON-decoded float64 and []any.
func matchFixtures(t testing.TB) map[string]map[string]any {
	t.Helper()
	fromJSON := func(s string) map[string]any {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	return map[string]map[string]any{
		"rosa": {
			"id": "rosa", "userPrincipalName": "rosa.alvarez@contoso.com", "userId": "u-rosa",
			"appDisplayName": "Microsoft Office", "createdDateTime": "2025-01-09T02:02:12.4473817Z",
			"status":           map[string]any{"errorCode": 50126, "failureReason": "Invalid username or password."},
			"deviceDetail":     map[string]any{"browser": "Edge 131.0.0", "operatingSystem": "Windows 11"},
			"location":         map[string]any{"city": "Zürich", "countryOrRegion": "CH"},
			"signInEventTypes": []string{"interactiveUser"},
			"isInteractive":    true,
		},
		"sam": fromJSON(`{"id":"sam","userPrincipalName":"sam.lee@contoso.com","userId":"u-sam",
			"appDisplayName":"Graph Explorer","createdDateTime":"2025-01-10T08:00:00Z",
			"status":{"errorCode":0},"deviceDetail":{"browser":"Chrome","operatingSystem":"MacOs"},
			"location":{"city":"Seattle","countryOrRegion":"US"},"signInEventTypes":["nonInteractiveUser"],
			"isInteractive":false,"riskEventTypes_v2":["unfamiliarFeatures"],
			"appliedConditionalAccessPolicies":[{"id":"p1","result":"success"},{"id":"p2","result":"failure"}]}`),
		"obrien": {
			"id": "obrien", "userPrincipalName": "o'brien@contoso.com", "userDisplayName": "Seán O'Brien",
			"createdDateTime": "2025-01-11T00:00:00Z", "status": map[string]any{"errorCode": int64(53003)},
			"userId": "u-obrien",
		},
		"empty": {"id": "empty", "createdDateTime": "2025-01-08T00:00:00Z", "status": map[string]any{}, "userPrincipalName": nil},
	}
}

func TestMatch(t *testing.T) {
	objs := matchFixtures(t)
	tests := []struct {
		filter string
		want   []string
	}{
		{"userPrincipalName eq 'rosa.alvarez@contoso.com'", []string{"rosa"}},
		{"userPrincipalName eq 'ROSA.Alvarez@Contoso.com'", []string{"rosa"}},
		{"userPrincipalName eq 'rosa.alvarez@contoso.co'", nil},
		{"userPrincipalName eq 'o''brien@contoso.com'", []string{"obrien"}},
		{"userPrincipalName eq null", []string{"empty"}},
		{"userPrincipalName ne null", []string{"obrien", "rosa", "sam"}},
		{"userDisplayName eq null", []string{"empty", "rosa", "sam"}},
		{"startswith(userPrincipalName, 'SAM.')", []string{"sam"}},
		{"startswith(userDisplayName, 'seán')", []string{"obrien"}},
		{"startswith(userPrincipalName, '')", []string{"obrien", "rosa", "sam"}},
		{"status/errorCode eq 50126", []string{"rosa"}},
		{"status/errorCode ne 0", []string{"empty", "obrien", "rosa"}},
		{"status/errorCode eq 0", []string{"sam"}},
		{"status/errorCode gt 50126", []string{"obrien"}},
		{"createdDateTime ge 2025-01-09T02:02:12Z", []string{"obrien", "rosa", "sam"}},
		{"createdDateTime gt 2025-01-09T02:02:12.4473817Z", []string{"obrien", "sam"}},
		{"createdDateTime eq 2025-01-09T03:02:12.4473817+01:00", []string{"rosa"}},
		{"createdDateTime le 2025-01-09", []string{"empty"}},
		{"createdDateTime ge 2025-01-10T00:00:00Z and createdDateTime lt 2025-01-11T00:00:00Z", []string{"sam"}},
		{"location/city eq 'ZÜRICH'", []string{"rosa"}},
		{"deviceDetail/browser eq 'chrome' or deviceDetail/operatingSystem eq 'windows 11'", []string{"rosa", "sam"}},
		{"signInEventTypes/any(t: t eq 'nonInteractiveUser')", []string{"sam"}},
		{"signInEventTypes/any(t: t eq 'noninteractiveuser')", []string{"sam"}},
		{"signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')", []string{"rosa", "sam"}},
		{"signInEventTypes/any(t: t ne 'interactiveUser')", []string{"sam"}},
		{"signInEventTypes/any()", []string{"rosa", "sam"}},
		{"appliedConditionalAccessPolicies/any(p: p/id eq 'p2' and p/result eq 'failure')", []string{"sam"}},
		{"appliedConditionalAccessPolicies/any(p: p/id eq 'p1' and p/result eq 'failure')", nil},
		{"riskEventTypes_v2/any(r: startswith(r, 'unfamiliar'))", []string{"sam"}},
		{"not (status/errorCode eq 0)", []string{"empty", "obrien", "rosa"}},
		{"not (userId eq 'u-rosa') and userId ne null", []string{"obrien", "sam"}},
		{"isInteractive", []string{"rosa"}},
		{"isInteractive eq false", []string{"sam"}},
		{"STATUS/ERRORCODE eq 50126", []string{"rosa"}},
		{"userId eq 'u-rosa' or userId eq 'u-sam' and status/errorCode eq 0", []string{"rosa", "sam"}},
		{"(userId eq 'u-rosa' or userId eq 'u-sam') and status/errorCode eq 0", []string{"sam"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for id, obj := range objs {
				ok, err := e.Match(obj)
				if err != nil {
					t.Fatalf("Match(%s): %v", id, err)
				}
				if ok {
					got = append(got, id)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchTypeErrors(t *testing.T) {
	objs := matchFixtures(t)
	for _, f := range []string{
		"userPrincipalName eq 5",              // string vs int
		"status/errorCode eq 'x'",             // int vs string
		"userId eq true",                      // string vs bool
		"createdDateTime ge 5",                // string vs int
		"userId ge 2025-01-01T00:00:00Z",      // not a date-time
		"startswith(status/errorCode, '5')",   // not a string
		"userId/any(t: t eq 'x')",             // not a collection
		"userPrincipalName",                   // not a boolean
		"userId/x eq 'a'",                     // not an object
		"signInEventTypes/any(t: t/x eq 'a')", // element not an object
		"isInteractive gt true",               // bool ordering
	} {
		e, err := Parse(f)
		if err != nil {
			t.Fatalf("Parse(%q): %v", f, err)
		}
		if _, err := e.Match(objs["rosa"]); err == nil {
			t.Errorf("Match(%q) on rosa: no error, want a type error", f)
		}
	}
	var zero Expr
	if ok, err := zero.Match(nil); !ok || err != nil || !zero.IsZero() || zero.String() != "" {
		t.Errorf("zero Expr: Match = %v, %v; IsZero = %v", ok, err, zero.IsZero())
	}
}

// quoteCases are values a filter builder must carry intact: quotes,
// injection attempts, OData syntax, Unicode, control bytes, long strings.
var quoteCases = []string{
	"",
	"'",
	"''",
	"o'brien@contoso.com",
	"') or (1 eq 1",
	"x' or userId ne 'y",
	"x') or true or ('",
	"a' and signInEventTypes/any(t: t eq 'servicePrincipal') and userId eq 'b",
	"%27 or 1 eq 1",
	"&$top=1",
	"#frag",
	"+01:00",
	"(((((",
	"))))) or (((((",
	"not",
	"eq",
	"null",
	"2025-01-09T00:00:00Z",
	"Zürich",
	"李雷@例え.jp",
	"🙂'🙂''🙂",
	"ǅ ß ſ K", // case-folding oddities
	"tab\there",
	"nul\x00byte",
	"\xff\xfe invalid utf-8",
	strings.Repeat("'", 500),
	strings.Repeat("a'b", 1000),
}

func TestQuoteParsesAndSelectsExactlyThatValue(t *testing.T) {
	for _, v := range quoteCases {
		name := v
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			checkQuotedValue(t, v)
		})
	}
}

// checkQuotedValue asserts that "userPrincipalName eq Quote(v)" parses into a
// single comparison with v, selects an object holding v, and selects no
// object holding a different value (unless it differs from v only in case).
func checkQuotedValue(t *testing.T, v string) {
	t.Helper()
	f := "userPrincipalName eq " + Quote(v) + " and status/errorCode ne 0"
	e, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse(%q): %v", f, err)
	}
	if err := e.Supported(V1); err != nil {
		t.Fatalf("Supported: %v", err)
	}
	and, ok := e.root.(*logicalNode)
	if !ok || and.op != "and" || len(and.terms) != 2 {
		t.Fatalf("Parse(%q) = %s: the value changed the filter's structure", f, e)
	}
	cmp, ok := and.terms[0].(*cmpNode)
	if !ok || cmp.right.kind != litString || cmp.right.s != v {
		t.Fatalf("Parse(%q) = %s: the literal is not the value", f, e)
	}
	match := func(upn any) bool {
		ok, err := e.Match(map[string]any{"userPrincipalName": upn, "status": map[string]any{"errorCode": 50126}})
		if err != nil {
			t.Fatalf("Match: %v", err)
		}
		return ok
	}
	if !match(v) {
		t.Errorf("the filter does not select %q", v)
	}
	for _, other := range []string{v + "x", "x" + v, "'" + v, v + "'", "", "other"} {
		if other != v && !equalFold(other, v) && match(other) {
			t.Errorf("the filter for %q also selects %q", v, other)
		}
	}
	if match(nil) {
		t.Errorf("the filter for %q selects a null UPN", v)
	}
}
