package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/bench/internal/record"
)

// protocolVersion is what the record's clients ask for: the newest that
// hosts in the field send through initialize.
const protocolVersion = "2025-11-25"

// session is one MCP client connected to a server, with the server's
// process when the record started it.
type session struct {
	c   *client.Client
	cmd *exec.Cmd
}

func initialize(ctx context.Context, c *client.Client) error {
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = protocolVersion
	req.Params.ClientInfo = mcp.Implementation{Name: "entra-signin-bench", Version: "1"}
	_, err := c.Initialize(ctx, req)
	return err
}

// startStdio starts the server over stdio with mcp-go's client and returns
// once initialize is answered, with the time from process start to then.
func startStdio(ctx context.Context, bin string, args ...string) (*session, time.Duration, error) {
	s := &session{}
	t := transport.NewStdioWithOptions(bin, nil, args, transport.WithCommandFunc(
		func(ctx context.Context, command string, _ []string, args []string) (*exec.Cmd, error) {
			s.cmd = exec.CommandContext(ctx, command, args...)
			return s.cmd, nil
		}))
	start := time.Now()
	if err := t.Start(ctx); err != nil {
		return nil, 0, fmt.Errorf("start %s: %w", bin, err)
	}
	s.c = client.NewClient(t)
	if err := initialize(ctx, s.c); err != nil {
		s.close()
		return nil, 0, fmt.Errorf("initialize over stdio (%s): %w", strings.Join(args, " "), err)
	}
	return s, time.Since(start), nil
}

// close ends the session; closing stdin ends a stdio server.
func (s *session) close() {
	_ = s.c.Close()
	if s.cmd != nil && s.cmd.Process != nil {
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
		}
	}
}

// memory reads the server's resident memory and its peak from /proc.
func (s *session) memory() (rss, peak int64) {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0, 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// call makes one tools/call and returns its structured content decoded
// into out (when out is not nil) and how long the call took.
func (s *session) call(ctx context.Context, name, args string, out any) (time.Duration, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = json.RawMessage(args)
	start := time.Now()
	res, err := s.c.CallTool(ctx, req)
	took := time.Since(start)
	if err != nil {
		return took, fmt.Errorf("%s %s: %w", name, args, err)
	}
	if res.IsError {
		return took, fmt.Errorf("%s %s: tool error: %s", name, args, resultText(res))
	}
	if out != nil {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return took, fmt.Errorf("%s: structured content: %w", name, err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			return took, fmt.Errorf("%s: structured content: %w", name, err)
		}
	}
	return took, nil
}

func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, " ")
}

