package diagnosis_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// loadDirectory decodes testdata/diagnosis/directory/<name>.json, a
// directory.Context as a source would return it.
func loadDirectory(t *testing.T, name string) *directory.Context {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "diagnosis", "directory", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var c directory.Context
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &c
}

// TestDirectoryFixtures: each rule that reads the directory, on the
// scenario's sign-in fixture with and without its directory fixture. With
// it, the finding names what the directory says; without it, the result is
// the one the sign-ins alone give (no changes, no account state).
func TestDirectoryFixtures(t *testing.T) {
	rosa := userSubject("rosa.alvarez@contoso.com")
	payroll := diagnosis.Subject{Kind: diagnosis.KindApp, Value: "Payroll Sync"}
	tests := []struct {
		name      string // directory fixture
		signIns   string // sign-in fixture, when not testdata/diagnosis/<name>.json
		subject   diagnosis.Subject
		scenario  string // the finding that gains
		without   string // the top finding without the directory, when another
		want      []string
		conf      string
		relevance string // changes[0].relevance, when a change is expected
		steps0    string // a substring of the first next step with the directory
	}{
		{name: "refresh-token-revoked", subject: rosa, scenario: diagnosis.ScenarioRefreshRevoked, relevance: diagnosis.ScenarioRefreshRevoked,
			want: []string{`It started after "Change password (self-service)" by rosa.alvarez@contoso.com at 2025-06-02T08:02:00Z.`}},
		{name: "stale-password-replay", subject: rosa, scenario: diagnosis.ScenarioStaleReplay, conf: diagnosis.ConfidenceHigh,
			want: []string{"after the password changed at 2025-06-02T08:15:00Z (the account's lastPasswordChangeDateTime)"}},
		{name: "stale-password-replay-alone", signIns: "directory/stale-password-replay-alone.signins", subject: rosa,
			scenario: diagnosis.ScenarioStaleReplay, without: diagnosis.ScenarioBadPassword, conf: diagnosis.ConfidenceHigh,
			want: []string{"after the password changed at 2025-06-02T08:15:00Z"}},
		{name: "account-disabled", subject: rosa, scenario: diagnosis.ScenarioAccountDisabled, relevance: diagnosis.ScenarioAccountDisabled,
			want: []string{`It was disabled by "Disable account" by admin@contoso.com at 2025-06-02T08:45:00Z.`, "still disabled (accountEnabled false)"}},
		{name: "ca-blocked", subject: rosa, scenario: diagnosis.ScenarioCABlocked, relevance: diagnosis.ScenarioCABlocked,
			want: []string{`The policy changed before the first block: "Update conditional access policy" by secadmin@contoso.com at 2025-06-02T08:30:00Z`,
				"locations: all except Trusted", "a trusted location"}},
		{name: "ca-grant-not-satisfied", subject: rosa, scenario: diagnosis.ScenarioCAGrant,
			want: []string{"platforms: android, iOS", "its grant is satisfied by an approved client app or an app with an app protection policy"}},
		{name: "app-secret-expired", subject: payroll, scenario: diagnosis.ScenarioAppSecretExpired, relevance: diagnosis.ScenarioAppSecretExpired,
			want: []string{`"payroll-2024" (key ID 0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f41, password on the application), which ended 2025-06-01T00:00:00Z`,
				`A valid credential exists: "payroll-2025" (key ID 7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c51`},
			steps0: "payroll-2025"},
		{name: "consent-required", subject: rosa, scenario: diagnosis.ScenarioConsent, relevance: diagnosis.ScenarioConsent,
			want: []string{`Consent was removed before the failures: "Remove delegated permission grant" by admin@contoso.com at 2025-06-01T16:00:00Z (Contoso HR Portal).`}},
		{name: "not-assigned", subject: rosa, scenario: diagnosis.ScenarioNotAssigned, relevance: diagnosis.ScenarioNotAssigned,
			want: []string{`An assignment was removed before the failures: "Remove app role assignment from user" by admin@contoso.com at 2025-06-02T08:30:00Z`}},
		{name: "mfa-registration-required", subject: rosa, scenario: diagnosis.ScenarioMFARegistration, relevance: diagnosis.ScenarioMFARegistration,
			want: []string{"no MFA method registered", `"Admin deleted security info" by helpdesk@contoso.com`}},
		{name: "mfa-not-completed", subject: rosa, scenario: diagnosis.ScenarioMFANotCompleted,
			want: []string{"MFA methods registered (microsoftAuthenticatorPush, mobilePhone)"}},
	}
	cat := mustCatalog(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			own, others := loadFixture(t, cmpOr(tc.signIns, tc.name), tc.subject)
			in := diagnosis.Input{
				Subject: tc.subject, Since: fixtureSince, Until: fixtureUntil,
				SignIns: own, SameIP: others, Classify: diagnosis.Classifier(cat), Catalog: cat,
			}
			before := diagnosis.Diagnose(in)
			in.Directory = loadDirectory(t, tc.name)
			after := diagnosis.Diagnose(in)

			if len(before.Changes) != 0 || before.AccountState != nil {
				t.Errorf("without the directory: changes %+v, accountState %+v", before.Changes, before.AccountState)
			}
			if got, want := scenarios(before)[0], cmpOr(tc.without, tc.scenario); got != want {
				t.Errorf("without the directory the top finding is %s, want %s", got, want)
			}
			if tc.without == "" && !slices.Equal(scenarios(before), scenarios(after)) {
				t.Errorf("the directory changed the findings: %v, then %v", scenarios(before), scenarios(after))
			}
			f := find(after, tc.scenario)
			if f == nil {
				t.Fatalf("no %s in %v", tc.scenario, scenarios(after))
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Summary, w) {
					t.Errorf("summary lacks %q:\n%s", w, f.Summary)
				}
				if b := find(before, tc.scenario); b != nil && strings.Contains(b.Summary, w) {
					t.Errorf("without the directory the summary already says %q", w)
				}
			}
			if tc.conf != "" && f.Confidence != tc.conf {
				t.Errorf("confidence = %s, want %s", f.Confidence, tc.conf)
			}
			if tc.relevance != "" && (len(after.Changes) == 0 || after.Changes[0].Relevance != tc.relevance) {
				t.Errorf("changes = %+v, want the first explaining %s", after.Changes, tc.relevance)
			}
			if tc.steps0 != "" && !strings.Contains(f.NextSteps[0], tc.steps0) {
				t.Errorf("first step %q lacks %q", f.NextSteps[0], tc.steps0)
			}
			if tc.subject.Kind == diagnosis.KindUser && in.Directory.Account != nil && after.AccountState == nil {
				t.Errorf("accountState is null with an account read")
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestDirectoryFixtureDetails: what the fixtures' changes and account state
// say beyond the summaries: secrets' values never shown, unmatched and too
// old events dropped.
func TestDirectoryFixtureDetails(t *testing.T) {
	cat := mustCatalog(t)
	diagnoseWith := func(name string, subj diagnosis.Subject) diagnosis.Result {
		own, others := loadFixture(t, name, subj)
		return diagnosis.Diagnose(diagnosis.Input{
			Subject: subj, Since: fixtureSince, Until: fixtureUntil, SignIns: own, SameIP: others,
			Classify: diagnosis.Classifier(cat), Catalog: cat, Directory: loadDirectory(t, name),
		})
	}
	r := diagnoseWith("app-secret-expired", diagnosis.Subject{Kind: diagnosis.KindApp, Value: "Payroll Sync"})
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), "do-not-leak-this-value") {
		t.Errorf("a secret's value reached the result: %s", b)
	}
	if len(r.Changes) != 1 || len(r.Changes[0].ModifiedProperties) != 2 || r.Changes[0].ModifiedProperties[1] != (diagnosis.ModifiedProperty{Name: "SecretValue"}) ||
		!strings.Contains(r.Changes[0].ModifiedProperties[0].New, "payroll-2025") || r.Changes[0].Target != "Payroll Sync" || r.Changes[0].InitiatedBy != "dev@contoso.com" {
		t.Errorf("changes = %+v", r.Changes)
	}
	if r.AccountState != nil {
		t.Errorf("an app has an account state: %+v", r.AccountState)
	}

	r = diagnoseWith("refresh-token-revoked", userSubject("rosa.alvarez@contoso.com"))
	// The display-name edit is not an activity that matters; the reset of
	// May 20 is more than 7 days before the first failure.
	if len(r.Changes) != 1 || r.Changes[0].Activity != "Change password (self-service)" || r.Changes[0].At != "2025-06-02T08:02:00Z" {
		t.Errorf("changes = %+v", r.Changes)
	}
	a := r.AccountState
	if a == nil || a.AccountEnabled == nil || !*a.AccountEnabled || a.LastPasswordChangeDateTime != "2025-06-02T08:02:00Z" || a.UserType != "member" ||
		a.IsMfaRegistered == nil || !*a.IsMfaRegistered || !slices.Equal(a.MethodsRegistered, []string{"microsoftAuthenticatorPush"}) || a.OnPremisesSyncEnabled == nil {
		t.Errorf("accountState = %+v", a)
	}
	b, _ = json.Marshal(r)
	for _, k := range []string{`"changes":[{`, `"accountState":{`, `"relevance":"refresh-token-revoked"`, `"modifiedProperties":[]`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("%s missing in %s", k, b)
		}
	}
}

