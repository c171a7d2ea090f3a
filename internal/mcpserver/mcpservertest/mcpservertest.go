// Package mcpservertest connects tests to the real server assembly through
// mcp-go's in-process client, so that every test speaks the protocol the way
// a host does.
package mcpservertest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Connect returns an initialized in-process client of a server over src (nil:
// no source configured), closed when the test ends.
func Connect(t testing.TB, src signin.Source) *client.Client {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := mcpserver.Connect(context.Background(), mcpserver.New(mcpserver.Options{Version: "test", Catalog: cat, Source: src}), "test", "1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// CallRaw calls a tool with arguments given as raw JSON, as a host sends them.
// A protocol error fails the test; a tool error is returned as a result.
func CallRaw(t testing.TB, c *client.Client, name, args string) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = json.RawMessage(args)
	res, err := c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %s: protocol error %v", name, args, err)
	}
	return res
}

// Text joins the text content of a tool result.
func Text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}
