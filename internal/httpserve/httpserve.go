// Package httpserve serves the MCP server over streamable HTTP for a shared
// deployment: /mcp (mcp-go's streamable HTTP handler), /healthz, /readyz, and with
// Entra ID authentication the RFC 9728 protected-resource metadata. It adds
// what mcp-go lacks or leaves optional: Host and Origin checks on every
// request, bearer authentication (a static token or Entra ID access tokens),
// a body limit, timeouts, and graceful shutdown.
package httpserve

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/loopback"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Auth modes of --http-auth.
const (
	AuthNone  = "none"
	AuthToken = "token"
	AuthEntra = "entra"
)

// Config configures the HTTP server.
type Config struct {
	Addr           string   // host:port to listen on
	Stateless      bool     // no sessions (for load-balanced deployments)
	AllowedOrigins []string // browser origins allowed to call /mcp (scheme://host[:port])
	AllowedHosts   []string // Host header values allowed besides the bound address
	Auth           string   // none, token or entra
	Token          string   // with token: the bearer token (from ENTRA_SIGNIN_HTTP_TOKEN)
	Entra          EntraConfig
	// PublicURL is where clients reach this server (scheme://host[:port],
	// no path): the protected-resource metadata and 401 challenges name it.
	// Default: the listen address, when that is loopback; required for
	// --http-auth entra off loopback.
	PublicURL string
	// MaxSessions bounds live MCP sessions (default 1000); past it an
	// initialize is answered 503 with Retry-After.
	MaxSessions int
	// MaxSessionsPerCaller bounds one Entra ID caller's live sessions
	// (default 50). Static-token and unauthenticated modes have a single
	// caller, so only MaxSessions applies to them.
	MaxSessionsPerCaller int
	// SessionIdleTimeout ends a session unused this long (default 10m).
	SessionIdleTimeout time.Duration
	// BodyLimit bounds a request body; MCP messages are small.
	BodyLimit int64
	Logger    *slog.Logger
	// Ready, when set, says whether the sign-in data can be served yet
	// (/readyz); nil means always. /healthz answers 200 regardless: a
	// server still loading is alive, and restarting it would not help.
	Ready func() Readiness
}

// Readiness is what /readyz answers.
type Readiness struct {
	// Ready is true once sign-in questions can be answered: /readyz is then
	// 200, otherwise 503.
	Ready bool `json:"-"`
	// Status is ready, loading or failed.
	Status string `json:"status"`
	// Reason says, for people, why the server is not ready, or what a ready
	// server lacks (exports left out). It must hold no secret: /readyz
	// needs no authentication.
	Reason string `json:"reason,omitempty"`
}

// Session defaults.
const (
	DefaultMaxSessions          = 1000
	DefaultMaxSessionsPerCaller = 50
	DefaultSessionIdleTimeout   = 10 * time.Minute
)

// ErrConfig marks a configuration the server refuses to start with.
var ErrConfig = errors.New("http configuration")

