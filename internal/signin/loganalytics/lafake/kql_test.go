package lafake

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

// corpus is the generated sign-ins (every type, the common failures) and
// every fixture's, loaded once.
func corpus(t *testing.T) []signin.SignIn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "generated.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := filestest.Generate(f, files.FormatGraphJSONLines, 2000, 5); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	paths := []string{path}
	for _, p := range fixtureFiles(t) {
		if !strings.Contains(p, "generated-") {
			paths = append(paths, p)
		}
	}
	return load(t, paths...)
}

// view is a sign-in as its table shows it: a column the table lacks reads
// as column_ifexists's default.
type view struct {
	si    *signin.SignIn
	table string
	strs  map[string]string // str's answers, computed once
}

func (v view) has(name string) bool {
	return slices.ContainsFunc(schemas[v.table], func(c Column) bool { return c.Name == name })
}

// str is the column as text (tostring(column_ifexists(name, ""))).
func (v view) str(name string) string {
	if s, ok := v.strs[name]; ok {
		return s
	}
	if !v.has(name) {
		return ""
	}
	s := text(cell(v.si, v.table, tableOf[v.si.Type].category, "ws", name))
	v.strs[name] = s
	return s
}

func (v view) tg() time.Time { return v.si.CreatedAt.UTC().Truncate(100 * time.Nanosecond) }

// projected is the row a row query returns for v, in kql.Columns order.
func (v view) projected() []any {
	var out []any
	for _, name := range kql.Columns() {
		switch name {
		case "TimeGenerated":
			out = append(out, v.tg())
		case "CreatedDateTime":
			if v.has(name) {
				out = append(out, v.tg())
			} else {
				out = append(out, nil)
			}
		case "IsInteractive":
			if v.has(name) && v.si.IsInteractive != nil {
				out = append(out, *v.si.IsInteractive)
			} else {
				out = append(out, nil)
			}
		case kql.SignInTypeColumn:
			out = append(out, string(v.si.Type))
		default:
			out = append(out, v.str(name))
		}
	}
	return out
}

func views(signins []signin.SignIn) []view {
	out := make([]view, len(signins))
	for i := range signins {
		out[i] = view{si: &signins[i], table: tableOf[signins[i].Type].name, strs: map[string]string{}}
	}
	return out
}

func ceil(t time.Time) time.Time {
	if c := t.Truncate(100 * time.Nanosecond); !c.Equal(t) {
		return c.Add(100 * time.Nanosecond)
	}
	return t
}

// selects is the plain Go reading of a kql.Select.
func selects(s kql.Select, v view) bool {
	q := s.Query
	if len(q.Types) > 0 && !slices.Contains(q.Types, v.si.Type) {
		return false
	}
	if !q.Since.IsZero() && v.tg().Before(ceil(q.Since)) {
		return false
	}
	if !q.Until.IsZero() && !v.tg().Before(ceil(q.Until)) {
		return false
	}
	rt := v.str("ResultType")
	switch s.Outcome {
	case kql.Failures:
		if rt == "0" {
			return false
		}
	case kql.Successes:
		if rt != "0" {
			return false
		}
	}
	if q.ErrorCode != nil && rt != strconv.Itoa(*q.ErrorCode) {
		return false
	}
	if len(s.Codes) > 0 && !slices.ContainsFunc(s.Codes, func(c int) bool { return rt == strconv.Itoa(c) }) {
		return false
	}
	if slices.ContainsFunc(s.NotCodes, func(c int) bool { return rt == strconv.Itoa(c) }) {
		return false
	}
	if q.User != "" {
		upn := v.str("UserPrincipalName")
		gp := signin.GuestPrefix(q.User)
		if !strings.EqualFold(upn, q.User) && v.str("UserId") != q.User && (gp == "" || !strings.HasPrefix(strings.ToLower(upn), gp)) {
			return false
		}
	}
	if q.App != "" && !strings.EqualFold(v.str("AppDisplayName"), q.App) && v.str("AppId") != q.App &&
		!strings.EqualFold(v.str("ServicePrincipalName"), q.App) && v.str("ServicePrincipalId") != q.App {
		return false
	}
	if q.IPAddress != "" && v.str("IPAddress") != q.IPAddress {
		return false
	}
	if q.CorrelationID != "" && !strings.EqualFold(v.str("CorrelationId"), q.CorrelationID) {
		return false
	}
	return true
}

