package demo

import (
	"slices"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// When the stories happen, as durations before the newest sign-in.
const (
	rosaLockedOut   = 5*time.Hour + 52*time.Minute  // 08:28 in Seattle
	sprayStarted    = 15*time.Hour + 6*time.Minute  // 23:14 the evening before
	marcusExpired   = 2*time.Hour + 12*time.Minute  // the password expired overnight
	kevinDisabled   = 44 * time.Hour                // left the company two days ago
	ninaCreated     = 31 * time.Hour                // new hire, first morning
	tomReset        = 6*time.Hour + 5*time.Minute   // changed his password this afternoon (London)
	payrollDeployed = 20*time.Hour + 10*time.Minute // the new Contoso Payroll release
	secretExpired   = 74*time.Hour + 10*time.Minute // Contoso Expense API's only secret
	secretRotated   = 20*time.Hour + 25*time.Minute // Contoso HR Sync's bad rotation
	funcDeployed    = 30*time.Hour + 40*time.Minute // contoso-func-prod's new release
)

// Addresses of the attacks.
const (
	sprayIP = "203.0.113.77"
	fraudIP = "203.0.113.145"
)

var (
	amsterdam = signin.Location{City: "Amsterdam", State: "North Holland", CountryOrRegion: "NL"}
	bucharest = signin.Location{City: "Bucharest", State: "Bucharest", CountryOrRegion: "RO"}
	quincy    = signin.Location{City: "Quincy", State: "Washington", CountryOrRegion: "US"}
)

// storyLimits stops the baseline of story users where their story begins,
// so that their everyday sign-ins never contradict it.
func (g *generator) storyLimits() {
	g.u("rosa.diaz@" + Domain).interactiveUntil = g.ago(rosaLockedOut)
	g.u("marcus.chen@" + Domain).interactiveUntil = g.ago(marcusExpired)
	g.u("kevin.obrien@" + Domain).until = g.ago(kevinDisabled)
	g.u("nina.patel@" + Domain).from = g.ago(ninaCreated - 45*time.Minute) // after registering
	g.u("tom.becker@" + Domain).until = g.ago(tomReset)
	g.u("sam.okafor@" + Domain).officeOnly = true
	for _, upn := range []string{"kevin.obrien@", "tom.becker@"} {
		u := g.u(upn + Domain)
		if u.phone.ID == "" {
			u.phone = g.managedDevice("iPhone", u.UPN, osIOS, trustRegistered)
			u.phoneUA = uaOutlookIOS
		}
	}
}

// scenarios generates the failure stories on top of the baseline.
func (g *generator) scenarios() {
	g.rosa()
	g.spray()
	g.expiredPassword()
	g.disabledAccount()
	g.mfaFailures()
	g.registration()
	g.legacyAuth()
	g.compliantDevice()
	g.signInFrequency()
	g.revokedGrant()
	g.missingConsent()
	g.notAssigned()
	g.externalUser()
	g.transient()
	g.stalePassword()
	g.unknownUser()
	g.newerStories()
}

// rosa: eleven wrong passwords from home this morning, then smart lockout.
func (g *generator) rosa() {
	r := stream("rosa")
	u := g.u("rosa.diaz@" + Domain)
	home := u.home
	dev := g.unmanagedDevice(osWindows, browserEdge)
	c := &ctx{u: u, app: appOfficeHome, res: appOfficeHome, typ: signin.Interactive, client: clientBrowser,
		dev: dev, ua: uaEdgeWin, at: home, session: randomGUID(r)}
	t := g.ago(rosaLockedOut)
	var corr, first string
	for i := range 12 {
		if i%4 == 0 {
			corr, first = randomGUID(r), ""
		}
		q := req{at: t, corr: corr, orig: first, code: 50126, st: primaryFailed,
			details: "Incorrect password from the user's usual home address; the attempts come minutes apart, as a person retrying would make them."}
		if i == 3 {
			q.details = "Incorrect password, the same one as an earlier attempt: smart lockout does not count a repeated wrong password twice."
		}
		if i == 11 {
			q.code = 50053
			q.step = "Account locked"
			q.details = "Smart lockout locked the account: ten different incorrect passwords were counted (a repeated one is not). " +
				"The lockout lasts a minute and grows with further failures; the attempts came from the user's usual location, not from a malicious address."
		}
		id := g.emit(r, c, q)
		if first == "" {
			first = id
		}
		t = t.Add(between(r, 20*time.Second, 80*time.Second))
	}
}

// spray: one address tries a password against many accounts within an hour.
func (g *generator) spray() {
	r := stream("spray")
	at := spot{ip: sprayIP, loc: amsterdam}
	risk := &signin.Risk{LevelDuringSignIn: "medium", LevelAggregated: "none", State: "none", Detail: "none",
		EventTypes: []string{"passwordSpray"}}
	details := "Incorrect password from an address that tried one password against many accounts within minutes (password spray); the user agent is a script."
	derek := g.u("derek.holt@" + Domain)
	perm := r.Perm(len(g.regular))
	var targets []*user
	for _, i := range perm[:40] {
		targets = append(targets, g.regular[i])
	}
	targets = slices.Insert(targets, 17, derek)
	// The unattended reporting account, excluded from MFA, falls to the spray.
	reporting := g.u("svc-reporting@" + Domain)
	targets = slices.Insert(targets, 29, reporting)
	t := g.ago(sprayStarted)
	for i, u := range targets {
		c := &ctx{u: u, app: appOffice, res: resGraph, typ: signin.Interactive, client: clientModern,
			dev: signin.Device{OperatingSystem: "Linux"}, ua: uaSprayScript, at: at}
		corr := randomGUID(r)
		switch {
		case u == reporting:
			g.emit(r, c, req{at: t, corr: corr, st: completed, risk: risk,
				details: "The sprayed password was this account's: it is excluded from \"Require MFA outside trusted locations\" because it runs unattended, so nothing stopped the sign-in. Reset the password, revoke sessions, and move the job to a workload identity."})
			g.last().AuthenticationProtocol = "ropc"
		case u == derek:
			hi := &signin.Risk{LevelDuringSignIn: "high", LevelAggregated: "high", State: "atRisk", Detail: "none",
				EventTypes: []string{"passwordSpray", "unfamiliarFeatures"}}
			first := g.emit(r, c, req{at: t, corr: corr, code: 50074, st: mfaPending, risk: hi,
				details: "The password was correct, from an address running a password spray; MFA was required and a notification was sent."})
			g.emit(r, c, req{at: t.Add(between(r, 20*time.Second, 40*time.Second)), corr: corr, orig: first, code: 500121,
				st: mfaFailed, mfa: mfaPush, risk: hi, step: "MFA denied; user declined the authentication",
				details: "MFA denied: the user declined the Microsoft Authenticator notification. The password is known to whoever sent the request; reset it and review the account."})
		case i >= len(targets)-3:
			g.emit(r, c, req{at: t, corr: corr, code: 50053, st: noAuth, risk: risk,
				reason:  "Sign-in was blocked because the request came from an IP address with malicious activity.",
				details: "The request came from an address Microsoft Entra has flagged for malicious activity (here, the spray itself). This is not a smart lockout of the user: the account stays usable from elsewhere."})
		default:
			g.emit(r, c, req{at: t, corr: corr, code: 50126, st: primaryFailed, risk: risk, details: details})
			if i < 4 {
				// A second round with another password against the first accounts.
				g.emit(r, c, req{at: t.Add(between(r, 40*time.Minute, 44*time.Minute)), corr: randomGUID(r),
					code: 50126, st: primaryFailed, risk: risk, details: details})
			}
		}
		t = t.Add(between(r, 40*time.Second, 70*time.Second))
	}
}

// expiredPassword: a password past the maximum age, this morning and last week.
func (g *generator) expiredPassword() {
	r := stream("expired")
	details := "The password is older than the tenant's 90-day maximum age. The user must change it (self-service password reset or the change-password prompt) before signing in."
	u := g.u("marcus.chen@" + Domain)
	c := u.browser(appOfficeHome, appOfficeHome, u.officeSpot(1), randomGUID(r))
	t := g.ago(marcusExpired)
	for range 2 {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 50055, st: primaryFailed, step: "Password expired", details: details})
		t = t.Add(between(r, 4*time.Minute, 7*time.Minute))
	}
	// Another user last week, who changed the password and signed in.
	o := g.regular[r.IntN(len(g.regular))]
	c = o.browser(appExchange, appExchange, o.officeSpot(0), randomGUID(r))
	t = g.at(o, 4, 9*time.Hour+between(r, 0, time.Hour))
	g.emit(r, c, req{at: t, corr: randomGUID(r), code: 50055, st: primaryFailed, step: "Password expired", details: details})
	g.emit(r, c, req{at: t.Add(between(r, 3*time.Minute, 6*time.Minute)), corr: randomGUID(r), st: completed})
}