// Validate refuses unsafe or incomplete configurations with a message that
// says how to fix them.
func (c *Config) Validate() error {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("%w: --addr %q: want host:port such as 127.0.0.1:8080", ErrConfig, c.Addr)
	}
	switch c.Auth {
	case "", AuthNone:
		c.Auth = AuthNone
		if !loopback.Host(host) {
			return fmt.Errorf("%w: --addr %s is not a loopback address and --http-auth is none: anyone who can reach it could read your sign-in logs. Bind to 127.0.0.1, or set --http-auth token (with ENTRA_SIGNIN_HTTP_TOKEN) or --http-auth entra (with --tenant and --http-audience)", ErrConfig, c.Addr)
		}
	case AuthToken:
		if len(c.Token) < 16 {
			return fmt.Errorf("%w: --http-auth token needs ENTRA_SIGNIN_HTTP_TOKEN set to a secret of at least 16 characters", ErrConfig)
		}
	case AuthEntra:
		if err := c.Entra.validate(); err != nil {
			return fmt.Errorf("%w: --http-auth entra: %v", ErrConfig, err)
		}
	default:
		return fmt.Errorf("%w: --http-auth %q: want none, token or entra", ErrConfig, c.Auth)
	}
	for _, o := range c.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
			return fmt.Errorf("%w: --allowed-origins %q: want scheme://host[:port] such as https://admin.contoso.com", ErrConfig, o)
		}
	}
	if c.PublicURL != "" {
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
		if err := checkServiceURL(c.PublicURL); err != nil {
			return fmt.Errorf("%w: --http-public-url %q: %v", ErrConfig, c.PublicURL, err)
		}
	} else if loopback.Host(host) {
		c.PublicURL = loopbackURL(c.Addr)
	} else if c.Auth == AuthEntra {
		return fmt.Errorf("%w: --http-auth entra off loopback needs --http-public-url: the https URL clients reach this server at (the OAuth metadata names it)", ErrConfig)
	}
	if c.MaxSessions < 0 || c.MaxSessionsPerCaller < 0 || c.SessionIdleTimeout < 0 {
		return fmt.Errorf("%w: --max-sessions, --max-sessions-per-caller and --session-idle-timeout must not be negative", ErrConfig)
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.MaxSessionsPerCaller == 0 {
		c.MaxSessionsPerCaller = DefaultMaxSessionsPerCaller
	}
	if c.SessionIdleTimeout == 0 {
		c.SessionIdleTimeout = DefaultSessionIdleTimeout
	}
	if c.BodyLimit <= 0 {
		c.BodyLimit = 1 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Server is the HTTP front of one MCP server.
type Server struct {
	cfg      Config
	mcp      *server.StreamableHTTPServer
	handler  http.Handler
	entra    *entraValidator
	sessions *sessionStore // nil when stateless
}

// New builds the HTTP server for s.
func New(s *server.MCPServer, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// mcp-go's own localhost protection is replaced by guard's Host check,
	// which also knows the allowed reverse-proxy names.
	opts := []server.StreamableHTTPOption{server.WithEndpointPath("/mcp"), server.WithDisableLocalhostProtection(true)}
	hs := &Server{cfg: cfg}
	if cfg.Stateless {
		opts = append(opts, server.WithStateLess(true))
	} else {
		perCaller := 0
		if cfg.Auth == AuthEntra {
			perCaller = cfg.MaxSessionsPerCaller
		}
		hs.sessions = newSessionStore(cfg.MaxSessions, perCaller, cfg.SessionIdleTimeout, time.Now)
		// Our store replaces mcp-go's InsecureStatefulSessionIdManager (which
		// keeps every ID ever issued); mcp-go's sweeper frees its own
		// per-session state after the same idle time.
		opts = append(opts, server.WithSessionIdManagerResolver(sessionResolver{hs.sessions}), server.WithSessionIdleTTL(cfg.SessionIdleTimeout))
	}
	hs.mcp = server.NewStreamableHTTPServer(s, opts...)
	if cfg.Auth == AuthEntra {
		hs.entra = newEntraValidator(cfg.Entra)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", hs.readyz)
	if hs.entra != nil {
		meta := hs.hostGuard(http.HandlerFunc(hs.protectedResourceMetadata))
		mux.Handle("/.well-known/oauth-protected-resource", meta)
		mux.Handle("/.well-known/oauth-protected-resource/mcp", meta)
	}
	mux.Handle("/mcp", hs.guard(hs.mcp))
	hs.handler = mux
	return hs, nil
}

// readyz answers 200 when the sign-in data is served, and 503 while it
// loads or after its load failed, with the state and reason as JSON, so
// that a load balancer sends callers elsewhere meanwhile.
func (hs *Server) readyz(w http.ResponseWriter, r *http.Request) {
	st := Readiness{Ready: true, Status: "ready"}
	if hs.cfg.Ready != nil {
		st = hs.cfg.Ready()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !st.Ready {
		if st.Status == "loading" {
			w.Header().Set("Retry-After", "5")
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(st)
}

// Handler returns the server's routes.
func (hs *Server) Handler() http.Handler { return hs.handler }

// Serve serves on ln until ctx ends, then shuts down gracefully: in-flight
// requests finish (up to drain), new connections are refused.
func (hs *Server) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	srv := &http.Server{
		Handler:           hs.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		// No WriteTimeout: GET /mcp is a long-lived event stream.
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	_ = hs.mcp.Shutdown(sctx)
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	return nil
}

// hostGuard refuses a request whose Host is not served here.
func (hs *Server) hostGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hs.hostAllowed(r) {
			http.Error(w, fmt.Sprintf("Forbidden: Host %.100q is not served here", r.Host), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// guard checks Host, Origin and authentication, bounds the body, and
// enforces the session rules, before a request reaches the MCP handler.
func (hs *Server) guard(next http.Handler) http.Handler {
	return hs.hostGuard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !hs.originAllowed(origin) {
			http.Error(w, fmt.Sprintf("Forbidden: Origin %.100q is not allowed (see --allowed-origins)", origin), http.StatusForbidden)
			return
		}
		caller, ok := hs.authenticate(w, r)
		if !ok {
			return
		}
		ctx := withSessionCaller(r.Context(), caller)
		if hs.cfg.Auth == AuthEntra {
			// The validated token travels with this request only: a source
			// acting on the caller's behalf reads it from the context.
			tok, _ := bearer(r)
			ctx = signin.WithCaller(ctx, tok)
		}
		r = r.WithContext(ctx)
		r.Body = http.MaxBytesReader(w, r.Body, hs.cfg.BodyLimit)
		if hs.sessions == nil {
			next.ServeHTTP(w, r)
			return
		}
		hs.sessionGuard(next, w, r, caller)
	}))
}

// sessionGuard binds sessions to callers and bounds them. An initialize
// gets a reserved slot (or 503 with Retry-After); any other request naming a
// session must name a live session of the same caller, else 404 — the same
// answer as for an unknown session, so one caller cannot probe for another's
// sessions, nor use, listen on or end them.
func (hs *Server) sessionGuard(next http.Handler, w http.ResponseWriter, r *http.Request, caller string) {
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "Request Entity Too Large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var msg struct {
			Method string `json:"method"`
		}
		// The same test mcp-go applies before it generates a session ID.
		if json.Unmarshal(body, &msg) == nil && msg.Method == "initialize" {
			wait, ok := hs.sessions.reserve(caller)
			if !ok {
				hs.cfg.Logger.Warn("refused a new MCP session: at the session cap", "live", hs.sessions.count())
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				http.Error(w, "Service Unavailable: too many open MCP sessions; retry later, and end sessions you no longer use (DELETE /mcp)", http.StatusServiceUnavailable)
				return
			}
			res := &reservation{}
			defer func() {
				if !res.used.Load() {
					hs.sessions.release(caller)
				}
			}()
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), reservationKey{}, res)))
			return
		}
	}
	if id := r.Header.Get("Mcp-Session-Id"); id != "" {
		if err := hs.sessions.use(id, caller); err != nil {
			http.Error(w, "Session not found: initialize a new session", http.StatusNotFound)
			return
		}
	}
	next.ServeHTTP(w, r)
}

