package graphfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// signinsDir holds the shared sign-in fixtures (read-only here).
var signinsDir = filepath.Join("..", "..", "..", "..", "testdata", "signins")

// loadFixtures reads every Graph-shaped fixture with ReadRecords: JSON
// lines of beta sign-ins, and list-response pages (one JSON document after
// another).
func loadFixtures(t *testing.T) []json.RawMessage {
	t.Helper()
	var recs []json.RawMessage
	for _, name := range []string{"graph-beta.jsonl", "graph-beta-pages.json", "graph-v1-page.json"} {
		f, err := os.Open(filepath.Join(signinsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadRecords(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recs = append(recs, got...)
	}
	if len(recs) != 10 {
		t.Fatalf("loaded %d fixture sign-ins, want the 10 of testdata/signins", len(recs))
	}
	return recs
}

func TestReadRecords(t *testing.T) {
	in := `{"id":"a","createdDateTime":"2025-01-01T00:00:00Z"}
[{"id":"b","createdDateTime":"2025-01-01T00:00:00Z"},{"id":"c","createdDateTime":"2025-01-01T00:00:00Z"}]
{"@odata.context":"x","value":[{"id":"d","createdDateTime":"2025-01-01T00:00:00Z"}],"@odata.nextLink":"y"}
{"value":[]}`
	recs, err := ReadRecords(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		var m struct{ ID string }
		if err := json.Unmarshal(r, &m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	if !slices.Equal(ids, []string{"a", "b", "c", "d"}) {
		t.Errorf("read %v", ids)
	}
	for _, bad := range []string{`{"id":`, `42`, `"x"`} {
		if _, err := ReadRecords(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadRecords(%q): no error", bad)
		}
	}
}

func TestRealisticFixtures(t *testing.T) {
	recs := loadFixtures(t)
	_, ts := newTestServer(t, recs)
	const (
		mi     = "5e6f7a8b-9c0d-4e1f-8a2b-4c5d6e7f8a00"
		sam    = "6f7a8b9c-0d1e-4f2a-9b3c-5d6e7f8a9b00" // isInteractive false, no signInEventTypes
		adele  = "7a8b9c0d-1e2f-4a3b-8c4d-6e7f8a9b0c00" // 08:01:19.0000001
		rosa1  = "8b9c0d1e-2f3a-4b4c-9d5e-7f8a9b0c1d00"
		li     = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d00"
		liNI   = "3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e00"
		sp     = "4d5e6f7a-8b9c-4d0e-9f1a-3b4c5d6e7f00"
		rosa2  = "8d2c1f4a-5b7e-4c3d-9a1f-2e6b7c8d0100"
		samV1  = "a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c00"
		rosaOK = "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e000"
	)
	tests := []struct {
		v      Version
		filter string
		want   []string
	}{
		{V1, "", []string{rosa1, adele, li, rosaOK, rosa2, samV1}},
		{Beta, "", []string{rosa1, adele, li, rosaOK, rosa2, samV1}},
		{Beta, "signInEventTypes/any(t: t eq 'nonInteractiveUser')", []string{sam, liNI}},
		{Beta, "signInEventTypes/any(t: t eq 'servicePrincipal')", []string{sp}},
		{Beta, "signInEventTypes/any(t: t eq 'managedIdentity')", []string{mi}},
		{V1, "userPrincipalName eq 'Rosa.Alvarez@contoso.com' and status/errorCode ne 0", []string{rosa1, rosa2}},
		{V1, "status/errorCode eq 50105", []string{adele}},
		{V1, "createdDateTime ge 2025-01-11T08:01:19Z", []string{rosa1, adele}},
		{V1, "createdDateTime le 2025-01-11T08:01:19Z", []string{li, rosaOK, rosa2, samV1}}, // .0000001 after
		{V1, "createdDateTime ge 2025-01-09T02:00:00Z and createdDateTime le 2025-01-09T03:00:00Z", []string{rosaOK, rosa2}},
		{V1, "startswith(appDisplayName, 'microsoft')", []string{rosa1, li, rosa2}},
		{Beta, "signInEventTypes/any(t: t eq 'nonInteractiveUser') and startswith(appDisplayName, 'Microsoft')", []string{sam, liNI}},
		{V1, "conditionalAccessStatus eq 'failure'", []string{rosa2}},
		{V1, "correlationId eq 'C1E5A2B7-3D4F-4A8E-9B6C-7D8E9F0A1B22'", []string{rosa2}},
	}
	for _, tt := range tests {
		t.Run(string(tt.v)+" "+tt.filter, func(t *testing.T) {
			path := "/" + string(tt.v) + "/auditLogs/signIns?$top=4"
			if tt.filter != "" {
				path += "&$filter=" + url.QueryEscape(tt.filter)
			}
			got, _ := walk(t, ts, path)
			if !slices.Equal(got, tt.want) {
				t.Errorf("listed %v\nwant   %v", got, tt.want)
			}
		})
	}

	// beta GET gives back each record as stored (plus signInEventTypes when
	// it had none); v1.0 GET gives only v1.0 properties.
	for _, r := range recs {
		var want map[string]any
		if err := json.Unmarshal(r, &want); err != nil {
			t.Fatal(err)
		}
		id := want["id"].(string)
		a := get(t, ts, "/beta/auditLogs/signIns/"+id)
		if a.status != http.StatusOK {
			t.Fatalf("beta get %s: %d", id, a.status)
		}
		delete(a.body, "@odata.context")
		if _, ok := want["signInEventTypes"]; !ok {
			want["signInEventTypes"] = a.body["signInEventTypes"]
		}
		if !reflect.DeepEqual(a.body, want) {
			t.Errorf("beta get %s changed the record:\n got %v\nwant %v", id, a.body, want)
		}
		v1 := get(t, ts, "/v1.0/auditLogs/signIns/"+id)
		if v1.status == http.StatusNotFound {
			continue
		}
		for k := range v1.body {
			if k != "@odata.context" && lookupProp(signInProps, k, V1) == nil {
				t.Errorf("v1.0 get %s has property %s, not in v1.0", id, k)
			}
		}
	}
}
