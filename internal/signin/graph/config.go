// Package graph is the Microsoft Graph sign-in source: /auditLogs/signIns
// read through msgraph-sdk-go's request adapter (its retry, redirect and
// compression middleware) with an azidentity credential. It is the only
// package of the module that imports the Graph SDK; pages are decoded by the
// same streaming decoder as exported files, so nothing above this package
// sees Kiota types.
package graph

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/loopback"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Cloud is a national cloud: its Graph endpoint and its sign-in authority go
// together.
type Cloud struct {
	Name      string
	GraphURL  string
	Authority cloud.Configuration
}

// Clouds are the --cloud values.
var Clouds = map[string]Cloud{
	"public":   {"public", "https://graph.microsoft.com", cloud.AzurePublic},
	"usgov":    {"usgov", "https://graph.microsoft.us", cloud.AzureGovernment},
	"usgovdod": {"usgovdod", "https://dod-graph.microsoft.us", cloud.AzureGovernment},
	"china":    {"china", "https://microsoftgraph.chinacloudapi.cn", cloud.AzureChina},
}

// AuthModes are the --auth values.
var AuthModes = []string{"default", "client-secret", "client-certificate", "managed-identity", "cli", "device-code", "browser", "token"}

// Config configures the Graph source. Getenv supplies the standard Azure
// variables and GRAPH_ACCESS_TOKEN; secrets are read from it, never from flags.
type Config struct {
	Cloud             string // public (default), usgov, usgovdod, china
	GraphURL          string // overrides the cloud's endpoint: a service root without a version
	Auth              string // one of AuthModes; default "default"
	TenantID          string // falls back to AZURE_TENANT_ID
	ClientID          string // falls back to AZURE_CLIENT_ID
	ClientCertificate string // falls back to AZURE_CLIENT_CERTIFICATE_PATH
	// RequestsPerWindow is the client-side pacing: at most this many requests
	// per PacingWindow (Graph's reporting API allows 5 per 10 s per tenant).
	RequestsPerWindow int
	PacingWindow      time.Duration
	// Timeout bounds one tool call's Graph work, retries included.
	Timeout time.Duration
	// MaxPages bounds the pages one search reads per sign-in type.
	MaxPages int
	// PageSize is $top for list requests (default and maximum 1000).
	PageSize int
	// OnBehalfOf calls Graph as each signed-in caller (the HTTP transport's
	// validated Entra ID token, exchanged with azidentity's on-behalf-of
	// credential), so each admin's own directory role applies. It needs the
	// server's app: --tenant, --client-id and AZURE_CLIENT_SECRET.
	OnBehalfOf bool
	// oboCredential builds a caller's credential; tests replace it.
	oboCredential func(assertion string) (azcore.TokenCredential, error)
	Getenv        func(string) string
	Prompt        io.Writer // device-code instructions go here (stderr, never stdout)
	// Now is the clock of "the last 24 hours" and of the pacing window.
	Now func() time.Time
	// sleep waits out the pacing window; tests replace it with a fake
	// clock's.
	sleep func(context.Context, time.Duration) error
}

