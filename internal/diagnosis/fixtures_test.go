package diagnosis_test

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// fixtureWindow is the window of every testdata/diagnosis fixture.
var fixtureSince, fixtureUntil = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 4, 0, 0, 0, 0, time.UTC)

// loadFixture decodes testdata/diagnosis/<name>.json, a Graph signIn list
// page, with the decoder the files and Graph sources use, and splits it as
// a source's Collect would: the subject's sign-ins, and the others (which
// stand for the same-IP sign-ins).
func loadFixture(t *testing.T, name string, subj diagnosis.Subject) (own, others []signin.SignIn) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "diagnosis", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page, err := graphjson.DecodePage(context.Background(), f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(page.SignIns) == 0 {
		t.Fatalf("%s: no sign-ins", name)
	}
	for _, s := range page.SignIns {
		if subjectOf(s, subj) {
			own = append(own, s)
		} else {
			others = append(others, s)
		}
	}
	return own, others
}

func subjectOf(s signin.SignIn, subj diagnosis.Subject) bool {
	v := subj.Value
	switch subj.Kind {
	case diagnosis.KindUser:
		return signin.MatchUser(&s, v)
	case diagnosis.KindApp:
		return s.App.ID == v || strings.EqualFold(s.App.Name, v) || s.ServicePrincipal.ID == v || strings.EqualFold(s.ServicePrincipal.Name, v)
	case diagnosis.KindIPAddress:
		return s.IPAddress == v
	case diagnosis.KindCorrelationID:
		return strings.EqualFold(s.CorrelationID, v)
	}
	return true
}

func userSubject(upn string) diagnosis.Subject {
	return diagnosis.Subject{Kind: diagnosis.KindUser, Value: upn}
}

