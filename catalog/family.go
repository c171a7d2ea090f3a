package catalog

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Family describes the group a code belongs to by its leading digits. AADSTS
// codes are allocated in blocks per feature area, so an unknown code can still
// be placed: 53xxx is Conditional Access, 7000xxx client credentials, and so on.
type Family struct {
	Prefix   string `json:"prefix" jsonschema_description:"The leading digits that place the code in this family."`
	Name     string `json:"name" jsonschema_description:"What the family covers."`
	Category string `json:"category" jsonschema_description:"The catalog category typical of the family."`
	WhoFixes string `json:"whoFixes" jsonschema_description:"Who usually acts first for codes of this family."`
	// NearestCodes are known codes of the same family, closest first.
	NearestCodes []int `json:"nearestCodes" jsonschema_description:"Known codes of the same family, numerically closest first."`
}

// familyRule places codes of a given length (0: any) and prefix.
type familyRule struct {
	prefix   string
	digits   int
	name     string
	category string
	whoFixes string
}

// familyRules are matched longest prefix first. Lengths matter: 500121 (six
// digits) is MFA while 50012 (five) is a credentials-era code.
var familyRules = []familyRule{
	{"7000", 7, "client credentials of an application (secrets, certificates, assertions)", "app-credential", "developer"},
	{"700", 6, "OAuth requests and grants of an application", "protocol", "developer"},
	{"70", 5, "OAuth grants, tokens and client authentication", "protocol", "developer"},
	{"530", 6, "Conditional Access and device-based access controls", "conditional-access", "admin"},
	{"53", 5, "Conditional Access and device-based access controls", "conditional-access", "admin"},
	{"5001", 6, "strong authentication (MFA) and sign-in sessions", "mfa", "user"},
	{"500", 6, "resources, service principals and token requests", "app-configuration", "admin"},
	{"50", 5, "user authentication: credentials, account state, MFA and sessions", "credentials", "user"},
	{"51", 5, "user accounts and directory look-ups", "account-state", "admin"},
	{"52", 5, "consent for connected services", "consent", "user"},
	{"54", 5, "authorization codes and grants", "protocol", "developer"},
	{"650", 6, "consent and permissions between applications", "consent", "admin"},
	{"65", 5, "consent and permissions", "consent", "admin"},
	{"67", 5, "service identities and actors", "app-configuration", "developer"},
	{"750", 6, "SAML requests and responses", "protocol", "developer"},
	{"75", 5, "SAML and WS-Federation protocol messages", "protocol", "developer"},
	{"80", 5, "pass-through authentication agents and on-premises Active Directory", "hybrid-auth", "admin"},
	{"81", 5, "Seamless single sign-on (Kerberos)", "hybrid-auth", "admin"},
	{"900", 6, "request validation and service errors", "service", "microsoft"},
	{"90", 5, "request validation, tenant discovery and service errors", "protocol", "developer"},
	{"100", 6, "regional and managed identity endpoints", "service", "microsoft"},
	{"120", 6, "password change and self-service password reset", "credentials", "user"},
	{"130", 6, "passwordless sign-in (Windows Hello for Business, FIDO2, phone sign-in)", "credentials", "user"},
	{"135", 6, "device registration and device state", "device", "admin"},
	{"140", 6, "device code and cross-device flows", "protocol", "developer"},
	{"160", 6, "account and session selection", "session", "user"},
	{"16", 5, "account and session selection", "session", "user"},
	{"399", 6, "external identity providers in federation", "federation", "admin"},
	{"1000", 7, "application access policies", "app-configuration", "admin"},
	{"9002", 7, "request validation", "protocol", "developer"},
}

// FamilyOf places code in a family and lists the nearest known codes of it. It
// returns false when no rule matches (for example a one-digit code).
func (c *Catalog) FamilyOf(code int) (Family, bool) {
	s := strconv.Itoa(code)
	var best *familyRule
	for i := range familyRules {
		r := &familyRules[i]
		if r.digits != 0 && r.digits != len(s) {
			continue
		}
		if strings.HasPrefix(s, r.prefix) && (best == nil || len(r.prefix) > len(best.prefix)) {
			best = r
		}
	}
	if best == nil {
		return Family{}, false
	}
	f := Family{Prefix: best.prefix, Name: best.name, Category: best.category, WhoFixes: best.whoFixes}
	f.NearestCodes = c.nearest(code, best, 5)
	return f, true
}

// nearest returns up to n known codes of the same length and prefix as code,
// ordered by numeric distance.
func (c *Catalog) nearest(code int, r *familyRule, n int) []int {
	type cand struct{ code, dist int }
	var cands []cand
	for _, e := range c.entries {
		s := strconv.Itoa(e.Code)
		if e.Code == code || len(s) != len(strconv.Itoa(code)) || !strings.HasPrefix(s, r.prefix) {
			continue
		}
		d := e.Code - code
		if d < 0 {
			d = -d
		}
		cands = append(cands, cand{e.Code, d})
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.dist != b.dist {
			return cmp.Compare(a.dist, b.dist)
		}
		return cmp.Compare(a.code, b.code)
	})
	out := []int{}
	for i := 0; i < len(cands) && i < n; i++ {
		out = append(out, cands[i].code)
	}
	return out
}
