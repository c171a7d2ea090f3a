package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfake"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/pace/pacetest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

var d0 = time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)

const (
	ipA = "203.0.113.10" // rosa's password failures, shared with others
	ipB = "203.0.113.20"
	ipC = "203.0.113.30"
)

// diagTenant is hand-written Graph beta records around rosa: wrong
// passwords and a lockout from ipA, successes from ipB (non-interactive)
// and ipC, older successes before the window (the newest non-interactive),
// and others' sign-ins from ipA, one of a type rosa did not fail with and
// one before the window; o'brien, whose name needs escaping; a service
// principal.
func diagTenant(t testing.TB) ([]json.RawMessage, []signin.SignIn) {
	oids := map[string]string{}
	user := func(id string, minsAgo int, who string, typ signin.Type, code int, ip string) map[string]any {
		if oids[who] == "" {
			oids[who] = fmt.Sprintf("00000000-0000-0000-0000-%012d", len(oids)+1)
		}
		return map[string]any{
			"id": id, "createdDateTime": d0.Add(-time.Duration(minsAgo) * time.Minute).Format(time.RFC3339),
			"correlationId": "corr-" + id, "userId": oids[who], "userPrincipalName": who + "@contoso.com",
			"appId": "11111111-0000-0000-0000-000000000001", "appDisplayName": "Outlook", "ipAddress": ip,
			"status": map[string]any{"errorCode": code}, "isInteractive": typ == signin.Interactive, "signInEventTypes": []string{typ.EventType()},
		}
	}
	sp := func(id string, minsAgo, code int) map[string]any {
		return map[string]any{
			"id": id, "createdDateTime": d0.Add(-time.Duration(minsAgo) * time.Minute).Format(time.RFC3339),
			"correlationId": "corr-" + id, "appId": "22222222-0000-0000-0000-000000000001", "appDisplayName": "Payroll Sync",
			"servicePrincipalId": "33333333-0000-0000-0000-000000000001", "servicePrincipalName": "Payroll Sync", "ipAddress": "198.51.100.1",
			"status": map[string]any{"errorCode": code}, "isInteractive": false, "signInEventTypes": []string{"servicePrincipal"},
		}
	}
	day := 24 * 60
	in, non := signin.Interactive, signin.NonInteractive
	recs := []map[string]any{
		user("r1", 50, "rosa1", in, 50126, ipA), user("r2", 40, "rosa1", in, 50126, ipA), user("r3", 30, "rosa1", in, 50053, ipA),
		user("r4", 20, "rosa1", in, 0, ipC), user("r5", 10, "rosa1", non, 0, ipB), user("r6", 600, "rosa1", in, 50126, ipC),
		user("rOld1", 3*day, "rosa1", in, 0, ipC), user("rOld2", 5*day, "rosa1", in, 0, ipC),
		user("rOld3", 2*day+60, "rosa1", in, 50126, ipC), user("rOldN", 2*day+120, "rosa1", non, 0, ipB),
		user("b1", 45, "bob01", in, 50126, ipA), user("c1", 35, "carl1", in, 0, ipA), user("c2", 34, "carl1", in, 50126, ipA),
		user("d1", 25, "dave1", non, 0, ipA), user("e1", 3*day, "eve01", in, 50126, ipA),
		user("o1", 5, "o'brien", in, 50126, ipB),
		sp("sp1", 15, 7000215), sp("sp2", 5, 0), sp("spOld", 3*day, 0),
	}
	var raws []json.RawMessage
	var out []signin.SignIn
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, b)
		si, err := graphjson.DecodeSignIn(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, si)
	}
	return raws, out
}

func collectIDs(recs []signin.SignIn) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

func lastID(c signin.Collection) string {
	if c.LastSuccess == nil {
		return ""
	}
	return c.LastSuccess.ID
}

