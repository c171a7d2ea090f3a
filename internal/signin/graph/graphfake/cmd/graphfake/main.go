// Command graphfake serves the fake of Microsoft Graph's sign-in API on a
// loopback address, with generated sign-ins whose newest is now, for
// end-to-end runs of the built server (--source graph --graph-url URL
// --auth token), and, with -directory, the directory endpoints a diagnosis
// reads (-deny answers one of them 403). It prints the URL on stdout, then
// serves until killed.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	n := flag.Int("n", 2000, "sign-ins to generate")
	token := flag.String("token", "", "bearer token to require (default: GRAPH_ACCESS_TOKEN)")
	dir := flag.String("directory", "", "JSON file of directory objects to serve (graphfake.Directory: directoryAudits, users, policies, userRegistrationDetails, servicePrincipals, applications)")
	var denied deniedFlag
	flag.Var(&denied, "deny", "endpoint to answer 403, as ENDPOINT or ENDPOINT=CODE (directoryAudits, users, policies, userRegistrationDetails, servicePrincipals, applications, signIns); repeatable")
	flag.Parse()
	if err := run(*addr, *n, *token, *dir, denied); err != nil {
		fmt.Fprintln(os.Stderr, "graphfake:", err)
		os.Exit(1)
	}
}

// deniedFlag collects -deny values.
type deniedFlag []string

func (d *deniedFlag) String() string     { return strings.Join(*d, ",") }
func (d *deniedFlag) Set(v string) error { *d = append(*d, v); return nil }

func run(addr string, n int, token, dirFile string, denied []string) error {
	if token == "" {
		token = os.Getenv("GRAPH_ACCESS_TOKEN")
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("-addr %q: want a loopback address such as 127.0.0.1:0", addr)
	}
	records, err := generate(n)
	if err != nil {
		return err
	}
	var opts []graphfake.Option
	if token != "" {
		opts = append(opts, graphfake.WithToken(token))
	}
	if dirFile != "" {
		b, err := os.ReadFile(dirFile)
		if err != nil {
			return err
		}
		var d graphfake.Directory
		if err := json.Unmarshal(b, &d); err != nil {
			return fmt.Errorf("-directory %s: %w", dirFile, err)
		}
		opts = append(opts, graphfake.WithDirectory(d))
	}
	for _, d := range denied {
		endpoint, code, _ := strings.Cut(d, "=")
		switch e := graphfake.Endpoint(endpoint); e {
		case graphfake.EndpointSignIns, graphfake.EndpointAudits, graphfake.EndpointUsers, graphfake.EndpointPolicies,
			graphfake.EndpointRegistrations, graphfake.EndpointServicePrincipals, graphfake.EndpointApplications:
			opts = append(opts, graphfake.WithDenied(e, code))
		default:
			return fmt.Errorf("-deny %s: unknown endpoint %q", d, endpoint)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", ln.Addr())
	srv := &http.Server{Handler: graphfake.New(records, opts...), ReadHeaderTimeout: 5 * time.Second}
	return srv.Serve(ln)
}

// generate makes n Graph sign-ins and shifts them so that the newest is now.
func generate(n int) ([]json.RawMessage, error) {
	var buf bytes.Buffer
	if err := filestest.Generate(&buf, files.FormatGraphJSONLines, n, 11); err != nil {
		return nil, err
	}
	var objs []map[string]any
	var newest time.Time
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var o map[string]any
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			return nil, err
		}
		t, err := time.Parse(time.RFC3339Nano, o["createdDateTime"].(string))
		if err != nil {
			return nil, err
		}
		if t.After(newest) {
			newest = t
		}
		objs = append(objs, o)
	}
	shift := time.Now().UTC().Sub(newest)
	out := make([]json.RawMessage, 0, len(objs))
	for _, o := range objs {
		t, _ := time.Parse(time.RFC3339Nano, o["createdDateTime"].(string))
		o["createdDateTime"] = t.Add(shift).UTC().Format(time.RFC3339Nano)
		b, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
