package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/pace/pacetest"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfake"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

const testToken = "test-token-not-a-secret"

// fixture generates n Graph sign-ins (beta shape), as raw records for the
// fake and decoded for a reference store.
func fixture(t testing.TB, n int) ([]json.RawMessage, []signin.SignIn) {
	t.Helper()
	var buf bytes.Buffer
	if err := filestest.Generate(&buf, files.FormatGraphJSONLines, n, 3); err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		raws = append(raws, json.RawMessage(slices.Clone(sc.Bytes())))
	}
	var recs []signin.SignIn
	for _, r := range raws {
		si, err := graphjson.DecodeSignIn(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, si)
	}
	return raws, recs
}

func newest(recs []signin.SignIn) time.Time {
	var t time.Time
	for _, r := range recs {
		if r.CreatedAt.After(t) {
			t = r.CreatedAt
		}
	}
	return t
}

type env map[string]string

func (e env) get(k string) string { return e[k] }

// newSource starts the fake with opts and a Graph source pointed at it,
// through the real SDK adapter.
func newSource(t testing.TB, raws []json.RawMessage, now time.Time, mut func(*Config), opts ...graphfake.Option) (*Source, *graphfake.Server) {
	t.Helper()
	fake := graphfake.New(raws, append([]graphfake.Option{graphfake.WithToken(testToken)}, opts...)...)
	return newSourceAt(t, fake, now, mut), fake
}

