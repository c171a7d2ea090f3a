package graph

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// TestLiveTenant reads a real tenant's sign-ins. It runs only when
// ENTRA_SIGNIN_LIVE_TEST=1 and a credential is configured for --auth default
// (AZURE_* variables, a managed identity or az login); otherwise it skips.
func TestLiveTenant(t *testing.T) {
	if os.Getenv("ENTRA_SIGNIN_LIVE_TEST") != "1" {
		t.Skip("live tenant test: set ENTRA_SIGNIN_LIVE_TEST=1 and a credential (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, or az login) to run it")
	}
	src, err := New(Config{Auth: os.Getenv("ENTRA_SIGNIN_AUTH"), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := src.Check(context.Background())
	if err != nil {
		t.Fatalf("check: %v (%+v)", err, rep)
	}
	now := time.Now().UTC()
	p, err := src.Search(context.Background(), signin.Query{Since: now.Add(-24 * time.Hour), Until: now, Limit: 5, Classify: classify(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("live tenant %s: %d failures in 24 h, %d requests' worth of rows scanned", rep.TenantID, p.Coverage.Matched, p.Coverage.Scanned)
}
