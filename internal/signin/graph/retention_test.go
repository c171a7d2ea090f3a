package graph

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

// TestRetentionNoteGivesTheKQL: a search or a diagnosis whose window starts
// before Graph's 30 days says so and gives the Log Analytics query of the
// same question, with the caller's text as a literal; a window Graph covers
// gets no such note.
func TestRetentionNoteGivesTheKQL(t *testing.T) {
	src, _ := newSource(t, nil, dirNow, nil)
	classify := func(code int) signin.Outcome {
		if code == 0 {
			return signin.OutcomeSuccess
		}
		return signin.OutcomeFailure
	}
	old := signin.Query{User: `o"brien@contoso.com`, Since: dirNow.Add(-40 * 24 * time.Hour), Until: dirNow, Limit: 25, Classify: classify}
	page, err := src.Search(context.Background(), old)
	if err != nil {
		t.Fatal(err)
	}
	want, err := kql.Readable(kql.Select{Query: signin.Query{User: old.User, Since: old.Since, Until: old.Until, Types: []signin.Type{signin.Interactive}}, Outcome: kql.Failures})
	if err != nil {
		t.Fatal(err)
	}
	note := strings.Join(page.Coverage.Notes, "\n")
	if !strings.Contains(note, "nothing before 2026-02-08T12:00:00Z can be read from it") || !strings.Contains(note, want) || !strings.Contains(want, `"o\"brien@contoso.com"`) {
		t.Errorf("notes %q, want the retention and\n%s", page.Coverage.Notes, want)
	}
	coll, err := src.Collect(context.Background(), signin.Collect{User: "rosa@contoso.com", Since: old.Since, Until: old.Until})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Join(coll.Coverage.Notes, "\n"); !strings.Contains(n, "union isfuzzy=true SigninLogs, AADNonInteractiveUserSignInLogs") {
		t.Errorf("diagnosis notes %q lack the KQL over the types it read", coll.Coverage.Notes)
	}
	recent := old
	recent.Since = dirNow.Add(-24 * time.Hour)
	page, err = src.Search(context.Background(), recent)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(page.Coverage.Notes, " "), "Graph keeps sign-ins") {
		t.Errorf("a window Graph covers got a retention note: %q", page.Coverage.Notes)
	}
}
