package files

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A record dated 9999 (or before Entra ID kept sign-in logs) is left out
// and reported: it would move the files source's "now" and empty every
// default search.
func TestImplausibleDatesLeftOut(t *testing.T) {
	dir := t.TempDir()
	wall := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	line := func(id, at string) string {
		return `{"id":"` + id + `","createdDateTime":"` + at + `","status":{"errorCode":50126}}` + "\n"
	}
	a := write(t, dir, "a.jsonl",
		line("ok-1", "2025-03-04T11:00:00Z")+
			line("future", "9999-12-31T23:59:59Z")+
			line("tomorrow", "2025-03-05T11:59:59Z")+ // within a day of the clock: kept
			line("ancient", "2013-12-31T23:59:59Z")+
			line("day-after", "2025-03-05T12:00:01Z"))
	b := write(t, dir, "b.csv", portalHeader+
		`"2025-03-04T10:00:00Z","ok-2","u","a@b","App","50126","Failure"`+"\n"+
		`"2099-01-01T00:00:00Z","future-csv","u","a@b","App","50126","Failure"`+"\n"+
		// The same ID dated plausibly in a later file is kept.
		`"2025-03-04T09:00:00Z","future","u","a@b","App","50126","Failure"`+"\n")

	res, err := Load(context.Background(), []string{a, b}, WithClock(func() time.Time { return wall }))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, s := range res.SignIns {
		kept = append(kept, s.ID)
		if s.CreatedAt.Year() > 2025 || s.CreatedAt.Before(EarliestSignIn) {
			t.Errorf("kept %s dated %s", s.ID, s.CreatedAt)
		}
	}
	if len(res.SignIns) != 4 {
		t.Errorf("kept %q, want ok-1, tomorrow, ok-2 and future (from b.csv)", kept)
	}
	if res.Implausible != 4 {
		t.Errorf("Implausible = %d, want 4", res.Implausible)
	}
	if res.Files[0].Records != 5 || res.Files[1].Records != 3 {
		t.Errorf("records per file = %d, %d; want every record read counted (5, 3)", res.Files[0].Records, res.Files[1].Records)
	}
	if len(res.ImplausibleSample) == 0 || !strings.Contains(res.ImplausibleSample[0], filepath.Base(a)) || !strings.Contains(res.ImplausibleSample[0], "future") {
		t.Errorf("ImplausibleSample = %q, want the first naming %s and the record", res.ImplausibleSample, a)
	}
	notes := res.Notes()
	if len(notes) != 1 || !strings.Contains(notes[0], "4 records dated outside 2014-01-01..2025-03-05T12:00:00Z were left out") {
		t.Errorf("Notes = %q, want one saying 4 records were left out and the accepted range", notes)
	}
	for _, s := range res.ImplausibleSample {
		if strings.Contains(s, "10000") {
			t.Errorf("sample %q prints a year past 9999", s)
		}
	}

	// Without left-out records there is no note.
	res, err = Load(context.Background(), []string{fixture("graph-v1-page.json")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Implausible != 0 || len(res.Notes()) != 0 {
		t.Errorf("fixture: Implausible = %d, notes %q; want none", res.Implausible, res.Notes())
	}
}
