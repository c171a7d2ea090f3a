package files

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
)

// auditFixtures is the shared folder of audit export fixtures.
const auditFixtures = "../../../testdata/audits"

func auditFixture(name string) string { return filepath.Join(auditFixtures, name) }

func eventByActivity(t *testing.T, res *Result, activity string) directory.Event {
	t.Helper()
	for _, e := range res.Events {
		if e.Activity == activity {
			return e
		}
	}
	t.Fatalf("no %q event among %d", activity, len(res.Events))
	return directory.Event{}
}

// prop finds a modified property of e by name.
func prop(e directory.Event, name string) (directory.Property, bool) {
	for _, tg := range e.Targets {
		for _, p := range tg.Modified {
			if p.Name == name {
				return p, true
			}
		}
	}
	return directory.Property{}, false
}

const certsActivity = "Update application – Certificates and secrets management"

func TestLoadAuditFormats(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		events int
		check  func(t *testing.T, res *Result)
	}{
		{"graph-directoryaudits-pages.json", FormatAuditGraphJSON, 3, func(t *testing.T, res *Result) {
			if res.Duplicates != 1 {
				t.Errorf("duplicates %d, want 1 (the reset repeated on page 2)", res.Duplicates)
			}
			e := eventByActivity(t, res, "Reset password (by admin)")
			if e.ID != "Directory_0b1c2d3e-0001-4a5b-8c9d-aaaaaaaa0001" || e.InitiatedBy != "helpdesk@contoso.com" || e.Category != "UserManagement" || e.Result != "success" ||
				!e.At.Equal(time.Date(2025, 1, 8, 9, 15, 2, 123456700, time.UTC)) {
				t.Errorf("reset %+v", e)
			}
			if len(e.Targets) != 1 || e.Targets[0].ID != "11111111-1111-4111-8111-111111111111" || e.Targets[0].Type != "User" || e.Targets[0].Name != "rosa@contoso.com" {
				t.Errorf("reset targets %+v", e.Targets)
			}
			upd := eventByActivity(t, res, "Update user")
			if p, _ := prop(upd, "AccountEnabled"); p.Old != "true" || p.New != "false" {
				t.Errorf("AccountEnabled %+v, want true -> false unquoted", p)
			}
			if a, ok := directory.Match(upd); !ok || a.Kind != directory.KindAccount {
				t.Errorf("Update user with AccountEnabled matched %v %v", a, ok)
			}
			// The en dash is kept as logged (the trailing space is not), and
			// the app that initiated it is named.
			certs := eventByActivity(t, res, certsActivity)
			if certs.InitiatedBy != "Deploy Pipeline" {
				t.Errorf("initiated by %q", certs.InitiatedBy)
			}
			if p, _ := prop(certs, "KeyDescription"); !strings.HasPrefix(p.Old, "[KeyIdentifier=5b4f0c1e") || p.New != "" {
				t.Errorf("KeyDescription %+v", p)
			}
			if p, ok := prop(certs, "ClientSecret"); !ok || p.Old != "" || p.New != "" {
				t.Errorf("ClientSecret %+v %v: want the name only", p, ok)
			}
		}},
		{"graph-directoryaudits.jsonl", FormatAuditGraphJSONLines, 2, func(t *testing.T, res *Result) {
			e := eventByActivity(t, res, "Update StsRefreshTokenValidFrom Timestamp")
			if p, _ := prop(e, "StsRefreshTokensValidFrom"); p.New != "2025-01-08T10:00:00Z" {
				t.Errorf("StsRefreshTokensValidFrom %+v", p)
			}
			ca := eventByActivity(t, res, "Update conditional access policy")
			if ca.Targets[0].Type != "Policy" || ca.Targets[0].Name != "Require compliant device" {
				t.Errorf("policy target %+v", ca.Targets)
			}
			// An object value is not an array or a string: kept as logged.
			if p, _ := prop(ca, "ConditionalAccessPolicy"); p.New != `{"state":"enabled"}` {
				t.Errorf("policy value %q", p.New)
			}
		}},
		{"portal-audit-download.json", FormatAuditPortalJSON, 2, func(t *testing.T, res *Result) {
			e := eventByActivity(t, res, "User deleted security info")
			if p, _ := prop(e, "StrongAuthenticationMethod"); p.Old != `{"Default":true,"MethodType":6}` || p.New != "" {
				t.Errorf("StrongAuthenticationMethod %+v", p)
			}
			if a, ok := directory.Match(eventByActivity(t, res, "Disable account")); !ok || a.Kind != directory.KindAccount {
				t.Errorf("Disable account matched %v %v", a, ok)
			}
		}},
		{"portal-audit.csv", FormatAuditPortalCSV, 3, func(t *testing.T, res *Result) {
			if res.Duplicates != 1 {
				t.Errorf("duplicates %d, want 1 (a repeated row without an ID)", res.Duplicates)
			}
			certs := eventByActivity(t, res, certsActivity)
			if certs.ID != "" || certs.InitiatedBy != "Deploy Pipeline" || len(certs.Targets) != 2 || certs.Targets[1].Type != "ServicePrincipal" {
				t.Errorf("certs %+v", certs)
			}
			if p, ok := prop(certs, "Password"); !ok || p.Old != "" || p.New != "" {
				t.Errorf("Password %+v %v: want the name only", p, ok)
			}
			if a, ok := directory.Match(certs); !ok || a.Kind != directory.KindApplication {
				t.Errorf("certs matched %v %v", a, ok)
			}
			upd := eventByActivity(t, res, "Update user")
			if p, _ := prop(upd, "AccountEnabled"); p.Old != "true" || p.New != "false" {
				t.Errorf(`AccountEnabled %+v, want "[""true""]" unquoted`, p)
			}
			if upd.InitiatedBy != "ada.admin@contoso.com" || upd.Targets[0].Name != "tom@contoso.com" {
				t.Errorf("update user %+v", upd)
			}
		}},
		{"loganalytics-auditlogs.csv", FormatAuditLogAnalyticsCSV, 2, func(t *testing.T, res *Result) {
			// ActivityDateTime wins over TimeGenerated; 1/8 is read month
			// first, as the later 1/13 settles.
			e := eventByActivity(t, res, "Reset password (by admin)")
			if !e.At.Equal(time.Date(2025, 1, 8, 9, 15, 2, 123e6, time.UTC)) || e.InitiatedBy != "helpdesk@contoso.com" || e.Targets[0].Name != "rosa@contoso.com" {
				t.Errorf("reset %+v", e)
			}
			rm := eventByActivity(t, res, "Remove service principal credentials")
			if rm.InitiatedBy != "Deploy Pipeline" || rm.Targets[0].ID != "66666666-6666-4666-8666-666666666666" {
				t.Errorf("remove %+v", rm)
			}
			if p, _ := prop(rm, "KeyDescription"); !strings.Contains(p.Old, "DisplayName=old") {
				t.Errorf("KeyDescription %+v", p)
			}
		}},
		{"loganalytics-auditlogs.json", FormatAuditLogAnalyticsJSON, 2, func(t *testing.T, res *Result) {
			ca := eventByActivity(t, res, "Update conditional access policy")
			if !ca.At.Equal(time.Date(2025, 1, 7, 8, 30, 0, 0, time.UTC)) || ca.InitiatedBy != "ca-admin@contoso.com" {
				t.Errorf("dynamic columns as JSON values: %+v", ca)
			}
			c := eventByActivity(t, res, "Consent to application")
			if c.InitiatedBy != "rosa@contoso.com" || len(c.Targets) != 1 || c.Targets[0].Name != "Payroll Sync" {
				t.Errorf("dynamic columns as JSON strings: %+v", c)
			}
			if p, _ := prop(c, "ConsentAction.Permissions"); p.New != "User.Read" {
				t.Errorf("permissions %+v", p)
			}
		}},
		{"loganalytics-auditlogs-query.json", FormatAuditLogAnalyticsJSON, 1, func(t *testing.T, res *Result) {
			e := res.Events[0]
			if e.Activity != "Update StsRefreshTokenValidFrom Timestamp" || !e.At.Equal(time.Date(2025, 1, 8, 10, 0, 2, 0, time.UTC)) || e.Targets[0].Name != "tom@contoso.com" {
				t.Errorf("query API row %+v", e)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			res := load(t, auditFixture(tc.file))
			if len(res.Files) != 1 || res.Files[0].Format != tc.format || !res.Files[0].Format.Audit() {
				t.Fatalf("files %+v, want format %s", res.Files, tc.format)
			}
			if len(res.SignIns) != 0 || len(res.Events) != tc.events {
				t.Fatalf("%d sign-ins, %d events; want 0 and %d: %+v", len(res.SignIns), len(res.Events), tc.events, res.Events)
			}
			notes := res.AuditNotes()
			if len(notes) != 1 || !strings.Contains(notes[0], tc.file) || !strings.Contains(notes[0], string(tc.format)) {
				t.Errorf("notes %q", notes)
			}
			if res.Notes() != nil {
				t.Errorf("sign-in notes %q, want none", res.Notes())
			}
			tc.check(t, res)
		})
	}
}

