package filestest

import (
	"context"
	"os"
	"path/filepath"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
)

// Loaded generates an export of n sign-ins in format (seed as for
// Generate) into a temporary file, loads it with files.Load and removes the
// file: the sign-ins as the files source holds them, for benchmarks that
// need a large store (a million takes about a minute).
func Loaded(format files.Format, n int, seed uint64) (*files.Result, error) {
	dir, err := os.MkdirTemp("", "filestest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "export")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := Generate(f, format, n, seed); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return files.Load(context.Background(), []string{path})
}
