package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const testWorkspace = "11111111-2222-3333-4444-555555555555"

func TestLogAnalyticsUsageErrors(t *testing.T) {
	for name, c := range map[string]struct {
		args []string
		want []string
	}{
		"no workspace":       {[]string{"--source", "loganalytics", "check"}, []string{"--workspace GUID", "ENTRA_SIGNIN_WORKSPACE"}},
		"workspace name":     {[]string{"--source", "loganalytics", "--workspace", "contoso-logs", "check"}, []string{`--workspace "contoso-logs"`, "GUID", "not its name"}},
		"resource id":        {[]string{"--source", "loganalytics", "--workspace", "/subscriptions/x/resourceGroups/y/providers/Microsoft.OperationalInsights/workspaces/z", "check"}, []string{"Workspace ID"}},
		"second bad":         {[]string{"--source", "loganalytics", "--workspace", testWorkspace + ",nope", "check"}, []string{`"nope"`}},
		"http off loopback":  {[]string{"--source", "loganalytics", "--workspace", testWorkspace, "--loganalytics-url", "http://logs.example.com", "check"}, []string{"loopback"}},
		"url with path":      {[]string{"--source", "loganalytics", "--workspace", testWorkspace, "--loganalytics-url", "https://api.loganalytics.io/v1", "check"}, []string{"without a path"}},
		"timeout too long":   {[]string{"--source", "loganalytics", "--workspace", testWorkspace, "--loganalytics-timeout", "11m", "check"}, []string{"1s to 10m"}},
		"timeout zero":       {[]string{"--source", "loganalytics", "--workspace", testWorkspace, "--loganalytics-timeout", "0s", "check"}, []string{"1s to 10m"}},
		"bad cloud":          {[]string{"--source", "loganalytics", "--workspace", testWorkspace, "--cloud", "mars", "check"}, []string{"public, usgov, usgovdod or china"}},
		"bad auth":           {[]string{"--source", "loganalytics", "--workspace", testWorkspace, "--auth", "password", "check"}, []string{"--auth", "client-secret"}},
		"workspace on graph": {[]string{"--source", "graph", "--workspace", testWorkspace, "check"}, []string{"--workspace is only read with --source loganalytics"}},
		"url on demo":        {[]string{"--source", "demo", "--loganalytics-url", "http://127.0.0.1:1", "check"}, []string{"--loganalytics-url is only read with --source loganalytics"}},
		"graph url":          {[]string{"--source", "loganalytics", "--workspace", testWorkspace, "--graph-url", "https://graph.microsoft.com", "check"}, []string{"--loganalytics-url"}},
		"obo":                {[]string{"--source", "loganalytics", "--workspace", testWorkspace, "--graph-auth", "on-behalf-of", "--transport", "http", "--http-auth", "entra", "--tenant", testWorkspace, "--http-audience", "api://x", "--http-required-scope", "s", "check"}, []string{"does not apply to --source loganalytics"}},
	} {
		_, stderr, code := runCmd(t, nil, nil, c.args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (%s)", name, code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr %q lacks %q", name, stderr, w)
			}
		}
	}
}

// TestLogAnalyticsCheckThroughLoopbackEndpoint runs check against a local
// query endpoint over plain http (loopback), with the workspace from the
// environment and the token from LOGANALYTICS_ACCESS_TOKEN, never
// GRAPH_ACCESS_TOKEN.
func TestLogAnalyticsCheckThroughLoopbackEndpoint(t *testing.T) {
	var mu sync.Mutex
	var auths, paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths, paths = append(auths, r.Header.Get("Authorization")), append(paths, r.URL.Path)
		mu.Unlock()
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TableName","type":"string"},{"name":"Rows","type":"long"}],"rows":[["SigninLogs",1200],["AADNonInteractiveUserSignInLogs",56000]]}]}`)
	}))
	defer srv.Close()
	env := map[string]string{
		"ENTRA_SIGNIN_SOURCE": "loganalytics", "ENTRA_SIGNIN_WORKSPACE": testWorkspace, "ENTRA_SIGNIN_LOGANALYTICS_URL": srv.URL,
		"LOGANALYTICS_ACCESS_TOKEN": "h.eyJ0aWQiOiJ0ZW5hbnQtMSIsImFwcGlkIjoiYXBwLTEiLCJyb2xlcyI6WyJEYXRhLlJlYWQiXX0.s", "GRAPH_ACCESS_TOKEN": "graph-token",
	}
	out, stderr, code := runCmd(t, env, nil, "--auth", "token", "check")
	if code != 0 {
		t.Fatalf("check: exit %d %s %s", code, out, stderr)
	}
	var rep struct {
		Endpoint string   `json:"endpoint"`
		TenantID string   `json:"tenantId"`
		Identity string   `json:"identity"`
		Roles    []string `json:"roles"`
		QueryOK  bool     `json:"workspaceQueryOk"`
		Tables   []struct {
			Table string `json:"table"`
			Rows  int    `json:"rowsLastDay"`
		} `json:"tables"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Endpoint != srv.URL || rep.TenantID != "tenant-1" || rep.Identity != "app-1" || len(rep.Roles) != 1 || !rep.QueryOK ||
		len(rep.Tables) != 4 || rep.Tables[0].Rows != 1200 || rep.Tables[1].Rows != 56000 || rep.Tables[2].Rows != 0 || len(rep.Notes) != 1 {
		t.Errorf("report %+v", rep)
	}
	if strings.Contains(out, env["LOGANALYTICS_ACCESS_TOKEN"]) {
		t.Error("check printed the token")
	}
	if len(auths) != 1 || auths[0] != "Bearer "+env["LOGANALYTICS_ACCESS_TOKEN"] || paths[0] != "/v1/workspaces/"+testWorkspace+"/query" {
		t.Errorf("requests %v %v", auths, paths)
	}
}

// TestLogAnalyticsCloudEndpoints: --cloud picks the endpoint. The check
// stops at the missing token, before any request, so no Microsoft host is
// called; the report names the endpoint it would query.
func TestLogAnalyticsCloudEndpoints(t *testing.T) {
	for cloud, want := range map[string]string{"public": "https://api.loganalytics.io", "usgov": "https://api.loganalytics.us", "china": "https://api.loganalytics.azure.cn"} {
		out, stderr, code := runCmd(t, map[string]string{"GRAPH_ACCESS_TOKEN": "graph-token"}, nil,
			"--source", "loganalytics", "--workspace", testWorkspace, "--cloud", cloud, "--auth", "token", "check")
		if code != 1 || !strings.Contains(out, `"endpoint": "`+want+`"`) || !strings.Contains(stderr, "LOGANALYTICS_ACCESS_TOKEN") {
			t.Errorf("%s: exit %d, out %s, stderr %s", cloud, code, out, stderr)
		}
	}
}

func TestLogAnalyticsWithoutCredentialStillServesTheCatalog(t *testing.T) {
	args := []string{"--source", "loganalytics", "--workspace", testWorkspace, "--loganalytics-url", "http://127.0.0.1:1", "--auth", "token", "call"}
	out, stderr, code := runCmd(t, nil, nil, append(args, "explain_error_code", `{"code":50126}`)...)
	if code != 0 || !strings.Contains(out, "InvalidUserNameOrPassword") {
		t.Errorf("catalog without a credential: exit %d %s %s", code, out, stderr)
	}
	_, stderr, code = runCmd(t, nil, nil, append(args, "search_failed_signins", `{}`)...)
	if code != 1 || !strings.Contains(stderr, "LOGANALYTICS_ACCESS_TOKEN") {
		t.Errorf("search without a credential: exit %d %q", code, stderr)
	}
}
