package loganalytics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// request is what the endpoint received.
type request struct {
	path, auth, prefer string
	body               struct {
		Query      string   `json:"query"`
		Timespan   string   `json:"timespan"`
		Workspaces []string `json:"workspaces"`
	}
}

// endpoint is an httptest query endpoint: handle answers each request.
type endpoint struct {
	mu   sync.Mutex
	got  []request
	srv  *httptest.Server
	logs bytes.Buffer
}

func newEndpoint(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *endpoint {
	e := &endpoint{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rq request
		rq.path, rq.auth, rq.prefer = r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Prefer")
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &rq.body); err != nil {
			t.Errorf("request body: %v", err)
		}
		e.mu.Lock()
		e.got = append(e.got, rq)
		n := len(e.got)
		e.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *endpoint) source(t *testing.T, mod func(*Config)) *Source {
	t.Helper()
	cfg := Config{Workspaces: []string{workspace, second}, URL: e.srv.URL, Auth: "token", Now: func() time.Time { return t0 },
		Getenv: func(k string) string {
			if k == TokenVariable {
				return testToken
			}
			return ""
		},
		Logger: slog.New(slog.NewTextHandler(&e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	cfg.retryDelay = time.Millisecond
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const emptyRows = `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Id","type":"string"},{"name":"ResultType","type":"string"},{"name":"UserPrincipalName","type":"string"}],"rows":[]}]}`

func TestWireWindowWaitWorkspacesToken(t *testing.T) {
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Id","type":"string"},{"name":"ResultType","type":"string"},{"name":"UserPrincipalName","type":"string"},{"name":"Status","type":"dynamic"},{"name":"SignInType","type":"string"}],`+
			`"rows":[["2025-01-10T07:59:00Z","id-1","50126","rosa@contoso.com",{"errorCode":50126,"failureReason":"Invalid username or password."},"interactive"]]}]}`)
	})
	s := e.source(t, nil)
	since := t0.Add(-90 * time.Minute).Add(500 * time.Millisecond)
	c, err := s.Collect(context.Background(), signin.Collect{IPAddress: "203.0.113.5", Since: since, Until: t0, Types: []signin.Type{signin.Interactive}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SignIns) != 2 || c.SignIns[0].Status.FailureReason != "Invalid username or password." || c.SignIns[0].User.UPN != "rosa@contoso.com" {
		t.Fatalf("sign-ins %+v", c.SignIns)
	}
	for _, rq := range e.got {
		if rq.path != "/v1/workspaces/"+workspace+"/query" {
			t.Errorf("path %s", rq.path)
		}
		if rq.auth != "Bearer "+testToken {
			t.Errorf("authorization %q: want the LOGANALYTICS_ACCESS_TOKEN bearer", rq.auth)
		}
		if rq.prefer != "wait=45" {
			t.Errorf("Prefer %q, want wait=45", rq.prefer)
		}
		if len(rq.body.Workspaces) != 1 || rq.body.Workspaces[0] != second {
			t.Errorf("additional workspaces %v", rq.body.Workspaces)
		}
		// The timespan covers the window in whole seconds; the query's own
		// bounds are exact.
		if rq.body.Timespan != "2025-01-10T06:30:00Z/2025-01-10T08:00:00Z" {
			t.Errorf("timespan %q", rq.body.Timespan)
		}
		if !strings.Contains(rq.body.Query, "TimeGenerated >= datetime(2025-01-10T06:30:00.5000000Z) and TimeGenerated < datetime(2025-01-10T08:00:00.0000000Z)") {
			t.Errorf("query without the window's bounds:\n%s", rq.body.Query)
		}
	}
	if strings.Contains(e.logs.String(), testToken) {
		t.Error("the token reached the log")
	}
}

func TestWireRetryAfter(t *testing.T) {
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"code":"ThrottledError","message":"Too many requests"}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, emptyRows)
	})
	s := e.source(t, nil)
	if _, err := s.Correlated(context.Background(), "c1"); err != nil {
		t.Fatalf("a 429 with Retry-After is retried: %v", err)
	}
	if len(e.got) != 2 {
		t.Fatalf("%d requests, want 2", len(e.got))
	}

	// A Retry-After beyond the call's timeout is not waited for: the error
	// says when to retry.
	e = newEndpoint(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	s = e.source(t, nil)
	_, err := s.Correlated(context.Background(), "c1")
	var le *Error
	if !errors.As(err, &le) || le.Status != 429 || le.RetryIn != 2*time.Minute || !strings.Contains(err.Error(), "retry in 2m0s") || len(e.got) != 1 {
		t.Fatalf("429 beyond the timeout: %v after %d requests", err, len(e.got))
	}
}

