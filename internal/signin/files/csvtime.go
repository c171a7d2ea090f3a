package files

import (
	"fmt"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// wantCSVTime lists the time forms accepted in CSV files, for error messages.
const wantCSVTime = "want RFC 3339 such as 2025-01-09T02:02:12Z, or a local form such as 1/9/2025 2:02:12 AM, 9.1.2025 02:02:12 or 2025-01-09 02:02:12"

// dateOrder is the order of day and month in a slash date.
type dateOrder int

const (
	orderOpen dateOrder = iota
	orderMonthFirst
	orderDayFirst
)

// csvClock parses the time column of one CSV file. Both exports write UTC
// ("Date (UTC)", "TimeGenerated [UTC]"), but a file opened and saved again
// by a spreadsheet, or exported from the Log Analytics portal, carries the
// local display form instead. Accepted, all taken as UTC:
//
//   - RFC 3339 / ISO 8601: 2025-01-09T02:02:12Z, 2025-01-09T02:02:12.1234567+00:00,
//     2025-01-09T02:02:12 and 2025-01-09 02:02:12(.123) with no zone;
//   - slash dates, month or day first, with a 12- or 24-hour time, optional
//     seconds and fraction, optionally a comma before the time:
//     1/9/2025 2:02 AM, 1/9/2025, 2:02:12.123 AM, 09/01/2025 02:02:12;
//   - year-first slash dates: 2025/01/09 02:02:12;
//   - day-first dot or dash dates: 9.1.2025 02:02:12, 09-01-2025 02:02;
//   - two-digit years (20xx) in the local forms.
//
// Whether a slash date puts the month or the day first is settled for the
// whole file by the first date that is unambiguous (a number above 12).
// Rows read before that are parsed month first and corrected if the file
// turns out to be day first; a file in which every date is ambiguous is read
// month first (the en-US default). A file that mixes both orders is an
// error.
type csvClock struct {
	s         *sink
	order     dateOrder
	decidedBy int   // line that settled the order
	pending   []int // s.out indices of rows read month first while the order was open
	// swap, when set, corrects the record at a pending index instead of
	// s.out's (an audit export's events); pendingNext is set by its
	// caller's parse for the row being read.
	swap        func(i int)
	pendingNext bool
}

// swapDayMonth reads t's month as its day and its day as its month.
func swapDayMonth(t time.Time) time.Time {
	return time.Date(t.Year(), time.Month(t.Day()), int(t.Month()), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// parse reads a time; ambiguous reports a slash date read month first while
// the order is open (the caller passes its index to note).
func (c *csvClock) parse(col, v string, line int) (t time.Time, ambiguous bool, err error) {
	v = strings.TrimSpace(v)
	if t, err := graphjson.ParseTime(v); err == nil {
		return t, false, nil
	}
	lt, ok := parseLocalTime(v)
	if !ok {
		return time.Time{}, false, graphjson.FieldError(col, v, "is not a time", wantCSVTime)
	}
	month, day := lt.a, lt.b
	switch lt.order {
	case orderDayFirst:
		month, day = lt.b, lt.a
	case orderOpen:
		switch {
		case lt.a > 12 && lt.b > 12:
			return time.Time{}, false, graphjson.FieldError(col, v, "is not a date", wantCSVTime)
		case lt.a > 12:
			if c.order == orderMonthFirst {
				return time.Time{}, false, graphjson.FieldError(col, v, fmt.Sprintf("puts the day first, but line %d put the month first", c.decidedBy), "want one date order in a file")
			}
			if c.order == orderOpen {
				c.settle(orderDayFirst, line)
			}
		case lt.b > 12:
			if c.order == orderDayFirst {
				return time.Time{}, false, graphjson.FieldError(col, v, fmt.Sprintf("puts the month first, but line %d put the day first", c.decidedBy), "want one date order in a file")
			}
			if c.order == orderOpen {
				c.settle(orderMonthFirst, line)
			}
		default:
			ambiguous = c.order == orderOpen
		}
		if c.order == orderDayFirst {
			month, day = lt.b, lt.a
		}
	}
	if month < 1 || month > 12 || day < 1 {
		return time.Time{}, false, graphjson.FieldError(col, v, "is not a date", wantCSVTime)
	}
	t = time.Date(lt.year, time.Month(month), day, lt.hour, lt.min, lt.sec, lt.nsec, time.UTC)
	if t.Day() != day {
		return time.Time{}, false, graphjson.FieldError(col, v, "is not a date", wantCSVTime)
	}
	return t, ambiguous, nil
}

// note records that the row at s.out[idx] was read month first while the
// order was open.
func (c *csvClock) note(idx int) {
	if idx >= 0 && c.order == orderOpen {
		c.pending = append(c.pending, idx)
	}
}

// settle fixes the file's order, correcting the rows read before.
func (c *csvClock) settle(o dateOrder, line int) {
	c.order, c.decidedBy = o, line
	if o == orderDayFirst {
		for _, i := range c.pending {
			if c.swap != nil {
				c.swap(i)
				continue
			}
			c.s.out[i].CreatedAt = swapDayMonth(c.s.out[i].CreatedAt)
		}
	}
	c.pending = nil
}

// localTime is a local-form date and time before its day/month order is
// settled: a and b are the first two numbers of the date (month and day when
// order is orderMonthFirst, day and month when orderDayFirst).
type localTime struct {
	a, b, year           int
	order                dateOrder
	hour, min, sec, nsec int
}

// parseLocalTime reads the local forms listed on csvClock.
func parseLocalTime(s string) (localTime, bool) {
	var lt localTime
	p := scanner{s: s}
	n1, d1 := p.int(4)
	sep := p.peek()
	if d1 == 0 || (sep != '/' && sep != '.' && sep != '-') {
		return lt, false
	}
	p.i++
	n2, d2 := p.int(2)
	if d2 == 0 || !p.skip(sep) {
		return lt, false
	}
	n3, d3 := p.int(4)
	if d3 == 0 {
		return lt, false
	}
	switch {
	case d1 == 4:
		lt.year, lt.a, lt.b, lt.order = n1, n2, n3, orderMonthFirst
		if d3 > 2 {
			return lt, false
		}
	case d1 <= 2 && (d3 == 4 || d3 == 2):
		lt.a, lt.b, lt.year = n1, n2, n3
		if d3 == 2 {
			lt.year += 2000
		}
		if sep != '/' {
			lt.order = orderDayFirst
		}
	default:
		return lt, false
	}
	p.skip('.') // "9.1.2025." in some locales
	p.skip(',')
	if !p.spaces() && !p.skip('T') {
		return lt, false
	}
	h, dh := p.int(2)
	if dh == 0 || !p.skip(':') {
		return lt, false
	}
	m, dm := p.int(2)
	if dm != 2 {
		return lt, false
	}
	lt.hour, lt.min = h, m
	if p.skip(':') {
		sec, ds := p.int(2)
		if ds != 2 {
			return lt, false
		}
		lt.sec = sec
		if p.skip('.') || p.skip(',') {
			start := p.i
			frac, df := p.int(9)
			if df == 0 {
				return lt, false
			}
			for range 9 - (p.i - start) {
				frac *= 10
			}
			lt.nsec = frac
			for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
				p.i++ // digits past nanoseconds
			}
		}
	}
	p.spaces()
	rest := strings.ToUpper(p.s[p.i:])
	for _, mark := range []string{"AM", "A.M.", "PM", "P.M."} {
		if !strings.HasPrefix(rest, mark) {
			continue
		}
		if lt.hour < 1 || lt.hour > 12 {
			return lt, false
		}
		lt.hour %= 12
		if mark[0] == 'P' {
			lt.hour += 12
		}
		p.i += len(mark)
		break
	}
	p.spaces()
	switch strings.ToUpper(p.s[p.i:]) {
	case "", "Z", "UTC", "GMT":
	default:
		return lt, false
	}
	if lt.hour > 23 || lt.min > 59 || lt.sec > 59 {
		return lt, false
	}
	return lt, true
}

// scanner walks a short string.
type scanner struct {
	s string
	i int
}

func (p *scanner) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *scanner) skip(b byte) bool {
	if p.peek() == b {
		p.i++
		return true
	}
	return false
}

func (p *scanner) spaces() bool {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	return p.i > start
}

// int reads up to max digits; it returns the value and the digit count.
func (p *scanner) int(max int) (int, int) {
	n, d := 0, 0
	for d < max && p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		n = n*10 + int(p.s[p.i]-'0')
		p.i++
		d++
	}
	return n, d
}
