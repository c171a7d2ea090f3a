package signin

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// InterruptCompletionWindow is how soon after an interrupt (an MFA prompt, a
// KMSI question) a success for the same user and app must come for the
// interrupt to count as a completed, normal step of a sign-in rather than
// where the user got stuck.
const InterruptCompletionWindow = 10 * time.Minute

// SuccessRef names a successful sign-in: its request ID and time.
type SuccessRef struct {
	ID        string
	CreatedAt time.Time
}

// FollowUp is what came after a failed sign-in, from the successes known.
type FollowUp struct {
	// FollowedBySuccess: a success of the same sign-in type came at or after
	// the failure, in the same flow (correlation ID) or for the same user and
	// app (for workloads, the same service principal and resource).
	FollowedBySuccess bool
	// Completed: a success came later in the same flow, or for the same user
	// and app within InterruptCompletionWindow. It is what makes an
	// interrupt a normal step instead of a failure.
	Completed bool
	// Next is the first success for the same user and app at or after the
	// failure; zero when none is known (a value, not a pointer: a store
	// keeps one per record).
	Next SuccessRef
}

// NextSuccess returns Next, or nil when none is known.
func (f FollowUp) NextSuccess() *SuccessRef {
	if f.Next.CreatedAt.IsZero() {
		return nil
	}
	n := f.Next
	return &n
}

// Successes indexes successful sign-ins by flow and by subject (user and app,
// or service principal and resource), so that FollowUp answers for any failure with a few
// binary searches. Build it with NewSuccesses; it is read-only after that.
type Successes struct {
	byFlow    map[flowKey][]SuccessRef    // ascending time
	bySubject map[subjectKey][]SuccessRef // ascending time
}

// flowKey is a sign-in's flow: its type and lower-case correlation ID. Only
// a success of the same type counts: Graph lists each type apart, and a
// non-interactive refresh that succeeds says nothing of an interactive
// sign-in that failed.
type flowKey struct {
	typ  Type
	corr string
}

// subjectKey is who signed in to what (subjectOf). Keys are structs of the
// record's own strings, so that indexing 100,000 records allocates no key.
// A workload's resource is its ID or, when no ID is logged, its lower-case
// name, in two fields so that the two never collide.
type subjectKey struct {
	typ            Type
	user, app      string
	resID, resName string
}

// flowOf returns s's flow key; ok is false without a correlation ID.
func flowOf(s *SignIn) (flowKey, bool) {
	return flowKey{s.Type, strings.ToLower(s.CorrelationID)}, s.CorrelationID != ""
}

// NewSuccesses indexes the successes among recs (failures are skipped), in
// any order.
func NewSuccesses(recs []SignIn) *Successes {
	x := &Successes{byFlow: map[flowKey][]SuccessRef{}, bySubject: map[subjectKey][]SuccessRef{}}
	for i := range recs {
		r := &recs[i]
		if r.Failed() {
			continue
		}
		ref := SuccessRef{ID: r.ID, CreatedAt: r.CreatedAt}
		if k, ok := flowOf(r); ok {
			x.byFlow[k] = append(x.byFlow[k], ref)
		}
		if k, ok := subjectOf(r); ok {
			x.bySubject[k] = append(x.bySubject[k], ref)
			if k.resID != "" || k.resName != "" {
				// A workload's success also answers a failure that logs
				// the resource by name only, or none: Graph, asked for the
				// next success by resourceDisplayName or by service
				// principal alone, finds it too.
				if k.resID != "" && r.Resource.Name != "" {
					byName := k
					byName.resID, byName.resName = "", strings.ToLower(r.Resource.Name)
					x.bySubject[byName] = append(x.bySubject[byName], ref)
				}
				k.resID, k.resName = "", ""
				x.bySubject[k] = append(x.bySubject[k], ref)
			}
		}
	}
	order := func(a, b SuccessRef) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	for _, l := range x.byFlow {
		slices.SortFunc(l, order)
	}
	for _, l := range x.bySubject {
		slices.SortFunc(l, order)
	}
	return x
}

