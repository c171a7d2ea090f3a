package graphfake

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// odataJSON is the Content-Type of Graph's successful answers.
const odataJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// query is a request's parsed OData query options.
type query struct {
	filter    Expr
	top       int      // 0: absent
	sel       []string // nil: all properties
	asc       bool
	skipToken string
	hasSkip   bool // $skiptoken present, even if empty
	values    url.Values
}

// optionNames are the OData system query options Graph knows, by lower-case
// name, with the name its "not allowed" message uses.
var optionNames = map[string]string{
	"$filter": "Filter", "$top": "Top", "$select": "Select", "$orderby": "OrderBy", "$skiptoken": "SkipToken",
	"$count": "Count", "$search": "Search", "$skip": "Skip", "$expand": "Expand", "$format": "Format",
	"$apply": "Apply", "$compute": "Compute", "$levels": "Levels", "$index": "Index", "$deltatoken": "DeltaToken",
}

// listOptions and getOptions are those the sign-in list and get accept.
var (
	listOptions = map[string]bool{"$filter": true, "$top": true, "$select": true, "$orderby": true, "$skiptoken": true}
	getOptions  = map[string]bool{"$select": true}
)

// parseQuery reads the query options of a list (single false) or get
// request for version v. Parameters without a $ are ignored, as at Graph.
func parseQuery(raw string, v Version, single bool) (query, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return query{}, badRequest("The query string is malformed: %v", err)
	}
	if !validUTF8(values) {
		return query{}, badRequest("The query string is not valid UTF-8.")
	}
	allowed := listOptions
	if single {
		allowed = getOptions
	}
	opts := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if !strings.HasPrefix(k, "$") {
			continue
		}
		lk := strings.ToLower(k)
		name, known := optionNames[lk]
		if !known {
			return query{}, badRequest("The query parameter '%s' is not supported.", k)
		}
		if !allowed[lk] {
			// ASP.NET OData's text, which Graph's audit log API answers for $skip.
			return query{}, badRequest("Query option '%s' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.", name)
		}
		if _, dup := opts[lk]; dup || len(values[k]) > 1 {
			return query{}, badRequest("Query option '%s' was specified more than once, but it must be specified at most once.", lk)
		}
		opts[lk] = values[k][0]
	}
	q := query{values: values}
	if t, ok := opts["$top"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(t))
		switch {
		case err != nil:
			return query{}, badRequest("Invalid value '%s' for $top query option found. The $top query option requires a non-negative integer value.", t)
		case n > DefaultPageSize:
			return query{}, badRequest("The limit of '%d' for Top query has been exceeded. The value from the incoming request is '%d'.", DefaultPageSize, n)
		case n < 1:
			return query{}, badRequest("Invalid page size specified: '%d'. Must be between 1 and %d inclusive.", n, DefaultPageSize)
		}
		q.top = n
	}
	if sel, ok := opts["$select"]; ok && strings.TrimSpace(sel) != "" {
		if q.sel, err = parseSelect(sel, v); err != nil {
			return query{}, err
		}
	}
	if ob, ok := opts["$orderby"]; ok && strings.TrimSpace(ob) != "" {
		if q.asc, err = parseOrderBy(ob, v); err != nil {
			return query{}, err
		}
	}
	if f, ok := opts["$filter"]; ok && strings.TrimSpace(f) != "" {
		e, err := Parse(f)
		if err != nil {
			return query{}, badRequest("Invalid filter clause: %v", err)
		}
		if err := e.Supported(v); err != nil {
			var qe *queryError
			if errors.As(err, &qe) {
				return query{}, &queryError{code: qe.code, msg: "Invalid filter clause: " + qe.msg}
			}
			return query{}, badRequest("Invalid filter clause: %v", err)
		}
		q.filter = e
	}
	q.skipToken, q.hasSkip = opts["$skiptoken"]
	return q, nil
}

