package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// SearchFailedSigninsName is the tool's name; it is API and never changes.
const SearchFailedSigninsName = "search_failed_signins"

// SearchBudget is the most a search answer (structured content and text,
// as compact JSON) may weigh. Rows are trimmed to fit; the truth is not.
const SearchBudget = 8 * 1024

// Limits of the limit argument.
const (
	minLimit     = 1
	maxLimit     = 200
	defaultLimit = 25
)

// SearchFailedSigninsArgs is the input of search_failed_signins.
type SearchFailedSigninsArgs struct {
	User              string   `json:"user,omitempty" jsonschema_description:"The user: a UPN (any case) or an object ID."`
	App               string   `json:"app,omitempty" jsonschema_description:"The application: its display name (any case) or app ID. For workload sign-ins, the service principal's name or ID."`
	ErrorCode         *int     `json:"errorCode,omitempty" jsonschema_description:"Only sign-ins with this error code (an integer such as 50126)."`
	IPAddress         string   `json:"ipAddress,omitempty" jsonschema_description:"Only sign-ins from this IP address (exact, IPv4 or IPv6)."`
	CorrelationID     string   `json:"correlationId,omitempty" jsonschema_description:"Only sign-ins of this correlation ID (a GUID)."`
	Since             string   `json:"since,omitempty" jsonschema_description:"Start of the window: RFC 3339 (2025-01-09T08:00:00Z), a date (2025-01-09), or a duration before now (90m, 24h, 7d, 2w). Default: 24 hours before now."`
	Until             string   `json:"until,omitempty" jsonschema_description:"End of the window, same forms as since. Default: now."`
	SignInTypes       []string `json:"signInTypes,omitempty" jsonschema:"uniqueItems=true" jsonschema_description:"Kinds of sign-in to search: interactive, nonInteractive, servicePrincipal, managedIdentity. Default: the source's default, stated in coverage.signInTypes."`
	IncludeInterrupts bool     `json:"includeInterrupts,omitempty" jsonschema_description:"Also return completed interrupts (MFA prompts, KMSI, no SSO session followed by a success): normal steps that are not failures. Default false: they are left out and counted in coverage.notes; an interrupt never completed is returned anyway, with completed false."`
	Limit             *int     `json:"limit,omitempty" jsonschema_description:"Rows to return, 1 to 200 (default 25). Fewer may come back to keep the answer small: coverage.truncated and nextCursor say so."`
	Cursor            string   `json:"cursor,omitempty" jsonschema_description:"coverage.nextCursor from the previous answer, to continue it; the other filters must be the same. The cursor keeps the first answer's window: since and until are not read with it."`
}

// SignInRow is one failed sign-in, compact.
type SignInRow struct {
	ID                      string `json:"id" jsonschema_description:"The sign-in's request ID: pass it to get_signin_details."`
	CreatedDateTime         string `json:"createdDateTime" jsonschema_description:"UTC, RFC 3339."`
	User                    string `json:"user,omitempty" jsonschema_description:"UPN, or object ID when no UPN was logged; empty for workload sign-ins."`
	App                     string `json:"app,omitempty"`
	ErrorCode               int    `json:"errorCode"`
	FailureReason           string `json:"failureReason,omitempty" jsonschema_description:"Entra's failure reason, clipped to 120 characters (get_signin_details has it whole)."`
	Outcome                 string `json:"outcome" jsonschema:"enum=failure,enum=interrupt,enum=transient" jsonschema_description:"The catalog's outcome for the code."`
	FollowedBySuccess       bool   `json:"followedBySuccess,omitempty" jsonschema_description:"A success of the same sign-in type came later: in the same flow (correlation ID), or for the same user and app (for workloads, the same service principal). A retry or a recovery fixed it; absent when none is known."`
	Completed               *bool  `json:"completed,omitempty" jsonschema_description:"Interrupt rows only: true when a success followed in the same flow or for the same user and app within 10 minutes (a normal step), false when none did (the user is stuck there)."`
	SignInType              string `json:"signInType"`
	IPAddress               string `json:"ipAddress,omitempty"`
	Location                string `json:"location,omitempty"`
	ClientApp               string `json:"clientApp,omitempty"`
	CorrelationID           string `json:"correlationId,omitempty"`
	ConditionalAccessStatus string `json:"conditionalAccessStatus,omitempty"`
}

