package graphfake

import (
	"strings"
	"testing"
)

// FuzzFilter feeds Parse arbitrary text. It must never panic or run long
// (input length and nesting are bounded), and must give either an error or
// an Expr whose canonical form parses back to itself and that Supported and
// Match can check without panicking. The seed corpus is in
// testdata/fuzz/FuzzFilter.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		"userId eq 'x'",
		"userPrincipalName eq 'o''brien@contoso.com' and status/errorCode ne 0",
		"signInEventTypes/any(t: t eq 'nonInteractiveUser')",
		"not (startswith(appDisplayName, 'Graph')) or createdDateTime ge 2025-01-09T00:00:00Z",
		"userId eq 'x') or (1 eq 1",
		"\xff'\x00",
		strings.Repeat("(", MaxFilterDepth+2),
	} {
		f.Add(s)
	}
	objs := matchFixtures(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("Parse(%q): empty error", s)
			}
			return
		}
		if len(s) > MaxFilterLength {
			t.Fatalf("Parse accepted %d bytes, over MaxFilterLength", len(s))
		}
		canon := e.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String() %q does not parse: %v", s, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("canonical form is not stable: %q -> %q", canon, again.String())
		}
		_ = e.Supported(V1)
		_ = e.Supported(Beta)
		_ = e.namesEventTypes()
		for _, obj := range objs {
			_, _ = e.Match(obj)
		}
	})
}

// FuzzQuote checks, for any string, that a filter built with Quote parses,
// keeps its structure, and selects exactly the quoted value.
func FuzzQuote(f *testing.F) {
	for _, v := range quoteCases {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if len(v) > MaxFilterLength/2-64 {
			t.Skip("longer than a filter may be")
		}
		checkQuotedValue(t, v)
	})
}
