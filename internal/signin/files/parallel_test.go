package files_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
)

// parallelCases are the worker counts and batch sizes compared with the
// serial decode: batches of one byte (a record each), of a few bytes and
// of a few records, which cut at every awkward place, and the default.
var parallelCases = []struct{ workers, batch int }{{1, 1}, {2, 7}, {3, 1000}, {2, 20_000}, {2, 1 << 20}}

// generated writes a generated export of n sign-ins and returns its text.
func generated(t *testing.T, format files.Format, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := filestest.Generate(&b, format, n, 7); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tricky puts escaped quotes, backslashes, braces, brackets and line
// breaks inside the strings of a JSON export, where a splitter that
// ignored strings or escapes would cut a record in two.
func tricky(data []byte) []byte {
	return bytes.ReplaceAll(data, []byte(`"userAgent":"`), []byte(`"userAgent":"}],{[\"\\\\\"\n\u007b ,\"value\":[`))
}

// trickyCSV puts doubled quotes, commas and line breaks (LF and CRLF)
// inside quoted fields of the admin center's CSV, where a cut that ignored
// quotes would split a record.
func trickyCSV(data []byte) []byte {
	return bytes.ReplaceAll(data, []byte(`"Mozilla/5.0`), []byte("\"x\"\"\n\"\"y,\"\"\r\n\n\"\"Mozilla/5.0"))
}

// slashDate is a US date of the Log Analytics CSV the generator writes.
var slashDate = regexp.MustCompile(`"(\d{1,2})/(\d{1,2})/(\d{4})`)

// dayFirst rewrites slash dates day first, from byte from on.
func dayFirst(data []byte, from int) []byte {
	return append(append([]byte{}, data[:from]...), slashDate.ReplaceAll(data[from:], []byte(`"$2/$1/$3`))...)
}

// Slash dates: the order of day and month, settled by the first
// unambiguous date of the file, corrects the rows read before it and reads
// those after, whichever batch settles it; a file that mixes both orders
// fails as the serial decode does.
func TestParallelLoadDateOrder(t *testing.T) {
	data := generated(t, files.FormatLogAnalyticsCSV, 400)
	for name, data := range map[string][]byte{
		"month first": data,
		"day first":   dayFirst(data, 0),
	} {
		t.Run(name, func(t *testing.T) {
			res, err := compareLoads(t, writeFile(t, "export.csv", data))
			if err != nil || len(res.SignIns) != 400 {
				t.Fatalf("loaded %d sign-ins, error %v; want 400", len(res.SignIns), err)
			}
		})
	}
	t.Run("mixed", func(t *testing.T) {
		// The first row again at the end, day first: its date says 13/1.
		first := data[nth(data, "\n", 1):nth(data, "\n", 2)]
		mixed := append(append([]byte{}, data...), dayFirst(first, 0)...)
		if _, err := compareLoads(t, writeFile(t, "export.csv", mixed)); err == nil {
			t.Fatal("loaded a file with both date orders")
		}
	})
}

// compareLoads loads path serially and on workers, and fails unless the
// results (or the errors) are the same.
func compareLoads(t *testing.T, paths ...string) (*files.Result, error) {
	t.Helper()
	clock := files.WithClock(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) })
	want, wantErr := files.Load(context.Background(), paths, clock, files.WithWorkers(0, 0))
	for _, c := range parallelCases {
		got, err := files.Load(context.Background(), paths, clock, files.WithWorkers(c.workers, c.batch))
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("%d workers, %d-byte batches: error %v, serial %v", c.workers, c.batch, err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			n := min(len(got.SignIns), len(want.SignIns))
			for i := range n {
				if !reflect.DeepEqual(got.SignIns[i], want.SignIns[i]) {
					t.Fatalf("%d workers, %d-byte batches: sign-in %d differs:\n got %+v\nwant %+v", c.workers, c.batch, i, got.SignIns[i], want.SignIns[i])
				}
			}
			t.Fatalf("%d workers, %d-byte batches: results differ (%d sign-ins, serial %d; %+v, serial %+v)", c.workers, c.batch, len(got.SignIns), len(want.SignIns), got.Files, want.Files)
		}
	}
	return want, wantErr
}

// badDate spoils the date of the nth row of an admin center CSV.
func badDate(data []byte, n int) []byte {
	from, to := nth(data, "\n", n), nth(data, "\n", n+1)
	row := bytes.Replace(data[from:to], []byte(`"20`), []byte(`"x20`), 1)
	return append(append(append([]byte{}, data[:from]...), row...), data[to:]...)
}

