package diagnosis_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/diagnosis"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

var now = time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)

func mustCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func si(id string, at time.Time, code int, corr string) signin.SignIn {
	return signin.SignIn{
		ID: id, CorrelationID: corr, CreatedAt: at, Type: signin.Interactive, TenantID: "tenant-1",
		User:   signin.User{ID: "oid-rosa", UPN: "rosa.diaz@contoso.com"},
		App:    signin.App{ID: "app-1", Name: "Contoso Payroll"},
		Status: signin.Status{ErrorCode: code},
	}
}

// flows holds: a flow whose last failure is followed by an interrupt and a
// success (the failure must be opened), a flow of interrupts and a success
// (the success is opened), and a lone failure without correlation ID.
func flows() *memory.Store {
	return memory.New("test", []signin.SignIn{
		si("a-1", now.Add(-5*time.Minute), 50126, "corr-a"),
		si("a-2", now.Add(-4*time.Minute), 53003, "corr-a"),
		si("a-3", now.Add(-3*time.Minute), 50074, "corr-a"),
		si("a-4", now.Add(-2*time.Minute), 0, "corr-a"),
		si("m-1", now.Add(-time.Hour), 50074, "corr-m"),
		si("m-2", now.Add(-time.Hour+time.Second), 0, "corr-m"),
		si("lone", now, 50126, ""),
	})
}

func ids(ss []signin.SignIn) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func TestClassifier(t *testing.T) {
	classify := diagnosis.Classifier(mustCatalog(t))
	for code, want := range map[int]signin.Outcome{
		0:        signin.OutcomeSuccess,
		50126:    signin.OutcomeFailure,
		50074:    signin.OutcomeInterrupt,
		50058:    signin.OutcomeInterrupt,
		90025:    signin.OutcomeTransient,
		99999999: signin.OutcomeFailure, // unknown: a failure until the catalog says otherwise
	} {
		if got := classify(code); got != want {
			t.Errorf("classify(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	src := flows()
	classify := diagnosis.Classifier(mustCatalog(t))
	cases := []struct {
		name, id, corr string
		want           string
		related        []string
	}{
		{"by id, flow around it", "a-2", "", "a-2", []string{"a-1", "a-3", "a-4"}},
		{"by id, any case and spaces", "  A-2 ", "", "a-2", []string{"a-1", "a-3", "a-4"}},
		{"by correlation: last failure that is not an interrupt", "", "corr-a", "a-2", []string{"a-1", "a-3", "a-4"}},
		{"by correlation, only interrupts failed: the last sign-in", "", "CORR-M", "m-2", []string{"m-1"}},
		{"no correlation ID: no related", "lone", "", "lone", []string{}},
	}
	for _, tc := range cases {
		s, related, err := diagnosis.Lookup(ctx, src, tc.id, tc.corr, classify)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if s.ID != tc.want || !slices.Equal(ids(related), tc.related) || related == nil {
			t.Errorf("%s: opened %s related %v, want %s related %v", tc.name, s.ID, ids(related), tc.want, tc.related)
		}
	}
}

func TestLookupErrors(t *testing.T) {
	ctx := context.Background()
	classify := diagnosis.Classifier(mustCatalog(t))
	long := strings.Repeat("a", 257)
	for _, tc := range []struct {
		name, id, corr string
		is             error
		mention        string
	}{
		{"neither", " ", "", diagnosis.ErrArgs, "exactly one"},
		{"both", "a-1", "corr-a", diagnosis.ErrArgs, "both id and correlationId"},
		{"long id", long, "", diagnosis.ErrArgs, "longer than 256"},
		{"long correlation", "", long, diagnosis.ErrArgs, "longer than 256"},
		{"unknown id", "no-such-id", "", signin.ErrNotFound, "search_failed_signins"},
		{"unknown correlation", "", "nope", signin.ErrNotFound, `no sign-in with correlation ID "nope" in the test source`},
	} {
		_, _, err := diagnosis.Lookup(ctx, flows(), tc.id, tc.corr, classify)
		if !errors.Is(err, tc.is) || !strings.Contains(fmt.Sprint(err), tc.mention) {
			t.Errorf("%s: error %v, want %v mentioning %q", tc.name, err, tc.is, tc.mention)
		}
	}
	// A 256-character identifier is still looked up (and not found).
	if _, _, err := diagnosis.Lookup(ctx, flows(), long[:256], "", classify); errors.Is(err, diagnosis.ErrArgs) || !errors.Is(err, signin.ErrNotFound) {
		t.Errorf("256 characters: %v", err)
	}
	// A source that fails is neither an argument error nor not-found.
	boom := errors.New("graph said 503")
	_, _, err := diagnosis.Lookup(ctx, signin.Unavailable{SourceName: "graph", Err: boom}, "x", "", classify)
	if !errors.Is(err, boom) || errors.Is(err, diagnosis.ErrArgs) || errors.Is(err, signin.ErrNotFound) {
		t.Errorf("unavailable source: %v", err)
	}
}
