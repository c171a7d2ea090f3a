package diagnosis

import (
	"context"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

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
	Code           int                 `json:"code"`
	Known          bool                `json:"known"`
	Title          string              `json:"title"`
	Summary        string              `json:"summary"`
	Outcome        string              `json:"outcome"`
	WhoFixes       string              `json:"whoFixes" jsonschema_description:"Who acts first: the catalog's default for the code, unless this sign-in's evidence overrides it (whoFixesReason says why)."`
	WhoFixesReason string              `json:"whoFixesReason,omitempty" jsonschema_description:"Why whoFixes differs from the catalog's default for the code (MFA declined or fraud reported after a correct password, or high sign-in risk); absent when the default stands."`
	Causes         []string            `json:"causes"`
	Remediation    catalog.Remediation `json:"remediation"`
	LookupURL      string              `json:"lookupUrl"`
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

// Details is everything known about one sign-in: the sign-in, the catalog's
// explanation of its code, the Conditional Access policies that applied, the
// device, the authentication steps, the rest of its flow and the identifiers
// support asks for. It is the structured output of get_signin_details (whose
// schema is reflected from it: json and jsonschema tags are API) and what
// draft_escalation drafts from.
type Details struct {
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

// OpenDetails looks a sign-in up by ID or correlation ID (see Lookup) and
// builds its Details.
func OpenDetails(ctx context.Context, src signin.Source, cat *catalog.Catalog, id, correlationID string) (Details, error) {
	s, related, err := Lookup(ctx, src, id, correlationID, Classifier(cat))
	if err != nil {
		return Details{}, err
	}
	return BuildDetails(s, related, cat), nil
}

// BuildDetails builds the Details of s and the other sign-ins of its flow,
// whole: trimming it to an output budget is the caller's business.
func BuildDetails(s signin.SignIn, related []signin.SignIn, cat *catalog.Catalog) Details {
	x := cat.Explain(s.Status.ErrorCode)
	who, whyWho := WhoFixes(s.Exposure(), x.Entry)
	res := Details{
		SignIn: SignInOut{
			ID: s.ID, CreatedDateTime: s.CreatedAt.UTC().Format(time.RFC3339), SignInType: string(s.Type),
			User:      UserOut{ID: s.User.ID, UPN: s.User.UPN, DisplayName: s.User.DisplayName, Type: s.User.Type},
			App:       NamedID{ID: s.App.ID, Name: s.App.Name},
			Resource:  NamedID{ID: s.Resource.ID, Name: s.Resource.Name},
			ClientApp: s.ClientApp, UserAgent: logtext.Clip(s.UserAgent, 200), IPAddress: s.IPAddress, Location: s.Location.String(),
			Status:                    StatusOut{ErrorCode: s.Status.ErrorCode, FailureReason: s.Status.FailureReason, AdditionalDetails: s.Status.AdditionalDetails},
			ConditionalAccessStatus:   s.ConditionalAccessStatus,
			AuthenticationRequirement: s.AuthRequirement,
		},
		Explanation: ExplanationOut{
			Code: x.Code, Known: x.Known, Title: x.Title, Summary: x.Summary, Outcome: string(x.Outcome),
			WhoFixes: who, WhoFixesReason: whyWho, Causes: x.Causes, Remediation: x.Remediation, LookupURL: x.LookupURL,
		},
		ConditionalAccess:   []PolicyOut{},
		AuthenticationSteps: []AuthStepOut{},
		Related:             []RelatedOut{},
		Device: DeviceOut{ID: s.Device.ID, Name: s.Device.Name, OperatingSystem: s.Device.OperatingSystem, Browser: s.Device.Browser,
			IsCompliant: s.Device.IsCompliant, IsManaged: s.Device.IsManaged, TrustType: s.Device.TrustType},
		SupportIdentifiers: SupportIdentifiers{
			RequestID: s.ID, CorrelationID: s.CorrelationID, Timestamp: s.CreatedAt.UTC().Format(time.RFC3339),
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
			a.At = st.At.UTC().Format(time.RFC3339)
		}
		res.AuthenticationSteps = append(res.AuthenticationSteps, a)
	}
	classify := Classifier(cat)
	for _, r := range related {
		res.Related = append(res.Related, RelatedOut{ID: r.ID, CreatedDateTime: r.CreatedAt.UTC().Format(time.RFC3339),
			ErrorCode: r.Status.ErrorCode, Outcome: string(classify(r.Status.ErrorCode)), App: r.AppName()})
	}
	return res
}

// clip shortens s to n runes, marking the cut.

// nonNil returns s, or an empty slice for nil: structured output must carry
// [] and never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
