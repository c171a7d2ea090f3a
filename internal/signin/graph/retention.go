package graph

import (
	"fmt"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

// retentionNote says, for a window that starts before Graph's retention,
// that Graph cannot read that part, and gives the KQL that asks a Log
// Analytics workspace the same question (for tenants whose diagnostic
// settings send sign-in logs there, kept as long as the workspace keeps
// them); "" for a window Graph covers.
func (s *Source) retentionNote(q signin.Query, types []signin.Type, outcome kql.Outcome) string {
	oldest := s.cfg.Now().UTC().Add(-graphRetention)
	if q.Since.IsZero() || !q.Since.Before(oldest) {
		return ""
	}
	note := fmt.Sprintf("Graph keeps sign-ins for 30 days (7 without Entra ID P1/P2): nothing before %s can be read from it", oldest.Format(time.RFC3339))
	sel := signin.Query{User: q.User, App: q.App, ErrorCode: q.ErrorCode, IPAddress: q.IPAddress, CorrelationID: q.CorrelationID,
		Since: q.Since, Until: q.Until, Types: types}
	text, err := kql.Readable(kql.Select{Query: sel, Outcome: outcome})
	if err != nil {
		return note + "."
	}
	return note + ". If the tenant sends its sign-in logs to a Log Analytics workspace, this KQL asks it the same question: " + text
}
