package prompts_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/entra-signin-mcp/entra-signin-mcp/prompts"
)

var now = time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)

func source() *memory.Store {
	return memory.New("test", []signin.SignIn{
		{ID: "req-1", CorrelationID: "corr-1", CreatedAt: now.Add(-time.Hour), Type: signin.Interactive, TenantID: "tenant-1",
			User: signin.User{ID: "oid-rosa", UPN: "rosa.diaz@contoso.com", DisplayName: "Rosa Diaz"}, App: signin.App{ID: "app-1", Name: "Contoso Payroll"},
			Status:   signin.Status{ErrorCode: 53003, FailureReason: "Access has been blocked by Conditional Access policies."},
			Policies: []signin.Policy{{Name: "Block legacy authentication", Result: "failure", GrantControls: []string{"block"}}}},
		{ID: "req-2", CorrelationID: "corr-2", CreatedAt: now, Type: signin.Interactive,
			User: signin.User{ID: "oid-ravi", UPN: "ravi.shah@contoso.com", DisplayName: "Ravi Shah"}, Status: signin.Status{ErrorCode: 50126}},
		{ID: "req-3", CorrelationID: "corr-3", CreatedAt: now, Type: signin.Interactive,
			User: signin.User{ID: "oid-ok", UPN: "okay@contoso.com"}},
	})
}

func connect(t *testing.T) *client.Client { return mcpservertest.Connect(t, source()) }

