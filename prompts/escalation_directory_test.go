package prompts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/entra-signin-mcp/entra-signin-mcp/prompts"
)

// TestEscalationNamesTheDirectoryChange: a draft about a disabled account
// says who disabled it and when, from the directory's audit events.
func TestEscalationNamesTheDirectoryChange(t *testing.T) {
	s := signin.SignIn{ID: "req-9", CorrelationID: "corr-9", CreatedAt: now.Add(-time.Hour), Type: signin.Interactive,
		User: signin.User{ID: "oid-kev", UPN: "kevin@contoso.com"}, App: signin.App{ID: "app-1", Name: "Outlook"},
		Status: signin.Status{ErrorCode: 50057}}
	dir := directory.NewMemory(directory.Data{Holds: []string{directory.ReadEvents}, Events: []directory.Event{{
		ID: "ev-1", At: now.Add(-2 * time.Hour), Activity: "Disable account", InitiatedBy: "admin@contoso.com",
		Targets: []directory.Target{{ID: "oid-kev", Type: "User", Name: "kevin@contoso.com"}},
	}}})
	c := mcpservertest.Connect(t, memory.New("test", []signin.SignIn{s}, memory.WithDirectory(dir)))
	text, err := get(c, prompts.EscalationName, map[string]string{"signInId": "req-9", "audience": "helpdesk"})
	if err != nil {
		t.Fatal(err)
	}
	want := `Directory change: "Disable account" at "2025-03-04T10:00:00Z" UTC by "admin@contoso.com" on "kevin@contoso.com" (explains account-disabled).`
	if !strings.Contains(text, want) {
		t.Errorf("draft lacks %q:\n%s", want, text)
	}
}
