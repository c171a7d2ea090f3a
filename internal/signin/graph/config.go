// Package graph is the Microsoft Graph sign-in source: /auditLogs/signIns
// read through msgraph-sdk-go's request adapter (its retry, redirect and
// compression middleware) with an azidentity credential. It is the only
// package of the module that imports the Graph SDK; pages are decoded by the
// same streaming decoder as exported files, so nothing above this package
// sees Kiota types.
package graph

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/pace"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/azauth"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/loopback"
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
		c.sleep = pace.SleepContext
	}
	return nil
}

// scope is the .default scope of the configured Graph endpoint's cloud.
func (c *Config) scope() string { return Clouds[c.Cloud].GraphURL + "/.default" }

// errConfig marks a credential that cannot be built from the configuration:
// the answer names the --auth mode and the variable to set.
var errConfig = azauth.ErrConfig

// credential builds the azidentity credential of the configured mode. It
// runs lazily, at the first Graph request, so that the server starts (and the
// catalog works) without one.
func (c *Config) credential() (azcore.TokenCredential, error) {
	return azauth.Config{
		Service: "graph", Audience: "Microsoft Graph", TokenVariable: "GRAPH_ACCESS_TOKEN",
		Auth: c.Auth, TenantID: c.TenantID, ClientID: c.ClientID, ClientCertificate: c.ClientCertificate,
		Authority: Clouds[c.Cloud].Authority, Getenv: c.Getenv, Prompt: c.Prompt,
	}.Credential()
}

// staticToken is a ready access token (--auth token).
type staticToken = azauth.StaticToken

// oboCacheSize bounds the per-caller credentials kept (each holds its own
// token cache); the oldest is dropped first.
const oboCacheSize = 256

// newOBOCredential exchanges the caller's token for a Graph token as the
// server's app (client secret).
func (c *Config) newOBOCredential(assertion string) (azcore.TokenCredential, error) {
	secret := c.Getenv("AZURE_CLIENT_SECRET")
	if c.TenantID == "" || c.ClientID == "" || secret == "" {
		return nil, fmt.Errorf("graph %w: --graph-auth on-behalf-of needs the server's app: --tenant, --client-id and AZURE_CLIENT_SECRET", errConfig)
	}
	return azidentity.NewOnBehalfOfCredentialWithSecret(c.TenantID, c.ClientID, assertion, secret,
		&azidentity.OnBehalfOfCredentialOptions{ClientOptions: azcore.ClientOptions{Cloud: Clouds[c.Cloud].Authority}})
}

// lazyCredential builds the credential on first use and keeps the outcome.
type lazyCredential struct {
	cfg  *Config
	once sync.Once
	lazy *azauth.Lazy
}

// GetToken implements azcore.TokenCredential over the lazily built credential.
func (l *lazyCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	l.once.Do(func() { l.lazy = azauth.NewLazy(l.cfg.credential) })
	return l.lazy.GetToken(ctx, o)
}
