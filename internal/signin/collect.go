package signin

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// collect.go is the contract between a diagnosis and a source: what the
// rules need read (the subject's failures and successes, its last success
// before the window, and other users' sign-ins from the subject's IPs), asked
// in one call so that each source answers it its own efficient way (an
// index in memory, server-side filters and a request budget on Graph, a few
// KQL queries on Log Analytics).

// Collect asks for the sign-ins a diagnosis reads. At most one of User, App,
// IPAddress and CorrelationID is set; none means the whole tenant.
type Collect struct {
	User          string // UPN (case-insensitive) or object ID (exact)
	App           string // display name (case-insensitive) or app ID, or a service principal's
	IPAddress     string
	CorrelationID string
	Since, Until  time.Time // Since inclusive, Until exclusive
	// Types are the sign-in types to read; empty means the source's
	// default for the subject (DefaultCollectTypes for Graph, every type
	// for the others). Collection.Coverage.Types says what was read.
	Types []Type
	// LeaveOut are error codes a tenant triage may leave unread: the
	// interrupts (catalog.InterruptCodes), whose completion cannot be
	// judged without every success, which a source that reads failures
	// and few successes (Graph) does not have; read anyway, a completed
	// MFA prompt would look like a user stuck at it, and its pages would
	// spend the request budget. A source that reads every sign-in (memory)
	// ignores it: the rules judge the interrupts with the successes.
	// Subjects other than the tenant ignore it too.
	LeaveOut []int
	// Progress, when set, is called as the source reads (pages, queries):
	// done of total steps, with a short message for a person. total is 0
	// when unknown. It must not block.
	Progress func(done, total int, message string)
}

// SubjectKind returns which subject c names: "user", "app", "ipAddress",
// "correlationId", or "tenant" when none is set.
func (c Collect) SubjectKind() string {
	switch {
	case c.User != "":
		return "user"
	case c.App != "":
		return "app"
	case c.IPAddress != "":
		return "ipAddress"
	case c.CorrelationID != "":
		return "correlationId"
	}
	return "tenant"
}

// Query returns the search Query that selects c's subject in its window.
func (c Collect) Query(types []Type) Query {
	return Query{User: c.User, App: c.App, IPAddress: c.IPAddress, CorrelationID: c.CorrelationID,
		Since: c.Since, Until: c.Until, Types: types}
}

// DefaultCollectTypes is what a source that pays for every type it reads
// (Graph: one request stream per type) reads when asked for none: a user's
// own sign-ins (interactive and non-interactive), an app's workload
// sign-ins (service principal and managed identity), every type otherwise.
func DefaultCollectTypes(subjectKind string) []Type {
	switch subjectKind {
	case "user":
		return []Type{Interactive, NonInteractive}
	case "app":
		return []Type{ServicePrincipal, ManagedIdentity}
	}
	return append([]Type(nil), AllTypes...)
}

// Collection is a source's answer to a Collect.
type Collection struct {
	// SignIns are the subject's sign-ins in the window, failures and
	// successes, of the types read, in any order. For a tenant, every
	// sign-in the source could read in the window (failures first when
	// it must stop early).
	SignIns []SignIn
	// LastSuccess is a user's or an app's most recent success before
	// Since, of the types read, when the source found one (nil otherwise,
	// and for an IP, a correlation ID or a tenant).
	LastSuccess *SignIn
	// LastSuccessSearchedFrom is how far back the source looked for
	// LastSuccess: its oldest record (files, demo) or its retention
	// (Graph's 30 days); zero when it did not look.
	LastSuccessSearchedFrom time.Time
	// SameIP are sign-ins that are not the subject's (other users', for a
	// user), failures and successes, in the window from the IPs the
	// subject's password failures (PasswordFailure) came from, of the types
	// those failures were logged as (SameIPTargets), which the lockout and
	// spray rules compare against. Bounded: the SameIPMaxIPs most failing
	// IPs, and per IP and type the newest SameIPMaxPerIP sign-ins, the
	// subject's own counted in (what Graph's one page returns); a cut sets
	// Coverage.Truncated and says so. Empty for an IP or a tenant subject,
	// whose SignIns already hold them.
	SameIP   []SignIn
	Coverage CollectCoverage
	// FollowUps, when not nil, is what came after each record of
	// SignIns among SignIns' successes, FollowUps[i] for SignIns[i]:
	// exactly FollowUps(SignIns), which a source that has indexed its
	// successes already (memory, for a tenant) answers at no cost, so that
	// a diagnosis does not index them again (at a million sign-ins, the
	// most expensive step of a tenant triage). Read-only, like SignIns.
	FollowUps []FollowUp
	// UniqueIDs is true when no two records of SignIns, LastSuccess and
	// SameIP share an ID (the memory store checks its records when it
	// indexes them), so that a diagnosis need not look for duplicates.
	// False means they may: a Graph page and the next can overlap.
	UniqueIDs bool
}

// CollectCoverage says what a Collect read.
type CollectCoverage struct {
	Source    string
	Since     time.Time
	Until     time.Time
	Types     []Type // the types read, in AllTypes order
	Holds     []Type // as Coverage.Holds: the types the source holds, nil when any may exist
	Failures  int    // failed sign-ins read (interrupts included)
	Successes int    // successful sign-ins read
	SameIP    int    // other users' sign-ins read from the subject's IPs
	// Requests counts the requests made to a remote service (Graph, Log
	// Analytics); 0 for files and the demo. RequestBudget is the most a
	// diagnosis may make (0: no limit applies).
	Requests      int
	RequestBudget int
	// Truncated is true when the source stopped before reading everything
	// asked (a request budget, a row limit); Notes say where and why.
	Truncated bool
	Notes     []string
}

