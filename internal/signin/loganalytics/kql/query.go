package kql

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// tables maps each sign-in type to its Log Analytics table.
var tables = map[signin.Type]string{
	signin.Interactive:      "SigninLogs",
	signin.NonInteractive:   "AADNonInteractiveUserSignInLogs",
	signin.ServicePrincipal: "AADServicePrincipalSignInLogs",
	signin.ManagedIdentity:  "AADManagedIdentitySignInLogs",
}

// Table returns the Log Analytics table that holds sign-ins of type t.
func Table(t signin.Type) (string, error) {
	if name, ok := tables[t]; ok {
		return name, nil
	}
	return "", fmt.Errorf("no Log Analytics table for sign-in type %q", t)
}

// colKind is how a column is normalised across the four tables.
type colKind int

const (
	colString   colKind = iota // string in every table that has it
	colJSON                    // dynamic in SigninLogs, JSON text in the others: projected as JSON text
	colDateTime                // datetime
	colBool                    // bool
)

// column is one projected column.
type column struct {
	name string
	kind colKind
}

// projected are the columns every row query yields, in this order, whatever
// table they come from: the columns the files source's Log Analytics reader
// maps to signin.SignIn, and SignInType. A column a table lacks is empty
// (column_ifexists), so that a union of the tables has one schema.
var projected = []column{
	{"TimeGenerated", colDateTime}, {"CreatedDateTime", colDateTime}, {"Id", colString},
	{"CorrelationId", colString}, {"OriginalRequestId", colString}, {"SessionId", colString},
	{"UserPrincipalName", colString}, {"UserId", colString}, {"UserDisplayName", colString},
	{"Identity", colString}, {"UserType", colString},
	{"AppDisplayName", colString}, {"AppId", colString},
	{"ResourceDisplayName", colString}, {"ResourceIdentity", colString},
	{"ServicePrincipalId", colString}, {"ServicePrincipalName", colString},
	{"ServicePrincipalCredentialKeyId", colString}, {"ClientCredentialType", colString},
	{"CrossTenantAccessType", colString}, {"AppOwnerTenantId", colString}, {"IncomingTokenType", colString},
	{"AuthenticationProtocol", colString}, {"AADTenantId", colString}, {"ResourceTenantId", colString},
	{"HomeTenantId", colString}, {"IPAddress", colString}, {"ClientAppUsed", colString}, {"UserAgent", colString},
	{"IsInteractive", colBool}, {"ResultType", colString}, {"ResultDescription", colString},
	{"Status", colJSON}, {"LocationDetails", colJSON}, {"Location", colString}, {"DeviceDetail", colJSON},
	{"ConditionalAccessPolicies", colJSON}, {"ConditionalAccessStatus", colString},
	{"AuthenticationRequirement", colString}, {"AuthenticationDetails", colJSON},
	{"RiskDetail", colString}, {"RiskLevelAggregated", colString}, {"RiskLevelDuringSignIn", colString},
	{"RiskState", colString}, {"RiskEventTypes_V2", colString},
}

// SignInTypeColumn is the column every row query adds: the signin.Type of
// the table the row came from.
const SignInTypeColumn = "SignInType"

// Columns returns the names of the columns every row query yields, in order.
func Columns() []string {
	out := make([]string, 0, len(projected)+1)
	for _, c := range projected {
		out = append(out, c.name)
	}
	return append(out, SignInTypeColumn)
}

// Outcome selects sign-ins by result.
type Outcome int

// The outcomes a query selects.
const (
	Failures  Outcome = iota // ResultType != "0"
	Successes                // ResultType == "0"
	Any
)

// Select says which sign-ins a query reads: the filters of a signin.Query
// (User, App, ErrorCode, IPAddress, CorrelationID, Since, Until, Types; not
// Limit, Cursor or IncludeInterrupts, which the source applies) and the
// outcome. A zero Since or Until leaves that end of the window open (the
// API's timespan bounds it); no Types means every type.
type Select struct {
	Query   signin.Query
	Outcome Outcome
	// Codes, when set, keeps only these error codes (ResultType in), and
	// NotCodes leaves these out: the source splits a search by what the
	// catalog says of each code (an interrupt's completion is decided in
	// Go, a code the catalog counts as success is never a failure).
	Codes, NotCodes []int
}

