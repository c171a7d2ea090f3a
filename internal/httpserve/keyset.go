package httpserve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/loopback"
	jose "github.com/go-jose/go-jose/v4"
)

// fetchTimeout bounds one refresh of the OpenID configuration and keys.
const fetchTimeout = 10 * time.Second

// minRefresh is the shortest interval between a successful key refresh and
// the next, so that a flood of tokens naming unknown key IDs cannot flood
// the identity provider. A failed refresh does not start it.
const minRefresh = time.Minute

// keySet is the tenant's signing keys, an oidc.KeySet for go-oidc's
// verifier. go-oidc's own RemoteKeySet is not used because it refetches on
// every unknown key ID (no rate limit) and lets a 200 with an empty key set
// replace good keys. Our rules:
//   - a refresh runs on a background context bounded by fetchTimeout, never
//     on a request's: a client hanging up does not cancel it;
//   - refreshes are coalesced: at most one is in flight, and every request
//     that needs it waits for it (or for its own context);
//   - only a successful refresh starts the minRefresh interval;
//   - a failed or empty refresh never replaces the keys we have;
//   - tokens naming a known key are verified without waiting for a refresh.
type keySet struct {
	discoveryURL string
	tenant       string
	client       *http.Client
	now          func() time.Time

	mu          sync.Mutex
	keys        map[string]jose.JSONWebKey // replaced whole, never mutated
	issuerV2    string
	lastSuccess time.Time
	inflight    *refresh
}

// refresh is one key fetch in flight; done closes when err is set.
type refresh struct {
	done chan struct{}
	err  error
}

func newKeySet(cfg EntraConfig) *keySet {
	return &keySet{
		discoveryURL: cfg.Authority + "/" + cfg.TenantID + "/v2.0/.well-known/openid-configuration",
		tenant:       cfg.TenantID,
		client:       cfg.HTTPClient,
		now:          cfg.Now,
	}
}

// issuer is the v2 issuer from the tenant's OpenID configuration ("" until
// the first successful refresh).
func (ks *keySet) issuer() string {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.issuerV2
}

// keyFetchError marks a refusal caused by the keys being unavailable (the
// identity provider failed), not by the token.
type keyFetchError struct{ err error }

func (e *keyFetchError) Error() string { return "read the tenant's signing keys: " + e.err.Error() }
func (e *keyFetchError) Unwrap() error { return e.err }

// go-oidc flattens a key set's error into text; the verify call carries a
// slot in its context where VerifySignature leaves the typed error.
type keyErrSlot struct{ err error }

type keyErrKey struct{}

func withKeyErr(ctx context.Context) context.Context {
	return context.WithValue(ctx, keyErrKey{}, &keyErrSlot{})
}

// keyErrOf returns the key set's typed error left in a context made by
// withKeyErr, or nil.
func keyErrOf(ctx context.Context) error {
	if slot, _ := ctx.Value(keyErrKey{}).(*keyErrSlot); slot != nil {
		return slot.err
	}
	return nil
}

// VerifySignature verifies jwt's RS256 signature with the key its header
// names, refreshing the keys once when that key is unknown.
func (ks *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(jwt, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("malformed jwt: %w", err)
	}
	if len(jws.Signatures) != 1 || jws.Signatures[0].Header.KeyID == "" {
		return nil, errors.New("the token names no single signing key")
	}
	kid := jws.Signatures[0].Header.KeyID
	key, ok := ks.key(kid)
	if !ok {
		if err := ks.refresh(ctx); err != nil {
			if slot, _ := ctx.Value(keyErrKey{}).(*keyErrSlot); slot != nil {
				slot.err = err
			}
			return nil, err
		}
		if key, ok = ks.key(kid); !ok {
			return nil, fmt.Errorf("key %.40q is not one of the tenant's", kid)
		}
	}
	payload, err := jws.Verify(&key)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	return payload, nil
}

func (ks *keySet) key(kid string) (jose.JSONWebKey, bool) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	k, ok := ks.keys[kid]
	return k, ok
}

// errRefreshLimited: the keys were refreshed successfully less than
// minRefresh ago, so an unknown key ID is simply unknown.
var errRefreshLimited = errors.New("the key is unknown and the keys were refreshed less than a minute ago")

// refresh fetches the keys, or joins the fetch in flight, and waits for it
// or for ctx. It returns a *keyFetchError when the fetch failed.
func (ks *keySet) refresh(ctx context.Context) error {
	ks.mu.Lock()
	if !ks.lastSuccess.IsZero() && ks.now().Sub(ks.lastSuccess) < minRefresh {
		ks.mu.Unlock()
		return errRefreshLimited
	}
	f := ks.inflight
	if f == nil {
		f = &refresh{done: make(chan struct{})}
		ks.inflight = f
		go ks.fetch(f)
	}
	ks.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return &keyFetchError{f.err}
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetch runs one refresh on a background context and records its outcome.
func (ks *keySet) fetch(f *refresh) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	keys, issuer, err := ks.download(ctx)
	if err == nil && len(keys) == 0 {
		err = errors.New("the key set has no RS256 signing keys")
	}
	ks.mu.Lock()
	if err == nil {
		ks.keys, ks.issuerV2, ks.lastSuccess = keys, issuer, ks.now()
	}
	ks.inflight = nil
	ks.mu.Unlock()
	f.err = err
	close(f.done)
}

// download reads the OpenID configuration, then its JWKS.
func (ks *keySet) download(ctx context.Context) (map[string]jose.JSONWebKey, string, error) {
	var conf struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := ks.getJSON(ctx, ks.discoveryURL, &conf); err != nil {
		return nil, "", err
	}
	issuer := strings.ReplaceAll(conf.Issuer, "{tenantid}", ks.tenant)
	if !strings.HasSuffix(issuer, "/"+ks.tenant+"/v2.0") || checkServiceURL(strings.TrimSuffix(issuer, "/"+ks.tenant+"/v2.0")) != nil {
		return nil, "", fmt.Errorf("the OpenID configuration names issuer %.200q, not this tenant's v2.0 issuer", conf.Issuer)
	}
	if u, err := url.Parse(conf.JWKSURI); err != nil || !(u.Scheme == "https" || u.Scheme == "http" && loopback.Host(u.Hostname())) {
		return nil, "", fmt.Errorf("the OpenID configuration's jwks_uri %.200q is not https", conf.JWKSURI)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := ks.getJSON(ctx, conf.JWKSURI, &set); err != nil {
		return nil, "", err
	}
	keys := map[string]jose.JSONWebKey{}
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		// A key go-jose cannot read (another type, a bad encoding) is skipped,
		// as RFC 7517 asks; the others still count.
		if k.UnmarshalJSON(raw) != nil || k.KeyID == "" || !k.Valid() || !k.IsPublic() || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != string(jose.RS256) {
			continue
		}
		keys[k.KeyID] = k
	}
	return keys, issuer, nil
}

func (ks *keySet) getJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := ks.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	return nil
}
