// Package callers holds the Graph source's per-caller credentials for
// --graph-auth on-behalf-of: each signed-in caller's token is exchanged with
// a credential of its own, and no caller ever uses another's credential or
// token cache. It is its own package, without the Graph SDK, so that the race
// detector checks this shared state in seconds (the Graph package itself takes
// minutes to build with -race).
package callers

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// ErrNoCaller is returned for a request whose context names no caller.
var ErrNoCaller = errors.New("--graph-auth on-behalf-of acts for a signed-in caller, and this request has none: serve with --transport http --http-auth entra")

// Credentials resolves, per request, the credential of the caller the
// request's context names (signin.WithCaller). It implements
// azcore.TokenCredential and is safe for concurrent use.
type Credentials struct {
	build func(assertion string) (azcore.TokenCredential, error)
	max   int
	mu    sync.Mutex
	creds map[[32]byte]azcore.TokenCredential
	order [][32]byte
}

// New returns Credentials that build a caller's credential from the caller's
// token with build, keeping at most max of them (each holds its own token
// cache); the oldest is dropped first.
func New(build func(assertion string) (azcore.TokenCredential, error), max int) *Credentials {
	return &Credentials{build: build, max: max, creds: map[[32]byte]azcore.TokenCredential{}}
}

// GetToken implements azcore.TokenCredential for the caller in ctx. Callers
// are told apart by a hash of their token, which is never kept itself.
func (c *Credentials) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	assertion := signin.CallerAssertion(ctx)
	if assertion == "" {
		return azcore.AccessToken{}, ErrNoCaller
	}
	key := sha256.Sum256([]byte(assertion))
	c.mu.Lock()
	cred, ok := c.creds[key]
	if !ok {
		var err error
		if cred, err = c.build(assertion); err != nil {
			c.mu.Unlock()
			return azcore.AccessToken{}, err
		}
		if len(c.order) >= c.max {
			delete(c.creds, c.order[0])
			c.order = c.order[1:]
		}
		c.creds[key] = cred
		c.order = append(c.order, key)
	}
	c.mu.Unlock()
	return cred.GetToken(ctx, o)
}

// Len is how many callers' credentials are kept.
func (c *Credentials) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.creds)
}
