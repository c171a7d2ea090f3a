package prompts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/entra-signin-mcp/entra-signin-mcp/prompts"
)

// draft_escalation on workloads, guests and flows that did not fail.
func TestEscalationWorkloadGuestAndSuccess(t *testing.T) {
	sp := signin.App{ID: "sp-payroll", Name: "Payroll Sync"}
	workload := func(id string, ago time.Duration) signin.SignIn {
		return signin.SignIn{ID: id, CorrelationID: "corr-" + id, CreatedAt: now.Add(-ago), Type: signin.ServicePrincipal, TenantID: "tenant-1",
			App: signin.App{ID: "app-payroll", Name: "Payroll Sync"}, ServicePrincipal: sp,
			ServicePrincipalCredentialKeyID: "key-2024", ClientCredentialType: "certificate",
			Status: signin.Status{ErrorCode: 7000222}}
	}
	src := memory.New("test", []signin.SignIn{
		workload("sp-3", time.Hour), workload("sp-2", 2*time.Hour), workload("sp-1", 3*time.Hour),
		workload("sp-old", 30*time.Hour), // outside the 24 hours before sp-3
		{ID: "guest-1", CorrelationID: "corr-g", CreatedAt: now.Add(-time.Hour), Type: signin.Interactive, TenantID: "tenant-1", HomeTenantID: "tenant-fabrikam",
			User: signin.User{ID: "oid-ana", UPN: "ana_fabrikam.example#ext#@contoso.com", Type: "guest"}, App: signin.App{ID: "app-1", Name: "Contoso Portal"},
			CrossTenantAccessType: "b2bCollaboration", Status: signin.Status{ErrorCode: 50105}},
		{ID: "mfa-1", CorrelationID: "corr-mfa", CreatedAt: now.Add(-2 * time.Minute), Type: signin.Interactive,
			User: signin.User{ID: "oid-rosa", UPN: "rosa@contoso.com"}, Status: signin.Status{ErrorCode: 50074}},
		{ID: "mfa-2", CorrelationID: "corr-mfa", CreatedAt: now.Add(-time.Minute), Type: signin.Interactive,
			User: signin.User{ID: "oid-rosa", UPN: "rosa@contoso.com"}},
		{ID: "ok-1", CorrelationID: "corr-ok", CreatedAt: now, Type: signin.Interactive, User: signin.User{UPN: "okay@contoso.com"}},
	})
	c := mcpservertest.Connect(t, src)

	text, err := get(c, prompts.EscalationName, map[string]string{"signInId": "sp-3", "audience": "microsoft-support"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`Service principal: "Payroll Sync" ("sp-payroll")`, `Credential key ID: "key-2024" ("certificate")`,
		"3 failures, 3 for this service principal", "first seen " + now.Add(-3*time.Hour).Format(time.RFC3339),
		"first to act is the developer, not Microsoft", "7000222"} {
		if !strings.Contains(text, want) {
			t.Errorf("workload escalation lacks %q:\n%s", want, text)
		}
	}

	text, err = get(c, prompts.EscalationName, map[string]string{"signInId": "guest-1", "audience": "helpdesk"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`Guest: home tenant "tenant-fabrikam"`, `Cross-tenant access: "b2bCollaboration"`, "1 failure, 1 for this user", "1 user affected"} {
		if !strings.Contains(text, want) {
			t.Errorf("guest escalation lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "not Microsoft") {
		t.Errorf("the help desk was warned about a Microsoft ticket:\n%s", text)
	}

	for id, want := range map[string]string{"ok-1": "Sign-in ok-1 succeeded", "mfa-1": "its flow ended in a success"} {
		text, err = get(c, prompts.EscalationName, map[string]string{"signInId": id, "audience": "microsoft-support"})
		if err != nil {
			t.Fatalf("%s: %v (a sign-in that did not fail is an answer, not an error)", id, err)
		}
		if !strings.Contains(text, want) || !strings.Contains(text, "nothing to escalate") || strings.Contains(text, "Identifiers (quote") {
			t.Errorf("%s: want %q, nothing to escalate and no draft:\n%s", id, want, text)
		}
	}
}
