package diagnosis_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Workload sign-ins carry their credential and no device; guests their home
// tenant; a member of the tenant no crossTenant block.
func TestDetailsWorkloadAndGuest(t *testing.T) {
	cat := mustCatalog(t)
	no := false
	w := signin.SignIn{ID: "sp-1", CreatedAt: now, Type: signin.ServicePrincipal, TenantID: "t1", AppOwnerTenantID: "t-vendor",
		ServicePrincipal: signin.App{ID: "sp-id", Name: "Payroll Sync"}, ServicePrincipalCredentialKeyID: "key-1",
		ClientCredentialType: "certificate", IsInteractive: &no, Status: signin.Status{ErrorCode: 7000222}}
	d := diagnosis.BuildDetails(w, nil, cat)
	if d.Device != nil || d.Workload == nil || d.Workload.CredentialKeyID != "key-1" || d.Workload.ClientCredentialType != "certificate" ||
		d.SupportIdentifiers.ServicePrincipalID != "sp-id" || d.SupportIdentifiers.CredentialKeyID != "key-1" ||
		d.CrossTenant == nil || d.CrossTenant.AppOwnerTenantID != "t-vendor" || d.SignIn.IsInteractive == nil || *d.SignIn.IsInteractive {
		t.Errorf("workload details: %+v", d)
	}
	b, _ := json.Marshal(d)
	if strings.Contains(string(b), `"device"`) {
		t.Errorf("a workload sign-in with no device logged shows one: %s", b)
	}

	g := signin.SignIn{ID: "g-1", CreatedAt: now, Type: signin.Interactive, TenantID: "t1", HomeTenantID: "t-home", AppOwnerTenantID: "t-microsoft",
		CrossTenantAccessType: "b2bCollaboration", IncomingTokenType: "primaryRefreshToken", AuthenticationProtocol: "oAuth2",
		User: signin.User{UPN: "ana_fabrikam.example#ext#@contoso.com", Type: "guest"}, Device: signin.Device{OperatingSystem: "Windows"},
		Status: signin.Status{ErrorCode: 50105}}
	d = diagnosis.BuildDetails(g, nil, cat)
	if d.Workload != nil || d.CrossTenant == nil || d.CrossTenant.HomeTenantID != "t-home" || d.CrossTenant.CrossTenantAccessType != "b2bCollaboration" ||
		d.SupportIdentifiers.HomeTenantID != "t-home" || d.Device == nil || d.SignIn.IncomingTokenType != "primaryRefreshToken" || d.SignIn.AuthenticationProtocol != "oAuth2" {
		t.Errorf("guest details: %+v", d)
	}

	// A member signing in to a Microsoft app (owned by Microsoft's tenant)
	// crossed nothing.
	m := signin.SignIn{ID: "m-1", CreatedAt: now, Type: signin.Interactive, TenantID: "t1", HomeTenantID: "t1", AppOwnerTenantID: "t-microsoft",
		CrossTenantAccessType: "none", User: signin.User{UPN: "rosa@contoso.com"}, Status: signin.Status{ErrorCode: 50126}}
	if d = diagnosis.BuildDetails(m, nil, cat); d.CrossTenant != nil || d.SupportIdentifiers.HomeTenantID != "" {
		t.Errorf("member details: crossTenant %+v, support %+v", d.CrossTenant, d.SupportIdentifiers)
	}
}
