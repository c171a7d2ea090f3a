package files

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// laField is a Log Analytics column we read. The sign-in tables share their
// column names (SigninLogs, AADNonInteractiveUserSignInLogs,
// AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs); where a
// table lacks a column the field is empty.
type laField int

const (
	laTimeGenerated laField = iota
	laCreatedDateTime
	laID
	laCorrelationID
	laOriginalRequestID
	laSessionID
	laUserPrincipalName
	laUserID
	laUserDisplayName
	laIdentity
	laUserType
	laAppDisplayName
	laAppID
	laResourceDisplayName
	laResourceIdentity
	laResourceID
	laServicePrincipalID
	laServicePrincipalName
	laCredentialKeyID
	laClientCredentialType
	laCrossTenantAccessType
	laAppOwnerTenantID
	laIncomingTokenType
	laAuthenticationProtocol
	laAADTenantID
	laResourceTenantID
	laHomeTenantID
	laIPAddress
	laClientAppUsed
	laUserAgent
	laIsInteractive
	laSignInEventTypes
	laCategory
	laType
	laResultType
	laResultDescription
	laStatus
	laLocationDetails
	laLocation
	laDeviceDetail
	laConditionalAccessPolicies
	laAppliedConditionalAccessPolicies
	laConditionalAccessStatus
	laAuthenticationRequirement
	laAuthenticationDetails
	laRiskDetail
	laRiskLevelAggregated
	laRiskLevelDuringSignIn
	laRiskState
	laRiskEventTypes
	laRiskEventTypesV2
	laFieldCount
)

// laNone marks a column we do not read.
const laNone laField = -1

// laCanonical is each field's column name as Log Analytics spells it.
var laCanonical = [laFieldCount]string{
	laTimeGenerated:                    "TimeGenerated",
	laCreatedDateTime:                  "CreatedDateTime",
	laID:                               "Id",
	laCorrelationID:                    "CorrelationId",
	laOriginalRequestID:                "OriginalRequestId",
	laSessionID:                        "SessionId",
	laUserPrincipalName:                "UserPrincipalName",
	laUserID:                           "UserId",
	laUserDisplayName:                  "UserDisplayName",
	laIdentity:                         "Identity",
	laUserType:                         "UserType",
	laAppDisplayName:                   "AppDisplayName",
	laAppID:                            "AppId",
	laResourceDisplayName:              "ResourceDisplayName",
	laResourceIdentity:                 "ResourceIdentity",
	laResourceID:                       "ResourceId",
	laServicePrincipalID:               "ServicePrincipalId",
	laServicePrincipalName:             "ServicePrincipalName",
	laCredentialKeyID:                  "ServicePrincipalCredentialKeyId",
	laClientCredentialType:             "ClientCredentialType",
	laCrossTenantAccessType:            "CrossTenantAccessType",
	laAppOwnerTenantID:                 "AppOwnerTenantId",
	laIncomingTokenType:                "IncomingTokenType",
	laAuthenticationProtocol:           "AuthenticationProtocol",
	laAADTenantID:                      "AADTenantId",
	laResourceTenantID:                 "ResourceTenantId",
	laHomeTenantID:                     "HomeTenantId",
	laIPAddress:                        "IPAddress",
	laClientAppUsed:                    "ClientAppUsed",
	laUserAgent:                        "UserAgent",
	laIsInteractive:                    "IsInteractive",
	laSignInEventTypes:                 "SignInEventTypes",
	laCategory:                         "Category",
	laType:                             "Type",
	laResultType:                       "ResultType",
	laResultDescription:                "ResultDescription",
	laStatus:                           "Status",
	laLocationDetails:                  "LocationDetails",
	laLocation:                         "Location",
	laDeviceDetail:                     "DeviceDetail",
	laConditionalAccessPolicies:        "ConditionalAccessPolicies",
	laAppliedConditionalAccessPolicies: "AppliedConditionalAccessPolicies",
	laConditionalAccessStatus:          "ConditionalAccessStatus",
	laAuthenticationRequirement:        "AuthenticationRequirement",
	laAuthenticationDetails:            "AuthenticationDetails",
	laRiskDetail:                       "RiskDetail",
	laRiskLevelAggregated:              "RiskLevelAggregated",
	laRiskLevelDuringSignIn:            "RiskLevelDuringSignIn",
	laRiskState:                        "RiskState",
	laRiskEventTypes:                   "RiskEventTypes",
	laRiskEventTypesV2:                 "RiskEventTypes_V2",
}

// laByName maps a lower-case column name to its field.
var laByName = func() map[string]laField {
	m := make(map[string]laField, laFieldCount)
	for f, name := range laCanonical {
		m[strings.ToLower(name)] = laField(f)
	}
	return m
}()