// FollowUp returns what came after the failure f among the indexed
// successes. It is zero for a success.
func (x *Successes) FollowUp(f *SignIn) FollowUp {
	return x.FollowUpBefore(f, time.Time{})
}

// FollowUpBefore is FollowUp counting only the successes before until (no
// bound when until is zero). An index of a source's every success answers,
// for a failure in a window [since, until), exactly what an index of the
// window's successes would (only successes at or after the failure count),
// so that a source that keeps one (memory) spares a diagnosis indexing the
// window again.
func (x *Successes) FollowUpBefore(f *SignIn, until time.Time) FollowUp {
	if !f.Failed() {
		return FollowUp{}
	}
	var out FollowUp
	if k, ok := flowOf(f); ok {
		if _, ok := firstBetween(x.byFlow[k], f.CreatedAt, until); ok {
			out.FollowedBySuccess, out.Completed = true, true
		}
	}
	k, ok := subjectOf(f)
	if ref, found := firstBetween(x.bySubject[k], f.CreatedAt, until); ok && found {
		out.Next = ref
		out.FollowedBySuccess = true
		if out.Next.CreatedAt.Sub(f.CreatedAt) <= InterruptCompletionWindow {
			out.Completed = true
		}
	}
	return out
}

// firstBetween returns the first success of l (ascending) at or after t
// and before until (no bound when until is zero).
func firstBetween(l []SuccessRef, t, until time.Time) (SuccessRef, bool) {
	i, _ := slices.BinarySearchFunc(l, t, func(s SuccessRef, t time.Time) int { return s.CreatedAt.Compare(t) })
	if i == len(l) || (!until.IsZero() && !l[i].CreatedAt.Before(until)) {
		return SuccessRef{}, false
	}
	return l[i], true
}

// FollowUps returns, for each record of recs (any order), what came after
// it among the successes of recs: the one rule every source applies.
func FollowUps(recs []SignIn) []FollowUp {
	x := NewSuccesses(recs)
	out := make([]FollowUp, len(recs))
	for i := range recs {
		out[i] = x.FollowUp(&recs[i])
	}
	return out
}

// Workload reports whether s is a service principal or managed identity
// sign-in: no user signs in, the service principal does.
func (s *SignIn) Workload() bool {
	return s.Type == ServicePrincipal || s.Type == ManagedIdentity
}

// subjectOf returns the key under which a success answers a failure of the
// same subject and type: user (object ID, else lower-case UPN) and app (ID,
// else lower-case name) for a user, whatever the resource (a user's success
// in the same client app means they got in); service principal (ID, else
// lower-case name, else the app's) and resource (ID, else lower-case name)
// for a workload, whose tokens for one resource say nothing of its requests
// for another (a managed identity reading Key Vault while its calls to a
// missing API fail with 500011). A workload failure that logs no resource
// keeps the service principal's key alone. One key per record keeps a
// failure's look-up to one map operation; every source logs the IDs on all
// its records or on none, so preferring them loses no match.
func subjectOf(s *SignIn) (subjectKey, bool) {
	first := func(id, name string) string {
		if id != "" {
			return id
		}
		return strings.ToLower(name)
	}
	if s.Workload() {
		sp := first(s.ServicePrincipal.ID, s.ServicePrincipal.Name)
		if sp == "" {
			sp = first(s.App.ID, s.App.Name)
		}
		k := subjectKey{typ: s.Type, app: sp}
		if s.Resource.ID != "" {
			k.resID = s.Resource.ID
		} else {
			k.resName = strings.ToLower(s.Resource.Name)
		}
		return k, sp != ""
	}
	u, a := first(s.User.ID, s.User.UPN), first(s.App.ID, s.App.Name)
	return subjectKey{typ: s.Type, user: u, app: a}, u != "" && a != ""
}

// CompletedInterruptsNote is the coverage note of a search that left out n
// completed interrupts, and how to see them; "" for none.
func CompletedInterruptsNote(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 completed interrupt (an MFA prompt or other normal step followed by a success) was left out; set includeInterrupts to see it"
	}
	return fmt.Sprintf("%d completed interrupts (MFA prompts and other normal steps followed by a success) were left out; set includeInterrupts to see them", n)
}
