package kql

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

var update = flag.Bool("update", false, "rewrite the golden query files in testdata")

var (
	since = time.Date(2025, 1, 9, 8, 0, 0, 0, time.UTC)
	until = time.Date(2025, 1, 10, 8, 0, 0, 0, time.UTC)
)

func intp(n int) *int { return &n }

// queries builds every query the package emits, from the given user text.
func queries(t *testing.T, user, app, ip, corr, id string) map[string]string {
	t.Helper()
	full := signin.Query{User: user, App: app, ErrorCode: intp(50126), IPAddress: ip, CorrelationID: corr,
		Since: since, Until: until, Types: []signin.Type{signin.Interactive, signin.NonInteractive}}
	out := map[string]string{}
	add := func(name string, q string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = q
	}
	q, err := Rows(Select{Query: full}, 25, nil)
	add("rows-filters", q, err)
	q, err = Readable(Select{Query: full})
	add("readable", q, err)
	q, err = Readable(Select{Query: signin.Query{User: user, App: app, Since: since, Until: until,
		Types: []signin.Type{signin.ServicePrincipal, signin.ManagedIdentity}}})
	add("readable-workloads", q, err)
	q, err = Rows(Select{Query: signin.Query{Since: since, Until: until}}, 25, &Keyset{TimeGenerated: since.Add(time.Hour + 1234567), ID: id})
	add("rows-all-types-after", q, err)
	q, err = Rows(Select{Query: signin.Query{User: user, Since: since, Until: until}, Outcome: Any}, 1000, nil)
	add("rows-any-outcome", q, err)
	q, err = GroupsQuery(Select{Query: signin.Query{App: app, Since: since, Until: until, Types: []signin.Type{signin.ServicePrincipal, signin.ManagedIdentity}}})
	add("groups", q, err)
	q, err = GroupTopQuery(Select{Query: signin.Query{IPAddress: ip, Since: since, Until: until, Types: []signin.Type{signin.Interactive}}}, GroupUsers, signin.GroupTopUsers)
	add("group-top-users", q, err)
	q, err = ByID(id, nil)
	add("by-id", q, err)
	q, err = Correlated(corr, []signin.Type{signin.Interactive, signin.NonInteractive}, 200)
	add("correlated", q, err)
	q, err = LastSuccess(Select{Query: signin.Query{User: user, Since: since.AddDate(0, 0, -30), Until: since, Types: []signin.Type{signin.Interactive}}})
	add("last-success", q, err)
	q, err = SameIP([]signin.IPTarget{{IP: ip, Types: []signin.Type{signin.NonInteractive, signin.Interactive}, Failures: 3}, {IP: "198.51.100.7", Types: []signin.Type{signin.Interactive}}}, since, until, signin.SameIPMaxPerIP)
	add("same-ip", q, err)
	q, err = ExposureCandidates(Select{Query: signin.Query{User: user, Since: since, Until: until, Types: []signin.Type{signin.Interactive}}, Outcome: Successes}, MaxRows)
	add("exposure-candidates", q, err)
	q, err = Rows(Select{Query: signin.Query{User: user, Since: since, Until: until}, Codes: []int{50074, 50076}, NotCodes: []int{0, 50140}}, 26, nil)
	add("rows-codes", q, err)
	q, err = FollowSuccesses(Subjects{Types: []signin.Type{signin.Interactive, signin.ServicePrincipal}, Since: since,
		CorrelationIDs: []string{corr, "c2"}, Users: []string{user}, Workloads: []string{app}}, MaxRows)
	add("follow-successes", q, err)
	q, err = FailedUsers(user, since, until, 20)
	add("failed-users", q, err)
	out["table-counts"] = TableCounts(since, until)
	return out
}

