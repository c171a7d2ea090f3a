package memory

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
)

// loadExport generates an export of n Graph sign-ins and loads it as the
// files source does (so that records share Policies slices as they do there).
func loadExport(b *testing.B, n int) []signin.SignIn {
	b.Helper()
	path := filepath.Join(b.TempDir(), "signins.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := filestest.Generate(f, files.FormatGraphJSONLines, n, 1); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	res, err := files.Load(context.Background(), []string{path})
	if err != nil {
		b.Fatal(err)
	}
	return res.SignIns
}

// BenchmarkNew measures indexing 100k loaded sign-ins with the sanitizing
// New and without it (index), so that the cost of cleaning every record at
// the domain boundary can be read as the difference.
func BenchmarkNew(b *testing.B) {
	recs := loadExport(b, 100_000)
	for _, c := range []struct {
		name string
		new  func(string, []signin.SignIn, ...Option) *Store
	}{{"sanitize", New}, {"index-only", index}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				in := slices.Clone(recs)
				b.StartTimer()
				c.new("bench", in)
			}
		})
	}
}

// BenchmarkSanitize measures sanitizing the same 100k records alone: with
// SanitizeAll as New does (shared policies cleaned once), and record by
// record.
func BenchmarkSanitize(b *testing.B) {
	recs := loadExport(b, 100_000)
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			signin.SanitizeAll(recs)
		}
	})
	b.Run("each", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range recs {
				recs[i].Sanitize()
			}
		}
	})
}

// BenchmarkCollect measures what a diagnosis asks of a store of a million
// sign-ins over the last 48 hours: one user (the newest with a wrong
// password), one app, one IP, and the whole tenant.
func BenchmarkCollect(b *testing.B) {
	s := New("bench", loadExport(b, 1_000_000))
	_, newest := s.Range()
	var subject *signin.SignIn
	for i := range s.recs {
		if r := &s.recs[i]; r.Status.ErrorCode == 50126 && r.User.UPN != "" {
			subject = r
			break
		}
	}
	if subject == nil {
		b.Fatal("the export holds no wrong password")
	}
	window := signin.Collect{Since: newest.Add(-48 * time.Hour), Until: newest.Add(time.Second)}
	for _, c := range []struct {
		name string
		mut  func(*signin.Collect)
	}{
		{"user", func(c *signin.Collect) { c.User = subject.User.UPN }},
		{"app", func(c *signin.Collect) { c.App = subject.App.Name }},
		{"ip", func(c *signin.Collect) { c.IPAddress = subject.IPAddress }},
		{"tenant", func(*signin.Collect) {}},
	} {
		q := window
		c.mut(&q)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var got signin.Collection
			for b.Loop() {
				var err error
				if got, err = s.Collect(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(got.SignIns)), "signins")
			b.ReportMetric(float64(len(got.SameIP)), "sameip")
		})
	}
}
