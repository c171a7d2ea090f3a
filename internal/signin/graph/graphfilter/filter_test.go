package graphfilter

import (
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfake"
)

var t0 = time.Date(2025, 1, 9, 8, 0, 0, 0, time.UTC)

func TestBuild(t *testing.T) {
	code := 50126
	cases := []struct {
		q    signin.Query
		typ  signin.Type
		beta bool
		want string
	}{
		{signin.Query{}, signin.Interactive, false, "status/errorCode ne 0"},
		{signin.Query{User: "Rosa.Diaz@Contoso.com"}, signin.Interactive, false, "(userPrincipalName eq 'rosa.diaz@contoso.com' or startswith(userPrincipalName, 'rosa.diaz_contoso.com#ext#@')) and status/errorCode ne 0"},
		{signin.Query{User: "ana_fabrikam.example#EXT#@contoso.com"}, signin.Interactive, false, "userPrincipalName eq 'ana_fabrikam.example#ext#@contoso.com' and status/errorCode ne 0"},
		{signin.Query{User: "rosa"}, signin.Interactive, false, "userPrincipalName eq 'rosa' and status/errorCode ne 0"},
		{signin.Query{User: "0FC2C12E-F690-46A5-8A86-8864F5141F40"}, signin.Interactive, false, "userId eq '0fc2c12e-f690-46a5-8a86-8864f5141f40' and status/errorCode ne 0"},
		{signin.Query{App: "O'Brien Payroll"}, signin.Interactive, false, "appDisplayName eq 'O''Brien Payroll' and status/errorCode ne 0"},
		{signin.Query{App: "d3590ed6-52b3-4102-aeff-aad2292ab01c"}, signin.Interactive, false, "appId eq 'd3590ed6-52b3-4102-aeff-aad2292ab01c' and status/errorCode ne 0"},
		{signin.Query{ErrorCode: &code, IPAddress: "203.0.113.7", CorrelationID: "C081A4B6-D4CE-4CA5-807C-48199235037C"}, signin.Interactive, false,
			"status/errorCode eq 50126 and ipAddress eq '203.0.113.7' and correlationId eq 'c081a4b6-d4ce-4ca5-807c-48199235037c'"},
		{signin.Query{Since: t0, Until: t0.Add(90 * time.Minute)}, signin.NonInteractive, true,
			"status/errorCode ne 0 and createdDateTime ge 2025-01-09T08:00:00Z and createdDateTime le 2025-01-09T09:30:00Z and signInEventTypes/any(t: t eq 'nonInteractiveUser')"},
		{signin.Query{}, signin.ServicePrincipal, true, "status/errorCode ne 0 and signInEventTypes/any(t: t eq 'servicePrincipal')"},
		{signin.Query{}, signin.ManagedIdentity, true, "status/errorCode ne 0 and signInEventTypes/any(t: t eq 'managedIdentity')"},
		// A GUID may be a service principal's object ID: workloads on beta
		// log it; user sign-ins and v1.0 do not.
		{signin.Query{App: "8E9F0A1B-2C3D-4E4F-9A5B-6C7D8E9F0A31"}, signin.ManagedIdentity, true,
			"(appId eq '8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a31' or servicePrincipalId eq '8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a31') and status/errorCode ne 0 and signInEventTypes/any(t: t eq 'managedIdentity')"},
		{signin.Query{App: "8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a31"}, signin.ServicePrincipal, true,
			"(appId eq '8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a31' or servicePrincipalId eq '8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a31') and status/errorCode ne 0 and signInEventTypes/any(t: t eq 'servicePrincipal')"},
		{signin.Query{App: "8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a31"}, signin.NonInteractive, true,
			"appId eq '8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a31' and status/errorCode ne 0 and signInEventTypes/any(t: t eq 'nonInteractiveUser')"},
		{signin.Query{App: "Payroll Sync"}, signin.ServicePrincipal, true,
			"appDisplayName eq 'Payroll Sync' and status/errorCode ne 0 and signInEventTypes/any(t: t eq 'servicePrincipal')"},
	}
	for _, c := range cases {
		got, err := Build(c.q, c.typ, c.beta)
		if err != nil || got != c.want {
			t.Errorf("Build(%+v) =\n %q, %v\nwant\n %q", c.q, got, err, c.want)
		}
		// Every filter we build is one Graph's grammar accepts, on
		// properties and operators Graph supports.
		expr, err := graphfake.Parse(got)
		if err != nil {
			t.Errorf("the fake of Graph rejects %q: %v", got, err)
			continue
		}
		if err := expr.Supported(graphfake.V1); err != nil && !c.beta {
			t.Errorf("the fake of Graph v1.0 does not support %q: %v", got, err)
		}
		if err := expr.Supported(graphfake.Beta); err != nil && c.beta {
			t.Errorf("the fake of Graph beta does not support %q: %v", got, err)
		}
	}
	for _, bad := range []signin.Query{{User: "a\nb"}, {App: strings.Repeat("x", 300)}, {IPAddress: "1.2.3.4\x00"}, {CorrelationID: "x\ty"}} {
		if _, err := Build(bad, signin.Interactive, false); err == nil {
			t.Errorf("Build(%+v) accepted a value no user, app, IP or correlation ID has", bad)
		}
	}
}

