package kql

import (
	"errors"
	"strings"
	"testing"
)

// literalSeeds are inputs that have broken quoting elsewhere: quotes of
// every KQL form, backslashes (a trailing one escapes a naive closing quote),
// pipes, line ends, comments, fences, unicode and invalid UTF-8.
var literalSeeds = []string{
	"", "rosa@contoso.com", `"`, `'`, `\`, `\\`, `\"`, `"\`, `" | union SigninLogs | take 1 //`,
	`" | union AuditLogs`, `' | union AuditLogs`, `@"x"`, "```", "~~~", `h"x"`, "//", "a // b",
	"|", "| take 1", "x\n| union T", "x\r\n", "\t", "\x00", "\u2028", "\u0085", "Zoë 🙂", "\ufffd",
	"\xff", "\xe2\x82", "ana_fabrikam.example#EXT#@contoso.com", `\u0022`, `\x22`, `""`, `''`,
	strings.Repeat(`\"`, 300), strings.Repeat("x", MaxStringBytes), strings.Repeat("x", MaxStringBytes+1),
}

// FuzzString proves the literal String builds reads back, through a
// tokenizer written from the KQL grammar, as exactly its input, and ends
// where it should: embedded in a query, it is one string token followed by
// exactly "| take 1", whatever the input; or String refuses the input and
// says which rule it broke.
func FuzzString(f *testing.F) {
	for _, s := range literalSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lit, err := String(in)
		if err != nil {
			var le *LiteralError
			if !errors.As(err, &le) {
				t.Fatalf("String(%q): error %v is not a *LiteralError", in, err)
			}
			if le.Rule != RuleLength && le.Rule != RuleUTF8 && le.Rule != RuleControl {
				t.Fatalf("String(%q): unknown rule %q", in, le.Rule)
			}
			if !strings.Contains(err.Error(), le.Rule) {
				t.Fatalf("String(%q): error %q does not name the rule %q", in, err, le.Rule)
			}
			return
		}
		query := "T | where X == " + lit + " | take 1"
		toks, err := Tokenize(query)
		if err != nil {
			t.Fatalf("String(%q) = %s: the query does not tokenize: %v", in, lit, err)
		}
		want := []Token{
			{Kind: KindIdent, Value: "T"}, {Kind: KindOperator, Value: "|"}, {Kind: KindIdent, Value: "where"},
			{Kind: KindIdent, Value: "X"}, {Kind: KindOperator, Value: "=="}, {Kind: KindString, Value: in},
			{Kind: KindOperator, Value: "|"}, {Kind: KindIdent, Value: "take"}, {Kind: KindNumber, Value: "1"},
			{Kind: KindEOF},
		}
		if len(toks) != len(want) {
			t.Fatalf("String(%q) = %s: %d tokens, want %d: %s", in, lit, len(toks), len(want), kinds(toks))
		}
		for i := range want {
			if toks[i].Kind != want[i].Kind || toks[i].Value != want[i].Value {
				t.Fatalf("String(%q) = %s: token %d is %s:%q, want %s:%q", in, lit, i, toks[i].Kind, toks[i].Value, want[i].Kind, want[i].Value)
			}
		}
		if toks[5].Text != lit {
			t.Fatalf("String(%q): the string token is %s, not the whole literal %s", in, toks[5].Text, lit)
		}
	})
}

// FuzzTokenize proves the tokenizer never panics and never loops: any input
// yields tokens that cover it in order, or an error.
func FuzzTokenize(f *testing.F) {
	for _, s := range literalSeeds {
		f.Add(s)
		f.Add(`T | where X == "` + s + `" | take 1`)
	}
	f.Add("```a\nb``` h@'x''y' datetime(2025-01-09) !in~ project-away 1.5e3d 0x1f")
	f.Fuzz(func(t *testing.T, src string) {
		toks, err := Tokenize(src)
		if err != nil {
			return
		}
		pos := 0
		for _, tok := range toks {
			if tok.Pos < pos || tok.Pos+len(tok.Text) > len(src) || src[tok.Pos:tok.Pos+len(tok.Text)] != tok.Text {
				t.Fatalf("Tokenize(%q): token %+v out of place (after %d)", src, tok, pos)
			}
			if tok.Kind != KindEOF && tok.Text == "" {
				t.Fatalf("Tokenize(%q): empty token %+v", src, tok)
			}
			pos = tok.Pos + len(tok.Text)
		}
		if toks[len(toks)-1].Kind != KindEOF {
			t.Fatalf("Tokenize(%q): no EOF token", src)
		}
	})
}
