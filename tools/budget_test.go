package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/demo"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

// checkBudgets runs the searches an assistant would start with, and opens a
// sample sign-in of every group, asserting that each answer fits its budget
// and says when it was trimmed.
func checkBudgets(t *testing.T, src signin.Source) {
	t.Helper()
	c := connectSource(t, src)
	opened := 0
	for _, args := range []string{`{}`, `{"limit":200}`, `{"since":"7d","limit":200}`, `{"since":"7d","includeInterrupts":true,"limit":200}`} {
		r, res := search(t, c, args)
		if res.IsError {
			t.Fatalf("%s: %s", args, text(res))
		}
		b, _ := json.Marshal(res)
		if len(b) > tools.SearchBudget {
			t.Errorf("%s: search answer is %d bytes, over %d", args, len(b), tools.SearchBudget)
		}
		if r.Coverage.Returned < r.Coverage.Matched && (!r.Coverage.Truncated || r.Coverage.NextCursor == "") {
			t.Errorf("%s: %d of %d returned without truncated and a cursor", args, r.Coverage.Returned, r.Coverage.Matched)
		}
		for _, row := range r.SignIns {
			d, res := details(t, c, fmt.Sprintf(`{"id":%q}`, row.ID))
			if res.IsError {
				t.Fatalf("details %s: %s", row.ID, text(res))
			}
			b, _ := json.Marshal(res)
			if len(b) > tools.DetailsBudget {
				t.Errorf("details %s: %d bytes, over %d", row.ID, len(b), tools.DetailsBudget)
			}
			if d.SupportIdentifiers.RequestID != row.ID {
				t.Errorf("details %s: request ID %q", row.ID, d.SupportIdentifiers.RequestID)
			}
			opened++
		}
	}
	if opened == 0 {
		t.Fatal("no sign-in was opened")
	}
	checkDiagnoseBudget(t, c)
}

// checkDiagnoseBudget diagnoses the tenant, and each of the most affected
// users and apps of the week's groups, asserting that each answer fits
// DiagnoseBudget and that a cut is said.
func checkDiagnoseBudget(t *testing.T, c *client.Client) {
	t.Helper()
	args := []string{`{}`, `{"since":"7d"}`}
	r, _ := search(t, c, `{"since":"7d","limit":200}`)
	for _, g := range r.Groups {
		if len(g.Users) > 0 {
			args = append(args, fmt.Sprintf(`{"user":%q,"since":"7d"}`, g.Users[0].Value))
		}
		if len(g.Apps) > 0 {
			args = append(args, fmt.Sprintf(`{"app":%q,"since":"7d"}`, g.Apps[0].Value))
		}
		if len(g.TopIPs) > 0 {
			args = append(args, fmt.Sprintf(`{"ipAddress":%q,"since":"7d"}`, g.TopIPs[0].Value))
		}
	}
	for _, a := range args {
		d, res := callTyped[tools.DiagnoseSigninFailuresResult](t, c, tools.DiagnoseSigninFailuresName, a)
		if res.IsError {
			t.Fatalf("diagnose %s: %s", a, text(res))
		}
		b, _ := json.Marshal(res)
		if len(b) > tools.DiagnoseBudget {
			t.Errorf("diagnose %s: %d bytes, over %d", a, len(b), tools.DiagnoseBudget)
		}
		if len(d.Findings) == 0 || d.Verdict == "" {
			t.Errorf("diagnose %s: no findings or verdict", a)
		}
	}
}

func TestOutputBudgetDemoTenant(t *testing.T) {
	checkBudgets(t, memory.New("demo", demo.Generate(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))))
}

func TestOutputBudget100kExport(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and loads a 100,000-row export; skipped with -short")
	}
	path := filepath.Join(t.TempDir(), "InteractiveSignIns.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := filestest.Generate(f, files.FormatPortalCSV, 100_000, 7); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := files.Load(context.Background(), []string{path})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.SignIns) != 100_000 {
		t.Fatalf("loaded %d sign-ins", len(res.SignIns))
	}
	checkBudgets(t, memory.New("files", res.SignIns))
}