// Keyset is the position after which a page of rows continues: the
// TimeGenerated and Id of the last row of the previous page, in the order
// rows are returned (TimeGenerated descending, then Id ascending: the
// order of the files and demo sources, so that every source pages alike).
type Keyset struct {
	TimeGenerated time.Time
	ID            string
}

// MaxRows bounds what one row query asks for, well under the API's 500,000
// rows: a page, a correlated flow, the newest sign-ins of a few IPs.
const MaxRows = 10000

// errLimit is the refusal of a row count outside 1..MaxRows.
func errLimit(n int) error {
	return fmt.Errorf("row limit %d: want 1 to %d", n, MaxRows)
}

// Rows returns the query for a page of the selected sign-ins, newest first
// (top N by TimeGenerated desc, then Id asc), after the keyset when given.
func Rows(s Select, limit int, after *Keyset) (string, error) {
	if limit < 1 || limit > MaxRows {
		return "", errLimit(limit)
	}
	b, err := base(s)
	if err != nil {
		return "", err
	}
	if after != nil {
		id, err := String(after.ID)
		if err != nil {
			return "", fmt.Errorf("cursor id: %w", err)
		}
		at := DateTime(after.TimeGenerated)
		// strcmp: KQL's ordinal comparison of strings, the order of sort by Id.
		b.pipe("where TimeGenerated < " + at + " or (TimeGenerated == " + at + " and strcmp(Id, " + id + ") > 0)")
	}
	b.pipe("top " + strconv.Itoa(limit) + " by " + newestFirst)
	return b.String(), nil
}

// GroupsQuery returns the query that groups every selected sign-in by
// ResultType: Count, UserCount, AppCount, IPCount (distinct non-empty
// values, dcount's estimate), FirstSeen and LastSeen, largest group first.
// A user is the UPN or else the object ID, an app its name or else the
// service principal's, or else their IDs (signin.SignIn.WhoName, AppName).
func GroupsQuery(s Select) (string, error) {
	b, err := base(s)
	if err != nil {
		return "", err
	}
	b.pipe("extend " + whoApp)
	b.pipe("summarize Count = count(), UserCount = dcountif(Who, isnotempty(Who)), AppCount = dcountif(AppName, isnotempty(AppName)), " +
		"IPCount = dcountif(IPAddress, isnotempty(IPAddress)), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated) by ResultType")
	b.pipe("order by Count desc, ResultType asc")
	return b.String(), nil
}

// ExposureCandidates returns the query for the selected failures whose
// exposure (signin.SignIn.Exposure: MFA rejected, high risk) may be set,
// newest first, at most limit: the rows with a high risk during sign-in, a
// 500121, or authentication steps that mention fraud, declined or denied,
// every word signin.SignIn.MFARejection looks for (contains is
// case-insensitive, as its reading is). It is a superset that Go narrows
// with the one reading of those texts, so that a group's MFARejected and
// HighRisk counts are exact without that reading written twice. s.Outcome
// is ignored: only failures have an exposure.
func ExposureCandidates(s Select, limit int) (string, error) {
	if limit < 1 || limit > MaxRows {
		return "", errLimit(limit)
	}
	s.Outcome = Failures
	b, err := base(s)
	if err != nil {
		return "", err
	}
	b.pipe(`where RiskLevelDuringSignIn =~ "high" or ResultType == "500121" or AuthenticationDetails contains "fraud" or AuthenticationDetails contains "declined" or AuthenticationDetails contains "denied"`)
	b.pipe("top " + strconv.Itoa(limit) + " by " + newestFirst)
	return b.String(), nil
}

// whoApp computes the user and app a group counts, as signin.SignIn.WhoName
// and AppName do (coalesce skips empty strings).
const whoApp = "Who = coalesce(UserPrincipalName, UserId), AppName = coalesce(AppDisplayName, ServicePrincipalName, AppId, ServicePrincipalId)"

// GroupKey is a value a group names its most frequent of.
type GroupKey string

// The values a group counts.
const (
	GroupUsers GroupKey = "Who"
	GroupApps  GroupKey = "AppName"
	GroupIPs   GroupKey = "IPAddress"
)