// disabledAccount: a leaver's phone keeps refreshing tokens after the
// account was disabled, and one attempt in a browser.
func (g *generator) disabledAccount() {
	r := stream("disabled")
	u := g.u("kevin.obrien@" + Domain)
	details := "The account is disabled (accountEnabled is false). Devices that still hold its tokens keep retrying until they are signed out or wiped. For a synced account, change it in on-premises AD."
	c := u.mobile(appOutlookMob, appExchange, u.home, "").nonInteractive()
	for t := g.ago(kevinDisabled - 25*time.Minute); t.Before(g.ago(30 * time.Minute)); t = t.Add(between(r, 100*time.Minute, 140*time.Minute)) {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 50057, st: tokenRejected, step: "Account is disabled", details: details})
	}
	b := &ctx{u: u, app: appExchange, res: appExchange, typ: signin.Interactive, client: clientBrowser,
		dev: g.unmanagedDevice(osWindows, browserChrome), ua: uaChromeWin, at: u.home}
	g.emit(r, b, req{at: g.ago(26*time.Hour + 14*time.Minute), corr: randomGUID(r), code: 50057, st: primaryFailed,
		step: "Account is disabled", details: details})
}

// mfaFailures: MFA not completed, with the reasons that tell them apart.
func (g *generator) mfaFailures() {
	r := stream("mfa")
	// No response: the phone was out of battery; later SMS worked.
	u := g.u("priya.sharma@" + Domain)
	c := u.browser(appOfficeHome, appOfficeHome, u.home, randomGUID(r))
	t := g.ago(3*time.Hour + 4*time.Minute)
	corr := randomGUID(r)
	first := g.emit(r, c, req{at: t, corr: corr, code: 50074, st: mfaPending, mfa: mfaPush, details: mfaRequiredDetails(c)})
	g.emit(r, c, req{at: t.Add(between(r, 60*time.Second, 75*time.Second)), corr: corr, orig: first, code: 500121,
		st: mfaFailed, mfa: mfaPush, firstAt: t, step: "MFA denied; no response to the notification",
		details: "MFA not completed: no response to the Microsoft Authenticator notification before it timed out. The user may not have the phone at hand; another registered method can be used."})
	g.emit(r, c, req{at: t.Add(between(r, 14*time.Minute, 17*time.Minute)), corr: randomGUID(r), st: completed, mfa: mfaSMS})

	// Fraud reported: a correct password from an unfamiliar country.
	o := g.u("olivia.bennett@" + Domain)
	at := spot{ip: fraudIP, loc: bucharest}
	c = &ctx{u: o, app: appOfficeHome, res: appOfficeHome, typ: signin.Interactive, client: clientBrowser,
		dev: g.unmanagedDevice(osWindows, browserChrome), ua: uaChromeWin, at: at}
	risk := &signin.Risk{LevelDuringSignIn: "high", LevelAggregated: "high", State: "atRisk", Detail: "none",
		EventTypes: []string{"unfamiliarFeatures"}}
	t = g.ago(9*time.Hour + 15*time.Minute)
	corr = randomGUID(r)
	first = g.emit(r, c, req{at: t, corr: corr, code: 50074, st: mfaPending, mfa: mfaPush, risk: risk, details: mfaRequiredDetails(c)})
	g.emit(r, c, req{at: t.Add(between(r, 18*time.Second, 30*time.Second)), corr: corr, orig: first, code: 500121,
		st: mfaFailed, mfa: mfaPush, firstAt: t, risk: risk, step: "MFA denied; fraud reported by the user",
		details: "MFA denied: the user reported the notification as fraud in Microsoft Authenticator. The password was entered correctly from an unfamiliar country, so treat it as compromised: reset it and revoke sessions."})

	// No response last week, then the user signed in.
	p := g.regular[r.IntN(len(g.regular))]
	c = p.browser(appExchange, appExchange, p.home, randomGUID(r))
	t = g.at(p, 4, 8*time.Hour+between(r, 0, time.Hour))
	corr = randomGUID(r)
	first = g.emit(r, c, req{at: t, corr: corr, code: 50074, st: mfaPending, details: mfaRequiredDetails(c)})
	g.emit(r, c, req{at: t.Add(between(r, 60*time.Second, 75*time.Second)), corr: corr, orig: first, code: 500121,
		st: mfaFailed, firstAt: t, step: "MFA denied; no response to the challenge",
		details: "MFA not completed: the challenge was not answered before it timed out."})
	g.emit(r, c, req{at: t.Add(between(r, 5*time.Minute, 9*time.Minute)), corr: randomGUID(r), st: completed})
}

