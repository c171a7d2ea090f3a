package signin

import (
	"testing"
	"time"
)

var f0 = time.Date(2025, 5, 6, 12, 0, 0, 0, time.UTC)

// story builds a user sign-in minutes before f0.
func story(id string, minsAgo int, user, app string, code int, corr string) SignIn {
	return SignIn{
		ID: id, CorrelationID: corr, CreatedAt: f0.Add(-time.Duration(minsAgo) * time.Minute), Type: Interactive,
		User: User{ID: "oid-" + user, UPN: user + "@contoso.com"}, App: App{ID: "app-" + app, Name: app},
		Status: Status{ErrorCode: code},
	}
}

// TestFollowUps: the rule on hand-written stories: a success later in the
// flow, or for the same user and app (9 minutes completes an interrupt, 11
// does not), of the same type, and for a workload the same service principal.
func TestFollowUps(t *testing.T) {
	spFail := SignIn{ID: "sp-fail", CreatedAt: f0.Add(-10 * time.Minute), Type: ServicePrincipal, CorrelationID: "c-sp-1",
		ServicePrincipal: App{ID: "sp-obj", Name: "Payroll Sync"}, App: App{ID: "app-sync", Name: "Payroll Sync"}, Status: Status{ErrorCode: 7000215}}
	spOK := spFail
	spOK.ID, spOK.CorrelationID, spOK.CreatedAt, spOK.Status = "sp-ok", "c-sp-2", f0.Add(-2*time.Minute), Status{}
	upnOnly := story("upn-ok", 1, "kim", "Outlook", 0, "c-kim-2")
	upnOnly.User.ID, upnOnly.User.UPN = "", "KIM@contoso.com" // a log without object IDs matches by UPN, in any case
	kimFail := story("kim-fail", 3, "kim", "Outlook", 50126, "c-kim-1")
	kimFail.User.ID = ""
	nonInteractiveOK := story("lee-ok", 1, "lee", "Outlook", 0, "c-lee-2")
	nonInteractiveOK.Type = NonInteractive
	recs := []SignIn{
		story("stuck", 60, "dana", "Outlook", 50079, "c-dana-1"),
		story("dana-teams-ok", 30, "dana", "Teams", 0, "c-dana-2"), // another app: not dana's Outlook
		story("mfa-flow", 50, "eve", "Outlook", 50074, "c-eve"),
		story("eve-ok", 49, "eve", "Outlook", 0, "c-eve"),
		story("mfa-9", 40, "fay", "Outlook", 50074, "c-fay-1"),
		story("fay-ok", 31, "fay", "Outlook", 0, "c-fay-2"),
		story("mfa-11", 40, "gus", "Outlook", 50074, "c-gus-1"),
		story("gus-ok", 29, "gus", "Outlook", 0, "c-gus-2"),
		story("pw-1", 20, "hal", "Outlook", 50126, "c-hal-1"),
		story("hal-ok", 5, "hal", "Outlook", 0, "c-hal-2"),
		story("pw-2", 15, "ivy", "Outlook", 50126, "c-ivy-1"),
		story("ivy-ok-before", 16, "ivy", "Outlook", 0, "c-ivy-0"), // before the failure: says nothing
		kimFail,
		upnOnly,
		story("lee-fail", 3, "lee", "Outlook", 50126, "c-lee-1"),
		nonInteractiveOK,
		spFail, spOK,
	}
	got := map[string]FollowUp{}
	for i, f := range FollowUps(recs) {
		got[recs[i].ID] = f
	}
	next := func(id string) string {
		if n := got[id].NextSuccess(); n != nil {
			return n.ID + "@" + n.CreatedAt.Format("15:04")
		}
		return ""
	}
	cases := []struct {
		id                  string
		followed, completed bool
		next                string
	}{
		{"stuck", false, false, ""},
		{"mfa-flow", true, true, "eve-ok@11:11"},
		{"mfa-9", true, true, "fay-ok@11:29"},
		{"mfa-11", true, false, "gus-ok@11:31"},
		{"pw-1", true, false, "hal-ok@11:55"},
		{"pw-2", false, false, ""},
		{"kim-fail", true, true, "upn-ok@11:59"},
		{"lee-fail", false, false, ""},
		{"sp-fail", true, true, "sp-ok@11:58"},
		{"eve-ok", false, false, ""},
	}
	for _, c := range cases {
		f := got[c.id]
		if f.FollowedBySuccess != c.followed || f.Completed != c.completed || next(c.id) != c.next {
			t.Errorf("%s: followed %v completed %v next %q; want %v %v %q", c.id, f.FollowedBySuccess, f.Completed, next(c.id), c.followed, c.completed, c.next)
		}
	}
}

