// Package diagnosis is the domain's reasoning about sign-ins, between the
// sources (internal/signin) and what clients see (tools, prompts): how a code
// is classified, how one sign-in and its flow are found, and what is known
// about it. It depends on internal/signin, internal/directory and catalog
// only, so that tools and prompts share these services without depending on
// each other.
//
// Diagnose is the scenario engine: over a subject's sign-ins (failures and
// successes) it names the root causes, ranked, with their evidence, who fixes
// them, what is not the cause, the last success and what changed since, and,
// when the directory was read, the audit events behind them; with
// no subject (KindTenant) it triages the whole tenant within a fixed answer
// budget (tenant.go). It is pure and deterministic; the
// diagnose_signin_failures tool binds its arguments and renders it.
package diagnosis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Classifier classifies error codes with the catalog; unknown codes are failures.
func Classifier(cat *catalog.Catalog) signin.Classifier {
	return func(code int) signin.Outcome {
		if code == 0 {
			return signin.OutcomeSuccess
		}
		if e, ok := cat.Lookup(code); ok {
			return signin.Outcome(e.Outcome)
		}
		return signin.OutcomeFailure
	}
}

// ErrArgs marks an error in the arguments of a lookup (neither or both
// identifiers, an overlong one): the caller must correct its call, as opposed
// to a source that failed.
var ErrArgs = errors.New("bad arguments")

// Accepted says which identifiers Lookup accepts, in the words of the
// get_signin_details arguments its errors name.
const Accepted = "id (the sign-in's request ID) or correlationId, exactly one"

// maxIDLen bounds an identifier: request and correlation IDs are GUIDs, and a
// longer value is a mistake, not something to send to a source.
const maxIDLen = 256

// Lookup finds one sign-in by ID or by correlation ID (exactly one of them),
// and the other sign-ins of its flow. By correlation ID, the last failure of
// the flow that is not an interrupt is returned (its last sign-in when none
// failed), because it tells what finally went wrong. Argument errors wrap
// ErrArgs; a sign-in that does not exist wraps signin.ErrNotFound.
func Lookup(ctx context.Context, src signin.Source, id, correlationID string, classify signin.Classifier) (signin.SignIn, []signin.SignIn, error) {
	id, corr := strings.TrimSpace(id), strings.TrimSpace(correlationID)
	switch {
	case id == "" && corr == "":
		return signin.SignIn{}, nil, fmt.Errorf("%w: give %s", ErrArgs, Accepted)
	case id != "" && corr != "":
		return signin.SignIn{}, nil, fmt.Errorf("%w: both id and correlationId were given; give %s", ErrArgs, Accepted)
	case len(id) > maxIDLen || len(corr) > maxIDLen:
		return signin.SignIn{}, nil, fmt.Errorf("%w: the identifier is longer than %d characters; give %s", ErrArgs, maxIDLen, Accepted)
	}
	var s signin.SignIn
	if id != "" {
		var err error
		if s, err = src.Get(ctx, id); err != nil {
			if errors.Is(err, signin.ErrNotFound) {
				err = fmt.Errorf("%w; give an id that search_failed_signins returned, or the correlationId instead", err)
			}
			return s, nil, err
		}
		corr = s.CorrelationID
	}
	flow := []signin.SignIn{}
	if corr != "" {
		var err error
		if flow, err = src.Correlated(ctx, corr); err != nil {
			return s, nil, err
		}
	}
	if id == "" {
		if len(flow) == 0 {
			return s, nil, fmt.Errorf("%w: no sign-in with correlation ID %q in the %s source; check the ID, widen the source's window, or allow up to 2 hours for new sign-ins to appear", signin.ErrNotFound, logtext.Clip(corr, 64), src.Name())
		}
		s = flow[len(flow)-1]
		for i := len(flow) - 1; i >= 0; i-- {
			if flow[i].Failed() && classify(flow[i].Status.ErrorCode) != signin.OutcomeInterrupt {
				s = flow[i]
				break
			}
		}
	}
	related := make([]signin.SignIn, 0, len(flow))
	for _, r := range flow {
		if !strings.EqualFold(r.ID, s.ID) {
			related = append(related, r)
		}
	}
	return s, related, nil
}
