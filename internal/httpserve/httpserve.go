// Package httpserve serves the MCP server over streamable HTTP for a shared
// deployment: /mcp (mcp-go's streamable HTTP handler), /healthz, and with
// Entra ID authentication the RFC 9728 protected-resource metadata. It adds
// what mcp-go lacks or leaves optional: Host and Origin checks on every
// request, bearer authentication (a static token or Entra ID access tokens),
// a body limit, timeouts, and graceful shutdown.
package httpserve

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

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
	// BodyLimit bounds a request body; MCP messages are small.
	BodyLimit int64
	Logger    *slog.Logger
}

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
		if !isLoopback(host) {
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
	if c.BodyLimit <= 0 {
		c.BodyLimit = 1 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

func isLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Server is the HTTP front of one MCP server.
type Server struct {
	cfg     Config
	mcp     *server.StreamableHTTPServer
	handler http.Handler
	entra   *entraValidator
}

// New builds the HTTP server for s.
func New(s *server.MCPServer, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// mcp-go's own localhost protection is replaced by guard's Host check,
	// which also knows the allowed reverse-proxy names.
	opts := []server.StreamableHTTPOption{server.WithEndpointPath("/mcp"), server.WithDisableLocalhostProtection(true)}
	if cfg.Stateless {
		opts = append(opts, server.WithStateLess(true))
	} else {
		opts = append(opts, server.WithStateful(true), server.WithSessionIdleTTL(30*time.Minute))
	}
	hs := &Server{cfg: cfg, mcp: server.NewStreamableHTTPServer(s, opts...)}
	if cfg.Auth == AuthEntra {
		hs.entra = newEntraValidator(cfg.Entra)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	if hs.entra != nil {
		mux.HandleFunc("/.well-known/oauth-protected-resource", hs.protectedResourceMetadata)
		mux.HandleFunc("/.well-known/oauth-protected-resource/mcp", hs.protectedResourceMetadata)
	}
	mux.Handle("/mcp", hs.guard(hs.mcp))
	hs.handler = mux
	return hs, nil
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

// guard checks Host, Origin and authentication, and bounds the body, before
// a request reaches the MCP handler.
func (hs *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hs.hostAllowed(r) {
			http.Error(w, fmt.Sprintf("Forbidden: Host %q is not served here", r.Host), http.StatusForbidden)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !hs.originAllowed(origin) {
			http.Error(w, fmt.Sprintf("Forbidden: Origin %q is not allowed (see --allowed-origins)", origin), http.StatusForbidden)
			return
		}
		if !hs.authenticate(w, r) {
			return
		}
		if hs.cfg.Auth == AuthEntra {
			// The validated token travels with this request only: a source
			// acting on the caller's behalf reads it from the context.
			tok, _ := bearer(r)
			r = r.WithContext(signin.WithCaller(r.Context(), tok))
		}
		r.Body = http.MaxBytesReader(w, r.Body, hs.cfg.BodyLimit)
		next.ServeHTTP(w, r)
	})
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
	if isLoopback(lh) {
		return isLoopback(h)
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
	return isLoopback(bound) && isLoopback(u.Hostname())
}

// authenticate answers 401 with a WWW-Authenticate challenge when the
// request lacks a valid bearer token. It never logs the token.
func (hs *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	if hs.cfg.Auth == AuthNone {
		return true
	}
	tok, ok := bearer(r)
	switch hs.cfg.Auth {
	case AuthToken:
		if ok && subtle.ConstantTimeCompare([]byte(tok), []byte(hs.cfg.Token)) == 1 {
			return true
		}
		hs.challenge(w, r, "invalid_token", "a valid bearer token is required")
		return false
	case AuthEntra:
		if !ok {
			hs.challenge(w, r, "", "an Entra ID access token is required")
			return false
		}
		if err := hs.entra.validate(r.Context(), tok); err != nil {
			hs.cfg.Logger.Info("rejected a bearer token", "reason", err.Error(), "remote", r.RemoteAddr)
			hs.challenge(w, r, "invalid_token", err.Error())
			return false
		}
		return true
	}
	return false
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
// the protected-resource metadata (RFC 9728).
func (hs *Server) challenge(w http.ResponseWriter, r *http.Request, code, desc string) {
	parts := []string{`Bearer realm="entra-signin-mcp"`}
	if hs.entra != nil {
		parts = append(parts, fmt.Sprintf(`resource_metadata=%q`, baseURL(r)+"/.well-known/oauth-protected-resource"))
	}
	if code != "" {
		parts = append(parts, fmt.Sprintf(`error=%q`, code), fmt.Sprintf(`error_description=%q`, strings.ReplaceAll(desc, `"`, "'")))
	}
	w.Header().Set("WWW-Authenticate", strings.Join(parts, ", "))
	http.Error(w, "Unauthorized: "+desc, http.StatusUnauthorized)
}

// baseURL is the URL the client used to reach this server.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
