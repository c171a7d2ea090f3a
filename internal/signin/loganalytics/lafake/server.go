package lafake

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Limits of the service that the Server imitates.
const (
	// DefaultRowLimit is the service's row limit per answer: past it, the
	// rows are cut and the answer carries a PartialError.
	DefaultRowLimit = 500000
	// DefaultSizeLimit is the service's data size limit per answer.
	DefaultSizeLimit = 64 << 20
	// DefaultWait is the server timeout without a Prefer: wait=N header
	// (the API's default is 3 minutes), MaxWait the most a client may ask.
	DefaultWait = 180 * time.Second
	MaxWait     = 10 * time.Minute
)

// Server is a fake of the Log Analytics query endpoint,
// POST /v1/workspaces/{workspaceId}/query. It is an http.Handler; serve it
// with httptest.NewTLSServer (azlogs sends a bearer token only over HTTPS)
// or, for clients that send their own Authorization header, over plain
// HTTP. Its tables are fixed at New; its faults may change between
// requests. It is safe for concurrent use.
type Server struct {
	mu         sync.Mutex
	token      string
	workspaces map[string]map[string]*Table // by workspace ID
	primary    string                       // holds New's sign-ins; "" when any ID is accepted
	anyID      map[string]*Table            // the tables of every workspace ID when none is configured
	rowLimit   int
	sizeLimit  int
	throttle   int
	retryAfter time.Duration
	deny       int
	log        io.Writer
	now        func() time.Time
	requests   []Request
}

// Request is one request the Server received, as Requests reports it.
type Request struct {
	// Workspace is the workspace ID of the path, Workspaces the body's
	// additional workspaces.
	Workspace  string   `json:"workspace"`
	Workspaces []string `json:"workspaces,omitempty"`
	// Query and Timespan are the body's.
	Query    string `json:"query"`
	Timespan string `json:"timespan,omitempty"`
	// Prefer is the Prefer header; Wait the server timeout it asked for in
	// seconds (0 when it asked for none).
	Prefer string `json:"prefer,omitempty"`
	Wait   int    `json:"wait,omitempty"`
	// Token is the bearer token sent, "" if none.
	Token string `json:"-"`
	// Status is the HTTP status answered, Code the error code (the inner
	// code for a 400, PartialError for a cut answer), Rows the rows sent.
	Status int    `json:"status"`
	Code   string `json:"code,omitempty"`
	Rows   int    `json:"rows"`
	// Skipped names the tables a fuzzy union left out: the workspace lacks
	// them.
	Skipped []string `json:"skipped,omitempty"`
}

// Option configures a Server at New.
type Option func(*config)

type config struct {
	token      string
	ids        []string
	extra      map[string][]signin.SignIn
	rowLimit   int
	sizeLimit  int
	throttle   int
	retryAfter time.Duration
	deny       int
	log        io.Writer
	now        func() time.Time
	missing    map[string]bool
}

// WithToken makes the Server require "Authorization: Bearer <token>":
// without one it answers 401 AuthorizationRequiredError, with another 401
// InvalidTokenError, as the service does.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithWorkspace sets the workspace IDs the Server knows: the sign-ins of
// New live in the first, the others start empty (WithWorkspaceSignIns
// fills them). A query that names another ID, in its path or in its
// additional workspaces, is answered 404 WorkspaceNotFoundError. Without
// it every ID is known and holds New's sign-ins.
func WithWorkspace(ids ...string) Option {
	return func(c *config) { c.ids = append(c.ids, ids...) }
}

// WithWorkspaceSignIns adds workspace id holding signins, for queries over
// several workspaces (additionalWorkspaces): the service unions each table
// across them.
func WithWorkspaceSignIns(id string, signins []signin.SignIn) Option {
	return func(c *config) {
		if c.extra == nil {
			c.extra = map[string][]signin.SignIn{}
		}
		c.extra[id] = append(c.extra[id], signins...)
	}
}

// WithRowLimit cuts every answer at n rows, with a 200 that carries a
// PartialError beside the tables, as the service does at 500,000 rows. The
// default is DefaultRowLimit.
func WithRowLimit(n int) Option { return func(c *config) { c.rowLimit = n } }

// WithSizeLimit cuts every answer before its rows, as JSON, exceed n bytes,
// with a PartialError, as the service does at about 64 MB (DefaultSizeLimit,
// the default; the service counts compressed bytes, the fake counts the
// rows' JSON).
func WithSizeLimit(n int) Option { return func(c *config) { c.sizeLimit = n } }