func get(c *client.Client, name string, args map[string]string) (string, error) {
	req := mcp.GetPromptRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.GetPrompt(context.Background(), req)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, m := range res.Messages {
		if t, ok := m.Content.(mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String(), nil
}

func TestTroubleshootPrompt(t *testing.T) {
	c := connect(t)
	text, err := get(c, prompts.TroubleshootName, map[string]string{"user": "rosa.diaz@contoso.com", "when": "this morning"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1. Call diagnose_signin_failures with user=\"rosa.diaz@contoso.com\"", "evidence.signInIds", "notCauses", "lastSuccess",
		`user="rosa.diaz@contoso.com"`, "search_failed_signins", "get_signin_details", "explain_error_code", `"this morning"`, "correlation ID", "entra-signin://guide"} {
		if !strings.Contains(text, want) {
			t.Errorf("prompt lacks %q:\n%s", want, text)
		}
	}
	// diagnose_signin_failures takes one subject: a correlation ID wins over
	// a user, and the search keeps both.
	both, err := get(c, prompts.TroubleshootName, map[string]string{"user": "rosa.diaz@contoso.com", "correlationId": "corr-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(both, `1. Call diagnose_signin_failures with correlationId="corr-1".`) || !strings.Contains(both, `search_failed_signins with correlationId="corr-1", user="rosa.diaz@contoso.com"`) {
		t.Errorf("one subject for the diagnosis, both for the search:\n%s", both)
	}
	// The interrupts are the catalog's, every one of them, not a list kept here.
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	codes := make([]string, 0, len(cat.InterruptCodes()))
	for _, code := range cat.InterruptCodes() {
		codes = append(codes, strconv.Itoa(code))
	}
	if want := "Interrupts (" + strings.Join(codes, ", ") + ") are normal steps"; len(codes) < 10 || !strings.Contains(text, want) {
		t.Errorf("prompt lacks the catalog's interrupts %q:\n%s", want, text)
	}
	if _, err := get(c, prompts.TroubleshootName, map[string]string{}); err == nil || !strings.Contains(err.Error(), "at least one of user, app, when or correlationId") {
		t.Errorf("no arguments: %v", err)
	}
}

func TestEscalationPrompt(t *testing.T) {
	c := connect(t)
	for _, args := range []map[string]string{
		{"signInId": "req-1", "audience": "microsoft-support"},
		{"correlationId": "corr-1", "audience": "microsoft-support"},
	} {
		text, err := get(c, prompts.EscalationName, args)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`Request ID: "req-1"`, `Correlation ID: "corr-1"`, "Timestamp (UTC): 2025-03-04T11:00:00Z", `Tenant ID: "tenant-1"`, `User ID: "oid-rosa"`, "AADSTS53003", `"Block legacy authentication" failed`, "support request",
			"Diagnosis (diagnose_signin_failures over the 48 hours up to the sign-in): ca-blocked: Blocked by a Conditional Access policy [ongoing", `Evidence sign-in IDs (1 sign-ins in all): "req-1"`, "Last success before the failures: none found."} {
			if !strings.Contains(text, want) {
				t.Errorf("%v: draft lacks %q:\n%s", args, want, text)
			}
		}
	}
	user, err := get(c, prompts.EscalationName, map[string]string{"signInId": "req-1", "audience": "end-user"})
	if err != nil || !strings.Contains(user, "plain language") {
		t.Errorf("end-user draft: %v\n%s", err, user)
	}
	for name, args := range map[string]map[string]string{
		"bad audience": {"signInId": "req-1", "audience": "ceo"},
		"unknown id":   {"signInId": "nope", "audience": "helpdesk"},
		"no id":        {"audience": "helpdesk"},
	} {
		if _, err := get(c, prompts.EscalationName, args); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPromptCompletion(t *testing.T) {
	c := connect(t)
	complete := func(prompt, arg, value string) []string {
		req := mcp.CompleteRequest{}
		req.Params.Ref = mcp.PromptReference{Type: "ref/prompt", Name: prompt}
		req.Params.Argument.Name = arg
		req.Params.Argument.Value = value
		res, err := c.Complete(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return res.Completion.Values
	}
	if got := complete(prompts.TroubleshootName, "user", "r"); strings.Join(got, ",") != "ravi.shah@contoso.com,rosa.diaz@contoso.com" {
		t.Errorf("user r: %v (want only users with failures)", got)
	}
	if got := complete(prompts.TroubleshootName, "user", "Rosa D"); strings.Join(got, ",") != "rosa.diaz@contoso.com" {
		t.Errorf("user by display name: %v", got)
	}
	if got := complete(prompts.TroubleshootName, "user", "okay"); len(got) != 0 {
		t.Errorf("a user without failures was offered: %v", got)
	}
	if got := complete(prompts.EscalationName, "audience", "h"); strings.Join(got, ",") != "helpdesk" {
		t.Errorf("audience h: %v", got)
	}
	if got := complete(prompts.EscalationName, "audience", ""); len(got) != 3 {
		t.Errorf("audience: %v", got)
	}
}

// TestBadArgumentsAreEchoedShort: a prompt error quotes at most a short
// prefix of a caller's value, names the argument and says what is accepted.
func TestBadArgumentsAreEchoedShort(t *testing.T) {
	c := connect(t)
	big := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		prompt string
		args   map[string]string
		want   []string
	}{
		{prompts.EscalationName, map[string]string{"audience": big, "signInId": "req-1"}, []string{"audience", "helpdesk"}},
		{prompts.EscalationName, map[string]string{"audience": "helpdesk", "signInId": big}, []string{"signInId", "correlationId"}},
		{prompts.EscalationName, map[string]string{"audience": "helpdesk", "correlationId": big}, []string{"signInId", "correlationId"}},
		{prompts.EscalationName, map[string]string{"audience": "helpdesk", big: "x"}, []string{"unknown argument", "signInId, correlationId, audience (required)"}},
		{prompts.EscalationName, map[string]string{"audience": "helpdesk", "correlationId": strings.Repeat("y", 200)}, []string{"correlation ID", "check the ID"}},
		{prompts.TroubleshootName, map[string]string{"user": big}, []string{"user", "256"}},
		{prompts.TroubleshootName, map[string]string{"app": big}, []string{"app", "256"}},
		{prompts.TroubleshootName, map[string]string{"when": big}, []string{"when", "256"}},
		{prompts.TroubleshootName, map[string]string{"correlationId": big}, []string{"correlationId", "256"}},
	} {
		_, err := get(c, tc.prompt, tc.args)
		if err == nil {
			t.Errorf("%s %v: accepted", tc.prompt, keys(tc.args))
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, strings.Repeat("y", 65)) {
			t.Errorf("%s %v: the error quotes more than 64 characters of the value: %.300s", tc.prompt, keys(tc.args), msg)
		}
		if len(msg) > 1024 {
			t.Errorf("%s %v: the error is %d bytes: %.200s…", tc.prompt, keys(tc.args), len(msg), msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s %v: the error does not say %q: %.300s", tc.prompt, keys(tc.args), w, msg)
			}
		}
	}
}

func keys(m map[string]string) []string {
	out := []string{}
	for k, v := range m {
		out = append(out, k+"="+v[:min(8, len(v))])
	}
	return out
}

// TestPromptArgumentErrors: every argument of every prompt, given wrong,
// gets an error that names the argument and says what is accepted.
func TestPromptArgumentErrors(t *testing.T) {
	c := connect(t)
	for _, tc := range []struct {
		name   string
		prompt string
		args   map[string]string
		want   []string
	}{
		{"no argument", prompts.TroubleshootName, map[string]string{}, []string{"troubleshoot_signin", "at least one of user, app, when or correlationId"}},
		{"blank arguments", prompts.TroubleshootName, map[string]string{"user": " ", "when": ""}, []string{"at least one of user, app, when or correlationId"}},
		{"unknown argument", prompts.TroubleshootName, map[string]string{"upn": "rosa.diaz@contoso.com"}, []string{`unknown argument "upn"`, "accepted arguments: user, app, when, correlationId"}},
		{"miscased user", prompts.TroubleshootName, map[string]string{"User": "rosa.diaz@contoso.com"}, []string{`unknown argument "User"`, "did you mean user?"}},
		{"miscased correlationId", prompts.TroubleshootName, map[string]string{"correlationID": "corr-1"}, []string{"did you mean correlationId?"}},
		{"overlong app", prompts.TroubleshootName, map[string]string{"app": strings.Repeat("a", 300)}, []string{"app is 300 characters long", "at most 256"}},
		{"no audience", prompts.EscalationName, map[string]string{"signInId": "req-1"}, []string{"audience is required", "microsoft-support, helpdesk, end-user"}},
		{"bad audience", prompts.EscalationName, map[string]string{"signInId": "req-1", "audience": "ceo"}, []string{`audience "ceo" is not accepted`, "microsoft-support, helpdesk, end-user"}},
		{"miscased signInId", prompts.EscalationName, map[string]string{"signinId": "req-1", "audience": "helpdesk"}, []string{`unknown argument "signinId"`, "did you mean signInId?", "audience (required)"}},
		{"no identifier", prompts.EscalationName, map[string]string{"audience": "helpdesk"}, []string{"neither signInId nor correlationId", "exactly one"}},
		{"both identifiers", prompts.EscalationName, map[string]string{"signInId": "req-1", "correlationId": "corr-1", "audience": "helpdesk"}, []string{"both signInId and correlationId", "exactly one"}},
		{"unknown signInId", prompts.EscalationName, map[string]string{"signInId": "nope", "audience": "helpdesk"}, []string{"draft_escalation: signInId: ", "nope"}},
		{"unknown correlationId", prompts.EscalationName, map[string]string{"correlationId": "corr-none", "audience": "helpdesk"}, []string{"draft_escalation: correlationId: ", "corr-none"}},
	} {
		_, err := get(c, tc.prompt, tc.args)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: the error does not say %q: %v", tc.name, w, err)
			}
		}
	}
}

// TestEscalationNamesTheLatestRelatedSignIn: the sentence about the rest of
// the flow names the sign-in it means, in the singular for one.
func TestEscalationNamesTheLatestRelatedSignIn(t *testing.T) {
	src := memory.New("test", []signin.SignIn{
		{ID: "req-a", CorrelationID: "corr-x", CreatedAt: now.Add(-2 * time.Minute), Type: signin.Interactive,
			User: signin.User{UPN: "ana@contoso.com"}, Status: signin.Status{ErrorCode: 50074}},
		{ID: "req-b", CorrelationID: "corr-x", CreatedAt: now.Add(-time.Minute), Type: signin.Interactive,
			User: signin.User{UPN: "ana@contoso.com"}, Status: signin.Status{ErrorCode: 500121}},
	})
	c := mcpservertest.Connect(t, src)
	text, err := get(c, prompts.EscalationName, map[string]string{"signInId": "req-b", "audience": "helpdesk"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `1 other sign-in shares the correlation ID; the latest of them, "req-a" at 2025-03-04 11:58:00 UTC, was interrupted with 50074`; !strings.Contains(text, want) {
		t.Errorf("draft lacks %q:\n%s", want, text)
	}
}
