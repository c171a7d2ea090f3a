package callers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

type tokenFor string

func (t tokenFor) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "graph-token-for-" + string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestConcurrentCallersAreIsolated: many callers at once, each asking many
// times; every answer is its own caller's token, each caller's credential is
// built once, and a request without a caller is refused. Run with -race in CI.
func TestConcurrentCallersAreIsolated(t *testing.T) {
	var mu sync.Mutex
	built := map[string]int{}
	c := New(func(assertion string) (azcore.TokenCredential, error) {
		mu.Lock()
		built[assertion]++
		mu.Unlock()
		return tokenFor(assertion), nil
	}, 64)
	const callers, calls = 16, 50
	var wg sync.WaitGroup
	for i := range callers {
		for range 4 {
			wg.Go(func() {
				who := fmt.Sprintf("caller-%d", i)
				ctx := signin.WithCaller(context.Background(), who)
				for range calls {
					tok, err := c.GetToken(ctx, policy.TokenRequestOptions{})
					if err != nil || tok.Token != "graph-token-for-"+who {
						t.Errorf("%s got %q, %v", who, tok.Token, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	for who, n := range built {
		if n != 1 {
			t.Errorf("%s's credential built %d times, want once", who, n)
		}
	}
	if len(built) != callers || c.Len() != callers {
		t.Errorf("%d credentials built, %d kept, want %d", len(built), c.Len(), callers)
	}
	if _, err := c.GetToken(context.Background(), policy.TokenRequestOptions{}); !errors.Is(err, ErrNoCaller) {
		t.Errorf("a request without a caller: %v, want ErrNoCaller", err)
	}
}

// TestBoundedAndRebuilt: past max callers the oldest credential is dropped,
// and a dropped caller's next request builds a fresh one; a failed build is
// not kept.
func TestBoundedAndRebuilt(t *testing.T) {
	builds := 0
	fail := false
	c := New(func(assertion string) (azcore.TokenCredential, error) {
		builds++
		if fail {
			return nil, errors.New("exchange refused")
		}
		return tokenFor(assertion), nil
	}, 2)
	get := func(who string) error {
		_, err := c.GetToken(signin.WithCaller(context.Background(), who), policy.TokenRequestOptions{})
		return err
	}
	for _, who := range []string{"a", "b", "c", "a"} {
		if err := get(who); err != nil {
			t.Fatal(err)
		}
	}
	if builds != 4 || c.Len() != 2 {
		t.Errorf("after a, b, c, a with room for 2: %d builds (want 4: a was dropped for c), %d kept (want 2)", builds, c.Len())
	}
	fail = true
	if err := get("d"); err == nil || c.Len() != 2 {
		t.Errorf("a failed build: err %v, %d kept; want the error and nothing new kept", err, c.Len())
	}
}
