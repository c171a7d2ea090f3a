package graphfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)

// raw marshals Go-literal sign-ins into the records New takes.
func raw(t testing.TB, objs ...map[string]any) []json.RawMessage {
	t.Helper()
	out := make([]json.RawMessage, len(objs))
	for i, o := range objs {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// signIn is a sign-in of user at t0 minus minutesAgo, with extra fields.
func signIn(id, user string, minutesAgo int, extra map[string]any) map[string]any {
	m := map[string]any{
		"id":                id,
		"createdDateTime":   t0.Add(-time.Duration(minutesAgo) * time.Minute).Format(time.RFC3339Nano),
		"userPrincipalName": user,
		"userId":            "id-" + user,
		"appDisplayName":    "Microsoft Office",
		"isInteractive":     true,
		"status":            map[string]any{"errorCode": 50126, "failureReason": "Invalid username or password.", "additionalDetails": nil},
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// mixed is a small tenant: three interactive sign-ins (one with beta-only
// detail), one non-interactive, one service principal, one managed identity.
func mixed(t testing.TB) []json.RawMessage {
	return raw(t,
		signIn("i1", "rosa@contoso.com", 1, map[string]any{
			"signInEventTypes": []string{"interactiveUser"},
			"userAgent":        "Mozilla/5.0",
			"deviceDetail":     map[string]any{"browser": "Edge", "browserId": "b-1", "operatingSystem": "Windows 11"},
			"appliedConditionalAccessPolicies": []any{map[string]any{
				"id": "p1", "displayName": "Require MFA", "result": "failure", "enforcedGrantControls": []string{"Mfa"},
				"enforcedSessionControls": []string{}, "conditionsSatisfied": "application,users",
			}},
			"authenticationDetails": []any{map[string]any{"authenticationMethod": "Password", "succeeded": false}},
		}),
		signIn("i2", "sam@contoso.com", 2, map[string]any{"status": map[string]any{"errorCode": 0}}),
		signIn("i3", "rosa@contoso.com", 3, map[string]any{"status": map[string]any{"errorCode": 50053}}),
		signIn("n1", "rosa@contoso.com", 4, map[string]any{"isInteractive": false}),
		signIn("sp1", "", 5, map[string]any{"isInteractive": false, "signInEventTypes": []string{"servicePrincipal"}, "servicePrincipalId": "sp-1"}),
		signIn("mi1", "", 6, map[string]any{"isInteractive": false, "signInEventTypes": []string{"managedIdentity"}}),
	)
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	text   string
}

// get sends a GET to ts and decodes the JSON answer.
func get(t testing.TB, ts *httptest.Server, pathAndQuery string, header ...string) answer {
	t.Helper()
	target := pathAndQuery
	if !strings.HasPrefix(target, "http") {
		target = ts.URL + pathAndQuery
	}
	return send(t, http.MethodGet, target, header...)
}

func send(t testing.TB, method, target string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, text: string(b)}
	if err := json.Unmarshal(b, &a.body); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v: %s", method, target, err, b)
	}
	return a
}

func (a answer) ids(t testing.TB) []string {
	t.Helper()
	vals, ok := a.body["value"].([]any)
	if !ok {
		t.Fatalf("answer has no value array: %s", a.text)
	}
	var ids []string
	for _, v := range vals {
		ids = append(ids, v.(map[string]any)["id"].(string))
	}
	return ids
}

func (a answer) nextLink() string {
	s, _ := a.body["@odata.nextLink"].(string)
	return s
}

// graphErr checks that a is a Graph error of status and code, with the
// request-id header repeated in innerError, and returns its message.
func (a answer) graphErr(t testing.TB, status int, code string) string {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.text)
	}
	e, _ := a.body["error"].(map[string]any)
	if e == nil {
		t.Fatalf("no error object: %s", a.text)
	}
	if e["code"] != code {
		t.Errorf("error code %v, want %s", e["code"], code)
	}
	inner, _ := e["innerError"].(map[string]any)
	if inner == nil || inner["request-id"] != a.header.Get("request-id") || a.header.Get("request-id") == "" {
		t.Errorf("innerError %v does not carry the request-id header %q", inner, a.header.Get("request-id"))
	}
	if d, _ := inner["date"].(string); len(d) != len("2006-01-02T15:04:05") {
		t.Errorf("innerError date %q, want Graph's 2006-01-02T15:04:05 form", d)
	}
	msg, _ := e["message"].(string)
	if msg == "" {
		t.Error("empty error message")
	}
	return msg
}

