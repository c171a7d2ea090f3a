// Package graphfake is an in-process fake of Microsoft Graph's sign-in log
// API (/auditLogs/signIns under /v1.0 and /beta), and of the directory reads
// of a diagnosis (directoryAudits, users, Conditional Access policies,
// userRegistrationDetails, servicePrincipals, applications: see Directory),
// for tests of the graph
// source through the real msgraph-sdk-go request adapter (httptest) and for
// end-to-end tests of the built binary. It parses and evaluates $filter as
// Graph does, pages with @odata.nextLink and expiring skip tokens, and
// answers throttling, authentication, licence and permission failures with
// Graph's status codes, headers and error bodies. It imports only the
// standard library.
package graphfake

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults of a new Server.
const (
	// DefaultPageSize is Graph's page size (and maximum $top) for sign-ins.
	DefaultPageSize = 1000
	// DefaultSkipTokenTTL is how long a skip token stays valid. Graph does not
	// publish the figure; its tokens are known to expire after minutes.
	DefaultSkipTokenTTL = 10 * time.Minute
)

// Server is a fake of Graph's /auditLogs/signIns under /v1.0 and /beta, and
// of the directory endpoints of Directory (WithDirectory). It is
// an http.Handler; serve it with httptest.NewServer. Its records are fixed at
// New; its faults and settings may change between requests. It is safe for
// concurrent use.
type Server struct {
	recs []record
	key  []byte // skip-token MAC key, random per Server

	mu       sync.Mutex
	cfg      settings
	throttle int // requests still to throttle
	failN    int // requests still to fail with failure
	failure  fault
	requests []Request
	dir      directory
	denied   map[Endpoint]fault // 403 answers per endpoint (Deny)
}

// settings are the knobs a request reads.
type settings struct {
	token      string // required bearer token; "" accepts any or none
	throttleRA time.Duration
	fault      fault // answered to every request, when status != 0
	retryAfter time.Duration
	pageSize   int
	maxPage    int
	ttl        time.Duration
	retention  time.Duration
	now        func() time.Time
}

// fault is an injected error answer.
type fault struct {
	status  int
	code    string
	message string
}

// Request is one request the Server received, as Requests reports it.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path as sent (escaped).
	Path string
	// Query is the decoded query string.
	Query url.Values
	// Token is the bearer token of the Authorization header, "" if none.
	Token string
	// Status is the HTTP status the Server answered.
	Status int
	// RequestID is the request-id header of the answer.
	RequestID string
	// Header is a copy of the request's headers.
	Header http.Header
}

// Option configures a Server at New. Each has a method of the same effect
// for changing it later.
type Option func(*Server)

// WithToken makes the Server require "Authorization: Bearer <token>":
// without one it answers 401 InvalidAuthenticationToken "Access token is
// empty."; with another, 401 "Access token validation failure.".
func WithToken(token string) Option { return func(s *Server) { s.SetToken(token) } }

// WithThrottle answers the next n requests (that pass the token check and
// reach a known route) with 429 TooManyRequests and Retry-After: retryAfter
// in whole seconds, rounded up.
func WithThrottle(n int, retryAfter time.Duration) Option {
	return func(s *Server) { s.Throttle(n, retryAfter) }
}

// WithStatus answers every request (after the token check, routing and
// throttling) with status and a Graph error body of code; an empty code
// takes the usual one for the status. The message is Graph's text for the
// code (see Message). Status 0 turns it off. The 403 codes are
// CodeNoPremiumLicence, CodePermissionMissing, CodeUnsupportedUserRole and
// CodeRequestDenied.
func WithStatus(status int, code string) Option {
	return func(s *Server) { s.SetStatus(status, code) }
}

// WithError is WithStatus with a message of the caller's.
func WithError(status int, code, message string) Option {
	return func(s *Server) { s.SetError(status, code, message) }
}

// WithFailures answers the next n requests with status and code, then
// serves normally: a transient 503 or 504, say.
func WithFailures(n, status int, code string) Option {
	return func(s *Server) { s.FailNext(n, status, code) }
}

// WithRetryAfter sets the Retry-After that 503 answers (and 429 answers of
// WithStatus and WithFailures) carry; the default is 0 seconds so that
// retrying clients do not slow tests down. 504 answers carry none, as at
// Graph.
func WithRetryAfter(d time.Duration) Option { return func(s *Server) { s.SetRetryAfter(d) } }

// WithPageSize sets the page size used when $top is absent (Graph: 1000).
func WithPageSize(n int) Option { return func(s *Server) { s.SetPageSize(n) } }

