package lafake

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 9, 8, 0, 0, 0, time.UTC)

// smallTables are two tables whose Status column differs in type, one row
// with a null datetime and bool.
func smallTables() map[string]*Table {
	return map[string]*Table{
		"A": {
			Columns: cols("TimeGenerated:datetime", "Id", "User", "ResultType", "Ok:bool", "Status:dynamic", "Seen:datetime"),
			Rows: [][]any{
				{t0, "a1", "Rosa@Contoso.com", "50126", false, dynamicText(`{"errorCode":50126}`), t0},
				{t0.Add(time.Hour), "a2", "li@contoso.com", "0", true, dynamicText(`{"errorCode":0}`), nil},
				{t0.Add(2 * time.Hour), "a3", "rosa@contoso.com", "50126", nil, dynamicText(""), t0},
				{t0.Add(3 * time.Hour), "a4", "", "50053", false, dynamicText(`{"errorCode":50053}`), t0},
			},
		},
		"B": {
			Columns: cols("TimeGenerated:datetime", "Id", "User", "ResultType", "Status"),
			Rows: [][]any{
				{t0.Add(90 * time.Minute), "b1", "sam@contoso.com", "50126", `{"errorCode":50126,"failureReason":"fraud declined"}`},
			},
		},
		"Empty": {Columns: cols("TimeGenerated:datetime", "Id")},
	}
}

// run evaluates q and returns the column names and the rows.
func run(t *testing.T, q string) ([]string, [][]any) {
	t.Helper()
	res, err := Evaluate(context.Background(), q, smallTables())
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	names := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		names[i] = c.Name
	}
	return names, res.Rows
}

