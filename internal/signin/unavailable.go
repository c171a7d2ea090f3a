package signin

import (
	"context"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
)

// Unavailable is a Source that cannot serve: every call returns Err. The
// server uses it when a source could not be configured, so that it still
// starts, the catalog tools still work, and the sign-in tools say what to fix.
type Unavailable struct {
	SourceName string
	Err        error
}

// Name implements Source.
func (u Unavailable) Name() string { return u.SourceName }

// Now implements Source.
func (u Unavailable) Now(context.Context) (time.Time, error) { return time.Time{}, u.Err }

// Search implements Source.
func (u Unavailable) Search(context.Context, Query) (Page, error) { return Page{}, u.Err }

// Get implements Source.
func (u Unavailable) Get(context.Context, string) (SignIn, error) { return SignIn{}, u.Err }

// Correlated implements Source.
func (u Unavailable) Correlated(context.Context, string) ([]SignIn, error) { return nil, u.Err }

// FailedUsers implements Source.
func (u Unavailable) FailedUsers(context.Context, string, int) ([]string, error) { return nil, u.Err }

// NextSuccess implements Source.
func (u Unavailable) NextSuccess(context.Context, SignIn) (*SuccessRef, error) { return nil, u.Err }

// Collect implements Collector: a diagnosis on an unconfigured source says
// what to fix, as every other tool does.
func (u Unavailable) Collect(context.Context, Collect) (Collection, error) {
	return Collection{}, u.Err
}

// Directory implements directory.Reader.
func (u Unavailable) Directory(context.Context, directory.Query) (directory.Context, error) {
	return directory.Context{}, u.Err
}
