package kql

import (
	"strings"
	"testing"
)

// kinds renders tokens as "kind:value" for comparison.
func kinds(toks []Token) string {
	var parts []string
	for _, t := range toks {
		parts = append(parts, t.Kind.String()+":"+t.Value)
	}
	return strings.Join(parts, " ")
}

func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		src, want string
	}{
		{`T | where X == "a\"b\\c\td\ne\'f" | take 1`,
			"ident:T operator:| ident:where ident:X operator:== string:a\"b\\c\td\ne'f operator:| ident:take number:1 eof:"},
		{`'it\'s "quoted"'`, `string:it's "quoted" eof:`},
		{`@"C:\dir\""x"""`, `string:C:\dir\"x" eof:`},
		{`@'it''s'`, `string:it's eof:`},
		{"```line1\nline2 \" ' \\```", "string:line1\nline2 \" ' \\ eof:"},
		{"~~~a```b~~~", "string:a```b eof:"},
		{`h"secret" H@'x\'`, `string:secret string:x\ eof:`},
		{"a != b and c =~ \"x\" or d !~ 'y' // comment | union\n| where e !in~ (1, 2.5e3) and f !has \"z\"",
			"ident:a operator:!= ident:b ident:and ident:c operator:=~ string:x ident:or ident:d operator:!~ string:y operator:| ident:where ident:e operator:!in~ operator:( number:1 operator:, number:2.5e3 operator:) ident:and ident:f operator:!has string:z eof:"},
		{"where TimeGenerated >= datetime(2025-01-09T08:00:00.0000000Z) and TimeGenerated < ago(90m)",
			"ident:where ident:TimeGenerated operator:>= literal:2025-01-09T08:00:00.0000000Z ident:and ident:TimeGenerated operator:< ident:ago operator:( number:90m operator:) eof:"},
		{"project-away X | extend Y = tostring(parse_json(S).errorCode), Z=$left.a",
			"ident:project-away ident:X operator:| ident:extend ident:Y operator:= ident:tostring operator:( ident:parse_json operator:( ident:S operator:) operator:. ident:errorCode operator:) operator:, ident:Z operator:= ident:$left operator:. ident:a eof:"},
		{`x["a b"] <= 0x1F`, `ident:x operator:[ string:a b operator:] operator:<= number:0x1F eof:`},
		{`datetime("2025-01-09")`, `ident:datetime operator:( string:2025-01-09 operator:) eof:`},
	} {
		toks, err := Tokenize(tc.src)
		if err != nil {
			t.Errorf("Tokenize(%q): %v", tc.src, err)
			continue
		}
		if got := kinds(toks); got != tc.want {
			t.Errorf("Tokenize(%q)\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
}

func TestTokenizeRefuses(t *testing.T) {
	for _, src := range []string{
		`"unterminated`,
		`'unterminated\'`,
		"\"line\nend\"",
		`"bad \q escape"`,
		`"ends in escape\`,
		`@"verbatim`,
		"@'line\nend'",
		"```open",
		"x # y",
	} {
		if toks, err := Tokenize(src); err == nil {
			t.Errorf("Tokenize(%q) = %s, want an error", src, kinds(toks))
		}
	}
}
