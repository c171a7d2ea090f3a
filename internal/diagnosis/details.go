package diagnosis

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
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
	AuthenticationProtocol    string    `json:"authenticationProtocol,omitempty" jsonschema_description:"oAuth2, ropc, deviceCode, saml20, wsFederation, ... as logged (Graph beta and exports)."`
	IncomingTokenType         string    `json:"incomingTokenType,omitempty" jsonschema_description:"The token presented to sign in: primaryRefreshToken, refreshToken, saml20, ... or none."`
	IsInteractive             *bool     `json:"isInteractive,omitempty" jsonschema_description:"As logged; absent when the log does not say."`
	Risk                      *RiskOut  `json:"risk,omitempty"`
}

// WorkloadOut is the service principal or managed identity that signed in
// and the credential it presented: the key to rotate or check.
type WorkloadOut struct {
	ServicePrincipalID   string `json:"servicePrincipalId,omitempty"`
	ServicePrincipalName string `json:"servicePrincipalName,omitempty"`
	CredentialKeyID      string `json:"credentialKeyId,omitempty" jsonschema_description:"Key ID of the certificate or secret used: compare it with the app registration's credentials."`
	ClientCredentialType string `json:"clientCredentialType,omitempty" jsonschema_description:"clientSecret, certificate, clientAssertion, federatedIdentityCredential, managedIdentity or none."`
}

// CrossTenantOut says that the sign-in crossed a tenant boundary: a guest
// from another tenant, or an app owned by one.
type CrossTenantOut struct {
	HomeTenantID          string `json:"homeTenantId,omitempty" jsonschema_description:"The user's home tenant, when it is not this one: their own admins own their account and MFA."`
	CrossTenantAccessType string `json:"crossTenantAccessType,omitempty" jsonschema_description:"b2bCollaboration, b2bDirectConnect, microsoftSupport, serviceProvider, passthrough."`
	AppOwnerTenantID      string `json:"appOwnerTenantId,omitempty" jsonschema_description:"The tenant that owns the client app, when it is not this one."`
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
	// Definition is the policy as defined now, when the source could read
	// it (Graph with Policy.Read.All, the demo): what it targets and what
	// would satisfy it.
	Definition *PolicyDefinitionOut `json:"definition,omitempty" jsonschema_description:"The failing policy's definition when the source can read it: state, conditions and the grant controls that would satisfy it."`
}