// parseSelect reads a $select list of top-level signIn properties.
func parseSelect(sel string, v Version) ([]string, error) {
	var out []string
	for _, name := range strings.Split(sel, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return nil, badRequest("Invalid $select: empty property name in '%s'.", sel)
		case name == "*":
			return nil, nil
		case strings.Contains(name, "/"):
			return nil, badRequest("Invalid $select: '%s' selects a member of a complex property; select the whole property.", name)
		}
		canon, ok := selectable(name, v)
		if !ok {
			return nil, badRequest("Could not find a property named '%s' on type 'microsoft.graph.signIn'.", name)
		}
		if !slices.Contains(out, canon) {
			out = append(out, canon)
		}
	}
	return out, nil
}

// parseOrderBy accepts createdDateTime, createdDateTime asc and
// createdDateTime desc: the only ordering Graph supports on sign-ins.
func parseOrderBy(ob string, v Version) (asc bool, err error) {
	if strings.Contains(ob, ",") {
		return false, badRequest("Invalid $orderby '%s': sign-ins are ordered only by createdDateTime (asc or desc), one clause.", ob)
	}
	fields := strings.Fields(ob)
	if len(fields) >= 1 && len(fields) <= 2 && strings.EqualFold(fields[0], "createdDateTime") {
		if len(fields) == 1 || fields[1] == "asc" {
			return true, nil
		}
		if fields[1] == "desc" {
			return false, nil
		}
		return false, badRequest("Invalid $orderby direction '%s': use asc or desc.", fields[1])
	}
	if len(fields) > 0 {
		if _, known := selectable(fields[0], v); known {
			return false, unsupported("Sorting by '%s' is not supported; sign-ins are ordered only by createdDateTime (asc or desc).", strings.TrimSpace(ob))
		}
	}
	return false, badRequest("Invalid $orderby '%s': sign-ins are ordered only by createdDateTime (asc or desc).", ob)
}

// failQuery answers a bad query with 400 and its Graph code.
func (rp *reply) failQuery(err error) int {
	var qe *queryError
	if errors.As(err, &qe) {
		return rp.fail(http.StatusBadRequest, qe.code, qe.msg)
	}
	return rp.fail(http.StatusBadRequest, CodeBadRequest, err.Error())
}

func (s *Server) list(rp *reply, r *http.Request, rt route, cfg settings) int {
	q, err := parseQuery(r.URL.RawQuery, rt.version, false)
	if err != nil {
		return rp.failQuery(err)
	}
	path := r.URL.EscapedPath()
	hash := queryHash(rt.version, path, q.values)
	offset := 0
	if q.hasSkip {
		st, err := readSkipToken(s.key, q.skipToken, hash, rp.now, cfg.ttl)
		switch {
		case errors.Is(err, errSkipTokenExpired):
			return rp.fail(http.StatusBadRequest, CodeExpiredPageToken, "")
		case err != nil:
			return rp.fail(http.StatusBadRequest, CodeBadRequest, invalidSkipTokenMessage+": "+err.Error())
		}
		offset = st.Offset
	}
	matched, err := s.match(rt.version, q.filter, cfg, rp.now)
	if err != nil {
		return rp.fail(http.StatusInternalServerError, CodeInternalServerError, "evaluate $filter: "+err.Error())
	}
	if q.asc {
		slices.Reverse(matched)
	}
	size := cfg.pageSize
	if q.top > 0 {
		size = q.top
	}
	if cfg.maxPage > 0 && size > cfg.maxPage {
		size = cfg.maxPage
	}
	start := min(offset, len(matched))
	end := min(start+size, len(matched))

	base := baseURL(r)
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":`)
	writeJSONString(&b, base+"/"+string(rt.version)+"/$metadata#auditLogs/signIns"+selectSuffix(q.sel))
	if end < len(matched) {
		tok, err := mintSkipToken(s.key, skipState{Query: hash, Offset: end, Issued: rp.now.UnixNano()})
		if err != nil {
			return rp.fail(http.StatusInternalServerError, CodeInternalServerError, err.Error())
		}
		b.WriteString(`,"@odata.nextLink":`)
		writeJSONString(&b, base+path+"?"+withSkipToken(r.URL.RawQuery, tok))
	}
	b.WriteString(`,"value":[`)
	for i, rec := range matched[start:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		js, err := marshal(rec.view(rt.version, q.sel))
		if err != nil {
			return rp.fail(http.StatusInternalServerError, CodeInternalServerError, err.Error())
		}
		b.Write(js)
	}
	b.WriteString("]}")
	rp.w.Header().Set("Content-Type", odataJSON)
	rp.w.WriteHeader(http.StatusOK)
	_, _ = rp.w.Write(b.Bytes())
	return http.StatusOK
}