// laDynamic are the columns that hold JSON; a union of SigninLogs (dynamic)
// and AADNonInteractiveUserSignInLogs (string) names them Status_dynamic and
// Status_string, and so on.
var laDynamic = map[laField]bool{
	laStatus: true, laLocationDetails: true, laDeviceDetail: true,
	laConditionalAccessPolicies: true, laAppliedConditionalAccessPolicies: true,
	laAuthenticationDetails: true,
}

// laColumnFor maps a column name as exported ("TimeGenerated [UTC]",
// "Status_string", "userPrincipalName") to its field, or laNone.
func laColumnFor(name string) laColumn {
	n := strings.ToLower(normalizeHeader(name))
	if i := strings.Index(n, " ["); i > 0 && strings.HasSuffix(n, "]") {
		n = n[:i] // the Log Analytics portal adds the time zone: "TimeGenerated [UTC]"
	}
	f, ok := laByName[n]
	if !ok {
		for _, suffix := range []string{"_dynamic", "_string"} {
			if base, cut := strings.CutSuffix(n, suffix); cut {
				if g, found := laByName[base]; found && laDynamic[g] {
					f, ok = g, true
				}
			}
		}
	}
	if !ok {
		return laColumn{field: laNone, name: name}
	}
	return laColumn{field: f, name: strings.TrimSpace(name)}
}

// laColumn is one column of a file: the field it feeds and its name there.
type laColumn struct {
	field laField
	name  string
}

// checkLAColumns requires the columns without which no record is whole.
func checkLAColumns(cols []laColumn) error {
	var have [laFieldCount]bool
	for _, c := range cols {
		if c.field != laNone {
			have[c.field] = true
		}
	}
	if !have[laID] {
		return errors.New("no Id column (want the sign-in's request ID)")
	}
	if !have[laCreatedDateTime] && !have[laTimeGenerated] {
		return errors.New("no CreatedDateTime or TimeGenerated column (want the time of the sign-in)")
	}
	return nil
}

// laRow holds one row's values by field: scalars as text, dynamic columns
// as JSON text (Log Analytics writes them either as JSON values or as JSON
// in a string; both arrive here as the JSON text).
type laRow struct {
	v    [laFieldCount]string
	name [laFieldCount]string // the column name, for error messages
}

func (r *laRow) reset() { r.v = [laFieldCount]string{} }

// set stores a column's value; of two columns that feed one field (Status_dynamic
// and Status_string) the first non-empty wins.
func (r *laRow) set(c laColumn, v string) {
	if c.field == laNone || v == "" || r.v[c.field] != "" {
		return
	}
	r.v[c.field] = v
	r.name[c.field] = c.name
}

func (r *laRow) col(f laField) string {
	if r.name[f] != "" {
		return r.name[f]
	}
	return laCanonical[f]
}

// laClock parses a row's time; ambiguous is for CSV day/month order.
type laClock func(col, v string) (t time.Time, ambiguous bool, err error)

// isoClock parses the times of JSON rows.
func isoClock(col, v string) (time.Time, bool, error) {
	t, err := graphjson.ParseTime(strings.TrimSpace(v))
	if err != nil {
		return t, false, graphjson.FieldError(col, v, "is not a time", graphjson.WantTime)
	}
	return t, false, nil
}

