package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfake"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/pace/pacetest"
)

// The directory of the tests: rosa (disabled, one failing policy), o'brien
// (an apostrophe in the UPN), one app with a secret on its registration and
// a certificate on its service principal.
const (
	dirRosa    = "11111111-1111-4111-8111-111111111111"
	dirOBrien  = "11111111-1111-4111-8111-222222222222"
	dirOther   = "11111111-1111-4111-8111-333333333333"
	dirPolicy  = "22222222-2222-4222-8222-222222222222"
	dirAppID   = "33333333-3333-4333-8333-333333333333"
	dirSP      = "44444444-4444-4444-8444-444444444444"
	dirAppObj  = "55555555-5555-4555-8555-555555555555"
	dirSecret  = "66666666-6666-4666-8666-666666666666"
	dirCert    = "77777777-7777-4777-8777-777777777777"
	leakMarker = "LEAKED-SECRET-VALUE"
)

// dirNow is the tests' "now": the last failure.
var dirNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func obj(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// audit is a directoryAudit on one target.
func audit(id string, at time.Time, activity, targetID, targetType string, modified ...map[string]any) map[string]any {
	if modified == nil {
		modified = []map[string]any{}
	}
	return map[string]any{
		"id": id, "activityDateTime": at.Format(time.RFC3339Nano), "activityDisplayName": activity,
		"category": "UserManagement", "result": "success", "loggedByService": "Core Directory",
		"initiatedBy":     map[string]any{"user": map[string]any{"id": dirOther, "userPrincipalName": "helpdesk@contoso.com"}},
		"targetResources": []any{map[string]any{"id": targetID, "type": targetType, "displayName": "target " + id, "modifiedProperties": modified}},
	}
}

// testDirectory is the fake's directory, with extra audit events on rosa
// (for paging).
func testDirectory(t testing.TB, extraRosa int) graphfake.Directory {
	t.Helper()
	d := graphfake.Directory{}
	audits := []map[string]any{
		audit("a-disable", dirNow.Add(-2*time.Hour), "Disable account", dirRosa, "User",
			map[string]any{"displayName": "AccountEnabled", "oldValue": `[true]`, "newValue": `[false]`}),
		audit("a-reset", dirNow.Add(-30*time.Hour), "Reset password (by admin)", dirRosa, "User",
			map[string]any{"displayName": "PasswordProfile", "oldValue": leakMarker, "newValue": leakMarker},
			map[string]any{"displayName": "Included Updated Properties", "oldValue": "", "newValue": "\x1b[31mPasswordProfile\u202e"}),
		audit("a-old", dirNow.Add(-10*24*time.Hour), "Update user", dirRosa, "User"),
		audit("a-other", dirNow.Add(-time.Hour), "Disable account", dirOther, "User"),
		audit("a-obrien", dirNow.Add(-3*time.Hour), "Change user password", dirOBrien, "User"),
		audit("a-policy", dirNow.Add(-5*time.Hour), "Update conditional access policy", dirPolicy, "Policy",
			map[string]any{"displayName": "ConditionalAccessPolicy", "oldValue": `{"state":"disabled"}`, "newValue": `{"state":"enabled"}`}),
		audit("a-sp", dirNow.Add(-6*time.Hour), "Remove service principal credentials", dirSP, "ServicePrincipal",
			map[string]any{"displayName": "KeyDescription", "oldValue": `[KeyIdentifier=` + dirCert + `]`, "newValue": `[]`}),
		audit("a-app", dirNow.Add(-7*time.Hour), "Update application – Certificates and secrets management", dirAppObj, "Application",
			map[string]any{"displayName": "KeyValue", "oldValue": leakMarker, "newValue": leakMarker}),
	}
	for i := range extraRosa {
		audits = append(audits, audit(fmt.Sprintf("a-extra-%02d", i), dirNow.Add(-time.Duration(8+i)*time.Hour), "Update user", dirRosa, "User"))
	}
	for _, a := range audits {
		d.Audits = append(d.Audits, obj(t, a))
	}
	d.Users = []json.RawMessage{
		obj(t, map[string]any{"id": dirRosa, "userPrincipalName": "rosa@contoso.com", "displayName": "Rosa\x07 Díaz", "accountEnabled": false, "userType": "Member",
			"lastPasswordChangeDateTime": dirNow.Add(-30 * time.Hour).Format(time.RFC3339), "createdDateTime": "2024-01-02T03:04:05Z", "onPremisesSyncEnabled": false, "jobTitle": "not selected"}),
		obj(t, map[string]any{"id": dirOBrien, "userPrincipalName": "o'brien@contoso.com", "displayName": "Pat O'Brien", "accountEnabled": true, "userType": "Member"}),
	}
	d.Policies = []json.RawMessage{obj(t, map[string]any{
		"id": dirPolicy, "displayName": "Block legacy auth", "state": "enabled", "modifiedDateTime": dirNow.Add(-5 * time.Hour).Format(time.RFC3339),
		"conditions": map[string]any{
			"users":            map[string]any{"includeUsers": []string{"All"}, "excludeUsers": []string{dirOther}, "excludeGroups": []string{dirOther}},
			"applications":     map[string]any{"includeApplications": []string{"Office365"}},
			"clientAppTypes":   []string{"exchangeActiveSync", "other"},
			"platforms":        map[string]any{"includePlatforms": []string{"android", "iOS"}},
			"locations":        map[string]any{"includeLocations": []string{"All"}, "excludeLocations": []string{"AllTrusted"}},
			"signInRiskLevels": []string{"high"},
		},
		"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"block"}},
	})}
	d.Registrations = []json.RawMessage{obj(t, map[string]any{"id": dirRosa, "userPrincipalName": "rosa@contoso.com", "isMfaRegistered": true, "methodsRegistered": []string{"microsoftAuthenticatorPush", "mobilePhone"}})}
	d.ServicePrincipals = []json.RawMessage{obj(t, map[string]any{"id": dirSP, "appId": dirAppID, "displayName": "Payroll",
		"keyCredentials": []any{map[string]any{"keyId": dirCert, "displayName": "CN=payroll", "type": "AsymmetricX509Cert", "usage": "Verify", "key": base64.StdEncoding.EncodeToString([]byte(leakMarker)),
			"startDateTime": "2025-01-01T00:00:00Z", "endDateTime": "2026-01-01T00:00:00Z"}},
		"passwordCredentials": []any{}})}
	d.Applications = []json.RawMessage{obj(t, map[string]any{"id": dirAppObj, "appId": dirAppID, "displayName": "Payroll",
		"keyCredentials": []any{},
		"passwordCredentials": []any{map[string]any{"keyId": dirSecret, "displayName": "ci secret", "hint": "abc", "secretText": leakMarker,
			"startDateTime": "2025-06-01T00:00:00Z", "endDateTime": "2026-03-09T00:00:00Z"}}})}
	return d
}

// newDirSource is a Graph source on the fake serving testDirectory.
func newDirSource(t testing.TB, extraRosa int, mut func(*Config), opts ...graphfake.Option) (*Source, *graphfake.Server) {
	t.Helper()
	return newSource(t, nil, dirNow, mut, append([]graphfake.Option{graphfake.WithDirectory(testDirectory(t, extraRosa))}, opts...)...)
}

// dirQuery asks for rosa's context with her failing policy, a week before
// the failures to the last.
func dirQuery() directory.Query {
	return directory.Query{UserID: dirRosa, PolicyIDs: []string{dirPolicy}, Since: dirNow.Add(-directory.ChangesLookback), Until: dirNow}
}

func eventIDs(es []directory.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func hasNote(c directory.Context, parts ...string) bool {
	return slices.ContainsFunc(c.Coverage.Notes, func(n string) bool {
		for _, p := range parts {
			if !strings.Contains(n, p) {
				return false
			}
		}
		return true
	})
}

// TestDirectoryUserWithPolicy: each read of a user's context through the
// SDK against the fake, mapped, sanitized, with no secret kept, in five
// requests.
func TestDirectoryUserWithPolicy(t *testing.T) {
	src, fake := newDirSource(t, 0, nil)
	var progress []int
	q := dirQuery()
	q.Progress = func(done, total int, _ string) { progress = append(progress, done) }
	got, err := src.Directory(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Coverage.Requests != 5 || len(fake.Requests()) != 5 {
		t.Errorf("requests: coverage %d, fake %d; want 5 (user, 2 audit lists, policy, registration)", got.Coverage.Requests, len(fake.Requests()))
	}
	if !slices.Equal(progress, []int{1, 2, 3, 4, 5}) {
		t.Errorf("progress %v, want one call per request", progress)
	}
	if want := []string{"a-disable", "a-policy", "a-reset"}; !slices.Equal(eventIDs(got.Events), want) {
		t.Errorf("events %v, want %v (newest first, in the window, rosa's and the policy's only)", eventIDs(got.Events), want)
	}
	if len(got.Coverage.Notes) != 0 {
		t.Errorf("notes %q, want none", got.Coverage.Notes)
	}
	for _, w := range []string{"account state", "audit events", "policies", "MFA registration"} {
		if !slices.Contains(got.Coverage.Read, w) {
			t.Errorf("coverage.read %v lacks %q", got.Coverage.Read, w)
		}
	}
	a := got.Account
	if a == nil || a.ID != dirRosa || a.UPN != "rosa@contoso.com" || a.AccountEnabled == nil || *a.AccountEnabled || a.UserType != "Member" ||
		!a.LastPasswordChange.Equal(dirNow.Add(-30*time.Hour)) || a.OnPremisesSyncEnabled == nil || a.IsMFARegistered == nil || !*a.IsMFARegistered ||
		!slices.Equal(a.MethodsRegistered, []string{"microsoftAuthenticatorPush", "mobilePhone"}) {
		t.Errorf("account %+v", a)
	}
	if strings.ContainsAny(a.DisplayName, "\x07") {
		t.Errorf("display name %q not sanitized", a.DisplayName)
	}
	reset := got.Events[2]
	if reset.Activity != "Reset password (by admin)" || reset.InitiatedBy != "helpdesk@contoso.com" || reset.Result != "success" || len(reset.Targets) != 1 || reset.Targets[0].ID != dirRosa {
		t.Errorf("reset event %+v", reset)
	}
	if m := reset.Targets[0].Modified; len(m) != 2 || m[0].Name != "PasswordProfile" || m[0].Old != "" || m[0].New != "" || strings.ContainsAny(m[1].New, "\x1b\u202e") || !strings.Contains(m[1].New, "PasswordProfile") {
		t.Errorf("modified %+v: a password's values must be dropped, other text sanitized", m)
	}
	if _, ok := directory.Match(got.Events[0]); !ok {
		t.Errorf("%q does not match the activity table", got.Events[0].Activity)
	}
	if len(got.Policies) != 1 {
		t.Fatalf("policies %+v", got.Policies)
	}
	p := got.Policies[0]
	wantConds := []string{"users: All users except 1 user, 1 group", "apps: Office 365", "client apps: exchangeActiveSync, other", "platforms: android, iOS", "locations: all locations except trusted locations", "sign-in risk: high"}
	if p.ID != dirPolicy || p.Name != "Block legacy auth" || p.State != "enabled" || !slices.Equal(p.Conditions, wantConds) || p.GrantOperator != "OR" || !slices.Equal(p.GrantControls, []string{"block"}) || p.Modified.IsZero() {
		t.Errorf("policy %+v\nwant conditions %q", p, wantConds)
	}
	// What was sent: typed calls, literals as built.
	var paths []string
	for _, r := range fake.Requests() {
		paths = append(paths, r.Path)
		if strings.HasSuffix(r.Path, "/directoryAudits") {
			f := r.Query.Get("$filter")
			if !strings.HasPrefix(f, "activityDateTime ge 2026-03-03T12:00:00Z and activityDateTime le 2026-03-10T12:00:00Z and targetResources/any(t: t/id eq '") ||
				r.Query.Get("$orderby") != "activityDateTime desc" || r.Query.Get("$top") != "500" {
				t.Errorf("audit query %v", r.Query)
			}
		}
		if strings.HasPrefix(r.Path, "/v1.0/users/") && r.Query.Get("$select") != strings.Join(userSelect, ",") {
			t.Errorf("user $select %q", r.Query.Get("$select"))
		}
	}
	want := []string{"/v1.0/users/" + dirRosa, "/v1.0/auditLogs/directoryAudits", "/v1.0/auditLogs/directoryAudits",
		"/v1.0/identity/conditionalAccess/policies/" + dirPolicy, "/v1.0/reports/authenticationMethods/userRegistrationDetails/" + dirRosa}
	if !slices.Equal(paths, want) {
		t.Errorf("paths\n%q\nwant\n%q", paths, want)
	}
	if b, _ := json.Marshal(got); strings.Contains(string(b), leakMarker) {
		t.Errorf("a secret value reached the context: %s", b)
	}
}

// TestDirectoryApp: an app's credentials from its service principal and
// registration (metadata only), and the audit events on both, in four
// requests.
func TestDirectoryApp(t *testing.T) {
	src, fake := newDirSource(t, 0, nil)
	got, err := src.Directory(context.Background(), directory.Query{AppID: strings.ToUpper(dirAppID), Since: dirNow.Add(-directory.ChangesLookback), Until: dirNow})
	if err != nil {
		t.Fatal(err)
	}
	if got.Coverage.Requests != 4 || len(fake.Requests()) != 4 {
		t.Fatalf("requests: coverage %d, fake %d; want 4; notes %q, %+v", got.Coverage.Requests, len(fake.Requests()), got.Coverage.Notes, fake.Requests()[0])
	}
	if want := []string{"a-sp", "a-app"}; !slices.Equal(eventIDs(got.Events), want) {
		t.Errorf("events %v, want %v", eventIDs(got.Events), want)
	}
	want := []directory.Credential{
		{KeyID: dirCert, DisplayName: "CN=payroll", Type: "certificate", On: "servicePrincipal", Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{KeyID: dirSecret, DisplayName: "ci secret", Type: "password", On: "application", Start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)},
	}
	if !slices.EqualFunc(got.Credentials, want, func(a, b directory.Credential) bool {
		return a.KeyID == b.KeyID && a.DisplayName == b.DisplayName && a.Type == b.Type && a.On == b.On && a.Start.Equal(b.Start) && a.End.Equal(b.End)
	}) {
		t.Errorf("credentials\n%+v\nwant\n%+v", got.Credentials, want)
	}
	reqs := fake.Requests()
	if reqs[0].Path != "/v1.0/servicePrincipals" || reqs[0].Query.Get("$filter") != "appId eq '"+dirAppID+"'" {
		t.Errorf("service principal request %s %v", reqs[0].Path, reqs[0].Query)
	}
	if !strings.HasPrefix(reqs[1].Path, "/v1.0/applications(appId=") || !strings.Contains(reqs[1].Path, dirAppID) {
		t.Errorf("application request %s", reqs[1].Path)
	}
	if b, _ := json.Marshal(got); strings.Contains(string(b), leakMarker) || strings.Contains(string(b), base64.StdEncoding.EncodeToString([]byte(leakMarker))) {
		t.Errorf("a secret value reached the context: %s", b)
	}
	// An app registered elsewhere: its service principal stands, a note
	// says why the registration is not visible.
	fake2 := graphfake.New(nil, graphfake.WithToken(testToken), graphfake.WithDirectory(graphfake.Directory{ServicePrincipals: testDirectory(t, 0).ServicePrincipals}))
	src2 := newSourceAt(t, fake2, dirNow, nil)
	got, err = src2.Directory(context.Background(), directory.Query{AppID: dirAppID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Credentials) != 1 || !hasNote(got, "not registered in this tenant") {
		t.Errorf("multi-tenant app: %+v, notes %q", got.Credentials, got.Coverage.Notes)
	}
}

// TestDirectoryPaging: audit events page on nextLink while the budget
// lasts; where it ends, a note says what was not read.
func TestDirectoryPaging(t *testing.T) {
	q := directory.Query{UserID: dirRosa, Since: dirNow.Add(-directory.ChangesLookback), Until: dirNow, Budget: 20}
	src, fake := newDirSource(t, 7, nil, graphfake.WithMaxPageSize(3))
	got, err := src.Directory(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	// rosa: 2 + 7 events in the window (the one before it is filtered
	// out at Graph), 3 pages: the user, 3 pages, the MFA registration.
	if len(got.Events) != 9 || got.Coverage.Requests != 1+3+1 || len(got.Coverage.Notes) != 0 {
		t.Errorf("events %v, requests %d, notes %q; want 9 events, 5 requests, no note", eventIDs(got.Events), got.Coverage.Requests, got.Coverage.Notes)
	}
	if !slices.IsSortedFunc(got.Events, func(a, b directory.Event) int { return b.At.Compare(a.At) }) {
		t.Errorf("events not newest first: %v", eventIDs(got.Events))
	}
	skips := 0
	for _, r := range fake.Requests() {
		if r.Query.Has("$skiptoken") {
			skips++
		}
	}
	if skips != 2 {
		t.Errorf("%d requests followed a nextLink, want 2", skips)
	}

	q.Budget = 2
	src, fake = newDirSource(t, 7, nil, graphfake.WithMaxPageSize(3))
	got, err = src.Directory(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Coverage.Requests != 2 || len(fake.Requests()) != 2 || len(got.Events) != 3 ||
		!hasNote(got, "budget (2 Graph requests", "the MFA registration; audit events on the user older than 2026-03-10T03:00:00Z were not read") {
		t.Errorf("budget 2: %d requests (fake %d), %d events, notes %q", got.Coverage.Requests, len(fake.Requests()), len(got.Events), got.Coverage.Notes)
	}
}

// TestDirectoryBudgetNeverExceeded: whatever the budget, no more requests
// reach Graph than it allows, and coverage counts them.
func TestDirectoryBudgetNeverExceeded(t *testing.T) {
	for budget := 1; budget <= 9; budget++ {
		src, fake := newDirSource(t, 7, nil, graphfake.WithMaxPageSize(2))
		q := dirQuery()
		q.AppID, q.Budget = dirAppID, budget
		got, err := src.Directory(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(fake.Requests()); n > budget || n != got.Coverage.Requests {
			t.Errorf("budget %d: the fake saw %d requests, coverage says %d", budget, n, got.Coverage.Requests)
		}
		if !hasNote(got, "ran out") {
			t.Errorf("budget %d: no note of what the budget left: %q", budget, got.Coverage.Notes)
		}
	}
	// The default.
	src, fake := newDirSource(t, 20, nil, graphfake.WithMaxPageSize(2))
	got, _ := src.Directory(context.Background(), dirQuery())
	if len(fake.Requests()) != DirectoryRequestBudget || got.Coverage.Requests != DirectoryRequestBudget {
		t.Errorf("default budget: %d requests, want %d", len(fake.Requests()), DirectoryRequestBudget)
	}
}

// TestDirectoryDenied: a 403 on any one read leaves the others standing,
// with a note naming the permission, or the licence for a Free tenant.
func TestDirectoryDenied(t *testing.T) {
	for _, tc := range []struct {
		endpoint graphfake.Endpoint
		code     string
		note     []string
		lost     func(directory.Context) bool
	}{
		{graphfake.EndpointAudits, "", []string{"audit events on the user", "AuditLog.Read.All", "licence change will not help"}, func(c directory.Context) bool { return len(c.Events) == 0 }},
		{graphfake.EndpointAudits, graphfake.CodeNoPremiumLicence, []string{"audit events", "P1 or P2 licence", "permission change will not help"}, func(c directory.Context) bool { return len(c.Events) == 0 }},
		{graphfake.EndpointAudits, graphfake.CodeUnsupportedUserRole, []string{"audit events", "Reports Reader"}, func(c directory.Context) bool { return len(c.Events) == 0 }},
		{graphfake.EndpointUsers, "", []string{"account state", "User.Read.All"}, func(c directory.Context) bool { return c.Account.UPN == "" }},
		{graphfake.EndpointPolicies, "", []string{"policy " + dirPolicy, "Policy.Read.All"}, func(c directory.Context) bool { return len(c.Policies) == 0 }},
		{graphfake.EndpointRegistrations, "", []string{"MFA registration", "AuditLog.Read.All"}, func(c directory.Context) bool { return c.Account.IsMFARegistered == nil }},
		{graphfake.EndpointServicePrincipals, "", []string{"service principal's credentials", "Application.Read.All"}, func(c directory.Context) bool {
			return !slices.ContainsFunc(c.Credentials, func(x directory.Credential) bool { return x.On == "servicePrincipal" })
		}},
		{graphfake.EndpointApplications, "", []string{"app registration's credentials", "Application.Read.All"}, func(c directory.Context) bool {
			return !slices.ContainsFunc(c.Credentials, func(x directory.Credential) bool { return x.On == "application" })
		}},
	} {
		t.Run(string(tc.endpoint)+tc.code, func(t *testing.T) {
			src, _ := newDirSource(t, 0, nil, graphfake.WithDenied(tc.endpoint, tc.code))
			q := dirQuery()
			q.AppID, q.Budget = dirAppID, 20
			got, err := src.Directory(context.Background(), q)
			if err != nil {
				t.Fatalf("a 403 is a note, not an error: %v", err)
			}
			if !hasNote(got, tc.note...) {
				t.Errorf("notes %q, want one with %q", got.Coverage.Notes, tc.note)
			}
			if len(got.Coverage.Notes) != 1 {
				t.Errorf("notes %q, want only the one", got.Coverage.Notes)
			}
			if got.Account == nil || !tc.lost(got) {
				t.Errorf("the denied read should be missing: %+v", got)
			}
			// The rest stands.
			if tc.endpoint != graphfake.EndpointAudits && !slices.Contains(eventIDs(got.Events), "a-disable") {
				t.Errorf("audit events lost: %v", eventIDs(got.Events))
			}
			if tc.endpoint != graphfake.EndpointPolicies && len(got.Policies) != 1 {
				t.Errorf("policies lost")
			}
			if tc.endpoint != graphfake.EndpointApplications && tc.endpoint != graphfake.EndpointServicePrincipals && len(got.Credentials) != 2 {
				t.Errorf("credentials lost: %+v", got.Credentials)
			}
		})
	}
}

// TestDirectoryNotFound: a deleted user or policy is a note.
func TestDirectoryNotFound(t *testing.T) {
	src, _ := newDirSource(t, 0, nil)
	gone := "99999999-9999-4999-8999-999999999999"
	got, err := src.Directory(context.Background(), directory.Query{UserID: gone, PolicyIDs: []string{gone}})
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(got, "does not exist in the directory") || !hasNote(got, "policy "+gone+" no longer exists") {
		t.Errorf("notes %q", got.Coverage.Notes)
	}
}

// TestDirectoryEscaping: a UPN with an apostrophe is escaped in the path
// and resolves the user, whose ID the other reads use; an ID with a slash
// or a filter injection never reaches a request.
func TestDirectoryEscaping(t *testing.T) {
	src, fake := newDirSource(t, 0, nil)
	got, err := src.Directory(context.Background(), directory.Query{UPN: "o'brien@contoso.com", Since: dirNow.Add(-directory.ChangesLookback), Until: dirNow})
	if err != nil {
		t.Fatal(err)
	}
	if got.Account == nil || got.Account.ID != dirOBrien || !slices.Equal(eventIDs(got.Events), []string{"a-obrien"}) {
		t.Errorf("o'brien: %+v, events %v, notes %q", got.Account, eventIDs(got.Events), got.Coverage.Notes)
	}
	reqs := fake.Requests()
	if reqs[0].Path != "/v1.0/users/o%27brien%40contoso.com" {
		t.Errorf("user path %q, want the apostrophe escaped", reqs[0].Path)
	}
	if f := reqs[1].Query.Get("$filter"); !strings.Contains(f, "t/id eq '"+dirOBrien+"'") {
		t.Errorf("audit filter %q, want o'brien's object ID", f)
	}

	fake.ResetRequests()
	got, err = src.Directory(context.Background(), directory.Query{
		UserID: dirRosa + "/../" + dirOther, PolicyIDs: []string{"x/y", "') or (1 eq 1"}, AppID: "') or true or ('", ServicePrincipalID: "a/b",
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests for IDs that are no GUIDs: %+v", n, fake.Requests())
	}
	for _, want := range []string{"not read by ID", "policy \"x/y\" was not read", "app's credentials were not read", "service principal \"a/b\""} {
		if !hasNote(got, want) {
			t.Errorf("notes %q lack %q", got.Coverage.Notes, want)
		}
	}
	fake.ResetRequests()
	got, _ = src.Directory(context.Background(), directory.Query{UPN: "a/b@contoso.com"})
	if len(fake.Requests()) != 0 || !hasNote(got, "not a user principal name") {
		t.Errorf("a UPN with a slash: %d requests, notes %q", len(fake.Requests()), got.Coverage.Notes)
	}
}

// TestDirectoryUnreachable: Graph answering nothing stops the read after
// one note; a 5xx is a note per read.
func TestDirectoryUnreachable(t *testing.T) {
	src, fake := newDirSource(t, 0, nil, graphfake.WithStatus(http.StatusBadRequest, ""))
	got, err := src.Directory(context.Background(), dirQuery())
	if err != nil {
		t.Fatal(err)
	}
	if got.Coverage.Requests != len(fake.Requests()) || !hasNote(got, "could not read the account state: Graph answered 400 BadRequest, request-id") {
		t.Errorf("400: %d requests, notes %q", got.Coverage.Requests, got.Coverage.Notes)
	}
	cfg := src.Config()
	cfg.GraphURL = "http://127.0.0.1:1" // nothing listens
	dead, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err = dead.Directory(context.Background(), dirQuery())
	if err != nil {
		t.Fatal(err)
	}
	if got.Coverage.Requests != 1 || len(got.Coverage.Notes) != 1 || !hasNote(got, "directory context was not read") {
		t.Errorf("unreachable: %d requests, notes %q; want one request and one note", got.Coverage.Requests, got.Coverage.Notes)
	}
}

// TestDirectoryCancelledWhilePaced: cancelled while the pacer waits, the
// read returns the context's error at once and sends nothing more.
func TestDirectoryCancelledWhilePaced(t *testing.T) {
	clock := pacetest.NewFakeClock(dirNow, false)
	src, fake := newDirSource(t, 0, func(c *Config) {
		c.RequestsPerWindow, c.PacingWindow = 2, 10*time.Second
		c.Now, c.sleep = clock.Now, clock.Sleep
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := src.Directory(ctx, dirQuery())
		done <- err
	}()
	for clock.Sleeps() == 0 {
		runtime.Gosched()
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while paced: %v, want context.Canceled", err)
	}
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("the fake saw %d requests, want the 2 the pacer let through", n)
	}
	if _, err := src.Directory(ctx, dirQuery()); !errors.Is(err, context.Canceled) || len(fake.Requests()) != 2 {
		t.Errorf("a cancelled context: %v, %d requests; want context.Canceled and none sent", err, len(fake.Requests()))
	}
}

// TestDirectoryTimeoutIsANote: the source's own timeout (here while the
// pacer waits) ends the read with what it has and a note; only the
// caller's context ending is an error.
func TestDirectoryTimeoutIsANote(t *testing.T) {
	clock := pacetest.NewFakeClock(dirNow, false) // a sleeper waits until its context ends
	src, fake := newDirSource(t, 0, func(c *Config) {
		c.RequestsPerWindow, c.PacingWindow, c.Timeout = 2, 10*time.Second, 50*time.Millisecond
		c.Now, c.sleep = clock.Now, clock.Sleep
	})
	got, err := src.Directory(context.Background(), dirQuery())
	if err != nil {
		t.Fatalf("the source's timeout: %v, want a note", err)
	}
	if got.Coverage.Requests != 2 || len(fake.Requests()) != 2 || got.Account == nil || !hasNote(got, "no answer from Microsoft Graph within 50ms") {
		t.Errorf("%d requests (fake %d), account %v, notes %q", got.Coverage.Requests, len(fake.Requests()), got.Account, got.Coverage.Notes)
	}
}

// TestDirectorySharesThePacer: directory reads and sign-in reads draw on
// one pacer: after a directory read, the sign-in reads wait for its
// requests' window.
func TestDirectorySharesThePacer(t *testing.T) {
	clock := pacetest.NewFakeClock(dirNow, true)
	src, _ := newDirSource(t, 0, func(c *Config) {
		c.RequestsPerWindow, c.PacingWindow = 5, 10*time.Second
		c.Now, c.sleep = clock.Now, clock.Sleep
	})
	if _, err := src.Directory(context.Background(), dirQuery()); err != nil {
		t.Fatal(err)
	}
	if clock.Sleeps() != 0 || src.pace.InWindow() != 5 {
		t.Fatalf("after 5 directory requests: %d sleeps, %d in the window", clock.Sleeps(), src.pace.InWindow())
	}
	if _, err := src.FailedUsers(context.Background(), "", 10); err != nil {
		t.Fatal(err)
	}
	if clock.Sleeps() == 0 {
		t.Errorf("a sign-in read right after 5 directory requests did not wait for the window")
	}
}

// unpaced lets a fuzz or a benchmark send many requests: the tests' pacer
// runs on a clock that never moves.
func unpaced(c *Config) { c.RequestsPerWindow, c.Now = 1<<30, time.Now }

// FuzzDirectoryUPN: for any string as a UPN, a directory read sends at
// most one user request, whose one path segment decodes to that UPN, or
// none: no input changes the path.
func FuzzDirectoryUPN(f *testing.F) {
	for _, s := range []string{"o'brien@contoso.com", "a/b@contoso.com", "..", "x@y/../../users", "rosa_fabrikam.com#EXT#@contoso.onmicrosoft.com", "a?$select=x@y", "%2e%2e@x", "a\\b@c"} {
		f.Add(s)
	}
	fake := graphfake.New(nil, graphfake.WithToken(testToken), graphfake.WithDirectory(testDirectory(f, 0)))
	src := newSourceAt(f, fake, dirNow, unpaced)
	f.Fuzz(func(t *testing.T, upn string) {
		fake.ResetRequests()
		if _, err := src.Directory(context.Background(), directory.Query{UPN: upn, Budget: 1}); err != nil {
			t.Fatalf("%q: %v", upn, err)
		}
		reqs := fake.Requests()
		if len(reqs) == 0 {
			return
		}
		segs := strings.Split(reqs[0].Path, "/")
		if len(reqs) != 1 || len(segs) != 4 || segs[1] != "v1.0" || segs[2] != "users" {
			t.Fatalf("%q: requests %+v", upn, reqs)
		}
		if key, err := url.PathUnescape(segs[3]); err != nil || key != upn {
			t.Fatalf("%q: path %q names %q", upn, reqs[0].Path, key)
		}
	})
}

// BenchmarkDirectory is one directory read of a user with one failing
// policy (five requests) through the SDK against the fake on loopback.
func BenchmarkDirectory(b *testing.B) {
	src, _ := newDirSource(b, 0, unpaced)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Directory(context.Background(), dirQuery()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDiagnosisBudgetWithDirectory: one diagnosis of a user blocked by a
// policy reads her sign-ins and then her directory context, and all of it
// stays within DiagnosisRequestBudget: the coverage counts every request
// the fake saw. The figures are the closing note's "requests per diagnosis".
func TestDiagnosisBudgetWithDirectory(t *testing.T) {
	var raws []json.RawMessage
	for i, code := range []int{53003, 53003, 0} {
		raws = append(raws, obj(t, map[string]any{
			"id": fmt.Sprintf("s%d", i), "createdDateTime": dirNow.Add(-time.Duration(90-30*i) * time.Minute).Format(time.RFC3339),
			"correlationId": fmt.Sprintf("c%d", i), "userId": dirRosa, "userPrincipalName": "rosa@contoso.com",
			"appId": "44444444-4444-4444-8444-444444444444", "appDisplayName": "Outlook", "ipAddress": "203.0.113.5",
			"isInteractive": true, "signInEventTypes": []string{"interactiveUser"}, "status": map[string]any{"errorCode": code},
			"conditionalAccessStatus":          "failure",
			"appliedConditionalAccessPolicies": []map[string]any{{"id": dirPolicy, "displayName": "Block legacy auth", "result": "failure", "enforcedGrantControls": []string{"Block"}}},
		}))
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	src, fake := newSource(t, raws, dirNow, unpaced, graphfake.WithDirectory(testDirectory(t, 0)))
	rep, err := diagnosis.Run(context.Background(), src, signin.Collect{User: "rosa@contoso.com", Since: dirNow.Add(-48 * time.Hour), Until: dirNow}, cat)
	if err != nil {
		t.Fatal(err)
	}
	signIns, dir := rep.Collection.Coverage.Requests, rep.Directory.Requests
	if total := len(fake.Requests()); signIns+dir != total || total > DiagnosisRequestBudget || dir == 0 {
		t.Errorf("sign-in requests %d + directory requests %d, the fake saw %d; budget %d", signIns, dir, total, DiagnosisRequestBudget)
	}
	if rep.Result.AccountState == nil || !slices.ContainsFunc(rep.Result.Changes, func(c diagnosis.AuditChange) bool {
		return c.Activity == "Update conditional access policy" && c.Relevance == diagnosis.ScenarioCABlocked
	}) {
		t.Errorf("accountState %+v, changes %+v: the directory context did not reach the diagnosis", rep.Result.AccountState, rep.Result.Changes)
	}
	t.Logf("requests per diagnosis: %d for the sign-ins, %d for the directory (budget %d)", signIns, dir, DiagnosisRequestBudget)
}

// TestDirectoryReadsOnlyWhatIsAsked: opening a sign-in asks for its
// policies only; no audit, user or registration request is spent.
func TestDirectoryReadsOnlyWhatIsAsked(t *testing.T) {
	src, fake := newDirSource(t, 0, unpaced)
	dc, err := src.Directory(context.Background(), directory.Query{PolicyIDs: []string{dirPolicy}, Reads: []string{directory.ReadPolicies}})
	if err != nil {
		t.Fatal(err)
	}
	if len(dc.Policies) != 1 || len(dc.Events) != 0 || dc.Coverage.Requests != 1 || len(fake.Requests()) != 1 {
		t.Errorf("policies %d, events %d, requests %d (fake %d): want the policy's one request", len(dc.Policies), len(dc.Events), dc.Coverage.Requests, len(fake.Requests()))
	}
}
