package diagnosis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

var tenant = diagnosis.Subject{Kind: diagnosis.KindTenant}

func triage(t testing.TB, recs []signin.SignIn) diagnosis.Result {
	t.Helper()
	cat := mustCatalog(t)
	return diagnosis.Diagnose(diagnosis.Input{
		Subject: tenant, Since: t0, Until: t0.Add(48 * time.Hour),
		SignIns: recs, Classify: diagnosis.Classifier(cat), Catalog: cat,
	})
}

// userEvents gives user upn the events evs (options appended).
func userEvents(upn string, evs ...ev) []ev {
	for i := range evs {
		evs[i].opts = append(slices.Clone(evs[i].opts), user(upn), ip("198.51.100."+fmt.Sprint(len(upn))))
	}
	return evs
}

// tenantFixture: a spray, a policy that blocked 12 users within the hour, a
// workload with an expired secret, a user with three expired-password
// failures, one with one disabled-account failure, an interrupts-only user
// and a user whose wrong password was followed by a success.
func tenantFixture() []signin.SignIn {
	var evs []ev
	for i := range 12 {
		evs = append(evs, userEvents(fmt.Sprintf("ca%02d@contoso.com", i), ev{200 + i, 53003, []func(*signin.SignIn){blockPolicy}})...)
	}
	evs = append(evs, ev{300, 7000222, []func(*signin.SignIn){workload}}, ev{400, 7000222, []func(*signin.SignIn){workload}})
	evs = append(evs, userEvents("expired@contoso.com", ev{500, 50055, nil}, ev{520, 50055, nil}, ev{540, 50055, nil})...)
	evs = append(evs, userEvents("gone@contoso.com", ev{600, 50057, nil})...)
	evs = append(evs, userEvents("mfa@contoso.com", ev{700, 50074, []func(*signin.SignIn){corr("m1")}}, ev{701, 0, []func(*signin.SignIn){corr("m1")}})...)
	evs = append(evs, userEvents("typo@contoso.com", ev{800, 50126, nil}, ev{801, 0, nil})...)
	return append(build("t", evs), sprayers(diagnosis.SprayMinUsers, "192.0.2.9")...)
}

func TestTenantRanking(t *testing.T) {
	r := triage(t, tenantFixture())
	want := []string{diagnosis.ScenarioSpray, diagnosis.ScenarioCABlocked, diagnosis.ScenarioAppSecretExpired, diagnosis.ScenarioPasswordExpired, diagnosis.ScenarioAccountDisabled}
	if got := scenarios(r); !slices.Equal(got, want) {
		t.Fatalf("findings = %v, want %v", got, want)
	}
	if ca := r.Findings[1]; ca.Evidence.UserCount != 12 || len(ca.Evidence.Users) == 0 || !strings.Contains(ca.Summary, "12 users") || len(ca.Evidence.Policies) != 1 {
		t.Errorf("mass failure = %+v", ca)
	}
	if sp := r.Findings[0]; sp.Evidence.UserCount != diagnosis.SprayMinUsers {
		t.Errorf("spray = %+v", sp)
	}
	if u := r.Findings[3]; !slices.Equal(u.Evidence.Users, []string{"expired@contoso.com"}) {
		t.Errorf("user finding = %+v", u)
	}
	for _, f := range r.Findings {
		for _, u := range f.Evidence.Users {
			if u == "mfa@contoso.com" || u == "typo@contoso.com" {
				t.Errorf("%s listed in %+v", u, f)
			}
		}
	}
	if r.Omitted != nil || r.LastSuccess != nil || !strings.HasPrefix(r.Verdict, "tenant: Password spray") {
		t.Errorf("omitted %+v, lastSuccess %+v, verdict %q", r.Omitted, r.LastSuccess, r.Verdict)
	}
}

