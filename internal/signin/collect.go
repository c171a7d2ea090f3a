package signin

import (
	"context"
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
	// LastSuccess is the subject's most recent success before Since, when
	// the source found one (nil otherwise, or for a tenant).
	LastSuccess *SignIn
	// LastSuccessSearchedFrom is how far back the source looked for
	// LastSuccess: its oldest record (files, demo) or its retention
	// (Graph's 30 days); zero when it did not look.
	LastSuccessSearchedFrom time.Time
	// SameIP are other users' sign-ins (failures and successes) in the
	// window from the IPs the subject's password failures came from, which
	// the lockout and spray rules compare against. Empty for an IP or a
	// tenant subject, whose SignIns already hold them.
	SameIP   []SignIn
	Coverage CollectCoverage
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

// Collector is implemented by sources that can answer a diagnosis. Every
// source of this server does; it is a separate interface so that the
// search-only contract (Source) stays small.
type Collector interface {
	// Collect reads what a diagnosis of c's subject needs. It stops at once,
	// returning ctx's error, when ctx is cancelled.
	Collect(ctx context.Context, c Collect) (Collection, error)
}

// Collect implements Collector.
func (u Unavailable) Collect(context.Context, Collect) (Collection, error) {
	return Collection{}, u.Err
}
