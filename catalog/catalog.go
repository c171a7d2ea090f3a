// Package catalog is the remediation catalog of entra-signin-mcp: one entry per
// Microsoft Entra (AADSTS) error code, saying what the code means, whether it is
// a real failure or a normal interrupt, who must act first and how to fix it.
//
// The data is embedded (data/catalog.json) and loaded once. The package
// imports nothing else of this module but two leaf packages (guid and logtext,
// which import nothing of ours), so every other package may use it.
package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
)

// Outcome classifies what a code means for the sign-in it appears on.
type Outcome string

// The outcomes a catalog entry can have.
const (
	// OutcomeFailure is a sign-in that did not succeed and needs someone to act.
	OutcomeFailure Outcome = "failure"
	// OutcomeInterrupt is a normal step of a sign-in flow (MFA prompt, KMSI,
	// no SSO session) that is usually followed by a success under the same
	// correlation ID. It is never the root cause of a failure.
	OutcomeInterrupt Outcome = "interrupt"
	// OutcomeTransient is a service-side or timing fault that usually passes on retry.
	OutcomeTransient Outcome = "transient"
	// OutcomeSuccess is code 0.
	OutcomeSuccess Outcome = "success"
)

// Outcomes lists every valid Outcome, in a stable order.
var Outcomes = []Outcome{OutcomeFailure, OutcomeInterrupt, OutcomeTransient, OutcomeSuccess}

// Owners lists every valid value of Entry.WhoFixes, in a stable order.
var Owners = []string{"user", "helpdesk", "admin", "developer", "microsoft", "none"}

// Categories lists every valid value of Entry.Category, in a stable order.
var Categories = []string{
	"credentials", "lockout", "mfa", "mfa-registration", "conditional-access", "device", "risk",
	"session", "consent", "app-assignment", "app-configuration", "app-credential", "account-state",
	"b2b-guest", "federation", "hybrid-auth", "tenant", "service", "protocol", "success",
}

// SecurityCategories are the categories whose every code is a security
// signal: a lockout or a blocked malicious IP (50053), and sign-in or user
// risk (50135, 50142, 53011, 530032, 530034). See Entry.SecuritySignal.
var SecurityCategories = []string{"lockout", "risk"}

// securityCodes are the security signals outside SecurityCategories: codes
// whose category is about something else but whose occurrence an admin must
// see. 500121 (MFA not completed) is how Entra logs an MFA request the user
// declined or reported as fraud; 53004 is MFA registration blocked by risk.
// The other mfa codes are interrupts or service faults, and 50126 (a wrong
// password) is too common to be a signal by itself.
var securityCodes = []int{500121, 53004}

// SecuritySignal reports whether a failure with this entry's code is a
// security signal (MFA denied or fraud, risk, lockout, blocked IP): search
// keeps such groups before larger benign ones, so that a small fraud report
// is never cut from an overview. This is the one definition of the set.
func (e Entry) SecuritySignal() bool {
	return slices.Contains(SecurityCategories, e.Category) || slices.Contains(securityCodes, e.Code)
}

// LookupBaseURL is Microsoft's live error lookup page; it always has the current text of a code.
const LookupBaseURL = "https://login.microsoftonline.com/error?code="

// ReferenceDocsURL is Microsoft's article that lists every official AADSTS code.
const ReferenceDocsURL = "https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes"

// Remediation holds the fix for one code, as steps per audience. Each list is
// non-nil (possibly empty) so that it serialises as [] and never as null.
type Remediation struct {
	Admin     []string `json:"admin" jsonschema_description:"Steps for the tenant administrator or help desk."`
	User      []string `json:"user" jsonschema_description:"Steps the signing-in user can take."`
	Developer []string `json:"developer" jsonschema_description:"Steps for the developer who owns the application or its registration."`
}

// Entry is one catalog entry.
type Entry struct {
	Code         int         `json:"code"`
	Name         string      `json:"name"`
	Official     bool        `json:"official"`
	Title        string      `json:"title"`
	Summary      string      `json:"summary"`
	Outcome      Outcome     `json:"outcome"`
	Category     string      `json:"category"`
	WhoFixes     string      `json:"whoFixes"`
	Causes       []string    `json:"causes"`
	Remediation  Remediation `json:"remediation"`
	RelatedCodes []int       `json:"relatedCodes"`
	DocsURL      string      `json:"docsUrl"`
}

// LookupURL returns Microsoft's live lookup page for the entry's code.
func (e Entry) LookupURL() string { return LookupURLFor(e.Code) }

// LookupURLFor returns Microsoft's live lookup page for any code.
func LookupURLFor(code int) string { return LookupBaseURL + strconv.Itoa(code) }

// Catalog is the loaded, indexed catalog. It is immutable after Load.
type Catalog struct {
	Version  string
	Reviewed string
	entries  []Entry
	index    map[int]int
}

// file is the on-disk shape of data/catalog.json.
type file struct {
	Version  string  `json:"version"`
	Reviewed string  `json:"reviewed"`
	Entries  []Entry `json:"entries"`
}

