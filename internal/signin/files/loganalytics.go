package files

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
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
	t, err := parseISOTime(strings.TrimSpace(v))
	if err != nil {
		return t, false, fieldError(col, v, "is not a time", wantISOTime)
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
	in := &s.strs
	v := func(f laField) string { return in.str(strings.TrimSpace(r.v[f])) }
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
		TenantID:          in.str(strings.TrimSpace(first(r.v[laResourceTenantID], r.v[laAADTenantID]))),
		HomeTenantID:      v(laHomeTenantID),
		User: signin.User{
			ID:          v(laUserID),
			UPN:         v(laUserPrincipalName),
			DisplayName: in.str(strings.TrimSpace(first(r.v[laUserDisplayName], r.v[laIdentity]))),
			Type:        in.str(enumValue(r.v[laUserType])),
		},
		App:                     signin.App{ID: v(laAppID), Name: v(laAppDisplayName)},
		Resource:                signin.App{ID: in.str(strings.TrimSpace(resourceID)), Name: v(laResourceDisplayName)},
		ServicePrincipal:        signin.App{ID: v(laServicePrincipalID), Name: v(laServicePrincipalName)},
		ClientApp:               v(laClientAppUsed),
		UserAgent:               v(laUserAgent),
		IPAddress:               v(laIPAddress),
		ConditionalAccessStatus: in.str(enumValue(r.v[laConditionalAccessStatus])),
		AuthRequirement:         in.str(enumValue(r.v[laAuthenticationRequirement])),
		Risk: signin.Risk{
			LevelDuringSignIn: v(laRiskLevelDuringSignIn),
			LevelAggregated:   v(laRiskLevelAggregated),
			State:             v(laRiskState),
			Detail:            v(laRiskDetail),
		},
	}

	// Status: ResultType is the error code as text; the Status column has it
	// too, with the failure reason and additional details.
	var st graphStatus
	if err := s.dynamic(r, laStatus, func(l *lexer) { l.status(&st, r.col(laStatus), in) }); err != nil {
		return si, false, err
	}
	code := strings.TrimSpace(r.v[laResultType])
	field := r.col(laResultType)
	if code == "" {
		if code, err = rawScalar(r.col(laStatus)+".errorCode", st.ErrorCode); err != nil {
			return si, false, err
		}
		field = r.col(laStatus) + ".errorCode"
	}
	if si.Status.ErrorCode, err = parseErrorCode(field, code); err != nil {
		return si, false, err
	}
	si.Status.FailureReason = in.str(first(st.FailureReason, strings.TrimSpace(r.v[laResultDescription])))
	si.Status.AdditionalDetails = in.str(st.AdditionalDetails)

	var loc graphLocation
	if err := s.dynamic(r, laLocationDetails, func(l *lexer) { l.location(&loc, r.col(laLocationDetails), in) }); err != nil {
		return si, false, err
	}
	si.Location = signin.Location{
		City:            in.str(loc.City),
		State:           in.str(loc.State),
		CountryOrRegion: in.str(first(loc.CountryOrRegion, strings.TrimSpace(r.v[laLocation]))),
	}

	var dev graphDevice
	if err := s.dynamic(r, laDeviceDetail, func(l *lexer) { l.device(&dev, r.col(laDeviceDetail), in) }); err != nil {
		return si, false, err
	}
	si.Device = signin.Device{
		ID:              in.str(dev.DeviceID),
		Name:            in.str(dev.DisplayName),
		OperatingSystem: in.str(dev.OperatingSystem),
		Browser:         in.str(dev.Browser),
		TrustType:       in.str(dev.TrustType),
	}
	if si.Device.IsCompliant, err = rawBool(r.col(laDeviceDetail)+".isCompliant", dev.IsCompliant); err != nil {
		return si, false, err
	}
	if si.Device.IsManaged, err = rawBool(r.col(laDeviceDetail)+".isManaged", dev.IsManaged); err != nil {
		return si, false, err
	}

	pf := laConditionalAccessPolicies
	if strings.TrimSpace(r.v[pf]) == "" {
		pf = laAppliedConditionalAccessPolicies
	}
	if p := strings.TrimSpace(r.v[pf]); p != "" && p != "null" {
		if si.Policies, err = s.policies.get([]byte(p), in); err != nil {
			return si, false, fmt.Errorf("%s%w", r.col(pf), err)
		}
	}

	var steps []graphAuthStep
	if err := s.dynamic(r, laAuthenticationDetails, func(l *lexer) { steps = l.steps(r.col(laAuthenticationDetails), in) }); err != nil {
		return si, false, err
	}
	if si.AuthDetails, err = authSteps(in, r.col(laAuthenticationDetails), steps); err != nil {
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
	si.Risk.EventTypes = internAll(in, events)

	eventTypes, err := stringList(r.col(laSignInEventTypes), r.v[laSignInEventTypes])
	if err != nil {
		return si, false, err
	}
	interactive, err := parseBool(r.col(laIsInteractive), r.v[laIsInteractive])
	if err != nil {
		return si, false, err
	}
	setType(&si, eventTypes, interactive, first(r.v[laCategory], r.v[laType]))
	return si, ambiguous, nil
}

// dynamic decodes a dynamic column's JSON text with read; empty is fine.
func (s *sink) dynamic(r *laRow, f laField, read func(l *lexer)) error {
	text := strings.TrimSpace(r.v[f])
	if text == "" || text == "null" {
		return nil
	}
	s.lx.reset([]byte(text))
	read(&s.lx)
	if s.lx.end(); s.lx.err != nil {
		return fmt.Errorf("%s: %w", r.col(f), s.lx.err)
	}
	return nil
}
