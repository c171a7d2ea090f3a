// Package e2e runs the built binary as a host would: a separate process
// spoken to over stdio. The official TypeScript SDK client checks live in
// e2e/node and run from .ci/run.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/graphfake"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the server once per test process.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "entra-signin-mcp-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "entra-signin-mcp")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/entra-signin-mcp").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// session is one running server process.
type session struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	errb   *syncBuffer
	nextID int
}

type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return string(s.b) }

func start(t testing.TB, args ...string) *session {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &session{cmd: cmd, in: in, out: bufio.NewScanner(out), errb: &syncBuffer{}}
	s.out.Buffer(make([]byte, 4<<20), 4<<20)
	cmd.Stderr = s.errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// request sends a JSON-RPC request and returns its response.
func (s *session) request(t testing.TB, method string, params any) map[string]any {
	t.Helper()
	s.nextID++
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": s.nextID, "method": method, "params": params})
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		t.Fatal(err)
	}
	for s.out.Scan() {
		var m map[string]any
		if err := json.Unmarshal(s.out.Bytes(), &m); err != nil {
			t.Fatalf("stdout carries a non-JSON line %q (stderr: %s)", s.out.Text(), s.errb)
		}
		if id, ok := m["id"].(float64); ok && int(id) == s.nextID {
			return m
		}
	}
	t.Fatalf("%s: no answer (stderr: %s)", method, s.errb)
	return nil
}

func (s *session) notify(t testing.TB, method string) {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method})
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		t.Fatal(err)
	}
}

// close ends stdin and waits for a clean exit.
func (s *session) close(t testing.TB) {
	t.Helper()
	s.in.Close()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server exit after stdin EOF: %v (stderr: %s)", err, s.errb)
		}
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		t.Fatal("server did not exit after stdin EOF")
	}
}

func initialize(version string) map[string]any {
	return map[string]any{"protocolVersion": version, "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "e2e", "version": "1"}}
}

func TestProtocolVersionsOverStdio(t *testing.T) {
	for _, v := range []string{"2025-11-25", "2025-06-18", "2025-03-26"} {
		t.Run(v, func(t *testing.T) {
			s := start(t)
			res := s.request(t, "initialize", initialize(v))
			r, _ := res["result"].(map[string]any)
			if r == nil || r["protocolVersion"] != v {
				t.Fatalf("initialize %s: %v", v, res)
			}
			s.notify(t, "notifications/initialized")
			call := s.request(t, "tools/call", map[string]any{"name": "explain_error_code", "arguments": map[string]any{"code": "AADSTS50126"}})
			cr, _ := call["result"].(map[string]any)
			if cr == nil || cr["isError"] == true {
				t.Fatalf("tools/call: %v", call)
			}
			s.close(t)
		})
	}
}

func TestCallCommand(t *testing.T) {
	out, err := exec.Command(binary(t), "call", "explain_error_code", `{"code":7000222}`).Output()
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(out, &r); err != nil || r["category"] != "app-credential" {
		t.Fatalf("call output %s: %v", out, err)
	}
	if err := exec.Command(binary(t), "call", "explain_error_code", `{"code":"nothing"}`).Run(); err == nil {
		t.Error("a tool error exited 0")
	}
}

// BenchmarkColdStart measures process start to initialize answered.
func BenchmarkColdStart(b *testing.B) {
	binary(b)
	for b.Loop() {
		s := start(b)
		s.request(b, "initialize", initialize("2025-06-18"))
		s.close(b)
	}
}

// TestStopsOnSIGTERM: a host that terminates the server gets a clean exit.
func TestStopsOnSIGTERM(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		s := start(t)
		s.request(t, "initialize", initialize("2025-11-25"))
		if err := s.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: exit %v (stderr: %s)", sig, err, s.errb)
			}
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			t.Fatalf("%v: server did not stop", sig)
		}
		s.in.Close()
	}
}

// TestDemoFirstLook is the README's first command: the default search on the
// demo tenant must be a real first look, with many distinct failure codes.
func TestDemoFirstLook(t *testing.T) {
	out, err := exec.Command(binary(t), "--source", "demo", "call", "search_failed_signins", "{}").Output()
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		SignIns []map[string]any `json:"signIns"`
		Groups  []struct {
			ErrorCode int    `json:"errorCode"`
			Outcome   string `json:"outcome"`
		} `json:"groups"`
		Coverage struct {
			Matched   int    `json:"matched"`
			Source    string `json:"source"`
			Truncated bool   `json:"truncated"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	codes := map[int]bool{}
	for _, g := range r.Groups {
		if g.Outcome != "interrupt" {
			codes[g.ErrorCode] = true
		}
	}
	if r.Coverage.Source != "demo" || len(codes) < 8 || len(r.SignIns) == 0 {
		t.Errorf("demo first look: source %q, %d distinct failure codes in groups, %d rows", r.Coverage.Source, len(codes), len(r.SignIns))
	}
}

func TestFilesSourceStartupErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(bad, []byte("these are not sign-ins\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ files, mention string }{
		{filepath.Join(dir, "missing-*.csv"), "missing-*.csv"},
		{bad, "notes.txt"},
	} {
		cmd := exec.Command(binary(t), "--source", "files", "--files", c.files, "call", "search_failed_signins", "{}")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.mention) {
			t.Errorf("--files %s: err %v, output %q: want a failure naming %q", c.files, err, out, c.mention)
		}
	}
	if out, err := exec.Command(binary(t), "--source", "files", "call", "search_failed_signins", "{}").CombinedOutput(); err == nil || !strings.Contains(string(out), "--files") {
		t.Errorf("--source files without --files: %v %q", err, out)
	}
}

// TestGraphSourceThroughBinary runs the built binary against the fake of
// Graph: the search and check commands with --auth token, and a refused token.
func TestGraphSourceThroughBinary(t *testing.T) {
	var buf bytes.Buffer
	if err := filestest.Generate(&buf, files.FormatGraphJSONLines, 300, 5); err != nil {
		t.Fatal(err)
	}
	var recs []json.RawMessage
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		recs = append(recs, json.RawMessage(line))
	}
	fake := httptest.NewServer(graphfake.New(recs, graphfake.WithToken("e2e-token")))
	defer fake.Close()
	run := func(token string, args ...string) ([]byte, error) {
		cmd := exec.Command(binary(t), append([]string{"--source", "graph", "--graph-url", fake.URL, "--auth", "token"}, args...)...)
		cmd.Env = append(os.Environ(), "GRAPH_ACCESS_TOKEN="+token)
		return cmd.CombinedOutput()
	}
	out, err := run("e2e-token", "call", "search_failed_signins", `{"since":"3650d","limit":3}`)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte(`"source": "graph"`)) || !bytes.Contains(out, []byte(`"errorCode"`)) {
		t.Errorf("search through Graph:\n%s", out)
	}
	if out, err := run("e2e-token", "check"); err != nil || !bytes.Contains(out, []byte(`"signInQueryOk": true`)) {
		t.Errorf("check: %v\n%s", err, out)
	}
	out, err = run("stolen-looking-token", "call", "search_failed_signins", `{}`)
	if err == nil || !bytes.Contains(out, []byte("401")) || bytes.Contains(out, []byte("stolen-looking-token")) {
		t.Errorf("refused token: %v\n%s", err, out)
	}
}
