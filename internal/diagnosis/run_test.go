package diagnosis_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// dirSource is a sign-in source that also reads the directory (a
// directory.Memory), recording the Queries it was given; requests and
// budget, when set, stand for a Graph source's.
type dirSource struct {
	*memory.Store
	dir              *directory.Memory
	err              error
	requests, budget int
	queries          []directory.Query
	cancel           context.CancelFunc
}

func (s *dirSource) Collect(ctx context.Context, c signin.Collect) (signin.Collection, error) {
	coll, err := s.Store.Collect(ctx, c)
	coll.Coverage.Requests, coll.Coverage.RequestBudget = s.requests, s.budget
	return coll, err
}

func (s *dirSource) Directory(ctx context.Context, q directory.Query) (directory.Context, error) {
	s.queries = append(s.queries, q)
	if s.cancel != nil {
		s.cancel()
		return directory.Context{}, ctx.Err()
	}
	if s.err != nil {
		return directory.Context{}, s.err
	}
	c, err := s.dir.Directory(ctx, q)
	c.Coverage.Requests = 3
	return c, err
}

// runData: rosa's account disabled at t0+60 after an audit event, a block
// by a policy at t0+90, and a workload's expired secret at t0+100.
func runData() ([]signin.SignIn, directory.Data) {
	recs := build("run", []ev{{0, 0, nil}, {60, 50057, nil}, {90, 53003, []func(*signin.SignIn){blockPolicy}},
		{100, 7000222, []func(*signin.SignIn){workload}}, {110, 7000222, []func(*signin.SignIn){workload}}})
	no := false
	data := directory.Data{
		Events:      []directory.Event{devent("dis", 30, "Disable account")},
		Accounts:    []directory.Account{{ID: "oid-rosa", UPN: "rosa@contoso.com", AccountEnabled: &no}},
		Policies:    []directory.Policy{{ID: "p-block", Name: "Block outside EU", GrantControls: []string{"block"}}},
		Credentials: map[string][]directory.Credential{"app-1": {{KeyID: "key-1", DisplayName: "old", End: t0}}},
		Holds:       []string{"audit events", "account state", "policies", "app credentials"},
	}
	return recs, data
}

func newDirSource(recs []signin.SignIn, data directory.Data) *dirSource {
	return &dirSource{Store: memory.New("test", recs), dir: directory.NewMemory(data)}
}

// TestRunReadsTheDirectory: Run asks a source that reads the directory for
// the subject's context after its sign-ins, with the Query the sign-ins
// give, and the diagnosis reads the answer.
func TestRunReadsTheDirectory(t *testing.T) {
	cat := mustCatalog(t)
	recs, data := runData()
	window := signin.Collect{Since: t0, Until: t0.Add(48 * time.Hour)}

	c := window
	c.User = "ROSA@contoso.com"
	src := newDirSource(recs, data)
	rep, err := diagnosis.Run(context.Background(), src, c, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.queries) != 1 {
		t.Fatalf("%d directory queries", len(src.queries))
	}
	q := src.queries[0]
	if q.UserID != "oid-rosa" || q.UPN != "rosa@contoso.com" || q.AppID != "" || q.ServicePrincipalID != "" ||
		!slices.Equal(q.PolicyIDs, []string{"p-block"}) || q.Budget != 0 ||
		!q.Since.Equal(t0.Add(60*time.Minute-directory.ChangesLookback)) || !q.Until.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("query = %+v", q)
	}
	if rep.Directory.Requests != 3 || !slices.Contains(rep.Directory.Read, "account state") {
		t.Errorf("directory coverage = %+v", rep.Directory)
	}
	r := rep.Result
	if r.AccountState == nil || r.AccountState.AccountEnabled == nil || *r.AccountState.AccountEnabled ||
		len(r.Changes) != 1 || r.Changes[0].Relevance != diagnosis.ScenarioAccountDisabled {
		t.Errorf("accountState %+v, changes %+v", r.AccountState, r.Changes)
	}
	if f := find(r, diagnosis.ScenarioAccountDisabled); f == nil || !strings.Contains(f.Summary, "It was disabled by") {
		t.Errorf("account-disabled = %+v", f)
	}
	if len(rep.Collection.SignIns) == 0 {
		t.Errorf("the collection is not returned")
	}

	// An app: its app ID and service principal, within the budget left.
	c = window
	c.App = "Payroll Sync"
	src = newDirSource(recs, data)
	src.requests, src.budget = 7, 20
	rep, err = diagnosis.Run(context.Background(), src, c, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.queries) != 1 {
		t.Fatalf("%d directory queries", len(src.queries))
	}
	q = src.queries[0]
	if q.AppID != "app-1" || q.ServicePrincipalID != "sp-1" || q.UserID != "" || q.UPN != "" || q.PolicyIDs != nil || q.Budget != 13 ||
		!q.Until.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("query = %+v", q)
	}
	if f := find(rep.Result, diagnosis.ScenarioAppSecretExpired); f == nil || !strings.Contains(f.Summary, "key ID key-1") || !strings.Contains(f.Summary, "No valid credential") {
		t.Errorf("app-secret-expired = %+v", f)
	}
}

