package diagnosis

// engine.go holds the engine's types and the steps around its rules
// (rules.go): preparing the facts, evidence, ranking, notCauses, lastSuccess.

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// SubjectKind is what a diagnosis is about; the values are API.
type SubjectKind string

// The subject kinds.
const (
	KindUser          SubjectKind = "user"
	KindApp           SubjectKind = "app"
	KindIPAddress     SubjectKind = "ipAddress"
	KindCorrelationID SubjectKind = "correlationId"
	KindTenant        SubjectKind = "tenant"
)

// Subject names what was diagnosed and what was learned about it.
type Subject struct {
	Kind        SubjectKind `json:"kind" jsonschema:"enum=user,enum=app,enum=ipAddress,enum=correlationId,enum=tenant"`
	Value       string      `json:"value" jsonschema_description:"The subject as given (empty for the tenant)."`
	DisplayName string      `json:"displayName,omitempty"`
	ObjectID    string      `json:"objectId,omitempty"`
	AppID       string      `json:"appId,omitempty"`
	UserType    string      `json:"userType,omitempty" jsonschema_description:"member or guest, when a sign-in logged it."`
}

// Input is everything a diagnosis reads. SignIns are the subject's sign-ins,
// failures and successes, in any order (successes before the window may be
// included: they feed lastSuccess). SameIP are other users' sign-ins from
// the subject's IPs, which lockout and spray rules need; it may be empty.
// For a tenant (Subject.Kind KindTenant), SignIns are every sign-in in the
// window and SameIP is empty.
type Input struct {
	Subject      Subject
	Since, Until time.Time // failures outside [Since, Until) are ignored; zero means unbounded
	SignIns      []signin.SignIn
	SameIP       []signin.SignIn
	Classify     signin.Classifier
	Catalog      *catalog.Catalog
	// Directory is what the source read of the directory for this
	// subject (audit events, account state, policies, app credentials);
	// nil when none was read. A tenant triage ignores it.
	Directory *directory.Context
	// FollowUps, when not nil, is what came after each record of
	// SignIns among their successes (signin.Collection.FollowUps), which
	// prepare then does not work out again: FollowUps[i] for SignIns[i].
	FollowUps []signin.FollowUp
	// UniqueIDs: no two records of SignIns and SameIP share an ID
	// (signin.Collection.UniqueIDs), so that prepare skips its look for
	// duplicates.
	UniqueIDs bool
}

// Result is a diagnosis; field names are API.
type Result struct {
	Subject     Subject      `json:"subject"`
	Verdict     string       `json:"verdict" jsonschema_description:"The one sentence to say first: the top finding, its status and who acts."`
	Findings    []Finding    `json:"findings" jsonschema_description:"Root causes, most important first: a suspected compromise, then ongoing before resolved, then confidence, then count."`
	NotCauses   []NotCause   `json:"notCauses" jsonschema_description:"What a reader might suspect and the data rules out."`
	LastSuccess *LastSuccess `json:"lastSuccess" jsonschema:"nullable" jsonschema_description:"The subject's most recent success before its first failure, or null when none was found (coverage.notes says how far back the source looked)."`
	WhatChanged []Change     `json:"whatChanged" jsonschema_description:"Fields that differ between lastSuccess and the failures (the failures' most frequent value)."`
	// Changes and AccountState come from the directory (Input.Directory):
	// empty and nil when it was not read.
	Changes      []AuditChange `json:"changes" jsonschema_description:"Directory audit events on the subject, its failing policies and its app from 7 days before the first failure to the last that can explain failures (a password reset, a revoked session, a disabled account, a policy edit, a removed secret, consent or assignment): at most 10, those that explain a finding first, nearest before its first failure. Empty when the directory was not read (coverage.notes says why)."`
	AccountState *AccountState `json:"accountState" jsonschema:"nullable" jsonschema_description:"The user's account in the directory now (enabled, last password change, MFA registration), or null when it was not read (not a user, no permission, an export)."`
	// Omitted says what a tenant triage left out to stay within its
	// budget (MaxTenantUsers, MaxTenantFindings, TenantResultBudget); nil
	// when nothing was.
	Omitted *Omitted `json:"omitted,omitempty" jsonschema_description:"Tenant triage only: what was left out to stay small (users not named, findings cut)."`
}