// registration: a new hire registers MFA (proof-up); another user never does.
func (g *generator) registration() {
	r := stream("registration")
	u := g.u("nina.patel@" + Domain)
	c := u.browser(appOfficeHome, appOfficeHome, u.home, randomGUID(r))
	t := g.ago(ninaCreated - 40*time.Minute)
	corr := randomGUID(r)
	first := g.emit(r, c, req{at: t, corr: corr, code: 50079, st: mfaPending, enrol: true,
		step:    "User must register security information",
		details: "MFA is required and the user has no registered method, so the sign-in was sent to security info registration (proof-up)."})
	g.emit(r, c, req{at: t.Add(between(r, 3*time.Minute, 5*time.Minute)), corr: corr, orig: first, st: completed, firstAt: t, mfa: mfaPush})

	s := g.u("sam.okafor@" + Domain)
	for _, d := range []time.Duration{6*time.Hour + 10*time.Minute, time.Hour + 35*time.Minute} {
		c := s.browser(appOfficeHome, appOfficeHome, s.home, randomGUID(r))
		g.emit(r, c, req{at: g.ago(d), corr: randomGUID(r), code: 50072, st: mfaPending, enrol: true,
			step:    "User must enrol a second factor",
			details: "MFA is required outside the office and the user has never registered a method; the user left the registration page without finishing."})
	}
}

