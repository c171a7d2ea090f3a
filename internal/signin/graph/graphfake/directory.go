package graphfake

import (
	"encoding/json"
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

// Directory is what the fake serves besides sign-ins: the directory
// context of a diagnosis, as raw Graph v1.0 JSON objects per endpoint (the
// JSON field names are those of the graphfake command's -directory file).
// Each object needs an id; audits an RFC 3339 activityDateTime.
type Directory struct {
	// Audits are directoryAudit objects, served by
	// /auditLogs/directoryAudits newest first.
	Audits []json.RawMessage `json:"directoryAudits,omitempty"`
	// Users are user objects, served by /users/{id or userPrincipalName}.
	Users []json.RawMessage `json:"users,omitempty"`
	// Policies are conditionalAccessPolicy objects, served by
	// /identity/conditionalAccess/policies/{id}.
	Policies []json.RawMessage `json:"policies,omitempty"`
	// Registrations are userRegistrationDetails objects (id: the user's
	// object ID), served by
	// /reports/authenticationMethods/userRegistrationDetails/{id}.
	Registrations []json.RawMessage `json:"userRegistrationDetails,omitempty"`
	// ServicePrincipals are servicePrincipal objects, listed by
	// /servicePrincipals?$filter=appId eq '...'.
	ServicePrincipals []json.RawMessage `json:"servicePrincipals,omitempty"`
	// Applications are application objects, served by
	// /applications(appId='...') and /applications/{id}.
	Applications []json.RawMessage `json:"applications,omitempty"`
}

// Endpoint names one of the fake's endpoints, for Deny.
type Endpoint string

// The endpoints Deny can refuse.
const (
	EndpointSignIns           Endpoint = "signIns"
	EndpointAudits            Endpoint = "directoryAudits"
	EndpointUsers             Endpoint = "users"
	EndpointPolicies          Endpoint = "policies"
	EndpointRegistrations     Endpoint = "userRegistrationDetails"
	EndpointServicePrincipals Endpoint = "servicePrincipals"
	EndpointApplications      Endpoint = "applications"
)

// deniedMessages are the 403 texts per endpoint: the permission each lacks,
// in Graph's style ("Insufficient privileges ..." for directory objects,
// the MSGraph permission text for the reporting APIs).
var deniedMessages = map[Endpoint]string{
	EndpointSignIns:           Message(CodePermissionMissing),
	EndpointAudits:            "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
	EndpointRegistrations:     "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
	EndpointUsers:             Message(CodeRequestDenied),
	EndpointPolicies:          Message(CodeRequestDenied),
	EndpointServicePrincipals: Message(CodeRequestDenied),
	EndpointApplications:      Message(CodeRequestDenied),
}

// WithDirectory serves d beside the sign-ins. It panics on an object
// without an id, or an audit without activityDateTime: a broken fixture.
func WithDirectory(d Directory) Option {
	return func(s *Server) {
		dir, err := loadDirectory(d)
		if err != nil {
			panic(fmt.Sprintf("graphfake: %v", err))
		}
		s.dir = dir
	}
}

// WithDenied answers every request to endpoint with 403 and code (see
// Deny).
func WithDenied(endpoint Endpoint, code string) Option {
	return func(s *Server) { s.Deny(endpoint, code) }
}

// Deny answers every request to endpoint with 403 and code: "" for the
// endpoint's usual permission error (CodePermissionMissing on the
// reporting APIs, CodeRequestDenied on directory objects);
// CodeNoPremiumLicence for a Free tenant. Deny(endpoint, "-") lifts it.
func (s *Server) Deny(endpoint Endpoint, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denied == nil {
		s.denied = map[Endpoint]fault{}
	}
	if code == "-" {
		delete(s.denied, endpoint)
		return
	}
	msg := ""
	if code == "" {
		code = CodeRequestDenied
		if endpoint == EndpointAudits || endpoint == EndpointRegistrations || endpoint == EndpointSignIns {
			code = CodePermissionMissing
		}
		msg = deniedMessages[endpoint]
	}
	s.denied[endpoint] = fault{status: http.StatusForbidden, code: code, message: msg}
}

// dirObject is one stored directory object.
type dirObject struct {
	id  string
	at  time.Time // audits: activityDateTime
	obj map[string]any
}

// directory holds the loaded Directory.
type directory struct {
	audits, users, policies, registrations, sps, apps []dirObject
}

func loadDirectory(d Directory) (directory, error) {
	var out directory
	var err error
	load := func(what string, raw []json.RawMessage, dst *[]dirObject) {
		for i, r := range raw {
			if err != nil {
				return
			}
			var o dirObject
			if o, err = loadObject(r); err != nil {
				err = fmt.Errorf("%s %d: %w", what, i, err)
				return
			}
			if what == "audit" {
				at, _ := o.obj["activityDateTime"].(string)
				if o.at, err = time.Parse(time.RFC3339Nano, at); err != nil {
					err = fmt.Errorf("audit %s: activityDateTime: %w", o.id, err)
					return
				}
			}
			*dst = append(*dst, o)
		}
	}
	load("audit", d.Audits, &out.audits)
	load("user", d.Users, &out.users)
	load("policy", d.Policies, &out.policies)
	load("registration", d.Registrations, &out.registrations)
	load("service principal", d.ServicePrincipals, &out.sps)
	load("application", d.Applications, &out.apps)
	slices.SortStableFunc(out.audits, func(a, b dirObject) int { return b.at.Compare(a.at) })
	return out, err
}

func loadObject(raw json.RawMessage) (dirObject, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return dirObject{}, fmt.Errorf("decode: %w", err)
	}
	id, _ := obj["id"].(string)
	if id == "" {
		return dirObject{}, errors.New("no id")
	}
	return dirObject{id: id, obj: obj}, nil
}