// GroupRow aggregates every matched failure with one error code.
type GroupRow struct {
	ErrorCode      int          `json:"errorCode"`
	Title          string       `json:"title" jsonschema_description:"The catalog's title for the code."`
	Outcome        string       `json:"outcome"`
	WhoFixes       string       `json:"whoFixes" jsonschema_description:"Who acts first: the catalog's default for the code, or admin when a sign-in of the group shows the password may be known to someone else (whoFixesReason says so)."`
	WhoFixesReason string       `json:"whoFixesReason,omitempty" jsonschema_description:"Why whoFixes differs from the catalog's default: how many of the group's sign-ins had MFA declined or reported as fraud after a correct password, or high sign-in risk. Absent when the default stands."`
	SecuritySignal bool         `json:"securitySignal,omitempty" jsonschema_description:"True for codes that are security signals (MFA denied or fraud, risk, lockout, blocked IP): such groups are kept before larger benign ones when the answer must leave groups out."`
	Count          int          `json:"count"`
	UserCount      int          `json:"userCount"`
	Users          []ValueCount `json:"users" jsonschema_description:"The most affected users, most first, each with its number of the group's sign-ins."`
	AppCount       int          `json:"appCount"`
	Apps           []ValueCount `json:"apps" jsonschema_description:"The most affected apps, most first, with counts."`
	IPCount        int          `json:"ipCount"`
	TopIPs         []ValueCount `json:"topIps" jsonschema_description:"The IP addresses most of the group's sign-ins came from, most first, with counts."`
	FirstSeen      string       `json:"firstSeen"`
	LastSeen       string       `json:"lastSeen"`
}

// ValueCount is one user, app or IP of a group and how many of the group's
// sign-ins carry it.
type ValueCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// CoverageOut says what the search looked at.
type CoverageOut struct {
	Source      string   `json:"source"`
	Since       string   `json:"since"`
	Until       string   `json:"until"`
	SignInTypes []string `json:"signInTypes"`
	Scanned     int      `json:"scanned" jsonschema_description:"Sign-ins examined: all in the window and types (files, demo), or the failures Graph's server-side filter returned (graph)."`
	Matched     int      `json:"matched" jsonschema_description:"Of those, the ones that matched every filter."`
	Returned    int      `json:"returned"`
	Truncated   bool     `json:"truncated" jsonschema_description:"True when more rows or groups exist than this answer carries."`
	NextCursor  string   `json:"nextCursor,omitempty"`
	Notes       []string `json:"notes"`
}

// SearchFailedSigninsResult is the structured output of search_failed_signins.
type SearchFailedSigninsResult struct {
	SignIns  []SignInRow `json:"signIns" jsonschema_description:"Matched sign-ins, newest first."`
	Groups   []GroupRow  `json:"groups" jsonschema_description:"Every matched sign-in grouped by error code, largest group first (not only the rows returned). When not all groups fit, security signals are kept before larger benign groups, and coverage.notes names each group left out with its count."`
	Coverage CoverageOut `json:"coverage"`
}

const searchDescription = `Find failed Microsoft Entra ID sign-ins, newest first, and group every match by error code. Use it first when someone cannot sign in: filter by user (UPN or object ID), app, errorCode, ipAddress, correlationId and a time window (since/until: RFC 3339 or 90m, 24h, 7d; default the last 24 hours).

Read groups before rows: they cover every match with counts, the top users, apps and IPs (each with its count) and first/last seen, and name the catalog title and who acts first on each code (admin, with whoFixesReason, when the evidence says the password may be known to someone else). Then open the relevant row with get_signin_details (by id) and explain its code with explain_error_code.

Successes are never returned. An interrupt (MFA prompt, KMSI, no SSO session) that a success followed is a normal step, left out unless includeInterrupts; one never followed by a success is returned (completed false: the user is stuck there). followedBySuccess says a retry or a later sign-in of the same user and app succeeded. Non-interactive, service principal and managed identity sign-ins are searched as coverage.signInTypes says; widen signInTypes when the first search finds nothing. The answer is kept small: when coverage.truncated is true, pass coverage.nextCursor as cursor (same filters) for more rows.`

