package httpserve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/guid"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/loopback"
)

// EntraConfig configures validation of Entra ID access tokens.
type EntraConfig struct {
	TenantID      string   // the tenant's ID (a GUID): issuers must name it
	Audiences     []string // accepted aud values: the app ID URI and/or the client ID
	RequiredScope string   // a delegated scope (scp) or an app role (roles) the token must carry
	// Authority is the sign-in authority (https; plain http only on
	// loopback, for tests). Default https://login.microsoftonline.com.
	Authority string
	// HTTPClient fetches the OpenID configuration and keys (tests use a fake).
	HTTPClient *http.Client
	// Now is the clock for exp, nbf, iat and the key refresh interval.
	Now func() time.Time
}

func (c *EntraConfig) validate() error {
	if !guid.Valid(c.TenantID) {
		return fmt.Errorf("--tenant must be the tenant ID (a GUID), not %q: token issuers name the tenant by ID", c.TenantID)
	}
	// Entra writes tid and issuers in lower case; compare exactly against that.
	c.TenantID = strings.ToLower(c.TenantID)
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
	if err := checkServiceURL(c.Authority); err != nil {
		return fmt.Errorf("--http-authority %q: %w", c.Authority, err)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: fetchTimeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// checkServiceURL accepts an absolute https URL with no path, query or
// fragment; plain http only for a loopback host (a test's fake).
func checkServiceURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want scheme://host[:port] with no path, such as https://login.microsoftonline.com")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopback.Host(u.Hostname()) {
			return nil
		}
		return errors.New("plain http is accepted only on a loopback host: use https")
	default:
		return errors.New("want https")
	}
}

// clockSkew tolerated on nbf and iat (a token may reach us from a host whose
// clock runs ahead). exp gets none: go-oidc already refuses an expired
// token without leeway, and a few minutes of extra life help no one.
const clockSkew = 2 * time.Minute

// maxUnixTime is 9999-12-31T23:59:59Z: a time claim beyond it is not a
// token Entra issued.
const maxUnixTime = 253402300799

// v1Issuers maps an authority host to the host of the v1 token issuer
// (https://sts.../{tid}/) of the same cloud. Entra issues v1 access tokens
// to APIs whose manifest leaves accessTokenAcceptedVersion unset.
// US Government shares the public cloud's v1 issuer; China has its own.
var v1Issuers = map[string]string{
	"login.microsoftonline.com":        "sts.windows.net",
	"login.windows.net":                "sts.windows.net",
	"login.microsoft.com":              "sts.windows.net",
	"login.microsoftonline.us":         "sts.windows.net",
	"login.chinacloudapi.cn":           "sts.chinacloudapi.cn",
	"login.partner.microsoftonline.cn": "sts.chinacloudapi.cn",
}

// v1Issuer is the v1 issuer of the tenant in the authority's cloud, or ""
// when the authority is not a known Entra cloud (then only v2 tokens pass).
func v1Issuer(authority, tenant string) string {
	u, err := url.Parse(authority)
	if err != nil {
		return ""
	}
	sts, ok := v1Issuers[strings.ToLower(u.Hostname())]
	if !ok {
		return ""
	}
	return "https://" + sts + "/" + tenant + "/"
}

// Caller is the identity a validated token stands for: the tenant, the
// user or service principal (oid, else sub), and the client app (azp, or
// appid in v1 tokens). Sessions are bound to it.
type Caller struct {
	Tenant, Subject, Client string
}

func (c Caller) key() string { return c.Tenant + "|" + c.Subject + "|" + c.Client }

// authError is a refused token: Public is what the client is told (what to
// do, nothing of the server's internals); the wrapped error goes to the log.
type authError struct {
	Public string
	err    error
}

