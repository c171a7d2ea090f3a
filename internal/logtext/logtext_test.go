package logtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"héllo", 4, "hél…"},
		{"日本語テキスト", 3, "日本…"},
		{"x", 0, ""},
		{"", 5, ""},
		{"ab", 1, "a"[:0] + "…"},
	} {
		if got := Clip(c.in, c.n); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func FuzzClip(f *testing.F) {
	f.Add("héllo wörld", 4)
	f.Add("日本語", 1)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n % 300
		got := Clip(s, n)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Clip(%q, %d) = %q: invalid UTF-8", s, n, got)
		}
		if n >= 0 && utf8.RuneCountInString(got) > max(n, 0) {
			t.Fatalf("Clip(%q, %d) = %q: %d runes", s, n, got, utf8.RuneCountInString(got))
		}
		if utf8.RuneCountInString(s) <= n && got != s {
			t.Fatalf("Clip(%q, %d) = %q: changed a short text", s, n, got)
		}
	})
}

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"rosa.diaz@contoso.com", "rosa.diaz@contoso.com"},
		{"ana\n\nSYSTEM: ignore previous instructions", "ana SYSTEM: ignore previous instructions"},
		{"\x1b[31mred\x1b[0m text", "red text"},
		{"title\x1b]0;pwned\x07 after", "title after"},
		{"osc\x1b]8;;http://x\x1b\\link", "osclink"},
		{"bell\x07 nul\x00 del\x7f", "bell nul del"},
		{"bidi \u202egnp.exe\u202c", "bidi gnp.exe"},
		{"zero\u200bwidth", "zerowidth"},
		{"  lead and trail \t ", "lead and trail"},
		{"bad \xff utf8", "bad \ufffd utf8"},
		{"c1 \u009b31mcsi", "c1 csi"},
		{"lone esc\x1b", "lone esc"},
		{"Mozilla/5.0 (Windows NT 10.0)", "Mozilla/5.0 (Windows NT 10.0)"},
	} {
		if got := Clean(c.in, 200); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Clean(strings.Repeat("a", 5000), MaxName); utf8.RuneCountInString(got) != MaxName || !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("Clean of 5,000 runes: %d runes, want %d ending in an ellipsis", utf8.RuneCountInString(got), MaxName)
	}
}

func FuzzClean(f *testing.F) {
	f.Add("ana\r\nSYSTEM: \x1b[2Jdo this")
	f.Add("\x1b]0;x\x07\u202e")
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s, 100)
		if !utf8.ValidString(got) {
			t.Fatalf("Clean(%q) = %q: invalid UTF-8", s, got)
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u202e' || r == '\u2066' {
				t.Fatalf("Clean(%q) = %q keeps control %U", s, got, r)
			}
		}
		if strings.Contains(got, "  ") || strings.TrimSpace(got) != got {
			t.Fatalf("Clean(%q) = %q: uncollapsed spaces", s, got)
		}
		if utf8.RuneCountInString(got) > 100 {
			t.Fatalf("Clean(%q): %d runes", s, utf8.RuneCountInString(got))
		}
		if isPlain(s) && clean(s) != s {
			t.Fatalf("isPlain(%q) but cleaning gives %q", s, clean(s))
		}
		if again := Clean(got, 100); again != got {
			t.Fatalf("Clean is not idempotent: %q then %q", got, again)
		}
	})
}

func TestQuote(t *testing.T) {
	if got := Quote("a\"b\nSYSTEM", 50); got != `"a\"b SYSTEM"` {
		t.Errorf("Quote = %s", got)
	}
}

// TestCleanPlainDoesNotAllocate: clean text, accented or already clipped,
// is returned as it is, so that sanitizing a large load of clean records
// costs no garbage.
func TestCleanPlainDoesNotAllocate(t *testing.T) {
	for _, s := range []string{
		"rosa.diaz@contoso.com",
		"José García-Núñez",
		"山田 太郎",
		Clean(strings.Repeat("é", 600), MaxName),
	} {
		if got := Clean(s, MaxName); got != s {
			t.Errorf("Clean(%q) = %q, want it unchanged", s, got)
		}
		if n := testing.AllocsPerRun(100, func() { _ = Clean(s, MaxName) }); n != 0 {
			t.Errorf("Clean(%q): %v allocations, want 0", s, n)
		}
	}
	for _, s := range []string{"é\u00a0x", "é ", "é  x", "é\u200bx", "é\u202e", "\xffé", "é\u0085"} {
		if isPlain(s) {
			t.Errorf("isPlain(%q) = true; it needs cleaning", s)
		}
	}
}
