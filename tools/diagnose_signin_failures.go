package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/guid"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// DiagnoseSigninFailuresName is the tool's name; it is API and never changes.
const DiagnoseSigninFailuresName = "diagnose_signin_failures"

// DiagnoseBudget is the most a diagnosis answer (structured content and
// text, as compact JSON) may weigh. Evidence, then the least important
// findings are trimmed to fit, and the answer says what was cut.
const DiagnoseBudget = 8 * 1024

// diagnoseWindow is the default window: the 48 hours the admin center's
// Sign-in diagnostic reads.
const diagnoseWindow = 48 * time.Hour

// DiagnoseSigninFailuresArgs is the input of diagnose_signin_failures.
type DiagnoseSigninFailuresArgs struct {
	User          string   `json:"user,omitempty" jsonschema_description:"Diagnose this user: a UPN (any case), a guest's home address, or an object ID."`
	App           string   `json:"app,omitempty" jsonschema_description:"Diagnose this application: its display name (any case) or app ID; for workload sign-ins the service principal's name or ID."`
	IPAddress     string   `json:"ipAddress,omitempty" jsonschema_description:"Diagnose what came from this IP address (a spray, a blocked IP)."`
	CorrelationID string   `json:"correlationId,omitempty" jsonschema_description:"Diagnose one sign-in flow: its correlation ID (a GUID)."`
	Since         string   `json:"since,omitempty" jsonschema_description:"Start of the window: RFC 3339 (2025-01-09T08:00:00Z), a date (2025-01-09), or a duration before now (90m, 24h, 7d, 2w). Default: 48 hours before now."`
	Until         string   `json:"until,omitempty" jsonschema_description:"End of the window, same forms as since. Default: now."`
	SignInTypes   []string `json:"signInTypes,omitempty" jsonschema:"uniqueItems=true" jsonschema_description:"Kinds of sign-in to read: interactive, nonInteractive, servicePrincipal, managedIdentity. Default: every type (Graph: interactive and nonInteractive for a user, servicePrincipal and managedIdentity for an app), stated in coverage.signInTypes."`
}

// DiagnoseCoverage says what a diagnosis read.
type DiagnoseCoverage struct {
	Source        string   `json:"source"`
	Since         string   `json:"since"`
	Until         string   `json:"until"`
	SignInTypes   []string `json:"signInTypes" jsonschema_description:"The sign-in types read."`
	Failures      int      `json:"failures" jsonschema_description:"Failed sign-ins read for the subject (interrupts included)."`
	Successes     int      `json:"successes" jsonschema_description:"Successful sign-ins read for the subject."`
	SameIP        int      `json:"sameIpSignIns,omitempty" jsonschema_description:"Other users' sign-ins read from the subject's IPs (for lockout and spray rules)."`
	Requests      int      `json:"requests,omitempty" jsonschema_description:"Requests made to a remote service (Graph, Log Analytics)."`
	RequestBudget int      `json:"requestBudget,omitempty" jsonschema_description:"The most requests one diagnosis may make on this source."`
	Truncated     bool     `json:"truncated" jsonschema_description:"True when the source stopped before reading everything, or the answer left findings or evidence out to stay small: notes say what."`
	Notes         []string `json:"notes"`
}

// DiagnoseSigninFailuresResult is the structured output of
// diagnose_signin_failures: the engine's diagnosis and what it read.
type DiagnoseSigninFailuresResult struct {
	diagnosis.Result
	Coverage DiagnoseCoverage `json:"coverage"`
}

const diagnoseDescription = `Name the root cause of Microsoft Entra ID sign-in failures across sign-ins, the way an identity engineer reads them: give one subject (user, app, ipAddress or correlationId) or none to triage the whole tenant, and a window (since/until; default the last 48 hours).

Returns a verdict (the sentence to say first), ranked findings (each a scenario id such as smart-lockout, password-spray, ca-blocked, refresh-token-revoked or app-secret-expired, with confidence, status ongoing or resolved, who fixes it, the evidence sign-in IDs, codes, IPs, devices and deciding policies, and next steps), notCauses (what the data rules out: a Conditional Access policy that was notApplied, an MFA prompt the user completed), lastSuccess (the most recent success before the failures) and whatChanged since it, changes (the directory audit events that explain it: a password reset, revoked sessions, a disabled account, a policy edit, a removed secret) and accountState.

Call it first when someone cannot sign in; then open the evidence's signInIds with get_signin_details and explain codes with explain_error_code. Interrupts followed by a success are never findings. coverage says which sign-in types and how many sign-ins were read.`

const diagnoseAccepted = "user, app, ipAddress or correlationId (at most one; none triages the tenant), since, until, signInTypes (interactive, nonInteractive, servicePrincipal, managedIdentity); all optional"

