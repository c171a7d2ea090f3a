package lafake

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
)

// fixtureFiles are the sign-in exports of the repository's testdata: every
// shape the files source reads.
func fixtureFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"../../../../testdata/diagnosis/*.json", "../../../../testdata/signins/*"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 10 {
		t.Fatalf("found %d fixture files; is the testdata path right?", len(out))
	}
	// Generated exports: every type, many shapes of policy, device and step.
	dir := t.TempDir()
	for _, format := range []files.Format{files.FormatGraphJSONLines, files.FormatLogAnalyticsJSON, files.FormatPortalCSV} {
		path := filepath.Join(dir, "generated-"+string(format))
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := filestest.Generate(f, format, 400, 7); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		out = append(out, path)
	}
	return out
}

// load reads files with the files source.
func load(t *testing.T, paths ...string) []signin.SignIn {
	t.Helper()
	res, err := files.Load(context.Background(), paths, files.WithClock(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatalf("load %v: %v", paths, err)
	}
	return res.SignIns
}

// roundTrip writes sign-ins as the query API's tables and reads them back
// with the files source.
func roundTrip(t *testing.T, in []signin.SignIn) []signin.SignIn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tables.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteTables(f, in, "ws"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return load(t, path)
}

// TestRoundTrip: a sign-in written to its table and read back by the files
// source's Log Analytics reader keeps every field its table has a column
// for, and its ID, time and type; a SigninLogs row (which has nearly every
// column) keeps the whole sign-in but for the managed identity type, which
// no Log Analytics column holds, and the credential key ID, which only the
// service principal table has.
func TestRoundTrip(t *testing.T) {
	for _, path := range fixtureFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			res, err := files.Load(context.Background(), []string{path}, files.WithClock(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }))
			if err != nil || len(res.SignIns) == 0 {
				t.Skipf("not a sign-in export: %v", err)
			}
			in := res.SignIns
			out := roundTrip(t, in)
			if len(out) != len(in) {
				t.Fatalf("read back %d sign-ins of %d", len(out), len(in))
			}
			byID := map[string]*signin.SignIn{}
			for i := range out {
				byID[out[i].ID] = &out[i]
			}
			types := map[signin.Type]int{}
			for i := range in {
				s0 := &in[i]
				s1, ok := byID[s0.ID]
				if !ok {
					t.Fatalf("sign-in %s lost", s0.ID)
				}
				types[s0.Type]++
				if s1.Type != s0.Type || !s1.CreatedAt.Equal(s0.CreatedAt.Truncate(100*time.Nanosecond)) {
					t.Errorf("%s: type %s at %v, want %s at %v", s0.ID, s1.Type, s1.CreatedAt, s0.Type, s0.CreatedAt)
				}
				tb := tableOf[s0.Type]
				for _, c := range schemas[tb.name] {
					v0 := MarshalValue(cell(s0, tb.name, tb.category, "ws", c.Name))
					v1 := MarshalValue(cell(s1, tb.name, tb.category, "ws", c.Name))
					if !reflect.DeepEqual(v0, v1) {
						t.Errorf("%s (%s) column %s: read back %#v, want %#v", s0.ID, tb.name, c.Name, v1, v0)
					}
				}
				if s0.Type == signin.Interactive {
					want := normalize(*s0)
					want.ManagedIdentity, want.ServicePrincipalCredentialKeyID = "", ""
					if got := normalize(*s1); !reflect.DeepEqual(got, want) {
						t.Errorf("%s: read back\n%+v\nwant\n%+v", s0.ID, got, want)
					}
				}
			}
			t.Logf("%d sign-ins by type: %v", len(in), types)
		})
	}
}

// normalize makes empty and nil slices alike and times UTC at KQL's tick.
func normalize(s signin.SignIn) signin.SignIn {
	s.CreatedAt = s.CreatedAt.UTC().Truncate(100 * time.Nanosecond)
	if len(s.Policies) == 0 {
		s.Policies = nil
	} else {
		s.Policies = slices.Clone(s.Policies)
		for i := range s.Policies {
			if len(s.Policies[i].GrantControls) == 0 {
				s.Policies[i].GrantControls = nil
			}
			if len(s.Policies[i].SessionControls) == 0 {
				s.Policies[i].SessionControls = nil
			}
		}
	}
	if len(s.AuthDetails) == 0 {
		s.AuthDetails = nil
	} else {
		s.AuthDetails = slices.Clone(s.AuthDetails)
		for i := range s.AuthDetails {
			s.AuthDetails[i].At = s.AuthDetails[i].At.UTC()
		}
	}
	if len(s.Risk.EventTypes) == 0 {
		s.Risk.EventTypes = nil
	}
	return s
}

// TestSchemas: the column types the issue and the reference name.
func TestSchemas(t *testing.T) {
	typeOf := func(table, col string) string {
		c, _ := Schema(table)
		for _, x := range c {
			if x.Name == col {
				return x.Type
			}
		}
		return ""
	}
	for _, col := range []string{"Status", "LocationDetails", "DeviceDetail", "ConditionalAccessPolicies"} {
		if got := typeOf(TableInteractive, col); got != typeDynamic {
			t.Errorf("SigninLogs.%s is %q, want dynamic", col, got)
		}
		if got := typeOf(TableNonInteractive, col); got != typeString {
			t.Errorf("AADNonInteractiveUserSignInLogs.%s is %q, want string", col, got)
		}
	}
	for _, table := range []string{TableInteractive, TableNonInteractive, TableServicePrincipal, TableManagedIdentity} {
		if got := typeOf(table, "ResultType"); got != typeString {
			t.Errorf("%s.ResultType is %q, want string", table, got)
		}
		if got := typeOf(table, "TimeGenerated"); got != typeDateTime {
			t.Errorf("%s.TimeGenerated is %q, want datetime", table, got)
		}
		if got := typeOf(table, "AuthenticationDetails"); got != "" && got != typeString {
			t.Errorf("%s.AuthenticationDetails is %q, want string", table, got)
		}
		has := typeOf(table, "ServicePrincipalCredentialKeyId") != ""
		if has != (table == TableServicePrincipal || table == TableManagedIdentity) {
			t.Errorf("%s has ServicePrincipalCredentialKeyId: %v", table, has)
		}
	}
	if _, ok := Schema("AuditLogs"); ok {
		t.Error("Schema knows AuditLogs")
	}
	if !strings.EqualFold(TableInteractive, "signinlogs") {
		t.Error("table name")
	}
}
