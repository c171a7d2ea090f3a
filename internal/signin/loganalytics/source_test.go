package loganalytics

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// searchWorkspace is a workspace whose answers make one search: groups of
// 50126 (3), the interrupt 50074 (2: rosa's completed by a success in its
// flow, ana's not) and 7000215 (1).
func searchWorkspace() *fakeWorkspace {
	f := &fakeWorkspace{}
	groupCols := []string{"ResultType", "Count", "UserCount", "AppCount", "IPCount", "FirstSeen", "LastSeen"}
	f.on(fixed(answer{table: resultTable(groupCols,
		[]any{"50126", 3, 2, 1, 2, at(-50), at(-5)},
		[]any{"50074", 2, 2, 1, 1, at(-30), at(-20)},
		[]any{"7000215", 1, 0, 1, 1, at(-40), at(-40)},
	)}), "UserCount = dcountif")
	topCols := []string{"ResultType", "Value", "Count"}
	f.on(fixed(answer{table: resultTable(topCols, []any{"50126", "ana@contoso.com", 1}, []any{"50126", "rosa@contoso.com", 2}, []any{"7000215", "7c0ffee0", 1})}), "Value = Who")
	f.on(fixed(answer{table: resultTable(topCols, []any{"50126", "Outlook", 3}, []any{"7000215", "nightly-job", 1})}), "Value = AppName")
	f.on(fixed(answer{table: resultTable(topCols, []any{"50126", "203.0.113.5", 2}, []any{"50126", "198.51.100.7", 1})}), "Value = IPAddress")
	f.on(fixed(answer{table: signInTable(sr{"TimeGenerated": at(-50), "Id": "id-risky", "ResultType": "50126", "UserPrincipalName": "rosa@contoso.com", "RiskLevelDuringSignIn": "high", "SignInType": "interactive"})}), `contains "fraud"`)
	rosa := func(id string, min int, code, corr string) sr {
		return sr{"TimeGenerated": at(min), "Id": id, "ResultType": code, "UserPrincipalName": "rosa@contoso.com", "UserId": "u-rosa",
			"AppDisplayName": "Outlook", "AppId": "app-outlook", "CorrelationId": corr, "IPAddress": "203.0.113.5", "SignInType": "interactive"}
	}
	ana := func(id string, min int, code, corr string) sr {
		r := rosa(id, min, code, corr)
		r["UserPrincipalName"], r["UserId"], r["IPAddress"] = "ana@contoso.com", "u-ana", "198.51.100.7"
		return r
	}
	job := sr{"TimeGenerated": at(-40), "Id": "id-job", "ResultType": "7000215", "ServicePrincipalName": "nightly-job", "ServicePrincipalId": "7c0ffee0",
		"AppId": "app-job", "CorrelationId": "c-job", "SignInType": "servicePrincipal"}
	// The second page: after the keyset of the first page's last row.
	f.on(fixed(answer{table: signInTable(job)}), "strcmp(Id", `!in ("50074")`)
	f.on(fixed(answer{table: signInTable(rosa("id-a", -5, "50126", "c5"), ana("id-b", -10, "50126", "c6"), job)}), "top 3 by TimeGenerated desc, Id asc", `!in ("50074")`)
	f.on(fixed(answer{table: signInTable(rosa("id-i1", -30, "50074", "c1"), ana("id-i2", -20, "50074", "c2"))}), `ResultType in ("50074")`)
	f.on(fixed(answer{table: signInTable(rosa("id-s1", -29, "0", "c1"), rosa("id-s2", -2, "0", "c9"))}), `where ResultType == "0"`, "in~")
	f.on(fixed(answer{table: resultTable([]string{"TableName", "Rows"}, []any{"SigninLogs", 100}, []any{"AADNonInteractiveUserSignInLogs", 50})}), "withsource=TableName")
	return f
}

