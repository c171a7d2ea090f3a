package filestest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// portalHeader57 is the admin center's CSV header as downloaded, quirks
// included: trailing spaces in "Application ID " and "Resource ID ", two
// spaces in "Autonomous system  number", "Incoming token type" twice.
var portalHeader57 = []string{
	"Date (UTC)", "Request ID", "User agent", "Correlation ID", "User ID", "User", "Username", "User type",
	"Cross tenant access type", "Incoming token type", "Authentication Protocol", "Unique token identifier",
	"Original transfer method", "Client credential type", "Token Protection - Sign In Session",
	"Token Protection - Sign In Session StatusCode", "Application", "Application ID ", "App owner tenant ID",
	"Resource", "Resource ID ", "Resource tenant ID", "Resource owner tenant ID", "Home tenant ID", "Home tenant name",
	"IP address", "Location", "Status", "Sign-in error code", "Failure reason", "Client app", "Device ID", "Browser",
	"Operating System", "Compliant", "Managed", "Join Type", "Multifactor authentication result",
	"Multifactor authentication auth method", "Multifactor authentication auth detail", "Authentication requirement",
	"Sign-in identifier", "Session ID", "IP address (seen by resource)", "Through Global Secure Access",
	"Global Secure Access IP address", "Autonomous system  number", "Flagged for review", "Token issuer type",
	"Incoming token type", "Token issuer name", "Latency", "Conditional Access", "Managed Identity type",
	"Associated Resource Id", "Federated Token Id", "Federated Token Issuer",
}

// microsoftTenant owns the first-party apps.
const microsoftTenant = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	return ternary(*b, "True", "False")
}

func writeQuoted(w *bufio.Writer, fields []string) {
	for i, f := range fields {
		if i > 0 {
			_ = w.WriteByte(',')
		}
		_ = w.WriteByte('"')
		_, _ = w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		_ = w.WriteByte('"')
	}
	_, _ = w.WriteString("\r\n")
}

func (g *generator) writePortalCSV(w *bufio.Writer, n int) error {
	_, _ = w.WriteString("\ufeff")
	writeQuoted(w, portalHeader57)
	row := make([]string, len(portalHeader57))
	for range n {
		s := g.next()
		place := genPlaces[s.place]
		status := "Success"
		switch {
		case g.catalog.IsInterrupt(s.Status.ErrorCode):
			status = "Interrupted"
		case s.Status.ErrorCode != 0:
			status = "Failure"
		}
		owner := microsoftTenant
		if strings.HasPrefix(s.App.Name, "Contoso") || s.wl != nil {
			owner = genTenant
		}
		token := "None"
		if s.Type == signin.NonInteractive {
			token = "Refresh token"
		}
		cross, homeName := "None", ""
		if s.User.Type == "guest" {
			cross, homeName = "B2B collaboration", "Fabrikam"
		}
		req := ternary(s.AuthRequirement == "multiFactorAuthentication", "Multifactor authentication", "Single-factor authentication")
		ca := map[string]string{"success": "Success", "failure": "Failure", "notApplied": "Not Applied"}[s.ConditionalAccessStatus]
		mfaMethod := ""
		if len(s.AuthDetails) > 1 {
			mfaMethod = s.AuthDetails[1].Method
		}
		copy(row, []string{
			s.CreatedAt.Truncate(time.Second).Format(time.RFC3339), s.ID, s.UserAgent, s.CorrelationID, s.User.ID, s.User.DisplayName,
			s.User.UPN, ternary(s.User.Type == "guest", "Guest", ternary(s.User.Type == "member", "Member", "")), cross, token, "None",
			strings.ReplaceAll(s.ID[:22], "-", "A"), "None", ternary(s.wl != nil, "Client secret", "None"), "None", "",
			s.App.Name, s.App.ID, owner, s.Resource.Name, s.Resource.ID, genTenant, microsoftTenant, s.HomeTenantID, homeName,
			s.IPAddress, signin.Location{City: place.city, State: place.state, CountryOrRegion: place.cc}.String(), status,
			strconv.Itoa(s.Status.ErrorCode), s.Status.FailureReason, s.ClientApp, s.Device.ID, s.Device.Browser,
			s.Device.OperatingSystem, boolText(s.Device.IsCompliant), boolText(s.Device.IsManaged), s.Device.TrustType,
			s.Status.AdditionalDetails, mfaMethod, "", req, s.User.UPN, s.SessionID, "", "False", "", "8075", "False", "AzureAD",
			token, "", strconv.Itoa(s.latency), ca, ternary(s.ManagedIdentity != "", s.ManagedIdentity, ""), "", "", "",
		})
		writeQuoted(w, row)
	}
	return nil
}