//go:embed data/catalog.json
var embedded []byte

var (
	loadOnce sync.Once
	loaded   *Catalog
	loadErr  error
)

// Load returns the embedded catalog, parsed and indexed once per process.
func Load() (*Catalog, error) {
	loadOnce.Do(func() { loaded, loadErr = Parse(embedded) })
	return loaded, loadErr
}

// Parse builds a Catalog from the JSON form of data/catalog.json. It rejects
// duplicate codes and values outside the allowed sets, so a bad edit of the
// data fails at build-test time rather than in front of a model.
func Parse(data []byte) (*Catalog, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse catalog: %w", err)
	}
	if f.Version == "" || f.Reviewed == "" {
		return nil, fmt.Errorf("parse catalog: version and reviewed are required")
	}
	c := &Catalog{Version: f.Version, Reviewed: f.Reviewed, index: make(map[int]int, len(f.Entries))}
	for i, e := range f.Entries {
		if _, dup := c.index[e.Code]; dup {
			return nil, fmt.Errorf("parse catalog: code %d appears twice", e.Code)
		}
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("parse catalog: entry %d (code %d): %w", i, e.Code, err)
		}
		e.normalise()
		c.index[e.Code] = len(c.entries)
		c.entries = append(c.entries, e)
	}
	sort.SliceStable(c.entries, func(i, j int) bool { return c.entries[i].Code < c.entries[j].Code })
	for i, e := range c.entries {
		c.index[e.Code] = i
	}
	return c, nil
}

func (e Entry) validate() error {
	switch {
	case e.Code < 0:
		return fmt.Errorf("negative code")
	case e.Title == "" || e.Summary == "":
		return fmt.Errorf("title and summary are required")
	case !slices.Contains(Outcomes, e.Outcome):
		return fmt.Errorf("outcome %q is not one of %v", e.Outcome, Outcomes)
	case !slices.Contains(Categories, e.Category):
		return fmt.Errorf("category %q is not one of %v", e.Category, Categories)
	case !slices.Contains(Owners, e.WhoFixes):
		return fmt.Errorf("whoFixes %q is not one of %v", e.WhoFixes, Owners)
	case len(e.Causes) == 0:
		return fmt.Errorf("at least one cause is required")
	}
	return nil
}

// normalise makes every list non-nil, so JSON output never carries null.
func (e *Entry) normalise() {
	for _, s := range []*[]string{&e.Causes, &e.Remediation.Admin, &e.Remediation.User, &e.Remediation.Developer} {
		if *s == nil {
			*s = []string{}
		}
	}
	if e.RelatedCodes == nil {
		e.RelatedCodes = []int{}
	}
}

// Len reports how many entries the catalog holds.
func (c *Catalog) Len() int { return len(c.entries) }

// Entries returns every entry, ordered by code. The slice is a copy; the
// entries' own slices are shared and must not be modified.
func (c *Catalog) Entries() []Entry { return slices.Clone(c.entries) }

// Lookup returns the entry for code and whether the catalog knows it.
func (c *Catalog) Lookup(code int) (Entry, bool) {
	i, ok := c.index[code]
	if !ok {
		return Entry{}, false
	}
	return c.entries[i], true
}

// IsInterrupt reports whether the catalog classifies code as an interrupt: a
// normal step of a sign-in flow, never the root cause of a failure. Unknown
// codes are not interrupts.
func (c *Catalog) IsInterrupt(code int) bool {
	e, ok := c.Lookup(code)
	return ok && e.Outcome == OutcomeInterrupt
}

// InterruptCodes returns every code whose outcome is interrupt, in ascending
// order. Prompts and descriptions list them from here so that the catalog
// stays the one place that decides what an interrupt is.
func (c *Catalog) InterruptCodes() []int {
	out := []int{}
	for _, e := range c.entries {
		if e.Outcome == OutcomeInterrupt {
			out = append(out, e.Code)
		}
	}
	return out
}

// CodesWithPrefix returns the known codes whose decimal form starts with
// prefix, in ascending order, at most max of them (max <= 0: all).
func (c *Catalog) CodesWithPrefix(prefix string, max int) []string {
	out := []string{}
	for _, e := range c.entries {
		s := strconv.Itoa(e.Code)
		if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
			out = append(out, s)
			if max > 0 && len(out) == max {
				break
			}
		}
	}
	return out
}

// SignInTroubleshootingURL is Microsoft's guide to troubleshooting sign-in
// errors; it covers the codes seen in sign-in logs that the reference table lacks.
const SignInTroubleshootingURL = "https://learn.microsoft.com/en-us/entra/identity/monitoring-health/howto-troubleshoot-sign-in-errors"

// Docs returns the most specific Microsoft article for the entry: its own
// article when it has one, else the reference table for official codes, else
// the sign-in troubleshooting guide.
func (e Entry) Docs() string {
	switch {
	case e.DocsURL != "":
		return e.DocsURL
	case e.Official:
		return ReferenceDocsURL
	default:
		return SignInTroubleshootingURL
	}
}
