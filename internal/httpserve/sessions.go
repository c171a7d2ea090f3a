package httpserve

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// sessionStore is the live MCP sessions: who owns each, when it was last
// used. It bounds them (all callers together, and each caller) and expires
// idle ones, so a flood of initialize calls cannot grow the process without
// end. mcp-go consults it through sessionResolver (a SessionIdManager per
// request, which knows the request's caller); the guard reserves a slot
// before an initialize reaches mcp-go, so a refusal can be a 503 with
// Retry-After rather than a session that silently does not exist.
type sessionStore struct {
	max, perCaller int
	idle           time.Duration
	now            func() time.Time

	mu       sync.Mutex
	live     map[string]*sessionEntry
	owned    map[string]int // caller → live + reserved sessions
	reserved int
}

type sessionEntry struct {
	owner string
	seen  time.Time
}

func newSessionStore(max, perCaller int, idle time.Duration, now func() time.Time) *sessionStore {
	return &sessionStore{max: max, perCaller: perCaller, idle: idle, now: now,
		live: map[string]*sessionEntry{}, owned: map[string]int{}}
}

// errNoSession answers every session ID the caller may not use: unknown,
// ended, expired, or another caller's. One answer for all, so a caller
// cannot learn whether someone else's session exists.
var errNoSession = errors.New("no such session")

// reserve takes a slot for a new session of caller, or says how long until
// one is likely to free up.
func (st *sessionStore) reserve(caller string) (retryAfter time.Duration, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.full(caller) {
		st.sweepLocked()
		if st.full(caller) {
			return st.retryAfterLocked(caller), false
		}
	}
	st.reserved++
	st.owned[caller]++
	return 0, true
}

func (st *sessionStore) full(caller string) bool {
	return len(st.live)+st.reserved >= st.max || (st.perCaller > 0 && st.owned[caller] >= st.perCaller)
}

// retryAfterLocked: when the oldest idle session (of caller, if caller is
// at its own cap) expires; at least a second.
func (st *sessionStore) retryAfterLocked(caller string) time.Duration {
	own := st.perCaller > 0 && st.owned[caller] >= st.perCaller
	now := st.now()
	wait := st.idle
	for _, e := range st.live {
		if own && e.owner != caller {
			continue
		}
		wait = min(wait, e.seen.Add(st.idle).Sub(now))
	}
	return max(wait, time.Second)
}

// release gives back a reservation that did not become a session.
func (st *sessionStore) release(caller string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.reserved--
	st.disownLocked(caller)
}

// commit turns caller's reservation into a live session and returns its ID.
func (st *sessionStore) commit(caller string) string {
	id := "mcp-session-" + rand.Text()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.reserved--
	st.live[id] = &sessionEntry{owner: caller, seen: st.now()}
	return id
}

// use checks that id is a live session of caller and marks it used.
func (st *sessionStore) use(id, caller string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.live[id]
	if !ok {
		return errNoSession
	}
	now := st.now()
	if now.Sub(e.seen) >= st.idle {
		st.removeLocked(id, e)
		return errNoSession
	}
	if e.owner != caller {
		return errNoSession
	}
	e.seen = now
	return nil
}

// end removes session id if caller owns it; anyOwner is the idle sweeper.
// An ID that is not live (already ended or expired) is no error: mcp-go may
// still hold its state, and cleaning that up harms no one.
func (st *sessionStore) end(id, caller string, anyOwner bool) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.live[id]
	if !ok {
		return nil
	}
	if !anyOwner && e.owner != caller {
		return errNoSession
	}
	st.removeLocked(id, e)
	return nil
}

// count is the number of live sessions.
func (st *sessionStore) count() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.live)
}

func (st *sessionStore) sweepLocked() {
	now := st.now()
	for id, e := range st.live {
		if now.Sub(e.seen) >= st.idle {
			st.removeLocked(id, e)
		}
	}
}

func (st *sessionStore) removeLocked(id string, e *sessionEntry) {
	delete(st.live, id)
	st.disownLocked(e.owner)
}

func (st *sessionStore) disownLocked(caller string) {
	if st.owned[caller]--; st.owned[caller] <= 0 {
		delete(st.owned, caller)
	}
}

// sessionResolver gives mcp-go a SessionIdManager bound to each request's
// caller (and reservation, for an initialize).
type sessionResolver struct{ store *sessionStore }

// ResolveSessionIdManager implements server.SessionIdManagerResolver. A nil
// request is mcp-go's idle sweeper.
func (sr sessionResolver) ResolveSessionIdManager(r *http.Request) server.SessionIdManager {
	if r == nil {
		return &boundSessions{store: sr.store, anyOwner: true}
	}
	caller, _ := r.Context().Value(callerKey{}).(string)
	res, _ := r.Context().Value(reservationKey{}).(*reservation)
	return &boundSessions{store: sr.store, caller: caller, res: res}
}

// reservation is a slot the guard reserved for an initialize request.
type reservation struct{ used atomic.Bool }

type (
	callerKey      struct{}
	reservationKey struct{}
)

// boundSessions is the session store as one request's caller sees it.
type boundSessions struct {
	store    *sessionStore
	caller   string
	res      *reservation
	anyOwner bool
}

// Generate returns a new session ID. Only an initialize that the guard
// reserved a slot for gets a live session; anything else (mcp-go also
// generates an ID for a GET without one) gets an ID that lives only as long
// as that request, known to no one.
func (b *boundSessions) Generate() string {
	if b.res != nil && b.res.used.CompareAndSwap(false, true) {
		return b.store.commit(b.caller)
	}
	return "mcp-transient-" + rand.Text()
}

// Validate implements server.SessionIdManager: an error (mcp-go answers 404)
// unless the session is live and the caller's.
func (b *boundSessions) Validate(id string) (bool, error) {
	return false, b.store.use(id, b.caller)
}

// Terminate implements server.SessionIdManager: the owner ends its session
// (DELETE), and the idle sweeper ends any. Another caller's live session is
// an error, so that mcp-go does not clean up its state (the guard has
// already answered such a DELETE with 404; this is the second lock).
func (b *boundSessions) Terminate(id string) (bool, error) {
	return false, b.store.end(id, b.caller, b.anyOwner)
}

// withSessionCaller puts the caller's key in ctx for the session manager.
func withSessionCaller(ctx context.Context, caller string) context.Context {
	return context.WithValue(ctx, callerKey{}, caller)
}