// newestFirst is the order of kql's rows: TimeGenerated descending, then
// Id ascending (ordinal, as KQL sorts strings).
func newestFirst(a, b view) int {
	return cmp.Or(b.tg().Compare(a.tg()), strings.Compare(a.si.ID, b.si.ID))
}

// bounds returns the oldest and newest times of vs.
func bounds(vs []view) (oldest, newest time.Time) {
	oldest, newest = vs[0].tg(), vs[0].tg()
	for _, v := range vs {
		if v.tg().Before(oldest) {
			oldest = v.tg()
		}
		if v.tg().After(newest) {
			newest = v.tg()
		}
	}
	return oldest, newest
}

func coalesce(vs ...string) string { return cmp.Or(vs...) }

// evaluate runs a query over the corpus's tables.
func evaluate(t *testing.T, tables map[string]*Table, q string) *Result {
	t.Helper()
	res, err := Evaluate(context.Background(), q, tables)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	return res
}

// col returns the values of a result column.
func col(t *testing.T, res *Result, name string) []any {
	t.Helper()
	i := slices.IndexFunc(res.Columns, func(c Column) bool { return c.Name == name })
	if i < 0 {
		t.Fatalf("no column %s in %v", name, res.Columns)
	}
	out := make([]any, len(res.Rows))
	for j, r := range res.Rows {
		out[j] = r[i]
	}
	return out
}

// selections are varied kql.Select values drawn from the corpus: users in
// another case, guests by their home address, apps by name, ID and service
// principal, IPs, codes, windows and types.
func selections(vs []view) []kql.Select {
	r := rand.New(rand.NewPCG(3, 9))
	pick := func(f func(v view) string) string {
		for range 1000 {
			if s := f(vs[r.IntN(len(vs))]); s != "" {
				return s
			}
		}
		return ""
	}
	oldest, newest := bounds(vs)
	mid := oldest.Add(newest.Sub(oldest) / 2)
	var guest string
	for _, v := range vs {
		if h := signin.HomeAddress(v.si.User.UPN); h != "" {
			guest = strings.ToUpper(h[:1]) + h[1:]
			break
		}
	}
	code := func() *int {
		n, _ := strconv.Atoi(pick(func(v view) string {
			if v.si.Status.ErrorCode == 0 {
				return ""
			}
			return strconv.Itoa(v.si.Status.ErrorCode)
		}))
		return &n
	}
	flipCase := func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:len(s)/2]) + s[len(s)/2:]
	}
	var out []kql.Select
	for _, o := range []kql.Outcome{kql.Failures, kql.Successes, kql.Any} {
		out = append(out,
			kql.Select{Outcome: o},
			kql.Select{Outcome: o, Query: signin.Query{User: flipCase(pick(func(v view) string { return v.si.User.UPN }))}},
			kql.Select{Outcome: o, Query: signin.Query{User: pick(func(v view) string { return v.si.User.ID }), Since: oldest, Until: mid.Add(time.Nanosecond * 50)}},
			kql.Select{Outcome: o, Query: signin.Query{App: flipCase(pick(func(v view) string { return v.si.App.Name })), Types: []signin.Type{signin.Interactive, signin.NonInteractive}}},
			kql.Select{Outcome: o, Query: signin.Query{App: pick(func(v view) string { return v.si.ServicePrincipal.Name }), Types: []signin.Type{signin.ServicePrincipal, signin.ManagedIdentity}}},
			kql.Select{Outcome: o, Query: signin.Query{App: pick(func(v view) string { return v.si.App.ID })}},
			kql.Select{Outcome: o, Query: signin.Query{IPAddress: pick(func(v view) string { return v.si.IPAddress }), Since: mid}},
			kql.Select{Outcome: o, Query: signin.Query{ErrorCode: code(), Until: mid, Types: []signin.Type{signin.Interactive}}},
			kql.Select{Outcome: o, Query: signin.Query{CorrelationID: strings.ToUpper(pick(func(v view) string { return v.si.CorrelationID }))}},
			kql.Select{Outcome: o, Query: signin.Query{Types: []signin.Type{signin.ManagedIdentity}, Since: oldest.Add(time.Hour)}},
		)
		if guest != "" {
			out = append(out, kql.Select{Outcome: o, Query: signin.Query{User: guest}})
		}
		// The source's splits of a search by what the catalog says of a code.
		c1, c2, c3 := code(), code(), code()
		out = append(out,
			kql.Select{Outcome: o, Codes: []int{*c1, *c2, 0}},
			kql.Select{Outcome: o, NotCodes: []int{*c1, *c3}, Query: signin.Query{Since: mid}},
			kql.Select{Outcome: o, Codes: []int{*c2, *c3}, NotCodes: []int{*c3}, Query: signin.Query{Types: []signin.Type{signin.Interactive, signin.NonInteractive}}},
		)
	}
	return out
}

