package lafake

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// The table names, one per sign-in type (kql.Table), as the workspace
// knows them.
const (
	TableInteractive      = "SigninLogs"
	TableNonInteractive   = "AADNonInteractiveUserSignInLogs"
	TableServicePrincipal = "AADServicePrincipalSignInLogs"
	TableManagedIdentity  = "AADManagedIdentitySignInLogs"
)

// tableOf maps a sign-in type to its table and Category value.
var tableOf = map[signin.Type]struct{ name, category string }{
	signin.Interactive:      {TableInteractive, "SignInLogs"},
	signin.NonInteractive:   {TableNonInteractive, "NonInteractiveUserSignInLogs"},
	signin.ServicePrincipal: {TableServicePrincipal, "ServicePrincipalSignInLogs"},
	signin.ManagedIdentity:  {TableManagedIdentity, "ManagedIdentitySignInLogs"},
}

// TableFor returns the table that holds sign-ins of type t.
func TableFor(t signin.Type) (string, error) {
	if tb, ok := tableOf[t]; ok {
		return tb.name, nil
	}
	return "", fmt.Errorf("no Log Analytics table for sign-in type %q", t)
}

// The column types of the query API (Column.type).
const (
	typeString   = "string"
	typeDateTime = "datetime"
	typeBool     = "bool"
	typeLong     = "long"
	typeInt      = "int"
	typeReal     = "real"
	typeDynamic  = "dynamic"
)

// Column is one column of a table or of an answer: its name and its type as
// the query API writes it (string, datetime, bool, long, int, real, dynamic).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// schemas are the columns of each table that this fake fills, with their
// types: the columns the files source's Log Analytics reader maps, and a
// few the service always writes (Type, Category, OperationName, TenantId,
// ...). Column lists follow the Azure Monitor table reference
// (shared/reference/loganalytics-signin-tables.tsv and the reference pages
// of the two workload tables): Status, LocationDetails, DeviceDetail and
// ConditionalAccessPolicies are dynamic in SigninLogs and JSON text in the
// others; ServicePrincipalCredentialKeyId exists only in the two workload
// tables (AADManagedIdentitySignInLogs has the service principal table's
// columns, per its reference page of 2024-07-30); the workload tables have
// no user, device or authentication step columns, no CreatedDateTime and no
// IsInteractive.
// A column that a table lacks is absent, so that a query must reach it with
// column_ifexists, as at the service.
var schemas = map[string][]Column{
	TableInteractive: cols(
		"TenantId", "SourceSystem", "TimeGenerated:datetime", "ResourceId", "OperationName", "Category", "ResultType",
		"ResultDescription", "DurationMs:long", "Level", "Location", "AppDisplayName", "AppId", "AppOwnerTenantId",
		"AuthenticationDetails", "AuthenticationProtocol", "AuthenticationRequirement", "ClientAppUsed",
		"ClientCredentialType", "ConditionalAccessPolicies:dynamic", "ConditionalAccessStatus", "CorrelationId",
		"CreatedDateTime:datetime", "CrossTenantAccessType", "DeviceDetail:dynamic", "HomeTenantId", "Id", "Identity",
		"IncomingTokenType", "IPAddress", "IsInteractive:bool", "LocationDetails:dynamic", "OriginalRequestId",
		"ResourceDisplayName", "ResourceIdentity", "ResourceTenantId", "AADTenantId", "RiskDetail", "RiskEventTypes",
		"RiskEventTypes_V2", "RiskLevelAggregated", "RiskLevelDuringSignIn", "RiskState", "ServicePrincipalId",
		"ServicePrincipalName", "SessionId", "Status:dynamic", "UserAgent", "UserDisplayName", "UserId",
		"UserPrincipalName", "UserType", "Type"),
	TableNonInteractive: cols(
		"TenantId", "SourceSystem", "TimeGenerated:datetime", "OperationName", "Category", "ResultType",
		"ResultDescription", "DurationMs:long", "Level", "Location", "AppDisplayName", "AppId", "AuthenticationDetails",
		"AuthenticationProtocol", "AuthenticationRequirement", "ClientAppUsed", "ConditionalAccessPolicies",
		"ConditionalAccessStatus", "CorrelationId", "CreatedDateTime:datetime", "CrossTenantAccessType", "DeviceDetail",
		"HomeTenantId", "Id", "Identity", "IPAddress", "IsInteractive:bool", "LocationDetails", "OriginalRequestId",
		"ResourceDisplayName", "ResourceIdentity", "ResourceTenantId", "RiskDetail", "RiskEventTypes",
		"RiskEventTypes_V2", "RiskLevelAggregated", "RiskLevelDuringSignIn", "RiskState", "ServicePrincipalId",
		"SignInEventTypes", "Status", "UserAgent", "UserDisplayName", "UserId", "UserPrincipalName", "UserType", "Type"),
	TableServicePrincipal: cols(
		"TenantId", "SourceSystem", "TimeGenerated:datetime", "OperationName", "Category", "ResultType",
		"ResultDescription", "DurationMs:long", "Level", "Location", "AppId", "ConditionalAccessPolicies",
		"ConditionalAccessStatus", "CorrelationId", "Id", "Identity", "IPAddress", "LocationDetails",
		"ResourceDisplayName", "ResourceIdentity", "ServicePrincipalCredentialKeyId", "ServicePrincipalId",
		"ServicePrincipalName", "Type"),
	TableManagedIdentity: cols(
		"TenantId", "SourceSystem", "TimeGenerated:datetime", "OperationName", "Category", "ResultType",
		"ResultDescription", "DurationMs:long", "Level", "Location", "AppId", "ConditionalAccessPolicies",
		"ConditionalAccessStatus", "CorrelationId", "Id", "Identity", "IPAddress", "LocationDetails",
		"ResourceDisplayName", "ResourceIdentity", "ServicePrincipalCredentialKeyId", "ServicePrincipalId",
		"ServicePrincipalName", "Type"),
}

