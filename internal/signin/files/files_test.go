package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// fixtures is the shared fixture folder.
const fixtures = "../../../testdata/signins"

func fixture(name string) string { return filepath.Join(fixtures, name) }

func load(t *testing.T, patterns ...string) *Result {
	t.Helper()
	res, err := Load(context.Background(), patterns)
	if err != nil {
		t.Fatalf("Load(%q): %v", patterns, err)
	}
	return res
}

func byID(t *testing.T, res *Result, id string) signin.SignIn {
	t.Helper()
	for _, s := range res.SignIns {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no sign-in %s among %d", id, len(res.SignIns))
	return signin.SignIn{}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(b bool) *bool { return &b }

func boolEq(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// check compares the fields a test cares about: want's zero fields are not
// compared, except those named in exact.
type check struct {
	id   string
	want signin.SignIn
	// policies, when set, are compared by name and result.
	policies []string
	// steps, when set, are compared by method and outcome.
	steps []string
}

func (c check) run(t *testing.T, got signin.SignIn) {
	t.Helper()
	w := c.want
	eq := func(field string, g, w any) {
		t.Helper()
		if !reflect.ValueOf(w).IsZero() && g != w {
			t.Errorf("%s: %s = %v, want %v", c.id, field, g, w)
		}
	}
	if !w.CreatedAt.IsZero() && !got.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("%s: CreatedAt = %v, want %v", c.id, got.CreatedAt, w.CreatedAt)
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("%s: CreatedAt %v is not UTC", c.id, got.CreatedAt)
	}
	eq("Type", got.Type, w.Type)
	eq("CorrelationID", got.CorrelationID, w.CorrelationID)
	eq("OriginalRequestID", got.OriginalRequestID, w.OriginalRequestID)
	eq("SessionID", got.SessionID, w.SessionID)
	eq("TenantID", got.TenantID, w.TenantID)
	eq("HomeTenantID", got.HomeTenantID, w.HomeTenantID)
	eq("User.ID", got.User.ID, w.User.ID)
	eq("User.UPN", got.User.UPN, w.User.UPN)
	eq("User.DisplayName", got.User.DisplayName, w.User.DisplayName)
	eq("User.Type", got.User.Type, w.User.Type)
	eq("App", got.App, w.App)
	eq("Resource.ID", got.Resource.ID, w.Resource.ID)
	eq("Resource.Name", got.Resource.Name, w.Resource.Name)
	eq("ServicePrincipal.ID", got.ServicePrincipal.ID, w.ServicePrincipal.ID)
	eq("ServicePrincipal.Name", got.ServicePrincipal.Name, w.ServicePrincipal.Name)
	eq("ManagedIdentity", got.ManagedIdentity, w.ManagedIdentity)
	eq("ClientApp", got.ClientApp, w.ClientApp)
	eq("UserAgent", got.UserAgent, w.UserAgent)
	eq("IPAddress", got.IPAddress, w.IPAddress)
	eq("Location", got.Location, w.Location)
	eq("Status.ErrorCode", got.Status.ErrorCode, w.Status.ErrorCode)
	eq("Status.FailureReason", got.Status.FailureReason, w.Status.FailureReason)
	eq("Status.AdditionalDetails", got.Status.AdditionalDetails, w.Status.AdditionalDetails)
	eq("ConditionalAccessStatus", got.ConditionalAccessStatus, w.ConditionalAccessStatus)
	eq("AuthRequirement", got.AuthRequirement, w.AuthRequirement)
	eq("Device.ID", got.Device.ID, w.Device.ID)
	eq("Device.Name", got.Device.Name, w.Device.Name)
	eq("Device.OperatingSystem", got.Device.OperatingSystem, w.Device.OperatingSystem)
	eq("Device.Browser", got.Device.Browser, w.Device.Browser)
	eq("Device.TrustType", got.Device.TrustType, w.Device.TrustType)
	if w.Device.IsCompliant != nil && !boolEq(got.Device.IsCompliant, w.Device.IsCompliant) {
		t.Errorf("%s: Device.IsCompliant = %v, want %v", c.id, got.Device.IsCompliant, *w.Device.IsCompliant)
	}
	if w.Device.IsManaged != nil && !boolEq(got.Device.IsManaged, w.Device.IsManaged) {
		t.Errorf("%s: Device.IsManaged = %v, want %v", c.id, got.Device.IsManaged, *w.Device.IsManaged)
	}
	eq("Risk.LevelDuringSignIn", got.Risk.LevelDuringSignIn, w.Risk.LevelDuringSignIn)
	eq("Risk.LevelAggregated", got.Risk.LevelAggregated, w.Risk.LevelAggregated)
	eq("Risk.State", got.Risk.State, w.Risk.State)
	if w.Risk.EventTypes != nil && !slices.Equal(got.Risk.EventTypes, w.Risk.EventTypes) {
		t.Errorf("%s: Risk.EventTypes = %q, want %q", c.id, got.Risk.EventTypes, w.Risk.EventTypes)
	}
	if c.policies != nil {
		var ps []string
		for _, p := range got.Policies {
			s := p.Name + "=" + p.Result
			if len(p.GrantControls) > 0 {
				s += " grant:" + strings.Join(p.GrantControls, "+")
			}
			if len(p.SessionControls) > 0 {
				s += " session:" + strings.Join(p.SessionControls, "+")
			}
			if p.ConditionsSatisfied != "" || p.ConditionsNotSatisfied != "" {
				s += " sat:" + p.ConditionsSatisfied + " not:" + p.ConditionsNotSatisfied
			}
			ps = append(ps, s)
		}
		if !slices.Equal(ps, c.policies) {
			t.Errorf("%s: policies\n got %q\nwant %q", c.id, ps, c.policies)
		}
	}
	if c.steps != nil {
		var ss []string
		for _, a := range got.AuthDetails {
			s := a.Method + ":" + map[bool]string{true: "ok", false: "failed"}[a.Succeeded] + ":" + a.Requirement + ":" + a.ResultDetail
			if !a.At.IsZero() {
				s += "@" + a.At.Format(time.RFC3339)
			}
			ss = append(ss, s)
		}
		if !slices.Equal(ss, c.steps) {
			t.Errorf("%s: steps\n got %q\nwant %q", c.id, ss, c.steps)
		}
	}
}

const (
	contoso  = "aaaabbbb-0000-cccc-1111-dddd2222eeee"
	fabrikam = "eeeeffff-4444-aaaa-5555-bbbb6666cccc"
	rosaID   = "4f8e2a1c-9b3d-4e5f-8a7b-6c5d4e3f2a10"
	samID    = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c21"
	liID     = "5c6d7e8f-0a1b-4c2d-9e3f-4a5b6c7d8e32"
	adeleID  = "0d9c8b7a-6f5e-4d3c-b2a1-9f8e7d6c5b43"
	graphApp = "00000003-0000-0000-c000-000000000000"
	exoApp   = "00000002-0000-0ff1-ce00-000000000000"
	ca004    = "CA004: Require multifactor authentication for all users"
	ca010    = "CA010: Block access from outside allowed countries"
	ca003    = "CA003: Block legacy authentication"
)

func TestLoadFixtures(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		count  int
		checks []check
	}{
		{
			file: "graph-v1-page.json", format: FormatGraphJSON, count: 3,
			checks: []check{
				{id: "8d2c1f4a-5b7e-4c3d-9a1f-2e6b7c8d0100", want: signin.SignIn{
					CreatedAt: utc("2025-01-09T02:02:12.4473817Z"), Type: signin.Interactive,
					CorrelationID: "c1e5a2b7-3d4f-4a8e-9b6c-7d8e9f0a1b22",
					User:          signin.User{ID: rosaID, UPN: "rosa.alvarez@contoso.com", DisplayName: "Rosa Alvarez"},
					App:           signin.App{ID: "d3590ed6-52b3-4102-aeff-aad2292ab01c", Name: "Microsoft Office"},
					Resource:      signin.App{ID: exoApp, Name: "Office 365 Exchange Online"},
					ClientApp:     "Browser", IPAddress: "203.0.113.24",
					Location:                signin.Location{City: "Lisbon", State: "Lisboa", CountryOrRegion: "PT"},
					Status:                  signin.Status{ErrorCode: 53003, FailureReason: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."},
					ConditionalAccessStatus: "failure",
					Device:                  signin.Device{OperatingSystem: "Windows 10", Browser: "Chrome 131.0.0"},
				}, policies: []string{ca010 + "=failure grant:Block", ca004 + "=notApplied grant:Mfa", ca003 + "=notApplied grant:Block"}},
				{id: "a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c00", want: signin.SignIn{
					Status: signin.Status{ErrorCode: 50126}, ConditionalAccessStatus: "notApplied",
					Risk: signin.Risk{LevelDuringSignIn: "low", LevelAggregated: "low", State: "atRisk", EventTypes: []string{"unfamiliarFeatures"}},
				}},
				{id: "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e000", want: signin.SignIn{
					Device: signin.Device{ID: "b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d55", Name: "ROSA-LT01", IsCompliant: ptr(true), IsManaged: ptr(true), TrustType: "Azure AD joined"},
				}, policies: []string{ca004 + "=success grant:Mfa", ca010 + "=notApplied grant:Block"}},
			},
		},
		{
			file: "graph-beta-pages.json", format: FormatGraphJSON, count: 3,
			checks: []check{
				{id: "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d00", want: signin.SignIn{
					Type: signin.Interactive, OriginalRequestID: "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d00",
					SessionID: "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c88", TenantID: contoso, HomeTenantID: contoso,
					User: signin.User{Type: "member"}, UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Teams/24335.206.3315.1069",
					Status:          signin.Status{ErrorCode: 50074, FailureReason: "Strong Authentication is required.", AdditionalDetails: "MFA required in Azure AD"},
					AuthRequirement: "multiFactorAuthentication",
				}, policies: []string{
					ca004 + "=success grant:Mfa sat:application,users not:none",
					"CA008: Require compliant device for Teams=success grant:RequireCompliantDevice session:SignInFrequency sat:application,users,devicePlatform not:none",
				}, steps: []string{
					"Password:ok:Primary authentication:Correct password@2025-01-10T14:21:03Z",
					"Mobile app notification:failed:Multifactor authentication:MFA required in Azure AD@2025-01-10T14:21:07Z",
				}},
				{id: "3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e00", want: signin.SignIn{
					Type: signin.NonInteractive, Status: signin.Status{ErrorCode: 700082},
					App: signin.App{ID: "29d9ed98-a469-4536-ade2-f981bc1d605e", Name: "Microsoft Authentication Broker"},
				}, policies: []string{}},
				{id: "4d5e6f7a-8b9c-4d0e-9f1a-3b4c5d6e7f00", want: signin.SignIn{
					Type:             signin.ServicePrincipal,
					ServicePrincipal: signin.App{ID: "8f9a0b1c-2d3e-4f4a-9b5c-6d7e8f9a0b11", Name: "Contoso Payroll Sync"},
					Status:           signin.Status{ErrorCode: 7000215},
				}},
			},
		},
		{
			file: "graph-beta.jsonl", format: FormatGraphJSONLines, count: 4,
			checks: []check{
				{id: "5e6f7a8b-9c0d-4e1f-8a2b-4c5d6e7f8a00", want: signin.SignIn{
					Type: signin.ManagedIdentity, ManagedIdentity: "systemAssigned",
					ServicePrincipal: signin.App{ID: "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c33", Name: "func-contoso-billing"},
					Resource:         signin.App{ID: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093", Name: "Azure Key Vault"},
					CreatedAt:        utc("2025-01-11T06:30:00.25Z"),
				}},
				{id: "6f7a8b9c-0d1e-4f2a-9b3c-5d6e7f8a9b00", want: signin.SignIn{Type: signin.NonInteractive, User: signin.User{ID: samID}}},
				{id: "7a8b9c0d-1e2f-4a3b-8c4d-6e7f8a9b0c00", want: signin.SignIn{
					Type: signin.Interactive, TenantID: contoso, HomeTenantID: fabrikam,
					User:   signin.User{ID: adeleID, UPN: "adelevance@fabrikam.com", Type: "guest"},
					Status: signin.Status{ErrorCode: 50105},
				}},
				{id: "8b9c0d1e-2f3a-4b4c-9d5e-7f8a9b0c1d00", want: signin.SignIn{
					Status:          signin.Status{ErrorCode: 500121},
					AuthRequirement: "multiFactorAuthentication", // logged as "MultifactorAuthentication"
				}, policies: []string{ca004 + "=failure grant:Mfa sat:application,users not:none"}, steps: []string{
					"Password:ok:Primary authentication:Correct password@2025-01-11T09:14:02Z",
					"Mobile app notification:failed:Multifactor authentication:MFA denied; user declined the authentication@2025-01-11T09:15:33Z",
				}},
			},
		},
		{
			file: "portal-download.json", format: FormatPortalJSON, count: 3,
			checks: []check{
				{id: "9c0d1e2f-3a4b-4c5d-8e6f-8a9b0c1d2e00", want: signin.SignIn{
					CreatedAt: utc("2025-01-10T08:15:30Z"), Type: signin.Interactive, TenantID: contoso, HomeTenantID: fabrikam,
					User:   signin.User{ID: adeleID, UPN: "adelevance@fabrikam.com", DisplayName: "Adele Vance", Type: "guest"},
					Device: signin.Device{OperatingSystem: "Windows10", IsCompliant: ptr(false), IsManaged: ptr(false)},
					Status: signin.Status{FailureReason: "Other."}, ConditionalAccessStatus: "success", AuthRequirement: "multiFactorAuthentication",
				}, policies: []string{
					ca004 + "=success grant:Mfa sat:application,users not:none",
					ca003 + "=notApplied grant:Block sat:application,users not:clientType",
				}, steps: []string{
					"Password:ok:Primary authentication:Correct password@2025-01-10T08:15:12Z",
					"Text message:ok:Multifactor authentication:MFA successfully completed@2025-01-10T08:15:30Z",
				}},
				{id: "0d1e2f3a-4b5c-4d6e-9f7a-9b0c1d2e3f00", want: signin.SignIn{
					Status: signin.Status{ErrorCode: 50126, AdditionalDetails: "The user didn't enter the right credentials."},
					App:    signin.App{ID: "d3590ed6-52b3-4102-aeff-aad2292ab01c", Name: "OfficeHome"},
					Risk:   signin.Risk{LevelDuringSignIn: "medium", State: "atRisk", EventTypes: []string{"anonymizedIPAddress", "unfamiliarFeatures"}},
				}},
			},
		},
		{
			file: "portal-57.csv", format: FormatPortalCSV, count: 3,
			checks: []check{
				{id: "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a00", want: signin.SignIn{
					CreatedAt: utc("2025-01-11T09:30:00Z"), Type: signin.Interactive,
					CorrelationID: "c3e7a4b9-5d6f-4a0b-9c8d-9e0f1a2b3c87", SessionID: "d4f8b5c0-6e7a-4b1c-8d9e-0f1a2b3c4d98",
					TenantID: contoso, HomeTenantID: contoso,
					User:                    signin.User{ID: rosaID, UPN: "rosa.alvarez@contoso.com", DisplayName: "Rosa Alvarez", Type: "member"},
					App:                     signin.App{ID: "d3590ed6-52b3-4102-aeff-aad2292ab01c", Name: "Microsoft Office"}, // "Application ID " (trailing space)
					Resource:                signin.App{ID: exoApp, Name: "Office 365 Exchange Online"},                       // "Resource ID "
					Location:                signin.Location{City: "Lisbon", State: "Lisboa", CountryOrRegion: "PT"},
					Status:                  signin.Status{ErrorCode: 53003, FailureReason: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."},
					ConditionalAccessStatus: "failure", AuthRequirement: "singleFactorAuthentication", ClientApp: "Browser", IPAddress: "203.0.113.24",
					Device: signin.Device{OperatingSystem: "Windows10", Browser: "Edge 131.0.0", IsCompliant: ptr(false), IsManaged: ptr(false)},
				}},
				{id: "2f3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b00", want: signin.SignIn{
					Status:                  signin.Status{ErrorCode: 50074, FailureReason: "Strong Authentication is required.", AdditionalDetails: "MFA required in Azure AD"},
					AuthRequirement:         "multiFactorAuthentication",
					ConditionalAccessStatus: "success",
					Device:                  signin.Device{ID: "c8d9e0f1-a2b3-4c4d-9e5f-6a7b8c9d0e77", TrustType: "Hybrid Azure AD joined", IsCompliant: ptr(true)},
				}},
				{id: "3a4b5c6d-7e8f-4a9b-8c0d-2e3f4a5b6c00", want: signin.SignIn{
					HomeTenantID: fabrikam, User: signin.User{Type: "guest", UPN: "adelevance@fabrikam.com"}, ConditionalAccessStatus: "notApplied",
				}},
			},
		},
		{
			file: "portal-55.csv", format: FormatPortalCSV, count: 3,
			checks: []check{
				{id: "4b5c6d7e-8f9a-4b0c-9d1e-3f4a5b6c7d00", want: signin.SignIn{CreatedAt: utc("2025-01-13T08:05:09Z"), Status: signin.Status{ErrorCode: 50126}, User: signin.User{ID: samID}}},
				{id: "5c6d7e8f-9a0b-4c1d-8e2f-4a5b6c7d8e00", want: signin.SignIn{CreatedAt: utc("2025-01-09T23:45:00Z"), Type: signin.Interactive}},
				{id: "6d7e8f9a-0b1c-4d2e-9f3a-5b6c7d8e9f00", want: signin.SignIn{
					CreatedAt: utc("2025-02-01T00:01:02Z"), Type: signin.ManagedIdentity, ManagedIdentity: "SystemAssigned",
					App: signin.App{ID: "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c22", Name: "func-contoso-billing"},
				}},
			},
		},
		{
			file: "loganalytics-signins.csv", format: FormatLogAnalyticsCSV, count: 4,
			checks: []check{
				{id: "7e8f9a0b-1c2d-4e3f-8a4b-6c7d8e9f0a00", want: signin.SignIn{
					CreatedAt: utc("2025-01-12T19:14:03Z"), Type: signin.Interactive, TenantID: contoso,
					OriginalRequestID: "7e8f9a0b-1c2d-4e3f-8a4b-6c7d8e9f0a00", SessionID: "f7b1d8e3-9a0c-4d4e-8f2a-3b4c5d6e7f21",
					User:                    signin.User{ID: rosaID, UPN: "rosa.alvarez@contoso.com", DisplayName: "Rosa Alvarez", Type: "member"},
					Resource:                signin.App{ID: exoApp, Name: "Office 365 Exchange Online"}, // ResourceIdentity, not the /tenants/... ResourceId
					Location:                signin.Location{City: "Lisbon", State: "Lisboa", CountryOrRegion: "PT"},
					Status:                  signin.Status{ErrorCode: 53003},
					Device:                  signin.Device{OperatingSystem: "Windows 10", Browser: "Chrome 131.0.0"},
					ConditionalAccessStatus: "failure", AuthRequirement: "singleFactorAuthentication",
				}, policies: []string{
					ca010 + "=failure grant:Block sat:application,users,location,ipAddressSeenByAzureAD not:none",
					ca004 + "=notApplied grant:Mfa sat:application,users not:none",
					ca003 + "=notApplied grant:Block sat:application,users not:clientType",
				}, steps: []string{"Password:ok:Primary authentication:Correct password@2025-01-12T19:14:01Z"}},
				{id: "8f9a0b1c-2d3e-4f4a-9b5c-7d8e9f0a1b00", want: signin.SignIn{
					Type: signin.NonInteractive, CreatedAt: utc("2025-01-13T05:58:12Z"),
					Status: signin.Status{AdditionalDetails: "MFA requirement satisfied by claim in the token"},
					Device: signin.Device{ID: "c8d9e0f1-a2b3-4c4d-9e5f-6a7b8c9d0e77", Name: "LI-DESK02", IsCompliant: ptr(true), IsManaged: ptr(true), TrustType: "Hybrid Azure AD joined"},
				}, policies: []string{}},
				{id: "9a0b1c2d-3e4f-4a5b-8c6d-8e9f0a1b2c00", want: signin.SignIn{HomeTenantID: fabrikam, User: signin.User{Type: "guest"}}},
				{id: "0b1c2d3e-4f5a-4b6c-9d7e-9f0a1b2c3d00", want: signin.SignIn{
					Status: signin.Status{ErrorCode: 50140}, Device: signin.Device{IsCompliant: ptr(false), IsManaged: ptr(false)},
				}},
			},
		},
		{
			file: "loganalytics-signins.json", format: FormatLogAnalyticsJSON, count: 4,
			checks: []check{
				{id: "1c2d3e4f-5a6b-4c7d-8e8f-0a1b2c3d4e00", want: signin.SignIn{
					CreatedAt: utc("2025-01-12T09:59:58.456Z"), Type: signin.Interactive,
					Status:   signin.Status{ErrorCode: 50126, FailureReason: "Error validating credentials due to invalid username or password.", AdditionalDetails: "The user didn't enter the right credentials."},
					Location: signin.Location{City: "Frankfurt am Main", State: "Hessen", CountryOrRegion: "DE"},
					Risk:     signin.Risk{LevelDuringSignIn: "medium", EventTypes: []string{"anonymizedIPAddress"}},
				}, policies: []string{ca004 + "=notApplied grant:Mfa sat:application,users not:none"},
					steps: []string{"Password:failed:Primary authentication:Invalid username or password or Invalid on-premise username or password.@2025-01-12T09:59:58Z"}},
				{id: "2d3e4f5a-6b7c-4d8e-9f9a-1b2c3d4e5f00", want: signin.SignIn{
					Type:   signin.NonInteractive,
					Device: signin.Device{Name: "LI-DESK02", IsCompliant: ptr(true)},
				}, policies: []string{"CA008: Require compliant device for Teams=success grant:RequireCompliantDevice session:SignInFrequency sat:application,users,devicePlatform not:none"}},
				{id: "3e4f5a6b-7c8d-4e9f-8a0b-2c3d4e5f6a00", want: signin.SignIn{
					CreatedAt: utc("2025-01-12T11:20:00Z"), Type: signin.ServicePrincipal, TenantID: contoso,
					App:              signin.App{ID: "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c90", Name: "Contoso Payroll Sync"},
					ServicePrincipal: signin.App{ID: "8f9a0b1c-2d3e-4f4a-9b5c-6d7e8f9a0b11", Name: "Contoso Payroll Sync"},
					Status:           signin.Status{ErrorCode: 7000222},
				}},
				{id: "4f5a6b7c-8d9e-4f0a-9b1c-3d4e5f6a7b00", want: signin.SignIn{Type: signin.ManagedIdentity}},
			},
		},
		{
			file: "loganalytics-query.json", format: FormatLogAnalyticsJSON, count: 3,
			checks: []check{
				{id: "5a6b7c8d-9e0f-4a1b-8c2d-4e5f6a7b8c00", want: signin.SignIn{
					CreatedAt: utc("2025-01-14T07:03:11.01Z"), Type: signin.Interactive, Status: signin.Status{ErrorCode: 50053},
					Location: signin.Location{City: "Lisbon", State: "Lisboa", CountryOrRegion: "PT"},
				}},
				{id: "6b7c8d9e-0f1a-4b2c-9d3e-5f6a7b8c9d00", want: signin.SignIn{Type: signin.NonInteractive}},
				{id: "7c8d9e0f-1a2b-4c3d-8e4f-6a7b8c9d0e00", want: signin.SignIn{Status: signin.Status{ErrorCode: 50076}, ConditionalAccessStatus: "success"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := load(t, fixture(tt.file))
			if len(res.Files) != 1 || res.Files[0].Format != tt.format || res.Files[0].Records != tt.count {
				t.Errorf("Files = %+v, want one %s file of %d records", res.Files, tt.format, tt.count)
			}
			if info, err := os.Stat(fixture(tt.file)); err != nil || res.Files[0].Bytes != info.Size() {
				t.Errorf("Bytes = %d, want the file size", res.Files[0].Bytes)
			}
			if len(res.SignIns) != tt.count {
				t.Errorf("%d sign-ins, want %d", len(res.SignIns), tt.count)
			}
			for _, s := range res.SignIns {
				if s.ID == "" || s.CreatedAt.IsZero() || s.Type == "" {
					t.Errorf("incomplete sign-in %+v", s)
				}
			}
			for _, c := range tt.checks {
				c.run(t, byID(t, res, c.id))
			}
		})
	}
}

// copyTo copies a fixture into dir under a new name.
func copyTo(t *testing.T, dir, fixtureName, name string) string {
	t.Helper()
	b, err := os.ReadFile(fixture(fixtureName))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFormatIgnoresFileName(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		fixture, misleading string
		want                Format
	}{
		{"graph-v1-page.json", "export.csv", FormatGraphJSON},
		{"graph-beta.jsonl", "signins.json", FormatGraphJSONLines},
		{"portal-download.json", "InteractiveSignIns.csv", FormatPortalJSON},
		{"portal-57.csv", "signins.json", FormatPortalCSV},
		{"loganalytics-signins.csv", "query.jsonl", FormatLogAnalyticsCSV},
		{"loganalytics-query.json", "results", FormatLogAnalyticsJSON},
	} {
		res := load(t, copyTo(t, dir, tt.fixture, tt.misleading))
		if got := res.Files[0].Format; got != tt.want {
			t.Errorf("%s renamed %s: format %s, want %s", tt.fixture, tt.misleading, got, tt.want)
		}
	}
}

// TestAdminCenterCSVTypeFromName: the four admin-center downloads share one
// header, so the file's name says which kind of sign-in its user rows are.
func TestAdminCenterCSVTypeFromName(t *testing.T) {
	for name, want := range map[string]signin.Type{
		"NonInteractiveSignIns_2025-01-01_2025-01-08.csv": signin.NonInteractive,
		"InteractiveSignIns_2025-01-01_2025-01-08.csv":    signin.Interactive,
		"export.csv": signin.Interactive,
	} {
		res := load(t, copyTo(t, t.TempDir(), "portal-57.csv", name))
		users := 0
		for _, si := range res.SignIns {
			if si.User.UPN == "" {
				continue
			}
			users++
			if si.Type != want {
				t.Errorf("%s: row %s has type %s, want %s", name, si.ID, si.Type, want)
			}
		}
		if users == 0 {
			t.Fatalf("%s: no user rows in the fixture", name)
		}
	}
}

func TestDuplicatesMerge(t *testing.T) {
	// The Graph page and the admin center download share one sign-in.
	res := load(t, fixture("graph-v1-page.json"), fixture("portal-download.json"))
	if len(res.SignIns) != 5 || res.Duplicates != 1 {
		t.Fatalf("%d sign-ins, %d duplicates; want 5 and 1", len(res.SignIns), res.Duplicates)
	}
	// The first file's copy is kept (its time has Graph's fraction).
	got := byID(t, res, "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e000")
	if !got.CreatedAt.Equal(utc("2025-01-09T02:10:44.1234567Z")) {
		t.Errorf("kept the copy of %v, want the first file's", got.CreatedAt)
	}
	if res.Files[1].Records != 3 {
		t.Errorf("portal file Records = %d, want 3 (duplicates counted)", res.Files[1].Records)
	}

	// The same file under two names, and a glob that matches a file twice.
	dir := t.TempDir()
	a := copyTo(t, dir, "graph-beta.jsonl", "a.jsonl")
	copyTo(t, dir, "graph-beta.jsonl", "b.jsonl")
	res = load(t, a, filepath.Join(dir, "*.jsonl"))
	if len(res.Files) != 2 || len(res.SignIns) != 4 || res.Duplicates != 4 {
		t.Errorf("%d files, %d sign-ins, %d duplicates; want 2, 4, 4", len(res.Files), len(res.SignIns), res.Duplicates)
	}

	// Twice in one file.
	p := filepath.Join(dir, "twice.jsonl")
	line, _ := os.ReadFile(fixture("graph-beta.jsonl"))
	first := strings.SplitAfter(string(line), "\n")[0]
	if err := os.WriteFile(p, []byte(first+first), 0o644); err != nil {
		t.Fatal(err)
	}
	res = load(t, p)
	if len(res.SignIns) != 1 || res.Duplicates != 1 || res.Files[0].Records != 2 {
		t.Errorf("%d sign-ins, %d duplicates, %d records; want 1, 1, 2", len(res.SignIns), res.Duplicates, res.Files[0].Records)
	}
}

func TestLoadAllFixtures(t *testing.T) {
	res := load(t, filepath.Join(fixtures, "*"))
	if len(res.Files) != 9 {
		t.Errorf("%d files, want 9", len(res.Files))
	}
	if len(res.SignIns)+res.Duplicates != 30 || res.Duplicates != 1 {
		t.Errorf("%d sign-ins and %d duplicates, want 29 and 1", len(res.SignIns), res.Duplicates)
	}
}

// write creates a file in a test directory.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const portalHeader = `"Date (UTC)","Request ID","User ID","Username","Application","Sign-in error code","Status"` + "\n"

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	goodLine := strings.SplitAfter(mustRead(t, fixture("graph-beta.jsonl")), "\n")[0]
	tests := []struct {
		name    string
		file    string // created in dir with content, unless empty
		content string
		pattern string // defaults to the file
		want    []string
	}{
		{name: "no match", pattern: filepath.Join(dir, "missing-*.csv"), want: []string{"missing-*.csv", "no file matches"}},
		{name: "missing file", pattern: filepath.Join(dir, "nope.json"), want: []string{"nope.json", "no file matches"}},
		{name: "bad glob", pattern: filepath.Join(dir, "[x"), want: []string{"[x", "bad glob pattern"}},
		{name: "directory", pattern: fixtures, want: []string{fixtures, "is a directory"}},
		{name: "empty", file: "empty.json", content: "", want: []string{"empty.json", "no sign-ins"}},
		{name: "blank", file: "blank.csv", content: "\n  \n", want: []string{"blank.csv", "no sign-ins"}},
		{name: "empty page", file: "page.json", content: `{"@odata.context":"x","value":[]}`, want: []string{"page.json", "no sign-ins"}},
		{name: "header only", file: "header.csv", content: portalHeader, want: []string{"header.csv", "no sign-ins"}},
		{name: "unknown text", file: "notes.txt", content: "hello\nworld\n", want: []string{"notes.txt", "unknown format", `"hello"`}},
		{name: "unknown csv", file: "other.csv", content: "a,b,c\n1,2,3\n", want: []string{"other.csv", "unknown format"}},
		{name: "unknown json", file: "other.json", content: `[{"name":"x"}]`, want: []string{"other.json", "record at index 0", "not a sign-in"}},
		{name: "zip", file: "export.zip", content: "PK\x03\x04rest", want: []string{"export.zip", "zip archive"}},
		{name: "diagnostic", file: "diag.json", content: `{"records":[{"time":"2025-01-01T00:00:00Z","category":"SignInLogs","properties":{}}]}`, want: []string{"diag.json", "diagnostic records"}},
		{name: "csv bad time", file: "x.csv", content: portalHeader + `"2025-01-09T02:02:12Z","id-1","u","a@b","App","0","Success"` + "\n" + `"yesterday","id-2","u","a@b","App","0","Success"` + "\n",
			want: []string{"x.csv", "record at line 3", `Date (UTC) "yesterday" is not a time`, "want RFC 3339"}},
		{name: "csv no id", file: "noid.csv", content: portalHeader + `"2025-01-09T02:02:12Z","","u","a@b","App","0","Success"` + "\n",
			want: []string{"noid.csv", "record at line 2", "no Request ID"}},
		{name: "csv bad code", file: "code.csv", content: portalHeader + `"2025-01-09T02:02:12Z","id-1","u","a@b","App","AADSTS50126","Failure"` + "\n",
			want: []string{"code.csv", "record at line 2", `Sign-in error code "AADSTS50126" is not an error code`}},
		{name: "csv field count", file: "short.csv", content: portalHeader + `"2025-01-09T02:02:12Z","id-1"` + "\n",
			want: []string{"short.csv", "record at line 2", "2 fields (want 7"}},
		{name: "csv bad quote", file: "quote.csv", content: portalHeader + `"2025-01-09T02:02:12Z","id-1","u","a@b","Ap"p","0","Success"` + "\n",
			want: []string{"quote.csv", "record at line 2", "column"}},
		{name: "csv header without time", file: "notime.csv", content: `"Request ID","User"` + "\n" + `"1","x"` + "\n",
			want: []string{"notime.csv", "header at line 1", `no "Date (UTC)" column`}},
		{name: "csv mixed date order", file: "order.csv", content: portalHeader + `"1/13/2025 10:00","id-1","u","a@b","App","0","Success"` + "\n" + `"13/1/2025 10:00","id-2","u","a@b","App","0","Success"` + "\n",
			want: []string{"order.csv", "record at line 3", "puts the day first, but line 2 put the month first"}},
		{name: "la csv bad json", file: "la.csv", content: "TimeGenerated [UTC],Id,ResultType,Status\n2025-01-09T02:02:12Z,id-1,0,\"{\"\"errorCode\"\":0}\"\n2025-01-09T02:02:13Z,id-2,0,{errorCode\n",
			want: []string{"la.csv", "record at line 3", "Status: invalid JSON"}},
		{name: "la csv no id column", file: "la2.csv", content: "TimeGenerated,ResultType\n2025-01-09T02:02:12Z,0\n",
			want: []string{"la2.csv", "header at line 1", "no Id column"}},
		{name: "jsonl bad line", file: "x.jsonl", content: goodLine + "{\"id\":\"2\",\n",
			want: []string{"x.jsonl", "record at line 2", "invalid JSON"}},
		{name: "jsonl no time", file: "t.jsonl", content: goodLine + `{"id":"2","userId":"u"}` + "\n",
			want: []string{"t.jsonl", "record at line 2", "no createdDateTime"}},
		{name: "array no id", file: "a.json", content: `[{"id":"1","createdDateTime":"2025-01-09T02:02:12Z"},{"createdDateTime":"2025-01-09T02:02:12Z","userId":"u"}]`,
			want: []string{"a.json", "record at index 1", "no id"}},
		{name: "array bad time", file: "b.json", content: `{"value":[{"id":"1","createdDateTime":"yesterday"}]}`,
			want: []string{"b.json", "record at index 0", `createdDateTime "yesterday" is not a time (want RFC 3339 such as 2025-01-09T02:02:12Z)`}},
		{name: "array wrong type", file: "c.json", content: `[{"id":"1","createdDateTime":"2025-01-09T02:02:12Z","status":{"errorCode":"x"}}]`,
			want: []string{"c.json", "record at index 0", `status.errorCode "x" is not an error code`}},
		{name: "array type mismatch", file: "d.json", content: `[{"id":"1","createdDateTime":"2025-01-09T02:02:12Z","userId":5}]`,
			want: []string{"d.json", "record at index 0", "userId is a JSON number (want a string)"}},
		{name: "array truncated", file: "e.json", content: `[{"id":"1","createdDateTime":"2025-01-09T02:02:12Z"},{"id":"2","createdDa`,
			want: []string{"e.json", "record at index 1", "invalid JSON"}},
		{name: "second page bad", file: "f.json", content: `{"value":[{"id":"1","createdDateTime":"2025-01-09T02:02:12Z"}]}` + "\n" + `{"value":[{"id":"2"}]}`,
			want: []string{"f.json", "page 2: record at index 0", "no createdDateTime"}},
		{name: "la rows bad", file: "g.json", content: `[{"TimeGenerated":"2025-01-09T02:02:12Z","Id":"1","ResultType":"0"},{"TimeGenerated":"2025-01-09T02:02:12Z","Id":"2","ResultType":"0","Status":"{oops"}]`,
			want: []string{"g.json", "record at index 1", "Status: invalid JSON"}},
		{name: "tables short row", file: "h.json", content: `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated"},{"name":"Id"}],"rows":[["2025-01-09T02:02:12Z"]]}]}`,
			want: []string{"h.json", "table 0: record at index 0", "1 values (want 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pattern := tt.pattern
			if tt.file != "" {
				pattern = write(t, dir, tt.file, tt.content)
			}
			_, err := Load(context.Background(), []string{pattern})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, internal := range []string{"Go struct", "Go value", "graphRecord", "laJSONRow", "json: cannot"} {
				if strings.Contains(err.Error(), internal) {
					t.Errorf("error %q leaks decoder internals", err)
				}
			}
		})
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNoPatterns(t *testing.T) {
	if _, err := Load(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "no paths given") {
		t.Errorf("Load(nil) = %v, want a no-paths error", err)
	}
}

func TestUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "dangling.json")
	if err := os.Symlink(filepath.Join(dir, "gone.json"), link); err != nil {
		t.Skip("symlinks not available:", err)
	}
	_, err := Load(context.Background(), []string{link})
	if err == nil || !strings.Contains(err.Error(), "load "+link) {
		t.Errorf("Load(dangling link) = %v, want an error naming the file", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, f := range []string{"graph-v1-page.json", "graph-beta.jsonl", "portal-57.csv", "loganalytics-query.json"} {
		_, err := Load(ctx, []string{fixture(f)})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Load with a cancelled context = %v, want context.Canceled", f, err)
		}
	}
	// Cancelled while reading: the decoders check between records.
	var lines bytes.Buffer
	for i := range 500 {
		fmt.Fprintf(&lines, `{"id":"id-%d","createdDateTime":"2025-01-09T02:02:12Z","status":{"errorCode":50126}}`+"\n", i)
	}
	ctx = &cancelAfter{Context: context.Background(), n: 10}
	s := newSink(ctx)
	s.startFile(0)
	if _, err := decode(s, &lines); !errors.Is(err, context.Canceled) || len(s.out) != 10 {
		t.Errorf("decode = %v after %d records, want context.Canceled after 10", err, len(s.out))
	}
}

// cancelAfter is a context that is cancelled once Err has been asked n
// times: the loader asks once per record.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}
