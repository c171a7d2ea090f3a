// Package memory is an indexed, in-memory signin.Source over a fixed set of
// sign-ins. The files and demo sources load their records and serve them
// through it: searches by user, app, error code, IP, correlation ID or time
// window read an index, not every record.
package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// defaultPageSize is the rows a query without a limit gets.
const defaultPageSize = 25

// Store is the in-memory source. It is immutable after New and safe for
// concurrent use.
type Store struct {
	name    string
	recs    []signin.SignIn // newest first (CreatedAt desc, then ID)
	newest  time.Time
	follow  []signin.FollowUp // follow[i]: what came after recs[i] (signin.FollowUps)
	success *signin.Successes
	// uniqueIDs: no two records share an ID (case-insensitively), which
	// every Collection then says (signin.Collection.UniqueIDs).
	uniqueIDs bool
	cursors   *signin.Cursors

	byID    map[string]int
	byCorr  map[string][]int // positions, ascending (newest first)
	byUser  map[string][]int // lower-case UPN, object ID, and a guest's home address
	byApp   map[string][]int // lower-case names and IDs of app and service principal
	byCode  map[int][]int
	byIP    map[string][]int
	byType  map[signin.Type][]int
	failed  []string // UPNs of users with failures, sorted
	failedD map[string]string

	// Per record, the index of its user, app and IP in names: groups count
	// small integers instead of hashing strings.
	keys  []recKeys
	names []string

	// Per record, what a search reads of it (meta), packed so that a scan
	// of a million records reads 8 bytes of each instead of the record:
	// a search over the last day of a million-record tenant read every
	// record in the window and took 170 ms; it now takes a few.
	meta  []recMeta
	codes []int                // the distinct error codes, indexed by recMeta.code
	types map[signin.Type]byte // the distinct types, indexed from 1 in recMeta.typ
	// counters holds zeroed count arrays of len(names), for groups; kept
	// across collections, unlike a sync.Pool's, since one costs a clear of
	// a few hundred KB.
	countersMu sync.Mutex
	counters   [][]int32

	notes []string // said on every search's coverage (WithNotes)

	dir directory.Reader // the directory context's reader (WithDirectory), or nil
}

// Option configures New.
type Option func(*Store)

// WithNotes adds notes that every search's Coverage carries: what the
// loader left out of the records, which a model must know to trust an empty
// result.
func WithNotes(notes ...string) Option {
	return func(s *Store) { s.notes = append(s.notes, notes...) }
}

// WithDirectory sets the reader Store.Directory delegates to: the demo
// tenant's directory, or the audit events an export held
// (directory.NewMemory over files.Result.Directory).
func WithDirectory(r directory.Reader) Option {
	return func(s *Store) { s.dir = r }
}

// Directory implements directory.Reader: it asks the reader given with
// WithDirectory, or, without one, says that the source holds no directory
// data, so that a diagnosis stands on the sign-ins and says why it has no
// changes to show.
func (s *Store) Directory(ctx context.Context, q directory.Query) (directory.Context, error) {
	if s.dir != nil {
		return s.dir.Directory(ctx, q)
	}
	if err := ctx.Err(); err != nil {
		return directory.Context{}, err
	}
	return directory.Context{Coverage: directory.Coverage{
		Notes: []string{fmt.Sprintf("the %s source holds no directory data: audit events, account state, MFA registration, Conditional Access policies and app credentials are not read", s.name)},
	}}, nil
}

type recKeys struct{ user, app, ip int32 }

// recMeta is a record's error code (an index in Store.codes), type (an
// index in Store.types, from 1), exposure and whether it failed.
type recMeta struct {
	code     uint32
	typ      byte
	exposure byte
	failed   bool
}

// exposures are the values of recMeta.exposure.
var exposures = [...]signin.Exposure{signin.ExposureNone, signin.ExposureMFARejected, signin.ExposureHighRisk}

func exposureIndex(e signin.Exposure) byte {
	for i, x := range exposures {
		if x == e {
			return byte(i)
		}
	}
	return 0
}

// noKey marks a record without that field.
const noKey = -1

// New indexes recs (which it takes ownership of, sanitizes and reorders) as
// the source called name. It is the domain boundary of the sources served
// through it (files, demo): every record is sanitized here, once, so that no
// log text reaches a tool or a model uncleaned.
func New(name string, recs []signin.SignIn, opts ...Option) *Store {
	signin.SanitizeAll(recs)
	return index(name, recs, opts...)
}

