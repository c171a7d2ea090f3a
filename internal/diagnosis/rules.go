package diagnosis

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Scenario ids (API: stable, lower-case, hyphenated).
const (
	ScenarioCompromise        = "credential-compromise-suspected"
	ScenarioSmartLockout      = "smart-lockout"
	ScenarioMaliciousIP       = "malicious-ip-blocked"
	ScenarioSpray             = "password-spray"
	ScenarioStaleReplay       = "stale-password-replay"
	ScenarioBadPassword       = "bad-password"
	ScenarioPasswordExpired   = "password-expired"
	ScenarioAccountDisabled   = "account-disabled"
	ScenarioUserNotFound      = "user-not-found"
	ScenarioGuestMismatch     = "guest-identity-mismatch"
	ScenarioMFARegistration   = "mfa-registration-required"
	ScenarioMFADenied         = "mfa-denied"
	ScenarioMFAFraud          = "mfa-fraud-reported"
	ScenarioMFANotCompleted   = "mfa-not-completed"
	ScenarioCABlocked         = "ca-blocked"
	ScenarioLegacyAuthBlocked = "legacy-auth-blocked"
	ScenarioDeviceCompliance  = "ca-device-not-compliant"
	ScenarioCAGrant           = "ca-grant-not-satisfied"
	ScenarioSecurityDefaults  = "security-defaults"
	ScenarioRiskBlocked       = "risk-blocked"
	ScenarioReauthentication  = "reauthentication-required"
	ScenarioRefreshRevoked    = "refresh-token-revoked"
	ScenarioAppSecretExpired  = "app-secret-expired"
	ScenarioAppCredential     = "app-credential-invalid"
	ScenarioManagedIdentity   = "managed-identity-failure"
	ScenarioConsent           = "consent-required"
	ScenarioNotAssigned       = "not-assigned"
	ScenarioAppNotFound       = "app-not-found"
	ScenarioRedirectURI       = "redirect-uri-mismatch"
	ScenarioResourceNotFound  = "resource-not-found"
	ScenarioTransient         = "transient"
	ScenarioInterruptsOnly    = "interrupts-only"
	ScenarioUnclassified      = "unclassified"
	ScenarioNoFailures        = "no-failures"
)

// Scenarios lists every scenario id, in the order of the product's table:
// the values a client may see in Finding.Scenario.
var Scenarios = []string{
	ScenarioCompromise, ScenarioSmartLockout, ScenarioMaliciousIP, ScenarioSpray, ScenarioStaleReplay, ScenarioBadPassword,
	ScenarioPasswordExpired, ScenarioAccountDisabled, ScenarioUserNotFound, ScenarioGuestMismatch, ScenarioMFARegistration,
	ScenarioMFADenied, ScenarioMFAFraud, ScenarioMFANotCompleted, ScenarioLegacyAuthBlocked, ScenarioCABlocked,
	ScenarioDeviceCompliance, ScenarioCAGrant, ScenarioSecurityDefaults, ScenarioRiskBlocked, ScenarioReauthentication,
	ScenarioRefreshRevoked, ScenarioAppSecretExpired, ScenarioAppCredential, ScenarioManagedIdentity, ScenarioConsent,
	ScenarioNotAssigned, ScenarioAppNotFound, ScenarioRedirectURI, ScenarioResourceNotFound, ScenarioTransient,
	ScenarioInterruptsOnly, ScenarioUnclassified, ScenarioNoFailures,
}

// SprayMinUsers is how many distinct users one IP must fail for within
// SprayWindow to be called a password spray. It is a heuristic, lower than
// third-party detections (about 10 users per 30 minutes) so that a small
// spray is not missed; findings say so.
const SprayMinUsers = 5

// SprayWindow is the time span SprayMinUsers is counted over.
const SprayWindow = time.Hour

// SprayMaxAttemptsPerUser is the most failures one user may have from the IP
// within SprayWindow and still count toward SprayMinUsers: a sprayer tries a
// password or two per account and stays under smart lockout's threshold (10
// in the commercial cloud). Users with more are something else (a stale
// client, a guess at one account) and do not count, so that an office NAT
// where five people each replay an old password thirty times is not a
// spray, while one noisy user beside five single attempts does not hide one.
const SprayMaxAttemptsPerUser = 5

// MFADeniedRepeat is how many declined MFA requests make MFA fatigue (an
// attacker who holds the password pushing prompts) likelier than a mistap.
const MFADeniedRepeat = 3

// StaleReplayMinFailures is how many wrong passwords from one client, with
// no lockout, make a replayed stale password likelier than a typo.
const StaleReplayMinFailures = 3

// Error codes the rules read.
const (
	codeBadPassword     = 50126
	codeLocked          = 50053
	codeExpired         = 50055
	codeExpiredFed      = 50144
	codeDisabled        = 50057
	codeUserNotFound    = 50034
	codeMFARegister     = 50072
	codeMFARegister2    = 50079
	codeMFARequired     = 50074
	codeMFARequired2    = 50076
	codeMFAFailed       = 500121
	codeCABlocked       = 53003
	codeSecretExpired   = 7000222
	codeCredInvalid     = 7000215
	codeAssertion       = 700027
	codeAssertionAud    = 700024
	codeDeviceNotComp   = 53000
	codeNotHybrid       = 53001
	codeManagedDevice   = 530003
	codeRiskRegister    = 53004
	codeRiskTenant      = 530032
	codeRiskHome        = 53011
	codeSecDefaults     = 530035
	codeSignInFrequency = 70044
	codePasswordChanged = 50132
	codeSessionRevoked  = 50133
	codeGrantRevoked    = 50173
	codeConsent         = 65001
	codeConsentDeclined = 65004
	codeAdminConsent    = 90094
	codeConsentPrompt   = 90095
	codeNotAssigned     = 50105
	codeAppNotFound     = 700016
	codeRedirectURI     = 50011
	codeResourceMissing = 500011
	policyResultFailure = "failure"
)

// rule is one scenario's recogniser: it returns its findings and claims the
// failures it explains, so that a later, more general rule does not name
// them again. rules runs in order, most specific first.
type rule func(f *facts) []Finding

var rules = append([]rule{ruleCompromise, ruleSpray}, subjectRules...)