// FuzzUserValue: for any string, the filter built for it parses, and selects
// exactly a record with that value: no input changes the filter's structure.
func FuzzUserValue(f *testing.F) {
	for _, s := range []string{"rosa@contoso.com", "o'brien@contoso.com", "') or (1 eq 1", "' or ''='", "x' and startswith(appId,'", "ünïcødé@contoso.com", "''''", "a eq 'b'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return // no value, no clause: the tools drop empty filters
		}
		for _, field := range []string{"user", "app"} {
			q := signin.Query{}
			if field == "user" {
				q.User = s
			} else {
				q.App = s
			}
			filter, err := Build(q, signin.Interactive, false)
			if err != nil {
				return // refused before reaching a filter: fine
			}
			expr, err := graphfake.Parse(filter)
			if err != nil {
				t.Fatalf("%s %q: built filter %q does not parse: %v", field, s, filter, err)
			}
			key, value := "userPrincipalName", strings.ToLower(s)
			if field == "app" {
				key, value = "appDisplayName", s
			}
			if IsGUID(s) {
				key, value = map[string]string{"user": "userId", "app": "appId"}[field], strings.ToLower(s)
			}
			hit := map[string]any{key: value, "status": map[string]any{"errorCode": float64(50126)}}
			miss := map[string]any{key: value + "x", "status": map[string]any{"errorCode": float64(50126)}}
			if ok, err := expr.Match(hit); err != nil || !ok {
				t.Fatalf("%s %q: filter %q does not select its own value (%v)", field, s, filter, err)
			}
			if ok, _ := expr.Match(miss); ok {
				t.Fatalf("%s %q: filter %q selects another value", field, s, filter)
			}
			// An email address finds the guest it was invited as, and only
			// that guest.
			if p := signin.GuestPrefix(s); field == "user" && p != "" {
				guest := map[string]any{key: p + "contoso.com", "status": map[string]any{"errorCode": float64(50126)}}
				if ok, err := expr.Match(guest); err != nil || !ok {
					t.Fatalf("user %q: filter %q does not select the guest %q (%v)", s, filter, p+"contoso.com", err)
				}
				other := map[string]any{key: "x" + p + "contoso.com", "status": map[string]any{"errorCode": float64(50126)}}
				if ok, _ := expr.Match(other); ok {
					t.Fatalf("user %q: filter %q selects another guest", s, filter)
				}
			}
		}
	})
}

