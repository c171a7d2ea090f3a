package tools_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

// TestBadValuesAreEchoedShort: a tool error quotes at most a short prefix of
// a caller's value. A megabyte in must not come back out (it would fill the
// model's context): the error stays under a kilobyte and still names the
// field and what is accepted. (A number too large for a float64 never
// reaches a tool: mcp-go refuses the request itself, quoting the number in
// its protocol error; TestBindArgsClipsDecoderText covers our side of it.)
func TestBadValuesAreEchoedShort(t *testing.T) {
	c := connectSource(t, fixtureSource())
	big := strings.Repeat("x", 1<<20)
	digits := strings.Repeat("9", 1<<20)
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	cases := []struct {
		tool, args string
		want       []string // the field, and a word of what is accepted
	}{
		{tools.SearchFailedSigninsName, `{"user":` + q(big) + `}`, []string{"user", "256"}},
		{tools.SearchFailedSigninsName, `{"app":` + q(big) + `}`, []string{"app", "256"}},
		{tools.SearchFailedSigninsName, `{"correlationId":` + q(big) + `}`, []string{"correlationId", "256"}},
		{tools.SearchFailedSigninsName, `{"ipAddress":` + q(big) + `}`, []string{"ipAddress", "IPv4"}},
		{tools.SearchFailedSigninsName, `{"since":` + q(big) + `}`, []string{"since", "RFC 3339"}},
		{tools.SearchFailedSigninsName, `{"until":` + q(big) + `}`, []string{"until", "RFC 3339"}},
		{tools.SearchFailedSigninsName, `{"since":` + q(digits+"d") + `}`, []string{"since", "RFC 3339"}},
		{tools.SearchFailedSigninsName, `{"signInTypes":[` + q(big) + `]}`, []string{"signInTypes", "nonInteractive"}},
		{tools.SearchFailedSigninsName, `{"cursor":` + q(big) + `}`, []string{"cursor", "nextCursor"}},
		{tools.SearchFailedSigninsName, `{"limit":` + q(big) + `}`, []string{"limit", "1-200"}},
		{tools.SearchFailedSigninsName, `{` + q(big) + `:1}`, []string{"unknown argument", "ipAddress"}},
		{tools.GetSigninDetailsName, `{"id":` + q(big) + `}`, []string{"id", "correlationId"}},
		{tools.GetSigninDetailsName, `{"correlationId":` + q(big) + `}`, []string{"id", "correlationId"}},
		{tools.GetSigninDetailsName, `{` + q(big) + `:"a"}`, []string{"unknown argument", "correlationId"}},
		{tools.ExplainErrorCodeName, `{"code":` + q(big) + `}`, []string{"AADSTS"}},
		{tools.ExplainErrorCodeName, `{"code":` + q("-"+digits) + `}`, []string{"negative", "AADSTS"}},
		{tools.ExplainErrorCodeName, `{"code":` + q("AADSTS-"+digits) + `}`, []string{"negative", "AADSTS"}},
		{tools.ExplainErrorCodeName, `{"code":` + q(digits) + `}`, []string{"digits", "AADSTS"}},
		{tools.ExplainErrorCodeName, `{"code":1.` + digits + `}`, []string{"whole number", "AADSTS"}},
		{tools.ExplainErrorCodeName, `{` + q(big) + `:1}`, []string{"unknown argument", "code"}},
	}
	for _, tc := range cases {
		name := tc.tool + " " + tc.args[:min(40, len(tc.args))]
		req := mcp.CallToolRequest{}
		req.Params.Name = tc.tool
		req.Params.Arguments = json.RawMessage(tc.args)
		res, err := c.CallTool(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: protocol error %.300s", name, err)
		}
		msg := text(res)
		if !res.IsError {
			t.Errorf("%s: accepted (%d bytes of answer)", name, len(msg))
			continue
		}
		if len(msg) > 1024 {
			t.Errorf("%s: the error is %d bytes: %.200s…", name, len(msg), msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: the error does not say %q: %.300s", name, w, msg)
			}
		}
	}
}