func newTestServer(t testing.TB, recs []json.RawMessage, opts ...Option) (*Server, *httptest.Server) {
	t.Helper()
	fake := New(recs, opts...)
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	return fake, ts
}

func TestV1HidesNonInteractiveAndBetaOnlyProperties(t *testing.T) {
	_, ts := newTestServer(t, mixed(t))
	a := get(t, ts, "/v1.0/auditLogs/signIns")
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.text)
	}
	if got, want := a.ids(t), []string{"i1", "i2", "i3"}; !slices.Equal(got, want) {
		t.Errorf("v1.0 listed %v, want the interactive %v newest first", got, want)
	}
	if ctx := a.body["@odata.context"]; ctx != ts.URL+"/v1.0/$metadata#auditLogs/signIns" {
		t.Errorf("@odata.context = %v", ctx)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	first := a.body["value"].([]any)[0].(map[string]any)
	for _, beta := range []string{"signInEventTypes", "userAgent", "authenticationDetails"} {
		if _, ok := first[beta]; ok {
			t.Errorf("v1.0 sign-in has beta-only property %s", beta)
		}
	}
	if _, ok := first["deviceDetail"].(map[string]any)["browserId"]; ok {
		t.Error("v1.0 deviceDetail has beta-only browserId")
	}
	pol := first["appliedConditionalAccessPolicies"].([]any)[0].(map[string]any)
	if _, ok := pol["conditionsSatisfied"]; ok {
		t.Error("v1.0 CA policy has beta-only conditionsSatisfied")
	}
	if pol["result"] != "failure" || first["deviceDetail"].(map[string]any)["browser"] != "Edge" {
		t.Errorf("v1.0 dropped v1.0 members: %v", first)
	}
	if _, ok := first["isInteractive"]; !ok {
		t.Error("v1.0 sign-in lost isInteractive")
	}

	// The non-interactive sign-in does not exist for v1.0.
	get(t, ts, "/v1.0/auditLogs/signIns/n1").graphErr(t, http.StatusNotFound, CodeNotFound)
	// A v1.0 filter on a beta-only property is a bad request.
	get(t, ts, "/v1.0/auditLogs/signIns?$filter="+url.QueryEscape("signInEventTypes/any(t: t eq 'nonInteractiveUser')")).
		graphErr(t, http.StatusBadRequest, CodeBadRequest)
}

func TestBetaSignInEventTypes(t *testing.T) {
	_, ts := newTestServer(t, mixed(t))
	tests := []struct {
		filter string
		want   []string
	}{
		{"", []string{"i1", "i2", "i3"}}, // interactive only unless the filter names signInEventTypes
		{"userPrincipalName eq 'rosa@contoso.com'", []string{"i1", "i3"}},
		{"signInEventTypes/any(t: t eq 'nonInteractiveUser')", []string{"n1"}},
		{"signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'noninteractiveUser')", []string{"i1", "i2", "i3", "n1"}},
		{"signInEventTypes/any(t: t eq 'servicePrincipal')", []string{"sp1"}},
		{"signInEventTypes/any(t: t eq 'managedIdentity')", []string{"mi1"}},
		{"signInEventTypes/any(t: t eq 'nonInteractiveUser') and userPrincipalName eq 'ROSA@contoso.com'", []string{"n1"}},
		{"signInEventTypes/any(t: t ne 'interactiveUser')", []string{"n1", "sp1", "mi1"}},
		{"signInEventTypes/any(t: t eq 'nonInteractive')", nil}, // not a Graph value: nothing matches
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			path := "/beta/auditLogs/signIns"
			if tt.filter != "" {
				path += "?$filter=" + url.QueryEscape(tt.filter)
			}
			a := get(t, ts, path)
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.text)
			}
			if got := a.ids(t); !slices.Equal(got, tt.want) {
				t.Errorf("listed %v, want %v", got, tt.want)
			}
		})
	}
	// Beta keeps beta-only properties and always carries signInEventTypes.
	a := get(t, ts, "/beta/auditLogs/signIns?$filter="+url.QueryEscape("signInEventTypes/any(t: t eq 'nonInteractiveUser')"))
	n1 := a.body["value"].([]any)[0].(map[string]any)
	if types, _ := n1["signInEventTypes"].([]any); len(types) != 1 || types[0] != "nonInteractiveUser" {
		t.Errorf("beta signInEventTypes of a record without them = %v, want [nonInteractiveUser]", n1["signInEventTypes"])
	}
	i1 := get(t, ts, "/beta/auditLogs/signIns/i1")
	if i1.body["userAgent"] != "Mozilla/5.0" || i1.body["deviceDetail"].(map[string]any)["browserId"] != "b-1" {
		t.Errorf("beta lost beta-only properties: %s", i1.text)
	}
	// Graph refuses user and service principal sign-ins in one list.
	msg := get(t, ts, "/beta/auditLogs/signIns?$filter="+
		url.QueryEscape("signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'servicePrincipal')")).
		graphErr(t, http.StatusBadRequest, CodeUnsupportedQuery)
	if !strings.Contains(msg, "separately") {
		t.Errorf("message %q does not say to request them separately", msg)
	}
}