// Validate checks the flags that can be checked without a network, so that
// misconfiguration stops start-up with a message naming the flag.
func (c *Config) Validate() error {
	if c.Cloud == "" {
		c.Cloud = "public"
	}
	cl, ok := Clouds[c.Cloud]
	if !ok {
		return fmt.Errorf("--cloud %q: want public, usgov, usgovdod or china", c.Cloud)
	}
	if c.Auth == "" {
		c.Auth = "default"
	}
	if !slices.Contains(AuthModes, c.Auth) {
		return fmt.Errorf("--auth %q: want one of %s", c.Auth, strings.Join(AuthModes, ", "))
	}
	if c.GraphURL == "" {
		c.GraphURL = cl.GraphURL
	}
	u, err := url.Parse(c.GraphURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("--graph-url %q: want the service root such as https://graph.microsoft.com", c.GraphURL)
	}
	if u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		return fmt.Errorf("--graph-url %q: plain http is accepted only for a loopback address (127.0.0.1, ::1, localhost); use https", c.GraphURL)
	}
	if v := strings.TrimRight(u.Path, "/"); v == "/v1.0" || v == "/beta" {
		return fmt.Errorf("--graph-url %q: give the service root without a version (the server adds /v1.0 or /beta itself)", c.GraphURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--graph-url %q: give the service root only, without a query", c.GraphURL)
	}
	c.GraphURL = strings.TrimRight(c.GraphURL, "/")
	if c.Getenv == nil {
		c.Getenv = os.Getenv
	}
	if c.TenantID == "" {
		c.TenantID = c.Getenv("AZURE_TENANT_ID")
	}
	if c.ClientID == "" {
		c.ClientID = c.Getenv("AZURE_CLIENT_ID")
	}
	if c.ClientCertificate == "" {
		c.ClientCertificate = c.Getenv("AZURE_CLIENT_CERTIFICATE_PATH")
	}
	if c.RequestsPerWindow <= 0 {
		c.RequestsPerWindow = 5
	}
	if c.PacingWindow <= 0 {
		c.PacingWindow = 10 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.MaxPages <= 0 {
		c.MaxPages = 3
	}
	if c.PageSize <= 0 || c.PageSize > maxPageSize {
		c.PageSize = maxPageSize
	}
	if c.Prompt == nil {
		c.Prompt = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	return nil
}

// scope is the .default scope of the configured Graph endpoint's cloud.
func (c *Config) scope() string { return Clouds[c.Cloud].GraphURL + "/.default" }

// errConfig marks a credential that cannot be built from the configuration:
// the answer names the --auth mode and the variable to set.
var errConfig = errors.New("graph credential not configured")

// credential builds the azidentity credential of the configured mode. It
// runs lazily, at the first Graph request, so that the server starts (and the
// catalog works) without one.
func (c *Config) credential() (azcore.TokenCredential, error) {
	opts := azcore.ClientOptions{Cloud: Clouds[c.Cloud].Authority}
	need := func(what, variable string) error {
		return fmt.Errorf("%w: --auth %s needs %s (set %s)", errConfig, c.Auth, what, variable)
	}
	switch c.Auth {
	case "token":
		tok := strings.TrimSpace(c.Getenv("GRAPH_ACCESS_TOKEN"))
		if tok == "" {
			return nil, need("an access token for Microsoft Graph", "GRAPH_ACCESS_TOKEN; it is never read from a flag")
		}
		return staticToken(tok), nil
	case "client-secret":
		secret := c.Getenv("AZURE_CLIENT_SECRET")
		switch {
		case c.TenantID == "":
			return nil, need("the tenant", "--tenant or AZURE_TENANT_ID")
		case c.ClientID == "":
			return nil, need("the app's client ID", "--client-id or AZURE_CLIENT_ID")
		case secret == "":
			return nil, need("the client secret", "AZURE_CLIENT_SECRET")
		}
		return azidentity.NewClientSecretCredential(c.TenantID, c.ClientID, secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: opts})
	case "client-certificate":
		switch {
		case c.TenantID == "":
			return nil, need("the tenant", "--tenant or AZURE_TENANT_ID")
		case c.ClientID == "":
			return nil, need("the app's client ID", "--client-id or AZURE_CLIENT_ID")
		case c.ClientCertificate == "":
			return nil, need("a PEM or PFX certificate file", "--client-certificate or AZURE_CLIENT_CERTIFICATE_PATH")
		}
		data, err := os.ReadFile(c.ClientCertificate)
		if err != nil {
			return nil, fmt.Errorf("%w: --auth client-certificate: read %s: %v", errConfig, c.ClientCertificate, err)
		}
		var password []byte
		if p := c.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"); p != "" {
			password = []byte(p)
		}
		certs, key, err := azidentity.ParseCertificates(data, password)
		if err != nil {
			return nil, fmt.Errorf("%w: --auth client-certificate: %s is not a usable PEM or PFX certificate with its private key (set AZURE_CLIENT_CERTIFICATE_PASSWORD if it is protected): %v", errConfig, c.ClientCertificate, err)
		}
		return azidentity.NewClientCertificateCredential(c.TenantID, c.ClientID, certs, key, &azidentity.ClientCertificateCredentialOptions{ClientOptions: opts})
	case "managed-identity":
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if c.ClientID != "" {
			o.ID = azidentity.ClientID(c.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(o)
	case "cli":
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: c.TenantID})
	case "device-code":
		prompt := c.Prompt
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: opts, TenantID: c.TenantID, ClientID: c.ClientID,
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				_, err := fmt.Fprintln(prompt, m.Message)
				return err
			},
		})
	case "browser":
		return azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{ClientOptions: opts, TenantID: c.TenantID, ClientID: c.ClientID})
	default:
		return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: opts, TenantID: c.TenantID})
	}
}