// laSignIn converts a Log Analytics row. ambiguous reports a CSV slash date
// read month first while the file's order is open.
func (s *sink) laSignIn(r *laRow, clock laClock) (si signin.SignIn, ambiguous bool, err error) {
	id := strings.TrimSpace(r.v[laID])
	if id == "" {
		return si, false, fmt.Errorf("no %s (want the sign-in's request ID)", r.col(laID))
	}
	tf := laCreatedDateTime
	if strings.TrimSpace(r.v[tf]) == "" {
		tf = laTimeGenerated
	}
	if strings.TrimSpace(r.v[tf]) == "" {
		return si, false, fmt.Errorf("no %s or %s (want the time of the sign-in)", r.col(laCreatedDateTime), r.col(laTimeGenerated))
	}
	t, ambiguous, err := clock(r.col(tf), r.v[tf])
	if err != nil {
		return si, false, err
	}
	in := s.dec
	v := func(f laField) string { return in.Intern(strings.TrimSpace(r.v[f])) }
	resourceID := r.v[laResourceIdentity]
	if resourceID == "" && !strings.HasPrefix(r.v[laResourceID], "/") {
		// ResourceId is the Azure resource path of the log ("/tenants/..."),
		// not the resource's app ID, except in hand-made exports.
		resourceID = r.v[laResourceID]
	}
	si = signin.SignIn{
		ID:                strings.Clone(id),
		CorrelationID:     strings.Clone(strings.TrimSpace(r.v[laCorrelationID])),
		OriginalRequestID: strings.Clone(strings.TrimSpace(r.v[laOriginalRequestID])),
		SessionID:         strings.Clone(strings.TrimSpace(r.v[laSessionID])),
		CreatedAt:         t,
		TenantID:          in.Intern(strings.TrimSpace(cmp.Or(r.v[laResourceTenantID], r.v[laAADTenantID]))),
		HomeTenantID:      v(laHomeTenantID),
		User: signin.User{
			ID:          v(laUserID),
			UPN:         v(laUserPrincipalName),
			DisplayName: in.Intern(strings.TrimSpace(cmp.Or(r.v[laUserDisplayName], r.v[laIdentity]))),
			Type:        in.Intern(graphjson.EnumValue(r.v[laUserType])),
		},
		App:                             signin.App{ID: v(laAppID), Name: v(laAppDisplayName)},
		Resource:                        signin.App{ID: in.Intern(strings.TrimSpace(resourceID)), Name: v(laResourceDisplayName)},
		ServicePrincipal:                signin.App{ID: v(laServicePrincipalID), Name: v(laServicePrincipalName)},
		ServicePrincipalCredentialKeyID: v(laCredentialKeyID),
		ClientCredentialType:            in.Intern(graphjson.EnumValue(r.v[laClientCredentialType])),
		CrossTenantAccessType:           in.Intern(graphjson.EnumValue(r.v[laCrossTenantAccessType])),
		AppOwnerTenantID:                v(laAppOwnerTenantID),
		IncomingTokenType:               in.Intern(graphjson.EnumValue(r.v[laIncomingTokenType])),
		AuthenticationProtocol:          in.Intern(graphjson.EnumValue(r.v[laAuthenticationProtocol])),
		ClientApp:                       v(laClientAppUsed),
		UserAgent:                       v(laUserAgent),
		IPAddress:                       v(laIPAddress),
		ConditionalAccessStatus:         in.Intern(graphjson.EnumValue(r.v[laConditionalAccessStatus])),
		AuthRequirement:                 in.Intern(graphjson.EnumValue(r.v[laAuthenticationRequirement])),
		Risk: signin.Risk{
			LevelDuringSignIn: v(laRiskLevelDuringSignIn),
			LevelAggregated:   v(laRiskLevelAggregated),
			State:             v(laRiskState),
			Detail:            v(laRiskDetail),
		},
	}

	// Status: ResultType is the error code as text; the Status column has it
	// too, with the failure reason and additional details.
	st, err := in.Status(r.col(laStatus), r.v[laStatus])
	if err != nil {
		return si, false, err
	}
	code := strings.TrimSpace(r.v[laResultType])
	field := r.col(laResultType)
	if code == "" {
		if code, err = st.ErrorCodeText(r.col(laStatus) + ".errorCode"); err != nil {
			return si, false, err
		}
		field = r.col(laStatus) + ".errorCode"
	}
	if si.Status.ErrorCode, err = graphjson.ParseErrorCode(field, code); err != nil {
		return si, false, err
	}
	si.Status.FailureReason = in.Intern(cmp.Or(st.FailureReason, strings.TrimSpace(r.v[laResultDescription])))
	si.Status.AdditionalDetails = st.AdditionalDetails

	if si.Location, err = in.Location(r.col(laLocationDetails), r.v[laLocationDetails]); err != nil {
		return si, false, err
	}
	if si.Location.CountryOrRegion == "" {
		si.Location.CountryOrRegion = in.Intern(strings.TrimSpace(r.v[laLocation]))
	}

	if si.Device, err = in.Device(r.col(laDeviceDetail), r.v[laDeviceDetail]); err != nil {
		return si, false, err
	}

	pf := laConditionalAccessPolicies
	if strings.TrimSpace(r.v[pf]) == "" {
		pf = laAppliedConditionalAccessPolicies
	}
	if si.Policies, err = in.Policies(r.col(pf), r.v[pf]); err != nil {
		return si, false, err
	}

	if si.AuthDetails, err = in.AuthDetails(r.col(laAuthenticationDetails), r.v[laAuthenticationDetails]); err != nil {
		return si, false, err
	}

	risk := r.v[laRiskEventTypesV2]
	rf := laRiskEventTypesV2
	if strings.TrimSpace(risk) == "" {
		risk, rf = r.v[laRiskEventTypes], laRiskEventTypes
	}
	events, err := stringList(r.col(rf), risk)
	if err != nil {
		return si, false, err
	}
	si.Risk.EventTypes = in.InternAll(events)

	eventTypes, err := stringList(r.col(laSignInEventTypes), r.v[laSignInEventTypes])
	if err != nil {
		return si, false, err
	}
	interactive, err := graphjson.ParseBool(r.col(laIsInteractive), r.v[laIsInteractive])
	if err != nil {
		return si, false, err
	}
	si.IsInteractive = interactive
	table, _ := tableType(cmp.Or(r.v[laCategory], r.v[laType]))
	graphjson.SetType(&si, eventTypes, interactive, table)
	return si, ambiguous, nil
}

