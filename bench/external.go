package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/bench/internal/record"
)

// external holds the anchors the record compares the server with: jq and
// DuckDB (through its Node package), or why each is unavailable. A missing
// anchor is a row that says so, never a number.
type external struct {
	jq, jqVersion, jqMissing       string
	node, duckdbDir, duckdbMissing string
	script                         string
	duckdbVersion                  string // as DuckDB reports it, once it ran
}

func prepareExternal(ctx context.Context, cfg config, r *recorder) *external {
	e := &external{}
	if cfg.noExternal {
		e.jqMissing, e.duckdbMissing = "skipped (-no-external)", "skipped (-no-external)"
		return e
	}
	if p, err := exec.LookPath("jq"); err != nil {
		e.jqMissing = "jq is not installed"
	} else {
		e.jq = p
		out, _ := exec.CommandContext(ctx, p, "--version").Output()
		e.jqVersion = strings.TrimSpace(string(out))
	}
	node, err := exec.LookPath("node")
	if err != nil {
		e.duckdbMissing = "node is not installed"
		return e
	}
	e.node = node
	e.duckdbDir = filepath.Join(cfg.duckdbCache, "duckdb-node-api-"+duckdbVersion)
	if _, err := os.Stat(filepath.Join(e.duckdbDir, "node_modules", "@duckdb", "node-api", "package.json")); err != nil {
		r.progress("installing @duckdb/node-api@%s into %s", duckdbVersion, e.duckdbDir)
		npm, err := exec.LookPath("npm")
		if err != nil {
			e.duckdbMissing = "npm is not installed, so DuckDB could not be"
			return e
		}
		if err := os.MkdirAll(e.duckdbDir, 0o755); err != nil {
			e.duckdbMissing = "cannot create " + e.duckdbDir
			return e
		}
		cmd := exec.CommandContext(ctx, npm, "install", "--prefix", e.duckdbDir, "--no-audit", "--no-fund", "@duckdb/node-api@"+duckdbVersion)
		if out, err := cmd.CombinedOutput(); err != nil {
			e.duckdbMissing = fmt.Sprintf("npm install @duckdb/node-api@%s failed: %v: %s", duckdbVersion, err, lastLine(out))
			r.problem("DuckDB unavailable: %s", e.duckdbMissing)
			return e
		}
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		e.duckdbMissing = err.Error()
		return e
	}
	e.script = filepath.Join(root, "bench", "duckdb", "questions.mjs")
	return e
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// question is the window and subject the three sides are asked about. The
// times are compared as text without the trailing "Z": RFC 3339 with
// fractional seconds of any length then sorts as time does, in jq, in
// DuckDB and in Go alike.
type question struct {
	user         string
	since, until string // 2006-01-02T15:04:05, UTC
}

const newestN = 25

// jqNewest answers "failed sign-ins of user X in the window, newest 25"
// with jq over the JSON-lines file.
const jqNewestFilter = `[inputs
  | select(.status.errorCode != 0
      and ((.userPrincipalName // "") | ascii_downcase) == $u
      and ((.createdDateTime | rtrimstr("Z")) as $t | $t >= $s and $t < $e))
  | [(.createdDateTime | rtrimstr("Z")), .id]]
| {count: length, ids: (sort | reverse | .[:$n] | map(.[1]))}`

// jqGroupsFilter answers "failures grouped by error code with counts".
const jqGroupsFilter = `reduce (inputs
  | select(.status.errorCode != 0
      and ((.createdDateTime | rtrimstr("Z")) as $t | $t >= $s and $t < $e))
  | .status.errorCode | tostring) as $c ({}; .[$c] += 1)`

func (e *external) runJQ(ctx context.Context, filter, path string, q question) ([]byte, time.Duration, error) {
	cmd := exec.CommandContext(ctx, e.jq, "-n", "-c", "--arg", "u", strings.ToLower(q.user), "--arg", "s", q.since, "--arg", "e", q.until,
		"--argjson", "n", strconv.Itoa(newestN), filter, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	took := time.Since(start)
	if err != nil {
		return nil, took, fmt.Errorf("jq: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, took, nil
}

func (e *external) jqNewest(ctx context.Context, path string, q question) (record.Newest, time.Duration, error) {
	out, took, err := e.runJQ(ctx, jqNewestFilter, path, q)
	if err != nil {
		return record.Newest{}, took, err
	}
	var a struct {
		Count int      `json:"count"`
		IDs   []string `json:"ids"`
	}
	if err := json.Unmarshal(out, &a); err != nil {
		return record.Newest{}, took, fmt.Errorf("jq printed %.200q: %w", out, err)
	}
	return record.Newest{Count: a.Count, IDs: a.IDs}, took, nil
}

func (e *external) jqGroups(ctx context.Context, path string, q question) (record.Groups, time.Duration, error) {
	out, took, err := e.runJQ(ctx, jqGroupsFilter, path, q)
	if err != nil {
		return nil, took, err
	}
	var m map[string]int
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, took, fmt.Errorf("jq printed %.200q: %w", out, err)
	}
	g := record.Groups{}
	for k, v := range m {
		code, err := strconv.Atoi(k)
		if err != nil {
			return nil, took, fmt.Errorf("jq printed code %q", k)
		}
		g[code] = v
	}
	return g, took, nil
}

// duckColumns are the only fields the questions read; naming them is how a
// DuckDB user reads a wide JSON file (and it skips schema sampling).
const duckColumns = `{id: 'VARCHAR', createdDateTime: 'VARCHAR', userPrincipalName: 'VARCHAR', status: 'STRUCT(errorCode BIGINT)'}`

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func duckQuestions(q question) []map[string]string {
	window := fmt.Sprintf(`rtrim(createdDateTime, 'Z') >= %s and rtrim(createdDateTime, 'Z') < %s`, sqlString(q.since), sqlString(q.until))
	return []map[string]string{
		{"name": "newest", "sql": fmt.Sprintf(`select id, count(*) over () as n from {src}
where status.errorCode <> 0 and lower(userPrincipalName) = %s and %s
order by rtrim(createdDateTime, 'Z') desc, id desc limit %d`, sqlString(strings.ToLower(q.user)), window, newestN)},
		{"name": "groups", "sql": fmt.Sprintf(`select status.errorCode as code, count(*) as n from {src}
where status.errorCode <> 0 and %s group by 1 order by 2 desc, 1`, window)},
	}
}

// duckAnswers are DuckDB's answers and times, over the file (read_json on
// each question) and over a table loaded from it once.
type duckAnswers struct {
	version                string
	newest                 record.Newest
	groups                 record.Groups
	fileNewest, fileGroups []time.Duration
	tableLoad              time.Duration
	tabNewest, tabGroups   []time.Duration
	tableNewest            record.Newest
	tableGroups            record.Groups
}

type duckRun struct {
	MS   []float64        `json:"ms"`
	Rows []map[string]any `json:"rows"`
}

func (e *external) duckdb(ctx context.Context, path string, q question, runs int) (*duckAnswers, error) {
	spec, _ := json.Marshal(map[string]any{"file": path, "runs": runs, "columns": duckColumns, "questions": duckQuestions(q)})
	cmd := exec.CommandContext(ctx, e.node, e.script, e.duckdbDir, string(spec))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("duckdb: %w: %s", err, lastLine(stderr.Bytes()))
	}
	var res struct {
		Version     string             `json:"version"`
		OverFile    map[string]duckRun `json:"overFile"`
		TableLoadMS float64            `json:"tableLoadMs"`
		OverTable   map[string]duckRun `json:"overTable"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("duckdb printed %.200q: %w", out, err)
	}
	e.duckdbVersion = res.Version
	a := &duckAnswers{version: res.Version, tableLoad: ms(res.TableLoadMS)}
	a.newest, a.fileNewest = duckNewest(res.OverFile["newest"]), durations(res.OverFile["newest"].MS)
	a.groups, a.fileGroups = duckGroups(res.OverFile["groups"]), durations(res.OverFile["groups"].MS)
	a.tableNewest, a.tabNewest = duckNewest(res.OverTable["newest"]), durations(res.OverTable["newest"].MS)
	a.tableGroups, a.tabGroups = duckGroups(res.OverTable["groups"]), durations(res.OverTable["groups"].MS)
	return a, nil
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func durations(v []float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = ms(x)
	}
	return out
}

// number reads a DuckDB JSON value: BIGINTs come as strings.
func number(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return -1
}

func duckNewest(r duckRun) record.Newest {
	a := record.Newest{IDs: []string{}}
	for _, row := range r.Rows {
		a.Count = number(row["n"])
		id, _ := row["id"].(string)
		a.IDs = append(a.IDs, id)
	}
	return a
}

func duckGroups(r duckRun) record.Groups {
	g := record.Groups{}
	for _, row := range r.Rows {
		g[number(row["code"])] = number(row["n"])
	}
	return g
}

// versions names the anchors' versions for the comparison's caption.
func (e *external) versions() string {
	jq, duck := e.jqVersion, "DuckDB "+e.duckdbVersion+" (@duckdb/node-api@"+duckdbVersion+")"
	if jq == "" {
		jq = "jq: " + e.jqMissing
	}
	if e.duckdbVersion == "" {
		duck = "DuckDB: " + cmp.Or(e.duckdbMissing, "did not run")
	}
	return "Versions: " + jq + ", " + duck + "."
}