// subjectRules are the rules after the spray rule, which read one subject's
// failures only: tenant triage runs them per user, per workload and per
// mass failure, so that one user's failures never combine with another's.
var subjectRules = []rule{
	ruleMaliciousIP,
	ruleSmartLockout,
	ruleStaleReplay,
	ruleBadPassword,
	codeRule(ScenarioPasswordExpired, []int{codeExpired, codeExpiredFed}, "Password expired", "user", ConfidenceHigh,
		"The user's password has expired: %s.",
		"Have the user change the password (self-service password reset or at the next sign-in prompt).",
		"If the user cannot, a help-desk engineer resets it and asks for a change at next sign-in."),
	codeRule(ScenarioAccountDisabled, []int{codeDisabled}, "Account disabled", "admin", ConfidenceHigh,
		"The account is disabled in Entra ID: %s.",
		"Confirm whether the account should be enabled (leaver, suspended, or a mistake).",
		"If it should, enable it (accountEnabled) and check the audit log for who disabled it."),
	codeRule(ScenarioUserNotFound, []int{codeUserNotFound}, "User not found in the tenant", "user", ConfidenceHigh,
		"The sign-in name does not exist in this tenant: %s.",
		"Check the user name for a typo or an old UPN (a rename, a domain change).",
		"If the account should exist, check whether it was deleted (deleted users, audit log)."),
	ruleGuest,
	ruleMFA,
	ruleRisk,
	codeRule(ScenarioSecurityDefaults, []int{codeSecDefaults}, "Blocked by security defaults", "admin", ConfidenceHigh,
		"Security defaults blocked the sign-in (legacy authentication or an MFA requirement the sign-in could not meet): %s.",
		"Move the client to modern authentication, or have the user register and complete MFA.",
		"If the tenant needs exceptions, replace security defaults with Conditional Access policies (Entra ID P1) rather than turning protection off."),
	ruleDevice,
	ruleCA,
	ruleCAGrant,
	ruleSession,
	ruleManagedIdentity,
	codeRule(ScenarioAppSecretExpired, []int{codeSecretExpired}, "Application secret expired", "developer", ConfidenceHigh,
		"The application signed in with a client secret that has expired: %s.",
		"Create a new client secret (or better a certificate or federated credential) on the app registration.",
		"Update the application's configuration or key vault with it, then remove the expired secret."),
	codeRule(ScenarioAppCredential, []int{codeCredInvalid, codeAssertion, codeAssertionAud}, "Application credential invalid", "developer", ConfidenceHigh,
		"The application presented a wrong secret, certificate or assertion: %s.",
		"Compare the credential key ID in the evidence with the app registration's certificates and secrets.",
		"Update the application with a valid credential; for an assertion check its audience, issuer and signing certificate."),
	ruleConsent,
	codeRule(ScenarioNotAssigned, []int{codeNotAssigned}, "User not assigned to the application", "admin", ConfidenceHigh,
		"The application requires assignment and the user is neither assigned nor in an assigned group: %s.",
		"Assign the user (or a group they belong to) to the enterprise application, if they should have access.",
		"If every user should get in, turn off \"Assignment required\" on the enterprise application's properties."),
	codeRule(ScenarioAppNotFound, []int{codeAppNotFound}, "Application not found in the tenant", "developer", ConfidenceHigh,
		"No application with the requested client ID exists in the tenant the request went to: %s.",
		"Check the client ID and the tenant (authority) in the application's configuration: a typo, or a sign-in sent to the wrong tenant.",
		"For a multi-tenant app from another publisher, have an admin of this tenant consent to it so that its service principal exists."),
	codeRule(ScenarioRedirectURI, []int{codeRedirectURI}, "Redirect URI not registered", "developer", ConfidenceHigh,
		"The redirect URI the application sent is not one registered on its app registration: %s.",
		"Add the exact redirect URI the application sends (scheme, host, port, path and trailing slash) to the app registration's platform settings, or fix the application to send a registered one.",
		"Check that the application uses the right app registration (client ID) for this environment."),
	codeRule(ScenarioResourceNotFound, []int{codeResourceMissing}, "Resource not found in the tenant", "admin", ConfidenceHigh,
		"The resource (API) the token was asked for has no service principal in the tenant: %s.",
		"Check the resource identifier (scope or App ID URI) the application requests for a typo.",
		"If the resource is a multi-tenant API, have an admin consent to it (or create its service principal) in this tenant."),
	ruleTransient,
	ruleUnclassified,
	ruleNothing,
}

