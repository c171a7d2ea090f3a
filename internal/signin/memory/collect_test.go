package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// from is a sign-in of upn from ip, minsAgo minutes before t0.
func from(id string, minsAgo int, upn string, code int, typ signin.Type, ip string) signin.SignIn {
	r := rec(id, minsAgo, upn, code, typ, "corr-"+id)
	r.IPAddress = ip
	return r
}

const (
	ipA = "203.0.113.10" // rosa's failing address, shared with others
	ipB = "203.0.113.20" // rosa's non-interactive successes
	ipC = "203.0.113.30" // rosa's interactive success
)

func collectFixture() *Store {
	day := 24 * 60
	return New("test", []signin.SignIn{
		from("r1", 50, "rosa@contoso.com", 50126, signin.Interactive, ipA),
		from("r2", 40, "rosa@contoso.com", 50126, signin.Interactive, ipA),
		from("r3", 30, "rosa@contoso.com", 50053, signin.Interactive, ipA),
		from("r4", 20, "rosa@contoso.com", 0, signin.Interactive, ipC),
		from("r5", 10, "rosa@contoso.com", 0, signin.NonInteractive, ipB),
		from("r6", 60*10, "rosa@contoso.com", 50126, signin.Interactive, ipC), // an older failure from another IP
		from("rOld1", 3*day, "rosa@contoso.com", 0, signin.Interactive, ipC),  // her last success before the window
		from("rOld2", 5*day, "rosa@contoso.com", 0, signin.Interactive, ipC),
		from("rOld3", 2*day+60, "rosa@contoso.com", 50126, signin.Interactive, ipC), // newer than rOld1, but a failure
		from("b1", 45, "bob@contoso.com", 50126, signin.Interactive, ipA),
		from("c1", 35, "carl@contoso.com", 0, signin.Interactive, ipA),
		from("d1", 25, "dave@contoso.com", 0, signin.NonInteractive, ipA),    // a type rosa did not fail with from ipA
		from("e1", 3*day, "eve@contoso.com", 50126, signin.Interactive, ipA), // before the window
		from("g1", 15, "ana_fabrikam.example#EXT#@contoso.com", 50126, signin.Interactive, ipB),
		from("g2", 4*day, "ana_fabrikam.example#EXT#@contoso.com", 0, signin.Interactive, ipB),
		from("x1", 15, "xana_fabrikam.example#ext#@contoso.com", 50126, signin.Interactive, ipB),
	})
}

func collectWindow(mut func(*signin.Collect)) signin.Collect {
	c := signin.Collect{Since: t0.Add(-48 * time.Hour), Until: t0.Add(time.Second)}
	if mut != nil {
		mut(&c)
	}
	return c
}

func signInIDs(recs []signin.SignIn) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

