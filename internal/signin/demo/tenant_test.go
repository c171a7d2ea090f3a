package demo

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

var (
	tenantOnce    sync.Once
	tenantFixture directory.Data
)

// demoDirectory is one shared Directory(testNow) for the read-only tests,
// beside demoData's sign-ins for the same now.
func demoDirectory(t testing.TB) directory.Data {
	t.Helper()
	tenantOnce.Do(func() { tenantFixture = Directory(testNow) })
	return tenantFixture
}

// moveData returns d with every time moved by shift.
func moveData(d directory.Data, shift time.Duration) directory.Data {
	mv := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.Add(shift)
		}
	}
	out := directory.Data{Holds: slices.Clone(d.Holds), Missing: d.Missing}
	out.Events = slices.Clone(d.Events)
	for i := range out.Events {
		mv(&out.Events[i].At)
	}
	out.Accounts = slices.Clone(d.Accounts)
	for i := range out.Accounts {
		mv(&out.Accounts[i].Created)
		mv(&out.Accounts[i].LastPasswordChange)
	}
	out.Policies = slices.Clone(d.Policies)
	for i := range out.Policies {
		mv(&out.Policies[i].Modified)
	}
	out.Credentials = map[string][]directory.Credential{}
	for id, cs := range d.Credentials {
		cs = slices.Clone(cs)
		for i := range cs {
			mv(&cs[i].Start)
			mv(&cs[i].End)
		}
		out.Credentials[id] = cs
	}
	return out
}

func TestTenantDeterministic(t *testing.T) {
	a, b := Directory(testNow), Directory(testNow)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls with the same now differ")
	}
	// Like the sign-ins, a later now moves every time and nothing else.
	const shift = 3*time.Hour + 17*time.Minute + 42*time.Second
	if c := Directory(testNow.Add(shift)); !reflect.DeepEqual(c, moveData(a, shift)) {
		t.Fatal("a shifted now changed more than the times")
	}
	// Calls share nothing.
	b.Accounts[0].MethodsRegistered = append(b.Accounts[0].MethodsRegistered[:0], "x")
	b.Events[0].Targets[0].Name = "x"
	b.Credentials[appHRSync.ID][0].KeyID = "x"
	if !reflect.DeepEqual(a, Directory(testNow)) {
		t.Fatal("editing one call's data changed another's")
	}
	if !slices.Equal(a.Holds, []string{"audit events", "account state", "MFA registration", "policies", "app credentials"}) {
		t.Errorf("Holds %q", a.Holds)
	}
}

