package memory

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
)

// loadExport generates an export of n Graph sign-ins and loads it as the
// files source does (so that records share Policies slices as they do there).
func loadExport(b *testing.B, n int) []signin.SignIn {
	b.Helper()
	res, err := filestest.Loaded(files.FormatGraphJSONLines, n, 1)
	if err != nil {
		b.Fatal(err)
	}
	return res.SignIns
}

// million is the store of a million sign-ins the 1M benchmarks share: it
// takes a minute to generate and load, once per test binary.
var million = sync.OnceValues(func() (*Store, error) {
	res, err := filestest.Loaded(files.FormatGraphJSONLines, 1_000_000, 1)
	if err != nil {
		return nil, err
	}
	return New("bench", res.SignIns), nil
})

func millionStore(b *testing.B) *Store {
	b.Helper()
	s, err := million()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchClassify is the catalog's classification, as the tools use it.
func benchClassify(b *testing.B) signin.Classifier {
	cat, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	return func(code int) signin.Outcome {
		if code == 0 {
			return signin.OutcomeSuccess
		}
		if e, ok := cat.Lookup(code); ok {
			return signin.Outcome(e.Outcome)
		}
		return signin.OutcomeFailure
	}
}

// BenchmarkSearch measures search_failed_signins over a million sign-ins
// with its default window (the last 24 hours) and limit (25): the whole
// tenant, one user (the newest with a wrong password), one app, one error
// code, and the tenant over seven days. Target: 5 ms (issue 13).
func BenchmarkSearch(b *testing.B) {
	s := millionStore(b)
	classify := benchClassify(b)
	_, newest := s.Range()
	subject := wrongPassword(b, s)
	code := 50126
	day := signin.Query{Since: newest.Add(-24 * time.Hour), Until: newest.Add(time.Second), Limit: 25, Classify: classify}
	for _, c := range []struct {
		name string
		mut  func(*signin.Query)
	}{
		{"tenant", func(*signin.Query) {}},
		{"user", func(q *signin.Query) { q.User = subject.User.UPN }},
		{"app", func(q *signin.Query) { q.App = subject.App.Name }},
		{"code", func(q *signin.Query) { q.ErrorCode = &code }},
		{"tenant-7d", func(q *signin.Query) { q.Since = newest.Add(-7 * 24 * time.Hour) }},
	} {
		q := day
		c.mut(&q)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var p signin.Page
			for b.Loop() {
				var err error
				if p, err = s.Search(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Coverage.Matched), "matched")
			b.ReportMetric(float64(p.Coverage.Scanned), "scanned")
		})
	}
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
	s := millionStore(b)
	_, newest := s.Range()
	subject := wrongPassword(b, s)
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

// wrongPassword returns the newest sign-in of the store that failed with a
// wrong password for a named user: the subject of the 1M benchmarks.
func wrongPassword(b *testing.B, s *Store) *signin.SignIn {
	b.Helper()
	for i := range s.recs {
		if r := &s.recs[i]; r.Status.ErrorCode == 50126 && r.User.UPN != "" {
			return r
		}
	}
	b.Fatal("the export holds no wrong password")
	return nil
}