// TestFixtures: one hand-written Graph export per scenario id, each
// diagnosed as its subject would be, asserting the scenario, who fixes it,
// the evidence that makes it, and what is ruled out.
func TestFixtures(t *testing.T) {
	rosa := userSubject("rosa.alvarez@contoso.com")
	payroll := diagnosis.Subject{Kind: diagnosis.KindApp, Value: "Payroll Sync"}
	type check func(t *testing.T, f diagnosis.Finding, r diagnosis.Result)
	evidence := func(codes []int, count int) check {
		return func(t *testing.T, f diagnosis.Finding, _ diagnosis.Result) {
			t.Helper()
			if !slices.Equal(f.Evidence.ErrorCodes, codes) || f.Evidence.Count != count || f.Evidence.FirstSeen == "" || len(f.Evidence.SignInIDs) == 0 {
				t.Errorf("evidence = %+v, want codes %v and count %d", f.Evidence, codes, count)
			}
		}
	}
	tests := []struct {
		scenario string
		subject  diagnosis.Subject
		first    string // the top finding when it is not the scenario itself
		who      string
		status   string
		check    check
		notCause string // a NotCause.What substring
	}{
		{scenario: diagnosis.ScenarioCompromise, subject: rosa, who: "admin",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{500121}, 3)(t, f, r)
				if find(r, diagnosis.ScenarioMFADenied) == nil || !slices.Equal(f.Evidence.IPAddresses, []string{"198.51.100.200"}) {
					t.Errorf("findings %v, evidence %+v", scenarios(r), f.Evidence)
				}
				if len(r.WhatChanged) == 0 || r.LastSuccess == nil {
					t.Errorf("lastSuccess %+v, whatChanged %+v", r.LastSuccess, r.WhatChanged)
				}
			}},
		{scenario: diagnosis.ScenarioSmartLockout, subject: rosa, who: "helpdesk", notCause: "an attack",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{50053, 50126}, 4)(t, f, r)
				if f.Evidence.LockoutSource != "one-client" || len(f.Evidence.Devices) != 1 || f.Evidence.Devices[0].Name != "Rosa's iPhone" || !strings.Contains(f.NextSteps[0], "Exchange ActiveSync") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioMaliciousIP, subject: tenant, who: "admin",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{50053}, 3)(t, f, r)
				if f.Evidence.UserCount != 3 || !slices.Equal(f.Evidence.IPAddresses, []string{"192.0.2.66"}) {
					t.Errorf("evidence = %+v", f.Evidence)
				}
			}},
		{scenario: diagnosis.ScenarioSpray, subject: diagnosis.Subject{Kind: diagnosis.KindIPAddress, Value: "203.0.113.99"}, who: "admin", notCause: "Conditional Access",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{50126}, 6)(t, f, r)
				if f.Evidence.UserCount != 6 || f.Evidence.SuccessesFromSameIP != 0 || !strings.HasPrefix(f.Summary, "Heuristic") || !slices.Equal(f.Evidence.ClientApps, []string{"IMAP4"}) {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioStaleReplay, subject: rosa, who: "user", notCause: "an attack",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{50126}, 4)(t, f, r)
				if !slices.Equal(f.Evidence.ClientApps, []string{"Mobile Apps and Desktop clients"}) || len(f.Evidence.Devices) != 1 || !strings.Contains(f.NextSteps[0], "Rosa's iPhone") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioBadPassword, subject: rosa, who: "user", status: diagnosis.StatusResolved, notCause: "Conditional Access", check: evidence([]int{50126}, 2)},
		{scenario: diagnosis.ScenarioPasswordExpired, subject: rosa, who: "user", check: evidence([]int{50055}, 1), notCause: "Conditional Access"},
		{scenario: diagnosis.ScenarioAccountDisabled, subject: rosa, who: "admin", check: evidence([]int{50057}, 1)},
		{scenario: diagnosis.ScenarioUserNotFound, subject: userSubject("rosa.alverez@contoso.com"), who: "user", check: evidence([]int{50034}, 1)},
		{scenario: diagnosis.ScenarioGuestMismatch, subject: userSubject("ana@fabrikam.example"), who: "admin",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{50020}, 2)(t, f, r)
				if f.Confidence != diagnosis.ConfidenceHigh || !strings.Contains(f.Summary, "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a") || !strings.Contains(f.Summary, "b2bCollaboration") || !strings.Contains(f.Summary, "ana@fabrikam.example") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioMFARegistration, subject: rosa, who: "user", check: evidence([]int{50079}, 1)},
		{scenario: diagnosis.ScenarioMFADenied, subject: rosa, who: "user",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{500121}, 1)(t, f, r)
				if len(f.Evidence.AdditionalDetails) != 1 || !strings.Contains(f.NextSteps[0], "started the sign-in") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioMFAFraud, subject: rosa, first: diagnosis.ScenarioCompromise, who: "admin", check: evidence([]int{500121}, 1)},
		{scenario: diagnosis.ScenarioMFANotCompleted, subject: rosa, who: "user", check: evidence([]int{50074, 500121}, 2)},
		{scenario: diagnosis.ScenarioLegacyAuthBlocked, subject: rosa, who: "admin", notCause: `"CA004: Require MFA for all users"`,
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{53003}, 1)(t, f, r)
				if len(f.Evidence.Policies) != 1 || f.Evidence.Policies[0].Name != "CA003: Block legacy authentication" || !strings.Contains(f.Summary, "IMAP4") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioCABlocked, subject: rosa, who: "admin", notCause: `"CA004: Require MFA for all users"`,
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{53003}, 1)(t, f, r)
				if len(f.Evidence.Policies) != 1 || !slices.Equal(f.Evidence.Policies[0].GrantControls, []string{"Block"}) || !strings.Contains(f.Summary, "CA010") {
					t.Errorf("finding = %+v", f)
				}
				if len(r.WhatChanged) == 0 {
					t.Errorf("whatChanged is empty")
				}
			}},
		{scenario: diagnosis.ScenarioDeviceCompliance, subject: rosa, who: "user", notCause: `"CA004: Require MFA for all users"`,
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{53000}, 1)(t, f, r)
				d := f.Evidence.Devices
				if len(d) != 1 || d[0].IsManaged == nil || !*d[0].IsManaged || d[0].IsCompliant == nil || *d[0].IsCompliant || !strings.Contains(f.Summary, "managed but not compliant") || !strings.Contains(f.NextSteps[0], "Intune") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioCAGrant, subject: rosa, who: "user", notCause: `"CA004: Require MFA for all users"`,
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{53002}, 1)(t, f, r)
				if len(f.Evidence.Policies) != 1 || !strings.Contains(f.Summary, "CA030") || !strings.Contains(f.Summary, "ApprovedApplication") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioSecurityDefaults, subject: rosa, who: "admin", check: evidence([]int{530035}, 1)},
		{scenario: diagnosis.ScenarioRiskBlocked, subject: rosa, who: "helpdesk",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{53004}, 1)(t, f, r)
				if !strings.Contains(f.Summary, "medium") {
					t.Errorf("summary = %q", f.Summary)
				}
			}},
		{scenario: diagnosis.ScenarioReauthentication, subject: rosa, who: "user", check: evidence([]int{70044}, 1), notCause: "Conditional Access"},
		{scenario: diagnosis.ScenarioRefreshRevoked, subject: rosa, who: "user", status: diagnosis.StatusResolved,
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{50173}, 3)(t, f, r)
				if !slices.Equal(f.Evidence.Apps, []string{"Microsoft Teams"}) || !strings.Contains(f.Summary, "interactively afterwards") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioAppSecretExpired, subject: payroll, who: "developer",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{7000222}, 2)(t, f, r)
				if f.Evidence.ServicePrincipalID == "" || f.Evidence.CredentialKeyID != "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f41" || f.Evidence.ClientCredentialType != "clientSecret" {
					t.Errorf("evidence = %+v", f.Evidence)
				}
			}},
		{scenario: diagnosis.ScenarioAppCredential, subject: payroll, who: "developer", check: evidence([]int{7000215}, 1)},
		{scenario: diagnosis.ScenarioManagedIdentity, subject: diagnosis.Subject{Kind: diagnosis.KindApp, Value: "func-contoso-billing"}, who: "admin",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{500011}, 1)(t, f, r)
				if f.Evidence.ClientCredentialType != "managedIdentity" || !strings.Contains(f.Summary, "systemAssigned") || !strings.Contains(f.Summary, "Azure Key Vault") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{scenario: diagnosis.ScenarioConsent, subject: rosa, who: "admin", check: evidence([]int{65001}, 1)},
		{scenario: diagnosis.ScenarioNotAssigned, subject: rosa, who: "admin", check: evidence([]int{50105}, 1)},
		{scenario: diagnosis.ScenarioAppNotFound, subject: rosa, who: "developer", check: evidence([]int{700016}, 1)},
		{scenario: diagnosis.ScenarioRedirectURI, subject: rosa, who: "developer", check: evidence([]int{50011}, 1)},
		{scenario: diagnosis.ScenarioResourceNotFound, subject: rosa, who: "admin", check: evidence([]int{500011}, 1)},
		{scenario: diagnosis.ScenarioTransient, subject: rosa, who: "none", status: diagnosis.StatusResolved, check: evidence([]int{90033}, 1)},
		{scenario: diagnosis.ScenarioInterruptsOnly, subject: diagnosis.Subject{Kind: diagnosis.KindCorrelationID, Value: "33333333-4444-4555-8666-777777777701"}, who: "none", status: diagnosis.StatusResolved, notCause: "interrupts"},
		{scenario: diagnosis.ScenarioUnclassified, subject: rosa, who: "developer",
			check: func(t *testing.T, f diagnosis.Finding, r diagnosis.Result) {
				evidence([]int{50196}, 1)(t, f, r)
				if f.Confidence != diagnosis.ConfidenceLow {
					t.Errorf("confidence = %s", f.Confidence)
				}
			}},
		{scenario: diagnosis.ScenarioNoFailures, subject: rosa, who: "none", status: diagnosis.StatusResolved},
	}
	cat := mustCatalog(t)
	seen := map[string]bool{}
	for _, tc := range tests {
		seen[tc.scenario] = true
		t.Run(tc.scenario, func(t *testing.T) {
			own, others := loadFixture(t, tc.scenario, tc.subject)
			r := diagnosis.Diagnose(diagnosis.Input{
				Subject: tc.subject, Since: fixtureSince, Until: fixtureUntil,
				SignIns: own, SameIP: others, Classify: diagnosis.Classifier(cat), Catalog: cat,
			})
			first := cmp.Or(tc.first, tc.scenario)
			if len(r.Findings) == 0 || r.Findings[0].Scenario != first {
				t.Fatalf("findings = %v, want %s first", scenarios(r), first)
			}
			f := find(r, tc.scenario)
			if f == nil {
				t.Fatalf("no %s in %v", tc.scenario, scenarios(r))
			}
			if f.WhoFixes != tc.who {
				t.Errorf("whoFixes = %s, want %s", f.WhoFixes, tc.who)
			}
			if want := cmp.Or(tc.status, diagnosis.StatusOngoing); f.Status != want {
				t.Errorf("status = %s, want %s", f.Status, want)
			}
			if f.Title == "" || f.Summary == "" || len(f.NextSteps) == 0 || r.Verdict == "" {
				t.Errorf("incomplete finding %+v, verdict %q", f, r.Verdict)
			}
			// Who acts first agrees with the catalog entries of the codes,
			// except where the evidence decides (an attack, a lockout, a
			// resolved transient error).
			if !whoFromEvidence[tc.scenario] {
				if who := catalogWho(t, f.Evidence.ErrorCodes); who != "" && who != f.WhoFixes {
					t.Errorf("whoFixes = %s, the catalog says %s for %v", f.WhoFixes, who, f.Evidence.ErrorCodes)
				}
			}
			if tc.notCause != "" && !hasNotCause(r, tc.notCause) {
				t.Errorf("notCauses = %+v, want %q", r.NotCauses, tc.notCause)
			}
			if tc.check != nil {
				tc.check(t, *f, r)
			}
		})
	}
	// Every scenario id has its fixture and its row.
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "diagnosis", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) || len(seen) != len(tests) || len(tests) != len(diagnosis.Scenarios) {
		t.Errorf("%d fixtures, %d rows, %d distinct, %d scenario ids", len(files), len(tests), len(seen), len(diagnosis.Scenarios))
	}
	for _, id := range diagnosis.Scenarios {
		if !seen[id] {
			t.Errorf("scenario %s has no fixture row", id)
		}
	}
}

// whoFromEvidence are the scenarios whose whoFixes the evidence decides
// rather than the catalog entry of the code.
var whoFromEvidence = map[string]bool{
	diagnosis.ScenarioCompromise: true, diagnosis.ScenarioSpray: true, diagnosis.ScenarioMaliciousIP: true,
	diagnosis.ScenarioSmartLockout: true, diagnosis.ScenarioMFAFraud: true, diagnosis.ScenarioTransient: true,
}

// catalogWho is the catalog's whoFixes shared by every code, or "".
func catalogWho(t *testing.T, codes []int) string {
	cat := mustCatalog(t)
	who := ""
	for _, c := range codes {
		e, ok := cat.Lookup(c)
		if !ok || (who != "" && e.WhoFixes != who) {
			return ""
		}
		who = e.WhoFixes
	}
	return who
}
