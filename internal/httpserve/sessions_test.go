package httpserve

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const listBody = `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`

func session(id string) map[string]string {
	return map[string]string{"Mcp-Session-Id": id, "Mcp-Protocol-Version": "2025-06-18"}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// A session belongs to the caller that created it: another caller naming
// its ID is answered 404, as for an unknown session, whatever the method,
// and cannot end it.
func TestSessionBelongsToItsCaller(t *testing.T) {
	p := newIDP(t)
	clock := newClock(time.Now())
	srv, _ := start(t, entraConfig(p, clock))
	alice := map[string]string{"Authorization": "Bearer " + p.sign("key-1", goodClaims(clock.Now()))}
	mallory := map[string]string{"Authorization": "Bearer " + p.sign("key-1", with(goodClaims(clock.Now()), "oid", "aaaaaaaa-0000-0000-0000-00000000bad1"))}
	// The same user through another client app is another caller too.
	aliceElsewhere := map[string]string{"Authorization": "Bearer " + p.sign("key-1", with(goodClaims(clock.Now()), "azp", "dddddddd-0000-0000-0000-000000000000"))}

	resp := post(t, srv.URL+"/mcp", alice, initBody)
	id := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("initialize: %d %q", resp.StatusCode, id)
	}
	for name, h := range map[string]map[string]string{"another user": mallory, "another client app": aliceElsewhere} {
		if r := post(t, srv.URL+"/mcp", merge(h, session(id)), listBody); r.StatusCode != 404 {
			t.Errorf("%s POSTs to the session: %d, want 404", name, r.StatusCode)
		}
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			req, _ := http.NewRequest(method, srv.URL+"/mcp", nil)
			for k, v := range merge(h, session(id)) {
				req.Header.Set(k, v)
			}
			req.Header.Set("Accept", "text/event-stream")
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != 404 {
				t.Errorf("%s %s on the session: %d, want 404", name, method, r.StatusCode)
			}
		}
	}
	if r := post(t, srv.URL+"/mcp", merge(alice, session(id)), listBody); r.StatusCode != 200 {
		t.Errorf("the owner after the attempts: %d", r.StatusCode)
	}
}

// Past --max-sessions an initialize is answered 503 with Retry-After, the
// live count never exceeds the cap, and ending a session frees a slot.
func TestSessionCap(t *testing.T) {
	const limit = 20
	srv, hs := start(t, Config{MaxSessions: limit})
	var ok, refused, other atomic.Int32
	var maxLive atomic.Int64
	var wg sync.WaitGroup
	ids := make(chan string, 3*limit)
	for range 3 * limit {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/mcp", strings.NewReader(initBody))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				other.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, r.Body)
			r.Body.Close()
			switch r.StatusCode {
			case 200:
				ok.Add(1)
				ids <- r.Header.Get("Mcp-Session-Id")
			case 503:
				if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("503 with Retry-After %q", r.Header.Get("Retry-After"))
				}
				refused.Add(1)
			default:
				other.Add(1)
			}
			if n := int64(hs.sessions.count()); n > maxLive.Load() {
				maxLive.Store(n)
			}
		})
	}
	wg.Wait()
	close(ids)
	if ok.Load() != limit || refused.Load() != 2*limit || other.Load() != 0 {
		t.Errorf("%d sessions, %d refused, %d other; want %d, %d, 0", ok.Load(), refused.Load(), other.Load(), limit, 2*limit)
	}
	if n := hs.sessions.count(); n != limit || maxLive.Load() > limit {
		t.Errorf("live sessions %d (peak seen %d), cap %d", n, maxLive.Load(), limit)
	}
	id := <-ids
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/mcp", nil)
	req.Header.Set("Mcp-Session-Id", id)
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 200 {
		t.Fatalf("DELETE: %v", err)
	}
	if r := post(t, srv.URL+"/mcp", nil, initBody); r.StatusCode != 200 {
		t.Errorf("initialize after a DELETE freed a slot: %d", r.StatusCode)
	}
}