// legacyAuth: basic-authentication clients blocked by Conditional Access.
func (g *generator) legacyAuth() {
	r := stream("legacy")
	legacy := func(u *user, client, ua string, dev signin.Device, at spot) *ctx {
		return &ctx{u: u, app: appExchange, res: appExchange, typ: signin.Interactive, client: client,
			dev: dev, ua: ua, at: at, legacy: true}
	}
	blocked := "Blocked by the Conditional Access policy \"Block legacy authentication\": "

	f := g.u("frank.miller@" + Domain)
	c := legacy(f, "IMAP4", "", signin.Device{}, f.home)
	for t := g.ago(96 * time.Hour); t.Before(g.ago(20 * time.Minute)); t = t.Add(between(r, 170*time.Minute, 190*time.Minute)) {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 53003, st: completed,
			details: blocked + "IMAP4 uses basic authentication, which cannot satisfy MFA. Configure the mail client for modern authentication (OAuth 2.0) or use Outlook."})
	}

	h := g.u("helen.zhou@" + Domain)
	c = legacy(h, "Exchange ActiveSync", uaIOSMailEAS, signin.Device{OperatingSystem: osIOS}, h.home)
	for t := g.ago(70 * time.Hour); t.Before(g.ago(10 * time.Minute)); t = t.Add(between(r, 200*time.Minute, 280*time.Minute)) {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 53003, st: completed,
			details: blocked + "the phone's built-in mail app connects with Exchange ActiveSync and basic authentication. Use Outlook Mobile, or add the account again with modern authentication."})
	}

	s := g.u("svc-scanner@" + Domain)
	c = legacy(s, "Other clients", "", signin.Device{}, s.officeSpot(2))
	for day := 7; day >= 0; day-- {
		for hour := 9; hour <= 17; hour += 2 {
			t := g.at(s, day, time.Duration(hour)*time.Hour+between(r, 0, 50*time.Minute))
			wd := t.Add(time.Duration(s.tz()) * time.Hour).Weekday()
			if wd == time.Saturday || wd == time.Sunday || !g.in(t, time.Minute) || chance(r, 0.5) {
				continue
			}
			g.emit(r, c, req{at: t, corr: randomGUID(r), code: 53003, st: completed,
				details: blocked + "the scan-to-email device signs in with a legacy protocol and a stored password. Move it to SMTP relay or a modern-auth capable mail flow."})
		}
	}
}