// devent is one audit event for the hand-built tests: minutes after t0.
func devent(id string, min int, activity string, mods ...directory.Property) directory.Event {
	return directory.Event{ID: id, At: t0.Add(time.Duration(min) * time.Minute), Activity: activity, InitiatedBy: "admin@contoso.com",
		Targets: []directory.Target{{ID: "oid-rosa", Type: "User", Name: "rosa@contoso.com", Modified: mods}}}
}

func diagnoseDir(t *testing.T, subj diagnosis.Subject, subject []signin.SignIn, dir *directory.Context) diagnosis.Result {
	t.Helper()
	cat := mustCatalog(t)
	return diagnosis.Diagnose(diagnosis.Input{
		Subject: subj, Since: t0, Until: t0.Add(48 * time.Hour), SignIns: subject,
		Classify: diagnosis.Classifier(cat), Catalog: cat, Directory: dir,
	})
}

func nonInteractive(s *signin.SignIn) { s.Type = signin.NonInteractive }

// rankingInput: an account disabled at t0+60 and refresh tokens revoked at
// t0+120, with events around them.
func rankingInput() ([]signin.SignIn, []directory.Event) {
	subj := build("d", []ev{{60, 50057, nil}, {120, 50173, []func(*signin.SignIn){nonInteractive}}, {121, 50173, []func(*signin.SignIn){nonInteractive}}})
	events := []directory.Event{
		devent("a", 30, "Disable account"),                                                          // explains account-disabled, 30 min before it
		devent("b", -2*24*60, "Disable account"),                                                    // explains it, 2 days before
		devent("c", 100, "Reset user password"),                                                     // explains refresh-token-revoked, 20 min before it
		devent("d", 50, "Consent to application"),                                                   // explains no finding here
		devent("e", 40, "Update user", directory.Property{Name: "DisplayName", Old: "x", New: "y"}), // not an activity that matters
		devent("f", -8*24*60, "Disable account"),                                                    // before the 7 days
		devent("g", 90, "Enable account"),                                                           // explains account-disabled, after its first failure
		devent("h", 200, "Disable account"),                                                         // after the last failure, in the window: what happened next
		devent("i", 95, "update user", directory.Property{Name: "AccountEnabled", Old: "[true]", New: "[false]"}), // any case
	}
	return subj, events
}