// walk follows nextLink from first until it ends, returning every id in
// order and the number of requests made.
func walk(t *testing.T, ts *httptest.Server, first string) ([]string, int) {
	t.Helper()
	var ids []string
	link, n := first, 0
	for link != "" {
		n++
		if n > 100 {
			t.Fatal("nextLink never ends")
		}
		a := get(t, ts, link)
		if a.status != http.StatusOK {
			t.Fatalf("page %d (%s): status %d: %s", n, link, a.status, a.text)
		}
		if _, ok := a.body["@odata.context"]; !ok {
			t.Errorf("page %d has no @odata.context", n)
		}
		ids = append(ids, a.ids(t)...)
		link = a.nextLink()
	}
	return ids, n
}

func TestPagingWalksEveryRecordOnce(t *testing.T) {
	var objs []map[string]any
	var want, wantFailures []string // newest first
	for i := range 25 {
		id := fmt.Sprintf("s%02d", i)
		code := 50126
		if i%5 == 0 {
			code = 0
		} else {
			wantFailures = append(wantFailures, id)
		}
		objs = append(objs, signIn(id, "user@contoso.com", i, map[string]any{"status": map[string]any{"errorCode": code}}))
		want = append(want, id)
	}
	objs = append(objs, signIn("nonint", "user@contoso.com", 3, map[string]any{"isInteractive": false}))
	recs := raw(t, objs...)
	slices.Reverse(recs) // New sorts; the order given must not matter

	filter := url.QueryEscape("status/errorCode ne 0 and userPrincipalName eq 'USER@contoso.com'")
	tests := []struct {
		name     string
		opts     []Option
		query    string
		want     []string
		requests int
	}{
		{"default page holds all", nil, "", want, 1},
		{"top 7", nil, "?$top=7", want, 4},
		{"top 25 exactly", nil, "?$top=25", want, 1},
		{"top 1", nil, "?$top=1", want, 25},
		{"page size 10 without top", []Option{WithPageSize(10)}, "", want, 3},
		{"top wins over page size", []Option{WithPageSize(10)}, "?$top=20", want, 2},
		{"short pages despite top", []Option{WithMaxPageSize(4)}, "?$top=10", want, 7},
		{"filtered, top 6", nil, "?$filter=" + filter + "&$top=6", wantFailures, 4},
		{"oldest first", nil, "?$orderby=createdDateTime%20asc&$top=8", reversed(want), 4},
		{"newest first explicit", nil, "?$orderby=createdDateTime+desc&$top=8", want, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, ts := newTestServer(t, recs, tt.opts...)
			got, n := walk(t, ts, "/v1.0/auditLogs/signIns"+tt.query)
			if !slices.Equal(got, tt.want) {
				t.Errorf("walked %v\nwant   %v", got, tt.want)
			}
			if n != tt.requests || len(fake.Requests()) != tt.requests {
				t.Errorf("%d requests (%d logged), want %d", n, len(fake.Requests()), tt.requests)
			}
		})
	}
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func TestNextLinkIsFollowedVerbatim(t *testing.T) {
	var objs []map[string]any
	for i := range 5 {
		objs = append(objs, signIn(fmt.Sprintf("s%d", i), "o'brien@contoso.com", i, nil))
	}
	fake, ts := newTestServer(t, raw(t, objs...))
	filter := "userPrincipalName eq 'o''brien@contoso.com' and startswith(appDisplayName, 'Microsoft')"
	first := "/v1.0/auditLogs/signIns?%24filter=" + url.PathEscape(filter) + "&%24top=2&%24select=id,userPrincipalName&api-version=ignored"
	a := get(t, ts, first)
	next := a.nextLink()
	prefix := ts.URL + "/v1.0/auditLogs/signIns?%24filter=" + url.PathEscape(filter) + "&%24top=2&%24select=id,userPrincipalName&api-version=ignored&$skiptoken="
	if !strings.HasPrefix(next, prefix) {
		t.Fatalf("nextLink %q\ndoes not keep the query as sent: want prefix %q", next, prefix)
	}
	if strings.Contains(next[len(prefix):], "&") {
		t.Errorf("nextLink has more than one $skiptoken: %s", next)
	}
	ids, _ := walk(t, ts, first)
	if !slices.Equal(ids, []string{"s0", "s1", "s2", "s3", "s4"}) {
		t.Errorf("walked %v", ids)
	}
	// $select holds on every page, and the context names it.
	b := get(t, ts, next)
	if ctx := b.body["@odata.context"]; ctx != ts.URL+"/v1.0/$metadata#auditLogs/signIns(id,userPrincipalName)" {
		t.Errorf("@odata.context = %v", ctx)
	}
	for _, v := range b.body["value"].([]any) {
		if len(v.(map[string]any)) != 2 {
			t.Errorf("page 2 is not projected: %v", v)
		}
	}
	reqs := fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Query.Get("$filter") != filter || last.Query.Get("$top") != "2" || last.Query.Get("$skiptoken") == "" {
		t.Errorf("logged query of a followed link = %v", last.Query)
	}
}

