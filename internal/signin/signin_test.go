package signin

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseType(t *testing.T) {
	for in, want := range map[string]Type{
		"interactive": Interactive, "InteractiveUser": Interactive, "nonInteractive": NonInteractive,
		"noninteractiveuser": NonInteractive, " servicePrincipal ": ServicePrincipal, "MANAGEDIDENTITY": ManagedIdentity,
	} {
		if got, err := ParseType(in); err != nil || got != want {
			t.Errorf("ParseType(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "batch", "interactive,nonInteractive"} {
		if _, err := ParseType(in); err == nil || !strings.Contains(err.Error(), "want interactive, nonInteractive, servicePrincipal or managedIdentity") {
			t.Errorf("ParseType(%q): %v", in, err)
		}
	}
}

func TestLocationString(t *testing.T) {
	if got := (Location{City: "Lisbon", CountryOrRegion: "PT"}).String(); got != "Lisbon, PT" {
		t.Errorf("got %q", got)
	}
	if got := (Location{}).String(); got != "" {
		t.Errorf("empty location rendered %q", got)
	}
}

func TestFingerprintSeparatesQueries(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	base := Query{User: "a@b.c", Since: t0, Until: t0.Add(time.Hour)}
	code := 50126
	variants := []Query{
		{User: "x@b.c", Since: t0, Until: t0.Add(time.Hour)},
		{User: "a@b.c", App: "x", Since: t0, Until: t0.Add(time.Hour)},
		{User: "a@b.c", ErrorCode: &code, Since: t0, Until: t0.Add(time.Hour)},
		{User: "a@b.c", Since: t0.Add(time.Second), Until: t0.Add(time.Hour)},
		{User: "a@b.c", Since: t0, Until: t0.Add(time.Hour), IncludeInterrupts: true},
	}
	fp := base.Fingerprint(AllTypes)
	if fp != (Query{User: "A@B.C", Since: t0, Until: t0.Add(time.Hour), Limit: 7, Cursor: "x"}).Fingerprint(AllTypes) {
		t.Error("case of the UPN, limit or cursor changed the fingerprint")
	}
	if fp == base.Fingerprint([]Type{Interactive}) {
		t.Error("types do not change the fingerprint")
	}
	for i, v := range variants {
		if v.Fingerprint(AllTypes) == fp {
			t.Errorf("variant %d has the base fingerprint", i)
		}
	}
}

func TestCursorsRoundTrip(t *testing.T) {
	c := NewCursors()
	cur := c.Issue("fp", 1234, "skiptoken-xyz")
	pos, tok, err := c.Check("fp", cur)
	if err != nil || pos != 1234 || tok != "skiptoken-xyz" {
		t.Fatalf("Check = %d %q %v", pos, tok, err)
	}
	for name, bad := range map[string]string{"empty": "", "short": "AAAA", "not base64": "***", "truncated": cur[:len(cur)-2]} {
		if _, _, err := c.Check("fp", bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("%s cursor: %v", name, err)
		}
	}
	if _, _, err := c.Check("other", cur); !errors.Is(err, ErrBadCursor) {
		t.Errorf("cursor for another fingerprint accepted: %v", err)
	}
}

func FuzzCursorCheck(f *testing.F) {
	c := NewCursors()
	f.Add(c.Issue("fp", 3, ""))
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		if _, _, err := c.Check("fp", s); err == nil && s != c.Issue("fp", mustPos(t, c, s), "") {
			// A cursor that checks out must be one c issued (HMAC): any other
			// accepted string would be a forgery.
			t.Fatalf("forged cursor %q accepted", s)
		}
	})
}

func mustPos(t *testing.T, c *Cursors, s string) int {
	pos, tok, _ := c.Check("fp", s)
	if tok != "" {
		t.Fatalf("token %q from a cursor issued without one", tok)
	}
	return pos
}
