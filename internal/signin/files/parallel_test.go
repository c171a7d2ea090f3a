package files_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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
			if strings.Contains(string(format), "json") {
				data = tricky(data)
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
	nth := func(data []byte, sep string, n int) int {
		at := 0
		for range n {
			at += bytes.Index(data[at:], []byte(sep)) + len(sep)
		}
		return at
	}
	breakAt := func(data []byte, at int, with string) []byte {
		return append(append(append([]byte{}, data[:at]...), with...), data[at:]...)
	}
	cases := map[string][]byte{
		"bad value on the first line":       bytes.Replace(lines, []byte(`"createdDateTime":"`), []byte(`"createdDateTime":"x`), 1),
		"bad line 120":                      breakAt(lines, nth(lines, "\n", 119), "{\"id\":\n"),
		"bad last line":                     append(append([]byte{}, lines...), "{]\n"...),
		"record without a time":             breakAt(lines, nth(lines, "\n", 150), "{\"id\":\"x\",\"userAgent\":\"\\\"}\"}\n"),
		"audit event among sign-ins":        breakAt(lines, nth(lines, "\n", 77), `{"id":"a1","activityDisplayName":"Update user","activityDateTime":"2025-01-09T02:02:12Z","category":"UserManagement"}`+"\n"),
		"bad record mid-page":               breakAt(pages, nth(pages, `{"id":`, 150)-len(`{"id":`), `{"id":7},`),
		"bad record, then broken JSON":      append(breakAt(pages, nth(pages, `{"id":`, 20)-len(`{"id":`), `{"id":7},`), `{"value":[`...),
		"broken JSON at the end":            append(append([]byte{}, pages...), `{"value":[{"id":`...),
		"a line longer than MaxRecord":      breakAt(lines, nth(lines, "\n", 60), `{"id":"`+strings.Repeat("a", 5<<20)+`"}`+"\n"),
		"a last line longer than MaxRecord": append(append([]byte{}, lines...), `{"id":"`+strings.Repeat("a", 5<<20)...),
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