// TestQueriesGolden pins the text of every query; go test -update rewrites
// testdata/*.kql after a deliberate change.
func TestQueriesGolden(t *testing.T) {
	got := queries(t, "rosa@contoso.com", "Outlook", "203.0.113.5", "c0ffee00-0000-4000-8000-000000000001", "9e1b8c1a-0000-4000-8000-000000000002")
	for name, q := range got {
		path := filepath.Join("testdata", name+".kql")
		if *update {
			if err := os.WriteFile(path, []byte(q+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test -update to create it)", name, err)
		}
		if q+"\n" != string(want) {
			t.Errorf("%s: query changed (go test -update rewrites it)\n got:\n%s\nwant:\n%s", name, q, want)
		}
	}
}

// shape is a query's token sequence with string values blanked: the
// structure user text must not change.
func shape(t *testing.T, q string) (kinds []string, strs []string) {
	t.Helper()
	toks, err := Tokenize(q)
	if err != nil {
		t.Fatalf("query does not tokenize: %v\n%s", err, q)
	}
	for _, tok := range toks {
		if tok.Kind == KindString {
			kinds = append(kinds, "string")
			strs = append(strs, tok.Value)
			continue
		}
		kinds = append(kinds, tok.Kind.String()+":"+tok.Value)
	}
	return kinds, strs
}

// TestQueriesTokenize proves every query tokenizes cleanly, and that hostile
// user text changes nothing but the values of its string literals, each of
// which decodes to exactly that text.
func TestQueriesTokenize(t *testing.T) {
	benign := queries(t, "u@x", "a", "1", "c", "i")
	user, app, ip, corr, id := `rosa"@x | union AuditLogs //`, `O'Neil\`, "```| take 1", `@"x"" | where 1 == 1`, `h"\"`
	hostile := queries(t, user, app, ip, corr, id)
	for name, q := range hostile {
		wantKinds, _ := shape(t, benign[name])
		kinds, strs := shape(t, q)
		if !slices.Equal(kinds, wantKinds) {
			t.Errorf("%s: user text changed the query's structure:\n%s", name, q)
		}
		for _, s := range strs {
			if strings.ContainsAny(s, "|`@'\\/") && s != user && s != signin.GuestPrefix(user) && s != app && s != ip && s != corr && s != id {
				t.Errorf("%s: string literal %q is none of the inputs", name, s)
			}
		}
	}
	for _, in := range []string{user, app, ip, corr, id} {
		found := false
		for _, q := range hostile {
			_, strs := shape(t, q)
			found = found || slices.Contains(strs, in)
		}
		if !found {
			t.Errorf("input %q is in no query's literals", in)
		}
	}
}

// FuzzQueryStructure proves, for any user text, that a query is refused or
// has the structure of the same query built from plain text.
func FuzzQueryStructure(f *testing.F) {
	for _, s := range literalSeeds {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, user, app string) {
		q, err := Rows(Select{Query: signin.Query{User: user, App: app, IPAddress: user, CorrelationID: app, Since: since, Until: until}}, 25, &Keyset{TimeGenerated: since, ID: user})
		if err != nil {
			return
		}
		// Plain text of the same shape: empty stays empty (no filter), and
		// the guest clause depends on whether the user is an email address.
		plainUser, plainApp := "x", "a"
		if user == "" {
			plainUser = ""
		} else if signin.GuestPrefix(user) != "" {
			plainUser = "x@y"
		}
		if app == "" {
			plainApp = ""
		}
		want, err := Rows(Select{Query: signin.Query{User: plainUser, App: plainApp, IPAddress: plainUser, CorrelationID: plainApp, Since: since, Until: until}}, 25, &Keyset{TimeGenerated: since, ID: "x"})
		if err != nil {
			t.Fatal(err)
		}
		wantKinds, _ := shape(t, want)
		kinds, _ := shape(t, q)
		if !slices.Equal(kinds, wantKinds) {
			t.Fatalf("user %q app %q changed the query's structure:\n%s", user, app, q)
		}
		// The follow-up and completion queries take user text in lists and
		// a prefix: the same proof.
		follow := func(u, a string) (string, error) {
			return FollowSuccesses(Subjects{Since: since, CorrelationIDs: []string{u}, Users: []string{u, a}, Workloads: []string{a}}, 100)
		}
		if fq, err := follow(user, app); err == nil {
			fw, err := follow("x", "a")
			if err != nil {
				t.Fatal(err)
			}
			if k, w := mustShape(t, fq), mustShape(t, fw); !slices.Equal(k, w) {
				t.Fatalf("user %q app %q changed the follow-up query's structure:\n%s", user, app, fq)
			}
		}
		if uq, err := FailedUsers(user, since, until, 10); err == nil && user != "" {
			uw, err := FailedUsers("x", since, until, 10)
			if err != nil {
				t.Fatal(err)
			}
			if k, w := mustShape(t, uq), mustShape(t, uw); !slices.Equal(k, w) {
				t.Fatalf("prefix %q changed the completion query's structure:\n%s", user, uq)
			}
		}
	})
}

