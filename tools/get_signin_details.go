package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// GetSigninDetailsName is the tool's name; it is API and never changes.
const GetSigninDetailsName = "get_signin_details"

// DetailsBudget is the most a details answer may weigh (structured content
// and text, as compact JSON).
const DetailsBudget = 6 * 1024

// GetSigninDetailsArgs is the input of get_signin_details.
type GetSigninDetailsArgs struct {
	ID            string `json:"id,omitempty" jsonschema_description:"The sign-in's ID (request ID), from search_failed_signins."`
	CorrelationID string `json:"correlationId,omitempty" jsonschema_description:"A correlation ID instead of an ID: the last failure of that flow is opened (or its last sign-in when none failed)."`
}

// GetSigninDetailsResult is the structured output of get_signin_details: the
// domain's Details, as a type of this package so that its reflected schema
// (and its $id) stays the tool's own.
type GetSigninDetailsResult diagnosis.Details

const detailsDescription = `Open one Microsoft Entra ID sign-in in full: status with failure reason and additional details, the catalog's explanation of its error code (cause, who fixes it, remediation), the Conditional Access policies that applied with their result and grant controls, device, location, authentication steps, the other sign-ins of the same correlation ID, and supportIdentifiers (request ID, correlation ID, timestamp, tenant ID, user ID) for an escalation.

Give id (from search_failed_signins) or correlationId (the last failure of that flow is opened). Read additionalDetails and the Conditional Access results before concluding; if the related sign-ins end in a success, or nextSuccess names a later success for the same user and app, the failure was resolved or retried. Use explain_error_code for other codes you meet.`

// GetSigninDetails returns the get_signin_details tool over src.
func GetSigninDetails(src signin.Source, cat *catalog.Catalog) server.ServerTool {
	tool := newTool(GetSigninDetailsName, "Open one Entra sign-in", detailsDescription,
		&GetSigninDetailsArgs{}, &GetSigninDetailsResult{}, true)
	return server.ServerTool{Tool: tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args GetSigninDetailsArgs
		if err := bindArgs(req, &args, diagnosis.Accepted); err != nil {
			return toolError("%v", err), nil
		}
		d, err := diagnosis.OpenDetails(ctx, src, cat, args.ID, args.CorrelationID)
		if err != nil {
			if errors.Is(err, diagnosis.ErrArgs) || errors.Is(err, signin.ErrNotFound) {
				return toolError("%v", err), nil
			}
			return sourceError(src, "read a sign-in from", err), nil
		}
		res := GetSigninDetailsResult(d)
		// The summary is written before lists are trimmed, so that it tells
		// of the whole flow.
		text := detailsSummary(res)
		fitDetails(&res, text)
		return mcp.NewToolResultStructured(res, text), nil
	}}
}

func detailsSize(res *GetSigninDetailsResult, text string) int {
	b, _ := json.Marshal(mcp.NewToolResultStructured(res, text))
	return len(b)
}

// fitDetails shortens the longest lists until the answer fits DetailsBudget,
// saying what it shortened.
func fitDetails(res *GetSigninDetailsResult, text string) {
	limit := DetailsBudget - envelopeMargin
	if detailsSize(res, text) <= limit {
		return
	}
	res.Truncated = true
	trim := func(one, many string, n *int, cut func(keep int)) {
		dropped := 0
		for *n > 1 && detailsSize(res, text) > limit {
			*n--
			cut(*n)
			dropped++
		}
		if dropped > 0 {
			res.Notes = append(res.Notes, plural.Count(dropped, one, many)+" left out")
		}
	}
	n := len(res.Related)
	trim("related sign-in (the oldest are kept)", "related sign-ins (the oldest are kept)", &n, func(k int) { res.Related = res.Related[:k] })
	n = len(res.AuthenticationSteps)
	trim("authentication step", "authentication steps", &n, func(k int) { res.AuthenticationSteps = res.AuthenticationSteps[:k] })
	n = len(res.ConditionalAccess)
	trim("Conditional Access policy (failures and report-only failures are listed first)", "Conditional Access policies (failures and report-only failures are listed first)", &n, func(k int) {
		sortPolicies(res.ConditionalAccess)
		res.ConditionalAccess = res.ConditionalAccess[:k]
	})
	if detailsSize(res, text) > limit {
		res.Explanation.Causes = res.Explanation.Causes[:min(1, len(res.Explanation.Causes))]
		for _, l := range []*[]string{&res.Explanation.Remediation.Admin, &res.Explanation.Remediation.User, &res.Explanation.Remediation.Developer} {
			*l = (*l)[:min(1, len(*l))]
		}
		res.SignIn.UserAgent = logtext.Clip(res.SignIn.UserAgent, 60)
		res.Notes = append(res.Notes, "explanation shortened to one cause and one step per audience; explain_error_code has the rest")
	}
}

// sortPolicies puts failing policies first: they explain a block.
func sortPolicies(ps []diagnosis.PolicyOut) {
	rank := func(r string) int {
		switch r {
		case "failure":
			return 0
		case "reportOnlyFailure", "reportOnlyInterrupted":
			return 1
		case "success":
			return 2
		}
		return 3
	}
	slices.SortStableFunc(ps, func(a, b diagnosis.PolicyOut) int { return rank(a.Result) - rank(b.Result) })
}

func detailsSummary(res GetSigninDetailsResult) string {
	var b strings.Builder
	s := res.SignIn
	who := quoted(s.User.UPN)
	if s.User.UPN == "" && s.ServicePrincipal != nil {
		who = "service principal " + quoted(s.ServicePrincipal.Name)
	}
	app := s.App.Name
	if app == "" && s.ServicePrincipal != nil {
		app = s.ServicePrincipal.Name
	}
	fmt.Fprintf(&b, "%s: %s → %s, %s sign-in at %s UTC", strings.ToUpper(res.Explanation.Outcome[:1])+res.Explanation.Outcome[1:], who, quoted(app), s.SignInType, strings.Replace(strings.TrimSuffix(s.CreatedDateTime, "Z"), "T", " ", 1))
	if s.Status.ErrorCode != 0 {
		fmt.Fprintf(&b, ": %d %s (first to act: %s).", s.Status.ErrorCode, res.Explanation.Title, res.Explanation.WhoFixes)
		if why := res.Explanation.WhoFixesReason; why != "" {
			fmt.Fprintf(&b, "\nFirst to act is %s because %s.", res.Explanation.WhoFixes, why)
		}
	} else {
		b.WriteString(": success.")
	}
	if s.Status.AdditionalDetails != "" {
		fmt.Fprintf(&b, "\nAdditional details: %s", logtext.Quote(s.Status.AdditionalDetails, 200))
	}
	for _, p := range res.ConditionalAccess {
		if p.Result == "failure" {
			fmt.Fprintf(&b, "\nConditional Access policy %s failed (grant: %s).", quoted(p.Name), quotedList(p.GrantControls))
		}
	}
	d := diagnosis.Details(res)
	for _, line := range []string{d.FlowSentence(), d.NextSuccessSentence()} {
		if line != "" {
			b.WriteString("\n" + line)
		}
	}
	fmt.Fprintf(&b, "\nRequest ID %s · correlation ID %s · tenant %s.", quoted(s.ID), quoted(res.SupportIdentifiers.CorrelationID), quoted(res.SupportIdentifiers.TenantID))
	return b.String()
}
