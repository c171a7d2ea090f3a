package tools_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// stuckSource: dana stuck at MFA registration (50079, never followed by a
// success for her app), ben's MFA prompt completed in its flow, hal's bad
// password followed by a success in another flow.
func stuckSource() *memory.Store {
	dana := si("stuck", now.Add(-time.Hour), "dana@contoso.com", 50079, "c-dana")
	dana.Status.FailureReason = "The user must enroll for multifactor authentication."
	return memory.New("test", []signin.SignIn{
		dana,
		si("mfa-1", now.Add(-50*time.Minute), "ben@contoso.com", 50074, "c-ben"),
		si("mfa-ok", now.Add(-49*time.Minute), "ben@contoso.com", 0, "c-ben"),
		si("pw-1", now.Add(-20*time.Minute), "hal@contoso.com", 50126, "c-hal-1"),
		si("hal-ok", now.Add(-5*time.Minute), "hal@contoso.com", 0, "c-hal-2"),
	})
}

// TestStuckInterruptIsAFailure: the search returns dana's interrupt with
// completed false (not "No failures"), leaves ben's completed one out with
// a note, and marks hal's retry; the JSON carries completed on interrupt
// rows only.
func TestStuckInterruptIsAFailure(t *testing.T) {
	c := connectSource(t, stuckSource())
	r, res := search(t, c, `{}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	if got := strings.Join(rowIDs(r), " "); got != "pw-1 stuck" {
		t.Fatalf("rows %s, want hal's failure and dana's interrupt never completed", got)
	}
	stuck, pw := r.SignIns[1], r.SignIns[0]
	if stuck.Outcome != "interrupt" || stuck.Completed == nil || *stuck.Completed || stuck.FollowedBySuccess {
		t.Errorf("dana's row: %+v", stuck)
	}
	if pw.Completed != nil || !pw.FollowedBySuccess {
		t.Errorf("hal's row: completed %v (want absent) followedBySuccess %v (want true)", pw.Completed, pw.FollowedBySuccess)
	}
	if !strings.Contains(strings.Join(r.Coverage.Notes, "\n"), signin.CompletedInterruptsNote(1)) {
		t.Errorf("notes %q, want the completed interrupt counted", r.Coverage.Notes)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if strings.Count(string(raw), `"completed":`) != 1 {
		t.Errorf("completed should be on the interrupt row only: %s", raw)
	}
	all, _ := search(t, c, `{"includeInterrupts":true}`)
	if got := strings.Join(rowIDs(all), " "); got != "pw-1 mfa-1 stuck" || all.SignIns[1].Completed == nil || !*all.SignIns[1].Completed {
		t.Errorf("with includeInterrupts: rows %s %+v", got, all.SignIns)
	}
}

// TestDetailsNextSuccess: details name the next success for the same user and
// app, or null (valid against the output schema, which the server checks).
func TestDetailsNextSuccess(t *testing.T) {
	c := connectSource(t, stuckSource())
	d, res := details(t, c, `{"id":"pw-1"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	if d.NextSuccess == nil || d.NextSuccess.ID != "hal-ok" || d.NextSuccess.CreatedDateTime != "2025-03-04T11:55:00Z" {
		t.Errorf("nextSuccess %+v, want hal-ok at 11:55", d.NextSuccess)
	}
	if !strings.Contains(text(res), `A later sign-in of the same user and app succeeded, "hal-ok" at 2025-03-04 11:55:00 UTC`) {
		t.Errorf("summary %q", text(res))
	}
	d, res = details(t, c, `{"id":"stuck"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if d.NextSuccess != nil || !strings.Contains(string(raw), `"nextSuccess":null`) || !strings.Contains(text(res), "No later success is known") {
		t.Errorf("dana's details: nextSuccess %+v, summary %q", d.NextSuccess, text(res))
	}
	// The flow's latest sign-in is named, not only its outcome.
	_, res = details(t, c, `{"id":"mfa-1"}`)
	if want := `1 other sign-in shares the correlation ID; the latest of them, "mfa-ok" at 2025-03-04 11:11:00 UTC, succeeded.`; !strings.Contains(text(res), want) {
		t.Errorf("summary %q, want %q", text(res), want)
	}
}