// compliantDevice: Salesforce requires a compliant device.
func (g *generator) compliantDevice() {
	r := stream("compliant")
	j := g.u("jessica.wong@" + Domain)
	c := &ctx{u: j, app: appSalesforce, res: appSalesforce, typ: signin.Interactive, client: clientBrowser,
		dev: g.unmanagedDevice(osMac, browserSafari), ua: uaSafariMac, at: j.home, session: randomGUID(r)}
	details := "The personal Mac is not registered in the tenant, so it cannot be compliant, and \"Require compliant device for Salesforce\" blocks it. Use a company device, or enrol this one in Intune."
	for _, d := range []time.Duration{21*time.Hour + 30*time.Minute, 2*time.Hour + 40*time.Minute} {
		t := g.ago(d)
		for range 2 {
			g.emit(r, c, req{at: t, corr: randomGUID(r), code: 53000, st: completed, details: details})
			t = t.Add(between(r, 30*time.Second, 90*time.Second))
		}
	}

	cr := g.u("carlos.rivera@" + Domain)
	dev := cr.laptop
	dev.ID, dev.IsCompliant, dev.IsManaged, dev.TrustType = "", nil, nil, ""
	c = &ctx{u: cr, app: appSalesforce, res: appSalesforce, typ: signin.Interactive, client: clientBrowser,
		dev: dev, ua: cr.laptopUA, at: cr.officeSpot(0), session: randomGUID(r)}
	t := g.ago(5*time.Hour + 5*time.Minute)
	for range 2 {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 53000, st: completed,
			details: "No device identity came with the request (a private browsing window, or a browser without device sign-in support), so compliance could not be checked. The user's laptop itself is compliant: use a normal browser window."})
		t = t.Add(between(r, 90*time.Second, 150*time.Second))
	}
}

// signInFrequency: the 4-hour sign-in frequency for Azure management.
func (g *generator) signInFrequency() {
	r := stream("frequency")
	m := g.u("maria.garcia@" + Domain)
	details := "The session is older than the 4 hours that \"Sign-in frequency 4 hours for Azure management\" allows; the user must sign in again."
	for i, d := range []time.Duration{20*time.Hour + 40*time.Minute, 11*time.Hour + 55*time.Minute, 4*time.Hour + 10*time.Minute, 52 * time.Hour} {
		c := m.browser(appAzurePortal, resARM, m.officeSpot(i), randomGUID(r))
		t := g.ago(d)
		corr := randomGUID(r)
		first := g.emit(r, c, req{at: t, corr: corr, code: 70044, st: sessionExpired, details: details})
		if i != 1 {
			g.emit(r, c, req{at: t.Add(between(r, 25*time.Second, 50*time.Second)), corr: corr, orig: first, st: completed})
		}
	}

	dk := g.u("david.kim@" + Domain)
	c := dk.desktop(appAzureCLI, resARM, uaAzureCLI, dk.home, "").nonInteractive()
	details = "The Azure CLI's refresh token is older than the 4 hours that \"Sign-in frequency 4 hours for Azure management\" allows; run az login again."
	for _, d := range []time.Duration{16 * time.Hour, 15*time.Hour + 30*time.Minute, 15 * time.Hour, 9*time.Hour + 20*time.Minute,
		9 * time.Hour, 8*time.Hour + 40*time.Minute, 3*time.Hour + 5*time.Minute, 75 * time.Hour, 74*time.Hour + 30*time.Minute} {
		g.emit(r, c, req{at: g.ago(d).Add(jitter(r, time.Minute)), corr: randomGUID(r), code: 70043, st: sessionExpired,
			step: "The refresh token is older than the sign-in frequency allows", details: details})
	}
}

