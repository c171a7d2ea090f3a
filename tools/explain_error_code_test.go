package tools_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

func connect(t testing.TB) *client.Client { return mcpservertest.Connect(t, nil) }

func callRaw(t testing.TB, c *client.Client, name, args string) *mcp.CallToolResult {
	t.Helper()
	return mcpservertest.CallRaw(t, c, name, args)
}

func text(res *mcp.CallToolResult) string { return mcpservertest.Text(res) }

// callTyped calls a tool and decodes its structured content into T (left
// zero for a tool error, which the caller inspects through the result).
func callTyped[T any](t *testing.T, c *client.Client, name, args string) (T, *mcp.CallToolResult) {
	t.Helper()
	res := callRaw(t, c, name, args)
	var out T
	if !res.IsError {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: structured content: %v", name, err)
		}
	}
	return out, res
}

// explain calls explain_error_code.
func explain(t *testing.T, c *client.Client, args string) (tools.ExplainErrorCodeResult, *mcp.CallToolResult) {
	t.Helper()
	return callTyped[tools.ExplainErrorCodeResult](t, c, tools.ExplainErrorCodeName, args)
}

func TestExplainErrorCode(t *testing.T) {
	c := connect(t)
	cases := []struct {
		name, args string
		check      func(t *testing.T, r tools.ExplainErrorCodeResult, text string)
	}{
		{"known failure as integer", `{"code":50053}`, func(t *testing.T, r tools.ExplainErrorCodeResult, text string) {
			if !r.Known || r.Name != "IdsLocked" || r.Outcome != catalog.OutcomeFailure || r.Category != "lockout" {
				t.Errorf("got %+v", r)
			}
			if len(r.Causes) < 2 || len(r.Remediation.Admin) == 0 {
				t.Errorf("50053 lacks causes or admin remediation: %+v", r)
			}
			if r.LookupURL != "https://login.microsoftonline.com/error?code=50053" || !strings.HasPrefix(r.DocsURL, "https://learn.microsoft.com/") {
				t.Errorf("urls %q %q", r.LookupURL, r.DocsURL)
			}
			if !strings.HasPrefix(text, "AADSTS50053 IdsLocked: ") || !strings.Contains(text, "first to act: ") {
				t.Errorf("summary text %q", text)
			}
		}},
		{"AADSTS prefix string", `{"code":"AADSTS50126"}`, func(t *testing.T, r tools.ExplainErrorCodeResult, text string) {
			if r.Code != 50126 || r.Name != "InvalidUserNameOrPassword" || r.Category != "credentials" {
				t.Errorf("got %+v", r)
			}
		}},
		{"digits as a string", `{"code":"7000222"}`, func(t *testing.T, r tools.ExplainErrorCodeResult, text string) {
			if r.Code != 7000222 || r.Category != "app-credential" || r.WhoFixes != "developer" {
				t.Errorf("got %+v", r)
			}
		}},
		{"interrupt", `{"code":50140}`, func(t *testing.T, r tools.ExplainErrorCodeResult, text string) {
			if r.Outcome != catalog.OutcomeInterrupt {
				t.Errorf("50140 outcome %q", r.Outcome)
			}
			if !strings.Contains(text, "interrupt") || !strings.Contains(text, "root cause") {
				t.Errorf("interrupt not flagged in text: %q", text)
			}
		}},
		{"transient", `{"code":90025}`, func(t *testing.T, r tools.ExplainErrorCodeResult, text string) {
			if r.Outcome != catalog.OutcomeTransient || r.Official {
				t.Errorf("got outcome %q official %v", r.Outcome, r.Official)
			}
		}},
		{"success", `{"code":0}`, func(t *testing.T, r tools.ExplainErrorCodeResult, text string) {
			if !r.Known || r.Outcome != catalog.OutcomeSuccess || r.WhoFixes != "none" {
				t.Errorf("got %+v", r)
			}
		}},
		{"unknown code in a known family", `{"code":53999}`, func(t *testing.T, r tools.ExplainErrorCodeResult, text string) {
			if r.Known || r.Family == nil || r.Family.Prefix != "53" || r.Category != "conditional-access" {
				t.Errorf("got %+v", r)
			}
			if len(r.RelatedCodes) == 0 || r.LookupURL != "https://login.microsoftonline.com/error?code=53999" {
				t.Errorf("unknown code not useful: related %v lookup %q", r.RelatedCodes, r.LookupURL)
			}
			if !strings.Contains(text, "Not in catalog") {
				t.Errorf("text %q", text)
			}
		}},
		{"unknown code of no family", `{"code":7}`, func(t *testing.T, r tools.ExplainErrorCodeResult, text string) {
			if r.Known || r.Family != nil || r.Summary == "" {
				t.Errorf("got %+v", r)
			}
		}},
		{"pasted message", `{"code":"Sorry, but we're having trouble signing you in.\nAADSTS50105: Your administrator has configured the application to block users.\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\nCorrelation ID: AAAA0000-bb11-2222-33cc-444444dddddd\nTimestamp: 2025-03-04 05:06:07Z"}`,
			func(t *testing.T, r tools.ExplainErrorCodeResult, text string) {
				if r.Code != 50105 || r.TraceID != "0000aaaa-11bb-cccc-dd22-eeeeee333333" || r.CorrelationID != "aaaa0000-bb11-2222-33cc-444444dddddd" || r.Timestamp != "2025-03-04 05:06:07Z" {
					t.Errorf("got code %d trace %q corr %q ts %q", r.Code, r.TraceID, r.CorrelationID, r.Timestamp)
				}
				if !strings.Contains(text, "aaaa0000-bb11-2222-33cc-444444dddddd") {
					t.Errorf("text lacks the correlation ID: %q", text)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, res := explain(t, c, tc.args)
			if res.IsError {
				t.Fatalf("tool error: %s", text(res))
			}
			if r.Catalog == "" || r.Causes == nil || r.RelatedCodes == nil || r.Remediation.User == nil {
				t.Errorf("result has empty version or nil lists: %+v", r)
			}
			tc.check(t, r, text(res))
		})
	}
}

func TestExplainErrorCodeBadInput(t *testing.T) {
	c := connect(t)
	cases := map[string]struct{ args, mention string }{
		"negative":            {`{"code":-1}`, "negative"},
		"negative string":     {`{"code":"-50126"}`, "negative"},
		"empty string":        {`{"code":""}`, "empty"},
		"blank string":        {`{"code":"   "}`, "empty"},
		"no code in text":     {`{"code":"my sign-in is broken"}`, "no error code"},
		"eleven digits":       {`{"code":12345678901}`, "11 digits"},
		"eleven digit string": {`{"code":"AADSTS12345678901"}`, "11 digits"},
		"fraction":            {`{"code":50126.5}`, "whole number"},
		"exponent":            {`{"code":5e4}`, "whole number"},
		"boolean":             {`{"code":true}`, "boolean"},
		"object":              {`{"code":{"n":1}}`, "object"},
		"array":               {`{"code":[50126]}`, "array"},
		"null":                {`{"code":null}`, "missing"},
		"missing":             {`{}`, "missing"},
		"unknown field":       {`{"code":50126,"verbose":true}`, `unknown argument "verbose"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, res := explain(t, c, tc.args)
			if !res.IsError {
				t.Fatalf("%s accepted", tc.args)
			}
			msg := text(res)
			if !strings.Contains(msg, tc.mention) || !strings.Contains(msg, catalog.Accepted) {
				t.Errorf("message %q: want it to mention %q and what is accepted", msg, tc.mention)
			}
		})
	}
}

func TestExplainErrorCodeEveryCatalogEntryValidates(t *testing.T) {
	// Output-schema validation runs in the server: a result that broke the
	// schema would come back as a tool error. Check every code once.
	c := connect(t)
	cat, _ := catalog.Load()
	for _, e := range cat.Entries() {
		res := callRaw(t, c, tools.ExplainErrorCodeName, `{"code":`+jsonInt(e.Code)+`}`)
		if res.IsError {
			t.Errorf("code %d: %s", e.Code, text(res))
		}
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

func BenchmarkExplainErrorCodeRoundTrip(b *testing.B) {
	c := connect(b)
	req := mcp.CallToolRequest{}
	req.Params.Name = tools.ExplainErrorCodeName
	req.Params.Arguments = json.RawMessage(`{"code":"AADSTS50053"}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

// TestExplainDescriptionNamesOnlyInterrupts keeps the examples the description
// gives the model ("e.g. 50058, ...") true to the catalog, which owns the list.
func TestExplainDescriptionNamesOnlyInterrupts(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	desc := tools.ExplainErrorCode(cat).Tool.Description
	m := regexp.MustCompile(`Interrupts \(outcome "interrupt", e\.g\. ([0-9, ]+)\)`).FindStringSubmatch(desc)
	if m == nil {
		t.Fatalf("the description no longer gives interrupt examples in the expected form:\n%s", desc)
	}
	for _, s := range strings.Split(m[1], ", ") {
		code, err := strconv.Atoi(s)
		if err != nil || !cat.IsInterrupt(code) {
			t.Errorf("the description names %q as an interrupt; the catalog does not", s)
		}
	}
}
