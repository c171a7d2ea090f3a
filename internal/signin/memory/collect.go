package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// progressEvery is how many records Collect examines between two progress
// calls: often enough for a person watching a million-record tenant, rare
// enough to cost nothing per record.
const progressEvery = 1 << 16

// cancelEvery is how many records Collect examines between two looks at its
// context, as Search does.
const cancelEvery = 4096

// Collect implements signin.Collector from the store's indexes: the
// subject's sign-ins in the window (failures and successes) from its
// shortest posting list, its last success before the window from the same
// list read on past the window (as far back as the store goes), and other
// users' sign-ins from the IPs of its password failures from the IP index.
// With no subject, every sign-in in the window.
func (s *Store) Collect(ctx context.Context, c signin.Collect) (signin.Collection, error) {
	if err := ctx.Err(); err != nil {
		return signin.Collection{}, err
	}
	types, typeNotes := s.collectTypes(c.Types)
	out := signin.Collection{Coverage: signin.CollectCoverage{
		Source: s.name, Since: c.Since, Until: c.Until, Types: types, Holds: s.holds(),
		Notes: append(append([]string{}, s.notes...), typeNotes...),
	}, UniqueIDs: s.uniqueIDs}
	lo, hi := s.window(c.Since, c.Until)
	hi = max(lo, hi)
	q := c.Query(types)
	list, whole := s.candidateList(q, lo, hi)
	// One allocation of at most what can match: a million-record store
	// makes every growth of a large slice, and the GC it triggers, dear.
	total := len(list)
	shared := false
	switch {
	case whole && s.countInWindow(types, lo, hi) == hi-lo:
		// Every record in the window matches (a tenant, every type it
		// holds): the window itself is the answer, in the same order. A
		// copy of a million-record tenant's two days (285,000 records of
		// 816 bytes) took a second. The records are shared, capacity
		// capped: a caller that appends gets its own array, and no caller
		// writes to them (Collection's records are read-only, as the
		// store's are).
		out.SignIns = s.recs[lo:hi:hi]
		total, shared = hi-lo, true
	case whole:
		total = hi - lo
		out.SignIns = make([]signin.SignIn, 0, s.countInWindow(types, lo, hi))
	default:
		out.SignIns = make([]signin.SignIn, 0, total)
	}
	progress := func(done int, msg string) {
		if c.Progress != nil {
			c.Progress(done, total, msg)
		}
	}
	at := func(n int) int {
		if whole {
			return lo + n
		}
		return list[n]
	}
	if shared {
		// What the loop below reports as it reads, without reading.
		for n := progressEvery; n < total; n += progressEvery {
			if err := ctx.Err(); err != nil {
				return signin.Collection{}, err
			}
			progress(n, fmt.Sprintf("read %d of %d sign-ins", n, total))
		}
	}
	read := total
	if shared {
		read = 0 // the window is the answer
	}
	for n := range read {
		if n%cancelEvery == 0 && n > 0 {
			if err := ctx.Err(); err != nil {
				return signin.Collection{}, err
			}
			if n%progressEvery == 0 {
				progress(n, fmt.Sprintf("read %d of %d sign-ins", n, total))
			}
		}
		r := &s.recs[at(n)]
		if q.Matches(r, types) {
			out.SignIns = append(out.SignIns, *r)
		}
	}
	for i := range out.SignIns {
		if out.SignIns[i].Failed() {
			out.Coverage.Failures++
		} else {
			out.Coverage.Successes++
		}
	}
	kind := c.SubjectKind()
	if kind == "tenant" {
		out.FollowUps = s.followUps(out.SignIns, lo, c.Until, shared)
	}
	if kind == "user" || kind == "app" {
		last, err := s.lastSuccess(ctx, c, types, hi)
		if err != nil {
			return signin.Collection{}, err
		}
		out.LastSuccess = last
		out.LastSuccessSearchedFrom, _ = s.Range()
	}
	if kind != "tenant" && kind != "ipAddress" {
		if err := s.sameIP(ctx, c, lo, hi, &out); err != nil {
			return signin.Collection{}, err
		}
	}
	progress(total, fmt.Sprintf("read %s", plural.Count(len(out.SignIns)+len(out.SameIP), "sign-in", "sign-ins")))
	return out, nil
}

