package loading_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loading"
)

func record(id string) string {
	return `{"id":"` + id + `","createdDateTime":"2025-01-11T06:30:00Z","userPrincipalName":"rosa@contoso.com","status":{"errorCode":50126}}` + "\n"
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func classify(code int) signin.Outcome {
	if code == 0 {
		return signin.OutcomeSuccess
	}
	return signin.OutcomeFailure
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A file that fails half-way is left out whole and named with its position
// in the coverage notes; the files around it are served.
func TestFilesServesTheFilesThatLoaded(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.jsonl", record("a1")+record("a2"))
	writeFile(t, dir, "b[1].jsonl", record("b1")+"{not json\n")
	writeFile(t, dir, "c.jsonl", record("c1")+record("a1"))
	var last loading.Progress
	src, err := loading.Files([]string{filepath.Join(dir, "*.jsonl")}, quiet())(context.Background(), func(p loading.Progress) { last = p })
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if last.Files != 2 || last.File != 2 || last.Records != 4 {
		t.Errorf("last progress = %+v, want the second of the two files served, 4 records read", last)
	}
	page, err := src.Search(context.Background(), signin.Query{Since: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), Limit: 10, Classify: classify})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range page.Rows {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	if strings.Join(ids, ",") != "a1,a2,c1" {
		t.Errorf("served %q, want a1, a2 and c1 (nothing of the broken file, a1 once)", ids)
	}
	notes := strings.Join(page.Coverage.Notes, "\n")
	if !strings.Contains(notes, "b[1].jsonl") || !strings.Contains(notes, "line 2") || !strings.Contains(notes, "2 other files loaded") {
		t.Errorf("notes = %q, want the broken file named with its line, and the files served", page.Coverage.Notes)
	}
}

// When every file fails, the load fails, naming each file and position.
func TestFilesFailsWhenNoFileLoads(t *testing.T) {
	dir := t.TempDir()
	bad1 := writeFile(t, dir, "one.jsonl", "{not json\n")
	bad2 := writeFile(t, dir, "two.jsonl", record("x")+record("y")+"[1,2]\n")
	_, err := loading.Files([]string{bad1, bad2}, quiet())(context.Background(), func(loading.Progress) {})
	if err == nil {
		t.Fatal("load of two broken files succeeded")
	}
	for _, want := range []string{"no sign-in export could be loaded", "one.jsonl: record at byte 0", "two.jsonl: record at line 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// What would fail the whole load is refused before it starts, naming the
// pattern or file.
func TestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "a.jsonl", record("a1"))
	if err := loading.CheckFiles([]string{good, filepath.Join(dir, "*.jsonl")}); err != nil {
		t.Errorf("good files: %v", err)
	}
	for _, c := range []struct {
		patterns []string
		want     string
	}{
		{nil, "no paths given"},
		{[]string{filepath.Join(dir, "none-*.json")}, "no file matches"},
		{[]string{filepath.Join(dir, "[")}, "bad glob pattern"},
		{[]string{dir}, "not a regular file"},
	} {
		if err := loading.CheckFiles(c.patterns); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckFiles(%q) = %v, want an error saying %q", c.patterns, err, c.want)
		}
	}
}
