package demo

import (
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// stories.go holds the table of the demo's stories (one per scenario id of
// diagnose_signin_failures) and the stories added with that tool; the older
// ones live in scenarios.go.

// Story is one scenario of diagnose_signin_failures as the demo tenant tells
// it: who to diagnose to see it, and what happened. The README and the tests
// read the table.
type Story struct {
	// Scenario is the diagnose_signin_failures scenario id the story shows.
	Scenario string
	// SubjectKind is what to diagnose: "user", "app", "ipAddress" or
	// "correlationId" (the tool's argument names, as the diagnosis's
	// subject kinds).
	SubjectKind string
	// Subject is the value of that argument: a UPN, an app name or ID, an IP
	// or a correlation ID.
	Subject string
	// Summary says what happened, in a sentence.
	Summary string
	// RootCause is true when the scenario is the subject's first finding;
	// false when another finding is ranked above it by design (a suspected
	// compromise always comes first).
	RootCause bool
}

// Subjects and identifiers the story table names.
const (
	maliciousIP  = "203.0.113.201"
	lisbonIP     = "203.0.113.150"
	anonymizerIP = "203.0.113.230"
	guestIP      = "203.0.113.42"
	guestHomeUPN = "marco.bianchi@northwindtraders.com"
	// guestMismatchUPN is the UPN of his guest object in this tenant.
	guestMismatchUPN = "marco.bianchi_northwindtraders.com#EXT#@" + Domain
	inventoryAPI     = "api://contoso-inventory"
	expensePortal    = "Contoso Expense Portal"
)

// Identifiers derived from names, stable whatever now is.
var (
	appInventoryLocal = app{ID: nameGUID("app/contoso-inventory-local")} // registered in no tenant Entra knows here
	appExpensePortal  = tenantApp(expensePortal)
	transientFlow     = nameGUID("correlation/transient")
)

// When the newer stories happen, as durations before the newest sign-in.
const (
	portalMoved = 9*time.Hour + 5*time.Minute // Contoso Expense Portal's new address
	miraCreated = 29 * time.Hour              // new hire, yesterday
)

// Stories returns the demo's stories, one per scenario id of
// diagnose_signin_failures, each within the default 48-hour window before the
// newest sign-in. The slice is new at every call.
func Stories() []Story {
	u := func(name string) string { return name + "@" + Domain }
	return []Story{
		{"credential-compromise-suspected", "user", u("derek.holt"), "A correct password from the spraying IP 203.0.113.77, rated high risk, then an MFA prompt the real Derek declined: someone else knows his password.", true},
		{"smart-lockout", "user", u("rosa.diaz"), "Eleven wrong passwords from one personal PC at home this morning, then smart lockout (one client: a forgotten or saved old password).", true},
		{"malicious-ip-blocked", "user", u("paulo.souza"), "Travelling, Paulo tried a free VPN whose exit Entra flags as malicious: three 50053 with no wrong password before them; the hotel Wi-Fi worked.", true},
		{"password-spray", "ipAddress", sprayIP, "One IP tried a password against 41 accounts in under an hour (50126, then 50053 blocks); one unattended account without MFA let it in, so a suspected compromise ranks first.", false},
		{"stale-password-replay", "user", u("greg.santos"), "An old Outlook on a meeting-room PC sends the same wrong password every hour; no lockout, while Greg's own devices sign in.", true},
		{"bad-password", "user", u("lucas.weber"), "Two typos at the office, then the right password in the same flow.", true},
		{"password-expired", "user", u("marcus.chen"), "The password passed the 90-day maximum age overnight.", true},
		{"account-disabled", "user", u("kevin.obrien"), "A leaver's account was disabled; his phone keeps refreshing tokens.", true},
		{"user-not-found", "user", u("jonh.smith"), "A misspelt user name that no account has.", true},
		{"guest-identity-mismatch", "user", guestHomeUPN, "A guest redeemed his invitation with a personal Microsoft account and now signs in with his work account, which has no guest object here (50020).", true},
		{"mfa-registration-required", "user", u("sam.okafor"), "MFA is required at home and Sam never finished registering a method.", true},
		{"mfa-denied", "user", u("erik.strand"), "Erik declined two MFA prompts he took for phishing; they were his own sign-ins.", true},
		{"mfa-fraud-reported", "user", u("olivia.bennett"), "A correct password from Bucharest and a prompt Olivia reported as fraud: a suspected compromise ranks first.", false},
		{"mfa-not-completed", "user", u("priya.sharma"), "The Authenticator notification timed out (phone out of battery); a text message worked later.", true},
		{"legacy-auth-blocked", "user", u("frank.miller"), "An IMAP4 mail client with basic authentication, blocked by \"Block legacy authentication\".", true},
		{"ca-blocked", "user", u("tessa.vogel"), "A finance user opened the Azure portal, which \"Block Azure management for non-administrators\" blocks.", true},
		{"ca-device-not-compliant", "user", u("jessica.wong"), "Salesforce from a personal Mac that is not enrolled: \"Require compliant device for Salesforce\" fails.", true},
		{"ca-grant-not-satisfied", "user", u("nadia.petrov"), "Exchange Online in Chrome on a personal Android phone, where an approved client app (Outlook) is required.", true},
		{"security-defaults", "user", u("kai.lindgren"), "A scheduled script signs in with a password (ROPC) to a partner tenant that uses security defaults, which block it.", true},
		{"risk-blocked", "user", u("mira.kapoor"), "A new hire tried to register MFA through an anonymising VPN; registration is blocked by risk (53004).", true},
		{"reauthentication-required", "user", u("maria.garcia"), "The 4-hour sign-in frequency for Azure management asks Maria to sign in again (70044).", true},
		{"refresh-token-revoked", "user", u("tom.becker"), "Tom changed his password; Teams and Outlook on his other devices fail to refresh (50173) until he signs in again there, as he did on his home PC.", true},
		{"app-secret-expired", "app", "Contoso Expense API", "The API's only client secret expired three days ago (7000222); the evidence names its key ID.", true},
		{"app-credential-invalid", "app", "Contoso HR Sync", "After a secret rotation the sync sends a value no secret matches (7000215), likely the secret's ID.", true},
		{"managed-identity-failure", "app", "contoso-func-prod", "The function app's managed identity asks for a token for a development audience since its new release.", true},
		{"consent-required", "app", "Contoso Payroll", "Payroll's new release asks for Expenses.Read on Contoso Expense API, which nobody consented to (65001).", true},
		{"not-assigned", "user", u("emily.foster"), "ServiceNow requires assignment and Emily is not assigned (50105).", true},
		{"app-not-found", "app", appInventoryLocal.ID, "A developer's local app uses a client ID registered in his personal test tenant (700016).", true},
		{"redirect-uri-mismatch", "app", expensePortal, "The portal moved to expenses.contoso.com and its app registration still lists the old reply URL (50011).", true},
		{"resource-not-found", "user", u("zara.quinn"), "The Azure CLI asks for a token for api://contoso-inventory, which no application of the tenant exposes (500011).", true},
		{"transient", "correlationId", transientFlow, "An internal Entra retry limit (90025), retried successfully in the same flow.", true},
		{"interrupts-only", "user", u("ines.moreau"), "MFA prompts and a \"Stay signed in?\" question, each followed by a success: nothing to fix.", true},
		{"unclassified", "user", u("hugo.lambert"), "Hugo left the sign-in page open over lunch and the flow token expired (50089), which no scenario names.", true},
		{"no-failures", "user", u("olaf.berg"), "Signs in every day at the office with no failure at all.", true},
	}
}

// newerStories generates the stories added with diagnose_signin_failures.
func (g *generator) newerStories() {
	g.typo()
	g.maliciousIP()
	g.mfaDeclined()
	g.armBlocked()
	g.approvedApp()
	g.securityDefaults()
	g.riskBlocked()
	g.unknownApp()
	g.missingResource()
	g.interruptsOnly()
	g.quietUser()
	g.flowExpired()
	g.guestMismatch()
	g.reportingAccount()
	g.portalMoved()
}

// typo: two wrong passwords, then the right one, in one flow.
func (g *generator) typo() {
	r := stream("typo")
	u := g.u("lucas.weber@" + Domain)
	c := u.browser(appOfficeHome, appOfficeHome, u.officeSpot(2), randomGUID(r))
	t := g.ago(3*time.Hour + 40*time.Minute)
	corr := randomGUID(r)
	first := g.emit(r, c, req{at: t, corr: corr, code: 50126, st: primaryFailed,
		details: "Incorrect password, typed at the office on the user's own laptop."})
	t = t.Add(between(r, 15*time.Second, 30*time.Second))
	g.emit(r, c, req{at: t, corr: corr, orig: first, code: 50126, st: primaryFailed,
		details: "Incorrect password again, a different one: the next attempt of the same flow succeeded."})
	g.emit(r, c, req{at: t.Add(between(r, 15*time.Second, 30*time.Second)), corr: corr, orig: first, st: completed})
}

// maliciousIP: a free VPN whose exit address Entra blocks, whatever the password.
func (g *generator) maliciousIP() {
	r := stream("malicious")
	u := g.u("paulo.souza@" + Domain)
	vpn := spot{ip: maliciousIP, loc: signin.Location{City: "Frankfurt am Main", State: "Hesse", CountryOrRegion: "DE"}}
	c := u.browser(appOfficeHome, appOfficeHome, vpn, randomGUID(r))
	t := g.ago(10*time.Hour + 12*time.Minute)
	for range 3 {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 50053, st: noAuth,
			reason:  "Sign-in was blocked because the request came from an IP address with malicious activity.",
			details: "The request came from a free VPN's exit address that Microsoft Entra has flagged for malicious activity. No wrong password preceded it: the account is not locked and works from any other network."})
		t = t.Add(between(r, 2*time.Minute, 4*time.Minute))
	}
	hotel := spot{ip: lisbonIP, loc: signin.Location{City: "Lisbon", State: "Lisbon", CountryOrRegion: "PT"}}
	c = u.browser(appOfficeHome, appOfficeHome, hotel, randomGUID(r))
	t = t.Add(between(r, 20*time.Minute, 30*time.Minute))
	corr := randomGUID(r)
	first := g.emit(r, c, req{at: t, corr: corr, code: 50076, st: mfaPending, details: mfaRequiredDetails(c)})
	g.emit(r, c, req{at: t.Add(between(r, 15*time.Second, 40*time.Second)), corr: corr, orig: first, st: completed, firstAt: t})
}

