package tools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestBindArgsClipsDecoderText: the JSON decoder's errors carry the caller's
// text (a megabyte-long number, an unknown field's name); bindArgs quotes a
// short prefix of it and still names the field and what is accepted.
func TestBindArgsClipsDecoderText(t *testing.T) {
	digits := strings.Repeat("9", 1<<20)
	name, _ := json.Marshal(strings.Repeat("x", 1<<20))
	for _, tc := range []struct{ args, want string }{
		{`{"limit":` + digits + `}`, "limit"},
		{`{"limit":-` + digits + `.5e3}`, "limit"},
		{`{"user":` + digits + `}`, "user"},
		{`{"signInTypes":` + digits + `}`, "signInTypes"},
		{`[` + digits + `]`, "JSON object"},
		{`{` + string(name) + `:1}`, "unknown argument"},
		{`{"user":"a"` + strings.Repeat(" ", 1<<20) + `x}`, "could not be read"},
	} {
		req := mcp.CallToolRequest{}
		req.Params.Arguments = json.RawMessage(tc.args)
		var args SearchFailedSigninsArgs
		err := bindArgs(req, &args, searchAccepted)
		if err == nil {
			t.Errorf("%.40s: accepted", tc.args)
			continue
		}
		if msg := err.Error(); len(msg) > 1024 || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "accepted arguments") {
			t.Errorf("%.40s: %d bytes, want it under 1 KB naming %q and the accepted arguments: %.300s", tc.args, len(msg), tc.want, msg)
		}
	}
}