// ids returns the named column of every row, as strings.
func column(t *testing.T, q, name string) []string {
	t.Helper()
	names, rows := run(t, q)
	at := -1
	for i, n := range names {
		if n == name {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("%s: no column %s in %v", q, name, names)
	}
	out := []string{}
	for _, r := range rows {
		out = append(out, text(r[at]))
	}
	return out
}

func TestOperators(t *testing.T) {
	cases := []struct {
		name, q, col string
		want         []string
	}{
		{"where ==", `A | where ResultType == "50126" | sort by Id asc`, "Id", []string{"a1", "a3"}},
		{"where != and", `A | where ResultType != "0" and User != "" | sort by Id asc`, "Id", []string{"a1", "a3"}},
		{"where =~", `A | where User =~ "ROSA@contoso.com" | sort by Id asc`, "Id", []string{"a1", "a3"}},
		{"where !~", `A | where User !~ "ROSA@contoso.com" | sort by Id asc`, "Id", []string{"a2", "a4"}},
		{"where or parentheses", `A | where (ResultType == "0" or ResultType == "50053") and not(User == "") | sort by Id asc`, "Id", []string{"a2"}},
		{"datetime <", `A | where TimeGenerated < datetime(2025-01-09T09:00:00.0000000Z)`, "Id", []string{"a1"}},
		{"datetime <= >=", `A | where TimeGenerated >= datetime(2025-01-09T09:00:00Z) and TimeGenerated <= datetime(2025-01-09T10:00:00Z) | sort by Id asc`, "Id", []string{"a2", "a3"}},
		{"datetime >", `A | where TimeGenerated > datetime(2025-01-09T10:00:00Z)`, "Id", []string{"a4"}},
		{"in", `A | where ResultType in ("0", "50053") | sort by Id asc`, "Id", []string{"a2", "a4"}},
		{"!in", `A | where ResultType !in ("0", "50053") | sort by Id asc`, "Id", []string{"a1", "a3"}},
		{"in is case-sensitive", `A | where User in ("ROSA@contoso.com", "li@contoso.com") | sort by Id asc`, "Id", []string{"a2"}},
		{"in~", `A | where User in~ ("ROSA@contoso.com", "x") | sort by Id asc`, "Id", []string{"a1", "a3"}},
		{"!in~", `A | where User !in~ ("ROSA@contoso.com", "LI@contoso.com") | sort by Id asc`, "Id", []string{"a4"}},
		{"in~ or", `A | where Id in~ ("A4") or User in~ ("Li@Contoso.com") | sort by Id asc`, "Id", []string{"a2", "a4"}},
		{"startswith is case-insensitive", `A | where User startswith "ROSA@" | sort by Id asc`, "Id", []string{"a1", "a3"}},
		{"!startswith", `A | where User !startswith "rosa" | sort by Id asc`, "Id", []string{"a2", "a4"}},
		{"contains", `B | where Status contains "DECLINED"`, "Id", []string{"b1"}},
		{"!contains", `B | where Status !contains "declined"`, "Id", []string{}},
		{"has", `B | where Status has "fraud"`, "Id", []string{"b1"}},
		{"has is a whole term", `B | where Status has "frau"`, "Id", []string{}},
		{"contains on dynamic", `A | where Status contains "50053"`, "Id", []string{"a4"}},
		{"project rename", `A | where Id == "a1" | project Who = User, Id`, "Who", []string{"Rosa@Contoso.com"}},
		{"project-away", `A | where Id == "a2" | project-away User, Status | project Id`, "Id", []string{"a2"}},
		{"extend coalesce", `A | extend W = coalesce(User, Id) | sort by Id asc`, "W", []string{"Rosa@Contoso.com", "li@contoso.com", "rosa@contoso.com", "a4"}},
		{"extend replaces", `A | extend User = Id | where Id == "a1"`, "User", []string{"a1"}},
		{"top desc", `A | top 2 by TimeGenerated desc`, "Id", []string{"a4", "a3"}},
		{"top two keys", `A | top 3 by ResultType asc, Id desc`, "Id", []string{"a2", "a4", "a3"}},
		{"sort default desc", `A | sort by Id`, "Id", []string{"a4", "a3", "a2", "a1"}},
		{"order by", `A | order by Id asc`, "Id", []string{"a1", "a2", "a3", "a4"}},
		{"nulls last desc", `A | sort by Seen desc, Id asc`, "Id", []string{"a1", "a3", "a4", "a2"}},
		{"nulls first asc", `A | sort by Seen asc, Id asc`, "Id", []string{"a2", "a1", "a3", "a4"}},
		{"take", `A | sort by Id asc | take 2`, "Id", []string{"a1", "a2"}},
		{"limit", `A | sort by Id asc | limit 1`, "Id", []string{"a1"}},
		{"tostring of dynamic", `A | where Id == "a1" | project S = tostring(Status)`, "S", []string{`{"errorCode":50126}`}},
		{"tostring of null dynamic", `A | where Id == "a3" | project S = tostring(Status)`, "S", []string{""}},
		{"tobool of null", `A | where isempty(tostring(tobool(Ok))) | project Id`, "Id", []string{"a3"}},
		{"todatetime", `A | where todatetime(Seen) == datetime(2025-01-09T08:00:00Z) | sort by Id asc`, "Id", []string{"a1", "a3", "a4"}},
		{"column_ifexists present", `A | where Id == "a1" | project U = tostring(column_ifexists("User", ""))`, "U", []string{"Rosa@Contoso.com"}},
		{"column_ifexists absent", `A | where Id == "a1" | project U = tostring(column_ifexists("Nope", "dflt"))`, "U", []string{"dflt"}},
		{"column_ifexists datetime(null)", `A | where Id == "a1" | project D = todatetime(column_ifexists("Nope", datetime(null)))`, "D", []string{""}},
		{"column_ifexists bool(null)", `A | where Id == "a1" | project D = tobool(column_ifexists("Nope", bool(null)))`, "D", []string{""}},
		{"parse_json", `B | project S = parse_json(Status) | project T = tostring(S)`, "T", []string{`{"errorCode":50126,"failureReason":"fraud declined"}`}},
		{"isnotempty", `A | where isnotempty(User) | sort by Id asc`, "Id", []string{"a1", "a2", "a3"}},
		{"strcmp", `A | where strcmp(Id, "a3") < 0 | sort by Id asc`, "Id", []string{"a1", "a2"}},
		{"strcmp equal", `A | where strcmp(Id, "a3") == 0`, "Id", []string{"a3"}},
		{"summarize count by", `A | summarize N = count() by ResultType | sort by ResultType asc`, "N", []string{"1", "1", "2"}},
		{"summarize without by over nothing", `Empty | summarize N = count()`, "N", []string{"0"}},
		{"summarize default names", `A | summarize count(), min(TimeGenerated) | project count_`, "count_", []string{"4"}},
		{"dcount", `A | summarize D = dcount(ResultType)`, "D", []string{"3"}},
		{"dcountif", `A | summarize D = dcountif(User, isnotempty(User))`, "D", []string{"3"}},
		{"countif", `A | summarize D = countif(ResultType == "50126")`, "D", []string{"2"}},
		{"min max", `A | summarize F = min(TimeGenerated), L = max(TimeGenerated) | project S = strcmp(tostring(F), tostring(L))`, "S", []string{"-1"}},
		{"summarize by alone is distinct", `A | summarize by ResultType | sort by ResultType asc`, "ResultType", []string{"0", "50053", "50126"}},
		{"summarize by two alone", `A | summarize by ResultType, U = User | where ResultType == "50126" | sort by U asc`, "U", []string{"Rosa@Contoso.com", "rosa@contoso.com"}},
		{"summarize by named", `A | summarize N = count() by R = ResultType | where R == "50126"`, "N", []string{"2"}},
		{"arg_max", `A | summarize arg_max(TimeGenerated, *) by ResultType | sort by ResultType asc`, "Id", []string{"a2", "a4", "a3"}},
		{"arg_min", `A | summarize arg_min(TimeGenerated, *) by ResultType | sort by ResultType asc`, "Id", []string{"a2", "a4", "a1"}},
		{"union fuzzy skips missing", `union isfuzzy=true A, Missing | summarize N = count()`, "N", []string{"4"}},
		{"union of subqueries", `union isfuzzy=true (A | where Id == "a1" | project Id), (B | project Id), (Nope | project Id) | sort by Id asc`, "Id", []string{"a1", "b1"}},
		{"union withsource", `union isfuzzy=true withsource=TableName A, B, Empty | summarize Rows = count() by TableName | order by TableName asc`, "TableName", []string{"A", "B"}},
		{"empty table exists", `union Empty | summarize N = count()`, "N", []string{"0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := column(t, c.q, c.col); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s\n got %q\nwant %q", c.q, got, c.want)
			}
		})
	}
}