// GroupTopQuery returns the query for the n most frequent values of key in
// each ResultType group of the selected sign-ins: rows of ResultType, Value,
// Count, most first and ties by value (signin.SortCounts' order).
func GroupTopQuery(s Select, key GroupKey, n int) (string, error) {
	if key != GroupUsers && key != GroupApps && key != GroupIPs {
		return "", fmt.Errorf("group key %q: want Who, AppName or IPAddress", key)
	}
	if n < 1 || n > MaxRows {
		return "", errLimit(n)
	}
	b, err := base(s)
	if err != nil {
		return "", err
	}
	b.pipe("extend " + whoApp)
	b.pipe("where isnotempty(" + string(key) + ")")
	b.pipe("summarize Count = count() by ResultType, Value = " + string(key))
	b.pipe("sort by ResultType asc, Count desc, Value asc")
	b.pipe("extend Rank = row_number(1, prev(ResultType) != ResultType)")
	b.pipe("where Rank <= " + strconv.Itoa(n))
	b.pipe("project ResultType, Value, Count")
	return b.String(), nil
}

// ByID returns the query for one sign-in by its Id (request ID, in any case
// as the other sources compare it), the newest row should the workspace
// hold it twice.
func ByID(id string, types []signin.Type) (string, error) {
	lit, err := String(id)
	if err != nil {
		return "", fmt.Errorf("id: %w", err)
	}
	b, err := union(types, time.Time{}, time.Time{})
	if err != nil {
		return "", err
	}
	b.pipe("where Id =~ " + lit)
	b.pipe("top 1 by TimeGenerated desc")
	return b.String(), nil
}

// Correlated returns the query for the sign-ins of one flow (CorrelationId,
// any case), oldest first (ties by Id descending: the reverse of the rows'
// order, as the other sources return a flow), at most limit.
func Correlated(correlationID string, types []signin.Type, limit int) (string, error) {
	if limit < 1 || limit > MaxRows {
		return "", errLimit(limit)
	}
	lit, err := String(correlationID)
	if err != nil {
		return "", fmt.Errorf("correlation id: %w", err)
	}
	b, err := union(types, time.Time{}, time.Time{})
	if err != nil {
		return "", err
	}
	b.pipe("where CorrelationId =~ " + lit)
	b.pipe("top " + strconv.Itoa(limit) + " by TimeGenerated asc, Id desc")
	return b.String(), nil
}

// LastSuccess returns the query for the subject's most recent success in
// the window of s (Until is the failure window's start), one row per
// sign-in type through arg_max; the source keeps the newest. s.Outcome is
// ignored: only successes are read.
func LastSuccess(s Select) (string, error) {
	s.Outcome = Successes
	b, err := base(s)
	if err != nil {
		return "", err
	}
	b.pipe("summarize arg_max(TimeGenerated, *) by " + SignInTypeColumn)
	b.pipe("project " + strings.Join(Columns(), ", "))
	return b.String(), nil
}

// SameIP returns the query for the sign-ins, of any outcome and any user, in
// [since, until) from each target IP, of the types its failures were logged
// as: the newest perIP per IP and type (signin.SameIPMaxPerIP), which the
// lockout and spray rules compare. Rows come sorted by IP, type, then newest
// first.
func SameIP(targets []signin.IPTarget, since, until time.Time, perIP int) (string, error) {
	if len(targets) == 0 {
		return "", errors.New("same-ip query: no IP addresses")
	}
	if perIP < 1 || perIP > MaxRows {
		return "", errLimit(perIP)
	}
	var types []signin.Type
	var ors []string
	for _, t := range targets {
		ip, err := String(t.IP)
		if err != nil {
			return "", fmt.Errorf("ip address: %w", err)
		}
		if len(t.Types) == 0 {
			return "", fmt.Errorf("same-ip query: IP %s has no sign-in types", t.IP)
		}
		var ts []string
		for _, ty := range t.Types {
			lit, err := typeLiteral(ty)
			if err != nil {
				return "", err
			}
			ts = append(ts, lit)
			if !containsType(types, ty) {
				types = append(types, ty)
			}
		}
		ors = append(ors, "(IPAddress == "+ip+" and "+SignInTypeColumn+" in ("+strings.Join(ts, ", ")+"))")
	}
	signin.SortTypes(types)
	b, err := union(types, since, until)
	if err != nil {
		return "", err
	}
	b.pipe("where " + strings.Join(ors, " or "))
	b.pipe("sort by IPAddress asc, " + SignInTypeColumn + " asc, " + newestFirst)
	b.pipe("extend Rank = row_number(1, prev(IPAddress) != IPAddress or prev(" + SignInTypeColumn + ") != " + SignInTypeColumn + ")")
	b.pipe("where Rank <= " + strconv.Itoa(perIP))
	b.pipe("project-away Rank")
	return b.String(), nil
}

