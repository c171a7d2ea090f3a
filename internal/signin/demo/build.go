package demo

import (
	"math/rand/v2"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// ctx is what stays the same across the requests of one user sign-in flow.
type ctx struct {
	u       *user
	app     app
	res     app
	typ     signin.Type
	client  string
	dev     signin.Device
	ua      string
	at      spot
	legacy  bool // a legacy (basic authentication) protocol
	session string
}

// browser is a sign-in from the user's laptop browser.
func (u *user) browser(a, res app, at spot, session string) *ctx {
	return &ctx{u: u, app: a, res: res, typ: signin.Interactive, client: clientBrowser,
		dev: u.laptop, ua: u.laptopUA, at: at, session: session}
}

// desktop is a sign-in from a desktop application on the user's laptop.
func (u *user) desktop(a, res app, ua string, at spot, session string) *ctx {
	dev := u.laptop
	dev.Browser = browserRich
	return &ctx{u: u, app: a, res: res, typ: signin.Interactive, client: clientModern,
		dev: dev, ua: ua, at: at, session: session}
}

// mobile is a sign-in from an app on the user's phone.
func (u *user) mobile(a, res app, at spot, session string) *ctx {
	dev := u.phone
	dev.Browser = browserRichMobile
	return &ctx{u: u, app: a, res: res, typ: signin.Interactive, client: clientModern,
		dev: dev, ua: u.phoneUA, at: at, session: session}
}

// teamsUA is the Teams desktop user agent for the user's laptop.
func (u *user) teamsUA() string {
	if u.laptop.OperatingSystem == osMac {
		return uaTeamsMac
	}
	return uaTeamsWin
}

// nonInteractive returns a copy of c as a non-interactive (token refresh) flow.
func (c *ctx) nonInteractive() *ctx {
	d := *c
	d.typ = signin.NonInteractive
	return &d
}

// stage is how far a request got, which decides whether Conditional Access
// was evaluated and which authentication steps the record shows.
type stage int

const (
	// primaryFailed: the password (or the account behind it) was refused;
	// Conditional Access is not evaluated.
	primaryFailed stage = iota
	// noAuth: no credential was checked (no session, unknown account, service error).
	noAuth
	// mfaPending: the first factor passed and MFA is required but not yet done.
	mfaPending
	// mfaFailed: MFA was attempted and not completed.
	mfaFailed
	// completed: every authentication requirement was met (a Conditional
	// Access grant, an assignment or consent may still fail the request).
	completed
	// tokenRefresh: a non-interactive request whose claims come from an
	// earlier token.
	tokenRefresh
	// tokenRejected: a non-interactive request whose refresh token was refused.
	tokenRejected
	// sessionExpired: the session or refresh token is older than the
	// Conditional Access sign-in frequency allows.
	sessionExpired
)

// req is one request of a flow.
type req struct {
	at      time.Time
	corr    string
	orig    string // the flow's first request ID ("" for the first request)
	code    int
	reason  string // "" means the default text of the code
	details string
	st      stage
	step    string    // result detail of the step that stopped the request
	mfa     string    // MFA method ("" means the user's default)
	firstAt time.Time // when the first factor was checked, if earlier in the flow
	enrol   bool      // MFA is required but the user has no method registered yet
	risk    *signin.Risk
}

var noRisk = signin.Risk{LevelDuringSignIn: "none", LevelAggregated: "none", State: "none", Detail: "none"}

// emit appends the sign-in of one user request and returns its ID.
func (g *generator) emit(r *rand.Rand, c *ctx, q req) string {
	id := randomGUID(r)
	orig := q.orig
	if orig == "" {
		orig = id
	}
	reason := q.reason
	if reason == "" {
		reason = reasons[q.code]
	}
	s := signin.SignIn{
		ID:                id,
		CorrelationID:     q.corr,
		OriginalRequestID: orig,
		SessionID:         c.session,
		CreatedAt:         q.at,
		Type:              c.typ,
		TenantID:          TenantID,
		HomeTenantID:      c.u.homeTenant,
		User:              c.u.User,
		App:               c.app,
		Resource:          c.res,
		ClientApp:         c.client,
		UserAgent:         c.ua,
		IPAddress:         c.at.ip,
		Location:          c.at.loc,
		Status:            signin.Status{ErrorCode: q.code, FailureReason: reason, AdditionalDetails: q.details},
		Device:            c.dev,
		AuthRequirement:   "singleFactorAuthentication",
		Risk:              noRisk,
	}
	if q.risk != nil {
		s.Risk = *q.risk
	}
	if c.u.Type == "guest" {
		s.CrossTenantAccessType = "b2bCollaboration"
	}
	needMFA := false
	switch q.st {
	case primaryFailed, noAuth, tokenRejected:
		s.ConditionalAccessStatus = "notApplied"
	default:
		mfaDone := q.st != mfaPending && q.st != mfaFailed
		s.Policies, s.ConditionalAccessStatus, needMFA = g.evaluate(c, mfaDone)
	}
	if needMFA {
		s.AuthRequirement = "multiFactorAuthentication"
	}
	s.AuthDetails = steps(c, q, needMFA)
	g.out = append(g.out, s)
	return id
}

// caKey is everything Conditional Access looks at in the demo tenant.
type caKey struct {
	legacy, trusted, salesforce, arm, compliant, guest, allowedCountry, mfaDone bool
	mfaExcluded, admin, unapprovedMobile                                        bool
}

// caResult is the outcome of evaluating the policies for one caKey.
type caResult struct {
	policies []signin.Policy
	status   string
	needMFA  bool
}

// evaluate applies the tenant's Conditional Access policies to a request:
// the policies with their results, the overall status, and whether MFA is
// required. mfaDone says whether the request carries a satisfied MFA claim.
// Requests that look the same to Conditional Access share one policy list.
func (g *generator) evaluate(c *ctx, mfaDone bool) ([]signin.Policy, string, bool) {
	k := caKey{
		legacy: c.legacy, trusted: c.at.trusted, salesforce: c.res == appSalesforce, arm: c.res == resARM,
		compliant: c.dev.IsCompliant != nil && *c.dev.IsCompliant, guest: c.u.Type == "guest",
		allowedCountry: allowedCountries[c.at.loc.CountryOrRegion], mfaDone: mfaDone,
		mfaExcluded: c.u.mfaExcluded, admin: c.u.admin,
		unapprovedMobile: !c.legacy && mobileOS(c.dev.OperatingSystem) && c.app != appOutlookMob,
	}
	res, ok := g.ca[k]
	if !ok {
		res.policies, res.status, res.needMFA = g.evaluateKey(k)
		g.ca[k] = res
	}
	return res.policies, res.status, res.needMFA
}

func (g *generator) evaluateKey(k caKey) ([]signin.Policy, string, bool) {
	ps := make([]signin.Policy, 0, 8)
	add := func(d policyDef, result, satisfied, notSatisfied string) {
		p := signin.Policy{ID: d.id, Name: d.name, Result: result,
			ConditionsSatisfied: satisfied, ConditionsNotSatisfied: notSatisfied}
		if result != "notEnabled" {
			p.GrantControls, p.SessionControls = d.grant, d.session
		}
		ps = append(ps, p)
	}
	grant := func(ok bool) string {
		if ok {
			return "success"
		}
		return "failure"
	}
	needMFA := false
	pol := &g.pol

	switch {
	case k.mfaExcluded:
		add(pol.mfa, "notApplied", "application", "users")
	case k.legacy:
		add(pol.mfa, "notApplied", "application,users", "clientType")
	case k.trusted:
		add(pol.mfa, "notApplied", "application,users", "location")
	default:
		needMFA = true
		add(pol.mfa, grant(k.mfaDone), "application,users,location", "none")
	}
	if k.legacy {
		add(pol.legacy, "failure", "application,users,clientType", "none")
	} else {
		add(pol.legacy, "notApplied", "application,users", "clientType")
	}
	switch {
	case !k.salesforce:
		add(pol.salesforce, "notApplied", "users", "application")
	default:
		add(pol.salesforce, grant(k.compliant), "application,users", "none")
	}
	if k.arm {
		needMFA = true
		add(pol.adminMFA, grant(k.mfaDone), "application,users", "none")
		add(pol.sif, "success", "application,users", "none")
	} else {
		add(pol.adminMFA, "notApplied", "users", "application")
		add(pol.sif, "notApplied", "users", "application")
	}
	switch {
	case k.guest:
		add(pol.roDevice, "reportOnlyNotApplied", "application", "users")
	case k.legacy:
		add(pol.roDevice, "reportOnlyNotApplied", "application,users", "clientType")
	case k.compliant:
		add(pol.roDevice, "reportOnlySuccess", "application,users", "none")
	default:
		add(pol.roDevice, "reportOnlyFailure", "application,users", "none")
	}
	if k.allowedCountry {
		add(pol.roCountry, "reportOnlyNotApplied", "application,users", "location")
	} else {
		add(pol.roCountry, "reportOnlyFailure", "application,users,location", "none")
	}
	add(pol.guestTOU, "notEnabled", "", "")
	switch {
	case k.arm && !k.admin:
		add(pol.blockARM, "failure", "application,users", "none")
	case k.arm:
		add(pol.blockARM, "notApplied", "application", "users")
	default:
		add(pol.blockARM, "notApplied", "users", "application")
	}
	if k.unapprovedMobile {
		add(pol.approvedApp, "failure", "application,users,platform", "none")
	} else {
		add(pol.approvedApp, "notApplied", "application,users", "platform")
	}

	status := "notApplied"
	for _, p := range ps {
		switch p.Result {
		case "failure":
			return ps, "failure", needMFA
		case "success":
			status = "success"
		}
	}
	return ps, status, needMFA
}

// mobileOS reports whether os is a phone's, where the approved-app policy applies.
func mobileOS(os string) bool { return os == osIOS || os == osAndroid }

// last is the record emit appended last, for a story to add what only it
// knows (a cross-tenant access type, an authentication protocol).
func (g *generator) last() *signin.SignIn { return &g.out[len(g.out)-1] }

// steps builds the authentication steps (beta authenticationDetails) of a request.
func steps(c *ctx, q req, needMFA bool) []signin.AuthStep {
	const primary = "Primary authentication"
	detail := func(def string) string {
		if q.step != "" {
			return q.step
		}
		return def
	}
	switch q.st {
	case noAuth:
		return nil
	case primaryFailed:
		return []signin.AuthStep{{At: q.at, Method: methodPassword, MethodDetail: c.u.pwdSource,
			Requirement: primary, ResultDetail: detail("Incorrect password")}}
	case tokenRejected:
		return []signin.AuthStep{{At: q.at, Method: mfaPrevious, Requirement: primary,
			ResultDetail: detail("The refresh token was not accepted")}}
	case sessionExpired:
		return []signin.AuthStep{{At: q.at, Method: mfaPrevious, Requirement: primary,
			ResultDetail: detail("The session is older than the sign-in frequency allows")}}
	case tokenRefresh:
		st := []signin.AuthStep{{At: q.at, Method: mfaPrevious, Requirement: primary, Succeeded: true,
			ResultDetail: "First factor requirement satisfied by claim in the token"}}
		if needMFA {
			st = append(st, signin.AuthStep{At: q.at, Method: mfaPrevious, Requirement: "MFA", Succeeded: true,
				ResultDetail: "MFA requirement satisfied by claim in the token"})
		}
		return st
	}
	first := q.firstAt
	if first.IsZero() {
		first = q.at.Add(-1500 * time.Millisecond)
	}
	pw := signin.AuthStep{At: first, Method: methodPassword, MethodDetail: c.u.pwdSource,
		Requirement: primary, Succeeded: true, ResultDetail: "Correct password"}
	if !needMFA && q.st != mfaPending && q.st != mfaFailed {
		return []signin.AuthStep{pw}
	}
	method := q.mfa
	if method == "" && !q.enrol {
		method = c.u.mfa
	}
	m := signin.AuthStep{At: q.at, Method: method, Requirement: "MFA"}
	switch q.st {
	case mfaPending:
		m.ResultDetail = detail("MFA required; a challenge was sent to the user")
	case mfaFailed:
		m.ResultDetail = detail("MFA not completed")
	default:
		m.Succeeded = true
		m.ResultDetail = "MFA successfully completed"
		if method == mfaPrevious {
			m.ResultDetail = "MFA requirement satisfied by claim in the token"
		}
	}
	return []signin.AuthStep{pw, m}
}

// workload is a service principal or managed identity that signs in.
type workload struct {
	typ signin.Type
	app app // the application (app ID and name)
	sp  app // its service principal (object ID and name)
	msi string
	ip  string
	loc signin.Location
}

// emitWorkload appends a service-principal or managed-identity sign-in.
func (g *generator) emitWorkload(r *rand.Rand, w *workload, res app, at time.Time, code int, details string) {
	id := randomGUID(r)
	g.out = append(g.out, signin.SignIn{
		ID:                      id,
		CorrelationID:           randomGUID(r),
		OriginalRequestID:       id,
		CreatedAt:               at,
		Type:                    w.typ,
		TenantID:                TenantID,
		HomeTenantID:            TenantID,
		App:                     w.app,
		Resource:                res,
		ServicePrincipal:        w.sp,
		ManagedIdentity:         w.msi,
		IPAddress:               w.ip,
		Location:                w.loc,
		Status:                  signin.Status{ErrorCode: code, FailureReason: reasons[code], AdditionalDetails: details},
		ConditionalAccessStatus: "notApplied",
		ClientCredentialType:    credentialType(w.typ),
	})
}

// credentialType is what a workload of type typ signs in with in the demo.
func credentialType(typ signin.Type) string {
	if typ == signin.ManagedIdentity {
		return "managedIdentity"
	}
	return "clientSecret"
}

// reasons are the failure reasons of the codes the demo uses, in the
// project's own words.
var reasons = map[int]string{
	50020:   "The account from the external identity provider does not exist in this tenant.",
	50034:   "No account with this user name exists in the directory.",
	50053:   "The account is locked by smart lockout after too many incorrect passwords.",
	50011:   "The reply URL in the request does not match the reply URLs configured for the application.",
	50089:   "The sign-in flow token expired before the user finished signing in.",
	50055:   "The password has expired and must be changed before signing in.",
	50057:   "The user account is disabled.",
	50058:   "No signed-in session was found for a silent sign-in; the app must prompt the user.",
	50072:   "The user must register a second authentication factor before continuing.",
	50074:   "Strong authentication is required and the user has not passed the challenge yet.",
	50076:   "Multifactor authentication is required by policy for this request.",
	50079:   "The user must register security information for multifactor authentication.",
	50105:   "The user is not assigned to the application, which requires assignment.",
	50126:   "The user name or password is incorrect.",
	50140:   "The \"Stay signed in?\" prompt interrupted the sign-in.",
	50173:   "The grant was revoked after a password change; a fresh sign-in is required.",
	53000:   "Conditional Access requires a compliant device, and the device is not compliant or not known.",
	53002:   "Conditional Access requires an approved client app, and this app is not one.",
	53003:   "Access was blocked by a Conditional Access policy.",
	53004:   "Security info registration is blocked because of risk on the sign-in or the user.",
	530035:  "Access was blocked by security defaults.",
	700016:  "No application with this identifier was found in the directory.",
	65001:   "No user or administrator has consented to the permissions the application requested.",
	70043:   "The refresh token is no longer valid because of the Conditional Access sign-in frequency.",
	70044:   "The session has expired because of the Conditional Access sign-in frequency.",
	90025:   "An internal Microsoft Entra service reached its retry limit while processing the sign-in.",
	500011:  "The resource the token was requested for was not found in the tenant.",
	500121:  "Multifactor authentication was not completed.",
	7000215: "The client secret presented by the application is not valid.",
	7000222: "The client secret presented by the application has expired.",
}
