package diagnosis

// tenant.go is tenant triage: a diagnosis with no subject, over every
// sign-in in the window. It reuses the per-subject rules, run apart per
// user, per workload and per mass failure, so that one user's wrong
// passwords never combine with another's into a lockout, and bounds its
// answer so that it fits the tool's output budget for any tenant size.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// MaxTenantUsers is how many users a tenant triage names, each with their
// own top finding; the rest are counted in Result.Omitted.
const MaxTenantUsers = 10

// MaxTenantFindings bounds a tenant triage's findings, all categories
// together; what does not fit is counted in Result.Omitted.
const MaxTenantFindings = 16

// TenantResultBudget is the most bytes a tenant triage's Result may take as
// compact JSON: the tool's answer (8 KB for text and structured content)
// also carries its coverage and a line of text per finding. Lower-ranked
// findings are cut, and counted, until the Result fits.
const TenantResultBudget = 6000

// MassFailureMinUsers is how many distinct users one code (and failing
// policy) must hit within MassFailureWindow for a tenant triage to report
// it once, as a policy change or an outage, rather than user by user.
// Wrong passwords and lockouts are left to the spray and blocked-IP rules:
// in a large tenant ten users mistype a password every hour.
const MassFailureMinUsers = 10

// MassFailureWindow is the span MassFailureMinUsers is counted over.
const MassFailureWindow = time.Hour

// Bounds of one finding's evidence in a tenant triage: many findings share
// the budget, so each names fewer IDs and values than a subject's.
const (
	tenantEvidenceIDs    = 2
	tenantEvidenceValues = 3
	tenantNextSteps      = 1
	tenantNotCauses      = 3
)

// sub is a view of f restricted to some sign-ins and failures (both in
// f's order). The failures are f's own: what a rule claims in sub is
// claimed in f.
func (f *facts) sub(all []*signin.SignIn, failures []*failure) *facts {
	g := &facts{in: f.in, all: all, failures: failures, sameIP: all}
	for _, s := range all {
		if !s.Failed() {
			g.successes = append(g.successes, s)
		}
	}
	return g
}

// group is the sign-ins and failures of one key (a user, a workload), in
// f's order.
type group struct {
	key      string
	all      []*signin.SignIn
	failures []*failure
}

// keyIDs numbers the keys of f's sign-ins: ids[i] is the key of f.all[i]
// (-1 for none), keys[id] its text. One map look-up per sign-in, once: the
// groups and the counts of users then work on small integers.
func (f *facts) keyIDs(keyOf func(*signin.SignIn) (string, bool)) (ids []int32, keys []string) {
	byKey := map[string]int32{}
	ids = make([]int32, len(f.all))
	for i, s := range f.all {
		k, ok := keyOf(s)
		if !ok {
			ids[i] = -1
			continue
		}
		id, seen := byKey[k]
		if !seen {
			id = int32(len(keys))
			byKey[k] = id
			keys = append(keys, k)
		}
		ids[i] = id
	}
	return ids, keys
}

// groupBy groups f's sign-ins by their key (ids and keys from keyIDs; those
// without one left out) and the failures that keep satisfies with them, and
// returns the groups with failures, by key. Each group's lists are cut from
// two arrays, filled in f's order after a count: a map and a slice grown
// per key cost a tenant of a million sign-ins more than the rules run per
// user.
func (f *facts) groupBy(ids []int32, keys []string, keep func(*failure) bool) []group {
	nAll, nFail := make([]int32, len(keys)), make([]int32, len(keys))
	total, totalFail := 0, 0
	for _, id := range ids {
		if id >= 0 {
			nAll[id]++
			total++
		}
	}
	failIDs := make([]int32, len(f.failures))
	for i, x := range f.failures {
		id := int32(-1)
		if keep(x) {
			id = ids[x.at]
		}
		failIDs[i] = id
		if id >= 0 {
			nFail[id]++
			totalFail++
		}
	}
	groups := make([]group, len(keys))
	allBack := make([]*signin.SignIn, 0, total)
	failBack := make([]*failure, 0, totalFail)
	for id, k := range keys {
		groups[id] = group{key: k, all: allBack[:0:nAll[id]], failures: failBack[:0:nFail[id]]}
		allBack, failBack = allBack[nAll[id]:nAll[id]], failBack[nFail[id]:nFail[id]]
	}
	for i, id := range ids {
		if id >= 0 {
			groups[id].all = append(groups[id].all, f.all[i])
		}
	}
	for i, id := range failIDs {
		if id >= 0 {
			groups[id].failures = append(groups[id].failures, f.failures[i])
		}
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.failures) > 0 {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b group) int { return cmp.Compare(a.key, b.key) })
	return out
}

