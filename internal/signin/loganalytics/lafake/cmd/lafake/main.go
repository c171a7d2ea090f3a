// Command lafake serves the fake of the Log Analytics query endpoint
// (package lafake) on a loopback address, over sign-ins read from exports
// (-data, any shape the files source reads) or generated (-n, newest now),
// for end-to-end runs of the built server (--source loganalytics
// --loganalytics-url URL --auth token). It prints the base URL on stdout,
// then serves until killed.
//
// azlogs sends its bearer token only over HTTPS: with -tls the fake serves
// HTTPS with a self-signed certificate for 127.0.0.1 and localhost, written
// as PEM to the -tls file, which a client trusts through SSL_CERT_FILE.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/lafake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "lafake:", err)
		os.Exit(1)
	}
}

// run parses args, loads or generates the sign-ins, prints the base URL on
// stdout and serves until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lafake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	data := fs.String("data", "", "sign-in exports to serve, comma-separated (any shape the files source reads); default: generated (-n)")
	n := fs.Int("n", 2000, "sign-ins to generate when -data is not given, the newest now")
	token := fs.String("token", "", "bearer token to require (default: LOGANALYTICS_ACCESS_TOKEN; none: any or no token)")
	workspace := fs.String("workspace", "", "workspace IDs the fake knows, comma-separated, the sign-ins in the first (default: any ID)")
	logFile := fs.String("log", "", "file to append a JSON line per query to")
	rowLimit := fs.Int("row-limit", lafake.DefaultRowLimit, "rows per answer before it is cut with a PartialError")
	sizeLimit := fs.Int("size-limit", lafake.DefaultSizeLimit, "bytes of rows per answer before it is cut with a PartialError")
	throttle := fs.Int("throttle", 0, "answer the first N queries 429")
	retryAfter := fs.Duration("retry-after", time.Second, "Retry-After of the -throttle answers")
	deny := fs.Int("deny", 0, "answer every query with this status (403: no Log Analytics Reader role; 404: workspace not found)")
	missing := fs.String("missing-tables", "", "tables the workspace lacks, comma-separated")
	tlsFile := fs.String("tls", "", "serve HTTPS with a self-signed certificate for 127.0.0.1, written as PEM to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *token == "" {
		*token = getenv("LOGANALYTICS_ACCESS_TOKEN")
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: want a loopback address such as 127.0.0.1:0", *addr)
	}
	signins, err := signIns(ctx, *data, *n)
	if err != nil {
		return err
	}
	opts := []lafake.Option{lafake.WithRowLimit(*rowLimit), lafake.WithSizeLimit(*sizeLimit), lafake.WithThrottle(*throttle, *retryAfter), lafake.WithDeny(*deny)}
	if *token != "" {
		opts = append(opts, lafake.WithToken(*token))
	}
	if ids := split(*workspace); len(ids) > 0 {
		opts = append(opts, lafake.WithWorkspace(ids...))
	}
	if m := split(*missing); len(m) > 0 {
		opts = append(opts, lafake.WithMissingTables(m...))
	}
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("-log: %w", err)
		}
		defer f.Close()
		opts = append(opts, lafake.WithLog(f))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if *tlsFile != "" {
		cfg, err := selfSigned(*tlsFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("-tls: %w", err)
		}
		ln, scheme = tls.NewListener(ln, cfg), "https"
	}
	srv := &http.Server{Handler: lafake.New(signins, opts...), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "%s://%s\n", scheme, ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func split(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// signIns loads the -data exports, or generates n sign-ins and shifts them
// so that the newest is now (a default window of the last day then finds
// them).
func signIns(ctx context.Context, data string, n int) ([]signin.SignIn, error) {
	if paths := split(data); len(paths) > 0 {
		res, err := files.Load(ctx, paths)
		if err != nil {
			return nil, fmt.Errorf("-data: %w", err)
		}
		return res.SignIns, nil
	}
	f, err := os.CreateTemp("", "lafake-*.jsonl")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	err = filestest.Generate(f, files.FormatGraphJSONLines, n, 11)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	res, err := files.Load(ctx, []string{f.Name()}, files.WithClock(func() time.Time { return time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		return nil, err
	}
	out := res.SignIns
	var newest time.Time
	for i := range out {
		if out[i].CreatedAt.After(newest) {
			newest = out[i].CreatedAt
		}
	}
	shift := time.Now().UTC().Sub(newest)
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.Add(shift)
		if len(out[i].AuthDetails) > 0 {
			steps := append([]signin.AuthStep(nil), out[i].AuthDetails...)
			for j := range steps {
				if !steps[j].At.IsZero() {
					steps[j].At = steps[j].At.Add(shift)
				}
			}
			out[i].AuthDetails = steps
		}
	}
	return out, nil
}

// selfSigned makes a certificate for 127.0.0.1, ::1 and localhost, valid
// for a day, and writes it as PEM to path for clients to trust.
func selfSigned(path string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "lafake"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(path, certPEM, 0o644); err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, nil
}