// mfaDeclined: a user declines prompts he took for phishing; they were his.
func (g *generator) mfaDeclined() {
	r := stream("declined")
	u := g.u("erik.strand@" + Domain)
	c := u.browser(appExchange, appExchange, u.home, randomGUID(r))
	t := g.ago(5*time.Hour + 20*time.Minute)
	for range 2 {
		corr := randomGUID(r)
		first := g.emit(r, c, req{at: t, corr: corr, code: 50074, st: mfaPending, mfa: mfaPush, details: mfaRequiredDetails(c)})
		g.emit(r, c, req{at: t.Add(between(r, 10*time.Second, 25*time.Second)), corr: corr, orig: first, code: 500121,
			st: mfaFailed, mfa: mfaPush, firstAt: t, step: "MFA denied; user declined the authentication",
			details: "MFA denied: the user declined the Microsoft Authenticator notification. The sign-in came from the user's own laptop at home; ask whether he started it."})
		t = t.Add(between(r, 2*time.Minute, 4*time.Minute))
	}
}

// armBlocked: a finance user opens the Azure portal, blocked for non-administrators.
func (g *generator) armBlocked() {
	r := stream("armblocked")
	u := g.u("tessa.vogel@" + Domain)
	t := g.ago(6*time.Hour + 2*time.Minute)
	for i := range 2 {
		c := u.browser(appAzurePortal, resARM, u.officeSpot(i), randomGUID(r))
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 53003, st: completed,
			details: "Blocked by the Conditional Access policy \"Block Azure management for non-administrators\": the user holds no administrative role. If she needs the Azure portal (for a cost report, say), grant a role through the usual request and add her to the policy's exclusion group."})
		t = t.Add(between(r, time.Minute, 3*time.Minute))
	}
}

