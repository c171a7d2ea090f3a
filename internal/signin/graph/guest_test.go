package graph

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// A guest searched by home address is found at Graph (the filter asks for
// the #EXT# UPN too, and the fake accepts it as Graph does), and a service
// principal's credential key comes back through beta's $select.
func TestGuestAndWorkloadThroughGraph(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	raws := []json.RawMessage{
		json.RawMessage(`{"id":"g1","createdDateTime":"2025-03-01T10:05:00Z","userPrincipalName":"ana_fabrikam.example#ext#@contoso.com","userId":"11111111-1111-4111-8111-111111111111","userType":"guest","homeTenantId":"f1f2f3f4-0000-4000-8000-bbbbbbbbbbbb","crossTenantAccessType":"b2bCollaboration","isInteractive":true,"status":{"errorCode":50105}}`),
		json.RawMessage(`{"id":"m1","createdDateTime":"2025-03-01T10:06:00Z","userPrincipalName":"ana@contoso.com","userId":"22222222-2222-4222-8222-222222222222","isInteractive":true,"status":{"errorCode":50126}}`),
		json.RawMessage(`{"id":"s1","createdDateTime":"2025-03-01T10:07:00Z","servicePrincipalId":"5b0c6d1e-2f3a-4b4c-8d5e-6f7a8b9c0d11","servicePrincipalName":"Payroll Sync","servicePrincipalCredentialKeyId":"c0ffee00-1111-4222-8333-944455556666","clientCredentialType":"certificate","appOwnerTenantId":"e1e2e3e4-0000-4000-8000-aaaaaaaaaaaa","signInEventTypes":["servicePrincipal"],"isInteractive":false,"status":{"errorCode":7000222}}`),
	}
	src, _ := newSource(t, raws, now, nil)
	base := signin.Query{Since: now.Add(-24 * time.Hour), Until: now, Limit: 10, Classify: classify(t)}

	q := base
	q.User, q.Types = "Ana@Fabrikam.Example", []signin.Type{signin.Interactive, signin.NonInteractive}
	p, err := src.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.Rows {
		got = append(got, r.ID)
	}
	if !slices.Equal(got, []string{"g1"}) {
		t.Errorf("guest by home address: %v, want [g1]", got)
	}

	q = base
	q.Types = []signin.Type{signin.ServicePrincipal}
	p, err = src.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 1 || p.Rows[0].ServicePrincipalCredentialKeyID != "c0ffee00-1111-4222-8333-944455556666" ||
		p.Rows[0].ClientCredentialType != "certificate" || p.Rows[0].AppOwnerTenantID != "e1e2e3e4-0000-4000-8000-aaaaaaaaaaaa" {
		t.Errorf("workload rows %+v, want s1 with its credential key, credential type and app owner tenant", p.Rows)
	}
}
