// Package tools holds the MCP tools of entra-signin-mcp, one file per tool
// named after it; this file holds what several tools share (schema
// reflection, argument binding, errors, output helpers). The domain services
// the tools call (classification, lookup, sign-in details) live in
// internal/diagnosis, so that prompts use them without depending on tools.
// Each constructor takes the narrow dependencies the tool
// needs and returns a server.ServerTool with reflected input and output
// schemas, explicit annotations, and a handler that returns structured content
// plus a short human summary.
package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// reflector is shared by every tool so that schemas have one shape: inline
// (no $ref), closed objects, required fields from the json tags.
var reflector = &jsonschema.Reflector{
	DoNotReference: true,
	ExpandedStruct: true,
}

// schemaOf reflects v's type into a JSON Schema without the $schema keyword,
// which some MCP clients refuse.
func schemaOf(v any) json.RawMessage {
	s := reflector.Reflect(v)
	s.Version = ""
	b, err := json.Marshal(s)
	if err != nil {
		// Reflection of our own static types cannot fail at run time; a
		// failure here is a programming error caught by every test.
		panic(fmt.Sprintf("tools: marshal schema of %T: %v", v, err))
	}
	return b
}

// readOnly returns annotations for a tool that only reads. openWorld is true
// for tools that reach a tenant (Graph, Log Analytics), false for tools that
// answer from the embedded catalog alone.
func readOnly(title string, openWorld bool) mcp.ToolAnnotation {
	t, f := true, false
	return mcp.ToolAnnotation{
		Title:           title,
		ReadOnlyHint:    &t,
		DestructiveHint: &f,
		IdempotentHint:  &t,
		OpenWorldHint:   &openWorld,
	}
}

// newTool assembles an mcp.Tool from reflected Args and Result types. It sets
// the raw schemas only (setting InputSchema too breaks tools/list in mcp-go).
func newTool(name, title, description string, args, result any, openWorld bool) mcp.Tool {
	return mcp.Tool{
		Name:            name,
		Title:           title,
		Description:     description,
		RawInputSchema:  schemaOf(args),
		RawOutputSchema: schemaOf(result),
		Annotations:     readOnly(title, openWorld),
	}
}

// toolError is a tool-level error result: the model sees it and can correct
// its call. It is not a protocol error.
func toolError(format string, a ...any) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf(format, a...))
}

// bindArgs decodes a tool's arguments into args strictly: an unknown field or
// a value of the wrong JSON type is an error that names the field and says
// what is accepted. mcp-go's own schema validation is not used, because its
// messages ("&{Got:boolean Want:[integer]}") do not help a model correct itself.
func bindArgs(req mcp.CallToolRequest, args any, accepted string) error {
	raw, ok := req.GetRawArguments().(json.RawMessage)
	if !ok {
		b, err := json.Marshal(req.GetRawArguments())
		if err != nil {
			return fmt.Errorf("the arguments are not JSON: %w", err)
		}
		raw = b
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(args)
	if err == nil {
		return nil
	}
	// Every branch clips what it quotes: the decoder's messages carry the
	// caller's text (a field name, "number 999…"), which may be a megabyte.
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return fmt.Errorf("%s: a JSON %s is not accepted here; accepted arguments: %s", logtext.Clip(typeErr.Field, echoMax), logtext.Clip(typeErr.Value, echoMax), accepted)
	case errors.As(err, &typeErr):
		return fmt.Errorf("the arguments must be a JSON object, not a %s; accepted arguments: %s", logtext.Clip(typeErr.Value, echoMax), accepted)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		return fmt.Errorf("unknown argument %s; accepted arguments: %s", echo(name), accepted)
	default:
		return fmt.Errorf("the arguments could not be read (%s); accepted arguments: %s", logtext.Clip(err.Error(), 2*echoMax), accepted)
	}
}

// echoMax is the most of a caller's value an error quotes: enough to
// recognise it, never enough to fill the model's context with it.
const echoMax = 64

// echo quotes a caller's value for an error message, clipped to echoMax runes.
func echo(v string) string { return strconv.Quote(logtext.Clip(v, echoMax)) }

// envelopeMargin is kept free under each budget for what the protocol layer
// adds to a result (mcp-go's _meta with the server's name and version).
const envelopeMargin = 256

// sourceError turns a source failure into a tool error that says which
// source failed and what it said.
func sourceError(src signin.Source, what string, err error) *mcp.CallToolResult {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return toolError("%s the %s source: stopped before it finished (%v); try again, with a narrower window if it keeps timing out", what, src.Name(), err)
	}
	return toolError("%s the %s source: %v", what, src.Name(), err)
}

// rfc3339 is the layout of every time in structured output (UTC, seconds).
const rfc3339 = "2006-01-02T15:04:05Z07:00"

// clipText shortens s to n runes, marking the cut, to keep answers small.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ptr returns a pointer to a copy of v, for optional schema keywords.
func ptr[T any](v T) *T { return &v }

// orDash stands in for an empty value in a summary line.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// head returns the first n elements of s.
func head[T any](s []T, n int) []T { return s[:min(n, len(s))] }