func TestSkipTokenTamperedOrReused(t *testing.T) {
	var objs []map[string]any
	for i := range 6 {
		objs = append(objs, signIn(fmt.Sprintf("s%d", i), "u@contoso.com", i, nil))
	}
	_, ts := newTestServer(t, raw(t, objs...))
	next := get(t, ts, "/v1.0/auditLogs/signIns?$top=2").nextLink()
	u, err := url.Parse(next)
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("$skiptoken")

	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	payload, mac, _ := strings.Cut(tok, ".")
	tests := map[string]string{
		"payload edited":     "/v1.0/auditLogs/signIns?$top=2&$skiptoken=" + flip(payload, 3) + "." + mac,
		"mac edited":         "/v1.0/auditLogs/signIns?$top=2&$skiptoken=" + payload + "." + flip(mac, 0),
		"no mac":             "/v1.0/auditLogs/signIns?$top=2&$skiptoken=" + payload,
		"garbage":            "/v1.0/auditLogs/signIns?$top=2&$skiptoken=9177f2e3532fcd4c4d225f68f7b9bdf7_1",
		"empty":              "/v1.0/auditLogs/signIns?$top=2&$skiptoken=",
		"other page size":    "/v1.0/auditLogs/signIns?$top=3&$skiptoken=" + tok,
		"filter added":       "/v1.0/auditLogs/signIns?$top=2&$filter=userId+eq+'x'&$skiptoken=" + tok,
		"other version":      "/beta/auditLogs/signIns?$top=2&$skiptoken=" + tok,
		"other server's key": "/v1.0/auditLogs/signIns?$top=2&$skiptoken=" + foreignToken(t),
	}
	for name, path := range tests {
		t.Run(name, func(t *testing.T) {
			msg := get(t, ts, path).graphErr(t, http.StatusBadRequest, CodeBadRequest)
			if name != "empty" && !strings.Contains(msg, "Invalid Skip Token") {
				t.Errorf("message %q", msg)
			}
		})
	}
	// Duplicated $skiptoken (a client appending its own to nextLink).
	get(t, ts, next+"&$skiptoken="+tok).graphErr(t, http.StatusBadRequest, CodeBadRequest)
	// The genuine link still works, more than once.
	for range 2 {
		if a := get(t, ts, next); a.status != http.StatusOK || !slices.Equal(a.ids(t), []string{"s2", "s3"}) {
			t.Fatalf("genuine nextLink: %d %s", a.status, a.text)
		}
	}
}

