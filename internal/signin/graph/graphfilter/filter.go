// Package graphfilter builds the OData $filter that Microsoft Graph's
// /auditLogs/signIns evaluates for a signin.Query. It imports no Graph SDK,
// so it builds and is fuzzed fast. Every string that reaches a filter is
// validated and quoted here; nothing the model sends can change the
// filter's structure.
package graphfilter

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/guid"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// IsGUID reports whether s is a GUID such as an object or app ID.
func IsGUID(s string) bool { return guid.Valid(s) }

// Quote renders s as an OData string literal: single quotes around it, and
// each quote inside doubled.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// MaxValueLength bounds any string value put in a filter.
const MaxValueLength = 256

// checkValue refuses values that could not be a real user, app, IP or
// correlation ID: control characters, and overlong text.
func checkValue(field, v string) error {
	if len(v) > MaxValueLength {
		return fmt.Errorf("%s is longer than %d characters", field, MaxValueLength)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("%s contains a control character; give the plain value", field)
		}
	}
	return nil
}

// Build returns the $filter for q over one sign-in type. eventTypeFilter adds
// the beta lambda that selects the type (v1.0 lists interactive sign-ins only
// and has no signInEventTypes). Failures only: status/errorCode ne 0, unless
// q names a code. The window's end is inclusive at Graph (only ge/le are
// supported on createdDateTime); the exact exclusive end is applied after.
func Build(q signin.Query, t signin.Type, eventTypeFilter bool) (string, error) {
	status := "status/errorCode ne 0"
	if q.ErrorCode != nil {
		status = "status/errorCode eq " + strconv.Itoa(*q.ErrorCode)
	}
	return build(q, status, t, eventTypeFilter)
}

// BuildFailuresLeavingOut is Build for failures without the codes of
// leaveOut (0 and repeats ignored; in ascending order, so that the same
// codes give the same filter): a tenant triage leaves the interrupts out
// server-side (signin.Collect.LeaveOut), so that a page of MFA prompts
// does not spend a request of its budget. A code q names overrides it.
func BuildFailuresLeavingOut(q signin.Query, leaveOut []int, t signin.Type, eventTypeFilter bool) (string, error) {
	if q.ErrorCode != nil {
		return Build(q, t, eventTypeFilter)
	}
	codes := slices.Clone(leaveOut)
	slices.Sort(codes)
	codes = slices.Compact(codes)
	status := []string{"status/errorCode ne 0"}
	for _, c := range codes {
		if c != 0 {
			status = append(status, "status/errorCode ne "+strconv.Itoa(c))
		}
	}
	return build(q, strings.Join(status, " and "), t, eventTypeFilter)
}

// BuildWindow returns the $filter for every sign-in of q's subject (user,
// app, IP, correlation ID; none for the tenant) in q's window, failures and
// successes alike: what a diagnosis reads of its subject, and of the other
// sign-ins from one IP. q's error code is ignored.
func BuildWindow(q signin.Query, t signin.Type, eventTypeFilter bool) (string, error) {
	return build(q, "", t, eventTypeFilter)
}

// BuildWindowSuccesses is BuildWindow for successes only: a tenant triage
// reads the successes from the IPs where many users failed (a spray that
// got in).
func BuildWindowSuccesses(q signin.Query, t signin.Type, eventTypeFilter bool) (string, error) {
	return build(q, "status/errorCode eq 0", t, eventTypeFilter)
}

// BuildLastSuccess returns the $filter for the successes of q's user or app
// strictly before q.Since (to the 100 ns Graph keeps), to be read newest
// first with $top=1: the subject's last success before a diagnosis window,
// as far back as Graph keeps sign-ins. ok is false when q names no user or
// app.
func BuildLastSuccess(q signin.Query, t signin.Type, eventTypeFilter bool) (filter string, ok bool, err error) {
	if q.User == "" && q.App == "" {
		return "", false, nil
	}
	parts, err := subject(q, t, eventTypeFilter)
	if err != nil {
		return "", false, err
	}
	parts = append(parts, "status/errorCode eq 0", "createdDateTime lt "+TimeExact(q.Since))
	return finish(parts, time.Time{}, time.Time{}, t, eventTypeFilter), true, nil
}