func run(g *facts, rs []rule) []Finding {
	out := []Finding{}
	for _, r := range rs {
		out = append(out, r(g)...)
	}
	rank(out)
	return out
}

// completedInterrupt: a normal step of a sign-in, never reported alone.
func (x *failure) completedInterrupt() bool {
	return x.outcome == signin.OutcomeInterrupt && x.fu.Completed
}

// diagnoseTenant ranks findings by category: sprays and blocked IPs, then
// one failure across many users at once, then failing workloads, then the
// users with the most ongoing failures, each with their own top finding.
func diagnoseTenant(in Input) Result {
	in.Directory = nil // a tenant has no one account, app or policy to read
	f := prepare(in)
	resolved := 0

	// Users (and workloads) numbered once: the mass failures count users,
	// and the groups below are cut, by number.
	userIDs, userKeys := f.keyIDs(func(s *signin.SignIn) (string, bool) { return userOf(s), !s.Workload() })

	attacks := append(ruleSpray(f), blockedIPs(f)...)
	rank(attacks)
	mass := massFailures(f, userIDs)
	rank(mass)

	// Workloads, one service principal at a time.
	var work []Finding
	workloadIDs, workloadKeys := f.keyIDs(func(s *signin.SignIn) (string, bool) {
		if !s.Workload() {
			return "", false
		}
		return workloadKey(s), true
	})
	workloads := f.groupBy(workloadIDs, workloadKeys, func(x *failure) bool { return !x.claimed })
	for _, g := range workloads {
		for _, fd := range run(f.sub(g.all, g.failures), subjectRules) {
			switch {
			case fd.Scenario == ScenarioInterruptsOnly:
			case fd.Status != StatusOngoing:
				resolved++
			default:
				work = append(work, fd)
			}
		}
	}
	rank(work)

	// Users, one at a time: their own sign-ins only.
	type userTop struct {
		key     string
		top     Finding
		ongoing int // failures in the user's ongoing findings
		others  int // the user's other ongoing findings
	}
	var users []userTop
	byUser := f.groupBy(userIDs, userKeys, func(*failure) bool { return true })
	perUser := append([]rule{ruleCompromise}, subjectRules...)
	for _, g := range byUser {
		k, xs := g.key, g.failures
		if !slices.ContainsFunc(xs, func(x *failure) bool { return !x.claimed && !x.completedInterrupt() }) {
			continue // nothing of this user's own left: interrupts only, or claimed above
		}
		var ongoing []Finding
		for _, fd := range run(f.sub(g.all, xs), perUser) {
			switch {
			case fd.Scenario == ScenarioInterruptsOnly || fd.Scenario == ScenarioNoFailures:
			case fd.Status != StatusOngoing:
				resolved++
			default:
				ongoing = append(ongoing, fd)
			}
		}
		if len(ongoing) == 0 {
			continue
		}
		u := userTop{key: k, top: ongoing[0], others: len(ongoing) - 1}
		for _, fd := range ongoing {
			u.ongoing += fd.Evidence.Count
		}
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b userTop) int {
		return cmp.Or(
			cmp.Compare(boolInt(a.top.Scenario != ScenarioCompromise), boolInt(b.top.Scenario != ScenarioCompromise)),
			cmp.Compare(b.ongoing, a.ongoing),
			cmp.Compare(a.key, b.key),
		)
	})

	findings := []Finding{}
	findings = append(append(append(findings, attacks...), mass...), work...)
	userStart := len(findings)
	var cut cuts
	cut.resolved = resolved
	for i, u := range users {
		if i < MaxTenantUsers {
			findings = append(findings, u.top)
			cut.otherOfNamed += u.others
			continue
		}
		cut.unnamedUsers++
		cut.unnamedFindings += 1 + u.others
	}
	// drop cuts the last finding, counting it (and its user).
	drop := func() {
		if len(findings) > userStart {
			cut.cutUsers++
		}
		cut.cut++
		findings = findings[:len(findings)-1]
	}
	for len(findings) > MaxTenantFindings {
		drop()
	}
	for i := range findings {
		compact(&findings[i])
	}
	res := Result{Subject: in.Subject, WhatChanged: []Change{}, NotCauses: []NotCause{}, Changes: []AuditChange{}}
	for _, n := range notCauses(f, findings) {
		if n.What != "an attack on the account" && len(res.NotCauses) < tenantNotCauses {
			res.NotCauses = append(res.NotCauses, n)
		}
	}
	if len(findings) == 0 {
		findings = run(f, []rule{ruleNothing})
		if len(findings) == 0 {
			// Failures there were, and every one resolved or completed.
			findings = []Finding{{
				Scenario: ScenarioNoFailures, Title: "No ongoing failures", Confidence: ConfidenceHigh, Status: StatusResolved, WhoFixes: "none",
				Summary:   fmt.Sprintf("%d failed sign-in(s) in the window, each resolved by a later success; %d resolved finding(s) are not listed.", len(f.failures), resolved),
				NextSteps: []string{"Nothing to fix now; diagnose a user or app by name if someone still reports a problem."},
			}}
		}
	}
	finish := func() {
		res.Findings = findings
		res.Omitted = cut.omitted()
		res.Verdict = verdict(in.Subject, findings)
		if res.Omitted != nil && res.Omitted.Users > 0 {
			res.Verdict = strings.TrimSuffix(res.Verdict, ".") + fmt.Sprintf("; %d more user(s) with ongoing failures not named.", res.Omitted.Users)
		}
	}
	// Cut from the end until the Result fits its budget.
	for finish(); len(findings) > 1 && size(res) > TenantResultBudget; finish() {
		drop()
	}
	return res
}

