package files_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
)

// benchRows is the size of the largest admin-center download.
const benchRows = 100_000

func BenchmarkLoadGraphJSON(b *testing.B)        { benchmarkLoad(b, files.FormatGraphJSON) }
func BenchmarkLoadGraphJSONLines(b *testing.B)   { benchmarkLoad(b, files.FormatGraphJSONLines) }
func BenchmarkLoadPortalJSON(b *testing.B)       { benchmarkLoad(b, files.FormatPortalJSON) }
func BenchmarkLoadPortalCSV(b *testing.B)        { benchmarkLoad(b, files.FormatPortalCSV) }
func BenchmarkLoadLogAnalyticsCSV(b *testing.B)  { benchmarkLoad(b, files.FormatLogAnalyticsCSV) }
func BenchmarkLoadLogAnalyticsJSON(b *testing.B) { benchmarkLoad(b, files.FormatLogAnalyticsJSON) }

// BenchmarkLoadSerial loads the same exports with every record decoded on
// Load's goroutine, as before decoding used every core: the difference is
// what the workers bring on this machine.
func BenchmarkLoadSerial(b *testing.B) {
	for _, format := range filestest.Formats {
		b.Run(string(format), func(b *testing.B) { benchmarkLoad(b, format, files.WithWorkers(0, 0)) })
	}
}

// benchmarkLoad loads a generated export of benchRows sign-ins. Besides
// MB/s it reports the file size, the heap in use once the result is loaded
// (after a collection), and the peak heap sampled while loading.
func benchmarkLoad(b *testing.B, format files.Format, opts ...files.Option) {
	path := filepath.Join(b.TempDir(), "export")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := filestest.Generate(f, format, benchRows, 1); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	b.ReportAllocs()
	heap := filestest.StartHeapMeter()

	ctx := context.Background()
	var res *files.Result
	for b.Loop() {
		res = nil
		res, err = files.Load(ctx, []string{path}, opts...)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	heap.Stop()
	if len(res.SignIns) != benchRows {
		b.Fatalf("loaded %d sign-ins, want %d", len(res.SignIns), benchRows)
	}
	heap.Report(b, info.Size(), res)
}
