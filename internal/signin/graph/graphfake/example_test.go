package graphfake_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfake"
)

// A test serves the fake with httptest and points the Graph client at
// ts.URL (the service root: the client appends /v1.0 or /beta).
func Example() {
	recs := []json.RawMessage{
		json.RawMessage(`{"id":"1","createdDateTime":"2025-01-09T10:00:00Z","userPrincipalName":"rosa@contoso.com","status":{"errorCode":50126}}`),
		json.RawMessage(`{"id":"2","createdDateTime":"2025-01-09T11:00:00Z","userPrincipalName":"rosa@contoso.com","status":{"errorCode":0}}`),
	}
	fake := graphfake.New(recs, graphfake.WithToken("test-token"), graphfake.WithThrottle(1, 0))
	ts := httptest.NewServer(fake)
	defer ts.Close()

	filter := "userPrincipalName eq " + graphfake.Quote("Rosa@contoso.com") + " and status/errorCode ne 0"
	for range 2 { // the first answer is a 429
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1.0/auditLogs/signIns?$filter="+url.QueryEscape(filter), nil)
		req.Header.Set("Authorization", "Bearer test-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var page struct{ Value []struct{ ID string } }
		_ = json.Unmarshal(body, &page)
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), len(page.Value))
	}
	for _, r := range fake.Requests() {
		fmt.Println(r.Status, r.Query.Get("$filter"))
	}
	// Output:
	// 429 0 0
	// 200  1
	// 429 userPrincipalName eq 'Rosa@contoso.com' and status/errorCode ne 0
	// 200 userPrincipalName eq 'Rosa@contoso.com' and status/errorCode ne 0
}