// SearchFailedSignins returns the search_failed_signins tool over src.
func SearchFailedSignins(src signin.Source, cat *catalog.Catalog) server.ServerTool {
	tool := newTool(SearchFailedSigninsName, "Search failed Entra sign-ins", searchDescription,
		&SearchFailedSigninsArgs{}, &SearchFailedSigninsResult{}, true)
	return server.ServerTool{Tool: tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args SearchFailedSigninsArgs
		if err := bindArgs(req, &args, searchAccepted); err != nil {
			return toolError("%v", err), nil
		}
		now, err := src.Now(ctx)
		if err != nil {
			return sourceError(src, "read the clock of", err), nil
		}
		q, err := args.query(now, cat)
		if err != nil {
			return toolError("%v", err), nil
		}
		page, err := src.Search(ctx, q)
		if err != nil {
			if errors.Is(err, signin.ErrBadCursor) {
				return toolError("cursor: %v", err), nil
			}
			return sourceError(src, "search", err), nil
		}
		res, text := buildSearchResult(page, q, args, now, cat)
		return mcp.NewToolResultStructured(res, text), nil
	}}
}

const searchAccepted = "user, app, errorCode (integer), ipAddress, correlationId, since, until, signInTypes (interactive, nonInteractive, servicePrincipal, managedIdentity), includeInterrupts (boolean), limit (1-200), cursor; all optional"

// query validates the arguments and builds the source query.
func (a SearchFailedSigninsArgs) query(now time.Time, cat *catalog.Catalog) (signin.Query, error) {
	q := signin.Query{
		User: strings.TrimSpace(a.User), App: strings.TrimSpace(a.App),
		CorrelationID: strings.TrimSpace(a.CorrelationID), IncludeInterrupts: a.IncludeInterrupts,
		Limit: defaultLimit, Cursor: a.Cursor, Classify: diagnosis.Classifier(cat),
	}
	for field, v := range map[string]string{"user": q.User, "app": q.App, "correlationId": q.CorrelationID} {
		if len(v) > 256 {
			return q, fmt.Errorf("%s is %d characters long; at most 256 are accepted", field, len(v))
		}
	}
	if a.Limit != nil {
		if *a.Limit < minLimit || *a.Limit > maxLimit {
			return q, fmt.Errorf("limit %d is out of range: give an integer from %d to %d (default %d)", *a.Limit, minLimit, maxLimit, defaultLimit)
		}
		q.Limit = *a.Limit
	}
	if a.ErrorCode != nil {
		code, err := catalog.CheckCode(int64(*a.ErrorCode))
		if err != nil {
			return q, fmt.Errorf("errorCode: %v", err)
		}
		q.ErrorCode = &code
	}
	if ip := strings.TrimSpace(a.IPAddress); ip != "" {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return q, fmt.Errorf("ipAddress %s is not an IP address; give one IPv4 or IPv6 address such as 203.0.113.7", echo(ip))
		}
		q.IPAddress = addr.String()
	}
	for _, t := range a.SignInTypes {
		typ, err := signin.ParseType(t)
		if err != nil {
			return q, fmt.Errorf("signInTypes: unknown sign-in type %s; give interactive, nonInteractive, servicePrincipal or managedIdentity", echo(t))
		}
		if !slices.Contains(q.Types, typ) {
			q.Types = append(q.Types, typ)
		}
	}
	// A cursor carries the window of the search that issued it: a relative
	// window resolved again against a clock that moved since page one would
	// be another window, and the source would refuse the cursor. since and
	// until are not read with a cursor (the source refuses an altered one).
	if a.Cursor != "" {
		if since, until, ok := signin.CursorWindow(a.Cursor); ok {
			q.Since, q.Until = since, until
			return q, nil
		}
	}
	var err error
	q.Since, q.Until, err = parseWindow(a.Since, a.Until, now)
	return q, err
}

