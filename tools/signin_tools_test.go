package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

var now = time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)

const tenant = "11111111-2222-3333-4444-555555555555"

func si(id string, at time.Time, upn string, code int, corr string) signin.SignIn {
	return signin.SignIn{
		ID: id, CorrelationID: corr, CreatedAt: at, Type: signin.Interactive, TenantID: tenant,
		User:      signin.User{UPN: upn, ID: "oid-" + strings.Split(upn, "@")[0], DisplayName: upn},
		App:       signin.App{ID: "00000002-0000-0ff1-ce00-000000000000", Name: "Office 365 Exchange Online"},
		IPAddress: "198.51.100.7", ClientApp: "Browser", Location: signin.Location{City: "Lisbon", CountryOrRegion: "PT"},
		Status: signin.Status{ErrorCode: code, FailureReason: fmt.Sprintf("reason for %d", code)},
	}
}

// fixtureSource is a small tenant: rosa's lockout story, a Conditional
// Access block with policies, an interrupt resolved by success, a
// service principal with an expired secret, and old noise outside 24 h.
func fixtureSource() *memory.Store {
	var recs []signin.SignIn
	start := now.Add(-3 * time.Hour)
	for i := range 11 {
		recs = append(recs, si(fmt.Sprintf("rosa-%02d", i), start.Add(time.Duration(i)*time.Minute), "rosa.diaz@contoso.com", 50126, fmt.Sprintf("corr-rosa-%d", i)))
	}
	lock := si("rosa-lock", start.Add(15*time.Minute), "rosa.diaz@contoso.com", 50053, "corr-rosa-lock")
	lock.Status.AdditionalDetails = "smart lockout threshold reached"
	recs = append(recs, lock)

	ca := si("ca-1", now.Add(-2*time.Hour), "ali@contoso.com", 53003, "corr-ca")
	ca.ClientApp = "IMAP4"
	ca.ConditionalAccessStatus = "failure"
	ca.Policies = []signin.Policy{
		{ID: "p1", Name: "Block legacy authentication", Result: "failure", GrantControls: []string{"block"}},
		{ID: "p2", Name: "Require MFA for admins", Result: "notApplied"},
		{ID: "p3", Name: "Report-only: compliant device", Result: "reportOnlyFailure", GrantControls: []string{"compliantDevice"}},
	}
	ca.AuthDetails = []signin.AuthStep{{At: now.Add(-2 * time.Hour), Method: "Password", Succeeded: true, ResultDetail: "Correct password"}}
	yes := true
	ca.Device = signin.Device{OperatingSystem: "Windows 11", Browser: "Edge 120", IsManaged: &yes, TrustType: "Microsoft Entra joined"}
	recs = append(recs, ca)

	recs = append(recs,
		si("mfa-1", now.Add(-time.Hour), "ben@contoso.com", 50074, "corr-mfa"),
		si("mfa-2", now.Add(-time.Hour+10*time.Second), "ben@contoso.com", 0, "corr-mfa"),
		si("old-1", now.Add(-30*time.Hour), "old@contoso.com", 50126, "corr-old"),
		si("newest-ok", now, "ben@contoso.com", 0, "corr-newest"),
	)
	sp := si("sp-1", now.Add(-30*time.Minute), "", 7000222, "corr-sp")
	sp.Type = signin.ServicePrincipal
	sp.User = signin.User{}
	sp.App = signin.App{ID: "aaaaaaaa-0000-0000-0000-000000000001", Name: "Contoso Expense API"}
	sp.ServicePrincipal = signin.App{ID: "sp-obj-1", Name: "Contoso Expense API"}
	recs = append(recs, sp)
	return memory.New("test", recs)
}

func connectSource(t testing.TB, src signin.Source) *client.Client {
	return mcpservertest.Connect(t, src)
}

func search(t *testing.T, c *client.Client, args string) (tools.SearchFailedSigninsResult, *mcp.CallToolResult) {
	t.Helper()
	return callTyped[tools.SearchFailedSigninsResult](t, c, tools.SearchFailedSigninsName, args)
}

func rowIDs(r tools.SearchFailedSigninsResult) []string {
	out := []string{}
	for _, s := range r.SignIns {
		out = append(out, s.ID)
	}
	return out
}

