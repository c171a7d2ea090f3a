package httpserve

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver"
)

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// start serves a real MCP server through httpserve on a loopback listener.
func start(t *testing.T, cfg Config) (*httptest.Server, *Server) {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr == "" {
		cfg.Addr = ln.Addr().String()
	}
	hs, err := New(mcpserver.New(mcpserver.Options{Version: "test", Catalog: cat}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(hs.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, hs
}

func post(t *testing.T, url string, headers map[string]string, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestConfigRefusals(t *testing.T) {
	for name, c := range map[string]struct {
		cfg  Config
		want string
	}{
		"none off loopback":   {Config{Addr: "0.0.0.0:8080"}, "not a loopback address"},
		"none on a LAN IP":    {Config{Addr: "192.0.2.10:8080", Auth: AuthNone}, "--http-auth token"},
		"short token":         {Config{Addr: "0.0.0.0:8080", Auth: AuthToken, Token: "short"}, "ENTRA_SIGNIN_HTTP_TOKEN"},
		"entra no tenant":     {Config{Addr: "0.0.0.0:8080", Auth: AuthEntra, Entra: EntraConfig{Audiences: []string{"api://x"}, RequiredScope: "s"}}, "--tenant"},
		"entra no audience":   {Config{Addr: "0.0.0.0:8080", Auth: AuthEntra, Entra: EntraConfig{TenantID: "11111111-2222-3333-4444-555555555555", RequiredScope: "s"}}, "--http-audience"},
		"entra no scope":      {Config{Addr: "0.0.0.0:8080", Auth: AuthEntra, Entra: EntraConfig{TenantID: "11111111-2222-3333-4444-555555555555", Audiences: []string{"api://x"}}}, "--http-required-scope"},
		"bad addr":            {Config{Addr: "8080"}, "--addr"},
		"bad auth":            {Config{Addr: "127.0.0.1:8080", Auth: "basic"}, "--http-auth"},
		"bad origin":          {Config{Addr: "127.0.0.1:8080", AllowedOrigins: []string{"contoso.com"}}, "--allowed-origins"},
		"http authority":      {Config{Addr: "127.0.0.1:8080", Auth: AuthEntra, Entra: EntraConfig{TenantID: tenant, Audiences: []string{"api://x"}, RequiredScope: "s", Authority: "http://login.microsoftonline.com"}}, "--http-authority"},
		"authority path":      {Config{Addr: "127.0.0.1:8080", Auth: AuthEntra, Entra: EntraConfig{TenantID: tenant, Audiences: []string{"api://x"}, RequiredScope: "s", Authority: "https://login.microsoftonline.com/common"}}, "--http-authority"},
		"entra no public URL": {Config{Addr: "0.0.0.0:8080", Auth: AuthEntra, Entra: EntraConfig{TenantID: tenant, Audiences: []string{"api://x"}, RequiredScope: "s"}}, "--http-public-url"},
		"http public URL":     {Config{Addr: "0.0.0.0:8080", Auth: AuthToken, Token: "0123456789abcdef", PublicURL: "http://mcp.contoso.com"}, "--http-public-url"},
		"negative cap":        {Config{Addr: "127.0.0.1:8080", MaxSessions: -1}, "--max-sessions"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s", name, err, c.want)
		}
	}
	for _, ok := range []Config{{Addr: "127.0.0.1:8080"}, {Addr: "[::1]:8080"}, {Addr: "localhost:8080"}, {Addr: "0.0.0.0:8080", Auth: AuthToken, Token: "0123456789abcdef"},
		{Addr: "127.0.0.1:8080", Auth: AuthEntra, Entra: EntraConfig{TenantID: tenant, Audiences: []string{"api://x"}, RequiredScope: "s", Authority: "http://127.0.0.1:9999"}},
		{Addr: "0.0.0.0:8080", Auth: AuthEntra, PublicURL: "https://mcp.contoso.com/", Entra: EntraConfig{TenantID: tenant, Audiences: []string{"api://x"}, RequiredScope: "s", Authority: "https://login.microsoftonline.us"}}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v refused: %v", ok, err)
		}
	}
}

func TestHostAndOriginMatrix(t *testing.T) {
	srv, _ := start(t, Config{AllowedOrigins: []string{"https://admin.contoso.com"}, AllowedHosts: []string{"mcp.contoso.com"}})
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	cases := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"no Origin (a non-browser client)", nil, 200},
		{"loopback Host by name", map[string]string{"Host": "localhost:" + itoa(port)}, 200},
		{"allowed reverse-proxy Host", map[string]string{"Host": "mcp.contoso.com"}, 200},
		{"rebinding Host", map[string]string{"Host": "attacker.example:" + itoa(port)}, 403},
		{"allowed Origin", map[string]string{"Origin": "https://admin.contoso.com"}, 200},
		{"loopback Origin on a loopback server", map[string]string{"Origin": "http://localhost:6274"}, 200},
		{"foreign Origin", map[string]string{"Origin": "https://evil.example"}, 403},
		{"null Origin", map[string]string{"Origin": "null"}, 403},
		{"lookalike Origin", map[string]string{"Origin": "https://admin.contoso.com.evil.example"}, 403},
	}
	for _, c := range cases {
		resp := post(t, srv.URL+"/mcp", c.headers, initBody)
		if resp.StatusCode != c.want {
			b, _ := io.ReadAll(resp.Body)
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, b, c.want)
		}
	}
	if resp, _ := http.Get(srv.URL + "/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestStaticToken(t *testing.T) {
	srv, _ := start(t, Config{Auth: AuthToken, Token: "correct-horse-battery-staple"})
	for name, c := range map[string]struct {
		auth string
		want int
	}{
		"missing":    {"", 401},
		"wrong":      {"Bearer correct-horse-battery-stapl3", 401},
		"not bearer": {"Basic Y29ycmVjdA==", 401},
		"right":      {"Bearer correct-horse-battery-staple", 200},
	} {
		h := map[string]string{}
		if c.auth != "" {
			h["Authorization"] = c.auth
		}
		resp := post(t, srv.URL+"/mcp", h, initBody)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", name, resp.StatusCode, c.want)
		}
		if c.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s: WWW-Authenticate %q", name, resp.Header.Get("WWW-Authenticate"))
		}
	}
	if resp, _ := http.Get(srv.URL + "/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz needs no token, got %d", resp.StatusCode)
	}
}

