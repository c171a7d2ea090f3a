// Package directory holds the directory's side of "it worked yesterday":
// the audit events that touched a subject, the account's state, the
// Conditional Access policies named in its failures and an app's
// credentials, as every source reports them (Graph through msgraph-sdk-go,
// exported audit logs, the demo's directory). It is a leaf package: sources
// fill its types, the diagnosis reads them.
package directory

import (
	"context"
	"slices"
	"time"
)

// Query asks for the directory context of a diagnosis. Each ID is
// optional; a source reads what it can and says what it could not.
type Query struct {
	// UserID is the user's object ID (sign-ins log it); UPN helps a
	// source that matches audit targets by name (exports).
	UserID, UPN string
	// AppID is a client application's app ID; ServicePrincipalID the
	// object ID of its service principal in this tenant, when known.
	AppID, ServicePrincipalID string
	// PolicyIDs are the Conditional Access policies whose result decided
	// a failure: their definition and their audit events are read.
	PolicyIDs []string
	// Since and Until bound the audit events: from 7 days before the
	// first failure (ChangesLookback) to the last.
	Since, Until time.Time
	// Reads limits what is read to these kinds (ReadEvents, ReadAccount,
	// ReadRegistration, ReadPolicies, ReadCredentials); empty reads every
	// kind the IDs call for. Opening one sign-in reads its policies only.
	Reads []string
	// Budget is the most requests to a remote service this read may make
	// (what a diagnosis's sign-in reads left of its budget); 0 means the
	// source's own default.
	Budget int
	// Progress, when set, is called after each request or step: done of
	// total (0 when unknown), with a short message. It must not block.
	Progress func(done, total int, message string)
}

// The kinds of read, as Query.Reads and Coverage.Read name them.
const (
	ReadEvents       = "audit events"
	ReadAccount      = "account state"
	ReadRegistration = "MFA registration"
	ReadPolicies     = "policies"
	ReadCredentials  = "app credentials"
)

// Wants reports whether q asks for the kind of read what.
func (q Query) Wants(what string) bool {
	return len(q.Reads) == 0 || slices.Contains(q.Reads, what)
}

// ChangesLookback is how long before the first failure a change is
// looked for: a password reset or a policy edit a week ago still explains
// failures today.
const ChangesLookback = 7 * 24 * time.Hour

// Context is what a source could read of the directory for a Query.
type Context struct {
	// Events are the audit events on the subject, its policies and its
	// app in [Since, Until], newest first, deduplicated by ID.
	Events []Event
	// Account is the user's state, nil when not read (no user, no
	// permission, an export).
	Account *Account
	// Policies are the definitions of the Query's PolicyIDs that could be
	// read.
	Policies []Policy
	// Credentials are the app's certificates and secrets (metadata only,
	// never a secret value), from its app registration and its service
	// principal; nil when not read.
	Credentials []Credential
	// Coverage says what was read and what was not.
	Coverage Coverage
}

// Coverage says what a directory read did.
type Coverage struct {
	// Requests counts requests to a remote service (Graph).
	Requests int
	// Read names what was read: "audit events", "account state",
	// "MFA registration", "policies", "app credentials".
	Read []string
	// Notes say what could not be read and what would add it: the
	// permission (403) or the licence, or that exports do not carry it.
	Notes []string
}

// Event is one directory audit event.
type Event struct {
	ID       string
	At       time.Time
	Activity string // activityDisplayName as logged
	Category string // UserManagement, Policy, ApplicationManagement, ...
	Result   string // success, failure, ...
	// InitiatedBy is who did it: a user's UPN, else an app's display name.
	InitiatedBy string
	Targets     []Target
}

// Target is one resource an audit event touched.
type Target struct {
	ID       string
	Type     string // User, Policy, Application, ServicePrincipal, ...
	Name     string // display name or UPN
	Modified []Property
}

// Property is one modified property of a target: its old and new values as
// logged (secrets are never logged by Entra, and never kept here).
type Property struct {
	Name, Old, New string
}

// Account is a user's state.
type Account struct {
	ID                    string
	UPN                   string
	DisplayName           string
	AccountEnabled        *bool
	UserType              string // member, guest
	Created               time.Time
	LastPasswordChange    time.Time
	OnPremisesSyncEnabled *bool
	// IsMFARegistered and MethodsRegistered come from the authentication
	// methods registration report; nil and empty when not read.
	IsMFARegistered   *bool
	MethodsRegistered []string
}

// Policy is a Conditional Access policy's definition, in brief.
type Policy struct {
	ID    string
	Name  string
	State string // enabled, disabled, enabledForReportingButNotEnforced
	// Conditions in words an admin reads: "users: All users except
	// Break-glass", "apps: Office 365", "client apps: exchangeActiveSync,
	// other", "platforms: android, iOS", "locations: all except Trusted",
	// "sign-in risk: high".
	Conditions []string
	// GrantOperator is AND or OR; GrantControls the built-in controls
	// (block, mfa, compliantDevice, domainJoinedDevice,
	// approvedApplication, compliantApplication, passwordChange) and
	// named ones (authentication strength, terms of use).
	GrantOperator string
	GrantControls []string
	Modified      time.Time
}

// Credential is one certificate or secret of an app (metadata only).
type Credential struct {
	KeyID       string
	DisplayName string
	Type        string // password, certificate
	Start, End  time.Time
	// On is where it is registered: "application" or "servicePrincipal".
	On string
}

// Reader reads the directory context of a diagnosis. Every read is
// optional: a missing permission or licence is a note, never an error; an
// error is returned only when ctx ends (its error) or the source cannot
// serve at all.
type Reader interface {
	Directory(ctx context.Context, q Query) (Context, error)
}
