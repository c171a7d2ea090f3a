package lafake_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/lafake"
)

// A workspace of one failed sign-in, asked how many failures each table
// holds.
func Example() {
	srv := httptest.NewServer(lafake.New([]signin.SignIn{{
		ID: "9e1b8c1a-0000-4000-8000-000000000002", CreatedAt: time.Date(2025, 1, 9, 8, 30, 0, 0, time.UTC),
		Type: signin.Interactive, User: signin.User{UPN: "rosa@contoso.com"}, Status: signin.Status{ErrorCode: 50126},
	}}, lafake.WithToken("t")))
	defer srv.Close()

	body := `{"query":"union isfuzzy=true withsource=TableName SigninLogs, AADServicePrincipalSignInLogs | where ResultType != \"0\" | summarize N = count() by TableName","timespan":"2025-01-09T00:00:00Z/P1D"}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/workspaces/any/query", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer t")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode, string(b))
	// Output: 200 {"tables":[{"name":"PrimaryResult","columns":[{"name":"TableName","type":"string"},{"name":"N","type":"long"}],"rows":[["SigninLogs",1]]}]}
}