func TestBuildSuccessesAndNext(t *testing.T) {
	code := 50126
	q := signin.Query{User: "Rosa@Contoso.com", App: "Outlook", ErrorCode: &code, IPAddress: "203.0.113.7", CorrelationID: "c1", Since: t0, Until: t0.Add(time.Hour)}
	got, err := BuildSuccesses(q, signin.NonInteractive, true)
	want := "(userPrincipalName eq 'rosa@contoso.com' or startswith(userPrincipalName, 'rosa_contoso.com#ext#@')) and appDisplayName eq 'Outlook' and status/errorCode eq 0 and createdDateTime ge 2025-01-09T08:00:00Z and createdDateTime le 2025-01-09T09:10:00Z and signInEventTypes/any(t: t eq 'nonInteractiveUser')"
	if err != nil || got != want {
		t.Errorf("BuildSuccesses =\n %q, %v\nwant (no code, IP or flow: a retry elsewhere counts; the window 10 minutes longer)\n %q", got, err, want)
	}
	f := signin.SignIn{CreatedAt: t0.Add(1500 * time.Millisecond), Type: signin.Interactive,
		User: signin.User{ID: "0FC2C12E-F690-46A5-8A86-8864F5141F40", UPN: "rosa@contoso.com"}, App: signin.App{ID: "APP-1", Name: "Outlook"}}
	next, ok, err := BuildNextSuccess(&f, false)
	if want := "userId eq '0fc2c12e-f690-46a5-8a86-8864f5141f40' and appId eq 'app-1' and status/errorCode eq 0 and createdDateTime ge 2025-01-09T08:00:01.5Z"; !ok || err != nil || next != want {
		t.Errorf("BuildNextSuccess = %q, %v, %v; want %q", next, ok, err, want)
	}
	sp := signin.SignIn{CreatedAt: t0, Type: signin.ServicePrincipal, ServicePrincipal: signin.App{ID: "SP-1"}, App: signin.App{ID: "app-2"}}
	spNext, ok, err := BuildNextSuccess(&sp, true)
	if want := "servicePrincipalId eq 'sp-1' and status/errorCode eq 0 and createdDateTime ge 2025-01-09T08:00:00Z and signInEventTypes/any(t: t eq 'servicePrincipal')"; !ok || err != nil || spNext != want {
		t.Errorf("BuildNextSuccess(workload) = %q, %v, %v; want %q", spNext, ok, err, want)
	}
	// A workload's next success is for the same resource: by ID, else by
	// name, else any.
	var resNext []string
	for res, want := range map[signin.App]string{
		{ID: "CFA8B339-82A2-471A-A3C9-0FC0BE7A4093", Name: "Azure Key Vault"}: "servicePrincipalId eq 'sp-1' and resourceId eq 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093' and status/errorCode eq 0",
		{ID: "https://vault.azure.net"}:                                       "servicePrincipalId eq 'sp-1' and resourceId eq 'https://vault.azure.net' and status/errorCode eq 0",
		{Name: "api://O'Brien-dev"}:                                           "servicePrincipalId eq 'sp-1' and resourceDisplayName eq 'api://O''Brien-dev' and status/errorCode eq 0",
	} {
		w := sp
		w.Type, w.Resource = signin.ManagedIdentity, res
		f, ok, err := BuildNextSuccess(&w, true)
		if !ok || err != nil || !strings.HasPrefix(f, want+" and createdDateTime ge ") {
			t.Errorf("BuildNextSuccess(workload for %+v) = %q, %v, %v; want it to start %q", res, f, ok, err, want)
		}
		resNext = append(resNext, f)
	}
	user := f
	user.Resource = signin.App{ID: "00000003-0000-0000-c000-000000000000"}
	if userNext, _, _ := BuildNextSuccess(&user, false); userNext != next {
		t.Errorf("a user's next success is for the same app whatever the resource: %q, want %q", userNext, next)
	}
	for _, got := range append([]string{got, next, spNext}, resNext...) {
		expr, err := graphfake.Parse(got)
		if err != nil {
			t.Errorf("the fake of Graph rejects %q: %v", got, err)
			continue
		}
		if err := expr.Supported(graphfake.Beta); err != nil {
			t.Errorf("Graph beta does not support %q: %v", got, err)
		}
	}
	if _, ok, _ := BuildNextSuccess(&signin.SignIn{Type: signin.Interactive, App: signin.App{ID: "a"}}, false); ok {
		t.Error("a sign-in without a user has no next success to look for")
	}
}