// open returns the failures not claimed yet that keep satisfy.
func (f *facts) open(keep func(*failure) bool) []*failure {
	var out []*failure
	for _, x := range f.failures {
		if !x.claimed && keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func claim(xs []*failure) {
	for _, x := range xs {
		x.claimed = true
	}
}

func signIns(xs []*failure) []*signin.SignIn {
	out := make([]*signin.SignIn, len(xs))
	for i, x := range xs {
		out[i] = x.s
	}
	return out
}

// status is resolved when each user's latest failure among xs (oldest
// first) was followed by a success of the same type, in the same flow or
// for the same user and app (for a workload, each service principal and
// resource apart: a managed identity that gets Key Vault tokens still fails
// for the API it cannot reach): one user getting in again does not resolve
// a block of several. A known
// caveat, kept on purpose: a success of the same user and app from another
// client marks the finding resolved even if one client (a phone with a
// saved password) is still stuck; it shows as ongoing again with its next
// failure, since only the latest failure decides.
func status(xs []*failure) string {
	if len(xs) == 0 {
		return StatusOngoing
	}
	latest := map[string]*failure{}
	for _, x := range xs {
		latest[statusKey(x.s)] = x
	}
	for _, x := range latest {
		if !x.fu.FollowedBySuccess {
			return StatusOngoing
		}
	}
	return StatusResolved
}

// statusKey is whose recovery status decides: the user, or for a workload
// its service principal and resource.
func statusKey(s *signin.SignIn) string {
	if !s.Workload() {
		return userOf(s)
	}
	return "workload\x00" + cmp.Or(s.ServicePrincipal.ID, s.ServicePrincipal.Name, s.App.ID, s.App.Name) + "\x00" + cmp.Or(s.Resource.ID, strings.ToLower(s.Resource.Name))
}

// byUser groups failures by user, in the order of the users' keys.
func byUser(xs []*failure) [][]*failure {
	m := map[string][]*failure{}
	for _, x := range xs {
		m[userOf(x.s)] = append(m[userOf(x.s)], x)
	}
	out := [][]*failure{}
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

func hasCode(codes ...int) func(*failure) bool {
	return func(x *failure) bool { return slices.Contains(codes, x.s.Status.ErrorCode) }
}

// finding fills what every finding shares.
func (f *facts) finding(id, title, who, conf string, xs []*failure, summary string, steps ...string) Finding {
	ev := evidence(signIns(xs))
	docs := ""
	if len(ev.ErrorCodes) > 0 && f.in.Catalog != nil {
		docs = f.in.Catalog.Explain(ev.ErrorCodes[0]).DocsURL
	}
	return Finding{
		Scenario: id, Title: title, Summary: summary, Confidence: conf, Status: status(xs),
		WhoFixes: who, Evidence: ev, NextSteps: append([]string{}, steps...), DocsURL: docs,
	}
}

// span says how many sign-ins, between which times.
func span(xs []*failure) string {
	if len(xs) == 0 {
		return "no sign-ins"
	}
	a, b := xs[0].s.CreatedAt, xs[len(xs)-1].s.CreatedAt
	if a.Equal(b) {
		return fmt.Sprintf("%d sign-in(s) at %s", len(xs), stamp(a))
	}
	return fmt.Sprintf("%d sign-ins between %s and %s", len(xs), stamp(a), stamp(b))
}

// codeRule is a scenario recognised by its error codes alone, one finding
// per subject's set of matching failures.
func codeRule(id string, codes []int, title, who, conf, summary string, steps ...string) rule {
	return func(f *facts) []Finding {
		xs := f.open(hasCode(codes...))
		if len(xs) == 0 {
			return nil
		}
		claim(xs)
		return []Finding{f.finding(id, title, who, conf, xs, fmt.Sprintf(summary, span(xs)), steps...)}
	}
}

func isPasswordFailure(s *signin.SignIn) bool {
	return s.Status.ErrorCode == codeBadPassword || s.Status.ErrorCode == codeLocked
}

// mfaRejection tells a 500121 the user reported as fraud or declined.
func mfaRejection(s *signin.SignIn) (fraud, denied bool) {
	if s.Status.ErrorCode != codeMFAFailed {
		return false, false
	}
	return s.MFARejection()
}

// ruleCompromise: the password step succeeded but someone else may be
// signing in: an MFA request reported as fraud, MFADeniedRepeat declined
// requests, or a failure rated high risk during sign-in. It claims nothing:
// the MFA and risk findings stay, this one is ranked above them. A success
// from a spraying IP is raised by ruleSpray.
func ruleCompromise(f *facts) []Finding {
	var fraud, denied, risky []*failure
	for _, x := range f.failures {
		fr, de := mfaRejection(x.s)
		switch {
		case fr:
			fraud = append(fraud, x)
		case de:
			denied = append(denied, x)
		case strings.EqualFold(x.s.Risk.LevelDuringSignIn, "high"):
			risky = append(risky, x)
		}
	}
	var why []string
	var xs []*failure
	if len(fraud) > 0 {
		why = append(why, fmt.Sprintf("%d MFA request(s) reported as fraud", len(fraud)))
		xs = append(xs, fraud...)
	}
	if len(denied) >= MFADeniedRepeat {
		why = append(why, fmt.Sprintf("%d MFA requests declined (at least %d suggests MFA fatigue)", len(denied), MFADeniedRepeat))
		xs = append(xs, denied...)
	}
	if len(risky) > 0 {
		why = append(why, fmt.Sprintf("%d failure(s) rated high risk during sign-in", len(risky)))
		xs = append(xs, risky...)
	}
	if len(xs) == 0 {
		return nil
	}
	slices.SortFunc(xs, func(a, b *failure) int { return order(a.s, b.s) })
	fd := f.finding(ScenarioCompromise, "Credential compromise suspected", "admin", ConfidenceMedium, xs,
		fmt.Sprintf("Someone other than the user may hold the password: %s; %s.", strings.Join(why, ", "), span(xs)),
		"Confirm with the user whether they started these sign-ins.",
		"If not, reset the password and revoke sessions at once.",
		"Investigate the IPs and locations in the evidence and what the account did since.")
	fd.Status = StatusOngoing
	return []Finding{fd}
}

// ruleSpray: one IP failing SprayMinUsers distinct users within SprayWindow,
// counted over the subject's and the other users' sign-ins from that IP. The
// indexes by IP are built once, so a tenant's thousands of IPs cost one pass.
func ruleSpray(f *facts) []Finding {
	byIP := map[string][]*signin.SignIn{}
	for _, s := range f.sameIP {
		if s.IPAddress != "" && isPasswordFailure(s) {
			byIP[s.IPAddress] = append(byIP[s.IPAddress], s)
		}
	}
	// The successes of the spraying IPs only: a tenant's are hundreds of
	// thousands, from IPs that spray nothing.
	sprayed := map[string]int{} // spraying IP: its users
	for ip, l := range byIP {
		if users := sprayUsers(l); users >= SprayMinUsers {
			sprayed[ip] = users
		}
	}
	succByIP := map[string][]*signin.SignIn{}
	if len(sprayed) > 0 {
		for _, s := range f.sameIP {
			if _, ok := sprayed[s.IPAddress]; ok && !s.Failed() {
				succByIP[s.IPAddress] = append(succByIP[s.IPAddress], s)
			}
		}
	}
	failByIP := map[string][]*failure{}
	for _, x := range f.failures {
		if x.s.IPAddress != "" && isPasswordFailure(x.s) {
			failByIP[x.s.IPAddress] = append(failByIP[x.s.IPAddress], x)
		}
	}
	var out []Finding
	for _, ip := range sortedKeys(sprayed) {
		l, users := byIP[ip], sprayed[ip]
		var xs []*failure
		for _, x := range failByIP[ip] {
			if !x.claimed {
				xs = append(xs, x)
			}
		}
		if len(xs) == 0 && f.in.Subject.Kind != KindIPAddress && f.in.Subject.Kind != KindTenant {
			continue
		}
		claim(xs)
		succIDs := succByIP[ip]
		succ := len(succIDs)
		mine := fmt.Sprintf(" %s of them for this subject.", capital(span(xs)))
		if k := f.in.Subject.Kind; k == KindIPAddress || k == KindTenant {
			mine = ""
		}
		fd := f.finding(ScenarioSpray, "Password spray from "+ip, "admin", ConfidenceMedium, xs,
			fmt.Sprintf("Heuristic (at least %d distinct users failing from one IP within an hour, at most %d attempts each): %s failed password sign-ins for %d users (%d in all); %d success(es) from the same IP.%s",
				SprayMinUsers, SprayMaxAttemptsPerUser, ip, users, len(l), succ, mine),
			"Block the IP with a Conditional Access named location, or confirm it is a known egress (a VPN, a proxy).",
			"Check the users who signed in successfully from this IP and reset their passwords if the sign-ins were not theirs.",
			"Block legacy authentication if the attempts used it.")
		if len(xs) == 0 {
			// An IP or tenant subject: the evidence is the spray itself.
			fd.Evidence = evidence(l)
		}
		fd.Evidence.UserCount, fd.Evidence.SuccessesFromSameIP = users, succ
		out = append(out, fd)
		if succ > 0 {
			c := f.finding(ScenarioCompromise, "Credential compromise suspected: success from a spraying IP", "admin", ConfidenceMedium, nil,
				fmt.Sprintf("%d sign-in(s) succeeded from %s, an IP that failed passwords for %d users: the password of the user(s) who signed in may be known to an attacker.", succ, ip, users),
				"Confirm with the user(s) whether they signed in from this IP.",
				"Reset the password and revoke sessions of every user who signed in from it.",
				"Investigate what those sessions accessed (audit and sign-in logs) and block the IP.")
			c.Evidence = evidence(succIDs)
			c.Evidence.SuccessesFromSameIP, c.Evidence.UserCount = succ, users
			c.Status = StatusOngoing
			out = append(out, c)
		}
	}
	return out
}

// sprayUsers is the most distinct users failed by l (oldest first) within
// any SprayWindow, leaving out the users who, in some SprayWindow, failed
// more than SprayMaxAttemptsPerUser times from the IP: they are not being
// sprayed. Judging a user on their busiest window, not on the window being
// counted, keeps the first minutes of five users' thirty attempts each
// from looking like five single attempts. Linear in l.
func sprayUsers(l []*signin.SignIn) int {
	byUser := map[string][]time.Time{}
	for _, s := range l {
		byUser[userOf(s)] = append(byUser[userOf(s)], s.CreatedAt)
	}
	noisy := map[string]bool{}
	for u, ts := range byUser {
		lo := 0
		for i, t := range ts {
			for t.Sub(ts[lo]) > SprayWindow {
				lo++
			}
			if i-lo+1 > SprayMaxAttemptsPerUser {
				noisy[u] = true
				break
			}
		}
	}
	best, lo := 0, 0
	in := map[string]int{}
	for _, s := range l {
		if noisy[userOf(s)] {
			continue
		}
		in[userOf(s)]++
		for s.CreatedAt.Sub(l[lo].CreatedAt) > SprayWindow {
			if u := userOf(l[lo]); !noisy[u] {
				if in[u]--; in[u] == 0 {
					delete(in, u)
				}
			}
			lo++
		}
		best = max(best, len(in))
	}
	return best
}

// ruleMaliciousIP: 50053 with no wrong password before it for that user, or
// 50053 for several users from one IP. Both indexes are built once, so the
// rule is linear in the sign-ins.
func ruleMaliciousIP(f *facts) []Finding {
	locks := f.open(hasCode(codeLocked))
	if len(locks) == 0 {
		return nil
	}
	firstBad := map[string]time.Time{} // user: first wrong password
	for _, x := range f.failures {
		if u := userOf(x.s); x.s.Status.ErrorCode == codeBadPassword {
			if _, ok := firstBad[u]; !ok {
				firstBad[u] = x.s.CreatedAt
			}
		}
	}
	lockedByIP := map[string]map[string]bool{} // IP: users locked from it
	for _, s := range f.sameIP {
		if s.IPAddress != "" && s.Status.ErrorCode == codeLocked {
			if lockedByIP[s.IPAddress] == nil {
				lockedByIP[s.IPAddress] = map[string]bool{}
			}
			lockedByIP[s.IPAddress][userOf(s)] = true
		}
	}
	var xs []*failure
	for _, x := range locks {
		t, bad := firstBad[userOf(x.s)]
		if !bad || t.After(x.s.CreatedAt) || len(lockedByIP[x.s.IPAddress]) > 1 {
			xs = append(xs, x)
		}
	}
	if len(xs) == 0 {
		return nil
	}
	claim(xs)
	return []Finding{f.finding(ScenarioMaliciousIP, "Sign-ins blocked from an IP Entra considers malicious", "admin", ConfidenceMedium, xs,
		fmt.Sprintf("Entra answered 50053 with no run of wrong passwords before it (or for several users from one IP): the IP is blocked whatever the password. %s.", span(xs)),
		"Check whether the IP is the user's own (a shared VPN or proxy exit); if not, nothing needs unlocking.",
		"If it is a legitimate egress, have the user sign in from another network and report the IP to Microsoft support.")}
}

// ruleSmartLockout: 50053 after a run of 50126 for the same user.
func ruleSmartLockout(f *facts) []Finding {
	var out []Finding
	for _, xs := range byUser(f.open(hasCode(codeBadPassword, codeLocked))) {
		if !slices.ContainsFunc(xs, hasCode(codeLocked)) {
			continue
		}
		claim(xs)
		ev := signIns(xs)
		src, summary := "many-clients", "from several IPs, clients or devices: a possible attack or several stale clients"
		steps := []string{
			"Confirm with the user which of the listed IPs and clients are theirs.",
			"If some are not, treat the password as targeted: reset it, revoke sessions and enable MFA if missing.",
			"The lock lifts on its own; a self-service password reset unlocks at once.",
		}
		if oneClient(ev) {
			s := ev[0]
			src = "one-client"
			summary = fmt.Sprintf("all from one client (%s on %s, IP %s): a saved, stale password is the likely source", cmp.Or(s.ClientApp, "unknown client app"), cmp.Or(deviceOf(s), "a device with no ID logged"), s.IPAddress)
			steps = []string{
				fmt.Sprintf("Update or remove the saved password in %s on %s.", cmp.Or(s.ClientApp, "the client"), cmp.Or(deviceOf(s), "the device at "+s.IPAddress)),
				"The lock lifts on its own; a self-service password reset unlocks at once.",
			}
		}
		fd := f.finding(ScenarioSmartLockout, "Account locked by smart lockout", "helpdesk", ConfidenceHigh, xs,
			fmt.Sprintf("%s locked after wrong passwords, %s. %s.", userOf(ev[0]), summary, span(xs)), steps...)
		fd.Evidence.LockoutSource = src
		out = append(out, fd)
	}
	return out
}

// ruleStaleReplay: repeated 50126 from one client with no lockout while
// another client of the same user succeeds, or that started after the
// password changed (the directory's audit log or the account's
// lastPasswordChangeDateTime): then the replay is certain, other clients
// or not.
func ruleStaleReplay(f *facts) []Finding {
	var out []Finding
	for _, xs := range byUser(f.open(hasCode(codeBadPassword))) {
		ev := signIns(xs)
		if len(xs) < StaleReplayMinFailures || !oneClient(ev) {
			continue
		}
		s := ev[0]
		other := false
		for _, ok := range f.successes {
			if userOf(ok) == userOf(s) && (ok.IPAddress != s.IPAddress || ok.ClientApp != s.ClientApp || ok.Device.ID != s.Device.ID) {
				other = true
			}
		}
		changedAt, changedBy, changed := f.dir.passwordChange(s.CreatedAt)
		if !other && !changed {
			continue
		}
		claim(xs)
		client := fmt.Sprintf("%s on %s (IP %s)", cmp.Or(s.ClientApp, "unknown client app"), cmp.Or(deviceOf(s), "a device with no ID logged"), s.IPAddress)
		summary := fmt.Sprintf("%s failed with a wrong password from one client, %s, with no lockout (Entra does not count a repeated identical wrong password)", userOf(s), client)
		if other {
			summary += " while other clients of the user signed in"
		}
		summary += "."
		conf := ConfidenceMedium
		if changed {
			conf = ConfidenceHigh
			by := "the account's lastPasswordChangeDateTime"
			if changedBy != "" {
				by = changedBy
			}
			summary += fmt.Sprintf(" The failures started after the password changed at %s (%s): the client still sends the old one.", stamp(changedAt), by)
		}
		out = append(out, f.finding(ScenarioStaleReplay, "A client keeps sending an old password", "user", conf, xs,
			fmt.Sprintf("%s %s.", summary, span(xs)),
			fmt.Sprintf("Update or remove the saved password in %s.", client),
			"If the password changed recently, sign out and back in on that client."))
	}
	return out
}

// ruleBadPassword: the remaining wrong passwords.
func ruleBadPassword(f *facts) []Finding {
	var out []Finding
	for _, xs := range byUser(f.open(hasCode(codeBadPassword))) {
		claim(xs)
		out = append(out, f.finding(ScenarioBadPassword, "Wrong password", "user", ConfidenceHigh, xs,
			fmt.Sprintf("%s entered a wrong password: %s, with no lockout and no pattern of an attack.", userOf(xs[0].s), span(xs)),
			"Have the user retry carefully, or reset the password with self-service password reset.",
			"If the user did not try to sign in, treat it as an attempt on the account."))
	}
	return out
}

// ruleMFA: MFA registration or completion that did not lead to a success.
func ruleMFA(f *facts) []Finding {
	var out []Finding
	reg := f.open(func(x *failure) bool {
		return hasCode(codeMFARegister, codeMFARegister2)(x) && !x.fu.Completed
	})
	if len(reg) > 0 {
		claim(reg)
		out = append(out, f.finding(ScenarioMFARegistration, "MFA registration required and not completed", "user", ConfidenceHigh, reg,
			fmt.Sprintf("The user was asked to register security info and no success followed: %s.", span(reg)),
			"Have the user register at https://aka.ms/mysecurityinfo, from a trusted location if a policy requires it.",
			"If registration is blocked, issue a Temporary Access Pass."))
	}
	var denied, fraud, other []*failure
	for _, x := range f.open(hasCode(codeMFAFailed, codeMFARequired, codeMFARequired2)) {
		if x.s.Status.ErrorCode != codeMFAFailed {
			if !x.fu.Completed {
				other = append(other, x)
			}
			continue
		}
		fr, de := mfaRejection(x.s)
		switch {
		case fr:
			fraud = append(fraud, x)
		case de:
			denied = append(denied, x)
		default:
			other = append(other, x)
		}
	}
	if len(fraud) > 0 {
		claim(fraud)
		out = append(out, f.finding(ScenarioMFAFraud, "MFA request reported as fraud", "admin", ConfidenceHigh, fraud,
			fmt.Sprintf("The user reported an MFA request as fraud after a correct password: %s.", span(fraud)),
			"Reset the user's password and revoke sessions: the password is known to someone else.",
			"Review the sign-ins' IPs and locations; unblock the user in MFA settings once safe."))
	}
	if len(denied) > 0 {
		claim(denied)
		out = append(out, f.finding(ScenarioMFADenied, "MFA request denied by the user", "user", ConfidenceHigh, denied,
			fmt.Sprintf("The user declined the MFA request: %s.", span(denied)),
			"Ask the user whether they started the sign-in; if not, treat the password as compromised (MFA fatigue): reset it and revoke sessions.",
			"If they did, have them approve the next prompt, checking the number shown."))
	}
	if len(other) > 0 {
		claim(other)
		out = append(out, f.finding(ScenarioMFANotCompleted, "MFA not completed", "user", ConfidenceMedium, other,
			fmt.Sprintf("MFA was required and not completed, with no success after it: %s.", span(other)),
			"Ask the user whether the prompt reached them (phone, app notifications, time-outs).",
			"Check the user's registered methods; re-register the authenticator if the device changed."))
	}
	return out
}

// legacyClients are clientAppUsed values of legacy authentication.
var legacyClients = []string{"exchange activesync", "imap4", "imap", "pop3", "pop", "authenticated smtp", "smtp", "other clients",
	"exchange web services", "mapi over http", "offline address book", "outlook anywhere (rpc over http)", "autodiscover", "exchange online powershell"}

func isLegacy(clientApp string) bool {
	return slices.Contains(legacyClients, strings.ToLower(clientApp))
}

func blockedByPolicy(s *signin.SignIn) bool {
	for _, p := range s.Policies {
		if p.Result == policyResultFailure && slices.ContainsFunc(p.GrantControls, func(g string) bool { return strings.EqualFold(g, "block") }) {
			return true
		}
	}
	return false
}

// ruleCA: 53003 by a policy whose grant is block; legacy clients apart.
func ruleCA(f *facts) []Finding {
	xs := f.open(func(x *failure) bool { return x.s.Status.ErrorCode == codeCABlocked && blockedByPolicy(x.s) })
	var legacy, modern []*failure
	for _, x := range xs {
		if isLegacy(x.s.ClientApp) {
			legacy = append(legacy, x)
		} else {
			modern = append(modern, x)
		}
	}
	var out []Finding
	if len(legacy) > 0 {
		claim(legacy)
		fd := f.finding(ScenarioLegacyAuthBlocked, "Legacy authentication blocked by Conditional Access", "admin", ConfidenceHigh, legacy, "",
			"Move the client to modern authentication (a current Outlook or mail app, OAuth for IMAP/POP/SMTP).",
			"Keep the block: legacy protocols cannot do MFA; exclude only a documented service account if unavoidable.")
		fd.Summary = fmt.Sprintf("A legacy client (%s) was blocked by %s: %s.", strings.Join(fd.Evidence.ClientApps, ", "), policyNames(fd.Evidence.Policies), span(legacy))
		out = append(out, fd)
	}
	if len(modern) > 0 {
		claim(modern)
		fd := f.finding(ScenarioCABlocked, "Blocked by a Conditional Access policy", "admin", ConfidenceHigh, modern, "",
			"Read the policy's conditions (users, apps, locations, platforms) to see why it matched this sign-in.",
			"If the block is not intended for this user or context, adjust the policy's assignments or exclusions.")
		fd.Summary = fmt.Sprintf("%s blocked the sign-in: %s.", policyNames(fd.Evidence.Policies), span(modern))
		out = append(out, fd)
	}
	return out
}

func policyNames(ps []PolicyRef) string {
	n := make([]string, 0, len(ps))
	for _, p := range ps {
		n = append(n, fmt.Sprintf("policy %q", cmp.Or(p.Name, p.ID)))
	}
	if len(n) == 0 {
		return "a policy"
	}
	return strings.Join(n, ", ")
}

// ruleTransient: codes the catalog marks transient.
func ruleTransient(f *facts) []Finding {
	xs := f.open(func(x *failure) bool { return x.outcome == signin.OutcomeTransient })
	if len(xs) == 0 {
		return nil
	}
	claim(xs)
	fd := f.finding(ScenarioTransient, "Transient error", "none", ConfidenceMedium, xs,
		fmt.Sprintf("Entra reported a temporary error (codes %s): %s.", joinInts(evidence(signIns(xs)).ErrorCodes), span(xs)),
		"No action unless it persists: retry the sign-in.",
		"If it keeps failing, check the Microsoft 365 and Azure service health and open a support case with the request IDs.")
	if fd.Status == StatusOngoing {
		fd.WhoFixes = "microsoft"
	}
	return []Finding{fd}
}

// ruleUnclassified: every other failure, one finding per code, with the
// catalog's explanation. Completed interrupts are normal steps, not failures.
func ruleUnclassified(f *facts) []Finding {
	xs := f.open(func(x *failure) bool { return !(x.outcome == signin.OutcomeInterrupt && x.fu.Completed) })
	byCode := map[int][]*failure{}
	for _, x := range xs {
		byCode[x.s.Status.ErrorCode] = append(byCode[x.s.Status.ErrorCode], x)
	}
	codes := make([]int, 0, len(byCode))
	for c := range byCode {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var out []Finding
	for _, c := range codes {
		l := byCode[c]
		claim(l)
		title, summary, who := fmt.Sprintf("Error %d", c), "", "admin"
		var steps []string
		if f.in.Catalog != nil {
			e := f.in.Catalog.Explain(c)
			title = cmp.Or(e.Title, title)
			summary = e.Summary
			who = cmp.Or(e.WhoFixes, who)
			steps = append(append(append(steps, e.Remediation.Admin...), e.Remediation.User...), e.Remediation.Developer...)
		}
		out = append(out, f.finding(ScenarioUnclassified, title, who, ConfidenceLow, l,
			strings.TrimSpace(fmt.Sprintf("No scenario matched error %d (%s). %s", c, span(l), summary)), steps...))
	}
	return out
}

// ruleNothing: only completed interrupts, or no failure at all.
func ruleNothing(f *facts) []Finding {
	for _, x := range f.failures {
		if x.claimed {
			return nil
		}
	}
	if len(f.failures) > 0 {
		xs := f.open(func(*failure) bool { return true })
		fd := f.finding(ScenarioInterruptsOnly, "Only interrupts, each completed", "none", ConfidenceHigh, xs,
			fmt.Sprintf("Nothing failed: %s were MFA prompts or other normal steps, each followed by a success.", span(xs)),
			"Nothing to fix; if the user still reports a problem, ask for the time and app of the failing attempt.")
		fd.Status = StatusResolved
		return []Finding{fd}
	}
	return []Finding{{
		Scenario: ScenarioNoFailures, Title: "No failed sign-ins", Confidence: ConfidenceHigh, Status: StatusResolved, WhoFixes: "none",
		Summary:   fmt.Sprintf("No sign-in failed in the window (%s to %s); %d successful sign-in(s) were read.", cmp.Or(stamp(f.in.Since), "the oldest record"), cmp.Or(stamp(f.in.Until), "the newest"), len(f.successes)),
		NextSteps: []string{"Ask for the time, app and device of the failing attempt, and widen the window or the sign-in types read."},
	}}
}

// catalogWho is who the catalog says acts first on every code of xs when the
// entries agree, else fallback: a finding never contradicts the catalog
// entry a reader looks up next.
func (f *facts) catalogWho(xs []*failure, fallback string) string {
	if f.in.Catalog == nil {
		return fallback
	}
	who := ""
	for _, x := range xs {
		e, ok := f.in.Catalog.Lookup(x.s.Status.ErrorCode)
		if !ok || (who != "" && e.WhoFixes != who) {
			return fallback
		}
		who = e.WhoFixes
	}
	return cmp.Or(who, fallback)
}

// guestCodes are the B2B and cross-tenant codes (the catalog's b2b-guest
// family): the account or the tenant boundary, not the password, failed.
var guestCodes = []int{50020, 50177, 50178, 90072, 500212, 500213}

// crossedTenant reports whether s signed in across a tenant boundary: a
// guest, a home tenant other than the resource tenant, a cross-tenant access
// type, or a guest UPN (#EXT#).
func crossedTenant(s *signin.SignIn) bool {
	return strings.EqualFold(s.User.Type, "guest") ||
		(s.HomeTenantID != "" && s.TenantID != "" && !strings.EqualFold(s.HomeTenantID, s.TenantID)) ||
		(s.CrossTenantAccessType != "" && !strings.EqualFold(s.CrossTenantAccessType, "none")) ||
		signin.HomeAddress(s.User.UPN) != ""
}

// ruleGuest: a B2B code for a guest or cross-tenant sign-in. The codes say
// it outright; the tenant fields make it certain which account was used.
func ruleGuest(f *facts) []Finding {
	xs := f.open(hasCode(guestCodes...))
	if len(xs) == 0 {
		return nil
	}
	claim(xs)
	last := xs[len(xs)-1].s
	conf, who := ConfidenceMedium, "an account"
	if slices.ContainsFunc(xs, func(x *failure) bool { return crossedTenant(x.s) }) {
		conf = ConfidenceHigh
		who = "an external account"
	}
	var ctx []string
	if h := last.HomeTenantID; h != "" && !strings.EqualFold(h, last.TenantID) {
		ctx = append(ctx, "home tenant "+h)
	}
	if t := last.CrossTenantAccessType; t != "" && !strings.EqualFold(t, "none") {
		ctx = append(ctx, "access type "+t)
	}
	if a := signin.HomeAddress(last.User.UPN); a != "" {
		ctx = append(ctx, "invited as "+a)
	}
	where := ""
	if len(ctx) > 0 {
		where = " (" + strings.Join(ctx, ", ") + ")"
	}
	var steps []string
	if slices.ContainsFunc(xs, hasCode(500213)) {
		steps = append(steps, "Review this tenant's inbound cross-tenant access settings for the user's home tenant and allow the user or app if the access is intended.")
	}
	if slices.ContainsFunc(xs, hasCode(500212)) {
		steps = append(steps, "Ask the admins of the user's home tenant to allow outbound access to this tenant in their cross-tenant access settings.")
	}
	steps = append(steps,
		"Check that the user signs in with the exact account that accepted the invitation; if no guest account exists for it, invite that address (or resend the invitation).",
		"If the user is a member of this tenant, have them pick their own work account instead of an external one (sign out, or use a private window).")
	return []Finding{f.finding(ScenarioGuestMismatch, "Guest or cross-tenant account not accepted", f.catalogWho(xs, "admin"), conf, xs,
		fmt.Sprintf("%s signed in with %s%s that this tenant did not accept: %s.", userOf(last), who, where, span(xs)), steps...)}
}

// isCAFailure: a Conditional Access code (53xxx, 530xxx) with a failing
// policy, or with the sign-in's Conditional Access status failure when the
// log carries no policy detail (v1.0 often does not).
func isCAFailure(s *signin.SignIn) bool {
	c := s.Status.ErrorCode
	if !(c/1000 == 53 || c/10000 == 53) {
		return false
	}
	return failingPolicy(s) || strings.EqualFold(s.ConditionalAccessStatus, "failure")
}

func failingPolicy(s *signin.SignIn) bool {
	return slices.ContainsFunc(s.Policies, func(p signin.Policy) bool { return p.Result == policyResultFailure })
}

// ruleRisk: risk-based blocks, and a Conditional Access block of a sign-in
// rated high risk while it happened.
func ruleRisk(f *facts) []Finding {
	xs := f.open(func(x *failure) bool {
		return hasCode(codeRiskRegister, codeRiskTenant, codeRiskHome)(x) ||
			(isCAFailure(x.s) && strings.EqualFold(x.s.Risk.LevelDuringSignIn, "high"))
	})
	if len(xs) == 0 {
		return nil
	}
	claim(xs)
	fd := f.finding(ScenarioRiskBlocked, "Blocked because the sign-in or user is risky", f.catalogWho(xs, "admin"), ConfidenceHigh, xs, "",
		"Review the user's risk detections in Identity Protection and confirm with the user whether the sign-ins were theirs.",
		"If they were not, reset the password and revoke sessions; if they were, reset the password (or have the user do a secure password change) and then dismiss the risk.",
		"Once the risk is remediated, have the user sign in again.")
	risk := ""
	if ls := counted(riskLevels(xs)); len(ls) > 0 {
		risk = " Risk during sign-in: " + strings.Join(ls, ", ") + "."
	}
	by := ""
	if len(fd.Evidence.Policies) > 0 {
		by = " by " + policyNames(fd.Evidence.Policies)
	}
	fd.Summary = fmt.Sprintf("Entra blocked the sign-in for risk%s (codes %s): %s.%s", by, joinInts(fd.Evidence.ErrorCodes), span(xs), risk)
	return []Finding{fd}
}

func riskLevels(xs []*failure) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if l := x.s.Risk.LevelDuringSignIn; l != "" && !strings.EqualFold(l, "none") {
			out = append(out, l)
		}
	}
	return out
}

// ruleDevice: the device did not meet a device grant (compliant, hybrid
// joined, managed). Managed but not compliant is an Intune compliance
// problem; unmanaged is an enrolment problem: the finding says which.
func ruleDevice(f *facts) []Finding {
	xs := f.open(hasCode(codeDeviceNotComp, codeNotHybrid, codeManagedDevice))
	if len(xs) == 0 {
		return nil
	}
	claim(xs)
	d := xs[len(xs)-1].s.Device // the latest attempt shows the device now
	name := cmp.Or(deviceOf(xs[len(xs)-1].s), "a device with no ID logged")
	if d.OperatingSystem != "" {
		name += " (" + d.OperatingSystem + ")"
	}
	var state string
	var steps []string
	conf := ConfidenceHigh
	switch {
	case d.IsManaged != nil && *d.IsManaged && (d.IsCompliant == nil || !*d.IsCompliant):
		state = "managed but not compliant: an Intune compliance problem, not an enrolment one"
		steps = []string{
			"Have the user open Company Portal on the device, see which compliance setting fails (OS version, encryption, screen lock, threat level), fix it and tap 'Check status'; an admin sees the same setting on the device in Intune.",
			"If the device is compliant now, wait for its compliance state to reach Entra ID (or sync it from Intune) and retry."}
	case d.ID == "" || (d.IsManaged != nil && !*d.IsManaged):
		state = "not managed (no device ID or not enrolled): an enrolment problem"
		steps = []string{
			"Have the user enrol or register the device (Company Portal, or join it to Entra ID) and sign in from the enrolled device.",
			"On a browser, make sure the device's identity reaches Entra ID (Edge signed in with the work profile, or the Windows Accounts / Microsoft SSO extension)."}
	case slices.ContainsFunc(xs, hasCode(codeNotHybrid)):
		state = fmt.Sprintf("registered (trust type %q) but not hybrid joined", cmp.Or(d.TrustType, "unknown"))
		steps = []string{
			"Hybrid join the device (domain join plus Entra Connect device sync) or use a hybrid-joined device.",
			"If the device is hybrid joined, check that its registration completed (dsregcmd /status) and that Entra Connect synced it."}
	default:
		state = "known to Entra ID but not meeting the policy's device grant"
		conf = ConfidenceMedium
		steps = []string{
			"Check the device's compliance and join state in Entra ID and Intune against the failing policy's grant controls.",
			"Fix the device's state, or use a device that meets the policy."}
	}
	steps = append(steps, "If the policy should not apply to this device or user, adjust its assignments.")
	fd := f.finding(ScenarioDeviceCompliance, "Device does not meet a Conditional Access device requirement", f.catalogWho(xs, "admin"), conf, xs, "", steps...)
	fd.Summary = fmt.Sprintf("%s required a compliant, managed or hybrid-joined device; %s is %s. %s.", capital(policyNames(fd.Evidence.Policies)), name, state, capital(span(xs)))
	return []Finding{fd}
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ruleCAGrant: any other Conditional Access failure: the policy that
// failed and the grant controls it wanted.
func ruleCAGrant(f *facts) []Finding {
	xs := f.open(func(x *failure) bool { return isCAFailure(x.s) })
	if len(xs) == 0 {
		return nil
	}
	claim(xs)
	conf := ConfidenceMedium
	if slices.ContainsFunc(xs, func(x *failure) bool { return failingPolicy(x.s) }) {
		conf = ConfidenceHigh
	}
	fd := f.finding(ScenarioCAGrant, "A Conditional Access grant control was not satisfied", f.catalogWho(xs, "admin"), conf, xs, "",
		"Read the failing policy's grant controls and have the user meet them (complete MFA, use an approved client app, accept the terms of use, or a compliant device), or meet them for the user (register a method, enrol the device).",
		"If the policy should not apply to this user, app or context, adjust its assignments or exclusions.")
	var wants []string
	for _, p := range fd.Evidence.Policies {
		for _, g := range p.GrantControls {
			if !slices.Contains(wants, g) {
				wants = append(wants, g)
			}
		}
	}
	want := "its grant controls"
	if len(wants) > 0 {
		want = "grant controls " + strings.Join(wants, ", ")
	}
	fd.Summary = fmt.Sprintf("%s failed: the sign-in did not satisfy %s (codes %s): %s.", capital(policyNames(fd.Evidence.Policies)), want, joinInts(fd.Evidence.ErrorCodes), span(xs))
	return []Finding{fd}
}

// ruleSession: tokens and sessions that are no longer valid. On
// non-interactive sign-ins (a client refreshing in the background) it is a
// revoked refresh token: a password change, a reset or an admin's "revoke
// sessions" did it, and one interactive sign-in of the user ends it. On
// interactive ones the user is asked to sign in again (sign-in frequency,
// a revoked session).
func ruleSession(f *facts) []Finding {
	var out []Finding
	refresh := f.open(func(x *failure) bool {
		c := x.s.Status.ErrorCode
		return c == codeGrantRevoked || (x.s.Type == signin.NonInteractive && (c == codeSessionRevoked || c == codePasswordChanged))
	})
	if len(refresh) > 0 {
		claim(refresh)
		fd := f.finding(ScenarioRefreshRevoked, "Refresh token revoked: the app must sign the user in again", f.catalogWho(refresh, "user"), ConfidenceHigh, refresh, "",
			"Have the user sign in again interactively in the app that keeps failing (sign out and back in); that issues a new refresh token.",
			"If it keeps failing after an interactive sign-in, the client is not prompting: update or reinstall it, or clear its cached account.",
			"Check the audit log for the password change, reset or session revocation that caused it, to confirm it was expected.")
		fd.Status = StatusOngoing
		ok := f.interactiveSuccessAfter(refresh)
		after := ""
		if ok != nil {
			fd.Status = StatusResolved
			after = fmt.Sprintf(" The user signed in interactively afterwards (%s at %s), which issues a new token.", appOf(ok), stamp(ok.CreatedAt))
		}
		fd.Summary = fmt.Sprintf("Background (non-interactive) token refreshes of %s were rejected because the refresh token or session was revoked (a password change, a reset, or an admin revocation): %s.%s",
			strings.Join(fd.Evidence.Apps, ", "), span(refresh), after)
		out = append(out, fd)
	}
	reauth := f.open(hasCode(codeSignInFrequency, codePasswordChanged, codeSessionRevoked))
	if len(reauth) > 0 {
		claim(reauth)
		fd := f.finding(ScenarioReauthentication, "The user must sign in again", f.catalogWho(reauth, "user"), ConfidenceHigh, reauth, "",
			"Have the user sign in again with their password (and MFA): the old session is no longer accepted.",
			"If it happens more often than expected, check the sign-in frequency session control of the Conditional Access policies that apply, and recent password changes or session revocations in the audit log.")
		fd.Summary = fmt.Sprintf("The session was no longer valid (sign-in frequency reached, or the session revoked after a password change): %s.", span(reauth))
		out = append(out, fd)
	}
	return out
}

// interactiveSuccessAfter returns the first interactive success of the
// failures' user at or after the latest of them, or nil. Only the latest
// failure counts, so that a client still failing after that success keeps
// the finding ongoing.
func (f *facts) interactiveSuccessAfter(xs []*failure) *signin.SignIn {
	last := xs[len(xs)-1].s
	u := userOf(last)
	// f.successes are in order (oldest first): skip to the failure's time.
	from := sort.Search(len(f.successes), func(i int) bool { return !f.successes[i].CreatedAt.Before(last.CreatedAt) })
	for _, s := range f.successes[from:] {
		if s.Type == signin.Interactive && userOf(s) == u {
			return s
		}
	}
	return nil
}

// ruleManagedIdentity: managed identity sign-ins that failed for any
// reason the transient rule does not own. No secret is involved: the
// identity, its assignment to the resource, or the token request is wrong.
func ruleManagedIdentity(f *facts) []Finding {
	xs := f.open(func(x *failure) bool {
		return x.s.Type == signin.ManagedIdentity && x.outcome != signin.OutcomeTransient && !(x.outcome == signin.OutcomeInterrupt && x.fu.Completed)
	})
	if len(xs) == 0 {
		return nil
	}
	claim(xs)
	last := xs[len(xs)-1].s
	kind := cmp.Or(last.ManagedIdentity, "type not logged")
	titles := []string{}
	if f.in.Catalog != nil {
		codes := map[int]bool{}
		for _, x := range xs {
			if c := x.s.Status.ErrorCode; !codes[c] {
				codes[c] = true
				if e, ok := f.in.Catalog.Lookup(c); ok {
					titles = append(titles, fmt.Sprintf("%d %s", c, e.Title))
				}
			}
		}
		slices.Sort(titles)
	}
	what := ""
	if len(titles) > 0 {
		what = " (" + strings.Join(titles, "; ") + ")"
	}
	fd := f.finding(ScenarioManagedIdentity, "Managed identity sign-in failed", f.catalogWho(xs, "developer"), ConfidenceHigh, xs,
		fmt.Sprintf("The managed identity %s (%s) could not get a token for %s%s: %s.", cmp.Or(last.ServicePrincipal.Name, appOf(last)), kind, cmp.Or(last.Resource.Name, last.Resource.ID, "its resource"), what, span(xs)),
		"Check that the identity is enabled on the Azure resource and, for a user-assigned identity, that the code asks for the right client ID.",
		"Check the resource the token is requested for (its App ID URI or scope) and grant the identity a role on it.",
		"Restart or redeploy the workload if the identity was recreated (a new object ID behind the same name).")
	return []Finding{fd}
}

// ruleConsent: the app needs permissions nobody consented to. A consent
// prompt (90095) that the user got through is a normal step.
func ruleConsent(f *facts) []Finding {
	xs := f.open(func(x *failure) bool {
		return hasCode(codeConsent, codeConsentDeclined, codeAdminConsent)(x) || (x.s.Status.ErrorCode == codeConsentPrompt && !x.fu.Completed)
	})
	if len(xs) == 0 {
		return nil
	}
	claim(xs)
	steps := []string{
		"Review the permissions the app asks for; if they are acceptable, grant admin consent on the enterprise application (or approve the user's admin consent request).",
		"If the app should not have them, leave consent withheld and tell the user; a developer can request fewer permissions.",
	}
	if slices.ContainsFunc(xs, hasCode(codeConsentDeclined)) && !slices.ContainsFunc(xs, hasCode(codeConsent, codeAdminConsent, codeConsentPrompt)) {
		steps = []string{
			"Ask the user whether declining the consent prompt was intended; if not, have them sign in again and accept it.",
			"If users should not decide, an admin grants consent for the tenant on the enterprise application.",
		}
	}
	fd := f.finding(ScenarioConsent, "Consent to the application's permissions is missing", f.catalogWho(xs, "admin"), ConfidenceHigh, xs, "", steps...)
	fd.Summary = fmt.Sprintf("%s needs permissions nobody has consented to (codes %s): %s.", strings.Join(fd.Evidence.Apps, ", "), joinInts(fd.Evidence.ErrorCodes), span(xs))
	return []Finding{fd}
}
