package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// app is an application or resource as sign-ins name it.
type app = signin.App

// Microsoft first-party applications, with their well-known app IDs.
var (
	appExchange    = app{ID: "00000002-0000-0ff1-ce00-000000000000", Name: "Office 365 Exchange Online"}
	appSharePoint  = app{ID: "00000003-0000-0ff1-ce00-000000000000", Name: "Office 365 SharePoint Online"}
	appTeams       = app{ID: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", Name: "Microsoft Teams"}
	appTeamsSvc    = app{ID: "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", Name: "Microsoft Teams Services"}
	appOffice      = app{ID: "d3590ed6-52b3-4102-aeff-aad2292ab01c", Name: "Microsoft Office"}
	appOutlookMob  = app{ID: "27922004-5251-4030-b22d-91ecd9a37ea4", Name: "Outlook Mobile"}
	appOfficeHome  = app{ID: "4765445b-32c6-49b0-83e6-1d93765276ca", Name: "OfficeHome"}
	appAzurePortal = app{ID: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", Name: "Azure Portal"}
	appGraphPS     = app{ID: "14d82eec-204b-4c2f-b7e8-296a70dab67e", Name: "Microsoft Graph PowerShell"}
	appAzureCLI    = app{ID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", Name: "Microsoft Azure CLI"}
	resGraph       = app{ID: "00000003-0000-0000-c000-000000000000", Name: "Microsoft Graph"}
	resARM         = app{ID: "797f4846-ba00-4fd7-ba43-dac1f8f63013", Name: "Windows Azure Service Management API"}
	resKeyVault    = app{ID: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093", Name: "Azure Key Vault"}
	resStorage     = app{ID: "e406a681-f3d4-42a8-90b6-c2b029497af1", Name: "Azure Storage"}
)

// The tenant's own applications: gallery instances and line-of-business apps
// get tenant-specific app IDs, derived here from their names.
var (
	appSalesforce = tenantApp("Salesforce")
	appServiceNow = tenantApp("ServiceNow")
	appPayroll    = tenantApp("Contoso Payroll")
	appExpenseAPI = tenantApp("Contoso Expense API")
	appHRSync     = tenantApp("Contoso HR Sync")
	appFuncProd   = tenantApp("contoso-func-prod")

	// The service principals (object IDs) of the workload identities.
	spExpenseAPI = app{ID: nameGUID("sp/Contoso Expense API"), Name: "Contoso Expense API"}
	spHRSync     = app{ID: nameGUID("sp/Contoso HR Sync"), Name: "Contoso HR Sync"}
	spFuncProd   = app{ID: nameGUID("sp/contoso-func-prod"), Name: "contoso-func-prod"}
)

func tenantApp(name string) app { return app{ID: nameGUID("app/" + name), Name: name} }

// spot is where a request came from.
type spot struct {
	ip      string
	loc     signin.Location
	trusted bool // inside a Conditional Access trusted (named) location
}

// office is a Contoso site: trusted egress addresses and the homes of the
// people who work there.
type office struct {
	loc   signin.Location
	ips   []string
	tz    int // offset from UTC in hours (standard time)
	homes []signin.Location
}

var (
	seattle = &office{
		loc: signin.Location{City: "Seattle", State: "Washington", CountryOrRegion: "US"},
		ips: []string{"198.51.100.10", "198.51.100.11", "198.51.100.12", "198.51.100.13"},
		tz:  -8,
		homes: []signin.Location{
			{City: "Bellevue", State: "Washington", CountryOrRegion: "US"},
			{City: "Redmond", State: "Washington", CountryOrRegion: "US"},
			{City: "Tacoma", State: "Washington", CountryOrRegion: "US"},
			{City: "Kirkland", State: "Washington", CountryOrRegion: "US"},
			{City: "Everett", State: "Washington", CountryOrRegion: "US"},
			{City: "Portland", State: "Oregon", CountryOrRegion: "US"},
		},
	}
	newYork = &office{
		loc: signin.Location{City: "New York", State: "New York", CountryOrRegion: "US"},
		ips: []string{"198.51.100.40", "198.51.100.41"},
		tz:  -5,
		homes: []signin.Location{
			{City: "Brooklyn", State: "New York", CountryOrRegion: "US"},
			{City: "Jersey City", State: "New Jersey", CountryOrRegion: "US"},
			{City: "Stamford", State: "Connecticut", CountryOrRegion: "US"},
			{City: "Hoboken", State: "New Jersey", CountryOrRegion: "US"},
		},
	}
	london = &office{
		loc: signin.Location{City: "London", State: "England", CountryOrRegion: "GB"},
		ips: []string{"198.51.100.70", "198.51.100.71"},
		tz:  0,
		homes: []signin.Location{
			{City: "Reading", State: "England", CountryOrRegion: "GB"},
			{City: "Croydon", State: "England", CountryOrRegion: "GB"},
			{City: "Guildford", State: "England", CountryOrRegion: "GB"},
		},
	}
	offices = []*office{seattle, newYork, london}
)

// homeIP gives every home city its own block of 192.0.2.0/24 (15 addresses),
// so that an address always maps to the same city.
func homeIP(o *office, city, n int) string {
	block := city
	for _, p := range offices {
		if p == o {
			break
		}
		block += len(p.homes)
	}
	return "192.0.2." + strconv.Itoa(16*(block+1)+1+n%15)
}

// user is a directory object with what the generator needs to make its
// sign-ins look like the same person every day.
type user struct {
	signin.User
	homeTenant string
	office     *office
	home       spot
	laptop     signin.Device
	laptopUA   string
	phone      signin.Device // zero when the user has no phone enrolled
	phoneUA    string
	pwdSource  string // authenticationMethodDetail of the password step
	mfa        string // default MFA method
	sales      bool
	finance    bool
	admin      bool
	officeOnly bool // never works from home (no MFA method registered)
	story      bool // has a scenario of its own; never picked at random
	scripted   bool // no baseline: every sign-in comes from its story
	// mfaExcluded: excluded from "Require MFA outside trusted locations"
	// (an unattended service account), the gap a spray finds.
	mfaExcluded bool

	// Baseline activity limits (zero: none).
	from, until, interactiveUntil time.Time
}

// tz is the user's offset from UTC in hours.
func (u *user) tz() int {
	if u.office != nil {
		return u.office.tz
	}
	return -6
}

// at is a time of day, local to the user, days before the reference day.
func (g *generator) at(u *user, daysBack int, clock time.Duration) time.Time {
	local := g.ref.Add(time.Duration(u.tz()) * time.Hour)
	midnight := time.Date(local.Year(), local.Month(), local.Day()-daysBack, 0, 0, 0, 0, time.UTC)
	return midnight.Add(clock).Add(-time.Duration(u.tz()) * time.Hour)
}

func (u *user) officeSpot(n int) spot {
	return spot{ip: u.office.ips[n%len(u.office.ips)], loc: u.office.loc, trusted: true}
}

// Devices, browsers and clients.
const (
	osWindows = "Windows 10"
	osMac     = "MacOs"
	osIOS     = "Ios"
	osAndroid = "Android"

	trustJoined     = "Azure AD joined"
	trustHybrid     = "Hybrid Azure AD joined"
	trustRegistered = "Azure AD registered"

	clientBrowser = "Browser"
	clientModern  = "Mobile Apps and Desktop clients"

	browserEdge       = "Edge 132.0.0"
	browserChrome     = "Chrome 132.0.0"
	browserSafari     = "Safari 18.2"
	browserRich       = "Rich Client 4.67.2.0"
	browserRichMobile = "Rich Client 1.6.1"

	uaEdgeWin       = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36 Edg/132.0.0.0"
	uaChromeWin     = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36"
	uaChromeMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36"
	uaSafariMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15"
	uaOutlookWin    = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18324; Pro)"
	uaOutlook2016   = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.4266; Pro)"
	uaTeamsWin      = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0 Teams/24335.206.3315.1368/49"
	uaTeamsMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Teams/24335.208.3315.1378/49"
	uaOutlookIOS    = "Outlook-iOS/723.4027091.prod.iphone (4.2503.0)"
	uaOutlookAndr   = "Outlook-Android/2.0"
	uaPowerShell    = "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.6"
	uaAzureCLI      = "python/3.12.8 (Windows-11-10.0.22631-SP0) AZURECLI/2.68.0"
	uaSprayScript   = "python-requests/2.31.0"
	uaChromeAndroid = "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Mobile Safari/537.36"
	uaIOSMailEAS    = "Apple-iPhone12C1/1905.2"
	pwdCloud        = "Password in the cloud"
	pwdHashSync     = "Password Hash Sync"
	mfaPush         = "Mobile app notification"
	mfaSMS          = "Text message"
	mfaOATH         = "OATH verification code"
	mfaCall         = "Phone call"
	mfaPrevious     = "Previously satisfied"
	methodPassword  = "Password"
)

// managedDevice is a device registered in the tenant and compliant.
func (g *generator) managedDevice(name, upn, os, trust string) signin.Device {
	return signin.Device{
		ID: nameGUID("device/" + upn + "/" + name), Name: name, OperatingSystem: os,
		IsCompliant: g.yes, IsManaged: g.yes, TrustType: trust,
	}
}

// unmanagedDevice is a personal device: no device object in the tenant.
func (g *generator) unmanagedDevice(os, browser string) signin.Device {
	return signin.Device{OperatingSystem: os, Browser: browser, IsCompliant: g.no, IsManaged: g.no}
}

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
	"Daniel", "Barbara", "Joseph", "Susan", "Thomas", "Sarah", "Christopher", "Karen", "Matthew", "Lisa",
	"Anthony", "Nancy", "Mark", "Sandra", "Steven", "Ashley", "Andrew", "Kimberly", "Paul", "Donna",
	"Joshua", "Michelle", "Kenneth", "Carol", "Brian", "Amanda", "Ryan", "Melissa", "Jacob", "Deborah",
	"Wei", "Mei", "Hiroshi", "Yuki", "Arjun", "Ananya", "Rahul", "Deepa", "Mohammed", "Fatima",
	"Ahmed", "Layla", "Diego", "Lucia", "Mateo", "Valentina", "Santiago", "Camila", "Oluwaseun", "Amara",
	"Chinedu", "Ngozi", "Sven", "Ingrid", "Lars", "Astrid", "Pierre", "Camille", "Hannah", "Ethan",
	"Chloe", "Noah", "Grace", "Liam", "Zoe", "Isaac", "Maya", "Owen", "Ruby", "Leo",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
	"Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
	"Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
	"Nelson", "Baker", "Hall", "Campbell", "Mitchell", "Carter", "Roberts", "Turner", "Phillips", "Parker",
	"Nguyen", "Tanaka", "Suzuki", "Kumar", "Singh", "Gupta", "Iyer", "Ali", "Hassan", "Khan",
	"Lopez", "Gonzalez", "Hernandez", "Ramirez", "Torres", "Flores", "Morales", "Okafor", "Adeyemi", "Mensah",
	"Johansson", "Lindqvist", "Nilsen", "Dubois", "Laurent", "Schmidt", "Fischer", "Kowalski", "Novak", "Rossi",
	"Murphy", "Kelly", "Walsh", "Byrne", "Cohen", "Friedman", "Park", "Choi", "Wang", "Zhang",
}

// storyUser is a member whose sign-ins tell one of the scenarios.
type storyUser struct {
	first, last string
	office      *office
	hybrid      bool // synced from on-premises AD
	admin       bool
	sales       bool
	finance     bool
}

var storyUsers = []storyUser{
	{first: "Rosa", last: "Diaz", office: seattle},
	{first: "Derek", last: "Holt", office: seattle},
	{first: "Marcus", last: "Chen", office: seattle},
	{first: "Kevin", last: "O'Brien", office: newYork, sales: true},
	{first: "Priya", last: "Sharma", office: seattle, finance: true},
	{first: "Olivia", last: "Bennett", office: london},
	{first: "Nina", last: "Patel", office: seattle},
	{first: "Sam", last: "Okafor", office: newYork},
	{first: "Frank", last: "Miller", office: seattle, hybrid: true},
	{first: "Helen", last: "Zhou", office: newYork, sales: true},
	{first: "Jessica", last: "Wong", office: seattle, sales: true},
	{first: "Carlos", last: "Rivera", office: newYork, sales: true},
	{first: "Tom", last: "Becker", office: london},
	{first: "Emily", last: "Foster", office: seattle, finance: true},
	{first: "Greg", last: "Santos", office: seattle, hybrid: true},
	{first: "Maria", last: "Garcia", office: seattle, admin: true},
	{first: "David", last: "Kim", office: seattle, admin: true},
	{first: "Aisha", last: "Rahman", office: london, admin: true},
}

// moreStoryUsers are the members of the stories added with the diagnosis
// scenarios, one subject per scenario.
var moreStoryUsers = []storyUser{
	{first: "Lucas", last: "Weber", office: seattle},                // bad-password
	{first: "Paulo", last: "Souza", office: newYork, sales: true},   // malicious-ip-blocked
	{first: "Erik", last: "Strand", office: london},                 // mfa-denied
	{first: "Tessa", last: "Vogel", office: seattle, finance: true}, // ca-blocked
	{first: "Nadia", last: "Petrov", office: newYork, sales: true},  // ca-grant-not-satisfied
	{first: "Kai", last: "Lindgren", office: london},                // security-defaults
	{first: "Mira", last: "Kapoor", office: seattle},                // risk-blocked
	{first: "Theo", last: "Brandt", office: seattle, hybrid: true},  // app-not-found
	{first: "Zara", last: "Quinn", office: london},                  // resource-not-found
	{first: "Ines", last: "Moreau", office: london},                 // interrupts-only
	{first: "Olaf", last: "Berg", office: seattle},                  // no-failures
	{first: "Hugo", last: "Lambert", office: newYork},               // unclassified
}

// scriptedUsers have no baseline: their stories write every sign-in, so that
// nothing random (an MFA prompt, a "Stay signed in?" question) blurs them.
var scriptedUsers = []string{"olaf.berg@" + Domain, "mira.kapoor@" + Domain}

// guestUser is an external (B2B) collaborator.
type guestUser struct {
	upn, name string
	loc       signin.Location
	ip        string
}

var guestUsers = []guestUser{
	{"jane.cooper@fabrikam.com", "Jane Cooper", signin.Location{City: "Chicago", State: "Illinois", CountryOrRegion: "US"}, "203.0.113.21"},
	{"omar.haddad@fabrikam.com", "Omar Haddad", signin.Location{City: "Chicago", State: "Illinois", CountryOrRegion: "US"}, "203.0.113.22"},
	{"li.wei@adatum.com", "Li Wei", signin.Location{City: "Vancouver", State: "British Columbia", CountryOrRegion: "CA"}, "203.0.113.31"},
	{"sofia.rossi@northwindtraders.com", "Sofia Rossi", signin.Location{City: "Milan", State: "Lombardy", CountryOrRegion: "IT"}, "203.0.113.41"},
	{"ben.carter@tailspintoys.com", "Ben Carter", signin.Location{City: "Denver", State: "Colorado", CountryOrRegion: "US"}, "203.0.113.51"},
	{"ana.lima@wingtiptoys.com", "Ana Lima", signin.Location{City: "Toronto", State: "Ontario", CountryOrRegion: "CA"}, "203.0.113.61"},
}

// memberCount is how many members the directory holds (story users included).
const memberCount = 290

func upnOf(first, last string) string {
	clean := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "'", "")) }
	return clean(first) + "." + clean(last) + "@" + Domain
}

