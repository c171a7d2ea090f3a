package files

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// The workload and cross-tenant fields, from each format that has them:
// hand-written records of a service principal signing in with a retired
// certificate and a guest from another tenant.
func TestWorkloadAndGuestFields(t *testing.T) {
	const (
		spID   = "5b0c6d1e-2f3a-4b4c-8d5e-6f7a8b9c0d11"
		keyID  = "c0ffee00-1111-4222-8333-944455556666"
		ownerT = "e1e2e3e4-0000-4000-8000-aaaaaaaaaaaa"
		homeT  = "f1f2f3f4-0000-4000-8000-bbbbbbbbbbbb"
		resT   = "a1a2a3a4-0000-4000-8000-cccccccccccc"
	)
	files := map[string]string{
		"graph-beta.json": `{"value":[
 {"id":"sp-1","createdDateTime":"2025-03-01T10:00:00Z","servicePrincipalId":"` + spID + `","servicePrincipalName":"Payroll Sync",
  "servicePrincipalCredentialKeyId":"` + keyID + `","clientCredentialType":"certificate","appOwnerTenantId":"` + ownerT + `",
  "resourceTenantId":"` + resT + `","signInEventTypes":["servicePrincipal"],"isInteractive":false,"authenticationProtocol":"none",
  "status":{"errorCode":7000222}},
 {"id":"guest-1","createdDateTime":"2025-03-01T10:05:00Z","userPrincipalName":"ana_fabrikam.example#ext#@contoso.com","userType":"guest",
  "homeTenantId":"` + homeT + `","resourceTenantId":"` + resT + `","crossTenantAccessType":"b2bCollaboration","incomingTokenType":"primaryRefreshToken",
  "isInteractive":true,"authenticationProtocol":"oAuth2","status":{"errorCode":50105}}]}`,
		"InteractiveSignIns_2025-03-01.csv": "Date (UTC),Request ID,Username,User type,Cross tenant access type,Incoming token type,Authentication Protocol,Client credential type,App owner tenant ID,Resource tenant ID,Home tenant ID,Sign-in error code,Incoming token type\n" +
			`2025-03-01T10:05:00Z,guest-2,ana_fabrikam.example#EXT#@contoso.com,Guest,B2B collaboration,Primary Refresh Token,OAuth2,None,` + ownerT + `,` + resT + `,` + homeT + ",50105,none\n",
		"ServicePrincipalSignIns_2025-03-01.csv": "Date (UTC),Request ID,Service principal ID,Service principal name,Credential key ID,Credential thumbprint,Application,Application ID ,App owner tenant ID,Resource tenant ID,Sign-in error code\n" +
			`2025-03-01T10:00:00Z,sp-2,` + spID + `,Payroll Sync,` + keyID + `,AB12,Payroll Sync,0a0b0c0d-0000-4000-8000-dddddddddddd,` + ownerT + `,` + resT + ",7000222\n",
		"la.csv": "TimeGenerated [UTC],Id,Category,ResultType,ServicePrincipalId,ServicePrincipalName,ServicePrincipalCredentialKeyId,ClientCredentialType,AppOwnerTenantId,ResourceTenantId\n" +
			`2025-03-01T10:00:00Z,sp-3,ServicePrincipalSignInLogs,7000222,` + spID + `,Payroll Sync,` + keyID + `,ClientSecret,` + ownerT + `,` + resT + "\n",
		"la.json": `[{"TimeGenerated":"2025-03-01T10:05:00Z","Id":"guest-3","Category":"SignInLogs","ResultType":"50105","UserPrincipalName":"ana_fabrikam.example#ext#@contoso.com",
  "UserType":"Guest","HomeTenantId":"` + homeT + `","ResourceTenantId":"` + resT + `","CrossTenantAccessType":"b2bCollaboration","IncomingTokenType":"none",
  "IsInteractive":true,"AuthenticationProtocol":"deviceCode"}]`,
	}
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := load(t, filepath.Join(dir, "*"))
	tests := []struct {
		id              string
		typ             signin.Type
		key, cred, cta  string
		owner, home     string
		token, protocol string
		interactive     *bool
	}{
		{id: "sp-1", typ: signin.ServicePrincipal, key: keyID, cred: "certificate", owner: ownerT, protocol: "none", interactive: ptr(false)},
		{id: "guest-1", typ: signin.Interactive, cta: "b2bCollaboration", home: homeT, token: "primaryRefreshToken", protocol: "oAuth2", interactive: ptr(true)},
		// The download's display forms become Graph's enum values; of its two
		// "Incoming token type" columns, the first is read.
		{id: "guest-2", typ: signin.Interactive, cred: "none", cta: "b2bCollaboration", owner: ownerT, home: homeT, token: "primaryRefreshToken", protocol: "oAuth2"},
		{id: "sp-2", typ: signin.ServicePrincipal, key: keyID, owner: ownerT},
		{id: "sp-3", typ: signin.ServicePrincipal, key: keyID, cred: "clientSecret", owner: ownerT},
		{id: "guest-3", typ: signin.Interactive, cta: "b2bCollaboration", home: homeT, token: "none", protocol: "deviceCode", interactive: ptr(true)},
	}
	for _, tt := range tests {
		s := byID(t, res, tt.id)
		if s.Type != tt.typ || s.ServicePrincipalCredentialKeyID != tt.key || s.ClientCredentialType != tt.cred ||
			s.CrossTenantAccessType != tt.cta || s.AppOwnerTenantID != tt.owner || s.HomeTenantID != tt.home ||
			s.IncomingTokenType != tt.token || s.AuthenticationProtocol != tt.protocol || !boolEq(s.IsInteractive, tt.interactive) {
			t.Errorf("%s: type %s key %q cred %q cta %q owner %q home %q token %q protocol %q interactive %v; want %+v",
				tt.id, s.Type, s.ServicePrincipalCredentialKeyID, s.ClientCredentialType, s.CrossTenantAccessType, s.AppOwnerTenantID,
				s.HomeTenantID, s.IncomingTokenType, s.AuthenticationProtocol, s.IsInteractive, tt)
		}
		if tt.typ == signin.ServicePrincipal && s.ServicePrincipal.ID != spID {
			t.Errorf("%s: service principal %+v, want %s", tt.id, s.ServicePrincipal, spID)
		}
		if s.TenantID != resT {
			t.Errorf("%s: tenant %q, want the resource tenant %s", tt.id, s.TenantID, resT)
		}
	}
}
