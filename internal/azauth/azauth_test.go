package azauth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestTokenModeReadsTheNamedVariable(t *testing.T) {
	c := Config{Service: "log analytics", Audience: "Log Analytics", TokenVariable: "LOGANALYTICS_ACCESS_TOKEN", Auth: "token",
		Getenv: env(map[string]string{"GRAPH_ACCESS_TOKEN": "graph-token", "LOGANALYTICS_ACCESS_TOKEN": "la-token"})}
	cred, err := c.Credential()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{})
	if err != nil || tok.Token != "la-token" {
		t.Fatalf("token %q, %v: want the LOGANALYTICS_ACCESS_TOKEN value", tok.Token, err)
	}
	c.Getenv = env(map[string]string{"GRAPH_ACCESS_TOKEN": "graph-token"})
	_, err = c.Credential()
	if !errors.Is(err, ErrConfig) || !strings.HasPrefix(err.Error(), "log analytics credential not configured: --auth token needs an access token for Log Analytics (set LOGANALYTICS_ACCESS_TOKEN") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigErrorsNameWhatToSet(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Auth: "client-secret"}, "--tenant or AZURE_TENANT_ID"},
		{Config{Auth: "client-secret", TenantID: "t"}, "--client-id or AZURE_CLIENT_ID"},
		{Config{Auth: "client-secret", TenantID: "t", ClientID: "c"}, "AZURE_CLIENT_SECRET"},
		{Config{Auth: "client-certificate", TenantID: "t", ClientID: "c"}, "--client-certificate or AZURE_CLIENT_CERTIFICATE_PATH"},
	} {
		c.cfg.Service, c.cfg.Getenv = "graph", env(nil)
		_, err := c.cfg.Credential()
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.cfg.Auth, err, c.want)
		}
	}
}

func TestLazyBuildsOnce(t *testing.T) {
	n := 0
	l := NewLazy(func() (azcore.TokenCredential, error) { n++; return StaticToken("x"), nil })
	for range 3 {
		if _, err := l.GetToken(context.Background(), policy.TokenRequestOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if n != 1 {
		t.Fatalf("built %d times, want once", n)
	}
}

func TestReadClaims(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"tid":"t1","aud":"https://api.loganalytics.io","roles":["Data.Read"],"exp":1700000000}`))
	c, ok := ReadClaims("h." + payload + ".s")
	if !ok || c.TenantID != "t1" || c.Audience != "https://api.loganalytics.io" || len(c.Roles) != 1 || c.Exp != 1700000000 {
		t.Fatalf("claims %+v, %v", c, ok)
	}
	if _, ok := ReadClaims("not-a-jwt"); ok {
		t.Fatal("read claims from a non-JWT")
	}
}
