package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

// collectStub is a source whose Collect answers coll (or calls during, when
// set) and records what it was asked.
type collectStub struct {
	signin.Unavailable
	now    time.Time
	coll   signin.Collection
	during func(ctx context.Context, c signin.Collect) error

	mu    sync.Mutex
	asked []signin.Collect
}

func (s *collectStub) Now(context.Context) (time.Time, error) { return s.now, nil }

func (s *collectStub) Collect(ctx context.Context, c signin.Collect) (signin.Collection, error) {
	s.mu.Lock()
	s.asked = append(s.asked, c)
	s.mu.Unlock()
	if s.during != nil {
		if err := s.during(ctx, c); err != nil {
			return signin.Collection{}, err
		}
	}
	return s.coll, nil
}

func (s *collectStub) lastAsked(t *testing.T) signin.Collect {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.asked) == 0 {
		t.Fatal("the source was not asked")
	}
	return s.asked[len(s.asked)-1]
}

var stubNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

func diagnoseCall(t *testing.T, src signin.Source, args string) (tools.DiagnoseSigninFailuresResult, *mcp.CallToolResult) {
	t.Helper()
	return callTyped[tools.DiagnoseSigninFailuresResult](t, connectSource(t, src), tools.DiagnoseSigninFailuresName, args)
}

func TestDiagnoseRefusesBadArguments(t *testing.T) {
	src := &collectStub{Unavailable: signin.Unavailable{SourceName: "stub"}, now: stubNow}
	for args, want := range map[string]string{
		`{"user":"a@contoso.com","app":"Outlook"}`:           "give one subject, not user and app",
		`{"ipAddress":"198.51.100.7","user":"a"}`:            "give one subject",
		`{"ipAddress":"nope"}`:                               "is not an IP address",
		`{"correlationId":"abc"}`:                            "is not a GUID",
		`{"since":"5x"}`:                                     "is not a time",
		`{"since":"1h","until":"2h"}`:                        "until must be after since",
		`{"signInTypes":["batch"]}`:                          "give interactive, nonInteractive",
		`{"subject":"rosa"}`:                                 `unknown argument "subject"; accepted arguments: user, app`,
		`{"user":7}`:                                         "user: a JSON number is not accepted",
		fmt.Sprintf(`{"user":%q}`, strings.Repeat("a", 300)): "at most 256",
	} {
		_, res := diagnoseCall(t, src, args)
		if !res.IsError || !strings.Contains(text(res), want) {
			t.Errorf("%s: got %v %q, want a tool error containing %q", args, res.IsError, text(res), want)
		}
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.asked) != 0 {
		t.Errorf("the source was asked %d times for bad arguments", len(src.asked))
	}
}

func TestDiagnoseAsksTheSourceForTheSubjectAndDefaultWindow(t *testing.T) {
	src := &collectStub{Unavailable: signin.Unavailable{SourceName: "stub"}, now: stubNow}
	for args, check := range map[string]func(c signin.Collect) bool{
		`{"user":" Rosa@Contoso.com "}`: func(c signin.Collect) bool { return c.User == "Rosa@Contoso.com" && c.SubjectKind() == "user" },
		`{"app":"Payroll Sync"}`:        func(c signin.Collect) bool { return c.App == "Payroll Sync" && c.SubjectKind() == "app" },
		`{"ipAddress":"2001:DB8::1"}`:   func(c signin.Collect) bool { return c.IPAddress == "2001:db8::1" },
		`{}`:                            func(c signin.Collect) bool { return c.SubjectKind() == "tenant" },
		`{"signInTypes":["managedIdentity","managedIdentity"]}`: func(c signin.Collect) bool {
			return len(c.Types) == 1 && c.Types[0] == signin.ManagedIdentity
		},
	} {
		r, res := diagnoseCall(t, src, args)
		if res.IsError {
			t.Fatalf("%s: %s", args, text(res))
		}
		c := src.lastAsked(t)
		if !check(c) {
			t.Errorf("%s: asked %+v", args, c)
		}
		if !c.Since.Equal(stubNow.Add(-48*time.Hour)) || !c.Until.Equal(stubNow.Add(time.Second)) {
			t.Errorf("%s: window %s..%s, want the 48 hours before now", args, c.Since, c.Until)
		}
		if r.Coverage.Since != "2026-03-02T12:00:00Z" || r.Coverage.Source != "" && r.Coverage.Source != "stub" {
			t.Errorf("%s: coverage %+v", args, r.Coverage)
		}
		if c.Progress != nil {
			t.Errorf("%s: a progress reporter without a progress token", args)
		}
	}
}

