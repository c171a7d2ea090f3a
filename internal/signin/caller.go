package signin

import "context"

type callerKey struct{}

// WithCaller returns ctx carrying the signed-in caller's access token (the
// assertion the HTTP transport validated), so that a source can act on the
// caller's behalf. It lives only as long as the request's context: nothing
// keeps it in shared state.
func WithCaller(ctx context.Context, assertion string) context.Context {
	return context.WithValue(ctx, callerKey{}, assertion)
}

// CallerAssertion returns the caller's access token carried by ctx, or "".
func CallerAssertion(ctx context.Context) string {
	s, _ := ctx.Value(callerKey{}).(string)
	return s
}
