package loading

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// Files returns the Loader of the files source: the exports matched by
// patterns, in memory. A file that fails (a bad record half-way, a file
// that vanished) is left out whole and named, with its position, in every
// search's coverage notes and in the log; the others are served. Only when
// every file fails is the load an error. opts are passed to files.Load.
func Files(patterns []string, logger *slog.Logger, opts ...files.Option) Loader {
	return func(ctx context.Context, report func(Progress)) (signin.Source, error) {
		start := time.Now()
		res, failed, err := loadFiles(ctx, patterns, report, opts)
		for _, f := range failed {
			logger.Warn("sign-in export left out", "err", f)
		}
		if err != nil && ctx.Err() != nil {
			// The server is stopping: not an incident.
			logger.Info("sign-in export load stopped", "err", err)
			return nil, err
		}
		if err != nil {
			logger.Error("no sign-in export loaded: the sign-in tools will say why", "err", err)
			return nil, err
		}
		for _, f := range res.Files {
			what := "loaded sign-in export"
			if f.Format.Audit() {
				what = "loaded directory audit export"
			}
			logger.Info(what, "path", f.Path, "format", f.Format, "records", f.Records, "bytes", f.Bytes)
		}
		if res.Implausible > 0 {
			logger.Warn("sign-ins with implausible dates left out", "count", res.Implausible,
				"from", res.PlausibleFrom, "until", res.PlausibleUntil, "first", res.ImplausibleSample)
		}
		notes := res.Notes()
		for _, f := range failed {
			notes = append(notes, fmt.Sprintf("not served: %v (the file is left out whole; %s loaded)", f, plural.Count(len(res.Files), "other file", "other files")))
		}
		store := memory.New("files", res.SignIns, memory.WithNotes(notes...), memory.WithDirectory(directory.NewMemory(res.Directory())))
		oldest, newest := store.Range()
		logger.Info("files source ready", "signIns", store.Len(), "auditEvents", len(res.Events), "duplicatesMerged", res.Duplicates, "filesLeftOut", len(failed), "from", oldest, "to", newest, "took", time.Since(start))
		return store, nil
	}
}

// loadFiles loads the files of patterns, leaving out each file that fails:
// files.Load stops at the first bad file, so the load is run again without
// it. A load that fails again costs a reread of the files before the bad
// one, which keeps one Load's merging by ID and string sharing across every
// served file. failed holds each left-out file's error (naming the file and
// where it went wrong); err is set when nothing could be served.
func loadFiles(ctx context.Context, patterns []string, report func(Progress), opts []files.Option) (res *files.Result, failed []error, err error) {
	current := patterns
	var paths []string // the files patterns match, once one has failed
	for {
		var at files.Progress
		started := false
		progress := files.WithProgress(func(p files.Progress) {
			at, started = p, true
			report(Progress(p))
		})
		res, err := files.Load(ctx, current, append(opts[:len(opts):len(opts)], progress)...)
		if err == nil {
			return res, failed, nil
		}
		if ctx.Err() != nil || !started {
			// Cancelled, or refused before any file was read (a pattern
			// that matches nothing): no single file to leave out.
			return nil, failed, err
		}
		if paths == nil {
			var xerr error
			if paths, xerr = expand(patterns); xerr != nil {
				return nil, failed, xerr
			}
		}
		kept := paths[:0]
		for _, p := range paths {
			if filepath.Clean(p) != filepath.Clean(at.Path) {
				kept = append(kept, p)
			}
		}
		if len(kept) == len(paths) {
			// The failing file is not among the patterns' matches: do
			// not loop on it.
			return nil, failed, err
		}
		failed = append(failed, err)
		paths = kept
		if len(paths) == 0 {
			return nil, failed, fmt.Errorf("no sign-in export could be loaded: %w", errors.Join(failed...))
		}
		current = make([]string, len(paths))
		for i, p := range paths {
			current[i] = literal(p)
		}
	}
}

// CheckFiles refuses at start what would fail the whole load: a bad glob,
// a pattern that matches no file, a match that is not a regular file (a
// named pipe would block the load). It opens nothing; what is inside the
// files is the background load's business.
func CheckFiles(patterns []string) error {
	if len(patterns) == 0 {
		return errors.New("no paths given (want file paths or globs such as exports/*.csv)")
	}
	for _, p := range patterns {
		matches, err := filepath.Glob(p)
		if err != nil {
			return fmt.Errorf("load %s: bad glob pattern: %w", p, err)
		}
		if len(matches) == 0 {
			return fmt.Errorf("load %s: no file matches (want an existing file or a glob such as exports/*.csv)", p)
		}
		for _, m := range matches {
			info, err := os.Stat(m)
			if err != nil {
				return fmt.Errorf("load %s: %w", m, err)
			}
			if !info.Mode().IsRegular() {
				return fmt.Errorf("load %s: not a regular file (want an export saved to disk, or a glob such as exports/*.csv)", m)
			}
		}
	}
	return nil
}

// expand lists the files patterns match as files.Load does: in pattern
// order then name order, each once.
func expand(patterns []string) ([]string, error) {
	var paths []string
	seen := map[string]bool{}
	for _, p := range patterns {
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("load %s: bad glob pattern: %w", p, err)
		}
		for _, m := range matches {
			if c := filepath.Clean(m); !seen[c] {
				seen[c] = true
				paths = append(paths, m)
			}
		}
	}
	return paths, nil
}

// literal escapes path's glob metacharacters, so that files.Load, which
// takes patterns, reads exactly that file. Windows has no escape, and its
// file names cannot hold * or ?.
func literal(path string) string {
	if runtime.GOOS == "windows" {
		return path
	}
	var b strings.Builder
	for _, r := range path {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