// approvedApp: Exchange Online in a phone browser, where Outlook is required.
func (g *generator) approvedApp() {
	r := stream("approvedapp")
	u := g.u("nadia.petrov@" + Domain)
	dev := signin.Device{OperatingSystem: osAndroid, Browser: "Chrome Mobile 132.0.0", IsCompliant: g.no, IsManaged: g.no}
	c := &ctx{u: u, app: appExchange, res: appExchange, typ: signin.Interactive, client: clientBrowser,
		dev: dev, ua: uaChromeAndroid, at: u.home, session: randomGUID(r)}
	for _, d := range []time.Duration{8*time.Hour + 15*time.Minute, 8*time.Hour + 12*time.Minute, time.Hour + 50*time.Minute} {
		g.emit(r, c, req{at: g.ago(d), corr: randomGUID(r), code: 53002, st: completed,
			details: "The Conditional Access policy \"Require approved client app on mobile devices\" requires an approved app (Outlook Mobile) for mail on a phone; Chrome is not one. Install Outlook Mobile and sign in there."})
	}
}

// securityDefaults: a script signs in with a password to a partner tenant
// that uses security defaults.
func (g *generator) securityDefaults() {
	r := stream("securitydefaults")
	u := g.u("kai.lindgren@" + Domain)
	c := &ctx{u: u, app: appGraphPS, res: resGraph, typ: signin.Interactive, client: clientModern,
		dev: signin.Device{OperatingSystem: osWindows}, ua: uaPowerShell, at: u.officeSpot(1)}
	for t := g.ago(20*time.Hour + 3*time.Minute); t.Before(g.ago(5 * time.Minute)); t = t.Add(time.Hour + between(r, 0, 40*time.Second)) {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 530035, st: noAuth,
			details: "Blocked by security defaults in the partner tenant Adatum (where the user is a guest): a scheduled PowerShell script signs in with a user name and password (ROPC), which cannot do MFA. Move the script to an app registration with a certificate in that tenant."})
		s := g.last()
		s.CrossTenantAccessType, s.AuthenticationProtocol = "b2bCollaboration", "ropc"
	}
}

