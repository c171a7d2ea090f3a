package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/bench/internal/record"
)

// searchResult is the part of search_failed_signins' structured content the
// record reads.
type searchResult struct {
	SignIns []struct {
		ID string `json:"id"`
	} `json:"signIns"`
	Groups []struct {
		ErrorCode int `json:"errorCode"`
		Count     int `json:"count"`
	} `json:"groups"`
	Coverage struct {
		Matched    int      `json:"matched"`
		NextCursor string   `json:"nextCursor"`
		Notes      []string `json:"notes"`
	} `json:"coverage"`
}

func toolArgs(q question) (newest, groups, diagnose, triage string) {
	args := func(m map[string]any) string {
		b, _ := json.Marshal(m)
		return string(b)
	}
	since, until := q.since+"Z", q.until+"Z"
	newest = args(map[string]any{"user": q.user, "since": since, "until": until, "includeInterrupts": true, "limit": newestN})
	groups = args(map[string]any{"since": since, "until": until, "includeInterrupts": true, "limit": 1})
	diagnose = args(map[string]any{"user": q.user, "since": since, "until": until})
	triage = args(map[string]any{"since": since, "until": until})
	return newest, groups, diagnose, triage
}

// askNewest asks for the user's newest 25 failures. The tool may return
// fewer to keep its answer small and a cursor for the rest: the answer's
// time is that of every page needed to get 25.
func askNewest(ctx context.Context, s *session, args string) (record.Newest, time.Duration, error) {
	var total time.Duration
	a := record.Newest{IDs: []string{}}
	for page := 0; ; page++ {
		var res searchResult
		took, err := s.call(ctx, "search_failed_signins", args, &res)
		total += took
		if err != nil {
			return a, total, err
		}
		if page == 0 {
			a.Count = res.Coverage.Matched
		}
		for _, row := range res.SignIns {
			if len(a.IDs) < newestN {
				a.IDs = append(a.IDs, row.ID)
			}
		}
		if len(a.IDs) >= newestN || res.Coverage.NextCursor == "" || page > newestN {
			return a, total, nil
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(args), &m)
		m["cursor"] = res.Coverage.NextCursor
		b, _ := json.Marshal(m)
		args = string(b)
	}
}

// askGroups asks for every failure in the window grouped by error code: the
// answer's groups and, for groups that did not fit, the counts its note
// names, and what it counts without naming.
func askGroups(ctx context.Context, s *session, args string) (record.Groups, record.Unnamed, time.Duration, error) {
	var res searchResult
	took, err := s.call(ctx, "search_failed_signins", args, &res)
	if err != nil {
		return nil, record.Unnamed{}, took, err
	}
	g := record.Groups{}
	for _, grp := range res.Groups {
		g[grp.ErrorCode] += grp.Count
	}
	var rest record.Unnamed
	for _, note := range res.Coverage.Notes {
		if r, ok := record.ParseLeftOut(note, g); ok {
			rest = r
		}
	}
	return g, rest, took, nil
}