func (e *authError) Error() string { return e.Public + ": " + e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// entraValidator applies our policy on top of go-oidc: go-oidc parses the
// JWT, enforces RS256 and verifies the signature against the tenant's keys
// (fetched by keySet); the policy checks the issuer, audience, tenant, time
// claims, token kind and scope.
type entraValidator struct {
	cfg      EntraConfig
	keys     *keySet
	verifier *oidc.IDTokenVerifier
	v1Issuer string
	fixHint  string // how to get an acceptable token, for 401 answers
}

func newEntraValidator(cfg EntraConfig) *entraValidator {
	ks := newKeySet(cfg)
	return &entraValidator{
		cfg:  cfg,
		keys: ks,
		verifier: oidc.NewVerifier("", ks, &oidc.Config{
			SupportedSigningAlgs: []string{oidc.RS256},
			// Checked below, exactly and against several accepted values.
			SkipIssuerCheck:   true,
			SkipClientIDCheck: true,
			Now:               cfg.Now,
		}),
		v1Issuer: v1Issuer(cfg.Authority, cfg.TenantID),
		fixHint:  fmt.Sprintf("get an Entra ID access token for %s with the scope or app role %s and send it as Authorization: Bearer", cfg.Audiences[0], cfg.RequiredScope),
	}
}

// accessClaims are the claims the policy reads. Time claims are kept raw so
// that they are checked as integers, not truncated floats.
type accessClaims struct {
	Iss   string          `json:"iss"`
	Aud   json.RawMessage `json:"aud"`
	Tid   string          `json:"tid"`
	Ver   string          `json:"ver"`
	Exp   json.RawMessage `json:"exp"`
	Nbf   json.RawMessage `json:"nbf"`
	Iat   json.RawMessage `json:"iat"`
	Scp   string          `json:"scp"`
	Roles []string        `json:"roles"`
	Oid   string          `json:"oid"`
	Sub   string          `json:"sub"`
	Azp   string          `json:"azp"`
	AppID string          `json:"appid"`
	Nonce *string         `json:"nonce"`
}

// validate returns the caller of an Entra ID access token signed by the
// tenant's key (RS256 only), issued by the tenant, for this API, in its
// validity window, and carrying the required scope or role.
//
// The rule that tells an access token from an ID token: Entra access tokens
// name the client app that requested them (azp in v2, appid in v1) and never
// carry a nonce; ID tokens carry no azp/appid, and a nonce when the sign-in
// asked for one. The token's ver must match its issuer's form (2.0 for the
// login.../v2.0 issuer, 1.0 for sts...). An ID token whose aud happens to be
// one of our audiences (the client ID, when one app registration is both
// client and API) is therefore refused even when it carries roles.
func (v *entraValidator) validate(ctx context.Context, token string) (Caller, error) {
	refuse := func(public, detail string, args ...any) (Caller, error) {
		return Caller{}, &authError{Public: public, err: fmt.Errorf(detail, args...)}
	}
	invalid := "the access token is not valid: " + v.fixHint
	vctx := withKeyErr(ctx)
	tok, err := v.verifier.Verify(vctx, token)
	if err != nil {
		var ke *keyFetchError
		if errors.As(keyErrOf(vctx), &ke) {
			return Caller{}, &authError{Public: "the server could not read the tenant's signing keys to check the token; retry shortly", err: err}
		}
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return Caller{}, &authError{Public: "the access token has expired: get a new one", err: err}
		}
		return Caller{}, &authError{Public: invalid, err: err}
	}
	var c accessClaims
	if err := tok.Claims(&c); err != nil {
		return refuse(invalid, "claims: %v", err)
	}
	issuerV2 := v.keys.issuer()
	switch {
	case c.Iss == issuerV2 && issuerV2 != "" && c.Ver == "2.0":
	case c.Iss == v.v1Issuer && v.v1Issuer != "" && c.Ver == "1.0":
	default:
		return refuse("the access token was issued by another tenant or authority: "+v.fixHint, "iss %q ver %q, want %q (2.0) or %q (1.0)", c.Iss, c.Ver, issuerV2, v.v1Issuer)
	}
	if c.Tid != v.cfg.TenantID {
		return refuse("the access token was issued by another tenant: "+v.fixHint, "tid %q", c.Tid)
	}
	var auds []string
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		auds = []string{one}
	} else if json.Unmarshal(c.Aud, &auds) != nil {
		return refuse(invalid, "aud is neither a string nor a list")
	}
	if !slices.ContainsFunc(auds, func(a string) bool { return slices.Contains(v.cfg.Audiences, a) }) {
		return refuse("the access token is for another API: "+v.fixHint, "aud %q", auds)
	}
	client := c.Azp
	if c.Ver == "1.0" {
		client = c.AppID
	}
	if client == "" || c.Nonce != nil {
		return refuse("an access token is required, not an ID token: "+v.fixHint, "no client app claim (azp/appid) or a nonce: not an access token")
	}
	now := v.cfg.Now()
	exp, err := unixClaim(c.Exp, true)
	if err != nil {
		return refuse(invalid, "exp: %v", err)
	}
	nbf, err := unixClaim(c.Nbf, false)
	if err != nil {
		return refuse(invalid, "nbf: %v", err)
	}
	iat, err := unixClaim(c.Iat, false)
	if err != nil {
		return refuse(invalid, "iat: %v", err)
	}
	if !now.Before(time.Unix(exp, 0)) {
		return refuse("the access token has expired: get a new one", "exp %d", exp)
	}
	if nbf != 0 && now.Add(clockSkew).Before(time.Unix(nbf, 0)) {
		return refuse("the access token is not valid yet: check the client's clock", "nbf %d", nbf)
	}
	if iat != 0 && now.Add(clockSkew).Before(time.Unix(iat, 0)) {
		return refuse("the access token was issued in the future: check the client's clock", "iat %d", iat)
	}
	if !slices.Contains(strings.Fields(c.Scp), v.cfg.RequiredScope) && !slices.Contains(c.Roles, v.cfg.RequiredScope) {
		return refuse(fmt.Sprintf("the access token lacks the scope or app role %s: grant it to the client app and get a new token", v.cfg.RequiredScope), "scp %q roles %q", c.Scp, c.Roles)
	}
	subject := c.Oid
	if subject == "" {
		subject = c.Sub
	}
	if subject == "" {
		return refuse(invalid, "no oid or sub")
	}
	return Caller{Tenant: c.Tid, Subject: subject, Client: client}, nil
}

// unixClaim reads a NumericDate: a finite integer number of seconds in
// [1, 9999-12-31]. An absent optional claim reads as 0.
func unixClaim(raw json.RawMessage, required bool) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		if required {
			return 0, errors.New("missing")
		}
		return 0, nil
	}
	var n json.Number
	// json.Number also takes a quoted number; a NumericDate is a bare one.
	if raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return 0, errors.New("not a JSON number")
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || f < 1 || f > maxUnixTime {
		return 0, fmt.Errorf("%.40s is not a time in range", n)
	}
	return int64(f), nil
}

// protectedResourceMetadata serves RFC 9728 metadata: which authorization
// server issues tokens for this resource, and which scopes it knows. The
// resource is the configured public URL, never the request's Host.
func (hs *Server) protectedResourceMetadata(w http.ResponseWriter, r *http.Request) {
	c := hs.cfg.Entra
	meta := map[string]any{
		"resource":                 hs.cfg.PublicURL + "/mcp",
		"authorization_servers":    []string{c.Authority + "/" + c.TenantID + "/v2.0"},
		"scopes_supported":         []string{c.RequiredScope},
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "entra-signin-mcp",
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(meta)
}

// loopbackURL is the public URL of a loopback listen address.
func loopbackURL(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return "http://" + net.JoinHostPort(host, port)
}
