// Package lafake is a fake of the Azure Monitor Log Analytics query
// endpoint (POST /v1/workspaces/{workspaceId}/query) over sign-ins, for
// tests of the Log Analytics source through the real azlogs client and for
// end-to-end runs of the built server (cmd/lafake). It sits beside the
// source it serves, internal/signin/loganalytics, as graphfake sits beside
// the Graph source, and imports no Azure SDK.
//
// # Tables
//
// New puts each signin.SignIn in its type's table (Row): SigninLogs,
// AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs and
// AADManagedIdentitySignInLogs, with the columns and types of the Azure
// Monitor table reference (Schema): ResultType a string ("0" is success);
// Status, LocationDetails, DeviceDetail and ConditionalAccessPolicies dynamic
// in SigninLogs and JSON text in the other tables; AuthenticationDetails JSON
// text; ServicePrincipalCredentialKeyId only in the service principal
// table; no user, device or step columns in the workload tables. A column a
// table lacks is absent, so a query must use column_ifexists, as at the
// service. Every table exists, with rows or without, unless
// WithMissingTables removes it. TimeGenerated is the sign-in's time (the
// service's is the ingestion time, a little later), so that a window
// selects what the files source selects. Every field the files source's
// Log Analytics reader maps survives a row (the round-trip test).
//
// # The KQL it evaluates
//
// Exactly the subset internal/signin/loganalytics/kql emits, parsed with
// kql.Tokenize into a small AST, names and types checked before any row is
// read, as the service does:
//
//   - sources: a table; union isfuzzy=true|false of tables or bracketed
//     subqueries, with withsource=Name. A fuzzy union leaves out legs on
//     tables the workspace lacks (Request.Skipped); a union of legs whose
//     column types differ splits the column into Name_type columns
//     (Status_dynamic, Status_string), as the service does.
//   - operators: where, project (Name = expr), project-away, extend,
//     summarize ... by ... (summarize by ... alone: the distinct values),
//     top N by, sort by / order by (descending by default, nulls last
//     descending and first ascending), take / limit.
//   - expressions: ==, !=, <, <=, >, >= (types must agree: ResultType == 0 is
//     refused, as at the service), =~, !~, contains, startswith, has and
//     their negations (case-insensitive), in and !in, in~ and !in~
//     (case-insensitive, on strings), and, or, not(), parentheses, string,
//     long, real and bool literals, datetime(...) with datetime(null),
//     bool(null).
//   - functions: column_ifexists, tostring, todatetime, tobool, parse_json,
//     todynamic, coalesce (for strings: the first non-empty), isnotempty,
//     isempty, strcmp, row_number(start, restart) and prev() (on a
//     serialized row set only: after sort, order or top).
//   - aggregations: count(), countif, dcount and dcountif (exact, where the
//     service estimates with HyperLogLog: within its error on the small
//     sets of tests), min, max, arg_max(X, *) and arg_min(X, *).
//
// Anything else (let, mv-expand, dynamic property access, arithmetic, other
// functions) is refused with 400 BadArgumentError and an inner
// SyntaxError or SemanticError, as the service refuses a query it cannot
// compile.
//
// # Service behaviours imitated
//
//   - the request: the body's query, timespan (ISO 8601 start/end,
//     start/duration, duration/end or a duration ending now, applied to
//     TimeGenerated before the query runs) and workspaces (additional
//     workspaces, whose tables are unioned with the primary's); the Prefer
//     header's wait=N, honoured as the evaluation's deadline (504 past it)
//     and echoed in Preference-Applied.
//   - the answer: {"tables":[{"name":"PrimaryResult","columns":[{"name",
//     "type"}],"rows":[[...]]}]}; datetime values in UTC with seven
//     fractional digits; null datetime and bool values as null; dynamic
//     values as their JSON text in a JSON string, which is how the API sends
//     them (clients such as azlogs and azure-kusto-python hand them over as
//     strings).
//   - faults: 401 AuthorizationRequiredError or InvalidTokenError
//     (WithToken); 429 with Retry-After for the next n requests
//     (WithThrottle); 403 InsufficientAccessError (no Log Analytics Reader
//     role) or 404 WorkspaceNotFoundError (WithDeny, or a workspace ID
//     WithWorkspace does not list); a 200 whose rows are cut at the row
//     or size limit with a PartialError beside the tables (WithRowLimit,
//     WithSizeLimit; the service's are 500,000 rows and about 64 MB); a
//     panic is a 500 InternalServerError, not a dropped connection.
//   - records: Requests and Queries for assertions, and a JSON line per
//     request (WithLog).
package lafake
