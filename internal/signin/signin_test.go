package signin

import (
	"encoding/base64"
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
	cur := c.Issue("fp", time.Time{}, time.Time{}, 1234, "skiptoken-xyz")
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

// TestCursorWindow: a cursor carries its search's window to the nanosecond,
// for any year; a cursor whose window was altered is refused.
func TestCursorWindow(t *testing.T) {
	c := NewCursors()
	for _, w := range [][2]time.Time{
		{time.Date(2025, 3, 3, 12, 0, 0, 123456789, time.UTC), time.Date(2025, 3, 4, 12, 0, 1, 987654321, time.UTC)},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
	} {
		q := Query{Since: w[0], Until: w[1]}
		cur := c.Issue(q.Fingerprint(AllTypes), q.Since, q.Until, 42, "tok")
		since, until, ok := CursorWindow(cur)
		if !ok || !since.Equal(w[0]) || !until.Equal(w[1]) {
			t.Fatalf("CursorWindow = %v %v %v, want %v %v", since, until, ok, w[0], w[1])
		}
		if pos, tok, err := c.Check(q.Fingerprint(AllTypes), cur); err != nil || pos != 42 || tok != "tok" {
			t.Fatalf("Check = %d %q %v", pos, tok, err)
		}
		// Another window in the body, under the fingerprint of that window.
		moved := Query{Since: w[0].Add(time.Minute), Until: w[1]}
		raw, _ := base64.RawURLEncoding.DecodeString(cur)
		body := appendTime(appendTime(nil, moved.Since), moved.Until)
		_, _, rest, _ := readWindow(raw[:len(raw)-macLen])
		forged := base64.RawURLEncoding.EncodeToString(append(append(body, rest...), raw[len(raw)-macLen:]...))
		if s, _, ok := CursorWindow(forged); !ok || !s.Equal(moved.Since) {
			t.Fatalf("forged window not read back: %v %v", s, ok)
		}
		if _, _, err := c.Check(moved.Fingerprint(AllTypes), forged); !errors.Is(err, ErrBadCursor) {
			t.Errorf("a cursor with an altered window was accepted: %v", err)
		}
	}
	for _, bad := range []string{"", "***", "AAAA"} {
		if _, _, ok := CursorWindow(bad); ok {
			t.Errorf("CursorWindow(%q) ok", bad)
		}
	}
}

func FuzzCursorCheck(f *testing.F) {
	c := NewCursors()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Add(c.Issue("fp", t0, t0.Add(time.Hour), 3, ""))
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		if _, _, err := c.Check("fp", s); err == nil && !reissued(t, c, s) {
			// A cursor that checks out must be one c issued (HMAC): any other
			// accepted string would be a forgery.
			t.Fatalf("forged cursor %q accepted", s)
		}
	})
}

// reissued reports whether c issues s itself for what s says.
func reissued(t *testing.T, c *Cursors, s string) bool {
	pos, tok, _ := c.Check("fp", s)
	since, until, ok := CursorWindow(s)
	if !ok {
		t.Fatalf("a cursor that checks out has no window: %q", s)
	}
	return s == c.Issue("fp", since, until, pos, tok)
}

func TestGuestAddresses(t *testing.T) {
	guest := &SignIn{User: User{UPN: "ana_fabrikam.example#EXT#@contoso.com"}}
	for user, want := range map[string]bool{
		"ana@fabrikam.example":                  true,
		"ANA@FABRIKAM.EXAMPLE":                  true,
		"ana_fabrikam.example#ext#@contoso.com": true,
		"ana@fabrikam":                          false,
		"na@fabrikam.example":                   false,
		"ana":                                   false,
		"ana@fabrikam.example@x":                false,
	} {
		if got := MatchUser(guest, user); got != want {
			t.Errorf("MatchUser(guest, %q) = %v, want %v", user, got, want)
		}
	}
	for upn, want := range map[string]string{
		"ana_fabrikam.example#EXT#@contoso.com":   "ana@fabrikam.example",
		"j_doe_fabrikam.example#ext#@contoso.com": "j_doe@fabrikam.example",
		"ana@contoso.com":                         "",
		"#EXT#@contoso.com":                       "",
		"ana#EXT#@contoso.com":                    "",
	} {
		if got := HomeAddress(upn); got != want {
			t.Errorf("HomeAddress(%q) = %q, want %q", upn, got, want)
		}
		if want != "" && !MatchUser(&SignIn{User: User{UPN: upn}}, want) {
			t.Errorf("MatchUser(%q, %q) = false: the matcher and the index disagree", upn, want)
		}
	}
}