func TestBuildCollect(t *testing.T) {
	w := signin.Query{Since: t0.Add(500 * time.Millisecond), Until: t0.Add(time.Hour)}
	with := func(mut func(*signin.Query)) signin.Query { q := w; mut(&q); return q }
	cases := []struct {
		name, got, want string
		beta            bool
	}{}
	add := func(name string, beta bool, want string, got string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cases = append(cases, struct {
			name, got, want string
			beta            bool
		}{name, got, want, beta})
	}
	f, err := BuildWindow(with(func(q *signin.Query) { q.User = "O'Brien@Contoso.com" }), signin.NonInteractive, true)
	add("a user's every outcome in the window", true,
		"(userPrincipalName eq 'o''brien@contoso.com' or startswith(userPrincipalName, 'o''brien_contoso.com#ext#@')) and createdDateTime ge 2025-01-09T08:00:00Z and createdDateTime le 2025-01-09T09:00:00Z and signInEventTypes/any(t: t eq 'nonInteractiveUser')", f, err)
	f, err = BuildWindow(with(func(q *signin.Query) { q.IPAddress = "203.0.113.7' or 'x' eq 'x" }), signin.Interactive, false)
	add("one IP, its quote doubled", false,
		"ipAddress eq '203.0.113.7'' or ''x'' eq ''x' and createdDateTime ge 2025-01-09T08:00:00Z and createdDateTime le 2025-01-09T09:00:00Z", f, err)
	f, err = BuildWindowSuccesses(with(func(q *signin.Query) { q.IPAddress = "203.0.113.7" }), signin.Interactive, false)
	add("one IP's successes", false,
		"status/errorCode eq 0 and ipAddress eq '203.0.113.7' and createdDateTime ge 2025-01-09T08:00:00Z and createdDateTime le 2025-01-09T09:00:00Z", f, err)
	f, ok, err := BuildLastSuccess(with(func(q *signin.Query) { q.App = "d3590ed6-52b3-4102-aeff-aad2292ab01c" }), signin.ServicePrincipal, true)
	if !ok {
		t.Fatal("an app has a last success to look for")
	}
	add("an app's last success before the window, to the 100 ns, by app ID or service principal object ID", true,
		"(appId eq 'd3590ed6-52b3-4102-aeff-aad2292ab01c' or servicePrincipalId eq 'd3590ed6-52b3-4102-aeff-aad2292ab01c') and status/errorCode eq 0 and createdDateTime lt 2025-01-09T08:00:00.5Z and signInEventTypes/any(t: t eq 'servicePrincipal')", f, err)
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s:\n %q\nwant\n %q", c.name, c.got, c.want)
		}
		expr, err := graphfake.Parse(c.got)
		if err != nil {
			t.Errorf("%s: the fake of Graph rejects %q: %v", c.name, c.got, err)
			continue
		}
		v := graphfake.V1
		if c.beta {
			v = graphfake.Beta
		}
		if err := expr.Supported(v); err != nil {
			t.Errorf("%s: Graph does not support %q: %v", c.name, c.got, err)
		}
	}
	if _, ok, _ := BuildLastSuccess(with(func(q *signin.Query) { q.IPAddress = "203.0.113.7" }), signin.Interactive, false); ok {
		t.Error("an IP has no last success to look for")
	}
	if _, err := BuildWindow(with(func(q *signin.Query) { q.IPAddress = "1.2.3.4\n" }), signin.Interactive, false); err == nil {
		t.Error("BuildWindow accepted an IP with a control character")
	}
}