func TestCompletedInterruptsNote(t *testing.T) {
	for n, want := range map[int]string{
		0: "",
		1: "1 completed interrupt (an MFA prompt or other normal step followed by a success) was left out; set includeInterrupts to see it",
		3: "3 completed interrupts (MFA prompts and other normal steps followed by a success) were left out; set includeInterrupts to see them",
	} {
		if got := CompletedInterruptsNote(n); got != want {
			t.Errorf("note(%d) = %q", n, got)
		}
	}
}

// TestWorkloadFollowUpsByResource: a workload's success answers its failures
// for the same resource only (by ID, or by name when the failure logs no
// ID), or any failure that logs no resource; a user's success answers their
// failures in the same app whatever the resource.
func TestWorkloadFollowUpsByResource(t *testing.T) {
	keyVault := App{ID: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093", Name: "Azure Key Vault"}
	mi := func(id string, minsAgo int, res App, code int) SignIn {
		return SignIn{ID: id, CorrelationID: "c-" + id, CreatedAt: f0.Add(-time.Duration(minsAgo) * time.Minute), Type: ManagedIdentity,
			ServicePrincipal: App{ID: "sp-func", Name: "func-billing"}, App: App{ID: "app-func", Name: "func-billing"}, Resource: res,
			Status: Status{ErrorCode: code}}
	}
	userAt := func(id string, minsAgo int, res App, code int) SignIn {
		s := story(id, minsAgo, "rosa", "Outlook", code, "c-"+id)
		s.Resource = res
		return s
	}
	recs := []SignIn{
		mi("missing-api", 30, App{Name: "api://contoso-expense-api-dev"}, 500011), // the case
		mi("kv-fail", 29, keyVault, 50000),
		mi("kv-by-name", 28, App{Name: "AZURE KEY VAULT"}, 50000), // the name in another case, no ID
		mi("no-resource", 27, App{}, 7000215),
		mi("storage-fail", 26, App{ID: "storage-id", Name: "Azure Storage"}, 50000),
		mi("kv-ok", 20, keyVault, 0),
		mi("unknown-ok", 19, App{}, 0), // a success whose resource is not logged
		userAt("rosa-exo-fail", 30, App{ID: "exo", Name: "Exchange Online"}, 50126),
		userAt("rosa-graph-ok", 25, App{ID: "graph", Name: "Microsoft Graph"}, 0),
	}
	got := map[string]FollowUp{}
	for i, f := range FollowUps(recs) {
		got[recs[i].ID] = f
	}
	for id, want := range map[string]string{
		"missing-api":   "", // Key Vault tokens say nothing of the missing API
		"kv-fail":       "kv-ok",
		"kv-by-name":    "kv-ok",
		"no-resource":   "kv-ok",
		"storage-fail":  "", // unknown-ok does not name Storage
		"rosa-exo-fail": "rosa-graph-ok",
	} {
		f := got[id]
		next := ""
		if n := f.NextSuccess(); n != nil {
			next = n.ID
		}
		if next != want || f.FollowedBySuccess != (want != "") {
			t.Errorf("%s: next %q followed %v; want %q", id, next, f.FollowedBySuccess, want)
		}
	}
}

// TestFollowUpBefore: an index of every success, bounded at a window's end,
// answers for each record of the window what an index of the window's own
// successes does: a success at the end or after it (in the flow, for the
// same user and app) no longer counts.
func TestFollowUpBefore(t *testing.T) {
	recs := []SignIn{
		story("in-flow", 50, "eve", "Outlook", 50074, "c-eve"),
		story("eve-ok-after", 20, "eve", "Outlook", 0, "c-eve"),
		story("pw", 40, "hal", "Outlook", 50126, "c-hal-1"),
		story("hal-ok", 35, "hal", "Outlook", 0, "c-hal-2"),
		story("hal-ok-after", 10, "hal", "Outlook", 0, "c-hal-3"),
		story("mfa", 31, "fay", "Outlook", 50074, "c-fay-1"),
		story("fay-ok-at-end", 30, "fay", "Outlook", 0, "c-fay-2"),
	}
	until := f0.Add(-30 * time.Minute)
	all := NewSuccesses(recs)
	var window []SignIn
	for _, r := range recs {
		if r.CreatedAt.Before(until) {
			window = append(window, r)
		}
	}
	want := FollowUps(window)
	for i := range window {
		if got := all.FollowUpBefore(&window[i], until); got != want[i] {
			t.Errorf("%s: FollowUpBefore = %+v, want %+v", window[i].ID, got, want[i])
		}
	}
	if got := all.FollowUpBefore(&recs[0], time.Time{}); !got.Completed {
		t.Errorf("unbounded: %+v, want the flow's later success", got)
	}
	if len(want) != 4 || want[0].FollowedBySuccess || want[1].Next.ID != "hal-ok" || want[3].FollowedBySuccess {
		t.Errorf("the stories do not test the bound: %+v", want)
	}
}
