package graphfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Graph error codes the fake answers with, besides CodeBadRequest and
// CodeUnsupportedQuery. The 403 codes need opposite fixes, which is why the
// fake offers each: a licence, an API permission, or a directory role.
const (
	// CodeInvalidToken is a 401: the bearer token is missing or not valid.
	CodeInvalidToken = "InvalidAuthenticationToken"
	// CodeNoPremiumLicence is a 403: the tenant has no Entra ID P1/P2 licence
	// (or is a B2C tenant), so its sign-in logs are not served.
	CodeNoPremiumLicence = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
	// CodePermissionMissing is a 403: the token lacks the AuditLog.Read.All
	// permission (application or delegated). This is what Graph answers today
	// for a missing API permission on the audit log APIs.
	CodePermissionMissing = "Authentication_MSGraphPermissionMissing"
	// CodeUnsupportedUserRole is a 403: a delegated token whose signed-in user
	// holds no directory role that may read sign-in logs (Reports Reader,
	// Security Reader, Global Reader, ...), although the app has the scope.
	CodeUnsupportedUserRole = "Authentication_RequestFromUnsupportedUserRole"
	// CodeRequestDenied is a 403: the generic directory "insufficient
	// privileges" answer.
	CodeRequestDenied = "Authorization_RequestDenied"
	// CodeNotFound is a 404: no sign-in has the requested ID.
	CodeNotFound = "Request_ResourceNotFound"
	// CodeTooManyRequests is a 429: the request was throttled.
	CodeTooManyRequests = "TooManyRequests"
	// CodeInternalServerError is a 500.
	CodeInternalServerError = "InternalServerError"
	// CodeServiceUnavailable is a 503, sent with Retry-After.
	CodeServiceUnavailable = "ServiceUnavailable"
	// CodeGatewayTimeout is a 504.
	CodeGatewayTimeout = "GatewayTimeout"
	// CodeExpiredPageToken is the 400 for a $skiptoken older than the
	// skip-token TTL (a tampered or foreign token is a 400 CodeBadRequest
	// "Invalid Skip Token").
	CodeExpiredPageToken = "Directory_ExpiredPageToken"
)

// messages are the texts the fake sends with each code. Where the text is
// Graph's own, the comment says where it was seen; the others are written
// for the fake in Graph's style.
var messages = map[string]string{
	// Seen in many public reports against the reporting and sign-in APIs
	// (e.g. microsoftgraph/microsoft-graph-docs-contrib#3808, turbot/steampipe-plugin-azuread#98).
	CodeNoPremiumLicence: "Neither tenant is B2C or tenant doesn't have premium license",
	// Seen for List signIns called without AuditLog.Read.All
	// (microsoftgraph/microsoft-graph-docs-contrib#3196, microsoft-graph-explorer-v4#2731).
	CodePermissionMissing: "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
	// The text admin scripts match for a delegated caller without a reporting
	// role (public PowerShell samples test for "User is not in the allowed
	// roles" next to this code); not on a Microsoft page we hold.
	CodeUnsupportedUserRole: "User is not in the allowed roles",
	// Azure AD Graph's classic 403 text, still Graph's for directory denials.
	CodeRequestDenied: "Insufficient privileges to complete the operation.",
	// Graph's text for a request without a bearer token
	// (microsoftgraph/msgraph-sample-reactspa#54); a wrong token gets
	// "Access token validation failure." (see tokenInvalidMessage).
	CodeInvalidToken: "Access token is empty.",
	// The sign-in log's throttling text, as relayed by the AzureAD module
	// (MicrosoftDocs/azure-docs#70953).
	CodeTooManyRequests: "This request is throttled. Please try again after the value specified in the Retry-After header.",
	// Written for the fake.
	CodeInternalServerError: "An internal server error occurred while processing the request.",
	CodeServiceUnavailable:  "The service is temporarily unavailable. Please retry after the number of seconds in the Retry-After header.",
	CodeGatewayTimeout:      "The gateway did not receive a response from the backend service in time.",
	CodeNotFound:            "Resource does not exist or one of its queried reference-property objects are not present.",
	CodeBadRequest:          "Invalid request.",
	CodeUnsupportedQuery:    "Unsupported Query.",
	// Graph's directory text for an expired page token.
	CodeExpiredPageToken: "The specified page token value has expired and can no longer be included in your request.",
}

// tokenInvalidMessage is Graph's text for a bearer token that fails
// validation (seen in microsoftgraph/console-java-connect-sample#1).
const tokenInvalidMessage = "Access token validation failure."

// invalidSkipTokenMessage is Graph's text for a skip token it cannot use
// (microsoftgraph/microsoft-graph-docs#8612; for sign-ins, PowerShell relays
// "Invalid Skip Token, skip token is null").
const invalidSkipTokenMessage = "Invalid Skip Token"

// Message returns the text the fake sends with a Graph error code, or "" for
// a code it has no text for.
func Message(code string) string { return messages[code] }

// defaultCode is the code WithStatus uses when given none.
func defaultCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return CodeBadRequest
	case http.StatusUnauthorized:
		return CodeInvalidToken
	case http.StatusForbidden:
		return CodeRequestDenied
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusTooManyRequests:
		return CodeTooManyRequests
	case http.StatusInternalServerError:
		return CodeInternalServerError
	case http.StatusServiceUnavailable:
		return CodeServiceUnavailable
	case http.StatusGatewayTimeout:
		return CodeGatewayTimeout
	}
	return "UnknownError"
}

// graphError is Graph's error body.
type graphError struct {
	Error graphErrorMain `json:"error"`
}

type graphErrorMain struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	InnerError graphInnerError `json:"innerError"`
}

type graphInnerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// reply carries what every answer needs: the IDs and the clock.
type reply struct {
	w               http.ResponseWriter
	requestID       string
	clientRequestID string
	now             time.Time
}

// fail writes a Graph error and returns the status, for the request log.
func (rp *reply) fail(status int, code, message string) int {
	if message == "" {
		message = Message(code)
	}
	body := graphError{Error: graphErrorMain{
		Code:    code,
		Message: message,
		InnerError: graphInnerError{
			// Graph's innerError date: UTC, seconds, no zone designator.
			Date:            rp.now.UTC().Format("2006-01-02T15:04:05"),
			RequestID:       rp.requestID,
			ClientRequestID: rp.clientRequestID,
		},
	}}
	rp.w.Header().Set("Content-Type", "application/json")
	rp.w.WriteHeader(status)
	b, err := marshal(body)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"error":{"code":%q,"message":"marshal error body: %v"}}`, code, err))
	}
	_, _ = rp.w.Write(b)
	return status
}

// marshal encodes v as JSON without HTML escaping, as Graph does.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
