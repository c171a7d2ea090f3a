package tools

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// defaultWindow is the search window when since is not given.
const defaultWindow = 24 * time.Hour

// maxRelative bounds relative times: Graph keeps 30 days, Log Analytics can
// keep years; ten years catches typos without limiting real use.
const maxRelative = 10 * 365 * 24 * time.Hour

var relativeRe = regexp.MustCompile(`^([0-9]{1,6})(m|h|d|w)$`)

const timeAccepted = `an RFC 3339 time such as 2025-01-09T08:00:00Z, a date such as 2025-01-09 (UTC midnight), or a duration before now such as 90m, 24h, 7d or 2w`

// earliestTime and latestTime bound since and until: no sign-in log reaches
// back before 2000, and the server prints times as RFC 3339, whose years
// have four digits. A time past them (9999-12-31T23:59:59-01:00 is in year
// 10000 in UTC) would print as something that is not a time.
var (
	earliestTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latestTime   = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// parseTime reads since/until: RFC 3339, a date, or a relative duration
// before now; the time must be in 2000-01-01..9999-12-31 (UTC).
func parseTime(field, s string, now time.Time) (time.Time, error) {
	t, err := parseAnyTime(field, s, now)
	if err != nil {
		return t, err
	}
	if t.Before(earliestTime) || t.After(latestTime) {
		return time.Time{}, fmt.Errorf("%s %q is outside 2000-01-01..9999-12-31 (UTC); give %s within that range", field, strings.TrimSpace(s), timeAccepted)
	}
	return t, nil
}

func parseAnyTime(field, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if m := relativeRe.FindStringSubmatch(strings.ToLower(s)); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		d := time.Duration(n) * unit
		if d <= 0 || d > maxRelative || d/unit != time.Duration(n) {
			return time.Time{}, fmt.Errorf("%s %s: the duration must be more than zero and at most 10 years; give %s", field, echo(s), timeAccepted)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %s is not a time; give %s", field, echo(s), timeAccepted)
}

// parseWindow resolves since and until against now. The default window is
// the 24 hours before now; until defaults to now (plus a second, so that a
// record stamped exactly now is inside).
func parseWindow(since, until string, now time.Time) (time.Time, time.Time, error) {
	return parseWindowOf(since, until, now, defaultWindow)
}

// parseWindowOf is parseWindow with the default window's length def.
func parseWindowOf(since, until string, now time.Time, def time.Duration) (time.Time, time.Time, error) {
	end := now.Add(time.Second)
	start := now.Add(-def)
	var err error
	if until != "" {
		if end, err = parseTime("until", until, now); err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	if since != "" {
		if start, err = parseTime("since", since, now); err != nil {
			return time.Time{}, time.Time{}, err
		}
	} else if until != "" {
		start = end.Add(-def)
	}
	if !end.After(start) {
		return time.Time{}, time.Time{}, fmt.Errorf("the window ends (until %s) before it starts (since %s); until must be after since",
			end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	return start, end, nil
}

// describeWindow renders a window for the text summary.
func describeWindow(since, until, now time.Time) string {
	if until.Sub(now) >= 0 && until.Sub(now) <= time.Second {
		d := now.Sub(since)
		switch {
		case d%(24*time.Hour) == 0:
			if d == 24*time.Hour {
				return "in the last 24 h"
			}
			return fmt.Sprintf("in the last %d days", d/(24*time.Hour))
		case d%time.Hour == 0:
			return fmt.Sprintf("in the last %d h", d/time.Hour)
		case d%time.Minute == 0:
			return fmt.Sprintf("in the last %d min", d/time.Minute)
		}
	}
	return fmt.Sprintf("between %s and %s UTC", since.UTC().Format("2006-01-02 15:04"), until.UTC().Format("2006-01-02 15:04"))
}
