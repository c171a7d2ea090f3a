package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loading"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// /readyz follows a background load: loading with its progress, then
// ready; a failed load is failed, naming no file.
func TestReadinessFollowsTheLoad(t *testing.T) {
	if readiness(memory.New("demo", nil)) != nil {
		t.Error("a source loaded at start has a readiness function: it is always ready")
	}
	reported, release := make(chan struct{}), make(chan error)
	src := loading.Start(context.Background(), "files", func(ctx context.Context, report func(loading.Progress)) (signin.Source, error) {
		report(loading.Progress{Path: "/secret/path.json", File: 1, Files: 1, Bytes: 1 << 20, TotalBytes: 4 << 20, Records: 12})
		close(reported)
		if err := <-release; err != nil {
			return nil, err
		}
		return memory.New("files", nil), nil
	})
	ready := readiness(src)
	<-reported
	if r := ready(); r.Ready || r.Status != "loading" || !strings.Contains(r.Reason, "12 records, 1.0 of 4.0 MB") || strings.Contains(r.Reason, "secret") {
		t.Errorf("while loading: %+v", r)
	}
	release <- nil
	_, _ = src.Now(context.Background()) // waits for the load to end
	if r := ready(); !r.Ready || r.Status != "ready" {
		t.Errorf("after the load: %+v", r)
	}

	failed := loading.Start(context.Background(), "files", func(context.Context, func(loading.Progress)) (signin.Source, error) {
		return nil, errors.New("load /secret/bad.json: line 2: invalid JSON")
	})
	_, _ = failed.Now(context.Background())
	if r := readiness(failed)(); r.Ready || r.Status != "failed" || strings.Contains(r.Reason, "secret") {
		t.Errorf("after a failed load: %+v", r)
	}
}

// A broken export among good ones: the command serves the good ones, logs
// the broken one with its position, and the search's notes name it.
func TestFilesSourceServesAroundABrokenExport(t *testing.T) {
	dir := t.TempDir()
	recent := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	good := `{"id":"good-1","createdDateTime":"` + recent + `","userPrincipalName":"rosa@contoso.com","status":{"errorCode":50126}}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.jsonl"), []byte(good+"{oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCmd(t, nil, nil, "--source", "files", "--files", filepath.Join(dir, "*.jsonl"), "call", "search_failed_signins", `{}`)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if !strings.Contains(out, `"good-1"`) || !strings.Contains(out, "b.jsonl") {
		t.Errorf("stdout does not serve good-1 and name b.jsonl:\n%s", out)
	}
	if !strings.Contains(stderr, "sign-in export left out") || !strings.Contains(stderr, "line 2") {
		t.Errorf("stderr does not log the broken export with its line:\n%s", stderr)
	}

	_, stderr, code = runCmd(t, nil, nil, "--source", "files", "--files", filepath.Join(dir, "b.jsonl"), "call", "search_failed_signins", `{}`)
	if code != 1 || !strings.Contains(stderr, "b.jsonl") || !strings.Contains(stderr, "line 2") {
		t.Errorf("every export broken: exit %d, stderr %s; want a tool error naming b.jsonl and line 2", code, stderr)
	}
}
