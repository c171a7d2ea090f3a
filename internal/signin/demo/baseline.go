package demo

import (
	"math/rand/v2"
	"time"
)

// baseline generates the everyday sign-ins of every member and guest: a
// morning sign-in on working days, now and then another application, token
// refreshes by Outlook and Teams, and the interrupts that normal flows carry
// (MFA prompts outside the office, "Stay signed in?", no SSO session, the odd
// mistyped password), each followed by its success.
func (g *generator) baseline() {
	r := stream("baseline")
	users := append(append([]*user(nil), g.members...), g.guests...)
	for _, u := range users {
		if u.scripted {
			continue
		}
		for day := 7; day >= 0; day-- {
			g.userDay(r, u, day)
		}
	}
}

// active reports whether the user's baseline may have a sign-in at t.
func (g *generator) active(u *user, t time.Time, interactive bool) bool {
	switch {
	case !g.in(t, 2*time.Minute):
		return false
	case !u.from.IsZero() && t.Before(u.from):
		return false
	case !u.until.IsZero() && !t.Before(u.until):
		return false
	case interactive && !u.interactiveUntil.IsZero() && !t.Before(u.interactiveUntil):
		return false
	}
	return true
}

func (g *generator) userDay(r *rand.Rand, u *user, day int) {
	midnight := g.at(u, day, 0)
	weekend := midnight.Add(time.Duration(u.tz()) * time.Hour).Weekday()
	p := 0.88
	if weekend == time.Saturday || weekend == time.Sunday {
		p = 0.06
	}
	guest := u.Type == "guest"
	if guest {
		p *= 0.3
	}
	if !chance(r, p) {
		return
	}
	where := u.home
	if !guest && (u.officeOnly || !chance(r, 0.33)) {
		where = u.officeSpot(r.IntN(8))
	}
	session := randomGUID(r)
	mfaToday := false

	t := midnight.Add(between(r, 7*time.Hour+15*time.Minute, 10*time.Hour))
	g.interactiveFlow(r, g.morningApp(r, u, where, session), t, &mfaToday)
	if !guest && chance(r, 0.4) {
		t := midnight.Add(between(r, 10*time.Hour, 17*time.Hour+30*time.Minute))
		g.interactiveFlow(r, g.otherApp(r, u, t, where, session), t, &mfaToday)
	}
	if u.admin && chance(r, 0.7) {
		// Administrators manage Azure most days.
		t := midnight.Add(between(r, 9*time.Hour, 17*time.Hour))
		g.interactiveFlow(r, g.adminApp(r, u, where, session), t, &mfaToday)
	}
	if guest {
		return
	}
	n := 1
	if chance(r, 0.35) {
		n = 2
	}
	for range n {
		t := midnight.Add(between(r, 8*time.Hour, 18*time.Hour))
		if !g.active(u, t, false) {
			continue
		}
		var c *ctx
		switch x := r.IntN(20); {
		case x < 8 && u.laptop.OperatingSystem == osWindows:
			c = u.desktop(appOffice, appExchange, uaOutlookWin, where, session)
		case x < 15 || u.phone.ID == "":
			c = u.desktop(appTeams, appTeamsSvc, u.teamsUA(), where, session)
		default:
			c = u.mobile(appOutlookMob, appExchange, where, session)
		}
		g.emit(r, c.nonInteractive(), req{at: t, corr: randomGUID(r), st: tokenRefresh})
	}
}

// morningApp is the first application of a working day.
func (g *generator) morningApp(r *rand.Rand, u *user, where spot, session string) *ctx {
	if u.Type == "guest" {
		if chance(r, 0.5) {
			return u.browser(appTeams, appTeamsSvc, where, session)
		}
		return u.browser(appSharePoint, appSharePoint, where, session)
	}
	switch x := r.IntN(10); {
	case x < 3:
		return u.browser(appOfficeHome, appOfficeHome, where, session)
	case x < 6:
		return u.desktop(appTeams, appTeamsSvc, u.teamsUA(), where, session)
	case x < 8:
		return u.browser(appExchange, appExchange, where, session)
	default:
		return u.browser(appSharePoint, appSharePoint, where, session)
	}
}