// TestDiagnoseReportsProgressAndStopsWhenCancelled: a source that reports
// two steps then waits sees its context end when the client gives up, and
// the client got increasing progress for its token (a repeated value is not
// sent twice).
func TestDiagnoseReportsProgressAndStopsWhenCancelled(t *testing.T) {
	stopped := make(chan struct{})
	src := &collectStub{Unavailable: signin.Unavailable{SourceName: "stub"}, now: stubNow,
		during: func(ctx context.Context, c signin.Collect) error {
			if c.Progress == nil {
				return fmt.Errorf("no progress reporter for a request with a progress token")
			}
			c.Progress(1, 3, "page 1")
			c.Progress(1, 3, "page 1 again")
			c.Progress(2, 3, "page 2")
			<-ctx.Done()
			close(stopped)
			return ctx.Err()
		}}
	c := connectSource(t, src)
	got := make(chan mcp.JSONRPCNotification, 10)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			got <- n
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type answer struct {
		res *mcp.CallToolResult
		err error
	}
	done := make(chan answer, 1)
	go func() {
		req := mcp.CallToolRequest{}
		req.Params.Name = tools.DiagnoseSigninFailuresName
		req.Params.Arguments = json.RawMessage(`{"user":"rosa@contoso.com"}`)
		req.Params.Meta = &mcp.Meta{ProgressToken: "tok-1"}
		res, err := c.CallTool(ctx, req)
		done <- answer{res, err}
	}()
	var progress []float64
	for len(progress) < 2 {
		select {
		case n := <-got:
			f := n.Params.AdditionalFields
			if f["progressToken"] != "tok-1" || f["total"] != float64(3) && f["total"] != 3 {
				t.Errorf("notification %+v", f)
			}
			p, _ := json.Marshal(f["progress"])
			var v float64
			_ = json.Unmarshal(p, &v)
			progress = append(progress, v)
		case <-time.After(10 * time.Second):
			t.Fatalf("no progress after 10 s; got %v", progress)
		}
	}
	if progress[0] != 1 || progress[1] != 2 {
		t.Errorf("progress %v, want 1 then 2", progress)
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the source kept working after the client cancelled")
	}
	if a := <-done; a.err == nil && (a.res == nil || !a.res.IsError) {
		t.Errorf("a cancelled call answered as if it had finished: %+v", a.res)
	}
}