// FuzzCollectValue: for any string as a diagnosis subject or a same-IP
// address, the filters a diagnosis sends parse, and select exactly a
// record with that value: no input changes the filter's structure.
func FuzzCollectValue(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "2001:db8::1", "') or (1 eq 1", "' or ''='", "x' and startswith(appId,'", "''''", "c081a4b6-d4ce-4ca5-807c-48199235037c"} {
		f.Add(s)
	}
	since := t0.Add(time.Hour)
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		for _, field := range []string{"user", "app", "ipAddress", "correlationId"} {
			q := signin.Query{Since: since}
			key, value := field, s
			switch field {
			case "user":
				q.User, key, value = s, "userPrincipalName", strings.ToLower(s)
			case "app":
				q.App, key = s, "appDisplayName"
			case "ipAddress":
				q.IPAddress = s
			case "correlationId":
				q.CorrelationID, value = s, strings.ToLower(s)
			}
			if IsGUID(s) && (field == "user" || field == "app") {
				key, value = map[string]string{"user": "userId", "app": "appId"}[field], strings.ToLower(s)
			}
			window, err := BuildWindow(q, signin.Interactive, false)
			if err != nil {
				return // refused before reaching a filter: fine
			}
			filters := []string{window}
			if last, ok, err := BuildLastSuccess(q, signin.Interactive, false); ok && err == nil {
				filters = append(filters, last)
			}
			for _, filter := range filters {
				expr, err := graphfake.Parse(filter)
				if err != nil {
					t.Fatalf("%s %q: built filter %q does not parse: %v", field, s, filter, err)
				}
				at := t0.Add(90 * time.Minute)
				if filter != window {
					at = t0 // a last success lies before the window
				}
				rec := func(v string) map[string]any {
					return map[string]any{key: v, "status": map[string]any{"errorCode": float64(0)}, "createdDateTime": at.Format(time.RFC3339Nano)}
				}
				if ok, err := expr.Match(rec(value)); err != nil || !ok {
					t.Fatalf("%s %q: filter %q does not select its own value (%v)", field, s, filter, err)
				}
				if ok, _ := expr.Match(rec(value + "x")); ok {
					t.Fatalf("%s %q: filter %q selects another value", field, s, filter)
				}
			}
			// A workload's app is also selected by its service principal's
			// object ID, and only by it.
			if field != "app" {
				continue
			}
			mi, err := BuildWindow(q, signin.ManagedIdentity, true)
			if err != nil {
				t.Fatalf("app %q: accepted for interactive sign-ins, refused for managed identities: %v", s, err)
			}
			expr, err := graphfake.Parse(mi)
			if err != nil {
				t.Fatalf("app %q: built filter %q does not parse: %v", s, mi, err)
			}
			for _, k := range []string{key, "servicePrincipalId"} {
				rec := func(v string) map[string]any {
					return map[string]any{k: v, "createdDateTime": since.Add(time.Minute).Format(time.RFC3339), "signInEventTypes": []any{"managedIdentity"}}
				}
				ok, err := expr.Match(rec(value))
				if want := k == key || IsGUID(s); err != nil || ok != want {
					t.Fatalf("app %q: filter %q on %s: %v (%v), want %v", s, mi, k, ok, err, want)
				}
				if ok, _ := expr.Match(rec(value + "x")); ok {
					t.Fatalf("app %q: filter %q selects another %s", s, mi, k)
				}
			}
		}
	})
}

// TestBuildFailuresLeavingOut: a tenant triage's failure filter leaves the
// interrupts out at Graph, in a canonical order, with a filter both
// versions accept; it selects a failure and neither a success nor a left-out
// code.
func TestBuildFailuresLeavingOut(t *testing.T) {
	q := signin.Query{Since: t0, Until: t0.Add(time.Hour)}
	got, err := BuildFailuresLeavingOut(q, []int{50076, 0, 50074, 50076}, signin.NonInteractive, true)
	want := "status/errorCode ne 0 and status/errorCode ne 50074 and status/errorCode ne 50076 and createdDateTime ge 2025-01-09T08:00:00Z and createdDateTime le 2025-01-09T09:00:00Z and signInEventTypes/any(t: t eq 'nonInteractiveUser')"
	if err != nil || got != want {
		t.Errorf("BuildFailuresLeavingOut =\n %q, %v\nwant\n %q", got, err, want)
	}
	for v, typ := range map[graphfake.Version]signin.Type{graphfake.V1: signin.Interactive, graphfake.Beta: signin.ManagedIdentity} {
		f, err := BuildFailuresLeavingOut(q, []int{50074, 50076}, typ, v == graphfake.Beta)
		if err != nil {
			t.Fatal(err)
		}
		expr, err := graphfake.Parse(f)
		if err != nil {
			t.Fatalf("the fake of Graph rejects %q: %v", f, err)
		}
		if err := expr.Supported(v); err != nil {
			t.Errorf("Graph %v does not support %q: %v", v, f, err)
		}
		at := t0.Add(time.Minute).Format(time.RFC3339)
		for code, wantMatch := range map[int]bool{50126: true, 0: false, 50074: false, 50076: false} {
			rec := map[string]any{"createdDateTime": at, "status": map[string]any{"errorCode": float64(code)}, "signInEventTypes": []any{typ.EventType()}}
			if ok, err := expr.Match(rec); err != nil || ok != wantMatch {
				t.Errorf("%q on code %d: %v, %v; want %v", f, code, ok, err, wantMatch)
			}
		}
	}
	plain, _ := Build(q, signin.Interactive, false)
	if f, _ := BuildFailuresLeavingOut(q, nil, signin.Interactive, false); f != plain {
		t.Errorf("with nothing to leave out: %q, want Build's %q", f, plain)
	}
	code := 50074
	if f, _ := BuildFailuresLeavingOut(signin.Query{ErrorCode: &code}, []int{50074}, signin.Interactive, false); f != "status/errorCode eq 50074" {
		t.Errorf("a code asked for is read whatever is left out: %q", f)
	}
}

