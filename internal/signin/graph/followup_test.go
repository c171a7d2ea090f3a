package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

var s0 = time.Date(2025, 5, 6, 12, 0, 0, 0, time.UTC)

// stuckTenant is hand-written Graph beta records: dana stuck at MFA
// registration (50079, her only later success is for another app), eve's
// MFA prompt completed in its flow, fay's by a success in another flow 9
// minutes later, gus's 11 minutes later (too late), hal's bad password
// followed by a success in another flow, ivy's not, and a service principal
// whose failure a later success of the same principal followed.
func stuckTenant(t testing.TB) ([]json.RawMessage, []signin.SignIn) {
	user := func(id string, minsAgo int, who, app string, code int, corr string) map[string]any {
		return map[string]any{
			"id": id, "createdDateTime": s0.Add(-time.Duration(minsAgo) * time.Minute).Format(time.RFC3339),
			"correlationId": corr, "userId": "00000000-0000-0000-0000-0000000" + who, "userPrincipalName": who + "@contoso.com",
			"appId": "11111111-0000-0000-0000-0000000" + app[:5], "appDisplayName": app,
			"status": map[string]any{"errorCode": code}, "isInteractive": true, "signInEventTypes": []string{"interactiveUser"},
		}
	}
	sp := func(id string, minsAgo, code int, corr string) map[string]any {
		return map[string]any{
			"id": id, "createdDateTime": s0.Add(-time.Duration(minsAgo) * time.Minute).Format(time.RFC3339),
			"correlationId": corr, "appId": "22222222-0000-0000-0000-000000000001", "appDisplayName": "Payroll Sync",
			"servicePrincipalId": "33333333-0000-0000-0000-000000000001", "servicePrincipalName": "Payroll Sync",
			"status": map[string]any{"errorCode": code}, "isInteractive": false, "signInEventTypes": []string{"servicePrincipal"},
		}
	}
	recs := []map[string]any{
		user("stuck", 60, "dana1", "Outlook", 50079, "c-dana-1"), user("dana-teams-ok", 33, "dana1", "Teams", 0, "c-dana-2"),
		user("mfa-flow", 50, "eve01", "Outlook", 50074, "c-eve"), user("eve-ok", 49, "eve01", "Outlook", 0, "c-eve"),
		user("mfa-9", 40, "fay01", "Outlook", 50074, "c-fay-1"), user("fay-ok", 31, "fay01", "Outlook", 0, "c-fay-2"),
		user("mfa-11", 41, "gus01", "Outlook", 50074, "c-gus-1"), user("gus-ok", 30, "gus01", "Outlook", 0, "c-gus-2"),
		user("pw-1", 20, "hal01", "Outlook", 50126, "c-hal-1"), user("hal-ok", 5, "hal01", "Outlook", 0, "c-hal-2"),
		user("pw-2", 15, "ivy01", "Outlook", 50126, "c-ivy-1"),
		sp("sp-fail", 10, 7000215, "c-sp-1"), sp("sp-ok", 2, 0, "c-sp-2"),
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

// TestFollowUpsThroughGraph: Graph decides completion and followedBySuccess
// as the reference store does, with one request of successes per type, and
// reads nextSuccess with one $top=1 request.
func TestFollowUpsThroughGraph(t *testing.T) {
	raws, recs := stuckTenant(t)
	src, fake := newSource(t, raws, s0, nil)
	ref := memory.New("ref", slices.Clone(recs))
	for _, types := range [][]signin.Type{{signin.Interactive}, {signin.ServicePrincipal}, {signin.Interactive, signin.ServicePrincipal}} {
		for _, all := range []bool{false, true} {
			q := signin.Query{Since: s0.Add(-24 * time.Hour), Until: s0, Limit: 25, Classify: classify(t), Types: types, IncludeInterrupts: all}
			before := len(fake.Requests())
			got, err := src.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := ref.Search(context.Background(), q)
			if !slices.Equal(ids(got.Rows), ids(want.Rows)) || !slices.Equal(got.Coverage.Notes, want.Coverage.Notes) {
				t.Errorf("%v interrupts=%v: graph %v %q\nstore %v %q", types, all, ids(got.Rows), got.Coverage.Notes, ids(want.Rows), want.Coverage.Notes)
			}
			for i := range min(len(got.Rows), len(want.Rows)) {
				g, w := got.Rows[i], want.Rows[i]
				if g.FollowedBySuccess != w.FollowedBySuccess || g.Completed != w.Completed || g.Outcome != w.Outcome {
					t.Errorf("%s: graph %v/%v/%s, store %v/%v/%s", g.ID, g.FollowedBySuccess, g.Completed, g.Outcome, w.FollowedBySuccess, w.Completed, w.Outcome)
				}
			}
			reqs := fake.Requests()[before:]
			if len(reqs) != 2*len(types) {
				t.Errorf("%v: %d requests, want one of failures and one of successes per type", types, len(reqs))
			}
			successes := 0
			for _, r := range reqs {
				if f := r.Query.Get("$filter"); strings.Contains(f, "status/errorCode eq 0") {
					successes++
					if sel := r.Query.Get("$select"); strings.Contains(sel, "deviceDetail") || !strings.Contains(sel, "correlationId") || r.Query.Get("$top") != "1000" {
						t.Errorf("successes request $select=%s $top=%s: want the rule's fields only, 1000", sel, r.Query.Get("$top"))
					}
					if !strings.Contains(f, "createdDateTime le 2025-05-06T12:10:00Z") {
						t.Errorf("successes filter %q: want the window extended by 10 minutes", f)
					}
				}
			}
			if successes != len(types) {
				t.Errorf("%d requests of successes for %d types", successes, len(types))
			}
		}
	}
	// The story itself, through Graph.
	q := signin.Query{Since: s0.Add(-24 * time.Hour), Until: s0, Limit: 25, Classify: classify(t), Types: []signin.Type{signin.Interactive}}
	got, _ := src.Search(context.Background(), q)
	if fmt.Sprint(ids(got.Rows)) != "[pw-2 pw-1 mfa-11 stuck]" || !slices.Equal(got.Coverage.Notes, []string{signin.CompletedInterruptsNote(2)}) {
		t.Errorf("rows %v notes %q", ids(got.Rows), got.Coverage.Notes)
	}

	for id, want := range map[string]string{"pw-1": "hal-ok", "stuck": "", "mfa-11": "gus-ok", "sp-fail": "sp-ok"} {
		f, err := src.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		before := len(fake.Requests())
		next, err := src.NextSuccess(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		wantRef, _ := ref.NextSuccess(context.Background(), f)
		gotID, refID := "", ""
		if next != nil {
			gotID = next.ID
		}
		if wantRef != nil {
			refID = wantRef.ID
		}
		if gotID != want || refID != want {
			t.Errorf("next success of %s: graph %q, store %q; want %q", id, gotID, refID, want)
		}
		reqs := fake.Requests()[before:]
		if len(reqs) != 1 || reqs[0].Query.Get("$top") != "1" || reqs[0].Query.Get("$orderby") != "createdDateTime asc" || reqs[0].Status != 200 {
			t.Errorf("next success of %s: %d requests %+v, want one $top=1 ordered oldest first", id, len(reqs), reqs)
		}
	}
}

// TestFollowUpsUndecidedBeyondOnePage: when the window holds more successes
// than one page, what came after the failures older than the oldest success
// read is not decided: an interrupt is then returned, and a note says so.
func TestFollowUpsUndecidedBeyondOnePage(t *testing.T) {
	raws, _ := stuckTenant(t)
	src, fake := newSource(t, raws, s0, func(c *Config) { c.PageSize = 2; c.MaxPages = 5 })
	q := signin.Query{Since: s0.Add(-24 * time.Hour), Until: s0, Limit: 25, Classify: classify(t), Types: []signin.Type{signin.Interactive}}
	got, err := src.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	// The page of successes holds hal-ok (11:55) and gus-ok (11:30): the
	// interrupts before 11:30 cannot be shown completed, so they are kept.
	if fmt.Sprint(ids(got.Rows)) != "[pw-2 pw-1 mfa-9 mfa-11 mfa-flow stuck]" {
		t.Errorf("rows %v", ids(got.Rows))
	}
	note := "for 4 failures older than 2025-05-06T11:30:00Z, whether a success followed (completed, followedBySuccess) could not be decided"
	if len(got.Coverage.Notes) != 1 || !strings.Contains(got.Coverage.Notes[0], note) {
		t.Errorf("notes %q, want one saying %q", got.Coverage.Notes, note)
	}
	for _, r := range got.Rows {
		if r.ID == "pw-1" && !r.FollowedBySuccess {
			t.Error("pw-1 (11:40) is after the oldest success read: hal-ok should be found")
		}
	}
	successes := 0
	for _, r := range fake.Requests() {
		if strings.Contains(r.Query.Get("$filter"), "status/errorCode eq 0") {
			successes++
		}
	}
	if successes != 1 {
		t.Errorf("%d requests of successes, want 1: the budget is one page per type", successes)
	}
}

// TestWorkloadFollowUpsByResourceThroughGraph: on Graph as in memory, a
// managed identity's Key Vault tokens do not resolve its requests for a
// missing API (search rows, nextSuccess by resourceId or
// resourceDisplayName, and the diagnosis's status), while a failure for Key
// Vault, or one that logs no resource, is followed by them.
func TestWorkloadFollowUpsByResourceThroughGraph(t *testing.T) {
	const kv = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"
	mi := func(id string, minsAgo, code int, res map[string]any) map[string]any {
		r := map[string]any{
			"id": id, "createdDateTime": s0.Add(-time.Duration(minsAgo) * time.Minute).Format(time.RFC3339),
			"correlationId": "c-" + id, "appId": "22222222-0000-0000-0000-000000000002", "appDisplayName": "func-billing",
			"servicePrincipalId": "33333333-0000-0000-0000-000000000002", "servicePrincipalName": "func-billing",
			"status": map[string]any{"errorCode": code}, "isInteractive": false, "signInEventTypes": []string{"managedIdentity"},
		}
		for k, v := range res {
			r[k] = v
		}
		return r
	}
	keyVault := map[string]any{"resourceId": kv, "resourceDisplayName": "Azure Key Vault"}
	var raws []json.RawMessage
	var recs []signin.SignIn
	for _, r := range []map[string]any{
		mi("no-resource", 30, 7000215, nil),
		mi("kv-fail", 29, 7000215, keyVault),
		// The newest failure: the one the diagnosis's status goes by.
		mi("missing", 28, 500011, map[string]any{"resourceDisplayName": "api://contoso-expense-api-dev"}),
		mi("kv-ok", 20, 0, keyVault),
	} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, b)
		si, err := graphjson.DecodeSignIn(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, si)
	}
	src, fake := newSource(t, raws, s0, nil)
	ref := memory.New("ref", slices.Clone(recs))
	want := map[string]string{"missing": "", "kv-fail": "kv-ok", "no-resource": "kv-ok"}

	q := signin.Query{Since: s0.Add(-24 * time.Hour), Until: s0, Limit: 25, Classify: classify(t), Types: []signin.Type{signin.ManagedIdentity}}
	for name, s := range map[string]signin.Source{"graph": src, "memory": ref} {
		p, err := s.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, r := range p.Rows {
			got[r.ID] = r.FollowedBySuccess
		}
		for id, next := range want {
			if f, ok := got[id]; !ok || f != (next != "") {
				t.Errorf("%s: %s followedBySuccess %v (listed %v), want %v", name, id, f, ok, next != "")
			}
		}
	}

	for id, w := range want {
		f, err := src.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		before := len(fake.Requests())
		next, err := src.NextSuccess(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		refNext, _ := ref.NextSuccess(context.Background(), f)
		gotID, refID := "", ""
		if next != nil {
			gotID = next.ID
		}
		if refNext != nil {
			refID = refNext.ID
		}
		if gotID != w || refID != w {
			t.Errorf("next success of %s: graph %q, memory %q; want %q", id, gotID, refID, w)
		}
		reqs := fake.Requests()[before:]
		wantClause := map[string]string{"missing": "resourceDisplayName eq 'api://contoso-expense-api-dev'", "kv-fail": "resourceId eq '" + kv + "'", "no-resource": "servicePrincipalId eq"}[id]
		if len(reqs) != 1 || reqs[0].Status != 200 || !strings.Contains(reqs[0].Query.Get("$filter"), wantClause) ||
			(id == "no-resource" && strings.Contains(reqs[0].Query.Get("$filter"), "resource")) {
			t.Errorf("next success of %s: %+v, want one accepted request filtering on %q", id, reqs, wantClause)
		}
	}

	// The diagnosis of the identity, on what Graph's Collect read.
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := diagnosis.Run(context.Background(), src, signin.Collect{App: "func-billing", Since: s0.Add(-24 * time.Hour), Until: s0}, cat)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Result
	found := false
	for _, f := range r.Findings {
		if slices.Contains(f.Evidence.SignInIDs, "missing") {
			found = true
			if f.Status != diagnosis.StatusOngoing {
				t.Errorf("%s (%s) is %s: Key Vault tokens do not resolve a missing API", f.Scenario, f.Summary, f.Status)
			}
		}
	}
	if !found {
		t.Errorf("no finding holds the 500011: %+v", r.Findings)
	}
}