func containsType(ts []signin.Type, t signin.Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// newestFirst is the order of rows: newest first, then by Id, ascending.
const newestFirst = "TimeGenerated desc, Id asc"

// builder accumulates a query's lines: a tabular source, then one pipe per
// line, readable in the debug log.
type builder struct{ strings.Builder }

func (b *builder) pipe(op string) {
	b.WriteString("\n| ")
	b.WriteString(op)
}

// base is the union of s's tables over its window, normalised, with s's
// filters and outcome.
func base(s Select) (*builder, error) {
	q := s.Query
	b, err := union(q.Types, q.Since, q.Until)
	if err != nil {
		return nil, err
	}
	if err := filters(b, s, false); err != nil {
		return nil, err
	}
	return b, nil
}

// Readable is s's question short enough for a person to paste into Log
// Analytics: the tables as they are (no projection: a person reads rows,
// not the source's columns), the window, the outcome and the filters,
// newest first. A filter's column that a selected table may lack (the
// workload tables have no user or app display name) is read with
// column_ifexists, so that a workload-only question runs. It is what a
// Graph note gives for a window older than Graph keeps.
func Readable(s Select) (string, error) {
	types := s.Query.Types
	if len(types) == 0 {
		types = signin.AllTypes
	}
	tables := make([]string, len(types))
	for i, t := range types {
		table, err := Table(t)
		if err != nil {
			return "", err
		}
		tables[i] = table
	}
	var b builder
	b.WriteString("union isfuzzy=true " + strings.Join(tables, ", "))
	var window []string
	if !s.Query.Since.IsZero() {
		window = append(window, "TimeGenerated >= "+DateTime(ceilTick(s.Query.Since)))
	}
	if !s.Query.Until.IsZero() {
		window = append(window, "TimeGenerated < "+DateTime(ceilTick(s.Query.Until)))
	}
	if len(window) > 0 {
		b.pipe("where " + strings.Join(window, " and "))
	}
	if err := filters(&b, s, true); err != nil {
		return "", err
	}
	b.pipe("sort by TimeGenerated desc")
	return b.String(), nil
}

// lacking names, per sign-in type, the columns a filter reads that its
// table does not have (the Azure Monitor table reference): the workload
// tables have no user and no app display name.
var lacking = map[signin.Type][]string{
	signin.ServicePrincipal: {"UserPrincipalName", "UserId", "AppDisplayName"},
	signin.ManagedIdentity:  {"UserPrincipalName", "UserId", "AppDisplayName"},
}

// mayLack reports whether a table of types (every type when none) may lack
// the column name: the service principal columns, which the user tables
// lack in part, and the columns of lacking.
func mayLack(types []signin.Type, name string) bool {
	if name == "ServicePrincipalName" || name == "ServicePrincipalId" {
		return true
	}
	if len(types) == 0 {
		types = signin.AllTypes
	}
	for _, t := range types {
		if slices.Contains(lacking[t], name) {
			return true
		}
	}
	return false
}

// filters appends s's outcome and filters to b, every value a literal.
// raw is set over the tables as they are (Readable): a column that no table
// of a union has fails the query, and a fuzzy union may hold only tables
// without it (a workload-only select, or a workspace that sends only those
// categories), so a column a selected table may lack is read with
// column_ifexists. The normalised union of base has every column.
func filters(b *builder, s Select, raw bool) error {
	q := s.Query
	col := func(name string) string {
		if raw && mayLack(q.Types, name) {
			return `column_ifexists("` + name + `", "")`
		}
		return name
	}
	switch s.Outcome {
	case Failures:
		b.pipe(`where ResultType != "0"`)
	case Successes:
		b.pipe(`where ResultType == "0"`)
	}
	if q.ErrorCode != nil {
		code, err := String(strconv.Itoa(*q.ErrorCode))
		if err != nil {
			return err
		}
		b.pipe("where ResultType == " + code)
	}
	if len(s.Codes) > 0 {
		b.pipe("where ResultType in (" + codeList(s.Codes) + ")")
	}
	if len(s.NotCodes) > 0 {
		b.pipe("where ResultType !in (" + codeList(s.NotCodes) + ")")
	}
	if q.User != "" {
		u, err := String(q.User)
		if err != nil {
			return fmt.Errorf("user: %w", err)
		}
		upn := col("UserPrincipalName")
		cond := upn + " =~ " + u + " or " + col("UserId") + " == " + u
		if p := signin.GuestPrefix(q.User); p != "" {
			// A guest is found by their home address too (signin.MatchUser).
			g, err := String(p)
			if err != nil {
				return fmt.Errorf("user: %w", err)
			}
			cond += " or " + upn + " startswith " + g
		}
		b.pipe("where " + cond)
	}
	if q.App != "" {
		a, err := String(q.App)
		if err != nil {
			return fmt.Errorf("app: %w", err)
		}
		// The service principal's name and ID count too (signin.MatchApp).
		b.pipe("where " + col("AppDisplayName") + " =~ " + a + " or AppId == " + a + " or " +
			col("ServicePrincipalName") + " =~ " + a + " or " + col("ServicePrincipalId") + " == " + a)
	}
	if q.IPAddress != "" {
		ip, err := String(q.IPAddress)
		if err != nil {
			return fmt.Errorf("ip address: %w", err)
		}
		b.pipe("where IPAddress == " + ip)
	}
	if q.CorrelationID != "" {
		c, err := String(q.CorrelationID)
		if err != nil {
			return fmt.Errorf("correlation id: %w", err)
		}
		b.pipe("where CorrelationId =~ " + c)
	}
	return nil
}

// union starts a query with one leg per type (every type when none), each
// its table over [since, until) on TimeGenerated, projected to the common
// columns: a union of the tables as they are would split a column that is
// dynamic in one and a string in another into Status_dynamic and
// Status_string. The union is fuzzy: a workspace whose diagnostic settings
// send only some sign-in categories lacks the other tables, and a leg on a
// missing table is then left out with a warning instead of failing the
// query (the source says which tables exist, TableCounts).
func union(types []signin.Type, since, until time.Time) (*builder, error) {
	if len(types) == 0 {
		types = signin.AllTypes
	}
	var b builder
	b.WriteString("union isfuzzy=true")
	for i, t := range types {
		table, err := Table(t)
		if err != nil {
			return nil, err
		}
		typ, err := typeLiteral(t)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n(" + table)
		var window []string
		if !since.IsZero() {
			window = append(window, "TimeGenerated >= "+DateTime(ceilTick(since)))
		}
		if !until.IsZero() {
			window = append(window, "TimeGenerated < "+DateTime(ceilTick(until)))
		}
		if len(window) > 0 {
			b.WriteString("\n  | where " + strings.Join(window, " and "))
		}
		b.WriteString("\n  | project " + projection + ", " + SignInTypeColumn + " = " + typ + ")")
	}
	return &b, nil
}

// ceilTick rounds t up to KQL's 100 ns tick: a row's time r, a whole
// number of ticks, satisfies r >= t (or r < t) exactly when it satisfies it
// against the rounded bound, so a bound between ticks selects what it must.
func ceilTick(t time.Time) time.Time {
	if c := t.Truncate(Tick); !c.Equal(t) {
		return c.Add(Tick)
	}
	return t
}

// typeLiteral is t's value as a string literal.
func typeLiteral(t signin.Type) (string, error) {
	if _, ok := tables[t]; !ok {
		return "", fmt.Errorf("no Log Analytics table for sign-in type %q", t)
	}
	return String(string(t))
}

// projection is the project list of every leg, built once from projected:
// TimeGenerated, Id and ResultType are in every table; any other column is
// read with column_ifexists so that a table without it yields an empty value
// rather than a query error, and the JSON columns are made text with
// tostring, which leaves a string as it is and writes a dynamic value as
// JSON (the API would send it as JSON text anyway).
var projection = func() string {
	parts := make([]string, 0, len(projected))
	for _, c := range projected {
		switch c.name {
		case "TimeGenerated", "Id", "ResultType":
			parts = append(parts, c.name)
			continue
		}
		name, err := String(c.name)
		if err != nil {
			panic(fmt.Sprintf("kql: column name %q: %v", c.name, err))
		}
		var v string
		switch c.kind {
		case colString, colJSON:
			v = "tostring(column_ifexists(" + name + `, ""))`
		case colDateTime:
			v = "todatetime(column_ifexists(" + name + ", datetime(null)))"
		case colBool:
			v = "tobool(column_ifexists(" + name + ", bool(null)))"
		}
		parts = append(parts, c.name+" = "+v)
	}
	return strings.Join(parts, ", ")
}()

// TableCounts returns the query that counts each sign-in table's rows in
// [since, until): a row per table that exists and has rows (TableName,
// Rows), for the check command and for a note on what a workspace holds.
func TableCounts(since, until time.Time) string {
	names := make([]string, 0, len(signin.AllTypes))
	for _, t := range signin.AllTypes {
		names = append(names, tables[t])
	}
	return "union isfuzzy=true withsource=TableName " + strings.Join(names, ", ") +
		"\n| where TimeGenerated >= " + DateTime(ceilTick(since)) + " and TimeGenerated < " + DateTime(ceilTick(until)) +
		"\n| summarize Rows = count() by TableName" +
		"\n| order by TableName asc"
}

// codeList is codes as string literals, comma-separated: ResultType is a
// string column.
func codeList(codes []int) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		// An integer's text has no character String refuses.
		lit, _ := String(strconv.Itoa(c))
		parts[i] = lit
	}
	return strings.Join(parts, ", ")
}

