package filestest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// Generate writes n synthetic but realistic sign-ins in format to w: a
// tenant of members and guests, first-party and line-of-business apps,
// service principals and managed identities, the common failure codes in
// their usual proportions, twelve Conditional Access policies evaluated on
// every user sign-in, devices, locations, authentication steps. The output
// depends only on format, n and seed. Benchmarks and load tests use it; the
// records are written newest first, as the exports are.
func Generate(w io.Writer, format files.Format, n int, seed uint64) error {
	if n < 0 {
		return fmt.Errorf("generate %s: n is %d (want 0 or more)", format, n)
	}
	cat, err := catalog.Load()
	if err != nil {
		return fmt.Errorf("generate %s: %w", format, err)
	}
	g := newGenerator(cat, seed, n)
	bw := bufio.NewWriterSize(w, 1<<16)
	switch format {
	case files.FormatGraphJSON:
		err = g.writeGraphPages(bw, n)
	case files.FormatGraphJSONLines:
		err = g.writeGraphLines(bw, n)
	case files.FormatPortalJSON:
		err = g.writePortalJSON(bw, n)
	case files.FormatPortalCSV:
		err = g.writePortalCSV(bw, n)
	case files.FormatLogAnalyticsCSV:
		err = g.writeLACSV(bw, n)
	case files.FormatLogAnalyticsJSON:
		err = g.writeLAJSON(bw, n)
	default:
		return fmt.Errorf("generate: unknown format %q (want one of %s)", format, strings.Join(formatNames(), ", "))
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("generate %s: %w", format, err)
	}
	return nil
}

// Formats lists every files.Format, in a stable order.
var Formats = []files.Format{files.FormatGraphJSON, files.FormatGraphJSONLines, files.FormatPortalJSON, files.FormatPortalCSV, files.FormatLogAnalyticsCSV, files.FormatLogAnalyticsJSON}

func formatNames() []string {
	out := make([]string, len(Formats))
	for i, f := range Formats {
		out[i] = string(f)
	}
	return out
}

// The synthetic tenant.
const (
	genTenant   = "aaaabbbb-0000-cccc-1111-dddd2222eeee"
	genMembers  = 1500
	genGuests   = 60
	genWorkload = 40
)

// genApp is an application or resource: its app ID and name.
type genApp struct{ ID, Name string }

