package directory

import (
	"slices"
	"strings"
)

// Kind groups the audit activities that matter to a sign-in failure.
type Kind string

// The kinds of activity.
const (
	KindPassword     Kind = "password"     // the password changed or was reset
	KindAccount      Kind = "account"      // enabled, disabled, deleted, MFA methods edited
	KindSessions     Kind = "sessions"     // refresh tokens revoked
	KindPolicy       Kind = "policy"       // a Conditional Access policy added, edited or deleted
	KindApplication  Kind = "application"  // credentials, consent, assignments
	KindSecurityInfo Kind = "securityInfo" // MFA methods registered or deleted
)

// Activity is one audit activity that can explain sign-in failures.
type Activity struct {
	// Name is the activityDisplayName as Entra logs it (an en dash or a
	// hyphen where Entra writes either is matched both ways).
	Name string
	Kind Kind
	// Property, when set, is a modified property the event must carry to
	// match ("Update user" matters only when it touches AccountEnabled or
	// StrongAuthenticationMethod).
	Property string
	// Explains lists the diagnose_signin_failures scenario ids such an
	// event can explain (the diagnosis checks they exist).
	Explains []string
}

// Activities is the one table of the audit activities the server reads.
// Source: Microsoft Entra audit activity reference (the activity names of
// the UserManagement, Policy, ApplicationManagement and
// UserManagement/Authentication Methods categories) and the
// directory-context issue's list; names checked against
// ../shared/reference/diagnosis-facts.md.
var Activities = []Activity{
	{Name: "Reset password (by admin)", Kind: KindPassword, Explains: []string{"refresh-token-revoked", "stale-password-replay", "bad-password", "smart-lockout"}},
	{Name: "Reset user password", Kind: KindPassword, Explains: []string{"refresh-token-revoked", "stale-password-replay", "bad-password", "smart-lockout"}},
	{Name: "Change user password", Kind: KindPassword, Explains: []string{"refresh-token-revoked", "stale-password-replay", "bad-password", "smart-lockout"}},
	{Name: "Change password (self-service)", Kind: KindPassword, Explains: []string{"refresh-token-revoked", "stale-password-replay", "bad-password", "smart-lockout"}},
	{Name: "Reset password (self-service)", Kind: KindPassword, Explains: []string{"refresh-token-revoked", "stale-password-replay", "bad-password", "smart-lockout"}},
	{Name: "Unlock user account (self-service)", Kind: KindPassword, Explains: []string{"smart-lockout"}},
	{Name: "Disable account", Kind: KindAccount, Explains: []string{"account-disabled"}},
	{Name: "Enable account", Kind: KindAccount, Explains: []string{"account-disabled"}},
	{Name: "Update user", Kind: KindAccount, Property: "AccountEnabled", Explains: []string{"account-disabled"}},
	{Name: "Update user", Kind: KindSecurityInfo, Property: "StrongAuthenticationMethod", Explains: []string{"mfa-not-completed", "mfa-registration-required"}},
	{Name: "Delete user", Kind: KindAccount, Explains: []string{"user-not-found"}},
	{Name: "Update StsRefreshTokenValidFrom Timestamp", Kind: KindSessions, Explains: []string{"refresh-token-revoked", "reauthentication-required"}},
	{Name: "Add conditional access policy", Kind: KindPolicy, Explains: []string{"ca-blocked", "legacy-auth-blocked", "ca-device-not-compliant", "ca-grant-not-satisfied", "risk-blocked"}},
	{Name: "Update conditional access policy", Kind: KindPolicy, Explains: []string{"ca-blocked", "legacy-auth-blocked", "ca-device-not-compliant", "ca-grant-not-satisfied", "risk-blocked"}},
	{Name: "Delete conditional access policy", Kind: KindPolicy, Explains: []string{"ca-blocked", "legacy-auth-blocked", "ca-device-not-compliant", "ca-grant-not-satisfied", "risk-blocked"}},
	{Name: "Update application – Certificates and secrets management", Kind: KindApplication, Explains: []string{"app-secret-expired", "app-credential-invalid"}},
	{Name: "Add service principal credentials", Kind: KindApplication, Explains: []string{"app-secret-expired", "app-credential-invalid", "managed-identity-failure"}},
	{Name: "Remove service principal credentials", Kind: KindApplication, Explains: []string{"app-secret-expired", "app-credential-invalid", "managed-identity-failure"}},
	{Name: "Consent to application", Kind: KindApplication, Explains: []string{"consent-required"}},
	{Name: "Remove delegated permission grant", Kind: KindApplication, Explains: []string{"consent-required"}},
	{Name: "Remove app role assignment from user", Kind: KindApplication, Explains: []string{"not-assigned"}},
	{Name: "Add app role assignment to user", Kind: KindApplication, Explains: []string{"not-assigned"}},
	{Name: "User registered security info", Kind: KindSecurityInfo, Explains: []string{"mfa-registration-required", "mfa-not-completed"}},
	{Name: "User deleted security info", Kind: KindSecurityInfo, Explains: []string{"mfa-registration-required", "mfa-not-completed"}},
	{Name: "Admin registered security info", Kind: KindSecurityInfo, Explains: []string{"mfa-registration-required", "mfa-not-completed"}},
	{Name: "Admin deleted security info", Kind: KindSecurityInfo, Explains: []string{"mfa-registration-required", "mfa-not-completed"}},
}

// dashes folds the dashes Entra writes interchangeably into a hyphen.
var dashes = strings.NewReplacer("–", "-", "—", "-")

// normalize folds an activity name for matching: case, surrounding space,
// and the dashes Entra writes interchangeably (en dash, em dash, hyphen).
func normalize(name string) string {
	return dashes.Replace(strings.ToLower(strings.TrimSpace(name)))
}

// normalized holds the table's names folded once, index for index.
var normalized = func() []string {
	out := make([]string, len(Activities))
	for i, a := range Activities {
		out[i] = normalize(a.Name)
	}
	return out
}()

// Match returns the table's activity that e is, or false. An activity with
// a Property matches only when one of e's targets modified it.
func Match(e Event) (Activity, bool) {
	n := normalize(e.Activity)
	for i, a := range Activities {
		if normalized[i] != n {
			continue
		}
		if a.Property == "" || modifies(e, a.Property) {
			return a, true
		}
	}
	return Activity{}, false
}

// modifies reports whether a target of e modified the property name.
func modifies(e Event, name string) bool {
	for _, t := range e.Targets {
		if slices.ContainsFunc(t.Modified, func(p Property) bool { return strings.EqualFold(p.Name, name) }) {
			return true
		}
	}
	return false
}