func TestRowNumberRestarts(t *testing.T) {
	got := column(t, `A | sort by ResultType asc, Id asc | extend R = row_number(1, prev(ResultType) != ResultType) | where R <= 1 | project Id`, "Id")
	if want := []string{"a2", "a4", "a1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("first of each ResultType: %q, want %q", got, want)
	}
	got = column(t, `A | sort by Id asc | extend R = row_number()`, "R")
	if want := []string{"1", "2", "3", "4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("row_number(): %q, want %q", got, want)
	}
}

func TestUnionSplitsTypes(t *testing.T) {
	names, rows := run(t, `union A, B | sort by Id asc`)
	joined := strings.Join(names, ",")
	if !strings.Contains(joined, "Status_dynamic") || !strings.Contains(joined, "Status_string") || strings.Contains(joined, "Status,") {
		t.Errorf("columns %v: want Status_dynamic and Status_string", names)
	}
	if len(rows) != 5 {
		t.Errorf("%d rows, want 5", len(rows))
	}
}

func TestNullComparisons(t *testing.T) {
	// A null never satisfies a comparison, either way.
	if got := column(t, `A | where Seen == datetime(2025-01-09T08:00:00Z) or Seen != datetime(2025-01-09T08:00:00Z) | sort by Id asc`, "Id"); !reflect.DeepEqual(got, []string{"a1", "a3", "a4"}) {
		t.Errorf("got %q", got)
	}
	if got := column(t, `A | where Seen == datetime(null)`, "Id"); len(got) != 0 {
		t.Errorf("== datetime(null) matched %q", got)
	}
	if got := column(t, `A | where Ok == true or Ok == false | sort by Id asc`, "Id"); !reflect.DeepEqual(got, []string{"a1", "a2", "a4"}) {
		t.Errorf("bool: got %q", got)
	}
}

