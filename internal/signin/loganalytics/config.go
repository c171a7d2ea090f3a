// Package loganalytics is the Log Analytics sign-in source: every question
// a tool asks becomes KQL (built by package kql, the one door for a
// caller's text) sent to a workspace through azlogs, and the workspace
// answers it: filters are where clauses, groups a summarize, pages a top
// with a keyset cursor. It reads the four sign-in tables
// (SigninLogs, AADNonInteractiveUserSignInLogs,
// AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs), for tenants
// whose logs outgrow Graph's 30 days and throttling. It does not import
// msgraph-sdk-go.
package loganalytics

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/azauth"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/loopback"
)

// Clouds are the --cloud values and their sign-in authority; azlogs names
// each cloud's Log Analytics endpoint and audience (api.loganalytics.io,
// .us, .azure.cn).
var Clouds = map[string]cloud.Configuration{
	"public":   cloud.AzurePublic,
	"usgov":    cloud.AzureGovernment,
	"usgovdod": cloud.AzureGovernment,
	"china":    cloud.AzureChina,
}

// TokenVariable is where --auth token reads the access token: never a flag.
const TokenVariable = "LOGANALYTICS_ACCESS_TOKEN"

// Timeouts: the default is under the 60 s a client commonly waits for a
// tool call, so that our explanation arrives before its timeout; the
// maximum is the query API's own (10 minutes).
const (
	DefaultTimeout = 45 * time.Second
	MaxTimeout     = 10 * time.Minute
)

// guidRe is a workspace ID: the GUID of the workspace's "Workspace ID".
var guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Config configures the Log Analytics source.
type Config struct {
	// Workspaces are workspace IDs (GUIDs): the first is queried, the rest
	// join it as additional workspaces, one answer over all.
	Workspaces []string
	Cloud      string // public (default), usgov, usgovdod, china
	// URL overrides the cloud's query endpoint (https, or http on loopback
	// for a local fake).
	URL               string
	Auth              string // one of azauth.Modes; default "default"
	TenantID          string // falls back to AZURE_TENANT_ID
	ClientID          string // falls back to AZURE_CLIENT_ID
	ClientCertificate string // falls back to AZURE_CLIENT_CERTIFICATE_PATH
	// Timeout bounds one tool call's queries, retries included, and is the
	// server-side wait asked of each query (Prefer: wait).
	Timeout time.Duration
	Getenv  func(string) string
	Prompt  io.Writer // device-code instructions (stderr, never stdout)
	// Now is the clock of "the last 24 hours".
	Now func() time.Time
	// Logger receives the KQL of a refused query at debug (never a token).
	Logger *slog.Logger

	// transport replaces the HTTP client (tests: azlogs' fake server).
	transport policy.Transporter
	// retryDelay is the first retry's wait when no Retry-After is given;
	// tests shorten it.
	retryDelay time.Duration
}

// Validate checks what can be checked without a network, so that
// misconfiguration stops start-up with a message naming the flag.
func (c *Config) Validate() error {
	if len(c.Workspaces) == 0 {
		return fmt.Errorf("--source loganalytics needs --workspace GUID[,GUID] (or ENTRA_SIGNIN_WORKSPACE): the Log Analytics workspace ID, from the workspace's Overview in the Azure portal")
	}
	for i, w := range c.Workspaces {
		w = strings.TrimSpace(w)
		if !guidRe.MatchString(w) {
			return fmt.Errorf("--workspace %q: want the workspace ID, a GUID such as 00000000-0000-0000-0000-000000000000 (the workspace's \"Workspace ID\", not its name or Azure resource ID)", w)
		}
		c.Workspaces[i] = strings.ToLower(w)
	}
	if c.Cloud == "" {
		c.Cloud = "public"
	}
	if _, ok := Clouds[c.Cloud]; !ok {
		return fmt.Errorf("--cloud %q: want public, usgov, usgovdod or china", c.Cloud)
	}
	if c.Auth == "" {
		c.Auth = "default"
	}
	if !slices.Contains(azauth.Modes, c.Auth) {
		return fmt.Errorf("--auth %q: want one of %s", c.Auth, strings.Join(azauth.Modes, ", "))
	}
	if c.URL == "" {
		c.URL = c.service().Endpoint
	}
	u, err := url.Parse(c.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("--loganalytics-url %q: want the query endpoint such as https://api.loganalytics.io", c.URL)
	}
	if u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		return fmt.Errorf("--loganalytics-url %q: plain http is accepted only for a loopback address (127.0.0.1, ::1, localhost); use https", c.URL)
	}
	if v := strings.TrimRight(u.Path, "/"); v != "" {
		return fmt.Errorf("--loganalytics-url %q: give the endpoint only, without a path (the server adds /v1/workspaces/ID/query itself)", c.URL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--loganalytics-url %q: give the endpoint only, without a query or user", c.URL)
	}
	c.URL = strings.TrimRight(c.URL, "/")
	switch {
	case c.Timeout == 0:
		c.Timeout = DefaultTimeout
	case c.Timeout < time.Second || c.Timeout > MaxTimeout:
		return fmt.Errorf("--loganalytics-timeout %s: want 1s to 10m (the query API waits at most 10 minutes)", c.Timeout)
	}
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
	if c.Prompt == nil {
		c.Prompt = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// service is the cloud's Log Analytics endpoint and audience.
func (c *Config) service() cloud.ServiceConfiguration {
	return Clouds[c.Cloud].Services[azlogs.ServiceName]
}

// Scope is the token scope: the cloud's Log Analytics audience /.default,
// whatever --loganalytics-url says (a fake accepts any token).
func (c *Config) Scope() string { return c.service().Audience + "/.default" }

// credential builds the configured credential; it runs at the first query.
func (c *Config) credential() azauth.Config {
	return azauth.Config{
		Service: "log analytics", Audience: "Log Analytics (" + c.service().Audience + ")", TokenVariable: TokenVariable,
		Auth: c.Auth, TenantID: c.TenantID, ClientID: c.ClientID, ClientCertificate: c.ClientCertificate,
		Authority: Clouds[c.Cloud], Getenv: c.Getenv, Prompt: c.Prompt,
	}
}
