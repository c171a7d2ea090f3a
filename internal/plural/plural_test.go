package plural

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 failures"}, {1, "1 failure"}, {2, "2 failures"}, {-1, "-1 failures"}} {
		if got := Count(tc.n, "failure", "failures"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if Of(1, "is", "are") != "is" || Of(3, "is", "are") != "are" {
		t.Error("Of picks the wrong form")
	}
}
