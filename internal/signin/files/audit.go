package files

// Directory audit exports. A file given to --files holds either sign-ins or
// directory audit events; the events feed the diagnosis's "what changed"
// (directory.Event), never the sign-in searches.
//
// Reference for the shapes read here:
//
//   - Graph directoryAudit (GET /auditLogs/directoryAudits, v1.0): id,
//     category, correlationId, result, resultReason, activityDisplayName,
//     activityDateTime, loggedByService, operationType,
//     initiatedBy{user{id, displayName, userPrincipalName, ipAddress},
//     app{appId, displayName, servicePrincipalId, servicePrincipalName}},
//     targetResources[{id, displayName, type, userPrincipalName,
//     modifiedProperties[{displayName, oldValue, newValue}]}],
//     additionalDetails[{key, value}]. Pages {"value":[...]}, arrays (what
//     the admin center's "Download JSON" writes, as for sign-ins) and JSON
//     lines are read alike. oldValue and newValue are JSON text inside a
//     string ("[\"true\"]"): they are unquoted to plain text.
//   - Log Analytics AuditLogs (learn.microsoft.com, azure-monitor reference,
//     tables/auditlogs): TimeGenerated, OperationName, Category, Result,
//     ResultReason, Id, CorrelationId, LoggedByService, AADOperationType,
//     ActivityDisplayName, ActivityDateTime, and the dynamic InitiatedBy,
//     TargetResources and AdditionalDetails, which hold the Graph shapes as
//     JSON values (JSON rows) or JSON text (CSV, or string columns). A CSV
//     whose columns are named like the Graph properties (id,
//     activityDateTime, initiatedBy, ...) is read the same way.
//   - The Entra admin center's audit log "Download CSV" flattens an event
//     into columns: Date (UTC), CorrelationId, Service, Category, Activity,
//     Result, ResultReason, ActorType, ActorDisplayName, ActorObjectId,
//     ActorUserPrincipalName, IPAddress, ActorServicePrincipalId,
//     ActorServicePrincipalName, then Target1Type, Target1DisplayName,
//     Target1ObjectId, Target1UserPrincipalName and
//     Target1ModifiedProperty1Name/OldValue/NewValue (up to 5 properties) for
//     up to 3 targets, then AdditionalDetail1Key/Value... It has no event ID
//     column. The docs corpus does not list these columns; they are taken
//     from scripts that process the download (header lines quoted in public
//     repositories), so the reader matches them by name, case and spaces
//     folded, and tolerates missing ones.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// The audit export formats Load reads. A FileStat's Format says which; the
// sign-in formats are above.
const (
	// FormatAuditGraphJSON is Graph directoryAudits JSON: list pages or
	// single objects.
	FormatAuditGraphJSON Format = "audit-graph-json"
	// FormatAuditGraphJSONLines is one directoryAudit object per line.
	FormatAuditGraphJSONLines Format = "audit-graph-jsonl"
	// FormatAuditPortalJSON is a bare JSON array of directoryAudit objects
	// (the admin center's "Download JSON", or a script's array).
	FormatAuditPortalJSON Format = "audit-portal-json"
	// FormatAuditPortalCSV is the admin center's audit log "Download CSV".
	FormatAuditPortalCSV Format = "audit-portal-csv"
	// FormatAuditLogAnalyticsCSV is a CSV export of AuditLogs rows, or a
	// CSV with columns named like the Graph properties.
	FormatAuditLogAnalyticsCSV Format = "audit-loganalytics-csv"
	// FormatAuditLogAnalyticsJSON is AuditLogs rows as JSON: an array of
	// row objects, JSON lines, or the query API's tables.
	FormatAuditLogAnalyticsJSON Format = "audit-loganalytics-json"
)

// Audit reports whether f is a directory audit export format.
func (f Format) Audit() bool { return strings.HasPrefix(string(f), "audit-") }

