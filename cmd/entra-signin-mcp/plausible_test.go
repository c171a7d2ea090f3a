package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// One record dated 9999 no longer moves the files source's "now": the
// recent failure is found by the default search, every printed time is
// RFC 3339, and coverage says a record was left out.
func TestFilesSourceLeavesOutRecordDated9999(t *testing.T) {
	recent := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	path := filepath.Join(t.TempDir(), "signins.jsonl")
	content := `{"id":"recent","createdDateTime":"` + recent + `","userPrincipalName":"rosa@contoso.com","status":{"errorCode":50126}}` + "\n" +
		`{"id":"far","createdDateTime":"9999-12-31T23:59:59Z","userPrincipalName":"rosa@contoso.com","status":{"errorCode":50126}}` + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCmd(t, nil, nil, "--source", "files", "--files", path, "call", "search_failed_signins", `{}`)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var res struct {
		Rows []struct {
			ID              string `json:"id"`
			CreatedDateTime string `json:"createdDateTime"`
		} `json:"signIns"`
		Coverage struct {
			Since string   `json:"since"`
			Until string   `json:"until"`
			Notes []string `json:"notes"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if len(res.Rows) != 1 || res.Rows[0].ID != "recent" {
		t.Errorf("rows = %+v, want the recent failure", res.Rows)
	}
	for _, ts := range []string{res.Coverage.Since, res.Coverage.Until} {
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			t.Errorf("coverage time %q is not RFC 3339: %v", ts, err)
		}
	}
	if !strings.Contains(strings.Join(res.Coverage.Notes, "\n"), "1 record dated outside 2014-01-01..") {
		t.Errorf("notes = %q, want one saying a record was left out", res.Coverage.Notes)
	}
	if !strings.Contains(stderr, "implausible dates left out") {
		t.Errorf("stderr does not log the left-out record:\n%s", stderr)
	}
}
