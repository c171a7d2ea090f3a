package loganalytics

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/azauth"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

// Name is the source's --source value and Coverage.Source.
const Name = "loganalytics"

// defaultPageSize is the rows a search without a limit gets, as the other
// sources.
const defaultPageSize = 25

// maxConcurrent bounds the queries in flight across all callers: the API
// runs 5 concurrent queries per user and queues, then refuses, the rest.
const maxConcurrent = 5

// correlatedMax bounds the sign-ins of one flow read: a flow has a few.
const correlatedMax = 1000

// completionLookback is how far back the completion of user names looks for
// failures: recent enough to answer while a person types.
const completionLookback = 30 * 24 * time.Hour

// lastSuccessLookback is how far before a diagnosis window its last success
// is looked for: the retention of the sign-in tables in a Microsoft
// Sentinel workspace, which is where most of them live.
const lastSuccessLookback = 90 * 24 * time.Hour

// Source is the Log Analytics sign-in source. It is safe for concurrent use
// and holds no per-caller state.
type Source struct {
	cfg     Config
	cred    *azauth.Lazy
	client  *azlogs.Client
	cursors *signin.Cursors
	slots   chan struct{}
}

// New builds the source. The credential is resolved at the first query: a
// server without one starts, and its sign-in tools say what to set.
func New(cfg Config) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cred := azauth.NewLazy(cfg.credential().Credential)
	client, err := newClient(&cfg, cred)
	if err != nil {
		return nil, fmt.Errorf("log analytics client: %w", err)
	}
	return &Source{cfg: cfg, cred: cred, client: client, cursors: signin.NewCursors(), slots: make(chan struct{}, maxConcurrent)}, nil
}

// Config returns the validated configuration (it holds no secrets).
func (s *Source) Config() Config { return s.cfg }

// Name implements signin.Source.
func (s *Source) Name() string { return Name }

// Now implements signin.Source: the workspace is live, so now is the clock.
func (s *Source) Now(context.Context) (time.Time, error) { return s.cfg.Now().UTC(), nil }

// call is one tool call's queries: how many, and what the workspace said
// was incomplete.
type call struct {
	s        *Source
	mu       sync.Mutex
	requests int
	notes    []string
	partial  bool
}

// query runs one query (at most maxConcurrent at once across callers) and
// records a partial answer for the coverage.
func (c *call) query(ctx context.Context, text string, w span, what string) (table, error) {
	select {
	case c.s.slots <- struct{}{}:
	case <-ctx.Done():
		return table{}, c.s.explain(ctx, ctx.Err(), text)
	}
	t, err := c.s.query(ctx, text, w)
	<-c.s.slots
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	if err == nil && t.partial != "" {
		c.partial = true
		c.notes = append(c.notes, partialNote(what, t.partial))
	}
	return t, err
}

// rows runs a query of sign-in rows.
func (c *call) rows(ctx context.Context, text string, w span, what string) ([]row, error) {
	t, err := c.query(ctx, text, w, what)
	if err != nil {
		return nil, err
	}
	return signIns(t)
}

// parallel runs fns at once and returns the first error; the others are
// cancelled by it.
func parallel(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		if f == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil {
				errs[i] = err
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.Canceled) {
			return e
		}
	}
	return errors.Join(errs...)
}

// position is a cursor's keyset: the TimeGenerated and Id of the last row
// returned.
type position struct {
	At time.Time `json:"t"`
	ID string    `json:"i"`
}