// directory builds the users: the story users first, then members with
// random names from the lists, then the guests.
func (g *generator) directory() {
	r := stream("directory")
	add := func(r *rand.Rand, first, last string, o *office, hybrid bool) *user {
		upn := upnOf(first, last)
		u := &user{
			User: signin.User{
				ID: nameGUID("user/" + upn), UPN: upn, DisplayName: first + " " + last, Type: "member",
			},
			homeTenant: TenantID,
			office:     o,
			pwdSource:  pwdCloud,
		}
		if hybrid {
			u.pwdSource = pwdHashSync
		}
		city := r.IntN(len(o.homes))
		u.home = spot{ip: homeIP(o, city, len(g.members)), loc: o.homes[city]}
		n := strconv.Itoa(1000 + r.IntN(9000))
		switch x := r.IntN(20); {
		case x < 11:
			u.laptop = g.managedDevice("CTS-LT-"+n, upn, osWindows, trustJoined)
			u.laptop.Browser, u.laptopUA = browserEdge, uaEdgeWin
		case x < 15:
			u.laptop = g.managedDevice("CTS-DT-"+n, upn, osWindows, trustHybrid)
			u.laptop.Browser, u.laptopUA = browserEdge, uaEdgeWin
			u.pwdSource = pwdHashSync
		case x < 17:
			u.laptop = g.managedDevice("CTS-LT-"+n, upn, osWindows, trustJoined)
			u.laptop.Browser, u.laptopUA = browserChrome, uaChromeWin
		case x < 19:
			u.laptop = g.managedDevice("CTS-MB-"+n, upn, osMac, trustRegistered)
			u.laptop.Browser, u.laptopUA = browserChrome, uaChromeMac
		default:
			u.laptop = g.managedDevice("CTS-MB-"+n, upn, osMac, trustRegistered)
			u.laptop.Browser, u.laptopUA = browserSafari, uaSafariMac
		}
		switch x := r.IntN(10); {
		case x < 6:
			u.phone = g.managedDevice("iPhone", upn, osIOS, trustRegistered)
			u.phoneUA = uaOutlookIOS
		case x < 9:
			u.phone = g.managedDevice("Galaxy S24", upn, osAndroid, trustRegistered)
			u.phoneUA = uaOutlookAndr
		}
		switch x := r.IntN(10); {
		case x < 7:
			u.mfa = mfaPush
		case x < 8:
			u.mfa = mfaSMS
		case x < 9:
			u.mfa = mfaOATH
		default:
			u.mfa = mfaCall
		}
		g.members = append(g.members, u)
		g.byUPN[upn] = u
		return u
	}

	for _, s := range storyUsers {
		u := add(r, s.first, s.last, s.office, s.hybrid)
		u.story, u.admin, u.sales, u.finance = true, s.admin, s.sales, s.finance
	}
	for len(g.members) < memberCount {
		first, last := pick(r, firstNames), pick(r, lastNames)
		if _, taken := g.byUPN[upnOf(first, last)]; taken {
			continue
		}
		o := seattle
		switch x := r.IntN(20); {
		case x < 4:
			o = newYork
		case x < 7:
			o = london
		}
		u := add(r, first, last, o, chance(r, 0.3))
		switch x := r.IntN(100); {
		case x < 16:
			u.sales = true
		case x < 26:
			u.finance = true
		case x < 29:
			u.admin = true
		}
		g.regular = append(g.regular, u)
	}
	// The later story users have a stream of their own, so that adding them
	// left every member above (and the stories that pick among them) alone.
	rs := stream("directory/stories")
	for _, s := range moreStoryUsers {
		if _, taken := g.byUPN[upnOf(s.first, s.last)]; taken {
			panic("demo: story user " + upnOf(s.first, s.last) + " is taken")
		}
		u := add(rs, s.first, s.last, s.office, s.hybrid)
		u.story, u.admin, u.sales, u.finance = true, s.admin, s.sales, s.finance
	}
	for _, upn := range scriptedUsers {
		g.u(upn).scripted = true
	}
	// The reporting gateway's account: unattended, so excluded from MFA.
	reporting := &user{
		User: signin.User{
			ID: nameGUID("user/svc-reporting@" + Domain), UPN: "svc-reporting@" + Domain,
			DisplayName: "Power BI Gateway Service", Type: "member",
		},
		homeTenant: TenantID, office: seattle, pwdSource: pwdCloud, story: true, scripted: true, mfaExcluded: true,
		laptop: g.managedDevice("CTS-PBIGW-01", "svc-reporting@"+Domain, "Windows Server 2022", trustHybrid),
	}
	g.byUPN[reporting.UPN] = reporting

	// The scan-to-email device's account: a service account, not a person.
	scanner := &user{
		User: signin.User{
			ID: nameGUID("user/svc-scanner@" + Domain), UPN: "svc-scanner@" + Domain,
			DisplayName: "Scan to Email (Seattle Floor 3)", Type: "member",
		},
		homeTenant: TenantID, office: seattle, pwdSource: pwdCloud, story: true,
	}
	g.byUPN[scanner.UPN] = scanner

	for _, gu := range guestUsers {
		domain := gu.upn[strings.IndexByte(gu.upn, '@')+1:]
		u := &user{
			User:       signin.User{ID: nameGUID("user/" + gu.upn), UPN: gu.upn, DisplayName: gu.name, Type: "guest"},
			homeTenant: nameGUID("tenant/" + domain),
			home:       spot{ip: gu.ip, loc: gu.loc},
			laptop:     g.unmanagedDevice(osWindows, browserEdge),
			laptopUA:   uaEdgeWin,
			pwdSource:  "Federated", // authenticated by the home tenant
			mfa:        mfaPush,
		}
		g.guests = append(g.guests, u)
		g.byUPN[gu.upn] = u
	}
}