// index is New without sanitizing: records it is given are already clean.
func index(name string, recs []signin.SignIn, opts ...Option) *Store {
	slices.SortFunc(recs, func(a, b signin.SignIn) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	s := &Store{
		name:    name,
		recs:    recs,
		cursors: signin.NewCursors(),
		byID:    make(map[string]int, len(recs)),
		byCorr:  map[string][]int{},
		byUser:  map[string][]int{},
		byApp:   map[string][]int{},
		byCode:  map[int][]int{},
		byIP:    map[string][]int{},
		byType:  map[signin.Type][]int{},
		failedD: map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	if len(recs) > 0 {
		s.newest = recs[0].CreatedAt
	}
	add := func(m map[string][]int, key string, i int) {
		if key == "" {
			return
		}
		l := m[key]
		if len(l) == 0 || l[len(l)-1] != i {
			m[key] = append(l, i)
		}
	}
	for i := range recs {
		r := &recs[i]
		s.byID[strings.ToLower(r.ID)] = i
		add(s.byCorr, strings.ToLower(r.CorrelationID), i)
		add(s.byUser, strings.ToLower(r.User.UPN), i)
		add(s.byUser, strings.ToLower(r.User.ID), i)
		// signin.MatchUser finds a guest by home address: index it, so that
		// the lookup stays one posting list.
		add(s.byUser, signin.HomeAddress(r.User.UPN), i)
		for _, k := range []string{r.App.ID, r.App.Name, r.ServicePrincipal.ID, r.ServicePrincipal.Name} {
			add(s.byApp, strings.ToLower(k), i)
		}
		s.byCode[r.Status.ErrorCode] = append(s.byCode[r.Status.ErrorCode], i)
		add(s.byIP, r.IPAddress, i)
		s.byType[r.Type] = append(s.byType[r.Type], i)
		if r.Failed() && r.User.UPN != "" {
			if _, ok := s.failedD[r.User.UPN]; !ok {
				s.failedD[r.User.UPN] = r.User.DisplayName
				s.failed = append(s.failed, r.User.UPN)
			}
		}
	}
	sort.Strings(s.failed)
	s.uniqueIDs = len(s.byID) == len(recs)
	s.keys = make([]recKeys, len(recs))
	dict := map[string]int32{}
	key := func(name string) int32 {
		if name == "" {
			return noKey
		}
		k, ok := dict[name]
		if !ok {
			k = int32(len(s.names))
			dict[name] = k
			s.names = append(s.names, name)
		}
		return k
	}
	for i := range recs {
		r := &recs[i]
		s.keys[i] = recKeys{user: key(r.WhoName()), app: key(r.AppName()), ip: key(r.IPAddress)}
	}
	s.meta = make([]recMeta, len(recs))
	s.types = map[signin.Type]byte{}
	codeIdx := map[int]uint32{}
	for i := range recs {
		r := &recs[i]
		c, ok := codeIdx[r.Status.ErrorCode]
		if !ok {
			c = uint32(len(s.codes))
			codeIdx[r.Status.ErrorCode] = c
			s.codes = append(s.codes, r.Status.ErrorCode)
		}
		t, ok := s.types[r.Type]
		if !ok && len(s.types) < 255 {
			t = byte(len(s.types) + 1)
			s.types[r.Type] = t
		}
		s.meta[i] = recMeta{code: c, typ: t, exposure: exposureIndex(r.Exposure()), failed: r.Failed()}
	}
	// What came after each failure is decided once, by the domain's rule,
	// so that a search only reads it.
	s.success = signin.NewSuccesses(recs)
	s.follow = make([]signin.FollowUp, len(recs))
	for i := range recs {
		if recs[i].Failed() {
			s.follow[i] = s.success.FollowUp(&recs[i])
		}
	}
	return s
}

// Name implements signin.Source.
func (s *Store) Name() string { return s.name }

// Len reports how many sign-ins are loaded.
func (s *Store) Len() int { return len(s.recs) }

// Now is the newest loaded record's time, so that "the last 24 hours" of an
// export means its last day, whenever it is read.
func (s *Store) Now(context.Context) (time.Time, error) { return s.newest, nil }

// Range returns the oldest and newest loaded times.
func (s *Store) Range() (oldest, newest time.Time) {
	if len(s.recs) == 0 {
		return time.Time{}, time.Time{}
	}
	return s.recs[len(s.recs)-1].CreatedAt, s.newest
}

// window returns the positions [lo, hi) of records with since <= t < until.
func (s *Store) window(since, until time.Time) (lo, hi int) {
	// recs are newest first: times descend with the index.
	lo = sort.Search(len(s.recs), func(i int) bool { return s.recs[i].CreatedAt.Before(until) })
	hi = sort.Search(len(s.recs), func(i int) bool { return s.recs[i].CreatedAt.Before(since) })
	return lo, hi
}

// countInWindow counts records of the given types in [lo, hi).
func (s *Store) countInWindow(types []signin.Type, lo, hi int) int {
	n := 0
	for _, t := range types {
		pos := s.byType[t]
		a, _ := slices.BinarySearch(pos, lo)
		b, _ := slices.BinarySearch(pos, hi)
		n += b - a
	}
	return n
}

// Search implements signin.Source.
func (s *Store) Search(ctx context.Context, q signin.Query) (signin.Page, error) {
	if q.Classify == nil {
		return signin.Page{}, fmt.Errorf("search %s: query has no classifier", s.name)
	}
	asked := q.TypesOrDefault(signin.AllTypes)
	fp := q.Fingerprint(asked)
	// Only the types the loaded records hold are searched and reported: an
	// export of interactive sign-ins holds no non-interactive ones.
	types := make([]signin.Type, 0, len(asked))
	var absent []string
	for _, t := range asked {
		if len(s.byType[t]) > 0 {
			types = append(types, t)
		} else {
			absent = append(absent, string(t))
		}
	}
	offset := 0
	if q.Cursor != "" {
		pos, _, err := s.cursors.Check(fp, q.Cursor)
		if err != nil {
			return signin.Page{}, err
		}
		offset = pos
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultPageSize
	}
	lo, hi := s.window(q.Since, q.Until)
	var matched []int
	n, completed := 0, 0
	outcomes := s.outcomes(q.Classify)
	typeOK := s.typeMask(types)
	list, whole := s.candidateList(q, lo, hi)
	// check reports whether the record at i is matched. The window and the
	// types are all that a query without an indexed filter asks (Matches):
	// those read only the metadata; the others read the record.
	check := func(i int) bool {
		m := s.meta[i]
		if !m.failed || !typeOK[m.typ] || (!whole && !q.Matches(&s.recs[i], types)) {
			return false
		}
		switch outcomes[m.code] {
		case signin.OutcomeSuccess:
			return false
		case signin.OutcomeInterrupt:
			if !q.IncludeInterrupts && s.follow[i].Completed {
				completed++
				return false
			}
		}
		return true
	}
	if whole {
		for i := lo; i < hi; i++ {
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return signin.Page{}, ctx.Err()
			}
			if m := s.meta[i]; m.failed && typeOK[m.typ] && check(i) {
				matched = append(matched, i)
			}
		}
	} else {
		for _, i := range list {
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return signin.Page{}, ctx.Err()
			}
			if check(i) {
				matched = append(matched, i)
			}
		}
	}
	page := signin.Page{
		Groups: s.groups(matched),
		Coverage: signin.Coverage{
			Source: s.name, Since: q.Since, Until: q.Until, Types: types,
			Scanned: s.countInWindow(types, lo, hi), Matched: len(matched),
			Notes: append([]string{}, s.notes...), Holds: s.holds(),
			InterruptsLeftOut: completed,
		},
	}
	if note := signin.CompletedInterruptsNote(completed); note != "" {
		page.Coverage.Notes = append(page.Coverage.Notes, note)
	}
	page.Coverage.Oldest, page.Coverage.Newest = s.Range()
	if len(absent) > 0 && len(q.Types) > 0 {
		page.Coverage.Notes = append(page.Coverage.Notes, fmt.Sprintf("%s asked for, but the %s source holds no sign-ins of %s",
			strings.Join(absent, ", "), s.name, plural.Of(len(absent), "that type", "those types")))
	}
	if offset > len(matched) {
		offset = len(matched)
	}
	end := min(offset+limit, len(matched))
	for _, i := range matched[offset:end] {
		r := s.recs[i]
		f := s.follow[i]
		page.Rows = append(page.Rows, signin.Row{SignIn: r, Outcome: q.Classify(r.Status.ErrorCode), FollowedBySuccess: f.FollowedBySuccess, Completed: f.Completed})
	}
	page.Coverage.Returned = len(page.Rows)
	total := len(matched)
	page.Resume = func(n int) string {
		if offset+n >= total {
			return ""
		}
		return s.cursors.Issue(fp, q.Since, q.Until, offset+n, "")
	}
	page.Coverage.NextCursor = page.Resume(len(page.Rows))
	page.Coverage.Truncated = page.Coverage.NextCursor != ""
	if offset > 0 {
		page.Coverage.Notes = append(page.Coverage.Notes, fmt.Sprintf("continued from a cursor: rows %d-%d of %d", offset+1, end, total))
	}
	return page, nil
}

