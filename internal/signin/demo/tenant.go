package demo

import (
	"cmp"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// tenant.go holds the demo tenant's directory as internal/directory sees
// it: the accounts of the users that sign in, the Conditional Access
// policies the sign-ins name, the applications' credentials, and a week of
// audit events that tell the stories' "what changed" (who reset rosa's
// password, when tom changed his, who disabled kevin, which policy edit came
// before tessa's blocks, the HR sync's secret rotation) among ordinary
// changes that explain nothing.

// When the directory's changes happen, as durations before the newest
// sign-in (the stories' own times are in scenarios.go and stories.go).
const (
	rosaReset       = rosaLockedOut - time.Hour        // the help desk, after her call (the lockout was minutes after the first try)
	armPolicyEdited = 7*time.Hour + 40*time.Minute     // "Block Azure management ..." switched on
	emilyUnassigned = 30*time.Hour + 40*time.Minute    // her ServiceNow assignment removed
	emilyMoved      = 31 * time.Hour                   // her transfer to finance
	priyaNewPhone   = 26 * time.Hour                   // Authenticator moved to a new phone
	ninaRegistered  = ninaCreated - 38*time.Minute     // during her proof-up
	marcusChanged   = 12*time.Hour + 90*24*time.Hour   // 90 days before the expiry overnight
	hrKeyAdded      = secretRotated + 3*time.Minute    // the new secret, just before the old one went
	payrollReleased = payrollDeployed + 2*time.Minute  // the release asks for a new permission
	expenseKeyStart = secretExpired + 365*24*time.Hour // a one-year secret
	kevinRevoked    = kevinDisabled - time.Minute      // sessions revoked with the disable
	kevinGroupsLeft = kevinDisabled - 3*time.Minute    // and his groups removed
)

// Who makes the changes: admins of the demo (their UPNs) and apps (their
// display names), as an audit event's initiatedBy names them.
const (
	helpDeskAdmin   = "david.kim@" + Domain              // resets passwords, edits assignments
	identityAdmin   = "maria.garcia@" + Domain           // owns Conditional Access
	leaverAdmin     = "aisha.rahman@" + Domain           // runs the leaver process
	hrProvisioning  = "Contoso HR Provisioning"          // the app that creates and updates users
	releasePipeline = "Contoso Payroll release pipeline" // the app that deploys Payroll
)

// Kinds of directory data the demo holds: all of them.
var holds = []string{"audit events", "account state", "MFA registration", "policies", "app credentials"}

// Directory returns the demo tenant's directory, consistent with
// Generate(now): the same object IDs, UPNs, app IDs and policy IDs, and
// times shifted as the sign-ins are (the newest sign-in is now). It is
// deterministic for a given now, and every call builds it afresh.
//
// The stories it backs: the help desk reset rosa.diaz's password after her
// lockout; tom.becker changed his just before his 50173s; greg.santos
// changed his the evening before the meeting-room PC began replaying the old
// one; an admin disabled kevin.obrien's account and revoked his sessions;
// marcus.chen's password is older than 90 days; "Block Azure management for
// non-administrators" went from report-only to on shortly before
// tessa.vogel's blocks; Contoso HR Sync's secret was rotated (the old key
// removed) just before its 7000215s; Contoso Expense API's only secret
// expired three days ago; an admin removed emily.foster's ServiceNow
// assignment before her 50105s; priya.sharma moved her Authenticator to a
// new phone the day before her unanswered prompt; nobody ever consented to
// the permission Contoso Payroll's new release asks for (its release shows
// as an "Update application" that no activity of directory.Activities
// matches). Ordinary changes (group memberships, job titles, devices) that
// explain nothing surround them.
func Directory(now time.Time) directory.Data {
	g := newGeneratorFor(8)
	b := &tenantBuilder{g: g, now: now.UTC().Truncate(time.Second)}
	b.d.Holds = slices.Clone(holds)
	b.d.Credentials = map[string][]directory.Credential{}
	b.accounts()
	b.policies()
	b.credentials()
	b.changes()
	b.noise()
	slices.SortStableFunc(b.d.Events, func(x, y directory.Event) int {
		return cmp.Or(y.At.Compare(x.At), cmp.Compare(x.ID, y.ID))
	})
	sanitizeDirectory(&b.d)
	return b.d
}

// tenantBuilder builds Directory's Data on a generator's users and times.
type tenantBuilder struct {
	g   *generator
	now time.Time
	d   directory.Data

	// expiredUser and expiredChange (a generator time) are memoized by
	// expiredLastWeek.
	expiredUser   *user
	expiredChange time.Time
}

// shift moves a generator time as Generate moves the sign-ins: the
// generator's reference time (its newest sign-in) becomes now.
func (b *tenantBuilder) shift(t time.Time) time.Time { return b.now.Add(-b.g.ref.Sub(t)) }

// ago is the shifted instant d before the newest sign-in.
func (b *tenantBuilder) ago(d time.Duration) time.Time { return b.now.Add(-d) }

// hashOf is a stable number for a name, for the attributes that must not
// move when another user is added (creation dates, password ages).
func hashOf(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte("tenant/" + name))
	return h.Sum64()
}

