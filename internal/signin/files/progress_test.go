package files_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
)

// Progress counts up through every file: a call when each file opens, calls
// inside a file larger than ProgressEvery, and a last call with every byte
// and record read.
func TestLoadReportsProgress(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.jsonl")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := filestest.Generate(f, files.FormatGraphJSONLines, 8000, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join("..", "..", "..", "testdata", "signins", "graph-v1-page.json")
	var calls []files.Progress
	res, err := files.Load(context.Background(), []string{big, small}, files.WithProgress(func(p files.Progress) { calls = append(calls, p) }))
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	records := 0
	for _, st := range res.Files {
		total += st.Bytes
		records += st.Records
	}
	if total <= files.ProgressEvery {
		t.Fatalf("the generated export is %d bytes: too small to report progress inside it", total)
	}
	midFile := 0
	for i, p := range calls {
		if p.Files != 2 || p.TotalBytes != total {
			t.Errorf("call %d = %+v, want Files 2 and TotalBytes %d", i, p, total)
		}
		if i > 0 && (p.Bytes < calls[i-1].Bytes || p.Records < calls[i-1].Records) {
			t.Errorf("call %d = %+v went back from %+v", i, p, calls[i-1])
		}
		if p.File == 1 && p.Bytes > 0 && p.Bytes < res.Files[0].Bytes {
			midFile++
		}
	}
	if midFile == 0 {
		t.Errorf("no progress inside the %d-byte file: %+v", res.Files[0].Bytes, calls)
	}
	last := calls[len(calls)-1]
	if last.File != 2 || last.Path != small || last.Bytes != total || last.Records != records {
		t.Errorf("last call = %+v, want file 2 (%s) with %d bytes and %d records", last, small, total, records)
	}
}
