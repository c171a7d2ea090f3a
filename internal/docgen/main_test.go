package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/linediff"
)

// TestReadmeToolReferenceIsCurrent fails when a tool's definition changed and
// the README was not regenerated.
func TestReadmeToolReferenceIsCurrent(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	have, err := currentSection(readme)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	want, err := render(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := linediff.Unified("README.md", "generated from the tools", []byte(have), []byte(want)); d != "" {
		t.Errorf("README tool reference is out of date: run %s\n%s", regenerate, d)
	}
}

// TestRenderCoversEveryTool: each tool has its heading, annotations, inputs
// with required marked, and its output fields.
func TestRenderCoversEveryTool(t *testing.T) {
	got, err := render(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"### `search_failed_signins`", "### `get_signin_details`", "### `explain_error_code`",
		"`openWorldHint: false`", "| `code` | integer or string | yes |", "| `limit` | integer | no |",
		"- `signIns` (array of objects: ", "`coverage` (object: ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the reference lacks %q", want)
		}
	}
	again, _ := render(context.Background())
	if again != got {
		t.Error("two renders differ: the reference is not deterministic")
	}
}

func TestReplaceSection(t *testing.T) {
	readme := []byte("intro\n" + beginMarker + "\nold\n" + endMarker + "\nafter\n")
	got, err := replaceSection(readme, "new\n")
	if err != nil || string(got) != "intro\n"+beginMarker+"\nnew\n"+endMarker+"\nafter\n" {
		t.Errorf("replaceSection: %q, %v", got, err)
	}
	if sec, err := currentSection(got); err != nil || sec != "new\n" {
		t.Errorf("currentSection: %q, %v", sec, err)
	}
	if _, err := replaceSection([]byte("no markers"), "x"); err == nil {
		t.Error("a README without markers was accepted")
	}
}