// Subjects names whose successes decide what came after a set of failures
// (signin.FollowUp): their flows (correlation IDs), their users (object IDs
// and UPNs) and their workloads (service principal or app IDs and names).
// Every value is compared case-insensitively; the query is a superset that
// Go narrows with the one rule, signin.Successes.
type Subjects struct {
	Types          []signin.Type
	Since, Until   time.Time // Until zero: open
	CorrelationIDs []string
	Users          []string // object IDs and UPNs
	Workloads      []string // service principal and app IDs and names
}

// maxSubjects bounds the values of one Subjects query: a page of failures
// names at most a few hundred.
const maxSubjects = 2000

// FollowSuccesses returns the query for the successes of the subjects in
// [Since, Until), oldest first, at most limit.
func FollowSuccesses(s Subjects, limit int) (string, error) {
	if limit < 1 || limit > MaxRows {
		return "", errLimit(limit)
	}
	n := len(s.CorrelationIDs) + len(s.Users) + len(s.Workloads)
	if n == 0 {
		return "", errors.New("follow-up query: no subjects")
	}
	if n > maxSubjects {
		return "", fmt.Errorf("follow-up query: %d subjects, more than %d", n, maxSubjects)
	}
	b, err := union(s.Types, s.Since, s.Until)
	if err != nil {
		return "", err
	}
	b.pipe(`where ResultType == "0"`)
	var ors []string
	add := func(cols []string, values []string) error {
		if len(values) == 0 {
			return nil
		}
		lits := make([]string, len(values))
		for i, v := range values {
			lit, err := String(v)
			if err != nil {
				return fmt.Errorf("follow-up subject: %w", err)
			}
			lits[i] = lit
		}
		list := strings.Join(lits, ", ")
		for _, c := range cols {
			ors = append(ors, c+" in~ ("+list+")")
		}
		return nil
	}
	if err := add([]string{"CorrelationId"}, s.CorrelationIDs); err != nil {
		return "", err
	}
	if err := add([]string{"UserId", "UserPrincipalName"}, s.Users); err != nil {
		return "", err
	}
	if err := add([]string{"ServicePrincipalId", "ServicePrincipalName", "AppId", "AppDisplayName"}, s.Workloads); err != nil {
		return "", err
	}
	b.pipe("where " + strings.Join(ors, " or "))
	b.pipe("top " + strconv.Itoa(limit) + " by TimeGenerated asc, Id asc")
	return b.String(), nil
}

// FailedUsers returns the query for the UPNs of users with failures in
// [since, until) whose UPN or display name starts with prefix (any case;
// "" for every user), in UPN order, at most limit.
func FailedUsers(prefix string, since, until time.Time, limit int) (string, error) {
	if limit < 1 || limit > MaxRows {
		return "", errLimit(limit)
	}
	b, err := union(nil, since, until)
	if err != nil {
		return "", err
	}
	b.pipe(`where ResultType != "0" and isnotempty(UserPrincipalName)`)
	if prefix != "" {
		p, err := String(prefix)
		if err != nil {
			return "", fmt.Errorf("prefix: %w", err)
		}
		b.pipe("where UserPrincipalName startswith " + p + " or UserDisplayName startswith " + p)
	}
	b.pipe("summarize by UserPrincipalName")
	b.pipe("top " + strconv.Itoa(limit) + " by UserPrincipalName asc")
	return b.String(), nil
}
