package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// ExplainErrorCodeName is the tool's name; it is API and never changes.
const ExplainErrorCodeName = "explain_error_code"

// CodeArg is the code argument: a JSON integer or a string (a number,
// "AADSTS50126", or a pasted error message). It keeps the raw JSON so that
// large integers are judged exactly, not after a float64 round trip.
type CodeArg struct{ raw json.RawMessage }

// UnmarshalJSON keeps the raw value for the handler to interpret.
func (c *CodeArg) UnmarshalJSON(b []byte) error {
	c.raw = append(c.raw[:0], b...)
	return nil
}

// JSONSchema publishes the union of the accepted JSON types.
func (CodeArg) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		AnyOf: []*jsonschema.Schema{
			{Type: "integer"},
			{Type: "string", MinLength: ptr(uint64(1)), MaxLength: ptr(uint64(8192))},
		},
	}
}

// ExplainErrorCodeArgs is the input of explain_error_code.
type ExplainErrorCodeArgs struct {
	Code CodeArg `json:"code" jsonschema_description:"The error code: an integer (50126), a string such as 'AADSTS50126' or '50126', or a whole pasted error message that contains AADSTS<digits> (its trace ID, correlation ID and timestamp are returned too)."`
}

// ExplainErrorCodeResult is the structured output of explain_error_code.
type ExplainErrorCodeResult struct {
	Code          int                 `json:"code" jsonschema_description:"The error code as an integer."`
	Name          string              `json:"name" jsonschema_description:"Microsoft's constant name for the code; empty when it has none."`
	Known         bool                `json:"known" jsonschema_description:"True when the catalog has an entry for the code."`
	Official      bool                `json:"official" jsonschema_description:"True when the code is in Microsoft's published AADSTS table."`
	Title         string              `json:"title" jsonschema_description:"A short label for the code."`
	Summary       string              `json:"summary" jsonschema_description:"What the code means, for an administrator."`
	Outcome       catalog.Outcome     `json:"outcome" jsonschema:"enum=failure,enum=interrupt,enum=transient,enum=success" jsonschema_description:"failure: needs action; interrupt: a normal step usually followed by success under the same correlation ID, never a root cause; transient: usually passes on retry; success: code 0."`
	Category      string              `json:"category" jsonschema_description:"The area of Entra ID the code belongs to (credentials, lockout, mfa, conditional-access, app-credential, ...)."`
	WhoFixes      string              `json:"whoFixes" jsonschema:"enum=user,enum=helpdesk,enum=admin,enum=developer,enum=microsoft,enum=none" jsonschema_description:"Who must act first."`
	Causes        []string            `json:"causes" jsonschema_description:"Likely causes, most common first."`
	Remediation   catalog.Remediation `json:"remediation" jsonschema_description:"Steps per audience."`
	RelatedCodes  []int               `json:"relatedCodes" jsonschema_description:"Codes often seen with this one or easily confused with it."`
	DocsURL       string              `json:"docsUrl" jsonschema_description:"Microsoft's most specific article for the code."`
	LookupURL     string              `json:"lookupUrl" jsonschema_description:"Microsoft's live lookup page with the current text of the code."`
	Family        *catalog.Family     `json:"family,omitempty" jsonschema_description:"For a code the catalog does not know: the family its digits place it in."`
	TraceID       string              `json:"traceId,omitempty" jsonschema_description:"The trace ID found in a pasted error message."`
	CorrelationID string              `json:"correlationId,omitempty" jsonschema_description:"The correlation ID found in a pasted error message: use it to find the sign-in."`
	Timestamp     string              `json:"timestamp,omitempty" jsonschema_description:"The timestamp found in a pasted error message (UTC as written there)."`
	Catalog       string              `json:"catalogVersion" jsonschema_description:"Version of the remediation catalog that answered."`
}

const explainDescription = `Explain a Microsoft Entra ID sign-in error code (AADSTS) from the built-in remediation catalog: what it means, whether it is a real failure or a normal interrupt, who must act first (user, helpdesk, admin, developer, microsoft, none), likely causes, and fix steps per audience.

Call it with a code from a sign-in's status (errorCode), an "AADSTS50126" string, or a whole error message a user pasted; for a message, the trace ID, correlation ID and timestamp in it are returned too (use the correlation ID to find the sign-in).

Needs no tenant access. Interrupts (outcome "interrupt", e.g. 50058, 50140, 50074, 50076) are steps of a normal sign-in and never the root cause: look for the failure that follows them. For a code the catalog does not know, known is false and family says which area its digits belong to; lookupUrl always has Microsoft's current text.`