func TestBuildAudits(t *testing.T) {
	id := "0FC2C12E-F690-46A5-8A86-8864F5141F40"
	got, err := BuildAudits(id, t0, t0.Add(90*time.Minute+500*time.Millisecond))
	want := "activityDateTime ge 2025-01-09T08:00:00Z and activityDateTime le 2025-01-09T09:30:01Z and targetResources/any(t: t/id eq '0fc2c12e-f690-46a5-8a86-8864f5141f40')"
	if err != nil || got != want {
		t.Errorf("BuildAudits = %q, %v\nwant %q", got, err, want)
	}
	if got, _ := BuildAudits(id, time.Time{}, t0); got != "activityDateTime le 2025-01-09T08:00:00Z and targetResources/any(t: t/id eq '0fc2c12e-f690-46a5-8a86-8864f5141f40')" {
		t.Errorf("a whole second stays: %q", got)
	}
	for _, bad := range []string{"", "a/b", "0fc2c12e-f690-46a5-8a86-8864f5141f40' or ''='", "rosa@contoso.com", "0fc2c12e-f690-46a5-8a86-8864f5141f4"} {
		if f, err := BuildAudits(bad, t0, t0); err == nil {
			t.Errorf("BuildAudits(%q) = %q, want refused", bad, f)
		}
		if f, err := BuildServicePrincipal(bad); err == nil {
			t.Errorf("BuildServicePrincipal(%q) = %q, want refused", bad, f)
		}
	}
	if got, err := BuildServicePrincipal(id); err != nil || got != "appId eq '0fc2c12e-f690-46a5-8a86-8864f5141f40'" {
		t.Errorf("BuildServicePrincipal = %q, %v", got, err)
	}
}

// FuzzDirectoryValue: for any string as a directory object or app ID, the
// directory filters either refuse it or parse and select exactly an object
// with that ID: no input changes the filter's structure.
func FuzzDirectoryValue(f *testing.F) {
	for _, s := range []string{"0fc2c12e-f690-46a5-8a86-8864f5141f40", "0FC2C12E-F690-46A5-8A86-8864F5141F40", "') or (1 eq 1", "' or ''='", "a/b", "o'brien@contoso.com", "0fc2c12e-f690-46a5-8a86-8864f5141f40' or true or '"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at := t0.Add(time.Hour)
		if filter, err := BuildAudits(s, t0, t0.Add(2*time.Hour)); err == nil {
			expr, err := graphfake.Parse(filter)
			if err != nil {
				t.Fatalf("%q: audit filter %q does not parse: %v", s, filter, err)
			}
			event := func(id string) map[string]any {
				return map[string]any{"activityDateTime": at.Format(time.RFC3339Nano), "targetResources": []any{map[string]any{"id": id}}}
			}
			if ok, err := expr.Match(event(strings.ToLower(s))); err != nil || !ok {
				t.Fatalf("%q: audit filter %q does not select its own target (%v)", s, filter, err)
			}
			if ok, _ := expr.Match(event(strings.ToLower(s) + "x")); ok {
				t.Fatalf("%q: audit filter %q selects another target", s, filter)
			}
		}
		if filter, err := BuildServicePrincipal(s); err == nil {
			expr, err := graphfake.Parse(filter)
			if err != nil {
				t.Fatalf("%q: service principal filter %q does not parse: %v", s, filter, err)
			}
			if ok, err := expr.Match(map[string]any{"appId": strings.ToLower(s)}); err != nil || !ok {
				t.Fatalf("%q: filter %q does not select its own app (%v)", s, filter, err)
			}
			if ok, _ := expr.Match(map[string]any{"appId": strings.ToLower(s) + "x"}); ok {
				t.Fatalf("%q: filter %q selects another app", s, filter)
			}
		}
	})
}