// TestRunDirectoryOptional: the directory read never fails a diagnosis,
// and is not made when there is nothing to ask or no budget left.
func TestRunDirectoryOptional(t *testing.T) {
	cat := mustCatalog(t)
	recs, data := runData()
	c := signin.Collect{User: "rosa@contoso.com", Since: t0, Until: t0.Add(48 * time.Hour)}
	plain, err := diagnosis.Run(context.Background(), memory.New("test", recs), c, cat)
	if err != nil {
		t.Fatal(err)
	}
	// A store given no directory data answers with a note saying so.
	if plain.Directory.Requests != 0 || len(plain.Directory.Notes) != 1 || !strings.Contains(plain.Directory.Notes[0], "holds no directory data") ||
		len(plain.Result.Changes) != 0 || plain.Result.AccountState != nil {
		t.Errorf("a source with no directory: %+v, changes %+v", plain.Directory, plain.Result.Changes)
	}

	t.Run("an error is a note", func(t *testing.T) {
		src := newDirSource(recs, data)
		src.err = errors.New("directory unavailable")
		rep, err := diagnosis.Run(context.Background(), src, c, cat)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Directory.Notes) != 1 || !strings.Contains(rep.Directory.Notes[0], "directory unavailable") || !slices.Equal(scenarios(rep.Result), scenarios(plain.Result)) {
			t.Errorf("notes %v, findings %v", rep.Directory.Notes, scenarios(rep.Result))
		}
	})
	t.Run("no budget left", func(t *testing.T) {
		src := newDirSource(recs, data)
		src.requests, src.budget = 20, 20
		rep, err := diagnosis.Run(context.Background(), src, c, cat)
		if err != nil {
			t.Fatal(err)
		}
		if len(src.queries) != 0 || len(rep.Directory.Notes) != 1 || !strings.Contains(rep.Directory.Notes[0], "request budget") {
			t.Errorf("queries %+v, notes %v", src.queries, rep.Directory.Notes)
		}
	})
	t.Run("nothing to ask", func(t *testing.T) {
		for _, c := range []signin.Collect{
			{Since: t0, Until: t0.Add(48 * time.Hour)},                                              // a tenant
			{User: "rosa@contoso.com", Since: t0.Add(-2 * time.Hour), Until: t0.Add(time.Hour / 2)}, // no failure
		} {
			src := newDirSource(recs, data)
			if _, err := diagnosis.Run(context.Background(), src, c, cat); err != nil {
				t.Fatal(err)
			}
			if len(src.queries) != 0 {
				t.Errorf("%+v: queries %+v", c, src.queries)
			}
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		src := newDirSource(recs, data)
		src.cancel = cancel
		if _, err := diagnosis.Run(ctx, src, c, cat); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestRunProgress: the directory's progress continues the sign-ins'.
func TestRunProgress(t *testing.T) {
	cat := mustCatalog(t)
	recs, data := runData()
	var done []int
	c := signin.Collect{User: "rosa@contoso.com", Since: t0, Until: t0.Add(48 * time.Hour),
		Progress: func(d, _ int, _ string) { done = append(done, d) }}
	if _, err := diagnosis.Run(context.Background(), newDirSource(recs, data), c, cat); err != nil {
		t.Fatal(err)
	}
	if len(done) < 2 || !slices.IsSorted(done) || done[len(done)-1] <= done[len(done)-2] {
		t.Errorf("progress = %v", done)
	}
}