// staticToken is a ready access token (--auth token). Its expiry is unknown
// here; Graph answers 401 when it has passed, and the error says so.
type staticToken string

// GetToken implements azcore.TokenCredential.
func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// oboCacheSize bounds the per-caller credentials kept (each holds its own
// token cache); the oldest is dropped first.
const oboCacheSize = 256

// callerCredential resolves, per request, the on-behalf-of credential of the
// caller the request's context names. Callers never share a credential or a
// token cache.
type callerCredential struct {
	cfg   *Config
	mu    sync.Mutex
	creds map[[32]byte]azcore.TokenCredential
	order [][32]byte
}

// GetToken implements azcore.TokenCredential for the caller in ctx.
func (c *callerCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	assertion := signin.CallerAssertion(ctx)
	if assertion == "" {
		return azcore.AccessToken{}, fmt.Errorf("%w: --graph-auth on-behalf-of acts for a signed-in caller, and this request has none: serve with --transport http --http-auth entra", errConfig)
	}
	key := sha256.Sum256([]byte(assertion))
	c.mu.Lock()
	cred, ok := c.creds[key]
	if !ok {
		var err error
		cred, err = c.cfg.oboCredential(assertion)
		if err != nil {
			c.mu.Unlock()
			return azcore.AccessToken{}, err
		}
		if len(c.order) >= oboCacheSize {
			delete(c.creds, c.order[0])
			c.order = c.order[1:]
		}
		c.creds[key] = cred
		c.order = append(c.order, key)
	}
	c.mu.Unlock()
	return cred.GetToken(ctx, o)
}

// newOBOCredential exchanges the caller's token for a Graph token as the
// server's app (client secret).
func (c *Config) newOBOCredential(assertion string) (azcore.TokenCredential, error) {
	secret := c.Getenv("AZURE_CLIENT_SECRET")
	if c.TenantID == "" || c.ClientID == "" || secret == "" {
		return nil, fmt.Errorf("%w: --graph-auth on-behalf-of needs the server's app: --tenant, --client-id and AZURE_CLIENT_SECRET", errConfig)
	}
	return azidentity.NewOnBehalfOfCredentialWithSecret(c.TenantID, c.ClientID, assertion, secret,
		&azidentity.OnBehalfOfCredentialOptions{ClientOptions: azcore.ClientOptions{Cloud: Clouds[c.Cloud].Authority}})
}

// lazyCredential builds the credential on first use and keeps the outcome.
type lazyCredential struct {
	once sync.Once
	cfg  *Config
	cred azcore.TokenCredential
	err  error
}

func (l *lazyCredential) get() (azcore.TokenCredential, error) {
	l.once.Do(func() { l.cred, l.err = l.cfg.credential() })
	return l.cred, l.err
}

// GetToken implements azcore.TokenCredential over the lazily built credential.
func (l *lazyCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	cred, err := l.get()
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return cred.GetToken(ctx, o)
}
