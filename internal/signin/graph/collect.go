package graph

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfilter"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

// DiagnosisRequestBudget is the most Graph requests one diagnosis makes.
// Graph's reporting API allows 5 requests per 10 s per app and tenant, and
// the pacer keeps to it: 12 requests are 5 at once, 5 after 10 s and 2 after
// 20 s, so a diagnosis answers in about 20 s plus Graph's latency, well
// inside the 60 s call timeout and what an MCP host waits, while the
// tenant's budget frees again 10 s later for the next call. Twelve cover a
// user's whole story: one page of each of two types, one last-success
// request per type, and up to eight same-IP or further pages.
const DiagnosisRequestBudget = 12

// graphRetention is how far back Graph keeps sign-ins (with Entra ID P1 or
// P2): the furthest a last success can be looked for.
const graphRetention = 30 * 24 * time.Hour

// tenantSuccessIPs is how many IPs a tenant triage reads successes from:
// the ones where the most distinct users failed, where a success is a spray
// that got in. A few: each is one request of the budget.
const tenantSuccessIPs = 3

// sameIPReserve is the requests a subject's diagnosis keeps for the other
// sign-ins from its failing IPs while it reads further pages of its own: a
// lockout or a spray comes from one or two IPs, one request per IP and type.
const sameIPReserve = 4

// collectStream is one sign-in type's pages of a diagnosis.
type collectStream struct {
	typ    signin.Type
	next   string    // URL of the next page; "" when read to the end
	oldest time.Time // the oldest sign-in read, for the note of what was not
}

// collector is one Collect in progress: what was read, and the budget left.
type collector struct {
	s        *Source
	c        signin.Collect
	kind     string
	types    []signin.Type
	out      signin.Collection
	notRead  []string // what the budget left unread, for the note
	requests int
}

