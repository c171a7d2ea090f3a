package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// CheckReport is what the check command prints: enough for an admin to see
// which identity the server uses and whether it can read sign-in logs.
type CheckReport struct {
	GraphURL    string   `json:"graphUrl"`
	Cloud       string   `json:"cloud"`
	Auth        string   `json:"auth"`
	TokenOK     bool     `json:"tokenOk"`
	TenantID    string   `json:"tenantId,omitempty"`
	Identity    string   `json:"identity,omitempty"`
	Roles       []string `json:"roles"`
	Scopes      []string `json:"scopes"`
	Expires     string   `json:"tokenExpires,omitempty"`
	QueryOK     bool     `json:"signInQueryOk"`
	SignInsSeen int      `json:"signInsSeen"`
	Problem     string   `json:"problem,omitempty"`
}

// Check gets a token, reads its claims (never printing it), and runs a
// one-row sign-in query.
func (s *Source) Check(ctx context.Context) (CheckReport, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	rep := CheckReport{GraphURL: s.cfg.GraphURL, Cloud: s.cfg.Cloud, Auth: s.cfg.Auth, Roles: []string{}, Scopes: []string{}}
	tok, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.cfg.scope()}})
	if err != nil {
		rep.Problem = redact(err.Error())
		return rep, fmt.Errorf("check: get a token with --auth %s: %s", s.cfg.Auth, rep.Problem)
	}
	rep.TokenOK = true
	if !tok.ExpiresOn.IsZero() {
		rep.Expires = tok.ExpiresOn.UTC().Format(time.RFC3339)
	}
	if claims, ok := jwtClaims(tok.Token); ok {
		rep.TenantID = claims.TenantID
		rep.Identity = firstNonEmpty(claims.UPN, claims.AppDisplayName, claims.AppID)
		rep.Roles = append(rep.Roles, claims.Roles...)
		if claims.Scope != "" {
			rep.Scopes = strings.Fields(claims.Scope)
		}
		if claims.Exp > 0 {
			rep.Expires = time.Unix(claims.Exp, 0).UTC().Format(time.RFC3339)
		}
	}
	resp, err := s.get(ctx, s.cfg.GraphURL+"/v1.0/auditLogs/signIns?%24top=1")
	if err != nil {
		rep.Problem = err.Error()
		return rep, fmt.Errorf("check: one-row sign-in query: %w", err)
	}
	var page struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(resp.body, &page); err != nil {
		rep.Problem = "the answer was not a sign-in list"
		return rep, fmt.Errorf("check: one-row sign-in query: %s", rep.Problem)
	}
	rep.QueryOK, rep.SignInsSeen = true, len(page.Value)
	return rep, nil
}

type claims struct {
	TenantID       string   `json:"tid"`
	UPN            string   `json:"upn"`
	AppID          string   `json:"appid"`
	AppDisplayName string   `json:"app_displayname"`
	Roles          []string `json:"roles"`
	Scope          string   `json:"scp"`
	Exp            int64    `json:"exp"`
}

// jwtClaims reads a JWT's payload without verifying it: the token came from
// our own credential, and the claims are only displayed.
func jwtClaims(token string) (claims, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return claims{}, false
	}
	var c claims
	if json.Unmarshal(b, &c) != nil {
		return claims{}, false
	}
	return c, true
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
