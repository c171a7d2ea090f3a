package mcpserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/lafake"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/mark3labs/mcp-go/mcp"
)

// laWorkspace is the fake workspace's ID.
const laWorkspace = "5a1f0c2e-7b3d-4e8f-9a6b-0c1d2e3f4a5b"

// TestLogAnalyticsAnswersAsTheFilesSource loads each export fixture (the
// diagnosis scenarios and every sign-in export format) once into the files
// source and once into the fake Log Analytics workspace (each sign-in a row
// of its type's table, with that table's own columns and types), and asks
// both the same questions through the tools: searches (with their next
// pages), every failure opened, and diagnoses of the tenant, each user and
// each service principal. Log Analytics answers each in KQL, evaluated by
// the fake; the answers must be the same, field for field. Coverage is
// compared where both sources know the same thing (matches, rows returned,
// truncation); the rest of it names the source and what it holds.
func TestLogAnalyticsAnswersAsTheFilesSource(t *testing.T) {
	var paths []string
	for _, glob := range []string{"diagnosis/*.json", "signins/*"} {
		p, err := filepath.Glob(filepath.Join("..", "..", "testdata", glob))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p...)
	}
	if len(paths) < 35 {
		t.Fatalf("fixtures: %d files", len(paths))
	}
	for _, path := range paths {
		name := filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			loaded := laView(t, path)
			now := loaded.SignIns[0].CreatedAt
			for _, s := range loaded.SignIns {
				if s.CreatedAt.After(now) {
					now = s.CreatedAt
				}
			}
			filesSrc := memory.New("files", loaded.SignIns)
			laSrc := laSource(t, slices.Clone(loaded.SignIns), now)
			fc := mcpservertest.Connect(t, filesSrc)
			lc := mcpservertest.Connect(t, laSrc)

			for _, q := range laQuestions(loaded.SignIns) {
				want := comparable(t, q.tool, mcpservertest.CallRaw(t, fc, q.tool, q.args))
				got := comparable(t, q.tool, mcpservertest.CallRaw(t, lc, q.tool, q.args))
				if got.text != want.text {
					t.Errorf("%s %s: the sources disagree:\n%s", q.tool, q.args, jsonDiff(want.text, got.text))
					continue
				}
				// The next page, from each source's own cursor.
				if want.cursor != "" && got.cursor != "" {
					wn := comparable(t, q.tool, mcpservertest.CallRaw(t, fc, q.tool, withCursor(q.args, want.cursor)))
					gn := comparable(t, q.tool, mcpservertest.CallRaw(t, lc, q.tool, withCursor(q.args, got.cursor)))
					if gn.text != wn.text {
						t.Errorf("%s %s, next page: the sources disagree:\n%s", q.tool, q.args, jsonDiff(wn.text, gn.text))
					}
				}
			}
		})
	}
}

// laView loads an export and returns its sign-ins as Log Analytics holds
// them: written as the four tables (each table's own columns; what a table
// has no column for is not there, such as a managed identity's type) and read
// back as a Log Analytics export by the files source. Both sources are
// given this view, so that the comparison is of the pipelines, not of what
// Graph and Log Analytics each log.
func laView(t *testing.T, path string) *files.Result {
	t.Helper()
	orig, err := files.Load(context.Background(), []string{path})
	if err != nil {
		t.Fatal(err)
	}
	if len(orig.SignIns) == 0 {
		t.Fatalf("%s: no sign-ins", path)
	}
	export := filepath.Join(t.TempDir(), "tables.json")
	f, err := os.Create(export)
	if err != nil {
		t.Fatal(err)
	}
	if err := lafake.WriteTables(f, orig.SignIns, laWorkspace); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	loaded, err := files.Load(context.Background(), []string{export})
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.SignIns) != len(orig.SignIns) {
		t.Fatalf("%s: %d sign-ins, %d read back from the tables", path, len(orig.SignIns), len(loaded.SignIns))
	}
	return loaded
}