// WithThrottle answers the next n requests (that pass the token check)
// with 429 and Retry-After: retryAfter in whole seconds, rounded up; the
// requests after them are served.
func WithThrottle(n int, retryAfter time.Duration) Option {
	return func(c *config) { c.throttle, c.retryAfter = n, retryAfter }
}

// WithDeny answers every request (after the token check) with status: 403
// InsufficientAccessError (the caller lacks the Log Analytics Reader role
// on the workspace), 404 WorkspaceNotFoundError, or any other status with a
// generic error. 0 turns it off.
func WithDeny(status int) Option { return func(c *config) { c.deny = status } }

// WithLog writes a JSON line per request to w: Request's fields and the
// time.
func WithLog(w io.Writer) Option { return func(c *config) { c.log = w } }

// WithClock sets the clock that a timespan given as a duration ends at
// (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithMissingTables leaves tables out of every workspace, as a workspace
// whose diagnostic settings send only some sign-in categories lacks the
// others: a fuzzy union skips them, any other reference fails.
func WithMissingTables(names ...string) Option {
	return func(c *config) {
		if c.missing == nil {
			c.missing = map[string]bool{}
		}
		for _, n := range names {
			c.missing[n] = true
		}
	}
}

// New returns a Server whose workspace holds signins, each in its type's
// table (Row). It panics on a sign-in of no known type: a broken fixture.
func New(signins []signin.SignIn, opts ...Option) *Server {
	c := config{rowLimit: DefaultRowLimit, sizeLimit: DefaultSizeLimit, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	s := &Server{
		token: c.token, rowLimit: c.rowLimit, sizeLimit: c.sizeLimit, throttle: c.throttle, retryAfter: c.retryAfter,
		deny: c.deny, log: c.log, now: c.now, workspaces: map[string]map[string]*Table{},
	}
	must := func(t map[string]*Table, err error) map[string]*Table {
		if err != nil {
			panic(fmt.Sprintf("lafake: %v", err))
		}
		return t
	}
	if len(c.ids) == 0 {
		s.anyID = must(buildTables(signins, "", c.missing))
	} else {
		s.primary = c.ids[0]
		s.workspaces[c.ids[0]] = must(buildTables(signins, c.ids[0], c.missing))
		for _, id := range c.ids[1:] {
			s.workspaces[id] = must(buildTables(nil, id, c.missing))
		}
	}
	for id, sis := range c.extra {
		t := must(buildTables(sis, id, c.missing))
		if old, ok := s.workspaces[id]; ok {
			for name, tb := range t {
				old[name].Rows = append(old[name].Rows, tb.Rows...)
			}
			continue
		}
		s.workspaces[id] = t
	}
	return s
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Queries returns the query text of every request received so far that
// carried one, oldest first.
func (s *Server) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		if r.Query != "" {
			out = append(out, r.Query)
		}
	}
	return out
}

// apiError is the service's error object.
type apiError struct {
	Message       string      `json:"message"`
	Code          string      `json:"code"`
	CorrelationID string      `json:"correlationId,omitempty"`
	InnerError    *innerError `json:"innererror,omitempty"`
	Details       []detail    `json:"details,omitempty"`
}

type innerError struct {
	Code         string `json:"code"`
	Message      string `json:"message"`
	Severity     int    `json:"severity,omitempty"`
	SeverityName string `json:"severityName,omitempty"`
}

type detail struct {
	Code       string      `json:"code"`
	Message    string      `json:"message"`
	InnerError *innerError `json:"innererror,omitempty"`
}

var queryPath = regexp.MustCompile(`^/v1/workspaces/([^/]+)/query$`)

// ServeHTTP answers POST /v1/workspaces/{workspaceId}/query.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := Request{}
	if r.Header.Get("Prefer") != "" {
		req.Prefer = r.Header.Get("Prefer")
	}
	status, body, hdr := s.safeServe(r, &req)
	req.Status = status
	for k, v := range hdr {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	s.record(req)
}

func (s *Server) record(req Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	if s.log != nil {
		line := struct {
			Time string `json:"time"`
			Request
		}{time.Now().UTC().Format(time.RFC3339Nano), req}
		b, _ := json.Marshal(line)
		_, _ = s.log.Write(append(b, '\n'))
	}
}