// build is q's subject, the status clause (none when ""), q's IP and
// correlation ID, the window and the type.
func build(q signin.Query, status string, t signin.Type, eventTypeFilter bool) (string, error) {
	parts, err := subject(q, t, eventTypeFilter)
	if err != nil {
		return "", err
	}
	if status != "" {
		parts = append(parts, status)
	}
	if q.IPAddress != "" {
		if err := checkValue("ipAddress", q.IPAddress); err != nil {
			return "", err
		}
		parts = append(parts, "ipAddress eq "+Quote(q.IPAddress))
	}
	if q.CorrelationID != "" {
		if err := checkValue("correlationId", q.CorrelationID); err != nil {
			return "", err
		}
		parts = append(parts, "correlationId eq "+Quote(strings.ToLower(q.CorrelationID)))
	}
	return finish(parts, q.Since, q.Until, t, eventTypeFilter), nil
}

// BuildSuccesses returns the $filter for the successes that decide what came
// after q's failures (signin.FollowUp): the same user and app, successes
// only, over the window extended by signin.InterruptCompletionWindow. It
// leaves out q's IP, code and correlation filters on purpose: a retry from
// another address or in another flow is exactly what it looks for.
func BuildSuccesses(q signin.Query, t signin.Type, eventTypeFilter bool) (string, error) {
	parts, err := subject(q, t, eventTypeFilter)
	if err != nil {
		return "", err
	}
	parts = append(parts, "status/errorCode eq 0")
	until := q.Until
	if !until.IsZero() {
		until = until.Add(signin.InterruptCompletionWindow)
	}
	return finish(parts, q.Since, until, t, eventTypeFilter), nil
}

// BuildNextSuccess returns the $filter for the first success after the
// failed sign-in f for its user and app, or for a workload its service
// principal and resource (signin.FollowUp's key: by resourceId when f logs
// one, else by resourceDisplayName, else any resource), to be read with
// $orderby=createdDateTime asc and $top=1. ok is false when f names no
// subject to look for.
func BuildNextSuccess(f *signin.SignIn, eventTypeFilter bool) (filter string, ok bool, err error) {
	var parts []string
	eq := func(field, v string) error {
		if err := checkValue(field, v); err != nil {
			return err
		}
		parts = append(parts, field+" eq "+Quote(v))
		return nil
	}
	switch {
	case f.Workload() && f.ServicePrincipal.ID != "" && eventTypeFilter:
		err = eq("servicePrincipalId", strings.ToLower(f.ServicePrincipal.ID))
	case f.Workload() && f.App.ID != "":
		err = eq("appId", strings.ToLower(f.App.ID))
	case f.Workload():
		return "", false, nil
	default:
		switch {
		case f.User.ID != "":
			err = eq("userId", strings.ToLower(f.User.ID))
		case f.User.UPN != "":
			err = eq("userPrincipalName", strings.ToLower(f.User.UPN))
		default:
			return "", false, nil
		}
		if err == nil {
			switch {
			case f.App.ID != "":
				err = eq("appId", strings.ToLower(f.App.ID))
			case f.App.Name != "":
				err = eq("appDisplayName", f.App.Name)
			default:
				return "", false, nil
			}
		}
	}
	if err == nil && f.Workload() {
		switch {
		case f.Resource.ID != "" && IsGUID(f.Resource.ID):
			err = eq("resourceId", strings.ToLower(f.Resource.ID))
		case f.Resource.ID != "":
			err = eq("resourceId", f.Resource.ID)
		case f.Resource.Name != "":
			err = eq("resourceDisplayName", f.Resource.Name)
		}
	}
	if err != nil {
		return "", false, err
	}
	parts = append(parts, "status/errorCode eq 0", "createdDateTime ge "+TimeExact(f.CreatedAt))
	return finish(parts, time.Time{}, time.Time{}, f.Type, eventTypeFilter), true, nil
}