func TestAuditBesideSignIns(t *testing.T) {
	alone := load(t, fixture("graph-v1-page.json"))
	res := load(t, fixture("graph-v1-page.json"), auditFixture("graph-directoryaudits-pages.json"), auditFixture("loganalytics-auditlogs.csv"), auditFixture("portal-audit.csv"))
	if len(res.SignIns) != len(alone.SignIns) || len(res.SignIns) == 0 {
		t.Errorf("%d sign-ins beside audit exports, %d alone", len(res.SignIns), len(alone.SignIns))
	}
	var formats []Format
	for _, f := range res.Files {
		formats = append(formats, f.Format)
	}
	want := []Format{alone.Files[0].Format, FormatAuditGraphJSON, FormatAuditLogAnalyticsCSV, FormatAuditPortalCSV}
	if !slices.Equal(formats, want) {
		t.Errorf("formats %v, want %v", formats, want)
	}
	// The reset is in all three audit files: kept once where it has an ID
	// (the admin center's CSV has none, so its copy stays).
	n := 0
	for _, e := range res.Events {
		if e.Activity == "Reset password (by admin)" {
			n++
		}
	}
	if n != 2 || len(res.Events) != 3+1+3 {
		t.Errorf("%d resets among %d events, want 2 among 7", n, len(res.Events))
	}
	if got := len(res.AuditNotes()); got != 3 {
		t.Errorf("%d audit notes, want one per audit file", got)
	}
	d := res.Directory()
	if !slices.Equal(d.Holds, []string{"audit events"}) || d.Missing != NotInExports || len(d.Events) != len(res.Events) || len(d.Notes) != 3 {
		t.Errorf("directory data holds %v, missing %q, %d events, notes %q", d.Holds, d.Missing, len(d.Events), d.Notes)
	}
	if d := alone.Directory(); len(d.Holds) != 0 || d.Missing != NoAuditExport || len(d.Events) != 0 {
		t.Errorf("without an audit export: %+v", d)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuditSanitizedAndPlausible(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 5000)
	p := writeFile(t, dir, "audit.jsonl",
		`{"id":"e1\u001b[2J","activityDisplayName":"Disable\u0007 account","activityDateTime":"2025-01-05T00:00:00Z","initiatedBy":{"user":{"userPrincipalName":"evil\u202e@contoso.com"}},"targetResources":[{"id":"u1","displayName":"Line\nbreak","type":"User","modifiedProperties":[{"displayName":"DisplayName","oldValue":"[\"a\\u001b]0;title\\u0007b\"]","newValue":"[\"`+long+`\"]"}]}]}`+"\n"+
			`{"id":"e2","activityDisplayName":"Disable account","activityDateTime":"9999-01-01T00:00:00Z"}`+"\n")
	res, err := Load(context.Background(), []string{p}, WithClock(func() time.Time { return time.Date(2025, 1, 9, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1 {
		t.Fatalf("events %+v, want the one dated in range", res.Events)
	}
	e := res.Events[0]
	pr := e.Targets[0].Modified[0]
	if e.ID != "e1" || e.Activity != "Disable account" || e.InitiatedBy != "evil@contoso.com" || e.Targets[0].Name != "Line break" || pr.Old != "ab" {
		t.Errorf("not sanitized: %+v", e)
	}
	if n := len([]rune(pr.New)); n != 1024 {
		t.Errorf("new value of %d runes, want capped at 1024", n)
	}
	if notes := res.AuditNotes(); len(notes) != 1 || !strings.Contains(notes[0], "1 event ") || !strings.Contains(notes[0], "1 dated outside") {
		t.Errorf("notes %q", notes)
	}
}

func TestAuditBadInput(t *testing.T) {
	dir := t.TempDir()
	signInLine := strings.SplitAfter(mustRead(t, fixture("graph-beta.jsonl")), "\n")[0]
	auditLine := `{"id":"a1","activityDisplayName":"Disable account","activityDateTime":"2025-01-05T00:00:00Z"}` + "\n"
	portalAudit := "Date (UTC),CorrelationId,Category,Activity,Result,ActorType,ActorUserPrincipalName,Target1Type,Target1ObjectId\n"
	laAudit := "TimeGenerated [UTC],Id,OperationName,ActivityDisplayName,InitiatedBy,TargetResources\n"
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{"audit then sign-in", "mixed.jsonl", auditLine + signInLine, []string{"mixed.jsonl", "record at line 2", "sign-in in a file of directory audit events"}},
		{"sign-in then audit", "mixed2.jsonl", signInLine + auditLine, []string{"mixed2.jsonl", "record at line 2", "audit event in a file of sign-ins"}},
		{"pages of both", "pages.json", `{"value":[` + strings.TrimSpace(auditLine) + `]}{"value":[` + strings.TrimSpace(signInLine) + `]}`, []string{"pages.json", "page 2", "sign-in in a file of directory audit events"}},
		{"no time", "notime.jsonl", auditLine + `{"id":"a2","activityDisplayName":"Disable account"}` + "\n", []string{"notime.jsonl", "record at line 2", "no activityDateTime or TimeGenerated"}},
		{"bad time", "badtime.json", `[{"id":"a2","activityDisplayName":"Disable account","activityDateTime":"last tuesday"}]`, []string{"badtime.json", "record at index 0", `activityDateTime "last tuesday" is not a time`}},
		{"no activity", "noact.json", `[{"id":"a2","activityDateTime":"2025-01-05T00:00:00Z","targetResources":[]}]`, []string{"noact.json", "no activityDisplayName or OperationName"}},
		{"bad targets", "targets.json", `[{"id":"a2","activityDisplayName":"x","activityDateTime":"2025-01-05T00:00:00Z","targetResources":{"id":1}}]`, []string{"targets.json", "record at index 0", "targetResources"}},
		{"bad initiator text", "init.json", `[{"id":"a2","activityDisplayName":"x","activityDateTime":"2025-01-05T00:00:00Z","initiatedBy":"{user"}]`, []string{"init.json", "initiatedBy"}},
		{"long field", "long.json", `[{"id":"a2","activityDisplayName":"` + strings.Repeat("x", 1<<20+1) + `","activityDateTime":"2025-01-05T00:00:00Z"}]`, []string{"long.json", "record at index 0", "longer than 1 MiB"}},
		{"portal csv bad date", "portal.csv", portalAudit + "2025-01-05T00:00:00Z,c1,UserManagement,Disable account,success,User,a@b,User,u1\nsoon,c2,UserManagement,Disable account,success,User,a@b,User,u1\n", []string{"portal.csv", "record at line 3", `Date (UTC) "soon" is not a time`}},
		{"portal csv no activity", "portal2.csv", portalAudit + "2025-01-05T00:00:00Z,c1,UserManagement,,success,User,a@b,User,u1\n", []string{"portal2.csv", "record at line 2", "no Activity"}},
		{"portal csv field count", "portal3.csv", portalAudit + "2025-01-05T00:00:00Z,c1\n", []string{"portal3.csv", "record at line 2", "2 fields (want 9"}},
		{"la csv bad json", "la.csv", laAudit + `2025-01-05T00:00:00Z,a1,Disable account,Disable account,"{""user"":",[]` + "\n", []string{"la.csv", "record at line 2", "initiatedBy"}},
		{"la csv no time column", "la2.csv", "Id,ActivityDisplayName,TargetResources\na1,Disable account,[]\n", []string{"la2.csv", "header at line 1", "no ActivityDateTime or TimeGenerated column"}},
		{"la csv mixed date order", "la3.csv", laAudit + "1/13/2025 10:00,a1,x,x,,\n13/1/2025 10:00,a2,x,x,,\n", []string{"la3.csv", "record at line 3", "puts the day first, but line 2 put the month first"}},
		{"query rows short", "q.json", `{"tables":[{"name":"t","columns":[{"name":"TimeGenerated"},{"name":"ActivityDisplayName"}],"rows":[["2025-01-05T00:00:00Z"]]}]}`, []string{"q.json", "table 0", "record at index 0", "1 values (want 2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.file, tc.content)
			_, err := Load(context.Background(), []string{p})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestUnquoteValue(t *testing.T) {
	for in, want := range map[string]string{
		`["true"]`:        "true",
		`[true]`:          "true",
		`[]`:              "",
		`"x"`:             "x",
		`["a","b"]`:       "a, b",
		`[{"k":1}]`:       `{"k":1}`,
		`plain text`:      "plain text",
		`[not json`:       "[not json",
		`  ["spaced"]  `:  "spaced",
		`[2024, null, 3]`: "2024, 3",
	} {
		if got := unquoteValue(in); got != want {
			t.Errorf("unquoteValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecretProperty(t *testing.T) {
	for name, secret := range map[string]bool{
		"ClientSecret": true, "KeyValue": true, "Password": true, "PasswordProfile": true, "PasswordCredentials": true,
		"KeyDescription": false, "PasswordPolicies": false, "LastPasswordChangeDateTime": false, "AccountEnabled": false,
		"StsRefreshTokensValidFrom": false, "ForceChangePasswordNextSignIn": false,
	} {
		if got := secretProperty(name); got != secret {
			t.Errorf("secretProperty(%q) = %v, want %v", name, got, secret)
		}
	}
}