var (
	genFirst = []string{"rosa", "sam", "li", "adele", "omar", "priya", "jonas", "mei", "carlos", "fatima", "noah", "yuki", "ibrahim", "elena", "kwame", "sofia", "david", "aiko", "lucas", "nadia", "tomas", "grace", "arjun", "hana", "felix"}
	genLast  = []string{"alvarez", "lee", "wei", "vance", "haddad", "patel", "berg", "chen", "silva", "khan", "smith", "tanaka", "okafor", "rossi", "mensah", "garcia", "cohen", "sato", "martin", "novak", "horvat", "kim", "nair", "park", "weber"}

	genUserApps = []genApp{
		{"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"},
		{"4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"},
		{"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"},
		{"c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"},
		{"2793995e-0a7d-40d7-bd35-6968ba142197", "My Apps"},
		{"38aa3b87-a06d-4817-b275-7a316988d93b", "Windows Sign In"},
		{"27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"},
		{"7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918", "Contoso HR Portal"},
		{"04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI"},
	}
	genBackgroundApps = []genApp{
		{"29d9ed98-a469-4536-ade2-f981bc1d605e", "Microsoft Authentication Broker"},
		{"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"},
		{"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"},
		{"ab9b8c07-8f02-4f72-87fa-80105867a763", "OneDrive SyncEngine"},
		{"27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"},
	}
	genResources = []genApp{
		{"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"},
		{"00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"},
		{"00000003-0000-0000-c000-000000000000", "Microsoft Graph"},
		{"797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"},
		{"cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "Microsoft Teams Services"},
		{"00000002-0000-0000-c000-000000000000", "Windows Azure Active Directory"},
	}
	genWorkloadResources = []genApp{
		{"00000003-0000-0000-c000-000000000000", "Microsoft Graph"},
		{"cfa8b339-82a2-471a-a3c9-0fc0be7a4093", "Azure Key Vault"},
		{"e406a681-f3d4-42a8-90b6-c2b029497af1", "Azure Storage"},
		{"797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"},
	}
	genPlaces = []struct {
		city, state, cc string
		lat, lon        float64
	}{
		{"Seattle", "Washington", "US", 47.61, -122.33}, {"Redmond", "Washington", "US", 47.68, -122.12},
		{"New York", "New York", "US", 40.71, -74.01}, {"Chicago", "Illinois", "US", 41.88, -87.63},
		{"Toronto", "Ontario", "CA", 43.65, -79.38}, {"London", "England", "GB", 51.51, -0.13},
		{"Dublin", "Dublin", "IE", 53.35, -6.26}, {"Lisbon", "Lisboa", "PT", 38.72, -9.14},
		{"Munich", "Bayern", "DE", 48.14, 11.58}, {"Paris", "Ile-de-France", "FR", 48.86, 2.35},
		{"Amsterdam", "Noord-Holland", "NL", 52.37, 4.9}, {"Bengaluru", "Karnataka", "IN", 12.97, 77.59},
		{"Singapore", "Singapore", "SG", 1.35, 103.82}, {"Tokyo", "Tokyo", "JP", 35.68, 139.69},
		{"Sydney", "New South Wales", "AU", -33.87, 151.21}, {"Sao Paulo", "Sao Paulo", "BR", -23.55, -46.63},
	}
	genDevices = []struct{ os, browser, client, ua string }{
		{"Windows 10", "Edge 131.0.0", "Browser", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"},
		{"Windows 11", "Chrome 131.0.0", "Browser", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
		{"Windows 11", "Rich Client 5.2.0", "Mobile Apps and Desktop clients", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Teams/24335.206.3315.1069"},
		{"MacOs", "Safari 18.1", "Browser", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"},
		{"Ios 18.2", "Mobile Safari 18.2", "Browser", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1"},
		{"Android 14", "Rich Client 4.2.4", "Mobile Apps and Desktop clients", "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240905.003)"},
		{"Linux", "Firefox 133.0", "Browser", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"},
	}
	genTrust = []string{"Azure AD joined", "Hybrid Azure AD joined", "Azure AD registered"}
)

// genOutcome is an error code with its share of the sign-ins of one type.
type genOutcome struct {
	code           int
	weight         int
	reason, detail string
}

var genOutcomes = map[signin.Type][]genOutcome{
	signin.Interactive: {
		{0, 620, "", ""},
		{50126, 70, "Error validating credentials due to invalid username or password.", "The user didn't enter the right credentials."},
		{50074, 80, "Strong Authentication is required.", "MFA required in Azure AD"},
		{50140, 60, "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.", ""},
		{50058, 25, "User information is required to complete this request.", ""},
		{53003, 20, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", ""},
		{50076, 30, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.", ""},
		{500121, 20, "Authentication failed during strong authentication request.", "The user didn't complete the MFA prompt."},
		{50053, 10, "Account is locked because user tried to sign in too many times with an incorrect user ID or password.", ""},
		{50055, 5, "The password is expired.", ""},
		{50105, 5, "The signed in user is not assigned to a role for the application.", ""},
		{65001, 5, "The user or administrator has not consented to use the application.", ""},
		{530032, 3, "Blocked by security defaults or a tenant security policy.", ""},
		{16000, 10, "Either multiple user identities are available for the current request or selected account is not supported for the scenario.", ""},
	},
	signin.NonInteractive: {
		{0, 860, "", ""},
		{70044, 30, "The session has expired or is invalid due to sign-in frequency checks by conditional access.", ""},
		{700082, 30, "The refresh token has expired due to inactivity.", ""},
		{50173, 20, "The provided grant has expired due to it being revoked, a fresh auth token is needed.", ""},
		{50078, 20, "Presented multi-factor authentication has expired due to policies configured by your administrator.", ""},
		{50076, 20, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.", ""},
		{53003, 10, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", ""},
		{50089, 10, "Flow token expired.", ""},
	},
	signin.ServicePrincipal: {
		{0, 900, "", ""},
		{7000215, 40, "Invalid client secret is provided.", ""},
		{7000222, 30, "The provided client secret keys for app are expired.", ""},
		{700016, 20, "Application with identifier was not found in the directory.", ""},
		{7000112, 10, "Application is disabled.", ""},
	},
	signin.ManagedIdentity: {
		{0, 980, "", ""},
		{500011, 20, "The resource principal was not found in the tenant.", ""},
	},
}

// genPolicy is one Conditional Access policy of the synthetic tenant.
type genPolicy struct {
	id, name       string
	grant, session []string
}

var genPolicies = []genPolicy{
	{"0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d01", "CA001: Require multifactor authentication for admins", []string{"Mfa"}, nil},
	{"1c2d3e4f-5a6b-4c7d-9e8f-0a1b2c3d4e02", "CA002: Securing security info registration", []string{"Mfa"}, nil},
	{"2d3e4f5a-6b7c-4d8e-af90-1b2c3d4e5f03", "CA003: Block legacy authentication", []string{"Block"}, nil},
	{"3e4f5a6b-7c8d-4e9f-b0a1-2c3d4e5f6a04", "CA004: Require multifactor authentication for all users", []string{"Mfa"}, nil},
	{"4f5a6b7c-8d9e-4fa0-81b2-3d4e5f6a7b05", "CA005: Require multifactor authentication for guest access", []string{"Mfa"}, nil},
	{"5a6b7c8d-9eaf-40b1-92c3-4e5f6a7b8c06", "CA006: Require multifactor authentication for Azure management", []string{"Mfa"}, nil},
	{"6b7c8d9e-afb0-41c2-a3d4-5f6a7b8c9d07", "CA007: Require multifactor authentication for risky sign-ins", []string{"Mfa"}, []string{"SignInFrequency"}},
	{"7c8d9eaf-b0c1-42d3-b4e5-6a7b8c9d0e08", "CA008: Require compliant or hybrid joined device", []string{"RequireCompliantDevice", "RequireDomainJoinedDevice"}, nil},
	{"8d9eafb0-c1d2-43e4-85f6-7b8c9d0e1f09", "CA009: Block unknown or unsupported device platforms", []string{"Block"}, nil},
	{"9eafb0c1-d2e3-44f5-96a7-8c9d0e1f2a10", "CA010: Block access from outside allowed countries", []string{"Block"}, nil},
	{"afb0c1d2-e3f4-45a6-a7b8-9d0e1f2a3b11", "CA011: No persistent browser session on unmanaged devices", nil, []string{"PersistentBrowserSessionMode", "SignInFrequency"}},
	{"b0c1d2e3-f4a5-46b7-b8c9-0e1f2a3b4c12", "CA012: Require phishing-resistant MFA (report-only)", []string{"Mfa"}, nil},
}

// condition flags, as conditionNames orders them.
const (
	cApplication = 1 << iota
	cUsers
	cDevicePlatform
	cLocation
	cClientType
)

type genUser struct {
	id, upn, name, typ, home string
	place                    int
	device                   int
	deviceID, deviceName     string
	trust                    string
	compliant                bool
	ip                       string
}

type genWorkloadID struct {
	spID, appID, name, msi string
	ip                     string
	place                  int
}

type generator struct {
	catalog  *catalog.Catalog // tells the admin center's "Interrupted" status from "Failure"
	rng      *rand.Rand
	users    []genUser
	workload []genWorkloadID
	clock    time.Time
	gap      time.Duration
	lastCorr string
}

func newGenerator(cat *catalog.Catalog, seed uint64, n int) *generator {
	g := &generator{catalog: cat, rng: rand.New(rand.NewPCG(seed, 0x5eed5161a5)), clock: time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)}
	// A week of sign-ins, newest first.
	g.gap = 7 * 24 * time.Hour / time.Duration(max(n, 1))
	for i := range genMembers + genGuests {
		f, l := genFirst[i%len(genFirst)], genLast[(i/len(genFirst))%len(genLast)]
		u := genUser{id: g.guid(), typ: "member", home: genTenant, place: g.rng.IntN(6), device: g.rng.IntN(len(genDevices))}
		suffix := ""
		if k := i / (len(genFirst) * len(genLast)); k > 0 {
			suffix = strconv.Itoa(k + 1)
		}
		u.upn = f + "." + l + suffix + "@contoso.com"
		u.name = strings.ToUpper(f[:1]) + f[1:] + " " + strings.ToUpper(l[:1]) + l[1:]
		if i >= genMembers {
			u.typ, u.home = "guest", "eeeeffff-4444-aaaa-5555-bbbb6666cccc"
			u.upn = f + l + suffix + "@fabrikam.com"
			u.place = g.rng.IntN(len(genPlaces))
		}
		if u.typ == "member" && g.rng.IntN(10) < 7 {
			u.deviceID, u.deviceName = g.guid(), fmt.Sprintf("CON-%05d", i)
			u.trust = genTrust[g.rng.IntN(len(genTrust))]
			u.compliant = g.rng.IntN(10) < 9
		}
		u.ip = fmt.Sprintf("203.0.%d.%d", 113+i/250, 1+i%250)
		g.users = append(g.users, u)
	}
	for i := range genWorkload {
		w := genWorkloadID{spID: g.guid(), appID: g.guid(), place: 6 + g.rng.IntN(2), ip: fmt.Sprintf("20.190.%d.%d", 128+i/200, 1+i%200)}
		switch i % 4 {
		case 0:
			w.name, w.msi = fmt.Sprintf("func-contoso-%02d", i), "systemAssigned"
		case 1:
			w.name, w.msi = fmt.Sprintf("id-contoso-aks-%02d", i), "userAssigned"
		default:
			w.name = fmt.Sprintf("Contoso Automation %02d", i)
		}
		g.workload = append(g.workload, w)
	}
	return g
}

func (g *generator) guid() string {
	a, b := g.rng.Uint64(), g.rng.Uint64()
	b = b&^(0xf<<60) | 0x8<<60 // RFC 4122 variant
	a = a&^(0xf<<12) | 0x4<<12 // version 4
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// genSignIn is one synthetic sign-in before it is written in a format.
type genSignIn struct {
	signin.SignIn
	user    *genUser
	wl      *genWorkloadID
	place   int
	outcome genOutcome
	results []string // per genPolicies
	sat     []int
	notSat  []int
	latency int
}

func (g *generator) next() *genSignIn {
	r := g.rng
	g.clock = g.clock.Add(-g.gap/2 - time.Duration(r.Int64N(int64(g.gap)+1)))
	s := &genSignIn{}
	s.ID = g.guid()
	s.CreatedAt = g.clock.Add(time.Duration(r.IntN(1e7)) * 100) // 100 ns ticks, as Graph writes them
	s.TenantID = genTenant
	s.latency = 40 + r.IntN(400)
	switch p := r.IntN(100); {
	case p < 40:
		s.Type = signin.Interactive
	case p < 90:
		s.Type = signin.NonInteractive
	case p < 97:
		s.Type = signin.ServicePrincipal
	default:
		s.Type = signin.ManagedIdentity
	}
	if s.Type == signin.Interactive && g.lastCorr != "" && r.IntN(100) < 15 {
		s.CorrelationID = g.lastCorr // the same flow: an interrupt, then the retry
	} else {
		s.CorrelationID = g.guid()
	}
	g.lastCorr = s.CorrelationID
	s.outcome = g.pick(genOutcomes[s.Type])
	s.Status = signin.Status{ErrorCode: s.outcome.code, FailureReason: s.outcome.reason, AdditionalDetails: s.outcome.detail}
	if s.Type == signin.ServicePrincipal || s.Type == signin.ManagedIdentity {
		g.workloadSignIn(s)
	} else {
		g.userSignIn(s)
	}
	return s
}

func (g *generator) pick(outcomes []genOutcome) genOutcome {
	total := 0
	for _, o := range outcomes {
		total += o.weight
	}
	n := g.rng.IntN(total)
	for _, o := range outcomes {
		if n -= o.weight; n < 0 {
			return o
		}
	}
	return outcomes[0]
}

func (g *generator) workloadSignIn(s *genSignIn) {
	r := g.rng
	for {
		w := &g.workload[r.IntN(len(g.workload))]
		if (s.Type == signin.ManagedIdentity) == (w.msi != "") {
			s.wl = w
			break
		}
	}
	s.ServicePrincipal = signin.App{ID: s.wl.spID, Name: s.wl.name}
	s.App = signin.App{ID: s.wl.appID, Name: s.wl.name}
	s.ManagedIdentity = s.wl.msi
	s.Resource = signin.App(genWorkloadResources[r.IntN(len(genWorkloadResources))])
	s.IPAddress = s.wl.ip
	if s.Type == signin.ManagedIdentity {
		s.IPAddress = ""
	}
	s.place = s.wl.place
	s.ConditionalAccessStatus = "notApplied"
}

func (g *generator) userSignIn(s *genSignIn) {
	r := g.rng
	u := &g.users[r.IntN(len(g.users))]
	s.user = u
	s.User = signin.User{ID: u.id, UPN: u.upn, DisplayName: u.name, Type: u.typ}
	s.HomeTenantID = u.home
	apps := genUserApps
	if s.Type == signin.NonInteractive {
		apps = genBackgroundApps
	}
	s.App = signin.App(apps[r.IntN(len(apps))])
	s.Resource = signin.App(genResources[r.IntN(len(genResources))])
	if s.App.Name == "Azure Portal" || s.App.Name == "Microsoft Azure CLI" {
		s.Resource = signin.App(genResources[3])
	}
	d := genDevices[u.device]
	s.ClientApp, s.UserAgent = d.client, d.ua
	s.Device = signin.Device{ID: u.deviceID, Name: u.deviceName, OperatingSystem: d.os, Browser: d.browser, TrustType: u.trust}
	if u.deviceID != "" {
		c, m := u.compliant, true
		s.Device.IsCompliant, s.Device.IsManaged = &c, &m
	}
	s.place, s.IPAddress = u.place, u.ip
	if r.IntN(100) < 8 { // travelling, or an attacker
		s.place = r.IntN(len(genPlaces))
		s.IPAddress = fmt.Sprintf("%d.%d.%d.%d", 80+r.IntN(100), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
	if s.Status.ErrorCode == 53003 && r.IntN(2) == 0 {
		s.ClientApp, s.UserAgent = "Exchange ActiveSync", "Apple-iPhone15C2/2201.100"
	}
	mfa := s.Type == signin.Interactive && (s.Status.ErrorCode == 0 || s.Status.ErrorCode == 500121) && r.IntN(3) > 0
	s.AuthRequirement = "singleFactorAuthentication"
	if mfa || s.Status.ErrorCode == 50074 || s.Status.ErrorCode == 50076 {
		s.AuthRequirement = "multiFactorAuthentication"
	}
	if s.Type == signin.Interactive {
		s.AuthDetails = g.steps(s, mfa)
	}
	g.policies(s)
	s.Risk = signin.Risk{LevelDuringSignIn: "none", LevelAggregated: "none", State: "none", Detail: "none"}
	if s.place != u.place && r.IntN(3) == 0 {
		s.Risk = signin.Risk{LevelDuringSignIn: "medium", LevelAggregated: "medium", State: "atRisk", Detail: "none", EventTypes: []string{"unfamiliarFeatures"}}
	}
	if s.Type == signin.Interactive {
		s.SessionID = g.guid()
	}
}

func (g *generator) steps(s *genSignIn, mfa bool) []signin.AuthStep {
	pwdOK := s.Status.ErrorCode != 50126 && s.Status.ErrorCode != 50053
	steps := []signin.AuthStep{{
		At: s.CreatedAt.Add(-time.Duration(2+g.rng.IntN(20)) * time.Second).Truncate(time.Second), Method: "Password",
		MethodDetail: "Password Hash Sync", Requirement: "Primary authentication", Succeeded: pwdOK, ResultDetail: "Correct password",
	}}
	if !pwdOK {
		steps[0].ResultDetail = "Invalid username or password or Invalid on-premise username or password."
	}
	if mfa || s.Status.ErrorCode == 50074 {
		step := signin.AuthStep{At: s.CreatedAt.Truncate(time.Second), Method: "Mobile app notification", Requirement: "Multifactor authentication", Succeeded: s.Status.ErrorCode == 0, ResultDetail: "MFA successfully completed"}
		switch s.Status.ErrorCode {
		case 500121:
			step.ResultDetail = "MFA denied; user declined the authentication"
		case 50074:
			step.ResultDetail = "MFA required in Azure AD"
		}
		steps = append(steps, step)
	}
	return steps
}

// policies evaluates the tenant's policies: the result of each follows from
// the user, app, place and outcome, so the same few combinations repeat, as
// they do in a real tenant.
func (g *generator) policies(s *genSignIn) {
	n := len(genPolicies)
	s.results, s.sat, s.notSat = make([]string, n), make([]int, n), make([]int, n)
	guest := s.user.typ == "guest"
	legacy := s.ClientApp == "Exchange ActiveSync"
	abroad := genPlaces[s.place].cc != "US" && genPlaces[s.place].cc != "CA"
	azure := s.Resource.Name == "Windows Azure Service Management API"
	failed := s.Status.ErrorCode == 53003
	set := func(i int, result string, sat, notSat int) {
		s.results[i], s.sat[i], s.notSat[i] = result, sat, notSat
	}
	mfaResult := "success"
	if s.Status.ErrorCode != 0 {
		mfaResult = "failure"
	}
	set(0, "notApplied", cApplication, cUsers)
	set(1, "notApplied", cUsers, cApplication)
	if legacy {
		set(2, ternary(failed, "failure", "success"), cApplication|cUsers|cClientType, 0)
	} else {
		set(2, "notApplied", cApplication|cUsers, cClientType)
	}
	if guest {
		set(3, "notApplied", cApplication, cUsers)
		set(4, mfaResult, cApplication|cUsers, 0)
	} else {
		set(3, mfaResult, cApplication|cUsers, 0)
		set(4, "notApplied", cApplication, cUsers)
	}
	if azure {
		set(5, mfaResult, cApplication|cUsers, 0)
	} else {
		set(5, "notApplied", cUsers, cApplication)
	}
	set(6, "notApplied", cApplication|cUsers, 32) // signInRisk
	if s.Device.IsCompliant != nil {
		set(7, ternary(*s.Device.IsCompliant, "success", "failure"), cApplication|cUsers|cDevicePlatform, 0)
	} else {
		set(7, "notApplied", cApplication|cUsers, cDevicePlatform)
	}
	set(8, "notApplied", cApplication|cUsers, cDevicePlatform)
	if failed && abroad && !legacy {
		set(9, "failure", cApplication|cUsers|cLocation, 0)
	} else {
		set(9, "notApplied", cApplication|cUsers, cLocation)
	}
	set(10, ternary(s.Device.ID == "", "success", "notApplied"), cApplication|cUsers, ternary(s.Device.ID == "", 0, 256))
	set(11, ternary(s.AuthRequirement == "multiFactorAuthentication", "reportOnlySuccess", "reportOnlyFailure"), cApplication|cUsers, 0)
	s.ConditionalAccessStatus = "success"
	for _, res := range s.results {
		if res == "failure" {
			s.ConditionalAccessStatus = "failure"
		}
	}
}

func ternary[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

// ---- Graph JSON ----

// graphOut is the Graph beta signIn shape, with the properties troubleshooting
// skips as well, so that records have their real size.
type graphOut struct {
	ID                                string           `json:"id"`
	CreatedDateTime                   string           `json:"createdDateTime"`
	UserDisplayName                   *string          `json:"userDisplayName"`
	UserPrincipalName                 *string          `json:"userPrincipalName"`
	UserID                            string           `json:"userId"`
	AppID                             string           `json:"appId"`
	AppDisplayName                    string           `json:"appDisplayName"`
	IPAddress                         string           `json:"ipAddress"`
	ClientAppUsed                     *string          `json:"clientAppUsed"`
	UserAgent                         string           `json:"userAgent"`
	CorrelationID                     string           `json:"correlationId"`
	ConditionalAccessStatus           string           `json:"conditionalAccessStatus"`
	OriginalRequestID                 string           `json:"originalRequestId"`
	IsInteractive                     bool             `json:"isInteractive"`
	TokenIssuerName                   string           `json:"tokenIssuerName"`
	TokenIssuerType                   string           `json:"tokenIssuerType"`
	ClientCredentialType              string           `json:"clientCredentialType"`
	ProcessingTimeInMilliseconds      int              `json:"processingTimeInMilliseconds"`
	RiskDetail                        string           `json:"riskDetail"`
	RiskLevelAggregated               string           `json:"riskLevelAggregated"`
	RiskLevelDuringSignIn             string           `json:"riskLevelDuringSignIn"`
	RiskState                         string           `json:"riskState"`
	RiskEventTypes                    []string         `json:"riskEventTypes"`
	RiskEventTypesV2                  []string         `json:"riskEventTypes_v2"`
	ResourceDisplayName               string           `json:"resourceDisplayName"`
	ResourceID                        string           `json:"resourceId"`
	ResourceTenantID                  string           `json:"resourceTenantId"`
	HomeTenantID                      string           `json:"homeTenantId"`
	HomeTenantName                    string           `json:"homeTenantName"`
	AuthenticationMethodsUsed         []string         `json:"authenticationMethodsUsed"`
	AuthenticationRequirement         string           `json:"authenticationRequirement"`
	SignInIdentifier                  string           `json:"signInIdentifier"`
	SignInIdentifierType              *string          `json:"signInIdentifierType"`
	ServicePrincipalName              *string          `json:"servicePrincipalName"`
	ServicePrincipalID                string           `json:"servicePrincipalId"`
	FederatedCredentialID             string           `json:"federatedCredentialId"`
	UserType                          string           `json:"userType"`
	FlaggedForReview                  bool             `json:"flaggedForReview"`
	IsTenantRestricted                bool             `json:"isTenantRestricted"`
	AutonomousSystemNumber            int              `json:"autonomousSystemNumber"`
	CrossTenantAccessType             string           `json:"crossTenantAccessType"`
	UniqueTokenIdentifier             string           `json:"uniqueTokenIdentifier"`
	IncomingTokenType                 string           `json:"incomingTokenType"`
	AuthenticationProtocol            string           `json:"authenticationProtocol"`
	SessionID                         string           `json:"sessionId"`
	SignInEventTypes                  []string         `json:"signInEventTypes"`
	ManagedServiceIdentity            *graphMSIOut     `json:"managedServiceIdentity"`
	Status                            graphStatusOut   `json:"status"`
	DeviceDetail                      graphDeviceOut   `json:"deviceDetail"`
	Location                          graphLocationOut `json:"location"`
	AppliedConditionalAccessPolicies  []graphPolicyOut `json:"appliedConditionalAccessPolicies"`
	AuthenticationProcessingDetails   []keyValue       `json:"authenticationProcessingDetails"`
	NetworkLocationDetails            []struct{}       `json:"networkLocationDetails"`
	AuthenticationDetails             []graphStepOut   `json:"authenticationDetails"`
	AuthenticationRequirementPolicies []keyValue       `json:"authenticationRequirementPolicies"`
	SessionLifetimePolicies           []struct{}       `json:"sessionLifetimePolicies"`
}

type graphMSIOut struct {
	MsiType              string  `json:"msiType"`
	AssociatedResourceID string  `json:"associatedResourceId"`
	FederatedTokenID     *string `json:"federatedTokenId"`
	FederatedTokenIssuer *string `json:"federatedTokenIssuer"`
}

type graphStatusOut struct {
	ErrorCode         int     `json:"errorCode"`
	FailureReason     *string `json:"failureReason"`
	AdditionalDetails *string `json:"additionalDetails"`
}

type graphDeviceOut struct {
	DeviceID        string  `json:"deviceId"`
	DisplayName     *string `json:"displayName"`
	OperatingSystem string  `json:"operatingSystem"`
	Browser         string  `json:"browser"`
	IsCompliant     *bool   `json:"isCompliant"`
	IsManaged       *bool   `json:"isManaged"`
	TrustType       *string `json:"trustType"`
}

type graphLocationOut struct {
	City            string `json:"city"`
	State           string `json:"state"`
	CountryOrRegion string `json:"countryOrRegion"`
	GeoCoordinates  geoOut `json:"geoCoordinates"`
}

type geoOut struct {
	Altitude  *float64 `json:"altitude"`
	Latitude  float64  `json:"latitude"`
	Longitude float64  `json:"longitude"`
}

type graphPolicyOut struct {
	ID                          string     `json:"id"`
	DisplayName                 string     `json:"displayName"`
	EnforcedGrantControls       []string   `json:"enforcedGrantControls"`
	EnforcedSessionControls     []string   `json:"enforcedSessionControls"`
	SessionControlsNotSatisfied []string   `json:"sessionControlsNotSatisfied"`
	Result                      string     `json:"result"`
	ConditionsSatisfied         any        `json:"conditionsSatisfied"`
	ConditionsNotSatisfied      any        `json:"conditionsNotSatisfied"`
	AuthenticationStrength      *string    `json:"authenticationStrength"`
	IncludeRulesSatisfied       []struct{} `json:"includeRulesSatisfied"`
	ExcludeRulesSatisfied       []struct{} `json:"excludeRulesSatisfied"`
}

type graphStepOut struct {
	AuthenticationStepDateTime     string  `json:"authenticationStepDateTime"`
	AuthenticationMethod           string  `json:"authenticationMethod"`
	AuthenticationMethodDetail     *string `json:"authenticationMethodDetail"`
	Succeeded                      bool    `json:"succeeded"`
	AuthenticationStepResultDetail string  `json:"authenticationStepResultDetail"`
	AuthenticationStepRequirement  string  `json:"authenticationStepRequirement"`
	StatusSequence                 int     `json:"StatusSequence,omitempty"`
	RequestSequence                int     `json:"RequestSequence,omitempty"`
}

type keyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// conditionText writes condition flags as Graph does.
func conditionText(n int) string { return graphjson.ConditionsText(uint64(n)) }

func (g *generator) policiesOut(s *genSignIn, numeric bool) []graphPolicyOut {
	if s.results == nil {
		return []graphPolicyOut{}
	}
	out := make([]graphPolicyOut, len(genPolicies))
	for i, p := range genPolicies {
		o := graphPolicyOut{ID: p.id, DisplayName: p.name, EnforcedGrantControls: orEmpty(p.grant), EnforcedSessionControls: orEmpty(p.session),
			SessionControlsNotSatisfied: []string{}, Result: s.results[i], IncludeRulesSatisfied: []struct{}{}, ExcludeRulesSatisfied: []struct{}{}}
		if numeric {
			o.ConditionsSatisfied, o.ConditionsNotSatisfied = s.sat[i], s.notSat[i]
		} else {
			o.ConditionsSatisfied, o.ConditionsNotSatisfied = conditionText(s.sat[i]), conditionText(s.notSat[i])
		}
		out[i] = o
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (g *generator) stepsOut(s *genSignIn, withSequence bool) []graphStepOut {
	out := make([]graphStepOut, len(s.AuthDetails))
	for i, a := range s.AuthDetails {
		out[i] = graphStepOut{AuthenticationStepDateTime: a.At.Format(time.RFC3339), AuthenticationMethod: a.Method,
			AuthenticationMethodDetail: strPtr(a.MethodDetail), Succeeded: a.Succeeded, AuthenticationStepResultDetail: a.ResultDetail,
			AuthenticationStepRequirement: a.Requirement}
		if withSequence {
			out[i].RequestSequence = i + 1
			if !a.Succeeded {
				out[i].StatusSequence = s.Status.ErrorCode
			}
		}
	}
	return out
}

func (g *generator) graphRecord(s *genSignIn, created string) *graphOut {
	place := genPlaces[s.place]
	o := &graphOut{
		ID: s.ID, CreatedDateTime: created, UserID: s.User.ID, AppID: s.App.ID, AppDisplayName: s.App.Name,
		IPAddress: s.IPAddress, UserAgent: s.UserAgent, CorrelationID: s.CorrelationID, ConditionalAccessStatus: s.ConditionalAccessStatus,
		OriginalRequestID: s.ID, IsInteractive: s.Type == signin.Interactive, TokenIssuerType: "AzureAD", ClientCredentialType: "none",
		ProcessingTimeInMilliseconds: s.latency, RiskDetail: s.Risk.Detail, RiskLevelAggregated: s.Risk.LevelAggregated,
		RiskLevelDuringSignIn: s.Risk.LevelDuringSignIn, RiskState: s.Risk.State, RiskEventTypes: orEmpty(s.Risk.EventTypes),
		RiskEventTypesV2: orEmpty(s.Risk.EventTypes), ResourceDisplayName: s.Resource.Name, ResourceID: s.Resource.ID,
		ResourceTenantID: s.TenantID, HomeTenantID: s.HomeTenantID, AuthenticationMethodsUsed: []string{},
		AuthenticationRequirement: s.AuthRequirement, ServicePrincipalID: s.ServicePrincipal.ID, UserType: s.User.Type,
		AutonomousSystemNumber: 8075, CrossTenantAccessType: "none", UniqueTokenIdentifier: strings.ReplaceAll(s.ID[:22], "-", "A"),
		IncomingTokenType: "none", AuthenticationProtocol: "none", SessionID: s.SessionID, SignInEventTypes: []string{s.Type.EventType()},
		Status:                            graphStatusOut{ErrorCode: s.Status.ErrorCode, FailureReason: strPtr(s.Status.FailureReason), AdditionalDetails: strPtr(s.Status.AdditionalDetails)},
		DeviceDetail:                      graphDeviceOut{DeviceID: s.Device.ID, DisplayName: strPtr(s.Device.Name), OperatingSystem: s.Device.OperatingSystem, Browser: s.Device.Browser, IsCompliant: s.Device.IsCompliant, IsManaged: s.Device.IsManaged, TrustType: strPtr(s.Device.TrustType)},
		Location:                          graphLocationOut{City: place.city, State: place.state, CountryOrRegion: place.cc, GeoCoordinates: geoOut{Latitude: place.lat, Longitude: place.lon}},
		AppliedConditionalAccessPolicies:  g.policiesOut(s, false),
		AuthenticationProcessingDetails:   []keyValue{{"Legacy TLS (TLS 1.0, 1.1, 3DES)", "False"}, {"Is CAE Token", "False"}},
		NetworkLocationDetails:            []struct{}{},
		AuthenticationDetails:             g.stepsOut(s, false),
		AuthenticationRequirementPolicies: []keyValue{},
		SessionLifetimePolicies:           []struct{}{},
	}
	if s.user != nil {
		o.UserDisplayName, o.UserPrincipalName, o.ClientAppUsed = &s.User.DisplayName, &s.User.UPN, &s.ClientApp
		o.SignInIdentifier = s.User.UPN
		o.SignInIdentifierType = strPtr("userPrincipalName")
		if s.Type == signin.NonInteractive {
			o.IncomingTokenType = "refreshToken"
		}
		if s.User.Type == "guest" {
			o.CrossTenantAccessType, o.HomeTenantName = "b2bCollaboration", "Fabrikam"
		}
	} else {
		o.ServicePrincipalName = &s.ServicePrincipal.Name
		o.ClientCredentialType = "clientSecret"
		if s.ManagedIdentity != "" {
			o.ClientCredentialType = "managedIdentity"
			o.ManagedServiceIdentity = &graphMSIOut{MsiType: s.ManagedIdentity, AssociatedResourceID: "/subscriptions/11112222-3333-4444-5555-666677778888/resourceGroups/rg-contoso/providers/Microsoft.Web/sites/" + s.wl.name}
		}
	}
	return o
}

func (g *generator) writeGraphPages(w *bufio.Writer, n int) error {
	const pageSize = 1000
	for start := 0; start < n || start == 0; start += pageSize {
		if _, err := w.WriteString(`{"@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns","value":[`); err != nil {
			return err
		}
		for i := start; i < min(n, start+pageSize); i++ {
			if i > start {
				_ = w.WriteByte(',')
			}
			s := g.next()
			b, err := json.Marshal(g.graphRecord(s, s.CreatedAt.Format(time.RFC3339Nano)))
			if err != nil {
				return err
			}
			_, _ = w.Write(b)
		}
		_, _ = w.WriteString(`]`)
		if start+pageSize < n {
			if _, err := w.WriteString(`,"@odata.nextLink":"https://graph.microsoft.com/beta/auditLogs/signIns?$top=1000&$skiptoken=` + strconv.Itoa(start+pageSize) + `"`); err != nil {
				return err
			}
		}
		if _, err := w.WriteString("}\n"); err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	return nil
}

func (g *generator) writeGraphLines(w *bufio.Writer, n int) error {
	for range n {
		s := g.next()
		b, err := json.Marshal(g.graphRecord(s, s.CreatedAt.Format(time.RFC3339Nano)))
		if err != nil {
			return err
		}
		_, _ = w.Write(b)
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) writePortalJSON(w *bufio.Writer, n int) error {
	_ = w.WriteByte('[')
	for i := range n {
		if i > 0 {
			_ = w.WriteByte(',')
		}
		_ = w.WriteByte('\n')
		s := g.next()
		// The admin center writes whole seconds.
		b, err := json.Marshal(g.graphRecord(s, s.CreatedAt.Truncate(time.Second).Format(time.RFC3339)))
		if err != nil {
			return err
		}
		_, _ = w.Write(b)
	}
	_, err := w.WriteString("\n]\n")
	return err
}
