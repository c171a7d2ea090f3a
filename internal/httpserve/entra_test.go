package httpserve

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// bearerInit posts an initialize with token and returns the status and body.
func bearerInit(t *testing.T, url, token string) (int, string) {
	t.Helper()
	resp := post(t, url+"/mcp", map[string]string{"Authorization": "Bearer " + token}, initBody)
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b) + " " + resp.Header.Get("WWW-Authenticate")
}

// waitFor fails the test when ch does not deliver soon: a guard against a
// hang, not a timing assertion.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not happen", what)
	}
}

// A client that hangs up while the keys are being fetched does not cancel
// the fetch: the keys arrive anyway, and the next caller is let in.
func TestKeyFetchSurvivesHangUp(t *testing.T) {
	p := newIDP(t)
	clock := newClock(time.Now())
	srv, _ := start(t, entraConfig(p, clock))
	gate, entered := make(chan struct{}), make(chan struct{}, 1)
	p.mu.Lock()
	p.gate, p.entered = gate, entered
	p.mu.Unlock()

	ctx, hangUp := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/mcp", strings.NewReader(initBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.sign("key-1", goodClaims(clock.Now())))
	done := make(chan struct{})
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		close(done)
	}()
	waitFor(t, entered, "the key fetch")
	hangUp()
	waitFor(t, done, "the hang-up")
	p.mu.Lock()
	p.gate = nil
	p.mu.Unlock()
	close(gate)

	if code, body := bearerInit(t, srv.URL, p.sign("key-1", goodClaims(clock.Now()))); code != 200 {
		t.Errorf("after a hang-up during the first key fetch: %d %s", code, body)
	}
	if n := p.fetches.Load(); n != 1 {
		t.Errorf("%d key fetches, want the one the hung-up request started", n)
	}
}

// A failed fetch does not start the once-a-minute limit: the next request,
// within the minute, fetches again and succeeds. The 401 in between tells
// the client to retry and says nothing of the key server.
func TestKeyFetchFailureThenSuccess(t *testing.T) {
	p := newIDP(t)
	clock := newClock(time.Now())
	srv, _ := start(t, entraConfig(p, clock))
	p.fail.Store(true)
	code, body := bearerInit(t, srv.URL, p.sign("key-1", goodClaims(clock.Now())))
	if code != 401 || !strings.Contains(body, "retry") {
		t.Errorf("key server down: %d %s", code, body)
	}
	// The answer names our own server's metadata URL, whose random port may
	// hold "500": only what follows from the key server must not show.
	own := strings.ReplaceAll(body, srv.URL, "")
	for _, leak := range []string{p.srv.URL, "dial", "500", "/keys", "openid-configuration"} {
		if strings.Contains(own, leak) {
			t.Errorf("the 401 reveals %q: %s", leak, body)
		}
	}
	p.fail.Store(false)
	clock.Add(10 * time.Second)
	if code, body := bearerInit(t, srv.URL, p.sign("key-1", goodClaims(clock.Now()))); code != 200 {
		t.Errorf("key server back within the minute: %d %s", code, body)
	}
}

// An empty key set (a 200 with no keys) never replaces the keys we have.
func TestEmptyKeySetKeepsKeys(t *testing.T) {
	p := newIDP(t)
	clock := newClock(time.Now())
	srv, _ := start(t, entraConfig(p, clock))
	if code, body := bearerInit(t, srv.URL, p.sign("key-1", goodClaims(clock.Now()))); code != 200 {
		t.Fatalf("first token: %d %s", code, body)
	}
	p.empty.Store(true)
	p.addKey(t, "key-2")
	clock.Add(2 * time.Minute)
	if code, _ := bearerInit(t, srv.URL, p.sign("key-2", goodClaims(clock.Now()))); code != 401 {
		t.Errorf("unknown key against an empty key set: %d", code)
	}
	if code, body := bearerInit(t, srv.URL, p.sign("key-1", goodClaims(clock.Now()))); code != 200 {
		t.Errorf("known key after an empty key set was served: %d %s", code, body)
	}
	// ...and the empty answer did not start the refresh limit.
	p.empty.Store(false)
	if code, body := bearerInit(t, srv.URL, p.sign("key-2", goodClaims(clock.Now()))); code != 200 {
		t.Errorf("rotated key once the key server recovers: %d %s", code, body)
	}
}