// TestTenantMatchesSignIns: the directory's objects are those the sign-ins
// name, with the same IDs, UPNs, names and policy states.
func TestTenantMatchesSignIns(t *testing.T) {
	s, now := demoData(t)
	d := demoDirectory(t)
	accounts := map[string]directory.Account{}
	for _, a := range d.Accounts {
		if _, dup := accounts[a.ID]; dup {
			t.Fatalf("account %s twice", a.ID)
		}
		accounts[a.ID] = a
		if a.Created.After(now) || (!a.LastPasswordChange.IsZero() && a.LastPasswordChange.Before(a.Created)) {
			t.Errorf("%s: created %v, password changed %v", a.UPN, a.Created, a.LastPasswordChange)
		}
		if a.AccountEnabled == nil || a.OnPremisesSyncEnabled == nil || a.IsMFARegistered == nil ||
			*a.IsMFARegistered != (len(a.MethodsRegistered) > 0) || a.MethodsRegistered == nil {
			t.Errorf("%s: incomplete state %+v", a.UPN, a)
		}
	}
	policies := map[string]directory.Policy{}
	for _, p := range d.Policies {
		policies[p.ID] = p
	}
	wantState := func(result string) string {
		switch {
		case result == "notEnabled":
			return "disabled"
		case strings.HasPrefix(result, "reportOnly"):
			return "enabledForReportingButNotEnforced"
		}
		return "enabled"
	}
	for _, x := range s {
		u := x.User
		switch a, ok := accounts[u.ID]; {
		case u.ID == "" || u.UPN == "alex.morgan@litware.com":
			// jonh.smith has no account; alex.morgan was never invited.
			if ok {
				t.Errorf("%s has an account", u.UPN)
			}
		case !ok:
			t.Fatalf("%s (%s) signs in with no account", u.UPN, u.ID)
		case a.UPN != u.UPN || a.DisplayName != u.DisplayName || a.UserType != u.Type:
			t.Fatalf("account %+v, sign-in user %+v", a, u)
		}
		for _, p := range x.Policies {
			dp, ok := policies[p.ID]
			if !ok || dp.Name != p.Name || dp.State != wantState(p.Result) {
				t.Fatalf("sign-in policy %s %q %s: directory has %+v", p.ID, p.Name, p.Result, dp)
			}
		}
		// A method that completed MFA is registered.
		for _, st := range x.AuthDetails {
			if m, ok := registeredMethods[st.Method]; ok && st.Requirement == "MFA" && st.Succeeded &&
				!slices.Contains(accounts[u.ID].MethodsRegistered, m) {
				t.Fatalf("%s completed MFA with %q, registered %q", u.UPN, st.Method, accounts[u.ID].MethodsRegistered)
			}
		}
	}
	if len(policies) != 10 {
		t.Errorf("%d policies, want the tenant's 10", len(policies))
	}
	// Every story about a user has the user's account, but user-not-found.
	for _, st := range Stories() {
		if st.SubjectKind != "user" {
			continue
		}
		n := 0
		for i := range s {
			if signin.MatchUser(&s[i], st.Subject) {
				if _, ok := accounts[s[i].User.ID]; ok {
					n++
				}
			}
		}
		if (n > 0) != (st.Scenario != "user-not-found") {
			t.Errorf("%s (%s): %d sign-ins with an account", st.Subject, st.Scenario, n)
		}
	}
}

// TestTenantTargetsExist: every audit event names objects of the demo.
func TestTenantTargetsExist(t *testing.T) {
	s, now := demoData(t)
	d := demoDirectory(t)
	known := map[string]string{} // ID -> type
	for _, a := range d.Accounts {
		known[a.ID] = "User"
	}
	for _, p := range d.Policies {
		known[p.ID] = "Policy"
	}
	for _, g := range groups {
		known[groupID(g)] = "Group"
	}
	for _, x := range s {
		for _, a := range []signin.App{x.App, x.Resource} {
			if a.Name != "" {
				known[nameGUID("sp/"+a.Name)] = "ServicePrincipal"
				known[nameGUID("application/"+a.Name)] = "Application"
			}
		}
		if x.ServicePrincipal.ID != "" {
			known[x.ServicePrincipal.ID] = "ServicePrincipal"
		}
		if x.Device.ID != "" {
			known[x.Device.ID] = "Device"
		}
	}
	ids := map[string]bool{}
	for _, e := range d.Events {
		if e.ID == "" || ids[e.ID] || e.Activity == "" || e.Category == "" || e.Result != "success" || e.InitiatedBy == "" || len(e.Targets) == 0 {
			t.Errorf("event %+v: incomplete or duplicate", e)
		}
		ids[e.ID] = true
		if e.At.After(now) || e.At.Before(now.Add(-window)) {
			t.Errorf("%s at %v, outside the week before %v", e.Activity, e.At, now)
		}
		for _, tg := range e.Targets {
			if typ, ok := known[tg.ID]; !ok || typ != tg.Type || tg.Name == "" {
				t.Errorf("%s: target %s %q %q is no %s of the demo", e.Activity, tg.ID, tg.Type, tg.Name, tg.Type)
			}
			for _, p := range tg.Modified {
				if secretLike(p.Name) {
					t.Errorf("%s: property %q is named like a secret", e.Activity, p.Name)
				}
			}
		}
	}
	if !slices.IsSortedFunc(d.Events, func(a, b directory.Event) int { return b.At.Compare(a.At) }) {
		t.Error("events are not newest first")
	}
}

