package memory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
)

var t0 = time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)

// classify treats 50140 and 50074 as interrupts, 0 as success.
func classify(code int) signin.Outcome {
	switch code {
	case 0:
		return signin.OutcomeSuccess
	case 50140, 50074:
		return signin.OutcomeInterrupt
	case 90025:
		return signin.OutcomeTransient
	}
	return signin.OutcomeFailure
}

func rec(id string, minsAgo int, upn string, code int, typ signin.Type, corr string) signin.SignIn {
	return signin.SignIn{
		ID: id, CorrelationID: corr, CreatedAt: t0.Add(-time.Duration(minsAgo) * time.Minute), Type: typ,
		User: signin.User{UPN: upn, ID: "oid-" + upn}, App: signin.App{ID: "app-1", Name: "Contoso Payroll"},
		IPAddress: "198.51.100.7", Status: signin.Status{ErrorCode: code},
	}
}

func fixture() *Store {
	return New("test", []signin.SignIn{
		rec("a", 10, "rosa@contoso.com", 50126, signin.Interactive, "c1"),
		rec("b", 9, "rosa@contoso.com", 50126, signin.Interactive, "c1"),
		rec("c", 8, "rosa@contoso.com", 50053, signin.Interactive, "c1"),
		rec("d", 30, "ali@contoso.com", 50140, signin.Interactive, "c2"),
		rec("e", 29, "ali@contoso.com", 0, signin.Interactive, "c2"),
		rec("f", 60*30, "old@contoso.com", 50126, signin.Interactive, "c3"), // 30 h ago
		rec("g", 5, "sync@contoso.com", 50173, signin.NonInteractive, "c4"),
		rec("h", 4, "ali@contoso.com", 90025, signin.Interactive, "c5"),
		rec("i", 3, "ali@contoso.com", 0, signin.Interactive, "c5"),
	})
}

func query(mut func(*signin.Query)) signin.Query {
	q := signin.Query{Since: t0.Add(-24 * time.Hour), Until: t0.Add(time.Second), Limit: 25, Classify: classify}
	if mut != nil {
		mut(&q)
	}
	return q
}

func ids(p signin.Page) []string {
	out := []string{}
	for _, r := range p.Rows {
		out = append(out, r.ID)
	}
	return out
}

func TestSearchFilters(t *testing.T) {
	s := fixture()
	code := 50126
	cases := []struct {
		name string
		q    signin.Query
		want string
	}{
		{"default: failures only, newest first, interrupts and successes out, 24 h", query(nil), "[h g c b a]"},
		{"user by UPN any case", query(func(q *signin.Query) { q.User = "ROSA@contoso.com" }), "[c b a]"},
		{"user by object ID", query(func(q *signin.Query) { q.User = "oid-rosa@contoso.com" }), "[c b a]"},
		{"object ID in any case (a GUID is one ID in either case, as Graph reads it)", query(func(q *signin.Query) { q.User = "OID-ROSA@CONTOSO.COM" }), "[c b a]"},
		{"app by name any case", query(func(q *signin.Query) { q.App = "contoso payroll"; q.User = "sync@contoso.com" }), "[g]"},
		{"app by ID", query(func(q *signin.Query) { q.App = "app-1"; q.ErrorCode = &code }), "[b a]"},
		{"error code", query(func(q *signin.Query) { q.ErrorCode = &code }), "[b a]"},
		{"window widened", query(func(q *signin.Query) { q.ErrorCode = &code; q.Since = t0.Add(-48 * time.Hour) }), "[b a f]"},
		{"types", query(func(q *signin.Query) { q.Types = []signin.Type{signin.NonInteractive} }), "[g]"},
		{"correlation ID any case", query(func(q *signin.Query) { q.CorrelationID = "C1" }), "[c b a]"},
		{"interrupts on request", query(func(q *signin.Query) { q.IncludeInterrupts = true; q.User = "ali@contoso.com" }), "[h d]"},
		{"IP", query(func(q *signin.Query) { q.IPAddress = "203.0.113.1" }), "[]"},
		{"until is exclusive", query(func(q *signin.Query) { q.Until = t0.Add(-5 * time.Minute) }), "[c b a]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := s.Search(context.Background(), c.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(ids(p)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
			if p.Coverage.Matched != len(p.Rows) || p.Coverage.Returned != len(p.Rows) || p.Coverage.Truncated {
				t.Errorf("coverage %+v", p.Coverage)
			}
		})
	}
}

