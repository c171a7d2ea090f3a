package files

import (
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

func TestLogAnalyticsDecoder(t *testing.T) {
	cols := []string{"TimeGenerated", "Id", "UserPrincipalName", "AppDisplayName", "ServicePrincipalName", "ResultType", "Status", "LocationDetails", "IsInteractive", "SignInType"}
	d, err := NewLogAnalyticsDecoder(cols)
	if err != nil {
		t.Fatal(err)
	}
	// Status dynamic (decoded object) in one row, JSON text in the other:
	// the two shapes of the four tables read alike.
	dynamic := []any{"2025-01-10T08:00:00Z", "id-1", "rosa@contoso.com", "Outlook", nil, "50126",
		map[string]any{"errorCode": float64(50126), "failureReason": "Invalid password"}, map[string]any{"countryOrRegion": "FR"}, true, "interactive"}
	text := []any{"2025-01-10T08:00:00Z", "id-2", "", "", "backup-job", "7000222",
		`{"errorCode":7000222,"failureReason":"secret expired"}`, "", false, "managedIdentity"}
	a, err := d.Decode(dynamic)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "id-1" || a.Status.ErrorCode != 50126 || a.Status.FailureReason != "Invalid password" || a.Location.CountryOrRegion != "FR" ||
		a.Type != signin.Interactive || !a.CreatedAt.Equal(time.Date(2025, 1, 10, 8, 0, 0, 0, time.UTC)) || a.IsInteractive == nil || !*a.IsInteractive {
		t.Fatalf("dynamic row: %+v", a)
	}
	b, err := d.Decode(text)
	if err != nil {
		t.Fatal(err)
	}
	// The type comes from SignInType, not from IsInteractive's guess, and a
	// workload's app is named by its service principal.
	if b.Type != signin.ManagedIdentity || b.Status.ErrorCode != 7000222 || b.App.Name != "backup-job" {
		t.Fatalf("text row: %+v", b)
	}
	if _, err := d.Decode(text[:3]); err == nil {
		t.Fatal("decoded a row with too few values")
	}
	bad := append([]any{}, text...)
	bad[9] = "robot"
	if _, err := d.Decode(bad); err == nil || !strings.Contains(err.Error(), "SignInType") {
		t.Fatalf("unknown type: err = %v", err)
	}
	if _, err := NewLogAnalyticsDecoder([]string{"TimeGenerated", "ResultType"}); err == nil {
		t.Fatal("accepted columns without Id")
	}
}
