package tools

import (
	"strings"
	"testing"
	"time"
)

// Times outside 2000-01-01..9999-12-31 are refused: the server prints every
// time as RFC 3339, which has four-digit years, and no sign-in log reaches
// back before 2000.
func TestParseWindowRange(t *testing.T) {
	now := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	for _, bad := range [][2]string{
		{"", "9999-12-31T23:59:59-01:00"}, // 10000-01-01 in UTC
		{"9999-12-31T23:59:59-00:30", ""},
		{"1999-12-31", ""},
		{"", "0001-01-01T00:00:00Z"},
		{"0000-01-01T00:00:00Z", ""},
		{"1999-12-31T23:59:59Z", "2000-01-02"},
	} {
		_, _, err := parseWindow(bad[0], bad[1], now)
		if err == nil {
			t.Errorf("parseWindow(%q, %q) accepted", bad[0], bad[1])
			continue
		}
		if !strings.Contains(err.Error(), "2000-01-01..9999-12-31") || !strings.Contains(err.Error(), "give") {
			t.Errorf("parseWindow(%q, %q): %v does not say what is accepted", bad[0], bad[1], err)
		}
	}
	for _, good := range [][2]string{
		{"9999-12-30T00:00:00Z", "9999-12-31T23:59:59Z"},
		{"", "9999-12-31T23:59:59Z"},
		{"2000-01-01", "2000-01-02"},
	} {
		since, until, err := parseWindow(good[0], good[1], now)
		if err != nil {
			t.Errorf("parseWindow(%q, %q): %v", good[0], good[1], err)
			continue
		}
		for _, tm := range []time.Time{since, until} {
			s := tm.UTC().Format(rfc3339)
			if _, err := time.Parse(time.RFC3339, s); err != nil || len(s) != len("2006-01-02T15:04:05Z") {
				t.Errorf("parseWindow(%q, %q) gives %s, not RFC 3339", good[0], good[1], s)
			}
		}
	}
	// A relative window far from a plausible now stays in range too.
	far := time.Date(2004, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, _, err := parseWindow("520w", "", far); err == nil || !strings.Contains(err.Error(), "2000-01-01..9999-12-31") {
		t.Errorf("parseWindow(520w) before 2000 = %v, want the range error", err)
	}
}
