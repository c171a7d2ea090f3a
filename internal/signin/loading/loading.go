// Package loading serves a sign-in source whose data loads in the
// background: the server answers initialize at once however large the
// exports are, and a sign-in question asked before the load ends waits for
// it (as long as its caller waits), seeing its progress. It sits between the
// command, which starts the load, and the tools, which see a signin.Source
// like any other; readiness checks (/readyz) read its State.
package loading

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Progress is how far a load has read.
type Progress struct {
	// Path is the file being read, File its place (from 1) among Files.
	Path        string
	File, Files int
	// Bytes counts the bytes read so far, of TotalBytes.
	Bytes, TotalBytes int64
	// Records counts the records decoded so far.
	Records int
}

// Loader reads the data and returns the source that serves it, calling
// report as it goes. It runs once, on its own goroutine; ctx ends with the
// server.
type Loader func(ctx context.Context, report func(Progress)) (signin.Source, error)

// Source is a signin.Source whose data is loaded by a Loader in the
// background. Every call but Name waits for the load to end, or for its ctx.
type Source struct {
	name string
	done chan struct{} // closed when the load ended; src and err are set then
	src  signin.Source
	err  error

	mu       sync.Mutex
	progress Progress
	changed  chan struct{} // closed and replaced at each progress report
}

// Start runs load in the background and returns the source that serves its
// result once it is there. name is the --source value, known at once.
func Start(ctx context.Context, name string, load Loader) *Source {
	s := &Source{name: name, done: make(chan struct{}), changed: make(chan struct{})}
	go func() {
		src, err := load(ctx, s.report)
		if err == nil && src == nil {
			err = errors.New("the loader returned no source")
		}
		s.mu.Lock()
		s.src, s.err = src, err
		s.mu.Unlock()
		close(s.done)
	}()
	return s
}

// report records p and wakes the callers waiting for the load.
func (s *Source) report(p Progress) {
	s.mu.Lock()
	s.progress = p
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// State is what a readiness check says about the load.
type State struct {
	// Done is true once the load ended, well or not.
	Done bool
	// Err is why the load failed: nothing can be served (nil while
	// loading and after a success).
	Err error
	// Progress is the last progress reported.
	Progress Progress
}

// State returns the load's state now, without waiting.
func (s *Source) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Progress: s.progress}
	select {
	case <-s.done:
		st.Done, st.Err = true, s.err
	default:
	}
	return st
}

// progressKey is the context key of WithProgress.
type progressKey struct{}

// WithProgress returns ctx carrying fn, which a call that waits for a load
// calls with its progress: first at once, then at each report of the
// loader. An MCP server sets it per request when the client asked for
// progress notifications, so that tools need not know about loading.
func WithProgress(ctx context.Context, fn func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

// progressFrom returns the function WithProgress put in ctx, or nil.
func progressFrom(ctx context.Context) func(Progress) {
	fn, _ := ctx.Value(progressKey{}).(func(Progress))
	return fn
}

// Wait returns the loaded source once the load ended, or the load's error,
// or ctx's error if ctx ends first. While it waits it tells ctx's progress
// function (WithProgress) how far the load has come.
func (s *Source) Wait(ctx context.Context) (signin.Source, error) {
	select {
	case <-s.done:
		return s.loaded()
	default:
	}
	report := progressFrom(ctx)
	for {
		s.mu.Lock()
		p, changed := s.progress, s.changed
		s.mu.Unlock()
		if report != nil {
			report(p)
		}
		select {
		case <-s.done:
			return s.loaded()
		case <-ctx.Done():
			return nil, fmt.Errorf("still loading (%s): %w", Describe(p), ctx.Err())
		case <-changed:
		}
	}
}

// loaded returns the load's outcome; s.done is closed.
func (s *Source) loaded() (signin.Source, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.src, nil
}

// Describe says how far a load has read, for a progress message or a
// readiness reason: records, megabytes of the total, and the file.
func Describe(p Progress) string {
	const mb = 1 << 20
	msg := fmt.Sprintf("%d records, %.1f of %.1f MB read", p.Records, float64(p.Bytes)/mb, float64(p.TotalBytes)/mb)
	if p.Files > 1 {
		msg += fmt.Sprintf(", file %d of %d", p.File, p.Files)
	}
	return msg
}

// Name implements signin.Source without waiting: it is the --source value.
func (s *Source) Name() string { return s.name }

// Now implements signin.Source.
func (s *Source) Now(ctx context.Context) (time.Time, error) {
	src, err := s.Wait(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return src.Now(ctx)
}

// Search implements signin.Source.
func (s *Source) Search(ctx context.Context, q signin.Query) (signin.Page, error) {
	src, err := s.Wait(ctx)
	if err != nil {
		return signin.Page{}, err
	}
	return src.Search(ctx, q)
}

// Get implements signin.Source.
func (s *Source) Get(ctx context.Context, id string) (signin.SignIn, error) {
	src, err := s.Wait(ctx)
	if err != nil {
		return signin.SignIn{}, err
	}
	return src.Get(ctx, id)
}

// Correlated implements signin.Source.
func (s *Source) Correlated(ctx context.Context, correlationID string) ([]signin.SignIn, error) {
	src, err := s.Wait(ctx)
	if err != nil {
		return nil, err
	}
	return src.Correlated(ctx, correlationID)
}

// NextSuccess implements signin.Source.
func (s *Source) NextSuccess(ctx context.Context, si signin.SignIn) (*signin.SuccessRef, error) {
	src, err := s.Wait(ctx)
	if err != nil {
		return nil, err
	}
	return src.NextSuccess(ctx, si)
}

// FailedUsers implements signin.Source.
func (s *Source) FailedUsers(ctx context.Context, prefix string, max int) ([]string, error) {
	src, err := s.Wait(ctx)
	if err != nil {
		return nil, err
	}
	return src.FailedUsers(ctx, prefix, max)
}

// Collect implements signin.Collector.
func (s *Source) Collect(ctx context.Context, c signin.Collect) (signin.Collection, error) {
	src, err := s.Wait(ctx)
	if err != nil {
		return signin.Collection{}, err
	}
	return src.Collect(ctx, c)
}

// Directory implements directory.Reader.
func (s *Source) Directory(ctx context.Context, q directory.Query) (directory.Context, error) {
	src, err := s.Wait(ctx)
	if err != nil {
		return directory.Context{}, err
	}
	return src.Directory(ctx, q)
}

var _ signin.Source = (*Source)(nil)