// Conditional Access policies of the tenant.
type policyDef struct {
	id, name string
	grant    []string
	session  []string
}

func policy(name string, grant, session []string) policyDef {
	return policyDef{id: nameGUID("ca/" + name), name: name, grant: grant, session: session}
}

// policies is the tenant's Conditional Access configuration. Each call of
// Generate builds its own, so that no two calls share a slice.
type policies struct {
	mfa, legacy, salesforce, adminMFA, sif, roDevice, roCountry, guestTOU policyDef
	blockARM, approvedApp                                                 policyDef
}

func newPolicies() policies {
	return policies{
		mfa:         policy("Require MFA outside trusted locations", []string{"Mfa"}, nil),
		legacy:      policy("Block legacy authentication", []string{"Block"}, nil),
		salesforce:  policy("Require compliant device for Salesforce", []string{"RequireCompliantDevice"}, nil),
		adminMFA:    policy("Require MFA for Azure management", []string{"Mfa"}, nil),
		sif:         policy("Sign-in frequency 4 hours for Azure management", nil, []string{"SignInFrequency"}),
		roDevice:    policy("Require compliant or hybrid joined device (report-only)", []string{"RequireCompliantDevice", "RequireDomainJoinedDevice"}, nil),
		roCountry:   policy("Block sign-ins from outside allowed countries (report-only)", []string{"Block"}, nil),
		guestTOU:    policy("Guests must accept terms of use", nil, nil),
		blockARM:    policy("Block Azure management for non-administrators", []string{"Block"}, nil),
		approvedApp: policy("Require approved client app on mobile devices", []string{"RequireApprovedApp"}, nil),
	}
}

// allowedCountries are the countries the report-only country policy allows.
var allowedCountries = map[string]bool{"US": true, "GB": true, "CA": true}
