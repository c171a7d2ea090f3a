package lafake

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzEvaluate: whatever the query, Evaluate answers or refuses with a
// *QueryError; it never panics, so a bad query from the source under test
// is a 400, never a dropped connection.
func FuzzEvaluate(f *testing.F) {
	paths, _ := filepath.Glob("../kql/testdata/*.kql")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	for _, q := range []string{
		`A | where ResultType in ("0", 1)`, `A | summarize arg_max(Seen, *) by Ok`, `union A, B | sort by Status_string`,
		`A | extend X = coalesce(Seen, datetime(null)) | top 2 by X asc nulls last`, `B | where Status has "" or Status !has "x"`,
		`A | sort by Id | extend R = row_number(5, prev(Ok) == Ok) | where R > 5`, `A | summarize dcount(Status), min(Ok), max(Id) by Seen`,
	} {
		f.Add(q)
	}
	tables := smallTables()
	f.Fuzz(func(t *testing.T, q string) {
		_, err := Evaluate(context.Background(), q, tables)
		var qe *QueryError
		if err != nil && !errors.As(err, &qe) {
			t.Fatalf("%q: %v is not a *QueryError", q, err)
		}
	})
}
