package diagnosis

// directory.go is the directory's side of a diagnosis: the audit events
// that may explain its findings (Result.Changes), the account's state
// (Result.AccountState), and what each finding gains from them. A finding
// stands on the sign-ins: directory data only adds to its summary and next
// steps (and raises a replayed stale password's confidence, rules.go), so
// that a diagnosis without it is exactly what it was before.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// MaxChanges bounds Result.Changes: the few events that explain findings
// matter; a busy account's every edit does not.
const MaxChanges = 10

// ChangesBudget is the most bytes Result.Changes may take as compact JSON:
// the tool's whole answer has 8 KB, and findings come first. The least
// relevant changes are cut until the list fits.
const ChangesBudget = 2500

// Bounds of one change: a Conditional Access policy's modified property is
// its whole definition as JSON, far more than a reader needs.
const (
	maxChangeProperties = 5
	maxChangeValue      = 120
	maxChangeText       = 120
	maxChangeTargets    = 3
)

// AuditChange is one directory audit event that can explain a failure.
type AuditChange struct {
	Activity           string             `json:"activity" jsonschema_description:"The audit activity as Entra logs it (activityDisplayName), such as Reset password (by admin) or Update conditional access policy."`
	At                 string             `json:"at" jsonschema_description:"When it happened (UTC, RFC 3339)."`
	InitiatedBy        string             `json:"initiatedBy,omitempty" jsonschema_description:"Who did it: a user's UPN, else an app's display name."`
	Target             string             `json:"target,omitempty" jsonschema_description:"What it changed: the targets' names (a UPN, a policy or app name), else their IDs."`
	ModifiedProperties []ModifiedProperty `json:"modifiedProperties" jsonschema_description:"The properties it changed, old and new values as logged and shortened; a secret's, key value's or password's values are never shown, only its name."`
	Relevance          string             `json:"relevance" jsonschema_description:"The scenario id of the highest-ranked finding this change can explain, or empty when it explains none."`
}

