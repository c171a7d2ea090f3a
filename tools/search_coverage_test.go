package tools_test

import (
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/demo"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// interactiveExport is what an admin-center download of interactive
// sign-ins holds: interactive sign-ins only, over two days, one of them an
// MFA interrupt.
func interactiveExport() *memory.Store {
	return memory.New("files", []signin.SignIn{
		si("i-1", now.Add(-time.Hour), "rosa@contoso.com", 50126, "c-1"),
		si("i-2", now.Add(-30*time.Hour), "ali@contoso.com", 53003, "c-2"),
		si("i-3", now.Add(-2*time.Hour), "ben@contoso.com", 50074, "c-3"),
		si("i-4", now, "ben@contoso.com", 0, "c-4"),
	})
}

// TestCoverageListsOnlyHeldTypes: coverage.signInTypes lists the types the
// loaded files hold, and a note names the types asked for that they lack.
func TestCoverageListsOnlyHeldTypes(t *testing.T) {
	c := connectSource(t, interactiveExport())
	r, res := search(t, c, `{}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	if got := strings.Join(r.Coverage.SignInTypes, ","); got != "interactive" {
		t.Errorf("default search: signInTypes %q, want only interactive", got)
	}
	r, res = search(t, c, `{"signInTypes":["interactive","nonInteractive","servicePrincipal"]}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	if got := strings.Join(r.Coverage.SignInTypes, ","); got != "interactive" {
		t.Errorf("signInTypes %q, want only interactive", got)
	}
	want := "nonInteractive, servicePrincipal asked for, but the files source holds no sign-ins of those types"
	if !strings.Contains(strings.Join(r.Coverage.Notes, "|"), want) {
		t.Errorf("notes %q lack %q", r.Coverage.Notes, want)
	}
	r, _ = search(t, c, `{"signInTypes":["nonInteractive"]}`)
	if len(r.Coverage.SignInTypes) != 0 || !strings.Contains(strings.Join(r.Coverage.Notes, "|"), "nonInteractive asked for, but the files source holds no sign-ins of that type") {
		t.Errorf("nonInteractive only: %+v", r.Coverage)
	}
	d := memory.New("demo", demo.Generate(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)))
	r, _ = search(t, connectSource(t, d), `{}`)
	if len(r.Coverage.SignInTypes) != 4 {
		t.Errorf("demo: signInTypes %v, want all four", r.Coverage.SignInTypes)
	}
}

// TestNothingFoundHintSuggestsWhatCouldMatch: the hint of an empty answer
// names only what would change it.
func TestNothingFoundHintSuggestsWhatCouldMatch(t *testing.T) {
	c := connectSource(t, interactiveExport())
	for _, tc := range []struct {
		args      string
		want, not []string
	}{
		// The export holds ali's failure 30 hours ago: widen the window; no
		// other type exists, and no interrupt of ali's was left out.
		{`{"user":"ali@contoso.com","since":"30m"}`, []string{`No failures for "ali@contoso.com"`, "(1 interactive sign-in searched", "widen since or until (the source holds sign-ins from 2025-03-03T06:00:00Z to 2025-03-04T12:00:00Z)", "check the user and app spelling"},
			[]string{"signInTypes", "includeInterrupts", "2 hours"}},
		// Ben's MFA prompt was never followed by a success: he is stuck
		// there, so it is returned, and no hint is needed.
		{`{"user":"ben@contoso.com","since":"2025-03-01"}`, []string{`1 failure for "ben@contoso.com"`, "1× 50074"}, []string{"signInTypes", "widen", "No failures"}},
		// The whole export is in the window and the code matches nothing.
		{`{"errorCode":50053,"since":"2025-03-01"}`, []string{"Nothing else in this source matches these filters"}, []string{"signInTypes", "widen", "includeInterrupts", "spelling"}},
	} {
		_, res := search(t, c, tc.args)
		if res.IsError {
			t.Fatal(text(res))
		}
		got := text(res)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: hint lacks %q:\n%s", tc.args, w, got)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(got, w) {
				t.Errorf("%s: hint suggests %q, which would change nothing:\n%s", tc.args, w, got)
			}
		}
	}
	// Ben's MFA prompt in this source was completed in its flow: it is left
	// out, and only includeInterrupts would show it.
	_, res := search(t, connectSource(t, fixtureSource()), `{"user":"ben@contoso.com"}`)
	if got := text(res); !strings.Contains(got, "set includeInterrupts (1 interrupt matched and was left out)") {
		t.Errorf("hint for a completed interrupt:\n%s", got)
	}
	// A source that holds servicePrincipal sign-ins suggests that type when
	// the search did not read it.
	_, res = search(t, connectSource(t, fixtureSource()), `{"user":"nobody@contoso.com","signInTypes":["interactive"]}`)
	if got := text(res); !strings.Contains(got, "add signInTypes servicePrincipal") || strings.Contains(got, "nonInteractive") {
		t.Errorf("hint:\n%s", got)
	}
}

// TestSummariesCountInTheSingular: one of anything is said in the
// singular, in search and details summaries.
func TestSummariesCountInTheSingular(t *testing.T) {
	c := connectSource(t, fixtureSource())
	_, res := search(t, c, `{"errorCode":53003}`)
	if got := text(res); !strings.HasPrefix(got, "1 failure in the last 24 h: 1× 53003") {
		t.Errorf("search summary:\n%s", got)
	}
	_, res = search(t, c, `{"user":"ben@contoso.com","includeInterrupts":true}`)
	if got := text(res); !strings.HasPrefix(got, `1 failure or interrupt for "ben@contoso.com"`) {
		t.Errorf("search summary with interrupts:\n%s", got)
	}
	_, res = details(t, c, `{"id":"mfa-2"}`)
	if got, want := text(res), `1 other sign-in shares the correlation ID; the latest of them, "mfa-1" at 2025-03-04 11:00:00 UTC, was interrupted with 50074`; !strings.Contains(got, want) {
		t.Errorf("details summary lacks %q:\n%s", want, got)
	}
}