func TestCollectSubject(t *testing.T) {
	s := collectFixture()
	cases := []struct {
		name                    string
		c                       signin.Collect
		signIns, sameIP         string
		last                    string
		failures, successes, n  int
		lastSearched, truncated bool
	}{
		{"user by UPN in any case: failures and successes of every type, her last success before the window, others from the IP of her password failures",
			collectWindow(func(c *signin.Collect) { c.User = "ROSA@contoso.com" }),
			"[r1 r2 r3 r4 r5 r6]", "[b1 c1]", "rOld1", 4, 2, 2, true, false},
		{"user by object ID",
			collectWindow(func(c *signin.Collect) { c.User = "oid-rosa@contoso.com" }),
			"[r1 r2 r3 r4 r5 r6]", "[b1 c1]", "rOld1", 4, 2, 2, true, false},
		{"types asked: only interactive, so no non-interactive success",
			collectWindow(func(c *signin.Collect) { c.User = "rosa@contoso.com"; c.Types = []signin.Type{signin.Interactive} }),
			"[r1 r2 r3 r4 r6]", "[b1 c1]", "rOld1", 4, 1, 2, true, false},
		{"a guest by home address, and nobody else",
			collectWindow(func(c *signin.Collect) { c.User = "Ana@Fabrikam.Example" }),
			"[g1]", "[x1]", "g2", 1, 0, 1, true, false},
		{"an IP: what came from it, no last success, no same-IP (its sign-ins are the subject)",
			collectWindow(func(c *signin.Collect) { c.IPAddress = ipA }),
			"[b1 c1 d1 r1 r2 r3]", "[]", "", 4, 2, 0, false, false},
		{"a correlation ID: its flow, others from its failing IP",
			collectWindow(func(c *signin.Collect) { c.CorrelationID = "CORR-R1" }),
			"[r1]", "[b1 c1 r2 r3]", "", 1, 0, 4, false, false},
		// Every record is the app's: whoever signed in, the subject
		// decides; its last success is d1, non-interactive, before the
		// 20-minute window.
		{"an app by name in any case",
			collectWindow(func(c *signin.Collect) { c.App = "CONTOSO PAYROLL"; c.Since = t0.Add(-20 * time.Minute) }),
			"[r4 r5 x1 g1]", "[]", "d1", 2, 2, 0, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Collect(context.Background(), tc.c)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Fields(strings.Trim(tc.signIns, "[]"))
			slices.Sort(want)
			if ids := signInIDs(got.SignIns); !slices.Equal(ids, want) {
				t.Errorf("sign-ins %v, want %v", ids, want)
			}
			if ids := fmt.Sprint(signInIDs(got.SameIP)); ids != tc.sameIP {
				t.Errorf("same-IP %s, want %s", ids, tc.sameIP)
			}
			last := ""
			if got.LastSuccess != nil {
				last = got.LastSuccess.ID
			}
			if last != tc.last {
				t.Errorf("last success %q, want %q", last, tc.last)
			}
			cov := got.Coverage
			if cov.Failures != tc.failures || cov.Successes != tc.successes || cov.SameIP != tc.n {
				t.Errorf("coverage counts failures %d successes %d same-IP %d, want %d %d %d", cov.Failures, cov.Successes, cov.SameIP, tc.failures, tc.successes, tc.n)
			}
			oldest, _ := s.Range()
			if searched := got.LastSuccessSearchedFrom.Equal(oldest); searched != tc.lastSearched || (!tc.lastSearched && !got.LastSuccessSearchedFrom.IsZero()) {
				t.Errorf("last success searched from %v, want the oldest record (%v) only for a user or an app", got.LastSuccessSearchedFrom, oldest)
			}
			if cov.Truncated != tc.truncated || cov.Source != "test" || cov.Requests != 0 {
				t.Errorf("coverage %+v", cov)
			}
		})
	}
}

