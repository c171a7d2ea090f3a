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
	// app (for workloads, the same service principal).
	FollowedBySuccess bool
	// Completed: a success came later in the same flow, or for the same user
	// and app within InterruptCompletionWindow. It is what makes an
	// interrupt a normal step instead of a failure.
	Completed bool
	// Next is the first success for the same user and app at or after the
	// failure; nil when none is known.
	Next *SuccessRef
}

// Successes indexes successful sign-ins by flow and by subject (user and app,
// or service principal), so that FollowUp answers for any failure with a few
// binary searches. Build it with NewSuccesses; it is read-only after that.
type Successes struct {
	byFlow    map[string][]SuccessRef // ascending time
	bySubject map[string][]SuccessRef // ascending time
}

// NewSuccesses indexes the successes among recs (failures are skipped), in
// any order.
func NewSuccesses(recs []SignIn) *Successes {
	x := &Successes{byFlow: map[string][]SuccessRef{}, bySubject: map[string][]SuccessRef{}}
	for i := range recs {
		r := &recs[i]
		if r.Failed() {
			continue
		}
		ref := SuccessRef{ID: r.ID, CreatedAt: r.CreatedAt}
		if k := flowKey(r); k != "" {
			x.byFlow[k] = append(x.byFlow[k], ref)
		}
		for _, k := range SubjectKeys(r) {
			x.bySubject[k] = append(x.bySubject[k], ref)
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
	if !f.Failed() {
		return FollowUp{}
	}
	var out FollowUp
	if k := flowKey(f); k != "" {
		if _, ok := firstAtOrAfter(x.byFlow[k], f.CreatedAt); ok {
			out.FollowedBySuccess, out.Completed = true, true
		}
	}
	var next *SuccessRef
	for _, k := range SubjectKeys(f) {
		if ref, ok := firstAtOrAfter(x.bySubject[k], f.CreatedAt); ok && (next == nil || ref.CreatedAt.Before(next.CreatedAt)) {
			r := ref
			next = &r
		}
	}
	if next != nil {
		out.Next = next
		out.FollowedBySuccess = true
		if next.CreatedAt.Sub(f.CreatedAt) <= InterruptCompletionWindow {
			out.Completed = true
		}
	}
	return out
}

// firstAtOrAfter returns the first success of l (ascending) at or after t.
func firstAtOrAfter(l []SuccessRef, t time.Time) (SuccessRef, bool) {
	i, _ := slices.BinarySearchFunc(l, t, func(s SuccessRef, t time.Time) int { return s.CreatedAt.Compare(t) })
	if i == len(l) {
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

// flowKey is a sign-in's flow: its type and correlation ID. Only a success
// of the same type counts: Graph lists each type apart, and a
// non-interactive refresh that succeeds says nothing of an interactive
// sign-in that failed.
func flowKey(s *SignIn) string {
	if s.CorrelationID == "" {
		return ""
	}
	return string(s.Type) + "\x00" + strings.ToLower(s.CorrelationID)
}

// Workload reports whether s is a service principal or managed identity
// sign-in: no user signs in, the service principal does.
func (s *SignIn) Workload() bool {
	return s.Type == ServicePrincipal || s.Type == ManagedIdentity
}

// SubjectKeys are the keys under which a success answers a failure of the
// same subject and type: user (object ID or lower-case UPN) and app (ID or
// lower-case name) for a user, service principal (ID or lower-case name,
// else the app's) for a workload. A record has several, so that a log that
// carries an ID on one record and only a name on another still matches.
func SubjectKeys(s *SignIn) []string {
	t := string(s.Type) + "\x00"
	if s.Workload() {
		var out []string
		for _, k := range []string{s.ServicePrincipal.ID, strings.ToLower(s.ServicePrincipal.Name)} {
			if k != "" {
				out = append(out, t+"sp\x00"+k)
			}
		}
		if len(out) == 0 {
			for _, k := range []string{s.App.ID, strings.ToLower(s.App.Name)} {
				if k != "" {
					out = append(out, t+"sp\x00"+k)
				}
			}
		}
		return out
	}
	var users, apps []string
	for _, k := range []string{s.User.ID, strings.ToLower(s.User.UPN)} {
		if k != "" {
			users = append(users, k)
		}
	}
	for _, k := range []string{s.App.ID, strings.ToLower(s.App.Name)} {
		if k != "" {
			apps = append(apps, k)
		}
	}
	out := make([]string, 0, len(users)*len(apps))
	for _, u := range users {
		for _, a := range apps {
			out = append(out, t+"u\x00"+u+"\x00"+a)
		}
	}
	return out
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
