package httpserve

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// EntraConfig configures validation of Entra ID access tokens.
type EntraConfig struct {
	TenantID      string   // the tenant's ID (a GUID): issuers must name it
	Audiences     []string // accepted aud values: the app ID URI and/or the client ID
	RequiredScope string   // a delegated scope (scp) or an app role (roles) the token must carry
	Authority     string   // default https://login.microsoftonline.com
	// HTTPClient fetches the OpenID configuration and keys (tests use a fake).
	HTTPClient *http.Client
	// Now is the clock for exp and nbf.
	Now func() time.Time
}

var guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (c *EntraConfig) validate() error {
	if !guidRe.MatchString(c.TenantID) {
		return fmt.Errorf("--tenant must be the tenant ID (a GUID), not %q: token issuers name the tenant by ID", c.TenantID)
	}
	if len(c.Audiences) == 0 {
		return errors.New("--http-audience must name this API: its app ID URI (api://...) and/or client ID")
	}
	if c.RequiredScope == "" {
		return errors.New("--http-required-scope must name the scope or app role a caller needs (for example SignInLogs.Read)")
	}
	if c.Authority == "" {
		c.Authority = "https://login.microsoftonline.com"
	}
	c.Authority = strings.TrimRight(c.Authority, "/")
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// clockSkew tolerated on exp and nbf.
const clockSkew = 2 * time.Minute

// minRefresh is the shortest interval between two key refreshes, so that a
// flood of tokens with unknown key IDs cannot flood the identity provider.
const minRefresh = time.Minute

// entraValidator checks signatures against the tenant's published keys,
// cached and refreshed when a token names an unknown key ID.
type entraValidator struct {
	cfg         EntraConfig
	mu          sync.Mutex
	keys        map[string]*rsa.PublicKey
	issuer      string // from the OpenID configuration
	lastRefresh time.Time
}

func newEntraValidator(cfg EntraConfig) *entraValidator {
	return &entraValidator{cfg: cfg, keys: map[string]*rsa.PublicKey{}}
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

type jwtClaims struct {
	Iss   string          `json:"iss"`
	Aud   json.RawMessage `json:"aud"`
	Tid   string          `json:"tid"`
	Exp   *float64        `json:"exp"`
	Nbf   *float64        `json:"nbf"`
	Scp   string          `json:"scp"`
	Roles []string        `json:"roles"`
}

// validate returns nil for a token signed by the tenant's key (RS256 only),
// issued by the tenant, for this API, in its validity window, and carrying
// the required scope or role.
func (v *entraValidator) validate(ctx context.Context, token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("the token is not a JWT")
	}
	var h jwtHeader
	if err := decodeSegment(parts[0], &h); err != nil {
		return errors.New("the token header is not valid")
	}
	if h.Alg != "RS256" {
		return fmt.Errorf("the token algorithm %q is not accepted (want RS256)", h.Alg)
	}
	if h.Kid == "" {
		return errors.New("the token names no signing key")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errors.New("the token signature is not valid base64url")
	}
	key, issuer, err := v.key(ctx, h.Kid)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		return errors.New("the token signature does not verify")
	}
	var c jwtClaims
	if err := decodeSegment(parts[1], &c); err != nil {
		return errors.New("the token claims are not valid")
	}
	tid := v.cfg.TenantID
	// The v2 issuer is the one the tenant's OpenID configuration states; v1
	// tokens carry the sts.windows.net form.
	issuers := []string{issuer, "https://sts.windows.net/" + tid + "/"}
	if !slices.ContainsFunc(issuers, func(i string) bool { return strings.EqualFold(i, c.Iss) }) || !strings.EqualFold(c.Tid, tid) {
		return errors.New("the token was issued for another tenant")
	}
	var auds []string
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		auds = []string{one}
	} else if json.Unmarshal(c.Aud, &auds) != nil {
		return errors.New("the token audience is not valid")
	}
	if !slices.ContainsFunc(auds, func(a string) bool {
		return slices.ContainsFunc(v.cfg.Audiences, func(w string) bool { return strings.EqualFold(a, w) })
	}) {
		return errors.New("the token is for another audience")
	}
	now := v.cfg.Now()
	if c.Exp == nil || now.After(time.Unix(int64(*c.Exp), 0).Add(clockSkew)) {
		return errors.New("the token has expired")
	}
	if c.Nbf != nil && now.Add(clockSkew).Before(time.Unix(int64(*c.Nbf), 0)) {
		return errors.New("the token is not valid yet")
	}
	if !slices.Contains(strings.Fields(c.Scp), v.cfg.RequiredScope) && !slices.Contains(c.Roles, v.cfg.RequiredScope) {
		return fmt.Errorf("the token lacks the scope or app role %q", v.cfg.RequiredScope)
	}
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// key returns the signing key kid, fetching the tenant's keys when it is
// unknown (at most once a minute).
func (v *entraValidator) key(ctx context.Context, kid string) (*rsa.PublicKey, string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[kid]; ok {
		return k, v.issuer, nil
	}
	if !v.lastRefresh.IsZero() && v.cfg.Now().Sub(v.lastRefresh) < minRefresh {
		return nil, "", errors.New("the token's signing key is not one of the tenant's")
	}
	keys, issuer, err := v.fetchKeys(ctx)
	v.lastRefresh = v.cfg.Now()
	if err != nil {
		return nil, "", fmt.Errorf("the tenant's signing keys could not be read: %v", err)
	}
	v.keys, v.issuer = keys, issuer
	if k, ok := v.keys[kid]; ok {
		return k, v.issuer, nil
	}
	return nil, "", errors.New("the token's signing key is not one of the tenant's")
}

// fetchKeys reads the OpenID configuration, then its JWKS.
func (v *entraValidator) fetchKeys(ctx context.Context) (map[string]*rsa.PublicKey, string, error) {
	var oidc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, v.cfg.Authority+"/"+v.cfg.TenantID+"/v2.0/.well-known/openid-configuration", &oidc); err != nil {
		return nil, "", err
	}
	if oidc.JWKSURI == "" || oidc.Issuer == "" {
		return nil, "", errors.New("the OpenID configuration has no jwks_uri or issuer")
	}
	issuer := strings.ReplaceAll(oidc.Issuer, "{tenantid}", v.cfg.TenantID)
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
			Use string `json:"use"`
		} `json:"keys"`
	}
	if err := v.getJSON(ctx, oidc.JWKSURI, &set); err != nil {
		return nil, "", err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) > 4 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, issuer, nil
}

func (v *entraValidator) getJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", url, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

// protectedResourceMetadata serves RFC 9728 metadata: which authorization
// server issues tokens for this resource, and which scopes it knows.
func (hs *Server) protectedResourceMetadata(w http.ResponseWriter, r *http.Request) {
	c := hs.cfg.Entra
	meta := map[string]any{
		"resource":                 baseURL(r) + "/mcp",
		"authorization_servers":    []string{c.Authority + "/" + c.TenantID + "/v2.0"},
		"scopes_supported":         []string{c.RequiredScope},
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "entra-signin-mcp",
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(meta)
}
