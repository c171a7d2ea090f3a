// Package signin is the domain of entra-signin-mcp: the SignIn record that
// troubleshooting needs (a subset of Microsoft Graph's signIn, v1.0 and beta),
// the Query a tool asks, the Page a source answers, and the Source interface
// every sign-in source implements (graph, files, demo). Tools
// depend on this package only, never on a source.
package signin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// Type is the kind of sign-in; the values are the tool's signInTypes values.
type Type string

// The sign-in types.
const (
	Interactive      Type = "interactive"
	NonInteractive   Type = "nonInteractive"
	ServicePrincipal Type = "servicePrincipal"
	ManagedIdentity  Type = "managedIdentity"
)

// AllTypes lists every Type in a stable order.
var AllTypes = []Type{Interactive, NonInteractive, ServicePrincipal, ManagedIdentity}

// eventTypes maps each Type to Graph's signInEventTypes value, the one table
// of that mapping: the Graph filter builder, the Graph fake and the decoders
// read it through EventType and ParseType.
var eventTypes = map[Type]string{
	Interactive:      "interactiveUser",
	NonInteractive:   "nonInteractiveUser",
	ServicePrincipal: "servicePrincipal",
	ManagedIdentity:  "managedIdentity",
}

// EventType is Graph's signInEventTypes value of t (interactiveUser for an
// unknown type, Graph's own default).
func (t Type) EventType() string {
	if e, ok := eventTypes[t]; ok {
		return e
	}
	return eventTypes[Interactive]
}

