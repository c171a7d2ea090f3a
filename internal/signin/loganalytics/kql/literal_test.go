package kql

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", `""`},
		{"rosa@contoso.com", `"rosa@contoso.com"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{`trailing\`, `"trailing\\"`},
		{`it's`, `"it's"`},
		{`" | union AuditLogs | where "x" == "x`, `"\" | union AuditLogs | where \"x\" == \"x"`},
		{"ana_fabrikam.example#EXT#@contoso.com", `"ana_fabrikam.example#EXT#@contoso.com"`},
		{"Zoë 🙂 \ufffd", "\"Zoë 🙂 \ufffd\""},
		{"```", "\"```\""},
		{strings.Repeat("x", MaxStringBytes), `"` + strings.Repeat("x", MaxStringBytes) + `"`},
	} {
		got, err := String(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("String(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestStringRefuses(t *testing.T) {
	for _, tc := range []struct {
		in, rule string
		offset   int
	}{
		{strings.Repeat("x", MaxStringBytes+1), RuleLength, MaxStringBytes + 1},
		{"a\nb", RuleControl, 1},
		{"a\rb", RuleControl, 1},
		{"\tx", RuleControl, 0},
		{"x\x00", RuleControl, 1},
		{"x\x7f", RuleControl, 1},
		{"x\u0085", RuleControl, 1},
		{"x\u2028", RuleControl, 1},
		{"ok\xffno", RuleUTF8, 2},
		{"\xe2\x82", RuleUTF8, 0},
	} {
		got, err := String(tc.in)
		var le *LiteralError
		if !errors.As(err, &le) {
			t.Errorf("String(%q) = %q, %v; want a *LiteralError", tc.in, got, err)
			continue
		}
		if le.Rule != tc.rule || le.Offset != tc.offset {
			t.Errorf("String(%q): rule %q at %d, want %q at %d", tc.in, le.Rule, le.Offset, tc.rule, tc.offset)
		}
		if msg := err.Error(); !strings.Contains(msg, tc.rule) || !strings.Contains(msg, "accepted: valid UTF-8 text of at most 1024 bytes") {
			t.Errorf("String(%q): error %q does not name the rule and what is accepted", tc.in, msg)
		}
	}
}

func TestDateTime(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2025, 1, 9, 8, 0, 0, 0, time.UTC), "datetime(2025-01-09T08:00:00.0000000Z)"},
		{time.Date(2025, 1, 9, 9, 30, 0, 123456789, time.FixedZone("CET", 3600)), "datetime(2025-01-09T08:30:00.1234567Z)"},
		{time.Time{}, "datetime(0001-01-01T00:00:00.0000000Z)"},
		{time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), "datetime(0001-01-01T00:00:00.0000000Z)"},
		{time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), "datetime(9999-12-31T23:59:59.9999999Z)"},
	} {
		if got := DateTime(tc.in); got != tc.want {
			t.Errorf("DateTime(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestInt(t *testing.T) {
	if got := Int(-50126); got != "-50126" {
		t.Errorf("Int(-50126) = %s", got)
	}
}
