package graph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/apierror"
)

// Error is a Graph answer other than success, explained: what failed, Graph's
// error code and request-id, and what to do about it.
type Error = apierror.Error

// serviceName names Graph in its errors.
const serviceName = "Microsoft Graph"

// Permissions the source needs, named in errors and the README.
const (
	permissionFix = "The caller lacks the permission to read sign-in logs: grant the app the Microsoft Graph permissions AuditLog.Read.All and Directory.Read.All and give admin consent (a licence change will not help)"
	roleFix       = "The signed-in admin has the permission but not a directory role that may read sign-in logs: assign Reports Reader, Security Reader or Global Reader (a licence or consent change will not help)"
	licenceFix    = "The tenant has no Microsoft Entra ID P1 or P2 licence, which Graph requires for sign-in logs (a permission change will not help): use exported files (--source files) or add a P1/P2 licence"
)

// statusError turns a non-2xx answer into an Error with the fix.
func (s *Source) statusError(r response) error {
	var body struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &body)
	e := &Error{Service: serviceName, Status: r.status, Code: body.Error.Code, Message: body.Error.Message, RequestID: r.requestID, RetryIn: r.retryIn}
	if e.RequestID == "" {
		e.RequestID = body.Error.InnerError.RequestID
	}
	switch {
	case r.status == http.StatusUnauthorized:
		e.Fix = fmt.Sprintf("The credential (--auth %s) was refused: the token is expired, for another tenant, or not for %s", s.cfg.Auth, Clouds[s.cfg.Cloud].GraphURL)
		if s.cfg.Auth == "token" {
			e.Fix += "; set a fresh GRAPH_ACCESS_TOKEN"
		}
	case r.status == http.StatusForbidden && strings.EqualFold(e.Code, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"):
		e.Fix = licenceFix
	case r.status == http.StatusForbidden && strings.EqualFold(e.Code, "Authentication_RequestFromUnsupportedUserRole"):
		e.Fix = roleFix
	case r.status == http.StatusForbidden:
		e.Fix = permissionFix + ". Conditional Access policy detail also needs Policy.Read.ConditionalAccess"
	case r.status == http.StatusNotFound:
		e.Fix = "Graph has no such sign-in: it keeps 30 days with Entra ID P1/P2 (7 without), and new sign-ins can take up to 2 hours to appear"
	case r.status == http.StatusTooManyRequests:
		wait := r.retryIn
		if wait <= 0 {
			wait = 10 * time.Second
		}
		e.Fix = fmt.Sprintf("Graph is throttling this app in this tenant (5 requests per 10 seconds for sign-in logs) and the retries ran out: try again in %s, with narrower filters", wait)
	case r.status == http.StatusBadRequest && (strings.Contains(strings.ToLower(r.url), "skiptoken") || strings.Contains(strings.ToLower(e.Code), "pagetoken")):
		e.Fix = "The page the cursor pointed to has expired at Graph: re-run the search without the cursor"
	case r.status == http.StatusBadRequest:
		e.Fix = "Graph refused the query; this is a bug in the server's filter: report it with the request-id"
	case r.status >= 500:
		e.Fix = "A Microsoft Graph service error, usually passing: try again in a minute; if it persists, quote the request-id to Microsoft support"
	}
	return e
}