// targetProps, auditProps and servicePrincipalProps are what the fake
// accepts in $filter on directoryAudits and servicePrincipals, from the
// "Supports $filter" notes of the Graph reference pages of directoryAudit,
// targetResource and servicePrincipal.
var (
	targetProps = props(
		&prop{name: "id", kind: kindString, v1: true, ops: opEq},
		&prop{name: "displayName", kind: kindString, v1: true, ops: eqSW},
		&prop{name: "type", kind: kindString, v1: true},
		&prop{name: "userPrincipalName", kind: kindString, v1: true},
		&prop{name: "modifiedProperties", kind: kindOther, v1: true},
	)
	auditProps = props(
		&prop{name: "id", kind: kindString, v1: true, ops: opEq},
		&prop{name: "activityDateTime", kind: kindTime, v1: true, ops: opEq | opGe | opLe},
		&prop{name: "activityDisplayName", kind: kindString, v1: true, ops: eqSW},
		&prop{name: "category", kind: kindString, v1: true, ops: opEq},
		&prop{name: "correlationId", kind: kindString, v1: true, ops: opEq},
		&prop{name: "loggedByService", kind: kindString, v1: true, ops: opEq},
		&prop{name: "operationType", kind: kindString, v1: true},
		&prop{name: "result", kind: kindString, v1: true, ops: opEq},
		&prop{name: "resultReason", kind: kindString, v1: true},
		&prop{name: "additionalDetails", kind: kindOther, v1: true},
		&prop{name: "initiatedBy", kind: kindOther, v1: true},
		&prop{name: "targetResources", kind: kindObjects, v1: true, sub: targetProps},
	)
	servicePrincipalProps = props(
		&prop{name: "id", kind: kindString, v1: true, ops: opEq},
		&prop{name: "appId", kind: kindString, v1: true, ops: opEq},
		&prop{name: "displayName", kind: kindString, v1: true, ops: eqSW},
	)
)

// dirRoute is a directory endpoint a path names.
type dirRoute struct {
	endpoint Endpoint
	key      string // the id (or UPN, or appId for applications(appId=...)); "" for a list
	byAppID  bool
}

// parseDirRoute accepts the directory endpoints under /v1.0 or /beta
// (segments case-insensitive, as at Graph).
func parseDirRoute(escaped string) (dirRoute, bool) {
	segs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(escaped, "/"), "/"), "/")
	if len(segs) < 2 || (!strings.EqualFold(segs[0], string(V1)) && !strings.EqualFold(segs[0], string(Beta))) {
		return dirRoute{}, false
	}
	segs = segs[1:]
	is := func(words ...string) bool {
		if len(segs) < len(words) {
			return false
		}
		for i, w := range words {
			if !strings.EqualFold(segs[i], w) {
				return false
			}
		}
		return true
	}
	key := func(n int) (string, bool) {
		if len(segs) != n+1 {
			return "", false
		}
		k, err := url.PathUnescape(segs[n])
		return k, err == nil && k != ""
	}
	switch {
	case is("auditLogs", "directoryAudits") && len(segs) == 2:
		return dirRoute{endpoint: EndpointAudits}, true
	case is("users"):
		k, ok := key(1)
		return dirRoute{endpoint: EndpointUsers, key: k}, ok
	case is("identity", "conditionalAccess", "policies"):
		k, ok := key(3)
		return dirRoute{endpoint: EndpointPolicies, key: k}, ok
	case is("reports", "authenticationMethods", "userRegistrationDetails"):
		k, ok := key(3)
		return dirRoute{endpoint: EndpointRegistrations, key: k}, ok
	case is("servicePrincipals") && len(segs) == 1:
		return dirRoute{endpoint: EndpointServicePrincipals}, true
	case is("applications"):
		k, ok := key(1)
		return dirRoute{endpoint: EndpointApplications, key: k}, ok
	case len(segs) == 1:
		// applications(appId='...'): the key is a quoted literal.
		seg, err := url.PathUnescape(segs[0])
		if err != nil {
			return dirRoute{}, false
		}
		const prefix = "applications(appid="
		if len(seg) > len(prefix)+3 && strings.EqualFold(seg[:len(prefix)], prefix) && strings.HasSuffix(seg, ")") {
			lit := seg[len(prefix) : len(seg)-1]
			if len(lit) >= 2 && lit[0] == '\'' && lit[len(lit)-1] == '\'' {
				inner := lit[1 : len(lit)-1]
				if strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
					return dirRoute{}, false
				}
				return dirRoute{endpoint: EndpointApplications, key: strings.ReplaceAll(inner, "''", "'"), byAppID: true}, true
			}
		}
	}
	return dirRoute{}, false
}

