package memory

import (
	"context"
	"slices"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// A guest is found by the address of their home tenant: the index holds it,
// and nobody else matches it.
func TestGuestByHomeAddress(t *testing.T) {
	s := New("test", []signin.SignIn{
		rec("g1", 5, "ana_fabrikam.example#EXT#@contoso.com", 50105, signin.Interactive, "c1"),
		rec("g2", 4, "ana_fabrikam.example#ext#@contoso.com", 50126, signin.Interactive, "c2"),
		rec("m1", 3, "ana@contoso.com", 50126, signin.Interactive, "c3"),
		rec("x1", 2, "xana_fabrikam.example#ext#@contoso.com", 50126, signin.Interactive, "c4"),
		rec("o1", 1, "ana_fabrikam.example.org#ext#@contoso.com", 50126, signin.Interactive, "c5"),
	})
	for _, user := range []string{"ana@fabrikam.example", "Ana@Fabrikam.Example"} {
		p, err := s.Search(context.Background(), query(func(q *signin.Query) { q.User = user }))
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(p); !slices.Equal(got, []string{"g2", "g1"}) {
			t.Errorf("user %q: %v, want the guest's two sign-ins g2, g1", user, got)
		}
	}
	// The guest UPN itself still works, and a member's address finds only
	// the member.
	for user, want := range map[string][]string{
		"ana_fabrikam.example#EXT#@contoso.com": {"g2", "g1"},
		"ana@contoso.com":                       {"m1"},
	} {
		p, err := s.Search(context.Background(), query(func(q *signin.Query) { q.User = user }))
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(p); !slices.Equal(got, want) {
			t.Errorf("user %q: %v, want %v", user, got, want)
		}
	}
}
