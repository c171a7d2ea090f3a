package diagnosis_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
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