// PolicyDefinitionOut is a Conditional Access policy's definition.
type PolicyDefinitionOut struct {
	State         string   `json:"state,omitempty" jsonschema_description:"enabled, disabled or enabledForReportingButNotEnforced."`
	Conditions    []string `json:"conditions" jsonschema_description:"What the policy targets (users, apps, client apps, platforms, locations, risk), in words."`
	GrantOperator string   `json:"grantOperator,omitempty" jsonschema_description:"AND (every control) or OR (any one)."`
	GrantControls []string `json:"grantControls" jsonschema_description:"What satisfies the policy (block: nothing does)."`
	Modified      string   `json:"modifiedDateTime,omitempty"`
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

// SuccessOut names a successful sign-in.
type SuccessOut struct {
	ID              string `json:"id" jsonschema_description:"Its request ID: pass it to get_signin_details."`
	CreatedDateTime string `json:"createdDateTime" jsonschema_description:"UTC, RFC 3339."`
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
	// Workloads and guests: who support must look up besides the tenant.
	ServicePrincipalID string `json:"servicePrincipalId,omitempty"`
	CredentialKeyID    string `json:"credentialKeyId,omitempty"`
	HomeTenantID       string `json:"homeTenantId,omitempty" jsonschema_description:"A guest's home tenant."`
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
	Workload                    *WorkloadOut       `json:"workload,omitempty" jsonschema_description:"Service principal and managed identity sign-ins: who signed in, with which credential."`
	CrossTenant                 *CrossTenantOut    `json:"crossTenant,omitempty" jsonschema_description:"Present when the sign-in crossed a tenant boundary (a guest, B2B direct connect, a service provider)."`
	Device                      *DeviceOut         `json:"device,omitempty" jsonschema_description:"Absent when the log names no device (usual for workload sign-ins)."`
	AuthenticationSteps         []AuthStepOut      `json:"authenticationSteps"`
	Related                     []RelatedOut       `json:"related" jsonschema_description:"Other sign-ins with the same correlation ID, oldest first."`
	NextSuccess                 *SuccessOut        `json:"nextSuccess" jsonschema:"nullable" jsonschema_description:"The first success of the same sign-in type for the same user and app (for workloads, the same service principal) at or after this failure, in any flow; null when none is known (or the sign-in succeeded). A success means the user got in since: what failed was fixed or retried."`
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
	d := BuildDetails(s, related, cat)
	if r, ok := src.(directory.Reader); ok {
		if err := d.addPolicyDefinitions(ctx, r); err != nil {
			return Details{}, err
		}
	}
	if s.Failed() {
		next, err := src.NextSuccess(ctx, s)
		if err != nil {
			return Details{}, fmt.Errorf("find the next success of %s: %w", s.ID, err)
		}
		d.SetNextSuccess(next)
	}
	return d, nil
}

// addPolicyDefinitions reads, through r, the definitions of the policies
// that failed or would have failed (report-only) and attaches them; what
// cannot be read is a note. Only the end of ctx is an error.
func (d *Details) addPolicyDefinitions(ctx context.Context, r directory.Reader) error {
	var ids []string
	for _, p := range d.ConditionalAccess {
		if (p.Result == "failure" || p.Result == "reportOnlyFailure") && p.ID != "" && !slices.Contains(ids, p.ID) {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	dc, err := r.Directory(ctx, directory.Query{PolicyIDs: ids, Reads: []string{directory.ReadPolicies}})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		d.Notes = append(d.Notes, "the failing policies' definitions could not be read: "+logtext.Clip(err.Error(), 200))
		return nil
	}
	for _, def := range dc.Policies {
		for i := range d.ConditionalAccess {
			if d.ConditionalAccess[i].ID != def.ID {
				continue
			}
			out := &PolicyDefinitionOut{State: def.State, Conditions: nonNil(def.Conditions), GrantOperator: def.GrantOperator, GrantControls: nonNil(def.GrantControls)}
			if !def.Modified.IsZero() {
				out.Modified = def.Modified.UTC().Format(time.RFC3339)
			}
			d.ConditionalAccess[i].Definition = out
		}
	}
	for _, n := range dc.Coverage.Notes {
		if !slices.Contains(d.Notes, n) {
			d.Notes = append(d.Notes, n)
		}
	}
	return nil
}

// SetNextSuccess records the first success after the sign-in (nil: none).
func (d *Details) SetNextSuccess(next *signin.SuccessRef) {
	d.NextSuccess = nil
	if next != nil {
		d.NextSuccess = &SuccessOut{ID: next.ID, CreatedDateTime: next.CreatedAt.UTC().Format(time.RFC3339)}
	}
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
			AuthenticationProtocol:    s.AuthenticationProtocol,
			IncomingTokenType:         s.IncomingTokenType,
			IsInteractive:             s.IsInteractive,
		},
		Explanation: ExplanationOut{
			Code: x.Code, Known: x.Known, Title: x.Title, Summary: x.Summary, Outcome: string(x.Outcome),
			WhoFixes: who, WhoFixesReason: whyWho, Causes: x.Causes, Remediation: x.Remediation, LookupURL: x.LookupURL,
		},
		ConditionalAccess:   []PolicyOut{},
		AuthenticationSteps: []AuthStepOut{},
		Related:             []RelatedOut{},
		SupportIdentifiers: SupportIdentifiers{
			RequestID: s.ID, CorrelationID: s.CorrelationID, Timestamp: s.CreatedAt.UTC().Format(time.RFC3339),
			TenantID: s.TenantID, UserID: s.User.ID, AppID: s.App.ID, ErrorCode: s.Status.ErrorCode,
		},
		Notes: []string{},
	}
	if d := s.Device; d.ID != "" || d.Name != "" || d.OperatingSystem != "" || d.Browser != "" || d.IsCompliant != nil || d.IsManaged != nil || d.TrustType != "" {
		res.Device = &DeviceOut{ID: d.ID, Name: d.Name, OperatingSystem: d.OperatingSystem, Browser: d.Browser,
			IsCompliant: d.IsCompliant, IsManaged: d.IsManaged, TrustType: d.TrustType}
	}
	if s.ServicePrincipal != (signin.App{}) {
		res.SignIn.ServicePrincipal = &NamedID{ID: s.ServicePrincipal.ID, Name: s.ServicePrincipal.Name}
		if res.SupportIdentifiers.AppID == "" {
			res.SupportIdentifiers.AppID = s.ServicePrincipal.ID
		}
	}
	workload := s.Type == signin.ServicePrincipal || s.Type == signin.ManagedIdentity
	if workload {
		res.Workload = &WorkloadOut{ServicePrincipalID: s.ServicePrincipal.ID, ServicePrincipalName: s.ServicePrincipal.Name,
			CredentialKeyID: s.ServicePrincipalCredentialKeyID, ClientCredentialType: s.ClientCredentialType}
		res.SupportIdentifiers.ServicePrincipalID = s.ServicePrincipal.ID
		res.SupportIdentifiers.CredentialKeyID = s.ServicePrincipalCredentialKeyID
	}
	res.CrossTenant = crossTenant(&s, workload)
	if res.CrossTenant != nil && res.CrossTenant.HomeTenantID != "" {
		res.SupportIdentifiers.HomeTenantID = res.CrossTenant.HomeTenantID
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

// crossTenant is the crossTenant block of s, or nil when the sign-in stayed
// in its tenant. The app owner's tenant alone does not make a block for a
// user sign-in: every Microsoft app is owned by Microsoft's tenant.
func crossTenant(s *signin.SignIn, workload bool) *CrossTenantOut {
	differs := func(t string) string {
		if t == "" || strings.EqualFold(t, s.TenantID) {
			return ""
		}
		return t
	}
	c := CrossTenantOut{HomeTenantID: differs(s.HomeTenantID)}
	if s.CrossTenantAccessType != "none" {
		c.CrossTenantAccessType = s.CrossTenantAccessType
	}
	if c.HomeTenantID == "" && c.CrossTenantAccessType == "" && !workload {
		return nil
	}
	c.AppOwnerTenantID = differs(s.AppOwnerTenantID)
	if c == (CrossTenantOut{}) {
		return nil
	}
	return &c
}

// FlowSentence says how many other sign-ins share the flow and how the
// latest of them ended, naming it by ID and time (a list trimmed to a budget
// may no longer show it); "" when none does.
func (d Details) FlowSentence() string {
	n := len(d.Related)
	if n == 0 {
		return ""
	}
	last := d.Related[n-1]
	others := "1 other sign-in shares"
	if n > 1 {
		others = fmt.Sprintf("%d other sign-ins share", n)
	}
	var ended string
	switch signin.Outcome(last.Outcome) {
	case signin.OutcomeSuccess:
		ended = "succeeded"
	case signin.OutcomeInterrupt:
		ended = fmt.Sprintf("was interrupted with %d (a normal step such as an MFA prompt)", last.ErrorCode)
	case signin.OutcomeTransient:
		ended = fmt.Sprintf("failed with %d (transient)", last.ErrorCode)
	default:
		ended = fmt.Sprintf("failed with %d", last.ErrorCode)
	}
	return fmt.Sprintf("%s the correlation ID; the latest of them, %q at %s UTC, %s.", others, last.ID, clock(last.CreatedDateTime), ended)
}

// NextSuccessSentence says whether the same user and app (service
// principal) signed in successfully after a failure; "" for a success.
func (d Details) NextSuccessSentence() string {
	if d.SignIn.Status.ErrorCode == 0 {
		return ""
	}
	who := "the same user and app"
	if t := signin.Type(d.SignIn.SignInType); t == signin.ServicePrincipal || t == signin.ManagedIdentity {
		who = "the same service principal"
	}
	if d.NextSuccess == nil {
		return "No later success is known for " + who + ": the problem may still be there."
	}
	return fmt.Sprintf("A later sign-in of %s succeeded, %q at %s UTC: what failed was since fixed or retried.", who, d.NextSuccess.ID, clock(d.NextSuccess.CreatedDateTime))
}

// clock renders an RFC 3339 time as "2006-01-02 15:04:05".
func clock(ts string) string {
	return strings.Replace(strings.TrimSuffix(ts, "Z"), "T", " ", 1)
}

// nonNil returns s, or an empty slice for nil: structured output must carry
// [] and never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