// newSourceAt serves h (the fake, or a handler around it) and points a Graph
// source at it.
func newSourceAt(t testing.TB, h http.Handler, now time.Time, mut func(*Config)) *Source {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{
		GraphURL: srv.URL, Auth: "token", Getenv: env{"GRAPH_ACCESS_TOKEN": testToken}.get,
		RequestsPerWindow: 1000, PacingWindow: time.Second, Timeout: 20 * time.Second,
		Now: func() time.Time { return now },
	}
	if mut != nil {
		mut(&cfg)
	}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func classify(t testing.TB) signin.Classifier {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return diagnosis.Classifier(cat)
}

func ids(rows []signin.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func listRequests(fake *graphfake.Server) int {
	n := 0
	for _, r := range fake.Requests() {
		if strings.HasSuffix(r.Path, "/auditLogs/signIns") {
			n++
		}
	}
	return n
}

// TestSearchMatchesReferenceStore: the same query over the same records
// answers the same through Graph (SDK adapter, $filter at the fake) as
// through the in-memory store.
func TestSearchMatchesReferenceStore(t *testing.T) {
	raws, recs := fixture(t, 1500)
	now := newest(recs)
	src, fake := newSource(t, raws, now, nil)
	ref := memory.New("ref", slices.Clone(recs))
	code := 50126
	for name, mut := range map[string]func(*signin.Query){
		"window":         func(q *signin.Query) {},
		"error code":     func(q *signin.Query) { q.ErrorCode = &code },
		"nonInteractive": func(q *signin.Query) { q.Types = []signin.Type{signin.NonInteractive} },
		"two types":      func(q *signin.Query) { q.Types = []signin.Type{signin.Interactive, signin.ServicePrincipal} },
		"interrupts":     func(q *signin.Query) { q.IncludeInterrupts = true },
	} {
		t.Run(name, func(t *testing.T) {
			q := signin.Query{Since: now.Add(-7 * 24 * time.Hour), Until: now.Add(time.Second), Limit: 50, Classify: classify(t), Types: []signin.Type{signin.Interactive}}
			mut(&q)
			before := listRequests(fake)
			got, err := src.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if want.Coverage.Matched == 0 {
				t.Fatal("the fixture has no match for this query: the comparison would prove nothing")
			}
			if got.Coverage.Matched != want.Coverage.Matched || !slices.Equal(ids(got.Rows), ids(want.Rows)) {
				t.Errorf("graph matched %d rows %v\nstore matched %d rows %v", got.Coverage.Matched, ids(got.Rows)[:min(5, len(got.Rows))], want.Coverage.Matched, ids(want.Rows)[:min(5, len(want.Rows))])
			}
			if len(got.Groups) != len(want.Groups) || (len(got.Groups) > 0 && got.Groups[0].Count != want.Groups[0].Count) {
				t.Errorf("groups differ: %d vs %d", len(got.Groups), len(want.Groups))
			}
			if got.Coverage.InterruptsLeftOut != want.Coverage.InterruptsLeftOut || (!q.IncludeInterrupts && name == "window" && got.Coverage.InterruptsLeftOut == 0) {
				t.Errorf("interrupts left out: graph %d, store %d", got.Coverage.InterruptsLeftOut, want.Coverage.InterruptsLeftOut)
			}
			for _, r := range fake.Requests()[before:] {
				if r.Query.Get("$select") == "" || !strings.Contains(r.Query.Get("$filter"), "status/errorCode") || r.Query.Get("$top") != "1000" {
					t.Errorf("request %s %v: want $select, a failures filter and $top=1000", r.Path, r.Query)
				}
			}
			// One page of 1,000 per type answers these: ceil(matches/1000)
			// per type, and one page of successes per type.
			if n := listRequests(fake) - before; n > len(q.TypesOrDefault(nil))*(1+max(1, (got.Coverage.Matched+999)/1000)) {
				t.Errorf("%d list requests for %d matches over %d types", n, got.Coverage.Matched, len(q.Types))
			}
			// What came after each row is the same rule over the same
			// records: the successes fit one page, so nothing is undecided.
			for i := range min(len(got.Rows), len(want.Rows)) {
				g, w := got.Rows[i], want.Rows[i]
				if g.FollowedBySuccess != w.FollowedBySuccess || g.Completed != w.Completed {
					t.Errorf("row %s: graph followedBySuccess=%v completed=%v, store %v %v", g.ID, g.FollowedBySuccess, g.Completed, w.FollowedBySuccess, w.Completed)
				}
			}
			if !slices.Equal(got.Coverage.Notes, want.Coverage.Notes) {
				t.Errorf("notes: graph %q, store %q", got.Coverage.Notes, want.Coverage.Notes)
			}
		})
	}
}

func TestPagingToTheLimitAndCursorResume(t *testing.T) {
	raws, recs := fixture(t, 1500)
	now := newest(recs)
	src, fake := newSource(t, raws, now, func(c *Config) { c.PageSize = 40; c.MaxPages = 50 })
	ref := memory.New("ref", slices.Clone(recs))
	// Interrupts are in, so that pages of 40 successes, too few to decide
	// which interrupts completed, do not change which rows match.
	q := signin.Query{Since: now.Add(-7 * 24 * time.Hour), Until: now.Add(time.Second), Limit: 10, Classify: classify(t), Types: []signin.Type{signin.Interactive}, IncludeInterrupts: true}
	want, _ := ref.Search(context.Background(), signin.Query{Since: q.Since, Until: q.Until, Limit: 200, Classify: q.Classify, Types: q.Types, IncludeInterrupts: true})

	var got []string
	for range 8 {
		before := listRequests(fake)
		p, err := src.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if n := listRequests(fake) - before; n > 4 {
			t.Errorf("a page of 10 rows took %d requests of 40 records", n)
		}
		got = append(got, ids(p.Rows)...)
		if p.Coverage.NextCursor == "" {
			break
		}
		q.Cursor = p.Coverage.NextCursor
	}
	if len(got) < 20 {
		t.Fatalf("only %d rows paged: the test needs several pages", len(got))
	}
	if n := min(len(got), len(want.Rows)); !slices.Equal(got[:n], ids(want.Rows)[:n]) {
		t.Errorf("paged rows differ from the reference order:\n%v\n%v", got[:min(12, len(got))], ids(want.Rows)[:min(12, len(want.Rows))])
	}
	// A cursor whose Graph page (skip token) has expired says to re-run the
	// search. Pages of 40, rows of 10: the fifth search needs page 2.
	clock := now
	src2, _ := newSource(t, raws, now, func(c *Config) { c.PageSize = 40; c.MaxPages = 1 },
		graphfake.WithSkipTokenTTL(time.Minute), graphfake.WithClock(func() time.Time { return clock }))
	q2 := signin.Query{Since: q.Since, Until: q.Until, Limit: 10, Classify: q.Classify, Types: q.Types, IncludeInterrupts: true}
	var expired error
	for range 10 {
		p, err := src2.Search(context.Background(), q2)
		if err != nil {
			expired = err
			break
		}
		if p.Coverage.NextCursor == "" {
			break
		}
		q2.Cursor = p.Coverage.NextCursor
		clock = clock.Add(2 * time.Minute)
	}
	if expired == nil || !strings.Contains(expired.Error(), "re-run the search") {
		t.Errorf("expired page behind a cursor: %v", expired)
	}

	// A cursor for other filters is refused.
	other := q
	other.User = "someone@contoso.com"
	if _, err := src.Search(context.Background(), other); !errors.Is(err, signin.ErrBadCursor) {
		t.Errorf("cursor of another query: %v", err)
	}
}

func TestThrottling(t *testing.T) {
	raws, recs := fixture(t, 200)
	now := newest(recs)
	q := signin.Query{Since: now.Add(-7 * 24 * time.Hour), Until: now.Add(time.Second), Limit: 5, Classify: classify(t)}

	src, fake := newSource(t, raws, now, nil, graphfake.WithThrottle(2, time.Second))
	if _, err := src.Search(context.Background(), q); err != nil {
		t.Fatalf("429 twice then success: %v", err)
	}
	throttled := 0
	for _, r := range fake.Requests() {
		if r.Status == 429 {
			throttled++
		}
	}
	if throttled != 2 {
		t.Errorf("%d throttled requests, want 2 (Retry-After honoured, then retried)", throttled)
	}

	// A deadline shorter than Retry-After: the call ends with the deadline's
	// error, and the retry it would have waited for is never sent.
	src2, fake2 := newSource(t, raws, now, func(c *Config) { c.Timeout = 300 * time.Millisecond }, graphfake.WithThrottle(100, time.Second))
	_, err := src2.Search(context.Background(), q)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("429 past the deadline: %v, want context.DeadlineExceeded", err)
	}
	if n := len(fake2.Requests()); n > 1 {
		t.Errorf("the fake saw %d requests: the deadline did not stop the retries", n)
	}
}

// TestCancellationStopsAtOnce: a cancelled call (MCP notifications/cancelled
// cancels the handler's context) stops waiting on Graph's retries.
func TestCancellationStopsAtOnce(t *testing.T) {
	raws, recs := fixture(t, 100)
	now := newest(recs)
	fake := graphfake.New(raws, graphfake.WithToken(testToken), graphfake.WithThrottle(100, 5*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The caller cancels once the first 429 is on its way.
	src := newSourceAt(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fake.ServeHTTP(w, r)
		cancel()
	}), now, nil)
	_, err := src.Search(ctx, signin.Query{Since: now.Add(-time.Hour), Until: now, Limit: 5, Classify: classify(t)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: %v, want context.Canceled", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("the fake saw %d requests, want 1: the retry after a cancel must not be sent", n)
	}
}

// TestSearchIsPacedOnTheSourceClock: a search that needs more requests than
// the budget waits on the configured clock, and each wait lets in no more
// than the budget.
func TestSearchIsPacedOnTheSourceClock(t *testing.T) {
	raws, recs := fixture(t, 600)
	now := newest(recs)
	clock := pacetest.NewFakeClock(now, true)
	src, fake := newSource(t, raws, now, func(c *Config) {
		c.RequestsPerWindow, c.PacingWindow = 2, 10*time.Second
		c.PageSize, c.MaxPages = 10, 7
		c.Now, c.sleep = clock.Now, clock.Sleep
	})
	q := signin.Query{Since: now.Add(-30 * 24 * time.Hour), Until: now.Add(time.Second), Limit: 200, Classify: classify(t)}
	if _, err := src.Search(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	sent := listRequests(fake)
	if sent != 8 {
		t.Fatalf("the fake saw %d list requests, want MaxPages = 7 and one of successes: the test needs more than the budget", sent)
	}
	// 8 requests at 2 per window: 3 full windows waited out, 30 s on the clock.
	if clock.Sleeps() != 3 || !clock.Now().Equal(now.Add(30*time.Second)) {
		t.Errorf("%d waits, clock at +%s; want 3 waits and +30s", clock.Sleeps(), clock.Now().Sub(now))
	}
}

func TestErrorMapping(t *testing.T) {
	raws, recs := fixture(t, 50)
	now := newest(recs)
	q := signin.Query{Since: now.Add(-time.Hour), Until: now, Limit: 5, Classify: classify(t)}
	cases := []struct {
		status int
		code   string
		want   []string
	}{
		{403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", []string{"P1 or P2", "permission change will not help"}},
		{403, "Authentication_MSGraphPermissionMissing", []string{"AuditLog.Read.All", "Directory.Read.All", "admin consent", "licence change will not help"}},
		{403, "Authorization_RequestDenied", []string{"AuditLog.Read.All", "Directory.Read.All"}},
		{403, "Authentication_RequestFromUnsupportedUserRole", []string{"Reports Reader", "Security Reader", "directory role"}},
		{401, "InvalidAuthenticationToken", []string{"--auth token", "GRAPH_ACCESS_TOKEN"}},
		{500, "InternalServerError", []string{"service error", "request-id"}},
	}
	for _, c := range cases {
		src, _ := newSource(t, raws, now, func(cfg *Config) { cfg.Timeout = 10 * time.Second }, graphfake.WithStatus(c.status, c.code))
		_, err := src.Search(context.Background(), q)
		if err == nil {
			t.Errorf("%d %s: no error", c.status, c.code)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%d %s: %q lacks %q", c.status, c.code, err, w)
			}
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("the token leaked into an error: %s", err)
		}
	}
	// A wrong token: 401, and the token is not echoed.
	src, _ := newSource(t, raws, now, func(c *Config) { c.Getenv = env{"GRAPH_ACCESS_TOKEN": "wrong-token-value"}.get })
	if _, err := src.Search(context.Background(), q); err == nil || strings.Contains(err.Error(), "wrong-token-value") || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: %v", err)
	}
	// No token at all: a configuration error naming the variable, no request sent.
	src, fake := newSource(t, raws, now, func(c *Config) { c.Getenv = env{}.get })
	if _, err := src.Search(context.Background(), q); err == nil || !strings.Contains(err.Error(), "GRAPH_ACCESS_TOKEN") {
		t.Errorf("missing token: %v", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests sent without a credential", n)
	}
}

func TestGetAndCorrelated(t *testing.T) {
	raws, recs := fixture(t, 300)
	now := newest(recs)
	src, _ := newSource(t, raws, now, nil)
	want := recs[17]
	got, err := src.Get(context.Background(), want.ID)
	if err != nil || got.ID != want.ID || got.Status.ErrorCode != want.Status.ErrorCode || got.CorrelationID != want.CorrelationID {
		t.Fatalf("Get(%s) = %+v, %v", want.ID, got.ID, err)
	}
	if _, err := src.Get(context.Background(), "00000000-0000-0000-0000-000000000000"); !errors.Is(err, signin.ErrNotFound) || !strings.Contains(err.Error(), "30 days") {
		t.Errorf("unknown ID: %v", err)
	}
	if _, err := src.Get(context.Background(), "../../me"); !errors.Is(err, signin.ErrNotFound) {
		t.Errorf("path-like ID: %v", err)
	}
	flow, err := src.Correlated(context.Background(), want.CorrelationID)
	if err != nil || !slices.ContainsFunc(flow, func(s signin.SignIn) bool { return s.ID == want.ID }) {
		t.Errorf("Correlated(%s): %d sign-ins, %v", want.CorrelationID, len(flow), err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Cloud: "mars"}, "--cloud"},
		{Config{Auth: "password"}, "--auth"},
		{Config{GraphURL: "http://graph.example.com"}, "loopback"},
		{Config{GraphURL: "https://graph.microsoft.com/v1.0"}, "without a version"},
		{Config{GraphURL: "ftp://x"}, "--graph-url"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
	for cloud, host := range map[string]string{"public": "https://graph.microsoft.com", "usgov": "https://graph.microsoft.us", "usgovdod": "https://dod-graph.microsoft.us", "china": "https://microsoftgraph.chinacloudapi.cn"} {
		c := Config{Cloud: cloud}
		if err := c.Validate(); err != nil || c.GraphURL != host || c.scope() != host+"/.default" {
			t.Errorf("cloud %s: url %s scope %s err %v", cloud, c.GraphURL, c.scope(), err)
		}
	}
	ok := Config{GraphURL: "http://127.0.0.1:8080/"}
	if err := ok.Validate(); err != nil || ok.GraphURL != "http://127.0.0.1:8080" {
		t.Errorf("loopback http: %v %s", err, ok.GraphURL)
	}
}

func TestCredentialConfiguration(t *testing.T) {
	for _, c := range []struct {
		auth string
		env  env
		want string
	}{
		{"token", env{}, "GRAPH_ACCESS_TOKEN"},
		{"client-secret", env{}, "AZURE_TENANT_ID"},
		{"client-secret", env{"AZURE_TENANT_ID": "t"}, "AZURE_CLIENT_ID"},
		{"client-secret", env{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"}, "AZURE_CLIENT_SECRET"},
		{"client-certificate", env{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"}, "AZURE_CLIENT_CERTIFICATE_PATH"},
		{"client-certificate", env{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_CERTIFICATE_PATH": "/no/such.pem"}, "/no/such.pem"},
	} {
		cfg := Config{Auth: c.auth, Getenv: c.env.get}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		_, err := cfg.credential()
		if err == nil || !errors.Is(err, errConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--auth %s with %v: %v, want it to name %s", c.auth, c.env, err, c.want)
		}
	}
	cfg := Config{Auth: "client-secret", Getenv: env{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s3cr3t"}.get}
	_ = cfg.Validate()
	if _, err := cfg.credential(); err != nil {
		t.Errorf("a complete client-secret configuration: %v", err)
	}
}

// TestRelativeWindowPagesAcrossAMovingClock: through the tool, page two of
// a relative window ("the last 7 days", resolved against the wall clock)
// continues page one although the clock moved between the two calls.
func TestRelativeWindowPagesAcrossAMovingClock(t *testing.T) {
	raws, recs := fixture(t, 600)
	clock := newest(recs)
	src, _ := newSource(t, raws, clock, func(c *Config) {
		c.PageSize = 40
		c.Now = func() time.Time { return clock }
	})
	c := mcpservertest.Connect(t, src)
	call := func(args string) (tools.SearchFailedSigninsResult, *mcp.CallToolResult) {
		t.Helper()
		res := mcpservertest.CallRaw(t, c, tools.SearchFailedSigninsName, args)
		var out tools.SearchFailedSigninsResult
		if !res.IsError {
			b, _ := json.Marshal(res.StructuredContent)
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
		}
		return out, res
	}
	first, res := call(`{"limit":5,"since":"7d"}`)
	if res.IsError || first.Coverage.NextCursor == "" {
		t.Fatalf("page one: %s %+v", mcpservertest.Text(res), first.Coverage)
	}
	seen := map[string]bool{}
	for _, r := range first.SignIns {
		seen[r.ID] = true
	}
	clock = clock.Add(90*time.Second + 1)
	second, res := call(`{"limit":5,"since":"7d","cursor":"` + first.Coverage.NextCursor + `"}`)
	if res.IsError {
		t.Fatalf("page two after the clock moved: %s", mcpservertest.Text(res))
	}
	if len(second.SignIns) == 0 || second.Coverage.Since != first.Coverage.Since || second.Coverage.Until != first.Coverage.Until {
		t.Fatalf("page two: %d rows, window %s..%s (page one %s..%s)", len(second.SignIns), second.Coverage.Since, second.Coverage.Until, first.Coverage.Since, first.Coverage.Until)
	}
	for _, r := range second.SignIns {
		if seen[r.ID] {
			t.Errorf("row %s on both pages", r.ID)
		}
	}
}