// collectTypes returns the types a Collect reads (those asked, or every type
// the store holds, in AllTypes order) and a note naming any asked for that
// the store holds none of.
func (s *Store) collectTypes(asked []signin.Type) ([]signin.Type, []string) {
	if len(asked) == 0 {
		return s.holds(), nil
	}
	types := []signin.Type{}
	var absent []signin.Type
	for _, t := range asked {
		switch {
		case slices.Contains(types, t) || slices.Contains(absent, t):
		case len(s.byType[t]) > 0:
			types = append(types, t)
		default:
			absent = append(absent, t)
		}
	}
	signin.SortTypes(types)
	if len(absent) == 0 {
		return types, nil
	}
	signin.SortTypes(absent)
	return types, []string{fmt.Sprintf("%s asked for, but the %s source holds none", signin.TypesPhrase(absent), s.name)}
}

// subjectList is the posting list of c's user or app subject, ascending
// (newest first); MatchesSubject still decides each record.
func (s *Store) subjectList(c signin.Collect) []int {
	if c.User != "" {
		return s.union(s.byUser[strings.ToLower(c.User)], s.byUser[c.User])
	}
	return s.union(s.byApp[strings.ToLower(c.App)], s.byApp[c.App])
}

// lastSuccess reads the subject's posting list on from the window's start
// (position hi) to its first success of a type read: the newest before the
// window, however old.
func (s *Store) lastSuccess(ctx context.Context, c signin.Collect, types []signin.Type, hi int) (*signin.SignIn, error) {
	list := s.subjectList(c)
	a, _ := slices.BinarySearch(list, hi)
	for n, i := range list[a:] {
		if n%cancelEvery == 0 && n > 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		r := &s.recs[i]
		if !r.Failed() && slices.Contains(types, r.Type) && c.MatchesSubject(r) {
			last := *r
			return &last, nil
		}
	}
	return nil, nil
}

// sameIP reads, for each IP the subject's password failures came from (most
// failures first, at most SameIPMaxIPs), the newest SameIPMaxPerIP sign-ins
// of each type those failures were logged as in the window, and keeps the
// ones that are not the subject's. It reads what Graph's one request per IP
// and type returns, so that both sources answer the same.
func (s *Store) sameIP(ctx context.Context, c signin.Collect, lo, hi int, out *signin.Collection) error {
	targets := signin.SameIPTargets(out.SignIns)
	if len(targets) > signin.SameIPMaxIPs {
		cut := targets[signin.SameIPMaxIPs:]
		targets = targets[:signin.SameIPMaxIPs]
		out.Coverage.Truncated = true
		out.Coverage.Notes = append(out.Coverage.Notes, fmt.Sprintf("other sign-ins from the same IPs were read for the %d IPs with the most password failures; %s with fewer (%s) were not read",
			signin.SameIPMaxIPs, plural.Count(len(cut), "IP", "IPs"), signin.NameIPs(cut)))
	}
	var full []string
	for _, t := range targets {
		pos := s.byIP[t.IP]
		a, _ := slices.BinarySearch(pos, lo)
		b, _ := slices.BinarySearch(pos, hi)
		for _, typ := range t.Types {
			read := 0
			for n, i := range pos[a:max(a, b)] {
				if n%cancelEvery == 0 && n > 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				r := &s.recs[i]
				if r.Type != typ {
					continue
				}
				if read == signin.SameIPMaxPerIP {
					full = append(full, t.IP)
					break
				}
				read++
				if !c.MatchesSubject(r) {
					out.SameIP = append(out.SameIP, *r)
				}
			}
		}
	}
	out.Coverage.SameIP = len(out.SameIP)
	if len(full) > 0 {
		out.Coverage.Truncated = true
		out.Coverage.Notes = append(out.Coverage.Notes, fmt.Sprintf("only the newest %d sign-ins of each type were read from %s: %s",
			signin.SameIPMaxPerIP, plural.Of(len(full), "this IP", "these IPs"), strings.Join(slices.Compact(full), ", ")))
	}
	return nil
}

// followUps returns signin.FollowUps(recs) for a tenant's window recs (every
// record of the types read in [since, until), recs[lo] the newest) from the
// store's index of successes, which holds the window's and the later ones:
// bounded at until, it answers what an index of recs would. With nothing
// after the window, the follow-ups computed at New are the answer.
func (s *Store) followUps(recs []signin.SignIn, lo int, until time.Time, shared bool) []signin.FollowUp {
	if shared && lo == 0 {
		return s.follow[:len(recs):len(recs)]
	}
	out := make([]signin.FollowUp, len(recs))
	for i := range recs {
		if recs[i].Failed() {
			out[i] = s.success.FollowUpBefore(&recs[i], until)
		}
	}
	return out
}