func TestSearch(t *testing.T) {
	f := searchWorkspace()
	s := newFakeSource(t, f)
	q := signin.Query{Since: t0.Add(-24 * time.Hour), Until: t0, Limit: 2, Classify: classify}
	p, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Coverage
	if c.Source != "loganalytics" || c.Matched != 5 || c.Scanned != 150 || c.Returned != 2 || c.InterruptsLeftOut != 1 || !c.Truncated || c.NextCursor == "" {
		t.Fatalf("coverage %+v", c)
	}
	if !slices.Equal(c.Types, signin.AllTypes) {
		t.Errorf("types %v", c.Types)
	}
	if !slices.ContainsFunc(c.Notes, func(n string) bool { return strings.Contains(n, "1 completed interrupt") }) {
		t.Errorf("notes %q lack the completed interrupt", c.Notes)
	}
	var codes []int
	for _, g := range p.Groups {
		codes = append(codes, g.ErrorCode)
	}
	if !slices.Equal(codes, []int{50126, 7000215, 50074}) && !slices.Equal(codes, []int{50126, 50074, 7000215}) {
		t.Fatalf("groups %v", codes)
	}
	g := p.Groups[0]
	if g.Count != 3 || g.UserCount != 2 || g.HighRisk != 1 || len(g.Users) != 2 || g.Users[0] != (signin.Count{Value: "rosa@contoso.com", Count: 2}) ||
		len(g.IPAddresses) != 2 || g.Apps[0].Value != "Outlook" || !g.LastSeen.Equal(t0.Add(-5*time.Minute)) {
		t.Errorf("group 50126 %+v", g)
	}
	for _, g := range p.Groups {
		if g.ErrorCode == 50074 && (g.Count != 1 || g.Users[0].Value != "ana@contoso.com") {
			t.Errorf("the interrupt group holds what was not completed: %+v", g)
		}
	}
	if len(p.Rows) != 2 || p.Rows[0].ID != "id-a" || p.Rows[1].ID != "id-b" {
		t.Fatalf("rows %v", ids(p.Rows))
	}
	if !p.Rows[0].FollowedBySuccess || p.Rows[1].FollowedBySuccess || p.Rows[0].Outcome != signin.OutcomeFailure || p.Rows[0].Type != signin.Interactive {
		t.Errorf("row follow-ups: %+v / %+v", p.Rows[0], p.Rows[1])
	}
	// Every query carries the window as the API's timespan, and the wait.
	for _, b := range f.queries {
		inWindow := strings.Contains(*b.Query, "TimeGenerated >= datetime(2025-01-09T08:00:00.0000000Z) and TimeGenerated < datetime(2025-01-10T08:00:00.0000000Z)")
		if inWindow && (b.Timespan == nil || string(*b.Timespan) != "2025-01-09T08:00:00Z/2025-01-10T08:00:00Z") {
			t.Errorf("query without the window's timespan: %v\n%s", b.Timespan, *b.Query)
		}
	}
	for _, w := range f.waits {
		if w != 45 {
			t.Errorf("Prefer wait %d, want 45", w)
		}
	}

	// The cursor continues after the last row, merging the interrupt kept
	// between the pages.
	q.Cursor = c.NextCursor
	p2, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(p2.Rows); !slices.Equal(got, []string{"id-i2", "id-job"}) || p2.Coverage.NextCursor != "" {
		t.Fatalf("page 2 rows %v, cursor %q", got, p2.Coverage.NextCursor)
	}
	if p2.Rows[0].Completed {
		t.Errorf("ana's interrupt completed: %+v", p2.Rows[0])
	}
	var keyset string
	for _, qt := range f.sent() {
		if strings.Contains(qt, "strcmp(Id") {
			keyset = qt
		}
	}
	if !strings.Contains(keyset, `TimeGenerated == datetime(2025-01-10T07:50:00.0000000Z) and strcmp(Id, "id-b") > 0`) {
		t.Errorf("the keyset is not the first page's last row:\n%s", keyset)
	}
	if !slices.ContainsFunc(p2.Coverage.Notes, func(n string) bool { return n == "continued from a cursor: rows 3-4 of 5" }) {
		t.Errorf("notes %q", p2.Coverage.Notes)
	}

	// A cursor belongs to its query.
	q.User = "ana@contoso.com"
	if _, err := s.Search(context.Background(), q); !errors.Is(err, signin.ErrBadCursor) {
		t.Errorf("cursor of another query: err = %v", err)
	}
	q.User, q.Cursor = "", "not-a-cursor"
	if _, err := s.Search(context.Background(), q); !errors.Is(err, signin.ErrBadCursor) {
		t.Errorf("forged cursor: err = %v", err)
	}
}

