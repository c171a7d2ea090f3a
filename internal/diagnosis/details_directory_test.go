package diagnosis_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// storeWithDirectory is a sign-in store that also reads a directory.
type storeWithDirectory struct {
	*memory.Store
	dir   directory.Reader
	asked []directory.Query
}

func (s *storeWithDirectory) Directory(ctx context.Context, q directory.Query) (directory.Context, error) {
	s.asked = append(s.asked, q)
	return s.dir.Directory(ctx, q)
}

// TestDetailsShowFailingPolicyDefinitions: opening a sign-in blocked by a
// policy reads that policy's definition (and nothing else of the
// directory) and shows it beside the policy's result.
func TestDetailsShowFailingPolicyDefinitions(t *testing.T) {
	cat := mustCatalog(t)
	at := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
	s := signin.SignIn{ID: "req-1", CreatedAt: at, Type: signin.Interactive, User: signin.User{ID: "oid-1", UPN: "a@contoso.com"},
		Status: signin.Status{ErrorCode: 53003}, ConditionalAccessStatus: "failure",
		Policies: []signin.Policy{
			{ID: "p-block", Name: "Block legacy", Result: "failure", GrantControls: []string{"block"}},
			{ID: "p-mfa", Name: "Require MFA", Result: "success", GrantControls: []string{"mfa"}},
		}}
	src := &storeWithDirectory{Store: memory.New("demo", []signin.SignIn{s}), dir: directory.NewMemory(directory.Data{
		Holds: []string{directory.ReadPolicies, directory.ReadEvents},
		Policies: []directory.Policy{{ID: "p-block", Name: "Block legacy", State: "enabled",
			Conditions: []string{"users: All users", "client apps: exchangeActiveSync, other"}, GrantOperator: "OR", GrantControls: []string{"block"}}},
	})}
	d, err := diagnosis.OpenDetails(context.Background(), src, cat, "req-1", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(src.asked) != 1 || !slices.Equal(src.asked[0].PolicyIDs, []string{"p-block"}) || !slices.Equal(src.asked[0].Reads, []string{directory.ReadPolicies}) {
		t.Fatalf("asked %+v, want the failing policy's definition only", src.asked)
	}
	for _, p := range d.ConditionalAccess {
		switch p.ID {
		case "p-block":
			if p.Definition == nil || p.Definition.State != "enabled" || !strings.Contains(strings.Join(p.Definition.Conditions, ";"), "exchangeActiveSync") {
				t.Errorf("p-block definition %+v", p.Definition)
			}
		case "p-mfa":
			if p.Definition != nil {
				t.Errorf("a policy that passed got a definition: %+v", p.Definition)
			}
		}
	}
}