// foreignToken is a well-formed skip token minted by another Server.
func foreignToken(t *testing.T) string {
	var objs []map[string]any
	for i := range 3 {
		objs = append(objs, signIn(fmt.Sprintf("s%d", i), "u@contoso.com", i, nil))
	}
	_, other := newTestServer(t, raw(t, objs...))
	u, _ := url.Parse(get(t, other, "/v1.0/auditLogs/signIns?$top=2").nextLink())
	return u.Query().Get("$skiptoken")
}

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestSkipTokenExpires(t *testing.T) {
	var objs []map[string]any
	for i := range 6 {
		objs = append(objs, signIn(fmt.Sprintf("s%d", i), "u@contoso.com", i, nil))
	}
	clock := &fakeClock{now: t0}
	fake, ts := newTestServer(t, raw(t, objs...), WithClock(clock.Now), WithSkipTokenTTL(5*time.Minute))

	next := get(t, ts, "/v1.0/auditLogs/signIns?$top=2").nextLink()
	clock.Advance(5 * time.Minute)
	a := get(t, ts, next)
	if a.status != http.StatusOK {
		t.Fatalf("token at its TTL: %d %s", a.status, a.text)
	}
	// Each page's token is fresh: the third page is 5 minutes after the second.
	third := a.nextLink()
	clock.Advance(5*time.Minute + time.Second)
	get(t, ts, next).graphErr(t, http.StatusBadRequest, CodeExpiredPageToken)
	get(t, ts, third).graphErr(t, http.StatusBadRequest, CodeExpiredPageToken)

	fake.SetSkipTokenTTL(0) // never expire
	if a := get(t, ts, third); a.status != http.StatusOK {
		t.Errorf("with no TTL: %d %s", a.status, a.text)
	}
}

func TestSelect(t *testing.T) {
	_, ts := newTestServer(t, mixed(t))
	tests := []struct {
		path string
		want []string // keys of each object
	}{
		{"/v1.0/auditLogs/signIns?$select=userId,status", []string{"id", "status", "userId"}},
		{"/v1.0/auditLogs/signIns?$select=" + url.QueryEscape(" USERID , createdDateTime,userId"), []string{"createdDateTime", "id", "userId"}},
		{"/v1.0/auditLogs/signIns?$select=id", []string{"id"}},
		{"/v1.0/auditLogs/signIns?$select=riskState", []string{"id", "riskState"}}, // absent: null, as Graph sends
		{"/beta/auditLogs/signIns?$select=userAgent,signInEventTypes", []string{"id", "signInEventTypes", "userAgent"}},
		{"/beta/auditLogs/signIns/i1?$select=userAgent", []string{"@odata.context", "id", "userAgent"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			a := get(t, ts, tt.path)
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.text)
			}
			objs, ok := a.body["value"].([]any)
			if !ok {
				objs = []any{a.body}
			}
			for _, o := range objs {
				var keys []string
				for k := range o.(map[string]any) {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if !slices.Equal(keys, tt.want) {
					t.Errorf("keys %v, want %v", keys, tt.want)
				}
			}
		})
	}
	for _, bad := range []string{
		"/v1.0/auditLogs/signIns?$select=nope",
		"/v1.0/auditLogs/signIns?$select=userAgent", // beta-only
		"/v1.0/auditLogs/signIns?$select=status/errorCode",
		"/v1.0/auditLogs/signIns?$select=id,,userId",
		"/v1.0/auditLogs/signIns/i1?$select=nope",
	} {
		get(t, ts, bad).graphErr(t, http.StatusBadRequest, CodeBadRequest)
	}
}

func TestQueryOptionErrors(t *testing.T) {
	_, ts := newTestServer(t, mixed(t))
	tests := []struct {
		query string
		code  string
		want  string
	}{
		{"$top=0", CodeBadRequest, "between 1 and 1000"},
		{"$top=-1", CodeBadRequest, "between 1 and 1000"},
		{"$top=1001", CodeBadRequest, "limit of '1000'"},
		{"$top=ten", CodeBadRequest, "$top"},
		{"$top=2&$top=3", CodeBadRequest, "more than once"},
		{"$top=2&%24TOP=3", CodeBadRequest, "more than once"},
		{"$count=true", CodeBadRequest, "'Count' is not allowed"},
		{"$search=%22rosa%22", CodeBadRequest, "'Search' is not allowed"},
		{"$skip=10", CodeBadRequest, "'Skip' is not allowed"},
		{"$expand=x", CodeBadRequest, "'Expand' is not allowed"},
		{"$frobnicate=1", CodeBadRequest, "'$frobnicate' is not supported"},
		{"$orderby=userId", CodeUnsupportedQuery, "only by createdDateTime"},
		{"$orderby=createdDateTime%20sideways", CodeBadRequest, "direction"},
		{"$orderby=createdDateTime%20desc,userId", CodeBadRequest, "only by createdDateTime"},
		{"$orderby=nonsense", CodeBadRequest, "only by createdDateTime"},
		{"$filter=" + url.QueryEscape("userId eq 'x"), CodeBadRequest, "Invalid filter clause: unterminated string"},
		{"$filter=" + url.QueryEscape("status/errorCode ge 1"), CodeUnsupportedQuery, "Invalid filter clause: operator ge"},
		{"$filter=" + url.QueryEscape("userId ne 'x'"), CodeUnsupportedQuery, "operator ne"},
		{"$filter=" + url.QueryEscape("createdDateTime ge '2025-01-01'"), CodeBadRequest, "incompatible types"},
		{"$filter=" + url.QueryEscape("userId eq 'x') or (1 eq 1"), CodeBadRequest, "Invalid filter clause"},
		{"$filter=userId%20eq%20%27%FF%27", CodeBadRequest, "UTF-8"},
		{"$filter=%zz", CodeBadRequest, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			msg := get(t, ts, "/v1.0/auditLogs/signIns?"+tt.query).graphErr(t, http.StatusBadRequest, tt.code)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q, want it to contain %q", msg, tt.want)
			}
		})
	}
	// Parameters without $ are ignored, as at Graph; empty options are none.
	for _, ok := range []string{"filter=garbage", "$filter=&$select=", "$top=1000", "$orderby=createdDateTime"} {
		if a := get(t, ts, "/v1.0/auditLogs/signIns?"+ok); a.status != http.StatusOK {
			t.Errorf("%s: %d %s", ok, a.status, a.text)
		}
	}
	// The get route takes $select only.
	get(t, ts, "/v1.0/auditLogs/signIns/i1?$filter=userId+eq+'x'").graphErr(t, http.StatusBadRequest, CodeBadRequest)
	get(t, ts, "/v1.0/auditLogs/signIns/i1?$top=1").graphErr(t, http.StatusBadRequest, CodeBadRequest)
}

