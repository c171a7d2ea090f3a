// Package mcpserver assembles the MCP server of entra-signin-mcp (tools,
// resources, prompts and server options) for the command and for tests, so
// that both run exactly the same server.
package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loading"
	"github.com/entra-signin-mcp/entra-signin-mcp/prompts"
	"github.com/entra-signin-mcp/entra-signin-mcp/resources"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

// Name is the server name announced in initialize.
const Name = "entra-signin-mcp"

// Options configure the server.
type Options struct {
	// Version is announced in initialize.
	Version string
	// Catalog answers explain_error_code and the catalog resources.
	Catalog *catalog.Catalog
	// Source serves the sign-in tools and prompts. Nil means none was
	// configured: the sign-in tools then say so.
	Source signin.Source
	// Logger receives one debug line per request; nil discards.
	Logger *slog.Logger
}

// Instructions are sent to the client in initialize: how a model should use
// this server.
const Instructions = `entra-signin-mcp troubleshoots Microsoft Entra ID sign-in failures. It is read-only.

Workflow (Microsoft's own): 1) gather the failed sign-in's details: user, app, time, correlation ID, request ID; 2) read its failure reason and additional details; 3) look up the error code with explain_error_code (or the resource entra-signin://catalog/{code}); 4) apply the remediation for the owner it names (user, helpdesk, admin, developer, microsoft); 5) if it persists, escalate with the request ID, correlation ID, UTC timestamp, tenant ID, user ID and error code.

diagnose_signin_failures names the root cause across sign-ins (one user, app, IP or correlation ID, or the whole tenant): ranked findings with evidence, who fixes it and next steps, what is not the cause, the last success and what changed since; call it first. search_failed_signins finds failures (filter by user, app, errorCode, ipAddress, correlationId, since/until) and groups every match by error code; get_signin_details opens one sign-in with its Conditional Access policies, device, authentication steps, related sign-ins and supportIdentifiers. explain_error_code accepts a code (50053), "AADSTS50053", or a whole pasted error message, and needs no tenant access. Interrupt codes (outcome "interrupt": 50058, 50140, 50074, 50076, 50072, 50079, 50125, 50158, 81010, 16000) are normal steps that precede a success under the same correlation ID: never report one as the root cause. The full playbook is the resource entra-signin://guide.`

// New builds the server with every tool, resource and prompt registered in a
// fixed order.
func New(o Options) *server.MCPServer {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	src := o.Source
	if src == nil {
		src = signin.Unavailable{SourceName: "none", Err: errors.New("no sign-in source is configured; start the server with --source demo, --source files --files PATH, or --source graph")}
	}
	s := server.NewMCPServer(Name, o.Version,
		server.WithInstructions(Instructions),
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithCompletions(),
		server.WithLogging(),
		server.WithResourceCompletionProvider(resources.Completions{Catalog: o.Catalog}),
		server.WithPromptCompletionProvider(prompts.Completions{Source: src}),
		server.WithPromptCapabilities(false),
		// No WithInputSchemaValidation: each tool decodes its arguments
		// strictly and says what is accepted, which mcp-go's messages do not.
		server.WithOutputSchemaValidation(),
		server.WithRecovery(),
		server.WithResourceRecovery(),
		server.WithToolHandlerMiddleware(logTools(logger)),
		server.WithToolHandlerMiddleware(loadProgress),
	)
	s.AddTools(
		tools.DiagnoseSigninFailures(src, o.Catalog),
		tools.SearchFailedSignins(src, o.Catalog),
		tools.GetSigninDetails(src, o.Catalog),
		tools.ExplainErrorCode(o.Catalog),
	)
	resources.Register(s, o.Catalog)
	prompts.Register(s, src, o.Catalog)
	return s
}

// logTools logs each tool call at debug level: its name, duration and whether
// it was a tool error. Arguments are not logged: they may hold user names.
func logTools(logger *slog.Logger) server.ToolHandlerMiddleware {
	return func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			start := time.Now()
			res, err := next(ctx, req)
			logger.LogAttrs(ctx, slog.LevelDebug, "tool call",
				slog.String("tool", req.Params.Name),
				slog.Duration("took", time.Since(start)),
				slog.Bool("toolError", res != nil && res.IsError),
				slog.Any("err", err))
			return res, err
		}
	}
}

// loadProgress gives a tool call whose client sent a progress token a way
// to see a background load it waits for (loading.WithProgress): the loading
// source reports through the context, so no tool knows about loading.
//
// Progress must increase across every notification of a request, and a
// diagnosis goes on to report its own steps from 1 up: the load is
// therefore reported as a fraction below 1 of total 1, with the bytes and
// records read, of the total bytes, in the message.
func loadProgress(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
			return next(ctx, req)
		}
		srv := server.ServerFromContext(ctx)
		if srv == nil {
			return next(ctx, req)
		}
		token := req.Params.Meta.ProgressToken
		var mu sync.Mutex // a diagnosis may wait from several goroutines
		last := -1.0
		report := func(p loading.Progress) {
			mu.Lock()
			defer mu.Unlock()
			frac := 0.0
			if p.TotalBytes > 0 {
				frac = 0.99 * min(1, float64(p.Bytes)/float64(p.TotalBytes))
			}
			if frac <= last {
				return
			}
			last = frac
			// A lost notification is not an error of the call.
			_ = srv.SendNotificationToClient(ctx, "notifications/progress", map[string]any{
				"progressToken": token,
				"progress":      frac,
				"total":         1,
				"message":       "loading the sign-in data: " + loading.Describe(p),
			})
		}
		return next(loading.WithProgress(ctx, report), req)
	}
}

// Connect starts an in-process client on s and completes the initialize
// handshake, so that callers (the call command, tests) go through the same
// protocol path, validation and middleware as an MCP host.
func Connect(ctx context.Context, s *server.MCPServer, clientName, clientVersion string) (*client.Client, error) {
	c, err := client.NewInProcessClient(s)
	if err != nil {
		return nil, fmt.Errorf("in-process client: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("start in-process client: %w", err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: clientName, Version: clientVersion}
	if _, err := c.Initialize(ctx, init); err != nil {
		c.Close()
		return nil, fmt.Errorf("initialize: %w", err)
	}
	return c, nil
}