// TestChangesRanking: relevant before not, then nearest before the first
// failure of the finding explained, then newest; unmatched and too old
// events dropped; events after the last failure kept (what happened next).
func TestChangesRanking(t *testing.T) {
	subj, events := rankingInput()
	r := diagnoseDir(t, rosa, subj, &directory.Context{Events: events})
	var got []string
	for _, c := range r.Changes {
		got = append(got, c.Activity+"/"+c.Relevance)
	}
	want := []string{
		"Reset user password/refresh-token-revoked", // 20 min before its finding
		"Disable account/account-disabled",          // 30 min before
		"Disable account/account-disabled",          // 2 days before
		"Enable account/account-disabled",           // 30 min after its first failure: after those before it
		"update user/account-disabled",              // 35 min after
		"Disable account/account-disabled",          // after the last failure, 140 min after its first
		"Consent to application/",                   // explains nothing: last
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes =\n%v\nwant\n%v", got, want)
	}
	if len(r.Changes) > 0 && (r.Changes[0].At != "2025-06-02T09:40:00Z" || r.Changes[0].InitiatedBy != "admin@contoso.com" || r.Changes[0].Target != "rosa@contoso.com") {
		t.Errorf("first change = %+v", r.Changes[0])
	}
	// The rules read the same events: who disabled the account, and the
	// reset before the revoked tokens.
	if f := find(r, diagnosis.ScenarioAccountDisabled); f == nil || !strings.Contains(f.Summary, `"Disable account" by admin@contoso.com at 2025-06-02T08:30:00Z`) {
		t.Errorf("account-disabled = %+v", f)
	}
	if f := find(r, diagnosis.ScenarioRefreshRevoked); f == nil || !strings.Contains(f.Summary, `It started after "Reset user password" by admin@contoso.com at 2025-06-02T09:40:00Z`) ||
		!slices.ContainsFunc(f.NextSteps, func(s string) bool { return strings.HasPrefix(s, `Confirm that "Reset user password"`) }) {
		t.Errorf("refresh-token-revoked = %+v", f)
	}
}

