package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/httpserve"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/demo"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loading"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version from the build info is used.
var version = ""

// envPrefix is prepended to a flag's upper-cased name (dashes become
// underscores) to form its environment variable.
const envPrefix = "ENTRA_SIGNIN_"

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// toolFailed is a tool that answered with a tool error in the call command:
// its text is already printed, exit status 1.
type toolFailed struct{ name string }

func (e toolFailed) Error() string { return "tool " + e.name + " returned an error" }

// exitCode maps run's error to the process exit status, printing it.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "entra-signin-mcp: %v\nRun 'entra-signin-mcp -h' for usage.\n", err)
		return 2
	case errors.As(err, new(toolFailed)):
		return 1
	default:
		fmt.Fprintf(stderr, "entra-signin-mcp: %v\n", err)
		return 1
	}
}

// config is the parsed command line and environment.
type config struct {
	logLevel slog.Level
	source   string
	files    []string
	graph    graph.Config
	la       loganalytics.Config
	http     httpserve.Config
	httpOn   bool
}

// sources lists the --source values.
var sources = []string{"graph", "files", "demo", "loganalytics"}

const usageText = `entra-signin-mcp: an MCP server for troubleshooting Microsoft Entra ID sign-in failures.

Usage:
  entra-signin-mcp [flags]                    serve MCP on stdio (the default)
  entra-signin-mcp --transport http [flags]   serve streamable HTTP at /mcp (loopback unless --http-auth is set)
  e.g. entra-signin-mcp --source demo call search_failed_signins '{"since":"7d"}'
  entra-signin-mcp [flags] call TOOL [JSON]   run one tool and print its structured result as JSON
  entra-signin-mcp [flags] check              check the source: credential, tenant, a one-row query
  entra-signin-mcp version                    print the version

Flags come before the command. Every flag can also be set by an environment
variable: ENTRA_SIGNIN_ + the flag name in upper case, dashes as underscores
(--log-level: ENTRA_SIGNIN_LOG_LEVEL). A flag wins over its variable.

Flags:
`

