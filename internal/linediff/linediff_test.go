package linediff

import (
	"fmt"
	"strings"
	"testing"
)

func numbered(n int, change map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if l, ok := change[i]; ok {
			if l != "" {
				b.WriteString(l + "\n")
			}
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

func TestUnified(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b string
		want string
	}{
		{"equal", numbered(50, nil), numbered(50, nil), ""},
		{"one line changed", numbered(100, nil), numbered(100, map[int]string{50: "line fifty"}),
			"--- a\n+++ b\n@@ -47,7 +47,7 @@\n line 47\n line 48\n line 49\n-line 50\n+line fifty\n line 51\n line 52\n line 53\n"},
		{"two hunks", numbered(40, map[int]string{5: ""}), numbered(40, map[int]string{30: "line 30\nline 30b"}),
			"--- a\n+++ b\n@@ -2,6 +2,7 @@\n line 2\n line 3\n line 4\n+line 5\n line 6\n line 7\n line 8\n" +
				"@@ -27,6 +28,7 @@\n line 28\n line 29\n line 30\n+line 30b\n line 31\n line 32\n line 33\n"},
		{"removed", "a\nb\nc\n", "a\nc\n", "--- a\n+++ b\n@@ -1,3 +1,2 @@\n a\n-b\n c\n"},
		{"no newline at end", "x\ny\n", "x\ny",
			"--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n+y (no newline at end)\n"},
	} {
		if got := Unified("a", "b", []byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}

func TestUnifiedIsCut(t *testing.T) {
	a := numbered(2000, nil)
	b := strings.ReplaceAll(a, "line", "row")
	got := Unified("a", "b", []byte(a), []byte(b))
	if n := strings.Count(got, "\n"); n > maxLines+4 || !strings.Contains(got, "diff cut at") {
		t.Errorf("%d lines, want the diff cut at %d", n, maxLines)
	}
}