// ModifiedProperty is one property an audit event changed.
type ModifiedProperty struct {
	Name string `json:"name"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

// AccountState is the user's state in the directory when it was read.
type AccountState struct {
	AccountEnabled             *bool    `json:"accountEnabled,omitempty" jsonschema_description:"false when the account is disabled now."`
	LastPasswordChangeDateTime string   `json:"lastPasswordChangeDateTime,omitempty" jsonschema_description:"When the password last changed (UTC, RFC 3339)."`
	UserType                   string   `json:"userType,omitempty" jsonschema_description:"member or guest."`
	IsMfaRegistered            *bool    `json:"isMfaRegistered,omitempty" jsonschema_description:"Whether the user has registered a method usable for MFA; absent when the registration report was not read."`
	MethodsRegistered          []string `json:"methodsRegistered,omitempty" jsonschema_description:"The authentication methods registered, from the registration report."`
	OnPremisesSyncEnabled      *bool    `json:"onPremisesSyncEnabled,omitempty" jsonschema_description:"true when the account is synced from on-premises Active Directory (its password changes there)."`
}

// matched is an audit event and the activity of the table it is.
type matched struct {
	e directory.Event
	a directory.Activity
}

// dirFacts is the prepared view of the directory context: its events that
// match the table, oldest first, deduplicated by ID.
type dirFacts struct {
	ctx    *directory.Context
	events []matched
}

func prepareDirectory(c *directory.Context) *dirFacts {
	if c == nil {
		return nil
	}
	d := &dirFacts{ctx: c}
	seen := map[string]bool{}
	for _, e := range c.Events {
		if e.ID != "" && seen[e.ID] {
			continue
		}
		a, ok := directory.Match(e)
		if !ok {
			continue
		}
		seen[e.ID] = true
		d.events = append(d.events, matched{e: e, a: a})
	}
	slices.SortFunc(d.events, func(x, y matched) int {
		return cmp.Or(x.e.At.Compare(y.e.At), cmp.Compare(x.e.ID, y.e.ID), cmp.Compare(x.e.Activity, y.e.Activity), cmp.Compare(x.e.InitiatedBy, y.e.InitiatedBy), cmp.Compare(targetText(x.e), targetText(y.e)))
	})
	return d
}

// lastBefore is the newest matched event at or before t, and no more than
// directory.ChangesLookback before it, that keep approves; nil when none
// (or no directory was read).
func (d *dirFacts) lastBefore(t time.Time, keep func(matched) bool) *matched {
	if d == nil || t.IsZero() {
		return nil
	}
	for i := len(d.events) - 1; i >= 0; i-- {
		m := &d.events[i]
		if m.e.At.After(t) {
			continue
		}
		if m.e.At.Before(t.Add(-directory.ChangesLookback)) {
			return nil
		}
		if keep(*m) {
			return m
		}
	}
	return nil
}

// firstAfter is the oldest matched event after t that keep approves; nil
// when none (or no directory was read).
func (d *dirFacts) firstAfter(t time.Time, keep func(matched) bool) *matched {
	if d == nil || t.IsZero() {
		return nil
	}
	for i := range d.events {
		if m := &d.events[i]; m.e.At.After(t) && keep(*m) {
			return m
		}
	}
	return nil
}

// account is the user's state, nil when not read.
func (d *dirFacts) account() *directory.Account {
	if d == nil {
		return nil
	}
	return d.ctx.Account
}

// said names an event for a summary: what, who and when.
func (m *matched) said() string {
	s := logtext.Quote(m.e.Activity, maxChangeText)
	if m.e.InitiatedBy != "" {
		s += " by " + logtext.Clean(m.e.InitiatedBy, maxChangeText)
	}
	return s + " at " + stamp(m.e.At)
}

// isPasswordChange: a password changed or reset (an unlock changes none).
func isPasswordChange(m matched) bool {
	return m.a.Kind == directory.KindPassword && m.a.Name != "Unlock user account (self-service)"
}

// passwordChange is the latest password change at or before t (within the
// lookback): an audit event, which names who, or else the account's
// lastPasswordChangeDateTime. ok is false when neither is known.
func (d *dirFacts) passwordChange(t time.Time) (at time.Time, by string, ok bool) {
	ev := d.lastBefore(t, isPasswordChange)
	var lpc time.Time
	if a := d.account(); a != nil && !a.LastPasswordChange.IsZero() && !a.LastPasswordChange.After(t) && !a.LastPasswordChange.Before(t.Add(-directory.ChangesLookback)) {
		lpc = a.LastPasswordChange
	}
	switch {
	// The audit event and the account's date are the same change when
	// they are minutes apart; the event says who.
	case ev != nil && (lpc.IsZero() || !ev.e.At.Before(lpc.Add(-5*time.Minute))):
		return ev.e.At, ev.said(), true
	case !lpc.IsZero():
		return lpc, "", true
	}
	return time.Time{}, "", false
}

// firstSeen and lastSeen are a finding's first and last failure.
func firstSeen(fd *Finding) time.Time {
	t, _ := time.Parse(time.RFC3339, fd.Evidence.FirstSeen)
	return t
}

func lastSeen(fd *Finding) time.Time {
	t, _ := time.Parse(time.RFC3339, fd.Evidence.LastSeen)
	return t
}

// accountState renders the account's state for the API.
func accountState(d *dirFacts) *AccountState {
	a := d.account()
	if a == nil {
		return nil
	}
	s := &AccountState{
		AccountEnabled: a.AccountEnabled, LastPasswordChangeDateTime: stamp(a.LastPasswordChange), UserType: a.UserType,
		IsMfaRegistered: a.IsMFARegistered, OnPremisesSyncEnabled: a.OnPremisesSyncEnabled,
	}
	for _, m := range a.MethodsRegistered {
		if m != "" && len(s.MethodsRegistered) < maxEvidenceValues {
			s.MethodsRegistered = append(s.MethodsRegistered, logtext.Clean(m, maxChangeText))
		}
	}
	return s
}

// changes are the matched events from ChangesLookback before the first
// failure to the window's end (the last failure without one), each with the highest-ranked finding (fs is ranked)
// it can explain (one that started after it, if any); those that explain
// one first, then those nearest before
// that finding's first failure, then the newest; at most MaxChanges, and
// within ChangesBudget.
func changes(f *facts, fs []Finding) []AuditChange {
	out := []AuditChange{}
	first, last := f.failureSpan()
	if f.dir == nil || first.IsZero() {
		return out
	}
	type ranked struct {
		m      matched
		fd     *Finding
		anchor time.Time
	}
	var rs []ranked
	// After the last failure, up to the window's end: what happened next
	// (the help desk's reset after a lockout) is part of the story.
	limit := last
	if !f.in.Until.IsZero() {
		limit = f.in.Until
	}
	for _, m := range f.dir.events {
		if m.e.At.Before(first.Add(-directory.ChangesLookback)) || m.e.At.After(limit) {
			continue
		}
		r := ranked{m: m}
		// The first finding it can explain, in rank order; one whose
		// failures started after the event first, since an event cannot
		// cause failures that came before it (it may end them).
		for _, before := range []bool{true, false} {
			for i := range fs {
				anchor := cmp.Or(firstSeen(&fs[i]), first)
				if r.fd == nil && slices.Contains(m.a.Explains, fs[i].Scenario) && (!before || !m.e.At.After(anchor)) {
					r.fd, r.anchor = &fs[i], anchor
				}
			}
		}
		rs = append(rs, r)
	}
	dist := func(r ranked) time.Duration {
		d := r.anchor.Sub(r.m.e.At)
		return max(d, -d)
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		return cmp.Or(
			cmp.Compare(boolInt(a.fd == nil), boolInt(b.fd == nil)),
			cmp.Compare(boolInt(a.m.e.At.After(a.anchor)), boolInt(b.m.e.At.After(b.anchor))),
			cmp.Compare(dist(a), dist(b)),
			b.m.e.At.Compare(a.m.e.At),
		)
	})
	for _, r := range rs[:min(len(rs), MaxChanges)] {
		c := auditChange(r.m.e)
		if r.fd != nil {
			c.Relevance = r.fd.Scenario
		}
		out = append(out, c)
	}
	for len(out) > 0 {
		b, err := json.Marshal(out)
		if err == nil && len(b) <= ChangesBudget {
			break
		}
		out = out[:len(out)-1]
	}
	return out
}

// failureSpan is the first and last failure that is not a completed
// interrupt (the failures a diagnosis explains); zero when none.
func (f *facts) failureSpan() (first, last time.Time) {
	for _, x := range f.failures {
		if x.completedInterrupt() {
			continue
		}
		if first.IsZero() {
			first = x.s.CreatedAt
		}
		last = x.s.CreatedAt
	}
	return first, last
}

// auditChange renders an event for the API, secrets' values dropped and
// text bounded.
func auditChange(e directory.Event) AuditChange {
	c := AuditChange{
		Activity: logtext.Clean(e.Activity, maxChangeText), At: stamp(e.At),
		InitiatedBy: logtext.Clean(e.InitiatedBy, maxChangeText), Target: targetText(e),
		ModifiedProperties: []ModifiedProperty{},
	}
	for _, t := range e.Targets {
		for _, p := range t.Modified {
			if len(c.ModifiedProperties) == maxChangeProperties {
				break
			}
			mp := ModifiedProperty{Name: logtext.Clean(p.Name, maxChangeText)}
			if !secretProperty(p.Name) {
				mp.Old, mp.New = logtext.Clean(p.Old, maxChangeValue), logtext.Clean(p.New, maxChangeValue)
			}
			c.ModifiedProperties = append(c.ModifiedProperties, mp)
		}
	}
	return c
}

// targetText names an event's targets: their names, else their IDs.
func targetText(e directory.Event) string {
	var names []string
	for _, t := range e.Targets {
		n := logtext.Clean(cmp.Or(t.Name, t.ID), maxChangeText)
		if n != "" && !slices.Contains(names, n) && len(names) < maxChangeTargets {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// secretWords are what a property that may carry a secret is named like:
// Entra logs no secret values, and a source that ever did must not leak
// one through us. A password policy's values go too: a name is enough.
var secretWords = []string{"secret", "password", "passwd", "pwd", "keyvalue", "privatekey", "credentialvalue"}

// secretProperty reports whether a property's values must not be kept.
func secretProperty(name string) bool {
	n := strings.NewReplacer(" ", "", "_", "", "-", "", ".", "").Replace(strings.ToLower(name))
	return slices.ContainsFunc(secretWords, func(w string) bool { return strings.Contains(n, w) })
}

// withDirectory adds to the findings fs what the directory says about
// them. It changes no scenario, status or rank: a finding stands on the
// sign-ins.
func (f *facts) withDirectory(fs []Finding) {
	if f.dir == nil {
		return
	}
	for i := range fs {
		fd := &fs[i]
		switch fd.Scenario {
		case ScenarioRefreshRevoked, ScenarioReauthentication:
			f.dirSession(fd)
		case ScenarioAccountDisabled:
			f.dirDisabled(fd)
		case ScenarioCABlocked, ScenarioLegacyAuthBlocked, ScenarioDeviceCompliance, ScenarioCAGrant, ScenarioRiskBlocked:
			f.dirPolicy(fd)
		case ScenarioAppSecretExpired:
			f.dirSecret(fd)
		case ScenarioConsent:
			f.dirRemoved(fd, "Remove delegated permission grant", "Consent was removed before the failures: %s.")
		case ScenarioNotAssigned:
			f.dirRemoved(fd, "Remove app role assignment from user", "An assignment was removed before the failures: %s.")
		case ScenarioMFARegistration, ScenarioMFANotCompleted:
			f.dirMFA(fd)
		case ScenarioSmartLockout, ScenarioBadPassword, ScenarioStaleReplay:
			f.dirAfterPassword(fd)
		}
	}
}

// addSummary appends a sentence to a finding's summary.
func addSummary(fd *Finding, format string, args ...any) {
	fd.Summary = strings.TrimSpace(fd.Summary + " " + fmt.Sprintf(format, args...))
}

// dirSession: a storm of revoked tokens (50173, 50133, 50132) that started
// after a password change or a session revocation names it.
func (f *facts) dirSession(fd *Finding) {
	if !slices.ContainsFunc(fd.Evidence.ErrorCodes, func(c int) bool {
		return c == codeGrantRevoked || c == codeSessionRevoked || c == codePasswordChanged
	}) {
		return
	}
	first := firstSeen(fd)
	revoked := f.dir.lastBefore(first, func(m matched) bool {
		return isPasswordChange(m) || m.a.Kind == directory.KindSessions
	})
	if revoked != nil {
		addSummary(fd, "It started after %s.", revoked.said())
		for i, s := range fd.NextSteps {
			if strings.HasPrefix(s, "Check the audit log") {
				fd.NextSteps[i] = fmt.Sprintf("Confirm that %s was expected; if nobody can vouch for it, treat the account as compromised.", revoked.said())
			}
		}
		return
	}
	if at, _, ok := f.dir.passwordChange(first); ok {
		addSummary(fd, "It started after the password changed at %s (the account's lastPasswordChangeDateTime).", stamp(at))
	}
}

// dirAfterPassword says what happened after wrong passwords: a reset or an
// unlock by the help desk or the user, and whether a sign-in succeeded
// since (the finding's status), so that a reader does not reset twice.
func (f *facts) dirAfterPassword(fd *Finding) {
	m := f.dir.firstAfter(lastSeen(fd), func(m matched) bool { return m.a.Kind == directory.KindPassword })
	if m == nil {
		return
	}
	if fd.Status == StatusResolved {
		addSummary(fd, "After the last failure came %s, and a sign-in succeeded since.", m.said())
		return
	}
	addSummary(fd, "After the last failure came %s; no sign-in has succeeded since.", m.said())
	fd.NextSteps = append([]string{fmt.Sprintf("The password was already changed (%s): have the user sign in with the new one and update every client that saved the old one.", m.said())}, fd.NextSteps...)
}

// dirDisabled names who disabled the account and when, and its state now.
func (f *facts) dirDisabled(fd *Finding) {
	if m := f.dir.lastBefore(firstSeen(fd), func(m matched) bool {
		switch m.a.Name {
		case "Disable account":
			return true
		case "Update user":
			return setsAccountEnabled(m.e, "false")
		}
		return false
	}); m != nil {
		addSummary(fd, "It was disabled by %s.", m.said())
		for i, s := range fd.NextSteps {
			if strings.Contains(s, "check the audit log for who disabled it") {
				fd.NextSteps[i] = fmt.Sprintf("If it should, enable it (accountEnabled); ask who ran %s why, first.", m.said())
			}
		}
	}
	if a := f.dir.account(); a != nil && a.AccountEnabled != nil {
		if *a.AccountEnabled {
			addSummary(fd, "The account is enabled now (accountEnabled true): the user can retry.")
		} else {
			addSummary(fd, "The account is still disabled (accountEnabled false).")
		}
	}
}

// setsAccountEnabled reports whether e set AccountEnabled to value (Entra
// logs it as ["false"] or [false]).
func setsAccountEnabled(e directory.Event, value string) bool {
	for _, t := range e.Targets {
		for _, p := range t.Modified {
			if strings.EqualFold(p.Name, "AccountEnabled") && strings.Contains(strings.ToLower(p.New), value) {
				return true
			}
		}
	}
	return false
}

// maxPoliciesDescribed bounds the failing policies whose definition a
// finding describes.
const maxPoliciesDescribed = 2

// dirPolicy names the change of a failing policy that preceded the wave of
// blocks, and what the policy's definition asks.
func (f *facts) dirPolicy(fd *Finding) {
	pols := fd.Evidence.Policies
	if len(pols) == 0 {
		return
	}
	isFailing := func(id, name string) bool {
		return slices.ContainsFunc(pols, func(p PolicyRef) bool {
			return (id != "" && strings.EqualFold(p.ID, id)) || (name != "" && p.Name != "" && strings.EqualFold(p.Name, name))
		})
	}
	if m := f.dir.lastBefore(firstSeen(fd), func(m matched) bool {
		return m.a.Kind == directory.KindPolicy && slices.ContainsFunc(m.e.Targets, func(t directory.Target) bool { return isFailing(t.ID, t.Name) })
	}); m != nil {
		addSummary(fd, "The policy changed before the first block: %s (%s).", m.said(), targetText(m.e))
	}
	described := 0
	for _, ref := range pols {
		i := slices.IndexFunc(f.dir.ctx.Policies, func(p directory.Policy) bool { return ref.ID != "" && strings.EqualFold(p.ID, ref.ID) })
		if i < 0 || described == maxPoliciesDescribed {
			continue
		}
		described++
		addSummary(fd, "%s", describePolicy(f.dir.ctx.Policies[i]))
	}
}

// describePolicy says what a policy applies to and what satisfies it.
func describePolicy(p directory.Policy) string {
	name := logtext.Quote(cmp.Or(p.Name, p.ID), maxChangeText)
	var b strings.Builder
	fmt.Fprintf(&b, "Policy %s", name)
	if p.State != "" && !strings.EqualFold(p.State, "enabled") {
		fmt.Fprintf(&b, " (state now %s)", logtext.Clean(p.State, maxChangeText))
	}
	var conds []string
	for _, c := range p.Conditions {
		if c = logtext.Clean(c, maxChangeValue); c != "" && len(conds) < 6 {
			conds = append(conds, c)
		}
	}
	if len(conds) > 0 {
		fmt.Fprintf(&b, " has the conditions %s", strings.Join(conds, "; "))
	} else {
		b.WriteString(" has no conditions read")
	}
	b.WriteString("; ")
	b.WriteString(satisfies(p))
	return b.String() + "."
}

// grantWords say what meets each built-in grant control.
var grantWords = map[string]string{
	"mfa":                  "MFA",
	"compliantdevice":      "a compliant device",
	"domainjoineddevice":   "a hybrid Entra joined device",
	"approvedapplication":  "an approved client app",
	"compliantapplication": "an app with an app protection policy",
	"passwordchange":       "a password change",
}

// satisfies says what would let a sign-in through a policy: its grant
// controls, or for a block only what its conditions leave out (a trusted
// location, a modern client, another platform, a lower risk).
func satisfies(p directory.Policy) string {
	blocks := slices.ContainsFunc(p.GrantControls, func(g string) bool { return strings.EqualFold(g, "block") })
	if blocks {
		// Conditions read "locations: ...", "client apps: ...",
		// "platforms: ...", "sign-in risk: ..." (directory.Policy).
		var outs []string
		add := func(s string) {
			if !slices.Contains(outs, s) {
				outs = append(outs, s)
			}
		}
		for _, c := range p.Conditions {
			c = strings.ToLower(strings.TrimSpace(c))
			switch {
			case strings.HasPrefix(c, "location"):
				add("a sign-in from a location it excludes (a trusted location)")
			case strings.HasPrefix(c, "client app") && (strings.Contains(c, "exchangeactivesync") || strings.Contains(c, "other") || strings.Contains(c, "legacy")):
				add("a modern client (not legacy authentication)")
			case strings.HasPrefix(c, "platform"):
				add("a platform it does not target")
			case strings.HasPrefix(c, "sign-in risk") || strings.HasPrefix(c, "user risk"):
				add("a lower risk")
			}
		}
		if len(outs) == 0 {
			return "its grant is block: nothing satisfies it, only an exclusion from its users or apps lets the sign-in through"
		}
		return "its grant is block: nothing satisfies it; a sign-in outside its conditions gets through: " + strings.Join(outs, ", or ")
	}
	var wants []string
	for _, g := range p.GrantControls {
		w, ok := grantWords[strings.ToLower(g)]
		if !ok {
			w = logtext.Clean(g, maxChangeText) // an authentication strength, terms of use
		}
		if w != "" && !slices.Contains(wants, w) {
			wants = append(wants, w)
		}
	}
	if len(wants) == 0 {
		return "its grant controls were not read"
	}
	join := " or "
	if strings.EqualFold(p.GrantOperator, "AND") {
		join = " and "
	}
	return "its grant is satisfied by " + strings.Join(wants, join)
}

// dirSecret names the expired credential and whether a valid one exists.
func (f *facts) dirSecret(fd *Finding) {
	creds := f.dir.ctx.Credentials
	if creds == nil {
		return
	}
	at := cmp.Or(lastSeen(fd), firstSeen(fd))
	var expired *directory.Credential
	if k := fd.Evidence.CredentialKeyID; k != "" {
		if i := slices.IndexFunc(creds, func(c directory.Credential) bool { return strings.EqualFold(c.KeyID, k) }); i >= 0 {
			expired = &creds[i]
		}
	}
	if expired == nil {
		// The latest-ended secret before the failures (a certificate
		// when no secret ended).
		for i := range creds {
			c := &creds[i]
			if c.End.IsZero() || c.End.After(at) {
				continue
			}
			if expired == nil || cmp.Or(cmp.Compare(boolInt(c.Type == "password"), boolInt(expired.Type == "password")), c.End.Compare(expired.End)) > 0 {
				expired = c
			}
		}
	}
	if expired != nil {
		addSummary(fd, "The expired credential is %s (key ID %s, %s on the %s), which ended %s.", credentialName(*expired),
			logtext.Clean(expired.KeyID, maxChangeText), cmp.Or(expired.Type, "credential"), cmp.Or(expired.On, "app"), cmp.Or(stamp(expired.End), "at an unknown date"))
	}
	var valid []directory.Credential
	for _, c := range creds {
		if (c.Start.IsZero() || !c.Start.After(at)) && c.End.After(at) {
			valid = append(valid, c)
		}
	}
	if len(valid) == 0 {
		addSummary(fd, "No valid credential exists on the app registration or its service principal: a new one must be created.")
		return
	}
	slices.SortFunc(valid, func(a, b directory.Credential) int {
		return cmp.Or(b.End.Compare(a.End), cmp.Compare(a.KeyID, b.KeyID))
	})
	v := valid[0]
	what := fmt.Sprintf("%s (key ID %s, %s on the %s, valid until %s)", credentialName(v), logtext.Clean(v.KeyID, maxChangeText),
		cmp.Or(v.Type, "credential"), cmp.Or(v.On, "app"), stamp(v.End))
	addSummary(fd, "A valid credential exists: %s.", what)
	fd.NextSteps = append([]string{fmt.Sprintf("Configure the application with the valid credential %s, if its owner holds it; otherwise create a new one.", what)}, fd.NextSteps...)
}

// credentialName is a credential's display name, quoted, for a summary.
func credentialName(c directory.Credential) string {
	if c.DisplayName == "" {
		return "one with no display name"
	}
	return logtext.Quote(c.DisplayName, maxChangeText)
}

// dirRemoved names an event of activity name (a removed consent or
// assignment) before a finding's first failure.
func (f *facts) dirRemoved(fd *Finding, name, sentence string) {
	if m := f.dir.lastBefore(firstSeen(fd), func(m matched) bool { return m.a.Name == name }); m != nil {
		addSummary(fd, sentence, m.said()+" ("+targetText(m.e)+")")
	}
}

// dirMFA says whether any method is registered, and names a deletion of
// security info before the failures.
func (f *facts) dirMFA(fd *Finding) {
	if m := f.dir.lastBefore(firstSeen(fd), func(m matched) bool {
		return m.a.Name == "User deleted security info" || m.a.Name == "Admin deleted security info" || (m.a.Name == "Update user" && m.a.Kind == directory.KindSecurityInfo)
	}); m != nil {
		addSummary(fd, "Security info changed before the failures: %s.", m.said())
	}
	a := f.dir.account()
	if a == nil || a.IsMFARegistered == nil {
		return
	}
	if !*a.IsMFARegistered {
		addSummary(fd, "The registration report shows no MFA method registered: the user must register one (a Temporary Access Pass lets them).")
		return
	}
	methods := "yes"
	if len(a.MethodsRegistered) > 0 {
		ms := a.MethodsRegistered[:min(len(a.MethodsRegistered), maxEvidenceValues)]
		cleaned := make([]string, len(ms))
		for i, m := range ms {
			cleaned[i] = logtext.Clean(m, maxChangeText)
		}
		methods = strings.Join(cleaned, ", ")
	}
	if fd.Scenario == ScenarioMFARegistration {
		addSummary(fd, "The registration report shows MFA methods registered (%s): registration was asked anyway, so a policy may require another method (an authentication strength, a registration campaign).", methods)
		return
	}
	addSummary(fd, "The registration report shows MFA methods registered (%s): the prompt, not the registration, is the problem.", methods)
}
