package diagnosis

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Report is what Run read and concluded: the diagnosis, the source's
// Collection (for its coverage) and the coverage of the directory read.
type Report struct {
	Result     Result
	Collection signin.Collection
	// Directory says what the directory read did: zero when the source
	// reads no directory, for a tenant, or when there was no failure to
	// explain.
	Directory directory.Coverage
}

// Run asks src for what a diagnosis of c's subject needs and diagnoses it:
// the one path from a source to a Result, shared by the tool and the
// escalation prompt. When src also reads the directory (directory.Reader),
// the audit events, account state, policies and app credentials behind the
// failures are read after the sign-ins, within what is left of the request
// budget; that read is optional: its failure is a note, never an error,
// unless ctx ended.
func Run(ctx context.Context, src signin.Collector, c signin.Collect, cat *catalog.Catalog) (Report, error) {
	// The directory's progress continues the sign-ins' (a client drops a
	// progress value that does not increase).
	var lastDone atomic.Int64
	progress := c.Progress
	if progress != nil {
		c.Progress = func(done, total int, message string) {
			for {
				old := lastDone.Load()
				if int64(done) <= old || lastDone.CompareAndSwap(old, int64(done)) {
					break
				}
			}
			progress(done, total, message)
		}
	}
	coll, err := src.Collect(ctx, c)
	rep := Report{Collection: coll}
	if err != nil {
		return rep, err
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	subj := Subject{Kind: SubjectKind(c.SubjectKind())}
	for _, v := range []string{c.User, c.App, c.IPAddress, c.CorrelationID} {
		if v != "" {
			subj.Value = v
			break
		}
	}
	recs := coll.SignIns
	if coll.LastSuccess != nil {
		recs = append(slices.Clip(recs), *coll.LastSuccess)
	}
	learn(&subj, recs)
	in := Input{
		Subject: subj, Since: c.Since, Until: c.Until,
		SignIns: recs, SameIP: coll.SameIP,
		Classify: Classifier(cat), Catalog: cat,
		UniqueIDs: coll.UniqueIDs,
	}
	if coll.LastSuccess == nil {
		in.FollowUps = coll.FollowUps // parallel to recs
	}
	if dr, ok := src.(directory.Reader); ok && subj.Kind != KindTenant {
		if q, ok := directoryQuery(c, subj, recs); ok {
			if cv := coll.Coverage; cv.RequestBudget > 0 {
				q.Budget = cv.RequestBudget - cv.Requests
			}
			switch {
			case coll.Coverage.RequestBudget > 0 && q.Budget <= 0:
				rep.Directory.Notes = append(rep.Directory.Notes, fmt.Sprintf("The directory (audit events, account state, policies, app credentials) was not read: the sign-ins used the whole request budget (%d requests).", coll.Coverage.RequestBudget))
			default:
				if progress != nil {
					base := int(lastDone.Load())
					q.Progress = func(done, total int, message string) {
						if total > 0 {
							total += base
						}
						progress(base+done, total, message)
					}
				}
				dc, err := dr.Directory(ctx, q)
				switch {
				case ctx.Err() != nil:
					return rep, ctx.Err()
				case err != nil:
					rep.Directory.Notes = append(rep.Directory.Notes, "The directory (audit events, account state, policies, app credentials) could not be read: "+logtext.Clean(err.Error(), 300)+". The findings stand on the sign-ins.")
				default:
					in.Directory = &dc
					rep.Directory = dc.Coverage
				}
			}
		}
	}
	rep.Result = Diagnose(in)
	return rep, nil
}

// maxQueryPolicies bounds the failing policies whose definition and audit
// events one diagnosis reads: each costs requests, and the most frequent
// few decide the blocks.
const maxQueryPolicies = 5

// directoryQuery is what the directory is asked for a diagnosis of c's
// subject over its sign-ins recs: the user's object ID and UPN (a user, or
// the one user of a correlation ID's flow), the app ID and service
// principal ID of an app, the failing Conditional Access policies (the most
// frequent maxQueryPolicies), from directory.ChangesLookback before the
// first failure in the window to the window's end. ok is false when there is
// nothing to ask: no failure, or no identifier. Budget and Progress are
// left to the caller.
func directoryQuery(c signin.Collect, subj Subject, recs []signin.SignIn) (directory.Query, bool) {
	var q directory.Query
	var fails []*signin.SignIn
	for i := range recs {
		s := &recs[i]
		if !s.Failed() || (!c.Since.IsZero() && s.CreatedAt.Before(c.Since)) || (!c.Until.IsZero() && !s.CreatedAt.Before(c.Until)) {
			continue
		}
		if subj.Kind == KindUser || subj.Kind == KindApp {
			if !c.MatchesSubject(s) {
				continue
			}
		}
		fails = append(fails, s)
	}
	if len(fails) == 0 {
		return q, false
	}
	slices.SortFunc(fails, order)
	q.Since = fails[0].CreatedAt.Add(-directory.ChangesLookback)
	// To the window's end, not the last failure: what happened after it
	// (a reset, a re-enabled account) tells whether it is fixed.
	q.Until = fails[len(fails)-1].CreatedAt
	if !c.Until.IsZero() {
		q.Until = c.Until
	}
	newest := fails[len(fails)-1]
	switch subj.Kind {
	case KindUser:
		q.UserID, q.UPN = newest.User.ID, newest.User.UPN
	case KindCorrelationID:
		if slices.IndexFunc(fails, func(s *signin.SignIn) bool { return userOf(s) != userOf(newest) }) < 0 {
			q.UserID, q.UPN = newest.User.ID, newest.User.UPN
		}
	case KindApp:
		q.AppID = newest.App.ID
		if newest.Workload() {
			q.ServicePrincipalID = newest.ServicePrincipal.ID
		}
	}
	count := map[string]int{}
	for _, s := range fails {
		for _, p := range s.Policies {
			if p.Result == policyResultFailure && p.ID != "" {
				count[p.ID]++
			}
		}
	}
	ids := sortedKeys(count)
	slices.SortStableFunc(ids, func(a, b string) int { return cmp.Compare(count[b], count[a]) })
	q.PolicyIDs = ids[:min(len(ids), maxQueryPolicies)]
	if len(q.PolicyIDs) == 0 {
		q.PolicyIDs = nil
	}
	if q.UserID == "" && q.UPN == "" && q.AppID == "" && q.ServicePrincipalID == "" && len(q.PolicyIDs) == 0 {
		return q, false
	}
	return q, true
}

// learn fills what the sign-ins say about the subject: a user's display
// name, object ID and type; an app's ID and name (a service principal's
// object ID too). The newest record wins, ties by ID.
func learn(subj *Subject, recs []signin.SignIn) {
	var best *signin.SignIn
	for i := range recs {
		s := &recs[i]
		switch subj.Kind {
		case KindUser:
			if !signin.MatchUser(s, subj.Value) {
				continue
			}
		case KindApp:
			if !signin.MatchApp(s, subj.Value) {
				continue
			}
		default:
			return
		}
		if best == nil || s.CreatedAt.After(best.CreatedAt) || (s.CreatedAt.Equal(best.CreatedAt) && s.ID > best.ID) {
			best = s
		}
	}
	if best == nil {
		return
	}
	if subj.Kind == KindUser {
		subj.DisplayName, subj.ObjectID, subj.UserType = best.User.DisplayName, best.User.ID, best.User.Type
		return
	}
	if best.ServicePrincipal.ID == subj.Value || (best.ServicePrincipal.Name != "" && strings.EqualFold(best.ServicePrincipal.Name, subj.Value)) {
		subj.DisplayName, subj.ObjectID, subj.AppID = best.ServicePrincipal.Name, best.ServicePrincipal.ID, best.App.ID
		return
	}
	subj.DisplayName, subj.AppID = best.App.Name, best.App.ID
}
