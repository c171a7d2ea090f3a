// Command bench produces the README's performance record on the machine it
// runs on: it prints the machine, then Markdown tables of cold start, tool
// latency over stdio and HTTP, HTTP throughput, export load speed and memory,
// search and diagnosis latency at each export size, and the same questions
// answered by jq and DuckDB over the same export, with the ratios and a check
// that every side gave the same answer.
//
//	go run ./bench            # 10k, 100k and 1M sign-ins
//	go run ./bench -quick     # 10k and 100k, for a CI-sized run
//
// It measures only through public entry points (the built binary over stdio
// and HTTP, files.Load, the MCP tools), so that a change anywhere in the
// server shows in its numbers without an edit here. Raw samples are also
// written as `go test -bench` lines for benchstat. Servers listen on
// 127.0.0.1 only; nothing is sent anywhere else, except that the first run
// installs DuckDB's npm package into a cache directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/bench/internal/record"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	sizes       []int
	outDir      string // where exports are generated; "" for a temporary directory
	samplesPath string
	coldRuns    int           // process starts for cold start
	calls       int           // timed tool calls per transport and tool
	toolRuns    int           // timed calls per question and size
	extRuns     int           // jq and DuckDB runs per question (1 from 1M up)
	duration    time.Duration // per concurrency level of the throughput test
	duckdbCache string
	noExternal  bool
}

// duckdbVersion is the npm package the record installs; TOOLS.md names it.
const duckdbVersion = "1.5.6-r.1"

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "10k,100k,1M", "export sizes in sign-ins, comma-separated (10k, 100k, 1M, 2.5M, ...)")
	quick := fs.Bool("quick", false, "sizes 10k,100k and fewer runs: a CI-sized record (overrides -sizes)")
	var c config
	fs.StringVar(&c.outDir, "out", "", "directory for the generated exports, kept after the run (default: a temporary directory, removed after)")
	fs.StringVar(&c.samplesPath, "samples", "", "file for the raw samples as go test -bench lines (default bench/results/<time>-<commit>.txt)")
	fs.IntVar(&c.coldRuns, "cold", 20, "server starts timed for cold start")
	fs.IntVar(&c.calls, "calls", 200, "tool calls timed per transport and tool")
	fs.IntVar(&c.toolRuns, "tool-runs", 30, "tool calls timed per question and export size (tenant triage: a third)")
	fs.IntVar(&c.extRuns, "ext-runs", 3, "jq and DuckDB runs per question and size (1 from 1M sign-ins up)")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "load time per concurrency level of the HTTP throughput test")
	fs.StringVar(&c.duckdbCache, "duckdb-cache", "", "where @duckdb/node-api is installed (default $XDG_CACHE_HOME/entra-signin-mcp/bench)")
	fs.BoolVar(&c.noExternal, "no-external", false, "skip jq and DuckDB")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q: bench takes only flags", fs.Args())
	}
	if *quick {
		*sizes = "10k,100k"
		c.coldRuns, c.calls, c.toolRuns = min(c.coldRuns, 10), min(c.calls, 100), min(c.toolRuns, 15)
		c.duration = min(c.duration, 3*time.Second)
	}
	var err error
	if c.sizes, err = record.ParseSizes(*sizes); err != nil {
		return c, fmt.Errorf("-sizes: %w", err)
	}
	if c.coldRuns < 1 || c.calls < 1 || c.toolRuns < 1 || c.extRuns < 1 || c.duration <= 0 {
		return c, errors.New("-cold, -calls, -tool-runs and -ext-runs must be at least 1, -duration positive")
	}
	if c.duckdbCache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			if base, err = os.UserCacheDir(); err != nil {
				return c, fmt.Errorf("no cache directory for DuckDB (set -duckdb-cache): %w", err)
			}
		}
		c.duckdbCache = filepath.Join(base, "entra-signin-mcp", "bench")
	}
	return c, nil
}

// recorder collects the tables and the raw samples of one run.
type recorder struct {
	cfg      config
	log      io.Writer
	samples  []record.Sample
	sections []string
	problems []string // mismatches and failures, repeated at the end
}

func (r *recorder) progress(format string, args ...any) {
	fmt.Fprintf(r.log, "bench: "+format+"\n", args...)
}

func (r *recorder) sample(name string, n int, elapsed time.Duration, metrics ...record.Metric) {
	r.samples = append(r.samples, record.Sample{Name: name, N: n, Elapsed: elapsed, Metrics: metrics})
}

func (r *recorder) samplesOf(name string, d []time.Duration) {
	for _, v := range d {
		r.sample(name, 1, v)
	}
}

// problem records something the reader must not miss: it is printed at
// once on stderr and again, loudly, below the tables.
func (r *recorder) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.problems = append(r.problems, msg)
	fmt.Fprintln(r.log, "bench: !!! "+msg)
}

func (r *recorder) section(title, intro string, t *record.Table) {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", title)
	if intro != "" {
		b.WriteString(intro + "\n\n")
	}
	b.WriteString(t.Markdown())
	r.sections = append(r.sections, b.String())
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	began := time.Now()
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	m := describeMachine(ctx, root)
	r := &recorder{cfg: cfg, log: stderr}
	work, err := os.MkdirTemp("", "entra-signin-perf-record")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	exports := cfg.outDir
	if exports == "" {
		exports = filepath.Join(work, "exports")
	}
	if err := os.MkdirAll(exports, 0o755); err != nil {
		return err
	}

	r.progress("building the server")
	bin, buildTime, err := buildServer(ctx, root, work)
	if err != nil {
		return err
	}
	ext := prepareExternal(ctx, cfg, r)

	// A failure part-way still prints what was measured, and says where it
	// stopped.
	if err := measureServer(ctx, r, bin); err != nil {
		r.problem("the server measurements stopped: %v", err)
	} else if err := measureSizes(ctx, r, bin, exports, cfg.outDir == "", ext); err != nil {
		r.problem("the export measurements stopped: %v", err)
	}

	// The record.
	m.LoadAfter = loadAverage()
	fmt.Fprintf(stdout, "## Performance record\n\n")
	fmt.Fprint(stdout, m.table().Markdown())
	fmt.Fprintf(stdout, "\nRun: `go run ./bench %s` (%s in all, server build %s).\n\n", strings.Join(args, " "), time.Since(began).Round(time.Second), buildTime.Round(time.Second))
	for _, s := range r.sections {
		fmt.Fprintln(stdout, s)
	}
	if len(r.problems) > 0 {
		fmt.Fprintf(stdout, "### !!! PROBLEMS (%d): these figures do not all answer the same question\n\n", len(r.problems))
		for _, p := range r.problems {
			fmt.Fprintf(stdout, "- **%s**\n", p)
		}
		fmt.Fprintln(stdout)
	}

	path := cfg.samplesPath
	if path == "" {
		path = filepath.Join(root, "bench", "results", fmt.Sprintf("%s-%s.txt", began.UTC().Format("20060102T150405Z"), m.ShortCommit))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	config, comments := m.benchConfig()
	if err := record.WriteSamples(f, config, comments, r.samples); err != nil {
		f.Close()
		return fmt.Errorf("write samples: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write samples: %w", err)
	}
	fmt.Fprintf(stdout, "Raw samples (%d, as `go test -bench` lines): `%s`. Compare two runs with\n`go run golang.org/x/perf/cmd/benchstat@latest OLD.txt NEW.txt`.\n", len(r.samples), path)
	if len(r.problems) > 0 {
		return fmt.Errorf("%d problem(s): see the end of the record", len(r.problems))
	}
	return nil
}