// hostAllowed: the Host must be the address the request arrived on, a
// loopback name when that address is loopback, or an allowed name. This
// defeats DNS rebinding.
func (hs *Server) hostAllowed(r *http.Request) bool {
	host := r.Host
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.Trim(h, "[]")
	for _, a := range hs.cfg.AllowedHosts {
		if strings.EqualFold(a, h) || strings.EqualFold(a, host) {
			return true
		}
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if local == nil {
		return false
	}
	lh, _, _ := net.SplitHostPort(local.String())
	lh = strings.Trim(lh, "[]")
	if loopback.Host(lh) {
		return loopback.Host(h)
	}
	return strings.EqualFold(h, lh)
}

// originAllowed: a browser Origin must be listed; the loopback origin of a
// loopback-bound server is allowed too.
func (hs *Server) originAllowed(origin string) bool {
	if slices.ContainsFunc(hs.cfg.AllowedOrigins, func(o string) bool { return strings.EqualFold(strings.TrimRight(o, "/"), origin) }) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	bound, _, _ := net.SplitHostPort(hs.cfg.Addr)
	return loopback.Host(bound) && loopback.Host(u.Hostname())
}

// Callers of the modes without per-user identity.
const (
	callerLocal = "local" // --http-auth none: whoever reaches loopback
	callerToken = "token" // --http-auth token: whoever holds the token
)

// authenticate answers 401 with a WWW-Authenticate challenge when the
// request lacks a valid bearer token, else returns the caller's key. It
// never logs the token; why a token was refused goes to the debug log only.
func (hs *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	if hs.cfg.Auth == AuthNone {
		return callerLocal, true
	}
	tok, ok := bearer(r)
	switch hs.cfg.Auth {
	case AuthToken:
		if ok && subtle.ConstantTimeCompare([]byte(tok), []byte(hs.cfg.Token)) == 1 {
			return callerToken, true
		}
		hs.challenge(w, "invalid_token", "a valid bearer token is required: send the server's token as Authorization: Bearer")
		return "", false
	case AuthEntra:
		if !ok {
			hs.challenge(w, "", "an Entra ID access token is required: "+hs.entra.fixHint)
			return "", false
		}
		caller, err := hs.entra.validate(r.Context(), tok)
		if err != nil {
			public := "the access token is not valid: " + hs.entra.fixHint
			var ae *authError
			if errors.As(err, &ae) {
				public = ae.Public
			}
			hs.cfg.Logger.Debug("rejected a bearer token", "reason", err.Error(), "remote", r.RemoteAddr)
			hs.challenge(w, "invalid_token", public)
			return "", false
		}
		return caller.key(), true
	}
	return "", false
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	t := strings.TrimSpace(h[7:])
	return t, t != ""
}

// challenge writes 401 with the RFC 6750 challenge, pointing Entra clients to
// the protected-resource metadata (RFC 9728) at the configured public URL.
func (hs *Server) challenge(w http.ResponseWriter, code, desc string) {
	parts := []string{`Bearer realm="entra-signin-mcp"`}
	if hs.entra != nil {
		parts = append(parts, fmt.Sprintf(`resource_metadata=%q`, hs.cfg.PublicURL+"/.well-known/oauth-protected-resource"))
	}
	if code != "" {
		parts = append(parts, fmt.Sprintf(`error=%q`, code), fmt.Sprintf(`error_description=%q`, strings.ReplaceAll(desc, `"`, "'")))
	}
	w.Header().Set("WWW-Authenticate", strings.Join(parts, ", "))
	http.Error(w, "Unauthorized: "+desc, http.StatusUnauthorized)
}