// riskBlocked: a new hire tries to register MFA through an anonymising VPN.
func (g *generator) riskBlocked() {
	r := stream("risk")
	u := g.u("mira.kapoor@" + Domain)
	risk := &signin.Risk{LevelDuringSignIn: "medium", LevelAggregated: "medium", State: "atRisk", Detail: "none",
		EventTypes: []string{"anonymizedIPAddress"}}
	details := "Security info registration is blocked because the sign-in is risky (an anonymising VPN) and the user has no method yet. Confirm the user, dismiss the risk and issue a Temporary Access Pass."
	vpn := spot{ip: anonymizerIP, loc: signin.Location{City: "Zurich", State: "Zurich", CountryOrRegion: "CH"}}
	t := g.ago(miraCreated - 40*time.Minute)
	for i, at := range []spot{vpn, vpn, u.home} {
		c := u.browser(appOfficeHome, appOfficeHome, at, randomGUID(r))
		if i == 2 {
			t = t.Add(between(r, 50*time.Minute, 70*time.Minute))
		}
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 53004, st: mfaPending, enrol: true, risk: risk,
			step: "Registration blocked due to risk", details: details})
		t = t.Add(between(r, time.Minute, 2*time.Minute))
	}
}

// unknownApp: a developer's local app with a client ID from another tenant.
func (g *generator) unknownApp() {
	r := stream("unknownapp")
	u := g.u("theo.brandt@" + Domain)
	c := u.browser(appInventoryLocal, appInventoryLocal, u.officeSpot(3), randomGUID(r))
	t := g.ago(3*time.Hour + 5*time.Minute)
	for range 4 {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 700016, st: noAuth,
			details: "No application with this client ID exists in the tenant: the local build of Contoso Inventory uses the app registration of the developer's personal test tenant. Register the app here (or use the tenant's registration) and update the client ID."})
		t = t.Add(between(r, 3*time.Minute, 7*time.Minute))
	}
}

