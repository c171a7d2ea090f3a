// Package azauth builds the azidentity credential of an --auth mode for the
// remote sign-in sources (Microsoft Graph, Log Analytics), lazily, so that a
// server without a credential still starts. It imports azidentity and azcore
// only: the Log Analytics source uses it without pulling in msgraph-sdk-go.
package azauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Modes are the --auth values.
var Modes = []string{"default", "client-secret", "client-certificate", "managed-identity", "cli", "device-code", "browser", "token"}

// ErrConfig marks a credential that cannot be built from the configuration:
// the error names the --auth mode and the variable to set.
var ErrConfig = errors.New("credential not configured")

// configError is a credential refused for its configuration; its text
// starts with the service ("graph credential not configured: ...").
type configError struct {
	service string
	msg     string
}

func (e *configError) Error() string { return e.service + " credential not configured: " + e.msg }

// Is makes errors.Is(err, ErrConfig) hold.
func (e *configError) Is(target error) bool { return target == ErrConfig }

// Config is what a credential is built from. Secrets come from Getenv,
// never from flags.
type Config struct {
	// Service names the caller in errors ("graph", "log analytics").
	Service string
	// Audience names what the token is for, in an error: "Microsoft Graph".
	Audience string
	// TokenVariable is the environment variable --auth token reads
	// (GRAPH_ACCESS_TOKEN, LOGANALYTICS_ACCESS_TOKEN).
	TokenVariable     string
	Auth              string // one of Modes; "" is default
	TenantID          string
	ClientID          string
	ClientCertificate string
	Authority         cloud.Configuration
	Getenv            func(string) string
	Prompt            io.Writer // device-code instructions (stderr, never stdout)
}

// Credential builds the azidentity credential of the configured mode.
func (c Config) Credential() (azcore.TokenCredential, error) {
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	opts := azcore.ClientOptions{Cloud: c.Authority}
	need := func(what, variable string) error {
		return &configError{c.Service, fmt.Sprintf("--auth %s needs %s (set %s)", c.Auth, what, variable)}
	}
	switch c.Auth {
	case "token":
		tok := strings.TrimSpace(getenv(c.TokenVariable))
		if tok == "" {
			return nil, need("an access token for "+c.Audience, c.TokenVariable+"; it is never read from a flag")
		}
		return StaticToken(tok), nil
	case "client-secret":
		secret := getenv("AZURE_CLIENT_SECRET")
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
			return nil, &configError{c.Service, fmt.Sprintf("--auth client-certificate: read %s: %v", c.ClientCertificate, err)}
		}
		var password []byte
		if p := getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"); p != "" {
			password = []byte(p)
		}
		certs, key, err := azidentity.ParseCertificates(data, password)
		if err != nil {
			return nil, &configError{c.Service, fmt.Sprintf("--auth client-certificate: %s is not a usable PEM or PFX certificate with its private key (set AZURE_CLIENT_CERTIFICATE_PASSWORD if it is protected): %v", c.ClientCertificate, err)}
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
		if prompt == nil {
			prompt = io.Discard
		}
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

// StaticToken is a ready access token (--auth token). Its expiry is unknown
// here; the service answers 401 when it has passed, and the error says so.
type StaticToken string

// GetToken implements azcore.TokenCredential.
func (t StaticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Lazy builds a credential on first use and keeps the outcome, error
// included: a server starts without a credential, and its first request
// says what to set.
type Lazy struct {
	once  sync.Once
	build func() (azcore.TokenCredential, error)
	cred  azcore.TokenCredential
	err   error
}

// NewLazy returns a credential that calls build once, at the first token.
func NewLazy(build func() (azcore.TokenCredential, error)) *Lazy {
	return &Lazy{build: build}
}

// Get returns the built credential or the reason it could not be built.
func (l *Lazy) Get() (azcore.TokenCredential, error) {
	l.once.Do(func() { l.cred, l.err = l.build() })
	return l.cred, l.err
}

// GetToken implements azcore.TokenCredential over the lazily built credential.
func (l *Lazy) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	cred, err := l.Get()
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return cred.GetToken(ctx, o)
}

// Claims are the claims of an access token that the check command shows:
// who the server is, in which tenant, with which roles or scopes.
type Claims struct {
	TenantID       string   `json:"tid"`
	UPN            string   `json:"upn"`
	AppID          string   `json:"appid"`
	AppDisplayName string   `json:"app_displayname"`
	Audience       string   `json:"aud"`
	Roles          []string `json:"roles"`
	Scope          string   `json:"scp"`
	Exp            int64    `json:"exp"`
}

// ReadClaims reads a JWT's payload without verifying it: the token came from
// our own credential, and the claims are only displayed, never the token.
func ReadClaims(token string) (Claims, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return Claims{}, false
	}
	var c Claims
	if json.Unmarshal(b, &c) != nil {
		return Claims{}, false
	}
	return c, true
}