// TestTenantUsersBounded: at most MaxTenantUsers users named, the rest
// counted; the users with the most ongoing failures first.
func TestTenantUsersBounded(t *testing.T) {
	var evs []ev
	const n = diagnosis.MaxTenantUsers + 5
	for i := range n {
		// Spread out over the window so that no code hits many users at once.
		var mine []ev
		for k := range i%3 + 1 {
			mine = append(mine, ev{i*150 + k, 50057, nil})
		}
		evs = append(evs, userEvents(fmt.Sprintf("user%02d@contoso.com", i), mine...)...)
	}
	r := triage(t, build("b", evs))
	named := len(r.Findings)
	if named == 0 || named > diagnosis.MaxTenantUsers {
		t.Fatalf("%d users named: %v", named, scenarios(r))
	}
	if r.Omitted == nil || r.Omitted.Users != n-named || r.Omitted.Findings != n-named || !strings.Contains(r.Omitted.Note, fmt.Sprintf("%d more user(s)", n-named)) {
		t.Errorf("%d named, omitted = %+v", named, r.Omitted)
	}
	seen := map[string]bool{}
	for i, f := range r.Findings {
		if len(f.Evidence.Users) != 1 || seen[f.Evidence.Users[0]] {
			t.Errorf("finding %d does not name one new user: %+v", i, f.Evidence)
		}
		seen[f.Evidence.Users[0]] = true
		if i > 0 && f.Evidence.Count > r.Findings[i-1].Evidence.Count {
			t.Errorf("users not ranked by ongoing failures: %d after %d", f.Evidence.Count, r.Findings[i-1].Evidence.Count)
		}
	}
	if r.Findings[0].Evidence.Count != 3 || !strings.Contains(r.Verdict, "more user(s)") {
		t.Errorf("top %+v, verdict %q", r.Findings[0].Evidence, r.Verdict)
	}
	if b, _ := json.Marshal(r); len(b) > diagnosis.TenantResultBudget {
		t.Errorf("%d bytes, budget %d", len(b), diagnosis.TenantResultBudget)
	}
}

// TestTenantPerUserIsolation: two users with two wrong passwords each and a
// 50053 for a third user from elsewhere are no lockout of the first two.
func TestTenantPerUserIsolation(t *testing.T) {
	evs := append(userEvents("a@contoso.com", ev{0, 50126, nil}, ev{1, 50126, nil}), userEvents("b@contoso.com", ev{2, 50126, nil}, ev{3, 50126, nil})...)
	evs = append(evs, ev{4, 50053, []func(*signin.SignIn){user("c@contoso.com"), ip("192.0.2.200")}})
	r := triage(t, build("p", evs))
	got := map[string]string{}
	for _, f := range r.Findings {
		if len(f.Evidence.Users) != 1 {
			t.Fatalf("finding of several users: %+v", f)
		}
		got[f.Evidence.Users[0]] = f.Scenario
	}
	want := map[string]string{"a@contoso.com": diagnosis.ScenarioBadPassword, "b@contoso.com": diagnosis.ScenarioBadPassword, "c@contoso.com": diagnosis.ScenarioMaliciousIP}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings by user = %v, want %v", got, want)
	}
}

// TestTenantNothingOngoing: interrupts and resolved failures only.
func TestTenantNothingOngoing(t *testing.T) {
	evs := append(userEvents("mfa@contoso.com", ev{0, 50074, []func(*signin.SignIn){corr("m")}}, ev{1, 0, []func(*signin.SignIn){corr("m")}}),
		userEvents("typo@contoso.com", ev{5, 50126, nil}, ev{6, 0, nil})...)
	r := triage(t, build("q", evs))
	if got := scenarios(r); !slices.Equal(got, []string{diagnosis.ScenarioNoFailures}) || r.Findings[0].Status != diagnosis.StatusResolved {
		t.Errorf("findings = %+v", r.Findings)
	}
}

func TestTenantShuffle(t *testing.T) {
	recs := append(tenantFixture(), build("s", func() []ev {
		var evs []ev
		for i := range 30 {
			evs = append(evs, userEvents(fmt.Sprintf("s%02d@contoso.com", i), ev{900 + i*40, 50057 + i%2*(50034-50057), nil})...)
		}
		return evs
	}())...)
	want, err := json.Marshal(triage(t, recs))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 30 {
		a := slices.Clone(recs)
		rng.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
		got, _ := json.Marshal(triage(t, a))
		if string(got) != string(want) {
			t.Fatalf("shuffle %d changed the triage:\n%s\nwant\n%s", i, got, want)
		}
	}
}