// missingResource: the Azure CLI asks for a token for an API nobody exposes.
func (g *generator) missingResource() {
	r := stream("resource")
	u := g.u("zara.quinn@" + Domain)
	c := u.desktop(appAzureCLI, app{Name: inventoryAPI}, uaAzureCLI, u.home, randomGUID(r))
	t := g.ago(27*time.Hour + 14*time.Minute)
	for range 3 {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 500011, st: completed,
			details: "The token was requested for api://contoso-inventory, which no application in this tenant exposes (the API's app registration uses api://contoso-inventory-prod). Fix the resource URI in the script."})
		t = t.Add(between(r, 90*time.Second, 4*time.Minute))
	}
}

// interruptsOnly: MFA prompts and "Stay signed in?", each completed.
func (g *generator) interruptsOnly() {
	r := stream("interrupts")
	u := g.u("ines.moreau@" + Domain)
	c := u.browser(appOfficeHome, appOfficeHome, u.home, randomGUID(r))
	t := g.ago(4*time.Hour + 25*time.Minute)
	corr := randomGUID(r)
	first := g.emit(r, c, req{at: t, corr: corr, code: 50076, st: mfaPending, details: mfaRequiredDetails(c)})
	g.emit(r, c, req{at: t.Add(between(r, 12*time.Second, 30*time.Second)), corr: corr, orig: first, st: completed, firstAt: t})
	c = u.browser(appSharePoint, appSharePoint, u.officeSpot(0), randomGUID(r))
	t = g.ago(26*time.Hour + 40*time.Minute)
	corr = randomGUID(r)
	first = g.emit(r, c, req{at: t, corr: corr, code: 50140, st: completed,
		details: "The user was asked whether to stay signed in; the answer arrives in the next request of this flow."})
	g.emit(r, c, req{at: t.Add(between(r, 3*time.Second, 9*time.Second)), corr: corr, orig: first, st: completed, firstAt: t})
}

// quietUser: every day at the office, nothing ever fails.
func (g *generator) quietUser() {
	r := stream("quiet")
	u := g.u("olaf.berg@" + Domain)
	for day := 6; day >= 0; day-- {
		session := randomGUID(r)
		t := g.at(u, day, 8*time.Hour+between(r, 0, time.Hour))
		if !g.in(t, 10*time.Hour) {
			continue
		}
		g.emit(r, u.browser(appOfficeHome, appOfficeHome, u.officeSpot(day), session), req{at: t, corr: randomGUID(r), st: completed})
		c := u.desktop(appTeams, appTeamsSvc, u.teamsUA(), u.officeSpot(day), session).nonInteractive()
		g.emit(r, c, req{at: t.Add(between(r, 2*time.Hour, 8*time.Hour)), corr: randomGUID(r), st: tokenRefresh})
	}
}