func rowOf(r signin.Row) SignInRow {
	return SignInRow{
		ID: r.ID, CreatedDateTime: r.CreatedAt.UTC().Format(rfc3339), User: r.WhoName(), App: r.AppName(),
		ErrorCode: r.Status.ErrorCode, FailureReason: logtext.Clip(r.Status.FailureReason, 120),
		Outcome: string(r.Outcome), FollowedBySuccess: r.FollowedBySuccess, Completed: completedOf(r), SignInType: string(r.Type),
		IPAddress: r.IPAddress, Location: r.Location.String(), ClientApp: r.ClientApp,
		CorrelationID: r.CorrelationID, ConditionalAccessStatus: r.ConditionalAccessStatus,
	}.clipped(logtext.MaxName)
}

// completedOf is a row's completed field: only an interrupt carries it.
func completedOf(r signin.Row) *bool {
	if r.Outcome != signin.OutcomeInterrupt {
		return nil
	}
	c := r.Completed
	return &c
}

// clipped returns the row with every free-text field cut to n runes. The ID
// is cut at maxRowID only: a shorter cut would make it useless to
// get_signin_details, and real IDs are GUIDs.
func (r SignInRow) clipped(n int) SignInRow {
	for _, f := range []*string{&r.User, &r.App, &r.FailureReason, &r.SignInType, &r.IPAddress, &r.Location, &r.ClientApp, &r.CorrelationID, &r.ConditionalAccessStatus} {
		*f = logtext.Clip(*f, n)
	}
	r.ID = logtext.Clip(r.ID, maxRowID)
	return r
}

// maxRowID is the longest ID a row carries (get_signin_details refuses longer).
const maxRowID = 256

// rowCuts are the field lengths tried, in turn, on a first row that does not
// fit the answer as it is: a page always carries at least one row, so that
// its cursor moves on.
var rowCuts = []int{64, 24, 8, 1}

// groupNames is how long a name in a group may be; groupCuts are the
// shorter cuts tried on a first group that overflows its share.
const groupNames = 128

var groupCuts = []int{32, 8, 1}

// clipNames cuts each value to n runes, in a new slice of at most max.
func clipNames(cs []signin.Count, max, n int) []ValueCount {
	out := make([]ValueCount, 0, min(max, len(cs)))
	for _, c := range cs[:min(max, len(cs))] {
		out = append(out, ValueCount{Value: logtext.Clip(c.Value, n), Count: c.Count})
	}
	return out
}

// clipGroup cuts the values a group lists to n runes.
func clipGroup(g GroupRow, n int) GroupRow {
	for _, l := range [][]ValueCount{g.Users, g.Apps, g.TopIPs} {
		for i := range l {
			l[i].Value = logtext.Clip(l[i].Value, n)
		}
	}
	return g
}

func groupOf(g signin.Group, cat *catalog.Catalog) GroupRow {
	x := cat.Explain(g.ErrorCode)
	who, why := diagnosis.GroupWhoFixes(g, x.Entry)
	return GroupRow{
		ErrorCode: g.ErrorCode, Title: x.Title, Outcome: string(x.Outcome), WhoFixes: who, WhoFixesReason: why,
		SecuritySignal: x.SecuritySignal(),
		Count:          g.Count, UserCount: g.UserCount, Users: clipNames(g.Users, groupUsers, groupNames),
		AppCount: g.AppCount, Apps: clipNames(g.Apps, groupApps, groupNames),
		IPCount: g.IPCount, TopIPs: clipNames(g.IPAddresses, groupIPs, groupNames),
		FirstSeen: g.FirstSeen.UTC().Format(rfc3339), LastSeen: g.LastSeen.UTC().Format(rfc3339),
	}
}

// How many users, apps and IPs a group names; the counts say how many exist.
const (
	groupUsers = 3
	groupApps  = 2
	groupIPs   = 2
)

// groupsShare is the part of the budget groups may always take, so that
// rows keep room; when the rows of the page need less than the rest, groups
// take what they leave. Groups are the truth about every match and rows a
// sample, so groups get the larger part.
const groupsShare = SearchBudget * 3 / 5

// rowsReserve is kept free for the cursor and the note on rows left out.
const rowsReserve = 200