// TestRefusals: what the subset leaves out, and what KQL itself refuses,
// is a *QueryError.
func TestRefusals(t *testing.T) {
	cases := []struct{ q, code, says string }{
		{`A | mv-expand Status`, "SemanticError", "mv-expand"},
		{`let x = 1; A`, "SemanticError", "let"},
		{`A | where Status.errorCode == 0`, "SemanticError", "dynamic property"},
		{`A | where tolower(User) == "x"`, "SemanticError", "tolower"},
		{`A | where ResultType == 0`, "SemanticError", "Cannot compare"},
		{`A | where Nope == "x"`, "SemanticError", "Nope"},
		{`A | extend R = row_number()`, "SemanticError", "serialized"},
		{`A | extend P = prev(Id)`, "SemanticError", "serialized"},
		{`A | where`, "SyntaxError", "<EOF>"},
		{`A | where User == "unterminated`, "SyntaxError", "not terminated"},
		{`A | where User endswith "x"`, "SemanticError", "endswith"},
		{`A | summarize sum(Id)`, "SemanticError", "sum"},
		{`A | summarize arg_max(TimeGenerated, Id)`, "SemanticError", "arg_max"},
		{`A | summarize`, "SyntaxError", "aggregation or a by clause"},
		{`A | where User in ~ ("x")`, "SyntaxError", "want"},
		{`A | where TimeGenerated in~ (datetime(2025-01-09T08:00:00Z))`, "SemanticError", "in~"},
		{`A | where ResultType in~ (0)`, "SemanticError", "cannot compare"},
		{`Missing | take 1`, "SemanticError", "Missing"},
		{`union A, Missing`, "SemanticError", "Missing"},
		{`union isfuzzy=true Missing, Gone`, "SemanticError", "none of its legs"},
		{`union kind=inner A, B`, "SemanticError", "kind"},
		{`A | where TimeGenerated > ago(1d)`, "SemanticError", "1d"},
		{`A | where TimeGenerated > now()`, "SemanticError", "now"},
		{`A | where User == "a" | project User + "x"`, "SemanticError", "arithmetic"},
		{`A | where User in ("a", Id)`, "SemanticError", "literals"},
		{`A | where User matches regex "x"`, "SemanticError", "matches"},
		{`A | where User has_cs "x"`, "SemanticError", "has_cs"},
		{`A | project-away Nope`, "SemanticError", "Nope"},
		{`A | project Id, Id`, "SemanticError", "twice"},
		{`A | where User`, "SemanticError", "bool"},
		{`A | take 1; B`, "SemanticError", "statements"},
	}
	for _, c := range cases {
		_, err := Evaluate(context.Background(), c.q, smallTables())
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("%s: err %v, want a *QueryError", c.q, err)
			continue
		}
		if qe.Code != c.code || !strings.Contains(qe.Message, c.says) {
			t.Errorf("%s: %s %q, want %s saying %q", c.q, qe.Code, qe.Message, c.code, c.says)
		}
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Evaluate(ctx, `A | where Id == "a1" | take 1`, smallTables()); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestHasTerm(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"user declined the request", "declined", true},
		{"UserDeclined", "declined", false},
		{"fraud-reported", "FRAUD", true},
		{"x", "", true},
		{"ab ab", "b", false},
	} {
		if got := hasTerm(c.a, c.b); got != c.want {
			t.Errorf("hasTerm(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
