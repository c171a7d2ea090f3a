package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

// dirStub is a collectStub that also reads the directory: ctx for every
// query.
type dirStub struct {
	*collectStub
	ctx directory.Context
}

func (s *dirStub) Directory(context.Context, directory.Query) (directory.Context, error) {
	return s.ctx, nil
}

// resets are n password resets of user0001 in the days before stubNow, each
// with a long modified property and a password's (never shown).
func resets(n int) []directory.Event {
	var events []directory.Event
	for i := range n {
		events = append(events, directory.Event{ID: fmt.Sprintf("e%d", i), At: stubNow.Add(-time.Duration(50+i) * time.Hour), Activity: "Reset password (by admin)",
			InitiatedBy: "helpdesk-operator-with-a-long-name@contoso.com",
			Targets: []directory.Target{{ID: "oid-0001", Type: "User", Name: "user0001@contoso.com",
				Modified: []directory.Property{{Name: "PasswordProfile", New: "never shown"}, {Name: "LastPasswordChange", Old: strings.Repeat("x", 200), New: strings.Repeat("y", 200)}}}}})
	}
	return events
}

// TestDiagnoseAddsTheDirectory: a source that reads the directory adds its
// changes and account state to the answer (valid against the output
// schema), and its requests and notes to the coverage.
func TestDiagnoseAddsTheDirectory(t *testing.T) {
	fail := signin.SignIn{ID: "f1", CreatedAt: stubNow.Add(-time.Hour), Type: signin.NonInteractive,
		User: signin.User{ID: "oid-0001", UPN: "user0001@contoso.com"}, App: signin.App{ID: "app-1", Name: "Outlook"},
		Status: signin.Status{ErrorCode: 50173}}
	yes := true
	src := &dirStub{
		collectStub: &collectStub{Unavailable: signin.Unavailable{SourceName: "stub"}, now: stubNow,
			coll: signin.Collection{SignIns: []signin.SignIn{fail}, Coverage: signin.CollectCoverage{Source: "stub", Failures: 1, Requests: 5, RequestBudget: 20}}},
		ctx: directory.Context{Events: resets(3), Account: &directory.Account{ID: "oid-0001", AccountEnabled: &yes, MethodsRegistered: []string{"email"}},
			Coverage: directory.Coverage{Requests: 3, Read: []string{"audit events", "account state"}, Notes: []string{"policies: Policy.Read.All is missing"}}},
	}
	r, res := diagnoseCall(t, src, `{"user":"user0001@contoso.com"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	if r.Coverage.Requests != 8 || !slices.Contains(r.Coverage.Notes, "policies: Policy.Read.All is missing") {
		t.Errorf("coverage = %+v", r.Coverage)
	}
	if len(r.Changes) != 3 || r.Changes[0].Relevance != "refresh-token-revoked" || r.AccountState == nil || r.AccountState.AccountEnabled == nil || !*r.AccountState.AccountEnabled {
		t.Errorf("changes %+v, accountState %+v", r.Changes, r.AccountState)
	}
	if b, _ := json.Marshal(res); strings.Contains(string(b), "never shown") {
		t.Errorf("a password's value is shown: %s", b)
	}
}

// TestDiagnoseDirectoryNeverCostsAFinding: when the answer must be cut to
// fit its budget, directory changes go before any finding.
func TestDiagnoseDirectoryNeverCostsAFinding(t *testing.T) {
	recs := bigCollection(20_000)
	stub := &collectStub{Unavailable: signin.Unavailable{SourceName: "stub"}, now: stubNow,
		coll: signin.Collection{SignIns: recs, Coverage: signin.CollectCoverage{Source: "stub", Types: signin.AllTypes, Failures: len(recs)}}}
	plain, _ := diagnoseCall(t, stub, `{"user":"user0001@contoso.com"}`)
	r, res := diagnoseCall(t, &dirStub{collectStub: stub, ctx: directory.Context{Events: resets(12)}}, `{"user":"user0001@contoso.com"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	b, _ := json.Marshal(res)
	if len(b) > tools.DiagnoseBudget {
		t.Errorf("answer is %d bytes, over %d", len(b), tools.DiagnoseBudget)
	}
	if len(r.Findings) != len(plain.Findings) {
		t.Errorf("%d findings with the directory, %d without", len(r.Findings), len(plain.Findings))
	}
	if len(r.Changes) < 10 && !strings.Contains(strings.Join(r.Coverage.Notes, " "), "directory change(s) were left out") {
		t.Errorf("%d changes shown and no note: %q", len(r.Changes), r.Coverage.Notes)
	}
}