// noteRoom is the most the note on left-out groups weighs, as JSON.
const noteRoom = 360

// leftOutNamed is how many left-out codes the note names; the rest are
// counted.
const leftOutNamed = 12

// keepOrder returns the indexes of groups (largest first) in the order they
// are kept when not all fit: security signals first, then by count (the
// order they already have).
func keepOrder(groups []GroupRow) []int {
	order := make([]int, 0, len(groups))
	for _, signal := range []bool{true, false} {
		for i, g := range groups {
			if g.SecuritySignal == signal {
				order = append(order, i)
			}
		}
	}
	return order
}

// leftOutNote names the left-out groups with their counts, largest first,
// at most leftOutNamed of them, and counts the rest.
func leftOutNote(left []GroupRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s left out to keep the answer small: ", plural.Count(len(left), "group", "groups"))
	for i, g := range left[:min(leftOutNamed, len(left))] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d ×%d", g.ErrorCode, g.Count)
	}
	if rest := left[min(leftOutNamed, len(left)):]; len(rest) > 0 {
		n := 0
		for _, g := range rest {
			n += g.Count
		}
		fmt.Fprintf(&b, " and %s (%s)", plural.Count(len(rest), "more code", "more codes"), plural.Count(n, "sign-in", "sign-ins"))
	}
	b.WriteString("; filter by errorCode to see one")
	return b.String()
}

