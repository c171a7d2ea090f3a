package directory

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// Data is a directory held in memory: what the demo tenant generates, and
// what audit exports load (events only).
type Data struct {
	Events      []Event
	Accounts    []Account
	Policies    []Policy
	Credentials map[string][]Credential // by app ID
	// Holds names what the data can answer ("audit events", "account
	// state", "MFA registration", "policies", "app credentials"); a Query
	// for anything else gets Missing as a note.
	Holds []string
	// Missing is the note for what the data does not hold (for exports:
	// "account state and Conditional Access policies are not in audit
	// exports; Graph reads them").
	Missing string
	// Notes are said on every answer's coverage after Missing: what the
	// loader of the data wants known (for exports, a note per audit file:
	// its events, their span, what was left out).
	Notes []string
}

// Memory answers Queries from Data. It is safe for concurrent use: Data is
// read-only once given.
type Memory struct{ d Data }

// NewMemory returns a Reader over d, whose events it sorts newest first.
func NewMemory(d Data) *Memory {
	d.Events = slices.Clone(d.Events)
	slices.SortStableFunc(d.Events, func(a, b Event) int { return cmp.Or(b.At.Compare(a.At), cmp.Compare(a.ID, b.ID)) })
	return &Memory{d: d}
}

// Directory implements Reader.
func (m *Memory) Directory(ctx context.Context, q Query) (Context, error) {
	if err := ctx.Err(); err != nil {
		return Context{}, err
	}
	var out Context
	holds := func(what string) bool { return slices.Contains(m.d.Holds, what) && q.Wants(what) }
	out.Coverage.Read = slices.Clone(m.d.Holds)
	if m.d.Missing != "" {
		out.Coverage.Notes = append(out.Coverage.Notes, m.d.Missing)
	}
	out.Coverage.Notes = append(out.Coverage.Notes, m.d.Notes...)
	if holds("audit events") {
		seen := map[string]bool{}
		for _, e := range m.d.Events {
			if (!q.Since.IsZero() && e.At.Before(q.Since)) || (!q.Until.IsZero() && e.At.After(q.Until)) {
				continue
			}
			if !touches(e, q) || (e.ID != "" && seen[e.ID]) {
				continue
			}
			seen[e.ID] = true
			out.Events = append(out.Events, e)
		}
	}
	if holds("account state") && (q.UserID != "" || q.UPN != "") {
		for _, a := range m.d.Accounts {
			if (q.UserID != "" && a.ID == q.UserID) || (q.UPN != "" && strings.EqualFold(a.UPN, q.UPN)) {
				acc := a
				acc.MethodsRegistered = slices.Clone(a.MethodsRegistered)
				out.Account = &acc
				break
			}
		}
	}
	if holds("policies") {
		for _, id := range q.PolicyIDs {
			for _, p := range m.d.Policies {
				if p.ID == id {
					p.Conditions, p.GrantControls = slices.Clone(p.Conditions), slices.Clone(p.GrantControls)
					out.Policies = append(out.Policies, p)
				}
			}
		}
	}
	if holds("app credentials") && q.AppID != "" {
		if cs, ok := m.d.Credentials[q.AppID]; ok {
			out.Credentials = slices.Clone(cs)
		}
	}
	if q.Progress != nil {
		q.Progress(1, 1, "directory read")
	}
	return out, nil
}

// touches reports whether e has a target q asks about: the user (object ID
// or UPN), the app (app ID or service principal ID), or a policy.
func touches(e Event, q Query) bool {
	for _, t := range e.Targets {
		switch {
		case t.ID != "" && (t.ID == q.UserID || t.ID == q.AppID || t.ID == q.ServicePrincipalID || slices.Contains(q.PolicyIDs, t.ID)):
			return true
		case q.UPN != "" && strings.EqualFold(t.Name, q.UPN):
			return true
		}
	}
	return false
}
