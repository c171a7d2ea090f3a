package loganalytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/azauth"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

// CheckReport is what the check command prints for this source: which
// identity the server uses (never its token), whether the workspace
// answers, and what its sign-in tables held over the last day.
type CheckReport struct {
	Endpoint   string       `json:"endpoint"`
	Cloud      string       `json:"cloud"`
	Auth       string       `json:"auth"`
	Workspaces []string     `json:"workspaces"`
	TokenOK    bool         `json:"tokenOk"`
	TenantID   string       `json:"tenantId,omitempty"`
	Identity   string       `json:"identity,omitempty"`
	Audience   string       `json:"audience,omitempty"`
	Roles      []string     `json:"roles"`
	Scopes     []string     `json:"scopes"`
	Expires    string       `json:"tokenExpires,omitempty"`
	QueryOK    bool         `json:"workspaceQueryOk"`
	Tables     []TableCheck `json:"tables"`
	Problem    string       `json:"problem,omitempty"`
	Notes      []string     `json:"notes"`
}

// TableCheck is one sign-in table's rows over the last day.
type TableCheck struct {
	Table       string `json:"table"`
	SignInType  string `json:"signInType"`
	RowsLastDay int    `json:"rowsLastDay"`
}

// Check gets a token and reads its claims (never printing it), then counts
// each sign-in table's rows over the last day: the workspace answering, and
// which sign-in categories its diagnostic settings send.
func (s *Source) Check(ctx context.Context) (CheckReport, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	rep := CheckReport{Endpoint: s.cfg.URL, Cloud: s.cfg.Cloud, Auth: s.cfg.Auth, Workspaces: s.cfg.Workspaces,
		Roles: []string{}, Scopes: []string{}, Tables: []TableCheck{}, Notes: []string{}}
	tok, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.cfg.Scope()}})
	if err != nil {
		rep.Problem = redact(err.Error())
		return rep, fmt.Errorf("check: get a token for %s with --auth %s: %s", s.cfg.Scope(), s.cfg.Auth, rep.Problem)
	}
	rep.TokenOK = true
	if !tok.ExpiresOn.IsZero() {
		rep.Expires = tok.ExpiresOn.UTC().Format(time.RFC3339)
	}
	if c, ok := azauth.ReadClaims(tok.Token); ok {
		rep.TenantID, rep.Audience = c.TenantID, c.Audience
		for _, v := range []string{c.UPN, c.AppDisplayName, c.AppID} {
			if v != "" {
				rep.Identity = v
				break
			}
		}
		rep.Roles = append(rep.Roles, c.Roles...)
		if c.Scope != "" {
			rep.Scopes = strings.Fields(c.Scope)
		}
		if c.Exp > 0 {
			rep.Expires = time.Unix(c.Exp, 0).UTC().Format(time.RFC3339)
		}
	}
	now := s.cfg.Now().UTC()
	since := now.Add(-24 * time.Hour)
	cl := &call{s: s}
	t, err := cl.query(ctx, kql.TableCounts(since, now), span{since, now}, "the table counts")
	if err != nil {
		rep.Problem = err.Error()
		return rep, fmt.Errorf("check: count the sign-in tables: %w", err)
	}
	rep.QueryOK = true
	var missing []string
	for _, ty := range signin.AllTypes {
		table, _ := kql.Table(ty)
		n, _ := countTypes(t, []signin.Type{ty})
		rep.Tables = append(rep.Tables, TableCheck{Table: table, SignInType: string(ty), RowsLastDay: n})
		if n == 0 {
			missing = append(missing, table)
		}
	}
	rep.Notes = append(rep.Notes, cl.notes...)
	if len(missing) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("no rows in the last day in %s: if sign-ins of those kinds happen in the tenant, the tenant's Entra ID diagnostic settings do not send those categories to this workspace", strings.Join(missing, ", ")))
	}
	return rep, nil
}