func ids(rows []signin.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func TestSearchPartialErrorIsTruncated(t *testing.T) {
	f := searchWorkspace()
	f.routes = append([]route{{has: []string{"UserCount = dcountif"}, answer: fixed(answer{
		table:   resultTable([]string{"ResultType", "Count", "UserCount", "AppCount", "IPCount", "FirstSeen", "LastSeen"}, []any{"7000215", 1, 0, 1, 1, at(-40), at(-40)}),
		partial: `{"code":"PartialError","message":"There were some errors when processing your query.","details":[{"code":"EngineError","message":"Query result set has exceeded the internal record count limit 500000"}]}`,
	})}}, f.routes...)
	f.on(fixed(answer{table: signInTable()}), "top 26 by")
	s := newFakeSource(t, f)
	p, err := s.Search(context.Background(), signin.Query{Since: t0.Add(-24 * time.Hour), Until: t0, Limit: 25, Classify: classify})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Coverage.Truncated || p.Coverage.NextCursor != "" {
		t.Fatalf("a partial answer must be truncated: %+v", p.Coverage)
	}
	if !slices.ContainsFunc(p.Coverage.Notes, func(n string) bool {
		return strings.Contains(n, "only in part") && strings.Contains(n, "PartialError")
	}) {
		t.Errorf("notes %q", p.Coverage.Notes)
	}
}

func TestGetMapsRows(t *testing.T) {
	f := &fakeWorkspace{}
	f.on(func(q string) answer {
		if !strings.Contains(q, `where Id =~ "sp-1"`) {
			return answer{table: signInTable()}
		}
		return answer{table: signInTable(sr{"TimeGenerated": at(-1), "Id": "sp-1", "ResultType": "7000222",
			"ServicePrincipalName": "nightly-job", "ServicePrincipalId": "sp-obj", "ServicePrincipalCredentialKeyId": "key-1",
			"Status":          map[string]any{"errorCode": 7000222, "failureReason": "The provided client secret keys are expired."},
			"LocationDetails": `{"city":"Paris","countryOrRegion":"FR"}`, "IsInteractive": false, "SignInType": "servicePrincipal"})}
	}, "where Id =~")
	s := newFakeSource(t, f)
	si, err := s.Get(context.Background(), "sp-1")
	if err != nil {
		t.Fatal(err)
	}
	if si.Type != signin.ServicePrincipal || si.Status.ErrorCode != 7000222 || si.Status.FailureReason != "The provided client secret keys are expired." ||
		si.Location.City != "Paris" || si.ServicePrincipalCredentialKeyID != "key-1" || si.App.Name != "nightly-job" || !si.CreatedAt.Equal(t0.Add(-time.Minute)) {
		t.Fatalf("mapped %+v", si)
	}
	if f.queries[0].Timespan != nil {
		t.Errorf("a look-up by ID is bounded by the retention, not a timespan: %v", *f.queries[0].Timespan)
	}
	_, err = s.Get(context.Background(), "missing")
	if !errors.Is(err, signin.ErrNotFound) || !strings.Contains(err.Error(), workspace) {
		t.Fatalf("missing: err = %v", err)
	}
}

func TestCorrelatedNextSuccessFailedUsers(t *testing.T) {
	f := &fakeWorkspace{}
	f.on(fixed(answer{table: signInTable(
		sr{"TimeGenerated": at(-3), "Id": "f1", "ResultType": "50126", "UserId": "u1", "UserPrincipalName": "rosa@contoso.com", "AppId": "a1", "CorrelationId": "c1", "SignInType": "interactive"},
		sr{"TimeGenerated": at(-2), "Id": "s1", "ResultType": "0", "UserId": "u1", "UserPrincipalName": "rosa@contoso.com", "AppId": "a1", "CorrelationId": "c1", "SignInType": "interactive"},
	)}), "where CorrelationId =~")
	f.on(fixed(answer{table: signInTable(
		sr{"TimeGenerated": at(-2), "Id": "other-app", "ResultType": "0", "UserId": "u1", "AppId": "a2", "SignInType": "interactive"},
		sr{"TimeGenerated": at(-1), "Id": "s2", "ResultType": "0", "UserId": "u1", "AppId": "a1", "SignInType": "interactive"},
	)}), `where ResultType == "0"`)
	f.on(fixed(answer{table: resultTable([]string{"UserPrincipalName"}, []any{"rosa@contoso.com"}, []any{"rosalind@contoso.com"})}), "summarize by UserPrincipalName")
	s := newFakeSource(t, f)
	flow, err := s.Correlated(context.Background(), "C1")
	if err != nil || len(flow) != 2 || flow[0].ID != "f1" {
		t.Fatalf("correlated %v, %v", flow, err)
	}
	ref, err := s.NextSuccess(context.Background(), signin.SignIn{ID: "f", CreatedAt: t0.Add(-3 * time.Minute), Type: signin.Interactive,
		User: signin.User{ID: "u1"}, App: signin.App{ID: "a1"}, Status: signin.Status{ErrorCode: 50126}})
	if err != nil || ref == nil || ref.ID != "s2" {
		t.Fatalf("next success %+v, %v: want s2 (the same app's)", ref, err)
	}
	users, err := s.FailedUsers(context.Background(), "ros", 10)
	if err != nil || !slices.Equal(users, []string{"rosa@contoso.com", "rosalind@contoso.com"}) {
		t.Fatalf("failed users %v, %v", users, err)
	}
	last := f.sent()[len(f.sent())-1]
	if !strings.Contains(last, `startswith "ros"`) || !strings.Contains(last, "top 10 by UserPrincipalName asc") {
		t.Errorf("completion query:\n%s", last)
	}
}

func TestWrongWorkspaceAndForbidden(t *testing.T) {
	f := &fakeWorkspace{}
	f.on(fixed(answer{status: 403, code: "InsufficientAccessError"}), "where Id =~")
	s := newFakeSource(t, f)
	_, err := s.Get(context.Background(), "x")
	var e *Error
	if !errors.As(err, &e) || e.Status != 403 || !strings.Contains(err.Error(), "Log Analytics Reader") {
		t.Fatalf("403: %v", err)
	}
	cfg := s.Config()
	cfg.Workspaces = []string{second}
	s2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s2.Get(context.Background(), "x")
	if !errors.As(err, &e) || e.Status != 404 || !strings.Contains(err.Error(), "--workspace") || !strings.Contains(err.Error(), "Workspace ID") {
		t.Fatalf("404: %v", err)
	}
}

func TestDirectoryIsANote(t *testing.T) {
	s := newFakeSource(t, &fakeWorkspace{})
	d, err := s.Directory(context.Background(), directoryQuery())
	if err != nil || len(d.Coverage.Notes) != 1 || !strings.Contains(d.Coverage.Notes[0], "--source graph") {
		t.Fatalf("%+v, %v", d, err)
	}
}

func TestSearchIncludeInterrupts(t *testing.T) {
	f := searchWorkspace()
	rosa := sr{"TimeGenerated": at(-30), "Id": "id-i1", "ResultType": "50074", "UserPrincipalName": "rosa@contoso.com", "UserId": "u-rosa",
		"AppDisplayName": "Outlook", "AppId": "app-outlook", "CorrelationId": "c1", "SignInType": "interactive"}
	f.routes = append([]route{{has: []string{"top 26 by TimeGenerated desc, Id asc"}, answer: func(q string) answer {
		if strings.Contains(q, "!in") {
			t.Errorf("interrupts asked for, yet left out:\n%s", q)
		}
		return answer{table: signInTable(rosa)}
	}}}, f.routes...)
	s := newFakeSource(t, f)
	p, err := s.Search(context.Background(), signin.Query{Since: t0.Add(-24 * time.Hour), Until: t0, Limit: 25, Classify: classify, IncludeInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Coverage.Matched != 6 || p.Coverage.InterruptsLeftOut != 0 || len(p.Rows) != 1 {
		t.Fatalf("coverage %+v", p.Coverage)
	}
	// Its completion is still said: the success in its flow.
	if r := p.Rows[0]; r.Outcome != signin.OutcomeInterrupt || !r.Completed || !r.FollowedBySuccess {
		t.Errorf("row %+v", r)
	}
}