// laSource is the Log Analytics source against the fake workspace serving
// signins on loopback (plain HTTP), both clocks at now.
func laSource(t *testing.T, signins []signin.SignIn, now time.Time) signin.Source {
	t.Helper()
	const token = "test-token-not-a-secret"
	fake := lafake.New(signins, lafake.WithToken(token), lafake.WithWorkspace(laWorkspace),
		lafake.WithClock(func() time.Time { return now }))
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	src, err := loganalytics.New(loganalytics.Config{
		Workspaces: []string{laWorkspace}, URL: srv.URL, Auth: "token",
		Getenv: func(k string) string {
			if k == loganalytics.TokenVariable {
				return token
			}
			return ""
		},
		Timeout: 20 * time.Second,
		Now:     func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// laQuestion is one tool call asked of both sources.
type laQuestion struct{ tool, args string }

// laQuestions are the questions asked of a fixture: searches over the whole
// fixture (small pages, so that cursors are followed; with and without
// interrupts; by error code), per user and per app, every failure opened,
// and diagnoses of the tenant, each user and each service principal, over
// every sign-in type.
func laQuestions(recs []signin.SignIn) []laQuestion {
	const window = `"since":"3650d"`
	const types = `"signInTypes":["interactive","nonInteractive","servicePrincipal","managedIdentity"]`
	qs := []laQuestion{
		{"search_failed_signins", `{` + window + `,` + types + `,"limit":3}`},
		{"search_failed_signins", `{` + window + `,` + types + `,"limit":5,"includeInterrupts":true}`},
		{"search_failed_signins", `{"since":"2h",` + types + `}`},
		{"diagnose_signin_failures", `{` + types + `}`},
	}
	seen := map[string]bool{}
	add := func(q laQuestion) {
		if !seen[q.tool+q.args] {
			seen[q.tool+q.args] = true
			qs = append(qs, q)
		}
	}
	opened := 0
	for _, s := range recs {
		switch {
		case s.User.UPN != "":
			add(laQuestion{"search_failed_signins", fmt.Sprintf(`{"user":%q,%s,%s,"limit":4}`, s.User.UPN, window, types)})
			add(laQuestion{"diagnose_signin_failures", fmt.Sprintf(`{"user":%q,%s}`, s.User.UPN, types)})
		case s.ServicePrincipal.ID != "":
			add(laQuestion{"search_failed_signins", fmt.Sprintf(`{"app":%q,%s,%s}`, s.App.ID, window, types)})
			add(laQuestion{"diagnose_signin_failures", fmt.Sprintf(`{"app":%q,%s}`, s.App.ID, types)})
		}
		if s.Status.ErrorCode != 0 {
			add(laQuestion{"search_failed_signins", fmt.Sprintf(`{"errorCode":%d,%s,%s}`, s.Status.ErrorCode, window, types)})
			if opened < 6 {
				opened++
				add(laQuestion{"get_signin_details", fmt.Sprintf(`{"id":%q}`, s.ID)})
			}
		}
		if s.IPAddress != "" && s.Status.ErrorCode != 0 {
			add(laQuestion{"diagnose_signin_failures", fmt.Sprintf(`{"ipAddress":%q,%s}`, s.IPAddress, types)})
		}
	}
	return qs
}

// laAnswer is an answer reduced to what both sources must agree on, and
// the cursor to its next page.
type laAnswer struct{ text, cursor string }

// comparable reduces a tool's answer: an error's text; otherwise the
// structured content with coverage cut to matched, returned and truncated
// (for a search) or left out (the others). The cursor is
// each source's own token, so it is returned apart.
func comparable(t *testing.T, tool string, res *mcp.CallToolResult) laAnswer {
	t.Helper()
	if res.IsError {
		return laAnswer{text: "error: " + mcpservertest.Text(res)}
	}
	var m map[string]json.RawMessage
	remarshal(t, res.StructuredContent, &m)
	var cov struct {
		Matched    int    `json:"matched"`
		Returned   int    `json:"returned"`
		Truncated  bool   `json:"truncated"`
		NextCursor string `json:"nextCursor"`
	}
	var cursor string
	if raw, ok := m["coverage"]; ok && tool == "search_failed_signins" {
		if err := json.Unmarshal(raw, &cov); err != nil {
			t.Fatal(err)
		}
		cursor = cov.NextCursor
		cov.NextCursor = fmt.Sprint(cursor != "")
		b, _ := json.Marshal(cov)
		m["coverage"] = b
	} else {
		delete(m, "coverage")
	}
	if tool == "get_signin_details" {
		// Its notes say what the source reads of the directory, by name.
		delete(m, "notes")
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return laAnswer{text: string(b), cursor: cursor}
}

// withCursor adds the cursor to a search's arguments.
func withCursor(args, cursor string) string {
	return strings.TrimSuffix(args, "}") + fmt.Sprintf(`,"cursor":%q}`, cursor)
}

// jsonDiff lists the paths at which two JSON texts differ, files first;
// plain text (a tool error) is compared whole.
func jsonDiff(want, got string) string {
	var w, g any
	if json.Unmarshal([]byte(want), &w) != nil || json.Unmarshal([]byte(got), &g) != nil {
		return fmt.Sprintf("  files:        %s\n  logAnalytics: %s", want, got)
	}
	var out []string
	var walk func(path string, a, b any)
	walk = func(path string, a, b any) {
		am, aok := a.(map[string]any)
		bm, bok := b.(map[string]any)
		if aok && bok {
			keys := map[string]bool{}
			for k := range am {
				keys[k] = true
			}
			for k := range bm {
				keys[k] = true
			}
			for _, k := range slices.Sorted(maps.Keys(keys)) {
				walk(path+"."+k, am[k], bm[k])
			}
			return
		}
		as, aok := a.([]any)
		bs, bok := b.([]any)
		if aok && bok && len(as) == len(bs) {
			for i := range as {
				walk(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i])
			}
			return
		}
		ab, _ := json.Marshal(a)
		bb, _ := json.Marshal(b)
		if string(ab) != string(bb) {
			out = append(out, fmt.Sprintf("  %s: files %s, logAnalytics %s", path, ab, bb))
		}
	}
	walk("", w, g)
	if len(out) > 12 {
		out = append(out[:12], fmt.Sprintf("  ... and %d more", len(out)-12))
	}
	return strings.Join(out, "\n")
}
