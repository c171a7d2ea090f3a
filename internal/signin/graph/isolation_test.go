package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfake"
)

// TestOnBehalfOfIsolation: many callers at once, each with its own token.
// Every Graph request must carry the token exchanged for its own caller, and
// no caller may see another's results. The per-caller credentials themselves are
// checked under -race in package callers.
func TestOnBehalfOfIsolation(t *testing.T) {
	raws, recs := fixture(t, 800)
	now := newest(recs)
	// The users with failures, one per caller.
	seen := map[string]bool{}
	var users []string
	for _, r := range recs {
		if r.Failed() && r.Type == signin.Interactive && r.User.UPN != "" && !seen[r.User.UPN] && now.Sub(r.CreatedAt) < 7*24*time.Hour {
			seen[r.User.UPN] = true
			users = append(users, r.User.UPN)
		}
	}
	if len(users) < 8 {
		t.Fatalf("only %d users with failures in the fixture", len(users))
	}
	users = users[:8]

	type call struct{ token, filter string }
	var mu sync.Mutex
	var calls []call
	fake := graphfake.New(raws)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, call{strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), r.URL.Query().Get("$filter")})
		mu.Unlock()
		fake.ServeHTTP(w, r)
	}))
	defer srv.Close()

	exchanges := 0
	cfg := Config{
		GraphURL: srv.URL, Auth: "client-secret", OnBehalfOf: true,
		RequestsPerWindow: 1000, PacingWindow: time.Second, Timeout: 20 * time.Second,
		Now: func() time.Time { return now },
		oboCredential: func(assertion string) (azcore.TokenCredential, error) {
			mu.Lock()
			exchanges++
			mu.Unlock()
			return staticToken("graph-token-for-" + assertion), nil
		},
	}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for round := range 3 {
		for i, u := range users {
			wg.Go(func() {
				ctx := signin.WithCaller(context.Background(), fmt.Sprintf("caller-%d", i))
				p, err := src.Search(ctx, signin.Query{User: u, Since: now.Add(-7 * 24 * time.Hour), Until: now.Add(time.Second), Limit: 50, Classify: classify(t)})
				if err != nil {
					errs <- fmt.Errorf("round %d caller %d: %w", round, i, err)
					return
				}
				for _, r := range p.Rows {
					if !strings.EqualFold(r.User.UPN, u) {
						errs <- fmt.Errorf("caller %d (%s) received a row of %s", i, u, r.User.UPN)
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(calls) < 3*len(users) {
		t.Fatalf("%d Graph requests for %d searches", len(calls), 3*len(users))
	}
	for _, c := range calls {
		i := -1
		for j, u := range users {
			if strings.Contains(c.filter, "'"+strings.ToLower(u)+"'") {
				i = j
			}
		}
		if want := fmt.Sprintf("graph-token-for-caller-%d", i); i < 0 || c.token != want {
			t.Errorf("a request for %q carried token %q, want %q", c.filter, c.token, want)
		}
	}
	if exchanges != len(users) {
		t.Errorf("%d token exchanges for %d callers: each caller's credential should be built once and reused", exchanges, len(users))
	}

	// A request without a signed-in caller is refused before Graph is called.
	before := len(calls)
	if _, err := src.Search(context.Background(), signin.Query{Since: now.Add(-time.Hour), Until: now, Limit: 5, Classify: classify(t)}); err == nil || !strings.Contains(err.Error(), "--http-auth entra") {
		t.Errorf("no caller: %v", err)
	}
	if len(calls) != before {
		t.Error("a request without a caller reached Graph")
	}
}