// laCell is one column of a generated Log Analytics row.
type laCell struct {
	name, value string
	kind        byte // 's' string, 'j' JSON (object, array), 'l' JSON literal (number, boolean)
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// usLocal is how the Log Analytics portal writes a time in a CSV export
// with the en-US locale.
func usLocal(t time.Time) string {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	return fmt.Sprintf("%d/%d/%d, %d:%02d:%02d.%03d %s", int(t.Month()), t.Day(), t.Year(), h, t.Minute(), t.Second(),
		t.Nanosecond()/1e6, ternary(t.Hour() < 12, "AM", "PM"))
}

// laCells builds a row of the table the sign-in belongs to; times are
// written by when.
func (g *generator) laCells(s *genSignIn, when func(time.Time) string, suffix string) []laCell {
	place := genPlaces[s.place]
	table, category := "SigninLogs", "SignInLogs"
	switch s.Type {
	case signin.NonInteractive:
		table, category = "AADNonInteractiveUserSignInLogs", "NonInteractiveUserSignInLogs"
	case signin.ServicePrincipal:
		table, category = "AADServicePrincipalSignInLogs", "ServicePrincipalSignInLogs"
	case signin.ManagedIdentity:
		table, category = "AADManagedIdentitySignInLogs", "ManagedIdentitySignInLogs"
	}
	generated := s.CreatedAt.Add(time.Duration(30+s.latency) * time.Second)
	st := map[string]any{"errorCode": s.Status.ErrorCode}
	if s.Status.FailureReason != "" {
		st["failureReason"] = s.Status.FailureReason
	}
	if s.Status.AdditionalDetails != "" {
		st["additionalDetails"] = s.Status.AdditionalDetails
	}
	cells := []laCell{
		{"TenantId", "12345678-90ab-4cde-8f01-23456789abcd", 's'},
		{"SourceSystem", "Azure AD", 's'},
		{"TimeGenerated" + suffix, when(generated), 's'},
		{"ResourceId", "/tenants/" + genTenant + "/providers/Microsoft.aadiam", 's'},
		{"OperationName", "Sign-in activity", 's'},
		{"OperationVersion", "1.0", 's'},
		{"Category", category, 's'},
		{"ResultType", strconv.Itoa(s.Status.ErrorCode), 's'},
		{"ResultSignature", "None", 's'},
		{"ResultDescription", s.Status.FailureReason, 's'},
		{"DurationMs", "0", 'l'},
		{"CorrelationId", s.CorrelationID, 's'},
		{"Resource", "Microsoft.aadiam", 's'},
		{"ResourceProvider", "Microsoft.aadiam", 's'},
		{"Identity", ternary(s.user != nil, s.User.DisplayName, s.ServicePrincipal.Name), 's'},
		{"Level", "4", 's'},
		{"Location", place.cc, 's'},
		{"AppDisplayName", ternary(s.user != nil, s.App.Name, ""), 's'},
		{"AppId", s.App.ID, 's'},
		{"AuthenticationDetails", compact(g.stepsOut(s, true)), 's'},
		{"AuthenticationMethodsUsed", "[]", 's'},
		{"AuthenticationProcessingDetails", `[{"key":"Legacy TLS (TLS 1.0, 1.1, 3DES)","value":"False"},{"key":"Is CAE Token","value":"False"}]`, 's'},
		{"AuthenticationRequirement", s.AuthRequirement, 's'},
		{"AuthenticationRequirementPolicies", "[]", 's'},
		{"ClientAppUsed", s.ClientApp, 's'},
		{"ConditionalAccessPolicies", compact(g.policiesOut(s, true)), 'j'},
		{"ConditionalAccessStatus", s.ConditionalAccessStatus, 's'},
		{"CreatedDateTime" + suffix, when(s.CreatedAt), 's'},
		{"DeviceDetail", compact(graphDeviceOut{DeviceID: s.Device.ID, DisplayName: strPtr(s.Device.Name), OperatingSystem: s.Device.OperatingSystem, Browser: s.Device.Browser, IsCompliant: s.Device.IsCompliant, IsManaged: s.Device.IsManaged, TrustType: strPtr(s.Device.TrustType)}), 'j'},
		{"IsInteractive", ternary(s.Type == signin.Interactive, "true", "false"), 'l'},
		{"Id", s.ID, 's'},
		{"IPAddress", s.IPAddress, 's'},
		{"LocationDetails", compact(graphLocationOut{City: place.city, State: place.state, CountryOrRegion: place.cc, GeoCoordinates: geoOut{Latitude: place.lat, Longitude: place.lon}}), 'j'},
		{"MfaDetail", "{}", 'j'},
		{"NetworkLocationDetails", "[]", 's'},
		{"OriginalRequestId", s.ID, 's'},
		{"ProcessingTimeInMilliseconds", strconv.Itoa(s.latency), 's'},
		{"RiskDetail", s.Risk.Detail, 's'},
		{"RiskEventTypes", compact(orEmpty(s.Risk.EventTypes)), 's'},
		{"RiskEventTypes_V2", compact(orEmpty(s.Risk.EventTypes)), 's'},
		{"RiskLevelAggregated", s.Risk.LevelAggregated, 's'},
		{"RiskLevelDuringSignIn", s.Risk.LevelDuringSignIn, 's'},
		{"RiskState", s.Risk.State, 's'},
		{"ResourceDisplayName", s.Resource.Name, 's'},
		{"ResourceIdentity", s.Resource.ID, 's'},
		{"ServicePrincipalId", s.ServicePrincipal.ID, 's'},
		{"ServicePrincipalName", s.ServicePrincipal.Name, 's'},
		{"Status", compact(st), 'j'},
		{"TokenIssuerType", "AzureAD", 's'},
		{"UserAgent", s.UserAgent, 's'},
		{"UserDisplayName", s.User.DisplayName, 's'},
		{"UserId", s.User.ID, 's'},
		{"UserPrincipalName", s.User.UPN, 's'},
		{"AADTenantId", genTenant, 's'},
		{"UserType", ternary(s.User.Type == "guest", "Guest", ternary(s.User.Type == "member", "Member", "")), 's'},
		{"IncomingTokenType", ternary(s.Type == signin.NonInteractive, "refreshToken", "none"), 's'},
		{"HomeTenantId", s.HomeTenantID, 's'},
		{"ResourceTenantId", genTenant, 's'},
		{"SessionId", s.SessionID, 's'},
		{"Type", table, 's'},
	}
	return cells
}

func (g *generator) writeLACSV(w *bufio.Writer, n int) error {
	var row []string
	for i := range n {
		s := g.next()
		cells := g.laCells(s, usLocal, " [UTC]")
		if i == 0 {
			names := make([]string, len(cells))
			for k, c := range cells {
				names[k] = c.name
			}
			writeCSVRow(w, names)
		}
		row = row[:0]
		for _, c := range cells {
			v := c.value
			if c.kind == 'l' {
				v = strings.ToUpper(v[:1]) + v[1:] // True, False, as .NET writes them
			}
			row = append(row, v)
		}
		writeCSVRow(w, row)
	}
	return nil
}

// writeCSVRow quotes only what needs it, as Log Analytics does.
func writeCSVRow(w *bufio.Writer, fields []string) {
	for i, f := range fields {
		if i > 0 {
			_ = w.WriteByte(',')
		}
		if strings.ContainsAny(f, "\",\r\n") {
			_ = w.WriteByte('"')
			_, _ = w.WriteString(strings.ReplaceAll(f, `"`, `""`))
			_ = w.WriteByte('"')
			continue
		}
		_, _ = w.WriteString(f)
	}
	_, _ = w.WriteString("\r\n")
}

// writeLAJSON writes an array of row objects. SigninLogs rows carry their
// dynamic columns as JSON values; the other tables, as the reference notes
// for AADNonInteractiveUserSignInLogs, as JSON in strings.
func (g *generator) writeLAJSON(w *bufio.Writer, n int) error {
	_ = w.WriteByte('[')
	iso := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.0000000Z") }
	for i := range n {
		if i > 0 {
			_ = w.WriteByte(',')
		}
		_, _ = w.WriteString("\n{")
		s := g.next()
		objects := s.Type == signin.Interactive
		for k, c := range g.laCells(s, iso, "") {
			if k > 0 {
				_ = w.WriteByte(',')
			}
			name, _ := json.Marshal(c.name)
			_, _ = w.Write(name)
			_ = w.WriteByte(':')
			switch {
			case c.kind == 'l', c.kind == 'j' && objects:
				_, _ = w.WriteString(c.value)
			default:
				v, _ := json.Marshal(c.value)
				_, _ = w.Write(v)
			}
		}
		_ = w.WriteByte('}')
	}
	_, err := w.WriteString("\n]\n")
	return err
}