// DiagnoseSigninFailures returns the diagnose_signin_failures tool over src.
func DiagnoseSigninFailures(src signin.Source, cat *catalog.Catalog) server.ServerTool {
	tool := newTool(DiagnoseSigninFailuresName, "Diagnose Entra sign-in failures", diagnoseDescription,
		&DiagnoseSigninFailuresArgs{}, &DiagnoseSigninFailuresResult{}, true)
	return server.ServerTool{Tool: tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args DiagnoseSigninFailuresArgs
		if err := bindArgs(req, &args, diagnoseAccepted); err != nil {
			return toolError("%v", err), nil
		}
		now, err := src.Now(ctx)
		if err != nil {
			return sourceError(src, "read the clock of", err), nil
		}
		c, err := args.collect(now)
		if err != nil {
			return toolError("%v", err), nil
		}
		c.Progress = progressReporter(ctx, req)
		if c.SubjectKind() == "tenant" {
			c.LeaveOut = cat.InterruptCodes() // see signin.Collect.LeaveOut
		}
		rep, err := diagnosis.Run(ctx, src, c, cat)
		if err != nil {
			return sourceError(src, "diagnose from", err), nil
		}
		res := DiagnoseSigninFailuresResult{Result: rep.Result, Coverage: diagnoseCoverage(rep.Collection, c, rep.Result)}
		// The directory read shares the request budget and says what it
		// could not read.
		res.Coverage.Requests += rep.Directory.Requests
		res.Coverage.Notes = append(res.Coverage.Notes, rep.Directory.Notes...)
		text := fitDiagnosis(&res)
		return mcp.NewToolResultStructured(res, text), nil
	}}
}

// collect validates the arguments and builds the source's Collect.
func (a DiagnoseSigninFailuresArgs) collect(now time.Time) (signin.Collect, error) {
	c := signin.Collect{
		User: strings.TrimSpace(a.User), App: strings.TrimSpace(a.App),
		CorrelationID: strings.TrimSpace(a.CorrelationID),
	}
	for field, v := range map[string]string{"user": c.User, "app": c.App, "correlationId": c.CorrelationID} {
		if len(v) > 256 {
			return c, fmt.Errorf("%s is %d characters long; at most 256 are accepted", field, len(v))
		}
	}
	if c.CorrelationID != "" && !guid.Valid(c.CorrelationID) {
		return c, fmt.Errorf("correlationId %s is not a GUID; give the correlation ID of a sign-in, such as 5b8f7a4e-2c1d-4e8f-9a3b-1c2d3e4f5a6b", echo(c.CorrelationID))
	}
	if ip := strings.TrimSpace(a.IPAddress); ip != "" {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return c, fmt.Errorf("ipAddress %s is not an IP address; give one IPv4 or IPv6 address such as 203.0.113.7", echo(ip))
		}
		c.IPAddress = addr.String()
	}
	var given []string
	for _, f := range []struct{ name, v string }{{"user", c.User}, {"app", c.App}, {"ipAddress", c.IPAddress}, {"correlationId", c.CorrelationID}} {
		if f.v != "" {
			given = append(given, f.name)
		}
	}
	if len(given) > 1 {
		return c, fmt.Errorf("give one subject, not %s: a diagnosis is about one user, app, IP address or correlation ID (or none, to triage the tenant); narrow afterwards with search_failed_signins", strings.Join(given, " and "))
	}
	for _, t := range a.SignInTypes {
		typ, err := signin.ParseType(t)
		if err != nil {
			return c, fmt.Errorf("signInTypes: unknown sign-in type %s; give interactive, nonInteractive, servicePrincipal or managedIdentity", echo(t))
		}
		if !slices.Contains(c.Types, typ) {
			c.Types = append(c.Types, typ)
		}
	}
	var err error
	if c.Since, c.Until, err = parseWindowOf(a.Since, a.Until, now, diagnoseWindow); err != nil {
		return c, err
	}
	return c, nil
}

// diagnoseCoverage says what the source read for r.
func diagnoseCoverage(coll signin.Collection, c signin.Collect, r diagnosis.Result) DiagnoseCoverage {
	cv := coll.Coverage
	out := DiagnoseCoverage{
		Source: cv.Source, Since: c.Since.UTC().Format(rfc3339), Until: c.Until.UTC().Format(rfc3339),
		SignInTypes: typeNames(cv.Types), Failures: cv.Failures, Successes: cv.Successes, SameIP: cv.SameIP,
		Requests: cv.Requests, RequestBudget: cv.RequestBudget, Truncated: cv.Truncated,
		Notes: append([]string{}, cv.Notes...),
	}
	lookedBack := r.Subject.Kind == diagnosis.KindUser || r.Subject.Kind == diagnosis.KindApp
	if r.LastSuccess == nil && lookedBack && slices.ContainsFunc(r.Findings, func(f diagnosis.Finding) bool {
		return f.Scenario != diagnosis.ScenarioNoFailures
	}) {
		from := "the start of the window"
		if !coll.LastSuccessSearchedFrom.IsZero() {
			from = coll.LastSuccessSearchedFrom.UTC().Format(rfc3339)
		}
		out.Notes = append(out.Notes, fmt.Sprintf("lastSuccess is null: no success of the subject before its first failure was found, searched back to %s.", from))
	}
	return out
}

