package memory

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// stuckTenant: dana stuck at MFA registration (50079, no later success for
// her Outlook), eve's MFA prompt completed in its flow, fay's completed by a
// success in another flow 9 minutes later, gus's 11 minutes later (too late
// to complete it), hal's bad password followed by a success in another
// flow, ivy's not.
func stuckTenant() *Store {
	at := func(id string, minsAgo int, user string, code int, corr string) signin.SignIn {
		return rec(id, minsAgo, user+"@contoso.com", code, signin.Interactive, corr)
	}
	teams := at("dana-teams-ok", 30, "dana", 0, "c-dana-2")
	teams.App = signin.App{ID: "app-teams", Name: "Teams"}
	return New("test", []signin.SignIn{
		at("stuck", 60, "dana", 50079, "c-dana-1"), teams,
		at("mfa-flow", 50, "eve", 50074, "c-eve"), at("eve-ok", 49, "eve", 0, "c-eve"),
		at("mfa-9", 40, "fay", 50074, "c-fay-1"), at("fay-ok", 31, "fay", 0, "c-fay-2"),
		at("mfa-11", 40, "gus", 50074, "c-gus-1"), at("gus-ok", 29, "gus", 0, "c-gus-2"),
		at("pw-1", 20, "hal", 50126, "c-hal-1"), at("hal-ok", 5, "hal", 0, "c-hal-2"),
		at("pw-2", 15, "ivy", 50126, "c-ivy-1"),
	})
}

func classifyStuck(code int) signin.Outcome {
	if code == 50079 {
		return signin.OutcomeInterrupt
	}
	return classify(code)
}

func TestInterruptsNeverCompletedAreReturned(t *testing.T) {
	s := stuckTenant()
	p, err := s.Search(context.Background(), query(func(q *signin.Query) { q.Classify = classifyStuck }))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]signin.Row{}
	for _, r := range p.Rows {
		rows[r.ID] = r
	}
	if got := fmt.Sprint(ids(p)); got != "[pw-2 pw-1 mfa-11 stuck]" {
		t.Errorf("rows %s, want the failures and the interrupts never completed", got)
	}
	if r := rows["stuck"]; r.Outcome != signin.OutcomeInterrupt || r.Completed || r.FollowedBySuccess {
		t.Errorf("dana stuck at 50079: %+v", r)
	}
	if r := rows["mfa-11"]; r.Completed || !r.FollowedBySuccess {
		t.Errorf("gus, success 11 minutes later: completed %v followed %v; want false, true", r.Completed, r.FollowedBySuccess)
	}
	if r := rows["pw-1"]; !r.FollowedBySuccess {
		t.Error("hal's bad password, then a success in another flow: not followedBySuccess")
	}
	if r := rows["pw-2"]; r.FollowedBySuccess {
		t.Error("ivy has no later success, yet followedBySuccess")
	}
	if want := []string{signin.CompletedInterruptsNote(2)}; !slices.Equal(p.Coverage.Notes, want) {
		t.Errorf("notes %q, want %q", p.Coverage.Notes, want)
	}
	var codes []int
	for _, g := range p.Groups {
		codes = append(codes, g.ErrorCode)
		if g.ErrorCode == 50074 && g.Count != 1 {
			t.Errorf("group 50074 counts %d, want 1: the completed ones are left out of groups too", g.Count)
		}
	}
	if slices.Sort(codes); !slices.Equal(codes, []int{50074, 50079, 50126}) {
		t.Errorf("groups %v", codes)
	}

	all, _ := s.Search(context.Background(), query(func(q *signin.Query) { q.Classify = classifyStuck; q.IncludeInterrupts = true }))
	if got := fmt.Sprint(ids(all)); got != "[pw-2 pw-1 mfa-11 mfa-9 mfa-flow stuck]" || len(all.Coverage.Notes) != 0 {
		t.Errorf("with includeInterrupts: rows %s notes %q", got, all.Coverage.Notes)
	}
	for _, r := range all.Rows {
		if want := r.ID == "mfa-9" || r.ID == "mfa-flow"; r.Completed != want {
			t.Errorf("%s completed %v", r.ID, r.Completed)
		}
	}
}

func TestNextSuccess(t *testing.T) {
	s := stuckTenant()
	for id, want := range map[string]string{"pw-1": "hal-ok", "stuck": "", "mfa-11": "gus-ok", "pw-2": ""} {
		r, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		next, err := s.NextSuccess(context.Background(), r)
		got := ""
		if next != nil {
			got = next.ID
			if !next.CreatedAt.After(r.CreatedAt) {
				t.Errorf("%s: next success %s at %s is not after it", id, next.ID, next.CreatedAt)
			}
		}
		if err != nil || got != want {
			t.Errorf("NextSuccess(%s) = %q, %v; want %q", id, got, err, want)
		}
	}
	// A sign-in the store does not hold is answered from the index too.
	other := rec("elsewhere", 25, "hal@contoso.com", 50126, signin.Interactive, "c-x")
	if next, _ := s.NextSuccess(context.Background(), other); next == nil || next.ID != "hal-ok" {
		t.Errorf("next success of an outside record: %+v", next)
	}
}
