package loganalytics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

// Collect implements signin.Collector in a few queries: the subject's
// failures and its successes in the window, a user's or app's last success
// before it (arg_max per type), then the other sign-ins from the IPs of its
// password failures, with Progress after each query. Every type is read:
// one union costs the workspace what one table does. A part the row limit
// cut sets Coverage.Truncated with a note.
func (s *Source) Collect(ctx context.Context, c signin.Collect) (signin.Collection, error) {
	if err := ctx.Err(); err != nil {
		return signin.Collection{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	types := []signin.Type{}
	for _, t := range c.Types {
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		types = slices.Clone(signin.AllTypes)
	}
	signin.SortTypes(types)
	kind := c.SubjectKind()
	out := signin.Collection{Coverage: signin.CollectCoverage{Source: Name, Since: c.Since, Until: c.Until, Types: types, Notes: []string{}}}
	cl := &call{s: s}

	total := 2
	if kind == "user" || kind == "app" {
		total++
	}
	sameIP := kind != "tenant" && kind != "ipAddress"
	if sameIP {
		total++
	}
	var pmu sync.Mutex
	done := 0
	progress := func(msg string) {
		pmu.Lock()
		defer pmu.Unlock()
		done++
		if c.Progress != nil {
			c.Progress(done, total, msg)
		}
	}

	q := c.Query(types)
	w := span{c.Since, c.Until}
	var failures, successes []row
	var last *signin.SignIn
	read := func(outcome kql.Outcome, what string, dst *[]row) func(context.Context) error {
		return func(ctx context.Context) error {
			text, err := kql.Rows(kql.Select{Query: q, Outcome: outcome}, kql.MaxRows, nil)
			if err != nil {
				return err
			}
			rows, err := cl.rows(ctx, text, w, what)
			if err != nil {
				return err
			}
			*dst = rows
			if len(rows) == kql.MaxRows {
				cl.note(fmt.Sprintf("only the newest %d %s in the window were read; narrow the window to read the rest", kql.MaxRows, what))
				cl.mu.Lock()
				cl.partial = true
				cl.mu.Unlock()
			}
			progress(fmt.Sprintf("read %s", plural.Count(len(rows), strings.TrimSuffix(what, "s"), what)))
			return nil
		}
	}
	fns := []func(context.Context) error{read(kql.Failures, "failed sign-ins", &failures), read(kql.Successes, "successful sign-ins", &successes)}
	if kind == "user" || kind == "app" {
		from := c.Since.Add(-lastSuccessLookback)
		out.LastSuccessSearchedFrom = from
		fns = append(fns, func(ctx context.Context) error {
			lq := q
			lq.Since, lq.Until = from, c.Since
			text, err := kql.LastSuccess(kql.Select{Query: lq})
			if err != nil {
				return err
			}
			rows, err := cl.rows(ctx, text, span{from, c.Since}, "the last success before the window")
			if err != nil {
				return err
			}
			slices.SortFunc(rows, func(a, b row) int {
				if d := b.CreatedAt.Compare(a.CreatedAt); d != 0 {
					return d
				}
				return cmp.Compare(a.ID, b.ID)
			})
			if len(rows) > 0 {
				l := rows[0].SignIn
				last = &l
			}
			progress("read the last success before the window")
			return nil
		})
	}
	if err := parallel(ctx, fns...); err != nil {
		return signin.Collection{}, err
	}
	// Newest first, as the other sources read a window.
	all := append(failures, successes...)
	slices.SortFunc(all, newestFirst)
	out.SignIns = plain(all)
	out.LastSuccess = last
	out.Coverage.Failures, out.Coverage.Successes = len(failures), len(successes)

	if sameIP {
		if err := s.sameIP(ctx, cl, c, &out); err != nil {
			return signin.Collection{}, err
		}
		progress(fmt.Sprintf("read %s from the same IPs", plural.Count(len(out.SameIP), "other sign-in", "other sign-ins")))
	}
	out.Coverage.Requests = cl.requests
	out.Coverage.Notes = append(out.Coverage.Notes, cl.notes...)
	out.Coverage.Truncated = out.Coverage.Truncated || cl.partial
	return out, nil
}

// sameIP reads the other sign-ins from the IPs of the subject's password
// failures, as the other sources do: the SameIPMaxIPs most failing IPs, and
// per IP and type the newest SameIPMaxPerIP sign-ins, the subject's own
// counted in; one more is asked for to tell a full IP.
func (s *Source) sameIP(ctx context.Context, cl *call, c signin.Collect, out *signin.Collection) error {
	targets := signin.SameIPTargets(out.SignIns)
	if len(targets) == 0 {
		return nil
	}
	if len(targets) > signin.SameIPMaxIPs {
		cut := targets[signin.SameIPMaxIPs:]
		targets = targets[:signin.SameIPMaxIPs]
		out.Coverage.Truncated = true
		out.Coverage.Notes = append(out.Coverage.Notes, fmt.Sprintf("other sign-ins from the same IPs were read for the %d IPs with the most password failures; %s with fewer (%s) were not read",
			signin.SameIPMaxIPs, plural.Count(len(cut), "IP", "IPs"), signin.NameIPs(cut)))
	}
	text, err := kql.SameIP(targets, c.Since, c.Until, signin.SameIPMaxPerIP+1)
	if err != nil {
		return err
	}
	rows, err := cl.rows(ctx, text, span{c.Since, c.Until}, "the sign-ins from the same IPs")
	if err != nil {
		return err
	}
	type key struct {
		ip  string
		typ signin.Type
	}
	read := map[key]int{}
	over := map[key]bool{}
	for i := range rows {
		r := &rows[i].SignIn
		k := key{r.IPAddress, r.Type}
		if read[k] == signin.SameIPMaxPerIP {
			over[k] = true
			continue
		}
		read[k]++
		if !c.MatchesSubject(r) {
			out.SameIP = append(out.SameIP, *r)
		}
	}
	// In the targets' order (most failures first), each IP's types in
	// their order, newest first within: the order the other sources read
	// them in.
	rank := map[key]int{}
	for _, t := range targets {
		for _, ty := range t.Types {
			rank[key{t.IP, ty}] = len(rank)
		}
	}
	slices.SortStableFunc(out.SameIP, func(a, b signin.SignIn) int {
		return cmp.Compare(rank[key{a.IPAddress, a.Type}], rank[key{b.IPAddress, b.Type}])
	})
	out.Coverage.SameIP = len(out.SameIP)
	var full []string // in the targets' order, as the other sources name them
	for _, t := range targets {
		for _, ty := range t.Types {
			if over[key{t.IP, ty}] {
				full = append(full, t.IP)
			}
		}
	}
	if len(full) > 0 {
		out.Coverage.Truncated = true
		out.Coverage.Notes = append(out.Coverage.Notes, fmt.Sprintf("only the newest %d sign-ins of each type were read from %s: %s",
			signin.SameIPMaxPerIP, plural.Of(len(full), "this IP", "these IPs"), strings.Join(slices.Compact(full), ", ")))
	}
	return nil
}