// ParseType reads a sign-in type, accepting the Graph signInEventTypes
// spellings (interactiveUser, nonInteractiveUser) too, in any case.
func ParseType(s string) (Type, error) {
	v := strings.TrimSpace(s)
	for _, t := range AllTypes {
		if strings.EqualFold(v, string(t)) || strings.EqualFold(v, t.EventType()) {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown sign-in type %q: want interactive, nonInteractive, servicePrincipal or managedIdentity", logtext.Clip(s, 64))
}

// SignIn is one sign-in event.
type SignIn struct {
	ID                string    // the request ID (Graph id)
	CorrelationID     string    // shared by the requests of one sign-in flow
	OriginalRequestID string    // beta: the first request of the flow
	SessionID         string    // beta
	CreatedAt         time.Time // UTC
	Type              Type
	TenantID          string // the tenant the log came from (resource tenant)
	HomeTenantID      string // beta: the user's home tenant (differs for guests)

	User             User
	App              App
	Resource         App
	ServicePrincipal App    // workload sign-ins: the signing-in service principal
	ManagedIdentity  string // managed identity type for managed identity sign-ins
	// ServicePrincipalCredentialKeyID is the key ID of the certificate or
	// secret a service principal signed in with (beta, Log Analytics): the
	// one to rotate or look up in the app registration.
	ServicePrincipalCredentialKeyID string
	ClientCredentialType            string // beta: none, clientSecret, clientAssertion, federatedIdentityCredential, managedIdentity, certificate
	CrossTenantAccessType           string // beta: none, b2bCollaboration, b2bDirectConnect, microsoftSupport, serviceProvider, passthrough
	AppOwnerTenantID                string // beta: the tenant that owns the client application
	IncomingTokenType               string // beta: none, primaryRefreshToken, saml11, saml20, remoteDesktopToken, refreshToken
	IsInteractive                   *bool  // as logged (nil when the log does not say)
	AuthenticationProtocol          string // beta: none, oAuth2, ropc, wsFederation, saml20, deviceCode, ...

	ClientApp string // clientAppUsed: Browser, Mobile Apps and Desktop clients, IMAP4, ...
	UserAgent string
	IPAddress string
	Location  Location

	Status                  Status
	ConditionalAccessStatus string // success, failure, notApplied, unknownFutureValue
	Policies                []Policy
	Device                  Device
	AuthRequirement         string // singleFactorAuthentication, multiFactorAuthentication
	AuthDetails             []AuthStep
	Risk                    Risk
}

// User is who signed in.
type User struct {
	ID          string // object ID
	UPN         string // as logged: lower-case in Graph
	DisplayName string
	Type        string // member, guest
}

// App is an application, a resource or a service principal.
type App struct {
	ID   string
	Name string
}

// Location is where the sign-in came from.
type Location struct {
	City, State, CountryOrRegion string
}

// String renders "City, State, CC" without empty parts.
func (l Location) String() string {
	var parts []string
	for _, p := range []string{l.City, l.State, l.CountryOrRegion} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Status is the outcome Entra logged.
type Status struct {
	ErrorCode         int
	FailureReason     string
	AdditionalDetails string
}

// Policy is one Conditional Access policy evaluated for the sign-in.
type Policy struct {
	ID                     string
	Name                   string
	Result                 string // success, failure, notApplied, notEnabled, reportOnlySuccess, reportOnlyFailure, ...
	GrantControls          []string
	SessionControls        []string
	ConditionsNotSatisfied string // beta
	ConditionsSatisfied    string // beta
}

// Device is the device the sign-in came from.
type Device struct {
	ID              string
	Name            string
	OperatingSystem string
	Browser         string
	IsCompliant     *bool
	IsManaged       *bool
	TrustType       string
}

// AuthStep is one authentication step (beta authenticationDetails).
type AuthStep struct {
	At           time.Time
	Method       string
	MethodDetail string
	Requirement  string
	Succeeded    bool
	ResultDetail string
}

// Risk holds Identity Protection's view of the sign-in.
type Risk struct {
	LevelDuringSignIn string
	LevelAggregated   string
	State             string
	Detail            string
	EventTypes        []string
}

// Failed reports whether the sign-in carries an error code.
func (s *SignIn) Failed() bool { return s.Status.ErrorCode != 0 }

// ErrNotFound is returned (wrapped) by Get for an ID the source does not have.
var ErrNotFound = errors.New("sign-in not found")

// ErrBadCursor is returned (wrapped) for a cursor the source did not issue,
// that was altered, or that belongs to another query.
var ErrBadCursor = errors.New("cursor not valid for this query")

// Outcome classifies an error code (catalog outcome values).
type Outcome string

// Outcomes of a sign-in row.
const (
	OutcomeFailure   Outcome = "failure"
	OutcomeInterrupt Outcome = "interrupt"
	OutcomeTransient Outcome = "transient"
	OutcomeSuccess   Outcome = "success"
)

// Classifier tells the outcome of an error code; the tools build it from the
// remediation catalog.
type Classifier func(code int) Outcome

// Query is what search_failed_signins asks a source. Since and Until are
// absolute (the tool resolves relative times against Source.Now).
type Query struct {
	User          string // UPN (case-insensitive) or object ID (exact)
	App           string // display name (case-insensitive) or app ID (exact)
	ErrorCode     *int
	IPAddress     string
	CorrelationID string
	Since, Until  time.Time // Since inclusive, Until exclusive
	Types         []Type    // empty: the source's default
	// IncludeInterrupts keeps every interrupt; without it, completed
	// interrupts (FollowUp.Completed) are left out and counted, and the
	// others are returned: a user stuck at an MFA prompt has a problem.
	// Successes are never returned.
	IncludeInterrupts bool
	Limit             int
	Cursor            string
	// Classify tells failure from interrupt; it must be set.
	Classify Classifier
}

// Row is one matched sign-in with what the search learned about it.
type Row struct {
	SignIn
	Outcome Outcome
	// FollowedBySuccess: a success of the same type came later, in the same
	// flow or for the same user and app (service principal for workloads).
	FollowedBySuccess bool
	// Completed: for an interrupt, a success came later in the same flow, or
	// for the same user and app within InterruptCompletionWindow.
	Completed bool
}

// Group aggregates every matched sign-in with one error code.
type Group struct {
	ErrorCode   int
	Count       int
	Users       []Count // most frequent first, capped by the source
	UserCount   int     // distinct users
	Apps        []Count // most frequent first, capped by the source
	AppCount    int
	FirstSeen   time.Time
	LastSeen    time.Time
	IPAddresses []Count // most frequent first, capped
	IPCount     int
	// MFARejected and HighRisk count the group's sign-ins by Exposure: the
	// evidence that decides who acts first on the group (diagnosis.WhoFixes).
	MFARejected int
	HighRisk    int
}

// Count is one value of a group (a user, an app, an IP) and how many of the
// group's sign-ins carry it: one IP sending 41 of 66 failures is a finding.
type Count struct {
	Value string
	Count int
}

// Coverage says what a search looked at.
type Coverage struct {
	Source     string
	Since      time.Time
	Until      time.Time
	Types      []Type
	Scanned    int // records examined (in the window and types)
	Matched    int // records that matched every filter
	Returned   int
	Truncated  bool
	NextCursor string
	Notes      []string
	// Holds lists the types the source holds at all, in AllTypes order
	// (files, demo: what was loaded); nil when any type may exist (Graph
	// reads what it is asked). Types never lists one it lacks.
	Holds []Type
	// Oldest and Newest bound the source's records; zero when unknown (live
	// sources), so that a hint to widen the window is given only when it
	// could find something.
	Oldest, Newest time.Time
	// InterruptsLeftOut counts matched interrupts the query did not include.
	InterruptsLeftOut int
}

// Page is a source's answer to a Query.
type Page struct {
	Rows     []Row   // at most Query.Limit, newest first
	Groups   []Group // over every match, largest first
	Coverage Coverage
	// Resume returns a cursor that continues after the first n rows of Rows
	// (0 < n <= len(Rows)), or "" when nothing follows them. Tools that trim
	// a page to fit their output budget use it for the cursor they return.
	Resume func(n int) string
}

// Source is where sign-ins come from. Implementations are safe for
// concurrent use and hold no per-caller state.
type Source interface {
	// Name is the --source value: graph, files, demo.
	Name() string
	// Now is the reference time for relative windows: the clock for live
	// sources, the newest loaded record for files and the demo.
	Now(ctx context.Context) (time.Time, error)
	// Search returns the sign-ins that match q, newest first.
	Search(ctx context.Context, q Query) (Page, error)
	// Get returns one sign-in by its ID (request ID); ErrNotFound if absent.
	Get(ctx context.Context, id string) (SignIn, error)
	// Correlated returns every sign-in with the correlation ID, oldest first.
	Correlated(ctx context.Context, correlationID string) ([]SignIn, error)
	// NextSuccess returns the first success of the same type for the same
	// user and app (service principal for workloads) at or after the failed
	// sign-in s, or nil when there is none.
	NextSuccess(ctx context.Context, s SignIn) (*SuccessRef, error)
	// FailedUsers returns up to max UPNs of users with failures whose UPN or
	// display name starts with prefix (case-insensitive), for completion.
	FailedUsers(ctx context.Context, prefix string, max int) ([]string, error)
	// Collector answers a diagnosis: every source must, each its own
	// efficient way (collect.go).
	Collector
	// Directory reads the directory context of a diagnosis (audit
	// events, account state, policies, app credentials): what the source
	// cannot read is a note, never an error.
	directory.Reader
}