// WithMaxPageSize caps every page at n sign-ins even when $top asks for
// more, with a nextLink for the rest: Graph's sign-in pages often hold fewer
// rows than $top although more follow, and a client must page on nextLink,
// not on a short page. 0 removes the cap.
func WithMaxPageSize(n int) Option { return func(s *Server) { s.SetMaxPageSize(n) } }

// WithSkipTokenTTL makes skip tokens older than d (by the Server's clock)
// answer 400 CodeExpiredPageToken. d <= 0: they never expire. The default is
// DefaultSkipTokenTTL.
func WithSkipTokenTTL(d time.Duration) Option { return func(s *Server) { s.SetSkipTokenTTL(d) } }

// WithClock sets the Server's clock: skip-token age, retention and the date
// in error bodies. The default is time.Now.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.SetClock(now) } }

// WithRetention hides sign-ins older than d by the Server's clock, as Graph
// keeps 7 (free) or 30 (P1/P2) days. 0, the default, keeps everything.
func WithRetention(d time.Duration) Option { return func(s *Server) { s.SetRetention(d) } }

// New returns a Server holding records: Graph signIn objects in the beta
// shape (each with an id and an RFC 3339 createdDateTime); v1.0 answers
// drop beta-only properties and non-interactive sign-ins. A record without
// signInEventTypes counts as interactiveUser, or nonInteractiveUser when
// isInteractive is false. New panics on a record that is not such an object
// or repeats an id: that is a broken test fixture.
func New(records []json.RawMessage, opts ...Option) *Server {
	recs, err := loadRecords(records)
	if err != nil {
		panic(fmt.Sprintf("graphfake: %v", err))
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s := &Server{
		recs: recs,
		key:  key,
		cfg: settings{
			pageSize: DefaultPageSize,
			ttl:      DefaultSkipTokenTTL,
			now:      time.Now,
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// SetToken sets the required bearer token ("" accepts any or none).
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.token = token
}

// Throttle answers the next n requests with 429 and Retry-After (see
// WithThrottle).
func (s *Server) Throttle(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
	s.cfg.throttleRA = retryAfter
}

// SetStatus answers every request with status and code (see WithStatus).
func (s *Server) SetStatus(status int, code string) { s.SetError(status, code, "") }

// SetError answers every request with status, code and message (see
// WithError); status 0 turns it off.
func (s *Server) SetError(status int, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.fault = newFault(status, code, message)
}

// FailNext answers the next n requests with status and code (see
// WithFailures).
func (s *Server) FailNext(n, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN = n
	s.failure = newFault(status, code, "")
}

func newFault(status int, code, message string) fault {
	if status == 0 {
		return fault{}
	}
	if code == "" {
		code = defaultCode(status)
	}
	return fault{status: status, code: code, message: message}
}

// SetRetryAfter sets the Retry-After of 503 answers (see WithRetryAfter).
func (s *Server) SetRetryAfter(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.retryAfter = d
}

// SetPageSize sets the page size used when $top is absent; n < 1 restores
// DefaultPageSize.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 {
		n = DefaultPageSize
	}
	s.cfg.pageSize = n
}

// SetMaxPageSize caps every page at n sign-ins (see WithMaxPageSize).
func (s *Server) SetMaxPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.maxPage = max(n, 0)
}

// SetSkipTokenTTL sets the age after which skip tokens expire (see
// WithSkipTokenTTL).
func (s *Server) SetSkipTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.ttl = d
}

// SetClock sets the Server's clock; nil restores time.Now.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.cfg.now = now
}

// SetRetention hides sign-ins older than d (see WithRetention).
func (s *Server) SetRetention(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.retention = d
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// route is what a request path names.
type route struct {
	version Version
	id      string // "" for the list
}

// ServeHTTP answers one request as Graph would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()

	rp := &reply{w: w, requestID: newUUID(), now: cfg.now()}
	rp.clientRequestID = r.Header.Get("client-request-id")
	if rp.clientRequestID == "" {
		rp.clientRequestID = rp.requestID
	}
	w.Header().Set("request-id", rp.requestID)
	w.Header().Set("client-request-id", rp.clientRequestID)

	token := bearerToken(r)
	status := s.serve(rp, r, cfg, token)

	q, _ := url.ParseQuery(r.URL.RawQuery)
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method:    r.Method,
		Path:      r.URL.EscapedPath(),
		Query:     q,
		Token:     token,
		Status:    status,
		RequestID: rp.requestID,
		Header:    r.Header.Clone(),
	})
	s.mu.Unlock()
}