// bigCollection is n sign-ins of many users, apps, IPs and codes: the
// shape of a large tenant, for the output budget.
func bigCollection(n int) []signin.SignIn {
	codes := []int{0, 50126, 50053, 50074, 500121, 53003, 7000222, 50173, 0, 90033, 700016, 65001, 50105, 50011, 500011, 53000, 50057, 50034, 50055, 81010}
	out := make([]signin.SignIn, n)
	for i := range out {
		typ := signin.AllTypes[i%len(signin.AllTypes)]
		s := signin.SignIn{
			ID: fmt.Sprintf("req-%07d", i), CorrelationID: fmt.Sprintf("corr-%06d", i/3), Type: typ,
			CreatedAt: stubNow.Add(-time.Duration(i%(47*60)) * time.Minute),
			User:      signin.User{ID: fmt.Sprintf("oid-%04d", i%2000), UPN: fmt.Sprintf("user%04d@contoso.com", i%2000), DisplayName: strings.Repeat("Long Name ", 5)},
			App:       signin.App{ID: fmt.Sprintf("app-%03d", i%150), Name: fmt.Sprintf("Application number %03d with a long display name", i%150)},
			IPAddress: fmt.Sprintf("198.51.%d.%d", i%7, i%250), ClientApp: "Browser",
			Location: signin.Location{City: "Somewhere with a long city name", CountryOrRegion: "FR"},
			Device:   signin.Device{ID: fmt.Sprintf("dev-%05d", i%3000), Name: fmt.Sprintf("DESKTOP-%05d", i%3000), OperatingSystem: "Windows 11"},
			Status:   signin.Status{ErrorCode: codes[i%len(codes)], AdditionalDetails: strings.Repeat("details ", 20)},
			Policies: []signin.Policy{{ID: fmt.Sprintf("pol-%02d", i%40), Name: fmt.Sprintf("Policy %02d with a long name", i%40), Result: "failure", GrantControls: []string{"block"}}},
		}
		if typ == signin.ServicePrincipal || typ == signin.ManagedIdentity {
			s.User = signin.User{}
			s.ServicePrincipal = signin.App{ID: fmt.Sprintf("sp-%03d", i%150), Name: fmt.Sprintf("Workload %03d", i%150)}
			s.ServicePrincipalCredentialKeyID = fmt.Sprintf("key-%03d", i%150)
		}
		out[i] = s
	}
	return out
}

// TestDiagnoseFitsItsBudgetAt100k: tenant triage and a user's diagnosis
// over 100,000 sign-ins stay within DiagnoseBudget, and say what was cut.
func TestDiagnoseFitsItsBudgetAt100k(t *testing.T) {
	if testing.Short() {
		t.Skip("diagnoses 100,000 sign-ins; skipped with -short")
	}
	recs := bigCollection(100_000)
	src := &collectStub{Unavailable: signin.Unavailable{SourceName: "stub"}, now: stubNow,
		coll: signin.Collection{SignIns: recs, Coverage: signin.CollectCoverage{Source: "stub", Types: signin.AllTypes, Failures: len(recs)}}}
	for _, args := range []string{`{}`, `{"user":"user0007@contoso.com"}`, `{"app":"app-001"}`} {
		r, res := diagnoseCall(t, src, args)
		if res.IsError {
			t.Fatalf("%s: %s", args, text(res))
		}
		b, _ := json.Marshal(res)
		if len(b) > tools.DiagnoseBudget {
			t.Errorf("%s: answer is %d bytes, over %d", args, len(b), tools.DiagnoseBudget)
		}
		if len(r.Findings) == 0 || r.Verdict == "" {
			t.Errorf("%s: no findings or verdict", args)
		}
		if r.Coverage.Truncated != (strings.Contains(strings.Join(r.Coverage.Notes, " "), "left out") || strings.Contains(strings.Join(r.Coverage.Notes, " "), "shortened")) {
			t.Errorf("%s: truncated %v but notes %q", args, r.Coverage.Truncated, r.Coverage.Notes)
		}
		if !strings.HasPrefix(text(res), r.Verdict) {
			t.Errorf("%s: the text does not start with the verdict: %q", args, text(res))
		}
	}
}

