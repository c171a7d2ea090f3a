package files

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

func TestCSVTimeForms(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339, or "" for an error
	}{
		{"2025-01-09T02:02:12Z", "2025-01-09T02:02:12Z"},
		{"2025-01-09T02:02:12.1234567+00:00", "2025-01-09T02:02:12.1234567Z"},
		{"2025-01-09T04:02:12+02:00", "2025-01-09T02:02:12Z"},
		{"2025-01-09T02:02:12", "2025-01-09T02:02:12Z"},
		{"2025-01-09 02:02:12", "2025-01-09T02:02:12Z"},
		{"2025-01-09 02:02:12.5", "2025-01-09T02:02:12.5Z"},
		{"2025-1-9 2:02", "2025-01-09T02:02:00Z"},
		{"1/13/2025 2:02:12 AM", "2025-01-13T02:02:12Z"},
		{"1/13/2025, 2:02:12.123 PM", "2025-01-13T14:02:12.123Z"},
		{"1/13/2025 12:00 AM", "2025-01-13T00:00:00Z"},
		{"1/13/2025 12:30:00 PM", "2025-01-13T12:30:00Z"},
		{"1/13/25 14:30", "2025-01-13T14:30:00Z"},
		{"13.01.2025 02:02:12", "2025-01-13T02:02:12Z"},
		{"9.1.2025 02:02", "2025-01-09T02:02:00Z"},
		{"09-01-2025 02:02:12", "2025-01-09T02:02:12Z"},
		{"2025/01/09 02:02:12", "2025-01-09T02:02:12Z"},
		{"1/13/2025 2:02:12 AM UTC", "2025-01-13T02:02:12Z"},
		{"yesterday", ""},
		{"", ""},
		{"1/13/2025", ""},
		{"13/13/2025 10:00", ""},
		{"2/30/2025 10:00", ""},
		{"1/13/2025 13:00 PM", ""},
		{"1/13/2025 25:00", ""},
		{"1/13/2025 10:00 +0100", ""},
		{"1/13/2025 10:61", ""},
	}
	for _, tt := range tests {
		c := &csvClock{s: newSink(context.Background())}
		got, _, err := c.parse("Date (UTC)", tt.in, 2)
		if tt.want == "" {
			if err == nil {
				t.Errorf("parse(%q) = %v, want an error", tt.in, got)
			} else if !strings.Contains(err.Error(), "want RFC 3339") && !strings.Contains(err.Error(), "want one date order") {
				t.Errorf("parse(%q) error %q does not say what is accepted", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parse(%q): %v", tt.in, err)
			continue
		}
		if w := utc(tt.want); !got.Equal(w) || got.Location() != time.UTC {
			t.Errorf("parse(%q) = %v, want %v", tt.in, got, w)
		}
	}
}

// TestDayFirstCorrected: rows read month first while the order was open are
// corrected when a later row shows the file puts the day first.
func TestDayFirstCorrected(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "uk.csv", portalHeader+
		`"05/02/2025 10:00:00","id-1","u","a@b","App","0","Success"`+"\n"+
		`"06/02/2025 11:00:00","id-2","u","a@b","App","0","Success"`+"\n"+
		`"13/02/2025 12:00:00","id-3","u","a@b","App","0","Success"`+"\n"+
		`"01/03/2025 13:00:00","id-4","u","a@b","App","0","Success"`+"\n")
	res := load(t, p)
	want := map[string]string{"id-1": "2025-02-05T10:00:00Z", "id-2": "2025-02-06T11:00:00Z", "id-3": "2025-02-13T12:00:00Z", "id-4": "2025-03-01T13:00:00Z"}
	for _, s := range res.SignIns {
		if w := utc(want[s.ID]); !s.CreatedAt.Equal(w) {
			t.Errorf("%s: %v, want %v", s.ID, s.CreatedAt, w)
		}
	}
	// All ambiguous: month first.
	p = write(t, dir, "us.csv", portalHeader+`"05/02/2025 10:00:00","id-1","u","a@b","App","0","Success"`+"\n")
	if s := load(t, p).SignIns[0]; !s.CreatedAt.Equal(utc("2025-05-02T10:00:00Z")) {
		t.Errorf("ambiguous date read as %v, want month first", s.CreatedAt)
	}
}