// httpServer is the server started with --transport http on loopback.
type httpServer struct {
	base string
	cmd  *exec.Cmd
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startHTTP starts the server with --transport http on a free loopback
// port and waits until /readyz says its data is loaded.
func startHTTP(ctx context.Context, bin string, args ...string) (*httpServer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--transport", "http", "--addr", addr, "--log-level", "error"}, args...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	h := &httpServer{base: "http://" + addr, cmd: cmd}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		resp, err := http.Get(h.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return h, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			h.stop()
			return nil, errors.New("the HTTP server was not ready within 5 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *httpServer) stop() {
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	_ = h.cmd.Wait()
}

// connect opens one MCP session over streamable HTTP.
func (h *httpServer) connect(ctx context.Context) (*session, error) {
	t, err := transport.NewStreamableHTTP(h.base + "/mcp")
	if err != nil {
		return nil, err
	}
	c := client.NewClient(t)
	if err := c.Start(ctx); err != nil {
		return nil, fmt.Errorf("start HTTP client: %w", err)
	}
	if err := initialize(ctx, c); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("initialize over HTTP: %w", err)
	}
	return &session{c: c}, nil
}

// transportCalls are the calls timed over each transport, on the demo
// tenant: one that reads only the catalog (the protocol's own cost) and a
// search of the demo's last day.
var transportCalls = []struct{ name, args string }{
	{"explain_error_code", `{"code":"AADSTS50053"}`},
	{"search_failed_signins", `{}`},
}

// timeCalls makes n timed calls (after a few untimed ones, which warm
// the connection and the server's caches as a session's first calls do).
func timeCalls(ctx context.Context, s *session, name, args string, n int) ([]time.Duration, error) {
	for range 3 {
		if _, err := s.call(ctx, name, args, nil); err != nil {
			return nil, err
		}
	}
	out := make([]time.Duration, 0, n)
	for range n {
		d, err := s.call(ctx, name, args, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// measureServer records cold start, latency over stdio and HTTP, and HTTP
// throughput, on the demo tenant.
func measureServer(ctx context.Context, r *recorder, bin string) error {
	cfg := r.cfg
	lat := &record.Table{Header: []string{"measure (built binary)", "p50", "p99", "samples"}}

	// The demo builds its tenant before it serves; the default source
	// (Graph) resolves credentials at the first call, so its start reads
	// nothing and sends nothing.
	for _, c := range []struct{ name, label string }{
		{"demo", "`--source demo` (the demo tenant is built at start)"},
		{"graph", "default source (Graph: no credential or network until the first call)"},
	} {
		r.progress("cold start, %s: %d server starts", c.name, cfg.coldRuns)
		var cold []time.Duration
		for range cfg.coldRuns {
			s, d, err := startStdio(ctx, bin, "--source", c.name, "--log-level", "error")
			if err != nil {
				return err
			}
			s.close()
			cold = append(cold, d)
		}
		r.samplesOf("ColdStart/source="+c.name, cold)
		l := record.Summarize(cold)
		lat.Add("cold start to `initialize` answered over stdio, "+c.label, record.Duration(l.P50), record.Duration(l.P99), strconv.Itoa(l.N))
	}

	r.progress("tool calls over stdio")
	s, _, err := startStdio(ctx, bin, "--source", "demo", "--log-level", "error")
	if err != nil {
		return err
	}
	for _, c := range transportCalls {
		d, err := timeCalls(ctx, s, c.name, c.args, cfg.calls)
		if err != nil {
			s.close()
			return err
		}
		r.samplesOf("CallStdio/tool="+c.name, d)
		l := record.Summarize(d)
		lat.Add(fmt.Sprintf("`%s %s` over stdio", c.name, c.args), record.Duration(l.P50), record.Duration(l.P99), strconv.Itoa(l.N))
	}
	s.close()

	r.progress("tool calls over HTTP")
	h, err := startHTTP(ctx, bin, "--source", "demo")
	if err != nil {
		return err
	}
	defer h.stop()
	hs, err := h.connect(ctx)
	if err != nil {
		return err
	}
	for _, c := range transportCalls {
		d, err := timeCalls(ctx, hs, c.name, c.args, cfg.calls)
		if err != nil {
			hs.close()
			return err
		}
		r.samplesOf("CallHTTP/tool="+c.name, d)
		l := record.Summarize(d)
		lat.Add(fmt.Sprintf("`%s %s` over streamable HTTP, one session", c.name, c.args), record.Duration(l.P50), record.Duration(l.P99), strconv.Itoa(l.N))
	}
	hs.close()
	r.section("Start and tool calls", "Each call is timed by an mcp-go client from request to answer; cold start is from process start to the answer; the calls go to the built binary on the demo tenant (`--source demo`, HTTP on 127.0.0.1).", lat)

	tp := &record.Table{Header: []string{"concurrent HTTP clients (one session each)", "calls/s", "p50", "p99", "errors"}}
	for _, n := range []int{1, 10, 50} {
		r.progress("HTTP throughput: %d clients for %s", n, cfg.duration)
		calls, lats, errs, err := throughput(ctx, h, n, cfg.duration)
		if err != nil {
			return err
		}
		rate := float64(calls) / cfg.duration.Seconds()
		r.sample(fmt.Sprintf("HTTPThroughput/clients=%d", n), max(calls, 1), cfg.duration, record.Metric{Value: rate, Unit: "calls/s"})
		l := record.Summarize(lats)
		tp.Add(strconv.Itoa(n), record.Thousands(rate), record.Duration(l.P50), record.Duration(l.P99), strconv.Itoa(errs))
		if errs > 0 {
			r.problem("HTTP throughput with %d clients: %d calls failed", n, errs)
		}
	}
	r.section("HTTP throughput", fmt.Sprintf("Each client calls `explain_error_code` and `search_failed_signins {}` in turn, as fast as answers come, for %s per row.", cfg.duration), tp)
	return nil
}

// throughput runs n clients against h for d and counts the answered calls.
func throughput(ctx context.Context, h *httpServer, n int, d time.Duration) (calls int, lats []time.Duration, errs int, err error) {
	sessions := make([]*session, 0, n)
	defer func() {
		for _, s := range sessions {
			s.close()
		}
	}()
	for range n {
		s, err := h.connect(ctx)
		if err != nil {
			return 0, nil, 0, err
		}
		sessions = append(sessions, s)
	}
	var (
		mu     sync.Mutex
		failed atomic.Int64
		wg     sync.WaitGroup
	)
	stop := time.Now().Add(d)
	for i, s := range sessions {
		wg.Go(func() {
			var mine []time.Duration
			for k := i; time.Now().Before(stop) && ctx.Err() == nil; k++ {
				c := transportCalls[k%len(transportCalls)]
				took, err := s.call(ctx, c.name, c.args, nil)
				if err != nil {
					failed.Add(1)
					continue
				}
				mine = append(mine, took)
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return len(lats), lats, int(failed.Load()), ctx.Err()
}