// TestKQLQueries writes the kql package's queries over varied selections
// and checks each answer against a plain Go computation over the same
// sign-ins.
func TestKQLQueries(t *testing.T) {
	signins := corpus(t)
	tables, err := buildTables(signins, "ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	vs := views(signins)
	sels := selections(vs)
	nonEmpty := 0
	for i, s := range sels {
		t.Run(fmt.Sprintf("select-%d", i), func(t *testing.T) {
			var sel []view
			for _, v := range vs {
				if selects(s, v) {
					sel = append(sel, v)
				}
			}
			if len(sel) > 0 {
				nonEmpty++
			}
			slices.SortFunc(sel, newestFirst)
			checkRows(t, tables, s, sel)
			checkGroups(t, tables, s, sel)
			checkGroupTop(t, tables, s, sel)
			checkExposure(t, tables, s, sel)
			checkLastSuccess(t, tables, s, vs)
		})
	}
	if nonEmpty < len(sels)/2 {
		t.Errorf("only %d of %d selections select anything: the test proves little", nonEmpty, len(sels))
	}
	checkByIDAndCorrelated(t, tables, vs)
	checkSameIP(t, tables, vs)
	checkTableCounts(t, tables, vs)
	checkFollowSuccesses(t, tables, vs)
	checkFailedUsers(t, tables, vs)
}

func checkRows(t *testing.T, tables map[string]*Table, s kql.Select, sel []view) {
	t.Helper()
	for _, limit := range []int{1, 7, kql.MaxRows} {
		q, err := kql.Rows(s, limit, nil)
		if err != nil {
			t.Fatal(err)
		}
		res := evaluate(t, tables, q)
		want := sel[:min(limit, len(sel))]
		if len(res.Rows) != len(want) {
			t.Fatalf("rows limit %d: %d rows, want %d\n%s", limit, len(res.Rows), len(want), q)
		}
		names := make([]string, len(res.Columns))
		for i, c := range res.Columns {
			names[i] = c.Name
		}
		if !reflect.DeepEqual(names, kql.Columns()) {
			t.Fatalf("columns %v, want %v", names, kql.Columns())
		}
		for i, r := range res.Rows {
			if w := want[i].projected(); !reflect.DeepEqual(r, w) {
				t.Fatalf("row %d:\n got %v\nwant %v", i, r, w)
			}
		}
		// The next page after a keyset in the middle, on a tie of times too.
		if len(sel) > 2 && limit == 7 {
			k := sel[len(sel)/2]
			q, err := kql.Rows(s, limit, &kql.Keyset{TimeGenerated: k.tg(), ID: k.si.ID})
			if err != nil {
				t.Fatal(err)
			}
			res := evaluate(t, tables, q)
			rest := sel[len(sel)/2+1:]
			rest = rest[:min(limit, len(rest))]
			got := col(t, res, "Id")
			var wantIDs []any
			for _, v := range rest {
				wantIDs = append(wantIDs, v.si.ID)
			}
			if !reflect.DeepEqual(got, append([]any{}, wantIDs...)) && !(len(got) == 0 && len(wantIDs) == 0) {
				t.Fatalf("after keyset: %v, want %v", got, wantIDs)
			}
		}
	}
}

type groupWant struct {
	rt                 string
	count, users, apps int64
	ips                int64
	first, last        time.Time
	userVals, appVals  map[string]int64
	ipVals             map[string]int64
}

func groupsOf(sel []view) []*groupWant {
	by := map[string]*groupWant{}
	var out []*groupWant
	for _, v := range sel {
		rt := v.str("ResultType")
		g := by[rt]
		if g == nil {
			g = &groupWant{rt: rt, first: v.tg(), last: v.tg(), userVals: map[string]int64{}, appVals: map[string]int64{}, ipVals: map[string]int64{}}
			by[rt] = g
			out = append(out, g)
		}
		g.count++
		if v.tg().Before(g.first) {
			g.first = v.tg()
		}
		if v.tg().After(g.last) {
			g.last = v.tg()
		}
		if u := coalesce(v.str("UserPrincipalName"), v.str("UserId")); u != "" {
			g.userVals[u]++
		}
		if a := coalesce(v.str("AppDisplayName"), v.str("ServicePrincipalName"), v.str("AppId"), v.str("ServicePrincipalId")); a != "" {
			g.appVals[a]++
		}
		if ip := v.str("IPAddress"); ip != "" {
			g.ipVals[ip]++
		}
	}
	for _, g := range out {
		g.users, g.apps, g.ips = int64(len(g.userVals)), int64(len(g.appVals)), int64(len(g.ipVals))
	}
	slices.SortFunc(out, func(a, b *groupWant) int { return cmp.Or(cmp.Compare(b.count, a.count), strings.Compare(a.rt, b.rt)) })
	return out
}

func checkGroups(t *testing.T, tables map[string]*Table, s kql.Select, sel []view) {
	t.Helper()
	q, err := kql.GroupsQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	res := evaluate(t, tables, q)
	want := groupsOf(sel)
	if len(res.Rows) != len(want) {
		t.Fatalf("groups: %d, want %d", len(res.Rows), len(want))
	}
	for i, g := range want {
		w := []any{g.rt, g.count, g.users, g.apps, g.ips, g.first, g.last}
		if !reflect.DeepEqual(res.Rows[i], w) {
			t.Fatalf("group %d:\n got %v\nwant %v", i, res.Rows[i], w)
		}
	}
}

func checkGroupTop(t *testing.T, tables map[string]*Table, s kql.Select, sel []view) {
	t.Helper()
	groups := groupsOf(sel)
	slices.SortFunc(groups, func(a, b *groupWant) int { return strings.Compare(a.rt, b.rt) })
	for _, key := range []kql.GroupKey{kql.GroupUsers, kql.GroupApps, kql.GroupIPs} {
		n := 3
		q, err := kql.GroupTopQuery(s, key, n)
		if err != nil {
			t.Fatal(err)
		}
		res := evaluate(t, tables, q)
		var want [][]any
		for _, g := range groups {
			vals := map[kql.GroupKey]map[string]int64{kql.GroupUsers: g.userVals, kql.GroupApps: g.appVals, kql.GroupIPs: g.ipVals}[key]
			type kv struct {
				k string
				n int64
			}
			var kvs []kv
			for k, c := range vals {
				kvs = append(kvs, kv{k, c})
			}
			slices.SortFunc(kvs, func(a, b kv) int { return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.k, b.k)) })
			for _, x := range kvs[:min(n, len(kvs))] {
				want = append(want, []any{g.rt, x.k, x.n})
			}
		}
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(res.Rows, want) {
			t.Fatalf("top %s:\n got %v\nwant %v\n%s", key, res.Rows, want, q)
		}
	}
}