// subject is the user and app clauses of q for type t. An app given by a
// GUID may be a service principal's object ID, which signin.MatchApp
// accepts: for a workload type on beta (the only version with
// servicePrincipalId), either ID selects it.
func subject(q signin.Query, t signin.Type, eventTypeFilter bool) ([]string, error) {
	var parts []string
	if q.User != "" {
		if err := checkValue("user", q.User); err != nil {
			return nil, err
		}
		if IsGUID(q.User) {
			parts = append(parts, "userId eq "+Quote(strings.ToLower(q.User)))
		} else if guest := signin.GuestPrefix(q.User); guest != "" {
			// Graph stores UPNs in lower case. An email address may be a
			// guest's home address: their UPN here starts with it, mangled
			// (signin.MatchUser).
			parts = append(parts, "(userPrincipalName eq "+Quote(strings.ToLower(q.User))+
				" or startswith(userPrincipalName, "+Quote(guest)+"))")
		} else {
			parts = append(parts, "userPrincipalName eq "+Quote(strings.ToLower(q.User)))
		}
	}
	if q.App != "" {
		if err := checkValue("app", q.App); err != nil {
			return nil, err
		}
		switch {
		case IsGUID(q.App) && eventTypeFilter && (t == signin.ServicePrincipal || t == signin.ManagedIdentity):
			id := Quote(strings.ToLower(q.App))
			parts = append(parts, "(appId eq "+id+" or servicePrincipalId eq "+id+")")
		case IsGUID(q.App):
			parts = append(parts, "appId eq "+Quote(strings.ToLower(q.App)))
		default:
			parts = append(parts, "appDisplayName eq "+Quote(q.App))
		}
	}
	return parts, nil
}

// finish adds the window and the type clauses and joins the filter.
func finish(parts []string, since, until time.Time, t signin.Type, eventTypeFilter bool) string {
	if !since.IsZero() {
		parts = append(parts, "createdDateTime ge "+Time(since))
	}
	if !until.IsZero() {
		parts = append(parts, "createdDateTime le "+Time(until))
	}
	if eventTypeFilter {
		parts = append(parts, fmt.Sprintf("signInEventTypes/any(t: t eq %s)", Quote(t.EventType())))
	}
	return strings.Join(parts, " and ")
}

// TimeExact renders a filter datetime literal to the 100 ns Graph keeps
// (seven fraction digits at most, trailing zeros dropped), for a bound that
// must not let in an earlier record of the same second.
func TimeExact(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.9999999Z") }

// Time renders a filter datetime literal (unquoted, UTC, seconds).
func Time(t time.Time) string { return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z") }

// BuildAudits returns the $filter of the directory audit events that
// touched the object id (a user, service principal, application or
// Conditional Access policy: always a GUID, and refused otherwise) in
// [since, until], either bound zero for none. Graph compares
// activityDateTime to the second here, so until is rounded up to the next
// whole second; the exact window is applied after.
func BuildAudits(id string, since, until time.Time) (string, error) {
	if !IsGUID(id) {
		return "", fmt.Errorf("%q is not an object ID (a GUID such as 0000aaaa-11bb-cccc-dd22-eeeeee333333)", id)
	}
	var parts []string
	if !since.IsZero() {
		parts = append(parts, "activityDateTime ge "+Time(since))
	}
	if !until.IsZero() {
		parts = append(parts, "activityDateTime le "+Time(until.Add(time.Second-time.Nanosecond)))
	}
	parts = append(parts, "targetResources/any(t: t/id eq "+Quote(strings.ToLower(id))+")")
	return strings.Join(parts, " and "), nil
}

// BuildServicePrincipal returns the $filter of an app's service principal
// in this tenant: appId eq its app ID (a GUID, refused otherwise).
func BuildServicePrincipal(appID string) (string, error) {
	if !IsGUID(appID) {
		return "", fmt.Errorf("%q is not an app ID (a GUID such as 0000aaaa-11bb-cccc-dd22-eeeeee333333)", appID)
	}
	return "appId eq " + Quote(strings.ToLower(appID)), nil
}