// Graph's names of the authentication methods (userRegistrationDetails'
// methodsRegistered) the demo's users have.
const (
	methodAuthenticator = "microsoftAuthenticatorPush"
	methodSoftwareOTP   = "softwareOneTimePasscode"
	methodMobilePhone   = "mobilePhone"
)

// registeredMethods maps a user's default MFA method (as sign-ins name it)
// to the method registration that makes it possible.
var registeredMethods = map[string]string{
	mfaPush: methodAuthenticator,
	mfaSMS:  methodMobilePhone,
	mfaOATH: methodSoftwareOTP,
	mfaCall: methodMobilePhone,
}

// accounts builds the account of every member, service account and guest
// that signs in (not jonh.smith, whom no account has, nor alex.morgan,
// who was never invited).
func (b *tenantBuilder) accounts() {
	g := b.g
	users := slices.Clone(g.members)
	users = append(users, g.u("svc-reporting@"+Domain), g.u("svc-scanner@"+Domain))
	users = append(users, g.guests...)
	for _, u := range users {
		b.d.Accounts = append(b.d.Accounts, b.account(u))
	}
	// The guest who redeemed his invitation with the wrong account: his
	// guest object exists, bound to a personal Microsoft account.
	h := hashOf(guestHomeUPN)
	created := g.ref.Add(-time.Duration(60+h%200) * 24 * time.Hour)
	b.d.Accounts = append(b.d.Accounts, directory.Account{
		ID: nameGUID("user/" + guestHomeUPN), UPN: guestMismatchUPN, DisplayName: "Marco Bianchi",
		AccountEnabled: ptr(true), UserType: "guest", Created: b.shift(created),
		OnPremisesSyncEnabled: ptr(false), IsMFARegistered: ptr(false), MethodsRegistered: []string{},
	})
}