func (s *Server) serve(rp *reply, r *http.Request, cfg settings, token string) int {
	if cfg.token != "" {
		if _, ok := r.Header["Authorization"]; !ok || token == "" {
			rp.w.Header().Set("WWW-Authenticate", wwwAuthenticate)
			return rp.fail(http.StatusUnauthorized, CodeInvalidToken, "")
		}
		if token != cfg.token {
			rp.w.Header().Set("WWW-Authenticate", wwwAuthenticate)
			return rp.fail(http.StatusUnauthorized, CodeInvalidToken, tokenInvalidMessage)
		}
	}
	dr, isDir := parseDirRoute(r.URL.EscapedPath())
	rt, seg, ok := parseRoute(r.URL.EscapedPath())
	if !ok && !isDir {
		// Graph answers an unknown segment with 400 BadRequest and this text;
		// the fake answers 404 so that a wrong URL cannot pass for a bad query.
		return rp.fail(http.StatusNotFound, CodeBadRequest, fmt.Sprintf("Resource not found for the segment '%s'.", seg))
	}
	if r.Method != http.MethodGet && !isDir {
		rp.w.Header().Set("Allow", http.MethodGet)
		return rp.fail(http.StatusMethodNotAllowed, "Request_BadRequest",
			fmt.Sprintf("The requested resource does not support http method '%s'.", r.Method))
	}

	s.mu.Lock()
	throttled := s.throttle > 0
	if throttled {
		s.throttle--
	}
	failing := !throttled && s.failN > 0
	failure := s.failure
	if failing {
		s.failN--
	}
	s.mu.Unlock()
	switch {
	case throttled:
		rp.w.Header().Set("Retry-After", retryAfterSeconds(cfg.throttleRA))
		return rp.fail(http.StatusTooManyRequests, CodeTooManyRequests, "")
	case failing:
		return s.answerFault(rp, failure, cfg)
	case cfg.fault.status != 0:
		return s.answerFault(rp, cfg.fault, cfg)
	case isDir:
		return s.serveDirectory(rp, r, dr, cfg)
	}
	s.mu.Lock()
	denied, isDenied := s.denied[EndpointSignIns]
	s.mu.Unlock()
	if isDenied {
		return s.answerFault(rp, denied, cfg)
	}

	if rt.id != "" {
		return s.get(rp, r, rt, cfg)
	}
	return s.list(rp, r, rt, cfg)
}

func (s *Server) answerFault(rp *reply, f fault, cfg settings) int {
	if f.status == http.StatusServiceUnavailable || f.status == http.StatusTooManyRequests {
		rp.w.Header().Set("Retry-After", retryAfterSeconds(cfg.retryAfter))
	}
	if f.status == http.StatusUnauthorized {
		rp.w.Header().Set("WWW-Authenticate", wwwAuthenticate)
	}
	return rp.fail(f.status, f.code, f.message)
}

// wwwAuthenticate is the challenge Graph sends with a 401.
const wwwAuthenticate = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`

// retryAfterSeconds renders d as Retry-After: whole seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64(math.Ceil(max(d, 0).Seconds())), 10)
}

// bearerToken returns the token of an "Authorization: Bearer ..." header.
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// parseRoute accepts /{v1.0|beta}/auditLogs/signIns[/{id}] (segments
// case-insensitive, as at Graph). When it does not, it returns the first
// segment it could not resolve.
func parseRoute(escaped string) (route, string, bool) {
	segs := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	if len(segs) == 4 && segs[3] == "" {
		segs = segs[:3]
	}
	var rt route
	switch {
	case strings.EqualFold(segs[0], string(V1)):
		rt.version = V1
	case strings.EqualFold(segs[0], string(Beta)):
		rt.version = Beta
	default:
		return rt, segs[0], false
	}
	for i, w := range []string{"auditLogs", "signIns"} {
		if i+1 >= len(segs) {
			return rt, segs[len(segs)-1], false
		}
		if !strings.EqualFold(segs[i+1], w) {
			return rt, segs[i+1], false
		}
	}
	switch len(segs) {
	case 3:
		return rt, "", true
	case 4:
		id, err := url.PathUnescape(segs[3])
		if err != nil || id == "" {
			return rt, segs[3], false
		}
		rt.id = id
		return rt, "", true
	}
	return rt, segs[4], false
}

// newUUID returns a random (version 4) UUID, as Graph's request IDs are.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// validUTF8 reports whether every value of q is UTF-8, as Graph decodes it.
func validUTF8(q url.Values) bool {
	for k, vs := range q {
		if !utf8.ValidString(k) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}