// storyEvent is the one event of activity on target, or fails.
func storyEvent(t *testing.T, d directory.Data, activity, target string) directory.Event {
	t.Helper()
	var found []directory.Event
	for _, e := range d.Events {
		if e.Activity == activity && slices.ContainsFunc(e.Targets, func(x directory.Target) bool { return x.ID == target || x.Name == target }) {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %q events on %s, want 1", len(found), activity, target)
	}
	return found[0]
}

// signInTimes are the times of the sign-ins that match, oldest first.
func signInTimes(s []signin.SignIn, match func(*signin.SignIn) bool) []time.Time {
	var out []time.Time
	for i := range s {
		if match(&s[i]) {
			out = append(out, s[i].CreatedAt)
		}
	}
	return out
}

// TestTenantStories: each story's change is where the sign-ins need it,
// and the diagnosis's table of activities matches it for the story's
// scenario.
func TestTenantStories(t *testing.T) {
	s, now := demoData(t)
	d := demoDirectory(t)
	account := func(upn string) directory.Account {
		for _, a := range d.Accounts {
			if a.UPN == upn {
				return a
			}
		}
		t.Fatalf("no account %s", upn)
		return directory.Account{}
	}
	user := func(upn string, code int) func(*signin.SignIn) bool {
		return func(x *signin.SignIn) bool { return x.User.UPN == upn && x.Status.ErrorCode == code }
	}
	app := func(id string, code int) func(*signin.SignIn) bool {
		return func(x *signin.SignIn) bool { return x.App.ID == id && x.Status.ErrorCode == code }
	}
	mail := func(name string) string { return name + "@" + Domain }
	arm := newPolicies().blockARM
	blocked := func(x *signin.SignIn) bool {
		return slices.ContainsFunc(x.Policies, func(p signin.Policy) bool { return p.ID == arm.id && p.Result == "failure" })
	}

	for _, c := range []struct {
		scenario, activity, target string
		// The event comes after every sign-in of before, and before every
		// sign-in of after (nil: no bound).
		before, after func(*signin.SignIn) bool
	}{
		{"smart-lockout", "Reset password (by admin)", mail("rosa.diaz"), user(mail("rosa.diaz"), 50053), nil},
		{"refresh-token-revoked", "Change password (self-service)", mail("tom.becker"), nil, user(mail("tom.becker"), 50173)},
		{"stale-password-replay", "Change password (self-service)", mail("greg.santos"), nil, user(mail("greg.santos"), 50126)},
		{"account-disabled", "Disable account", mail("kevin.obrien"), nil, user(mail("kevin.obrien"), 50057)},
		{"ca-blocked", "Update conditional access policy", arm.id, nil, blocked},
		{"app-credential-invalid", "Remove service principal credentials", spHRSync.ID, app(appHRSync.ID, 0), app(appHRSync.ID, 7000215)},
		{"not-assigned", "Remove app role assignment from user", mail("emily.foster"), nil, user(mail("emily.foster"), 50105)},
		{"mfa-not-completed", "User deleted security info", mail("priya.sharma"), nil, user(mail("priya.sharma"), 500121)},
	} {
		e := storyEvent(t, d, c.activity, c.target)
		a, ok := directory.Match(e)
		if !ok || !slices.Contains(a.Explains, c.scenario) {
			t.Errorf("%s on %s: matched %v %+v, want an activity that explains %s", c.activity, c.target, ok, a, c.scenario)
		}
		if c.before != nil {
			ts := signInTimes(s, c.before)
			if len(ts) == 0 || !e.At.After(ts[len(ts)-1]) {
				t.Errorf("%s on %s at %v: not after the sign-ins it follows (%d, last %v)", c.activity, c.target, e.At, len(ts), ts)
			}
		}
		if c.after != nil {
			ts := signInTimes(s, c.after)
			if len(ts) == 0 || !e.At.Before(ts[0]) {
				t.Errorf("%s on %s at %v: not before the failures it explains (%d)", c.activity, c.target, e.At, len(ts))
			}
		}
	}

	// The accounts say the same.
	for _, upn := range []string{"rosa.diaz", "tom.becker", "greg.santos"} {
		e := storyEvent(t, d, map[bool]string{true: "Reset password (by admin)", false: "Change password (self-service)"}[upn == "rosa.diaz"], mail(upn))
		if got := account(mail(upn)).LastPasswordChange; !got.Equal(e.At) {
			t.Errorf("%s: lastPasswordChange %v, event at %v", upn, got, e.At)
		}
	}
	if a := account(mail("kevin.obrien")); *a.AccountEnabled {
		t.Error("kevin.obrien's account is enabled")
	}
	for _, p := range d.Policies {
		if p.ID == arm.id && (p.State != "enabled" || !p.Modified.Equal(storyEvent(t, d, "Update conditional access policy", arm.id).At) ||
			!slices.Equal(p.GrantControls, []string{"block"})) {
			t.Errorf("%s: %+v", arm.name, p)
		}
	}
	// marcus.chen's password passed 90 days before his 50055s, not long before.
	changed := account(mail("marcus.chen")).LastPasswordChange
	first := signInTimes(s, user(mail("marcus.chen"), 50055))[0]
	if age := first.Sub(changed); age < 90*24*time.Hour || age > 91*24*time.Hour {
		t.Errorf("marcus.chen's password was %v old at his first 50055", age)
	}
	// The user whose password expired last week changed it at the prompt.
	for i := range s {
		x := &s[i]
		if x.Status.ErrorCode != 50055 || x.User.UPN == mail("marcus.chen") {
			continue
		}
		changed := account(x.User.UPN).LastPasswordChange
		next := signInTimes(s, func(y *signin.SignIn) bool { return y.User.UPN == x.User.UPN && y.CreatedAt.After(x.CreatedAt) })
		if !changed.After(x.CreatedAt) || !changed.Before(next[0]) {
			t.Errorf("%s: password changed %v, expired prompt %v, next sign-in %v", x.User.UPN, changed, x.CreatedAt, next[0])
		}
		storyEvent(t, d, "Change password (self-service)", x.User.UPN)
	}
	// MFA registration: none for sam.okafor; Authenticator and SMS for priya.
	if a := account(mail("sam.okafor")); *a.IsMFARegistered || len(a.MethodsRegistered) != 0 {
		t.Errorf("sam.okafor: %v %q", *a.IsMFARegistered, a.MethodsRegistered)
	}
	if a := account(mail("priya.sharma")); !slices.Equal(a.MethodsRegistered, []string{methodAuthenticator, methodMobilePhone}) {
		t.Errorf("priya.sharma: %q", a.MethodsRegistered)
	}

	// Payroll's consent was never granted: no consent event at all, and its
	// release is an event that explains nothing.
	for _, e := range d.Events {
		if a, ok := directory.Match(e); ok && slices.Contains(a.Explains, "consent-required") {
			t.Errorf("%s: consent was never granted or removed", e.Activity)
		}
	}
	if e := storyEvent(t, d, "Update application", "Contoso Payroll"); !e.At.Before(signInTimes(s, app(appPayroll.ID, 65001))[0]) {
		t.Errorf("Payroll's release at %v, after its first 65001", e.At)
	}

	// Credentials: the Expense API's only secret expired three days ago,
	// the one its sign-ins name; HR Sync has one valid secret, which its
	// sign-ins never named (they send something else).
	exp := d.Credentials[appExpenseAPI.ID]
	if len(exp) != 1 || exp[0].End.After(now) || now.Sub(exp[0].End) < 72*time.Hour || now.Sub(exp[0].End) > 76*time.Hour {
		t.Errorf("Contoso Expense API: %+v", exp)
	}
	named := map[string]bool{}
	for _, x := range s {
		if k := x.ServicePrincipalCredentialKeyID; k != "" {
			named[x.App.ID+"/"+k] = true
		}
	}
	if !named[appExpenseAPI.ID+"/"+exp[0].KeyID] {
		t.Errorf("the Expense API's sign-ins do not name its secret %s", exp[0].KeyID)
	}
	hr := d.Credentials[appHRSync.ID]
	if len(hr) != 1 || !hr[0].Start.Before(now) || !hr[0].End.After(now) || named[appHRSync.ID+"/"+hr[0].KeyID] {
		t.Errorf("Contoso HR Sync: %+v", hr)
	}
	for id, cs := range d.Credentials {
		for _, c := range cs {
			if id != appExpenseAPI.ID && !c.End.After(now) {
				t.Errorf("app %s: credential %s expired", id, c.KeyID)
			}
		}
	}

	// Ordinary changes surround the stories and explain nothing.
	noise := 0
	for _, e := range d.Events {
		if _, ok := directory.Match(e); !ok {
			noise++
		}
	}
	if noise < 10 {
		t.Errorf("%d events that match no activity, want 10+", noise)
	}
}

// TestTenantThroughMemory reads the demo's directory as the diagnosis
// will: through directory.NewMemory, for a subject's IDs and window.
func TestTenantThroughMemory(t *testing.T) {
	_, now := demoData(t)
	m := directory.NewMemory(demoDirectory(t))
	tom := nameGUID("user/tom.becker@" + Domain)
	arm := newPolicies().blockARM
	for _, c := range []struct {
		name     string
		q        directory.Query
		activity string
	}{
		{"tom", directory.Query{UserID: tom}, "Change password (self-service)"},
		{"kevin by UPN", directory.Query{UPN: "Kevin.OBrien@contoso.com"}, "Disable account"},
		{"hr sync", directory.Query{AppID: appHRSync.ID, ServicePrincipalID: spHRSync.ID}, "Remove service principal credentials"},
		{"tessa's policy", directory.Query{UserID: nameGUID("user/tessa.vogel@" + Domain), PolicyIDs: []string{arm.id}}, "Update conditional access policy"},
	} {
		c.q.Since, c.q.Until = now.Add(-directory.ChangesLookback), now
		got, err := m.Directory(context.Background(), c.q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(got.Events, func(e directory.Event) bool { return e.Activity == c.activity }) {
			t.Errorf("%s: no %q among %d events", c.name, c.activity, len(got.Events))
		}
		if (c.q.UserID != "" || c.q.UPN != "") && got.Account == nil {
			t.Errorf("%s: no account", c.name)
		}
		if c.q.AppID != "" && len(got.Credentials) == 0 {
			t.Errorf("%s: no credentials", c.name)
		}
		if len(c.q.PolicyIDs) > 0 && len(got.Policies) != 1 {
			t.Errorf("%s: policies %+v", c.name, got.Policies)
		}
	}
}

func TestSanitizeDirectory(t *testing.T) {
	d := directory.Data{
		Events: []directory.Event{{Activity: "Update user\x1b[31m", Targets: []directory.Target{{Name: "a\nb", Modified: []directory.Property{
			{Name: "ClientSecret", Old: "s3cr3t", New: "n3w"}, {Name: "JobTitle", Old: "x\u202ey"},
		}}}}},
		Accounts: []directory.Account{{DisplayName: "Eve\x07", MethodsRegistered: []string{"m\x00"}}},
		Policies: []directory.Policy{{Conditions: []string{"users:\tall"}}},
	}
	sanitizeDirectory(&d)
	tg := d.Events[0].Targets[0]
	if d.Events[0].Activity != "Update user" || tg.Name != "a b" || tg.Modified[0].Old != "" || tg.Modified[0].New != "" ||
		tg.Modified[1].Old != "xy" || d.Accounts[0].DisplayName != "Eve" || d.Accounts[0].MethodsRegistered[0] != "m" ||
		d.Policies[0].Conditions[0] != "users: all" {
		t.Errorf("not sanitized: %+v", d)
	}
}

func BenchmarkDirectory(b *testing.B) {
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		Directory(now)
	}
}
