package mcpserver_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/linediff"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func connect(t *testing.T) *client.Client { return mcpservertest.Connect(t, nil) }

// TestSurfaceGolden snapshots what a client sees of the server: the tools
// with their schemas and annotations, the resources, the templates and the
// prompts. Names
// and schemas are API; a change here must be deliberate (go test -update).
func TestSurfaceGolden(t *testing.T) {
	c := connect(t)
	ctx := context.Background()
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	prompts, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(map[string]any{
		"prompts/list":             prompts.Prompts,
		"tools/list":               tools.Tools,
		"resources/list":           res.Resources,
		"resources/templates/list": tmpl.ResourceTemplates,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("..", "..", "testdata", "golden", "surface.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s (create it with go test ./internal/mcpserver -update): %v", path, err)
	}
	if d := linediff.Unified(path, "what clients see now", want, got); d != "" {
		t.Errorf("the surface clients see changed; if that is intended, run go test ./internal/mcpserver -update and review the diff.\n%s", d)
	}
}

func TestEveryToolIsReadOnlyWithSchemas(t *testing.T) {
	c := connect(t)
	res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tools) == 0 {
		t.Fatal("no tools")
	}
	for _, tool := range res.Tools {
		a := tool.Annotations
		if a.ReadOnlyHint == nil || !*a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint ||
			a.IdempotentHint == nil || !*a.IdempotentHint || a.OpenWorldHint == nil {
			t.Errorf("%s: annotations not all set explicitly read-only: %+v", tool.Name, a)
		}
		b, _ := json.Marshal(tool)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		for _, k := range []string{"inputSchema", "outputSchema"} {
			s, ok := m[k].(map[string]any)
			if !ok || s["type"] != "object" || s["properties"] == nil {
				t.Errorf("%s: %s missing or not an object schema: %v", tool.Name, k, m[k])
			}
			if _, has := s["$schema"]; has {
				t.Errorf("%s: %s carries $schema", tool.Name, k)
			}
		}
		if len(tool.Description) < 200 {
			t.Errorf("%s: description too thin for a model (%d chars)", tool.Name, len(tool.Description))
		}
	}
}

func TestInitializeInstructions(t *testing.T) {
	cat, _ := catalog.Load()
	c, err := client.NewInProcessClient(mcpserver.New(mcpserver.Options{Version: "test", Catalog: cat}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"2025-11-25", "2025-06-18", "2025-03-26"} {
		init := mcp.InitializeRequest{}
		init.Params.ProtocolVersion = v
		init.Params.ClientInfo = mcp.Implementation{Name: "t", Version: "1"}
		res, err := c.Initialize(ctx, init)
		if err != nil {
			t.Fatalf("initialize %s: %v", v, err)
		}
		if res.ProtocolVersion != v {
			t.Errorf("asked %s, got %s", v, res.ProtocolVersion)
		}
		for _, want := range []string{"explain_error_code", "correlation ID", "interrupt", "entra-signin://guide"} {
			if !strings.Contains(res.Instructions, want) {
				t.Errorf("instructions lack %q", want)
			}
		}
		if res.Capabilities.Completions == nil || res.Capabilities.Resources == nil || res.Capabilities.Tools == nil || res.Capabilities.Prompts == nil || res.Capabilities.Logging == nil {
			t.Errorf("capabilities %+v", res.Capabilities)
		}
	}
}
