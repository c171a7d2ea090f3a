package tools

import (
	"strings"
	"testing"
	"time"
)

func TestParseWindow(t *testing.T) {
	now := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		since, until string
		from, to     time.Time
	}{
		{"", "", now.Add(-24 * time.Hour), now.Add(time.Second)},
		{"90m", "", now.Add(-90 * time.Minute), now.Add(time.Second)},
		{"7d", "1d", now.Add(-7 * 24 * time.Hour), now.Add(-24 * time.Hour)},
		{"2w", "", now.Add(-14 * 24 * time.Hour), now.Add(time.Second)},
		{"2025-03-01T08:00:00+02:00", "2025-03-02", time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC), time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)},
		{"", "2025-03-02T00:00:00Z", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		from, to, err := parseWindow(c.since, c.until, now)
		if err != nil || !from.Equal(c.from) || !to.Equal(c.to) {
			t.Errorf("parseWindow(%q, %q) = %v, %v, %v; want %v, %v", c.since, c.until, from, to, err, c.from, c.to)
		}
	}
	for _, bad := range [][2]string{{"5x", ""}, {"0h", ""}, {"-1h", ""}, {"yesterday", ""}, {"1h", "2h"}, {"", "1d1h"}, {"99999999d", ""}, {"2025-13-01", ""}} {
		if _, _, err := parseWindow(bad[0], bad[1], now); err == nil {
			t.Errorf("parseWindow(%q, %q) accepted", bad[0], bad[1])
		} else if !strings.Contains(err.Error(), "give") && !strings.Contains(err.Error(), "until must be after since") {
			t.Errorf("parseWindow(%q, %q): %v does not say what is accepted", bad[0], bad[1], err)
		}
	}
}

func TestDescribeWindow(t *testing.T) {
	now := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		since time.Time
		want  string
	}{
		{now.Add(-24 * time.Hour), "in the last 24 h"},
		{now.Add(-7 * 24 * time.Hour), "in the last 7 days"},
		{now.Add(-6 * time.Hour), "in the last 6 h"},
		{now.Add(-90 * time.Minute), "in the last 90 min"},
	} {
		if got := describeWindow(c.since, now.Add(time.Second), now); got != c.want {
			t.Errorf("got %q want %q", got, c.want)
		}
	}
	if got := describeWindow(now.Add(-48*time.Hour), now.Add(-24*time.Hour), now); got != "between 2025-03-02 12:00 and 2025-03-03 12:00 UTC" {
		t.Errorf("got %q", got)
	}
}