// cuts counts what a tenant triage leaves out.
type cuts struct {
	unnamedUsers, unnamedFindings int // users past MaxTenantUsers, and their findings
	otherOfNamed                  int // named users' findings beyond their top one
	cut, cutUsers                 int // findings cut by MaxTenantFindings or the byte budget, and users among them
	resolved                      int // resolved findings, never listed
}

// omitted is the Omitted of a triage, nil when nothing was left out.
func (c cuts) omitted() *Omitted {
	var parts []string
	if n := c.unnamedUsers + c.cutUsers; n > 0 {
		parts = append(parts, fmt.Sprintf("%d more user(s) with ongoing failures are not named (at most %d are, with their top finding)", n, MaxTenantUsers))
	}
	if c.otherOfNamed > 0 {
		parts = append(parts, fmt.Sprintf("%d other finding(s) of the named users are not shown", c.otherOfNamed))
	}
	if c.cut > 0 {
		parts = append(parts, fmt.Sprintf("%d lower-ranked finding(s) were cut to fit the answer", c.cut))
	}
	if len(parts) == 0 {
		return nil
	}
	if c.resolved > 0 {
		parts = append(parts, fmt.Sprintf("%d resolved finding(s) are never listed", c.resolved))
	}
	return &Omitted{
		Users:    c.unnamedUsers + c.cutUsers,
		Findings: c.unnamedFindings + c.otherOfNamed + c.cut,
		Note:     strings.Join(parts, "; ") + ". Diagnose a user, app or IP by name for the full picture.",
	}
}

func size(r Result) int {
	b, err := json.Marshal(r)
	if err != nil {
		return 0
	}
	return len(b)
}

// compact trims a finding to what a triage line needs: a model that wants
// more diagnoses that user, app or IP by name. Devices stay only where they
// are the cause (a device requirement, a lockout from one client);
// locations and the docs link go (explain_error_code gives the docs of each
// code in errorCodes).
func compact(fd *Finding) {
	ev := &fd.Evidence
	clip := func(v []string, n int) []string {
		if len(v) > n {
			return v[:n]
		}
		return v
	}
	ids := tenantEvidenceIDs
	if len(ev.Users) == 1 && ev.UserCount == 0 {
		ids = 1 // one user's finding: diagnosing the user shows the rest
	}
	ev.SignInIDs = clip(ev.SignInIDs, ids)
	ev.Users = clip(ev.Users, tenantEvidenceValues)
	ev.Apps, ev.IPAddresses, ev.ClientApps = clip(ev.Apps, 2), clip(ev.IPAddresses, 2), clip(ev.ClientApps, 1)
	ev.Locations, ev.AdditionalDetails = nil, clip(ev.AdditionalDetails, 1)
	// explain_error_code gives the docs of every code in errorCodes.
	fd.DocsURL = ""
	if fd.Scenario != ScenarioDeviceCompliance && ev.LockoutSource != "one-client" {
		ev.Devices = nil
	}
	if len(ev.Devices) > 1 {
		ev.Devices = ev.Devices[:1]
	}
	if len(ev.Policies) > 2 {
		ev.Policies = ev.Policies[:2]
	}
	fd.NextSteps = clip(fd.NextSteps, tenantNextSteps)
}

// workloadKey is the service principal a workload sign-in belongs to.
func workloadKey(s *signin.SignIn) string {
	return cmp.Or(s.ServicePrincipal.ID, strings.ToLower(s.ServicePrincipal.Name), s.App.ID, strings.ToLower(s.App.Name))
}

