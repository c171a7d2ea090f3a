package catalog

import "fmt"

// Explanation is what the catalog can say about any code: its entry when the
// code is known, otherwise an entry built from the code's family, with Known
// false. Lookup URL and docs are always filled.
type Explanation struct {
	Entry
	Known     bool
	Family    *Family
	LookupURL string
	DocsURL   string
}

// Explain returns the explanation of code. It never fails: an unknown code is
// placed in its family and sent to Microsoft's live lookup page.
func (c *Catalog) Explain(code int) Explanation {
	if e, ok := c.Lookup(code); ok {
		return Explanation{Entry: e, Known: true, LookupURL: e.LookupURL(), DocsURL: e.Docs()}
	}
	x := Explanation{LookupURL: LookupURLFor(code), DocsURL: ReferenceDocsURL}
	e := Entry{
		Code:         code,
		Outcome:      OutcomeFailure,
		RelatedCodes: []int{},
		Remediation: Remediation{
			Admin: []string{
				"Open " + x.LookupURL + " for Microsoft's current description of the code.",
				"Read the sign-in's failureReason and additionalDetails: they describe this occurrence in Microsoft's words.",
			},
			User:      []string{},
			Developer: []string{},
		},
	}
	if f, ok := c.FamilyOf(code); ok {
		x.Family = &f
		e.Category, e.WhoFixes = f.Category, f.WhoFixes
		e.Title = "Unknown code in the " + f.Prefix + "xxx family"
		e.Summary = fmt.Sprintf("The catalog has no entry for %d. By its digits it belongs to the codes for %s; the nearest known codes are listed with the family.", code, f.Name)
		e.Causes = []string{"A code newer than this catalog, or one Microsoft has not documented, in the area of " + f.Name + "."}
		e.RelatedCodes = f.NearestCodes
	} else {
		e.Category, e.WhoFixes = "service", "admin"
		e.Title = "Unknown code"
		e.Summary = fmt.Sprintf("The catalog has no entry for %d and its digits match no known family of AADSTS codes.", code)
		e.Causes = []string{"The number may not be an AADSTS code at all (an HTTP status, an event ID), or it is newer than this catalog."}
	}
	x.Entry = e
	return x
}