// auditFormat is the audit variant of the format a file's structure was
// read as.
func auditFormat(f Format) Format {
	switch f {
	case FormatGraphJSON:
		return FormatAuditGraphJSON
	case FormatGraphJSONLines:
		return FormatAuditGraphJSONLines
	case FormatPortalJSON:
		return FormatAuditPortalJSON
	case FormatLogAnalyticsJSON:
		return FormatAuditLogAnalyticsJSON
	}
	return f
}

// isAuditKeys reports whether an object with these lower-cased keys is a
// directory audit event: sign-ins have none of these members.
func isAuditKeys(keys map[string]bool) bool {
	return keys["activitydisplayname"] || keys["activitydatetime"] || keys["targetresources"] || keys["initiatedby"]
}

// auditRecord is one audit event as the exports spell it, before checking.
// encoding/json matches member names without regard to case, so Graph's
// camelCase and Log Analytics' PascalCase both land here.
type auditRecord struct {
	ID                  string          `json:"id"`
	Category            string          `json:"category"`
	CorrelationID       string          `json:"correlationId"`
	Result              string          `json:"result"`
	ActivityDisplayName string          `json:"activityDisplayName"`
	ActivityDateTime    string          `json:"activityDateTime"`
	OperationName       string          `json:"operationName"` // Log Analytics: the activity's name
	TimeGenerated       string          `json:"timeGenerated"` // Log Analytics: when the row was written
	InitiatedBy         json.RawMessage `json:"initiatedBy"`
	TargetResources     json.RawMessage `json:"targetResources"`
}

// auditInitiator is Graph's auditActivityInitiator.
type auditInitiator struct {
	User *struct {
		ID                string `json:"id"`
		DisplayName       string `json:"displayName"`
		UserPrincipalName string `json:"userPrincipalName"`
	} `json:"user"`
	App *struct {
		AppID                string `json:"appId"`
		DisplayName          string `json:"displayName"`
		ServicePrincipalID   string `json:"servicePrincipalId"`
		ServicePrincipalName string `json:"servicePrincipalName"`
	} `json:"app"`
}

// auditTarget is Graph's targetResource.
type auditTarget struct {
	ID                 string `json:"id"`
	DisplayName        string `json:"displayName"`
	Type               string `json:"type"`
	UserPrincipalName  string `json:"userPrincipalName"`
	ModifiedProperties []struct {
		DisplayName string          `json:"displayName"`
		OldValue    json.RawMessage `json:"oldValue"`
		NewValue    json.RawMessage `json:"newValue"`
	} `json:"modifiedProperties"`
}

// auditJSON decodes one audit event object (Graph or a Log Analytics row)
// and adds it to the sink. raw is not retained.
func (s *sink) auditJSON(raw []byte) error {
	var r auditRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return graphjson.JSONProblem(err)
	}
	e, err := r.event(isoEventClock, "")
	if err != nil {
		return err
	}
	_, err = s.addEvent(&e, r.CorrelationID)
	return err
}

// auditTableColumns reports whether the query API's columns are AuditLogs'.
func auditTableColumns(names []string) bool {
	keys := map[string]bool{}
	for _, n := range names {
		keys[strings.ToLower(strings.TrimSpace(n))] = true
	}
	return isAuditKeys(keys)
}

