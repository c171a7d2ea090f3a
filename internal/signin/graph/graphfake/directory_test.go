package graphfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

const (
	fakeUser   = "11111111-1111-4111-8111-111111111111"
	fakePolicy = "22222222-2222-4222-8222-222222222222"
	fakeApp    = "33333333-3333-4333-8333-333333333333"
)

func rawObj(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeDirectory holds n audit events on fakeUser an hour apart (the newest
// at t0), one on the policy, and one object per other endpoint.
func fakeDirectory(t testing.TB, n int) Directory {
	var d Directory
	for i := range n {
		d.Audits = append(d.Audits, rawObj(t, map[string]any{"id": fmt.Sprintf("u%02d", i), "activityDateTime": t0.Add(-time.Duration(i) * time.Hour).Format(time.RFC3339),
			"activityDisplayName": "Update user", "targetResources": []any{map[string]any{"id": fakeUser, "type": "User"}}}))
	}
	d.Audits = append(d.Audits, rawObj(t, map[string]any{"id": "p", "activityDateTime": t0.Format(time.RFC3339),
		"activityDisplayName": "Update conditional access policy", "targetResources": []any{map[string]any{"id": fakePolicy, "type": "Policy"}}}))
	d.Users = []json.RawMessage{rawObj(t, map[string]any{"id": fakeUser, "userPrincipalName": "o'brien@contoso.com", "accountEnabled": true, "jobTitle": "x"})}
	d.Policies = []json.RawMessage{rawObj(t, map[string]any{"id": fakePolicy, "displayName": "Require MFA", "state": "enabled"})}
	d.Registrations = []json.RawMessage{rawObj(t, map[string]any{"id": fakeUser, "isMfaRegistered": false})}
	d.ServicePrincipals = []json.RawMessage{rawObj(t, map[string]any{"id": "sp", "appId": fakeApp, "displayName": "Payroll"})}
	d.Applications = []json.RawMessage{rawObj(t, map[string]any{"id": "app", "appId": fakeApp, "displayName": "Payroll"})}
	return d
}

func auditsURL(filter string, extra ...string) string {
	v := url.Values{"$filter": {filter}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/v1.0/auditLogs/directoryAudits?" + v.Encode()
}

func TestDirectoryAuditsFilterOrderAndPaging(t *testing.T) {
	_, ts := newTestServer(t, nil, WithDirectory(fakeDirectory(t, 5)))
	userFilter := "activityDateTime ge " + t0.Add(-3*time.Hour).Format(time.RFC3339) + " and targetResources/any(t: t/id eq '" + fakeUser + "')"
	a := get(t, ts, auditsURL(userFilter, "$top", "2", "$orderby", "activityDateTime desc"))
	var got []string
	for {
		if a.status != http.StatusOK {
			t.Fatalf("%d %s", a.status, a.text)
		}
		got = append(got, a.ids(t)...)
		next := a.nextLink()
		if next == "" {
			break
		}
		if u, _ := url.Parse(next); !u.Query().Has("$skiptoken") || u.Query().Get("$filter") != userFilter {
			t.Fatalf("nextLink %q", next)
		}
		a = get(t, ts, next)
	}
	if want := []string{"u00", "u01", "u02", "u03"}; !slices.Equal(got, want) {
		t.Errorf("pages %v, want %v (newest first, in the window)", got, want)
	}
	a = get(t, ts, auditsURL("targetResources/any(t: t/id eq '"+fakeUser+"')", "$orderby", "activityDateTime asc", "$top", "1"))
	if ids := a.ids(t); !slices.Equal(ids, []string{"u04"}) {
		t.Errorf("ascending: %v", ids)
	}
	// Graph compares IDs case-insensitively.
	if ids := get(t, ts, auditsURL("targetResources/any(t: t/id eq '"+fakePolicy+"')")).ids(t); !slices.Equal(ids, []string{"p"}) {
		t.Errorf("policy: %v", ids)
	}
}

func TestDirectoryAuditsRefusals(t *testing.T) {
	_, ts := newTestServer(t, nil, WithDirectory(fakeDirectory(t, 1)))
	for _, tc := range []struct {
		path, code string
	}{
		// any() under or is not documented to work on directoryAudits.
		{auditsURL("targetResources/any(t: t/id eq 'a') or targetResources/any(t: t/id eq 'b')"), CodeUnsupportedQuery},
		{auditsURL("(targetResources/any(t: t/id eq 'a') or targetResources/any(t: t/id eq 'b'))"), CodeUnsupportedQuery},
		{auditsURL("activityDateTime gt 2025-01-01T00:00:00Z"), CodeUnsupportedQuery},
		{auditsURL("targetResources/any(t: t/type eq 'User')"), CodeUnsupportedQuery},
		{auditsURL("createdDateTime ge 2025-01-01T00:00:00Z"), CodeBadRequest},
		{auditsURL("targetResources/any(t: t/id eq '"), CodeBadRequest},
		{auditsURL("", "$orderby", "activityDisplayName"), CodeUnsupportedQuery},
		{auditsURL("", "$top", "1001"), CodeBadRequest},
		{auditsURL("", "$skip", "1"), CodeBadRequest},
		{auditsURL("", "$skiptoken", "forged"), CodeBadRequest},
	} {
		get(t, ts, tc.path).graphErr(t, http.StatusBadRequest, tc.code)
	}
	// or between plain comparisons stays allowed.
	if a := get(t, ts, auditsURL("activityDisplayName eq 'Update user' or activityDisplayName eq 'Disable account'")); a.status != http.StatusOK {
		t.Errorf("or of comparisons: %d %s", a.status, a.text)
	}
}

func TestDirectoryObjects(t *testing.T) {
	_, ts := newTestServer(t, nil, WithDirectory(fakeDirectory(t, 0)))
	for _, tc := range []struct{ path, id string }{
		{"/v1.0/users/" + fakeUser, fakeUser},
		{"/v1.0/users/O%27Brien%40contoso.com", fakeUser}, // by UPN, escaped, any case
		{"/v1.0/identity/conditionalAccess/policies/" + fakePolicy, fakePolicy},
		{"/v1.0/reports/authenticationMethods/userRegistrationDetails/" + fakeUser, fakeUser},
		{"/v1.0/applications(appId=%27" + fakeApp + "%27)", "app"},
		{"/v1.0/applications(appId='" + fakeApp + "')", "app"},
		{"/v1.0/applications/app", "app"},
	} {
		a := get(t, ts, tc.path)
		if a.status != http.StatusOK || a.body["id"] != tc.id {
			t.Errorf("%s: %d %s", tc.path, a.status, a.text)
		}
	}
	a := get(t, ts, "/v1.0/users/"+fakeUser+"?$select=id,accountEnabled")
	if len(a.body) != 3 || a.body["accountEnabled"] != true { // id, accountEnabled, @odata.context
		t.Errorf("$select: %s", a.text)
	}
	sp := get(t, ts, "/v1.0/servicePrincipals?"+url.Values{"$filter": {"appId eq '" + fakeApp + "'"}, "$select": {"id,appId"}}.Encode())
	if ids := sp.ids(t); !slices.Equal(ids, []string{"sp"}) {
		t.Errorf("service principal by appId: %v", ids)
	}
	if ids := get(t, ts, "/v1.0/servicePrincipals?"+url.Values{"$filter": {"appId eq 'other'"}}.Encode()).ids(t); len(ids) != 0 {
		t.Errorf("another appId: %v", ids)
	}
	for _, p := range []string{"/v1.0/users/nobody", "/v1.0/users/a%2Fb", "/v1.0/identity/conditionalAccess/policies/x", "/v1.0/applications(appId='x')",
		"/v1.0/reports/authenticationMethods/userRegistrationDetails/x"} {
		get(t, ts, p).graphErr(t, http.StatusNotFound, CodeNotFound)
	}
	for _, p := range []string{"/v1.0/applications(appId='a'b')", "/v1.0/users/a/b"} {
		get(t, ts, p).graphErr(t, http.StatusNotFound, CodeBadRequest)
	}
	get(t, ts, "/v1.0/users/"+fakeUser+"?"+url.Values{"$filter": {"id eq 'x'"}}.Encode()).graphErr(t, http.StatusBadRequest, CodeBadRequest)
}

func TestDeny(t *testing.T) {
	fake, ts := newTestServer(t, mixed(t), WithDirectory(fakeDirectory(t, 1)), WithDenied(EndpointAudits, CodeNoPremiumLicence))
	get(t, ts, auditsURL("")).graphErr(t, http.StatusForbidden, CodeNoPremiumLicence)
	if a := get(t, ts, "/v1.0/users/"+fakeUser); a.status != http.StatusOK {
		t.Errorf("users answered %d while only audits are denied", a.status)
	}
	if a := get(t, ts, "/v1.0/auditLogs/signIns"); a.status != http.StatusOK {
		t.Errorf("sign-ins answered %d while only audits are denied", a.status)
	}
	for endpoint, path := range map[Endpoint]string{
		EndpointUsers:             "/v1.0/users/" + fakeUser,
		EndpointPolicies:          "/v1.0/identity/conditionalAccess/policies/" + fakePolicy,
		EndpointRegistrations:     "/v1.0/reports/authenticationMethods/userRegistrationDetails/" + fakeUser,
		EndpointServicePrincipals: "/v1.0/servicePrincipals",
		EndpointApplications:      "/v1.0/applications(appId='" + fakeApp + "')",
		EndpointSignIns:           "/v1.0/auditLogs/signIns",
	} {
		fake.Deny(endpoint, "")
		want := CodeRequestDenied
		if endpoint == EndpointRegistrations || endpoint == EndpointSignIns {
			want = CodePermissionMissing
		}
		get(t, ts, path).graphErr(t, http.StatusForbidden, want)
		fake.Deny(endpoint, "-")
		if a := get(t, ts, path); a.status != http.StatusOK {
			t.Errorf("%s after lifting the denial: %d", endpoint, a.status)
		}
	}
}
