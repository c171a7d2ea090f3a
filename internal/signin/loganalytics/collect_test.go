package loganalytics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

func TestCollectUser(t *testing.T) {
	f := &fakeWorkspace{}
	rosa := func(id string, min int, code, ip string) sr {
		return sr{"TimeGenerated": at(min), "Id": id, "ResultType": code, "UserPrincipalName": "rosa@contoso.com", "UserId": "u-rosa",
			"AppDisplayName": "Outlook", "IPAddress": ip, "SignInType": "interactive"}
	}
	f.on(fixed(answer{table: signInTable(rosa("f1", -10, "50126", "203.0.113.5"), rosa("f2", -9, "50126", "203.0.113.5"), rosa("f3", -8, "50053", "198.51.100.7"))}), `where ResultType != "0"`, "top 10000")
	f.on(fixed(answer{table: signInTable(rosa("s1", -100, "0", "10.0.0.1"))}), `where ResultType == "0"`, "top 10000")
	f.on(fixed(answer{table: signInTable(
		rosa("old-1", -3000, "0", "10.0.0.1"),
		sr{"TimeGenerated": at(-2000), "Id": "old-2", "ResultType": "0", "UserPrincipalName": "rosa@contoso.com", "SignInType": "nonInteractive"},
	)}), "arg_max(TimeGenerated, *)")
	f.on(func(q string) answer {
		if !strings.Contains(q, "Rank <= 1001") {
			t.Errorf("same-IP query does not ask one more than the cap:\n%s", q)
		}
		// Sorted by IP as the query sorts: 198.51.100.7 first.
		return answer{table: signInTable(
			sr{"TimeGenerated": at(-12), "Id": "o2", "ResultType": "50053", "UserPrincipalName": "bo@contoso.com", "IPAddress": "198.51.100.7", "SignInType": "interactive"},
			rosa("f1", -10, "50126", "203.0.113.5"),
			sr{"TimeGenerated": at(-11), "Id": "o1", "ResultType": "50126", "UserPrincipalName": "ana@contoso.com", "IPAddress": "203.0.113.5", "SignInType": "interactive"},
		)}
	}, "row_number(1, prev(IPAddress)")
	s := newFakeSource(t, f)
	var steps []int
	var total int
	c, err := s.Collect(context.Background(), signin.Collect{User: "rosa@contoso.com", Since: t0.Add(-24 * time.Hour), Until: t0,
		Progress: func(done, tot int, msg string) { steps, total = append(steps, done), tot }})
	if err != nil {
		t.Fatal(err)
	}
	cov := c.Coverage
	if cov.Source != "loganalytics" || cov.Failures != 3 || cov.Successes != 1 || cov.SameIP != 2 || cov.Requests != 4 || cov.Truncated || len(cov.Types) != 4 {
		t.Fatalf("coverage %+v", cov)
	}
	if c.LastSuccess == nil || c.LastSuccess.ID != "old-2" || c.LastSuccessSearchedFrom.IsZero() {
		t.Errorf("last success %+v: want the newest of the per-type rows", c.LastSuccess)
	}
	// The IP with the most password failures first, as the other sources.
	if c.SameIP[0].ID != "o1" || c.SameIP[1].ID != "o2" {
		t.Errorf("same-IP order %s, %s: want o1 (the most failing IP's) first", c.SameIP[0].ID, c.SameIP[1].ID)
	}
	if c.SignIns[0].ID != "f3" || c.SignIns[len(c.SignIns)-1].ID != "s1" {
		t.Errorf("sign-ins not newest first: %s ... %s", c.SignIns[0].ID, c.SignIns[len(c.SignIns)-1].ID)
	}
	for _, o := range c.SameIP {
		if o.User.UPN == "rosa@contoso.com" {
			t.Errorf("the subject's own sign-in is among the same-IP ones: %s", o.ID)
		}
	}
	if len(steps) != 4 || total != 4 || steps[3] != 4 {
		t.Errorf("progress %v of %d: want one step per query", steps, total)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Collect(ctx, signin.Collect{User: "rosa@contoso.com", Since: t0.Add(-time.Hour), Until: t0}); err != context.Canceled {
		t.Errorf("cancelled collect: %v", err)
	}
}