// holds lists the types the store holds records of, in AllTypes order.
func (s *Store) holds() []signin.Type {
	out := []signin.Type{}
	for _, t := range signin.AllTypes {
		if len(s.byType[t]) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// candidateList returns the positions worth checking, ascending: the
// shortest posting list among the query's indexed filters, cut to the
// window, or whole when no indexed filter applies and every position of
// [lo, hi) is a candidate.
func (s *Store) candidateList(q signin.Query, lo, hi int) (list []int, whole bool) {
	var lists [][]int
	if q.CorrelationID != "" {
		lists = append(lists, s.byCorr[strings.ToLower(q.CorrelationID)])
	}
	if q.User != "" {
		lists = append(lists, s.union(s.byUser[strings.ToLower(q.User)], s.byUser[q.User]))
	}
	if q.App != "" {
		lists = append(lists, s.union(s.byApp[strings.ToLower(q.App)], s.byApp[q.App]))
	}
	if q.ErrorCode != nil {
		lists = append(lists, s.byCode[*q.ErrorCode])
	}
	if q.IPAddress != "" {
		lists = append(lists, s.byIP[q.IPAddress])
	}
	if len(lists) == 0 {
		return nil, true
	}
	best := slices.MinFunc(lists, func(a, b []int) int { return cmp.Compare(len(a), len(b)) })
	a, _ := slices.BinarySearch(best, lo)
	b, _ := slices.BinarySearch(best, hi)
	return best[a:max(a, b)], false
}

// union merges two ascending position lists without duplicates.
func (s *Store) union(a, b []int) []int {
	if len(b) == 0 || slices.Equal(a, b) {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// outcomes classifies every error code the store holds, once per search
// rather than once per record.
func (s *Store) outcomes(classify signin.Classifier) []signin.Outcome {
	out := make([]signin.Outcome, len(s.codes))
	for i, c := range s.codes {
		out[i] = classify(c)
	}
	return out
}

// typeMask marks the recMeta.typ values of types.
func (s *Store) typeMask(types []signin.Type) *[256]bool {
	var ok [256]bool
	for _, t := range types {
		if i, found := s.types[t]; found {
			ok[i] = true
		}
	}
	return &ok
}

// groups aggregates every matched record by error code, largest group
// first. matched is ascending: newest first.
func (s *Store) groups(matched []int) []signin.Group {
	// The groups in order of first appearance, and the matched records
	// of each, grouped by a counting sort.
	groupOf := map[uint32]int{}
	var out []signin.Group
	var sizes []int
	for _, i := range matched {
		m := s.meta[i]
		g, ok := groupOf[m.code]
		if !ok {
			g = len(out)
			groupOf[m.code] = g
			out = append(out, signin.Group{ErrorCode: s.codes[m.code], LastSeen: s.recs[i].CreatedAt})
			sizes = append(sizes, 0)
		}
		sizes[g]++
		out[g].Count++
		out[g].AddExposure(exposures[m.exposure])
	}
	starts := make([]int, len(out)+1)
	for g, n := range sizes {
		starts[g+1] = starts[g] + n
	}
	members := make([]int, len(matched))
	fill := slices.Clone(starts[:len(out)])
	for _, i := range matched {
		g := groupOf[s.meta[i].code]
		members[fill[g]] = i
		fill[g]++
	}
	cnt := s.counter()
	defer s.putCounter(cnt)
	var touched []int32
	for g := range out {
		in := members[starts[g]:starts[g+1]]
		out[g].FirstSeen = s.recs[in[len(in)-1]].CreatedAt
		out[g].Users, out[g].UserCount = s.top(in, cnt, &touched, keyUser, signin.GroupTopUsers)
		out[g].Apps, out[g].AppCount = s.top(in, cnt, &touched, keyApp, signin.GroupTopApps)
		out[g].IPAddresses, out[g].IPCount = s.top(in, cnt, &touched, keyIP, signin.GroupTopIPs)
	}
	signin.SortGroups(out)
	if out == nil {
		out = []signin.Group{}
	}
	return out
}

// counter returns a zeroed count array of len(s.names).
func (s *Store) counter() []int32 {
	s.countersMu.Lock()
	defer s.countersMu.Unlock()
	if n := len(s.counters); n > 0 {
		c := s.counters[n-1]
		s.counters = s.counters[:n-1]
		return c
	}
	return make([]int32, len(s.names))
}

// putCounter keeps c, zeroed again, for the next search; a few are kept,
// one per concurrent search.
func (s *Store) putCounter(c []int32) {
	s.countersMu.Lock()
	defer s.countersMu.Unlock()
	if len(s.counters) < 4 {
		s.counters = append(s.counters, c)
	}
}

// The fields of recKeys, for top.
const (
	keyUser = iota
	keyApp
	keyIP
)

// top counts the keys (field of each record's recKeys) of the records in,
// and returns the n most counted as values with their counts, in
// signin.SortCounts order, and how many distinct keys there were. cnt is
// zero on entry and on return; touched is scratch space.
func (s *Store) top(in []int, cnt []int32, touched *[]int32, field int, n int) ([]signin.Count, int) {
	t := (*touched)[:0]
	for _, i := range in {
		var k int32
		switch field {
		case keyUser:
			k = s.keys[i].user
		case keyApp:
			k = s.keys[i].app
		default:
			k = s.keys[i].ip
		}
		if k == noKey {
			continue
		}
		if cnt[k] == 0 {
			t = append(t, k)
		}
		cnt[k]++
	}
	// The n best under SortCounts' order (count down, then value up), kept
	// sorted: the same as sorting every count and keeping n.
	best := make([]signin.Count, 0, min(n, len(t)))
	less := func(a, b signin.Count) bool {
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Value < b.Value
	}
	for _, k := range t {
		c := signin.Count{Value: s.names[k], Count: int(cnt[k])}
		cnt[k] = 0
		if len(best) == n && !less(c, best[n-1]) {
			continue
		}
		if len(best) < n {
			best = append(best, c)
		} else {
			best[n-1] = c
		}
		for j := len(best) - 1; j > 0 && less(best[j], best[j-1]); j-- {
			best[j], best[j-1] = best[j-1], best[j]
		}
	}
	*touched = t
	return best, len(t)
}

// Get implements signin.Source; IDs compare case-insensitively.
func (s *Store) Get(_ context.Context, id string) (signin.SignIn, error) {
	i, ok := s.byID[strings.ToLower(strings.TrimSpace(id))]
	if !ok {
		oldest, newest := s.Range()
		return signin.SignIn{}, fmt.Errorf("%w: no sign-in with ID %q among the %d loaded by the %s source (%s to %s)",
			signin.ErrNotFound, id, len(s.recs), s.name, oldest.Format(time.RFC3339), newest.Format(time.RFC3339))
	}
	return s.recs[i], nil
}

// Correlated implements signin.Source.
func (s *Store) Correlated(_ context.Context, correlationID string) ([]signin.SignIn, error) {
	pos := s.byCorr[strings.ToLower(strings.TrimSpace(correlationID))]
	out := make([]signin.SignIn, 0, len(pos))
	for j := len(pos) - 1; j >= 0; j-- {
		out = append(out, s.recs[pos[j]])
	}
	return out, nil
}

// NextSuccess implements signin.Source from the index of successes built
// at New.
func (s *Store) NextSuccess(_ context.Context, f signin.SignIn) (*signin.SuccessRef, error) {
	if i, ok := s.byID[strings.ToLower(f.ID)]; ok && s.recs[i].CreatedAt.Equal(f.CreatedAt) {
		return s.follow[i].NextSuccess(), nil
	}
	return s.success.FollowUp(&f).NextSuccess(), nil
}

// FailedUsers implements signin.Source.
func (s *Store) FailedUsers(_ context.Context, prefix string, max int) ([]string, error) {
	p := strings.ToLower(prefix)
	out := []string{}
	for _, upn := range s.failed {
		if strings.HasPrefix(strings.ToLower(upn), p) || strings.HasPrefix(strings.ToLower(s.failedD[upn]), p) {
			out = append(out, upn)
			if max > 0 && len(out) == max {
				break
			}
		}
	}
	return out, nil
}
