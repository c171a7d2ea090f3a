package graphjson

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// graphRecord is what we keep of a Graph signIn object (v1.0 or beta; the
// admin center's JSON download has the same shape), as Lexer.graph reads
// it. Flags and numbers stay raw JSON until signIn converts them, with
// messages that name the member.
type graphRecord struct {
	ID                        string
	CreatedDateTime           string
	CorrelationID             string
	OriginalRequestID         string
	SessionID                 string
	UserID                    string
	UserPrincipalName         string
	UserDisplayName           string
	UserType                  string
	AppID                     string
	AppDisplayName            string
	ResourceID                string
	ResourceDisplayName       string
	ServicePrincipalID        string
	ServicePrincipalName      string
	CredentialKeyID           string
	ClientCredentialType      string
	CrossTenantAccessType     string
	AppOwnerTenantID          string
	IncomingTokenType         string
	AuthenticationProtocol    string
	ManagedServiceIdentity    *graphMSI
	ResourceTenantID          string
	TenantID                  string
	HomeTenantID              string
	IPAddress                 string
	ClientAppUsed             string
	UserAgent                 string
	IsInteractive             json.RawMessage
	SignInEventTypes          []string
	ConditionalAccessStatus   string
	AuthenticationRequirement string
	Status                    Status
	DeviceDetail              graphDevice
	Location                  graphLocation
	Policies                  []signin.Policy
	AuthenticationDetails     []graphAuthStep
	RiskDetail                string
	RiskLevelAggregated       string
	RiskLevelDuringSignIn     string
	RiskState                 string
	RiskEventTypes            []string
	RiskEventTypesV2          []string
}

type graphMSI struct {
	MsiType string
}

type graphDevice struct {
	DeviceID        string
	DisplayName     string
	OperatingSystem string
	Browser         string
	IsCompliant     json.RawMessage
	IsManaged       json.RawMessage
	TrustType       string
}

type graphLocation struct {
	City            string
	State           string
	CountryOrRegion string
}

type graphAuthStep struct {
	AuthenticationStepDateTime     string
	AuthenticationMethod           string
	AuthenticationMethodDetail     string
	AuthenticationStepRequirement  string
	Succeeded                      json.RawMessage
	AuthenticationStepResultDetail string
}

type graphPolicy struct {
	ID                      string          `json:"id"`
	DisplayName             string          `json:"displayName"`
	Result                  string          `json:"result"`
	EnforcedGrantControls   []string        `json:"enforcedGrantControls"`
	EnforcedSessionControls []string        `json:"enforcedSessionControls"`
	ConditionsSatisfied     json.RawMessage `json:"conditionsSatisfied"`
	ConditionsNotSatisfied  json.RawMessage `json:"conditionsNotSatisfied"`
}

// policyCache maps the JSON text of a policy list to its decoded form.
type policyCache struct {
	m     map[string][]signin.Policy
	bytes int
}

// Bounds of the policy cache; past them lists are decoded every time.
const (
	maxPolicySets     = 4096
	maxPolicyKeyBytes = 64 << 20
)

// get decodes a JSON array of applied Conditional Access policies.
func (c *policyCache) get(raw []byte, strs *interner) ([]signin.Policy, error) {
	if v, ok := c.m[string(raw)]; ok {
		return v, nil
	}
	var in []graphPolicy
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf(": %w", JSONProblem(err))
	}
	var out []signin.Policy
	if len(in) > 0 {
		out = make([]signin.Policy, len(in))
	}
	for i, p := range in {
		sat, err := conditions(fmt.Sprintf("[%d].conditionsSatisfied", i), p.ConditionsSatisfied)
		if err != nil {
			return nil, err
		}
		notSat, err := conditions(fmt.Sprintf("[%d].conditionsNotSatisfied", i), p.ConditionsNotSatisfied)
		if err != nil {
			return nil, err
		}
		out[i] = signin.Policy{
			ID:                     strs.str(p.ID),
			Name:                   strs.str(p.DisplayName),
			Result:                 strs.str(EnumValue(p.Result)),
			GrantControls:          internAll(strs, p.EnforcedGrantControls),
			SessionControls:        internAll(strs, p.EnforcedSessionControls),
			ConditionsSatisfied:    strs.str(sat),
			ConditionsNotSatisfied: strs.str(notSat),
		}
	}
	if len(c.m) < maxPolicySets && c.bytes+len(raw) <= maxPolicyKeyBytes {
		c.m[string(raw)] = out
		c.bytes += len(raw)
	}
	return out, nil
}

func internAll(strs *interner, in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strs.str(s)
	}
	return out
}

// authSteps converts authenticationDetails.
func authSteps(strs *interner, field string, in []graphAuthStep) ([]signin.AuthStep, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]signin.AuthStep, len(in))
	for i, a := range in {
		name := field + "[" + strconv.Itoa(i) + "]"
		step := signin.AuthStep{
			Method:       strs.str(a.AuthenticationMethod),
			MethodDetail: strs.str(a.AuthenticationMethodDetail),
			Requirement:  strs.str(a.AuthenticationStepRequirement),
			ResultDetail: strs.str(a.AuthenticationStepResultDetail),
		}
		if a.AuthenticationStepDateTime != "" {
			t, err := ParseTime(a.AuthenticationStepDateTime)
			if err != nil {
				return nil, FieldError(name+".authenticationStepDateTime", a.AuthenticationStepDateTime, "is not a time", WantTime)
			}
			step.At = t
		}
		ok, err := rawBool(name+".succeeded", a.Succeeded)
		if err != nil {
			return nil, err
		}
		step.Succeeded = ok != nil && *ok
		out[i] = step
	}
	return out, nil
}

