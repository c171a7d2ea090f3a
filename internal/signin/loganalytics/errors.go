package loganalytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/apierror"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/azauth"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// Error is a Log Analytics answer other than success, explained: the
// status, the service's error code and request ID, and what to do.
type Error = apierror.Error

// serviceName names Log Analytics in its errors.
const serviceName = "Log Analytics"

// The fixes named in errors and in the README.
const (
	readerFix = "The identity may not read the workspace: assign it the Log Analytics Reader role on the workspace (or Reader on its resource group); " +
		"an app registration calling with a token it requested itself also needs the Data.Read permission of the Log Analytics API (https://api.loganalytics.io)"
	workspaceFix = "No such workspace: check --workspace, which takes the workspace's \"Workspace ID\" (a GUID on its Overview page), not its name or Azure resource ID"
	bugFix       = "The query is built by this server, so this is a bug in entra-signin-mcp: please report it at https://github.com/entra-signin-mcp/entra-signin-mcp/issues with the server's debug log (--log-level debug shows the query; it holds no token)"
)

// redact removes anything token-like from a message.
func redact(s string) string { return apierror.Redact(s) }

// explain turns a failed query into an error that names the fix. The
// caller's cancellation passes through unchanged.
func (s *Source) explain(ctx context.Context, err error, text string) error {
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("no answer from Log Analytics within %s (retries included): raise --loganalytics-timeout (at most 10m), or narrow the window or the filters: %w", s.cfg.Timeout, ctx.Err())
		}
		return ctx.Err()
	}
	if errors.Is(err, azauth.ErrConfig) {
		return err
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		var authFailed interface{ NonRetriable() }
		if errors.As(err, &authFailed) || strings.Contains(err.Error(), "authentication failed") {
			return fmt.Errorf("get a token for %s with --auth %s: %v", s.cfg.Scope(), s.cfg.Auth, redact(err.Error()))
		}
		return fmt.Errorf("reach Log Analytics at %s: %v", s.cfg.URL, redact(err.Error()))
	}
	e := &Error{Service: serviceName, Status: re.StatusCode, Code: re.ErrorCode}
	if r := re.RawResponse; r != nil {
		e.RequestID = r.Header.Get("x-ms-request-id")
		if ra := r.Header.Get("Retry-After"); ra != "" {
			if sec, err := strconv.Atoi(ra); err == nil {
				e.RetryIn = time.Duration(sec) * time.Second
			}
		}
		e.Message = serviceMessage(r)
	}
	switch {
	case re.StatusCode == http.StatusUnauthorized:
		e.Fix = fmt.Sprintf("The credential (--auth %s) was refused: the token is expired, for another tenant, or not for %s (its audience must be that, its scope %s)",
			s.cfg.Auth, strings.TrimSuffix(s.cfg.Scope(), "/.default"), s.cfg.Scope())
		if s.cfg.Auth == "token" {
			e.Fix += "; set a fresh " + TokenVariable
		}
	case re.StatusCode == http.StatusForbidden:
		e.Fix = readerFix
	case re.StatusCode == http.StatusNotFound:
		e.Fix = workspaceFix
	case re.StatusCode == http.StatusBadRequest:
		s.cfg.Logger.Debug("log analytics refused a query", "status", re.StatusCode, "code", re.ErrorCode, "requestId", e.RequestID, "query", text)
		e.Fix = bugFix
	case re.StatusCode == http.StatusTooManyRequests:
		e.Fix = "Log Analytics is throttling this identity (200 requests per 30 s, 5 concurrent queries per user) and the retries ran out"
		if e.RetryIn > 0 {
			e.Fix += fmt.Sprintf(": retry in %s", e.RetryIn)
		} else {
			e.Fix += ": retry in a minute"
		}
	case re.StatusCode == http.StatusGatewayTimeout || re.StatusCode == http.StatusRequestTimeout:
		e.Fix = fmt.Sprintf("The query ran out of time in the workspace: raise --loganalytics-timeout (now %s, at most 10m), or narrow the window or the filters", s.cfg.Timeout)
	case re.StatusCode >= 500:
		e.Fix = "Log Analytics failed; retry in a minute"
	}
	return e
}

// serviceMessage is the message of the API's error body:
// {"error":{"code":..,"message":..,"innererror":{"message":..}}}; azcore
// kept the body readable when it built the ResponseError.
func serviceMessage(r *http.Response) string {
	payload, err := runtime.Payload(r)
	if err != nil {
		return ""
	}
	var body struct {
		Error struct {
			Message    string `json:"message"`
			InnerError struct {
				Message string `json:"message"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if json.Unmarshal(payload, &body) != nil {
		return ""
	}
	if m := body.Error.InnerError.Message; m != "" && m != body.Error.Message {
		return body.Error.Message + ": " + m
	}
	return body.Error.Message
}

// partialMessage is the text of a partial error: its code and message.
func partialMessage(e *azlogs.ErrorInfo) string {
	var body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Message string `json:"message"`
		} `json:"details"`
		InnerError struct {
			Message string `json:"message"`
		} `json:"innererror"`
	}
	if json.Unmarshal([]byte(e.Error()), &body) != nil {
		return logtext.Clean(e.Code, 100)
	}
	parts := []string{body.Code}
	for _, m := range []string{body.Message, body.InnerError.Message} {
		if m != "" {
			parts = append(parts, m)
		}
	}
	for _, d := range body.Details {
		if d.Message != "" {
			parts = append(parts, d.Message)
		}
	}
	return redact(logtext.Clean(strings.Join(parts, ": "), 300))
}