// buildSearchResult shapes a page into the answer, within SearchBudget:
// groups first (they are the truth about every match), then as many rows as
// fit, with the cursor moved to the first row left out.
func buildSearchResult(page signin.Page, q signin.Query, args SearchFailedSigninsArgs, now time.Time, cat *catalog.Catalog) (SearchFailedSigninsResult, string) {
	cov := page.Coverage
	res := SearchFailedSigninsResult{
		SignIns: []SignInRow{},
		Groups:  []GroupRow{},
		Coverage: CoverageOut{
			Source: cov.Source, Since: cov.Since.UTC().Format(rfc3339), Until: cov.Until.UTC().Format(rfc3339),
			SignInTypes: typeNames(cov.Types), Scanned: cov.Scanned, Matched: cov.Matched,
			Truncated: cov.Truncated, NextCursor: cov.NextCursor, Notes: append([]string{}, cov.Notes...),
		},
	}
	for _, g := range page.Groups {
		res.Groups = append(res.Groups, groupOf(g, cat))
	}
	rows := make([]SignInRow, 0, len(page.Rows))
	size := func() int {
		text := searchSummary(res, q, args, now, page)
		b, _ := json.Marshal(mcp.NewToolResultStructured(res, text))
		return len(b)
	}
	// Groups take their share of the budget, and more when the page's rows
	// need less than the rest. When not all fit, security signals are kept
	// before larger benign groups, and a note names each one left out with
	// its count: the overview never drops a group silently. Each group and
	// row is measured once; the whole answer is measured to confirm.
	all := res.Groups
	shaped := make([]SignInRow, 0, len(page.Rows))
	rowLens := make([]int, 0, len(page.Rows))
	rowsNeed := 0
	for _, pr := range page.Rows {
		r := rowOf(pr)
		b, _ := json.Marshal(r)
		shaped, rowLens = append(shaped, r), append(rowLens, len(b)+1)
		rowsNeed += len(b) + 1
	}
	groupLimit := SearchBudget - envelopeMargin - rowsReserve - min(rowsNeed, SearchBudget-envelopeMargin-rowsReserve-groupsShare)
	res.Groups = []GroupRow{}
	base := size()
	lens := make([]int, len(all))
	for i, g := range all {
		b, _ := json.Marshal(g)
		lens[i] = len(b) + 1
	}
	kept := make([]bool, len(all))
	pick := func(limit int) {
		total := base
		for _, l := range lens {
			total += l
		}
		if total <= limit {
			for i := range kept {
				kept[i] = true
			}
			return
		}
		clear(kept)
		used := base + noteRoom
		for n, i := range keepOrder(all) {
			if n == 0 || used+lens[i] <= limit {
				kept[i] = true
				used += lens[i]
			}
		}
	}
	apply := func() {
		res.Groups = []GroupRow{}
		var left []GroupRow
		for i, g := range all {
			if kept[i] {
				res.Groups = append(res.Groups, g)
			} else {
				left = append(left, g)
			}
		}
		res.Coverage.Notes = append([]string{}, cov.Notes...)
		res.Coverage.Truncated = cov.Truncated
		if len(left) > 0 {
			res.Coverage.Truncated = true
			res.Coverage.Notes = append(res.Coverage.Notes, leftOutNote(left))
		}
	}
	pick(groupLimit)
	apply()
	// The estimate is confirmed on the whole answer: the summary names
	// groups too. Give back the last kept groups until it fits.
	for limit := groupLimit; size() > groupLimit && len(res.Groups) > 1; {
		limit -= 256
		pick(limit)
		apply()
	}
	// The first group is always kept: when its names alone overflow the
	// share, they are cut shorter.
	for _, cut := range groupCuts {
		if len(res.Groups) != 1 || size() <= groupLimit {
			break
		}
		res.Groups = []GroupRow{clipGroup(res.Groups[0], cut)}
	}
	// Add rows while they fit, with the sizes measured above; then check the
	// whole answer and give back rows until it fits.
	used := size() + rowsReserve
	n := 0
	for i, r := range shaped {
		rows = append(rows, r)
		if used+rowLens[i] > SearchBudget-envelopeMargin {
			break
		}
		used += rowLens[i]
		n++
	}
	notes := res.Coverage.Notes
	truncated := res.Coverage.Truncated
	finish := func(n int) int {
		res.SignIns = rows[:n]
		res.Coverage.Returned = n
		res.Coverage.Notes = notes
		res.Coverage.Truncated = truncated
		res.Coverage.NextCursor = cov.NextCursor
		if n < len(page.Rows) {
			res.Coverage.Truncated = true
			res.Coverage.NextCursor = page.Resume(n)
			res.Coverage.Notes = append(slices.Clone(notes), fmt.Sprintf("%d of the %d rows asked for %s in this answer; continue with nextCursor", n, len(page.Rows), plural.Of(n, "fits", "fit")))
		}
		return size()
	}
	for finish(n) > SearchBudget-envelopeMargin && n > 0 {
		n--
	}
	// A first row too big for the answer is cut until it fits: a page
	// without a row would hand back the same cursor forever.
	for _, cut := range rowCuts {
		if n > 0 || len(rows) == 0 {
			break
		}
		rows[0] = rows[0].clipped(cut)
		if finish(1) <= SearchBudget-envelopeMargin {
			n = 1
		}
	}
	if n == 0 && len(rows) > 0 {
		// Only groups and coverage that a source made huge can get here;
		// a row still goes out, over budget rather than stuck.
		n = 1
	}
	finish(n)
	return res, searchSummary(res, q, args, now, page)
}

