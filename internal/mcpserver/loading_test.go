package mcpserver_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loading"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// heldLoad is a background load the test holds: it reports what is sent on
// progress and ends when release is closed.
type heldLoad struct {
	started  chan struct{}
	progress chan loading.Progress
	release  chan struct{}
}

func startHeldLoad(t *testing.T) (*heldLoad, *loading.Source) {
	h := &heldLoad{started: make(chan struct{}), progress: make(chan loading.Progress), release: make(chan struct{})}
	at := time.Date(2025, 1, 11, 6, 30, 0, 0, time.UTC)
	src := loading.Start(context.Background(), "files", func(ctx context.Context, report func(loading.Progress)) (signin.Source, error) {
		close(h.started)
		for {
			select {
			case p := <-h.progress:
				report(p)
			case <-h.release:
				return memory.New("files", []signin.SignIn{{ID: "held-1", CreatedAt: at, Type: signin.Interactive, User: signin.User{UPN: "rosa@contoso.com"}, Status: signin.Status{ErrorCode: 50126}}}), nil
			}
		}
	})
	<-h.started
	return h, src
}

// progressOf reads a notifications/progress: its progress, total and message.
func progressOf(t *testing.T, n mcp.JSONRPCNotification) (progress, total float64, message string) {
	t.Helper()
	f := n.Params.AdditionalFields
	if f["progressToken"] != "load-1" {
		t.Errorf("notification for token %v, want load-1", f["progressToken"])
	}
	b, _ := json.Marshal([]any{f["progress"], f["total"]})
	var v [2]float64
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("progress %s: %v", b, err)
	}
	m, _ := f["message"].(string)
	return v[0], v[1], m
}

// The server answers initialize and catalog questions while the load runs;
// a sign-in tool called meanwhile waits, reports the load's progress, and
// answers once it ends.
func TestToolCallWaitsForBackgroundLoad(t *testing.T) {
	h, src := startHeldLoad(t)
	c := mcpservertest.Connect(t, src) // initialize, with the load held
	if res := mcpservertest.CallRaw(t, c, "explain_error_code", `{"code":50126}`); res.IsError {
		t.Fatalf("the catalog does not answer during the load: %s", mcpservertest.Text(res))
	}
	got := make(chan mcp.JSONRPCNotification, 10)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			got <- n
		}
	})
	done := make(chan *mcp.CallToolResult, 1)
	go func() {
		req := mcp.CallToolRequest{}
		req.Params.Name = "search_failed_signins"
		req.Params.Arguments = json.RawMessage(`{}`)
		req.Params.Meta = &mcp.Meta{ProgressToken: "load-1"}
		res, err := c.CallTool(context.Background(), req)
		if err != nil {
			t.Errorf("protocol error: %v", err)
		}
		done <- res
	}()
	if p, _, msg := progressOf(t, <-got); p != 0 || !strings.Contains(msg, "loading") {
		t.Errorf("first notification: progress %v %q, want 0 and a loading message", p, msg)
	}
	h.progress <- loading.Progress{Path: "big.json", File: 1, Files: 1, Bytes: 50 << 20, TotalBytes: 100 << 20, Records: 1234}
	p, total, msg := progressOf(t, <-got)
	if p <= 0 || p >= 1 || total != 1 || !strings.Contains(msg, "1234 records") || !strings.Contains(msg, "50.0 of 100.0 MB") {
		t.Errorf("notification: progress %v of %v %q, want half-way below 1, with records and megabytes", p, total, msg)
	}
	select {
	case res := <-done:
		t.Fatalf("the call answered before the load ended: %s", mcpservertest.Text(res))
	default:
	}
	close(h.release)
	res := <-done
	if res == nil || res.IsError {
		t.Fatalf("call after the load: %+v", res)
	}
	if b, _ := json.Marshal(res.StructuredContent); !strings.Contains(string(b), `"id":"held-1"`) {
		t.Errorf("the answer does not hold the loaded sign-in: %s", b)
	}
}

// A caller that gives up stops waiting; the load goes on.
func TestWaitingToolCallIsCancellable(t *testing.T) {
	h, src := startHeldLoad(t)
	c := mcpservertest.Connect(t, src)
	got := make(chan mcp.JSONRPCNotification, 10)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			got <- n
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool, 1)
	go func() {
		req := mcp.CallToolRequest{}
		req.Params.Name = "search_failed_signins"
		req.Params.Arguments = json.RawMessage(`{}`)
		req.Params.Meta = &mcp.Meta{ProgressToken: "load-1"}
		res, err := c.CallTool(ctx, req)
		done <- err != nil || res.IsError
	}()
	<-got // the call is waiting
	cancel()
	if failed := <-done; !failed {
		t.Error("a cancelled call answered as if the load had ended")
	}
	close(h.release)
	if res := mcpservertest.CallRaw(t, c, "search_failed_signins", `{}`); res.IsError {
		t.Errorf("call after the load: %s", mcpservertest.Text(res))
	}
}

// A load that failed is a tool error naming the file and where it broke; a
// load that lost one file serves the others and says which it left out.
func TestFailedLoadIsAToolError(t *testing.T) {
	dir := t.TempDir()
	good := `{"id":"good-1","createdDateTime":"2025-01-11T06:30:00Z","userPrincipalName":"rosa@contoso.com","status":{"errorCode":50126}}` + "\n"
	bad := good[:len(good)-1] + "\n{oops\n"
	for name, content := range map[string]string{"good.jsonl": good, "broken.jsonl": bad} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	broken := filepath.Join(dir, "broken.jsonl")
	c := mcpservertest.Connect(t, loading.Start(context.Background(), "files", loading.Files([]string{broken}, quiet)))
	res := mcpservertest.CallRaw(t, c, "search_failed_signins", `{}`)
	if text := mcpservertest.Text(res); !res.IsError || !strings.Contains(text, broken) || !strings.Contains(text, "line 2") {
		t.Errorf("search over a failed load: isError %v %q, want a tool error naming %s and line 2", res.IsError, text, broken)
	}

	c = mcpservertest.Connect(t, loading.Start(context.Background(), "files", loading.Files([]string{filepath.Join(dir, "*.jsonl")}, quiet)))
	res = mcpservertest.CallRaw(t, c, "search_failed_signins", `{}`)
	if res.IsError {
		t.Fatalf("search with one good file: %s", mcpservertest.Text(res))
	}
	b, _ := json.Marshal(res.StructuredContent)
	var out struct {
		SignIns []struct {
			ID string `json:"id"`
		} `json:"signIns"`
		Coverage struct {
			Notes []string `json:"notes"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.SignIns) != 1 || out.SignIns[0].ID != "good-1" {
		t.Errorf("served %+v, want good-1 from good.jsonl", out.SignIns)
	}
	if notes := strings.Join(out.Coverage.Notes, "\n"); !strings.Contains(notes, broken) || !strings.Contains(notes, "line 2") {
		t.Errorf("notes %q do not name the file left out and where it broke", out.Coverage.Notes)
	}
}