// TestCollectMatchesReferenceStore: the same diagnosis over the same
// records collects the same sign-ins, last success and same-IP sign-ins
// through Graph (filters at the fake, the real SDK path) as in memory.
func TestCollectMatchesReferenceStore(t *testing.T) {
	raws, recs := diagTenant(t)
	gen, genRecs := fixture(t, 1500)
	now := d0
	ref := memory.New("ref", slices.Clone(recs))
	src, fake := newSource(t, raws, now, nil)
	window := signin.Collect{Since: now.Add(-48 * time.Hour), Until: now.Add(time.Second)}
	cases := map[string]func(*signin.Collect){
		"user by UPN in another case": func(c *signin.Collect) { c.User = "ROSA1@contoso.com" },
		"user by object ID":           func(c *signin.Collect) { c.User = "00000000-0000-0000-0000-000000000001" },
		"user with a quote":           func(c *signin.Collect) { c.User = "O'Brien@contoso.com" },
		"IP":                          func(c *signin.Collect) { c.IPAddress = ipA },
		"correlation ID":              func(c *signin.Collect) { c.CorrelationID = "CORR-R1" },
		"app":                         func(c *signin.Collect) { c.App = "Payroll Sync" },
		"user, interactive only":      func(c *signin.Collect) { c.User = "rosa1@contoso.com"; c.Types = []signin.Type{signin.Interactive} },
	}
	check := func(t *testing.T, src *Source, ref *memory.Store, c signin.Collect, wantSameIP bool) {
		t.Helper()
		got, err := src.Collect(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		// The reference reads the types Graph defaults to.
		rc := c
		rc.Types = got.Coverage.Types
		want, err := ref.Collect(context.Background(), rc)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := collectIDs(got.SignIns), collectIDs(want.SignIns); !slices.Equal(g, w) {
			t.Errorf("sign-ins\n graph  %v\n memory %v", g, w)
		}
		if g, w := collectIDs(got.SameIP), collectIDs(want.SameIP); !slices.Equal(g, w) || (wantSameIP && len(g) == 0) {
			t.Errorf("same-IP\n graph  %v\n memory %v", g, w)
		}
		if g, w := lastID(got), lastID(want); g != w {
			t.Errorf("last success graph %q, memory %q", g, w)
		}
		if got.Coverage.Truncated || got.Coverage.Requests > DiagnosisRequestBudget || got.Coverage.RequestBudget != DiagnosisRequestBudget {
			t.Errorf("coverage %+v", got.Coverage)
		}
	}
	for name, mut := range cases {
		t.Run(name, func(t *testing.T) {
			c := window
			mut(&c)
			check(t, src, ref, c, strings.HasPrefix(name, "user by") || name == "correlation ID")
		})
	}
	t.Run("the story's answer", func(t *testing.T) {
		c := window
		c.User = "rosa1@contoso.com"
		got, err := src.Collect(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if g := collectIDs(got.SignIns); !slices.Equal(g, []string{"r1", "r2", "r3", "r4", "r5", "r6"}) {
			t.Errorf("rosa's sign-ins %v", g)
		}
		if g := collectIDs(got.SameIP); !slices.Equal(g, []string{"b1", "c1", "c2"}) {
			t.Errorf("same-IP %v: want bob's and carl's interactive sign-ins from ipA in the window", g)
		}
		if lastID(got) != "rOldN" || !got.LastSuccessSearchedFrom.Equal(now.Add(-30*24*time.Hour)) {
			t.Errorf("last success %q searched from %v: want the newest of both types, 30 days back", lastID(got), got.LastSuccessSearchedFrom)
		}
		if !slices.ContainsFunc(got.Coverage.Notes, func(n string) bool {
			return strings.HasPrefix(n, "service principal and managed identity sign-ins were not read")
		}) {
			t.Errorf("notes %q: want the default's unread types named", got.Coverage.Notes)
		}
		// 2 types + 2 last successes + ipA and ipC, interactive each.
		if got.Coverage.Requests != 6 || listRequests(fake) < 6 {
			t.Errorf("%d requests, want 6", got.Coverage.Requests)
		}
	})
	// Users of the generated tenant with wrong passwords.
	gsrc, _ := newSource(t, gen, newest(genRecs), nil)
	gref := memory.New("ref", slices.Clone(genRecs))
	seen := map[string]bool{}
	for _, r := range genRecs {
		if r.Status.ErrorCode != 50126 || r.User.UPN == "" || seen[r.User.UPN] || len(seen) == 5 {
			continue
		}
		seen[r.User.UPN] = true
		t.Run("generated "+r.User.UPN, func(t *testing.T) {
			end := newest(genRecs)
			check(t, gsrc, gref, signin.Collect{User: r.User.UPN, Since: end.Add(-7 * 24 * time.Hour), Until: end.Add(time.Second)}, false)
		})
	}
}

// listQueries returns the query of every list request the fake saw.
func listQueries(fake *graphfake.Server) []url.Values {
	var out []url.Values
	for _, r := range fake.Requests() {
		if strings.HasSuffix(r.Path, "/auditLogs/signIns") {
			out = append(out, r.Query)
		}
	}
	return out
}

// TestCollectFiltersSent: what a user's diagnosis asks Graph, literals
// escaped: every outcome of the user per type, the last success per type
// newest first one at a time, then the other sign-ins from the failing IP.
func TestCollectFiltersSent(t *testing.T) {
	raws, _ := diagTenant(t)
	src, fake := newSource(t, raws, d0, nil)
	c := signin.Collect{User: "O'Brien@Contoso.com", Since: d0.Add(-48 * time.Hour), Until: d0.Add(time.Second)}
	var progress []string
	c.Progress = func(done, total int, msg string) {
		progress = append(progress, fmt.Sprintf("%d/%d %s", done, total, msg))
	}
	got, err := src.Collect(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	user := "(userPrincipalName eq 'o''brien@contoso.com' or startswith(userPrincipalName, 'o''brien_contoso.com#ext#@'))"
	window := "createdDateTime ge 2025-05-31T12:00:00Z and createdDateTime le 2025-06-02T12:00:01Z"
	want := []struct{ path, filter, top, orderby string }{
		{"v1.0", user + " and " + window, "1000", ""},
		{"beta", user + " and " + window + " and signInEventTypes/any(t: t eq 'nonInteractiveUser')", "1000", ""},
		{"v1.0", user + " and status/errorCode eq 0 and createdDateTime lt 2025-05-31T12:00:00Z", "1", "createdDateTime desc"},
		{"beta", user + " and status/errorCode eq 0 and createdDateTime lt 2025-05-31T12:00:00Z and signInEventTypes/any(t: t eq 'nonInteractiveUser')", "1", "createdDateTime desc"},
		{"v1.0", "ipAddress eq '" + ipB + "' and " + window, "1000", ""},
	}
	var sent []string
	for _, r := range fake.Requests() {
		sent = append(sent, r.Path+"?"+r.Query.Get("$filter")+" top="+r.Query.Get("$top")+" orderby="+r.Query.Get("$orderby"))
	}
	if len(sent) != len(want) {
		t.Fatalf("%d requests, want %d:\n%s", len(sent), len(want), strings.Join(sent, "\n"))
	}
	for i, w := range want {
		if exp := "/" + w.path + "/auditLogs/signIns?" + w.filter + " top=" + w.top + " orderby=" + w.orderby; sent[i] != exp {
			t.Errorf("request %d:\n %s\nwant\n %s", i+1, sent[i], exp)
		}
	}
	if got.Coverage.Requests != len(want) || len(progress) != len(want) || progress[len(progress)-1] != fmt.Sprintf("%d/%d read sign-ins from %s", len(want), DiagnosisRequestBudget, ipB) {
		t.Errorf("requests %d, progress %q: want one call per request, done of the budget", got.Coverage.Requests, progress)
	}
	// From ipB only rosa's non-interactive success: o'brien failed
	// interactively, so that is the type read.
	if len(got.SameIP) != 0 {
		t.Errorf("same-IP %v, want none", collectIDs(got.SameIP))
	}
}

// TestCollectRequestBudget: a diagnosis that could read more never sends
// more than DiagnosisRequestBudget requests, and says what it left.
func TestCollectRequestBudget(t *testing.T) {
	raws, recs := fixture(t, 1500)
	now := newest(recs)
	window := signin.Collect{Since: now.Add(-30 * 24 * time.Hour), Until: now.Add(time.Second)}
	diagRaws, _ := diagTenant(t)
	for name, c := range map[string]struct {
		raws []json.RawMessage
		now  time.Time
		c    signin.Collect
	}{
		"tenant": {raws, now, window},
		// rosa's 11 sign-ins in 30 days, one a page.
		"user": {diagRaws, d0, signin.Collect{User: "rosa1@contoso.com", Since: d0.Add(-30 * 24 * time.Hour), Until: d0}},
	} {
		t.Run(name, func(t *testing.T) {
			// One sign-in a page: the streams have more pages than the
			// budget.
			src, fake := newSource(t, c.raws, c.now, func(c *Config) { c.PageSize = 1 })
			got, err := src.Collect(context.Background(), c.c)
			if err != nil {
				t.Fatal(err)
			}
			sent := len(listQueries(fake))
			if sent != DiagnosisRequestBudget || got.Coverage.Requests != sent || got.Coverage.RequestBudget != DiagnosisRequestBudget {
				t.Errorf("the fake saw %d requests, coverage says %d of %d; want the whole budget, %d, and no more", sent, got.Coverage.Requests, got.Coverage.RequestBudget, DiagnosisRequestBudget)
			}
			if !got.Coverage.Truncated || !slices.ContainsFunc(got.Coverage.Notes, func(n string) bool {
				return strings.HasPrefix(n, "the request budget (12 Graph requests per diagnosis") && strings.Contains(n, "sign-ins") && strings.Contains(n, "older than")
			}) {
				t.Errorf("truncated %v, notes %q: want what was not read said", got.Coverage.Truncated, got.Coverage.Notes)
			}
			// The reserve: rosa's failing IP is read although her pages
			// alone would spend the budget.
			if ids := collectIDs(got.SameIP); name == "user" && !slices.Equal(ids, []string{"b1", "c1", "c2", "e1"}) {
				t.Errorf("same-IP %v, want the others' sign-ins from ipA", ids)
			}
		})
	}
}

// TestCollectTenant: a tenant triage reads failures of every type, and
// successes only from the IPs where several users failed.
func TestCollectTenant(t *testing.T) {
	raws, _ := diagTenant(t)
	src, fake := newSource(t, raws, d0, nil)
	got, err := src.Collect(context.Background(), signin.Collect{Since: d0.Add(-48 * time.Hour), Until: d0.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"b1", "c1", "c2", "o1", "r1", "r2", "r3", "r6", "sp1"}
	if ids := collectIDs(got.SignIns); !slices.Equal(ids, want) {
		t.Errorf("tenant %v, want every failure and carl's success from ipA (where rosa, bob and carl failed): %v", ids, want)
	}
	if !slices.Equal(got.Coverage.Types, signin.AllTypes) || got.Coverage.Failures != 8 || got.Coverage.Successes != 1 {
		t.Errorf("coverage %+v", got.Coverage)
	}
	qs := listQueries(fake)
	if len(qs) != 5 || qs[4].Get("$filter") != "status/errorCode eq 0 and ipAddress eq '"+ipA+"' and createdDateTime ge 2025-05-31T12:00:00Z and createdDateTime le 2025-06-02T12:00:01Z" {
		t.Errorf("%d requests, the last %v: want 4 of failures and 1 of ipA's successes", len(qs), qs[len(qs)-1])
	}
	if !slices.ContainsFunc(got.Coverage.Notes, func(n string) bool {
		return strings.Contains(n, "successes only from the IP where the most users failed ("+ipA+")")
	}) {
		t.Errorf("notes %q", got.Coverage.Notes)
	}
}

// TestCollectCancelledWhilePaced: a diagnosis cancelled while the pacer
// waits returns the context's error at once and sends nothing more.
func TestCollectCancelledWhilePaced(t *testing.T) {
	raws, _ := diagTenant(t)
	clock := pacetest.NewFakeClock(d0, false) // sleepers wait until cancelled
	src, fake := newSource(t, raws, d0, func(c *Config) {
		c.RequestsPerWindow, c.PacingWindow = 2, 10*time.Second
		c.Now, c.sleep = clock.Now, clock.Sleep
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := src.Collect(ctx, signin.Collect{User: "rosa1@contoso.com", Since: d0.Add(-48 * time.Hour), Until: d0.Add(time.Second)})
		done <- err
	}()
	// The third request waits for the pacing window: cancel then.
	for clock.Sleeps() == 0 {
		runtime.Gosched()
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while paced: %v, want context.Canceled", err)
	}
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("the fake saw %d requests, want the 2 the pacer let through", n)
	}
	if _, err := src.Collect(ctx, signin.Collect{User: "rosa1@contoso.com"}); !errors.Is(err, context.Canceled) || len(fake.Requests()) != 2 {
		t.Errorf("a cancelled context: %v, %d requests; want context.Canceled and none sent", err, len(fake.Requests()))
	}
}

// TestCollectTenantLeavesOutInterrupts: a tenant triage given the
// catalog's interrupts leaves them out at Graph (the filter the fake
// checked), says so, and so never names a user whose only "failures" were
// MFA prompts completed by successes it did not read; without LeaveOut the
// same prompts read as mfa-not-completed, which the issue forbids.
func TestCollectTenantLeavesOutInterrupts(t *testing.T) {
	raws, _ := diagTenant(t)
	for i, code := range []int{50074, 50076, 50140} {
		at := d0.Add(-time.Duration(40+i) * time.Minute)
		for j, rec := range []map[string]any{
			{"status": map[string]any{"errorCode": code}, "createdDateTime": at.Format(time.RFC3339)},
			{"status": map[string]any{"errorCode": 0}, "createdDateTime": at.Add(time.Minute).Format(time.RFC3339)},
		} {
			rec["id"] = fmt.Sprintf("fay-%d-%d", i, j)
			rec["correlationId"] = fmt.Sprintf("corr-fay-%d", i)
			rec["userId"], rec["userPrincipalName"] = "00000000-0000-0000-0000-0000000000f1", "fay01@contoso.com"
			rec["appId"], rec["appDisplayName"] = "11111111-0000-0000-0000-000000000001", "Outlook"
			rec["ipAddress"], rec["isInteractive"], rec["signInEventTypes"] = "192.0.2.9", true, []string{"interactiveUser"}
			b, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, b)
		}
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	window := signin.Collect{Since: d0.Add(-48 * time.Hour), Until: d0.Add(time.Second)}
	named := func(r diagnosis.Result) []string {
		var out []string
		for _, f := range r.Findings {
			if slices.Contains(f.Evidence.Users, "fay01@contoso.com") {
				out = append(out, f.Scenario)
			}
		}
		return out
	}

	src, fake := newSource(t, raws, d0, nil)
	c := window
	c.LeaveOut = cat.InterruptCodes()
	rep, err := diagnosis.Run(context.Background(), src, c, cat)
	if err != nil {
		t.Fatal(err)
	}
	r, got := rep.Result, rep.Collection
	if ids := collectIDs(got.SignIns); !slices.Equal(ids, []string{"b1", "c1", "c2", "o1", "r1", "r2", "r3", "r6", "sp1"}) {
		t.Errorf("tenant %v: want what TestCollectTenant reads, no interrupt", ids)
	}
	if s := named(r); len(s) != 0 {
		t.Errorf("fay, who only had MFA prompts, is named in %v", s)
	}
	qs := listQueries(fake)
	for _, q := range qs[:4] {
		if f := q.Get("$filter"); !strings.HasPrefix(f, "status/errorCode ne 0 and status/errorCode ne 16000 and ") || !strings.Contains(f, " and status/errorCode ne 50074 and ") {
			t.Errorf("failure filter %q: want the interrupts left out at Graph", f)
		}
	}
	for _, req := range fake.Requests() {
		if req.Status != 200 {
			t.Errorf("the fake answered %d to %s: Graph would refuse the filter", req.Status, req.Query.Get("$filter"))
		}
	}
	if !slices.ContainsFunc(got.Coverage.Notes, func(n string) bool {
		return strings.HasPrefix(n, "interrupts (MFA prompts and other steps a sign-in goes through; error codes 16000, 50058, 50072, 50074, 50076, and 18 more) were not read") &&
			strings.HasSuffix(n, "diagnose a user to see theirs")
	}) || !slices.ContainsFunc(got.Coverage.Notes, func(n string) bool {
		return strings.HasSuffix(n, "a finding cannot show as resolved by a success that was not read")
	}) {
		t.Errorf("notes %q: want the interrupts left out and the unread successes said", got.Coverage.Notes)
	}

	// Without LeaveOut: the prompts are read and fay is named.
	plain, _ := newSource(t, raws, d0, nil)
	rep, err = diagnosis.Run(context.Background(), plain, window, cat)
	if err != nil {
		t.Fatal(err)
	}
	r, got = rep.Result, rep.Collection
	if s := named(r); !slices.Contains(s, "mfa-not-completed") || !slices.Contains(collectIDs(got.SignIns), "fay-0-0") {
		t.Errorf("without LeaveOut fay is named in %v: the test no longer shows what LeaveOut prevents", s)
	}
}

// TestAppByServicePrincipalObjectID: an app given by its service
// principal's object ID (which signin.MatchApp accepts in memory) finds the
// workload's sign-ins on Graph too, in a search and in a diagnosis, with a
// filter the fake (Graph's filter support) accepts; the app ID still does.
func TestAppByServicePrincipalObjectID(t *testing.T) {
	raws, recs := diagTenant(t)
	src, fake := newSource(t, raws, d0, nil)
	ref := memory.New("ref", slices.Clone(recs))
	const spObject, appID = "33333333-0000-0000-0000-000000000001", "22222222-0000-0000-0000-000000000001"
	for _, app := range []string{spObject, strings.ToUpper(spObject), appID} {
		before := len(fake.Requests())
		q := signin.Query{App: app, Since: d0.Add(-48 * time.Hour), Until: d0.Add(time.Second), Limit: 25, Classify: classify(t),
			Types: []signin.Type{signin.ServicePrincipal}}
		got, err := src.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if g := ids(got.Rows); !slices.Equal(g, []string{"sp1"}) || !got.Rows[0].FollowedBySuccess {
			t.Errorf("search for app %s: %v, want sp1 followed by sp2", app, g)
		}
		c := signin.Collect{App: app, Since: d0.Add(-48 * time.Hour), Until: d0.Add(time.Second)}
		coll, err := src.Collect(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		c.Types = coll.Coverage.Types
		want, err := ref.Collect(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := collectIDs(coll.SignIns), collectIDs(want.SignIns); !slices.Equal(g, []string{"sp1", "sp2"}) || (app != strings.ToUpper(spObject) && !slices.Equal(g, w)) {
			t.Errorf("collect for app %s: graph %v, memory %v; want sp1 and sp2", app, g, w)
		}
		if lastID(coll) != "spOld" {
			t.Errorf("collect for app %s: last success %q, want spOld", app, lastID(coll))
		}
		for _, r := range fake.Requests()[before:] {
			f := r.Query.Get("$filter")
			if r.Status != 200 {
				t.Errorf("the fake refused %q: %d", f, r.Status)
			}
			if wantClause := "(appId eq '" + strings.ToLower(app) + "' or servicePrincipalId eq '" + strings.ToLower(app) + "')"; strings.Contains(f, "signInEventTypes/any(t: t eq 'servicePrincipal')") && !strings.Contains(f, wantClause) {
				t.Errorf("filter %q: want %q", f, wantClause)
			}
		}
	}
}
