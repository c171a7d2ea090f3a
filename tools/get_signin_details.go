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

// NamedID is an object named by display name and ID.
type NamedID struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// UserOut is the signing-in user.
type UserOut struct {
	ID          string `json:"id,omitempty"`
	UPN         string `json:"upn,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Type        string `json:"type,omitempty" jsonschema_description:"member or guest."`
}

// StatusOut is what Entra logged as the outcome.
type StatusOut struct {
	ErrorCode         int    `json:"errorCode"`
	FailureReason     string `json:"failureReason,omitempty"`
	AdditionalDetails string `json:"additionalDetails,omitempty" jsonschema_description:"Often more specific than the code: read it."`
}

// RiskOut is Identity Protection's view.
type RiskOut struct {
	LevelDuringSignIn string   `json:"levelDuringSignIn,omitempty"`
	LevelAggregated   string   `json:"levelAggregated,omitempty"`
	State             string   `json:"state,omitempty"`
	Detail            string   `json:"detail,omitempty"`
	EventTypes        []string `json:"eventTypes,omitempty"`
}

// SignInOut is the sign-in itself.
type SignInOut struct {
	ID                        string    `json:"id"`
	CreatedDateTime           string    `json:"createdDateTime"`
	SignInType                string    `json:"signInType"`
	User                      UserOut   `json:"user"`
	App                       NamedID   `json:"app"`
	Resource                  NamedID   `json:"resource"`
	ServicePrincipal          *NamedID  `json:"servicePrincipal,omitempty"`
	ClientApp                 string    `json:"clientApp,omitempty"`
	UserAgent                 string    `json:"userAgent,omitempty"`
	IPAddress                 string    `json:"ipAddress,omitempty"`
	Location                  string    `json:"location,omitempty"`
	Status                    StatusOut `json:"status"`
	ConditionalAccessStatus   string    `json:"conditionalAccessStatus,omitempty"`
	AuthenticationRequirement string    `json:"authenticationRequirement,omitempty"`
	Risk                      *RiskOut  `json:"risk,omitempty"`
}

// ExplanationOut is the catalog's explanation of the sign-in's code.
type ExplanationOut struct {
	Code        int                 `json:"code"`
	Known       bool                `json:"known"`
	Title       string              `json:"title"`
	Summary     string              `json:"summary"`
	Outcome     string              `json:"outcome"`
	WhoFixes    string              `json:"whoFixes"`
	Causes      []string            `json:"causes"`
	Remediation catalog.Remediation `json:"remediation"`
	LookupURL   string              `json:"lookupUrl"`
}

// PolicyOut is one Conditional Access policy that applied.
type PolicyOut struct {
	ID                     string   `json:"id,omitempty"`
	Name                   string   `json:"name"`
	Result                 string   `json:"result"`
	GrantControls          []string `json:"grantControls"`
	SessionControls        []string `json:"sessionControls"`
	ConditionsNotSatisfied string   `json:"conditionsNotSatisfied,omitempty"`
}

// DeviceOut is the device the sign-in came from.
type DeviceOut struct {
	ID              string `json:"id,omitempty"`
	Name            string `json:"name,omitempty"`
	OperatingSystem string `json:"operatingSystem,omitempty"`
	Browser         string `json:"browser,omitempty"`
	IsCompliant     *bool  `json:"isCompliant,omitempty"`
	IsManaged       *bool  `json:"isManaged,omitempty"`
	TrustType       string `json:"trustType,omitempty"`
}

// AuthStepOut is one authentication step.
type AuthStepOut struct {
	At           string `json:"at,omitempty"`
	Method       string `json:"method"`
	Succeeded    bool   `json:"succeeded"`
	ResultDetail string `json:"resultDetail,omitempty"`
}

// RelatedOut is another sign-in of the same correlation ID.
type RelatedOut struct {
	ID              string `json:"id"`
	CreatedDateTime string `json:"createdDateTime"`
	ErrorCode       int    `json:"errorCode"`
	Outcome         string `json:"outcome"`
	App             string `json:"app,omitempty"`
}

// SupportIdentifiers are what Microsoft support and a help desk ask for.
type SupportIdentifiers struct {
	RequestID     string `json:"requestId"`
	CorrelationID string `json:"correlationId"`
	Timestamp     string `json:"timestamp" jsonschema_description:"UTC, RFC 3339."`
	TenantID      string `json:"tenantId"`
	UserID        string `json:"userId"`
	AppID         string `json:"appId"`
	ErrorCode     int    `json:"errorCode"`
}

// GetSigninDetailsResult is the structured output of get_signin_details.
type GetSigninDetailsResult struct {
	SignIn                      SignInOut          `json:"signIn"`
	Explanation                 ExplanationOut     `json:"explanation"`
	ConditionalAccess           []PolicyOut        `json:"conditionalAccess" jsonschema_description:"Policies that applied (success, failure, report-only results); not-applied ones are only counted."`
	ConditionalAccessNotApplied int                `json:"conditionalAccessNotApplied"`
	Device                      DeviceOut          `json:"device"`
	AuthenticationSteps         []AuthStepOut      `json:"authenticationSteps"`
	Related                     []RelatedOut       `json:"related" jsonschema_description:"Other sign-ins with the same correlation ID, oldest first."`
	SupportIdentifiers          SupportIdentifiers `json:"supportIdentifiers"`
	Truncated                   bool               `json:"truncated" jsonschema_description:"True when lists were shortened to keep the answer small; notes say which."`
	Notes                       []string           `json:"notes"`
}

const detailsDescription = `Open one Microsoft Entra ID sign-in in full: status with failure reason and additional details, the catalog's explanation of its error code (cause, who fixes it, remediation), the Conditional Access policies that applied with their result and grant controls, device, location, authentication steps, the other sign-ins of the same correlation ID, and supportIdentifiers (request ID, correlation ID, timestamp, tenant ID, user ID) for an escalation.

Give id (from search_failed_signins) or correlationId (the last failure of that flow is opened). Read additionalDetails and the Conditional Access results before concluding; if the related sign-ins end in a success, the failure was resolved. Use explain_error_code for other codes you meet.`

// GetSigninDetails returns the get_signin_details tool over src.
func GetSigninDetails(src signin.Source, cat *catalog.Catalog) server.ServerTool {
	tool := newTool(GetSigninDetailsName, "Open one Entra sign-in", detailsDescription,
		&GetSigninDetailsArgs{}, &GetSigninDetailsResult{}, true)
	return server.ServerTool{Tool: tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args GetSigninDetailsArgs
		if err := bindArgs(req, &args, detailsAccepted); err != nil {
			return toolError("%v", err), nil
		}
		res, err := Details(ctx, src, cat, args.ID, args.CorrelationID)
		if err != nil {
			if errors.Is(err, errArgs) || errors.Is(err, signin.ErrNotFound) {
				return toolError("%v", err), nil
			}
			return sourceError(src, "read a sign-in from", err), nil
		}
		fitDetails(&res, detailsSummary(res))
		return mcp.NewToolResultStructured(res, detailsSummary(res)), nil
	}}
}

// Details looks a sign-in up by ID or correlation ID and builds its full
// answer (before any trimming to the budget). The draft_escalation prompt
// uses it too.
func Details(ctx context.Context, src signin.Source, cat *catalog.Catalog, id, correlationID string) (GetSigninDetailsResult, error) {
	s, related, err := lookupSignIn(ctx, src, id, correlationID, Classifier(cat))
	if err != nil {
		return GetSigninDetailsResult{}, err
	}
	return buildDetails(s, related, cat), nil
}

const detailsAccepted = "id (the sign-in's request ID) or correlationId, exactly one"

var errArgs = errors.New("bad arguments")

// lookupSignIn finds the sign-in by ID or correlation ID, and the other
// sign-ins of its flow.
func lookupSignIn(ctx context.Context, src signin.Source, id, corr string, classify signin.Classifier) (signin.SignIn, []signin.SignIn, error) {
	id, corr = strings.TrimSpace(id), strings.TrimSpace(corr)
	switch {
	case id == "" && corr == "":
		return signin.SignIn{}, nil, fmt.Errorf("%w: give %s", errArgs, detailsAccepted)
	case id != "" && corr != "":
		return signin.SignIn{}, nil, fmt.Errorf("%w: both id and correlationId were given; give %s", errArgs, detailsAccepted)
	case len(id) > 256 || len(corr) > 256:
		return signin.SignIn{}, nil, fmt.Errorf("%w: the identifier is longer than 256 characters; give %s", errArgs, detailsAccepted)
	}
	var s signin.SignIn
	if id != "" {
		var err error
		if s, err = src.Get(ctx, id); err != nil {
			if errors.Is(err, signin.ErrNotFound) {
				err = fmt.Errorf("%w; give an id that search_failed_signins returned, or the correlationId instead", err)
			}
			return s, nil, err
		}
		corr = s.CorrelationID
	}
	flow := []signin.SignIn{}
	if corr != "" {
		var err error
		if flow, err = src.Correlated(ctx, corr); err != nil {
			return s, nil, err
		}
	}
	if id == "" {
		if len(flow) == 0 {
			return s, nil, fmt.Errorf("%w: no sign-in with correlation ID %q in the %s source; check the ID, widen the source's window, or allow up to 2 hours for new sign-ins to appear", signin.ErrNotFound, corr, src.Name())
		}
		// The last failure of the flow tells what finally went wrong.
		s = flow[len(flow)-1]
		for i := len(flow) - 1; i >= 0; i-- {
			if flow[i].Failed() && classify(flow[i].Status.ErrorCode) != signin.OutcomeInterrupt {
				s = flow[i]
				break
			}
		}
	}
	related := make([]signin.SignIn, 0, len(flow))
	for _, r := range flow {
		if !strings.EqualFold(r.ID, s.ID) {
			related = append(related, r)
		}
	}
	return s, related, nil
}

func buildDetails(s signin.SignIn, related []signin.SignIn, cat *catalog.Catalog) GetSigninDetailsResult {
	x := cat.Explain(s.Status.ErrorCode)
	res := GetSigninDetailsResult{
		SignIn: SignInOut{
			ID: s.ID, CreatedDateTime: s.CreatedAt.UTC().Format(rfc3339), SignInType: string(s.Type),
			User:      UserOut{ID: s.User.ID, UPN: s.User.UPN, DisplayName: s.User.DisplayName, Type: s.User.Type},
			App:       NamedID{ID: s.App.ID, Name: s.App.Name},
			Resource:  NamedID{ID: s.Resource.ID, Name: s.Resource.Name},
			ClientApp: s.ClientApp, UserAgent: clipText(s.UserAgent, 200), IPAddress: s.IPAddress, Location: s.Location.String(),
			Status:                    StatusOut{ErrorCode: s.Status.ErrorCode, FailureReason: s.Status.FailureReason, AdditionalDetails: s.Status.AdditionalDetails},
			ConditionalAccessStatus:   s.ConditionalAccessStatus,
			AuthenticationRequirement: s.AuthRequirement,
		},
		Explanation: ExplanationOut{
			Code: x.Code, Known: x.Known, Title: x.Title, Summary: x.Summary, Outcome: string(x.Outcome),
			WhoFixes: x.WhoFixes, Causes: x.Causes, Remediation: x.Remediation, LookupURL: x.LookupURL,
		},
		ConditionalAccess:   []PolicyOut{},
		AuthenticationSteps: []AuthStepOut{},
		Related:             []RelatedOut{},
		Device: DeviceOut{ID: s.Device.ID, Name: s.Device.Name, OperatingSystem: s.Device.OperatingSystem, Browser: s.Device.Browser,
			IsCompliant: s.Device.IsCompliant, IsManaged: s.Device.IsManaged, TrustType: s.Device.TrustType},
		SupportIdentifiers: SupportIdentifiers{
			RequestID: s.ID, CorrelationID: s.CorrelationID, Timestamp: s.CreatedAt.UTC().Format(rfc3339),
			TenantID: s.TenantID, UserID: s.User.ID, AppID: s.App.ID, ErrorCode: s.Status.ErrorCode,
		},
		Notes: []string{},
	}
	if s.ServicePrincipal != (signin.App{}) {
		res.SignIn.ServicePrincipal = &NamedID{ID: s.ServicePrincipal.ID, Name: s.ServicePrincipal.Name}
		if res.SupportIdentifiers.AppID == "" {
			res.SupportIdentifiers.AppID = s.ServicePrincipal.ID
		}
	}
	if r := s.Risk; r.LevelDuringSignIn != "" || r.LevelAggregated != "" || r.State != "" || r.Detail != "" || len(r.EventTypes) > 0 {
		res.SignIn.Risk = &RiskOut{LevelDuringSignIn: r.LevelDuringSignIn, LevelAggregated: r.LevelAggregated, State: r.State, Detail: r.Detail, EventTypes: r.EventTypes}
	}
	for _, p := range s.Policies {
		switch p.Result {
		case "notApplied", "notEnabled", "reportOnlyNotApplied":
			res.ConditionalAccessNotApplied++
			continue
		}
		res.ConditionalAccess = append(res.ConditionalAccess, PolicyOut{ID: p.ID, Name: p.Name, Result: p.Result,
			GrantControls: nonNil(p.GrantControls), SessionControls: nonNil(p.SessionControls), ConditionsNotSatisfied: p.ConditionsNotSatisfied})
	}
	if len(s.Policies) == 0 && (s.ConditionalAccessStatus == "success" || s.ConditionalAccessStatus == "failure") {
		res.Notes = append(res.Notes, "Conditional Access applied ("+s.ConditionalAccessStatus+") but no policy detail was returned: with the Graph source, grant Policy.Read.ConditionalAccess to see which policy and which controls")
	}
	for _, st := range s.AuthDetails {
		a := AuthStepOut{Method: st.Method, Succeeded: st.Succeeded, ResultDetail: st.ResultDetail}
		if !st.At.IsZero() {
			a.At = st.At.UTC().Format(rfc3339)
		}
		res.AuthenticationSteps = append(res.AuthenticationSteps, a)
	}
	classify := Classifier(cat)
	for _, r := range related {
		res.Related = append(res.Related, RelatedOut{ID: r.ID, CreatedDateTime: r.CreatedAt.UTC().Format(rfc3339),
			ErrorCode: r.Status.ErrorCode, Outcome: string(classify(r.Status.ErrorCode)), App: r.AppName()})
	}
	return res
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
	trim := func(name string, n *int, cut func(keep int)) {
		dropped := 0
		for *n > 1 && detailsSize(res, text) > limit {
			*n--
			cut(*n)
			dropped++
		}
		if dropped > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("%d %s left out", dropped, name))
		}
	}
	n := len(res.Related)
	trim("related sign-ins (the oldest are kept)", &n, func(k int) { res.Related = res.Related[:k] })
	n = len(res.AuthenticationSteps)
	trim("authentication steps", &n, func(k int) { res.AuthenticationSteps = res.AuthenticationSteps[:k] })
	n = len(res.ConditionalAccess)
	trim("Conditional Access policies (failures and report-only failures are listed first)", &n, func(k int) {
		sortPolicies(res.ConditionalAccess)
		res.ConditionalAccess = res.ConditionalAccess[:k]
	})
	if detailsSize(res, text) > limit {
		res.Explanation.Causes = res.Explanation.Causes[:min(1, len(res.Explanation.Causes))]
		for _, l := range []*[]string{&res.Explanation.Remediation.Admin, &res.Explanation.Remediation.User, &res.Explanation.Remediation.Developer} {
			*l = (*l)[:min(1, len(*l))]
		}
		res.SignIn.UserAgent = clipText(res.SignIn.UserAgent, 60)
		res.Notes = append(res.Notes, "explanation shortened to one cause and one step per audience; explain_error_code has the rest")
	}
}

// sortPolicies puts failing policies first: they explain a block.
func sortPolicies(ps []PolicyOut) {
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
	slices.SortStableFunc(ps, func(a, b PolicyOut) int { return rank(a.Result) - rank(b.Result) })
}

func detailsSummary(res GetSigninDetailsResult) string {
	var b strings.Builder
	s := res.SignIn
	who := s.User.UPN
	if who == "" && s.ServicePrincipal != nil {
		who = "service principal " + s.ServicePrincipal.Name
	}
	app := s.App.Name
	if app == "" && s.ServicePrincipal != nil {
		app = s.ServicePrincipal.Name
	}
	fmt.Fprintf(&b, "%s: %s → %s, %s sign-in at %s UTC", strings.ToUpper(res.Explanation.Outcome[:1])+res.Explanation.Outcome[1:], orDash(who), orDash(app), s.SignInType, strings.Replace(strings.TrimSuffix(s.CreatedDateTime, "Z"), "T", " ", 1))
	if s.Status.ErrorCode != 0 {
		fmt.Fprintf(&b, ": %d %s (first to act: %s).", s.Status.ErrorCode, res.Explanation.Title, res.Explanation.WhoFixes)
	} else {
		b.WriteString(": success.")
	}
	if s.Status.AdditionalDetails != "" {
		fmt.Fprintf(&b, "\nAdditional details: %s", clipText(s.Status.AdditionalDetails, 200))
	}
	for _, p := range res.ConditionalAccess {
		if p.Result == "failure" {
			fmt.Fprintf(&b, "\nConditional Access policy %q failed (grant: %s).", p.Name, strings.Join(p.GrantControls, ", "))
		}
	}
	if n := len(res.Related); n > 0 {
		last := res.Related[n-1]
		fmt.Fprintf(&b, "\n%d other sign-ins share the correlation ID; the latest ended %s (%d).", n, last.Outcome, last.ErrorCode)
	}
	fmt.Fprintf(&b, "\nRequest ID %s · correlation ID %s · tenant %s.", s.ID, orDash(res.SupportIdentifiers.CorrelationID), orDash(res.SupportIdentifiers.TenantID))
	return b.String()
}