func correlationID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func errorBody(e apiError) []byte {
	if e.CorrelationID == "" {
		e.CorrelationID = correlationID()
	}
	b, _ := json.Marshal(struct {
		Error apiError `json:"error"`
	}{e})
	return b
}

// safeServe is serve with a panic answered 500, as the service answers an
// internal error, rather than a dropped connection.
func (s *Server) safeServe(r *http.Request, req *Request) (status int, body []byte, hdr http.Header) {
	defer func() {
		if p := recover(); p != nil {
			req.Code = "InternalServerError"
			status, hdr = http.StatusInternalServerError, http.Header{}
			body = errorBody(apiError{Code: "InternalServerError", Message: fmt.Sprintf("lafake: %v", p)})
		}
	}()
	return s.serve(r, req)
}

// serve answers one request: status, body and headers.
func (s *Server) serve(r *http.Request, req *Request) (int, []byte, http.Header) {
	hdr := http.Header{}
	m := queryPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		req.Code = "PathNotFoundError"
		return http.StatusNotFound, errorBody(apiError{Code: "PathNotFoundError", Message: "The requested path does not exist"}), hdr
	}
	req.Workspace = m[1]
	if r.Method != http.MethodPost {
		hdr.Set("Allow", http.MethodPost)
		req.Code = "MethodNotAllowed"
		return http.StatusMethodNotAllowed, errorBody(apiError{Code: "MethodNotAllowed", Message: "The fake answers POST only"}), hdr
	}
	var body struct {
		Query      string   `json:"query"`
		Timespan   string   `json:"timespan"`
		Workspaces []string `json:"workspaces"`
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err == nil {
		err = json.Unmarshal(b, &body)
	}
	req.Query, req.Timespan, req.Workspaces = body.Query, body.Timespan, body.Workspaces
	req.Token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")

	s.mu.Lock()
	token, deny, limit, sizeLimit := s.token, s.deny, s.rowLimit, s.sizeLimit
	throttled := false
	var retry time.Duration
	authOK := token == "" || req.Token == token
	if authOK && s.throttle > 0 {
		s.throttle--
		throttled, retry = true, s.retryAfter
	}
	s.mu.Unlock()

	if token != "" {
		if r.Header.Get("Authorization") == "" {
			req.Code = "AuthorizationRequiredError"
			hdr.Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token", error_description="Valid authentication was not provided"`)
			return http.StatusUnauthorized, errorBody(apiError{Code: "AuthorizationRequiredError", Message: "Valid authentication was not provided"}), hdr
		}
		if !authOK {
			req.Code = "InvalidTokenError"
			hdr.Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token", error_description="The provided authentication is not valid for this resource"`)
			return http.StatusUnauthorized, errorBody(apiError{Code: "InvalidTokenError", Message: "The provided authentication is not valid for this resource"}), hdr
		}
	}
	if throttled {
		req.Code = "ThrottledError"
		hdr.Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
		return http.StatusTooManyRequests, errorBody(apiError{Code: "ThrottledError", Message: "Your request was throttled: too many requests or concurrent queries. Retry after the time in Retry-After."}), hdr
	}
	switch deny {
	case 0:
	case http.StatusForbidden:
		req.Code = "InsufficientAccessError"
		return deny, errorBody(apiError{Code: "InsufficientAccessError", Message: "The provided credentials have insufficient access to perform the requested operation"}), hdr
	case http.StatusNotFound:
		req.Code = "WorkspaceNotFoundError"
		return deny, errorBody(apiError{Code: "WorkspaceNotFoundError", Message: "The workspace could not be found"}), hdr
	default:
		req.Code = http.StatusText(deny)
		return deny, errorBody(apiError{Code: strings.ReplaceAll(http.StatusText(deny), " ", ""), Message: "The fake was told to answer " + strconv.Itoa(deny)}), hdr
	}
	if err != nil {
		req.Code = "BadArgumentError"
		return http.StatusBadRequest, errorBody(apiError{Code: "BadArgumentError", Message: "The request had some invalid properties",
			InnerError: &innerError{Code: "InvalidBody", Message: "the body is not the query JSON: " + err.Error()}}), hdr
	}
	tables, unknown := s.tablesOf(append([]string{req.Workspace}, body.Workspaces...))
	if unknown != "" {
		req.Code = "WorkspaceNotFoundError"
		return http.StatusNotFound, errorBody(apiError{Code: "WorkspaceNotFoundError", Message: "The workspace could not be found: " + unknown}), hdr
	}
	if strings.TrimSpace(body.Query) == "" {
		req.Code = "BadArgumentError"
		return http.StatusBadRequest, errorBody(apiError{Code: "BadArgumentError", Message: "The request had some invalid properties",
			InnerError: &innerError{Code: "QueryValidationError", Message: "Query is required"}}), hdr
	}
	wait := DefaultWait
	if n, ok := preferWait(req.Prefer); ok {
		req.Wait = n
		wait = min(time.Duration(n)*time.Second, MaxWait)
		hdr.Set("Preference-Applied", "wait="+strconv.Itoa(n))
	}
	if body.Timespan != "" {
		start, end, err := parseTimespan(body.Timespan, s.now())
		if err != nil {
			req.Code = "BadArgumentError"
			return http.StatusBadRequest, errorBody(apiError{Code: "BadArgumentError", Message: "The request had some invalid properties",
				InnerError: &innerError{Code: "InvalidTimespan", Message: err.Error()}}), hdr
		}
		tables = window(tables, start, end)
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	res, err := Evaluate(ctx, body.Query, tables)
	var qe *QueryError
	switch {
	case errors.As(err, &qe):
		req.Code = qe.Code
		return http.StatusBadRequest, errorBody(apiError{Code: "BadArgumentError", Message: "The request had some invalid properties",
			InnerError: &innerError{Code: qe.Code, Message: qe.Message}}), hdr
	case errors.Is(err, context.DeadlineExceeded):
		req.Code = "GatewayTimeout"
		return http.StatusGatewayTimeout, errorBody(apiError{Code: "GatewayTimeout", Message: "Gateway timeout: the query ran longer than the server timeout (Prefer: wait)"}), hdr
	case err != nil:
		req.Code = "InternalServerError"
		return http.StatusInternalServerError, errorBody(apiError{Code: "InternalServerError", Message: err.Error()}), hdr
	}
	req.Skipped = res.Skipped
	rows, partial := limitRows(res.Rows, limit, sizeLimit)
	if partial != nil {
		req.Code = partial.Code
	}
	req.Rows = len(rows)
	out, err := marshalResult(res.Columns, rows, partial)
	if err != nil {
		req.Code = "InternalServerError"
		return http.StatusInternalServerError, errorBody(apiError{Code: "InternalServerError", Message: err.Error()}), hdr
	}
	return http.StatusOK, out, hdr
}

// tablesOf returns the tables of the workspaces, each table the union of
// its rows across them, or the first unknown ID.
func (s *Server) tablesOf(ids []string) (map[string]*Table, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sets []map[string]*Table
	seen := map[string]bool{}
	for _, id := range ids {
		key := strings.ToLower(id)
		if seen[key] {
			continue
		}
		seen[key] = true
		t, ok := s.workspace(id)
		if !ok {
			return nil, id
		}
		if t != nil && !slices.ContainsFunc(sets, func(x map[string]*Table) bool { return sameSet(x, t) }) {
			sets = append(sets, t)
		}
	}
	if len(sets) == 1 {
		return sets[0], ""
	}
	out := map[string]*Table{}
	for _, set := range sets {
		for name, t := range set {
			o, ok := out[name]
			if !ok {
				o = &Table{Columns: t.Columns}
				out[name] = o
			}
			o.Rows = append(o.Rows, t.Rows...)
		}
	}
	return out, ""
}

// sameSet reports whether two table sets are the same map (the tables of
// anyID, reached by several IDs, are unioned once).
func sameSet(a, b map[string]*Table) bool {
	for name, t := range a {
		return b[name] == t
	}
	return len(b) == 0
}

// workspace finds a workspace by ID, ignoring case as the service does.
func (s *Server) workspace(id string) (map[string]*Table, bool) {
	if s.anyID != nil {
		if t, ok := s.workspaces[id]; ok {
			return t, true
		}
		return s.anyID, true
	}
	for wid, t := range s.workspaces {
		if strings.EqualFold(wid, id) {
			return t, true
		}
	}
	return nil, false
}

// window keeps the rows whose TimeGenerated is in [start, end).
func window(tables map[string]*Table, start, end time.Time) map[string]*Table {
	out := make(map[string]*Table, len(tables))
	for name, t := range tables {
		i := slices.IndexFunc(t.Columns, func(c Column) bool { return c.Name == "TimeGenerated" })
		nt := &Table{Columns: t.Columns}
		for _, r := range t.Rows {
			if i < 0 {
				nt.Rows = append(nt.Rows, r)
				continue
			}
			if tg, ok := r[i].(time.Time); ok && !tg.Before(start) && tg.Before(end) {
				nt.Rows = append(nt.Rows, r)
			}
		}
		out[name] = nt
	}
	return out
}

// preferWait reads wait=N from a Prefer header.
func preferWait(prefer string) (int, bool) {
	for p := range strings.SplitSeq(prefer, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(p), "wait="); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				return n, true
			}
		}
	}
	return 0, false
}

