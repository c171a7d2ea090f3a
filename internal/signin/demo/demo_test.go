package demo

import (
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// testNow has sub-second precision and a non-UTC zone on purpose.
var testNow = time.Date(2026, time.March, 9, 16, 4, 5, 678_000_000, time.FixedZone("CET", 3600))

var (
	fixtureOnce sync.Once
	fixture     []signin.SignIn
)

// demoData is one shared generation for the read-only tests.
func demoData(t testing.TB) ([]signin.SignIn, time.Time) {
	t.Helper()
	fixtureOnce.Do(func() { fixture = Generate(testNow) })
	return fixture, testNow.UTC().Truncate(time.Second)
}

func classifier(t testing.TB) func(int) catalog.Outcome {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return func(code int) catalog.Outcome {
		if code == 0 {
			return catalog.OutcomeSuccess
		}
		e, ok := cat.Lookup(code)
		if !ok {
			t.Fatalf("code %d is not in the catalog", code)
		}
		return e.Outcome
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func byCorrelation(s []signin.SignIn) map[string][]signin.SignIn {
	m := map[string][]signin.SignIn{}
	for _, x := range s {
		m[x.CorrelationID] = append(m[x.CorrelationID], x) // s is oldest first
	}
	return m
}

func TestDeterministic(t *testing.T) {
	a := Generate(testNow)
	b := Generate(testNow)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls with the same now differ")
	}

	const shift = 3*time.Hour + 17*time.Minute + 42*time.Second
	c := Generate(testNow.Add(shift))
	if len(c) != len(a) {
		t.Fatalf("len %d after a shift, want %d", len(c), len(a))
	}
	for i := range a {
		if d := c[i].CreatedAt.Sub(a[i].CreatedAt); d != shift {
			t.Fatalf("record %d moved by %v, want %v", i, d, shift)
		}
		// Apart from the times, the records are the same.
		x := c[i]
		x.CreatedAt = a[i].CreatedAt
		x.AuthDetails = slices.Clone(x.AuthDetails)
		for j := range x.AuthDetails {
			if d := x.AuthDetails[j].At.Sub(a[i].AuthDetails[j].At); d != shift {
				t.Fatalf("record %d step %d moved by %v, want %v", i, j, d, shift)
			}
			x.AuthDetails[j].At = a[i].AuthDetails[j].At
		}
		if !reflect.DeepEqual(x, a[i]) {
			t.Fatalf("record %d differs beyond its times:\n%+v\n%+v", i, x, a[i])
		}
	}
}

func TestCallsShareNothing(t *testing.T) {
	a := Generate(testNow)
	want := Generate(testNow)
	// Scribble over everything a caller could reach through the first result.
	for i := range a {
		s := &a[i]
		s.ID, s.User.UPN = "x", "x"
		for j := range s.Policies {
			s.Policies[j].Result = "x"
			for k := range s.Policies[j].GrantControls {
				s.Policies[j].GrantControls[k] = "x"
			}
		}
		if s.Device.IsCompliant != nil {
			*s.Device.IsCompliant = !*s.Device.IsCompliant
		}
		for k := range s.Risk.EventTypes {
			s.Risk.EventTypes[k] = "x"
		}
	}
	if got := Generate(testNow); !reflect.DeepEqual(got, want) {
		t.Fatal("changing one call's records changed a later call's")
	}
}

func TestWindowAndVolume(t *testing.T) {
	s, now := demoData(t)
	if n := len(s); n < 2000 || n > 6000 {
		t.Fatalf("%d sign-ins, want 2,000 to 6,000", n)
	}
	if !s[len(s)-1].CreatedAt.Equal(now) {
		t.Errorf("newest is %v, want exactly %v", s[len(s)-1].CreatedAt, now)
	}
	if s[0].CreatedAt.Before(now.Add(-7 * 24 * time.Hour)) {
		t.Errorf("oldest is %v, before now-7d", s[0].CreatedAt)
	}
	if !slices.IsSortedFunc(s, func(a, b signin.SignIn) int { return a.CreatedAt.Compare(b.CreatedAt) }) {
		t.Error("not oldest first")
	}
	perType := map[signin.Type]int{}
	successes := 0
	for _, x := range s {
		perType[x.Type]++
		if x.CreatedAt.Location() != time.UTC {
			t.Fatalf("%s: CreatedAt not in UTC", x.ID)
		}
		if x.Status.ErrorCode == 0 {
			successes++
		}
	}
	for _, typ := range signin.AllTypes {
		if perType[typ] < 100 {
			t.Errorf("%d %s sign-ins, want at least 100", perType[typ], typ)
		}
	}
	if successes*10 < len(s)*7 {
		t.Errorf("%d of %d sign-ins succeed, want most (70%%+)", successes, len(s))
	}
	t.Logf("%d sign-ins: %v, %d successes", len(s), perType, successes)
}

func TestIdentifiers(t *testing.T) {
	s, _ := demoData(t)
	ids := map[string]bool{}
	for _, x := range s {
		if !guidRE.MatchString(x.ID) || !guidRE.MatchString(x.CorrelationID) {
			t.Fatalf("ID %q / correlation ID %q is not a GUID", x.ID, x.CorrelationID)
		}
		if ids[x.ID] {
			t.Fatalf("ID %s appears twice", x.ID)
		}
		ids[x.ID] = true
		if x.TenantID != TenantID {
			t.Fatalf("%s: tenant %q", x.ID, x.TenantID)
		}
	}
	// A correlation ID belongs to one flow: one user or workload, one
	// client app, a few minutes; the original request ID is its first request.
	for corr, flow := range byCorrelation(s) {
		first := flow[0]
		for _, x := range flow {
			if x.User.UPN != first.User.UPN || x.App.ID != first.App.ID || x.ServicePrincipal.ID != first.ServicePrincipal.ID {
				t.Fatalf("correlation %s spans users or apps", corr)
			}
			if x.CreatedAt.Sub(first.CreatedAt) > 10*time.Minute {
				t.Fatalf("correlation %s spans %v", corr, x.CreatedAt.Sub(first.CreatedAt))
			}
			if x.OriginalRequestID != first.ID {
				t.Fatalf("correlation %s: original request ID %s, want the first request %s", corr, x.OriginalRequestID, first.ID)
			}
		}
	}
}

func TestDirectory(t *testing.T) {
	s, _ := demoData(t)
	idOf, nameOf := map[string]string{}, map[string]string{}
	members, guests := map[string]bool{}, map[string]bool{}
	memberRE := regexp.MustCompile(`^[a-z]+\.[a-z]+@contoso\.com$`)
	for _, x := range s {
		u := x.User
		if u.UPN == "" {
			continue
		}
		if id, ok := idOf[u.UPN]; ok && id != u.ID {
			t.Fatalf("%s has object IDs %s and %s", u.UPN, id, u.ID)
		}
		idOf[u.UPN] = u.ID
		if n, ok := nameOf[u.UPN]; ok && n != u.DisplayName {
			t.Fatalf("%s has display names %q and %q", u.UPN, n, u.DisplayName)
		}
		nameOf[u.UPN] = u.DisplayName
		switch u.Type {
		case "member":
			if memberRE.MatchString(u.UPN) {
				members[u.UPN] = true
			}
			if x.HomeTenantID != TenantID {
				t.Fatalf("member %s with home tenant %s", u.UPN, x.HomeTenantID)
			}
		case "guest":
			// A guest's UPN is its home address, or the #EXT# UPN this
			// tenant gave it (whose home address signin.HomeAddress reads).
			if (strings.HasSuffix(u.UPN, "@"+Domain) && signin.HomeAddress(u.UPN) == "") || x.HomeTenantID == TenantID {
				t.Fatalf("guest %s looks like a member", u.UPN)
			}
			guests[u.UPN] = true
		}
		if u.ID != "" && !guidRE.MatchString(u.ID) {
			t.Fatalf("%s: object ID %q is not a GUID", u.UPN, u.ID)
		}
	}
	if len(members) < 250 || len(guests) < 5 {
		t.Errorf("%d first.last members and %d guests, want 250+ and 5+", len(members), len(guests))
	}
	// Object IDs are derived from UPNs: a different now keeps them.
	later := Generate(testNow.Add(48 * time.Hour))
	for _, x := range later {
		if id, ok := idOf[x.User.UPN]; ok && id != x.User.ID {
			t.Fatalf("%s: object ID changed with now", x.User.UPN)
		}
	}

	apps := map[string]string{}
	for _, x := range s {
		if n, ok := apps[x.App.ID]; ok && n != x.App.Name {
			t.Fatalf("app ID %s named %q and %q", x.App.ID, n, x.App.Name)
		}
		apps[x.App.ID] = x.App.Name
	}
	if len(apps) < 12 || len(apps) > 20 {
		t.Errorf("%d apps, want about 15", len(apps))
	}
	for id, name := range map[string]string{
		"1fec8e78-bce4-4aaf-ab1b-5451cc387264": "Microsoft Teams",
		"c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "Azure Portal",
		"00000002-0000-0ff1-ce00-000000000000": "Office 365 Exchange Online",
	} {
		if apps[id] != name {
			t.Errorf("app %s is %q, want %q", id, apps[id], name)
		}
	}
}

// TestRecordDetail checks the detail every record carries.
func TestRecordDetail(t *testing.T) {
	s, _ := demoData(t)
	ranges := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("10.0.0.0/8"),
	}
	results := []string{"success", "failure", "notApplied", "notEnabled", "reportOnlySuccess", "reportOnlyFailure", "reportOnlyNotApplied"}
	for _, x := range s {
		ip, err := netip.ParseAddr(x.IPAddress)
		if err != nil || !slices.ContainsFunc(ranges, func(p netip.Prefix) bool { return p.Contains(ip) }) {
			t.Fatalf("%s: address %q outside the documentation and private ranges", x.ID, x.IPAddress)
		}
		if x.Location.CountryOrRegion == "" || x.Location.City == "" {
			t.Fatalf("%s: no location", x.ID)
		}
		if x.Failed() && (x.Status.FailureReason == "" || x.Status.AdditionalDetails == "") {
			t.Fatalf("%s: code %d without failure reason and details", x.ID, x.Status.ErrorCode)
		}
		if !slices.Contains([]string{"success", "failure", "notApplied"}, x.ConditionalAccessStatus) {
			t.Fatalf("%s: conditional access status %q", x.ID, x.ConditionalAccessStatus)
		}
		for _, p := range x.Policies {
			if !slices.Contains(results, p.Result) || !guidRE.MatchString(p.ID) || p.Name == "" {
				t.Fatalf("%s: policy %+v", x.ID, p)
			}
		}
		for _, st := range x.AuthDetails {
			if st.At.After(x.CreatedAt) || x.CreatedAt.Sub(st.At) > 10*time.Minute {
				t.Fatalf("%s: step at %v, sign-in at %v", x.ID, st.At, x.CreatedAt)
			}
		}
		if x.Type == signin.Interactive || x.Type == signin.NonInteractive {
			if x.ClientApp == "" || x.AuthRequirement == "" {
				t.Fatalf("%s: user sign-in without client app or authentication requirement", x.ID)
			}
		}
	}
}

func TestWorkloadRows(t *testing.T) {
	s, _ := demoData(t)
	for _, x := range s {
		switch x.Type {
		case signin.ServicePrincipal, signin.ManagedIdentity:
			if x.User != (signin.User{}) {
				t.Fatalf("%s: %s sign-in with a user %+v", x.ID, x.Type, x.User)
			}
			if !guidRE.MatchString(x.ServicePrincipal.ID) || x.ServicePrincipal.Name == "" || x.App.ID == "" {
				t.Fatalf("%s: %s sign-in without service principal or app", x.ID, x.Type)
			}
			if (x.Type == signin.ManagedIdentity) != (x.ManagedIdentity != "") {
				t.Fatalf("%s: %s sign-in with managed identity type %q", x.ID, x.Type, x.ManagedIdentity)
			}
		default:
			if x.User.UPN == "" || x.ServicePrincipal != (signin.App{}) || x.ManagedIdentity != "" {
				t.Fatalf("%s: user sign-in %+v / %+v", x.ID, x.User, x.ServicePrincipal)
			}
		}
	}
}

// TestFirstLook: the default search window (24 hours) must hold a real
// variety of failures, not only interrupts.
func TestFirstLook(t *testing.T) {
	s, now := demoData(t)
	classify := classifier(t)
	codes := map[int]int{}
	for _, x := range s {
		if x.CreatedAt.Before(now.Add(-24*time.Hour)) || !x.Failed() {
			continue
		}
		if o := classify(x.Status.ErrorCode); o == catalog.OutcomeFailure || o == catalog.OutcomeTransient {
			codes[x.Status.ErrorCode]++
		}
	}
	if len(codes) < 8 {
		t.Errorf("%d distinct failure codes in the last 24 h, want at least 8: %v", len(codes), codes)
	}
	t.Logf("failures in the last 24 h: %v", codes)
}

func TestRosaLockout(t *testing.T) {
	s, now := demoData(t)
	classify := classifier(t)
	var codes []int
	var last time.Time
	for _, x := range s {
		if x.User.UPN != "rosa.diaz@"+Domain || classify(x.Status.ErrorCode) != catalog.OutcomeFailure {
			continue
		}
		if x.CreatedAt.Before(now.Add(-24 * time.Hour)) {
			t.Fatalf("rosa failed at %v, before the last 24 h", x.CreatedAt)
		}
		if x.Type != signin.Interactive || x.CreatedAt.Before(last) {
			t.Fatalf("rosa's failures out of order or not interactive")
		}
		last = x.CreatedAt
		codes = append(codes, x.Status.ErrorCode)
	}
	want := append(slices.Repeat([]int{50126}, 11), 50053)
	if !slices.Equal(codes, want) {
		t.Fatalf("rosa's failures are %v, want 11 x 50126 then 50053", codes)
	}
	// Since the lockout she has not managed an interactive sign-in.
	for _, x := range s {
		if x.User.UPN == "rosa.diaz@"+Domain && x.Type == signin.Interactive && !x.Failed() && x.CreatedAt.After(last) {
			t.Fatalf("rosa signed in at %v, after her lockout", x.CreatedAt)
		}
	}
}

func TestPasswordSpray(t *testing.T) {
	s, now := demoData(t)
	users := map[string]bool{}
	var first, last time.Time
	locked, declined := 0, false
	for _, x := range s {
		if x.IPAddress != sprayIP {
			continue
		}
		if first.IsZero() {
			first = x.CreatedAt
		}
		last = x.CreatedAt
		switch x.Status.ErrorCode {
		case 50126:
			users[x.User.UPN] = true
		case 50053:
			locked++
		case 500121:
			declined = strings.Contains(x.Status.AdditionalDetails, "declined")
		}
	}
	if len(users) < 30 {
		t.Errorf("spray from %s hit %d users, want 30+", sprayIP, len(users))
	}
	if last.Sub(first) > time.Hour || first.Before(now.Add(-24*time.Hour)) {
		t.Errorf("spray from %v to %v: want within one hour, in the last 24 h", first, last)
	}
	if locked == 0 || !declined {
		t.Errorf("spray: %d x 50053, declined MFA %v; want some of both", locked, declined)
	}
}

// TestScenarios checks that every story is present with its telling detail.
func TestScenarios(t *testing.T) {
	s, now := demoData(t)
	type check struct {
		name string
		code int
		typ  signin.Type
		min  int
		ok   func(signin.SignIn) bool
	}
	// Stories that need not reach into the last 24 hours.
	old := map[string]bool{"disabled account, browser": true, "proof-up": true}
	upn := func(name string) func(signin.SignIn) bool {
		return func(x signin.SignIn) bool { return x.User.UPN == name+"@"+Domain }
	}
	policy := func(name, result string) func(signin.SignIn) bool {
		return func(x signin.SignIn) bool {
			return slices.ContainsFunc(x.Policies, func(p signin.Policy) bool { return p.Name == name && p.Result == result })
		}
	}
	details := func(word string) func(signin.SignIn) bool {
		return func(x signin.SignIn) bool { return strings.Contains(strings.ToLower(x.Status.AdditionalDetails), word) }
	}
	client := func(c string) func(signin.SignIn) bool {
		return func(x signin.SignIn) bool {
			return x.ClientApp == c && policy("Block legacy authentication", "failure")(x) && x.ConditionalAccessStatus == "failure"
		}
	}
	app := func(name string) func(signin.SignIn) bool {
		return func(x signin.SignIn) bool { return x.App.Name == name }
	}
	checks := []check{
		{"expired password", 50055, signin.Interactive, 2, upn("marcus.chen")},
		{"disabled account, phone", 50057, signin.NonInteractive, 10, upn("kevin.obrien")},
		{"disabled account, browser", 50057, signin.Interactive, 1, upn("kevin.obrien")},
		{"MFA declined", 500121, signin.Interactive, 1, details("declined")},
		{"MFA no response", 500121, signin.Interactive, 1, details("no response")},
		{"MFA fraud", 500121, signin.Interactive, 1, details("fraud")},
		{"proof-up", 50079, signin.Interactive, 1, upn("nina.patel")},
		{"registration abandoned", 50072, signin.Interactive, 1, upn("sam.okafor")},
		{"legacy IMAP4", 53003, signin.Interactive, 5, client("IMAP4")},
		{"legacy ActiveSync", 53003, signin.Interactive, 5, client("Exchange ActiveSync")},
		{"legacy other clients", 53003, signin.Interactive, 5, client("Other clients")},
		{"compliant device", 53000, signin.Interactive, 4, func(x signin.SignIn) bool {
			return x.App.Name == "Salesforce" && policy("Require compliant device for Salesforce", "failure")(x)
		}},
		{"sign-in frequency", 70044, signin.Interactive, 2, app("Azure Portal")},
		{"sign-in frequency, refresh", 70043, signin.NonInteractive, 3, nil},
		{"revoked, Outlook Mobile", 50173, signin.NonInteractive, 10, func(x signin.SignIn) bool {
			return upn("tom.becker")(x) && x.App.Name == "Outlook Mobile"
		}},
		{"revoked, Teams", 50173, signin.NonInteractive, 10, func(x signin.SignIn) bool {
			return upn("tom.becker")(x) && x.App.Name == "Microsoft Teams"
		}},
		{"expired secret", 7000222, signin.ServicePrincipal, 20, app("Contoso Expense API")},
		{"wrong secret", 7000215, signin.ServicePrincipal, 10, nil},
		{"missing consent", 65001, "", 5, app("Contoso Payroll")},
		{"not assigned", 50105, signin.Interactive, 2, func(x signin.SignIn) bool {
			return upn("emily.foster")(x) && x.App.Name == "ServiceNow"
		}},
		{"external user", 50020, signin.Interactive, 1, func(x signin.SignIn) bool {
			return x.User.Type == "guest" && !strings.HasSuffix(x.User.UPN, "@"+Domain)
		}},
		{"transient", 90025, signin.Interactive, 3, nil},
		{"managed identity", 500011, signin.ManagedIdentity, 5, nil},
		{"stale saved password", 50126, signin.Interactive, 8, upn("greg.santos")},
		{"MFA required", 50076, signin.Interactive, 20, nil},
		{"MFA required, admin", 50074, signin.Interactive, 2, app("Azure Portal")},
		{"KMSI", 50140, signin.Interactive, 10, nil},
		{"no SSO session", 50058, signin.Interactive, 10, nil},
	}
	for _, c := range checks {
		n, recent := 0, 0
		for _, x := range s {
			if x.Status.ErrorCode == c.code && (c.typ == "" || x.Type == c.typ) && (c.ok == nil || c.ok(x)) {
				n++
				if !x.CreatedAt.Before(now.Add(-24 * time.Hour)) {
					recent++
				}
			}
		}
		if n < c.min {
			t.Errorf("%s: %d sign-ins with %d, want %d+", c.name, n, c.code, c.min)
		}
		if recent == 0 && !old[c.name] {
			t.Errorf("%s: none in the last 24 h", c.name)
		}
	}

	reportOnly := 0
	for _, x := range s {
		if slices.ContainsFunc(x.Policies, func(p signin.Policy) bool { return strings.HasPrefix(p.Result, "reportOnly") }) {
			reportOnly++
		}
	}
	if reportOnly == 0 || reportOnly == len(s) {
		t.Errorf("%d of %d sign-ins carry report-only policies, want some", reportOnly, len(s))
	}
}

// TestInterruptFlows: interrupts are followed by a success under the same
// correlation ID (a later, different request), except the few abandoned.
func TestInterruptFlows(t *testing.T) {
	s, _ := demoData(t)
	classify := classifier(t)
	followed, alone := map[int]int{}, map[int]int{}
	for corr, flow := range byCorrelation(s) {
		successAt := -1
		for i, x := range flow {
			if !x.Failed() {
				successAt = i
			}
		}
		if successAt >= 0 && successAt != len(flow)-1 {
			t.Fatalf("correlation %s: a request follows its success", corr)
		}
		for i, x := range flow {
			if classify(x.Status.ErrorCode) != catalog.OutcomeInterrupt {
				continue
			}
			if successAt > i {
				ok := flow[successAt]
				if !ok.CreatedAt.After(x.CreatedAt) || ok.ID == x.ID {
					t.Fatalf("correlation %s: success %s not after interrupt %s", corr, ok.ID, x.ID)
				}
				followed[x.Status.ErrorCode]++
			} else {
				alone[x.Status.ErrorCode]++
			}
		}
	}
	for _, code := range []int{50058, 50140, 50074, 50076, 50079} {
		if followed[code] == 0 {
			t.Errorf("no %d followed by a success", code)
		}
	}
	if alone[50076] == 0 {
		t.Error("every 50076 is followed by a success; want some abandoned")
	}
	// Transient errors are retried successfully too.
	for _, flow := range byCorrelation(s) {
		if flow[0].Status.ErrorCode == 90025 && flow[len(flow)-1].Failed() {
			t.Errorf("90025 in correlation %s not followed by a success", flow[0].CorrelationID)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		Generate(now)
	}
}

func TestFarNow(t *testing.T) {
	for _, now := range []time.Time{time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)} {
		s := Generate(now)
		if !s[len(s)-1].CreatedAt.Equal(now) || !slices.IsSortedFunc(s, func(a, b signin.SignIn) int { return a.CreatedAt.Compare(b.CreatedAt) }) {
			t.Errorf("now %v: newest %v, or not sorted", now, s[len(s)-1].CreatedAt)
		}
	}
}
