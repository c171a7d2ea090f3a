package memory

import (
	"context"
	"slices"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// A load note (records left out, say) is on every search's coverage,
// first, and a cursor note follows it.
func TestLoadNotesOnEveryCoverage(t *testing.T) {
	const note = "1 record dated outside 2014-01-01..2025-03-05T12:00:00Z was left out"
	recs := []signin.SignIn{
		rec("a", 10, "rosa@contoso.com", 50126, signin.Interactive, "c1"),
		rec("b", 9, "rosa@contoso.com", 50126, signin.Interactive, "c1"),
	}
	s := New("files", recs, WithNotes(note))
	p, err := s.Search(context.Background(), query(func(q *signin.Query) { q.Limit = 1 }))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Coverage.Notes, []string{note}) {
		t.Errorf("notes = %q, want the load note", p.Coverage.Notes)
	}
	p, err = s.Search(context.Background(), query(func(q *signin.Query) { q.Limit = 1; q.Cursor = p.Coverage.NextCursor }))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Coverage.Notes) != 2 || p.Coverage.Notes[0] != note {
		t.Errorf("notes after a cursor = %q, want the load note then the cursor's", p.Coverage.Notes)
	}
	// A store without notes has only the search's own (the fixture's
	// completed interrupt), and New keeps no note slice shared between
	// searches.
	for range 2 {
		p, _ = fixture().Search(context.Background(), query(nil))
		if want := []string{signin.CompletedInterruptsNote(1)}; !slices.Equal(p.Coverage.Notes, want) {
			t.Errorf("notes = %q, want %q", p.Coverage.Notes, want)
		}
	}
}