// run is the whole command, testable without a process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("entra-signin-mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	logLevel := fs.String("log-level", "info", "log level on stderr: debug, info, warn or error")
	source := fs.String("source", "graph", "where sign-ins come from: graph, files, demo or loganalytics")
	filesFlag := fs.String("files", "", "with --source files: exported sign-in logs, comma-separated paths or globs")
	var gc graph.Config
	fs.StringVar(&gc.Auth, "auth", "default", "credential for Graph or Log Analytics: "+strings.Join(graph.AuthModes, ", ")+" (token: GRAPH_ACCESS_TOKEN, or LOGANALYTICS_ACCESS_TOKEN with --source loganalytics)")
	fs.StringVar(&gc.Cloud, "cloud", "public", "national cloud (Graph or Log Analytics endpoint and sign-in authority): public, usgov, usgovdod or china")
	fs.StringVar(&gc.GraphURL, "graph-url", "", "Graph service root without a version, overriding the cloud's (plain http only for loopback)")
	fs.StringVar(&gc.TenantID, "tenant", "", "tenant ID or domain for the credential (default AZURE_TENANT_ID)")
	fs.StringVar(&gc.ClientID, "client-id", "", "app (client) ID for the credential (default AZURE_CLIENT_ID)")
	fs.StringVar(&gc.ClientCertificate, "client-certificate", "", "with --auth client-certificate: PEM or PFX file (default AZURE_CLIENT_CERTIFICATE_PATH; password from AZURE_CLIENT_CERTIFICATE_PASSWORD)")
	fs.IntVar(&gc.RequestsPerWindow, "graph-rate", 5, "Graph requests allowed per 10 seconds, across all callers (the reporting API's limit is 5)")
	fs.DurationVar(&gc.Timeout, "graph-timeout", 60*time.Second, "the longest one tool call may wait for Graph, retries included")
	workspaces := fs.String("workspace", "", "with --source loganalytics: the workspace ID (a GUID, the workspace's \"Workspace ID\"); several, comma-separated, are queried as one")
	laURL := fs.String("loganalytics-url", "", "with --source loganalytics: the query endpoint, overriding the cloud's such as https://api.loganalytics.io (plain http only for loopback)")
	laTimeout := fs.Duration("loganalytics-timeout", loganalytics.DefaultTimeout, "with --source loganalytics: the longest one tool call may wait for the workspace, retries included; also the server-side wait of each query (at most 10m)")
	graphAuth := fs.String("graph-auth", "app", "how Graph is called: app (the server's --auth credential) or on-behalf-of (as each signed-in caller; needs --transport http --http-auth entra)")
	transport := fs.String("transport", "stdio", "stdio, or http (streamable HTTP at /mcp, with /healthz and /readyz)")
	var hc httpserve.Config
	fs.StringVar(&hc.Addr, "addr", "127.0.0.1:8080", "with --transport http: the address to listen on")
	fs.BoolVar(&hc.Stateless, "stateless", false, "with --transport http: no sessions, for load-balanced deployments")
	origins := fs.String("allowed-origins", "", "with --transport http: browser origins allowed to call /mcp, comma-separated (scheme://host[:port])")
	hosts := fs.String("allowed-hosts", "", "with --transport http: Host names accepted besides the bound address, comma-separated (a reverse proxy's public name)")
	fs.StringVar(&hc.Auth, "http-auth", "none", "with --transport http: none (loopback only), token (ENTRA_SIGNIN_HTTP_TOKEN) or entra (Entra ID access tokens)")
	audience := fs.String("http-audience", "", "with --http-auth entra: this API's app ID URI and/or client ID, comma-separated")
	fs.StringVar(&hc.Entra.RequiredScope, "http-required-scope", "", "with --http-auth entra: the scope or app role callers need")
	fs.StringVar(&hc.Entra.Authority, "http-authority", "", "with --http-auth entra: the sign-in authority that issues tokens and publishes their keys, https only (default: the --cloud's, such as https://login.microsoftonline.com)")
	fs.StringVar(&hc.PublicURL, "http-public-url", "", "with --transport http: the https URL clients reach this server at, such as https://mcp.contoso.com (a reverse proxy's); the OAuth metadata names it. Default: the --addr URL, when that is loopback")
	fs.IntVar(&hc.MaxSessions, "max-sessions", httpserve.DefaultMaxSessions, "with --transport http: live MCP sessions allowed; past it a new session is answered 503 with Retry-After")
	fs.IntVar(&hc.MaxSessionsPerCaller, "max-sessions-per-caller", httpserve.DefaultMaxSessionsPerCaller, "with --http-auth entra: live MCP sessions one caller (user or app, per client app) may hold")
	fs.DurationVar(&hc.SessionIdleTimeout, "session-idle-timeout", httpserve.DefaultSessionIdleTimeout, "with --transport http: a session unused this long ends")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if err := applyEnv(fs, getenv); err != nil {
		return err
	}
	var cfg config
	if err := cfg.logLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{fmt.Sprintf("--log-level %q: want debug, info, warn or error", *logLevel)}
	}

	cfg.source = strings.ToLower(strings.TrimSpace(*source))
	if !slices.Contains(sources, cfg.source) {
		return usageError{fmt.Sprintf("--source %q: want one of %s", *source, strings.Join(sources, ", "))}
	}
	cfg.files = splitList(*filesFlag)
	if cfg.source == "files" && len(cfg.files) == 0 {
		return usageError{"--source files needs --files PATH[,PATH] (or ENTRA_SIGNIN_FILES): the exported sign-in logs to read"}
	}
	if cfg.source != "files" && len(cfg.files) > 0 {
		return usageError{fmt.Sprintf("--files is only read with --source files (the source is %s)", cfg.source)}
	}

	if cfg.source == "loganalytics" {
		cfg.la = loganalytics.Config{
			Workspaces: splitList(*workspaces), Cloud: gc.Cloud, URL: *laURL, Auth: gc.Auth,
			TenantID: gc.TenantID, ClientID: gc.ClientID, ClientCertificate: gc.ClientCertificate,
			Timeout: *laTimeout, Getenv: getenv, Prompt: stderr,
		}
		if *laTimeout <= 0 {
			return usageError{fmt.Sprintf("--loganalytics-timeout %s: want 1s to 10m (the query API waits at most 10 minutes)", *laTimeout)}
		}
		if err := cfg.la.Validate(); err != nil {
			return usageError{err.Error()}
		}
		if gc.GraphURL != "" {
			return usageError{"--graph-url is not read with --source loganalytics: set --loganalytics-url for the query endpoint"}
		}
	} else {
		for name, set := range map[string]bool{"--workspace": *workspaces != "", "--loganalytics-url": *laURL != "", "--loganalytics-timeout": *laTimeout != loganalytics.DefaultTimeout} {
			if set {
				return usageError{fmt.Sprintf("%s is only read with --source loganalytics (the source is %s)", name, cfg.source)}
			}
		}
	}

	gc.Getenv = getenv
	gc.Prompt = stderr
	switch *graphAuth {
	case "app":
	case "on-behalf-of":
		gc.OnBehalfOf = true
	default:
		return usageError{fmt.Sprintf("--graph-auth %q: want app or on-behalf-of", *graphAuth)}
	}
	switch *transport {
	case "stdio":
	case "http":
		cfg.httpOn = true
		hc.AllowedOrigins, hc.AllowedHosts = splitList(*origins), splitList(*hosts)
		hc.Entra.Audiences = splitList(*audience)
		hc.Entra.TenantID = gc.TenantID
		if hc.Entra.TenantID == "" {
			hc.Entra.TenantID = getenv("AZURE_TENANT_ID")
		}
		hc.Token = getenv("ENTRA_SIGNIN_HTTP_TOKEN")
		if hc.Entra.Authority == "" {
			// The tokens' authority is the cloud's, as for the Graph credential.
			if c, ok := graph.Clouds[gc.Cloud]; ok {
				hc.Entra.Authority = strings.TrimRight(c.Authority.ActiveDirectoryAuthorityHost, "/")
			}
		}
		if err := hc.Validate(); err != nil {
			return usageError{err.Error()}
		}
		cfg.http = hc
		if gc.OnBehalfOf && hc.Auth != httpserve.AuthEntra {
			return usageError{"--graph-auth on-behalf-of needs --http-auth entra: the server can act only for a caller whose Entra ID token it validated"}
		}
	default:
		return usageError{fmt.Sprintf("--transport %q: want stdio or http", *transport)}
	}
	if gc.OnBehalfOf && cfg.source == "loganalytics" {
		return usageError{"--graph-auth on-behalf-of calls Microsoft Graph as each caller; it does not apply to --source loganalytics, which queries the workspace with the server's --auth credential"}
	}
	if gc.OnBehalfOf && !cfg.httpOn {
		return usageError{"--graph-auth on-behalf-of needs --transport http --http-auth entra"}
	}
	cfg.graph = gc

	rest := fs.Args()
	cmd := "serve"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "entra-signin-mcp", buildVersion())
		return nil
	case "check":
		if len(rest) > 0 {
			return usageError{"check takes no arguments"}
		}
	case "serve":
		if len(rest) > 0 {
			return usageError{fmt.Sprintf("serve takes no arguments, got %q", rest)}
		}
	case "call":
		if len(rest) < 1 || len(rest) > 2 {
			return usageError{"call needs a tool name and at most one JSON object of arguments: call explain_error_code '{\"code\":50126}'"}
		}
	default:
		return usageError{fmt.Sprintf("unknown command %q: want serve, call, check or version (flags go before the command)", cmd)}
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	cat, err := catalog.Load()
	if err != nil {
		return fmt.Errorf("load the embedded catalog: %w", err)
	}
	src, err := openSource(ctx, cfg, logger)
	if err != nil {
		return err
	}
	if cmd == "check" {
		return runCheck(ctx, src, stdout)
	}
	srv := mcpserver.New(mcpserver.Options{Version: buildVersion(), Catalog: cat, Source: src, Logger: logger})

	if cmd == "call" {
		argJSON := "{}"
		if len(rest) == 2 {
			argJSON = rest[1]
		}
		return callTool(ctx, srv, rest[0], argJSON, stdout, stderr)
	}
	if cfg.httpOn {
		cfg.http.Ready = readiness(src)
		return serveHTTP(ctx, srv, cfg.http, logger, src.Name())
	}
	logger.Info("serving MCP on stdio", "version", buildVersion(), "source", src.Name(), "catalogVersion", cat.Version, "catalogEntries", cat.Len())
	stdio := server.NewStdioServer(srv)
	stdio.SetErrorLogger(log.New(stderr, "mcp: ", 0))
	err = stdio.Listen(ctx, stdin, stdout)
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("serve stdio: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// openSource builds the configured sign-in source. A Graph source without a
// credential still yields a server: its tools answer with the reason, and the
// catalog works. Exported files load in the background: a pattern that
// matches no file stops start-up; a file that fails to decode is left out
// and named (every file failing makes the sign-in tools say why).
func openSource(ctx context.Context, cfg config, logger *slog.Logger) (signin.Source, error) {
	switch cfg.source {
	case "demo":
		start := time.Now()
		// One now for both: the directory's events are placed relative to
		// the sign-ins.
		now := time.Now().UTC()
		store := memory.New("demo", demo.Generate(now), memory.WithDirectory(directory.NewMemory(demo.Directory(now))))
		oldest, newest := store.Range()
		logger.Info("demo tenant generated", "signIns", store.Len(), "from", oldest, "to", newest, "took", time.Since(start))
		return store, nil
	case "files":
		// Exports of a million sign-ins take seconds to read: the server
		// answers initialize at once and the sign-in tools wait for the
		// data. What would fail the whole load is refused here.
		if err := loading.CheckFiles(cfg.files); err != nil {
			return nil, fmt.Errorf("--source files: %w", err)
		}
		return loading.Start(ctx, "files", loading.Files(cfg.files, logger)), nil
	case "graph":
		src, err := graph.New(cfg.graph)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		c := src.Config()
		logger.Info("graph source configured", "graphURL", c.GraphURL, "cloud", c.Cloud, "auth", c.Auth, "requestsPer10s", c.RequestsPerWindow)
		return src, nil
	case "loganalytics":
		lc := cfg.la
		lc.Logger = logger
		src, err := loganalytics.New(lc)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		c := src.Config()
		logger.Info("log analytics source configured", "endpoint", c.URL, "cloud", c.Cloud, "auth", c.Auth, "workspaces", c.Workspaces, "timeout", c.Timeout)
		return src, nil
	default:
		// run accepts only the sources above.
		return nil, fmt.Errorf("--source %q: no such source", cfg.source)
	}
}

// readiness is /readyz for src: a source loading in the background is ready
// once its data is served; the others are ready at once. The reason names
// no file: /readyz needs no authentication, and the log and the sign-in
// tools' errors name them.
func readiness(src signin.Source) func() httpserve.Readiness {
	l, ok := src.(*loading.Source)
	if !ok {
		return nil
	}
	return func() httpserve.Readiness {
		st := l.State()
		switch {
		case !st.Done:
			return httpserve.Readiness{Status: "loading", Reason: "loading the sign-in exports: " + loading.Describe(st.Progress)}
		case st.Err != nil:
			return httpserve.Readiness{Status: "failed", Reason: "no sign-in export could be loaded: the server log and the sign-in tools' errors say which file failed and where"}
		}
		return httpserve.Readiness{Ready: true, Status: "ready"}
	}
}

// serveHTTP serves streamable HTTP until ctx ends (SIGINT, SIGTERM), then
// drains in-flight requests.
func serveHTTP(ctx context.Context, srv *server.MCPServer, hc httpserve.Config, logger *slog.Logger, source string) error {
	hc.Logger = logger
	ln, err := net.Listen("tcp", hc.Addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", hc.Addr, err)
	}
	if _, port, _ := net.SplitHostPort(hc.Addr); port == "0" {
		// The public URL derived from a loopback --addr must name the port
		// the system picked.
		if hc.PublicURL == "http://"+hc.Addr {
			hc.PublicURL = ""
		}
		hc.Addr = ln.Addr().String()
	}
	hs, err := httpserve.New(srv, hc)
	if err != nil {
		ln.Close()
		return usageError{err.Error()}
	}
	logger.Info("serving MCP over streamable HTTP", "url", "http://"+ln.Addr().String()+"/mcp", "auth", hc.Auth, "stateless", hc.Stateless, "source", source)
	err = hs.Serve(ctx, ln, 15*time.Second)
	logger.Info("stopped")
	return err
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// applyEnv sets every flag not given on the command line from its
// environment variable, when that is set.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		if v := getenv(name); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = usageError{fmt.Sprintf("%s=%q: %v", name, v, e)}
			}
		}
	})
	return err
}

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// callTool runs one tool through the in-process client, so the call passes
// the same validation and middleware as a call from an MCP host.
func callTool(ctx context.Context, srv *server.MCPServer, name, argJSON string, stdout, stderr io.Writer) error {
	var args map[string]any
	if err := json.Unmarshal([]byte(argJSON), &args); err != nil || args == nil {
		return usageError{fmt.Sprintf("call %s: the arguments must be one JSON object, such as '{\"code\":50126}'", name)}
	}
	c, err := mcpserver.Connect(ctx, srv, "entra-signin-mcp-call", buildVersion())
	if err != nil {
		return fmt.Errorf("call %s: %w", name, err)
	}
	defer c.Close()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return fmt.Errorf("call %s: %w", name, err)
	}
	if res.IsError {
		for _, c := range res.Content {
			if t, ok := c.(mcp.TextContent); ok {
				fmt.Fprintln(stderr, t.Text)
			}
		}
		return toolFailed{name}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(res.StructuredContent)
}

