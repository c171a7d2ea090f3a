package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/apierror"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/callers"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/pace"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	abs "github.com/microsoft/kiota-abstractions-go"
	kauth "github.com/microsoft/kiota-authentication-azure-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfilter"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// maxPageSize is $top for list requests: Graph's maximum, so that a search
// needs at most ceil(matches/1000) requests, the scarce resource under the
// reporting API's 5 requests per 10 seconds.
const maxPageSize = 1000

// Source is the Graph sign-in source. It is safe for concurrent use and holds
// no per-caller state.
type Source struct {
	cfg     Config
	cred    *lazyCredential
	adapter *msgraphsdk.GraphRequestAdapter
	// client is the SDK's typed client on the same adapter (credential,
	// retry, redirect), for the directory reads; the sign-in reads send
	// their own URLs through the adapter.
	client  *msgraphsdk.GraphServiceClient
	pace    *pace.Pacer
	cursors *signin.Cursors
}

// New builds the Graph source. The credential is resolved at the first
// request: a server without one starts, and its Graph tools say what to set.
func New(cfg Config) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cred := &lazyCredential{cfg: &cfg}
	var tokens azcore.TokenCredential = cred
	if cfg.OnBehalfOf {
		if cfg.oboCredential == nil {
			cfg.oboCredential = cfg.newOBOCredential
		}
		tokens = callers.New(cfg.oboCredential, oboCacheSize)
	}
	host, _ := url.Parse(cfg.GraphURL)
	provider, err := kauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(tokens, []string{cfg.scope()}, []string{host.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graph auth provider: %w", err)
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(provider, nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("graph request adapter: %w", err)
	}
	adapter.SetBaseUrl(cfg.GraphURL + "/v1.0")
	client := msgraphsdk.NewGraphServiceClient(adapter)
	return &Source{cfg: cfg, cred: cred, adapter: adapter, client: client, pace: pace.New(cfg.RequestsPerWindow, cfg.PacingWindow, cfg.Now, cfg.sleep), cursors: signin.NewCursors()}, nil
}

// Config returns the validated configuration (it holds no secrets: those
// are read from the environment when the credential is built).
func (s *Source) Config() Config { return s.cfg }

// Name implements signin.Source.
func (s *Source) Name() string { return "graph" }

// Now implements signin.Source: Graph is live, so now is the clock.
func (s *Source) Now(context.Context) (time.Time, error) { return s.cfg.Now().UTC(), nil }

// response is a Graph answer read whole.
type response struct {
	url       string
	status    int
	body      []byte
	requestID string
	retryIn   time.Duration
}

// get sends one GET through the SDK adapter (auth, retry with Retry-After,
// redirect, compression) after pacing, and reads the answer itself.
func (s *Source) get(ctx context.Context, rawURL string) (response, error) {
	if err := s.pace.Wait(ctx); err != nil {
		return response{}, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return response{}, fmt.Errorf("graph request URL: %w", err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	ri.Headers.Add("Accept", "application/json")
	got := response{url: rawURL}
	var readErr error
	handler := abs.NewRequestHandlerOption()
	handler.SetResponseHandler(func(r any, _ abs.ErrorMappings) (any, error) {
		resp, ok := r.(*http.Response)
		if !ok || resp == nil {
			return nil, errors.New("graph: no HTTP response")
		}
		defer resp.Body.Close()
		got.status = resp.StatusCode
		got.requestID = resp.Header.Get("request-id")
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if sec, err := strconv.Atoi(ra); err == nil {
				got.retryIn = time.Duration(sec) * time.Second
			}
		}
		got.body, readErr = io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		return nil, nil
	})
	ri.AddRequestOptions([]abs.RequestOption{handler})
	if _, err := s.adapter.SendPrimitive(ctx, ri, "[]byte", nil); err != nil {
		return got, s.transportError(ctx, err)
	}
	if readErr != nil {
		return got, fmt.Errorf("read the Graph response: %w", readErr)
	}
	if got.status >= 300 {
		return got, s.statusError(got)
	}
	return got, nil
}

// transportError explains a request that got no answer.
func (s *Source) transportError(ctx context.Context, err error) error {
	if errors.Is(err, errConfig) || errors.Is(err, callers.ErrNoCaller) {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("no answer from Microsoft Graph within %s (retries included): %w; try again, or narrow the window", s.cfg.Timeout, ctx.Err())
	}
	var authFailed interface{ NonRetriable() }
	if errors.As(err, &authFailed) || strings.Contains(err.Error(), "authentication failed") {
		return fmt.Errorf("get a token for %s with --auth %s: %v", s.cfg.GraphURL, s.cfg.Auth, redact(err.Error()))
	}
	return fmt.Errorf("reach Microsoft Graph at %s: %v", s.cfg.GraphURL, redact(err.Error()))
}

// redact removes anything token-like from a message.
func redact(s string) string { return apierror.Redact(s) }

// selectV1 and selectBeta are the properties the decoder maps, per API
// version: Graph sends only these ($select), a fraction of a full record.
var (
	selectV1 = []string{
		"id", "createdDateTime", "correlationId", "userId", "userPrincipalName", "userDisplayName",
		"appId", "appDisplayName", "resourceId", "resourceDisplayName", "ipAddress", "clientAppUsed",
		"isInteractive", "conditionalAccessStatus", "status", "deviceDetail", "location",
		"appliedConditionalAccessPolicies", "riskDetail", "riskLevelAggregated", "riskLevelDuringSignIn",
		"riskState", "riskEventTypes_v2",
	}
	selectBeta = append(slices.Clone(selectV1),
		"originalRequestId", "sessionId", "userType", "servicePrincipalId", "servicePrincipalName",
		"managedServiceIdentity", "resourceTenantId", "homeTenantId", "userAgent", "signInEventTypes",
		"authenticationRequirement", "authenticationDetails",
		"servicePrincipalCredentialKeyId", "clientCredentialType", "crossTenantAccessType", "appOwnerTenantId",
		"incomingTokenType", "authenticationProtocol")
)

// selectSuccess is what the follow-up rule (signin.FollowUp) reads of a
// success: who, which app and resource (a workload's key), which flow, when;
// beta adds the service principal and the type.
var (
	selectSuccessV1   = []string{"id", "createdDateTime", "correlationId", "userId", "userPrincipalName", "appId", "appDisplayName", "resourceId", "resourceDisplayName", "status"}
	selectSuccessBeta = append(slices.Clone(selectSuccessV1), "servicePrincipalId", "servicePrincipalName", "signInEventTypes")
)

// listURL is the first page of a list request.
func (s *Source) listURL(version, filter string) string {
	sel := selectV1
	if version == "beta" {
		sel = selectBeta
	}
	return s.queryURL(version, filter, sel, s.cfg.PageSize, "")
}

// queryURL is a list request with its filter, fields, page size and order
// ("" for Graph's own, newest first).
func (s *Source) queryURL(version, filter string, sel []string, top int, orderBy string) string {
	v := url.Values{}
	v.Set("$filter", filter)
	v.Set("$top", strconv.Itoa(top))
	v.Set("$select", strings.Join(sel, ","))
	if orderBy != "" {
		v.Set("$orderby", orderBy)
	}
	return s.cfg.GraphURL + "/" + version + "/auditLogs/signIns?" + v.Encode()
}

// versionFor is the API version that lists type t, and whether the filter
// must name the type (beta lists interactive sign-ins unless told).
func versionFor(t signin.Type) (version string, eventFilter bool) {
	if t == signin.Interactive || t == "" {
		return "v1.0", false
	}
	return "beta", true
}

// stream reads one sign-in type's pages.
type stream struct {
	typ     signin.Type
	next    string // URL of the next page to fetch; "" when done
	skip    int    // raw records to skip in the next page (a resumed cursor)
	fetched []fetchedRow
	pages   int
	// completed counts the completed interrupts left out; undecided the
	// kept failures read before the oldest success read (see followSet).
	completed, undecided int
}

// fetchedRow is a matched row and where it stands in Graph's pages, so that a
// cursor can resume right after it.
type fetchedRow struct {
	row     signin.Row
	stream  int
	pageURL string
	index   int // raw index in its page
}

// position is where a stream resumes: a page URL and raw records to skip.
type position struct {
	Type signin.Type `json:"t"`
	URL  string      `json:"u"`
	Skip int         `json:"s"`
}

// Search implements signin.Source. Each sign-in type is its own stream (v1.0
// for interactive sign-ins, beta with a signInEventTypes filter for the
// others); the streams are merged newest first.
func (s *Source) Search(ctx context.Context, q signin.Query) (signin.Page, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	types := q.TypesOrDefault([]signin.Type{signin.Interactive})
	fp := q.Fingerprint(types)
	streams := make([]*stream, len(types))
	for i, t := range types {
		version, eventFilter := versionFor(t)
		filter, err := graphfilter.Build(q, t, eventFilter)
		if err != nil {
			return signin.Page{}, err
		}
		streams[i] = &stream{typ: t, next: s.listURL(version, filter)}
	}
	if q.Cursor != "" {
		_, token, err := s.cursors.Check(fp, q.Cursor)
		if err != nil {
			return signin.Page{}, err
		}
		var pos []position
		if err := json.Unmarshal([]byte(token), &pos); err != nil || len(pos) != len(streams) {
			return signin.Page{}, fmt.Errorf("%w: malformed position", signin.ErrBadCursor)
		}
		for i, p := range pos {
			if p.Type != streams[i].typ || (p.URL != "" && !strings.HasPrefix(p.URL, s.cfg.GraphURL+"/")) {
				return signin.Page{}, fmt.Errorf("%w: position does not fit this search", signin.ErrBadCursor)
			}
			streams[i].next, streams[i].skip = p.URL, p.Skip
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 25
	}
	follow, err := s.readSuccesses(ctx, q, types)
	if err != nil {
		return signin.Page{}, err
	}
	scanned := 0
	for i, st := range streams {
		// Read pages while the limit is not met, up to MaxPages: the rest of
		// the pages are for groups, which cover what was read.
		for st.next != "" && st.pages < s.cfg.MaxPages && (len(st.fetched) < limit || st.pages < 1) {
			n, err := s.fetchPage(ctx, i, st, q, types, follow)
			scanned += n
			if err != nil {
				return signin.Page{}, err
			}
		}
	}
	return s.page(q, fp, types, streams, scanned, limit, follow), nil
}

// followSet is the successes one search read to decide what came after its
// failures, one request per type.
type followSet struct {
	idx *signin.Successes
	// decidedFrom holds, per type whose successes did not fit one page, the
	// oldest success read: before it, a failure with no success found may
	// have one that was not read.
	decidedFrom map[signin.Type]time.Time
}

// readSuccesses reads one page (newest first) of the successes of each type
// that can follow q's failures (graphfilter.BuildSuccesses), with the few
// fields the rule needs.
func (s *Source) readSuccesses(ctx context.Context, q signin.Query, types []signin.Type) (followSet, error) {
	f := followSet{decidedFrom: map[signin.Type]time.Time{}}
	var all []signin.SignIn
	for _, t := range types {
		version, eventFilter := versionFor(t)
		filter, err := graphfilter.BuildSuccesses(q, t, eventFilter)
		if err != nil {
			return f, err
		}
		sel := selectSuccessV1
		if version == "beta" {
			sel = selectSuccessBeta
		}
		resp, err := s.get(ctx, s.queryURL(version, filter, sel, s.cfg.PageSize, ""))
		if err != nil {
			return f, err
		}
		p, err := graphjson.DecodePage(ctx, bytes.NewReader(resp.body))
		if err != nil {
			return f, fmt.Errorf("decode a Graph page of successes (request-id %s): %w", resp.requestID, err)
		}
		var oldest time.Time
		for _, r := range p.SignIns {
			if r.Failed() {
				continue
			}
			r.Type = t
			if oldest.IsZero() || r.CreatedAt.Before(oldest) {
				oldest = r.CreatedAt
			}
			all = append(all, r)
		}
		if p.NextLink != "" {
			if oldest.IsZero() {
				oldest = q.Until.Add(signin.InterruptCompletionWindow)
			}
			f.decidedFrom[t] = oldest
		}
	}
	f.idx = signin.NewSuccesses(all)
	return f, nil
}

// decide returns what came after the failure r, and whether the answer may
// be wrong for want of successes not read.
func (f followSet) decide(r *signin.SignIn, interrupt bool) (signin.FollowUp, bool) {
	fu := f.idx.FollowUp(r)
	from, cut := f.decidedFrom[r.Type]
	known := fu.FollowedBySuccess
	if interrupt {
		known = fu.Completed
	}
	return fu, cut && !known && r.CreatedAt.Before(from)
}

// fetchPage reads the next page of st, keeping the rows that match q.
func (s *Source) fetchPage(ctx context.Context, index int, st *stream, q signin.Query, types []signin.Type, follow followSet) (int, error) {
	pageURL := st.next
	resp, err := s.get(ctx, pageURL)
	if err != nil {
		return 0, err
	}
	p, err := graphjson.DecodePage(ctx, bytes.NewReader(resp.body))
	if err != nil {
		return 0, fmt.Errorf("decode a Graph page (request-id %s): %w", resp.requestID, err)
	}
	signin.SanitizeAll(p.SignIns) // as in Get, Correlated and FailedUsers: no raw log text leaves the source
	st.pages++
	st.next = p.NextLink
	if st.next != "" && !strings.HasPrefix(st.next, s.cfg.GraphURL+"/") {
		return 0, fmt.Errorf("graph returned a nextLink outside %s; refusing to follow it", s.cfg.GraphURL)
	}
	skip := st.skip
	st.skip = 0
	// Graph may return a page in any order: newest first within the stream.
	recs := p.SignIns
	slices.SortStableFunc(recs, func(a, b signin.SignIn) int { return b.CreatedAt.Compare(a.CreatedAt) })
	for i := range recs {
		if i < skip {
			continue
		}
		r := recs[i]
		if r.Type == "" {
			r.Type = st.typ
		}
		if !r.Failed() || !q.Matches(&r, types) {
			continue
		}
		out := q.Classify(r.Status.ErrorCode)
		if out == signin.OutcomeSuccess {
			continue
		}
		fu, undecided := follow.decide(&r, out == signin.OutcomeInterrupt)
		if out == signin.OutcomeInterrupt && !q.IncludeInterrupts && fu.Completed {
			st.completed++
			continue
		}
		if undecided {
			st.undecided++
		}
		row := signin.Row{SignIn: r, Outcome: out, FollowedBySuccess: fu.FollowedBySuccess, Completed: fu.Completed}
		st.fetched = append(st.fetched, fetchedRow{row: row, stream: index, pageURL: pageURL, index: i})
	}
	return len(recs), nil
}

// page merges the streams' rows newest first and builds the answer.
func (s *Source) page(q signin.Query, fp string, types []signin.Type, streams []*stream, scanned, limit int, follow followSet) signin.Page {
	var all []fetchedRow
	more := false
	completed, undecided := 0, 0
	for _, st := range streams {
		all = append(all, st.fetched...)
		more = more || st.next != ""
		completed += st.completed
		undecided += st.undecided
	}
	slices.SortStableFunc(all, func(a, b fetchedRow) int { return b.row.CreatedAt.Compare(a.row.CreatedAt) })
	rows := make([]signin.Row, 0, min(limit, len(all)))
	for _, f := range all[:min(limit, len(all))] {
		rows = append(rows, f.row)
	}
	matched := make([]signin.SignIn, len(all))
	for i, f := range all {
		matched[i] = f.row.SignIn
	}
	page := signin.Page{
		Rows:   rows,
		Groups: signin.GroupSignIns(matched),
		Coverage: signin.Coverage{
			Source: "graph", Since: q.Since, Until: q.Until, Types: types,
			Scanned: scanned, Matched: len(all), Returned: len(rows), InterruptsLeftOut: completed,
		},
	}
	if note := signin.CompletedInterruptsNote(completed); note != "" {
		page.Coverage.Notes = append(page.Coverage.Notes, note)
	}
	if note := s.retentionNote(q, types, kql.Failures); note != "" {
		page.Coverage.Notes = append(page.Coverage.Notes, note)
	}
	if undecided > 0 {
		var from time.Time
		for _, t := range follow.decidedFrom {
			if t.After(from) {
				from = t
			}
		}
		page.Coverage.Notes = append(page.Coverage.Notes, fmt.Sprintf("the window holds more successes than the %d read per sign-in type: for %d failures older than %s, whether a success followed (completed, followedBySuccess) could not be decided and reads false; name the user and app, or narrow the window", s.cfg.PageSize, undecided, from.UTC().Format(time.RFC3339)))
	}
	if more {
		page.Coverage.Notes = append(page.Coverage.Notes, fmt.Sprintf("Graph has more matches than the %s read per sign-in type: groups and matched cover what was read; continue with nextCursor", plural.Count(s.cfg.MaxPages, "page", "pages")))
	}
	// Resume returns the cursor after the first n merged rows: each stream
	// resumes at its first row not yet returned, or at its next page.
	page.Resume = func(n int) string {
		pos := make([]position, len(streams))
		done := true
		for i, st := range streams {
			pos[i] = position{Type: st.typ, URL: st.next}
			for _, f := range all[n:] {
				if f.stream == i {
					pos[i] = position{Type: st.typ, URL: f.pageURL, Skip: f.index}
					break
				}
			}
			if pos[i].URL != "" {
				done = false
			}
		}
		if done {
			return ""
		}
		b, _ := json.Marshal(pos)
		return s.cursors.Issue(fp, q.Since, q.Until, 0, string(b))
	}
	page.Coverage.NextCursor = page.Resume(len(rows))
	page.Coverage.Truncated = page.Coverage.NextCursor != ""
	return page
}

var idRe = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// Get implements signin.Source (beta, for the richest detail).
func (s *Source) Get(ctx context.Context, id string) (signin.SignIn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if !idRe.MatchString(id) {
		return signin.SignIn{}, fmt.Errorf("%w: %q is not a sign-in ID (a GUID such as 0000aaaa-11bb-cccc-dd22-eeeeee333333)", signin.ErrNotFound, id)
	}
	resp, err := s.get(ctx, s.cfg.GraphURL+"/beta/auditLogs/signIns/"+url.PathEscape(id))
	if err != nil {
		var ge *Error
		if errors.As(err, &ge) && ge.Status == http.StatusNotFound {
			return signin.SignIn{}, fmt.Errorf("%w: Graph has no sign-in %q; it keeps 30 days with Entra ID P1/P2 (7 without), and new sign-ins can take up to 2 hours to appear", signin.ErrNotFound, id)
		}
		return signin.SignIn{}, err
	}
	si, err := graphjson.DecodeSignIn(ctx, resp.body)
	si.Sanitize()
	return si, err
}

// Correlated implements signin.Source: the interactive and non-interactive
// sign-ins of the flow (two requests).
func (s *Source) Correlated(ctx context.Context, correlationID string) ([]signin.SignIn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := graphfilterCheck(correlationID); err != nil {
		return nil, err
	}
	var out []signin.SignIn
	for _, t := range []signin.Type{signin.Interactive, signin.NonInteractive} {
		filter := "correlationId eq " + graphfilter.Quote(strings.ToLower(correlationID)) +
			" and signInEventTypes/any(t: t eq " + graphfilter.Quote(t.EventType()) + ")"
		resp, err := s.get(ctx, s.listURL("beta", filter))
		if err != nil {
			return nil, err
		}
		p, err := graphjson.DecodePage(ctx, bytes.NewReader(resp.body))
		if err != nil {
			return nil, fmt.Errorf("decode a Graph page (request-id %s): %w", resp.requestID, err)
		}
		signin.SanitizeAll(p.SignIns)
		out = append(out, p.SignIns...)
	}
	slices.SortStableFunc(out, func(a, b signin.SignIn) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// NextSuccess implements signin.Source with one request: the oldest success
// of f's type for its user and app (service principal and resource for a
// workload) at or after it ($orderby=createdDateTime asc, $top=1).
func (s *Source) NextSuccess(ctx context.Context, f signin.SignIn) (*signin.SuccessRef, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	version, eventFilter := versionFor(f.Type)
	filter, ok, err := graphfilter.BuildNextSuccess(&f, eventFilter)
	if err != nil || !ok {
		// A record with no subject, or a value no filter may carry: there
		// is nothing to look for, which is not the caller's error.
		return nil, nil
	}
	resp, err := s.get(ctx, s.queryURL(version, filter, []string{"id", "createdDateTime", "status"}, 1, "createdDateTime asc"))
	if err != nil {
		return nil, fmt.Errorf("read the next success: %w", err)
	}
	p, err := graphjson.DecodePage(ctx, bytes.NewReader(resp.body))
	if err != nil {
		return nil, fmt.Errorf("decode a Graph page (request-id %s): %w", resp.requestID, err)
	}
	for _, r := range p.SignIns {
		if !r.Failed() && !r.CreatedAt.Before(f.CreatedAt) {
			return &signin.SuccessRef{ID: r.ID, CreatedAt: r.CreatedAt}, nil
		}
	}
	return nil, nil
}

func graphfilterCheck(v string) error {
	if len(v) > graphfilter.MaxValueLength || strings.ContainsAny(v, "\x00\r\n") {
		return fmt.Errorf("%w: %q is not a correlation ID", signin.ErrNotFound, v)
	}
	return nil
}

// FailedUsers implements signin.Source with one request: the users with
// failures in the last 24 hours whose UPN starts with prefix.
func (s *Source) FailedUsers(ctx context.Context, prefix string, max int) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	filter := "status/errorCode ne 0 and createdDateTime ge " + graphfilter.Time(s.cfg.Now().Add(-24*time.Hour))
	if prefix = strings.ToLower(strings.TrimSpace(prefix)); prefix != "" {
		if graphfilterCheck(prefix) != nil {
			return []string{}, nil
		}
		filter += " and startswith(userPrincipalName," + graphfilter.Quote(prefix) + ")"
	}
	v := url.Values{}
	v.Set("$filter", filter)
	v.Set("$top", "200")
	v.Set("$select", "id,createdDateTime,userPrincipalName")
	resp, err := s.get(ctx, s.cfg.GraphURL+"/v1.0/auditLogs/signIns?"+v.Encode())
	if err != nil {
		return nil, err
	}
	p, err := graphjson.DecodePage(ctx, bytes.NewReader(resp.body))
	if err != nil {
		return nil, err
	}
	signin.SanitizeAll(p.SignIns)
	seen := map[string]bool{}
	out := []string{}
	for _, r := range p.SignIns {
		if r.User.UPN != "" && !seen[r.User.UPN] {
			seen[r.User.UPN] = true
			out = append(out, r.User.UPN)
		}
	}
	slices.Sort(out)
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out, nil
}