// cols reads "Name" (a string) or "Name:type".
func cols(specs ...string) []Column {
	out := make([]Column, len(specs))
	for i, s := range specs {
		name, typ := s, typeString
		for j := range len(s) {
			if s[j] == ':' {
				name, typ = s[:j], s[j+1:]
				break
			}
		}
		out[i] = Column{Name: name, Type: typ}
	}
	return out
}

// Schema returns the columns of table, and false for a table the fake does
// not know.
func Schema(table string) ([]Column, bool) {
	c, ok := schemas[table]
	if !ok {
		return nil, false
	}
	return append([]Column(nil), c...), true
}

// dynamicText is the value of a dynamic column: JSON text.
type dynamicText string

// cell computes one column of a sign-in's row. The JSON columns return the
// JSON text; Row makes it dynamic or leaves it a string by the table's type.
func cell(si *signin.SignIn, table, category, workspace, name string) any {
	switch name {
	case "TenantId":
		return workspace // the workspace's ID, as Log Analytics fills it
	case "SourceSystem":
		return "Azure AD"
	case "TimeGenerated", "CreatedDateTime":
		// TimeGenerated is the ingestion time at the service, a little after
		// the sign-in; here it is the sign-in's time, so that the window of a
		// query selects what the files source's window selects.
		return si.CreatedAt.UTC().Truncate(100 * time.Nanosecond)
	case "ResourceId":
		return "/tenants/" + si.TenantID + "/providers/Microsoft.aadiam"
	case "OperationName":
		return "Sign-in activity"
	case "Category":
		return category
	case "Type":
		return table
	case "ResultType":
		return strconv.Itoa(si.Status.ErrorCode)
	case "ResultDescription":
		return si.Status.FailureReason
	case "DurationMs":
		return int64(0)
	case "Level":
		return "4"
	case "Location":
		return si.Location.CountryOrRegion
	case "AppDisplayName":
		return si.App.Name
	case "AppId":
		return si.App.ID
	case "AppOwnerTenantId":
		return si.AppOwnerTenantID
	case "AuthenticationDetails":
		return authDetailsJSON(si.AuthDetails)
	case "AuthenticationProtocol":
		return si.AuthenticationProtocol
	case "AuthenticationRequirement":
		return si.AuthRequirement
	case "ClientAppUsed":
		return si.ClientApp
	case "ClientCredentialType":
		return si.ClientCredentialType
	case "ConditionalAccessPolicies":
		return policiesJSON(si.Policies)
	case "ConditionalAccessStatus":
		return si.ConditionalAccessStatus
	case "CorrelationId":
		return si.CorrelationID
	case "CrossTenantAccessType":
		return si.CrossTenantAccessType
	case "DeviceDetail":
		return deviceJSON(si.Device)
	case "HomeTenantId":
		return si.HomeTenantID
	case "Id":
		return si.ID
	case "Identity":
		// The service writes the actor's name; the user's, so that the files
		// source reads back the same display name (it falls back to Identity).
		return si.User.DisplayName
	case "IncomingTokenType":
		return si.IncomingTokenType
	case "IPAddress":
		return si.IPAddress
	case "IsInteractive":
		if si.IsInteractive == nil {
			return nil
		}
		return *si.IsInteractive
	case "LocationDetails":
		return marshal(map[string]string{"city": si.Location.City, "state": si.Location.State, "countryOrRegion": si.Location.CountryOrRegion})
	case "OriginalRequestId":
		return si.OriginalRequestID
	case "ResourceDisplayName":
		return si.Resource.Name
	case "ResourceIdentity":
		return si.Resource.ID
	case "ResourceTenantId", "AADTenantId":
		return si.TenantID
	case "RiskDetail":
		return si.Risk.Detail
	case "RiskEventTypes", "RiskEventTypes_V2":
		return marshal(nonNil(si.Risk.EventTypes))
	case "RiskLevelAggregated":
		return si.Risk.LevelAggregated
	case "RiskLevelDuringSignIn":
		return si.Risk.LevelDuringSignIn
	case "RiskState":
		return si.Risk.State
	case "ServicePrincipalCredentialKeyId":
		return si.ServicePrincipalCredentialKeyID
	case "ServicePrincipalId":
		return si.ServicePrincipal.ID
	case "ServicePrincipalName":
		return si.ServicePrincipal.Name
	case "SessionId":
		return si.SessionID
	case "SignInEventTypes":
		return marshal([]string{si.Type.EventType()})
	case "Status":
		return marshal(struct {
			ErrorCode         int    `json:"errorCode"`
			FailureReason     string `json:"failureReason,omitempty"`
			AdditionalDetails string `json:"additionalDetails,omitempty"`
		}{si.Status.ErrorCode, si.Status.FailureReason, si.Status.AdditionalDetails})
	case "UserAgent":
		return si.UserAgent
	case "UserDisplayName":
		return si.User.DisplayName
	case "UserId":
		return si.User.ID
	case "UserPrincipalName":
		return si.User.UPN
	case "UserType":
		return si.User.Type
	}
	panic("lafake: no value for column " + name)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// marshal writes v as JSON text; v is always marshalable here.
func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("lafake: marshal %T: %v", v, err))
	}
	return string(b)
}