func TestSemicolonCSV(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "excel.csv", "Date (UTC);Request ID;Username;Sign-in error code\r\n13.01.2025 08:00;id-1;rosa@contoso.com;50126\r\n")
	s := load(t, p).SignIns[0]
	if s.ID != "id-1" || s.User.UPN != "rosa@contoso.com" || s.Status.ErrorCode != 50126 || !s.CreatedAt.Equal(utc("2025-01-13T08:00:00Z")) {
		t.Errorf("got %+v", s)
	}
}

func TestUTF16(t *testing.T) {
	src := mustRead(t, fixture("graph-beta.jsonl"))
	for _, little := range []bool{true, false} {
		var b bytes.Buffer
		if little {
			b.Write([]byte{0xFF, 0xFE})
		} else {
			b.Write([]byte{0xFE, 0xFF})
		}
		for _, u := range utf16.Encode([]rune(src + `{"id":"emoji-😀","createdDateTime":"2025-01-09T02:02:12Z","userDisplayName":"Zoë 😀"}` + "\n")) {
			if little {
				b.Write([]byte{byte(u), byte(u >> 8)})
			} else {
				b.Write([]byte{byte(u >> 8), byte(u)})
			}
		}
		p := write(t, t.TempDir(), "ps5.json", b.String())
		res := load(t, p)
		if len(res.SignIns) != 5 || res.Files[0].Format != FormatGraphJSONLines {
			t.Fatalf("little=%v: %d sign-ins as %s, want 5 as graph-jsonl", little, len(res.SignIns), res.Files[0].Format)
		}
		if s := byID(t, res, "emoji-😀"); s.User.DisplayName != "Zoë 😀" {
			t.Errorf("little=%v: display name %q", little, s.User.DisplayName)
		}
	}
}

// TestPowerShellAndSingleObjects: the PowerShell SDK's PascalCase objects,
// Windows PowerShell's /Date()/ times, a GET response (one object) and
// pretty-printed objects one after another.
func TestPowerShellAndSingleObjects(t *testing.T) {
	dir := t.TempDir()
	ps := `[
  {
    "Id": "ps-1",
    "CreatedDateTime": "\/Date(1736388132000)\/",
    "UserPrincipalName": "rosa.alvarez@contoso.com",
    "Status": { "ErrorCode": 50126, "FailureReason": "Invalid password." },
    "Location": { "City": "Lisbon", "CountryOrRegion": "PT" },
    "IsInteractive": true
  }
]`
	res := load(t, write(t, dir, "ps.json", ps))
	s := byID(t, res, "ps-1")
	if !s.CreatedAt.Equal(utc("2025-01-09T02:02:12Z")) || s.Status.ErrorCode != 50126 || s.Location.City != "Lisbon" || s.User.UPN != "rosa.alvarez@contoso.com" {
		t.Errorf("PowerShell object read as %+v", s)
	}

	single := `{
  "id": "get-1",
  "createdDateTime": "2025-01-09T02:02:12Z",
  "status": {"errorCode": 0}
}
{
  "id": "get-2",
  "createdDateTime": "2025-01-09T02:03:12Z",
  "isInteractive": false
}`
	res = load(t, write(t, dir, "get.json", single))
	if len(res.SignIns) != 2 || res.Files[0].Format != FormatGraphJSON || byID(t, res, "get-2").Type != signin.NonInteractive {
		t.Errorf("single objects: %d sign-ins as %s", len(res.SignIns), res.Files[0].Format)
	}

	// A GET response carries "@odata.context" before the record's members,
	// on one line or pretty-printed.
	get := `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns/$entity","id":"get-3","createdDateTime":"2025-01-09T02:02:12Z","status":{"errorCode":50126}}`
	for _, content := range []string{get, strings.ReplaceAll(get, ",", ",\n  ")} {
		res = load(t, write(t, dir, "entity.json", content))
		if s := byID(t, res, "get-3"); s.Status.ErrorCode != 50126 || len(res.SignIns) != 1 {
			t.Errorf("GET response: %+v", res.SignIns)
		}
	}
}

func TestParseLocation(t *testing.T) {
	for in, want := range map[string]signin.Location{
		"Redmond, Washington, US":       {City: "Redmond", State: "Washington", CountryOrRegion: "US"},
		"Redmond, US":                   {City: "Redmond", CountryOrRegion: "US"},
		"US":                            {CountryOrRegion: "US"},
		"Frankfurt am Main, Hessen, DE": {City: "Frankfurt am Main", State: "Hessen", CountryOrRegion: "DE"},
		"":                              {},
	} {
		if got := parseLocation(in); got != want {
			t.Errorf("parseLocation(%q) = %+v, want %+v", in, got, want)
		}
	}
}