func TestCollectTenantAndTypes(t *testing.T) {
	s := collectFixture()
	got, err := s.Collect(context.Background(), collectWindow(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"b1", "c1", "d1", "g1", "r1", "r2", "r3", "r4", "r5", "r6", "x1"}
	if ids := signInIDs(got.SignIns); !slices.Equal(ids, want) {
		t.Errorf("tenant: %v, want every sign-in in the window %v", ids, want)
	}
	if got.LastSuccess != nil || len(got.SameIP) != 0 || !got.LastSuccessSearchedFrom.IsZero() {
		t.Errorf("tenant: last success %v, same-IP %d: a tenant has neither", got.LastSuccess, len(got.SameIP))
	}
	cov := got.Coverage
	if !slices.Equal(cov.Types, []signin.Type{signin.Interactive, signin.NonInteractive}) || !slices.Equal(cov.Holds, cov.Types) {
		t.Errorf("default types %v (holds %v), want every type the store holds, in AllTypes order", cov.Types, cov.Holds)
	}
	if cov.Failures != 7 || cov.Successes != 4 {
		t.Errorf("failures %d successes %d, want 7 and 4", cov.Failures, cov.Successes)
	}

	// LeaveOut is for a source that reads few successes: this one reads
	// them all, so it reads the codes too, and the rules judge them.
	left, err := s.Collect(context.Background(), collectWindow(func(c *signin.Collect) { c.LeaveOut = []int{50126, 50053} }))
	if err != nil {
		t.Fatal(err)
	}
	if ids := signInIDs(left.SignIns); !slices.Equal(ids, want) || !slices.Equal(left.Coverage.Notes, cov.Notes) {
		t.Errorf("tenant with LeaveOut: %v %q, want %v %q: memory ignores it", ids, left.Coverage.Notes, want, cov.Notes)
	}

	asked, err := s.Collect(context.Background(), collectWindow(func(c *signin.Collect) {
		c.Types = []signin.Type{signin.ManagedIdentity, signin.NonInteractive, signin.NonInteractive}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if ids := signInIDs(asked.SignIns); !slices.Equal(ids, []string{"d1", "r5"}) {
		t.Errorf("non-interactive asked: %v", ids)
	}
	if !slices.Equal(asked.Coverage.Types, []signin.Type{signin.NonInteractive}) ||
		!slices.ContainsFunc(asked.Coverage.Notes, func(n string) bool { return strings.Contains(n, "managed identity sign-ins asked for") }) {
		t.Errorf("types %v, notes %q: want only the type held, and a note naming the one it lacks", asked.Coverage.Types, asked.Coverage.Notes)
	}
}

// TestCollectSameIPBounded: a user failing from more IPs than
// SameIPMaxIPs gets the others' sign-ins of the most failing IPs only, and
// the cut is said.
func TestCollectSameIPBounded(t *testing.T) {
	var recs []signin.SignIn
	n := signin.SameIPMaxIPs + 5
	for i := range n {
		ip := fmt.Sprintf("192.0.2.%d", i+1)
		// IP i carries i+1 failures of the subject: the last ones fail most.
		for j := range i + 1 {
			recs = append(recs, from(fmt.Sprintf("s%d-%d", i, j), 100+j, "spray@contoso.com", 50126, signin.Interactive, ip))
		}
		recs = append(recs, from(fmt.Sprintf("o%d", i), 5, "other@contoso.com", 50126, signin.Interactive, ip))
	}
	s := New("test", recs)
	got, err := s.Collect(context.Background(), collectWindow(func(c *signin.Collect) { c.User = "spray@contoso.com" }))
	if err != nil {
		t.Fatal(err)
	}
	var wantIDs []string
	for i := n - signin.SameIPMaxIPs; i < n; i++ {
		wantIDs = append(wantIDs, fmt.Sprintf("o%d", i))
	}
	slices.Sort(wantIDs)
	if ids := signInIDs(got.SameIP); !slices.Equal(ids, wantIDs) {
		t.Errorf("same-IP %v, want the others' sign-ins from the %d most failing IPs %v", ids, signin.SameIPMaxIPs, wantIDs)
	}
	if !got.Coverage.Truncated || !slices.ContainsFunc(got.Coverage.Notes, func(s string) bool {
		return strings.Contains(s, "5 IPs with fewer (192.0.2.5, 192.0.2.4, 192.0.2.3, 192.0.2.2, 192.0.2.1) were not read")
	}) {
		t.Errorf("truncated %v, notes %q: want the cut said", got.Coverage.Truncated, got.Coverage.Notes)
	}
}

func TestCollectCancelledAndProgress(t *testing.T) {
	s := collectFixture()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Collect(ctx, collectWindow(nil)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	var calls []string
	c := collectWindow(func(c *signin.Collect) {
		c.User = "rosa@contoso.com"
		c.Progress = func(done, total int, msg string) { calls = append(calls, fmt.Sprintf("%d/%d %s", done, total, msg)) }
	})
	if _, err := s.Collect(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || !strings.Contains(calls[len(calls)-1], "read 8 sign-ins") {
		t.Errorf("progress %q, want a last call that says what was read", calls)
	}
}

// TestCollectCancelledMidway: a cancel while a large window is read stops
// the read.
func TestCollectCancelledMidway(t *testing.T) {
	recs := make([]signin.SignIn, 3*progressEvery)
	for i := range recs {
		recs[i] = from(fmt.Sprint(i), i%(47*60), "u@contoso.com", 0, signin.Interactive, ipA)
	}
	s := New("test", recs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := collectWindow(func(c *signin.Collect) { c.Progress = func(int, int, string) { cancel() } })
	if _, err := s.Collect(ctx, c); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled at the first progress call: %v, want context.Canceled", err)
	}
}