func checkExposure(t *testing.T, tables map[string]*Table, s kql.Select, sel []view) {
	t.Helper()
	q, err := kql.ExposureCandidates(s, 50)
	if err != nil {
		t.Fatal(err)
	}
	res := evaluate(t, tables, q)
	fs := s
	fs.Outcome = kql.Failures
	var want []any
	for _, v := range sel {
		if !selects(fs, v) {
			continue
		}
		ad := strings.ToLower(v.str("AuthenticationDetails"))
		if strings.EqualFold(v.str("RiskLevelDuringSignIn"), "high") || v.str("ResultType") == "500121" ||
			strings.Contains(ad, "fraud") || strings.Contains(ad, "declined") || strings.Contains(ad, "denied") {
			want = append(want, v.si.ID)
		}
	}
	if s.Outcome != kql.Successes {
		// sel holds every selected failure unless it selected successes.
		want = want[:min(50, len(want))]
		if got := col(t, res, "Id"); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("exposure candidates:\n got %v\nwant %v", got, want)
		}
	}
}

func checkLastSuccess(t *testing.T, tables map[string]*Table, s kql.Select, vs []view) {
	t.Helper()
	q, err := kql.LastSuccess(s)
	if err != nil {
		t.Fatal(err)
	}
	res := evaluate(t, tables, q)
	ss := s
	ss.Outcome = kql.Successes
	best := map[signin.Type]view{}
	for _, v := range vs {
		if !selects(ss, v) {
			continue
		}
		if b, ok := best[v.si.Type]; !ok || v.tg().After(b.tg()) {
			best[v.si.Type] = v
		}
	}
	if len(res.Rows) != len(best) {
		t.Fatalf("last success: %d rows, want %d", len(res.Rows), len(best))
	}
	types, times := col(t, res, kql.SignInTypeColumn), col(t, res, "TimeGenerated")
	for i := range res.Rows {
		b := best[signin.Type(types[i].(string))]
		if !times[i].(time.Time).Equal(b.tg()) {
			t.Fatalf("last success of %s at %v, want %v", types[i], times[i], b.tg())
		}
	}
}