// TestDiagnoseSaysHowFarBackItLookedForASuccess: with failures and no
// success, lastSuccess is null and coverage says how far back the source
// searched.
func TestDiagnoseSaysHowFarBackItLookedForASuccess(t *testing.T) {
	from := stubNow.Add(-30 * 24 * time.Hour)
	fail := signin.SignIn{ID: "f1", CreatedAt: stubNow.Add(-time.Hour), Type: signin.Interactive,
		User: signin.User{ID: "oid-rosa", UPN: "rosa@contoso.com", DisplayName: "Rosa Diaz", Type: "member"}, App: signin.App{ID: "app-1", Name: "Outlook"},
		Status: signin.Status{ErrorCode: 50057}}
	src := &collectStub{Unavailable: signin.Unavailable{SourceName: "stub"}, now: stubNow,
		coll: signin.Collection{SignIns: []signin.SignIn{fail}, LastSuccessSearchedFrom: from, Coverage: signin.CollectCoverage{Source: "stub", Failures: 1}}}
	r, res := diagnoseCall(t, src, `{"user":"rosa@contoso.com"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	if r.LastSuccess != nil || !strings.Contains(strings.Join(r.Coverage.Notes, " "), "searched back to 2026-02-02T12:00:00Z") {
		t.Errorf("lastSuccess %+v notes %q", r.LastSuccess, r.Coverage.Notes)
	}
	if r.Subject.DisplayName != "Rosa Diaz" || r.Subject.ObjectID != "oid-rosa" || r.Subject.UserType != "member" {
		t.Errorf("subject %+v: what the sign-ins say of the user was not learned", r.Subject)
	}
	if len(r.Findings) != 1 || r.Findings[0].Scenario != diagnosis.ScenarioAccountDisabled {
		t.Errorf("findings %+v", r.Findings)
	}
	// The last success the source found before the window is the one named.
	ok := fail
	ok.ID, ok.CreatedAt, ok.Status.ErrorCode, ok.IPAddress = "ok1", stubNow.Add(-10*24*time.Hour), 0, "192.0.2.1"
	src.coll.LastSuccess = &ok
	r, _ = diagnoseCall(t, src, `{"user":"rosa@contoso.com"}`)
	if r.LastSuccess == nil || r.LastSuccess.ID != "ok1" || strings.Contains(strings.Join(r.Coverage.Notes, " "), "lastSuccess is null") {
		t.Errorf("lastSuccess %+v notes %q", r.LastSuccess, r.Coverage.Notes)
	}
}

// TestDiagnoseSchemaListsEveryScenario: the output schema's scenario enum is
// exactly the engine's scenario ids, so a client validating the output
// never refuses a scenario and the README's list cannot drift.
func TestDiagnoseSchemaListsEveryScenario(t *testing.T) {
	tool := tools.DiagnoseSigninFailures(nil, nil).Tool
	var schema struct {
		Properties struct {
			Findings struct {
				Items struct {
					Properties struct {
						Scenario struct {
							Enum []string `json:"enum"`
						} `json:"scenario"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"findings"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(tool.RawOutputSchema, &schema); err != nil {
		t.Fatal(err)
	}
	got := schema.Properties.Findings.Items.Properties.Scenario.Enum
	if !slices.Equal(got, diagnosis.Scenarios) {
		t.Errorf("schema enum %v\nengine       %v", got, diagnosis.Scenarios)
	}
}

// TestDiagnoseTenantLeavesInterruptsOut: a tenant triage tells the source
// it may leave the catalog's interrupts out (Graph then does not spend its
// budget on MFA prompts it cannot judge); a subject's diagnosis does not.
func TestDiagnoseTenantLeavesInterruptsOut(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	src := &collectStub{Unavailable: signin.Unavailable{SourceName: "stub"}, now: stubNow}
	if _, res := diagnoseCall(t, src, `{}`); res.IsError {
		t.Fatal(text(res))
	}
	if got := src.lastAsked(t).LeaveOut; !slices.Equal(got, cat.InterruptCodes()) || len(got) == 0 {
		t.Errorf("tenant: LeaveOut %v, want the catalog's interrupts %v", got, cat.InterruptCodes())
	}
	if _, res := diagnoseCall(t, src, `{"user":"rosa@contoso.com"}`); res.IsError {
		t.Fatal(text(res))
	}
	if got := src.lastAsked(t).LeaveOut; len(got) != 0 {
		t.Errorf("user: LeaveOut %v, want none", got)
	}
}