// revokedGrant: after a password change, other devices' refresh tokens fail.
func (g *generator) revokedGrant() {
	r := stream("revoked")
	u := g.u("tom.becker@" + Domain)
	reset := g.ago(tomReset)
	office := u.officeSpot(0)
	session := randomGUID(r)
	g.emit(r, u.browser(appOfficeHome, appOfficeHome, office, session), req{at: reset.Add(2 * time.Minute), corr: randomGUID(r), st: completed,
		details: "First sign-in after a self-service password change."})
	for t := reset.Add(20 * time.Minute); t.Before(g.ago(15 * time.Minute)); t = t.Add(between(r, 80*time.Minute, 100*time.Minute)) {
		g.emit(r, u.desktop(appTeams, appTeamsSvc, u.teamsUA(), office, session).nonInteractive(), req{at: t, corr: randomGUID(r), st: tokenRefresh})
	}
	details := "The refresh token was issued before the user's password changed, so it was revoked. Sign in again on this device with the new password."
	phone := u.mobile(appOutlookMob, appExchange, u.home, "").nonInteractive()
	for t := reset.Add(4 * time.Minute); t.Before(g.ago(8 * time.Minute)); t = t.Add(between(r, 12*time.Minute, 18*time.Minute)) {
		g.emit(r, phone, req{at: t, corr: randomGUID(r), code: 50173, st: tokenRejected,
			step: "Refresh token issued before the password change", details: details})
	}
	homePC := g.managedDevice("CTS-HM-2231", u.UPN, osWindows, trustRegistered)
	homePC.Browser = browserRich
	teams := &ctx{u: u, app: appTeams, res: appTeamsSvc, typ: signin.NonInteractive, client: clientModern,
		dev: homePC, ua: uaTeamsWin, at: u.home}
	// Teams on the home PC fails until Tom signs in there again with the
	// new password; its refreshes succeed from then on.
	again := g.ago(time.Hour + 41*time.Minute)
	t := reset.Add(7 * time.Minute)
	for ; t.Before(again); t = t.Add(between(r, 17*time.Minute, 24*time.Minute)) {
		g.emit(r, teams, req{at: t, corr: randomGUID(r), code: 50173, st: tokenRejected,
			step: "Refresh token issued before the password change", details: details})
	}
	signIn := *teams
	signIn.typ, signIn.session = signin.Interactive, randomGUID(r)
	g.emit(r, &signIn, req{at: again, corr: randomGUID(r), st: completed,
		details: "Signed in to Teams again with the new password; the app's refresh token is new."})
	teams.session = signIn.session
	for t = again.Add(between(r, 15*time.Minute, 25*time.Minute)); t.Before(g.ago(5 * time.Minute)); t = t.Add(between(r, 25*time.Minute, 35*time.Minute)) {
		g.emit(r, teams, req{at: t, corr: randomGUID(r), st: tokenRefresh})
	}
}

// missingConsent: a new Contoso Payroll release asks for a permission on
// Contoso Expense API that nobody consented to.
func (g *generator) missingConsent() {
	r := stream("consent")
	var finance []*user
	for _, u := range g.regular {
		if u.finance {
			finance = append(finance, u)
		}
	}
	details := "Contoso Payroll asked for the delegated permission Expenses.Read on Contoso Expense API since its latest release, and no one has consented to it. Users cannot consent to it themselves: an administrator must grant consent for the tenant, or the app must stop asking."
	for i, u := range finance[:8] {
		windows := []time.Duration{19 * time.Hour, 6*time.Hour + 20*time.Minute}
		for k, d := range windows {
			if (i+k)%3 == 2 {
				continue
			}
			t := g.ago(d).Add(between(r, 0, 5*time.Hour+40*time.Minute))
			if k == 0 {
				t = g.ago(d).Add(between(r, 0, time.Hour))
			}
			c := u.browser(appPayroll, appPayroll, u.officeSpot(i), randomGUID(r))
			g.emit(r, c, req{at: t, corr: randomGUID(r), st: completed})
			api := *c.nonInteractive()
			api.res = appExpenseAPI
			g.emit(r, &api, req{at: t.Add(between(r, 2*time.Second, 5*time.Second)), corr: randomGUID(r), code: 65001,
				st: tokenRefresh, details: details})
		}
	}
}