// parseTimespan reads an ISO 8601 interval: start/end, start/duration,
// duration/end, or a duration that ends now.
func parseTimespan(s string, now time.Time) (time.Time, time.Time, error) {
	a, b, two := strings.Cut(s, "/")
	if !two {
		d, err := parseDuration(a)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		return now.Add(-d), now, nil
	}
	start, errS := parseDateTime(a)
	end, errE := parseDateTime(b)
	switch {
	case errS == nil && errE == nil:
	case errS == nil:
		d, err := parseDuration(b)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		end = start.Add(d)
	case errE == nil:
		d, err := parseDuration(a)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		start = end.Add(-d)
	default:
		return time.Time{}, time.Time{}, fmt.Errorf("timespan %q: want start/end, start/duration, duration/end or a duration (ISO 8601)", s)
	}
	if end.Before(start) {
		return time.Time{}, time.Time{}, fmt.Errorf("timespan %q ends before it starts", s)
	}
	return start, end, nil
}

var durationRE = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// parseDuration reads an ISO 8601 duration of weeks, days, hours, minutes
// and seconds (years and months have no fixed length and are refused).
func parseDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "P" || strings.HasSuffix(strings.ToUpper(s), "T") {
		return 0, fmt.Errorf("timespan %q: not an ISO 8601 duration of weeks, days, hours, minutes and seconds", s)
	}
	var d time.Duration
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute}
	for i, u := range units {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * u
		}
	}
	if m[5] != "" {
		f, _ := strconv.ParseFloat(m[5], 64)
		d += time.Duration(f * float64(time.Second))
	}
	return d, nil
}

