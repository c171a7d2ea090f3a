package graph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/applicationswithappid"
	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/reports"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/callers"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfilter"
)

// DirectoryRequestBudget is the most Graph requests a directory read makes
// when the Query names no budget. Six cover a user with one failing policy
// (the user, their audit events, the policy's audit events, the policy, MFA
// registration: five) with one request for a further page of events, and
// an app (its service principal, its registration, the audit events of
// each: four): what the pacer sends at once within Graph's 5 per 10 s,
// plus one.
const DirectoryRequestBudget = 6

// auditPageSize is $top for directory audits: events touching one object
// in a week are far fewer, so one page is the usual read.
const auditPageSize = 500

// Permissions each directory read needs, named in coverage notes.
const (
	permAudits       = "AuditLog.Read.All"
	permUsers        = "User.Read.All"
	permPolicies     = "Policy.Read.All"
	permApplications = "Application.Read.All"
)

// userSelect is what the account state needs of a user.
var userSelect = []string{"id", "userPrincipalName", "displayName", "accountEnabled", "userType", "lastPasswordChangeDateTime", "createdDateTime", "onPremisesSyncEnabled"}

// credentialSelect is what an app's credentials need of its service
// principal and registration: metadata only (Graph never returns a
// secret's value on a read; a certificate's public key is not asked for).
var credentialSelect = []string{"id", "appId", "displayName", "keyCredentials", "passwordCredentials"}

// secretName matches a modified property whose values may carry a secret:
// its name is kept, its values never.
var secretName = regexp.MustCompile(`(?i)secret|passw|pwd|key\s*value|private\s*key`)

// Source reads the directory for diagnose_signin_failures.
var _ directory.Reader = (*Source)(nil)

// dirReader is one directory read in progress.
type dirReader struct {
	s        *Source
	caller   context.Context // the caller's context: its end is an error, the timeout's a note
	q        directory.Query
	budget   int
	requests int
	out      directory.Context
	notRead  []string // what the budget left unread
	stopped  bool     // Graph could not be reached: no further request
	// lastStatus is the HTTP status of the last failed read; auditsDenied
	// is set when audits answered 403, which every further audit request
	// would too.
	lastStatus   int
	auditsDenied bool
}

// auditStream is the audit events of one target object.
type auditStream struct {
	id, what string // object ID, and what it is ("user", "policy 'x'", ...)
	next     string // the nextLink; "" when read to the end
	started  bool
	oldest   time.Time
}