// auditTableRow turns a row of the query API's tables (an array of values,
// one per column) into a row object and adds its event.
func (s *sink) auditTableRow(names []string, raw []byte) error {
	var vals []json.RawMessage
	if err := json.Unmarshal(raw, &vals); err != nil {
		return graphjson.JSONProblem(err)
	}
	if len(vals) != len(names) {
		return fmt.Errorf("%d values (want %d, one per column)", len(vals), len(names))
	}
	obj := make(map[string]json.RawMessage, len(names))
	for i, n := range names {
		obj[n] = vals[i]
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return s.auditJSON(b)
}

// eventClock parses an event's time: JSON's RFC 3339, or a CSV file's
// forms (csvClock).
type eventClock func(col, v string) (time.Time, error)

func isoEventClock(col, v string) (time.Time, error) {
	t, _, err := isoClock(col, v)
	return t, err
}

// event checks r and converts it. timeCol names the time column of a CSV
// file for errors ("" for JSON).
func (r *auditRecord) event(clock eventClock, timeCol string) (directory.Event, error) {
	var e directory.Event
	for _, f := range []struct{ name, v string }{
		{"id", r.ID}, {"category", r.Category}, {"correlationId", r.CorrelationID}, {"result", r.Result},
		{"activityDisplayName", r.ActivityDisplayName}, {"operationName", r.OperationName},
	} {
		if len(f.v) > graphjson.MaxField {
			return e, graphjson.FieldTooLarge("in " + f.name)
		}
	}
	when, col := r.ActivityDateTime, "activityDateTime"
	if strings.TrimSpace(when) == "" {
		when, col = r.TimeGenerated, "TimeGenerated"
	}
	if timeCol != "" {
		col = timeCol
	}
	if strings.TrimSpace(when) == "" {
		return e, errors.New("no activityDateTime or TimeGenerated (want the time of the audit event)")
	}
	at, err := clock(col, when)
	if err != nil {
		return e, err
	}
	activity := strings.TrimSpace(r.ActivityDisplayName)
	if activity == "" {
		activity = strings.TrimSpace(r.OperationName)
	}
	if activity == "" {
		return e, errors.New("no activityDisplayName or OperationName (want the audit activity's name)")
	}
	e = directory.Event{
		ID:       strings.TrimSpace(r.ID),
		At:       at,
		Activity: activity,
		Category: strings.TrimSpace(r.Category),
		Result:   strings.TrimSpace(r.Result),
	}
	if e.InitiatedBy, err = initiator(r.InitiatedBy); err != nil {
		return e, err
	}
	if e.Targets, err = targets(r.TargetResources); err != nil {
		return e, err
	}
	return e, nil
}

// dynamic returns the JSON of a Log Analytics dynamic column, which a JSON
// row holds as a value and a CSV file (or a string column) as JSON text in
// a string. Empty, null and "" are nil.
func dynamic(field string, raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", field, graphjson.JSONProblem(err))
		}
		raw = bytes.TrimSpace([]byte(s))
		if len(raw) == 0 {
			return nil, nil
		}
	}
	return raw, nil
}

// initiator names who did it: a user's UPN, else the app's display name,
// else whatever ID was logged.
func initiator(raw json.RawMessage) (string, error) {
	b, err := dynamic("initiatedBy", raw)
	if b == nil || err != nil {
		return "", err
	}
	var in auditInitiator
	if err := json.Unmarshal(b, &in); err != nil {
		return "", fmt.Errorf("initiatedBy: %w", graphjson.JSONProblem(err))
	}
	var names []string
	if u := in.User; u != nil {
		names = append(names, u.UserPrincipalName, u.DisplayName, u.ID)
	}
	if a := in.App; a != nil {
		names = append(names, a.DisplayName, a.ServicePrincipalName, a.AppID, a.ServicePrincipalID)
	}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			return n, nil
		}
	}
	return "", nil
}

// targets converts targetResources.
func targets(raw json.RawMessage) ([]directory.Target, error) {
	b, err := dynamic("targetResources", raw)
	if b == nil || err != nil {
		return nil, err
	}
	var ts []auditTarget
	if err := json.Unmarshal(b, &ts); err != nil {
		return nil, fmt.Errorf("targetResources: %w", graphjson.JSONProblem(err))
	}
	out := make([]directory.Target, 0, len(ts))
	for i, t := range ts {
		dt := directory.Target{ID: strings.TrimSpace(t.ID), Type: strings.TrimSpace(t.Type), Name: targetName(t.UserPrincipalName, t.DisplayName)}
		for j, p := range t.ModifiedProperties {
			where := fmt.Sprintf("targetResources[%d].modifiedProperties[%d]", i, j)
			old, err := propertyValue(where+".oldValue", p.OldValue)
			if err != nil {
				return nil, err
			}
			nw, err := propertyValue(where+".newValue", p.NewValue)
			if err != nil {
				return nil, err
			}
			dt.Modified = append(dt.Modified, property(p.DisplayName, old, nw))
		}
		out = append(out, dt)
	}
	return out, nil
}