// notAssigned: ServiceNow requires assignment; a finance user is no longer
// assigned (an admin removed her old team's assignment when she moved).
func (g *generator) notAssigned() {
	r := stream("assignment")
	u := g.u("emily.foster@" + Domain)
	details := "ServiceNow requires user assignment, and neither the user nor any group the user belongs to is assigned. Assign them under the enterprise application's Users and groups."
	for i, d := range []time.Duration{27*time.Hour + 5*time.Minute, 4*time.Hour + 2*time.Minute, 4*time.Hour + time.Minute, 3*time.Hour + 58*time.Minute} {
		c := u.browser(appServiceNow, appServiceNow, u.officeSpot(i), randomGUID(r))
		g.emit(r, c, req{at: g.ago(d), corr: randomGUID(r), code: 50105, st: completed, details: details})
	}
}

// externalUser: someone from another organisation who was never invited.
func (g *generator) externalUser() {
	r := stream("external")
	upn := "alex.morgan@litware.com"
	u := &user{
		User:       signin.User{ID: nameGUID("external/" + upn), UPN: upn, DisplayName: "Alex Morgan", Type: "guest"},
		homeTenant: nameGUID("tenant/litware.com"),
		pwdSource:  "Federated",
	}
	c := &ctx{u: u, app: appSharePoint, res: appSharePoint, typ: signin.Interactive, client: clientBrowser,
		dev: g.unmanagedDevice(osMac, browserSafari), ua: uaSafariMac,
		at: spot{ip: "203.0.113.88", loc: signin.Location{City: "Austin", State: "Texas", CountryOrRegion: "US"}}}
	details := "The account signed in at its home organisation (litware.com) but has no guest account in this tenant. Invite the user as a B2B guest, or have them use an account of this tenant."
	t := g.ago(7*time.Hour + 12*time.Minute)
	for range 2 {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 50020, st: noAuth, details: details})
		t = t.Add(between(r, 40*time.Second, 90*time.Second))
	}
}

// transient: a service-side error, each retried successfully in the same flow.
func (g *generator) transient() {
	r := stream("transient")
	for i, d := range []time.Duration{time.Hour + 22*time.Minute, 29 * time.Hour, 77 * time.Hour, 131 * time.Hour} {
		u := g.regular[r.IntN(len(g.regular))]
		c := u.browser(appOfficeHome, appOfficeHome, u.officeSpot(0), randomGUID(r))
		t := g.ago(d)
		corr := randomGUID(r)
		if i == 0 {
			corr = transientFlow // the story table's subject
		}
		first := g.emit(r, c, req{at: t, corr: corr, code: 90025, st: noAuth,
			details: "A Microsoft Entra service hit its internal retry limit; the client retried and the next request of this flow succeeded."})
		g.emit(r, c, req{at: t.Add(between(r, 4*time.Second, 9*time.Second)), corr: corr, orig: first, st: completed})
	}
}

// stalePassword: an old Outlook on a meeting-room PC keeps an old password.
func (g *generator) stalePassword() {
	r := stream("stale")
	u := g.u("greg.santos@" + Domain)
	dev := g.managedDevice("CTS-CONF-3A", "shared", osWindows, trustHybrid)
	dev.Browser = browserRich
	c := &ctx{u: u, app: appOffice, res: appExchange, typ: signin.Interactive, client: clientModern,
		dev: dev, ua: uaOutlook2016, at: u.officeSpot(1)}
	details := "The same wrong password keeps arriving from one device at a steady interval: an app there still uses an old saved password. Smart lockout ignores repeats of the same wrong password, so the account is not locked. Update or remove the saved credential on that device."
	for day := 1; day >= 0; day-- {
		for hour := 8; hour <= 17; hour++ {
			t := g.at(u, day, time.Duration(hour)*time.Hour+between(r, 3*time.Minute, 6*time.Minute))
			if !g.in(t, time.Minute) {
				continue
			}
			g.emit(r, c, req{at: t, corr: randomGUID(r), code: 50126, st: primaryFailed, details: details})
		}
	}
}