// account is one user's state, with the stories' exceptions.
func (b *tenantBuilder) account(u *user) directory.Account {
	g := b.g
	h := hashOf(u.UPN)
	created := g.ref.Add(-time.Duration(300+h%2200)*24*time.Hour - time.Duration(h>>32%600)*time.Minute)
	// Cloud passwords expire after 90 days: everyone else changed theirs
	// between 8 and 80 days ago, outside the week of audit events.
	changed := g.ref.Add(-time.Duration(8+h>>16%72)*24*time.Hour - time.Duration(h>>40%720)*time.Minute)
	a := directory.Account{
		ID: u.ID, UPN: u.UPN, DisplayName: u.DisplayName,
		AccountEnabled: ptr(true), UserType: u.Type,
		OnPremisesSyncEnabled: ptr(u.pwdSource == pwdHashSync),
		MethodsRegistered:     []string{},
	}
	if m, ok := registeredMethods[u.mfa]; ok && !u.officeOnly {
		a.MethodsRegistered = append(a.MethodsRegistered, m)
	}
	switch u.UPN {
	case "rosa.diaz@" + Domain:
		changed = g.ago(rosaReset)
	case "tom.becker@" + Domain:
		changed = g.ago(tomReset)
	case "greg.santos@" + Domain:
		changed = gregChanged(g)
	case "marcus.chen@" + Domain:
		changed = g.ago(marcusChanged)
	case "kevin.obrien@" + Domain:
		a.AccountEnabled = ptr(false)
	case "nina.patel@" + Domain:
		created = g.ago(ninaCreated)
		changed = created
		a.MethodsRegistered = []string{methodAuthenticator}
	case "mira.kapoor@" + Domain:
		created = g.ago(miraCreated)
		changed = created
		a.MethodsRegistered = []string{} // registration blocked by risk
	case "priya.sharma@" + Domain:
		a.MethodsRegistered = []string{methodAuthenticator, methodMobilePhone}
	case "derek.holt@" + Domain, "erik.strand@" + Domain, "olivia.bennett@" + Domain:
		// Their stories send Authenticator notifications.
		if !slices.Contains(a.MethodsRegistered, methodAuthenticator) {
			a.MethodsRegistered = append([]string{methodAuthenticator}, a.MethodsRegistered...)
		}
	case "svc-reporting@" + Domain, "svc-scanner@" + Domain:
		a.MethodsRegistered = []string{} // unattended: no person to answer MFA
	}
	if u == b.expiredLastWeek() {
		changed = b.expiredChange
	}
	a.Created = b.shift(created)
	if u.Type == "guest" {
		// A guest's password lives in the home tenant.
		a.OnPremisesSyncEnabled = ptr(false)
	} else {
		a.LastPasswordChange = b.shift(changed)
	}
	a.IsMFARegistered = ptr(len(a.MethodsRegistered) > 0)
	return a
}

// gregChanged is when greg.santos changed his password: the evening before
// the meeting-room PC began sending the old one (stalePassword's first day).
func gregChanged(g *generator) time.Time {
	return g.at(g.u("greg.santos@"+Domain), 2, 17*time.Hour+40*time.Minute)
}

