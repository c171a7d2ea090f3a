package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func runCmd(t *testing.T, env map[string]string, stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	getenv := func(k string) string { return env[k] }
	err := run(context.Background(), args, getenv, stdin, &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func TestVersion(t *testing.T) {
	out, _, code := runCmd(t, nil, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "entra-signin-mcp ") {
		t.Errorf("version: code %d out %q", code, out)
	}
}

func TestCallPrintsStructuredResult(t *testing.T) {
	out, stderr, code := runCmd(t, nil, nil, "call", "explain_error_code", `{"code":"AADSTS50053"}`)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if res["code"] != float64(50053) || res["name"] != "IdsLocked" || res["known"] != true {
		t.Errorf("result %v", res)
	}
}

func TestCallToolErrorExitsNonZero(t *testing.T) {
	out, stderr, code := runCmd(t, nil, nil, "call", "explain_error_code", `{"code":-1}`)
	if code != 1 || out != "" || !strings.Contains(stderr, "negative") {
		t.Errorf("exit %d stdout %q stderr %q", code, out, stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"unknown command":                 {"frobnicate"},
		"call without tool":               {"call"},
		"call bad json":                   {"call", "explain_error_code", "{"},
		"call json array":                 {"call", "explain_error_code", "[1]"},
		"bad log level":                   {"--log-level", "loud", "version"},
		"unknown flag":                    {"--nope"},
		"serve with args":                 {"serve", "x"},
		"bad auth":                        {"--source", "graph", "--auth", "password", "call", "explain_error_code", "{}"},
		"bad cloud":                       {"--source", "graph", "--cloud", "mars", "call", "explain_error_code", "{}"},
		"http graph url":                  {"--source", "graph", "--graph-url", "http://graph.example.com", "call", "explain_error_code", "{}"},
		"versioned url":                   {"--source", "graph", "--graph-url", "https://graph.microsoft.com/v1.0", "call", "explain_error_code", "{}"},
		"unknown source":                  {"--source", "splunk", "version"},
		"loganalytics without workspace":  {"--source", "loganalytics", "call", "explain_error_code", "{}"},
		"files without path":              {"--source", "files", "call", "explain_error_code", "{}"},
		"http off loopback without auth":  {"--transport", "http", "--addr", "0.0.0.0:0"},
		"http token auth without a token": {"--transport", "http", "--addr", "0.0.0.0:0", "--http-auth", "token"},
		"bad transport":                   {"--transport", "carrier-pigeon"},
		"obo without http":                {"--graph-auth", "on-behalf-of"},
		"obo without entra":               {"--transport", "http", "--graph-auth", "on-behalf-of"},
		"negative max sessions":           {"--transport", "http", "--max-sessions", "-1"},
		"negative idle timeout":           {"--transport", "http", "--session-idle-timeout", "-1s"},
		"plain http public url":           {"--transport", "http", "--addr", "0.0.0.0:0", "--http-auth", "token", "--http-public-url", "http://mcp.contoso.com"},
		"plain http authority":            {"--transport", "http", "--http-auth", "entra", "--tenant", "11111111-2222-3333-4444-555555555555", "--http-audience", "api://x", "--http-required-scope", "s", "--http-authority", "http://login.microsoftonline.com"},
		"entra off loopback, no url":      {"--transport", "http", "--addr", "0.0.0.0:0", "--http-auth", "entra", "--tenant", "11111111-2222-3333-4444-555555555555", "--http-audience", "api://x", "--http-required-scope", "s"},
	} {
		_, stderr, code := runCmd(t, nil, nil, args...)
		if code != 2 || stderr == "" {
			t.Errorf("%s: exit %d stderr %q, want 2 and a message", name, code, stderr)
		}
	}
	_, stderr, code := runCmd(t, nil, nil, "call", "no_such_tool", "{}")
	if code != 1 || !strings.Contains(stderr, "no_such_tool") {
		t.Errorf("unknown tool: exit %d stderr %q", code, stderr)
	}
}

func TestEnvironmentFallbackAndPrecedence(t *testing.T) {
	// The variable applies when the flag is absent...
	_, _, code := runCmd(t, map[string]string{"ENTRA_SIGNIN_LOG_LEVEL": "loud"}, nil, "version")
	if code != 2 {
		t.Errorf("a bad ENTRA_SIGNIN_LOG_LEVEL was not applied (exit %d)", code)
	}
	// ...and the flag wins over it.
	_, stderr, code := runCmd(t, map[string]string{"ENTRA_SIGNIN_LOG_LEVEL": "loud"}, nil, "--log-level", "debug", "version")
	if code != 0 {
		t.Errorf("flag did not win over the variable: exit %d %s", code, stderr)
	}
	// Debug logging goes to stderr, never stdout.
	out, stderr, code := runCmd(t, map[string]string{"ENTRA_SIGNIN_LOG_LEVEL": "debug"}, nil, "call", "explain_error_code", `{"code":50126}`)
	if code != 0 || !strings.Contains(stderr, "tool call") || strings.Contains(out, "tool call") {
		t.Errorf("debug log: exit %d, stderr %q", code, stderr)
	}
}

// The HTTP flags added for sessions and the public URL read their
// ENTRA_SIGNIN_* variables like every other flag.
func TestHTTPFlagsFromEnvironment(t *testing.T) {
	for name, v := range map[string]string{
		"ENTRA_SIGNIN_MAX_SESSIONS":            "-1",
		"ENTRA_SIGNIN_MAX_SESSIONS_PER_CALLER": "-1",
		"ENTRA_SIGNIN_SESSION_IDLE_TIMEOUT":    "-1m",
		"ENTRA_SIGNIN_HTTP_PUBLIC_URL":         "http://mcp.contoso.com",
	} {
		_, stderr, code := runCmd(t, map[string]string{name: v, "ENTRA_SIGNIN_HTTP_AUTH": "token", "ENTRA_SIGNIN_HTTP_TOKEN": "0123456789abcdef", "ENTRA_SIGNIN_ADDR": "0.0.0.0:0"}, nil, "--transport", "http")
		if code != 2 || stderr == "" {
			t.Errorf("%s=%s: exit %d %q, want the value applied and refused", name, v, code, stderr)
		}
	}
	_, stderr, _ := runCmd(t, nil, nil, "-h")
	for _, f := range []string{"-http-public-url", "-max-sessions", "-max-sessions-per-caller", "-session-idle-timeout"} {
		if !strings.Contains(stderr, f) {
			t.Errorf("help lacks %s", f)
		}
	}
}

func TestHelp(t *testing.T) {
	_, stderr, code := runCmd(t, nil, nil, "-h")
	if code != 0 || !strings.Contains(stderr, "ENTRA_SIGNIN_") || !strings.Contains(stderr, "-log-level") {
		t.Errorf("help: exit %d %q", code, stderr)
	}
}

// TestServeStdio speaks the protocol over pipes and checks that the server
// answers, writes only protocol to stdout, and stops cleanly on stdin EOF.
func TestServeStdio(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), nil, noEnv, inR, outW, &stderr); outW.Close() }()

	lines := bufio.NewScanner(outR)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	send := func(msg string) { io.WriteString(inW, msg+"\n") }
	recv := func() map[string]any {
		if !lines.Scan() {
			t.Fatalf("no answer: %v", lines.Err())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("stdout line is not JSON-RPC: %q", lines.Text())
		}
		return m
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	init := recv()
	if r, _ := init["result"].(map[string]any); r == nil || r["protocolVersion"] != "2025-06-18" {
		t.Fatalf("initialize answer %v", init)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"explain_error_code","arguments":{"code":50126}}}`)
	call := recv()
	r, _ := call["result"].(map[string]any)
	if sc, _ := r["structuredContent"].(map[string]any); sc == nil || sc["code"] != float64(50126) {
		t.Fatalf("tools/call answer %v", call)
	}
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v on stdin EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop on stdin EOF")
	}
}

// TestServeStopsOnSignal: SIGINT/SIGTERM cancel run's context (see main); the
// server must return promptly and without error even while stdin stays open.
func TestServeStopsOnSignal(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, noEnv, inR, io.Discard, io.Discard) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v on cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop when its context was cancelled")
	}
}

// TestGraphWithoutCredentialStillServesTheCatalog: with no usable credential
// the server starts, the catalog answers, and the Graph tools say what to set.
func TestGraphWithoutCredentialStillServesTheCatalog(t *testing.T) {
	out, stderr, code := runCmd(t, nil, nil, "--source", "graph", "--auth", "token", "call", "explain_error_code", `{"code":50126}`)
	if code != 0 || !strings.Contains(out, "InvalidUserNameOrPassword") {
		t.Errorf("catalog without a credential: exit %d %s %s", code, out, stderr)
	}
	_, stderr, code = runCmd(t, nil, nil, "--source", "graph", "--auth", "token", "call", "search_failed_signins", `{}`)
	if code != 1 || !strings.Contains(stderr, "GRAPH_ACCESS_TOKEN") {
		t.Errorf("search without a credential: exit %d %q", code, stderr)
	}
	// Flags from the environment, and the check command on a local source.
	out, _, code = runCmd(t, map[string]string{"ENTRA_SIGNIN_SOURCE": "demo"}, nil, "check")
	if code != 0 || !strings.Contains(out, "source demo: ready") {
		t.Errorf("check on the demo: exit %d %q", code, out)
	}
}