func TestFollowedBySuccessAndOutcome(t *testing.T) {
	s := fixture()
	p, _ := s.Search(context.Background(), query(func(q *signin.Query) { q.IncludeInterrupts = true }))
	got := map[string]signin.Row{}
	for _, r := range p.Rows {
		got[r.ID] = r
	}
	if r := got["d"]; r.Outcome != signin.OutcomeInterrupt || !r.FollowedBySuccess {
		t.Errorf("interrupt d: %+v", r)
	}
	if r := got["h"]; r.Outcome != signin.OutcomeTransient || !r.FollowedBySuccess {
		t.Errorf("transient h: %+v", r)
	}
	if r := got["c"]; r.FollowedBySuccess {
		t.Errorf("lockout c has no later success: %+v", r)
	}
}

// TestWorkloadFollowedBySuccessPerResource: a managed identity's Key Vault
// tokens do not resolve its failures for a missing API (search rows, the
// next success of a record in the store and of one handed in).
func TestWorkloadFollowedBySuccessPerResource(t *testing.T) {
	mi := func(id string, minsAgo int, res signin.App, code int) signin.SignIn {
		return signin.SignIn{ID: id, CorrelationID: "c-" + id, CreatedAt: t0.Add(-time.Duration(minsAgo) * time.Minute), Type: signin.ManagedIdentity,
			ServicePrincipal: signin.App{ID: "sp-func", Name: "func-billing"}, App: signin.App{ID: "app-func"}, Resource: res,
			Status: signin.Status{ErrorCode: code}}
	}
	keyVault := signin.App{ID: "kv", Name: "Azure Key Vault"}
	missing := mi("missing", 30, signin.App{Name: "api://contoso-expense-api-dev"}, 500011)
	s := New("test", []signin.SignIn{missing, mi("kv-fail", 29, keyVault, 50000), mi("kv-ok", 10, keyVault, 0)})
	p, err := s.Search(context.Background(), query(func(q *signin.Query) { q.Types = []signin.Type{signin.ManagedIdentity} }))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range p.Rows {
		got[r.ID] = r.FollowedBySuccess
	}
	if got["missing"] || !got["kv-fail"] || len(got) != 2 {
		t.Errorf("followedBySuccess %v: want kv-fail's only", got)
	}
	handed := missing
	handed.ID = "not-in-store"
	for _, f := range []signin.SignIn{missing, handed} {
		if next, err := s.NextSuccess(context.Background(), f); err != nil || next != nil {
			t.Errorf("next success of %s: %+v, %v; want none for its resource", f.ID, next, err)
		}
	}
}

func TestGroupsCoverEveryMatchNotJustThePage(t *testing.T) {
	s := fixture()
	p, err := s.Search(context.Background(), query(func(q *signin.Query) { q.Limit = 1 }))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 1 || p.Coverage.Matched != 5 || !p.Coverage.Truncated || p.Coverage.NextCursor == "" {
		t.Fatalf("rows %v coverage %+v", ids(p), p.Coverage)
	}
	total := 0
	for _, g := range p.Groups {
		total += g.Count
	}
	if total != 5 || p.Groups[0].ErrorCode != 50126 || p.Groups[0].Count != 2 {
		t.Errorf("groups %+v", p.Groups)
	}
	g := p.Groups[0]
	if g.UserCount != 1 || g.Users[0] != (signin.Count{Value: "rosa@contoso.com", Count: 2}) || !g.FirstSeen.Before(g.LastSeen) || g.Apps[0] != (signin.Count{Value: "Contoso Payroll", Count: 2}) {
		t.Errorf("group detail %+v", g)
	}
	if p.Coverage.Scanned != 8 {
		t.Errorf("scanned %d, want the 8 records in the window", p.Coverage.Scanned)
	}
}

