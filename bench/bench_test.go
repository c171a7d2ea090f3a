package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/bench/internal/record"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
)

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-quick", "-duckdb-cache", "/x"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.sizes) != 2 || c.sizes[0] != 10_000 || c.sizes[1] != 100_000 {
		t.Errorf("-quick sizes %v, want 10k and 100k", c.sizes)
	}
	c, err = parseFlags([]string{"-duckdb-cache", "/x"}, io.Discard)
	if err != nil || len(c.sizes) != 3 || c.sizes[2] != 1_000_000 {
		t.Errorf("default sizes %v (%v), want 10k, 100k, 1M", c.sizes, err)
	}
	for _, bad := range [][]string{{"-sizes", "lots"}, {"-cold", "0"}, {"extra"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

func signIn(id, upn string, at time.Time, code int) signin.SignIn {
	s := signin.SignIn{ID: id, CreatedAt: at}
	s.User.UPN = upn
	s.Status.ErrorCode = code
	return s
}

func TestPickQuestion(t *testing.T) {
	day := time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)
	res := &files.Result{SignIns: []signin.SignIn{
		signIn("1", "Bo@x.com", day.Add(3*time.Hour), 50126),  // after the window: not counted
		signIn("2", "ann@x.com", day.Add(-time.Hour), 50126),  // in it
		signIn("3", "bo@x.com", day.Add(-2*time.Hour), 50126), // in it
		signIn("4", "bo@x.com", day.Add(-3*time.Hour), 0),     // a success: not counted
		signIn("5", "", day.Add(-4*time.Hour), 7000215),       // a workload: no user
		signIn("6", "cy@x.com", day.Add(-49*time.Hour), 50126),
		signIn("7", "cy@x.com", day.Add(-50*time.Hour), 50126), // before the window
	}}
	q := pickQuestion(res)
	// Ann and Bo tie with one failure each: the first UPN wins.
	want := question{user: "ann@x.com", since: "2025-01-13T00:00:00", until: "2025-01-15T00:00:00"}
	if q != want {
		t.Errorf("pickQuestion = %+v, want %+v", q, want)
	}
}

func TestToolArgs(t *testing.T) {
	newest, groups, diag, triage := toolArgs(question{user: "ann@x.com", since: "2025-01-13T00:00:00", until: "2025-01-15T00:00:00"})
	for _, tc := range []struct{ got, want string }{
		{newest, `{"includeInterrupts":true,"limit":25,"since":"2025-01-13T00:00:00Z","until":"2025-01-15T00:00:00Z","user":"ann@x.com"}`},
		{groups, `{"includeInterrupts":true,"limit":1,"since":"2025-01-13T00:00:00Z","until":"2025-01-15T00:00:00Z"}`},
		{diag, `{"since":"2025-01-13T00:00:00Z","until":"2025-01-15T00:00:00Z","user":"ann@x.com"}`},
		{triage, `{"since":"2025-01-13T00:00:00Z","until":"2025-01-15T00:00:00Z"}`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

// exportLines is a JSON-lines export whose answers are known: fractional
// seconds of different lengths (so that text order must be time order), an
// upper-case UPN, a success, an interrupt and rows on the window's bounds.
const exportLines = `{"id":"a","createdDateTime":"2025-01-14T10:00:05.5Z","userPrincipalName":"Ann@x.com","status":{"errorCode":50126}}
{"id":"b","createdDateTime":"2025-01-14T10:00:05.123Z","userPrincipalName":"ann@x.com","status":{"errorCode":50074}}
{"id":"c","createdDateTime":"2025-01-14T10:00:05Z","userPrincipalName":"ann@x.com","status":{"errorCode":50126}}
{"id":"d","createdDateTime":"2025-01-14T11:00:00Z","userPrincipalName":"ann@x.com","status":{"errorCode":0}}
{"id":"e","createdDateTime":"2025-01-13T00:00:00Z","userPrincipalName":"bo@x.com","status":{"errorCode":50053}}
{"id":"f","createdDateTime":"2025-01-15T00:00:00Z","userPrincipalName":"ann@x.com","status":{"errorCode":50126}}
{"id":"g","createdDateTime":"2025-01-14T12:00:00Z","userPrincipalName":null,"status":{"errorCode":7000215}}
`

func TestJQAnswers(t *testing.T) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("jq is not installed")
	}
	path := filepath.Join(t.TempDir(), "export.jsonl")
	if err := os.WriteFile(path, []byte(exportLines), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &external{jq: jq}
	q := question{user: "ANN@x.com", since: "2025-01-13T00:00:00", until: "2025-01-15T00:00:00"}
	n, _, err := e.jqNewest(context.Background(), path, q)
	if err != nil {
		t.Fatal(err)
	}
	if d := record.CompareNewest(record.Newest{Count: 3, IDs: []string{"a", "b", "c"}}, n); d != "" {
		t.Errorf("jq's newest: %s", d)
	}
	g, _, err := e.jqGroups(context.Background(), path, q)
	if err != nil {
		t.Fatal(err)
	}
	if d := record.CompareGroups(record.Groups{50126: 2, 50074: 1, 50053: 1, 7000215: 1}, g); d != "" {
		t.Errorf("jq's groups: %s", d)
	}
}

func TestDuckDBRows(t *testing.T) {
	// DuckDB's JSON rows carry BIGINTs as strings.
	n := duckNewest(duckRun{Rows: []map[string]any{{"id": "a", "n": "2"}, {"id": "b", "n": "2"}}})
	if d := record.CompareNewest(record.Newest{Count: 2, IDs: []string{"a", "b"}}, n); d != "" {
		t.Error(d)
	}
	if n := duckNewest(duckRun{}); n.Count != 0 || len(n.IDs) != 0 {
		t.Errorf("no rows read as %+v", n)
	}
	g := duckGroups(duckRun{Rows: []map[string]any{{"code": "50126", "n": "7"}, {"code": 50074.0, "n": 3.0}}})
	if d := record.CompareGroups(record.Groups{50126: 7, 50074: 3}, g); d != "" {
		t.Error(d)
	}
	for _, q := range duckQuestions(question{user: "o'neil@x.com", since: "s", until: "u"}) {
		if !strings.Contains(q["sql"], "{src}") {
			t.Errorf("%s reads no {src}", q["name"])
		}
		if q["name"] == "newest" && !strings.Contains(q["sql"], "'o''neil@x.com'") {
			t.Errorf("the user is not quoted as an SQL literal: %s", q["sql"])
		}
	}
}