// blockedIPs: 50053 for several users from one IP (Entra blocks a
// malicious IP whatever the password), one finding per IP. A single user's
// 50053 is left to the per-user rules, which know whether wrong passwords
// came before it.
func blockedIPs(f *facts) []Finding {
	byIP := map[string][]*failure{}
	for _, x := range f.failures {
		if !x.claimed && x.s.IPAddress != "" && x.s.Status.ErrorCode == codeLocked {
			byIP[x.s.IPAddress] = append(byIP[x.s.IPAddress], x)
		}
	}
	var out []Finding
	for _, ip := range sortedKeys(byIP) {
		xs := byIP[ip]
		n := distinctUsers(xs)
		if n < 2 {
			continue
		}
		claim(xs)
		fd := f.finding(ScenarioMaliciousIP, "Sign-ins blocked from "+ip, "admin", ConfidenceMedium, xs,
			fmt.Sprintf("Entra answered 50053 for %d users from %s: an IP it considers malicious is blocked whatever the password. %s.", n, ip, capital(span(xs))),
			"Check whether the IP is a known egress of the organisation (a VPN, a proxy); if not, nothing needs unlocking and the IP can be blocked by a named location.",
			"If it is a legitimate egress, report it to Microsoft support with the request IDs.")
		fd.Evidence.UserCount = n
		out = append(out, fd)
	}
	return out
}

func distinctUsers(xs []*failure) int {
	seen := map[string]bool{}
	for _, x := range xs {
		seen[userOf(x.s)] = true
	}
	return len(seen)
}

// massKey groups failures that one change would explain: the code and the
// policies that decided it (their IDs, else names, sorted and joined).
type massKey struct {
	code     int
	policies string
}

// massKeyOf is s's massKey. Most failures have no failing policy: their
// key takes no allocation.
func massKeyOf(s *signin.SignIn) massKey {
	k := massKey{code: s.Status.ErrorCode}
	var pols []string
	for _, p := range s.Policies {
		if p.Result == policyResultFailure {
			pols = append(pols, cmp.Or(p.ID, p.Name))
		}
	}
	switch len(pols) {
	case 0:
	case 1:
		k.policies = pols[0]
	default:
		slices.Sort(pols)
		k.policies = strings.Join(pols, ",")
	}
	return k
}

// String is the key as text, "code|policies", whose order is the order
// the groups are diagnosed in.
func (k massKey) String() string {
	return strconv.Itoa(k.code) + "|" + k.policies
}

// massFailures: one code (and failing policy) across at least
// MassFailureMinUsers users within MassFailureWindow. Each is diagnosed
// with the per-subject rules, so it keeps its scenario id, and reported
// once with the users it hit.
func massFailures(f *facts, userIDs []int32) []Finding {
	groups := map[massKey][]*failure{}
	for _, x := range f.failures {
		if x.claimed || x.s.Workload() || isPasswordFailure(x.s) || x.completedInterrupt() {
			continue
		}
		k := massKeyOf(x.s)
		groups[k] = append(groups[k], x)
	}
	keys := make([]massKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b massKey) int { return cmp.Compare(a.String(), b.String()) })
	var out []Finding
	for _, k := range keys {
		xs := groups[k]
		if len(xs) < MassFailureMinUsers {
			continue // fewer failures than users it takes
		}
		peak := usersWithin(xs, MassFailureWindow, userIDs)
		if peak < MassFailureMinUsers {
			continue
		}
		n := distinctIDs(xs, userIDs)
		all := signIns(xs)
		g := f.sub(all, xs)
		g.successes = f.successes
		for _, fd := range run(g, subjectRules) {
			if fd.Scenario == ScenarioInterruptsOnly || fd.Scenario == ScenarioNoFailures {
				continue
			}
			fd.Evidence.UserCount = n
			fd.Title = fmt.Sprintf("%s (%d users)", fd.Title, n)
			fd.Summary = fmt.Sprintf("%d users hit this, up to %d within %d minutes: a policy change or an outage is likelier than separate problems. %s", n, peak, int(MassFailureWindow.Minutes()), fd.Summary)
			out = append(out, fd)
		}
	}
	return out
}

// distinctIDs is distinctUsers by the users' numbers (keyIDs).
func distinctIDs(xs []*failure, userIDs []int32) int {
	seen := map[int32]bool{}
	for _, x := range xs {
		seen[userIDs[x.at]] = true
	}
	return len(seen)
}

// usersWithin is the most distinct users among xs (oldest first) within any
// span d: a sliding window, linear in xs. userIDs numbers the users of
// facts.all (keyIDs), so that the window counts integers.
func usersWithin(xs []*failure, d time.Duration, userIDs []int32) int {
	best, lo := 0, 0
	in := map[int32]int{}
	for _, x := range xs {
		in[userIDs[x.at]]++
		for x.s.CreatedAt.Sub(xs[lo].s.CreatedAt) > d {
			u := userIDs[xs[lo].at]
			if in[u]--; in[u] == 0 {
				delete(in, u)
			}
			lo++
		}
		best = max(best, len(in))
	}
	return best
}