func TestThrottleThenSuccess(t *testing.T) {
	fake, ts := newTestServer(t, mixed(t), WithThrottle(2, 1500*time.Millisecond))
	for i := range 2 {
		a := get(t, ts, "/v1.0/auditLogs/signIns")
		a.graphErr(t, http.StatusTooManyRequests, CodeTooManyRequests)
		if ra := a.header.Get("Retry-After"); ra != "2" {
			t.Errorf("request %d: Retry-After %q, want whole seconds rounded up (2)", i, ra)
		}
	}
	if a := get(t, ts, "/v1.0/auditLogs/signIns"); a.status != http.StatusOK {
		t.Fatalf("after the throttle: %d %s", a.status, a.text)
	}
	var statuses []int
	for _, r := range fake.Requests() {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{429, 429, 200}) {
		t.Errorf("logged statuses %v", statuses)
	}

	fake.Throttle(1, 0)
	a := get(t, ts, "/beta/auditLogs/signIns/i1")
	a.graphErr(t, http.StatusTooManyRequests, CodeTooManyRequests)
	if a.header.Get("Retry-After") != "0" {
		t.Errorf("Retry-After %q, want 0", a.header.Get("Retry-After"))
	}
	if a := get(t, ts, "/beta/auditLogs/signIns/i1"); a.status != http.StatusOK {
		t.Errorf("after Throttle(1): %d", a.status)
	}
}

func TestStatusOptions(t *testing.T) {
	tests := []struct {
		status     int
		code       string
		wantCode   string
		wantMsg    string
		retryAfter bool
	}{
		{403, CodeNoPremiumLicence, CodeNoPremiumLicence, "premium license", false},
		{403, CodePermissionMissing, CodePermissionMissing, "AuditLog.Read.All", false},
		{403, CodeUnsupportedUserRole, CodeUnsupportedUserRole, "allowed roles", false},
		{403, CodeRequestDenied, CodeRequestDenied, "Insufficient privileges", false},
		{403, "", CodeRequestDenied, "Insufficient privileges", false},
		{401, "", CodeInvalidToken, "Access token", false},
		{404, "", CodeNotFound, "does not exist", false},
		{500, "", CodeInternalServerError, "internal server error", false},
		{503, CodeServiceUnavailable, CodeServiceUnavailable, "unavailable", true},
		{504, "", CodeGatewayTimeout, "gateway", false},
		{429, "", CodeTooManyRequests, "throttled", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, tt.code), func(t *testing.T) {
			fake, ts := newTestServer(t, mixed(t), WithStatus(tt.status, tt.code), WithRetryAfter(1200*time.Millisecond))
			for _, path := range []string{"/v1.0/auditLogs/signIns", "/beta/auditLogs/signIns/i1"} {
				a := get(t, ts, path)
				msg := a.graphErr(t, tt.status, tt.wantCode)
				if !strings.Contains(msg, tt.wantMsg) {
					t.Errorf("message %q, want it to contain %q", msg, tt.wantMsg)
				}
				if got := a.header.Get("Retry-After"); (got != "") != tt.retryAfter || (tt.retryAfter && got != "2") {
					t.Errorf("Retry-After %q (want one: %v)", got, tt.retryAfter)
				}
			}
			fake.SetStatus(0, "")
			if a := get(t, ts, "/v1.0/auditLogs/signIns"); a.status != http.StatusOK {
				t.Errorf("after SetStatus(0): %d", a.status)
			}
		})
	}
	// The three 403s that need different fixes are told apart by code.
	seen := map[string]bool{}
	for _, c := range []string{CodeNoPremiumLicence, CodePermissionMissing, CodeUnsupportedUserRole, CodeRequestDenied} {
		if seen[Message(c)] || Message(c) == "" {
			t.Errorf("403 %s has a missing or shared message %q", c, Message(c))
		}
		seen[Message(c)] = true
	}
	_, ts := newTestServer(t, nil, WithError(403, CodeRequestDenied, "custom text"))
	if msg := get(t, ts, "/v1.0/auditLogs/signIns").graphErr(t, 403, CodeRequestDenied); msg != "custom text" {
		t.Errorf("WithError message %q", msg)
	}
}

