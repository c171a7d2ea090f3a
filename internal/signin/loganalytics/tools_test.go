package loganalytics

import (
	"encoding/json"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

// TestSearchThroughTheTool: the tool's own classification (the catalog),
// output budget and schema take this source's page as the others'.
func TestSearchThroughTheTool(t *testing.T) {
	s := newFakeSource(t, searchWorkspace())
	c := mcpservertest.Connect(t, s)
	res := mcpservertest.CallRaw(t, c, tools.SearchFailedSigninsName, `{"since":"24h","limit":2}`)
	if res.IsError {
		t.Fatalf("search: %s", mcpservertest.Text(res))
	}
	var out tools.SearchFailedSigninsResult
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.SignIns) != 2 || out.SignIns[0].ID != "id-a" || len(out.Groups) != 3 || out.Coverage.NextCursor == "" {
		t.Fatalf("result %s", b)
	}
}