func TestCursorPagesThroughAndRefusesOtherQueries(t *testing.T) {
	s := fixture()
	var all []string
	q := query(func(q *signin.Query) { q.Limit = 2 })
	for range 10 {
		p, err := s.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ids(p)...)
		if p.Coverage.NextCursor == "" {
			break
		}
		q.Cursor = p.Coverage.NextCursor
	}
	if fmt.Sprint(all) != "[h g c b a]" {
		t.Fatalf("paged %v", all)
	}

	first, _ := s.Search(context.Background(), query(func(q *signin.Query) { q.Limit = 2 }))
	cur := first.Coverage.NextCursor
	// Another query's filters.
	if _, err := s.Search(context.Background(), query(func(q *signin.Query) { q.Cursor = cur; q.User = "ali@contoso.com" })); !errors.Is(err, signin.ErrBadCursor) {
		t.Errorf("cursor of another query accepted: %v", err)
	}
	// An altered cursor.
	b := []byte(cur)
	b[len(b)/2] ^= 1
	if _, err := s.Search(context.Background(), query(func(q *signin.Query) { q.Cursor = string(b) })); !errors.Is(err, signin.ErrBadCursor) {
		t.Errorf("altered cursor accepted: %v", err)
	}
	// Another server's cursor.
	if _, err := fixture().Search(context.Background(), query(func(q *signin.Query) { q.Cursor = cur })); !errors.Is(err, signin.ErrBadCursor) {
		t.Errorf("cursor of another store accepted: %v", err)
	}
	if _, err := s.Search(context.Background(), query(func(q *signin.Query) { q.Cursor = "!!not base64" })); !errors.Is(err, signin.ErrBadCursor) {
		t.Errorf("garbage cursor accepted: %v", err)
	}
	// Resume(n) continues right after the n-th row.
	next, err := s.Search(context.Background(), query(func(q *signin.Query) { q.Cursor = first.Resume(1) }))
	if err != nil || fmt.Sprint(ids(next)) != "[g c b a]" {
		t.Errorf("resume after 1: %v %v", ids(next), err)
	}
}

func TestGetCorrelatedFailedUsers(t *testing.T) {
	s := fixture()
	ctx := context.Background()
	if r, err := s.Get(ctx, "C"); err != nil || r.ID != "c" {
		t.Errorf("Get(C) = %v, %v", r.ID, err)
	}
	if _, err := s.Get(ctx, "zzz"); !errors.Is(err, signin.ErrNotFound) {
		t.Errorf("Get(zzz): %v", err)
	}
	flow, _ := s.Correlated(ctx, "c2")
	if len(flow) != 2 || flow[0].ID != "d" || flow[1].ID != "e" {
		t.Errorf("Correlated(c2) oldest first: %v", flow)
	}
	users, _ := s.FailedUsers(ctx, "r", 10)
	if fmt.Sprint(users) != "[rosa@contoso.com]" {
		t.Errorf("FailedUsers(r) = %v", users)
	}
	all, _ := s.FailedUsers(ctx, "", 0)
	if len(all) != 4 {
		t.Errorf("FailedUsers() = %v", all)
	}
	if now, _ := s.Now(ctx); !now.Equal(t0.Add(-3 * time.Minute)) {
		t.Errorf("Now = %v, want the newest record", now)
	}
}

func TestSearchNeedsClassifier(t *testing.T) {
	s := fixture()
	if _, err := s.Search(context.Background(), signin.Query{Since: t0.Add(-time.Hour), Until: t0}); err == nil {
		t.Error("query without classifier accepted")
	}
}

func TestSearchStopsWhenCancelled(t *testing.T) {
	var recs []signin.SignIn
	for i := range 10000 {
		recs = append(recs, rec(fmt.Sprint(i), i%600, "u@contoso.com", 50126, signin.Interactive, fmt.Sprint("c", i)))
	}
	s := New("big", recs)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Search(ctx, query(nil)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search returned %v", err)
	}
}