// laRow decodes a Log Analytics row object into r: each column we read
// becomes text (a string's content, a number's or boolean's literal, an
// object's or array's JSON).
func laRowJSON(l *graphjson.Lexer, r *laRow) {
	r.reset()
	l.Object("", func() {
		c, ok := laJSONColumns[string(l.Key())]
		if !ok {
			l.Skip()
			return
		}
		switch l.Peek() {
		case '{', '[':
			r.set(c, string(l.Raw()))
		default:
			r.set(c, l.Scalar(c.name))
		}
	})
}

// laValues decodes a row of the query API's tables shape: an array of
// values, one per column. It returns the number of values.
func laValues(l *graphjson.Lexer, r *laRow, cols []laColumn) int {
	r.reset()
	n := 0
	l.Array("", func(i int) {
		n++
		if i >= len(cols) {
			l.Skip()
			return
		}
		switch l.Peek() {
		case '{', '[':
			r.set(cols[i], string(l.Raw()))
		default:
			r.set(cols[i], l.Scalar(cols[i].name))
		}
	})
	return n
}

// laJSONColumns maps lower-cased JSON member names to columns.
var laJSONColumns = func() map[string]laColumn {
	m := map[string]laColumn{}
	for f, name := range laCanonical {
		c := laColumn{field: laField(f), name: name}
		m[strings.ToLower(name)] = c
		if laDynamic[laField(f)] {
			m[strings.ToLower(name)+"_dynamic"] = laColumn{field: laField(f), name: name + "_dynamic"}
			m[strings.ToLower(name)+"_string"] = laColumn{field: laField(f), name: name + "_string"}
		}
	}
	return m
}()

// LogAnalyticsDecoder maps rows of the Log Analytics query API (a table's
// column names, then each row's values as encoding/json decodes them) to
// signin.SignIn with the same mapping as a Log Analytics export, so that
// the live source and the files source read a row alike. A SignInType
// column, which the live source's queries add, sets the sign-in type. One
// decoder serves one answer: it shares strings among that answer's rows.
type LogAnalyticsDecoder struct {
	cols    []laColumn
	typeCol int // index of the SignInType column, or -1
	sink    sink
	row     laRow
}

// LogAnalyticsTypeColumn is the column whose value (a signin.Type) sets a
// decoded row's type.
const LogAnalyticsTypeColumn = "SignInType"

// NewLogAnalyticsDecoder returns the decoder of rows with these columns, or
// an error naming a column a sign-in cannot be read without.
func NewLogAnalyticsDecoder(columns []string) (*LogAnalyticsDecoder, error) {
	d := &LogAnalyticsDecoder{typeCol: -1, sink: sink{dec: graphjson.NewDecoder()}}
	for i, name := range columns {
		d.cols = append(d.cols, laColumnFor(name))
		if name == LogAnalyticsTypeColumn {
			d.typeCol = i
		}
	}
	if err := checkLAColumns(d.cols); err != nil {
		return nil, err
	}
	return d, nil
}

// Decode maps one row's values (strings, float64 or json.Number, bools,
// nil, and decoded JSON objects or arrays for dynamic columns) to a sign-in.
func (d *LogAnalyticsDecoder) Decode(values []any) (signin.SignIn, error) {
	if len(values) != len(d.cols) {
		return signin.SignIn{}, fmt.Errorf("row of %d values for %d columns", len(values), len(d.cols))
	}
	d.row.reset()
	for i, v := range values {
		text, err := laText(v)
		if err != nil {
			return signin.SignIn{}, fmt.Errorf("column %s: %w", d.cols[i].name, err)
		}
		d.row.set(d.cols[i], text)
	}
	si, _, err := d.sink.laSignIn(&d.row, isoClock)
	if err != nil {
		return signin.SignIn{}, err
	}
	if d.typeCol >= 0 {
		if s, ok := values[d.typeCol].(string); ok && s != "" {
			t, err := signin.ParseType(s)
			if err != nil {
				return signin.SignIn{}, fmt.Errorf("column %s: %w", LogAnalyticsTypeColumn, err)
			}
			graphjson.SetType(&si, []string{string(t)}, nil, t)
		}
	}
	return si, nil
}

// laText is a decoded JSON value as the text an export holds: a string's
// content, a number's or boolean's literal, an object's or array's JSON.
func laText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case json.Number:
		return x.String(), nil
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}