// expiredLastWeek is the member whose password expired four days ago and
// who changed it at the prompt (expiredPassword's second user), found by
// running that story alone on the builder's generator (whose sign-ins
// nothing else reads): the story has a random stream of its own, so its
// sign-ins are those Generate makes. The time of the change is kept in
// b.expiredChange.
func (b *tenantBuilder) expiredLastWeek() *user {
	if b.expiredUser != nil {
		return b.expiredUser
	}
	g := b.g
	g.out = g.out[:0]
	g.expiredPassword()
	for i, s := range g.out {
		if s.Status.ErrorCode == 50055 && s.User.UPN != "marcus.chen@"+Domain && i+1 < len(g.out) {
			b.expiredUser = g.u(s.User.UPN)
			// Between the prompt and the next sign-in, which succeeded.
			next := g.out[i+1].CreatedAt
			b.expiredChange = s.CreatedAt.Add(next.Sub(s.CreatedAt) / 2)
			return b.expiredUser
		}
	}
	panic("demo: expiredPassword has no second user")
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// grantNames maps the grant controls sign-ins name to Graph's builtInControls.
var grantNames = map[string]string{
	"Mfa":                       "mfa",
	"Block":                     "block",
	"RequireCompliantDevice":    "compliantDevice",
	"RequireDomainJoinedDevice": "domainJoinedDevice",
	"RequireApprovedApp":        "approvedApplication",
}

// policies builds the definitions of the tenant's Conditional Access
// policies, as evaluateKey applies them.
func (b *tenantBuilder) policies() {
	p := &b.g.pol
	const (
		allApps     = "apps: All cloud apps"
		allUsers    = "users: All users"
		modern      = "client apps: browser, mobileAppsAndDesktopClients"
		enabled     = "enabled"
		reportOnly  = "enabledForReportingButNotEnforced"
		daysOld     = 24 * time.Hour
		trustedSite = "locations: All locations except Contoso offices (trusted)"
	)
	add := func(d policyDef, state string, modified time.Duration, conditions ...string) {
		grants := []string{}
		for _, c := range d.grant {
			grants = append(grants, grantNames[c])
		}
		b.d.Policies = append(b.d.Policies, directory.Policy{
			ID: d.id, Name: d.name, State: state, Conditions: conditions,
			GrantOperator: "OR", GrantControls: grants, Modified: b.ago(modified),
		})
	}
	add(p.mfa, enabled, 412*daysOld+3*time.Hour,
		"users: All users except svc-reporting@"+Domain+" (Power BI Gateway Service)", allApps, modern, trustedSite)
	add(p.legacy, enabled, 388*daysOld+5*time.Hour, allUsers, allApps, "client apps: exchangeActiveSync, other")
	add(p.salesforce, enabled, 190*daysOld+2*time.Hour, allUsers, "apps: Salesforce")
	add(p.adminMFA, enabled, 301*daysOld+4*time.Hour, allUsers, "apps: Windows Azure Service Management API")
	// Its only control is a session control (sign-in frequency), which
	// directory.Policy has no field for: it is said among the conditions.
	add(p.sif, enabled, 122*daysOld+time.Hour, allUsers, "apps: Windows Azure Service Management API",
		"session: sign-in frequency every 4 hours")
	add(p.roDevice, reportOnly, 45*daysOld+6*time.Hour,
		"users: All users except guests and external users", allApps, modern)
	add(p.roCountry, reportOnly, 33*daysOld+2*time.Hour,
		allUsers, allApps, "locations: All locations except Allowed countries (US, GB, CA)")
	add(p.guestTOU, "disabled", 260*daysOld+7*time.Hour, "users: guests and external users", allApps)
	b.d.Policies[len(b.d.Policies)-1].GrantControls = []string{"termsOfUse: Contoso Guest Terms of Use"}
	add(p.blockARM, enabled, armPolicyEdited,
		"users: All users except group Azure administrators", "apps: Windows Azure Service Management API")
	add(p.approvedApp, enabled, 150*daysOld+3*time.Hour, allUsers, "apps: Office 365", "platforms: android, iOS")
}

// Key IDs of the applications' credentials.
var (
	expenseKeyID = nameGUID("key/Contoso Expense API")
	hrOldKeyID   = nameGUID("key/Contoso HR Sync/2024")
	hrNewKeyID   = nameGUID("key/Contoso HR Sync/2025")
)

// credentials builds the tenant's applications' certificates and secrets
// (metadata only: the demo has no secret values to keep).
func (b *tenantBuilder) credentials() {
	const day = 24 * time.Hour
	set := func(a app, c ...directory.Credential) { b.d.Credentials[a.ID] = c }
	// The API's only secret expired three days ago; nobody added another.
	set(appExpenseAPI, directory.Credential{KeyID: expenseKeyID, DisplayName: "expense-api-2024", Type: "password",
		Start: b.ago(expenseKeyStart), End: b.ago(secretExpired), On: "application"})
	// The sync's secret was rotated on its service principal: the new one is
	// valid, and the sync still sends something else.
	set(appHRSync, directory.Credential{KeyID: hrNewKeyID, DisplayName: "hr-sync-2025", Type: "password",
		Start: b.ago(hrKeyAdded), End: b.ago(hrKeyAdded - 365*day), On: "servicePrincipal"})
	set(appPayroll, directory.Credential{KeyID: nameGUID("key/Contoso Payroll"), DisplayName: "payroll-prod", Type: "password",
		Start: b.ago(200 * day), End: b.ago(-530 * day), On: "application"})
	set(appExpensePortal, directory.Credential{KeyID: nameGUID("key/Contoso Expense Portal"), DisplayName: "expense-portal", Type: "password",
		Start: b.ago(95 * day), End: b.ago(-270 * day), On: "application"})
	set(appSalesforce, directory.Credential{KeyID: nameGUID("key/Salesforce"), DisplayName: "CN=Microsoft Azure Federated SSO Certificate", Type: "certificate",
		Start: b.ago(410 * day), End: b.ago(-320 * day), On: "servicePrincipal"})
	set(appServiceNow, directory.Credential{KeyID: nameGUID("key/ServiceNow"), DisplayName: "CN=Microsoft Azure Federated SSO Certificate", Type: "certificate",
		Start: b.ago(220 * day), End: b.ago(-510 * day), On: "servicePrincipal"})
}

// Directory objects that audit events name besides users, apps and policies.
var (
	spServiceNow = app{ID: nameGUID("sp/ServiceNow"), Name: "ServiceNow"}
	// applicationPayroll is Contoso Payroll's app registration (its object
	// ID, not its app ID).
	applicationPayroll = app{ID: nameGUID("application/Contoso Payroll"), Name: "Contoso Payroll"}
)

// groups are the groups the ordinary changes add members to and remove
// them from.
var groups = []string{"All Seattle", "All New York", "All London", "Finance Team", "Sales US", "Sales EMEA",
	"Project Falcon", "VPN Users", "Azure administrators", "Intune Pilot"}

// groupID is a group's object ID.
func groupID(name string) string { return nameGUID("group/" + name) }

// auditID is an audit event's ID in Entra's shape
// (Directory_<guid>_<5 letters>_<digits>), derived from a stable key.
func auditID(key string) string {
	h := hashOf("audit/" + key)
	var letters [5]byte
	for i := range letters {
		letters[i] = 'A' + byte(h>>(8*i)%26)
	}
	return "Directory_" + nameGUID("audit/"+key) + "_" + string(letters[:]) + "_" + strconv.FormatUint(h>>24%1_000_000_000, 10)
}

// event appends an audit event at t (a generator time, shifted here).
func (b *tenantBuilder) event(key string, t time.Time, activity, category, by string, targets ...directory.Target) {
	b.d.Events = append(b.d.Events, directory.Event{
		ID: auditID(key), At: b.shift(t), Activity: activity, Category: category, Result: "success",
		InitiatedBy: by, Targets: targets,
	})
}

// userTarget is a user as an audit event's target.
func userTarget(u *user, modified ...directory.Property) directory.Target {
	return directory.Target{ID: u.ID, Type: "User", Name: u.UPN, Modified: modified}
}

// keyDescription is how Entra logs a credential in KeyDescription: its key
// ID, type and display name, never its value.
func keyDescription(keyID, name string) string {
	return "[KeyIdentifier=" + keyID + ",KeyType=Password,KeyUsage=Verify,DisplayName=" + name + "]"
}

// changes appends the audit events the stories need.
func (b *tenantBuilder) changes() {
	g := b.g
	u := func(name string) *user { return g.u(name + "@" + Domain) }
	const (
		users = "UserManagement"
		apps  = "ApplicationManagement"
	)
	rosa, tom, greg, kevin := u("rosa.diaz"), u("tom.becker"), u("greg.santos"), u("kevin.obrien")

	b.event("rosa/reset", g.ago(rosaReset), "Reset password (by admin)", users, helpDeskAdmin, userTarget(rosa))
	b.event("tom/change", g.ago(tomReset), "Change password (self-service)", users, tom.UPN, userTarget(tom))
	b.event("greg/change", gregChanged(g), "Change password (self-service)", users, greg.UPN, userTarget(greg))
	o := b.expiredLastWeek()
	b.event("expired/change", b.expiredChange, "Change password (self-service)", users, o.UPN, userTarget(o))

	// The leaver process: disable, revoke sessions, leave the groups.
	b.event("kevin/disable", g.ago(kevinDisabled), "Disable account", users, leaverAdmin,
		userTarget(kevin, directory.Property{Name: "AccountEnabled", Old: "[true]", New: "[false]"}))
	b.event("kevin/revoke", g.ago(kevinRevoked), "Update StsRefreshTokenValidFrom Timestamp", users, leaverAdmin,
		userTarget(kevin))
	for i, grp := range []string{"Sales US", "All New York"} {
		b.event("kevin/group/"+grp, g.ago(kevinGroupsLeft-time.Duration(i)*time.Second), "Remove member from group", "GroupManagement", leaverAdmin,
			directory.Target{ID: groupID(grp), Type: "Group", Name: grp},
			userTarget(kevin))
	}

	// The policy edit before tessa's blocks: report-only until this morning.
	arm := g.pol.blockARM
	b.event("policy/arm", g.ago(armPolicyEdited), "Update conditional access policy", "Policy", identityAdmin,
		directory.Target{ID: arm.id, Type: "Policy", Name: arm.name, Modified: []directory.Property{{
			Name: "ConditionalAccessPolicy",
			Old:  `{"displayName":"` + arm.name + `","state":"enabledForReportingButNotEnforced"}`,
			New:  `{"displayName":"` + arm.name + `","state":"enabled"}`,
		}}})

	// HR Sync's rotation on its service principal: a new secret, then the
	// old one removed; the sync was never given the new value.
	sp := directory.Target{ID: spHRSync.ID, Type: "ServicePrincipal", Name: spHRSync.Name}
	added, removed := sp, sp
	added.Modified = []directory.Property{{Name: "KeyDescription", New: keyDescription(hrNewKeyID, "hr-sync-2025")}}
	removed.Modified = []directory.Property{{Name: "KeyDescription", Old: keyDescription(hrOldKeyID, "hr-sync-2024")}}
	b.event("hrsync/add", g.ago(hrKeyAdded), "Add service principal credentials", apps, helpDeskAdmin, added)
	b.event("hrsync/remove", g.ago(secretRotated), "Remove service principal credentials", apps, helpDeskAdmin, removed)

	// Emily moved to finance; her old team's ServiceNow assignment went with it.
	emily := u("emily.foster")
	b.event("emily/moved", g.ago(emilyMoved), "Update user", users, hrProvisioning,
		userTarget(emily, directory.Property{Name: "Department", Old: `["Sales Operations"]`, New: `["Finance"]`}))
	b.event("emily/unassigned", g.ago(emilyUnassigned), "Remove app role assignment from user", apps, helpDeskAdmin,
		directory.Target{ID: spServiceNow.ID, Type: "ServicePrincipal", Name: spServiceNow.Name, Modified: []directory.Property{
			{Name: "AppRole.Value", Old: `"User"`}, {Name: "User.UPN", Old: `"` + emily.UPN + `"`},
		}},
		userTarget(emily))

	// Priya moved her Authenticator to a new phone the day before its
	// notification went unanswered.
	priya := u("priya.sharma")
	b.event("priya/deleted", g.ago(priyaNewPhone), "User deleted security info", users, priya.UPN,
		userTarget(priya, directory.Property{Name: "AuthenticationMethod", Old: "Microsoft Authenticator (old phone)"}))
	b.event("priya/registered", g.ago(priyaNewPhone-4*time.Minute), "User registered security info", users, priya.UPN,
		userTarget(priya, directory.Property{Name: "AuthenticationMethod", New: "Microsoft Authenticator (new phone)"}))

	// New hires: created by HR provisioning; nina registered MFA at her
	// first sign-in, mira could not.
	nina, mira := u("nina.patel"), u("mira.kapoor")
	b.event("nina/add", g.ago(ninaCreated), "Add user", users, hrProvisioning, userTarget(nina))
	b.event("nina/registered", g.ago(ninaRegistered), "User registered security info", users, nina.UPN,
		userTarget(nina, directory.Property{Name: "AuthenticationMethod", New: "Microsoft Authenticator"}))
	b.event("mira/add", g.ago(miraCreated), "Add user", users, hrProvisioning, userTarget(mira))

	// Payroll's release asks for a permission on Contoso Expense API that
	// nobody ever consented to: an "Update application", and no consent.
	b.event("payroll/release", g.ago(payrollReleased), "Update application", apps, releasePipeline,
		directory.Target{ID: applicationPayroll.ID, Type: "Application", Name: applicationPayroll.Name, Modified: []directory.Property{{
			Name: "RequiredResourceAccess",
			Old:  `[{"resource":"Microsoft Graph","scopes":["User.Read"]}]`,
			New:  `[{"resource":"Microsoft Graph","scopes":["User.Read"]},{"resource":"Contoso Expense API","scopes":["Expenses.Read"]}]`,
		}}})
}

// noise appends the ordinary changes of a week that explain no failure:
// job titles, group memberships, devices, on members without a story.
func (b *tenantBuilder) noise() {
	g := b.g
	r := stream("tenant/noise")
	admins := []string{helpDeskAdmin, identityAdmin, leaverAdmin}
	titles := []string{"Account Manager", "Senior Analyst", "Team Lead", "Engineer II", "Program Manager"}
	for i := range 24 {
		u := g.regular[r.IntN(len(g.regular))]
		day := 1 + r.IntN(6)
		t := g.at(u, day, 9*time.Hour+between(r, 0, 8*time.Hour))
		if !g.in(t, 0) {
			continue
		}
		wd := t.Add(time.Duration(u.tz()) * time.Hour).Weekday()
		if wd == time.Saturday || wd == time.Sunday {
			continue
		}
		key := "noise/" + strconv.Itoa(i)
		switch r.IntN(4) {
		case 0:
			b.event(key, t, "Update user", "UserManagement", hrProvisioning,
				userTarget(u, directory.Property{Name: "JobTitle", Old: `["` + pick(r, titles) + `"]`, New: `["` + pick(r, titles) + `"]`}))
		case 1:
			grp := pick(r, groups)
			b.event(key, t, "Add member to group", "GroupManagement", pick(r, admins),
				directory.Target{ID: groupID(grp), Type: "Group", Name: grp}, userTarget(u))
		case 2:
			grp := pick(r, groups)
			b.event(key, t, "Remove member from group", "GroupManagement", pick(r, admins),
				directory.Target{ID: groupID(grp), Type: "Group", Name: grp}, userTarget(u))
		default:
			old, updated := `["10.0.22631.4751"]`, `["10.0.22631.4890"]`
			if u.laptop.OperatingSystem == osMac {
				old, updated = `["15.2"]`, `["15.3"]`
			}
			b.event(key, t, "Update device", "Device", "Microsoft Intune",
				directory.Target{ID: u.laptop.ID, Type: "Device", Name: u.laptop.Name, Modified: []directory.Property{
					{Name: "DeviceOSVersion", Old: old, New: updated},
				}})
		}
	}
}

// secretLike reports whether a property's name says it could carry a
// secret value, which is never kept (Entra does not log one either).
func secretLike(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "password") || strings.Contains(n, "secret") || strings.Contains(n, "keyvalue")
}