// buildVersion returns the release version, the module version when built
// with go install, or "devel".
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// runCheck reports whether the source answers: for Graph, the credential in
// use, the tenant and roles or scopes of the token, and a one-row query; for
// Log Analytics, the credential, the workspace answering, and its sign-in
// tables' rows over the last day.
func runCheck(ctx context.Context, src signin.Source, stdout io.Writer) error {
	type checker interface {
		Check(ctx context.Context) (graph.CheckReport, error)
	}
	type laChecker interface {
		Check(ctx context.Context) (loganalytics.CheckReport, error)
	}
	printReport := func(rep any, err error) error {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if encErr := enc.Encode(rep); encErr != nil {
			return encErr
		}
		return err
	}
	if c, ok := src.(checker); ok {
		return printReport(c.Check(ctx))
	}
	if c, ok := src.(laChecker); ok {
		return printReport(c.Check(ctx))
	}
	now, err := src.Now(ctx)
	if err != nil {
		return fmt.Errorf("check %s: %w", src.Name(), err)
	}
	users, err := src.FailedUsers(ctx, "", 0)
	if err != nil {
		return fmt.Errorf("check %s: %w", src.Name(), err)
	}
	fmt.Fprintf(stdout, "source %s: ready; now is %s; %s with failures\n", src.Name(), now.Format(time.RFC3339), plural.Count(len(users), "user", "users"))
	return nil
}
