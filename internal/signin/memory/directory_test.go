package memory_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

var d0 = time.Date(2025, 1, 8, 12, 0, 0, 0, time.UTC)

func ev(id string, hoursAgo int, activity string, targets ...directory.Target) directory.Event {
	return directory.Event{ID: id, At: d0.Add(-time.Duration(hoursAgo) * time.Hour), Activity: activity, Targets: targets}
}

func ids(c directory.Context) []string {
	var out []string
	for _, e := range c.Events {
		out = append(out, e.ID)
	}
	return out
}

func TestStoreWithoutDirectory(t *testing.T) {
	s := memory.New("files", nil)
	c, err := s.Directory(context.Background(), directory.Query{UserID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != 0 || c.Account != nil || len(c.Coverage.Read) != 0 || len(c.Coverage.Notes) != 1 ||
		!strings.Contains(c.Coverage.Notes[0], "the files source holds no directory data") {
		t.Errorf("context %+v", c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Directory(ctx, directory.Query{}); err == nil {
		t.Error("no error after the context ended")
	}
}

func TestStoreDirectoryEvents(t *testing.T) {
	user := directory.Target{ID: "u1", Type: "User", Name: "rosa@contoso.com"}
	byUPN := directory.Target{Type: "User", Name: "Rosa@Contoso.com"} // the admin center CSV may lack the ID
	app := directory.Target{ID: "app-1", Type: "Application", Name: "Payroll"}
	sp := directory.Target{ID: "sp-1", Type: "ServicePrincipal", Name: "Payroll"}
	policy := directory.Target{ID: "pol-1", Type: "Policy", Name: "Require MFA"}
	other := directory.Target{ID: "u2", Type: "User", Name: "tom@contoso.com"}
	events := []directory.Event{
		ev("e-old", 24*10, "Reset password (by admin)", user), // before the window
		ev("e1", 5, "Reset password (by admin)", user),
		ev("e2", 3, "Disable account", byUPN),
		ev("e3", 4, "Update application – Certificates and secrets management", app),
		ev("e4", 2, "Remove service principal credentials", sp),
		ev("e5", 1, "Update conditional access policy", policy),
		ev("e6", 1, "Disable account", other),
		ev("e1", 5, "Reset password (by admin)", user), // a duplicate
		ev("e-late", -2, "Enable account", user),       // after the window
	}
	dir := directory.NewMemory(directory.Data{Events: events, Holds: []string{"audit events"}, Missing: files.NotInExports, Notes: []string{"audit export a.json"}})
	s := memory.New("files", nil, memory.WithDirectory(dir))
	window := directory.Query{Since: d0.Add(-directory.ChangesLookback), Until: d0}
	for _, tc := range []struct {
		name string
		q    directory.Query
		want []string
	}{
		{"user by ID and UPN", directory.Query{UserID: "u1", UPN: "rosa@contoso.com"}, []string{"e2", "e1"}},
		{"user by ID only", directory.Query{UserID: "u1"}, []string{"e1"}},
		{"user by UPN only", directory.Query{UPN: "ROSA@contoso.com"}, []string{"e2", "e1"}},
		{"app", directory.Query{AppID: "app-1"}, []string{"e3"}},
		{"service principal", directory.Query{ServicePrincipalID: "sp-1"}, []string{"e4"}},
		{"app and its service principal", directory.Query{AppID: "app-1", ServicePrincipalID: "sp-1"}, []string{"e4", "e3"}},
		{"policy", directory.Query{PolicyIDs: []string{"pol-1"}}, []string{"e5"}},
		{"all at once, newest first", directory.Query{UserID: "u1", AppID: "app-1", PolicyIDs: []string{"pol-1"}}, []string{"e5", "e3", "e1"}},
		{"nobody", directory.Query{UserID: "u9"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.Since, q.Until = window.Since, window.Until
			c, err := s.Directory(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(c); !slices.Equal(got, tc.want) {
				t.Errorf("events %v, want %v", got, tc.want)
			}
			if !slices.Equal(c.Coverage.Read, []string{"audit events"}) || !slices.Equal(c.Coverage.Notes, []string{files.NotInExports, "audit export a.json"}) {
				t.Errorf("coverage %+v", c.Coverage)
			}
		})
	}
	// Without a window, every event on the subject counts, once.
	c, _ := s.Directory(context.Background(), directory.Query{UserID: "u1"})
	if got := ids(c); !slices.Equal(got, []string{"e-late", "e1", "e-old"}) {
		t.Errorf("unbounded: %v", got)
	}
}

// TestFilesDirectory is the files source as run.go builds it: sign-ins and
// audit exports loaded together, the events answering directory queries.
func TestFilesDirectory(t *testing.T) {
	res, err := files.Load(context.Background(), []string{"../../../testdata/signins/graph-v1-page.json", "../../../testdata/audits/graph-directoryaudits-pages.json", "../../../testdata/audits/portal-audit-download.json"})
	if err != nil {
		t.Fatal(err)
	}
	s := memory.New("files", res.SignIns, memory.WithNotes(res.Notes()...), memory.WithDirectory(directory.NewMemory(res.Directory())))
	if s.Len() == 0 {
		t.Fatal("no sign-ins loaded beside the audit exports")
	}
	c, err := s.Directory(context.Background(), directory.Query{UserID: "22222222-2222-4222-8222-222222222222", Until: time.Date(2025, 1, 9, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range c.Events {
		acts = append(acts, e.Activity)
	}
	if !slices.Equal(acts, []string{"Update user", "Disable account"}) {
		t.Errorf("tom's events %q", acts)
	}
	if len(c.Coverage.Notes) != 3 || c.Coverage.Notes[0] != files.NotInExports || !strings.Contains(c.Coverage.Notes[1], "graph-directoryaudits-pages.json") {
		t.Errorf("notes %q", c.Coverage.Notes)
	}

	// Sign-ins alone: the note says how to add audit events.
	res, err = files.Load(context.Background(), []string{"../../../testdata/signins/graph-v1-page.json"})
	if err != nil {
		t.Fatal(err)
	}
	s = memory.New("files", res.SignIns, memory.WithDirectory(directory.NewMemory(res.Directory())))
	c, _ = s.Directory(context.Background(), directory.Query{UserID: "22222222-2222-4222-8222-222222222222"})
	if len(c.Events) != 0 || len(c.Coverage.Read) != 0 || !slices.Equal(c.Coverage.Notes, []string{files.NoAuditExport}) {
		t.Errorf("sign-ins alone: %+v", c)
	}
}