// TestChangesLimitAndSecrets: at most MaxChanges, within ChangesBudget,
// and no value of a property named like a secret.
func TestChangesLimitAndSecrets(t *testing.T) {
	subj := build("l", []ev{{600, 50057, nil}})
	var events []directory.Event
	for i := range 30 {
		events = append(events, devent(fmt.Sprintf("e%02d", i), i*10, "Update user",
			directory.Property{Name: "AccountEnabled", Old: "[true]", New: "[false]"},
			directory.Property{Name: "PasswordProfile", Old: "hunter2-old", New: "hunter2-new"},
			directory.Property{Name: "Key Value", Old: "k-old", New: "k-new"},
			directory.Property{Name: "client_secret", New: "s3cr3t"},
			directory.Property{Name: "Note", New: strings.Repeat("long text ", 100)},
			directory.Property{Name: "Sixth", New: "cut"}))
	}
	r := diagnoseDir(t, rosa, subj, &directory.Context{Events: events})
	if len(r.Changes) == 0 || len(r.Changes) > diagnosis.MaxChanges {
		t.Fatalf("%d changes", len(r.Changes))
	}
	b, _ := json.Marshal(r.Changes)
	if len(b) > diagnosis.ChangesBudget {
		t.Errorf("changes take %d bytes, over %d", len(b), diagnosis.ChangesBudget)
	}
	for _, leak := range []string{"hunter2", "k-old", "k-new", "s3cr3t", "Sixth"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("%q in %s", leak, b)
		}
	}
	c := r.Changes[0]
	if c.At != "2025-06-02T12:50:00Z" || len(c.ModifiedProperties) != 5 || c.ModifiedProperties[1] != (diagnosis.ModifiedProperty{Name: "PasswordProfile"}) ||
		c.ModifiedProperties[0].New != "[false]" || len([]rune(c.ModifiedProperties[4].New)) > 120 {
		t.Errorf("first change = %+v", c)
	}
	// Ten ordinary events all fit.
	for i := range events[:12] {
		events[i].Targets[0].Modified = events[i].Targets[0].Modified[:1]
	}
	r = diagnoseDir(t, rosa, subj, &directory.Context{Events: events[:12]})
	if len(r.Changes) != diagnosis.MaxChanges {
		t.Errorf("%d changes of 12 short events, want %d", len(r.Changes), diagnosis.MaxChanges)
	}
}