// serveDirectory answers a directory request (routing done, token checked).
func (s *Server) serveDirectory(rp *reply, r *http.Request, rt dirRoute, cfg settings) int {
	if r.Method != http.MethodGet {
		rp.w.Header().Set("Allow", http.MethodGet)
		return rp.fail(http.StatusMethodNotAllowed, "Request_BadRequest",
			fmt.Sprintf("The requested resource does not support http method '%s'.", r.Method))
	}
	s.mu.Lock()
	denied, isDenied := s.denied[rt.endpoint]
	dir := s.dir
	s.mu.Unlock()
	if isDenied {
		return s.answerFault(rp, denied, cfg)
	}
	switch rt.endpoint {
	case EndpointAudits:
		return s.listDirectory(rp, r, dir.audits, auditProps, "microsoft.graph.directoryAudit", "auditLogs/directoryAudits", true, cfg)
	case EndpointServicePrincipals:
		return s.listDirectory(rp, r, dir.sps, servicePrincipalProps, "microsoft.graph.servicePrincipal", "servicePrincipals", false, cfg)
	}
	var objs []dirObject
	context := ""
	match := func(o dirObject) bool { return strings.EqualFold(o.id, rt.key) }
	switch rt.endpoint {
	case EndpointUsers:
		objs, context = dir.users, "users"
		match = func(o dirObject) bool {
			upn, _ := o.obj["userPrincipalName"].(string)
			return strings.EqualFold(o.id, rt.key) || (upn != "" && strings.EqualFold(upn, rt.key))
		}
	case EndpointPolicies:
		objs, context = dir.policies, "identity/conditionalAccess/policies"
	case EndpointRegistrations:
		objs, context = dir.registrations, "reports/authenticationMethods/userRegistrationDetails"
	case EndpointApplications:
		objs, context = dir.apps, "applications"
		if rt.byAppID {
			match = func(o dirObject) bool {
				appID, _ := o.obj["appId"].(string)
				return strings.EqualFold(appID, rt.key)
			}
		}
	}
	sel, err := dirSelect(r.URL.RawQuery)
	if err != nil {
		return rp.failQuery(err)
	}
	i := slices.IndexFunc(objs, match)
	if i < 0 {
		return rp.fail(http.StatusNotFound, CodeNotFound,
			fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", rt.key))
	}
	obj := selected(objs[i], sel)
	obj["@odata.context"] = baseURL(r) + "/v1.0/$metadata#" + context + selectSuffix(sel) + "/$entity"
	js, err := marshal(obj)
	if err != nil {
		return rp.fail(http.StatusInternalServerError, CodeInternalServerError, err.Error())
	}
	rp.w.Header().Set("Content-Type", odataJSON)
	rp.w.WriteHeader(http.StatusOK)
	_, _ = rp.w.Write(js)
	return http.StatusOK
}

// dirSelect reads the $select of a single-object request; other $ options
// are refused, as Graph refuses $filter on an entity.
func dirSelect(raw string) ([]string, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, badRequest("The query string is malformed: %v", err)
	}
	var sel []string
	for k, vs := range values {
		switch {
		case !strings.HasPrefix(k, "$"):
		case strings.EqualFold(k, "$select"):
			for _, name := range strings.Split(vs[0], ",") {
				if name = strings.TrimSpace(name); name == "" || strings.Contains(name, "/") {
					return nil, badRequest("Invalid $select: '%s'.", vs[0])
				}
				sel = append(sel, name)
			}
		default:
			return nil, badRequest("Query option '%s' is not allowed on a single object.", k)
		}
	}
	return sel, nil
}

// selected is o's object, or only its id and the properties of sel.
func selected(o dirObject, sel []string) map[string]any {
	if sel == nil {
		return maps.Clone(o.obj)
	}
	out := map[string]any{"id": o.id}
	for _, name := range sel {
		if v := field(o.obj, name); v != nil {
			out[name] = v
		}
	}
	return out
}