// bigTenant is 100,000 sign-ins of 5,000 users over two days: successes,
// MFA prompts completed, wrong passwords, expired passwords, a spray, an
// outage of one code across many users, and failing workloads.
func bigTenant() []signin.SignIn {
	codes := []int{0, 0, 0, 50074, 0, 50126, 0, 50055, 0, 50057, 0, 90033, 0, 53003, 0, 7000222}
	recs := make([]signin.SignIn, 100_000)
	for i := range recs {
		u := fmt.Sprintf("user%04d@contoso.com", i%5000)
		s := signin.SignIn{
			ID: fmt.Sprintf("big-%06d", i), CreatedAt: t0.Add(time.Duration(i) * 1700 * time.Millisecond), Type: signin.Interactive,
			User: signin.User{ID: "oid-" + u, UPN: u}, App: signin.App{ID: fmt.Sprintf("app-%d", i%7), Name: fmt.Sprintf("App %d", i%7)},
			IPAddress: fmt.Sprintf("198.51.%d.%d", i%200, i%250), ClientApp: "Browser", CorrelationID: fmt.Sprintf("c-%d", i/2),
			Status: signin.Status{ErrorCode: codes[i%len(codes)]},
		}
		switch s.Status.ErrorCode {
		case 53003:
			blockPolicy(&s)
		case 7000222:
			workload(&s)
			s.ServicePrincipal.ID = fmt.Sprintf("sp-%d", i%40)
		}
		if i%97 == 0 {
			s.IPAddress, s.Status.ErrorCode = "192.0.2.66", 50126
		}
		recs[i] = s
	}
	return recs
}

// TestTenantBudget: a triage of 100,000 sign-ins fits TenantResultBudget
// and says what it cut.
func TestTenantBudget(t *testing.T) {
	r := triage(t, bigTenant())
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > diagnosis.TenantResultBudget {
		t.Errorf("%d bytes, budget %d", len(b), diagnosis.TenantResultBudget)
	}
	if r.Omitted == nil || r.Omitted.Users == 0 || r.Omitted.Note == "" {
		t.Errorf("omitted = %+v", r.Omitted)
	}
	if len(r.Findings) == 0 || r.Findings[0].Scenario != diagnosis.ScenarioSpray {
		t.Errorf("findings = %v", scenarios(r))
	}
	t.Logf("%d bytes, findings %v, omitted %+v", len(b), scenarios(r), r.Omitted)
}

// BenchmarkTriage100k measures a tenant triage over 100,000 sign-ins of
// 5,000 users, and reports the answer's size.
func BenchmarkTriage100k(b *testing.B) {
	recs := bigTenant()
	cat := mustCatalog(b)
	in := diagnosis.Input{Subject: tenant, SignIns: recs, Classify: diagnosis.Classifier(cat), Catalog: cat}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		r := diagnosis.Diagnose(in)
		out, _ := json.Marshal(r)
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes/answer")
}

// TestTenantFromTheMemoryStore: a triage through the memory store, which
// hands over its sorted records, their follow-ups and its unique IDs
// (signin.Collection), says exactly what the same records say shuffled with
// none of that, also when the window ends before the newest record (the
// successes after it must not count).
func TestTenantFromTheMemoryStore(t *testing.T) {
	cat := mustCatalog(t)
	recs := append(bigTenant(), tenantFixture()...)
	store := memory.New("t", slices.Clone(recs))
	for _, until := range []time.Time{t0.Add(48 * time.Hour), t0.Add(20 * time.Hour), t0.Add(801 * time.Second)} {
		c := signin.Collect{Since: t0, Until: until}
		rep, err := diagnosis.Run(context.Background(), store, c, cat)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Collection.FollowUps) != len(rep.Collection.SignIns) || !rep.Collection.UniqueIDs {
			t.Fatalf("until %s: the store gave %d follow-ups for %d sign-ins, unique IDs %v", until, len(rep.Collection.FollowUps), len(rep.Collection.SignIns), rep.Collection.UniqueIDs)
		}
		var window []signin.SignIn
		for _, s := range recs {
			if c.InWindow(&s) {
				window = append(window, s)
			}
		}
		rand.New(rand.NewPCG(5, 6)).Shuffle(len(window), func(i, j int) { window[i], window[j] = window[j], window[i] })
		want, _ := json.Marshal(diagnosis.Diagnose(diagnosis.Input{
			Subject: tenant, Since: c.Since, Until: c.Until,
			SignIns: window, Classify: diagnosis.Classifier(cat), Catalog: cat,
		}))
		got, _ := json.Marshal(rep.Result)
		if string(got) != string(want) {
			t.Errorf("until %s: the store's triage differs:\n%s\nwant\n%s", until, got, want)
		}
	}
}