// mustShape is shape's token kinds alone.
func mustShape(t *testing.T, q string) []string {
	t.Helper()
	k, _ := shape(t, q)
	return k
}

func TestQueryRefusals(t *testing.T) {
	for name, fn := range map[string]func() (string, error){
		"limit 0":       func() (string, error) { return Rows(Select{}, 0, nil) },
		"limit too big": func() (string, error) { return Rows(Select{}, MaxRows+1, nil) },
		"bad user":      func() (string, error) { return Rows(Select{Query: signin.Query{User: "a\nb"}}, 1, nil) },
		"bad type":      func() (string, error) { return Rows(Select{Query: signin.Query{Types: []signin.Type{"x"}}}, 1, nil) },
		"bad cursor id": func() (string, error) { return Rows(Select{}, 1, &Keyset{ID: "\x00"}) },
		"bad key":       func() (string, error) { return GroupTopQuery(Select{}, "Id", 3) },
		"no ips":        func() (string, error) { return SameIP(nil, since, until, 10) },
		"ip no types":   func() (string, error) { return SameIP([]signin.IPTarget{{IP: "1"}}, since, until, 10) },
		"bad id":        func() (string, error) { return ByID("\xff", nil) },
		"no subjects":   func() (string, error) { return FollowSuccesses(Subjects{}, 10) },
		"bad subject":   func() (string, error) { return FollowSuccesses(Subjects{Users: []string{"a\tb"}}, 10) },
		"bad prefix":    func() (string, error) { return FailedUsers("\x01", since, until, 10) },
		"users limit":   func() (string, error) { return FailedUsers("", since, until, 0) },
	} {
		if q, err := fn(); err == nil {
			t.Errorf("%s: no error, query:\n%s", name, q)
		}
	}
}

func TestTables(t *testing.T) {
	want := []string{"SigninLogs", "AADNonInteractiveUserSignInLogs", "AADServicePrincipalSignInLogs", "AADManagedIdentitySignInLogs"}
	for i, ty := range signin.AllTypes {
		if got, err := Table(ty); err != nil || got != want[i] {
			t.Errorf("Table(%s) = %s, %v; want %s", ty, got, err, want[i])
		}
	}
}

// TestColumnsSameEverywhere proves every row query projects the same columns
// in every leg, whatever table: each leg's project list is the one list.
func TestColumnsSameEverywhere(t *testing.T) {
	q, err := Rows(Select{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(q, "| project "+projection+", SignInType = "); n != len(signin.AllTypes) {
		t.Errorf("%d legs project the common columns, want %d:\n%s", n, len(signin.AllTypes), q)
	}
	cols := Columns()
	if cols[0] != "TimeGenerated" || cols[len(cols)-1] != SignInTypeColumn || !slices.Contains(cols, "ServicePrincipalCredentialKeyId") {
		t.Errorf("Columns() = %v", cols)
	}
}

func TestCeilTick(t *testing.T) {
	at := time.Date(2025, 1, 9, 8, 0, 0, 150, time.UTC)
	if got := ceilTick(at); !got.Equal(at.Add(50)) {
		t.Errorf("ceilTick(...150ns) = %v", got)
	}
	if got := ceilTick(since); !got.Equal(since) {
		t.Errorf("ceilTick(whole) = %v", got)
	}
}