// flowExpired: the sign-in page left open over lunch.
func (g *generator) flowExpired() {
	r := stream("flowexpired")
	u := g.u("hugo.lambert@" + Domain)
	c := u.browser(appSharePoint, appSharePoint, u.officeSpot(1), randomGUID(r))
	t := g.ago(30*time.Hour + 10*time.Minute)
	g.emit(r, c, req{at: t, corr: randomGUID(r), code: 50089, st: noAuth,
		details: "The sign-in page stayed open longer than the flow token lives (about an hour) before the user entered his password. Start the sign-in again."})
	g.emit(r, c, req{at: t.Add(between(r, 40*time.Second, 90*time.Second)), corr: randomGUID(r), st: completed})
}

// guestMismatch: an invitation redeemed with the wrong account.
func (g *generator) guestMismatch() {
	r := stream("guestmismatch")
	home := nameGUID("tenant/northwindtraders.com")
	u := &user{
		User: signin.User{ID: nameGUID("user/" + guestHomeUPN), UPN: guestMismatchUPN,
			DisplayName: "Marco Bianchi", Type: "guest"},
		homeTenant: home, pwdSource: "Federated", story: true,
	}
	at := spot{ip: guestIP, loc: signin.Location{City: "Milan", State: "Lombardy", CountryOrRegion: "IT"}}
	c := &ctx{u: u, app: appSharePoint, res: appSharePoint, typ: signin.Interactive, client: clientBrowser,
		dev: g.unmanagedDevice(osWindows, browserEdge), ua: uaEdgeWin, at: at}
	t := g.ago(4*time.Hour + 30*time.Minute)
	for range 3 {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 50020,
			st: noAuth, details: "The guest invitation for marco.bianchi@northwindtraders.com was redeemed with a personal Microsoft account; he now signs in with his Northwind work account, which is not the identity bound to the guest object. Reset the guest's redemption status so that he redeems it again with the work account."})
		t = t.Add(between(r, time.Minute, 3*time.Minute))
	}
}

// reportingAccount: an unattended account excluded from MFA that reads
// reports with a password every two hours, and that the spray finds.
func (g *generator) reportingAccount() {
	r := stream("reporting")
	u := g.u("svc-reporting@" + Domain)
	c := &ctx{u: u, app: appGraphPS, res: resGraph, typ: signin.Interactive, client: clientModern,
		dev: u.laptop, ua: uaPowerShell, at: u.officeSpot(2)}
	for t := g.ref.Truncate(time.Hour).Add(-window + 2*time.Hour + 7*time.Minute); t.Before(g.ref); t = t.Add(2 * time.Hour) {
		at := t.Add(jitter(r, 30*time.Second))
		if !g.in(at, time.Minute) {
			continue
		}
		g.emit(r, c, req{at: at, corr: randomGUID(r), st: completed})
		g.last().AuthenticationProtocol = "ropc"
	}
}

// portalMoved: the expense portal moved to a new address; its app
// registration still lists the old reply URL.
func (g *generator) portalMoved() {
	r := stream("portal")
	var finance []*user
	for _, u := range g.regular {
		if u.finance {
			finance = append(finance, u)
		}
	}
	details := "The portal now runs at https://expenses.contoso.com and sends https://expenses.contoso.com/signin-oidc as its reply URL, which its app registration does not list (it still has https://contoso-expense-portal.azurewebsites.net/signin-oidc). Add the new reply URL to the app registration."
	moved := g.ago(portalMoved)
	for i, u := range finance[len(finance)-7:] {
		for _, d := range []time.Duration{30 * time.Hour, 15 * time.Hour} {
			t := moved.Add(-d).Add(between(r, 0, 2*time.Hour))
			g.emit(r, u.browser(appExpensePortal, appExpensePortal, u.officeSpot(i), randomGUID(r)), req{at: t, corr: randomGUID(r), st: completed})
		}
		t := moved.Add(between(r, 10*time.Minute, 8*time.Hour))
		g.emit(r, u.browser(appExpensePortal, appExpensePortal, u.officeSpot(i), randomGUID(r)), req{at: t, corr: randomGUID(r), code: 50011, st: noAuth, details: details})
	}
}
