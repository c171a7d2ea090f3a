package diagnosis_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

func TestBuildDetails(t *testing.T) {
	cat := mustCatalog(t)
	yes := true
	s := si("ca-1", now.Add(-2*time.Hour), 53003, "corr-ca")
	s.UserAgent = strings.Repeat("Mozilla/5.0 ", 40)
	s.ConditionalAccessStatus = "failure"
	s.Policies = []signin.Policy{
		{ID: "p1", Name: "Block legacy authentication", Result: "failure", GrantControls: []string{"block"}},
		{ID: "p2", Name: "Require MFA for admins", Result: "notApplied"},
		{ID: "p3", Name: "Report-only: compliant device", Result: "reportOnlyFailure"},
		{ID: "p4", Name: "Disabled", Result: "notEnabled"},
	}
	s.AuthDetails = []signin.AuthStep{{At: now.Add(-2 * time.Hour), Method: "Password", Succeeded: true}, {Method: "Text message"}}
	s.Device = signin.Device{OperatingSystem: "Windows 11", IsManaged: &yes}
	s.Risk = signin.Risk{LevelDuringSignIn: "high"}
	related := []signin.SignIn{si("ca-0", now.Add(-3*time.Hour), 50074, "corr-ca"), si("ca-2", now.Add(-time.Hour), 0, "corr-ca")}

	d := diagnosis.BuildDetails(s, related, cat)
	if d.SignIn.CreatedDateTime != "2025-03-04T10:00:00Z" || d.SignIn.Status.ErrorCode != 53003 || d.SignIn.Risk == nil || d.SignIn.Risk.LevelDuringSignIn != "high" {
		t.Errorf("sign-in %+v", d.SignIn)
	}
	if n := len([]rune(d.SignIn.UserAgent)); n != 200 || !strings.HasSuffix(d.SignIn.UserAgent, "…") {
		t.Errorf("user agent clipped to %d runes: %q", n, d.SignIn.UserAgent)
	}
	if !d.Explanation.Known || d.Explanation.Code != 53003 || d.Explanation.Outcome != "failure" || d.Explanation.WhoFixes == "" {
		t.Errorf("explanation %+v", d.Explanation)
	}
	if len(d.ConditionalAccess) != 2 || d.ConditionalAccessNotApplied != 2 || d.ConditionalAccess[1].SessionControls == nil || d.ConditionalAccess[1].GrantControls == nil {
		t.Errorf("policies %+v, not applied %d", d.ConditionalAccess, d.ConditionalAccessNotApplied)
	}
	if len(d.AuthenticationSteps) != 2 || d.AuthenticationSteps[0].At != "2025-03-04T10:00:00Z" || d.AuthenticationSteps[1].At != "" {
		t.Errorf("steps %+v", d.AuthenticationSteps)
	}
	if len(d.Related) != 2 || d.Related[0].Outcome != "interrupt" || d.Related[1].Outcome != "success" || d.Related[1].App != "Contoso Payroll" {
		t.Errorf("related %+v", d.Related)
	}
	ids := d.SupportIdentifiers
	if ids.RequestID != "ca-1" || ids.CorrelationID != "corr-ca" || ids.Timestamp != "2025-03-04T10:00:00Z" || ids.TenantID != "tenant-1" || ids.UserID != "oid-rosa" || ids.AppID != "app-1" || ids.ErrorCode != 53003 {
		t.Errorf("support identifiers %+v", ids)
	}
	if d.Truncated || len(d.Notes) != 0 {
		t.Errorf("BuildDetails trimmed or noted: %v %v", d.Truncated, d.Notes)
	}
}

// TestBuildDetailsEdges: a bare workload sign-in serialises without null
// lists, names its service principal, and a Conditional Access status without
// policy detail says which permission would show it.
func TestBuildDetailsEdges(t *testing.T) {
	cat := mustCatalog(t)
	sp := signin.SignIn{ID: "sp-1", CreatedAt: now, Type: signin.ServicePrincipal, ConditionalAccessStatus: "failure",
		ServicePrincipal: signin.App{ID: "sp-obj-1", Name: "Contoso Expense API"}, Status: signin.Status{ErrorCode: 7000222}}
	d := diagnosis.BuildDetails(sp, nil, cat)
	if d.SignIn.ServicePrincipal == nil || d.SignIn.ServicePrincipal.Name != "Contoso Expense API" || d.SupportIdentifiers.AppID != "sp-obj-1" {
		t.Errorf("service principal %+v, app ID %q", d.SignIn.ServicePrincipal, d.SupportIdentifiers.AppID)
	}
	if d.SignIn.Risk != nil {
		t.Errorf("risk %+v for a sign-in without risk", d.SignIn.Risk)
	}
	if len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "Policy.Read.ConditionalAccess") {
		t.Errorf("notes %v", d.Notes)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	// nextSuccess is the one field whose schema allows null: "none known".
	if rest := strings.Replace(string(b), `"nextSuccess":null`, "", 1); strings.Contains(rest, "null") {
		t.Errorf("structured output carries null outside nextSuccess: %s", b)
	}
}

func TestOpenDetails(t *testing.T) {
	cat := mustCatalog(t)
	d, err := diagnosis.OpenDetails(context.Background(), flows(), cat, "", "corr-a")
	if err != nil {
		t.Fatal(err)
	}
	if d.SupportIdentifiers.RequestID != "a-2" || len(d.Related) != 3 || d.Related[2].Outcome != "success" {
		t.Errorf("opened %s related %+v", d.SupportIdentifiers.RequestID, d.Related)
	}
	src := memory.New("test", nil)
	if _, err := diagnosis.OpenDetails(context.Background(), src, cat, "", ""); err == nil || !strings.Contains(err.Error(), diagnosis.Accepted) {
		t.Errorf("no identifier: %v", err)
	}
}