// While a key fetch hangs on a slow key server, tokens signed with a known
// key are still validated.
func TestSlowKeyServerDoesNotBlockKnownKeys(t *testing.T) {
	p := newIDP(t)
	clock := newClock(time.Now())
	srv, _ := start(t, entraConfig(p, clock))
	if code, body := bearerInit(t, srv.URL, p.sign("key-1", goodClaims(clock.Now()))); code != 200 {
		t.Fatalf("first token: %d %s", code, body)
	}
	gate, entered := make(chan struct{}), make(chan struct{}, 4)
	p.mu.Lock()
	p.gate, p.entered = gate, entered
	p.mu.Unlock()
	defer close(gate)
	p.addKey(t, "key-2")
	clock.Add(2 * time.Minute)
	rotated := p.sign("key-2", goodClaims(clock.Now()))
	slow := make(chan int, 1)
	go func() {
		code, _ := bearerInit(t, srv.URL, rotated)
		slow <- code
	}()
	waitFor(t, entered, "the key fetch")
	known := make(chan struct{})
	go func() {
		if code, body := bearerInit(t, srv.URL, p.sign("key-1", goodClaims(clock.Now()))); code != 200 {
			t.Errorf("known key during a slow fetch: %d %s", code, body)
		}
		close(known)
	}()
	waitFor(t, known, "validation of a known key while the key server hangs")
	p.mu.Lock()
	p.gate = nil
	p.mu.Unlock()
	gate <- struct{}{} // release the fetch in flight
	if code := <-slow; code != 200 {
		t.Errorf("rotated key after the slow fetch: %d", code)
	}
}

// Refreshes are coalesced: a refresh asked for while one is in flight joins
// it instead of starting another.
func TestKeyRefreshIsCoalesced(t *testing.T) {
	p := newIDP(t)
	clock := newClock(time.Now())
	cfg := entraConfig(p, clock)
	cfg.Addr = "127.0.0.1:0"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ks := newKeySet(cfg.Entra)
	gate, entered := make(chan struct{}), make(chan struct{}, 1)
	p.mu.Lock()
	p.gate, p.entered = gate, entered
	p.mu.Unlock()
	first := make(chan error, 1)
	go func() { first <- ks.refresh(context.Background()) }()
	waitFor(t, entered, "the key fetch")
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for range 5 {
		if err := ks.refresh(gone); err != context.Canceled {
			t.Errorf("a refresh joined by a caller who left: %v", err)
		}
	}
	close(gate)
	if err := <-first; err != nil {
		t.Errorf("the refresh in flight: %v", err)
	}
	if n := p.fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
	if _, ok := ks.key("key-1"); !ok {
		t.Error("key-1 was not learned")
	}
}

func TestV1IssuerFollowsTheCloud(t *testing.T) {
	for authority, want := range map[string]string{
		"https://login.microsoftonline.com":        "https://sts.windows.net/" + tenant + "/",
		"https://login.microsoftonline.us":         "https://sts.windows.net/" + tenant + "/",
		"https://login.chinacloudapi.cn":           "https://sts.chinacloudapi.cn/" + tenant + "/",
		"https://LOGIN.partner.microsoftonline.cn": "https://sts.chinacloudapi.cn/" + tenant + "/",
		"http://127.0.0.1:8080":                    "",
		"https://idp.example":                      "",
	} {
		if got := v1Issuer(authority, tenant); got != want {
			t.Errorf("%s: %q, want %q", authority, got, want)
		}
	}
}
