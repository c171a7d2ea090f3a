package loganalytics

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs/fake"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

const (
	workspace = "11111111-2222-3333-4444-555555555555"
	second    = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	testToken = "la-test-token-not-a-secret"
)

var t0 = time.Date(2025, 1, 10, 8, 0, 0, 0, time.UTC)

// classify is the catalog's view of the codes the tests use.
func classify(code int) signin.Outcome {
	switch code {
	case 0:
		return signin.OutcomeSuccess
	case 50074, 50140:
		return signin.OutcomeInterrupt
	}
	return signin.OutcomeFailure
}

// answer is what a fake workspace answers one query: a table, a partial
// error, or an HTTP error.
type answer struct {
	table   azlogs.Table
	partial string // the JSON of a partial error
	status  int
	code    string
}

// fakeWorkspace answers queries through azlogs' fake server: the first
// route whose every substring the query holds answers; the queries are
// recorded.
type fakeWorkspace struct {
	mu      sync.Mutex
	routes  []route
	queries []azlogs.QueryBody
	waits   []int
}

type route struct {
	has    []string
	answer func(query string) answer
}

func (f *fakeWorkspace) on(answer func(string) answer, has ...string) {
	f.routes = append(f.routes, route{has: has, answer: answer})
}

func (f *fakeWorkspace) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, b := range f.queries {
		out = append(out, *b.Query)
	}
	return out
}

func (f *fakeWorkspace) server(t *testing.T) *fake.Server {
	return &fake.Server{QueryWorkspace: func(_ context.Context, id string, body azlogs.QueryBody, opts *azlogs.QueryWorkspaceOptions) (resp azfake.Responder[azlogs.QueryWorkspaceResponse], errResp azfake.ErrorResponder) {
		f.mu.Lock()
		f.queries = append(f.queries, body)
		if opts != nil && opts.Options != nil && opts.Options.Wait != nil {
			f.waits = append(f.waits, *opts.Options.Wait)
		}
		f.mu.Unlock()
		if id != workspace {
			errResp.SetResponseError(http.StatusNotFound, "WorkspaceNotFoundError")
			return
		}
		q := *body.Query
		for _, r := range f.routes {
			ok := true
			for _, h := range r.has {
				ok = ok && strings.Contains(q, h)
			}
			if !ok {
				continue
			}
			a := r.answer(q)
			if a.status != 0 {
				errResp.SetResponseError(a.status, a.code)
				return
			}
			res := azlogs.QueryWorkspaceResponse{QueryResults: azlogs.QueryResults{Tables: []azlogs.Table{a.table}}}
			if a.partial != "" {
				var e azlogs.ErrorInfo
				if err := e.UnmarshalJSON([]byte(a.partial)); err != nil {
					t.Fatal(err)
				}
				res.Error = &e
			}
			resp.SetResponse(http.StatusOK, res, nil)
			return
		}
		t.Errorf("no route for query:\n%s", q)
		errResp.SetResponseError(http.StatusBadRequest, "BadArgumentError")
		return
	}}
}

// newFakeSource is a source over the fake workspace.
func newFakeSource(t *testing.T, f *fakeWorkspace) *Source {
	t.Helper()
	cfg := Config{Workspaces: []string{workspace}, Auth: "token", Now: func() time.Time { return t0 },
		Getenv: func(k string) string {
			if k == TokenVariable {
				return testToken
			}
			return ""
		}}
	cfg.transport = fake.NewServerTransport(f.server(t))
	cfg.retryDelay = time.Millisecond
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// resultTable builds a result table.
func resultTable(cols []string, rows ...[]any) azlogs.Table {
	t := azlogs.Table{Name: ptr("PrimaryResult")}
	for _, c := range cols {
		t.Columns = append(t.Columns, azlogs.Column{Name: ptr(c)})
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, azlogs.Row(r))
	}
	return t
}

func ptr[T any](v T) *T { return &v }

// sr is a sign-in row: the row queries' columns, from the values given.
type sr map[string]any

// signInTable is a table of sign-in rows with every projected column.
func signInTable(rows ...sr) azlogs.Table {
	cols := kql.Columns()
	var out [][]any
	for _, r := range rows {
		vals := make([]any, len(cols))
		for i, c := range cols {
			vals[i] = r[c]
			if vals[i] == nil && c != "IsInteractive" && c != "CreatedDateTime" {
				vals[i] = ""
			}
		}
		out = append(out, vals)
	}
	return resultTable(cols, out...)
}

// at is a TimeGenerated value minutes after t0.
func at(min int) string { return t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339Nano) }

func fixed(a answer) func(string) answer { return func(string) answer { return a } }

func directoryQuery() directory.Query { return directory.Query{UPN: "rosa@contoso.com"} }