func authDetailsJSON(steps []signin.AuthStep) string {
	out := make([]map[string]any, len(steps))
	for i, s := range steps {
		m := map[string]any{
			"authenticationMethod":           s.Method,
			"authenticationMethodDetail":     s.MethodDetail,
			"authenticationStepRequirement":  s.Requirement,
			"succeeded":                      s.Succeeded,
			"authenticationStepResultDetail": s.ResultDetail,
		}
		if !s.At.IsZero() {
			m["authenticationStepDateTime"] = s.At.UTC().Format(time.RFC3339Nano)
		}
		out[i] = m
	}
	return marshal(out)
}

func policiesJSON(ps []signin.Policy) string {
	out := make([]map[string]any, len(ps))
	for i, p := range ps {
		out[i] = map[string]any{
			"id": p.ID, "displayName": p.Name, "result": p.Result,
			"enforcedGrantControls": nonNil(p.GrantControls), "enforcedSessionControls": nonNil(p.SessionControls),
			"conditionsSatisfied": p.ConditionsSatisfied, "conditionsNotSatisfied": p.ConditionsNotSatisfied,
		}
	}
	return marshal(out)
}

func deviceJSON(d signin.Device) string {
	m := map[string]any{
		"deviceId": d.ID, "displayName": d.Name, "operatingSystem": d.OperatingSystem, "browser": d.Browser,
		"trustType": d.TrustType,
	}
	if d.IsCompliant != nil {
		m["isCompliant"] = *d.IsCompliant
	}
	if d.IsManaged != nil {
		m["isManaged"] = *d.IsManaged
	}
	return marshal(m)
}

