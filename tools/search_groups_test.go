package tools_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

// benignCodes returns n catalog failures that are not security signals.
func benignCodes(t *testing.T, n int) []int {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range cat.Entries() {
		if e.Outcome == catalog.OutcomeFailure && !e.SecuritySignal() && e.Code != 500121 {
			out = append(out, e.Code)
		}
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("the catalog has fewer than %d benign failure codes", n)
	return nil
}

var fraudStep = []signin.AuthStep{
	{Method: "Password", Requirement: "Primary authentication", Succeeded: true, ResultDetail: "Correct password"},
	{Method: "Mobile app notification", Requirement: "MFA", ResultDetail: "MFA denied; fraud reported by the user"},
}

// noisyTenant is a tenant-wide day: benign codes with many sign-ins each,
// from users and apps with long names (so that their groups are heavy),
// then one MFA fraud report and one risk block, the smallest groups.
func noisyTenant(t *testing.T, codes int) *memory.Store {
	var recs []signin.SignIn
	at := now.Add(-time.Minute)
	for i, code := range benignCodes(t, codes) {
		for j := range 5 + codes - i {
			r := si(fmt.Sprintf("b-%d-%d", code, j), at, fmt.Sprintf("a.rather.long.user.name.number.%02d@contoso-subsidiary.example", j%4), code, fmt.Sprintf("c-%d-%d", code, j))
			r.App.Name = fmt.Sprintf("Line-of-business application with a long name %d", j%3)
			r.IPAddress = fmt.Sprintf("2001:db8:85a3::8a2e:370:%d", j%3)
			recs = append(recs, r)
			at = at.Add(-time.Second)
		}
	}
	fraud := si("fraud-1", now.Add(-5*time.Hour), "olivia@contoso.com", 500121, "c-fraud")
	fraud.Status.AdditionalDetails = "MFA denied; fraud reported by the user"
	fraud.AuthDetails = fraudStep
	risk := si("risk-1", now.Add(-6*time.Hour), "derek@contoso.com", 530032, "c-risk")
	return memory.New("test", append(recs, fraud, risk))
}

var leftOutCode = regexp.MustCompile(`(\d+) ×(\d+)`)

// TestSearchKeepsSecurityGroups: a tenant-wide search whose groups cannot
// all fit keeps the small fraud and risk groups before larger benign ones,
// and names every group it leaves out with its count.
func TestSearchKeepsSecurityGroups(t *testing.T) {
	for _, codes := range []int{12, 40} {
		c := connectSource(t, noisyTenant(t, codes))
		r, res := search(t, c, `{}`)
		if res.IsError {
			t.Fatal(text(res))
		}
		b, _ := json.Marshal(res)
		if len(b) > tools.SearchBudget {
			t.Errorf("%d codes: answer is %d bytes, over %d", codes, len(b), tools.SearchBudget)
		}
		kept := map[int]tools.GroupRow{}
		total := 0
		for _, g := range r.Groups {
			kept[g.ErrorCode] = g
			total += g.Count
		}
		if len(kept) == codes+2 {
			t.Fatalf("%d codes: every group fit (%d bytes); the fixture must overflow", codes, len(b))
		}
		for _, code := range []int{500121, 530032} {
			if g, ok := kept[code]; !ok || !g.SecuritySignal {
				t.Errorf("%d codes: security group %d left out or not flagged: %+v", codes, code, g)
			}
		}
		// Groups stay largest first whatever was kept.
		for i := 1; i < len(r.Groups); i++ {
			if r.Groups[i].Count > r.Groups[i-1].Count {
				t.Errorf("%d codes: groups not largest first at %d", codes, i)
			}
		}
		var note string
		for _, n := range r.Coverage.Notes {
			if strings.Contains(n, "left out to keep the answer small") {
				note = n
			}
		}
		if note == "" || !r.Coverage.Truncated {
			t.Fatalf("%d codes: no note on left-out groups: %+v", codes, r.Coverage)
		}
		named := leftOutCode.FindAllStringSubmatch(note, -1)
		if len(named) == 0 || len(named) > 12 {
			t.Errorf("%d codes: the note names %d codes: %s", codes, len(named), note)
		}
		for _, m := range named {
			code, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			if _, ok := kept[code]; ok {
				t.Errorf("%d codes: the note names %d, which was kept", codes, code)
			}
			total += n
		}
		if more := regexp.MustCompile(`and (\d+) more codes? \((\d+) sign-ins?\)`).FindStringSubmatch(note); more != nil {
			n, _ := strconv.Atoi(more[2])
			total += n
			k, _ := strconv.Atoi(more[1])
			if len(kept)+len(named)+k != codes+2 {
				t.Errorf("%d codes: kept %d + named %d + more %d", codes, len(kept), len(named), k)
			}
		} else if len(kept)+len(named) != codes+2 {
			t.Errorf("%d codes: kept %d + named %d, want %d groups: %s", codes, len(kept), len(named), codes+2, note)
		}
		if total != r.Coverage.Matched {
			t.Errorf("%d codes: kept and left-out groups count %d sign-ins, matched %d: %s", codes, total, r.Coverage.Matched, note)
		}
	}
}

// TestSearchGroupsUseTheBudgetRowsLeave: when rows need little room, groups
// take it instead of leaving the answer half empty.
func TestSearchGroupsUseTheBudgetRowsLeave(t *testing.T) {
	c := connectSource(t, noisyTenant(t, 40))
	few, res := search(t, c, `{"limit":1}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	many, _ := search(t, c, `{"limit":200}`)
	if len(few.Groups) <= len(many.Groups) {
		t.Errorf("one row: %d groups; 200 rows: %d groups (groups must take what rows leave)", len(few.Groups), len(many.Groups))
	}
	b, _ := json.Marshal(res)
	if len(b) < tools.SearchBudget*3/4 || len(b) > tools.SearchBudget {
		t.Errorf("one row beside groups that do not all fit: %d bytes of %d", len(b), tools.SearchBudget)
	}
	if len(many.SignIns) < 5 {
		t.Errorf("200 rows asked: only %d fit beside %d groups", len(many.SignIns), len(many.Groups))
	}
}

// TestSearchGroupsCountTopValues: a group names its top users, apps and IPs
// with how many of its sign-ins carry each.
func TestSearchGroupsCountTopValues(t *testing.T) {
	var recs []signin.SignIn
	for i := range 66 {
		r := si(fmt.Sprint("p-", i), now.Add(-time.Duration(i)*time.Minute), fmt.Sprintf("u%02d@contoso.com", i%20), 50126, fmt.Sprint("c-p-", i))
		r.IPAddress = "203.0.113.9"
		if i%3 == 0 {
			r.IPAddress = fmt.Sprintf("198.51.100.%d", i)
		}
		recs = append(recs, r)
	}
	for i := range 4 {
		recs = append(recs, si(fmt.Sprint("l-", i), now.Add(-time.Duration(i)*time.Minute-30*time.Second), "sam@contoso.com", 50053, fmt.Sprint("c-l-", i)))
	}
	c := connectSource(t, memory.New("test", recs))
	r, res := search(t, c, `{}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	byCode := map[int]tools.GroupRow{}
	for _, g := range r.Groups {
		byCode[g.ErrorCode] = g
	}
	spray := byCode[50126]
	if spray.Count != 66 || len(spray.TopIPs) == 0 || spray.TopIPs[0] != (tools.ValueCount{Value: "203.0.113.9", Count: 44}) {
		t.Errorf("50126 group: %d sign-ins, top IPs %+v (want 203.0.113.9 with 44)", spray.Count, spray.TopIPs)
	}
	if spray.Users[0].Count != 4 || spray.Apps[0] != (tools.ValueCount{Value: "Office 365 Exchange Online", Count: 66}) {
		t.Errorf("50126 group: users %+v apps %+v", spray.Users, spray.Apps)
	}
	lock := byCode[50053]
	if lock.UserCount != 1 || len(lock.Users) != 1 || lock.Users[0] != (tools.ValueCount{Value: "sam@contoso.com", Count: 4}) {
		t.Errorf("50053 group: %+v", lock.Users)
	}
}

// TestWhoFixesReadsTheEvidence: an MFA fraud report after a correct
// password, or a high-risk sign-in, puts the admin first in details and in
// groups, and says why; a timeout keeps the catalog's user; the catalog
// itself keeps its default.
func TestWhoFixesReadsTheEvidence(t *testing.T) {
	fraud := si("fraud", now.Add(-time.Hour), "olivia@contoso.com", 500121, "c-fraud")
	fraud.Status.AdditionalDetails = "MFA denied; fraud reported by the user"
	fraud.AuthDetails = fraudStep
	timeout := si("timeout", now.Add(-2*time.Hour), "priya@contoso.com", 500121, "c-timeout")
	timeout.Status.AdditionalDetails = "MFA denied; no response to the notification"
	timeout.AuthDetails = []signin.AuthStep{fraudStep[0], {Method: "Mobile app notification", ResultDetail: "MFA denied; no response to the notification"}}
	risky := si("risky", now.Add(-3*time.Hour), "derek@contoso.com", 50126, "c-risky")
	risky.Risk = signin.Risk{LevelDuringSignIn: "high", LevelAggregated: "high"}
	plain := si("plain", now.Add(-4*time.Hour), "ana@contoso.com", 50126, "c-plain")
	c := connectSource(t, memory.New("test", []signin.SignIn{fraud, timeout, risky, plain}))

	for id, want := range map[string]string{"fraud": "admin", "timeout": "user", "risky": "admin", "plain": "user"} {
		d, res := details(t, c, fmt.Sprintf(`{"id":%q}`, id))
		if res.IsError {
			t.Fatal(text(res))
		}
		x := d.Explanation
		if x.WhoFixes != want || (want == "admin") != (x.WhoFixesReason != "") {
			t.Errorf("%s: whoFixes %q reason %q, want %q", id, x.WhoFixes, x.WhoFixesReason, want)
		}
		if want == "admin" && (!strings.Contains(x.WhoFixesReason, "not the catalog's user") || !strings.Contains(text(res), "First to act is admin because")) {
			t.Errorf("%s: the reason does not name the catalog's default, or the summary omits it: %q\n%s", id, x.WhoFixesReason, text(res))
		}
	}
	r, res := search(t, c, `{}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	for _, g := range r.Groups {
		if g.WhoFixes != "admin" || !strings.HasPrefix(g.WhoFixesReason, "1 of 2 sign-ins: ") {
			t.Errorf("group %d: whoFixes %q reason %q (one of its two sign-ins carries the evidence)", g.ErrorCode, g.WhoFixes, g.WhoFixesReason)
		}
	}
	x, _ := callTyped[tools.ExplainErrorCodeResult](t, c, tools.ExplainErrorCodeName, `{"code":"500121"}`)
	if x.WhoFixes != "user" {
		t.Errorf("explain_error_code 500121: whoFixes %q, want the catalog's user", x.WhoFixes)
	}
}