// signIn converts the record.
func (r *graphRecord) signIn(d *Decoder) (signin.SignIn, error) {
	var si signin.SignIn
	if r.ID == "" {
		return si, errors.New("no id (want the sign-in's request ID)")
	}
	if r.CreatedDateTime == "" {
		return si, errors.New("no createdDateTime (want the time of the sign-in, RFC 3339)")
	}
	t, err := ParseTime(r.CreatedDateTime)
	if err != nil {
		return si, FieldError("createdDateTime", r.CreatedDateTime, "is not a time", WantTime)
	}
	in := &d.strs
	si = signin.SignIn{
		ID:                r.ID,
		CorrelationID:     r.CorrelationID,
		OriginalRequestID: r.OriginalRequestID,
		SessionID:         r.SessionID,
		CreatedAt:         t,
		TenantID:          in.str(cmp.Or(r.ResourceTenantID, r.TenantID)),
		HomeTenantID:      in.str(r.HomeTenantID),
		User: signin.User{
			ID:          in.str(r.UserID),
			UPN:         in.str(r.UserPrincipalName),
			DisplayName: in.str(r.UserDisplayName),
			Type:        in.str(EnumValue(r.UserType)),
		},
		App:                             signin.App{ID: in.str(r.AppID), Name: in.str(r.AppDisplayName)},
		Resource:                        signin.App{ID: in.str(r.ResourceID), Name: in.str(r.ResourceDisplayName)},
		ServicePrincipal:                signin.App{ID: in.str(r.ServicePrincipalID), Name: in.str(r.ServicePrincipalName)},
		ServicePrincipalCredentialKeyID: in.str(r.CredentialKeyID),
		ClientCredentialType:            in.str(r.ClientCredentialType),
		CrossTenantAccessType:           in.str(r.CrossTenantAccessType),
		AppOwnerTenantID:                in.str(r.AppOwnerTenantID),
		IncomingTokenType:               in.str(r.IncomingTokenType),
		AuthenticationProtocol:          in.str(r.AuthenticationProtocol),
		ClientApp:                       in.str(r.ClientAppUsed),
		UserAgent:                       in.str(r.UserAgent),
		IPAddress:                       in.str(r.IPAddress),
		Location: signin.Location{
			City:            in.str(r.Location.City),
			State:           in.str(r.Location.State),
			CountryOrRegion: in.str(r.Location.CountryOrRegion),
		},
		Status: signin.Status{
			FailureReason:     in.str(r.Status.FailureReason),
			AdditionalDetails: in.str(r.Status.AdditionalDetails),
		},
		ConditionalAccessStatus: in.str(EnumValue(r.ConditionalAccessStatus)),
		Policies:                r.Policies,
		Device: signin.Device{
			ID:              in.str(r.DeviceDetail.DeviceID),
			Name:            in.str(r.DeviceDetail.DisplayName),
			OperatingSystem: in.str(r.DeviceDetail.OperatingSystem),
			Browser:         in.str(r.DeviceDetail.Browser),
			TrustType:       in.str(r.DeviceDetail.TrustType),
		},
		AuthRequirement: in.str(EnumValue(r.AuthenticationRequirement)),
		Risk: signin.Risk{
			LevelDuringSignIn: in.str(r.RiskLevelDuringSignIn),
			LevelAggregated:   in.str(r.RiskLevelAggregated),
			State:             in.str(r.RiskState),
			Detail:            in.str(r.RiskDetail),
			EventTypes:        internAll(in, first2(r.RiskEventTypesV2, r.RiskEventTypes)),
		},
	}
	if r.ManagedServiceIdentity != nil {
		si.ManagedIdentity = in.str(ManagedIdentityType(r.ManagedServiceIdentity.MsiType))
	}
	code, err := rawScalar("status.errorCode", r.Status.ErrorCode)
	if err != nil {
		return si, err
	}
	if si.Status.ErrorCode, err = ParseErrorCode("status.errorCode", code); err != nil {
		return si, err
	}
	if si.Device.IsCompliant, err = rawBool("deviceDetail.isCompliant", r.DeviceDetail.IsCompliant); err != nil {
		return si, err
	}
	if si.Device.IsManaged, err = rawBool("deviceDetail.isManaged", r.DeviceDetail.IsManaged); err != nil {
		return si, err
	}
	if si.AuthDetails, err = authSteps(in, "authenticationDetails", r.AuthenticationDetails); err != nil {
		return si, err
	}
	interactive, err := rawBool("isInteractive", r.IsInteractive)
	if err != nil {
		return si, err
	}
	si.IsInteractive = interactive
	SetType(&si, r.SignInEventTypes, interactive, "")
	return si, nil
}

func first2(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}
