package files

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// writeHuge writes prefix, n bytes of fill, then suffix, without holding
// the file in memory.
func writeHuge(t *testing.T, path, prefix string, n int, fill byte, suffix string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	w.WriteString(prefix)
	chunk := []byte(strings.Repeat(string(fill), 64<<10))
	for left := n; left > 0; left -= len(chunk) {
		w.Write(chunk[:min(left, len(chunk))])
	}
	w.WriteString(suffix)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// bigFieldCase is one export shape with a huge value in its second record.
type bigFieldCase struct {
	name           string
	file           string
	prefix, suffix string
	where          string // the position the error must name
}

const goodGraph = `{"id":"a","createdDateTime":"2025-01-09T02:02:12Z","status":{"errorCode":50126}}`

var bigFieldCases = []bigFieldCase{
	{name: "portal json", file: "portal.json",
		prefix: `[` + goodGraph + `,{"id":"b","createdDateTime":"2025-01-09T02:02:12Z","userAgent":"`, suffix: `"}]`,
		where: "record at index 1"},
	{name: "graph page", file: "page.json",
		prefix: `{"@odata.context":"x","value":[` + goodGraph + `,{"id":"b","createdDateTime":"2025-01-09T02:02:12Z","userAgent":"`, suffix: `"}]}`,
		where: "record at index 1"},
	{name: "single object", file: "single.json",
		prefix: "{\n  \"id\": \"b\",\n  \"createdDateTime\": \"2025-01-09T02:02:12Z\",\n  \"userAgent\": \"", suffix: "\"\n}\n",
		where: "record at byte 0"},
	{name: "json lines", file: "lines.jsonl",
		prefix: goodGraph + "\n" + `{"id":"b","createdDateTime":"2025-01-09T02:02:12Z","userAgent":"`, suffix: "\"}\n",
		where: "record at line 2"},
	{name: "portal csv", file: "portal.csv",
		prefix: portalHeader + `"2025-01-09T02:02:12Z","id-1","u","a@b","App","0","Success"` + "\n" + `"2025-01-09T02:02:12Z","id-2","u","a@b","`, suffix: `","0","Success"` + "\n",
		where: "record at line 3"},
	{name: "la csv unquoted", file: "la.csv",
		prefix: "TimeGenerated [UTC],Id,ResultType,UserAgent\n2025-01-09T02:02:12Z,id-1,0,curl\n2025-01-09T02:02:13Z,id-2,0,", suffix: "\n",
		where: "record at line 3"},
	{name: "la json rows", file: "la-rows.json",
		prefix: `[{"TimeGenerated":"2025-01-09T02:02:12Z","Id":"id-1","ResultType":"0"},{"TimeGenerated":"2025-01-09T02:02:12Z","Id":"id-2","ResultType":"0","UserAgent":"`, suffix: `"}]`,
		where: "record at index 1"},
	{name: "la query tables", file: "la-tables.json",
		prefix: `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated"},{"name":"Id"},{"name":"ResultType"},{"name":"UserAgent"}],"rows":[["2025-01-09T02:02:12Z","id-1","0","curl"],["2025-01-09T02:02:12Z","id-2","0","`, suffix: `"]]}]}`,
		where: "table 0: record at index 1"},
}

// TestOversizedRecord loads a file whose second record holds a 50 MB
// field: the load fails naming the file and the record, and allocates a
// bounded amount on the way (TotalAlloc counts every allocation, so it
// bounds the peak heap from above without depending on when GC runs).
func TestOversizedRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 50 MB files")
	}
	const huge = 50 << 20
	const budget = 64 << 20
	dir := t.TempDir()
	for _, tc := range bigFieldCases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			writeHuge(t, path, tc.prefix, huge, 'x', tc.suffix)
			defer os.Remove(path)

			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Load(context.Background(), []string{path})
			runtime.ReadMemStats(&after)

			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %.1f MiB loading a %d MiB field: %v", float64(alloc)/(1<<20), huge>>20, err)
			if err == nil {
				t.Fatalf("Load succeeded, want an error for the 50 MB record")
			}
			for _, want := range []string{path, tc.where, "larger than 4 MiB"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Load = %v, want it to say %q", err, want)
				}
			}
			if alloc > budget {
				t.Errorf("Load allocated %d MiB for the failed load, want at most %d MiB", alloc>>20, budget>>20)
			}
		})
	}
}

// TestOversizedField loads files whose second record holds a field over
// the field cap but stays under the record cap; a field just under the cap
// loads.
func TestOversizedField(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range bigFieldCases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			writeHuge(t, path, tc.prefix, graphjson.MaxField+1, 'x', tc.suffix)
			_, err := Load(context.Background(), []string{path})
			if err == nil {
				t.Fatalf("Load succeeded, want an error for the field over 1 MiB")
			}
			for _, want := range []string{path, tc.where, "longer than 1 MiB"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Load = %v, want it to say %q", err, want)
				}
			}

			writeHuge(t, path, tc.prefix, graphjson.MaxField-100, 'x', tc.suffix)
			if _, err := Load(context.Background(), []string{path}); err != nil {
				t.Errorf("Load with a field just under the cap: %v", err)
			}
		})
	}
}