// timeOnly makes n timed calls whose answers are not compared.
func timeOnly(ctx context.Context, s *session, name, args string, n int) ([]time.Duration, error) {
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

// compareExternal asks jq and DuckDB the two questions over the same file,
// checks their answers against ours and adds the rows.
func compareExternal(ctx context.Context, r *recorder, ext *external, path, label string, n int, q question,
	newest record.Newest, groups record.Groups, rest record.Unnamed, newestLat, groupLat []time.Duration, t *record.Table) {
	runs := r.cfg.extRuns
	if n >= 1_000_000 {
		runs = 1
	}
	type side struct {
		cell   string // the time, or why there is none
		median time.Duration
		diff   string // "" when the answer matched
	}
	measured := func(d []time.Duration) side {
		m := record.Percentile(d, 0.5)
		return side{cell: record.Duration(m), median: m}
	}
	unavailable := func(why string) side { return side{cell: "n/a: " + why} }

	var jqNewest, jqGroups side
	switch {
	case ext.jq == "":
		jqNewest, jqGroups = unavailable(ext.jqMissing), unavailable(ext.jqMissing)
	default:
		r.progress("%s: jq, %d run(s) per question", label, runs)
		jqNewest, jqGroups = func() (side, side) {
			var dn, dg []time.Duration
			var an record.Newest
			var ag record.Groups
			for range runs {
				a, took, err := ext.jqNewest(ctx, path, q)
				if err != nil {
					r.problem("%s: jq failed: %v", label, err)
					return unavailable("jq failed"), unavailable("jq failed")
				}
				an, dn = a, append(dn, took)
				g, took, err := ext.jqGroups(ctx, path, q)
				if err != nil {
					r.problem("%s: jq failed: %v", label, err)
					return unavailable("jq failed"), unavailable("jq failed")
				}
				ag, dg = g, append(dg, took)
			}
			r.samplesOf("SearchUser/size="+label+"/jq", dn)
			r.samplesOf("SearchGroups/size="+label+"/jq", dg)
			sn, sg := measured(dn), measured(dg)
			sn.diff, sg.diff = record.CompareNewest(newest, an), record.CompareGroupsWithUnnamed(groups, rest, ag)
			return sn, sg
		}()
	}

	var duckNewest, duckGroups, tabNewest, tabGroups side
	switch {
	case ext.script == "":
		duckNewest = unavailable(ext.duckdbMissing)
		duckGroups, tabNewest, tabGroups = duckNewest, duckNewest, duckNewest
	default:
		r.progress("%s: DuckDB, %d run(s) per question", label, runs)
		a, err := ext.duckdb(ctx, path, q, runs)
		if err != nil {
			r.problem("%s: DuckDB failed: %v", label, err)
			duckNewest = unavailable("DuckDB failed")
			duckGroups, tabNewest, tabGroups = duckNewest, duckNewest, duckNewest
			break
		}
		r.samplesOf("SearchUser/size="+label+"/duckdb-file", a.fileNewest)
		r.samplesOf("SearchGroups/size="+label+"/duckdb-file", a.fileGroups)
		r.samplesOf("SearchUser/size="+label+"/duckdb-table", a.tabNewest)
		r.samplesOf("SearchGroups/size="+label+"/duckdb-table", a.tabGroups)
		r.sample("DuckDBTableLoad/size="+label, 1, a.tableLoad)
		duckNewest, duckGroups = measured(a.fileNewest), measured(a.fileGroups)
		tabNewest, tabGroups = measured(a.tabNewest), measured(a.tabGroups)
		tabNewest.cell += fmt.Sprintf(" (+%s load)", record.Duration(a.tableLoad))
		tabGroups.cell += fmt.Sprintf(" (+%s load)", record.Duration(a.tableLoad))
		duckNewest.diff, duckGroups.diff = record.CompareNewest(newest, a.newest), record.CompareGroupsWithUnnamed(groups, rest, a.groups)
		tabNewest.diff, tabGroups.diff = record.CompareNewest(newest, a.tableNewest), record.CompareGroupsWithUnnamed(groups, rest, a.tableGroups)
	}

	verdict := func(label, question string, sides map[string]side) string {
		out, checked := "yes", 0
		for _, name := range []string{"jq", "DuckDB read_json", "DuckDB table"} {
			s := sides[name]
			if s.median == 0 {
				continue
			}
			checked++
			if s.diff != "" {
				out = "**NO**"
				r.problem("%s, %s: %s's answer differs from ours: %s", label, question, name, s.diff)
			}
		}
		if checked == 0 {
			return "not checked (no other side)"
		}
		return out
	}
	if q.user != "" {
		ours := record.Percentile(newestLat, 0.5)
		t.Add(label, fmt.Sprintf("failed sign-ins of the user, newest %d", newestN),
			fmt.Sprintf("%d matched; newest %s", newest.Count, firstID(newest.IDs)),
			record.Duration(ours), jqNewest.cell, duckNewest.cell, tabNewest.cell,
			record.Ratio(ours, jqNewest.median), record.Ratio(ours, duckNewest.median),
			verdict(label, "the user's failures", map[string]side{"jq": jqNewest, "DuckDB read_json": duckNewest, "DuckDB table": tabNewest}))
	}
	ours := record.Percentile(groupLat, 0.5)
	answer := fmt.Sprintf("%d codes, %d failures; top %s", len(groups)+rest.Codes, groups.Total()+rest.SignIns, groups.Top(2))
	if rest.Codes > 0 {
		answer += fmt.Sprintf(" (%s with %d sign-ins counted, not named)", plural(rest.Codes, "code", "codes"), rest.SignIns)
	}
	t.Add(label, "failures by error code, with counts", answer,
		record.Duration(ours), jqGroups.cell, duckGroups.cell, tabGroups.cell,
		record.Ratio(ours, jqGroups.median), record.Ratio(ours, duckGroups.median),
		verdict(label, "the groups", map[string]side{"jq": jqGroups, "DuckDB read_json": duckGroups, "DuckDB table": tabGroups}))
}

func firstID(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return ids[0][:8] + "…"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