func checkByIDAndCorrelated(t *testing.T, tables map[string]*Table, vs []view) {
	t.Helper()
	for i := 0; i < len(vs); i += len(vs) / 17 {
		v := vs[i]
		// In another case: the other sources compare request IDs so.
		q, err := kql.ByID(strings.ToUpper(v.si.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		res := evaluate(t, tables, q)
		if len(res.Rows) != 1 || !reflect.DeepEqual(res.Rows[0], v.projected()) {
			t.Fatalf("by id %s: %v", v.si.ID, res.Rows)
		}
		q, err = kql.ByID(v.si.ID, []signin.Type{otherType(v.si.Type)})
		if err != nil {
			t.Fatal(err)
		}
		if res := evaluate(t, tables, q); len(res.Rows) != 0 {
			t.Fatalf("by id %s in another type's table: %v", v.si.ID, res.Rows)
		}
		if v.si.CorrelationID == "" {
			continue
		}
		q, err = kql.Correlated(strings.ToUpper(v.si.CorrelationID), nil, 5)
		if err != nil {
			t.Fatal(err)
		}
		var want []view
		for _, w := range vs {
			if strings.EqualFold(w.str("CorrelationId"), v.si.CorrelationID) {
				want = append(want, w)
			}
		}
		slices.SortFunc(want, func(a, b view) int { return -newestFirst(a, b) })
		want = want[:min(5, len(want))]
		got := col(t, evaluate(t, tables, q), "Id")
		if len(got) != len(want) {
			t.Fatalf("correlated %s: %v, want %d rows", v.si.CorrelationID, got, len(want))
		}
		for j := range want {
			if got[j] != want[j].si.ID {
				t.Fatalf("correlated %s: %v", v.si.CorrelationID, got)
			}
		}
	}
}

func otherType(ty signin.Type) signin.Type {
	if ty == signin.Interactive {
		return signin.ManagedIdentity
	}
	return signin.Interactive
}

func checkSameIP(t *testing.T, tables map[string]*Table, vs []view) {
	t.Helper()
	// The IPs with the most sign-ins, with two types each where they have them.
	byIP := map[string]map[signin.Type]int{}
	for _, v := range vs {
		if ip := v.str("IPAddress"); ip != "" {
			if byIP[ip] == nil {
				byIP[ip] = map[signin.Type]int{}
			}
			byIP[ip][v.si.Type]++
		}
	}
	var ips []string
	for ip := range byIP {
		ips = append(ips, ip)
	}
	slices.SortFunc(ips, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(byIP[b]), len(byIP[a])), strings.Compare(a, b))
	})
	var targets []signin.IPTarget
	for _, ip := range ips[:min(3, len(ips))] {
		var types []signin.Type
		for _, ty := range signin.AllTypes {
			if byIP[ip][ty] > 0 && len(types) < 2 {
				types = append(types, ty)
			}
		}
		targets = append(targets, signin.IPTarget{IP: ip, Types: types})
	}
	oldest, newest := bounds(vs)
	for _, perIP := range []int{1, 4, 1000} {
		q, err := kql.SameIP(targets, oldest, newest, perIP)
		if err != nil {
			t.Fatal(err)
		}
		var want []view
		for _, v := range vs {
			if v.tg().Before(oldest) || !v.tg().Before(newest) {
				continue
			}
			for _, tg := range targets {
				if v.str("IPAddress") == tg.IP && slices.Contains(tg.Types, v.si.Type) {
					want = append(want, v)
				}
			}
		}
		slices.SortFunc(want, func(a, b view) int {
			return cmp.Or(strings.Compare(a.str("IPAddress"), b.str("IPAddress")), strings.Compare(string(a.si.Type), string(b.si.Type)), newestFirst(a, b))
		})
		var wantIDs []any
		rank := map[string]int{}
		for _, v := range want {
			k := v.str("IPAddress") + "|" + string(v.si.Type)
			rank[k]++
			if rank[k] <= perIP {
				wantIDs = append(wantIDs, v.si.ID)
			}
		}
		res := evaluate(t, tables, q)
		if got := col(t, res, "Id"); !reflect.DeepEqual(got, wantIDs) {
			t.Fatalf("same ip, %d per IP:\n got %v\nwant %v", perIP, got, wantIDs)
		}
		if slices.ContainsFunc(res.Columns, func(c Column) bool { return c.Name == "Rank" }) {
			t.Fatal("Rank not projected away")
		}
	}
}

