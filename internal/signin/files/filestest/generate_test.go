package filestest_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
)

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	for _, f := range filestest.Formats {
		var a, b bytes.Buffer
		if err := filestest.Generate(&a, f, 300, 42); err != nil {
			t.Fatal(err)
		}
		if err := filestest.Generate(&b, f, 300, 42); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two runs with one seed differ", f)
		}
		p := filepath.Join(dir, "gen-"+string(f))
		if err := os.WriteFile(p, a.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := files.Load(context.Background(), []string{p})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if res.Files[0].Format != f || len(res.SignIns) != 300 {
			t.Errorf("%s: loaded %d as %s", f, len(res.SignIns), res.Files[0].Format)
		}
		types := map[signin.Type]int{}
		failed, withPolicies := 0, 0
		for _, s := range res.SignIns {
			types[s.Type]++
			if s.Failed() {
				failed++
			}
			if len(s.Policies) > 0 {
				withPolicies++
			}
		}
		// The admin center's user sign-in CSV has no column that tells a
		// service principal or a non-interactive sign-in apart.
		if types[signin.Interactive] == 0 || (f != files.FormatPortalCSV && types[signin.ServicePrincipal] == 0) || failed == 0 {
			t.Errorf("%s: types %v, %d failures: not a realistic mix", f, types, failed)
		}
		if f != files.FormatPortalCSV && withPolicies == 0 {
			t.Errorf("%s: no Conditional Access policies", f)
		}
	}
	if err := filestest.Generate(&bytes.Buffer{}, "xml", 1, 1); err == nil {
		t.Error("filestest.Generate(xml) succeeded, want an error")
	}
}