// Collector is what a source answers a diagnosis with. Source embeds it:
// every source of this server (memory for files and the demo, Graph,
// Unavailable) answers one.
type Collector interface {
	// Collect reads what a diagnosis of c's subject needs. It stops at once,
	// returning ctx's error, when ctx is cancelled.
	Collect(ctx context.Context, c Collect) (Collection, error)
}

// SameIPMaxIPs bounds the IPs whose other sign-ins one Collect reads: the
// lockout and spray rules need the few addresses a subject's password
// failures came from, and a subject failing from more than this many is
// itself the finding (the rest are cut, and Coverage says so).
const SameIPMaxIPs = 20

// SameIPMaxPerIP bounds the other users' sign-ins read per IP and type, newest
// first: one Graph page. A spray is recognised long before a thousand.
const SameIPMaxPerIP = 1000

// PasswordFailure reports whether code is one the same-IP comparison starts
// from: a wrong password (50126) or a lockout or blocked IP (50053), the
// codes of a lockout and of a spray.
func PasswordFailure(code int) bool { return code == 50126 || code == 50053 }

// MatchesSubject reports whether s belongs to c's subject, whatever its time
// and type: the user (signin.MatchUser: UPN, object ID, a guest's home
// address), the app (MatchApp), the IP, or the correlation ID (any case).
// Every sign-in belongs to the tenant.
func (c Collect) MatchesSubject(s *SignIn) bool {
	if c.IPAddress != "" && s.IPAddress != c.IPAddress {
		return false
	}
	if c.CorrelationID != "" && !strings.EqualFold(s.CorrelationID, c.CorrelationID) {
		return false
	}
	return MatchUser(s, c.User) && MatchApp(s, c.App)
}

// InWindow reports whether s lies in [c.Since, c.Until).
func (c Collect) InWindow(s *SignIn) bool {
	return !s.CreatedAt.Before(c.Since) && s.CreatedAt.Before(c.Until)
}

// IPTarget is one IP whose other sign-ins a Collect reads: the types the
// subject's password failures from it were logged as (the types a lockout
// or spray from it shows in), and how many there were.
type IPTarget struct {
	IP       string
	Types    []Type // AllTypes order
	Failures int
}

// SameIPTargets returns the IPs of the password failures (PasswordFailure)
// among the subject's sign-ins, most failures first (then by IP), uncut:
// every source reads the same IPs in the same order, and cuts the list at
// SameIPMaxIPs or its budget.
func SameIPTargets(subject []SignIn) []IPTarget {
	by := map[string]*IPTarget{}
	for i := range subject {
		r := &subject[i]
		if r.IPAddress == "" || !PasswordFailure(r.Status.ErrorCode) {
			continue
		}
		t := by[r.IPAddress]
		if t == nil {
			t = &IPTarget{IP: r.IPAddress}
			by[r.IPAddress] = t
		}
		t.Failures++
		if !slices.Contains(t.Types, r.Type) {
			t.Types = append(t.Types, r.Type)
		}
	}
	out := make([]IPTarget, 0, len(by))
	for _, t := range by {
		slices.SortFunc(t.Types, func(a, b Type) int { return cmp.Compare(typeRank(a), typeRank(b)) })
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b IPTarget) int {
		if c := cmp.Compare(b.Failures, a.Failures); c != 0 {
			return c
		}
		return cmp.Compare(a.IP, b.IP)
	})
	return out
}

// typeRank is t's place in AllTypes (len(AllTypes) for an unknown type).
func typeRank(t Type) int {
	if i := slices.Index(AllTypes, t); i >= 0 {
		return i
	}
	return len(AllTypes)
}

// SortTypes sorts types in AllTypes order, so that coverage reads the same
// whatever order they were asked in.
func SortTypes(types []Type) {
	slices.SortFunc(types, func(a, b Type) int { return cmp.Compare(typeRank(a), typeRank(b)) })
}

// typePhrases name each type in a sentence for a person.
var typePhrases = map[Type]string{
	Interactive:      "interactive",
	NonInteractive:   "non-interactive",
	ServicePrincipal: "service principal",
	ManagedIdentity:  "managed identity",
}

// TypesPhrase names types for a note: "non-interactive and managed identity
// sign-ins".
func TypesPhrase(types []Type) string {
	names := make([]string, 0, len(types))
	for _, t := range types {
		if p, ok := typePhrases[t]; ok {
			names = append(names, p)
		} else {
			names = append(names, string(t))
		}
	}
	switch len(names) {
	case 0:
		return "no sign-ins"
	case 1:
		return names[0] + " sign-ins"
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " sign-ins"
}

// NameIPs names at most five of targets' IPs, and how many more, for a note
// that says which were not read.
func NameIPs(targets []IPTarget) string {
	var names []string
	for _, t := range targets[:min(5, len(targets))] {
		names = append(names, t.IP)
	}
	if len(targets) > 5 {
		names = append(names, fmt.Sprintf("and %d more", len(targets)-5))
	}
	return strings.Join(names, ", ")
}