// targetName is a target's UPN, else its display name.
func targetName(upn, display string) string {
	if upn = strings.TrimSpace(upn); upn != "" {
		return upn
	}
	return strings.TrimSpace(display)
}

// propertyValue reads oldValue or newValue: a string holding JSON text (or,
// from some exporters, the JSON value itself).
func propertyValue(field string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s: %w", field, graphjson.JSONProblem(err))
		}
		return unquoteValue(s), nil
	}
	return unquoteValue(string(raw)), nil
}

// unquoteValue turns a logged property value into plain text. Entra logs
// oldValue and newValue as JSON text: "[\"true\"]", "[]", "\"x\"",
// "[\"a\",\"b\"]"; the text of that JSON (true, empty, x, "a, b") is what a
// reader wants. Anything that is not such JSON is kept as logged.
func unquoteValue(s string) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return ""
	}
	var v any
	if (t[0] != '[' && t[0] != '"') || json.Unmarshal([]byte(t), &v) != nil {
		return t
	}
	return plainJSON(v)
}

// plainJSON writes a decoded JSON value as text: strings bare, arrays
// joined with ", ", objects as compact JSON.
func plainJSON(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if p := plainJSON(e); p != "" {
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// secretProperty reports whether a modified property's name says it may
// carry a secret or key material. Entra does not log secret values, but an
// export is stranger-written: such values are never kept, only the name.
// "KeyDescription" (a credential's key ID, type and display name) is
// metadata and kept; so are password policies and password change times.
func secretProperty(name string) bool {
	n := strings.ToLower(strings.Join(strings.Fields(name), ""))
	switch {
	case strings.Contains(n, "secret"), strings.Contains(n, "keyvalue"), strings.Contains(n, "privatekey"),
		strings.Contains(n, "passwordcredential"), strings.Contains(n, "clientsecret"):
		return true
	case strings.Contains(n, "password"):
		return !strings.Contains(n, "polic") && !strings.Contains(n, "datetime") && !strings.Contains(n, "time") &&
			!strings.Contains(n, "forcechange") && !strings.Contains(n, "expir")
	}
	return false
}

// property is one modified property, its values dropped when its name
// says secret.
func property(name, old, nw string) directory.Property {
	name = strings.TrimSpace(name)
	if secretProperty(name) {
		return directory.Property{Name: name}
	}
	return directory.Property{Name: name, Old: old, New: nw}
}

// cleanEvent sanitizes, in place, every text of e as sign-ins are
// (signin.Sanitize): it is stranger-written, and nothing above the source
// sees it raw. Names and identifiers are capped at logtext.MaxName, property
// values at logtext.MaxDetail.
func cleanEvent(e *directory.Event) {
	for _, f := range []*string{&e.ID, &e.Activity, &e.Category, &e.Result, &e.InitiatedBy} {
		*f = logtext.Clean(*f, logtext.MaxName)
	}
	for i := range e.Targets {
		t := &e.Targets[i]
		t.ID, t.Type, t.Name = logtext.Clean(t.ID, logtext.MaxName), logtext.Clean(t.Type, logtext.MaxName), logtext.Clean(t.Name, logtext.MaxName)
		for j := range t.Modified {
			p := &t.Modified[j]
			p.Name = logtext.Clean(p.Name, logtext.MaxName)
			p.Old, p.New = logtext.Clean(p.Old, logtext.MaxDetail), logtext.Clean(p.New, logtext.MaxDetail)
		}
	}
}

// eventKey is what makes an event one: its ID, or for the admin center's
// CSV, which has none, its time, activity, correlation ID and targets.
func eventKey(e *directory.Event, correlationID string) string {
	if e.ID != "" {
		return "id:" + strings.ToLower(e.ID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s", e.At.UTC().Format(time.RFC3339Nano), e.Activity, correlationID)
	for _, t := range e.Targets {
		b.WriteString("|" + t.ID + "|" + t.Name)
	}
	return b.String()
}

// addEvent keeps e unless it was loaded already; it returns e's index in
// s.events, or -1 for a duplicate. A file holds sign-ins or audit events,
// never both.
func (s *sink) addEvent(e *directory.Event, correlationID string) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return -1, err
	}
	if err := s.setFileKind(true); err != nil {
		return -1, err
	}
	s.fileRecords++
	cleanEvent(e)
	k := eventKey(e, correlationID)
	if _, ok := s.seenEvents[k]; ok {
		s.dups++
		return -1, nil
	}
	s.seenEvents[k] = struct{}{}
	s.events = append(s.events, *e)
	s.eventKeys = append(s.eventKeys, k)
	return len(s.events) - 1, nil
}

// setFileKind records what the file holds, refusing a second kind.
func (s *sink) setFileKind(audit bool) error {
	kind := fileSignIns
	if audit {
		kind = fileAudit
	}
	switch s.fileKind {
	case fileUnknown:
		s.fileKind = kind
	case kind:
	case fileAudit:
		return errors.New("a sign-in in a file of directory audit events (want one kind of record per file)")
	default:
		return errors.New("a directory audit event in a file of sign-ins (want one kind of record per file)")
	}
	return nil
}

// fileKind is what one file holds.
type fileKind int

const (
	fileUnknown fileKind = iota
	fileSignIns
	fileAudit
)

// dropImplausibleEvents removes the file's events (s.events[first:]) dated
// outside the plausible range and returns how many.
func (s *sink) dropImplausibleEvents(res *Result, first int) int {
	kept, keys := s.events[:first], s.eventKeys[:first]
	n := 0
	for i, e := range s.events[first:] {
		if !e.At.Before(res.PlausibleFrom) && !e.At.After(res.PlausibleUntil) {
			kept, keys = append(kept, e), append(keys, s.eventKeys[first+i])
			continue
		}
		delete(s.seenEvents, s.eventKeys[first+i])
		n++
	}
	clear(s.events[len(kept):])
	s.events, s.eventKeys = kept, keys
	return n
}

// auditNote describes one audit file for the directory's coverage.
func auditNote(st FileStat, kept []directory.Event, implausible int, res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "audit export %s (%s): %s", st.Path, st.Format, plural.Count(len(kept), "event", "events"))
	if len(kept) > 0 {
		oldest, newest := kept[0].At, kept[0].At
		for _, e := range kept {
			if e.At.Before(oldest) {
				oldest = e.At
			}
			if e.At.After(newest) {
				newest = e.At
			}
		}
		fmt.Fprintf(&b, " from %s to %s", oldest.UTC().Format(time.RFC3339), newest.UTC().Format(time.RFC3339))
	}
	if implausible > 0 {
		fmt.Fprintf(&b, "; %d dated outside %s..%s left out", implausible, res.PlausibleFrom.Format("2006-01-02"), res.PlausibleUntil.UTC().Format(time.RFC3339))
	}
	return logtext.Clean(b.String(), logtext.MaxDetail)
}

// The admin center's audit CSV download.

// auditPortalField is a column of the admin center's audit CSV that is
// not per target.
type auditPortalField int

const (
	apDate auditPortalField = iota
	apCorrelationID
	apCategory
	apActivity
	apResult
	apActorDisplayName
	apActorObjectID
	apActorUPN
	apActorSPName
	apActorSPID
	apFieldCount
)

var auditPortalNames = map[string]auditPortalField{
	"date (utc)":                apDate,
	"date":                      apDate,
	"correlationid":             apCorrelationID,
	"correlation id":            apCorrelationID,
	"category":                  apCategory,
	"activity":                  apActivity,
	"result":                    apResult,
	"actordisplayname":          apActorDisplayName,
	"actorobjectid":             apActorObjectID,
	"actoruserprincipalname":    apActorUPN,
	"actorserviceprincipalname": apActorSPName,
	"actorserviceprincipalid":   apActorSPID,
}

// auditTargetColumn reads "Target2ModifiedProperty3OldValue" and friends.
var auditTargetColumn = regexp.MustCompile(`^target(\d+)(type|displayname|objectid|userprincipalname|modifiedproperty(\d+)(name|oldvalue|newvalue))$`)

// targetCols are one target's columns (-1 when absent).
type targetCols struct {
	typ, name, id, upn int
	props              [][3]int // name, old, new
}

// auditPortalColumns locates the fields in one file's header.
type auditPortalColumns struct {
	idx     [apFieldCount]int
	name    [apFieldCount]string
	targets []targetCols
}

// isAuditPortalHeader reports whether a normalized header is the admin
// center's audit CSV: an Activity column beside actor or target columns.
func isAuditPortalHeader(names map[string]bool) bool {
	return names["activity"] && (names["actortype"] || names["actoruserprincipalname"] || names["target1objectid"] || names["target1type"])
}

// isAuditColumnsHeader reports whether a normalized header is AuditLogs (or
// Graph-named) columns.
func isAuditColumnsHeader(names map[string]bool) bool {
	return names["activitydisplayname"] || names["targetresources"] || names["initiatedby"] || names["activitydatetime"]
}

func newAuditPortalColumns(header []string) (*auditPortalColumns, error) {
	p := &auditPortalColumns{}
	for i := range p.idx {
		p.idx[i] = -1
	}
	grow := func(n int) *targetCols {
		for len(p.targets) < n {
			p.targets = append(p.targets, targetCols{typ: -1, name: -1, id: -1, upn: -1})
		}
		return &p.targets[n-1]
	}
	for i, h := range header {
		n := normalizeHeader(h)
		if f, ok := auditPortalNames[n]; ok && p.idx[f] < 0 {
			p.idx[f], p.name[f] = i, strings.TrimSpace(h)
			continue
		}
		m := auditTargetColumn.FindStringSubmatch(strings.ReplaceAll(n, " ", ""))
		if m == nil {
			continue
		}
		tn, _ := strconv.Atoi(m[1])
		if tn < 1 || tn > 50 {
			continue
		}
		t := grow(tn)
		switch m[2] {
		case "type":
			t.typ = i
		case "displayname":
			t.name = i
		case "objectid":
			t.id = i
		case "userprincipalname":
			t.upn = i
		default:
			pn, _ := strconv.Atoi(m[3])
			if pn < 1 || pn > 50 {
				continue
			}
			for len(t.props) < pn {
				t.props = append(t.props, [3]int{-1, -1, -1})
			}
			k := map[string]int{"name": 0, "oldvalue": 1, "newvalue": 2}[m[4]]
			t.props[pn-1][k] = i
		}
	}
	if p.idx[apDate] < 0 {
		return nil, errors.New(`no "Date (UTC)" column (want the admin center's audit log CSV download header)`)
	}
	return p, nil
}

func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// auditPortalEvent converts a row of the admin center's audit CSV. It
// returns the correlation ID too: the download has no event ID, so the
// correlation ID helps tell events apart.
func auditPortalEvent(p *auditPortalColumns, rec []string, clock eventClock) (directory.Event, string, error) {
	var e directory.Event
	get := func(f auditPortalField) string { return cell(rec, p.idx[f]) }
	date := get(apDate)
	if date == "" {
		return e, "", fmt.Errorf("no %s (want the time of the audit event)", p.name[apDate])
	}
	at, err := clock(p.name[apDate], date)
	if err != nil {
		return e, "", err
	}
	activity := get(apActivity)
	if activity == "" {
		return e, "", errors.New("no Activity (want the audit activity's name)")
	}
	e = directory.Event{At: at, Activity: activity, Category: get(apCategory), Result: get(apResult)}
	for _, f := range []auditPortalField{apActorUPN, apActorDisplayName, apActorSPName, apActorObjectID, apActorSPID} {
		if v := get(f); v != "" {
			e.InitiatedBy = v
			break
		}
	}
	for _, tc := range p.targets {
		t := directory.Target{ID: cell(rec, tc.id), Type: cell(rec, tc.typ), Name: targetName(cell(rec, tc.upn), cell(rec, tc.name))}
		for _, pc := range tc.props {
			name := cell(rec, pc[0])
			if name == "" {
				continue
			}
			t.Modified = append(t.Modified, property(name, unquoteValue(cell(rec, pc[1])), unquoteValue(cell(rec, pc[2]))))
		}
		if t.ID == "" && t.Name == "" && t.Type == "" && len(t.Modified) == 0 {
			continue
		}
		e.Targets = append(e.Targets, t)
	}
	return e, get(apCorrelationID), nil
}

// auditColumns maps a CSV file's columns to auditRecord members: AuditLogs'
// names and the Graph property names, case-insensitively ("TimeGenerated
// [UTC]" as the Log Analytics portal writes it).
type auditColumns struct {
	field []int // per column: an auditCol, or -1
	name  []string
}

const (
	acID = iota
	acCategory
	acCorrelationID
	acResult
	acActivity
	acActivityDateTime
	acOperationName
	acTimeGenerated
	acInitiatedBy
	acTargetResources
)

var auditColumnNames = map[string]int{
	"id": acID, "category": acCategory, "correlationid": acCorrelationID, "result": acResult,
	"activitydisplayname": acActivity, "activitydatetime": acActivityDateTime, "operationname": acOperationName,
	"timegenerated": acTimeGenerated, "initiatedby": acInitiatedBy, "targetresources": acTargetResources,
	"initiatedby_dynamic": acInitiatedBy, "initiatedby_string": acInitiatedBy,
	"targetresources_dynamic": acTargetResources, "targetresources_string": acTargetResources,
}

func newAuditColumns(header []string) (*auditColumns, error) {
	c := &auditColumns{field: make([]int, len(header)), name: make([]string, len(header))}
	have := map[int]bool{}
	for i, h := range header {
		n := normalizeHeader(h)
		if j := strings.Index(n, " ["); j > 0 && strings.HasSuffix(n, "]") {
			n = n[:j]
		}
		f, ok := auditColumnNames[n]
		if !ok {
			f = -1
		}
		c.field[i], c.name[i] = f, strings.TrimSpace(h)
		have[f] = true
	}
	if !have[acActivityDateTime] && !have[acTimeGenerated] {
		return nil, errors.New("no ActivityDateTime or TimeGenerated column (want the time of the audit event)")
	}
	if !have[acActivity] && !have[acOperationName] {
		return nil, errors.New("no ActivityDisplayName or OperationName column (want the audit activity's name)")
	}
	return c, nil
}

// record fills an auditRecord from a row; it returns the name of the
// column the time was read from.
func (c *auditColumns) record(rec []string) (auditRecord, string) {
	var r auditRecord
	var timeCol, genCol string
	for i, v := range rec {
		switch c.field[i] {
		case acID:
			r.ID = v
		case acCategory:
			r.Category = v
		case acCorrelationID:
			r.CorrelationID = v
		case acResult:
			r.Result = v
		case acActivity:
			r.ActivityDisplayName = v
		case acActivityDateTime:
			r.ActivityDateTime, timeCol = v, c.name[i]
		case acOperationName:
			r.OperationName = v
		case acTimeGenerated:
			r.TimeGenerated, genCol = v, c.name[i]
		case acInitiatedBy:
			if strings.TrimSpace(v) != "" && len(r.InitiatedBy) == 0 {
				r.InitiatedBy, _ = json.Marshal(v)
			}
		case acTargetResources:
			if strings.TrimSpace(v) != "" && len(r.TargetResources) == 0 {
				r.TargetResources, _ = json.Marshal(v)
			}
		}
	}
	if strings.TrimSpace(r.ActivityDateTime) == "" {
		timeCol = genCol
	}
	return r, timeCol
}
