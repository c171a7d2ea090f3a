package mcpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfake"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// TestDiagnosisIsTheSameFromEverySource serves each scenario fixture of
// testdata/diagnosis from the files source, from an in-memory store (the
// demo's implementation) and from the Graph fake through the SDK, and asks
// diagnose_signin_failures the same questions of each: the tenant, every
// user and every service principal of the fixture. The answers, coverage
// apart, must be equal byte for byte. The Graph source reads interactive
// sign-ins from v1.0, which lacks beta's fields (userType, homeTenantId,
// crossTenantAccessType...), so every source is given interactive records
// in their v1.0 view: the comparison is of the pipelines, not of what two
// API versions carry. One difference is Graph's own and stated: a tenant
// triage on Graph reads
// failures and only a few successes (its request budget cannot page every
// success of a tenant), so its statuses and success-dependent rules may
// differ: for the tenant, Graph must name only failures the fixture holds
// and say in coverage.notes which successes it did not read.
func TestDiagnosisIsTheSameFromEverySource(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "diagnosis", "*.json"))
	if err != nil || len(paths) < 30 {
		t.Fatalf("fixtures: %d files, %v", len(paths), err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".json"), func(t *testing.T) {
			raw := v1Interactive(t, rawRecords(t, path))
			lines := filepath.Join(t.TempDir(), "signins.jsonl")
			if err := os.WriteFile(lines, bytes.Join(func() [][]byte {
				out := make([][]byte, len(raw))
				for i, r := range raw {
					out[i] = r
				}
				return out
			}(), []byte("\n")), 0o600); err != nil {
				t.Fatal(err)
			}
			loaded, err := files.Load(context.Background(), []string{lines})
			if err != nil {
				t.Fatal(err)
			}
			recs := loaded.SignIns
			if len(raw) != len(recs) {
				t.Fatalf("%d raw records, %d decoded", len(raw), len(recs))
			}
			now := recs[0].CreatedAt
			for _, s := range recs {
				if s.CreatedAt.After(now) {
					now = s.CreatedAt
				}
			}
			sources := map[string]signin.Source{
				"files":  memory.New("files", loaded.SignIns),
				"memory": memory.New("demo", slices.Clone(recs)),
				"graph":  graphSource(t, raw, now),
			}
			for _, args := range subjects(recs) {
				answers := map[string]string{}
				for name, src := range sources {
					answers[name] = diagnosisWithoutCoverage(t, src, args)
				}
				if strings.HasPrefix(args, `{"signInTypes"`) {
					checkGraphTriage(t, sources["graph"], args, recs)
					delete(answers, "graph")
				}
				if answers["files"] != answers["memory"] || (answers["graph"] != "" && answers["files"] != answers["graph"]) {
					t.Errorf("%s: the sources disagree\nfiles:  %s\nmemory: %s\ngraph:  %s", args, answers["files"], answers["memory"], answers["graph"])
				}
			}
		})
	}
}

// rawRecords reads a Graph list page's value array.
func rawRecords(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	return page.Value
}

// v1Interactive replaces each interactive record of raw by its v1.0 view.
func v1Interactive(t *testing.T, raw []json.RawMessage) []json.RawMessage {
	t.Helper()
	out := make([]json.RawMessage, len(raw))
	for i, r := range raw {
		var probe struct {
			IsInteractive *bool    `json:"isInteractive"`
			EventTypes    []string `json:"signInEventTypes"`
		}
		if err := json.Unmarshal(r, &probe); err != nil {
			t.Fatal(err)
		}
		out[i] = r
		if slices.Contains(probe.EventTypes, "interactiveUser") {
			v, err := graphfake.V1View(r)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = v
		}
	}
	return out
}

// graphSource is the Graph source against the fake serving raw, with both
// clocks at now so that the default window is the same as the stores'.
func graphSource(t *testing.T, raw []json.RawMessage, now time.Time) signin.Source {
	t.Helper()
	const token = "test-token-not-a-secret"
	fake := graphfake.New(raw, graphfake.WithToken(token), graphfake.WithClock(func() time.Time { return now }))
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	src, err := graph.New(graph.Config{
		GraphURL: srv.URL, Auth: "token",
		Getenv: func(k string) string {
			if k == "GRAPH_ACCESS_TOKEN" {
				return token
			}
			return ""
		},
		RequestsPerWindow: 1000, PacingWindow: time.Second, Timeout: 20 * time.Second,
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// subjects are the questions asked of a fixture: the tenant, each user and
// each service principal, all four sign-in types (the Graph default for a
// user or an app reads fewer, and says so in coverage).
func subjects(recs []signin.SignIn) []string {
	const types = `"signInTypes":["interactive","nonInteractive","servicePrincipal","managedIdentity"]`
	out := []string{"{" + types + "}"}
	seen := map[string]bool{}
	for _, s := range recs {
		var arg string
		switch {
		case s.User.UPN != "":
			arg = fmt.Sprintf(`{"user":%q,%s}`, s.User.UPN, types)
		case s.ServicePrincipal.ID != "":
			arg = fmt.Sprintf(`{"app":%q,%s}`, s.App.ID, types)
		default:
			continue
		}
		if !seen[arg] {
			seen[arg] = true
			out = append(out, arg)
		}
	}
	slices.Sort(out[1:])
	return out
}

// diagnosisWithoutCoverage calls the tool and returns its structured
// content without coverage (which names the source and counts requests).
func diagnosisWithoutCoverage(t *testing.T, src signin.Source, args string) string {
	t.Helper()
	c := mcpservertest.Connect(t, src)
	res := mcpservertest.CallRaw(t, c, "diagnose_signin_failures", args)
	if res.IsError {
		t.Fatalf("%s: %s", args, mcpservertest.Text(res))
	}
	var m map[string]json.RawMessage
	remarshal(t, res.StructuredContent, &m)
	delete(m, "coverage")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// checkGraphTriage checks a tenant triage on Graph: every sign-in it names
// as evidence is a failure of the fixture, and coverage says which
// successes were not read.
func checkGraphTriage(t *testing.T, src signin.Source, args string, recs []signin.SignIn) {
	t.Helper()
	failed := map[string]bool{}
	for _, s := range recs {
		failed[s.ID] = s.Failed()
	}
	res := mcpservertest.CallRaw(t, mcpservertest.Connect(t, src), "diagnose_signin_failures", args)
	if res.IsError {
		t.Fatalf("graph %s: %s", args, mcpservertest.Text(res))
	}
	var r struct {
		Findings []struct {
			Scenario string `json:"scenario"`
			Evidence struct {
				SignInIDs []string `json:"signInIds"`
			} `json:"evidence"`
		} `json:"findings"`
		Coverage struct {
			Notes []string `json:"notes"`
		} `json:"coverage"`
	}
	remarshal(t, res.StructuredContent, &r)
	for _, f := range r.Findings {
		for _, id := range f.Evidence.SignInIDs {
			if !failed[id] && f.Scenario != "credential-compromise-suspected" {
				t.Errorf("graph triage: %s names %s, not a failure of the fixture", f.Scenario, id)
			}
		}
	}
	if !strings.Contains(strings.Join(r.Coverage.Notes, " "), "successes") {
		t.Errorf("graph triage: coverage.notes do not say which successes were read: %q", r.Coverage.Notes)
	}
}