// TestDirectoryShuffle: the order of the sign-ins and of the events never
// changes the answer, duplicates of an event count once.
func TestDirectoryShuffle(t *testing.T) {
	subj, events := rankingInput()
	subj = append(subj, build("z", []ev{{0, 0, nil}, {70, 50126, []func(*signin.SignIn){client("IMAP4"), ip("198.51.100.9")}},
		{71, 50126, []func(*signin.SignIn){client("IMAP4"), ip("198.51.100.9")}}, {72, 50126, []func(*signin.SignIn){client("IMAP4"), ip("198.51.100.9")}},
		{80, 53003, []func(*signin.SignIn){blockPolicy}}, {85, 7000222, []func(*signin.SignIn){workload}}})...)
	events = append(events, devent("j", 10, "Update conditional access policy"), devent("a", 30, "Disable account"))
	events[len(events)-2].Targets = []directory.Target{{ID: "p-block", Type: "Policy", Name: "Block outside EU"}}
	no := false
	dir := &directory.Context{
		Events:      events,
		Account:     &directory.Account{ID: "oid-rosa", AccountEnabled: &no, LastPasswordChange: t0.Add(5 * time.Minute), MethodsRegistered: []string{"email"}},
		Policies:    []directory.Policy{{ID: "p-block", Name: "Block outside EU", Conditions: []string{"locations: all except EU"}, GrantControls: []string{"block"}}},
		Credentials: []directory.Credential{{KeyID: "key-1", DisplayName: "old", End: t0}, {KeyID: "key-2", DisplayName: "new", End: t0.Add(1000 * time.Hour)}},
	}
	want, err := json.Marshal(diagnoseDir(t, rosa, subj, dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"stale-password-replay", "The policy changed before the first block", "key-1", `"accountEnabled":false`} {
		if !strings.Contains(string(want), k) {
			t.Errorf("%s missing in %s", k, want)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 50 {
		a, e := slices.Clone(subj), slices.Clone(events)
		rng.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
		rng.Shuffle(len(e), func(i, j int) { e[i], e[j] = e[j], e[i] })
		d := *dir
		d.Events = e
		got, err := json.Marshal(diagnoseDir(t, rosa, a, &d))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("shuffle %d changed the answer:\n%s\nwant\n%s", i, got, want)
		}
	}
}

// TestDirectoryRuleVariants: the other branches of the rules that read the
// directory.
func TestDirectoryRuleVariants(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name     string
		evs      []ev
		subject  diagnosis.Subject
		dir      directory.Context
		scenario string
		want     []string
		not      []string
	}{
		{name: "sessions revoked before a 50133 storm", scenario: diagnosis.ScenarioReauthentication,
			evs:  []ev{{60, 50133, nil}, {61, 50133, nil}},
			dir:  directory.Context{Events: []directory.Event{devent("s", 45, "Update StsRefreshTokenValidFrom Timestamp")}},
			want: []string{`It started after "Update StsRefreshTokenValidFrom Timestamp" by admin@contoso.com at 2025-06-02T08:45:00Z.`}},
		{name: "a password change known only from the account", scenario: diagnosis.ScenarioRefreshRevoked,
			evs:  []ev{{60, 50173, []func(*signin.SignIn){nonInteractive}}},
			dir:  directory.Context{Account: &directory.Account{LastPasswordChange: t0.Add(50 * time.Minute)}},
			want: []string{"It started after the password changed at 2025-06-02T08:50:00Z"}},
		{name: "sign-in frequency is not a revocation", scenario: diagnosis.ScenarioReauthentication,
			evs: []ev{{60, 70044, nil}},
			dir: directory.Context{Events: []directory.Event{devent("s", 45, "Update StsRefreshTokenValidFrom Timestamp")}},
			not: []string{"It started after"}},
		{name: "a change after the failures started explains nothing", scenario: diagnosis.ScenarioAccountDisabled,
			evs:  []ev{{60, 50057, nil}, {120, 50057, nil}},
			dir:  directory.Context{Events: []directory.Event{devent("d", 90, "Disable account")}, Account: &directory.Account{AccountEnabled: &yes}},
			want: []string{"enabled now (accountEnabled true)"}, not: []string{"It was disabled by"}},
		{name: "a grant of MFA and a compliant device", scenario: diagnosis.ScenarioCAGrant,
			evs: []ev{{60, 53000 + 2, []func(*signin.SignIn){func(s *signin.SignIn) {
				s.ConditionalAccessStatus = "failure"
				s.Policies = []signin.Policy{{ID: "p-both", Name: "Both", Result: "failure", GrantControls: []string{"mfa", "compliantDevice"}}}
			}}}},
			dir: directory.Context{Policies: []directory.Policy{{ID: "p-both", Name: "Both", State: "enabledForReportingButNotEnforced", GrantOperator: "AND",
				GrantControls: []string{"mfa", "compliantDevice", "authentication strength: Phishing-resistant MFA"}}}},
			want: []string{`Policy "Both" (state now enabledForReportingButNotEnforced) has no conditions read; its grant is satisfied by MFA and a compliant device and authentication strength: Phishing-resistant MFA.`}},
		{name: "legacy clients blocked", scenario: diagnosis.ScenarioLegacyAuthBlocked,
			evs: []ev{{60, 53003, []func(*signin.SignIn){blockPolicy, client("IMAP4")}}},
			dir: directory.Context{Policies: []directory.Policy{{ID: "p-block", Name: "Block legacy", GrantControls: []string{"block"},
				Conditions: []string{"users: All users except Others", "client apps: exchangeActiveSync, other"}}}},
			want: []string{"a sign-in outside its conditions gets through: a modern client (not legacy authentication)."}},
		{name: "a block with no condition to avoid", scenario: diagnosis.ScenarioCABlocked,
			evs:  []ev{{60, 53003, []func(*signin.SignIn){blockPolicy}}},
			dir:  directory.Context{Policies: []directory.Policy{{ID: "p-block", Name: "Block all", GrantControls: []string{"Block"}, Conditions: []string{"users: All users"}}}},
			want: []string{"only an exclusion from its users or apps lets the sign-in through"}},
		{name: "registered, asked to register anyway", scenario: diagnosis.ScenarioMFARegistration,
			evs:  []ev{{60, 50079, nil}},
			dir:  directory.Context{Account: &directory.Account{IsMFARegistered: &yes, MethodsRegistered: []string{"email"}}},
			want: []string{"MFA methods registered (email): registration was asked anyway"}},
		{name: "no registration report", scenario: diagnosis.ScenarioMFANotCompleted,
			evs: []ev{{60, 50074, nil}},
			dir: directory.Context{Account: &directory.Account{AccountEnabled: &no}},
			not: []string{"registration report"}},
		{name: "no credential read", scenario: diagnosis.ScenarioAppSecretExpired, subject: diagnosis.Subject{Kind: diagnosis.KindApp, Value: "Payroll Sync"},
			evs: []ev{{60, 7000222, []func(*signin.SignIn){workload}}},
			dir: directory.Context{},
			not: []string{"credential exists", "expired credential is"}},
		{name: "the latest-ended secret when the key ID is not logged", scenario: diagnosis.ScenarioAppSecretExpired, subject: diagnosis.Subject{Kind: diagnosis.KindApp, Value: "Payroll Sync"},
			evs: []ev{{60, 7000222, []func(*signin.SignIn){workload, func(s *signin.SignIn) { s.ServicePrincipalCredentialKeyID = "" }}}},
			dir: directory.Context{Credentials: []directory.Credential{
				{KeyID: "k-cert", Type: "certificate", End: t0.Add(-time.Hour)},
				{KeyID: "k-old", Type: "password", End: t0.Add(-48 * time.Hour)},
				{KeyID: "k-new", Type: "password", End: t0.Add(-24 * time.Hour)},
				{KeyID: "k-future", Type: "password", Start: t0.Add(2 * time.Hour), End: t0.Add(900 * time.Hour)},
			}},
			want: []string{"(key ID k-new, password on the app)", "No valid credential exists"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			subj := rosa
			if tc.subject.Kind != "" {
				subj = tc.subject
			}
			before := diagnoseDir(t, subj, build("v", tc.evs), nil)
			after := diagnoseDir(t, subj, build("v", tc.evs), &tc.dir)
			f, b := find(after, tc.scenario), find(before, tc.scenario)
			if f == nil || b == nil {
				t.Fatalf("no %s in %v", tc.scenario, scenarios(after))
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Summary, w) || strings.Contains(b.Summary, w) {
					t.Errorf("summary lacks %q (or had it without the directory):\n%s", w, f.Summary)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(f.Summary, w) {
					t.Errorf("summary says %q:\n%s", w, f.Summary)
				}
			}
			if len(tc.want) == 0 && f.Summary != b.Summary {
				t.Errorf("summary changed:\n%s\nwas\n%s", f.Summary, b.Summary)
			}
		})
	}
}

// TestLockoutSaysWhatCameNext: a reset after a lockout is named on the
// finding, with whether a sign-in succeeded since, so that nobody resets
// the password twice.
func TestLockoutSaysWhatCameNext(t *testing.T) {
	lock := build("l", []ev{{0, 50126, nil}, {1, 50126, nil}, {2, 50126, nil}, {3, 50053, nil}})
	reset := &directory.Context{Events: []directory.Event{devent("r", 30, "Reset password (by admin)")}}
	r := diagnoseDir(t, rosa, lock, reset)
	f := find(r, diagnosis.ScenarioSmartLockout)
	if f == nil || !strings.Contains(f.Summary, `After the last failure came "Reset password (by admin)" by admin@contoso.com at 2025-06-02T08:30:00Z; no sign-in has succeeded since.`) ||
		!strings.HasPrefix(f.NextSteps[0], "The password was already changed") {
		t.Fatalf("smart-lockout = %+v", f)
	}
	// Signed in since: said, and no step to tell the user.
	ok := build("k", []ev{{40, 0, nil}})
	r = diagnoseDir(t, rosa, append(lock, ok...), reset)
	if f := find(r, diagnosis.ScenarioSmartLockout); f == nil || !strings.Contains(f.Summary, "and a sign-in succeeded since") || strings.HasPrefix(f.NextSteps[0], "The password was already changed") {
		t.Errorf("smart-lockout after a success = %+v", f)
	}
	// A reset before the failures is not what came next.
	if f := find(diagnoseDir(t, rosa, lock, &directory.Context{Events: []directory.Event{devent("r", -30, "Reset password (by admin)")}}), diagnosis.ScenarioSmartLockout); f == nil || strings.Contains(f.Summary, "After the last failure") {
		t.Errorf("a reset before the lockout was said to come after it: %+v", f)
	}
}