// Directory implements directory.Reader through msgraph-sdk-go's typed
// request builders, on the same request adapter, credential and pacer as
// the sign-in reads (so a diagnosis stays within one budget of Graph's 5
// requests per 10 s), within q.Budget requests (DirectoryRequestBudget when
// 0). It reads, in this order, what the budget allows: the user (by object
// ID, else UPN), the app's service principal and registration (their
// credentials, and the object IDs its audit events name), the first page of
// audit events on the user, each policy, the service principal and the
// application, each policy's definition, the user's MFA registration, then
// further pages of events. Every read is optional: a 403 (permission or
// licence), a 404, a Graph failure or the source's timeout is a note in
// Coverage; only the end of the caller's ctx is an error.
func (s *Source) Directory(ctx context.Context, q directory.Query) (directory.Context, error) {
	if err := ctx.Err(); err != nil {
		return directory.Context{}, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	d := &dirReader{s: s, q: q, budget: q.Budget, caller: parent}
	if d.budget <= 0 {
		d.budget = DirectoryRequestBudget
	}
	if err := d.run(ctx); err != nil {
		return directory.Context{}, err
	}
	d.out.Coverage.Requests = d.requests
	if len(d.notRead) > 0 {
		d.out.Coverage.Notes = append(d.out.Coverage.Notes, fmt.Sprintf("the directory request budget (%s, paced with the sign-in reads at Graph's %d per %s) ran out: %s %s not read",
			plural.Count(d.budget, "Graph request", "Graph requests"), s.cfg.RequestsPerWindow, s.cfg.PacingWindow, strings.Join(d.notRead, "; "), plural.Of(len(d.notRead), "was", "were")))
	}
	return d.out, nil
}

func (d *dirReader) run(ctx context.Context) error {
	q := d.q
	// Query.Reads limits the reads: opening a sign-in asks for its
	// policies only, and must not spend requests on audit events.
	events := q.Wants(directory.ReadEvents)
	var userID, spID, appObjectID string
	var err error
	if events || q.Wants(directory.ReadAccount) || q.Wants(directory.ReadRegistration) {
		if userID, err = d.readUser(ctx); err != nil {
			return err
		}
	}
	if events || q.Wants(directory.ReadCredentials) {
		if spID, appObjectID, err = d.readApp(ctx); err != nil {
			return err
		}
	}
	var streams []*auditStream
	add := func(id, what string) {
		if !events || id == "" || slices.ContainsFunc(streams, func(a *auditStream) bool { return strings.EqualFold(a.id, id) }) {
			return
		}
		streams = append(streams, &auditStream{id: id, what: what})
	}
	add(userID, "the user")
	var policies []string
	for _, id := range q.PolicyIDs {
		if !graphfilter.IsGUID(id) {
			d.note(fmt.Sprintf("Conditional Access policy %s was not read: a policy ID is a GUID", logtext.Quote(id, 64)))
			continue
		}
		if !slices.Contains(policies, strings.ToLower(id)) {
			policies = append(policies, strings.ToLower(id))
			add(id, "policy "+id)
		}
	}
	add(spID, "the service principal")
	add(appObjectID, "the app registration")
	for _, st := range streams {
		if err := d.readAudits(ctx, st); err != nil {
			return err
		}
	}
	for _, id := range policies {
		if !q.Wants(directory.ReadPolicies) {
			break
		}
		if err := d.readPolicy(ctx, id); err != nil {
			return err
		}
	}
	if userID != "" && q.Wants(directory.ReadRegistration) {
		if err := d.readRegistration(ctx, userID); err != nil {
			return err
		}
	}
	for more := true; more; {
		more = false
		for _, st := range streams {
			if st.next == "" || d.requests >= d.budget || d.stopped {
				continue
			}
			if err := d.readAudits(ctx, st); err != nil {
				return err
			}
			more = true
		}
	}
	for _, st := range streams {
		if st.next != "" && !d.stopped {
			d.notRead = append(d.notRead, fmt.Sprintf("audit events on %s older than %s", st.what, st.oldest.UTC().Format(time.RFC3339)))
		}
	}
	slices.SortStableFunc(d.out.Events, func(a, b directory.Event) int { return cmp.Or(b.At.Compare(a.At), cmp.Compare(a.ID, b.ID)) })
	return nil
}

// note adds a coverage note once.
func (d *dirReader) note(n string) {
	if !slices.Contains(d.out.Coverage.Notes, n) {
		d.out.Coverage.Notes = append(d.out.Coverage.Notes, n)
	}
}

// read names what was read, once.
func (d *dirReader) read(what string) {
	if !slices.Contains(d.out.Coverage.Read, what) {
		d.out.Coverage.Read = append(d.out.Coverage.Read, what)
	}
}

// send makes one paced request through do, if the budget allows. ok is
// false when it was not made (budget spent, Graph unreachable) or failed;
// either way a note says so, with the permission (perm) a 403 lacks and
// notFound for a 404. err is only ctx's end.
func (d *dirReader) send(ctx context.Context, what, perm, notFound string, do func(context.Context) error) (ok bool, err error) {
	d.lastStatus = 0
	if d.stopped {
		return false, nil
	}
	if d.requests >= d.budget {
		d.notRead = append(d.notRead, what)
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := d.s.pace.Wait(ctx); err != nil {
		// Only ctx's end stops the pacer: cancelled while waiting, no
		// request is sent.
		return false, d.ended(what, err)
	}
	d.requests++
	err = do(ctx)
	if d.q.Progress != nil {
		d.q.Progress(d.requests, d.budget, "read "+what)
	}
	if err == nil {
		return true, nil
	}
	if ctx.Err() != nil {
		return false, d.ended(what, ctx.Err())
	}
	d.failed(what, perm, notFound, err)
	return false, nil
}

// ended handles ctx's end during a read: the caller's end is an error; the
// source's own timeout ends the read with a note, keeping what was read.
func (d *dirReader) ended(what string, err error) error {
	if d.caller.Err() != nil {
		return fmt.Errorf("read %s: %w", what, d.caller.Err())
	}
	d.stopped = true
	d.note(fmt.Sprintf("no answer from Microsoft Graph within %s (%s, retries and pacing included): the rest of the directory context was not read", d.s.cfg.Timeout, what))
	return nil
}

// failed turns a failed read into a note.
func (d *dirReader) failed(what, perm, notFound string, err error) {
	var api abs.ApiErrorable
	if !errors.As(err, &api) || api.GetStatusCode() == 0 {
		if unreachable(err) {
			// No answer from Graph, or no credential: the next read would
			// fail the same way, so none is made.
			d.stopped = true
			d.note(fmt.Sprintf("the directory context was not read (%s): %s", what, d.s.transportError(context.Background(), err)))
			return
		}
		d.note(fmt.Sprintf("could not read %s: Graph's answer could not be decoded: %s", what, logtext.Clean(redact(err.Error()), logtext.MaxName)))
		return
	}
	e := &Error{Service: serviceName, Status: api.GetStatusCode()}
	d.lastStatus = e.Status
	if h := api.GetResponseHeaders(); h != nil {
		if ids := h.Get("request-id"); len(ids) > 0 {
			e.RequestID = ids[0]
		}
	}
	var ode *odataerrors.ODataError
	if errors.As(err, &ode) {
		if m := ode.GetErrorEscaped(); m != nil {
			e.Code, e.Message = deref(m.GetCode()), deref(m.GetMessage())
			if inner := m.GetInnerError(); inner != nil && e.RequestID == "" {
				e.RequestID = deref(inner.GetRequestId())
			}
		}
	}
	answered := fmt.Sprintf("Graph answered %d", e.Status)
	if e.Code != "" {
		answered += " " + logtext.Clean(e.Code, 64)
	}
	if e.RequestID != "" {
		answered += ", request-id " + logtext.Clean(e.RequestID, 64)
	}
	switch {
	case e.Status == http.StatusForbidden && strings.EqualFold(e.Code, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"):
		d.note(fmt.Sprintf("could not read %s: the tenant has no Microsoft Entra ID P1 or P2 licence, which Graph requires for it (%s); a permission change will not help", what, answered))
	case e.Status == http.StatusForbidden && strings.EqualFold(e.Code, "Authentication_RequestFromUnsupportedUserRole"):
		d.note(fmt.Sprintf("could not read %s: the signed-in admin has no directory role that may read it; assign Reports Reader, Security Reader or Global Reader (%s)", what, answered))
	case e.Status == http.StatusForbidden:
		d.note(fmt.Sprintf("could not read %s: grant the Microsoft Graph permission %s and admin consent (%s); a licence change will not help", what, perm, answered))
	case e.Status == http.StatusNotFound && notFound != "":
		d.note(notFound)
	default:
		d.note(fmt.Sprintf("could not read %s: %s", what, answered))
	}
}

// unreachable reports whether err means no request can reach Graph: no
// connection, or no credential.
func unreachable(err error) bool {
	var ue *url.Error
	var authFailed interface{ NonRetriable() }
	return errors.As(err, &ue) || errors.As(err, &authFailed) || errors.Is(err, errConfig) || errors.Is(err, callers.ErrNoCaller) ||
		strings.Contains(err.Error(), "authentication failed")
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// clean is logtext.Clean of a string pointer: text from the directory is
// stranger-written.
func clean(p *string, n int) string { return logtext.Clean(deref(p), n) }

// readUser reads the account state: by object ID, else by UPN. It returns
// the user's object ID when known (from Graph, else the Query's).
func (d *dirReader) readUser(ctx context.Context) (string, error) {
	q := d.q
	userID := ""
	if q.UserID != "" {
		if graphfilter.IsGUID(q.UserID) {
			userID = strings.ToLower(q.UserID)
		} else {
			d.note(fmt.Sprintf("the user %s was not read by ID: a user's object ID is a GUID", logtext.Quote(q.UserID, 64)))
		}
	}
	key := userID
	if key == "" {
		// A UPN goes in the path, where the SDK percent-encodes it; a slash
		// or a backslash could still change the path at a proxy, and a UPN
		// always has an @ (so never is a dot segment): refused otherwise.
		if q.UPN == "" || len(q.UPN) > graphfilter.MaxValueLength || !strings.Contains(q.UPN, "@") || strings.ContainsAny(q.UPN, "/\\") || logtext.Clean(q.UPN, graphfilter.MaxValueLength) != q.UPN {
			if q.UPN != "" {
				d.note(fmt.Sprintf("the user %s was not read: not a user principal name", logtext.Quote(q.UPN, 64)))
			}
			return "", nil
		}
		key = q.UPN
	}
	var user models.Userable
	ok, err := d.send(ctx, "the account state", permUsers,
		fmt.Sprintf("the user %s does not exist in the directory (deleted, or of another tenant)", logtext.Quote(key, 64)),
		func(ctx context.Context) (err error) {
			user, err = d.s.client.Users().ByUserId(key).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect},
			})
			return err
		})
	if err != nil || !ok || user == nil {
		return userID, err
	}
	acc := &directory.Account{
		ID:                    clean(user.GetId(), 64),
		UPN:                   clean(user.GetUserPrincipalName(), logtext.MaxName),
		DisplayName:           clean(user.GetDisplayName(), logtext.MaxName),
		AccountEnabled:        user.GetAccountEnabled(),
		UserType:              clean(user.GetUserType(), 32),
		OnPremisesSyncEnabled: user.GetOnPremisesSyncEnabled(),
	}
	if t := user.GetCreatedDateTime(); t != nil {
		acc.Created = t.UTC()
	}
	if t := user.GetLastPasswordChangeDateTime(); t != nil {
		acc.LastPasswordChange = t.UTC()
	}
	d.out.Account = acc
	d.read("account state")
	if graphfilter.IsGUID(acc.ID) {
		userID = strings.ToLower(acc.ID)
	}
	return userID, nil
}

// readRegistration reads the user's MFA registration into the account.
func (d *dirReader) readRegistration(ctx context.Context, userID string) error {
	var reg models.UserRegistrationDetailsable
	ok, err := d.send(ctx, "the MFA registration", permAudits,
		"the user's MFA registration is not in the authentication methods report (a new user, or one the report has not reached yet)",
		func(ctx context.Context) (err error) {
			reg, err = d.s.client.Reports().AuthenticationMethods().UserRegistrationDetails().ByUserRegistrationDetailsId(userID).Get(ctx,
				&reports.AuthenticationMethodsUserRegistrationDetailsUserRegistrationDetailsItemRequestBuilderGetRequestConfiguration{})
			return err
		})
	if err != nil || !ok || reg == nil {
		return err
	}
	if d.out.Account == nil {
		d.out.Account = &directory.Account{ID: userID}
	}
	d.out.Account.IsMFARegistered = reg.GetIsMfaRegistered()
	d.out.Account.MethodsRegistered = []string{}
	for _, m := range reg.GetMethodsRegistered() {
		d.out.Account.MethodsRegistered = append(d.out.Account.MethodsRegistered, logtext.Clean(m, 64))
	}
	d.read("MFA registration")
	return nil
}

// readApp reads the app's credentials from its service principal and its
// registration, and returns their object IDs (the targets of its audit
// events): the Query's service principal ID when Graph did not say.
func (d *dirReader) readApp(ctx context.Context) (spID, appObjectID string, err error) {
	q := d.q
	if q.ServicePrincipalID != "" {
		if graphfilter.IsGUID(q.ServicePrincipalID) {
			spID = strings.ToLower(q.ServicePrincipalID)
		} else {
			d.note(fmt.Sprintf("the service principal %s was not read: its object ID is a GUID", logtext.Quote(q.ServicePrincipalID, 64)))
		}
	}
	if q.AppID == "" {
		return spID, "", nil
	}
	filter, ferr := graphfilter.BuildServicePrincipal(q.AppID)
	if ferr != nil {
		d.note("the app's credentials were not read: " + logtext.Clean(ferr.Error(), logtext.MaxName))
		return spID, "", nil
	}
	appID := strings.ToLower(q.AppID)
	var sps models.ServicePrincipalCollectionResponseable
	ok, err := d.send(ctx, "the service principal's credentials", permApplications, "",
		func(ctx context.Context) (err error) {
			sps, err = d.s.client.ServicePrincipals().Get(ctx, &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{
				QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{Filter: &filter, Select: credentialSelect},
			})
			return err
		})
	if err != nil {
		return "", "", err
	}
	if ok && sps != nil {
		found := false
		for _, sp := range sps.GetValue() {
			if !strings.EqualFold(deref(sp.GetAppId()), appID) {
				continue
			}
			found = true
			if id := deref(sp.GetId()); graphfilter.IsGUID(id) {
				spID = strings.ToLower(id)
			}
			d.credentials(sp.GetKeyCredentials(), sp.GetPasswordCredentials(), "servicePrincipal")
			break
		}
		if !found {
			d.note(fmt.Sprintf("no service principal has app ID %s in this tenant (the app was never consented to here, or was deleted)", appID))
		}
	}
	var app models.Applicationable
	ok, err = d.send(ctx, "the app registration's credentials", permApplications,
		fmt.Sprintf("app ID %s is not registered in this tenant (a multi-tenant or Microsoft app): only its service principal's credentials are visible here", appID),
		func(ctx context.Context) (err error) {
			app, err = d.s.client.ApplicationsWithAppId(&appID).Get(ctx, &applicationswithappid.ApplicationsWithAppIdRequestBuilderGetRequestConfiguration{
				QueryParameters: &applicationswithappid.ApplicationsWithAppIdRequestBuilderGetQueryParameters{Select: credentialSelect},
			})
			return err
		})
	if err != nil {
		return "", "", err
	}
	if ok && app != nil {
		if id := deref(app.GetId()); graphfilter.IsGUID(id) {
			appObjectID = strings.ToLower(id)
		}
		d.credentials(app.GetKeyCredentials(), app.GetPasswordCredentials(), "application")
	}
	return spID, appObjectID, nil
}

// credentials adds an app's certificates and secrets: key ID, name, dates;
// never a key or a secret.
func (d *dirReader) credentials(keys []models.KeyCredentialable, passwords []models.PasswordCredentialable, on string) {
	if d.out.Credentials == nil {
		d.out.Credentials = []directory.Credential{}
	}
	d.read("app credentials")
	for _, k := range keys {
		c := directory.Credential{DisplayName: clean(k.GetDisplayName(), logtext.MaxName), Type: "certificate", On: on}
		if id := k.GetKeyId(); id != nil {
			c.KeyID = id.String()
		}
		c.Start, c.End = utc(k.GetStartDateTime()), utc(k.GetEndDateTime())
		d.out.Credentials = append(d.out.Credentials, c)
	}
	for _, p := range passwords {
		c := directory.Credential{DisplayName: clean(p.GetDisplayName(), logtext.MaxName), Type: "password", On: on}
		if id := p.GetKeyId(); id != nil {
			c.KeyID = id.String()
		}
		c.Start, c.End = utc(p.GetStartDateTime()), utc(p.GetEndDateTime())
		d.out.Credentials = append(d.out.Credentials, c)
	}
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// readAudits reads the next page of st's audit events, newest first.
func (d *dirReader) readAudits(ctx context.Context, st *auditStream) error {
	what := "audit events on " + st.what
	if (st.started && st.next == "") || d.auditsDenied {
		return nil
	}
	var req *auditlogs.DirectoryAuditsRequestBuilder
	var cfg *auditlogs.DirectoryAuditsRequestBuilderGetRequestConfiguration
	if st.started {
		// Follow nextLink as Graph wrote it, only on our own Graph host.
		if !strings.HasPrefix(st.next, d.s.cfg.GraphURL+"/") {
			d.note(fmt.Sprintf("%s: Graph returned a nextLink outside %s; not followed", what, d.s.cfg.GraphURL))
			st.next = ""
			return nil
		}
		req = d.s.client.AuditLogs().DirectoryAudits().WithUrl(st.next)
	} else {
		filter, err := graphfilter.BuildAudits(st.id, d.q.Since, d.q.Until)
		if err != nil {
			d.note(what + " were not read: " + logtext.Clean(err.Error(), logtext.MaxName))
			st.started = true
			return nil
		}
		top := int32(auditPageSize)
		req = d.s.client.AuditLogs().DirectoryAudits()
		cfg = &auditlogs.DirectoryAuditsRequestBuilderGetRequestConfiguration{
			QueryParameters: &auditlogs.DirectoryAuditsRequestBuilderGetQueryParameters{
				Filter: &filter, Top: &top, Orderby: []string{"activityDateTime desc"},
			},
		}
	}
	var page models.DirectoryAuditCollectionResponseable
	before := d.requests
	ok, err := d.send(ctx, what, permAudits, "", func(ctx context.Context) (err error) {
		page, err = req.Get(ctx, cfg)
		return err
	})
	if err != nil || !ok {
		if !ok && d.requests > before {
			st.started, st.next = true, "" // sent and failed: not retried
		}
		if !ok && d.lastStatus == http.StatusForbidden {
			d.auditsDenied = true
		}
		return err
	}
	st.started, st.next = true, ""
	if page == nil {
		return nil
	}
	st.next = deref(page.GetOdataNextLink())
	d.read("audit events")
	for _, a := range page.GetValue() {
		e := auditEvent(a)
		if st.oldest.IsZero() || e.At.Before(st.oldest) {
			st.oldest = e.At
		}
		if (!d.q.Since.IsZero() && e.At.Before(d.q.Since)) || (!d.q.Until.IsZero() && e.At.After(d.q.Until)) {
			continue
		}
		if e.ID != "" && slices.ContainsFunc(d.out.Events, func(x directory.Event) bool { return x.ID == e.ID }) {
			continue
		}
		d.out.Events = append(d.out.Events, e)
	}
	return nil
}

// auditEvent maps a directoryAudit, sanitized, secrets dropped.
func auditEvent(a models.DirectoryAuditable) directory.Event {
	e := directory.Event{
		ID:       clean(a.GetId(), 128),
		At:       utc(a.GetActivityDateTime()),
		Activity: clean(a.GetActivityDisplayName(), logtext.MaxName),
		Category: clean(a.GetCategory(), 64),
	}
	if r := a.GetResult(); r != nil {
		e.Result = r.String()
	}
	if by := a.GetInitiatedBy(); by != nil {
		if u := by.GetUser(); u != nil {
			e.InitiatedBy = cmp.Or(clean(u.GetUserPrincipalName(), logtext.MaxName), clean(u.GetDisplayName(), logtext.MaxName))
		}
		if app := by.GetApp(); e.InitiatedBy == "" && app != nil {
			e.InitiatedBy = cmp.Or(clean(app.GetDisplayName(), logtext.MaxName), clean(app.GetServicePrincipalName(), logtext.MaxName))
		}
	}
	for _, t := range a.GetTargetResources() {
		tr := directory.Target{
			ID:   clean(t.GetId(), 128),
			Type: clean(t.GetTypeEscaped(), 64),
			Name: cmp.Or(clean(t.GetUserPrincipalName(), logtext.MaxName), clean(t.GetDisplayName(), logtext.MaxName)),
		}
		for _, p := range t.GetModifiedProperties() {
			prop := directory.Property{Name: clean(p.GetDisplayName(), logtext.MaxName)}
			if !secretName.MatchString(prop.Name) {
				prop.Old, prop.New = clean(p.GetOldValue(), logtext.MaxDetail), clean(p.GetNewValue(), logtext.MaxDetail)
			}
			tr.Modified = append(tr.Modified, prop)
		}
		e.Targets = append(e.Targets, tr)
	}
	return e
}

// readPolicy reads one Conditional Access policy's definition.
func (d *dirReader) readPolicy(ctx context.Context, id string) error {
	var p models.ConditionalAccessPolicyable
	ok, err := d.send(ctx, "policy "+id, permPolicies,
		fmt.Sprintf("Conditional Access policy %s no longer exists (deleted after the failures?)", id),
		func(ctx context.Context) (err error) {
			p, err = d.s.client.Identity().ConditionalAccess().Policies().ByConditionalAccessPolicyId(id).Get(ctx, nil)
			return err
		})
	if err != nil || !ok || p == nil {
		return err
	}
	d.out.Policies = append(d.out.Policies, policyOf(p))
	d.read("policies")
	return nil
}

// policyOf maps a policy to an admin's words.
func policyOf(p models.ConditionalAccessPolicyable) directory.Policy {
	out := directory.Policy{
		ID:            clean(p.GetId(), 64),
		Name:          clean(p.GetDisplayName(), logtext.MaxName),
		Conditions:    []string{},
		GrantControls: []string{},
		Modified:      utc(p.GetModifiedDateTime()),
	}
	if s := p.GetState(); s != nil {
		out.State = s.String()
	}
	if c := p.GetConditions(); c != nil {
		out.Conditions = conditions(c)
	}
	if g := p.GetGrantControls(); g != nil {
		out.GrantOperator = clean(g.GetOperator(), 8)
		for _, c := range g.GetBuiltInControls() {
			out.GrantControls = append(out.GrantControls, c.String())
		}
		if s := g.GetAuthenticationStrength(); s != nil {
			out.GrantControls = append(out.GrantControls, "authentication strength: "+cmp.Or(clean(s.GetDisplayName(), logtext.MaxName), clean(s.GetId(), 64)))
		}
		if len(g.GetTermsOfUse()) > 0 {
			out.GrantControls = append(out.GrantControls, "terms of use")
		}
		for _, f := range g.GetCustomAuthenticationFactors() {
			out.GrantControls = append(out.GrantControls, "custom control: "+logtext.Clean(f, logtext.MaxName))
		}
	}
	return out
}

// conditions words a policy's conditions.
func conditions(c models.ConditionalAccessConditionSetable) []string {
	var out []string
	add := func(label, include, exclude string) {
		switch {
		case include == "" && exclude == "":
		case exclude == "":
			out = append(out, label+": "+include)
		default:
			out = append(out, label+": "+cmp.Or(include, "all")+" except "+exclude)
		}
	}
	if u := c.GetUsers(); u != nil {
		inc := idList(u.GetIncludeUsers(), "users", map[string]string{"All": "All users", "None": "no users", "GuestsOrExternalUsers": "guests and external users"})
		inc = joinNonEmpty(inc, idList(u.GetIncludeGroups(), "groups", nil), idList(u.GetIncludeRoles(), "roles", nil))
		if u.GetIncludeGuestsOrExternalUsers() != nil {
			inc = joinNonEmpty(inc, "guests and external users")
		}
		exc := joinNonEmpty(idList(u.GetExcludeUsers(), "users", map[string]string{"GuestsOrExternalUsers": "guests and external users"}), idList(u.GetExcludeGroups(), "groups", nil), idList(u.GetExcludeRoles(), "roles", nil))
		if u.GetExcludeGuestsOrExternalUsers() != nil {
			exc = joinNonEmpty(exc, "guests and external users")
		}
		add("users", inc, exc)
	}
	if a := c.GetApplications(); a != nil {
		apps := map[string]string{"All": "All apps", "None": "no apps", "Office365": "Office 365", "MicrosoftAdminPortals": "Microsoft admin portals"}
		inc := joinNonEmpty(idList(a.GetIncludeApplications(), "apps", apps), words(a.GetIncludeUserActions()), idList(a.GetIncludeAuthenticationContextClassReferences(), "authentication contexts", nil))
		add("apps", inc, idList(a.GetExcludeApplications(), "apps", apps))
	}
	var clientApps []string
	for _, t := range c.GetClientAppTypes() {
		clientApps = append(clientApps, t.String())
	}
	add("client apps", strings.Join(clientApps, ", "), "")
	if p := c.GetPlatforms(); p != nil {
		var inc, exc []string
		for _, x := range p.GetIncludePlatforms() {
			inc = append(inc, x.String())
		}
		for _, x := range p.GetExcludePlatforms() {
			exc = append(exc, x.String())
		}
		add("platforms", strings.Join(inc, ", "), strings.Join(exc, ", "))
	}
	if l := c.GetLocations(); l != nil {
		locs := map[string]string{"All": "all locations", "AllTrusted": "trusted locations"}
		add("locations", idList(l.GetIncludeLocations(), "named locations", locs), idList(l.GetExcludeLocations(), "named locations", locs))
	}
	risks := func(label string, levels []models.RiskLevel) {
		var ls []string
		for _, l := range levels {
			ls = append(ls, l.String())
		}
		add(label, strings.Join(ls, ", "), "")
	}
	risks("sign-in risk", c.GetSignInRiskLevels())
	risks("user risk", c.GetUserRiskLevels())
	return out
}

// idList words a list of IDs with keywords: the keywords by name, the IDs
// counted ("2 groups"), since an ID means nothing to an admin reading it.
func idList(list []string, noun string, keywords map[string]string) string {
	var named []string
	n := 0
	for _, s := range list {
		if w, ok := keywords[s]; ok {
			named = append(named, w)
			continue
		}
		if s != "" {
			n++
		}
	}
	if n > 0 {
		named = append(named, plural.Count(n, strings.TrimSuffix(noun, "s"), noun))
	}
	return strings.Join(named, ", ")
}

// words cleans and joins free-form values.
func words(list []string) string {
	var out []string
	for _, s := range list {
		out = append(out, logtext.Clean(s, 64))
	}
	return strings.Join(out, ", ")
}

func joinNonEmpty(parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), ", ")
}
