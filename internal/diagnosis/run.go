package diagnosis

import (
	"context"
	"slices"
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Run asks src for what a diagnosis of c's subject needs and diagnoses it:
// the one path from a source to a Result, shared by the tool and the
// escalation prompt. The Collection is returned for its coverage.
func Run(ctx context.Context, src signin.Collector, c signin.Collect, cat *catalog.Catalog) (Result, signin.Collection, error) {
	coll, err := src.Collect(ctx, c)
	if err != nil {
		return Result{}, coll, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, coll, err
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
	r := Diagnose(Input{
		Subject: subj, Since: c.Since, Until: c.Until,
		SignIns: recs, SameIP: coll.SameIP,
		Classify: Classifier(cat), Catalog: cat,
	})
	return r, coll, nil
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
