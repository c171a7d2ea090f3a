package signin

import (
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// Sanitize cleans, in place, every string of s that whoever signed in (or
// whoever wrote the log) controls: user and display names, user agents,
// failure reasons, additional details, app, device and policy names, and the
// identifiers too, since a file or a Graph answer can carry anything there.
// Control characters and escape sequences are removed, line breaks collapsed,
// and names capped at logtext.MaxName runes, longer texts (user agent, failure
// reason, additional details) at logtext.MaxDetail: log text is data, never
// instructions, and never unbounded.
//
// Every source calls it (or SanitizeAll) where sign-ins leave it, so that
// nothing above the domain sees raw log text: memory.New (which the files and
// demo sources serve through), the Graph source for each decoded sign-in, and
// a future Log Analytics source must do the same.
//
// Sanitize is idempotent and cheap on clean records: a string is written back
// only when cleaning changed it, and clean text is checked without
// allocating. That matters because records may share slices (the files
// decoder shares one Policies slice between the records that logged the same
// Conditional Access outcome): cleaning a shared element again is harmless,
// and a clean shared element is never written.
func (s *SignIn) Sanitize() {
	s.sanitizeFields()
	sanitizePolicies(s.Policies)
}

// SanitizeAll sanitizes every record of recs, as Sanitize does, cleaning a
// Policies slice that several records share once: in a files load, most of
// the text of a record is in its Conditional Access policies, and a few dozen
// distinct slices serve a hundred thousand records.
func SanitizeAll(recs []SignIn) {
	type sliceKey struct {
		first *Policy
		n     int
	}
	done := map[sliceKey]bool{}
	for i := range recs {
		r := &recs[i]
		r.sanitizeFields()
		if len(r.Policies) == 0 {
			continue
		}
		k := sliceKey{&r.Policies[0], len(r.Policies)}
		if !done[k] {
			done[k] = true
			sanitizePolicies(r.Policies)
		}
	}
}

// sanitizeFields is Sanitize without the policies.
func (s *SignIn) sanitizeFields() {
	for _, f := range []*string{
		&s.ID, &s.CorrelationID, &s.OriginalRequestID, &s.SessionID, &s.TenantID, &s.HomeTenantID,
		&s.User.ID, &s.User.UPN, &s.User.DisplayName, &s.User.Type,
		&s.App.ID, &s.App.Name, &s.Resource.ID, &s.Resource.Name,
		&s.ServicePrincipal.ID, &s.ServicePrincipal.Name, &s.ManagedIdentity,
		&s.ClientApp, &s.IPAddress,
		&s.ServicePrincipalCredentialKeyID, &s.ClientCredentialType, &s.CrossTenantAccessType,
		&s.AppOwnerTenantID, &s.IncomingTokenType, &s.AuthenticationProtocol,
		&s.Location.City, &s.Location.State, &s.Location.CountryOrRegion,
		&s.ConditionalAccessStatus, &s.AuthRequirement,
		&s.Device.ID, &s.Device.Name, &s.Device.OperatingSystem, &s.Device.Browser, &s.Device.TrustType,
		&s.Risk.LevelDuringSignIn, &s.Risk.LevelAggregated, &s.Risk.State, &s.Risk.Detail,
	} {
		clean(f, logtext.MaxName)
	}
	for _, f := range []*string{&s.UserAgent, &s.Status.FailureReason, &s.Status.AdditionalDetails} {
		clean(f, logtext.MaxDetail)
	}
	if t := Type(logtext.Clean(string(s.Type), logtext.MaxName)); t != s.Type {
		s.Type = t
	}
	for i := range s.AuthDetails {
		a := &s.AuthDetails[i]
		clean(&a.Method, logtext.MaxName)
		clean(&a.MethodDetail, logtext.MaxName)
		clean(&a.Requirement, logtext.MaxName)
		clean(&a.ResultDetail, logtext.MaxDetail)
		if !Printable(a.At) {
			a.At = time.Time{} // a step time RFC 3339 cannot print is not a time worth showing
		}
	}
	cleanAll(s.Risk.EventTypes, logtext.MaxName)
}

// Printable reports whether t prints as valid RFC 3339 in UTC: a year from 0
// to 9999. Sources leave out sign-ins dated outside a plausible range; times
// inside a sign-in (authentication steps) that fall outside this one are
// dropped by Sanitize.
func Printable(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

// sanitizePolicies cleans Conditional Access policies in place.
func sanitizePolicies(ps []Policy) {
	for i := range ps {
		p := &ps[i]
		clean(&p.ID, logtext.MaxName)
		clean(&p.Name, logtext.MaxName)
		clean(&p.Result, logtext.MaxName)
		cleanAll(p.GrantControls, logtext.MaxName)
		cleanAll(p.SessionControls, logtext.MaxName)
		clean(&p.ConditionsNotSatisfied, logtext.MaxDetail)
		clean(&p.ConditionsSatisfied, logtext.MaxDetail)
	}
}

// clean replaces *f by its cleaned form, writing only when that differs (a
// clean string in a shared slice is only read).
func clean(f *string, n int) {
	if c := logtext.Clean(*f, n); c != *f {
		*f = c
	}
}

// cleanAll cleans the strings of l in place.
func cleanAll(l []string, n int) {
	for i := range l {
		clean(&l[i], n)
	}
}
