package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/bench/internal/record"
)

// machine is what the record prints first: figures mean nothing without it.
type machine struct {
	CPU         string
	Cores       int
	MemGiB      float64
	OS          string
	Go          string
	Commit      string
	ShortCommit string
	LoadBefore  string // /proc/loadavg's 1, 5 and 15 minute figures when the run began
	LoadAfter   string // and when it ended: other work on the machine skews every figure
}

// loadAverage reads the 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func describeMachine(ctx context.Context, root string) machine {
	m := machine{CPU: "unknown", Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version(), Commit: "unknown", ShortCommit: "nocommit",
		LoadBefore: loadAverage()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.MemGiB = kb / (1 << 20)
			}
		}
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME="); ok {
				m.OS = strings.Trim(v, `"`) + " (" + m.OS + ")"
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OS += ", kernel " + strings.TrimSpace(string(b))
	}
	if out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
		m.ShortCommit = m.Commit[:min(12, len(m.Commit))]
		if st, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			m.Commit += " (with uncommitted changes)"
			m.ShortCommit += "-dirty"
		}
	}
	return m
}

func (m machine) table() *record.Table {
	t := &record.Table{Header: []string{"machine", ""}}
	t.Add("CPU", m.CPU)
	t.Add("cores", strconv.Itoa(m.Cores))
	t.Add("memory", fmt.Sprintf("%.1f GiB", m.MemGiB))
	t.Add("OS", m.OS)
	t.Add("Go", m.Go)
	t.Add("commit", m.Commit)
	t.Add("load average (1, 5, 15 min) at start / end", m.LoadBefore+" / "+m.LoadAfter)
	return t
}

// benchConfig is the header of the samples file: what benchstat shows as
// the configuration (the same for two runs on one machine), and comments
// naming what may differ between the runs it compares.
func (m machine) benchConfig() (config [][2]string, comments []string) {
	config = [][2]string{
		{"goos", runtime.GOOS}, {"goarch", runtime.GOARCH},
		{"pkg", "github.com/entra-signin-mcp/entra-signin-mcp/bench"}, {"cpu", m.CPU},
	}
	comments = []string{
		"commit " + m.Commit,
		fmt.Sprintf("%s, %d cores, %.1f GiB", m.Go, m.Cores, m.MemGiB),
		"load average (1, 5, 15 min) at start " + m.LoadBefore + ", at end " + m.LoadAfter,
	}
	return config, comments
}

// moduleRoot is the directory of the module's go.mod, so that the record
// runs from anywhere inside the repository.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the module: run go run ./bench from the repository")
	}
	return filepath.Dir(gomod), nil
}

// buildServer builds the command once, as a host would run it.
func buildServer(ctx context.Context, root, dir string) (string, time.Duration, error) {
	bin := filepath.Join(dir, "entra-signin-mcp")
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/entra-signin-mcp")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", 0, fmt.Errorf("go build ./cmd/entra-signin-mcp: %w\n%s", err, out)
	}
	return bin, time.Since(start), nil
}