func typeNames(ts []signin.Type) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// searchSummary is the engineer's first line, then how much is shown and
// what to do next.
func searchSummary(res SearchFailedSigninsResult, q signin.Query, args SearchFailedSigninsArgs, now time.Time, page signin.Page) string {
	var b strings.Builder
	cov := res.Coverage
	noun := plural.Of(cov.Matched, "failure", "failures")
	if q.IncludeInterrupts {
		noun = plural.Of(cov.Matched, "failure or interrupt", "failures and interrupts")
	}
	who := ""
	if q.User != "" {
		who += " for " + quoted(q.User)
	}
	if q.App != "" {
		who += " in " + quoted(q.App)
	}
	if q.IPAddress != "" {
		who += " from " + quoted(q.IPAddress)
	}
	win := describeWindow(page.Coverage.Since, page.Coverage.Until, now)
	if cov.Matched == 0 {
		what := strings.TrimSpace(strings.Join(cov.SignInTypes, "/") + " sign-in")
		fmt.Fprintf(&b, "No %s%s %s (%s searched in the %s source).", noun, who, win, plural.Count(cov.Scanned, what, what+"s"), cov.Source)
		b.WriteString(emptyHint(page.Coverage, q))
		return b.String()
	}
	fmt.Fprintf(&b, "%d %s%s %s: ", cov.Matched, noun, who, win)
	groups := res.Groups
	if len(groups) <= 3 {
		// Tell it as a story: oldest group first.
		ordered := slices.Clone(groups)
		slices.SortStableFunc(ordered, func(a, b GroupRow) int { return strings.Compare(a.FirstSeen, b.FirstSeen) })
		for i, g := range ordered {
			if i > 0 {
				b.WriteString(", then ")
			}
			fmt.Fprintf(&b, "%d× %d %s", g.Count, g.ErrorCode, g.Title)
			if i == len(ordered)-1 && len(ordered) > 1 {
				fmt.Fprintf(&b, " at %s UTC", hhmm(g.LastSeen))
			}
		}
	} else {
		for i, g := range groups[:3] {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%d× %d %s", g.Count, g.ErrorCode, g.Title)
		}
		if more := len(page.Groups) - 3; more > 0 {
			fmt.Fprintf(&b, "; and %s", plural.Count(more, "more code", "more codes"))
		}
		// Security signals are named even when small: they are why the
		// answer kept them.
		var signals []string
		for _, g := range groups[3:] {
			if g.SecuritySignal {
				signals = append(signals, fmt.Sprintf("%d× %d %s", g.Count, g.ErrorCode, g.Title))
			}
		}
		if len(signals) > 0 {
			fmt.Fprintf(&b, ", among them the security %s %s", plural.Of(len(signals), "signal", "signals"), strings.Join(head(signals, 3), ", "))
		}
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "Showing %d of %d, newest first (%s source, %s).", cov.Returned, cov.Matched, cov.Source, strings.Join(cov.SignInTypes, "/"))
	if cov.NextCursor != "" {
		b.WriteString(" More with cursor=coverage.nextCursor.")
	}
	if len(res.SignIns) > 0 {
		fmt.Fprintf(&b, "\nNext: get_signin_details with id %s.", quoted(res.SignIns[0].ID))
	}
	return b.String()
}

// emptyHint suggests only what could change an empty answer: a sign-in
// type the source may hold and the search did not read, a wider window when
// the source holds sign-ins outside it (or cannot tell), includeInterrupts
// when interrupts matched and were left out.
func emptyHint(cov signin.Coverage, q signin.Query) string {
	var try []string
	holds := cov.Holds
	if holds == nil {
		holds = signin.AllTypes
	}
	var other []string
	for _, t := range holds {
		if !slices.Contains(cov.Types, t) {
			other = append(other, string(t))
		}
	}
	if len(other) > 0 {
		try = append(try, "add signInTypes "+strings.Join(other, ", "))
	}
	live := cov.Holds == nil
	switch {
	case live:
		try = append(try, "widen since")
	case len(cov.Holds) == 0:
		// An empty source holds nothing outside the window either.
	case cov.Oldest.Before(cov.Since) || !cov.Newest.Before(cov.Until):
		try = append(try, fmt.Sprintf("widen since or until (the source holds sign-ins from %s to %s)", cov.Oldest.UTC().Format(rfc3339), cov.Newest.UTC().Format(rfc3339)))
	}
	if n := cov.InterruptsLeftOut; n > 0 && !q.IncludeInterrupts {
		try = append(try, fmt.Sprintf("set includeInterrupts (%s matched and %s left out)", plural.Count(n, "interrupt", "interrupts"), plural.Of(n, "was", "were")))
	}
	if q.User != "" || q.App != "" {
		try = append(try, "check the user and app spelling")
	}
	var b strings.Builder
	if len(try) > 0 {
		b.WriteString(" To find more: " + strings.Join(try, "; ") + ".")
	} else {
		b.WriteString(" Nothing else in this source matches these filters: it holds no other sign-in type and nothing outside the window, and no interrupt matched.")
	}
	if live {
		b.WriteString(" Sign-ins can take up to 2 hours to appear.")
	}
	return b.String()
}

func hhmm(ts string) string {
	t, err := time.Parse(rfc3339, ts)
	if err != nil {
		return ts
	}
	return t.Format("15:04")
}