// nth is the offset after the nth sep in data.
func nth(data []byte, sep string, n int) int {
	at := 0
	for range n {
		at += bytes.Index(data[at:], []byte(sep)) + len(sep)
	}
	return at
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The parallel decode gives the serial decode's result, in order and
// content, for every format, with awkward strings, duplicates (the export
// twice over, in one file and in two) and several files.
func TestParallelLoadMatchesSerial(t *testing.T) {
	for _, format := range filestest.Formats {
		t.Run(string(format), func(t *testing.T) {
			data := generated(t, format, 300)
			switch {
			case strings.Contains(string(format), "json"):
				data = tricky(data)
			case format == files.FormatPortalCSV:
				data = trickyCSV(data)
			}
			path := writeFile(t, "export", data)
			res, err := compareLoads(t, path)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.SignIns) != 300 {
				t.Fatalf("loaded %d sign-ins, want 300", len(res.SignIns))
			}
			if format == files.FormatGraphJSONLines || format == files.FormatLogAnalyticsJSON {
				twice := writeFile(t, "twice", append(append([]byte{}, data...), data...))
				if res, err := compareLoads(t, twice, path); err != nil || res.Duplicates != 600 {
					t.Fatalf("twice and once: %d duplicates, error %v; want 600 and none", res.Duplicates, err)
				}
			}
		})
	}
}

// A file that fails half-way fails with the serial decode's error, which
// says where (line, index, byte); records before the failure and reading
// ahead past it change nothing.
func TestParallelLoadFailsAsSerial(t *testing.T) {
	lines := generated(t, files.FormatGraphJSONLines, 200)
	pages := generated(t, files.FormatGraphJSON, 200)
	breakAt := func(data []byte, at int, with string) []byte {
		return append(append(append([]byte{}, data[:at]...), with...), data[at:]...)
	}
	csvFile := generated(t, files.FormatPortalCSV, 300)
	cases := map[string][]byte{
		"CSV: a quote in an unquoted field":        breakAt(csvFile, nth(csvFile, "\n", 150), `x"y,`),
		"CSV: a quote that never closes":           append(append([]byte{}, csvFile...), `"2025-01-13T16:42:00Z","abc`...),
		"CSV: a row of two fields":                 breakAt(csvFile, nth(csvFile, "\n", 200), "a,b\n"),
		"CSV: a bad date":                          badDate(csvFile, 120),
		"CSV: a quoted line break, then a bad row": breakAt(breakAt(csvFile, nth(csvFile, "\n", 250), "a,b\n"), nth(csvFile, "\n", 50), `"a`+"\n"+`b",`),
		"bad value on the first line":              bytes.Replace(lines, []byte(`"createdDateTime":"`), []byte(`"createdDateTime":"x`), 1),
		"bad line 120":                             breakAt(lines, nth(lines, "\n", 119), "{\"id\":\n"),
		"bad last line":                            append(append([]byte{}, lines...), "{]\n"...),
		"record without a time":                    breakAt(lines, nth(lines, "\n", 150), "{\"id\":\"x\",\"userAgent\":\"\\\"}\"}\n"),
		"audit event among sign-ins":               breakAt(lines, nth(lines, "\n", 77), `{"id":"a1","activityDisplayName":"Update user","activityDateTime":"2025-01-09T02:02:12Z","category":"UserManagement"}`+"\n"),
		"bad record mid-page":                      breakAt(pages, nth(pages, `{"id":`, 150)-len(`{"id":`), `{"id":7},`),
		"bad record, then broken JSON":             append(breakAt(pages, nth(pages, `{"id":`, 20)-len(`{"id":`), `{"id":7},`), `{"value":[`...),
		"broken JSON at the end":                   append(append([]byte{}, pages...), `{"value":[{"id":`...),
		"a line longer than MaxRecord":             breakAt(lines, nth(lines, "\n", 60), `{"id":"`+strings.Repeat("a", 5<<20)+`"}`+"\n"),
		"a last line longer than MaxRecord":        append(append([]byte{}, lines...), `{"id":"`+strings.Repeat("a", 5<<20)...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, "export", data)
			if _, err := compareLoads(t, path); err == nil {
				t.Fatal("loaded a broken file")
			} else {
				t.Log(err)
			}
		})
	}
}