// TestGroupsAgreeWithTheDomain: the store's indexed grouping must give what
// signin.GroupSignIns gives for the same matches (the Graph source uses it).
func TestGroupsAgreeWithTheDomain(t *testing.T) {
	var recs []signin.SignIn
	codes := []int{50126, 50053, 53003, 50126, 7000222, 50126, 53003}
	for i := range 300 {
		r := rec(fmt.Sprint("r", i), i, fmt.Sprintf("u%d@contoso.com", i%7), codes[i%len(codes)], signin.Interactive, fmt.Sprint("c", i))
		r.IPAddress = fmt.Sprintf("203.0.113.%d", i%5)
		r.App.Name = fmt.Sprint("app", i%3)
		// Evidence for whoFixes: every 11th sign-in high risk, every 13th
		// a 500121 declined after a correct password.
		if i%11 == 0 {
			r.Risk.LevelDuringSignIn = "high"
		}
		if i%13 == 0 {
			r.Status = signin.Status{ErrorCode: 500121, AdditionalDetails: "MFA denied; user declined the authentication"}
			r.AuthDetails = []signin.AuthStep{{Method: "Password", Succeeded: true}}
		}
		recs = append(recs, r)
	}
	s := New("t", slices.Clone(recs))
	all := make([]int, s.Len())
	for i := range all {
		all[i] = i
	}
	got := s.groups(all)
	want := signin.GroupSignIns(s.recs)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("store groups differ from signin.GroupSignIns:\n%+v\n%+v", got[0], want[0])
	}
	exposed := 0
	for _, g := range got {
		exposed += g.MFARejected + g.HighRisk
		if len(g.IPAddresses) == 0 || g.IPAddresses[0].Count == 0 {
			t.Errorf("group %d names no IP with a count: %+v", g.ErrorCode, g.IPAddresses)
		}
	}
	if exposed == 0 {
		t.Error("no group counted the sign-ins with exposure evidence")
	}
}

// TestSearchAgreesWithTheDomain: over a generated export, every search
// (the tenant, a user, an app, an error code, with and without interrupts)
// matches what signin.Query.Matches and the classifier select, in order,
// and groups them as signin.GroupSignIns does.
func TestSearchAgreesWithTheDomain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signins.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := filestest.Generate(f, files.FormatGraphJSONLines, 5000, 3); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := files.Load(context.Background(), []string{path})
	if err != nil {
		t.Fatal(err)
	}
	s := New("t", res.SignIns)
	_, newest := s.Range()
	r := s.recs[len(s.recs)/3]
	code := r.Status.ErrorCode
	for name, q := range map[string]signin.Query{
		"tenant":       {Since: newest.Add(-24 * time.Hour), Until: newest.Add(time.Second)},
		"tenant, all":  {Since: newest.Add(-30 * 24 * time.Hour), Until: newest.Add(time.Second), IncludeInterrupts: true},
		"interactive":  {Since: newest.Add(-7 * 24 * time.Hour), Until: newest, Types: []signin.Type{signin.Interactive}},
		"user":         {Since: newest.Add(-30 * 24 * time.Hour), Until: newest.Add(time.Second), User: strings.ToUpper(r.User.UPN)},
		"app":          {Since: newest.Add(-30 * 24 * time.Hour), Until: newest.Add(time.Second), App: r.App.Name},
		"code":         {Since: newest.Add(-30 * 24 * time.Hour), Until: newest.Add(time.Second), ErrorCode: &code},
		"empty window": {Since: newest.Add(time.Hour), Until: newest.Add(2 * time.Hour)},
	} {
		t.Run(name, func(t *testing.T) {
			q.Classify, q.Limit = classify, 200
			types := q.TypesOrDefault(signin.AllTypes)
			var want []signin.SignIn
			for i := range s.recs {
				x := &s.recs[i]
				if !x.Failed() || !q.Matches(x, types) {
					continue
				}
				switch classify(x.Status.ErrorCode) {
				case signin.OutcomeSuccess:
					continue
				case signin.OutcomeInterrupt:
					if !q.IncludeInterrupts && s.follow[i].Completed {
						continue
					}
				}
				want = append(want, *x)
			}
			var got []signin.SignIn
			var groups []signin.Group
			for {
				p, err := s.Search(context.Background(), q)
				if err != nil {
					t.Fatal(err)
				}
				if groups == nil {
					groups = p.Groups
				}
				for _, row := range p.Rows {
					got = append(got, row.SignIn)
				}
				if q.Cursor = p.Coverage.NextCursor; q.Cursor == "" {
					break
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("search returned %d sign-ins, want %d", len(got), len(want))
			}
			if wg := signin.GroupSignIns(want); !reflect.DeepEqual(groups, wg) {
				t.Fatalf("groups differ from signin.GroupSignIns:\n%+v\n%+v", groups, wg)
			}
		})
	}
}