// sanitizeDirectory cleans, in place, every text of d as sources clean
// sign-ins (logtext: no control characters or escapes, capped lengths), and
// drops the values of any property named like a secret. The demo writes its
// own text, but whatever leaves a source is treated the same way.
func sanitizeDirectory(d *directory.Data) {
	name := func(s *string) { *s = logtext.Clean(*s, logtext.MaxName) }
	detail := func(s *string) { *s = logtext.Clean(*s, logtext.MaxDetail) }
	all := func(xs []string) {
		for i := range xs {
			name(&xs[i])
		}
	}
	for i := range d.Events {
		e := &d.Events[i]
		for _, f := range []*string{&e.ID, &e.Activity, &e.Category, &e.Result, &e.InitiatedBy} {
			name(f)
		}
		for j := range e.Targets {
			t := &e.Targets[j]
			name(&t.ID)
			name(&t.Type)
			name(&t.Name)
			for k := range t.Modified {
				p := &t.Modified[k]
				name(&p.Name)
				if secretLike(p.Name) {
					p.Old, p.New = "", ""
				}
				detail(&p.Old)
				detail(&p.New)
			}
		}
	}
	for i := range d.Accounts {
		a := &d.Accounts[i]
		for _, f := range []*string{&a.ID, &a.UPN, &a.DisplayName, &a.UserType} {
			name(f)
		}
		all(a.MethodsRegistered)
	}
	for i := range d.Policies {
		p := &d.Policies[i]
		for _, f := range []*string{&p.ID, &p.Name, &p.State, &p.GrantOperator} {
			name(f)
		}
		for j := range p.Conditions {
			detail(&p.Conditions[j])
		}
		all(p.GrantControls)
	}
	for _, cs := range d.Credentials {
		for i := range cs {
			c := &cs[i]
			for _, f := range []*string{&c.KeyID, &c.DisplayName, &c.Type, &c.On} {
				name(f)
			}
		}
	}
}
