package guid

import "testing"

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"0000aaaa-11bb-cccc-dd22-eeeeee333333":   true,
		"0000AAAA-11BB-CCCC-DD22-EEEEEE333333":   true,
		"0000aaaa-11bb-cccc-dd22-eeeeee33333":    false,
		"0000aaaa-11bb-cccc-dd22-eeeeee3333333":  false,
		"x0000aaa-11bb-cccc-dd22-eeeeee333333":   false,
		"0000aaaa11bbccccdd22eeeeee333333":       false,
		"rosa@contoso.com":                       false,
		"":                                       false,
		"0000aaaa-11bb-cccc-dd22-eeeeee333333\n": false,
	} {
		if Valid(s) != want {
			t.Errorf("Valid(%q) = %v, want %v", s, !want, want)
		}
	}
}