// diagnosisText is the text of a diagnosis: the verdict, then one line per
// finding.
func diagnosisText(r *DiagnoseSigninFailuresResult) string {
	var b strings.Builder
	b.WriteString(r.Verdict)
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "\n- %s [%s, %s confidence, fixes: %s]: %s", f.Scenario, f.Status, f.Confidence, f.WhoFixes, f.Title)
		if n := f.Evidence.Count; n > 0 {
			fmt.Fprintf(&b, " (%d sign-in(s)", n)
			if len(f.Evidence.SignInIDs) > 0 {
				fmt.Fprintf(&b, ", e.g. %s", logtext.Quote(f.Evidence.SignInIDs[0], logtext.MaxName))
			}
			b.WriteString(")")
		}
	}
	if r.Coverage.Truncated {
		b.WriteString("\nTruncated: see coverage.notes.")
	}
	return b.String()
}

// fitDiagnosis trims r until the structured content and its text fit in
// DiagnoseBudget, most telling parts last, and returns the text. Each cut is
// named in coverage.notes, and coverage.truncated is set.
func fitDiagnosis(r *DiagnoseSigninFailuresResult) string {
	size := func() int {
		b, _ := json.Marshal(r)
		t, _ := json.Marshal(diagnosisText(r))
		return len(b) + len(t) + envelopeMargin
	}
	if size() <= DiagnoseBudget {
		return diagnosisText(r)
	}
	cut := func(note string) {
		r.Coverage.Truncated = true
		r.Coverage.Notes = append(r.Coverage.Notes, note)
	}
	// 1. Evidence lists shrink to their first entries (they are ordered most
	// telling first); the count stays exact.
	for i := range r.Findings {
		shrinkEvidence(&r.Findings[i].Evidence, 3)
	}
	if size() <= DiagnoseBudget {
		cut("Evidence lists of each finding were shortened to 3 entries to fit the answer; counts are exact.")
		return diagnosisText(r)
	}
	for i := range r.Findings {
		shrinkEvidence(&r.Findings[i].Evidence, 1)
		f := &r.Findings[i]
		f.NextSteps = head(f.NextSteps, 2)
		f.Summary = logtext.Clip(f.Summary, 400)
	}
	note := "Evidence lists were shortened to 1 entry and next steps to 2 to fit the answer; counts are exact."
	// 2. Directory changes go before any finding, least relevant first: a
	// finding stands on the sign-ins, a change only adds to it.
	changes := 0
	for size()+len(note)+80 > DiagnoseBudget && len(r.Changes) > 0 {
		r.Changes = r.Changes[:len(r.Changes)-1]
		changes++
	}
	if changes > 0 {
		note += fmt.Sprintf(" %d less relevant directory change(s) were left out.", changes)
	}
	// 3. The least important findings go, last first, with a count.
	dropped := 0
	for size()+len(note)+80 > DiagnoseBudget && len(r.Findings) > 1 {
		r.Findings = r.Findings[:len(r.Findings)-1]
		dropped++
	}
	if dropped > 0 {
		note += fmt.Sprintf(" %d lower-ranked finding(s) were left out; diagnose a narrower subject or window to see them.", dropped)
	}
	for size()+len(note)+80 > DiagnoseBudget && len(r.NotCauses) > 0 {
		r.NotCauses = r.NotCauses[:len(r.NotCauses)-1]
	}
	cut(note)
	return diagnosisText(r)
}

// shrinkEvidence keeps at most n entries of each list of ev.
func shrinkEvidence(ev *diagnosis.Evidence, n int) {
	ev.SignInIDs = clipList(ev.SignInIDs, n)
	ev.Users = clipList(ev.Users, n)
	ev.Apps = clipList(ev.Apps, n)
	ev.IPAddresses = clipList(ev.IPAddresses, n)
	ev.Locations = clipList(ev.Locations, n)
	ev.ClientApps = clipList(ev.ClientApps, n)
	ev.Devices = clipList(ev.Devices, n)
	ev.Policies = clipList(ev.Policies, n)
	ev.AdditionalDetails = clipList(ev.AdditionalDetails, n)
	for i := range ev.AdditionalDetails {
		ev.AdditionalDetails[i] = logtext.Clip(ev.AdditionalDetails[i], 200)
	}
}

// clipList is s cut to n entries, keeping nil as nil (omitted in JSON).
func clipList[T any](s []T, n int) []T {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// progressReporter returns a function that sends notifications/progress for
// req when the client asked for progress (a progressToken), or nil. Progress
// only increases: a repeated or lower value is dropped, as the protocol
// requires.
func progressReporter(ctx context.Context, req mcp.CallToolRequest) func(done, total int, message string) {
	if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
		return nil
	}
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return nil
	}
	token := req.Params.Meta.ProgressToken
	last := -1
	return func(done, total int, message string) {
		if done <= last {
			return
		}
		last = done
		p := map[string]any{"progressToken": token, "progress": done}
		if total > 0 {
			p["total"] = total
		}
		if message != "" {
			p["message"] = logtext.Clip(message, 200)
		}
		// A lost notification is not an error of the diagnosis.
		_ = srv.SendNotificationToClient(ctx, "notifications/progress", p)
	}
}