// ExplainErrorCode returns the explain_error_code tool over cat.
func ExplainErrorCode(cat *catalog.Catalog) server.ServerTool {
	tool := newTool(ExplainErrorCodeName, "Explain an Entra sign-in error code", explainDescription,
		&ExplainErrorCodeArgs{}, &ExplainErrorCodeResult{}, false)
	return server.ServerTool{Tool: tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args ExplainErrorCodeArgs
		if err := bindArgs(req, &args, "code (required): "+catalog.Accepted); err != nil {
			return toolError("%v", err), nil
		}
		ref, err := parseCodeArg(args.Code.raw)
		if err != nil {
			return toolError("code: %v", err), nil
		}
		res := Explain(cat, ref)
		return mcp.NewToolResultStructured(res, explainSummary(res)), nil
	}}
}

// parseCodeArg interprets the raw JSON of the code argument.
func parseCodeArg(raw json.RawMessage) (catalog.Reference, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return catalog.Reference{}, fmt.Errorf("the code is missing; give %s", catalog.Accepted)
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return catalog.Reference{}, fmt.Errorf("the string is not valid JSON (%s); give %s", logtext.Clip(err.Error(), 2*echoMax), catalog.Accepted)
		}
		return catalog.ParseCode(s)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return catalog.Reference{}, fmt.Errorf("%s is not a number; give %s", echo(string(raw)), catalog.Accepted)
		}
		s := n.String()
		if strings.ContainsAny(s, ".eE") {
			return catalog.Reference{}, fmt.Errorf("%s is not a whole number; give %s", logtext.Clip(s, echoMax), catalog.Accepted)
		}
		if strings.HasPrefix(s, "-") {
			return catalog.Reference{}, fmt.Errorf("code %s is negative; give %s", logtext.Clip(s, echoMax), catalog.Accepted)
		}
		return catalog.ParseCode(s)
	default:
		return catalog.Reference{}, fmt.Errorf("a JSON %s is not accepted; give %s", jsonKind(raw[0]), catalog.Accepted)
	}
}

func jsonKind(b byte) string {
	switch b {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	default:
		return "value of that type"
	}
}

// Explain builds the explanation of ref's code from cat. It never fails: an
// unknown code gets known=false, its family and the lookup URL.
func Explain(cat *catalog.Catalog, ref catalog.Reference) ExplainErrorCodeResult {
	x := cat.Explain(ref.Code)
	return ExplainErrorCodeResult{
		Code: ref.Code, Name: x.Name, Known: x.Known, Official: x.Official,
		Title: x.Title, Summary: x.Summary,
		Outcome: x.Outcome, Category: x.Category, WhoFixes: x.WhoFixes,
		Causes: x.Causes, Remediation: x.Remediation, RelatedCodes: x.RelatedCodes,
		DocsURL: x.DocsURL, LookupURL: x.LookupURL, Family: x.Family,
		TraceID: ref.TraceID, CorrelationID: ref.CorrelationID, Timestamp: ref.Timestamp,
		Catalog: cat.Version,
	}
}

// explainSummary is the human text that accompanies the structured result.
func explainSummary(r ExplainErrorCodeResult) string {
	var b strings.Builder
	name := ""
	if r.Name != "" {
		name = " " + r.Name
	}
	fmt.Fprintf(&b, "AADSTS%d%s: %s\n", r.Code, name, r.Title)
	if !r.Known {
		fmt.Fprintf(&b, "Not in catalog %s. %s\n", r.Catalog, r.Summary)
	} else {
		fmt.Fprintf(&b, "Outcome: %s · category: %s · first to act: %s\n%s\n", r.Outcome, r.Category, r.WhoFixes, r.Summary)
	}
	if r.Outcome == catalog.OutcomeInterrupt {
		b.WriteString("This is an interrupt: a normal step usually followed by success under the same correlation ID. Do not report it as the root cause.\n")
	}
	for _, aud := range []struct {
		who   string
		steps []string
	}{{"admin", r.Remediation.Admin}, {"user", r.Remediation.User}, {"developer", r.Remediation.Developer}} {
		if len(aud.steps) > 0 {
			fmt.Fprintf(&b, "First step (%s): %s\n", aud.who, aud.steps[0])
		}
	}
	if r.CorrelationID != "" || r.TraceID != "" || r.Timestamp != "" {
		fmt.Fprintf(&b, "From the message: correlation ID %s, trace ID %s, timestamp %s.\n", quoted(r.CorrelationID), quoted(r.TraceID), quoted(r.Timestamp))
	}
	fmt.Fprintf(&b, "Docs: %s · current text: %s", r.DocsURL, r.LookupURL)
	return b.String()
}