// otherApp is a later application of the day, by the user's role.
func (g *generator) otherApp(r *rand.Rand, u *user, t time.Time, where spot, session string) *ctx {
	switch {
	case u.admin && chance(r, 0.5):
		return g.adminApp(r, u, where, session)
	case u.sales && chance(r, 0.6):
		return u.browser(appSalesforce, appSalesforce, where, session)
	case u.finance && chance(r, 0.5) && t.Before(g.ago(payrollDeployed)):
		return u.browser(appPayroll, appPayroll, where, session)
	case chance(r, 0.2) && u.UPN != "emily.foster@"+Domain:
		return u.browser(appServiceNow, appServiceNow, where, session)
	case chance(r, 0.5):
		return u.browser(appSharePoint, appSharePoint, where, session)
	}
	return u.browser(appExchange, appExchange, where, session)
}

// adminApp is an administration tool.
func (g *generator) adminApp(r *rand.Rand, u *user, where spot, session string) *ctx {
	switch r.IntN(4) {
	case 0:
		return u.desktop(appGraphPS, resGraph, uaPowerShell, where, session)
	case 1:
		return u.desktop(appAzureCLI, resARM, uaAzureCLI, where, session)
	}
	return u.browser(appAzurePortal, resARM, where, session)
}

// interactiveFlow generates one interactive sign-in flow at t: a success,
// or an interrupt followed by a success under the same correlation ID.
func (g *generator) interactiveFlow(r *rand.Rand, c *ctx, t time.Time, mfaToday *bool) {
	if !g.active(c.u, t, true) {
		return
	}
	corr := randomGUID(r)
	admin := c.res == resARM
	if !c.at.trusted || admin {
		if *mfaToday && !admin {
			g.emit(r, c, req{at: t, corr: corr, st: completed, mfa: mfaPrevious})
			return
		}
		*mfaToday = true
		code := 50076
		if admin {
			code = 50074
		}
		switch x := r.Float64(); {
		case x < 0.04 && !c.u.story:
			// The user gave up at the MFA prompt: an interrupt with no success.
			g.emit(r, c, req{at: t, corr: corr, code: code, st: mfaPending,
				details: "The sign-in stopped at the MFA prompt; no later request of this flow completed it."})
		case x < 0.55:
			first := g.emit(r, c, req{at: t, corr: corr, code: code, st: mfaPending, details: mfaRequiredDetails(c)})
			done := t.Add(between(r, 12*time.Second, 48*time.Second))
			g.emit(r, c, req{at: done, corr: corr, orig: first, st: completed, firstAt: t})
		default:
			g.emit(r, c, req{at: t, corr: corr, st: completed})
		}
		return
	}
	switch x := r.Float64(); {
	case x < 0.08 && c.client == clientBrowser:
		first := g.emit(r, c, req{at: t, corr: corr, code: 50140, st: completed,
			details: "The user was asked whether to stay signed in; the answer arrives in the next request of this flow."})
		g.emit(r, c, req{at: t.Add(between(r, 3*time.Second, 12*time.Second)), corr: corr, orig: first, st: completed, firstAt: t})
	case x < 0.13:
		first := g.emit(r, c, req{at: t, corr: corr, code: 50058, st: noAuth,
			details: "The app tried a silent sign-in (prompt=none) without a usable session cookie and fell back to an interactive prompt."})
		g.emit(r, c, req{at: t.Add(between(r, 2*time.Second, 7*time.Second)), corr: corr, orig: first, st: completed})
	case x < 0.145 && !c.u.story && c.client == clientBrowser:
		first := g.emit(r, c, req{at: t, corr: corr, code: 50126, st: primaryFailed,
			details: "A single incorrect password, retried correctly in the same flow: a typing mistake."})
		g.emit(r, c, req{at: t.Add(between(r, 10*time.Second, 30*time.Second)), corr: corr, orig: first, st: completed})
	default:
		g.emit(r, c, req{at: t, corr: corr, st: completed})
	}
}

// mfaRequiredDetails explains why an interrupt asked for MFA.
func mfaRequiredDetails(c *ctx) string {
	if c.res == resARM {
		return "The Conditional Access policy \"Require MFA for Azure management\" requires MFA for every Azure management sign-in; the user was challenged."
	}
	return "The request came from outside the trusted locations, where \"Require MFA outside trusted locations\" applies; the user was challenged."
}