// One Entra ID caller cannot take every slot: past --max-sessions-per-caller
// its initialize is refused while another caller still gets in.
func TestSessionCapPerCaller(t *testing.T) {
	p := newIDP(t)
	clock := newClock(time.Now())
	cfg := entraConfig(p, clock)
	cfg.MaxSessions, cfg.MaxSessionsPerCaller = 10, 3
	srv, _ := start(t, cfg)
	greedy := map[string]string{"Authorization": "Bearer " + p.sign("key-1", goodClaims(clock.Now()))}
	for i := range 4 {
		want := 200
		if i == 3 {
			want = 503
		}
		if r := post(t, srv.URL+"/mcp", greedy, initBody); r.StatusCode != want {
			t.Errorf("greedy caller's initialize %d: %d, want %d", i+1, r.StatusCode, want)
		}
	}
	other := map[string]string{"Authorization": "Bearer " + p.sign("key-1", with(goodClaims(clock.Now()), "oid", "aaaaaaaa-0000-0000-0000-000000000002"))}
	if r := post(t, srv.URL+"/mcp", other, initBody); r.StatusCode != 200 {
		t.Errorf("another caller: %d", r.StatusCode)
	}
}

// An idle session expires after --session-idle-timeout: it answers 404,
// and its slot is free again.
func TestSessionIdleExpiry(t *testing.T) {
	clock := newClock(time.Now())
	st := newSessionStore(2, 0, 10*time.Minute, clock.Now)
	for range 2 {
		if _, ok := st.reserve("c"); !ok {
			t.Fatal("reserve under the cap refused")
		}
	}
	a, b := st.commit("c"), st.commit("c")
	if wait, ok := st.reserve("c"); ok || wait < time.Second || wait > 10*time.Minute {
		t.Errorf("reserve at the cap: ok %v, retry after %v", ok, wait)
	}
	clock.Add(6 * time.Minute)
	if err := st.use(a, "c"); err != nil {
		t.Errorf("a session used within the idle timeout: %v", err)
	}
	clock.Add(6 * time.Minute)
	if err := st.use(b, "c"); err == nil {
		t.Error("a session idle past the timeout is still usable")
	}
	if err := st.use(a, "c"); err != nil {
		t.Errorf("the session kept alive: %v", err)
	}
	if _, ok := st.reserve("c"); !ok {
		t.Error("the expired session's slot was not freed")
	}
}

// The protected-resource metadata names the configured public URL, not the
// request's Host or X-Forwarded-Proto, and sits behind the Host check.
func TestMetadataFromPublicURL(t *testing.T) {
	p := newIDP(t)
	clock := newClock(time.Now())
	cfg := entraConfig(p, clock)
	cfg.PublicURL = "https://mcp.contoso.com"
	cfg.AllowedHosts = []string{"mcp.contoso.com", "proxy.internal"}
	srv, _ := start(t, cfg)
	get := func(host string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/.well-known/oauth-protected-resource", nil)
		req.Host = host
		req.Header.Set("X-Forwarded-Proto", "http")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var meta map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&meta)
		return resp, meta
	}
	if resp, meta := get("proxy.internal"); resp.StatusCode != 200 || meta["resource"] != "https://mcp.contoso.com/mcp" {
		t.Errorf("metadata through a proxy name: %d %v", resp.StatusCode, meta)
	}
	if resp, _ := get("attacker.example"); resp.StatusCode != 403 {
		t.Errorf("metadata for a rebinding Host: %d, want 403", resp.StatusCode)
	}
	r := post(t, srv.URL+"/mcp", map[string]string{"Host": "proxy.internal", "X-Forwarded-Proto": "http"}, initBody)
	if wa := r.Header.Get("WWW-Authenticate"); !strings.Contains(wa, `resource_metadata="https://mcp.contoso.com/.well-known/oauth-protected-resource"`) {
		t.Errorf("challenge %q", wa)
	}
}