// limitRows writes each row as the API does and cuts the answer at the row
// limit or before the size limit, with the partial error that says so.
func limitRows(in [][]any, rowLimit, sizeLimit int) ([]json.RawMessage, *apiError) {
	var out []json.RawMessage
	size := 0
	var what string
	for i, r := range in {
		if i >= rowLimit {
			what = fmt.Sprintf("Query result set has exceeded the internal record count limit %d (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)", rowLimit)
			break
		}
		row := make([]any, len(r))
		for j, v := range r {
			row[j] = MarshalValue(v)
		}
		b, err := json.Marshal(row)
		if err != nil {
			b = []byte("[]") // unreachable: rows hold JSON-ready values
		}
		if size+len(b) > sizeLimit {
			what = fmt.Sprintf("Query result set has exceeded the internal data size limit %d bytes (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)", sizeLimit)
			break
		}
		size += len(b) + 1
		out = append(out, b)
	}
	if what == "" {
		return out, nil
	}
	return out, &apiError{Code: "PartialError", Message: "There were some errors when processing your query.", Details: []detail{{
		Code: "EngineError", Message: "Something went wrong processing your query on the server.",
		InnerError: &innerError{Code: "-2133196797", Severity: 2, SeverityName: "Error", Message: what},
	}}}
}

// marshalResult writes the API's answer: PrimaryResult and, for a cut
// answer, the partial error beside it.
func marshalResult(cols []Column, rows []json.RawMessage, partial *apiError) ([]byte, error) {
	if rows == nil {
		rows = []json.RawMessage{}
	}
	if cols == nil {
		cols = []Column{}
	}
	type table struct {
		Name    string            `json:"name"`
		Columns []Column          `json:"columns"`
		Rows    []json.RawMessage `json:"rows"`
	}
	out := struct {
		Tables []table   `json:"tables"`
		Error  *apiError `json:"error,omitempty"`
	}{Tables: []table{{Name: "PrimaryResult", Columns: cols, Rows: rows}}, Error: partial}
	return json.Marshal(out)
}