// Search implements signin.Source. The workspace groups every match by
// error code and counts its users, apps and IPs; the rows are a top with a
// keyset. Codes the catalog counts as successes are left out; the
// interrupts, unless asked for, are read with the successes that may follow
// them, so that the completed ones are left out and counted exactly as by
// the other sources (signin.FollowUp).
func (s *Source) Search(ctx context.Context, q signin.Query) (signin.Page, error) {
	if q.Classify == nil {
		return signin.Page{}, errors.New("search loganalytics: query has no classifier")
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	types := q.TypesOrDefault(signin.AllTypes)
	fp := q.Fingerprint(types)
	offset := 0
	var after *position
	if q.Cursor != "" {
		pos, token, err := s.cursors.Check(fp, q.Cursor)
		if err != nil {
			return signin.Page{}, err
		}
		var p position
		if err := json.Unmarshal([]byte(token), &p); err != nil || p.ID == "" {
			return signin.Page{}, fmt.Errorf("%w: malformed position", signin.ErrBadCursor)
		}
		offset, after = pos, &p
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultPageSize
	}
	if limit >= kql.MaxRows {
		return signin.Page{}, fmt.Errorf("limit %d: want 1 to %d", limit, kql.MaxRows-1)
	}
	qq := q
	qq.Types, qq.Cursor = types, ""
	w := span{q.Since, q.Until}
	cl := &call{s: s}

	gq, err := kql.GroupsQuery(kql.Select{Query: qq, Outcome: kql.Failures})
	if err != nil {
		return signin.Page{}, err
	}
	gt, err := cl.query(ctx, gq, w, "the groups of failures")
	if err != nil {
		return signin.Page{}, err
	}
	groups, err := readGroups(gt)
	if err != nil {
		return signin.Page{}, err
	}
	var leftOut, interrupts []int
	kept := map[int]*signin.Group{}
	for i := range groups {
		g := &groups[i]
		switch q.Classify(g.ErrorCode) {
		case signin.OutcomeSuccess:
			leftOut = append(leftOut, g.ErrorCode)
			continue
		case signin.OutcomeInterrupt:
			if !q.IncludeInterrupts {
				leftOut = append(leftOut, g.ErrorCode)
				interrupts = append(interrupts, g.ErrorCode)
				continue
			}
		}
		kept[g.ErrorCode] = g
	}
	sel := kql.Select{Query: qq, Outcome: kql.Failures, NotCodes: leftOut}

	var (
		pageRows        []row
		keptInterrupts  []row
		interruptFollow = map[string]signin.FollowUp{}
		completed       int
		scanned         int
		mu              sync.Mutex
	)
	var fns []func(context.Context) error
	if len(kept) > 0 {
		for _, key := range []kql.GroupKey{kql.GroupUsers, kql.GroupApps, kql.GroupIPs} {
			fns = append(fns, func(ctx context.Context) error {
				n := map[kql.GroupKey]int{kql.GroupUsers: signin.GroupTopUsers, kql.GroupApps: signin.GroupTopApps, kql.GroupIPs: signin.GroupTopIPs}[key]
				text, err := kql.GroupTopQuery(sel, key, n)
				if err != nil {
					return err
				}
				t, err := cl.query(ctx, text, w, "the groups' most frequent values")
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				return readTops(t, key, kept)
			})
		}
		fns = append(fns, func(ctx context.Context) error {
			text, err := kql.ExposureCandidates(sel, kql.MaxRows)
			if err != nil {
				return err
			}
			rows, err := cl.rows(ctx, text, w, "the failures with an exposure")
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for i := range rows {
				if g := kept[rows[i].Status.ErrorCode]; g != nil {
					g.AddExposure(rows[i].Exposure())
				}
			}
			if len(rows) == kql.MaxRows {
				cl.note(fmt.Sprintf("the MFA-rejected and high-risk counts of the groups were read from the newest %d candidate failures only", kql.MaxRows))
			}
			return nil
		})
		fns = append(fns, func(ctx context.Context) error {
			var ks *kql.Keyset
			if after != nil {
				ks = &kql.Keyset{TimeGenerated: after.At, ID: after.ID}
			}
			text, err := kql.Rows(sel, limit+1, ks)
			if err != nil {
				return err
			}
			rows, err := cl.rows(ctx, text, w, "the failed sign-ins")
			mu.Lock()
			defer mu.Unlock()
			pageRows = rows
			return err
		})
	}
	if len(interrupts) > 0 {
		fns = append(fns, func(ctx context.Context) error {
			text, err := kql.Rows(kql.Select{Query: qq, Outcome: kql.Failures, Codes: interrupts}, kql.MaxRows, nil)
			if err != nil {
				return err
			}
			rows, err := cl.rows(ctx, text, w, "the interrupts")
			if err != nil {
				return err
			}
			if len(rows) == kql.MaxRows {
				cl.note(fmt.Sprintf("only the newest %d interrupts were judged for completion; older ones are left out", kql.MaxRows))
			}
			follow, err := cl.successesFor(ctx, plain(rows))
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for i := range rows {
				fu := follow.FollowUp(&rows[i].SignIn)
				if fu.Completed {
					completed++
					continue
				}
				interruptFollow[rows[i].ID] = fu
				keptInterrupts = append(keptInterrupts, rows[i])
			}
			return nil
		})
	}
	fns = append(fns, func(ctx context.Context) error {
		t, err := cl.query(ctx, kql.TableCounts(q.Since, q.Until), w, "the count of sign-ins in the window")
		if err != nil {
			return err
		}
		n, err := countTypes(t, types)
		mu.Lock()
		defer mu.Unlock()
		scanned = n
		return err
	})
	if err := parallel(ctx, fns...); err != nil {
		return signin.Page{}, err
	}

	out := make([]signin.Group, 0, len(kept)+len(interrupts))
	for _, g := range groups {
		if k := kept[g.ErrorCode]; k != nil {
			out = append(out, *k)
		}
	}
	out = append(out, signin.GroupSignIns(plain(keptInterrupts))...)
	signin.SortGroups(out)
	matched := 0
	for _, g := range out {
		matched += g.Count
	}

	// The page: the workspace's rows and the kept interrupts after the
	// keyset, merged newest first.
	for _, r := range keptInterrupts {
		if after == nil || r.at.Before(after.At) || (r.at.Equal(after.At) && r.ID > after.ID) {
			pageRows = append(pageRows, r)
		}
	}
	slices.SortFunc(pageRows, newestFirst)
	more := len(pageRows) > limit
	pageRows = pageRows[:min(limit, len(pageRows))]
	var undecided []signin.SignIn
	for _, r := range pageRows {
		if _, ok := interruptFollow[r.ID]; !ok {
			undecided = append(undecided, r.SignIn)
		}
	}
	follow, err := cl.successesFor(ctx, undecided)
	if err != nil {
		return signin.Page{}, err
	}
	page := signin.Page{Groups: out, Coverage: signin.Coverage{
		Source: Name, Since: q.Since, Until: q.Until, Types: types,
		Scanned: scanned, Matched: matched, InterruptsLeftOut: completed, Notes: []string{},
	}}
	for _, r := range pageRows {
		fu, ok := interruptFollow[r.ID]
		if !ok {
			fu = follow.FollowUp(&r.SignIn)
		}
		page.Rows = append(page.Rows, signin.Row{SignIn: r.SignIn, Outcome: q.Classify(r.Status.ErrorCode), FollowedBySuccess: fu.FollowedBySuccess, Completed: fu.Completed})
	}
	page.Coverage.Returned = len(page.Rows)
	page.Coverage.Notes = append(page.Coverage.Notes, cl.notes...)
	if note := signin.CompletedInterruptsNote(completed); note != "" {
		page.Coverage.Notes = append(page.Coverage.Notes, note)
	}
	rows := pageRows
	page.Resume = func(n int) string {
		if n <= 0 || n > len(rows) || (n == len(rows) && !more) {
			return ""
		}
		last := rows[n-1]
		token, _ := json.Marshal(position{At: last.at, ID: last.ID})
		return s.cursors.Issue(fp, q.Since, q.Until, offset+n, string(token))
	}
	page.Coverage.NextCursor = page.Resume(len(page.Rows))
	page.Coverage.Truncated = page.Coverage.NextCursor != "" || cl.partial
	if offset > 0 {
		page.Coverage.Notes = append(page.Coverage.Notes, fmt.Sprintf("continued from a cursor: rows %d-%d of %d", offset+1, offset+len(page.Rows), matched))
	}
	return page, nil
}

// newestFirst orders rows as every source returns them: newest first
// (TimeGenerated), then by ID.
func newestFirst(a, b row) int {
	if c := b.at.Compare(a.at); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// note adds a coverage note from any of the call's queries.
func (c *call) note(n string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notes = append(c.notes, n)
}

// followChunk is how many failures one follow-up query names: each adds a
// few values (its flow, its user or workload) to the query.
const followChunk = 250

// successesFor reads the successes that may follow the failures recs (their
// flows, their users, their workloads, from the oldest failure on) and
// indexes them with the one rule, signin.Successes.
func (c *call) successesFor(ctx context.Context, recs []signin.SignIn) (*signin.Successes, error) {
	var all []signin.SignIn
	for start := 0; start < len(recs); start += followChunk {
		chunk := recs[start:min(len(recs), start+followChunk)]
		sub := kql.Subjects{}
		seen := map[string]bool{}
		add := func(list *[]string, v string) {
			k := strings.ToLower(v)
			if v == "" || seen[k] {
				return
			}
			seen[k] = true
			*list = append(*list, v)
		}
		for i := range chunk {
			r := &chunk[i]
			if !r.Failed() {
				continue
			}
			if !slices.Contains(sub.Types, r.Type) {
				sub.Types = append(sub.Types, r.Type)
			}
			if sub.Since.IsZero() || r.CreatedAt.Before(sub.Since) {
				sub.Since = r.CreatedAt
			}
			add(&sub.CorrelationIDs, r.CorrelationID)
			if r.Workload() {
				add(&sub.Workloads, r.ServicePrincipal.ID)
				add(&sub.Workloads, r.ServicePrincipal.Name)
				add(&sub.Workloads, r.App.ID)
				add(&sub.Workloads, r.App.Name)
			} else {
				add(&sub.Users, r.User.ID)
				add(&sub.Users, r.User.UPN)
			}
		}
		if len(sub.CorrelationIDs)+len(sub.Users)+len(sub.Workloads) == 0 {
			continue
		}
		signin.SortTypes(sub.Types)
		text, err := kql.FollowSuccesses(sub, kql.MaxRows)
		if err != nil {
			return nil, err
		}
		rows, err := c.rows(ctx, text, span{since: sub.Since}, "the successes after the failures")
		if err != nil {
			return nil, err
		}
		if len(rows) == kql.MaxRows {
			c.note(fmt.Sprintf("the successes that follow the failures were read up to %d; a failure followed by a success after those may be shown as not followed by one", kql.MaxRows))
		}
		all = append(all, plain(rows)...)
	}
	return signin.NewSuccesses(all), nil
}

// readGroups reads the groups query's rows.
func readGroups(t table) ([]signin.Group, error) {
	idx := map[string]int{}
	for _, c := range []string{"ResultType", "Count", "UserCount", "AppCount", "IPCount", "FirstSeen", "LastSeen"} {
		if idx[c] = t.col(c); idx[c] < 0 {
			return nil, fmt.Errorf("read the groups of failures: no %s column in the answer", c)
		}
	}
	out := make([]signin.Group, 0, len(t.rows))
	for _, r := range t.rows {
		code, err := strconv.Atoi(strings.TrimSpace(cellText(r[idx["ResultType"]])))
		if err != nil {
			continue // not an error code: no group of a source can hold it
		}
		out = append(out, signin.Group{
			ErrorCode: code, Count: number(r[idx["Count"]]), UserCount: number(r[idx["UserCount"]]),
			AppCount: number(r[idx["AppCount"]]), IPCount: number(r[idx["IPCount"]]),
			FirstSeen: when(r[idx["FirstSeen"]]), LastSeen: when(r[idx["LastSeen"]]),
			Users: []signin.Count{}, Apps: []signin.Count{}, IPAddresses: []signin.Count{},
		})
	}
	return out, nil
}

// readTops sets each group's most frequent values of key.
func readTops(t table, key kql.GroupKey, groups map[int]*signin.Group) error {
	rt, v, n := t.col("ResultType"), t.col("Value"), t.col("Count")
	if rt < 0 || v < 0 || n < 0 {
		return errors.New("read the groups' most frequent values: the answer lacks ResultType, Value or Count")
	}
	for _, r := range t.rows {
		code, err := strconv.Atoi(strings.TrimSpace(cellText(r[rt])))
		if err != nil {
			continue
		}
		g := groups[code]
		if g == nil {
			continue
		}
		// The value is log text: cleaned as a record's names are.
		c := signin.Count{Value: logtext.Clean(cellText(r[v]), logtext.MaxName), Count: number(r[n])}
		switch key {
		case kql.GroupUsers:
			g.Users = append(g.Users, c)
		case kql.GroupApps:
			g.Apps = append(g.Apps, c)
		case kql.GroupIPs:
			g.IPAddresses = append(g.IPAddresses, c)
		}
	}
	for _, g := range groups {
		signin.SortCounts(g.Users)
		signin.SortCounts(g.Apps)
		signin.SortCounts(g.IPAddresses)
	}
	return nil
}

// countTypes sums the table counts of types.
func countTypes(t table, types []signin.Type) (int, error) {
	tn, n := t.col("TableName"), t.col("Rows")
	if tn < 0 || n < 0 {
		return 0, errors.New("read the table counts: the answer lacks TableName or Rows")
	}
	total := 0
	for _, r := range t.rows {
		name := cellText(r[tn])
		for _, ty := range types {
			table, _ := kql.Table(ty)
			// A table of an additional workspace may come qualified.
			if name == table || strings.HasSuffix(name, "."+table) || strings.HasSuffix(name, "'"+table) {
				total += number(r[n])
			}
		}
	}
	return total, nil
}

// cellText is a cell as text.
func cellText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

// number is a cell as an int (counts come as JSON numbers).
func number(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case json.Number:
		n, _ := x.Int64()
		return int(n)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

// when is a datetime cell.
func when(v any) time.Time {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// Get implements signin.Source: one row by Id, over the workspace's
// retention.
func (s *Source) Get(ctx context.Context, id string) (signin.SignIn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	id = strings.TrimSpace(id)
	text, err := kql.ByID(id, nil)
	if err != nil {
		return signin.SignIn{}, err
	}
	cl := &call{s: s}
	rows, err := cl.rows(ctx, text, span{}, "the sign-in")
	if err != nil {
		return signin.SignIn{}, err
	}
	if len(rows) == 0 {
		return signin.SignIn{}, fmt.Errorf("%w: no sign-in with ID %q in the Log Analytics %s %s (as far back as its retention goes)",
			signin.ErrNotFound, id, workspaceWord(len(s.cfg.Workspaces)), strings.Join(s.cfg.Workspaces, ", "))
	}
	return rows[0].SignIn, nil
}

func workspaceWord(n int) string {
	if n == 1 {
		return "workspace"
	}
	return "workspaces"
}

// Correlated implements signin.Source.
func (s *Source) Correlated(ctx context.Context, correlationID string) ([]signin.SignIn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	text, err := kql.Correlated(strings.TrimSpace(correlationID), nil, correlatedMax)
	if err != nil {
		return nil, err
	}
	cl := &call{s: s}
	rows, err := cl.rows(ctx, text, span{}, "the sign-ins of the flow")
	if err != nil {
		return nil, err
	}
	return plain(rows), nil
}

// NextSuccess implements signin.Source with the rule of every source
// (signin.FollowUp) over the successes read for f.
func (s *Source) NextSuccess(ctx context.Context, f signin.SignIn) (*signin.SuccessRef, error) {
	if !f.Failed() {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	cl := &call{s: s}
	follow, err := cl.successesFor(ctx, []signin.SignIn{f})
	if err != nil {
		return nil, err
	}
	return follow.FollowUp(&f).NextSuccess(), nil
}

// FailedUsers implements signin.Source over the last completionLookback.
func (s *Source) FailedUsers(ctx context.Context, prefix string, max int) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if max <= 0 || max > kql.MaxRows {
		max = kql.MaxRows
	}
	now := s.cfg.Now().UTC()
	since, until := now.Add(-completionLookback), now.Add(time.Minute)
	text, err := kql.FailedUsers(prefix, since, until, max)
	if err != nil {
		return nil, err
	}
	cl := &call{s: s}
	t, err := cl.query(ctx, text, span{since, until}, "the users with failures")
	if err != nil {
		return nil, err
	}
	c := t.col("UserPrincipalName")
	out := []string{}
	if c < 0 {
		return out, nil
	}
	for _, r := range t.rows {
		if u := cellText(r[c]); u != "" {
			// The UPN is log text: cleaned as every record's is.
			out = append(out, logtext.Clean(u, logtext.MaxName))
		}
	}
	return out, nil
}

// Directory implements directory.Reader: a workspace's sign-in tables hold
// no directory state, so a diagnosis stands on the sign-ins and says why it
// has no changes to show.
func (s *Source) Directory(ctx context.Context, _ directory.Query) (directory.Context, error) {
	if err := ctx.Err(); err != nil {
		return directory.Context{}, err
	}
	return directory.Context{Coverage: directory.Coverage{Notes: []string{
		"the loganalytics source reads sign-in tables only: audit events, account state, MFA registration, Conditional Access policies and app credentials are not read; " +
			"the graph source (--source graph) reads them from Microsoft Graph",
	}}}, nil
}

// Source is a signin.Source.
var _ signin.Source = (*Source)(nil)
