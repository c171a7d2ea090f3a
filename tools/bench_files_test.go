package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

// The search benchmarks answer the same three questions over the same
// generated 100,000-sign-in Graph JSON export, three ways: the indexed store
// alone, a full tools/call through the MCP server, and jq over the file (what
// an admin would otherwise run). Compare them with benchstat.

const exportRows = 100_000

var export struct {
	once  sync.Once
	dir   string
	path  string
	store *memory.Store
	user  string
	err   error
}

// loadExport generates the export once per test binary and loads it.
func loadExport(b *testing.B) (*memory.Store, string, string) {
	b.Helper()
	export.once.Do(func() {
		export.dir, export.err = os.MkdirTemp("", "entra-signin-bench")
		if export.err != nil {
			return
		}
		export.path = filepath.Join(export.dir, "signins.json")
		f, err := os.Create(export.path)
		if err != nil {
			export.err = err
			return
		}
		if err := filestest.Generate(f, files.FormatGraphJSON, exportRows, 1); err != nil {
			export.err = err
			return
		}
		if export.err = f.Close(); export.err != nil {
			return
		}
		res, err := files.Load(context.Background(), []string{export.path})
		if err != nil {
			export.err = err
			return
		}
		export.store = memory.New("files", res.SignIns)
		// The user with the most failures makes the user query a real one.
		users, _ := export.store.FailedUsers(context.Background(), "", 0)
		best := 0
		for _, u := range users {
			p, _ := export.store.Search(context.Background(), signin.Query{User: u, Since: time.Time{}, Until: time.Now().Add(24 * time.Hour), Limit: 1, Classify: diagnosis.Classifier(mustCatalog(b))})
			if p.Coverage.Matched > best {
				best, export.user = p.Coverage.Matched, u
			}
			if best > 20 {
				break
			}
		}
	})
	if export.err != nil {
		b.Fatal(export.err)
	}
	return export.store, export.path, export.user
}

func mustCatalog(b testing.TB) *catalog.Catalog {
	cat, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	return cat
}

// benchQueries are the three questions, as tool arguments and as jq filters.
// The jq filters count what the tool matches: failures (not interrupts) in
// the window, so the two answers can be checked against each other.
func benchQueries(now time.Time, user string, cat *catalog.Catalog) []struct {
	name, args, jq string
	since          time.Duration
} {
	var interrupts []string
	for _, e := range cat.Entries() {
		if e.Outcome == catalog.OutcomeInterrupt {
			interrupts = append(interrupts, strconv.Itoa(e.Code))
		}
	}
	failure := fmt.Sprintf(`.status.errorCode != 0 and (.status.errorCode | IN(%s) | not)`, strings.Join(interrupts, ","))
	week, hour := 7*24*time.Hour, time.Hour
	at := func(d time.Duration) string { return now.Add(-d).UTC().Format("2006-01-02T15:04:05") }
	return []struct {
		name, args, jq string
		since          time.Duration
	}{
		{"user", fmt.Sprintf(`{"user":%q,"since":"7d"}`, user),
			fmt.Sprintf(`[inputs | .value[] | select(.userPrincipalName == %q and %s and .createdDateTime >= %q)] | length`, user, failure, at(week)), week},
		{"errorCode", `{"errorCode":50126,"since":"7d"}`,
			fmt.Sprintf(`[inputs | .value[] | select(.status.errorCode == 50126 and .createdDateTime >= %q)] | length`, at(week)), week},
		{"window", `{"since":"1h"}`,
			fmt.Sprintf(`[inputs | .value[] | select(%s and .createdDateTime >= %q)] | length`, failure, at(hour)), hour},
	}
}

func BenchmarkSearch100k(b *testing.B) {
	store, path, user := loadExport(b)
	now, _ := store.Now(context.Background())
	cat := mustCatalog(b)
	c := connectSource(b, store)
	for _, q := range benchQueries(now, user, cat) {
		var args tools.SearchFailedSigninsArgs
		if err := json.Unmarshal([]byte(q.args), &args); err != nil {
			b.Fatal(err)
		}
		sq := signin.Query{User: args.User, ErrorCode: args.ErrorCode, Since: now.Add(-q.since), Until: now.Add(time.Second), Limit: 25, Classify: diagnosis.Classifier(cat)}
		want, err := store.Search(context.Background(), sq)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("store/"+q.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := store.Search(context.Background(), sq); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("tool/"+q.name, func(b *testing.B) {
			req := mcp.CallToolRequest{}
			req.Params.Name = tools.SearchFailedSigninsName
			req.Params.Arguments = json.RawMessage(q.args)
			for b.Loop() {
				res, err := c.CallTool(context.Background(), req)
				if err != nil || res.IsError {
					b.Fatal(err, res)
				}
			}
		})
		b.Run("jq/"+q.name, func(b *testing.B) {
			jq, err := exec.LookPath("jq")
			if err != nil {
				b.Skip("jq is not installed: nothing to compare with")
			}
			for b.Loop() {
				out, err := exec.Command(jq, "-n", q.jq, path).Output()
				if err != nil {
					b.Fatal(err)
				}
				n, err := strconv.Atoi(strings.TrimSpace(string(out)))
				if err != nil {
					b.Fatalf("jq printed %q", out)
				}
				// Both must answer the same question.
				if n != want.Coverage.Matched {
					b.Fatalf("jq counts %d, the store %d: the filters differ", n, want.Coverage.Matched)
				}
			}
		})
	}
}

// TestMain removes the generated export after the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if export.dir != "" {
		os.RemoveAll(export.dir)
	}
	os.Exit(code)
}

// BenchmarkDiagnose100k measures a full tools/call of
// diagnose_signin_failures over the 100,000-row export, for one user and for
// the tenant, beside jq gathering the same user's sign-ins of the window
// (failures and successes) from the file: what an admin would otherwise do
// before reasoning over them, which the tool also does.
func BenchmarkDiagnose100k(b *testing.B) {
	store, path, user := loadExport(b)
	now, _ := store.Now(context.Background())
	c := connectSource(b, store)
	since := now.Add(-48 * time.Hour).UTC().Format("2006-01-02T15:04:05")
	for _, q := range []struct{ name, args string }{{"tool/user", fmt.Sprintf(`{"user":%q}`, user)}, {"tool/tenant", `{}`}} {
		b.Run(q.name, func(b *testing.B) {
			req := mcp.CallToolRequest{}
			req.Params.Name = tools.DiagnoseSigninFailuresName
			req.Params.Arguments = json.RawMessage(q.args)
			size := 0
			for b.Loop() {
				res, err := c.CallTool(context.Background(), req)
				if err != nil || res.IsError {
					b.Fatal(err, res)
				}
				out, _ := json.Marshal(res)
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/answer")
		})
	}
	b.Run("jq/user", func(b *testing.B) {
		jq, err := exec.LookPath("jq")
		if err != nil {
			b.Skip("jq is not installed: nothing to compare with")
		}
		filter := fmt.Sprintf(`[inputs | .value[] | select(.userPrincipalName == %q and .createdDateTime >= %q)] | length`, user, since)
		for b.Loop() {
			if _, err := exec.Command(jq, "-n", filter, path).Output(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