func checkTableCounts(t *testing.T, tables map[string]*Table, vs []view) {
	t.Helper()
	since, until := bounds(vs)
	q := kql.TableCounts(since, until)
	counts := map[string]int64{}
	for _, v := range vs {
		if !v.tg().Before(since) && v.tg().Before(until) {
			counts[v.table]++
		}
	}
	var want [][]any
	for _, name := range []string{TableNonInteractive, TableManagedIdentity, TableServicePrincipal, TableInteractive} {
		if counts[name] > 0 {
			want = append(want, []any{name, counts[name]})
		}
	}
	slices.SortFunc(want, func(a, b []any) int { return strings.Compare(a[0].(string), b[0].(string)) })
	if res := evaluate(t, tables, q); !reflect.DeepEqual(res.Rows, want) {
		t.Fatalf("table counts:\n got %v\nwant %v", res.Rows, want)
	}
	if len(want) < 4 {
		t.Errorf("the corpus fills %d tables, want 4", len(want))
	}
}

// TestGoldenQueries evaluates every golden query of the kql package: each
// parses, binds and runs over the corpus (they name fixed users and times,
// so most select nothing; TestKQLQueries checks the answers).
func TestGoldenQueries(t *testing.T) {
	tables, err := buildTables(corpus(t), "ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob("../kql/testdata/*.kql")
	if len(paths) < 10 {
		t.Fatalf("%d golden queries", len(paths))
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Evaluate(context.Background(), string(b), tables); err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
	}
}

// BenchmarkRowsQuery is a page of the newest failures of one user over the
// four tables: the query the source sends most.
func BenchmarkRowsQuery(b *testing.B) {
	path := filepath.Join(b.TempDir(), "generated.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := filestest.Generate(f, files.FormatGraphJSONLines, 10000, 5); err != nil {
		b.Fatal(err)
	}
	f.Close()
	res, err := files.Load(context.Background(), []string{path}, files.WithClock(func() time.Time { return time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		b.Fatal(err)
	}
	tables, err := buildTables(res.SignIns, "ws", nil)
	if err != nil {
		b.Fatal(err)
	}
	q, err := kql.Rows(kql.Select{Query: signin.Query{User: res.SignIns[0].User.UPN}}, 100, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(context.Background(), q, tables); err != nil {
			b.Fatal(err)
		}
	}
}

// ids is the Id of each view, as a result column holds them.
func ids(vs []view) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v.si.ID
	}
	return out
}

// checkFollowSuccesses compares kql.FollowSuccesses with its plain reading:
// the successes in the window of the subjects' types whose flow, user or
// workload is one of the subjects (any case), oldest first, ties by Id.
func checkFollowSuccesses(t *testing.T, tables map[string]*Table, vs []view) {
	t.Helper()
	oldest, newest := bounds(vs)
	mid := oldest.Add(newest.Sub(oldest) / 2)
	var corrs, users, workloads []string
	for _, v := range vs {
		if v.str("ResultType") == "0" {
			continue
		}
		if c := v.si.CorrelationID; c != "" && len(corrs) < 3 {
			corrs = append(corrs, strings.ToUpper(c))
		}
		if u := v.str("UserPrincipalName"); u != "" && len(users) < 2 {
			users = append(users, strings.ToUpper(u))
		} else if id := v.str("UserId"); id != "" && len(users) < 3 {
			users = append(users, id)
		}
		if w := v.str("ServicePrincipalName"); w != "" && len(workloads) < 1 {
			workloads = append(workloads, strings.ToLower(w))
		} else if a := v.str("AppDisplayName"); a != "" && len(workloads) < 2 {
			workloads = append(workloads, strings.ToUpper(a))
		} else if id := v.str("AppId"); id != "" && len(workloads) < 3 {
			workloads = append(workloads, id)
		}
	}
	anyFold := func(s string, list []string) bool {
		return s != "" && slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(s, x) })
	}
	cases := []kql.Subjects{
		{CorrelationIDs: corrs, Users: users, Workloads: workloads},
		{Since: mid, Users: users},
		{Types: []signin.Type{signin.ServicePrincipal, signin.ManagedIdentity}, Since: oldest, Until: mid, Workloads: workloads},
		{Types: []signin.Type{signin.Interactive}, CorrelationIDs: corrs},
	}
	found := 0
	for i, s := range cases {
		for _, limit := range []int{3, kql.MaxRows} {
			q, err := kql.FollowSuccesses(s, limit)
			if err != nil {
				t.Fatal(err)
			}
			var want []view
			for _, v := range vs {
				if (len(s.Types) > 0 && !slices.Contains(s.Types, v.si.Type)) || v.str("ResultType") != "0" ||
					(!s.Since.IsZero() && v.tg().Before(ceil(s.Since))) || (!s.Until.IsZero() && !v.tg().Before(ceil(s.Until))) {
					continue
				}
				if anyFold(v.str("CorrelationId"), s.CorrelationIDs) ||
					anyFold(v.str("UserId"), s.Users) || anyFold(v.str("UserPrincipalName"), s.Users) ||
					anyFold(v.str("ServicePrincipalId"), s.Workloads) || anyFold(v.str("ServicePrincipalName"), s.Workloads) ||
					anyFold(v.str("AppId"), s.Workloads) || anyFold(v.str("AppDisplayName"), s.Workloads) {
					want = append(want, v)
				}
			}
			slices.SortFunc(want, func(a, b view) int { return cmp.Or(a.tg().Compare(b.tg()), strings.Compare(a.si.ID, b.si.ID)) })
			want = want[:min(limit, len(want))]
			found += len(want)
			res := evaluate(t, tables, q)
			if len(res.Rows) != len(want) {
				t.Fatalf("follow successes %d, limit %d: %d rows, want %d\ngot %v\nwant %v", i, limit, len(res.Rows), len(want), col(t, res, "Id"), ids(want))
			}
			for j, r := range res.Rows {
				if w := want[j].projected(); !reflect.DeepEqual(r, w) {
					t.Fatalf("follow successes %d, row %d:\n got %v\nwant %v", i, j, r, w)
				}
			}
		}
	}
	if found == 0 {
		t.Error("no follow-up query finds a success: the test proves little")
	}
}

// checkFailedUsers compares kql.FailedUsers with its plain reading: the
// distinct non-empty UPNs of failures in the window whose UPN or display
// name starts with the prefix in any case, in ordinal order.
func checkFailedUsers(t *testing.T, tables map[string]*Table, vs []view) {
	t.Helper()
	oldest, newest := bounds(vs)
	mid := oldest.Add(newest.Sub(oldest) / 2)
	var upn, display string
	for _, v := range vs {
		if v.str("ResultType") != "0" && v.str("UserPrincipalName") != "" {
			upn, display = v.str("UserPrincipalName"), v.str("UserDisplayName")
		}
	}
	cases := []struct {
		prefix       string
		since, until time.Time
		limit        int
	}{
		{"", oldest, newest.Add(time.Second), kql.MaxRows},
		{"", mid, newest, 2},
		{strings.ToUpper(upn[:3]), oldest, newest.Add(time.Second), 50},
		{strings.ToLower(display[:min(4, len(display))]), oldest, mid, 50},
	}
	for i, c := range cases {
		q, err := kql.FailedUsers(c.prefix, c.since, c.until, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		var want []any
		for _, v := range vs {
			u := v.str("UserPrincipalName")
			if v.tg().Before(c.since) || !v.tg().Before(c.until) || v.str("ResultType") == "0" || u == "" || seen[u] {
				continue
			}
			p := strings.ToLower(c.prefix)
			if !strings.HasPrefix(strings.ToLower(u), p) && !strings.HasPrefix(strings.ToLower(v.str("UserDisplayName")), p) {
				continue
			}
			seen[u] = true
			want = append(want, u)
		}
		slices.SortFunc(want, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		want = want[:min(c.limit, len(want))]
		if len(want) == 0 {
			t.Errorf("failed users %d: the reference selects nothing: the case proves little", i)
		}
		res := evaluate(t, tables, q)
		if len(res.Columns) != 1 || res.Columns[0].Name != "UserPrincipalName" {
			t.Fatalf("failed users %d: columns %v, want UserPrincipalName alone", i, res.Columns)
		}
		if got := col(t, res, "UserPrincipalName"); !reflect.DeepEqual(got, want) {
			t.Fatalf("failed users %d (prefix %q):\n got %v\nwant %v", i, c.prefix, got, want)
		}
	}
}

// TestReadable evaluates kql.Readable, the query a person pastes, over the
// tables as they are: a workload-only select (whose tables have no user and
// no app display name) with user and app filters must run and select what
// the plain reading selects, and so must a select of every type over a
// workspace that holds only the workload tables.
func TestReadable(t *testing.T) {
	signins := corpus(t)
	vs := views(signins)
	var upn, spName, appID string
	for _, v := range vs {
		if u := v.str("UserPrincipalName"); u != "" && upn == "" {
			upn = u
		}
		if v.si.Type == signin.ManagedIdentity || v.si.Type == signin.ServicePrincipal {
			if n := v.str("ServicePrincipalName"); n != "" && spName == "" {
				spName = n
			}
			if id := v.str("AppId"); id != "" && appID == "" && v.str("ServicePrincipalName") != spName {
				appID = id
			}
		}
	}
	if upn == "" || spName == "" || appID == "" {
		t.Fatalf("corpus lacks a UPN (%q), a workload name (%q) or another workload's app ID (%q)", upn, spName, appID)
	}
	workloads := []signin.Type{signin.ServicePrincipal, signin.ManagedIdentity}
	userTables := map[string]bool{TableInteractive: true, TableNonInteractive: true}
	cases := []struct {
		name    string
		s       kql.Select
		missing map[string]bool
		// bareFails: no table of the union has the user and app columns,
		// so the query fails without column_ifexists.
		bareFails bool
	}{
		{"workloads by user", kql.Select{Outcome: kql.Any, Query: signin.Query{User: upn, Types: workloads}}, nil, true},
		{"workloads by app name", kql.Select{Outcome: kql.Any, Query: signin.Query{App: strings.ToUpper(spName), Types: workloads}}, nil, true},
		{"service principals by user and app", kql.Select{Query: signin.Query{User: upn, App: spName, Types: workloads[:1]}}, nil, true},
		{"managed identities by app id", kql.Select{Outcome: kql.Any, Query: signin.Query{App: appID, Types: workloads[1:]}}, nil, true},
		{"every type by user, workload tables only", kql.Select{Outcome: kql.Any, Query: signin.Query{User: upn}}, userTables, true},
		{"every type by app, workload tables only", kql.Select{Outcome: kql.Any, Query: signin.Query{App: spName}}, userTables, true},
		{"every type by user and app", kql.Select{Outcome: kql.Any, Query: signin.Query{User: upn, App: "Outlook Mobile"}}, nil, false},
	}
	found := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tables, err := buildTables(signins, "ws", c.missing)
			if err != nil {
				t.Fatal(err)
			}
			q, err := kql.Readable(c.s)
			if err != nil {
				t.Fatal(err)
			}
			var want []any
			for _, v := range vs {
				if !c.missing[v.table] && selects(c.s, v) {
					want = append(want, v.si.ID)
				}
			}
			found += len(want)
			res := evaluate(t, tables, q)
			got := col(t, res, "Id")
			times := col(t, res, "TimeGenerated")
			for i := 1; i < len(times); i++ {
				if times[i].(time.Time).After(times[i-1].(time.Time)) {
					t.Fatalf("row %d newer than row %d:\n%s", i, i-1, q)
				}
			}
			sortAny := func(xs []any) {
				slices.SortFunc(xs, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
			}
			sortAny(got)
			sortAny(want)
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("readable:\n got %v\nwant %v\n%s", got, want, q)
			}
			// Without column_ifexists the same question fails, as at the service.
			bare := strings.NewReplacer(`column_ifexists("UserPrincipalName", "")`, "UserPrincipalName",
				`column_ifexists("AppDisplayName", "")`, "AppDisplayName").Replace(q)
			if c.bareFails {
				if _, err := Evaluate(context.Background(), bare, tables); err == nil {
					t.Errorf("the query without column_ifexists evaluates over tables without the column\n%s", bare)
				}
			}
		})
	}
	if found == 0 {
		t.Error("no readable query selects anything: the test proves little")
	}
}