func TestWireErrorsNameTheFix(t *testing.T) {
	for _, c := range []struct {
		status   int
		body     string
		want     []string
		debugLog bool
	}{
		{403, `{"error":{"code":"InsufficientAccessError","message":"The provided credentials have insufficient access to perform the requested operation"}}`, []string{"403", "InsufficientAccessError", "Log Analytics Reader", "Data.Read"}, false},
		{404, `{"error":{"code":"WorkspaceNotFoundError","message":"Workspace could not be found"}}`, []string{"404", "--workspace", "Workspace ID", "not its name"}, false},
		{400, `{"error":{"code":"BadArgumentError","message":"The request had some invalid properties","innererror":{"code":"SyntaxError","message":"A recognition error occurred in the query."}}}`, []string{"400", "bug", "issues", "recognition error"}, true},
		{401, `{"error":{"code":"InvalidTokenError","message":"The provided authentication is not valid for this resource"}}`, []string{"401", "https://api.loganalytics.io", "LOGANALYTICS_ACCESS_TOKEN"}, false},
	} {
		e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("x-ms-request-id", "req-42")
			w.WriteHeader(c.status)
			io.WriteString(w, c.body)
		})
		s := e.source(t, nil)
		_, err := s.Get(context.Background(), "id-1")
		var le *Error
		if !errors.As(err, &le) || le.RequestID != "req-42" {
			t.Fatalf("%d: err = %v", c.status, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%d: %q lacks %q", c.status, err, w)
			}
		}
		logged := e.logs.String()
		if got := strings.Contains(logged, `where Id =~ \"id-1\"`); got != c.debugLog {
			t.Errorf("%d: query logged at debug = %v, want %v:\n%s", c.status, got, c.debugLog, logged)
		}
		if strings.Contains(logged, testToken) || strings.Contains(err.Error(), testToken) {
			t.Errorf("%d: the token leaked", c.status)
		}
	}
}

func TestWirePartialError(t *testing.T) {
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"tables":[{"name":"PrimaryResult","columns":[{"name":"UserPrincipalName","type":"string"}],"rows":[["rosa@contoso.com"]]}],`+
			`"error":{"code":"PartialError","message":"There were some errors when processing your query.","details":[{"code":"EngineError","message":"Query result set has exceeded the internal data size limit 67108864"}]}}`)
	})
	s := e.source(t, nil)
	cl := &call{s: s}
	tb, err := cl.query(context.Background(), "SigninLogs | take 1", span{}, "the test")
	if err != nil || len(tb.rows) != 1 || !cl.partial || len(cl.notes) != 1 || !strings.Contains(cl.notes[0], "67108864") {
		t.Fatalf("partial: %v %+v %q", err, tb, cl.notes)
	}
}

func TestWireTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	s := e.source(t, func(c *Config) { c.Timeout = time.Second })
	_, err := s.Get(context.Background(), "id-1")
	if err == nil || !strings.Contains(err.Error(), "--loganalytics-timeout") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			e.mu.Lock()
			n := len(e.got)
			e.mu.Unlock()
			if n >= 2 {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	_, err = s.Get(ctx, "id-1")
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestEndpointOfEachCloud(t *testing.T) {
	for cloud, want := range map[string]string{"public": "https://api.loganalytics.io", "usgov": "https://api.loganalytics.us", "usgovdod": "https://api.loganalytics.us", "china": "https://api.loganalytics.azure.cn"} {
		c := Config{Workspaces: []string{workspace}, Cloud: cloud}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if c.URL != want || c.Scope() != want+"/.default" {
			t.Errorf("%s: endpoint %s scope %s, want %s", cloud, c.URL, c.Scope(), want)
		}
	}
}

func TestConfigRefusals(t *testing.T) {
	for name, c := range map[string]struct {
		cfg  Config
		want string
	}{
		"no workspace":    {Config{}, "--workspace GUID"},
		"workspace name":  {Config{Workspaces: []string{"contoso-logs"}}, "not its name or Azure resource ID"},
		"http off host":   {Config{Workspaces: []string{workspace}, URL: "http://logs.example.com"}, "plain http is accepted only for a loopback"},
		"url with path":   {Config{Workspaces: []string{workspace}, URL: "https://api.loganalytics.io/v1"}, "without a path"},
		"timeout too big": {Config{Workspaces: []string{workspace}, Timeout: 11 * time.Minute}, "1s to 10m"},
		"cloud":           {Config{Workspaces: []string{workspace}, Cloud: "mars"}, "public, usgov, usgovdod or china"},
		"auth":            {Config{Workspaces: []string{workspace}, Auth: "password"}, "--auth"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	ok := Config{Workspaces: []string{strings.ToUpper(workspace)}, URL: "http://127.0.0.1:9/"}
	if err := ok.Validate(); err != nil || ok.Workspaces[0] != workspace || ok.URL != "http://127.0.0.1:9" || ok.Timeout != DefaultTimeout {
		t.Errorf("loopback http: %v %+v", err, ok)
	}
}
