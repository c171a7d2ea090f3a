package loganalytics

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
)

// newClient builds the azlogs client on the configured endpoint with the
// (lazy) credential. azlogs takes its endpoint and token audience from the
// cloud configuration, so an override is a copy of the cloud's with another
// endpoint and the same audience. A loopback http endpoint is given to the
// SDK as https and sent as http by the transport: azcore's bearer-token
// policy refuses http outright, and the loopback rule (Validate) is ours.
func newClient(cfg *Config, cred azcore.TokenCredential) (*azlogs.Client, error) {
	base := Clouds[cfg.Cloud]
	svc := cfg.service()
	endpoint := cfg.URL
	var transport policy.Transporter = cfg.transport
	if u, _ := url.Parse(cfg.URL); u != nil && u.Scheme == "http" {
		endpoint = "https://" + u.Host
		if transport == nil {
			transport = plainLoopback{host: u.Host, client: http.DefaultClient}
		}
	}
	conf := cloud.Configuration{
		ActiveDirectoryAuthorityHost: base.ActiveDirectoryAuthorityHost,
		Services:                     maps.Clone(base.Services),
	}
	conf.Services[azlogs.ServiceName] = cloud.ServiceConfiguration{Audience: svc.Audience, Endpoint: endpoint}
	opts := &azlogs.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud:     conf,
		Transport: transport,
		// 429 and 5xx are retried with Retry-After honoured (azcore's retry
		// policy), within the call's deadline: a wait longer than the
		// timeout is cut by the context and explained.
		Retry: policy.RetryOptions{MaxRetries: 3, MaxRetryDelay: cfg.Timeout, RetryDelay: cfg.retryDelay},
	}}
	return azlogs.NewClient(cred, opts)
}

// plainLoopback sends requests for the loopback host over plain http.
type plainLoopback struct {
	host   string
	client *http.Client
}

// Do implements policy.Transporter.
func (p plainLoopback) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Host == p.host && req.URL.Scheme == "https" {
		r := req.Clone(req.Context())
		r.URL.Scheme = "http"
		return p.client.Do(r)
	}
	return p.client.Do(req)
}

// table is one query's answer: its rows decoded, and whether the workspace
// said it is incomplete.
type table struct {
	columns []string
	rows    [][]any
	// partial is the partial error of a 200 answer (row or size limit,
	// a workspace that did not answer): the rows are incomplete.
	partial string
}

// col returns the index of a column, or -1.
func (t table) col(name string) int {
	for i, c := range t.columns {
		if c == name {
			return i
		}
	}
	return -1
}

// span is a query's window, sent as the API's timespan as well as in the
// query's TimeGenerated bounds. An open window (the successes after a
// failure, up to now) sends none and is bounded by the query alone, as a
// look-up by ID is: the timespan cannot say "until now" without a clock.
type span struct{ since, until time.Time }

// query runs one KQL query. Every error names its fix (errors.go); a
// cancelled context stops at once with its error.
func (s *Source) query(ctx context.Context, text string, w span) (table, error) {
	body := azlogs.QueryBody{Query: &text}
	if len(s.cfg.Workspaces) > 1 {
		body.AdditionalWorkspaces = s.cfg.Workspaces[1:]
	}
	if !w.since.IsZero() && !w.until.IsZero() {
		ti := timespan(w.since, w.until)
		body.Timespan = &ti
	}
	wait := int(s.cfg.Timeout / time.Second)
	start := time.Now()
	resp, err := s.client.QueryWorkspace(ctx, s.cfg.Workspaces[0], body, &azlogs.QueryWorkspaceOptions{Options: &azlogs.QueryOptions{Wait: &wait}})
	if err != nil {
		return table{}, s.explain(ctx, err, text)
	}
	rows := 0
	for _, t := range resp.Tables {
		rows += len(t.Rows)
	}
	// What was asked is in the debug log only when the service refuses it
	// (explain): a query names the users and IPs asked about.
	s.cfg.Logger.Debug("log analytics query answered", "rows", rows, "partial", resp.Error != nil, "took", time.Since(start).Round(time.Millisecond))
	var t table
	if resp.Error != nil {
		t.partial = partialMessage(resp.Error)
	}
	if len(resp.Tables) == 0 {
		if t.partial != "" {
			return t, nil
		}
		return table{}, errors.New("log analytics answered without a table")
	}
	tb := resp.Tables[0]
	for _, c := range tb.Columns {
		name := ""
		if c.Name != nil {
			name = *c.Name
		}
		t.columns = append(t.columns, name)
	}
	for _, r := range tb.Rows {
		t.rows = append(t.rows, []any(r))
	}
	return t, nil
}

// timespan is the API's ISO 8601 interval. The bounds are widened to whole
// seconds outward (azlogs' format has none finer); the query's own
// TimeGenerated bounds are exact.
func timespan(since, until time.Time) azlogs.TimeInterval {
	start := since.UTC().Truncate(time.Second)
	end := until.UTC()
	if t := end.Truncate(time.Second); !t.Equal(end) {
		end = t.Add(time.Second)
	}
	return azlogs.NewTimeInterval(start, end)
}

// signIns decodes a table of sign-in rows through the files package's Log
// Analytics mapping, sanitized as every source's records are, with each
// row's TimeGenerated (the keyset's time).
func signIns(t table) ([]row, error) {
	if len(t.rows) == 0 {
		return nil, nil
	}
	d, err := files.NewLogAnalyticsDecoder(t.columns)
	if err != nil {
		return nil, fmt.Errorf("read the Log Analytics answer: %w", err)
	}
	tg := t.col("TimeGenerated")
	out := make([]row, 0, len(t.rows))
	for i, values := range t.rows {
		si, err := d.Decode(values)
		if err != nil {
			return nil, fmt.Errorf("read row %d of the Log Analytics answer: %w", i+1, err)
		}
		si.Sanitize()
		r := row{SignIn: si, at: si.CreatedAt}
		if tg >= 0 {
			if s, ok := values[tg].(string); ok {
				if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
					r.at = at.UTC()
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// row is a sign-in with its TimeGenerated, which orders and pages rows.
type row struct {
	signin.SignIn
	at time.Time
}

// plain returns the sign-ins of rows.
func plain(rows []row) []signin.SignIn {
	out := make([]signin.SignIn, len(rows))
	for i := range rows {
		out[i] = rows[i].SignIn
	}
	return out
}

// partialNote is the coverage note of an incomplete answer.
func partialNote(what, msg string) string {
	return fmt.Sprintf("Log Analytics answered %s only in part (%s): the result is incomplete; narrow the window or the filters", what, strings.TrimSpace(msg))
}
