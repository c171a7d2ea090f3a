package lafake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

const (
	wsA   = "11111111-1111-4111-8111-111111111111"
	wsB   = "22222222-2222-4222-8222-222222222222"
	token = "secret-token"
)

// staticToken is a credential that hands out a fixed token.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// newClient serves srv over TLS (azlogs sends a bearer token only over
// HTTPS) and returns an azlogs client pointed at it.
func newClient(t *testing.T, srv *Server, cred string) *azlogs.Client {
	t.Helper()
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	c, err := azlogs.NewClient(staticToken(cred), &azlogs.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azlogs.ServiceName: {Audience: "https://api.loganalytics.io", Endpoint: ts.URL},
		}},
		Transport: ts.Client(),
		Retry:     policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixtureSignIns(t *testing.T) []signin.SignIn {
	t.Helper()
	return load(t, "../../../../testdata/signins/loganalytics-signins.json", "../../../../testdata/diagnosis/password-spray.json",
		"../../../../testdata/diagnosis/managed-identity-failure.json", "../../../../testdata/diagnosis/app-secret-expired.json")
}

func body(q string) azlogs.QueryBody { return azlogs.QueryBody{Query: &q} }

// TestAzlogsClient: the real client reads the fake's answers.
func TestAzlogsClient(t *testing.T) {
	signins := fixtureSignIns(t)
	srv := New(signins, WithToken(token), WithWorkspace(wsA))
	c := newClient(t, srv, token)
	q, err := kql.Rows(kql.Select{Outcome: kql.Any}, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	wait := 30
	resp, err := c.QueryWorkspace(context.Background(), wsA, body(q), &azlogs.QueryWorkspaceOptions{Options: &azlogs.QueryOptions{Wait: &wait}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil {
		t.Fatalf("partial error %v", resp.Error)
	}
	if len(resp.Tables) != 1 || *resp.Tables[0].Name != "PrimaryResult" {
		t.Fatalf("tables %+v", resp.Tables)
	}
	tb := resp.Tables[0]
	if len(tb.Rows) != len(signins) {
		t.Fatalf("%d rows, want %d", len(tb.Rows), len(signins))
	}
	types := map[string]azlogs.ColumnType{}
	for i, c := range tb.Columns {
		if *c.Name != kql.Columns()[i] {
			t.Fatalf("column %d is %s, want %s", i, *c.Name, kql.Columns()[i])
		}
		types[*c.Name] = *c.Type
	}
	if types["TimeGenerated"] != azlogs.ColumnTypeDatetime || types["IsInteractive"] != azlogs.ColumnTypeBool ||
		types["Status"] != azlogs.ColumnTypeString || types["ResultType"] != azlogs.ColumnTypeString {
		t.Errorf("column types %v", types)
	}
	seen := map[string]bool{}
	for _, r := range tb.Rows {
		seen[r[2].(string)] = true
		if _, err := time.Parse(time.RFC3339Nano, r[0].(string)); err != nil {
			t.Errorf("TimeGenerated %v: %v", r[0], err)
		}
	}
	for _, s := range signins {
		if !seen[s.ID] {
			t.Errorf("sign-in %s missing", s.ID)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Status != 200 || reqs[0].Wait != 30 || reqs[0].Token != token || reqs[0].Rows != len(signins) || reqs[0].Query != q {
		t.Errorf("requests %+v", reqs)
	}
	if qs := srv.Queries(); len(qs) != 1 || qs[0] != q {
		t.Errorf("queries %q", qs)
	}
}

// post sends a raw query request.
func post(t *testing.T, h http.Handler, path string, payload any, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	b, _ := json.Marshal(payload)
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	out, _ := io.ReadAll(res.Body)
	return res, out
}

func queryPathOf(ws string) string { return "/v1/workspaces/" + ws + "/query" }

// TestWireShape: datetimes with seven fractional digits, dynamic values as
// JSON text in a string, null bools as null, the column types.
func TestWireShape(t *testing.T) {
	srv := New(fixtureSignIns(t))
	res, b := post(t, srv, queryPathOf(wsA), map[string]any{"query": `SigninLogs | take 1 | project TimeGenerated, Status, LocationDetails, IsInteractive, DurationMs, ResultType, N = tobool(bool(null))`}, nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	var out struct {
		Tables []struct {
			Name    string
			Columns []Column
			Rows    [][]json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	tb := out.Tables[0]
	wantTypes := []string{"datetime", "dynamic", "dynamic", "bool", "long", "string", "bool"}
	for i, c := range tb.Columns {
		if c.Type != wantTypes[i] {
			t.Errorf("column %s is %s, want %s", c.Name, c.Type, wantTypes[i])
		}
	}
	r := tb.Rows[0]
	if !regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z"$`).Match(r[0]) {
		t.Errorf("datetime %s: want seven fractional digits and Z", r[0])
	}
	var status string
	if err := json.Unmarshal(r[1], &status); err != nil || !strings.HasPrefix(status, `{"errorCode":`) {
		t.Errorf("dynamic Status %s: want JSON text in a string", r[1])
	}
	if string(r[3]) != "true" && string(r[3]) != "false" {
		t.Errorf("IsInteractive %s", r[3])
	}
	if string(r[4]) != "0" || string(r[6]) != "null" {
		t.Errorf("DurationMs %s, null bool %s", r[4], r[6])
	}
	if res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("content type %q", res.Header.Get("Content-Type"))
	}
}

func TestAuthAndAccess(t *testing.T) {
	signins := fixtureSignIns(t)
	q := map[string]any{"query": "SigninLogs | take 1"}
	cases := []struct {
		name   string
		srv    *Server
		path   string
		body   map[string]any
		hdr    map[string]string
		status int
		code   string
	}{
		{"no token", New(signins, WithToken(token)), queryPathOf(wsA), q, nil, 401, "AuthorizationRequiredError"},
		{"wrong token", New(signins, WithToken(token)), queryPathOf(wsA), q, map[string]string{"Authorization": "Bearer nope"}, 401, "InvalidTokenError"},
		{"right token", New(signins, WithToken(token)), queryPathOf(wsA), q, map[string]string{"Authorization": "Bearer " + token}, 200, ""},
		{"no role", New(signins, WithDeny(403)), queryPathOf(wsA), q, nil, 403, "InsufficientAccessError"},
		{"denied 404", New(signins, WithDeny(404)), queryPathOf(wsA), q, nil, 404, "WorkspaceNotFoundError"},
		{"unknown workspace", New(signins, WithWorkspace(wsA)), queryPathOf(wsB), q, nil, 404, "WorkspaceNotFoundError"},
		{"workspace ID in another case", New(signins, WithWorkspace(wsA)), queryPathOf(strings.ToUpper(wsA)), q, nil, 200, ""},
		{"unknown additional workspace", New(signins, WithWorkspace(wsA)), queryPathOf(wsA), map[string]any{"query": "SigninLogs | take 1", "workspaces": []string{wsB}}, nil, 404, "WorkspaceNotFoundError"},
		{"bad KQL", New(signins), queryPathOf(wsA), map[string]any{"query": "SigninLogs | mv-expand Status"}, nil, 400, "BadArgumentError"},
		{"no query", New(signins), queryPathOf(wsA), map[string]any{}, nil, 400, "BadArgumentError"},
		{"bad timespan", New(signins), queryPathOf(wsA), map[string]any{"query": "SigninLogs", "timespan": "yesterday"}, nil, 400, "BadArgumentError"},
		{"other path", New(signins), "/v1/workspaces/" + wsA + "/metadata", q, nil, 404, "PathNotFoundError"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, b := post(t, c.srv, c.path, c.body, c.hdr)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, b)
			}
			if c.code == "" {
				return
			}
			var e struct {
				Error struct {
					Code, Message, CorrelationID string
					InnerError                   *struct{ Code, Message string }
				}
			}
			if err := json.Unmarshal(b, &e); err != nil || e.Error.Code != c.code || e.Error.Message == "" {
				t.Fatalf("body %s: want error code %s", b, c.code)
			}
			if c.status == 400 && (e.Error.InnerError == nil || e.Error.InnerError.Message == "") {
				t.Errorf("400 without an inner error: %s", b)
			}
			if c.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

// TestAzlogsErrors: the client sees the fake's refusals as
// *azcore.ResponseError with the service's codes.
func TestAzlogsErrors(t *testing.T) {
	signins := fixtureSignIns(t)
	for _, c := range []struct {
		srv    *Server
		ws, q  string
		status int
		code   string
	}{
		{New(signins, WithWorkspace(wsA), WithDeny(403)), wsA, "SigninLogs", 403, "InsufficientAccessError"},
		{New(signins, WithWorkspace(wsA)), wsB, "SigninLogs", 404, "WorkspaceNotFoundError"},
		{New(signins), wsA, "SigninLogs | where ResultType == 0", 400, "BadArgumentError"},
	} {
		_, err := newClient(t, c.srv, token).QueryWorkspace(context.Background(), c.ws, body(c.q), nil)
		var re *azcore.ResponseError
		if !errors.As(err, &re) || re.StatusCode != c.status || re.ErrorCode != c.code {
			t.Errorf("%s: err %v, want %d %s", c.q, err, c.status, c.code)
		}
	}
}

// TestThrottle: 429 with Retry-After for n requests, then answers; azlogs
// retries through them.
func TestThrottle(t *testing.T) {
	srv := New(fixtureSignIns(t), WithThrottle(2, 1500*time.Millisecond))
	res, _ := post(t, srv, queryPathOf(wsA), map[string]any{"query": "SigninLogs | take 1"}, nil)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "2" {
		t.Fatalf("status %d Retry-After %q, want 429 and 2 (seconds, rounded up)", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// The second throttled answer, and then the answer, through azlogs: a
	// Retry-After of 0 keeps the test quick.
	srv = New(fixtureSignIns(t), WithThrottle(2, 0))
	resp, err := newClient(t, srv, token).QueryWorkspace(context.Background(), wsA, body("SigninLogs | summarize N = count()"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := resp.Tables[0].Rows[0][0]; n.(float64) < 1 {
		t.Errorf("count %v", n)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || reqs[0].Status != 429 || reqs[1].Status != 429 || reqs[2].Status != 200 {
		t.Errorf("requests %+v", reqs)
	}
}

// TestPartialError: past the row limit the rows are cut and a PartialError
// rides beside them in a 200.
func TestPartialError(t *testing.T) {
	signins := fixtureSignIns(t)
	srv := New(signins, WithRowLimit(3))
	resp, err := newClient(t, srv, token).QueryWorkspace(context.Background(), wsA, body("union isfuzzy=true SigninLogs, AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs | project Id"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Tables[0].Rows) != 3 {
		t.Errorf("%d rows, want 3", len(resp.Tables[0].Rows))
	}
	if resp.Error == nil || resp.Error.Code != "PartialError" || !strings.Contains(resp.Error.Error(), "E_QUERY_RESULT_SET_TOO_LARGE") {
		t.Fatalf("error %v, want a PartialError", resp.Error)
	}
	if r := srv.Requests()[0]; r.Code != "PartialError" || r.Rows != 3 {
		t.Errorf("request %+v", r)
	}
	// Under the limit, no error.
	resp, err = newClient(t, New(signins, WithRowLimit(len(signins))), token).QueryWorkspace(context.Background(), wsA, body("union SigninLogs, AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs | project Id"), nil)
	if err != nil || resp.Error != nil || len(resp.Tables[0].Rows) != len(signins) {
		t.Fatalf("at the limit: %v %v", err, resp.Error)
	}
}

// count runs a summarize over the four tables.
func count(t *testing.T, srv *Server, payload map[string]any) float64 {
	t.Helper()
	res, b := post(t, srv, queryPathOf(wsA), payload, nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	var out azlogs.QueryResults
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Tables[0].Rows) == 0 {
		return 0
	}
	return out.Tables[0].Rows[0][0].(float64)
}

const countAll = "union isfuzzy=true SigninLogs, AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs | summarize N = count()"

// TestTimespan: the API's timespan bounds TimeGenerated besides the query.
func TestTimespan(t *testing.T) {
	signins := fixtureSignIns(t)
	newest := signins[0].CreatedAt
	for _, s := range signins {
		if s.CreatedAt.After(newest) {
			newest = s.CreatedAt
		}
	}
	within := func(from, to time.Time) float64 {
		n := 0
		for _, s := range signins {
			if !s.CreatedAt.Before(from) && s.CreatedAt.Before(to) {
				n++
			}
		}
		return float64(n)
	}
	srv := New(signins, WithClock(func() time.Time { return newest.Add(time.Minute) }))
	from := newest.Add(-36 * time.Hour)
	for _, c := range []struct {
		ts   string
		want float64
	}{
		{"", float64(len(signins))},
		{from.Format(time.RFC3339Nano) + "/" + newest.Format(time.RFC3339Nano), within(from, newest)},
		{from.Format(time.RFC3339) + "/P1DT12H", within(from.Truncate(time.Second), from.Truncate(time.Second).Add(36*time.Hour))},
		{"PT36H/" + newest.Add(time.Second).Format(time.RFC3339Nano), within(newest.Add(time.Second-36*time.Hour), newest.Add(time.Second))},
		{"P1D", within(newest.Add(time.Minute-24*time.Hour), newest.Add(time.Minute))},
	} {
		if got := count(t, srv, map[string]any{"query": countAll, "timespan": c.ts}); got != c.want {
			t.Errorf("timespan %q: %v rows, want %v", c.ts, got, c.want)
		}
	}
	if within(from, newest) == float64(len(signins)) || within(from, newest) == 0 {
		t.Error("the window selects all or nothing: the test proves little")
	}
}

// TestWorkspaces: additional workspaces are queried as one; a missing
// table is skipped by a fuzzy union and recorded.
func TestWorkspaces(t *testing.T) {
	signins := fixtureSignIns(t)
	extra := []signin.SignIn{signins[0]}
	extra[0].ID = "extra-1"
	srv := New(signins, WithWorkspace(wsA, wsB), WithWorkspaceSignIns(wsB, extra))
	if got := count(t, srv, map[string]any{"query": countAll}); got != float64(len(signins)) {
		t.Errorf("primary: %v", got)
	}
	if got := count(t, srv, map[string]any{"query": countAll, "workspaces": []string{wsB, wsA}}); got != float64(len(signins)+1) {
		t.Errorf("with additional: %v, want %d", got, len(signins)+1)
	}

	var log bytes.Buffer
	srv = New(signins, WithMissingTables(TableManagedIdentity), WithLog(&log))
	mi := 0
	for _, s := range signins {
		if s.Type == signin.ManagedIdentity {
			mi++
		}
	}
	if mi == 0 {
		t.Fatal("no managed identity sign-in in the fixtures")
	}
	if got := count(t, srv, map[string]any{"query": countAll, "timespan": "P36500D"}); got != float64(len(signins)-mi) {
		t.Errorf("without the managed identity table: %v, want %d", got, len(signins)-mi)
	}
	if r := srv.Requests()[0]; len(r.Skipped) != 1 || r.Skipped[0] != TableManagedIdentity {
		t.Errorf("skipped %v", r.Skipped)
	}
	var line map[string]any
	if err := json.Unmarshal(log.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", log.String(), err)
	}
	if line["query"] != countAll || line["status"].(float64) != 200 || line["rows"].(float64) != 1 || line["timespan"] != "P36500D" || line["time"] == nil {
		t.Errorf("log line %v", line)
	}
	res, b := post(t, srv, queryPathOf(wsA), map[string]any{"query": "AADManagedIdentitySignInLogs | take 1"}, nil)
	if res.StatusCode != 400 || !strings.Contains(string(b), "AADManagedIdentitySignInLogs") {
		t.Errorf("a missing table named outside a fuzzy union: %d %s", res.StatusCode, b)
	}
}

// TestPreferWait: wait=N is the evaluation's deadline (0: already past)
// and is echoed in Preference-Applied.
func TestPreferWait(t *testing.T) {
	srv := New(fixtureSignIns(t))
	res, _ := post(t, srv, queryPathOf(wsA), map[string]any{"query": countAll}, map[string]string{"Prefer": "include-statistics=true,wait=600"})
	if res.StatusCode != 200 || res.Header.Get("Preference-Applied") != "wait=600" {
		t.Errorf("status %d, Preference-Applied %q", res.StatusCode, res.Header.Get("Preference-Applied"))
	}
	res, b := post(t, srv, queryPathOf(wsA), map[string]any{"query": countAll}, map[string]string{"Prefer": "wait=0"})
	if res.StatusCode != http.StatusGatewayTimeout || !strings.Contains(string(b), "GatewayTimeout") {
		t.Errorf("wait=0: %d %s", res.StatusCode, b)
	}
	if r := srv.Requests(); r[0].Wait != 600 || r[0].Prefer != "include-statistics=true,wait=600" {
		t.Errorf("requests %+v", r)
	}
}

func TestParseTimespan(t *testing.T) {
	now := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	for _, bad := range []string{"P", "PT", "P1Y", "P1M", "2025-01-01T00:00:00Z/2024-01-01T00:00:00Z", "x/y", ""} {
		if _, _, err := parseTimespan(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	s, e, err := parseTimespan("P1W2DT3H4M5.5S", now)
	if err != nil || !e.Equal(now) || now.Sub(s) != 9*24*time.Hour+3*time.Hour+4*time.Minute+5500*time.Millisecond {
		t.Errorf("duration: %v %v %v", s, e, err)
	}
}

// TestSizeLimit: past the data size limit the rows are cut before it, with
// a PartialError.
func TestSizeLimit(t *testing.T) {
	signins := fixtureSignIns(t)
	q := "union SigninLogs, AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs | project Id"
	res, b := post(t, New(signins, WithSizeLimit(100)), queryPathOf(wsA), map[string]any{"query": q}, nil)
	var out azlogs.QueryResults
	if err := json.Unmarshal(b, &out); err != nil || res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	// Each row is ["<36-character id>"], 41 bytes with its comma: two fit.
	if n := len(out.Tables[0].Rows); n != 2 {
		t.Errorf("%d rows under 100 bytes, want 2", n)
	}
	if out.Error == nil || out.Error.Code != "PartialError" || !strings.Contains(out.Error.Error(), "data size limit 100 bytes") {
		t.Errorf("error %v", out.Error)
	}
}

// TestConcurrent: queries from several goroutines at once, as a server
// under test sends them (go test -race checks the Server's state).
func TestConcurrent(t *testing.T) {
	srv := New(fixtureSignIns(t), WithThrottle(3, 0), WithLog(io.Discard))
	ts := httptest.NewServer(srv)
	defer ts.Close()
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			res, err := http.Post(ts.URL+queryPathOf(wsA), "application/json", strings.NewReader(`{"query":"`+strings.ReplaceAll(countAll, `"`, `\"`)+`"}`))
			if err == nil {
				res.Body.Close()
				if res.StatusCode != 200 && res.StatusCode != 429 {
					err = errors.New(res.Status)
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	throttled := 0
	for _, r := range srv.Requests() {
		if r.Status == 429 {
			throttled++
		}
	}
	if len(srv.Requests()) != 8 || throttled != 3 {
		t.Errorf("%d requests, %d throttled; want 8 and 3", len(srv.Requests()), throttled)
	}
}