func TestSearchDefaultWindowAndStory(t *testing.T) {
	c := connectSource(t, fixtureSource())
	r, res := search(t, c, `{"user":"Rosa.Diaz@contoso.com"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	if r.Coverage.Matched != 12 || len(r.SignIns) != 12 || r.SignIns[0].ID != "rosa-lock" {
		t.Fatalf("matched %d rows %v", r.Coverage.Matched, rowIDs(r))
	}
	want := `12 failures for "Rosa.Diaz@contoso.com" in the last 24 h: 11× 50126 Invalid username or password, then 1× 50053 `
	if !strings.HasPrefix(text(res), want) || !strings.Contains(text(res), "at 09:15 UTC") {
		t.Errorf("summary:\n%s\nwant it to start %q and end the story at 09:15 UTC", text(res), want)
	}
	if len(r.Groups) != 2 || r.Groups[0].ErrorCode != 50126 || r.Groups[0].Count != 11 || r.Groups[0].Title == "" || r.Groups[0].WhoFixes == "" {
		t.Errorf("groups %+v", r.Groups)
	}
	cov := r.Coverage
	if cov.Source != "test" || cov.Truncated || cov.NextCursor != "" || cov.Until != "2025-03-04T12:00:01Z" || cov.Since != "2025-03-03T12:00:00Z" || strings.Join(cov.SignInTypes, ",") != "interactive,servicePrincipal" {
		t.Errorf("coverage %+v", cov)
	}
	row := r.SignIns[0]
	if row.CreatedDateTime != "2025-03-04T09:15:00Z" || row.Outcome != "failure" || row.SignInType != "interactive" || row.Location != "Lisbon, PT" || row.CorrelationID != "corr-rosa-lock" {
		t.Errorf("row %+v", row)
	}
}

func TestSearchFiltersAndRules(t *testing.T) {
	c := connectSource(t, fixtureSource())
	cases := []struct {
		args string
		want string
	}{
		{`{}`, "[sp-1 ca-1 rosa-lock rosa-10 rosa-09 rosa-08 rosa-07 rosa-06 rosa-05 rosa-04 rosa-03 rosa-02 rosa-01 rosa-00]"},
		{`{"errorCode":53003}`, "[ca-1]"},
		{`{"app":"office 365 exchange online","errorCode":50053}`, "[rosa-lock]"},
		{`{"app":"Contoso Expense API"}`, "[sp-1]"},
		{`{"signInTypes":["servicePrincipal"]}`, "[sp-1]"},
		{`{"ipAddress":"198.51.100.7","errorCode":53003}`, "[ca-1]"},
		{`{"correlationId":"CORR-CA"}`, "[ca-1]"},
		{`{"user":"ben@contoso.com"}`, "[]"},
		{`{"user":"ben@contoso.com","includeInterrupts":true}`, "[mfa-1]"},
		{`{"since":"48h","errorCode":50126,"user":"old@contoso.com"}`, "[old-1]"},
		{`{"since":"2025-03-03T00:00:00Z","until":"2025-03-03T12:00:00Z"}`, "[old-1]"},
		{`{"since":"2025-03-03","until":"2025-03-03T07:00:00Z"}`, "[old-1]"},
		{`{"limit":2}`, "[sp-1 ca-1]"},
	}
	for _, tc := range cases {
		r, res := search(t, c, tc.args)
		if res.IsError {
			t.Errorf("%s: %s", tc.args, text(res))
			continue
		}
		if got := fmt.Sprint(rowIDs(r)); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.args, got, tc.want)
		}
	}
	r, _ := search(t, c, `{"user":"ben@contoso.com","includeInterrupts":true}`)
	if r.SignIns[0].Outcome != "interrupt" || !r.SignIns[0].FollowedBySuccess {
		t.Errorf("interrupt row %+v: want outcome interrupt, followedBySuccess", r.SignIns[0])
	}
	r, res := search(t, c, `{"user":"nobody@contoso.com"}`)
	if len(r.SignIns) != 0 || len(r.Groups) != 0 || !strings.Contains(text(res), "No failures") || r.SignIns == nil || r.Groups == nil {
		t.Errorf("empty search: %+v %q", r, text(res))
	}
}

func TestSearchPagesWithCursor(t *testing.T) {
	c := connectSource(t, fixtureSource())
	var all []string
	args := `{"limit":5}`
	for range 10 {
		r, res := search(t, c, args)
		if res.IsError {
			t.Fatal(text(res))
		}
		all = append(all, rowIDs(r)...)
		if r.Coverage.NextCursor == "" {
			break
		}
		if !r.Coverage.Truncated {
			t.Error("a cursor without truncated=true")
		}
		args = fmt.Sprintf(`{"limit":5,"cursor":%q}`, r.Coverage.NextCursor)
	}
	if len(all) != 14 {
		t.Errorf("paged %d rows: %v", len(all), all)
	}
}

func TestSearchBadInput(t *testing.T) {
	c := connectSource(t, fixtureSource())
	first, _ := search(t, c, `{"limit":1}`)
	cases := map[string]struct{ args, mention string }{
		"unknown type":     {`{"signInTypes":["batch"]}`, "unknown sign-in type"},
		"end before start": {`{"since":"1h","until":"2h"}`, "before it starts"},
		"limit zero":       {`{"limit":0}`, "limit 0 is out of range"},
		"limit too big":    {`{"limit":201}`, "1 to 200"},
		"bad relative":     {`{"since":"5x"}`, "not a time"},
		"zero duration":    {`{"since":"0h"}`, "more than zero"},
		"bad cursor":       {`{"cursor":"abc"}`, "cursor"},
		"other query":      {fmt.Sprintf(`{"cursor":%q,"user":"ali@contoso.com"}`, first.Coverage.NextCursor), "other filters"},
		"negative code":    {`{"errorCode":-1}`, "negative"},
		"code as string":   {`{"errorCode":"50126"}`, "errorCode"},
		"bad IP":           {`{"ipAddress":"300.1.1.1"}`, "not an IP address"},
		"unknown argument": {`{"upn":"rosa"}`, `unknown argument "upn"`},
		"long user":        {`{"user":"` + strings.Repeat("a", 300) + `"}`, "at most 256"},
	}
	for name, tc := range cases {
		_, res := search(t, c, tc.args)
		if !res.IsError {
			t.Errorf("%s: %s accepted", name, tc.args)
			continue
		}
		if !strings.Contains(text(res), tc.mention) {
			t.Errorf("%s: message %q does not mention %q", name, text(res), tc.mention)
		}
	}
}

// bigSource has thousands of failures with long texts across many codes,
// users and IPs: the answer must still fit the budget.
func bigSource(n int) *memory.Store {
	recs := make([]signin.SignIn, 0, n)
	codes := []int{50126, 50053, 53003, 53000, 500121, 50105, 65001, 7000215, 50057, 50055, 90025, 50173, 70044, 50020, 53001, 530032, 50034, 700016, 50011, 50076}
	for i := range n {
		r := si(fmt.Sprintf("id-%06d-aaaaaaaa-bbbb-cccc-dddd", i), now.Add(-time.Duration(i)*time.Second*7), fmt.Sprintf("user%04d@contoso.com", i%900), codes[i%len(codes)], fmt.Sprintf("corr-%06d-eeee-ffff-0000-111111111111", i))
		r.Status.FailureReason = strings.Repeat("A long failure reason from Entra that goes on. ", 10)
		r.IPAddress = fmt.Sprintf("203.0.113.%d", i%250)
		r.App.Name = fmt.Sprintf("Line-of-business application number %d", i%40)
		recs = append(recs, r)
	}
	return memory.New("big", recs)
}

func TestSearchOutputBudget(t *testing.T) {
	c := connectSource(t, bigSource(20000))
	for _, args := range []string{`{}`, `{"limit":200}`, `{"since":"7d","limit":200}`, `{"errorCode":50126,"limit":200}`} {
		r, res := search(t, c, args)
		if res.IsError {
			t.Fatal(text(res))
		}
		b, _ := json.Marshal(res)
		if len(b) > tools.SearchBudget {
			t.Errorf("%s: answer is %d bytes, over the %d budget", args, len(b), tools.SearchBudget)
		}
		if !r.Coverage.Truncated || r.Coverage.NextCursor == "" || len(r.Coverage.Notes) == 0 {
			t.Errorf("%s: trimmed answer does not say so: %+v", args, r.Coverage)
		}
		if len(r.SignIns) < 5 {
			t.Errorf("%s: only %d rows fit beside %d groups", args, len(r.SignIns), len(r.Groups))
		}
		total := 0
		for _, g := range r.Groups {
			total += g.Count
		}
		if len(r.Groups) == 20 && total != r.Coverage.Matched {
			t.Errorf("%s: groups count %d, matched %d", args, total, r.Coverage.Matched)
		}
		// The cursor continues right after the last row shown.
		var a map[string]any
		_ = json.Unmarshal([]byte(args), &a)
		a["cursor"] = r.Coverage.NextCursor
		nb, _ := json.Marshal(a)
		next, nres := search(t, c, string(nb))
		if nres.IsError || len(next.SignIns) == 0 || next.SignIns[0].ID <= r.SignIns[len(r.SignIns)-1].ID {
			t.Errorf("%s: next page starts at %v after %v (%s)", args, rowIDs(next)[:1], r.SignIns[len(r.SignIns)-1].ID, text(nres))
		}
	}
}

func details(t *testing.T, c *client.Client, args string) (tools.GetSigninDetailsResult, *mcp.CallToolResult) {
	t.Helper()
	return callTyped[tools.GetSigninDetailsResult](t, c, tools.GetSigninDetailsName, args)
}

func TestDetailsByIDAndCorrelation(t *testing.T) {
	c := connectSource(t, fixtureSource())
	d, res := details(t, c, `{"id":"ca-1"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	if d.SignIn.Status.ErrorCode != 53003 || d.Explanation.Code != 53003 || !d.Explanation.Known || d.Explanation.WhoFixes == "" || len(d.Explanation.Remediation.Admin) == 0 {
		t.Errorf("explanation %+v", d.Explanation)
	}
	if len(d.ConditionalAccess) != 2 || d.ConditionalAccessNotApplied != 1 || d.ConditionalAccess[0].Name != "Block legacy authentication" {
		t.Errorf("policies %+v, not applied %d", d.ConditionalAccess, d.ConditionalAccessNotApplied)
	}
	ids := d.SupportIdentifiers
	if ids.RequestID != "ca-1" || ids.CorrelationID != "corr-ca" || ids.Timestamp != "2025-03-04T10:00:00Z" || ids.TenantID != tenant || ids.UserID != "oid-ali" || ids.ErrorCode != 53003 {
		t.Errorf("support identifiers %+v", ids)
	}
	if d.Device.IsManaged == nil || !*d.Device.IsManaged || len(d.AuthenticationSteps) != 1 || d.SignIn.ClientApp != "IMAP4" {
		t.Errorf("device %+v steps %+v", d.Device, d.AuthenticationSteps)
	}
	if !strings.Contains(text(res), `"Block legacy authentication" failed`) || !strings.Contains(text(res), "ca-1") {
		t.Errorf("summary %q", text(res))
	}

	// By correlation ID, the last real failure of the flow is opened, and the
	// interrupt's success shows as related.
	m, res := details(t, c, `{"correlationId":"corr-mfa"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	if m.SignIn.ID != "mfa-2" || len(m.Related) != 1 || m.Related[0].ID != "mfa-1" || m.Related[0].Outcome != "interrupt" {
		t.Errorf("flow corr-mfa: opened %s related %+v", m.SignIn.ID, m.Related)
	}
	sp, _ := details(t, c, `{"id":"SP-1"}`)
	if sp.SignIn.ServicePrincipal == nil || sp.SignIn.ServicePrincipal.Name != "Contoso Expense API" {
		t.Errorf("service principal %+v", sp.SignIn)
	}
}

func TestDetailsBadInput(t *testing.T) {
	c := connectSource(t, fixtureSource())
	for args, mention := range map[string]string{
		`{}`:                             "exactly one",
		`{"id":"x","correlationId":"y"}`: "both",
		`{"id":"no-such-id"}`:            "no sign-in with ID",
		`{"correlationId":"nope"}`:       "no sign-in with correlation ID",
		`{"id":5}`:                       "id",
		`{"request":"x"}`:                "unknown argument",
		`{"id":"` + strings.Repeat("a", 300) + `"}`: "longer than 256",
	} {
		_, res := details(t, c, args)
		if !res.IsError || !strings.Contains(text(res), mention) {
			t.Errorf("%s: isError %v, message %q, want it to mention %q", args, res.IsError, text(res), mention)
		}
	}
}

func TestDetailsOutputBudget(t *testing.T) {
	var recs []signin.SignIn
	for i := range 400 {
		r := si(fmt.Sprintf("flow-%03d", i), now.Add(-time.Duration(400-i)*time.Second), "rosa.diaz@contoso.com", 50126, "one-long-flow")
		r.Status.AdditionalDetails = strings.Repeat("details ", 40)
		r.UserAgent = strings.Repeat("Mozilla/5.0 ", 40)
		for p := range 60 {
			r.Policies = append(r.Policies, signin.Policy{ID: fmt.Sprint("policy-", p), Name: fmt.Sprintf("Policy number %d with a long name", p), Result: []string{"success", "failure", "reportOnlyFailure"}[p%3], GrantControls: []string{"mfa", "compliantDevice"}})
		}
		for a := range 20 {
			r.AuthDetails = append(r.AuthDetails, signin.AuthStep{Method: fmt.Sprint("Method ", a), ResultDetail: strings.Repeat("x", 50)})
		}
		recs = append(recs, r)
	}
	c := connectSource(t, memory.New("budget", recs))
	d, res := details(t, c, `{"id":"flow-200"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	b, _ := json.Marshal(res)
	if len(b) > tools.DetailsBudget {
		t.Errorf("details answer is %d bytes, over the %d budget", len(b), tools.DetailsBudget)
	}
	if !d.Truncated || len(d.Notes) == 0 {
		t.Errorf("trimmed answer does not say so: truncated %v notes %v", d.Truncated, d.Notes)
	}
	if d.SupportIdentifiers.RequestID != "flow-200" || d.ConditionalAccess[0].Result != "failure" {
		t.Errorf("trimming lost the essentials: %+v %+v", d.SupportIdentifiers, d.ConditionalAccess[:1])
	}
}

func TestSourceErrorsAreToolErrors(t *testing.T) {
	c := connectSource(t, signin.Unavailable{SourceName: "graph", Err: errors.New("no credential: set --auth")})
	for _, call := range [][2]string{{tools.SearchFailedSigninsName, `{}`}, {tools.GetSigninDetailsName, `{"id":"x"}`}} {
		res := callRaw(t, c, call[0], call[1])
		if !res.IsError || !strings.Contains(text(res), "graph source") || !strings.Contains(text(res), "no credential") {
			t.Errorf("%s: %v %q", call[0], res.IsError, text(res))
		}
	}
	// The catalog still answers.
	if res := callRaw(t, c, tools.ExplainErrorCodeName, `{"code":50126}`); res.IsError {
		t.Errorf("explain_error_code failed with an unavailable source: %s", text(res))
	}
}

func BenchmarkSearchRoundTrip(b *testing.B) {
	c := connectSource(b, bigSource(100000))
	req := mcp.CallToolRequest{}
	req.Params.Name = tools.SearchFailedSigninsName
	req.Params.Arguments = json.RawMessage(`{"errorCode":50126,"since":"7d"}`)
	for b.Loop() {
		res, err := c.CallTool(context.Background(), req)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

func TestDetailsSaysWhenPolicyDetailIsHidden(t *testing.T) {
	r := si("hidden-ca", now, "ali@contoso.com", 53003, "corr-hidden")
	r.ConditionalAccessStatus = "failure"
	c := connectSource(t, memory.New("test", []signin.SignIn{r}))
	d, res := details(t, c, `{"id":"hidden-ca"}`)
	if res.IsError || len(d.Notes) == 0 || !strings.Contains(d.Notes[0], "Policy.Read.ConditionalAccess") {
		t.Errorf("notes %v (%s)", d.Notes, text(res))
	}
	r.Policies = []signin.Policy{{Name: "Block legacy authentication", Result: "failure"}}
	c = connectSource(t, memory.New("test", []signin.SignIn{r}))
	if d, _ := details(t, c, `{"id":"hidden-ca"}`); len(d.Notes) != 0 {
		t.Errorf("a note with the policy detail present: %v", d.Notes)
	}
}