func TestTransientFailures(t *testing.T) {
	fake, ts := newTestServer(t, mixed(t), WithFailures(2, http.StatusServiceUnavailable, ""))
	get(t, ts, "/v1.0/auditLogs/signIns").graphErr(t, 503, CodeServiceUnavailable)
	get(t, ts, "/v1.0/auditLogs/signIns").graphErr(t, 503, CodeServiceUnavailable)
	if a := get(t, ts, "/v1.0/auditLogs/signIns"); a.status != http.StatusOK {
		t.Fatalf("third request: %d", a.status)
	}
	fake.FailNext(1, http.StatusGatewayTimeout, "")
	a := get(t, ts, "/v1.0/auditLogs/signIns")
	a.graphErr(t, 504, CodeGatewayTimeout)
	if a.header.Get("Retry-After") != "" {
		t.Error("504 carries Retry-After; Graph's do not")
	}
	// A throttle and a failure queue: the throttle answers first.
	fake.Throttle(1, 0)
	fake.FailNext(1, 500, "")
	get(t, ts, "/v1.0/auditLogs/signIns").graphErr(t, 429, CodeTooManyRequests)
	get(t, ts, "/v1.0/auditLogs/signIns").graphErr(t, 500, CodeInternalServerError)
	if a := get(t, ts, "/v1.0/auditLogs/signIns"); a.status != http.StatusOK {
		t.Fatalf("after both: %d", a.status)
	}
}

func TestToken(t *testing.T) {
	fake, ts := newTestServer(t, mixed(t), WithToken("good-token"), WithThrottle(1, 0))
	tests := []struct {
		name   string
		header []string
		status int
		msg    string
	}{
		{"none", nil, 401, "Access token is empty."},
		{"empty bearer", []string{"Authorization", "Bearer "}, 401, "Access token is empty."},
		{"basic", []string{"Authorization", "Basic Z29vZC10b2tlbg=="}, 401, "Access token is empty."},
		{"wrong", []string{"Authorization", "Bearer bad-token"}, 401, "Access token validation failure."},
		{"right but throttled", []string{"Authorization", "Bearer good-token"}, 429, ""},
		{"right", []string{"Authorization", "Bearer good-token"}, 200, ""},
		{"scheme in lower case", []string{"Authorization", "bearer good-token"}, 200, ""},
	}
	for _, tt := range tests {
		a := get(t, ts, "/v1.0/auditLogs/signIns", tt.header...)
		switch tt.status {
		case 401:
			if msg := a.graphErr(t, 401, CodeInvalidToken); msg != tt.msg {
				t.Errorf("%s: message %q, want %q", tt.name, msg, tt.msg)
			}
			if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("%s: WWW-Authenticate %q", tt.name, a.header.Get("WWW-Authenticate"))
			}
		default:
			if a.status != tt.status {
				t.Errorf("%s: status %d, want %d", tt.name, a.status, tt.status)
			}
		}
	}
	var tokens []string
	for _, r := range fake.Requests() {
		tokens = append(tokens, r.Token)
	}
	if want := []string{"", "", "", "bad-token", "good-token", "good-token", "good-token"}; !slices.Equal(tokens, want) {
		t.Errorf("logged tokens %q, want %q", tokens, want)
	}
	fake.SetToken("")
	if a := get(t, ts, "/v1.0/auditLogs/signIns"); a.status != 200 {
		t.Errorf("SetToken(\"\") still demands a token: %d", a.status)
	}
	fake.ResetRequests()
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests after ResetRequests", n)
	}
}

