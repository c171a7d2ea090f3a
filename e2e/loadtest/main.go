// Command loadtest drives the HTTP server with concurrent MCP clients on
// loopback for a bounded time, and reports throughput, latency percentiles,
// errors, the server's peak memory and its goroutines before and after.
//
//	go build -o bin/entra-signin-mcp ./cmd/entra-signin-mcp
//	go run ./e2e/loadtest -server ./bin/entra-signin-mcp -clients 50 -duration 30s
//
// With -sessions N it floods the server with N initialize calls that never
// end their sessions (as an abusive or broken client would), and reports
// how many were accepted or refused (503) and the server's memory before
// and after: with the session cap, memory stays flat past it.
//
//	go run ./e2e/loadtest -server ./bin/entra-signin-mcp -sessions 20000
//
// It starts the server itself (--source demo --transport http on 127.0.0.1)
// and never sends traffic anywhere else.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

func main() {
	bin := flag.String("server", "./bin/entra-signin-mcp", "the built server")
	clients := flag.Int("clients", 50, "concurrent MCP clients (each its own session)")
	duration := flag.Duration("duration", 30*time.Second, "how long to send load (at most 5m)")
	sessions := flag.Int("sessions", 0, "instead of tool calls: open this many sessions and never end them (at most 100000)")
	serverArgs := flag.String("server-args", "", "extra server flags, space-separated (such as --max-sessions 500)")
	flag.Parse()
	if *duration > 5*time.Minute || *clients < 1 || *clients > 500 || *sessions < 0 || *sessions > 100000 {
		fmt.Fprintln(os.Stderr, "loadtest: -duration at most 5m, -clients 1..500, -sessions 0..100000")
		os.Exit(2)
	}
	extra := strings.Fields(*serverArgs)
	var err error
	if *sessions > 0 {
		err = flood(*bin, extra, *sessions)
	} else {
		err = run(*bin, extra, *clients, *duration)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// status reads the server's /proc status: resident memory and peak.
func status(pid int) (rssKB, peakKB int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			switch f[0] {
			case "VmRSS:":
				rssKB, _ = strconv.Atoi(f[1])
			case "VmHWM:":
				peakKB, _ = strconv.Atoi(f[1])
			}
		}
	}
	return rssKB, peakKB
}

// threads counts the server's OS threads, as seen from outside the process.
// (Goroutines coming back to baseline is asserted in-process by
// httpserve's TestNoGoroutineLeakUnderLoad.)
func threads(pid int) int {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0
	}
	return len(entries)
}

// startServer starts the demo server on a free loopback port and waits
// until it answers; stop ends it.
func startServer(bin string, extra []string) (base string, pid int, stop func(), err error) {
	addr, err := freePort()
	if err != nil {
		return "", 0, nil, err
	}
	args := append([]string{"--source", "demo", "--transport", "http", "--addr", addr, "--log-level", "error"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop = func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }
	base = "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			stop()
			return "", 0, nil, errors.New("the server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return base, cmd.Process.Pid, stop, nil
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"flood","version":"1"}}}`

// flood opens n sessions (16 at a time) and ends none of them.
func flood(bin string, extra []string, n int) error {
	base, pid, stop, err := startServer(bin, extra)
	if err != nil {
		return err
	}
	defer stop()
	rss0, _ := status(pid)
	var accepted, refused, failed atomic.Int32
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: 30 * time.Second}
	for range 16 {
		wg.Go(func() {
			for range jobs {
				req, _ := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(initBody))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				resp, err := hc.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					accepted.Add(1)
				case http.StatusServiceUnavailable:
					refused.Add(1)
				default:
					failed.Add(1)
				}
			}
		})
	}
	start := time.Now()
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	took := time.Since(start)
	time.Sleep(2 * time.Second)
	rss1, peak := status(pid)
	b, _ := json.MarshalIndent(map[string]any{
		"sessionsAttempted": n, "accepted": accepted.Load(), "refused503": refused.Load(), "failed": failed.Load(),
		"seconds": took.Seconds(), "rssStartMB": rss0 / 1024, "rssPeakMB": peak / 1024, "rssAfterMB": rss1 / 1024,
	}, "", "  ")
	fmt.Println(string(b))
	if failed.Load() > 0 {
		return fmt.Errorf("%d initialize calls failed", failed.Load())
	}
	return nil
}

func run(bin string, extra []string, clients int, duration time.Duration) error {
	base, pid, stop, err := startServer(bin, extra)
	if err != nil {
		return err
	}
	defer stop()
	rss0, _ := status(pid)
	thr0 := threads(pid)

	calls := []mcp.CallToolRequest{
		call("search_failed_signins", `{}`),
		call("search_failed_signins", `{"user":"rosa.diaz@contoso.com"}`),
		call("search_failed_signins", `{"since":"7d","signInTypes":["servicePrincipal"]}`),
		call("explain_error_code", `{"code":"AADSTS50053"}`),
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			t, err := transport.NewStreamableHTTP(base + "/mcp")
			if err != nil {
				mu.Lock()
				errs++
				mu.Unlock()
				return
			}
			c := client.NewClient(t)
			defer c.Close()
			init := mcp.InitializeRequest{}
			init.Params.ProtocolVersion = "2025-06-18"
			init.Params.ClientInfo = mcp.Implementation{Name: fmt.Sprint("load-", i), Version: "1"}
			if err := c.Start(context.Background()); err != nil {
				mu.Lock()
				errs++
				mu.Unlock()
				return
			}
			if _, err := c.Initialize(context.Background(), init); err != nil {
				mu.Lock()
				errs++
				mu.Unlock()
				return
			}
			var mine []time.Duration
			myErrs := 0
			for n := i; ctx.Err() == nil; n++ {
				start := time.Now()
				res, err := c.CallTool(context.Background(), calls[n%len(calls)])
				if err != nil || res.IsError {
					myErrs++
					continue
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += myErrs
			mu.Unlock()
		})
	}
	wg.Wait()
	_, peak := status(pid)
	time.Sleep(2 * time.Second) // let sessions' streams close
	rss1, _ := status(pid)
	thr1 := threads(pid)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*p)]
	}
	out := map[string]any{
		"clients": clients, "durationSeconds": duration.Seconds(), "calls": len(lat), "errors": errs,
		"callsPerSecond": float64(len(lat)) / duration.Seconds(),
		"p50Ms":          float64(pct(0.50).Microseconds()) / 1000, "p99Ms": float64(pct(0.99).Microseconds()) / 1000,
		"rssStartMB": rss0 / 1024, "rssPeakMB": peak / 1024, "rssAfterMB": rss1 / 1024,
		"threadsBefore": thr0, "threadsAfter": thr1,
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(b))
	if errs > 0 {
		return fmt.Errorf("%d calls failed", errs)
	}
	return nil
}

func call(name, args string) mcp.CallToolRequest {
	r := mcp.CallToolRequest{}
	r.Params.Name = name
	r.Params.Arguments = json.RawMessage(args)
	return r
}
