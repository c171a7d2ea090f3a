package diagnosis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// BenchmarkDiagnoseDirectory: what the directory's side costs a diagnosis
// of a few failures, with none, and with a busy account's 1,000 audit
// events (most of them edits that do not matter); result-bytes is the
// Result as compact JSON.
func BenchmarkDiagnoseDirectory(b *testing.B) {
	subj, events := rankingInput()
	for i := range 1000 {
		activity := "Update user"
		if i%10 == 0 {
			activity = "Reset user password"
		}
		events = append(events, devent(fmt.Sprintf("busy-%04d", i), 110-i*5, activity, directory.Property{Name: "DisplayName", Old: "a", New: "b"}))
	}
	for _, tc := range []struct {
		name string
		dir  *directory.Context
	}{
		{"none", nil},
		{"events=1009", &directory.Context{Events: events, Account: &directory.Account{ID: "oid-rosa"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			t := &testing.T{}
			r := diagnoseDir(t, rosa, subj, tc.dir)
			out, _ := json.Marshal(r)
			b.ReportAllocs()
			for b.Loop() {
				diagnoseDir(t, rosa, subj, tc.dir)
			}
			b.ReportMetric(float64(len(out)), "result-bytes")
			b.ReportMetric(float64(len(r.Changes)), "changes")
		})
	}
}

// million is a store of a million generated sign-ins (the files source's
// memory store), built once per test binary: generating and loading it
// takes a minute.
var million = sync.OnceValues(func() (*memory.Store, error) {
	res, err := filestest.Loaded(files.FormatGraphJSONLines, 1_000_000, 1)
	if err != nil {
		return nil, err
	}
	return memory.New("bench", res.SignIns), nil
})

// BenchmarkRunMillion measures diagnose_signin_failures over a million
// sign-ins through the memory source, with the tool's default window (48
// hours): one user (the newest with a wrong password; target 20 ms) and
// the tenant triage (target 500 ms, issue 13).
func BenchmarkRunMillion(b *testing.B) {
	s, err := million()
	if err != nil {
		b.Fatal(err)
	}
	cat := mustCatalog(b)
	_, newest := s.Range()
	window := signin.Collect{Since: newest.Add(-48 * time.Hour), Until: newest.Add(time.Second)}
	page, err := s.Search(context.Background(), signin.Query{Since: window.Since, Until: window.Until, Limit: 1, ErrorCode: ptr(50126), Classify: diagnosis.Classifier(cat)})
	if err != nil || len(page.Rows) == 0 {
		b.Fatalf("no wrong password to diagnose: %v", err)
	}
	user := page.Rows[0].User.UPN
	for _, c := range []struct {
		name string
		mut  func(*signin.Collect)
	}{
		{"user", func(c *signin.Collect) { c.User = user }},
		{"tenant", func(c *signin.Collect) { c.LeaveOut = cat.InterruptCodes() }},
	} {
		q := window
		c.mut(&q)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var rep diagnosis.Report
			for b.Loop() {
				if rep, err = diagnosis.Run(context.Background(), s, q, cat); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rep.Collection.SignIns)), "signins")
			b.ReportMetric(float64(len(rep.Result.Findings)), "findings")
		})
	}
}

func ptr[T any](v T) *T { return &v }