func TestRoutesAndGet(t *testing.T) {
	_, ts := newTestServer(t, mixed(t))
	a := get(t, ts, "/beta/auditLogs/signIns/i1", "client-request-id", "my-id-1")
	if a.status != http.StatusOK || a.body["id"] != "i1" {
		t.Fatalf("get: %d %s", a.status, a.text)
	}
	if a.body["@odata.context"] != ts.URL+"/beta/$metadata#auditLogs/signIns/$entity" {
		t.Errorf("@odata.context = %v", a.body["@odata.context"])
	}
	if a.header.Get("client-request-id") != "my-id-1" || a.header.Get("request-id") == "" {
		t.Errorf("headers request-id %q client-request-id %q", a.header.Get("request-id"), a.header.Get("client-request-id"))
	}
	if _, ok := a.body["value"]; ok {
		t.Error("a get answered a collection")
	}
	// Path segments are case-insensitive at Graph, and a trailing slash lists.
	for _, p := range []string{"/V1.0/AUDITLOGS/SIGNINS", "/v1.0/auditlogs/signins/", "/beta/auditLogs/signIns/I1"} {
		if a := get(t, ts, p); a.status != http.StatusOK {
			t.Errorf("%s: %d", p, a.status)
		}
	}
	msg := get(t, ts, "/v1.0/auditLogs/signIns/nope").graphErr(t, http.StatusNotFound, CodeNotFound)
	if !strings.Contains(msg, "'nope'") {
		t.Errorf("404 message %q does not name the ID", msg)
	}
	for _, p := range []string{"/", "/v2.0/auditLogs/signIns", "/v1.0/auditLogs/directoryAudits/x/y", "/v1.0/auditLogs", "/v1.0/users", "/v1.0/identity/conditionalAccess/policies", "/v1.0/auditLogs/signIns/i1/extra"} {
		get(t, ts, p).graphErr(t, http.StatusNotFound, CodeBadRequest)
	}
	for _, m := range []string{http.MethodPost, http.MethodDelete, http.MethodPatch} {
		a := send(t, m, ts.URL+"/v1.0/auditLogs/signIns")
		a.graphErr(t, http.StatusMethodNotAllowed, "Request_BadRequest")
		if a.header.Get("Allow") != http.MethodGet {
			t.Errorf("%s: Allow %q", m, a.header.Get("Allow"))
		}
	}
}

func TestRetention(t *testing.T) {
	clock := &fakeClock{now: t0}
	_, ts := newTestServer(t, mixed(t), WithClock(clock.Now), WithRetention(150*time.Second))
	if got := get(t, ts, "/v1.0/auditLogs/signIns").ids(t); !slices.Equal(got, []string{"i1", "i2"}) {
		t.Errorf("within retention: %v", got)
	}
	get(t, ts, "/v1.0/auditLogs/signIns/i3").graphErr(t, http.StatusNotFound, CodeNotFound)
}

func TestConcurrentRequests(t *testing.T) {
	fake, ts := newTestServer(t, mixed(t), WithThrottle(5, 0))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			resp, err := http.Get(ts.URL + "/beta/auditLogs/signIns?$top=1")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	throttled := 0
	for _, r := range fake.Requests() {
		if r.Status == http.StatusTooManyRequests {
			throttled++
		}
	}
	if n := len(fake.Requests()); n != 20 || throttled != 5 {
		t.Errorf("%d requests, %d throttled; want 20 and 5", n, throttled)
	}
}

func TestNewPanicsOnBrokenFixtures(t *testing.T) {
	for name, recs := range map[string][]json.RawMessage{
		"not JSON":     {json.RawMessage(`{`)},
		"not object":   {json.RawMessage(`[1]`)},
		"null":         {json.RawMessage(`null`)},
		"no id":        {json.RawMessage(`{"createdDateTime":"2025-01-01T00:00:00Z"}`)},
		"bad time":     {json.RawMessage(`{"id":"a","createdDateTime":"yesterday"}`)},
		"duplicate id": {json.RawMessage(`{"id":"a","createdDateTime":"2025-01-01T00:00:00Z"}`), json.RawMessage(`{"id":"a","createdDateTime":"2025-01-01T00:00:00Z"}`)},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			New(recs)
		})
	}
}