// Collect implements signin.Collector through the same paced request path
// as Search, within DiagnosisRequestBudget requests. For a subject: the
// first page of each type's sign-ins (failures and successes), one $top=1
// request per type for a user's or app's last success before the window,
// further pages while sameIPReserve requests remain, one request per IP and
// type for the other sign-ins from the IPs of its password failures (most
// failures first), then further pages. For the
// tenant: the first page of each type's failures, the successes from the
// IPs where the most users failed, then further pages of failures. Where
// the budget ends, Coverage is Truncated and a note says what was not read.
func (s *Source) Collect(ctx context.Context, c signin.Collect) (signin.Collection, error) {
	if err := ctx.Err(); err != nil {
		return signin.Collection{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	cl := &collector{s: s, c: c, kind: c.SubjectKind()}
	var notes []string
	cl.types, notes = collectTypes(c.Types, cl.kind)
	cl.out.Coverage = signin.CollectCoverage{
		Source: "graph", Since: c.Since, Until: c.Until, Types: cl.types,
		RequestBudget: DiagnosisRequestBudget, Notes: notes,
	}
	run := cl.subject
	if cl.kind == "tenant" {
		run = cl.tenant
	}
	if err := run(ctx); err != nil {
		return signin.Collection{}, err
	}
	cov := &cl.out.Coverage
	cov.Requests = cl.requests
	for i := range cl.out.SignIns {
		if cl.out.SignIns[i].Failed() {
			cov.Failures++
		} else {
			cov.Successes++
		}
	}
	cov.SameIP = len(cl.out.SameIP)
	if note := s.retentionNote(c.Query(cov.Types), cov.Types, kql.Any); note != "" {
		cov.Notes = append(cov.Notes, note)
	}
	if len(cl.notRead) > 0 {
		cov.Truncated = true
		cov.Notes = append(cov.Notes, fmt.Sprintf("the request budget (%d Graph requests per diagnosis, paced at Graph's %d per %s) ran out: %s %s not read; narrow the window or the sign-in types to read them",
			DiagnosisRequestBudget, s.cfg.RequestsPerWindow, s.cfg.PacingWindow, strings.Join(cl.notRead, "; "), plural.Of(len(cl.notRead), "was", "were")))
	}
	return cl.out, nil
}

// collectTypes returns the types asked (deduplicated, in AllTypes order),
// or signin.DefaultCollectTypes for the subject with a note naming the
// types that default leaves unread: each type is its own request stream.
func collectTypes(asked []signin.Type, kind string) ([]signin.Type, []string) {
	if len(asked) > 0 {
		types := []signin.Type{}
		for _, t := range asked {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		signin.SortTypes(types)
		return types, nil
	}
	types := signin.DefaultCollectTypes(kind)
	var left []signin.Type
	for _, t := range signin.AllTypes {
		if !slices.Contains(types, t) {
			left = append(left, t)
		}
	}
	if len(left) == 0 {
		return types, nil
	}
	return types, []string{fmt.Sprintf("%s were not read (on Graph each type costs requests; a %s's default is %s): ask for signInTypes to read them",
		signin.TypesPhrase(left), kind, signin.TypesPhrase(types))}
}

// selectFor is the full $select of an API version.
func selectFor(version string) []string {
	if version == "beta" {
		return selectBeta
	}
	return selectV1
}

// fetch sends one list request if the budget allows (ok false when it is
// spent), and returns its sign-ins, sanitized, typed t when Graph does not
// say, and its nextLink.
func (cl *collector) fetch(ctx context.Context, rawURL string, t signin.Type, what string) (recs []signin.SignIn, next string, ok bool, err error) {
	if cl.requests >= DiagnosisRequestBudget {
		return nil, "", false, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, "", false, err
	}
	cl.requests++
	resp, err := cl.s.get(ctx, rawURL)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			// Cancelled, also while the pacer waited: no further request.
			return nil, "", false, ctx.Err()
		}
		return nil, "", false, fmt.Errorf("read %s: %w", what, err)
	}
	p, err := graphjson.DecodePage(ctx, bytes.NewReader(resp.body))
	if err != nil {
		return nil, "", false, fmt.Errorf("decode a Graph page of %s (request-id %s): %w", what, resp.requestID, err)
	}
	if p.NextLink != "" && !strings.HasPrefix(p.NextLink, cl.s.cfg.GraphURL+"/") {
		return nil, "", false, fmt.Errorf("graph returned a nextLink outside %s; refusing to follow it", cl.s.cfg.GraphURL)
	}
	signin.SanitizeAll(p.SignIns)
	for i := range p.SignIns {
		if p.SignIns[i].Type == "" {
			p.SignIns[i].Type = t
		}
	}
	if cl.c.Progress != nil {
		cl.c.Progress(cl.requests, DiagnosisRequestBudget, "read "+what)
	}
	return p.SignIns, p.NextLink, true, nil
}

// readStream reads st's next page into the subject's sign-ins, keeping
// those keep accepts. ok is false when the budget is spent.
func (cl *collector) readStream(ctx context.Context, st *collectStream, keep func(*signin.SignIn) bool) (bool, error) {
	recs, next, ok, err := cl.fetch(ctx, st.next, st.typ, signin.TypesPhrase([]signin.Type{st.typ}))
	if !ok || err != nil {
		return ok, err
	}
	st.next = next
	for i := range recs {
		r := &recs[i]
		if st.oldest.IsZero() || r.CreatedAt.Before(st.oldest) {
			st.oldest = r.CreatedAt
		}
		if cl.c.InWindow(r) && keep(r) {
			cl.out.SignIns = append(cl.out.SignIns, *r)
		}
	}
	return true, nil
}

// streams opens one stream per type read, with build's filter.
func (cl *collector) streams(q signin.Query, build func(signin.Query, signin.Type, bool) (string, error)) ([]*collectStream, error) {
	out := make([]*collectStream, len(cl.types))
	for i, t := range cl.types {
		version, eventFilter := versionFor(t)
		filter, err := build(q, t, eventFilter)
		if err != nil {
			return nil, err
		}
		out[i] = &collectStream{typ: t, next: cl.s.queryURL(version, filter, selectFor(version), cl.s.cfg.PageSize, "")}
	}
	return out, nil
}

// more reads the streams' further pages in turn until the requests made
// reach limit or the streams end.
func (cl *collector) more(ctx context.Context, streams []*collectStream, keep func(*signin.SignIn) bool, limit int) error {
	for left := true; left && cl.requests < limit; {
		left = false
		for _, st := range streams {
			if st.next == "" || cl.requests >= limit {
				continue
			}
			if _, err := cl.readStream(ctx, st, keep); err != nil {
				return err
			}
			left = true
		}
	}
	return nil
}

// rest reads the streams' further pages while the budget lasts, and notes
// what is left.
func (cl *collector) rest(ctx context.Context, streams []*collectStream, keep func(*signin.SignIn) bool, what string) error {
	if err := cl.more(ctx, streams, keep, DiagnosisRequestBudget); err != nil {
		return err
	}
	for _, st := range streams {
		switch {
		case st.next == "":
		case st.oldest.IsZero():
			cl.notRead = append(cl.notRead, fmt.Sprintf("%s %s", signin.TypesPhrase([]signin.Type{st.typ}), what))
		default:
			cl.notRead = append(cl.notRead, fmt.Sprintf("%s %s older than %s", signin.TypesPhrase([]signin.Type{st.typ}), what, st.oldest.UTC().Format(time.RFC3339)))
		}
	}
	return nil
}

// subject collects a user's, an app's, an IP's or a flow's sign-ins.
func (cl *collector) subject(ctx context.Context) error {
	c := cl.c
	q := c.Query(nil)
	streams, err := cl.streams(q, graphfilter.BuildWindow)
	if err != nil {
		return err
	}
	keep := c.MatchesSubject
	for _, st := range streams {
		if _, err := cl.readStream(ctx, st, keep); err != nil {
			return err
		}
	}
	if cl.kind == "user" || cl.kind == "app" {
		if err := cl.lastSuccess(ctx, q); err != nil {
			return err
		}
	}
	if cl.kind != "ipAddress" {
		// Read on, keeping a few requests for the same-IP sign-ins, so
		// that their IPs come from as much of the subject as possible.
		if err := cl.more(ctx, streams, keep, DiagnosisRequestBudget-sameIPReserve); err != nil {
			return err
		}
		if err := cl.sameIP(ctx); err != nil {
			return err
		}
	}
	return cl.rest(ctx, streams, keep, "sign-ins")
}

// lastSuccess reads the newest success of each type before the window
// ($top=1), and keeps the newest of them.
func (cl *collector) lastSuccess(ctx context.Context, q signin.Query) error {
	cl.out.LastSuccessSearchedFrom = cl.s.cfg.Now().UTC().Add(-graphRetention)
	var unread []signin.Type
	for _, t := range cl.types {
		version, eventFilter := versionFor(t)
		filter, ok, err := graphfilter.BuildLastSuccess(q, t, eventFilter)
		if err != nil || !ok {
			return err
		}
		recs, _, ok, err := cl.fetch(ctx, cl.s.queryURL(version, filter, selectFor(version), 1, "createdDateTime desc"), t, "the last success before the window among "+signin.TypesPhrase([]signin.Type{t}))
		if err != nil {
			return err
		}
		if !ok {
			unread = append(unread, t)
			continue
		}
		for i := range recs {
			r := &recs[i]
			if r.Failed() || !r.CreatedAt.Before(cl.c.Since) || !cl.c.MatchesSubject(r) {
				continue
			}
			if last := cl.out.LastSuccess; last == nil || r.CreatedAt.After(last.CreatedAt) || (r.CreatedAt.Equal(last.CreatedAt) && r.ID < last.ID) {
				cl.out.LastSuccess = r
			}
			break
		}
	}
	if len(unread) > 0 {
		cl.notRead = append(cl.notRead, "the last success before the window among "+signin.TypesPhrase(unread))
	}
	return nil
}

// sameIP reads, per IP of the subject's password failures (most failures
// first, at most SameIPMaxIPs) and per type they were logged as, one page of
// the window's sign-ins from it, and keeps those not the subject's.
func (cl *collector) sameIP(ctx context.Context) error {
	targets := signin.SameIPTargets(cl.out.SignIns)
	if len(targets) > signin.SameIPMaxIPs {
		cut := targets[signin.SameIPMaxIPs:]
		targets = targets[:signin.SameIPMaxIPs]
		cl.out.Coverage.Truncated = true
		cl.out.Coverage.Notes = append(cl.out.Coverage.Notes, fmt.Sprintf("other sign-ins from the same IPs were read for the %d IPs with the most password failures; %s with fewer (%s) were not read",
			signin.SameIPMaxIPs, plural.Count(len(cut), "IP", "IPs"), signin.NameIPs(cut)))
	}
	var full []string
	for n, target := range targets {
		for _, t := range target.Types {
			version, eventFilter := versionFor(t)
			filter, err := graphfilter.BuildWindow(signin.Query{IPAddress: target.IP, Since: cl.c.Since, Until: cl.c.Until}, t, eventFilter)
			if err != nil {
				return err
			}
			recs, next, ok, err := cl.fetch(ctx, cl.s.queryURL(version, filter, selectFor(version), signin.SameIPMaxPerIP, ""), t, "sign-ins from "+target.IP)
			if err != nil {
				return err
			}
			if !ok {
				cl.notRead = append(cl.notRead, fmt.Sprintf("other sign-ins from %s (%s)", plural.Count(len(targets)-n, "IP", "IPs"), signin.NameIPs(targets[n:])))
				cl.noteFull(full)
				return nil
			}
			if next != "" {
				full = append(full, target.IP)
			}
			for i := range recs {
				if r := &recs[i]; cl.c.InWindow(r) && !cl.c.MatchesSubject(r) {
					cl.out.SameIP = append(cl.out.SameIP, *r)
				}
			}
		}
	}
	cl.noteFull(full)
	return nil
}

// noteFull says which IPs had more sign-ins than one page read.
func (cl *collector) noteFull(full []string) {
	if len(full) == 0 {
		return
	}
	cl.out.Coverage.Truncated = true
	cl.out.Coverage.Notes = append(cl.out.Coverage.Notes, fmt.Sprintf("only the newest %d sign-ins of each type were read from %s: %s",
		signin.SameIPMaxPerIP, plural.Of(len(full), "this IP", "these IPs"), strings.Join(slices.Compact(full), ", ")))
}

// tenant collects a tenant triage: failures of every type read, newest
// first, but those of c.LeaveOut (the interrupts), and the successes from
// the IPs where the most users failed.
func (cl *collector) tenant(ctx context.Context) error {
	q := signin.Query{Since: cl.c.Since, Until: cl.c.Until}
	leaveOut := cl.c.LeaveOut
	streams, err := cl.streams(q, func(q signin.Query, t signin.Type, eventFilter bool) (string, error) {
		return graphfilter.BuildFailuresLeavingOut(q, leaveOut, t, eventFilter)
	})
	if err != nil {
		return err
	}
	if note := leftOutNote(leaveOut); note != "" {
		cl.out.Coverage.Notes = append(cl.out.Coverage.Notes, note)
	}
	// The filter leaves them out at Graph; the check keeps the promise of
	// the note whatever a page holds.
	keep := func(r *signin.SignIn) bool { return r.Failed() && !slices.Contains(leaveOut, r.Status.ErrorCode) }
	for _, st := range streams {
		if _, err := cl.readStream(ctx, st, keep); err != nil {
			return err
		}
	}
	if err := cl.tenantSuccesses(ctx); err != nil {
		return err
	}
	return cl.rest(ctx, streams, keep, "failures")
}

// tenantSuccesses reads the successes from the tenantSuccessIPs IPs with
// the most distinct failing users (two at least), each in the type most of
// its failures were logged as.
func (cl *collector) tenantSuccesses(ctx context.Context) error {
	type ipUsers struct {
		ip    string
		users map[string]bool
		types map[signin.Type]int
	}
	by := map[string]*ipUsers{}
	for i := range cl.out.SignIns {
		r := &cl.out.SignIns[i]
		who := r.WhoName()
		if r.IPAddress == "" || who == "" {
			continue
		}
		u := by[r.IPAddress]
		if u == nil {
			u = &ipUsers{ip: r.IPAddress, users: map[string]bool{}, types: map[signin.Type]int{}}
			by[r.IPAddress] = u
		}
		u.users[strings.ToLower(who)] = true
		u.types[r.Type]++
	}
	var ips []*ipUsers
	for _, u := range by {
		if len(u.users) >= 2 {
			ips = append(ips, u)
		}
	}
	slices.SortFunc(ips, func(a, b *ipUsers) int {
		if c := cmp.Compare(len(b.users), len(a.users)); c != 0 {
			return c
		}
		return cmp.Compare(a.ip, b.ip)
	})
	ips = ips[:min(tenantSuccessIPs, len(ips))]
	var read []string
	for n, u := range ips {
		t := signin.AllTypes[0]
		for _, typ := range signin.AllTypes {
			if u.types[typ] > u.types[t] {
				t = typ
			}
		}
		version, eventFilter := versionFor(t)
		filter, err := graphfilter.BuildWindowSuccesses(signin.Query{IPAddress: u.ip, Since: cl.c.Since, Until: cl.c.Until}, t, eventFilter)
		if err != nil {
			return err
		}
		recs, _, ok, err := cl.fetch(ctx, cl.s.queryURL(version, filter, selectFor(version), cl.s.cfg.PageSize, ""), t, "successes from "+u.ip)
		if err != nil {
			return err
		}
		if !ok {
			var left []string
			for _, u := range ips[n:] {
				left = append(left, u.ip)
			}
			cl.notRead = append(cl.notRead, "the successes from "+strings.Join(left, ", "))
			break
		}
		read = append(read, u.ip)
		for i := range recs {
			if r := &recs[i]; cl.c.InWindow(r) && !r.Failed() {
				cl.out.SignIns = append(cl.out.SignIns, *r)
			}
		}
	}
	note := "a tenant triage on Graph reads failures only (no IP had failures of two users or more, whose successes it would read): no finding can show as resolved, since the successes that would resolve it were not read"
	if len(read) > 0 {
		note = fmt.Sprintf("a tenant triage on Graph reads failures, and successes only from the %s where the most users failed (%s): other successes were not read, and a finding cannot show as resolved by a success that was not read",
			plural.Of(len(read), "IP", "IPs"), strings.Join(read, ", "))
	}
	cl.out.Coverage.Notes = append(cl.out.Coverage.Notes, note)
	return nil
}

// leftOutNote says which codes a tenant triage left out (the interrupts,
// signin.Collect.LeaveOut) and why; "" for none.
func leftOutNote(leaveOut []int) string {
	codes := slices.Clone(leaveOut)
	slices.Sort(codes)
	codes = slices.DeleteFunc(slices.Compact(codes), func(c int) bool { return c == 0 })
	if len(codes) == 0 {
		return ""
	}
	var named []string
	for _, c := range codes[:min(5, len(codes))] {
		named = append(named, strconv.Itoa(c))
	}
	if len(codes) > 5 {
		named = append(named, fmt.Sprintf("and %d more", len(codes)-5))
	}
	return fmt.Sprintf("interrupts (MFA prompts and other steps a sign-in goes through; error %s %s) were not read: a tenant triage on Graph reads failures and few successes, so it cannot tell a completed prompt from one a user got stuck at; diagnose a user to see theirs",
		plural.Of(len(codes), "code", "codes"), strings.Join(named, ", "))
}