// Row converts a sign-in to a row of its type's table in workspace: the
// table's name, and a value per column of Schema(table) (string, time.Time,
// bool, int64, nil for a null bool, and JSON text for the dynamic columns,
// which MarshalRow writes as the service does).
func Row(si *signin.SignIn, workspace string) (table string, row []any, err error) {
	tb, ok := tableOf[si.Type]
	if !ok {
		return "", nil, fmt.Errorf("sign-in %s: type %q has no table", si.ID, si.Type)
	}
	schema := schemas[tb.name]
	row = make([]any, len(schema))
	for i, c := range schema {
		v := cell(si, tb.name, tb.category, workspace, c.Name)
		if s, ok := v.(string); ok && c.Type == typeDynamic {
			v = dynamicText(s)
		}
		row[i] = v
	}
	return tb.name, row, nil
}

// buildTables converts sign-ins to the four tables (each present, empty or
// not), less the missing ones.
func buildTables(signins []signin.SignIn, workspace string, missing map[string]bool) (map[string]*Table, error) {
	out := map[string]*Table{}
	for name, c := range schemas {
		if !missing[name] {
			out[name] = &Table{Columns: c}
		}
	}
	for i := range signins {
		name, row, err := Row(&signins[i], workspace)
		if err != nil {
			return nil, err
		}
		if t, ok := out[name]; ok {
			t.Rows = append(t.Rows, row)
		}
	}
	return out, nil
}

// MarshalValue writes one value as the query API does: datetime as RFC 3339
// with seven fractional digits in UTC, a null as null, and a dynamic value
// as its JSON text in a JSON string (the API serialises dynamic values; a
// client parses them: azlogs hands them over as Go strings).
func MarshalValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.0000000Z")
	case dynamicText:
		if x == "" {
			return nil
		}
		return string(x)
	}
	return v
}

// WriteTables writes signins as the query API's answer holds tables, one
// table per sign-in table that has rows, named after it:
// {"tables":[{"name","columns","rows"}]}. The files source reads it as a Log
// Analytics export, which is how the tests prove that a row keeps every
// field that source maps.
func WriteTables(w io.Writer, signins []signin.SignIn, workspace string) error {
	tables, err := buildTables(signins, workspace, nil)
	if err != nil {
		return err
	}
	type table struct {
		Name    string   `json:"name"`
		Columns []Column `json:"columns"`
		Rows    [][]any  `json:"rows"`
	}
	var out struct {
		Tables []table `json:"tables"`
	}
	for _, name := range []string{TableInteractive, TableNonInteractive, TableServicePrincipal, TableManagedIdentity} {
		t := tables[name]
		if len(t.Rows) == 0 {
			continue
		}
		rows := make([][]any, len(t.Rows))
		for i, r := range t.Rows {
			rows[i] = make([]any, len(r))
			for j, v := range r {
				rows[i][j] = MarshalValue(v)
			}
		}
		out.Tables = append(out.Tables, table{Name: name, Columns: t.Columns, Rows: rows})
	}
	if out.Tables == nil {
		out.Tables = []table{}
	}
	return json.NewEncoder(w).Encode(out)
}