func TestSessionLifecycle(t *testing.T) {
	srv, _ := start(t, Config{})
	resp := post(t, srv.URL+"/mcp", nil, initBody)
	id := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("initialize: %d, session %q", resp.StatusCode, id)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	if r := post(t, srv.URL+"/mcp", map[string]string{"Mcp-Session-Id": id, "Mcp-Protocol-Version": "2025-06-18"}, list); r.StatusCode != 200 {
		t.Fatalf("tools/list in the session: %d", r.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/mcp", nil)
	req.Header.Set("Mcp-Session-Id", id)
	del, err := http.DefaultClient.Do(req)
	if err != nil || del.StatusCode >= 300 {
		t.Fatalf("DELETE: %v %v", err, del.StatusCode)
	}
	if r := post(t, srv.URL+"/mcp", map[string]string{"Mcp-Session-Id": id, "Mcp-Protocol-Version": "2025-06-18"}, list); r.StatusCode != 404 {
		t.Errorf("ended session: %d, want 404", r.StatusCode)
	}
	if r := post(t, srv.URL+"/mcp", map[string]string{"Mcp-Session-Id": "mcp-session-00000000-0000-0000-0000-000000000000", "Mcp-Protocol-Version": "2025-06-18"}, list); r.StatusCode != 404 {
		t.Errorf("unknown session: %d, want 404", r.StatusCode)
	}
}

func TestGracefulShutdown(t *testing.T) {
	cat, _ := catalog.Load()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := New(mcpserver.New(mcpserver.Options{Version: "test", Catalog: cat}), Config{Addr: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx, ln, 5*time.Second) }()
	url := "http://" + ln.Addr().String()
	if resp := post(t, url+"/mcp", nil, initBody); resp.StatusCode != 200 {
		t.Fatalf("before shutdown: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("a new connection was accepted after shutdown")
	}
}

// --- Entra ID tokens -------------------------------------------------------

const tenant = "11111111-2222-3333-4444-55555555abcd"

type idp struct {
	srv     *httptest.Server
	mu      sync.Mutex
	keys    map[string]*rsa.PrivateKey
	fetches atomic.Int32
	// Behaviour of the keys endpoint, set by tests: answer 500, answer an
	// empty set, or wait for gate to close (after signalling entered).
	fail, empty atomic.Bool
	gate        chan struct{}
	entered     chan struct{}
}

func newIDP(t *testing.T) *idp {
	p := &idp{keys: map[string]*rsa.PrivateKey{}}
	p.addKey(t, "key-1")
	mux := http.NewServeMux()
	mux.HandleFunc("/"+tenant+"/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0", "jwks_uri": p.srv.URL + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		gate, entered := p.gate, p.entered
		p.mu.Unlock()
		if gate != nil {
			if entered != nil {
				entered <- struct{}{}
			}
			<-gate
		}
		if p.fail.Load() {
			http.Error(w, "dial tcp 10.0.0.7:443: connection refused", http.StatusInternalServerError)
			return
		}
		keys := []map[string]string{}
		p.mu.Lock()
		for kid, k := range p.keys {
			if p.empty.Load() {
				break
			}
			keys = append(keys, map[string]string{"kty": "RSA", "use": "sig", "kid": kid,
				"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes())})
		}
		p.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) addKey(t *testing.T, kid string) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.keys[kid] = k
	p.mu.Unlock()
}

func seg(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }

func (p *idp) sign(kid string, claims map[string]any) string {
	head := seg(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	body := seg(claims)
	sum := sha256.Sum256([]byte(head + "." + body))
	p.mu.Lock()
	key := p.keys[kid]
	p.mu.Unlock()
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, 5, sum[:]) // 5 = crypto.SHA256
	return head + "." + body + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func goodClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss": "https://login.microsoftonline.com/" + tenant + "/v2.0", "tid": tenant,
		"aud": "api://entra-signin-mcp", "exp": now.Add(time.Hour).Unix(), "nbf": now.Add(-time.Minute).Unix(),
		"iat": now.Add(-time.Minute).Unix(), "ver": "2.0", "azp": clientApp, "oid": "aaaaaaaa-0000-0000-0000-000000000001",
		"sub": "pairwise-subject", "scp": "SignInLogs.Read openid",
	}
}

func with(c map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range c {
		out[kk] = vv
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

// clientApp is the client app (azp/appid) of the test's access tokens.
const clientApp = "cccccccc-0000-0000-0000-00000000c11e"

// testClock is a clock a test moves while servers read it.
type testClock struct{ ns atomic.Int64 }

func newClock(t time.Time) *testClock    { c := &testClock{}; c.ns.Store(t.UnixNano()); return c }
func (c *testClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

func entraConfig(p *idp, clock *testClock) Config {
	return Config{Auth: AuthEntra, Entra: EntraConfig{
		TenantID: tenant, Audiences: []string{"api://entra-signin-mcp", "bbbbbbbb-0000-0000-0000-0000000000a1"}, RequiredScope: "SignInLogs.Read",
		Authority: p.srv.URL, Now: clock.Now,
	}}
}

// TestEntraTokens is the forgery matrix and the token-kind rule, through
// go-oidc and our policy.
func TestEntraTokens(t *testing.T) {
	p := newIDP(t)
	now := time.Now()
	clock := newClock(now)
	srv, hs := start(t, entraConfig(p, clock))
	// The fake authority is no Entra cloud, so no v1 issuer follows from it;
	// take the public cloud's, as for login.microsoftonline.com.
	hs.entra.v1Issuer = v1Issuer("https://login.microsoftonline.com", tenant)
	good := goodClaims(now)
	pub, _ := x509.MarshalPKIXPublicKey(&p.keys["key-1"].PublicKey)
	hsSigned := func() string {
		head := seg(map[string]string{"alg": "HS256", "typ": "JWT", "kid": "key-1"})
		body := seg(good)
		m := hmac.New(sha256.New, pub)
		m.Write([]byte(head + "." + body))
		return head + "." + body + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	tampered := func() string {
		parts := strings.Split(p.sign("key-1", good), ".")
		parts[1] = seg(with(good, "scp", "SignInLogs.Read Directory.ReadWrite.All"))
		return strings.Join(parts, ".")
	}
	p.addKey(t, "stranger")
	strangerKey := p.sign("stranger", good)
	p.mu.Lock()
	delete(p.keys, "stranger")
	p.mu.Unlock()
	v1 := with(with(with(with(with(good, "iss", "https://sts.windows.net/"+tenant+"/"), "scp", nil), "roles", []string{"SignInLogs.Read"}), "ver", "1.0"), "azp", nil)
	// An ID token for a client app registered as the same app as this API:
	// its aud is our client ID, it carries the user's app roles, no azp.
	idToken := with(with(with(with(good, "aud", "bbbbbbbb-0000-0000-0000-0000000000a1"), "azp", nil), "scp", nil), "roles", []string{"SignInLogs.Read"})
	cases := []struct {
		name  string
		token string
		want  int
	}{
		{"valid v2 token", p.sign("key-1", good), 200},
		{"valid v2 token for the client ID audience", p.sign("key-1", with(good, "aud", "bbbbbbbb-0000-0000-0000-0000000000a1")), 200},
		{"valid v1 token with an app role", p.sign("key-1", with(v1, "appid", clientApp)), 200},
		{"ID token carrying roles", p.sign("key-1", idToken), 401},
		{"ID token with a nonce", p.sign("key-1", with(idToken, "nonce", "n-0S6_WzA2Mj")), 401},
		{"access token with a nonce", p.sign("key-1", with(good, "nonce", "n-0S6_WzA2Mj")), 401},
		{"v1 token without appid", p.sign("key-1", v1), 401},
		{"v2 issuer claiming ver 1.0", p.sign("key-1", with(with(good, "ver", "1.0"), "appid", clientApp)), 401},
		{"no ver", p.sign("key-1", with(good, "ver", nil)), 401},
		{"token for another audience with roles", p.sign("key-1", with(with(good, "aud", "api://another-api"), "roles", []string{"SignInLogs.Read"})), 401},
		{"audience differing in case", p.sign("key-1", with(good, "aud", "API://entra-signin-mcp")), 401},
		{"issuer differing in case", p.sign("key-1", with(good, "iss", "https://login.microsoftonline.com/"+strings.ToUpper(tenant)+"/v2.0")), 401},
		{"tid differing in case", p.sign("key-1", with(good, "tid", strings.ToUpper(tenant))), 401},
		{"expired", p.sign("key-1", with(good, "exp", now.Add(-10*time.Minute).Unix())), 401},
		{"no exp", p.sign("key-1", with(good, "exp", nil)), 401},
		{"not yet valid", p.sign("key-1", with(good, "nbf", now.Add(10*time.Minute).Unix())), 401},
		{"nbf 1e300", p.sign("key-1", with(good, "nbf", 1e300)), 401},
		{"exp 1e300", p.sign("key-1", with(good, "exp", 1e300)), 401},
		{"exp fractional", p.sign("key-1", with(good, "exp", float64(now.Add(time.Hour).Unix())+0.5)), 401},
		{"exp as a string", p.sign("key-1", with(good, "exp", "9999999999")), 401},
		{"nbf negative", p.sign("key-1", with(good, "nbf", -1)), 401},
		{"iat in the future", p.sign("key-1", with(good, "iat", now.Add(time.Hour).Unix())), 401},
		{"wrong issuer", p.sign("key-1", with(good, "iss", "https://login.microsoftonline.com/"+tenant+"/v2.0/evil")), 401},
		{"v1 issuer of another cloud", p.sign("key-1", with(with(v1, "appid", clientApp), "iss", "https://sts.chinacloudapi.cn/"+tenant+"/")), 401},
		{"wrong audience", p.sign("key-1", with(good, "aud", "api://another-api")), 401},
		{"other tenant", p.sign("key-1", with(with(good, "tid", "99999999-2222-3333-4444-555555555555"), "iss", "https://login.microsoftonline.com/99999999-2222-3333-4444-555555555555/v2.0")), 401},
		{"missing scope", p.sign("key-1", with(good, "scp", "openid profile")), 401},
		{"alg none", seg(map[string]string{"alg": "none", "typ": "JWT"}) + "." + seg(good) + ".", 401},
		{"HS256 signed with the public key", hsSigned(), 401},
		{"unknown kid", strangerKey, 401},
		{"tampered payload", tampered(), 401},
		{"garbage", "not.a.jwt", 401},
	}
	for _, c := range cases {
		resp := post(t, srv.URL+"/mcp", map[string]string{"Authorization": "Bearer " + c.token}, initBody)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, b, c.want)
		}
		if c.want == 401 {
			wa := resp.Header.Get("WWW-Authenticate")
			if !strings.HasPrefix(wa, "Bearer ") || !strings.Contains(wa, `resource_metadata="`+srv.URL+`/.well-known/oauth-protected-resource"`) {
				t.Errorf("%s: WWW-Authenticate %q", c.name, wa)
			}
			if !strings.Contains(string(b), "access token") {
				t.Errorf("%s: the 401 does not say what to send: %s", c.name, b)
			}
		}
	}
	if r := post(t, srv.URL+"/mcp", nil, initBody); r.StatusCode != 401 {
		t.Errorf("no token: %d", r.StatusCode)
	}

	// A key rotated in after the first fetch is found by a refresh, once the
	// refresh interval has passed; an unknown key does not refetch at will.
	fetched := p.fetches.Load()
	p.addKey(t, "key-2")
	if r := post(t, srv.URL+"/mcp", map[string]string{"Authorization": "Bearer " + p.sign("key-2", good)}, initBody); r.StatusCode != 401 || p.fetches.Load() != fetched {
		t.Errorf("unknown kid within the refresh interval: %d, fetches %d→%d", r.StatusCode, fetched, p.fetches.Load())
	}
	clock.Add(2 * time.Minute)
	if r := post(t, srv.URL+"/mcp", map[string]string{"Authorization": "Bearer " + p.sign("key-2", goodClaims(clock.Now()))}, initBody); r.StatusCode != 200 {
		t.Errorf("rotated key after the refresh interval: %d", r.StatusCode)
	}

	// RFC 9728 metadata.
	resp, err := http.Get(srv.URL + "/.well-known/oauth-protected-resource")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		Scopes               []string `json:"scopes_supported"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&meta)
	if meta.Resource != srv.URL+"/mcp" || len(meta.AuthorizationServers) != 1 || !strings.Contains(meta.AuthorizationServers[0], tenant) || meta.Scopes[0] != "SignInLogs.Read" {
		t.Errorf("metadata %+v", meta)
	}
}

// TestNoGoroutineLeakUnderLoad: many concurrent sessions calling tools, then
// closing, leave no goroutine behind while the server keeps running: every
// goroutine that was not there before the load must end (goleak retries
// while connections wind down, and lists the stacks of those that do not).
func TestNoGoroutineLeakUnderLoad(t *testing.T) {
	srv, _ := start(t, Config{})
	http.DefaultClient.CloseIdleConnections()
	before := goleak.IgnoreCurrent()
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := range 20 {
		wg.Go(func() {
			tr := &http.Transport{}
			hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			defer tr.CloseIdleConnections()
			do := func(method, body, session string) (*http.Response, error) {
				req, _ := http.NewRequest(method, srv.URL+"/mcp", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				if session != "" {
					req.Header.Set("Mcp-Session-Id", session)
					req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
				}
				return hc.Do(req)
			}
			resp, err := do(http.MethodPost, initBody, "")
			if err != nil || resp.StatusCode != 200 {
				failures.Add(1)
				return
			}
			id := resp.Header.Get("Mcp-Session-Id")
			resp.Body.Close()
			for n := range 20 {
				body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"explain_error_code","arguments":{"code":%d}}}`, n+2, 50000+i+n)
				r, err := do(http.MethodPost, body, id)
				if err != nil || r.StatusCode != 200 {
					failures.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body.Close()
			}
			if r, err := do(http.MethodDelete, "", id); err == nil {
				r.Body.Close()
			}
		})
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d calls failed under load", n)
	}
	goleak.VerifyNone(t, before)
}

// /readyz follows the data: 503 with a reason while it loads or after it
// failed, 200 once it is served; /healthz stays 200 throughout.
func TestReadyz(t *testing.T) {
	get := func(url string) (int, map[string]string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		if strings.HasSuffix(url, "/readyz") {
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("readyz body: %v", err)
			}
		}
		return resp.StatusCode, body
	}
	if code, body := get(mustStart(t, Config{}).URL + "/readyz"); code != 200 || body["status"] != "ready" {
		t.Errorf("readyz without a readiness function: %d %v", code, body)
	}
	var state atomic.Value // the handler reads it on the server's goroutine
	srv := mustStart(t, Config{Ready: func() Readiness { return state.Load().(Readiness) }})
	for _, c := range []struct {
		state Readiness
		code  int
	}{
		{Readiness{Status: "loading", Reason: "12 records, 1.0 of 4.0 MB read"}, 503},
		{Readiness{Status: "failed", Reason: "no sign-in export could be loaded"}, 503},
		{Readiness{Ready: true, Status: "ready", Reason: "1 export left out"}, 200},
	} {
		state.Store(c.state)
		code, body := get(srv.URL + "/readyz")
		if code != c.code || body["status"] != c.state.Status || body["reason"] != c.state.Reason {
			t.Errorf("readyz %+v: %d %v, want %d with its status and reason", c.state, code, body, c.code)
		}
		if code, _ := get(srv.URL + "/healthz"); code != 200 {
			t.Errorf("healthz while %s: %d", c.state.Status, code)
		}
	}
}

func mustStart(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	srv, _ := start(t, cfg)
	return srv
}
