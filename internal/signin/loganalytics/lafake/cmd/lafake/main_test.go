package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
)

const workspace = "33333333-3333-4333-8333-333333333333"

func TestRunRefuses(t *testing.T) {
	for _, args := range [][]string{
		{"-addr", "0.0.0.0:0"},
		{"-addr", "example.com:80"},
		{"stray"},
		{"-data", filepath.Join(t.TempDir(), "none.json")},
	} {
		err := run(context.Background(), args, func(string) string { return "" }, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// TestRunServesData runs the command in process over a fixture export,
// with the token from the environment, and stops it with its context.
func TestRunServesData(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-data", "../../../../../../testdata/signins/loganalytics-signins.json", "-workspace", workspace},
			func(k string) string {
				if k == "LOGANALYTICS_ACCESS_TOKEN" {
					return "env-token"
				}
				return ""
			}, pw, io.Discard)
	}()
	url, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url = strings.TrimSpace(url)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("printed %q", url)
	}
	for _, c := range []struct {
		token  string
		status int
	}{{"", 401}, {"env-token", 200}} {
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/workspaces/"+workspace+"/query", strings.NewReader(`{"query":"SigninLogs | summarize N = count()"}`))
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("token %q: %d, want %d", c.token, res.StatusCode, c.status)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestBinary builds the command, starts it over generated sign-ins with
// TLS, queries it through azlogs and reads its query log.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lafake")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cert, logPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "queries.jsonl")
	cmd := exec.Command(bin, "-n", "300", "-token", "T", "-workspace", workspace, "-log", logPath, "-tls", cert)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url = strings.TrimSpace(url)
	pem, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in the -tls file")
	}
	client, err := azlogs.NewClient(staticToken("T"), &azlogs.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azlogs.ServiceName: {Audience: "https://api.loganalytics.io", Endpoint: url},
		}},
		Transport: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	q := "union isfuzzy=true withsource=TableName SigninLogs, AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs | summarize Rows = count() by TableName"
	ts := azlogs.TimeInterval("P1D")
	resp, err := client.QueryWorkspace(context.Background(), workspace, azlogs.QueryBody{Query: &q, Timespan: &ts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, r := range resp.Tables[0].Rows {
		total += r[1].(float64)
	}
	if total == 0 || total > 300 {
		t.Errorf("%v sign-ins in the last day of 300 generated with the newest now", total)
	}
	// The log line is written after the answer: wait for it.
	var line map[string]any
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(logPath); err == nil && len(b) > 0 {
			if err := json.Unmarshal(b, &line); err != nil {
				t.Fatalf("log %q: %v", b, err)
			}
			break
		}
	}
	if line["query"] != q || line["status"].(float64) != 200 || line["timespan"] != "P1D" {
		t.Errorf("log line %v", line)
	}
}