// match returns the sign-ins version v lists for f, newest first. v1.0 lists
// interactive sign-ins only; so does beta unless f names signInEventTypes.
func (s *Server) match(v Version, f Expr, cfg settings, now time.Time) ([]*record, error) {
	onlyInteractive := v == V1 || !f.namesEventTypes()
	var out []*record
	for i := range s.recs {
		rec := &s.recs[i]
		if onlyInteractive && !rec.interactive || s.expired(rec, cfg, now) {
			continue
		}
		ok, err := f.Match(rec.obj)
		if err != nil {
			return nil, fmt.Errorf("sign-in %s: %w", rec.id, err)
		}
		if ok {
			out = append(out, rec)
		}
	}
	return out, nil
}

func (s *Server) expired(rec *record, cfg settings, now time.Time) bool {
	return cfg.retention > 0 && rec.created.Before(now.Add(-cfg.retention))
}

func (s *Server) get(rp *reply, r *http.Request, rt route, cfg settings) int {
	q, err := parseQuery(r.URL.RawQuery, rt.version, true)
	if err != nil {
		return rp.failQuery(err)
	}
	rec := s.find(rt.id)
	if rec == nil || (rt.version == V1 && !rec.interactive) || s.expired(rec, cfg, rp.now) {
		return rp.fail(http.StatusNotFound, CodeNotFound,
			fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", rt.id))
	}
	obj := maps.Clone(rec.view(rt.version, q.sel))
	obj["@odata.context"] = baseURL(r) + "/" + string(rt.version) + "/$metadata#auditLogs/signIns" + selectSuffix(q.sel) + "/$entity"
	js, err := marshal(obj)
	if err != nil {
		return rp.fail(http.StatusInternalServerError, CodeInternalServerError, err.Error())
	}
	rp.w.Header().Set("Content-Type", odataJSON)
	rp.w.WriteHeader(http.StatusOK)
	_, _ = rp.w.Write(js)
	return http.StatusOK
}

// find returns the sign-in with id, matched exactly or else ignoring case
// (sign-in IDs are GUIDs), or nil.
func (s *Server) find(id string) *record {
	var folded *record
	for i := range s.recs {
		switch {
		case s.recs[i].id == id:
			return &s.recs[i]
		case folded == nil && strings.EqualFold(s.recs[i].id, id):
			folded = &s.recs[i]
		}
	}
	return folded
}

// baseURL is the scheme and host the request reached, which nextLink and
// @odata.context use (Graph's are https://graph.microsoft.com).
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// selectSuffix is the "(a,b)" @odata.context adds for a $select.
func selectSuffix(sel []string) string {
	if sel == nil {
		return ""
	}
	return "(" + strings.Join(sel, ",") + ")"
}

// withSkipToken returns the raw query with any $skiptoken replaced by tok;
// the other parameters keep their order and encoding, so the client can
// follow the link verbatim.
func withSkipToken(raw, tok string) string {
	var parts []string
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, _, _ := strings.Cut(p, "=")
		if dk, err := url.QueryUnescape(k); err == nil && strings.EqualFold(dk, "$skiptoken") {
			continue
		}
		parts = append(parts, p)
	}
	return strings.Join(append(parts, "$skiptoken="+tok), "&")
}

func writeJSONString(b *bytes.Buffer, s string) {
	js, err := marshal(s)
	if err != nil {
		js = []byte(`""`)
	}
	b.Write(js)
}