// listDirectory answers a list request over objs: $filter checked against
// schema and evaluated, $orderby on activityDateTime (audits), $top,
// $select, paging with nextLink and expiring skip tokens as for sign-ins.
func (s *Server) listDirectory(rp *reply, r *http.Request, objs []dirObject, schema map[string]*prop, typeName, context string, audits bool, cfg settings) int {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || !validUTF8(values) {
		return rp.fail(http.StatusBadRequest, CodeBadRequest, "The query string is malformed.")
	}
	var (
		filter  Expr
		top     int
		sel     []string
		asc     bool
		skip    string
		hasSkip bool
	)
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if !strings.HasPrefix(k, "$") {
			continue
		}
		if len(values[k]) > 1 {
			return rp.fail(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("Query option '%s' was specified more than once, but it must be specified at most once.", k))
		}
		v := values[k][0]
		switch strings.ToLower(k) {
		case "$filter":
			if strings.TrimSpace(v) == "" {
				continue
			}
			e, err := Parse(v)
			if err != nil {
				return rp.fail(http.StatusBadRequest, CodeBadRequest, "Invalid filter clause: "+err.Error())
			}
			if e.root != nil {
				c := &checker{v: V1, root: schema, typeName: typeName, noOrAny: audits}
				if err := c.cond(e.root, nil); err != nil {
					var qe *queryError
					if errors.As(err, &qe) {
						return rp.fail(http.StatusBadRequest, qe.code, "Invalid filter clause: "+qe.msg)
					}
					return rp.fail(http.StatusBadRequest, CodeBadRequest, "Invalid filter clause: "+err.Error())
				}
			}
			filter = e
		case "$top":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > DefaultPageSize {
				return rp.fail(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("Invalid value '%s' for $top: it must be between 1 and %d.", v, DefaultPageSize))
			}
			top = n
		case "$select":
			for _, name := range strings.Split(v, ",") {
				if name = strings.TrimSpace(name); name != "" {
					sel = append(sel, name)
				}
			}
		case "$orderby":
			f := strings.Fields(v)
			if !audits || len(f) == 0 || len(f) > 2 || !strings.EqualFold(f[0], "activityDateTime") || (len(f) == 2 && f[1] != "asc" && f[1] != "desc") {
				return rp.fail(http.StatusBadRequest, CodeUnsupportedQuery, fmt.Sprintf("Invalid $orderby '%s': %s is ordered only by activityDateTime (asc or desc).", v, context))
			}
			asc = len(f) == 1 || f[1] == "asc"
		case "$skiptoken":
			skip, hasSkip = v, true
		default:
			return rp.fail(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("Query option '%s' is not allowed.", k))
		}
	}
	path := r.URL.EscapedPath()
	hash := queryHash(V1, path, values)
	offset := 0
	if hasSkip {
		st, err := readSkipToken(s.key, skip, hash, rp.now, cfg.ttl)
		switch {
		case errors.Is(err, errSkipTokenExpired):
			return rp.fail(http.StatusBadRequest, CodeExpiredPageToken, "")
		case err != nil:
			return rp.fail(http.StatusBadRequest, CodeBadRequest, invalidSkipTokenMessage+": "+err.Error())
		}
		offset = st.Offset
	}
	var matched []dirObject
	for _, o := range objs {
		ok, err := filter.Match(o.obj)
		if err != nil {
			return rp.fail(http.StatusInternalServerError, CodeInternalServerError, "evaluate $filter: "+err.Error())
		}
		if ok {
			matched = append(matched, o)
		}
	}
	if asc {
		slices.Reverse(matched)
	}
	size := cfg.pageSize
	if top > 0 {
		size = top
	}
	if cfg.maxPage > 0 && size > cfg.maxPage {
		size = cfg.maxPage
	}
	start := min(offset, len(matched))
	end := min(start+size, len(matched))
	page := map[string]any{"@odata.context": baseURL(r) + "/v1.0/$metadata#" + context + selectSuffix(sel)}
	if end < len(matched) {
		tok, err := mintSkipToken(s.key, skipState{Query: hash, Offset: end, Issued: rp.now.UnixNano()})
		if err != nil {
			return rp.fail(http.StatusInternalServerError, CodeInternalServerError, err.Error())
		}
		page["@odata.nextLink"] = baseURL(r) + path + "?" + withSkipToken(r.URL.RawQuery, tok)
	}
	value := make([]any, 0, end-start)
	for _, o := range matched[start:end] {
		value = append(value, selected(o, sel))
	}
	page["value"] = value
	js, err := marshal(page)
	if err != nil {
		return rp.fail(http.StatusInternalServerError, CodeInternalServerError, err.Error())
	}
	rp.w.Header().Set("Content-Type", odataJSON)
	rp.w.WriteHeader(http.StatusOK)
	_, _ = rp.w.Write(js)
	return http.StatusOK
}