// Omitted counts what a result does not show: users with ongoing failures
// not named, and findings cut, with a sentence that says which and why.
type Omitted struct {
	Users    int    `json:"users,omitempty"`
	Findings int    `json:"findings,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Finding is one named root cause.
type Finding struct {
	Scenario   string   `json:"scenario" jsonschema:"enum=credential-compromise-suspected,enum=smart-lockout,enum=malicious-ip-blocked,enum=password-spray,enum=stale-password-replay,enum=bad-password,enum=password-expired,enum=account-disabled,enum=user-not-found,enum=guest-identity-mismatch,enum=mfa-registration-required,enum=mfa-denied,enum=mfa-fraud-reported,enum=mfa-not-completed,enum=legacy-auth-blocked,enum=ca-blocked,enum=ca-device-not-compliant,enum=ca-grant-not-satisfied,enum=security-defaults,enum=risk-blocked,enum=reauthentication-required,enum=refresh-token-revoked,enum=app-secret-expired,enum=app-credential-invalid,enum=managed-identity-failure,enum=consent-required,enum=not-assigned,enum=app-not-found,enum=redirect-uri-mismatch,enum=resource-not-found,enum=transient,enum=interrupts-only,enum=unclassified,enum=no-failures" jsonschema_description:"The scenario id (stable API)."`
	Title      string   `json:"title"`
	Summary    string   `json:"summary"`
	Confidence string   `json:"confidence" jsonschema:"enum=high,enum=medium,enum=low" jsonschema_description:"high: the log says it outright; medium: inferred from a pattern; low: the catalog's explanation of a code no scenario matched."`
	Status     string   `json:"status" jsonschema:"enum=ongoing,enum=resolved" jsonschema_description:"resolved when a success of the same user and app (or the same flow) came after the last failure."`
	WhoFixes   string   `json:"whoFixes" jsonschema:"enum=user,enum=helpdesk,enum=admin,enum=developer,enum=microsoft,enum=none"`
	Evidence   Evidence `json:"evidence"`
	NextSteps  []string `json:"nextSteps" jsonschema_description:"Concrete actions, the one that fixes it first."`
	DocsURL    string   `json:"docsUrl,omitempty"`
}

// Confidence levels and statuses of a finding.
const (
	ConfidenceHigh   = "high"
	ConfidenceMedium = "medium"
	ConfidenceLow    = "low"
	StatusOngoing    = "ongoing"
	StatusResolved   = "resolved"
)

// Evidence is what a finding rests on; empty fields are omitted.
type Evidence struct {
	SignInIDs            []string    `json:"signInIds,omitempty" jsonschema_description:"At most 5 request IDs, the most recent first: open them with get_signin_details."`
	ErrorCodes           []int       `json:"errorCodes,omitempty"`
	Count                int         `json:"count,omitempty" jsonschema_description:"Sign-ins the finding explains (exact even when lists are cut)."`
	FirstSeen            string      `json:"firstSeen,omitempty"`
	LastSeen             string      `json:"lastSeen,omitempty"`
	Users                []string    `json:"users,omitempty"`
	Apps                 []string    `json:"apps,omitempty"`
	IPAddresses          []string    `json:"ipAddresses,omitempty"`
	Locations            []string    `json:"locations,omitempty"`
	ClientApps           []string    `json:"clientApps,omitempty"`
	Devices              []DeviceRef `json:"devices,omitempty"`
	Policies             []PolicyRef `json:"policies,omitempty" jsonschema_description:"Only the Conditional Access policies whose result decided the outcome."`
	AdditionalDetails    []string    `json:"additionalDetails,omitempty"`
	ServicePrincipalID   string      `json:"servicePrincipalId,omitempty"`
	CredentialKeyID      string      `json:"credentialKeyId,omitempty"`
	ClientCredentialType string      `json:"clientCredentialType,omitempty"`
	LockoutSource        string      `json:"lockoutSource,omitempty" jsonschema:"enum=one-client,enum=many-clients" jsonschema_description:"Smart lockout: one-client when the wrong passwords came from one device, IP and client app (a saved, stale password), many-clients otherwise."`
	UserCount            int         `json:"userCount,omitempty" jsonschema_description:"Distinct users (a spray, a failure that hit many users)."`
	SuccessesFromSameIP  int         `json:"successesFromSameIp,omitempty" jsonschema_description:"Spray: successful sign-ins from the spraying IP (a suspected compromise when not zero)."`
}

// DeviceRef is a device named in evidence.
type DeviceRef struct {
	ID              string `json:"id,omitempty"`
	Name            string `json:"name,omitempty"`
	OperatingSystem string `json:"operatingSystem,omitempty"`
	IsCompliant     *bool  `json:"isCompliant,omitempty"`
	IsManaged       *bool  `json:"isManaged,omitempty"`
	TrustType       string `json:"trustType,omitempty"`
}

// PolicyRef is a Conditional Access policy whose result decided the outcome.
type PolicyRef struct {
	ID            string   `json:"id,omitempty"`
	Name          string   `json:"name,omitempty"`
	Result        string   `json:"result"`
	GrantControls []string `json:"grantControls,omitempty"`
}

// NotCause is what a reader might suspect and the data rules out.
type NotCause struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

// LastSuccess is the subject's most recent success before its first failure.
type LastSuccess struct {
	ID              string `json:"id"`
	CreatedDateTime string `json:"createdDateTime"`
	App             string `json:"app,omitempty"`
	IPAddress       string `json:"ipAddress,omitempty"`
	Location        string `json:"location,omitempty"`
	Device          string `json:"device,omitempty"`
	OperatingSystem string `json:"operatingSystem,omitempty"`
	ClientApp       string `json:"clientApp,omitempty"`
	AuthMethod      string `json:"authMethod,omitempty"`
}

// Change is one field that differs between lastSuccess and the failures.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// maxEvidenceIDs bounds signInIds; maxEvidenceValues bounds the other lists,
// so that one finding stays small whatever the number of sign-ins.
const (
	maxEvidenceIDs    = 5
	maxEvidenceValues = 10
)

// failure is one failed sign-in with what the rules need about it.
type failure struct {
	s       *signin.SignIn
	at      int32 // s's position in the prepared facts.all (not a sub's)
	outcome signin.Outcome
	fu      signin.FollowUp
	claimed bool
}

// facts is the prepared view of an Input that every rule reads.
type facts struct {
	in        Input
	all       []*signin.SignIn // subject's sign-ins (into Input.SignIns, read-only), sorted
	failures  []*failure       // in the window, sorted oldest first
	successes []*signin.SignIn // in order, oldest first (interactiveSuccessAfter searches them)
	sameIP    []*signin.SignIn // every sign-in (subject's and others'), sorted, deduplicated by ID; read-only
	dir       *dirFacts        // nil when no directory was read
}

// order sorts sign-ins deterministically: time, then ID, then the fields
// that tell apart records a source logged with the same ID.
func order(a, b *signin.SignIn) int {
	// Time and ID decide almost always: the rest is compared only then
	// (cmp.Or's arguments are all evaluated).
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	return cmp.Or(
		cmp.Compare(a.Type, b.Type),
		cmp.Compare(a.Status.ErrorCode, b.Status.ErrorCode),
		cmp.Compare(a.CorrelationID, b.CorrelationID),
		cmp.Compare(a.User.UPN, b.User.UPN),
		cmp.Compare(a.IPAddress, b.IPAddress),
	)
}

func prepare(in Input) *facts {
	f := &facts{in: in, dir: prepareDirectory(in.Directory)}
	// Sorted pointers into the caller's slice: copying 100,000 records
	// cost more than every rule together.
	perm := sorted(in.SignIns)
	f.all = make([]*signin.SignIn, len(perm))
	for i, j := range perm {
		f.all[i] = &in.SignIns[j]
	}
	followUps := in.FollowUps
	if len(followUps) != len(in.SignIns) {
		followUps = signin.FollowUps(in.SignIns) // orders its own index
	}
	// One array of failures, pointed into: one allocation, not one each.
	n := 0
	for _, s := range f.all {
		if s.Failed() {
			n++
		}
	}
	fails := make([]failure, 0, n)
	f.successes = make([]*signin.SignIn, 0, len(f.all)-n)
	for i, s := range f.all {
		if !s.Failed() {
			f.successes = append(f.successes, s)
			continue
		}
		if (!in.Since.IsZero() && s.CreatedAt.Before(in.Since)) || (!in.Until.IsZero() && !s.CreatedAt.Before(in.Until)) {
			continue
		}
		fails = append(fails, failure{s: s, at: int32(i), outcome: in.Classify(s.Status.ErrorCode), fu: followUps[perm[i]]})
	}
	f.failures = make([]*failure, len(fails))
	for i := range fails {
		f.failures[i] = &fails[i]
	}
	if in.UniqueIDs && len(in.SameIP) == 0 {
		// Nothing to deduplicate or merge: every sign-in, already sorted.
		f.sameIP = f.all
		return f
	}
	// Pointers, not copies: a SignIn is large and the lists can be long.
	f.sameIP = make([]*signin.SignIn, 0, len(f.all)+len(in.SameIP))
	seen := make(map[string]bool, len(f.all)+len(in.SameIP))
	add := func(s *signin.SignIn) {
		if s.ID != "" && seen[s.ID] {
			return
		}
		seen[s.ID] = true
		f.sameIP = append(f.sameIP, s)
	}
	for _, s := range f.all {
		add(s)
	}
	for i := range in.SameIP {
		add(&in.SameIP[i])
	}
	if len(in.SameIP) > 0 {
		// A subsequence of f.all is sorted already.
		slices.SortFunc(f.sameIP, order)
	}
	return f
}

// sorted returns the positions of recs in order. Sources that keep their
// records sorted (memory: newest first, then by ID) are not sorted again:
// their order, or its reverse with each run of equal times reversed back,
// is order's when every neighbour compares strictly less, which one pass
// checks; anything else is sorted.
func sorted(recs []signin.SignIn) []int32 {
	perm := make([]int32, len(recs))
	for i := range perm {
		perm[i] = int32(i)
	}
	ordered := func() bool {
		for i := 1; i < len(perm); i++ {
			if order(&recs[perm[i-1]], &recs[perm[i]]) >= 0 {
				return false
			}
		}
		return true
	}
	if ordered() {
		return perm
	}
	slices.Reverse(perm)
	for i := 0; i < len(perm); {
		j := i + 1
		for j < len(perm) && recs[perm[j]].CreatedAt.Equal(recs[perm[i]].CreatedAt) {
			j++
		}
		slices.Reverse(perm[i:j])
		i = j
	}
	if !ordered() {
		// From the records' own order, as before this check: ties
		// (records order cannot tell apart) land as they always did.
		for i := range perm {
			perm[i] = int32(i)
		}
		slices.SortFunc(perm, func(a, b int32) int { return order(&recs[a], &recs[b]) })
	}
	return perm
}

// Diagnose names the root causes of the subject's failures in in. The same
// input, in any order, gives the same Result.
func Diagnose(in Input) Result {
	if in.Subject.Kind == KindTenant {
		return diagnoseTenant(in)
	}
	f := prepare(in)
	findings := []Finding{}
	for _, r := range rules {
		findings = append(findings, r(f)...)
	}
	rank(findings)
	f.withDirectory(findings)
	res := Result{
		Subject:      in.Subject,
		Findings:     findings,
		NotCauses:    notCauses(f, findings),
		WhatChanged:  []Change{},
		Changes:      changes(f, findings),
		AccountState: accountState(f.dir),
	}
	res.LastSuccess, res.WhatChanged = lastSuccess(f)
	res.Verdict = verdict(in.Subject, findings)
	return res
}

// rank orders findings: a suspected compromise first, then ongoing before
// resolved, then confidence, then count, then scenario and time for a
// stable order.
func rank(fs []Finding) {
	conf := map[string]int{ConfidenceHigh: 0, ConfidenceMedium: 1, ConfidenceLow: 2}
	// A suspected compromise comes first, then an attack on the subject (a
	// spray, a blocked malicious IP): what an admin must act on before any
	// single user's problem.
	key := func(x Finding) int {
		switch x.Scenario {
		case ScenarioCompromise:
			return 0
		case ScenarioSpray, ScenarioMaliciousIP:
			if x.Status == StatusOngoing {
				return 1
			}
		}
		return 2
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(key(a), key(b)),
			cmp.Compare(boolInt(a.Status != StatusOngoing), boolInt(b.Status != StatusOngoing)),
			cmp.Compare(conf[a.Confidence], conf[b.Confidence]),
			cmp.Compare(b.Evidence.Count, a.Evidence.Count),
			cmp.Compare(a.Scenario, b.Scenario),
			cmp.Compare(a.Evidence.FirstSeen, b.Evidence.FirstSeen),
			cmp.Compare(strings.Join(a.Evidence.SignInIDs, ","), strings.Join(b.Evidence.SignInIDs, ",")),
		)
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// verdict is the one sentence a help-desk engineer would say first.
func verdict(sub Subject, fs []Finding) string {
	who := sub.Value
	if who == "" {
		who = string(sub.Kind)
	}
	if len(fs) == 0 {
		return fmt.Sprintf("Nothing to diagnose for %s.", who)
	}
	top := fs[0]
	s := fmt.Sprintf("%s: %s (%s, %s confidence)", who, top.Title, top.Status, top.Confidence)
	if top.WhoFixes != "" && top.WhoFixes != "none" {
		s += "; first to act: " + top.WhoFixes
	}
	if n := len(fs) - 1; n > 0 {
		s += fmt.Sprintf("; %d other finding(s)", n)
	}
	return s + "."
}

// stamp renders a time for the API.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// counted returns the distinct non-empty values, most frequent first (ties
// by value), at most maxEvidenceValues.
func counted(vals []string) []string {
	n := map[string]int{}
	for _, v := range vals {
		n[v]++
	}
	return top(n)
}

// top is counted over a tally of values: the non-empty ones, most frequent
// first (ties by value), at most maxEvidenceValues. It keeps the best few as
// it reads, instead of sorting every distinct value: a mass failure's users
// are thousands.
func top(n map[string]int) []string {
	type tally struct {
		v string
		n int
	}
	before := func(a, b tally) bool { return a.n > b.n || (a.n == b.n && a.v < b.v) }
	best := make([]tally, 0, maxEvidenceValues+1)
	for v, c := range n {
		t := tally{v, c}
		if v == "" || (len(best) == maxEvidenceValues && !before(t, best[len(best)-1])) {
			continue
		}
		i := sort.Search(len(best), func(i int) bool { return before(t, best[i]) })
		best = slices.Insert(best, i, t)
		if len(best) > maxEvidenceValues {
			best = best[:maxEvidenceValues]
		}
	}
	if len(best) == 0 {
		return nil
	}
	out := make([]string, len(best))
	for i, t := range best {
		out[i] = t.v
	}
	return out
}

func userOf(s *signin.SignIn) string {
	if s.User.UPN != "" {
		return strings.ToLower(s.User.UPN)
	}
	return s.User.ID
}

func appOf(s *signin.SignIn) string {
	if s.App.Name != "" {
		return s.App.Name
	}
	return s.App.ID
}

func deviceOf(s *signin.SignIn) string {
	if s.Device.Name != "" {
		return s.Device.Name
	}
	return s.Device.ID
}

// evidence builds the evidence of sign-ins ss (oldest first): the most
// recent IDs first, since the latest attempt shows the state now.
func evidence(ss []*signin.SignIn) Evidence {
	var ev Evidence
	if len(ss) == 0 {
		return ev
	}
	ev.Count = len(ss)
	ev.FirstSeen, ev.LastSeen = stamp(ss[0].CreatedAt), stamp(ss[len(ss)-1].CreatedAt)
	// Tallies, not lists of values: a mass failure's evidence reads tens
	// of thousands of sign-ins.
	users, apps, ips, clients, details := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	locs := map[signin.Location]int{} // rendered once per distinct location
	codes := map[int]bool{}
	// Keyed by pairs, not by strings joined per sign-in (lastByText).
	devs := map[refKey]written[DeviceRef]{}
	pols := map[refKey]written[PolicyRef]{}
	for i := len(ss) - 1; i >= 0; i-- {
		s := ss[i]
		if len(ev.SignInIDs) < maxEvidenceIDs && s.ID != "" {
			ev.SignInIDs = append(ev.SignInIDs, s.ID)
		}
		codes[s.Status.ErrorCode] = true
		users[userOf(s)]++
		apps[appOf(s)]++
		ips[s.IPAddress]++
		locs[s.Location]++
		clients[s.ClientApp]++
		details[s.Status.AdditionalDetails]++
		if d := s.Device; d.ID != "" || d.Name != "" {
			devs[refKey{d.ID, d.Name}] = written[DeviceRef]{DeviceRef{ID: d.ID, Name: d.Name, OperatingSystem: d.OperatingSystem, IsCompliant: d.IsCompliant, IsManaged: d.IsManaged, TrustType: d.TrustType}, i}
		}
		for _, p := range s.Policies {
			if p.Result == "failure" {
				pols[refKey{p.ID, p.Name}] = written[PolicyRef]{PolicyRef{ID: p.ID, Name: p.Name, Result: p.Result, GrantControls: slices.Clone(p.GrantControls)}, i}
			}
		}
		if s.Workload() {
			ev.ServicePrincipalID = cmp.Or(ev.ServicePrincipalID, s.ServicePrincipal.ID)
			ev.CredentialKeyID = cmp.Or(ev.CredentialKeyID, s.ServicePrincipalCredentialKeyID)
			ev.ClientCredentialType = cmp.Or(ev.ClientCredentialType, s.ClientCredentialType)
		}
	}
	for c := range codes {
		ev.ErrorCodes = append(ev.ErrorCodes, c)
	}
	slices.Sort(ev.ErrorCodes)
	locText := map[string]int{}
	for l, n := range locs {
		locText[l.String()] += n
	}
	ev.Users, ev.Apps, ev.IPAddresses = top(users), top(apps), top(ips)
	ev.Locations, ev.ClientApps, ev.AdditionalDetails = top(locText), top(clients), top(details)
	ev.Devices, ev.Policies = lastByText(devs), lastByText(pols)
	if len(ev.Devices) > maxEvidenceValues {
		ev.Devices = ev.Devices[:maxEvidenceValues]
	}
	return ev
}

// refKey is the ID and name evidence tells devices and policies apart by.
type refKey struct{ id, name string }

// written is a value of evidence and the position of the sign-in that
// wrote it last (evidence reads from the end: the lowest).
type written[R any] struct {
	ref R
	at  int
}

// lastByText returns m's values ordered by their keys as text, "ID\x00Name",
// keeping of the keys that read the same the value written last: what a map
// keyed by that text, written sign-in by sign-in, held. nil when m is empty.
func lastByText[R any](m map[refKey]written[R]) []R {
	if len(m) == 0 {
		return nil
	}
	byText := make(map[string]written[R], len(m))
	for k, w := range m {
		t := k.id + "\x00" + k.name
		if b, ok := byText[t]; !ok || w.at < b.at {
			byText[t] = w
		}
	}
	out := make([]R, 0, len(byText))
	for _, t := range sortedKeys(byText) {
		out = append(out, byText[t].ref)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// notCauses lists what the data rules out.
func notCauses(f *facts, fs []Finding) []NotCause {
	out := []NotCause{}
	// Conditional Access not applied: primary authentication failed first.
	na, caFailed := 0, false
	for _, x := range f.failures {
		if x.outcome == signin.OutcomeInterrupt {
			continue
		}
		if strings.EqualFold(x.s.ConditionalAccessStatus, "notApplied") {
			na++
		}
		for _, p := range x.s.Policies {
			if p.Result == "failure" {
				caFailed = true
			}
		}
	}
	if na > 0 && !caFailed {
		out = append(out, NotCause{
			What: "Conditional Access",
			Why:  fmt.Sprintf("%d failed sign-in(s) show Conditional Access as notApplied: they failed before any policy was evaluated (at the password or token check), so no policy blocked them", na),
		})
	}
	// Policies evaluated on the failures that did not decide them.
	if caFailed {
		quiet := map[string]string{}
		for _, x := range f.failures {
			for _, p := range x.s.Policies {
				if p.Result != "failure" {
					quiet[cmp.Or(p.Name, p.ID)] = p.Result
				}
			}
		}
		// The policies a reader would suspect first (report-only failures,
		// policies that passed) are named; the rest are counted, so that a
		// tenant with forty policies does not fill the answer with them.
		names := sortedKeys(quiet)
		slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(suspicion(quiet[a]), suspicion(quiet[b])) })
		for i, name := range names {
			if i == maxQuietPolicies && len(names) > maxQuietPolicies+1 {
				out = append(out, NotCause{
					What: fmt.Sprintf("%d other Conditional Access policies", len(names)-i),
					Why:  "they were evaluated on these sign-ins with a result other than failure (not applied, not enabled, report-only or passed): none of them decided the block",
				})
				break
			}
			out = append(out, NotCause{
				What: fmt.Sprintf("Conditional Access policy %q", name),
				Why:  fmt.Sprintf("its result was %s: only a policy whose result is failure decided the block", quiet[name]),
			})
		}
	}
	// Interrupts followed by a success are normal steps.
	var done []int
	for _, x := range f.failures {
		if x.outcome == signin.OutcomeInterrupt && x.fu.Completed && !slices.Contains(done, x.s.Status.ErrorCode) {
			done = append(done, x.s.Status.ErrorCode)
		}
	}
	if len(done) > 0 {
		slices.Sort(done)
		out = append(out, NotCause{
			What: fmt.Sprintf("interrupts (codes %s)", joinInts(done)),
			Why:  "each was followed by a success in the same flow or within minutes for the same user and app: an MFA prompt or similar step the user completed, not a failure",
		})
	}
	// An attack, when every failure comes from one known client.
	attack := false
	for _, x := range fs {
		switch x.Scenario {
		case ScenarioSpray, ScenarioMaliciousIP, ScenarioCompromise:
			attack = true
		}
	}
	var real []*signin.SignIn
	for _, x := range f.failures {
		if x.outcome != signin.OutcomeInterrupt {
			real = append(real, x.s)
		}
	}
	if !attack && len(real) > 1 && oneClient(real) {
		s := real[0]
		dev := "no device ID logged"
		if d := deviceOf(s); d != "" {
			dev = "device " + d
		}
		out = append(out, NotCause{
			What: "an attack on the account",
			Why:  fmt.Sprintf("all %d failures came from one client: IP %s, %s, %s", len(real), s.IPAddress, cmp.Or(s.ClientApp, "unknown client app"), dev),
		})
	}
	return out
}

// maxQuietPolicies is how many policies that did not decide a block are
// named in notCauses; the others are counted in one entry.
const maxQuietPolicies = 3

// suspicion orders policy results by how likely a reader is to blame the
// policy: a report-only failure looks like a block, a success was evaluated
// and passed, the others did not apply.
func suspicion(result string) int {
	switch result {
	case "reportOnlyFailure":
		return 0
	case "success":
		return 1
	case "reportOnlyInterrupted", "reportOnlySuccess":
		return 2
	case "notEnabled", "reportOnlyNotApplied":
		return 3
	}
	return 4
}

// oneClient reports whether every sign-in of ss shares one IP, client app
// and device ID (an IP is required: without one nothing is known).
func oneClient(ss []*signin.SignIn) bool {
	if len(ss) == 0 || ss[0].IPAddress == "" {
		return false
	}
	for _, s := range ss[1:] {
		if s.IPAddress != ss[0].IPAddress || s.ClientApp != ss[0].ClientApp || s.Device.ID != ss[0].Device.ID {
			return false
		}
	}
	return true
}

func joinInts(v []int) string {
	p := make([]string, len(v))
	for i, n := range v {
		p[i] = fmt.Sprint(n)
	}
	return strings.Join(p, ", ")
}

// lastSuccess finds the most recent success before the first failure that
// is not a completed interrupt, and what changed since it.
func lastSuccess(f *facts) (*LastSuccess, []Change) {
	var fails []*signin.SignIn
	for _, x := range f.failures {
		if !(x.outcome == signin.OutcomeInterrupt && x.fu.Completed) {
			fails = append(fails, x.s)
		}
	}
	if len(fails) == 0 {
		return nil, []Change{}
	}
	first := fails[0].CreatedAt
	var last *signin.SignIn
	for _, s := range f.successes {
		if s.CreatedAt.Before(first) {
			last = s
		}
	}
	if last == nil {
		return nil, []Change{}
	}
	ls := &LastSuccess{
		ID: last.ID, CreatedDateTime: stamp(last.CreatedAt), App: appOf(last), IPAddress: last.IPAddress,
		Location: last.Location.String(), Device: deviceOf(last), OperatingSystem: last.Device.OperatingSystem,
		ClientApp: last.ClientApp, AuthMethod: authMethod(last),
	}
	fields := []struct {
		name string
		get  func(*signin.SignIn) string
	}{
		{"ipAddress", func(s *signin.SignIn) string { return s.IPAddress }},
		{"country", func(s *signin.SignIn) string { return s.Location.CountryOrRegion }},
		{"device", deviceOf},
		{"operatingSystem", func(s *signin.SignIn) string { return s.Device.OperatingSystem }},
		{"browser", func(s *signin.SignIn) string { return s.Device.Browser }},
		{"clientApp", func(s *signin.SignIn) string { return s.ClientApp }},
		{"app", appOf},
		{"authMethod", authMethod},
		{"compliance", func(s *signin.SignIn) string { return boolText(s.Device.IsCompliant, "compliant", "not compliant") }},
		{"trustType", func(s *signin.SignIn) string { return s.Device.TrustType }},
	}
	changes := []Change{}
	for _, fd := range fields {
		before := fd.get(last)
		vals := make([]string, len(fails))
		for i, s := range fails {
			vals[i] = fd.get(s)
		}
		top := counted(vals)
		switch {
		case len(top) == 0 && before != "":
			// The success logged it and no failure does: a device that
			// is no longer registered, or a client that sends none.
			changes = append(changes, Change{Field: fd.name, Before: before, After: notLogged})
		case len(top) == 0 || top[0] == before:
		default:
			changes = append(changes, Change{Field: fd.name, Before: before, After: top[0]})
		}
	}
	return ls, changes
}

// notLogged is a whatChanged value that no failure logged.
const notLogged = "(not logged)"

func boolText(b *bool, yes, no string) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return yes
	}
	return no
}

// authMethod is the first succeeded authentication step's method.
func authMethod(s *signin.SignIn) string {
	for _, st := range s.AuthDetails {
		if st.Succeeded && st.Method != "" {
			return st.Method
		}
	}
	return ""
}