// unknownUser: a mistyped user name.
func (g *generator) unknownUser() {
	r := stream("unknown")
	u := &user{User: signin.User{UPN: "jonh.smith@" + Domain}, homeTenant: TenantID, pwdSource: pwdCloud}
	c := &ctx{u: u, app: appOfficeHome, res: appOfficeHome, typ: signin.Interactive, client: clientBrowser,
		dev: g.unmanagedDevice(osWindows, browserEdge), ua: uaEdgeWin, at: spot{ip: "192.0.2.250", loc: seattle.homes[0]}}
	t := g.ago(26*time.Hour + 17*time.Minute)
	for range 2 {
		g.emit(r, c, req{at: t, corr: randomGUID(r), code: 50034, st: noAuth,
			details: "No account has this user name. Check it for typing mistakes (this one looks like a misspelt member) and that the user is in this tenant."})
		t = t.Add(between(r, 20*time.Second, 60*time.Second))
	}
}

// workloads generates the service principal and managed identity sign-ins.
func (g *generator) workloads() {
	r := stream("workloads")
	expense := &workload{typ: signin.ServicePrincipal, app: appExpenseAPI, sp: spExpenseAPI, ip: "198.51.100.210", loc: quincy}
	hrSync := &workload{typ: signin.ServicePrincipal, app: appHRSync, sp: spHRSync, ip: "198.51.100.211", loc: quincy}
	fn := &workload{typ: signin.ManagedIdentity, app: appFuncProd, sp: spFuncProd, msi: "systemAssigned", ip: "10.64.2.15", loc: quincy}

	keyID := nameGUID("key/Contoso Expense API")
	oldHRKey := nameGUID("key/Contoso HR Sync/2024")
	expired := g.ago(secretExpired)
	rotated := g.ago(secretRotated)
	deployed := g.ago(funcDeployed)
	for h := 0; h < 7*24; h++ {
		hour := g.ref.Truncate(time.Hour).Add(-time.Duration(h) * time.Hour)
		if t := hour.Add(5*time.Minute + between(r, 0, 40*time.Second)); g.in(t, 0) {
			if t.Before(expired) {
				g.emitWorkload(r, expense, resGraph, t, 0, "")
			} else {
				g.emitWorkload(r, expense, resGraph, t, 7000222,
					"The application's only client secret (key ID "+keyID+") passed its end date; no other valid secret or certificate exists. Add a new secret or a certificate and update the app's configuration.")
			}
			g.last().ServicePrincipalCredentialKeyID = keyID
		}
		if t := hour.Add(35*time.Minute + between(r, 0, 40*time.Second)); g.in(t, 0) {
			if t.Before(rotated) {
				g.emitWorkload(r, hrSync, resGraph, t, 0, "")
				// A wrong secret matches no key: only successes name one.
				g.last().ServicePrincipalCredentialKeyID = oldHRKey
			} else {
				g.emitWorkload(r, hrSync, resGraph, t, 7000215,
					"The client secret sent does not match any of the application's secrets. The secret was rotated shortly before the failures began; a common cause is configuring the secret's ID instead of its value.")
			}
		}
		// Key Vault every hour on the hour: the newest is the reference time itself.
		if t := g.ref.Add(-time.Duration(h) * time.Hour); g.in(t, 0) {
			g.emitWorkload(r, fn, resKeyVault, t, 0, "")
		}
		if h%2 == 0 {
			if t := hour.Add(12*time.Minute + between(r, 0, 30*time.Second)); g.in(t, 0) {
				g.emitWorkload(r, fn, resStorage, t, 0, "")
			}
		}
		if t := hour.Add(47*time.Minute + between(r, 0, 20*time.Second)); g.in(t, 0) && !t.Before(deployed) {
			g.emitWorkload(r, fn, app{Name: "api://contoso-expense-api-dev"}, t, 500011,
				"The managed identity asked for a token for api://contoso-expense-api-dev, which no application in this tenant exposes. The new release probably points at a development audience; fix the resource URI in its configuration.")
		}
	}
}
